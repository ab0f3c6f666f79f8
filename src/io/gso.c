/* Cutting TUN super-packets into MTU-size packets (gso.h). The header
 * fix-ups per segment follow the kernel's software GSO (inet_gso_segment,
 * tcp_gso_segment, __udp_gso_segment), so what the engine sees is what a
 * NIC without TSO would have put on the wire. */
#include "io/gso.h"

#include <string.h>

#include "common/inet.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80
#define UDP_CSUM_OFF 6
#define TCP_CSUM_OFF 16

/* RFC 1071 sum 8 bytes a step in host (little-endian) order: the folded
 * result, byte-swapped, is the network-order sum (RFC 1071 §2(B)). Chunks
 * must start at even offsets of the summed segment, as headers and
 * payload here do. fp_csum_partial's 4-byte big-endian steps cost twice
 * as much, and every byte of every segment passes through here. */
static inline uint64_t sum_add(uint64_t s, uint64_t v)
{
	s += v;
	return s + (s < v); /* end-around carry */
}

static uint64_t sum_le(const uint8_t *p, uint32_t n, uint64_t s)
{
	uint64_t v = 0;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&v, p, 8);
		s = sum_add(s, v);
	}
	v = 0;
	memcpy(&v, p, n); /* the tail, zero padded: an odd last byte is a low byte */
	return sum_add(s, v);
}

/* Copy n bytes and sum them on the way: the payload is read once. */
static uint64_t copy_sum_le(uint8_t *dst, const uint8_t *src, uint32_t n)
{
	uint64_t s = 0, v;

	for (; n >= 8; src += 8, dst += 8, n -= 8) {
		memcpy(&v, src, 8);
		memcpy(dst, &v, 8);
		s = sum_add(s, v);
	}
	memcpy(dst, src, n);
	return sum_le(src, n, s);
}

/* A host-order 64-bit sum as a network-order partial for fp_csum_fold. */
static uint32_t sum_be(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return __builtin_bswap16((uint16_t)s);
}

uint32_t fp_gso_pseudo_sum(const uint8_t *ip, uint8_t proto, uint32_t l4len)
{
	uint8_t tail[8] = {0};

	fp_put32(tail, l4len);
	tail[7] = proto;
	if ((ip[0] >> 4) == 4)
		return fp_csum_partial(ip + 12, 8, fp_csum_partial(tail, 8, 0));
	return fp_csum_partial(ip + 8, 32, fp_csum_partial(tail, 8, 0));
}

/* The checksum to store, from the pseudo-header sum, the transport
 * header (its checksum field cancelled) and the payload's host-order sum. */
static uint16_t l4_csum_finish(const uint8_t *ip, uint32_t l4, uint32_t hlen, uint8_t proto,
			       uint32_t l4len, uint64_t payload)
{
	uint32_t off = proto == FP_IPPROTO_TCP ? TCP_CSUM_OFF : UDP_CSUM_OFF;
	uint32_t s = fp_gso_pseudo_sum(ip, proto, l4len);

	s += sum_be(sum_le(ip + l4, hlen - l4, payload));
	s += (uint16_t)~fp_get16(ip + l4 + off); /* one's complement: cancels the field */
	uint16_t c = fp_csum_fold(s);
	return (c == 0 && proto == FP_IPPROTO_UDP) ? 0xffff : c; /* RFC 768: 0 means none */
}

uint16_t fp_gso_l4_csum(const uint8_t *ip, uint32_t l4, uint8_t proto, uint32_t l4len)
{
	return l4_csum_finish(ip, l4, l4 + l4len, proto, l4len, 0);
}

/* The IP header's own idea of the packet length must be the read length:
 * anything else is a header we do not understand (BIG TCP's zero length
 * included), and cutting it would invent packets. */
static int gso_ip_check(struct fp_gso *g, const uint8_t *pkt, uint32_t len)
{
	if (len < 1)
		return -1;
	g->gs_af = pkt[0] >> 4;
	if (g->gs_af == 4) {
		uint32_t ihl = (uint32_t)(pkt[0] & 0x0f) * 4;
		if (len < FP_IPV4_HLEN || ihl < FP_IPV4_HLEN || ihl != g->gs_l4 || fp_get16(pkt + 2) != len ||
		    (fp_get16(pkt + 6) & 0x3fff))
			return -1;
		g->gs_proto = pkt[9];
		return 0;
	}
	if (g->gs_af == 6) {
		if (len < FP_IPV6_HLEN || g->gs_l4 < FP_IPV6_HLEN ||
		    FP_IPV6_HLEN + fp_get16(pkt + 4) != len)
			return -1;
		/* extension headers ride along in every segment; only the
		 * common case names the transport directly */
		g->gs_proto = g->gs_l4 == FP_IPV6_HLEN ? pkt[6] : 0;
		return 0;
	}
	return -1;
}

