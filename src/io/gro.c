/* Coalescing TCP segments into TUN super-packets (gro.h). Only runs of
 * consecutive packets of one flow merge: the engine's output comes in
 * such runs (one SA's burst decrypts to one inner flow's segments), and
 * no flow table is needed to find them. */
#include "io/gro.h"

#include <stdbool.h>
#include <string.h>

#include "common/inet.h"
#include "io/gso.h"

#define TCP_ACK 0x10
#define TCP_PSH 0x08
#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6
#define GRO_MAX_LEN 0xffffu  /* the IPv4 total length / what the kernel takes */

/* What fp_gro_run needs of one packet. */
struct gro_seg {
	uint16_t l4;      /* TCP header offset */
	uint16_t hlen;    /* IP + TCP headers */
	uint32_t plen;    /* TCP payload bytes */
	uint32_t seq;
	uint8_t flags;
	uint8_t proto;
};

/* IPv4 without options or fragments, or IPv6 without extension headers,
 * carrying proto with at least min bytes after the IP header. */
static bool gro_parse_ip(const struct fp_pkt *p, uint8_t proto, uint32_t min, struct gro_seg *s)
{
	const uint8_t *h = p->data;

	if (p->len < FP_IPV4_HLEN + min)
		return false;
	if (h[0] == 0x45) {
		if (h[9] != proto || fp_get16(h + 2) != p->len || (fp_get16(h + 6) & 0x3fff))
			return false;
		s->l4 = FP_IPV4_HLEN;
	} else if ((h[0] >> 4) == 6) {
		if (p->len < FP_IPV6_HLEN + min || h[6] != proto ||
		    FP_IPV6_HLEN + fp_get16(h + 4) != p->len)
			return false;
		s->l4 = FP_IPV6_HLEN;
	} else {
		return false;
	}
	s->proto = proto;
	return true;
}

/* A UDP datagram with data whose UDP length agrees with the IP length. */
static bool gro_parse_udp(const struct fp_pkt *p, struct gro_seg *s)
{
	/* no checksum (IPv4): udp_gro_receive leaves those alone, segmentation
	 * would make one up */
	if (!gro_parse_ip(p, FP_IPPROTO_UDP, FP_UDP_HLEN + 1, s) ||
	    fp_get16(p->data + s->l4 + 4) != p->len - s->l4 || !fp_get16(p->data + s->l4 + 6))
		return false;
	s->hlen = (uint16_t)(s->l4 + FP_UDP_HLEN);
	s->plen = p->len - s->hlen;
	s->seq = 0;
	s->flags = 0;
	return true;
}

/* TCP with data and no flag but ACK (and PSH); with udp, UDP datagrams.
 * Anything else travels alone. */
static bool gro_parse(const struct fp_pkt *p, bool udp, struct gro_seg *s)
{
	const uint8_t *h = p->data;

	if (!gro_parse_ip(p, FP_IPPROTO_TCP, 20, s))
		return udp && gro_parse_udp(p, s);
	uint32_t doff = (uint32_t)(h[s->l4 + 12] >> 4) * 4;
	if (doff < 20 || s->l4 + doff >= p->len)
		return false;
	s->hlen = (uint16_t)(s->l4 + doff);
	s->plen = p->len - s->hlen;
	s->seq = fp_get32(h + s->l4 + 4);
	s->flags = h[s->l4 + 13];
	return s->flags == TCP_ACK || s->flags == (TCP_ACK | TCP_PSH);
}

static bool same_bytes(const uint8_t *a, const uint8_t *b, unsigned from, unsigned to)
{
	return memcmp(a + from, b + from, to - from) == 0;
}

/* Same flow and nothing the merge would lose: every header byte equal but
 * lengths, IPv4 id and checksums, sequence number and flags (TCP). */
