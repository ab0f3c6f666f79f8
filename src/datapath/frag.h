/* Packets too big for the outside link once encrypted. The ASA's default,
 * pre-fragmentation, cuts the inner IPv4 packet (DF clear) so that each
 * piece makes an ESP packet that fits; with DF set, or IPv6, the sender is
 * told the size that fits (ICMP "fragmentation needed", RFC 1191; ICMPv6
 * "packet too big", RFC 8201). Post-fragmentation (crypto ipsec
 * fragmentation after-encryption) cuts the ESP packet itself instead. */
#ifndef FP_FRAG_H
#define FP_FRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "common/pkt.h"

#define FP_FRAG_MAX 64u /* pieces one datagram may be cut into */

/* How many pieces of at most mtu bytes IPv4 datagram p needs; 0 when it
 * cannot be cut (DF set, not IPv4, a header or MTU that leaves no room). */
unsigned fp_ipv4_frag_count(const struct fp_pkt *p, uint32_t mtu);
/* Cut p into n = fp_ipv4_frag_count() pieces, written into the empty
 * packets out[0..n-1] (RFC 791 §3.2; options are copied into the first
 * piece only, a piece of a fragment keeps its offset and MF). */
void fp_ipv4_fragment(const struct fp_pkt *p, uint32_t mtu, struct fp_pkt **out, unsigned n);

/* Rewrite p in place into the PMTU message for it, from src (the inside
 * interface's address), telling that mtu bytes fit. false when p cannot
 * get one (an ICMP error itself, a fragment past the first, no room). */
bool fp_icmp4_frag_needed(struct fp_pkt *p, const uint8_t src[4], uint16_t mtu);
bool fp_icmp6_too_big(struct fp_pkt *p, const uint8_t src[16], uint32_t mtu);

#endif
