/* Crypto map policy: which tunnel (if any) protects an inner packet. The
 * crypto map's access-list is read in order; the first ACE that matches
 * decides: permit = this entry's SA, deny = not this entry, try the next. */
#ifndef FP_POLICY_H
#define FP_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

struct fp_gw;
struct fp_gw_tunnel;

/* Does the IP packet at ip (checked: at least a full IPv4/IPv6 header)
 * match the ACE? reverse swaps source and destination, for traffic that
 * comes back from the protected side. */
bool fp_ace_match(const struct fp_cfg_ace *ace, const uint8_t *ip, uint32_t len, bool reverse);

/* A tunnel's vpn-filter, written from the remote side's point of view
 * (source = the remote network): is the packet allowed? Decrypted packets
 * (inbound) are matched as they are, packets going into the tunnel
 * (outbound) with source and destination swapped. The first matching ACE
 * decides; none, or a packet too short to read, is a deny. */
bool fp_vpn_filter_permits(const struct fp_cfg_acl *acl, const uint8_t *ip, uint32_t len,
			   bool outbound);

/* The tunnel protecting a packet: the Tunnel interface a route sends it
 * into, else the crypto map entry (its permit ACE's tunnel with IKEv2)
 * whose access-list permits it; NULL: none. */
struct fp_gw_tunnel *fp_policy_lookup(struct fp_gw *gw, const uint8_t *ip, uint32_t len);

/* Is a cleartext packet arriving from outside one that a tunnel should
 * have carried (the mirror of a permit ACE)? */
bool fp_policy_expects_encrypted(const struct fp_gw *gw, const uint8_t *ip, uint32_t len);

#endif