static bool gro_same_flow(const uint8_t *a, const uint8_t *b, const struct gro_seg *s)
{
	const uint8_t *ta = a + s->l4, *tb = b + s->l4;
	bool ip = s->l4 == FP_IPV4_HLEN ?
		same_bytes(a, b, 0, 2) && same_bytes(a, b, 6, 10) && same_bytes(a, b, 12, 20) :
		same_bytes(a, b, 0, 4) && same_bytes(a, b, 6, 40);

	if (s->proto == FP_IPPROTO_UDP)
		return ip && same_bytes(ta, tb, 0, 4);
	return ip && same_bytes(ta, tb, 0, 4) && same_bytes(ta, tb, 8, 13) &&
	       same_bytes(ta, tb, 14, 16) && same_bytes(ta, tb, 18, s->hlen - s->l4);
}

static void gro_vh_fill(struct fp_gro *g, const struct fp_pkt *first, const struct gro_seg *f)
{
	if (g->gr_n == 1)
		return;
	bool udp = f->proto == FP_IPPROTO_UDP;
	g->gr_vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	g->gr_vh.gso_type = udp ? VIRTIO_NET_HDR_GSO_UDP_L4
			  : (first->data[0] >> 4) == 4 ? VIRTIO_NET_HDR_GSO_TCPV4
						       : VIRTIO_NET_HDR_GSO_TCPV6;
	g->gr_vh.hdr_len = f->hlen;
	g->gr_vh.gso_size = (uint16_t)f->plen;
	g->gr_vh.csum_start = f->l4;
	g->gr_vh.csum_offset = udp ? UDP_CSUM_OFF : TCP_CSUM_OFF;
}

unsigned fp_gro_run(struct fp_pkt *const *pkts, unsigned n, bool udp, struct fp_gro *g)
{
	struct gro_seg f, c;

	memset(g, 0, sizeof(*g));
	g->gr_n = 1;
	g->gr_len = pkts[0]->len;
	if (n < 2 || !gro_parse(pkts[0], udp, &f) || (f.flags & TCP_PSH))
		return 1;
	g->gr_hlen = f.hlen;
	uint32_t prev_plen = f.plen, next_seq = f.seq + (f.proto == FP_IPPROTO_TCP ? f.plen : 0);
	while (g->gr_n < n && g->gr_n < FP_GRO_MAX_SEGS && prev_plen == f.plen) {
		const struct fp_pkt *p = pkts[g->gr_n];
		if (!gro_parse(p, udp, &c) || c.proto != f.proto || c.hlen != f.hlen ||
		    c.seq != next_seq ||
		    c.plen > f.plen || g->gr_len + c.plen > GRO_MAX_LEN ||
		    !gro_same_flow(pkts[0]->data, p->data, &f))
			break;
		g->gr_len += c.plen;
		g->gr_n++;
		next_seq += f.proto == FP_IPPROTO_TCP ? c.plen : 0;
		prev_plen = c.plen; /* a short segment ends the run */
		if (c.flags & TCP_PSH)
			break;
	}
	gro_vh_fill(g, pkts[0], &f);
	return g->gr_n;
}

void fp_gro_finish(const struct fp_gro *g, struct fp_pkt *first, const struct fp_pkt *last)
{
	uint8_t *h = first->data;
	uint16_t l4 = g->gr_vh.csum_start;

	if (g->gr_n < 2)
		return;
	if ((h[0] >> 4) == 4) {
		fp_put16(h + 2, (uint16_t)g->gr_len);
		fp_ipv4_csum_set(h);
	} else {
		fp_put16(h + 4, (uint16_t)(g->gr_len - FP_IPV6_HLEN));
	}
	bool udp = g->gr_vh.gso_type == VIRTIO_NET_HDR_GSO_UDP_L4;
	if (udp) /* the kernel's USO takes each datagram's length from this one */
		fp_put16(h + l4 + 4, (uint16_t)(g->gr_len - l4));
	else
		h[l4 + 13] |= last->data[l4 + 13] & TCP_PSH;
	/* NEEDS_CSUM: the field holds the pseudo-header sum, uncomplemented;
	 * whoever completes the checksum adds the rest from csum_start */
	uint8_t proto = udp ? FP_IPPROTO_UDP : FP_IPPROTO_TCP;
	uint16_t pseudo = (uint16_t)~fp_csum_fold(fp_gso_pseudo_sum(h, proto, g->gr_len - l4));
	fp_put16(h + l4 + (udp ? UDP_CSUM_OFF : TCP_CSUM_OFF), pseudo);
}