static int gso_l4_check(struct fp_gso *g, uint8_t type, uint32_t len)
{
	if (type == VIRTIO_NET_HDR_GSO_TCPV4 || type == VIRTIO_NET_HDR_GSO_TCPV6) {
		if ((type == VIRTIO_NET_HDR_GSO_TCPV4) != (g->gs_af == 4))
			return -1;
		if (g->gs_proto && g->gs_proto != FP_IPPROTO_TCP)
			return -1;
		g->gs_proto = FP_IPPROTO_TCP;
		if ((uint32_t)g->gs_l4 + 20 > len)
			return -1;
		g->gs_hlen = (uint16_t)(g->gs_l4 + (g->gs_pkt[g->gs_l4 + 12] >> 4) * 4);
		return g->gs_hlen < g->gs_l4 + 20 ? -1 : 0;
	}
	if (type == VIRTIO_NET_HDR_GSO_UDP_L4) {
		if (g->gs_proto && g->gs_proto != FP_IPPROTO_UDP)
			return -1;
		g->gs_proto = FP_IPPROTO_UDP;
		if ((uint32_t)g->gs_l4 + FP_UDP_HLEN > len) /* before it is narrowed to 16 bits */
			return -1;
		g->gs_hlen = (uint16_t)(g->gs_l4 + FP_UDP_HLEN);
		return 0;
	}
	return -1; /* UFO (IP fragments) and anything newer: never negotiated */
}

int fp_gso_init(struct fp_gso *g, const struct virtio_net_hdr *vh, const uint8_t *pkt,
		uint32_t len)
{
	memset(g, 0, sizeof(*g));
	g->gs_pkt = pkt;
	g->gs_len = len;
	/* hdr_len is only a hint (the kernel reports its linear part); the
	 * transport header starts at csum_start, as virtio says it must */
	g->gs_l4 = vh->csum_start;
	g->gs_mss = vh->gso_size;
	if (len > 0xffff || g->gs_mss == 0 || gso_ip_check(g, pkt, len) < 0 ||
	    gso_l4_check(g, vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN, len) < 0 ||
	    g->gs_hlen >= len)
		return -1;
	g->gs_segs = (uint16_t)((len - g->gs_hlen + g->gs_mss - 1) / g->gs_mss);
	return 0;
}

static void gso_fix_ip(const struct fp_gso *g, unsigned i, uint8_t *out, uint32_t tot)
{
	if (g->gs_af == 4) {
		fp_put16(out + 2, (uint16_t)tot);
		fp_put16(out + 4, (uint16_t)(fp_get16(g->gs_pkt + 4) + i));
		fp_ipv4_csum_set(out);
	} else {
		fp_put16(out + 4, (uint16_t)(tot - FP_IPV6_HLEN));
	}
}

static void gso_fix_tcp(const struct fp_gso *g, unsigned i, uint8_t *out)
{
	uint8_t *th = out + g->gs_l4;

	fp_put32(th + 4, fp_get32(g->gs_pkt + g->gs_l4 + 4) + i * (uint32_t)g->gs_mss);
	if (i + 1u < g->gs_segs)
		th[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (i > 0)
		th[13] &= (uint8_t)~TCP_CWR; /* congestion signalled once, by the first */
}

uint32_t fp_gso_segment(const struct fp_gso *g, unsigned i, uint8_t *out)
{
	uint32_t off = g->gs_hlen + i * (uint32_t)g->gs_mss;
	uint32_t n = g->gs_len - off < g->gs_mss ? g->gs_len - off : g->gs_mss;
	uint32_t tot = g->gs_hlen + n;
	uint32_t csum_at = g->gs_l4 + (g->gs_proto == FP_IPPROTO_TCP ? TCP_CSUM_OFF : UDP_CSUM_OFF);

	memcpy(out, g->gs_pkt, g->gs_hlen);
	uint64_t payload = copy_sum_le(out + g->gs_hlen, g->gs_pkt + off, n);
	gso_fix_ip(g, i, out, tot);
	if (g->gs_proto == FP_IPPROTO_TCP)
		gso_fix_tcp(g, i, out);
	else
		fp_put16(out + g->gs_l4 + 4, (uint16_t)(tot - g->gs_l4));
	fp_put16(out + csum_at, l4_csum_finish(out, g->gs_l4, g->gs_hlen, g->gs_proto,
					       tot - g->gs_l4, payload));
	return tot;
}

int fp_gso_csum_complete(uint8_t *pkt, uint32_t len, uint16_t csum_start,
			 uint16_t csum_offset)
{
	uint32_t at = (uint32_t)csum_start + csum_offset;

	if (csum_start >= len || at + 2 > len)
		return -1;
	uint16_t c = fp_csum_fold(sum_be(sum_le(pkt + csum_start, len - csum_start, 0)));
	if (c == 0 && csum_offset == UDP_CSUM_OFF)
		c = 0xffff; /* UDP: a computed zero is sent as all ones */
	fp_put16(pkt + at, c);
	return 0;
}
