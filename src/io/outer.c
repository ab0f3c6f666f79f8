/* Synthetic outer headers in, real ones out (outer.h). */
#include "io/outer.h"

#include <string.h>

#define OUTER_TTL 64 /* what the sender used is gone with the kernel's header */

static void outer_write_ipv4(uint8_t *h, const struct fp_outer *o, uint32_t tot)
{
	memset(h, 0, FP_IPV4_HLEN);
	h[0] = 0x45;
	fp_put16(h + 2, (uint16_t)tot);
	h[8] = OUTER_TTL;
	h[9] = o->ou_proto;
	memcpy(h + 12, o->ou_src, 4);
	memcpy(h + 16, o->ou_dst, 4);
	fp_ipv4_csum_set(h);
}

static void outer_write_ipv6(uint8_t *h, const struct fp_outer *o, uint32_t tot)
{
	memset(h, 0, 8);
	h[0] = 0x60;
	fp_put16(h + 4, (uint16_t)(tot - FP_IPV6_HLEN));
	h[6] = o->ou_proto;
	h[7] = OUTER_TTL;
	memcpy(h + 8, o->ou_src, 16);
	memcpy(h + 24, o->ou_dst, 16);
}

void fp_outer_write(uint8_t *h, const struct fp_outer *o)
{
	uint32_t ip = o->ou_af == 4 ? FP_IPV4_HLEN : FP_IPV6_HLEN;
	uint32_t tot = fp_outer_hlen(o->ou_af, o->ou_proto) + o->ou_plen;

	if (o->ou_af == 4)
		outer_write_ipv4(h, o, tot);
	else
		outer_write_ipv6(h, o, tot);
	if (o->ou_proto != FP_IPPROTO_UDP)
		return;
	uint8_t *u = h + ip;
	fp_put16(u, o->ou_sport);
	fp_put16(u + 2, o->ou_dport);
	fp_put16(u + 4, (uint16_t)(FP_UDP_HLEN + o->ou_plen));
	fp_put16(u + 6, 0);
}

/* The IP part: family, addresses, where the transport starts, and the
 * bytes the IP header says are the packet's (never more than len). */
static bool outer_parse_ip(const uint8_t *pkt, uint32_t len, struct fp_outer *o,
			   uint32_t *tot, bool *frag)
{
	if (len < 1)
		return false;
	o->ou_af = pkt[0] >> 4;
	if (o->ou_af == 4) {
		uint32_t ihl = (uint32_t)(pkt[0] & 0x0f) * 4;
		*tot = len >= FP_IPV4_HLEN ? fp_get16(pkt + 2) : 0;
		if (ihl < FP_IPV4_HLEN || *tot < ihl || *tot > len)
			return false;
		*frag = (fp_get16(pkt + 6) & 0x3fff) != 0; /* MF or an offset */
		o->ou_proto = pkt[9];
		o->ou_hlen = (uint16_t)ihl;
		o->ou_src = pkt + 12;
		o->ou_dst = pkt + 16;
		return true;
	}
	if (o->ou_af == 6 && len >= FP_IPV6_HLEN) {
		*tot = FP_IPV6_HLEN + fp_get16(pkt + 4);
		o->ou_proto = pkt[6];
		o->ou_hlen = FP_IPV6_HLEN;
		o->ou_src = pkt + 8;
		o->ou_dst = pkt + 24;
		return *tot <= len;
	}
	return false;
}

bool fp_outer_parse(const uint8_t *pkt, uint32_t len, uint8_t proto, struct fp_outer *o)
{
	uint32_t tot;
	bool frag = false;

	memset(o, 0, sizeof(*o));
	if (!outer_parse_ip(pkt, len, o, &tot, &frag) || o->ou_proto != proto)
		return false;
	if (proto == FP_IPPROTO_UDP) {
		if (frag) /* a socket sends datagrams, not pieces of one */
			return false;
		const uint8_t *u = pkt + o->ou_hlen;
		if (tot < o->ou_hlen + FP_UDP_HLEN ||
		    fp_get16(u + 4) != tot - o->ou_hlen)
			return false;
		o->ou_sport = fp_get16(u);
		o->ou_dport = fp_get16(u + 2);
		o->ou_hlen = (uint16_t)(o->ou_hlen + FP_UDP_HLEN);
	}
	o->ou_plen = tot - o->ou_hlen;
	return true;
}
