/* The outer headers the socket ports make up and take off. A UDP or
 * IPv6 raw socket hands over a payload and the addresses; the engine
 * wants the packet a pcap or a TUN would show. On receive the port writes
 * a synthetic IPv4/IPv6 (+ UDP) header in front of the payload; on send
 * it reads the engine's header to learn where the payload goes.
 *
 * Synthetic headers: IPv4 version 4, IHL 5, TOS 0, id 0, no DF, TTL 64,
 * valid header checksum; IPv6 traffic class and flow label 0, hop limit
 * 64; UDP checksum 0 (the kernel verified it; IPv4 allows 0, and for IPv6
 * nothing downstream checks it: RFC 6936's zero-checksum exception in
 * spirit, and a capture shows it as 0). */
#ifndef FP_OUTER_H
#define FP_OUTER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/inet.h"

#define FP_OUTER_MAX (FP_IPV6_HLEN + FP_UDP_HLEN)

/* An outer header, either direction. Addresses are 4 or 16 bytes as af says. */
struct fp_outer {
	uint8_t ou_af;          /* 4 or 6 */
	uint8_t ou_proto;       /* FP_IPPROTO_UDP or FP_IPPROTO_ESP */
	uint16_t ou_hlen;       /* IP (+ UDP) header bytes in front of the payload */
	uint16_t ou_sport, ou_dport;   /* UDP only, host order */
	uint32_t ou_plen;       /* payload bytes after the headers */
	const uint8_t *ou_src, *ou_dst;
};

/* Header bytes for af (4 or 6) and proto: 20/40, plus 8 for UDP. */
static inline uint16_t fp_outer_hlen(uint8_t af, uint8_t proto)
{
	return (uint16_t)((af == 4 ? FP_IPV4_HLEN : FP_IPV6_HLEN) +
			  (proto == FP_IPPROTO_UDP ? FP_UDP_HLEN : 0));
}

/* Write o's headers at h, for a payload of o->ou_plen bytes right behind
 * them (h + fp_outer_hlen()). */
void fp_outer_write(uint8_t *h, const struct fp_outer *o);

/* Read the outer header of a packet to send: IPv4 (options allowed) or
 * IPv6 (no extension header) whose protocol is proto; for UDP, not an
 * IPv4 fragment and with a UDP header whose length agrees (an IPv4 ESP
 * fragment is fine: IP_HDRINCL sends it as it is). Fills o (pointers into
 * pkt); false if it is not such a packet. */
bool fp_outer_parse(const uint8_t *pkt, uint32_t len, uint8_t proto, struct fp_outer *o);

#endif
