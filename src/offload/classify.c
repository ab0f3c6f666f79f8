/* Inbound classification, in the order DESIGN.md gives: the option-ID
 * table decides whether a packet belongs to an offload application (ESP,
 * or ESP in UDP on a NAT-T port), then the 6-tuple CAM (here: the SPI
 * table, SPIs being unique per gateway) finds its rule. A miss is punted to
 * the slow path, never dropped here, so the slow path can still own it. */
#include <string.h>

#include "common/inet.h"
#include "offload/pipe.h"
#include "offload/sadb.h"

struct outer {
	uint8_t af;
	uint8_t proto;
	uint16_t l4;         /* offset of the transport header */
	const uint8_t *dst;  /* destination address bytes */
};

/* IPv6 extension headers a sender may put before ESP (RFC 8200 §4.1). */
static bool ipv6_skippable(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 60;
}

/* Link layers pad short frames: trust the IP length, never beyond the frame. */
static bool outer_trim(struct fp_pkt *p, uint32_t ip_len)
{
	if (ip_len > p->len)
		return false;
	p->len = ip_len;
	return true;
}

static enum fp_drop outer_ipv6(struct fp_pkt *p, struct outer *o)
{
	const uint8_t *h = p->data;
	if (p->len < FP_IPV6_HLEN || !outer_trim(p, FP_IPV6_HLEN + fp_get16(h + 4)))
		return FP_DROP_IP_MALFORMED;
	uint8_t nh = h[6];
	uint32_t off = FP_IPV6_HLEN;
	while (ipv6_skippable(nh)) {
		if (off + 8 > p->len)
			return FP_DROP_IP_MALFORMED;
		nh = h[off];
		off += 8u + 8u * h[off + 1];
	}
	if (nh == FP_IPPROTO_FRAG)
		return FP_DROP_IP_FRAGMENT;
	if (off > p->len)
		return FP_DROP_IP_MALFORMED;
	o->af = FP_AF_INET6;
	o->proto = nh;
	o->l4 = (uint16_t)off;
	o->dst = h + 24;
	return FP_DROP_NONE;
}

static enum fp_drop outer_ipv4(struct fp_pkt *p, struct outer *o)
{
	const uint8_t *h = p->data;
	uint32_t hl = (uint32_t)(h[0] & 0x0f) * 4;
	if (p->len < FP_IPV4_HLEN || hl < FP_IPV4_HLEN || fp_get16(h + 2) < hl ||
	    !outer_trim(p, fp_get16(h + 2)))
		return FP_DROP_IP_MALFORMED;
	if (fp_get16(h + 6) & 0x3fff) /* MF or a fragment offset */
		return FP_DROP_IP_FRAGMENT;
	o->af = FP_AF_INET;
	o->proto = h[9];
	o->l4 = (uint16_t)hl;
	o->dst = h + 16;
	return FP_DROP_NONE;
}

static enum fp_drop outer_parse(struct fp_pkt *p, struct outer *o)
{
	if (p->len < 1)
		return FP_DROP_IP_MALFORMED;
	switch (p->data[0] >> 4) {
	case 4:
		return outer_ipv4(p, o);
	case 6:
		return outer_ipv6(p, o);
	default:
		return FP_DROP_NOT_IP;
	}
}

static bool encap_port(const struct fp_pipe *pp, uint16_t port)
{
	for (unsigned i = 0; i < FP_PIPE_ENCAP_PORTS && pp->encap_ports[i]; i++)
		if (pp->encap_ports[i] == port)
			return true;
	return false;
}

/* Option-ID table: ESP, ESP-in-UDP, or not ours. Sets the ESP offset. */
static enum fp_drop option_id(struct fp_pipe *pp, struct fp_pkt *p, const struct outer *o)
{
	if (o->proto == FP_IPPROTO_ESP) {
		p->esp_off = o->l4;
		return FP_DROP_NONE;
	}
	if (o->proto != FP_IPPROTO_UDP || p->len < o->l4 + FP_UDP_HLEN ||
	    !encap_port(pp, fp_get16(p->data + o->l4 + 2)))
		return FP_DROP_NOT_ESP;
	const uint8_t *u = p->data + o->l4;
	uint32_t plen = p->len - o->l4 - FP_UDP_HLEN;
	if (fp_get16(u + 4) != plen + FP_UDP_HLEN)
		return FP_DROP_BAD_NATT;
	if (plen == 1 && u[8] == 0xff)
		return FP_DROP_NATT_KEEPALIVE; /* RFC 3948 §2.3 */
	if (plen >= 4 && fp_get32(u + 8) == 0)
		return FP_DROP_IKE_PUNT;       /* non-ESP marker: IKE on 4500 */
	if (plen < FP_ESP_HLEN)
		return FP_DROP_BAD_NATT;
	p->esp_off = (uint16_t)(o->l4 + FP_UDP_HLEN);
	return FP_DROP_NONE;
}

static inline bool classify_dst_ok(const struct fp_sa *sa, const struct outer *o)
{
	const struct fp_addr *l = &sa->sa_p.local;
	if (l->af != o->af)
		return false;
	return o->af == FP_AF_INET ? memcmp(l->a, o->dst, 4) == 0 : memcmp(l->a, o->dst, 16) == 0;
}

static void classify_one(struct fp_pipe *pp, struct fp_pkt *p)
{
	struct outer o;
	enum fp_drop why = outer_parse(p, &o);

	p->sa = FP_SA_NONE;
	if (why == FP_DROP_NONE)
		why = option_id(pp, p, &o);
	switch (why) {
	case FP_DROP_NONE:
		break;
	case FP_DROP_NOT_ESP:
	case FP_DROP_IKE_PUNT:
	case FP_DROP_IP_FRAGMENT:
		pp->st.optid_miss++;
		fp_pipe_punt(pp, p, why);
		return;
	default:
		pp->st.optid_miss++;
		fp_pipe_drop(pp, NULL, p, why);
		return;
	}
	pp->st.optid_hit++;
	/* the tunnel table holds VTI endpoints; fpvpn has no VTI yet, so every
	 * ESP packet misses it and goes on to the 6-tuple CAM, as a
	 * policy-based (crypto map) tunnel does on the FPGA */
	pp->st.tunnel_miss++;
	if (p->len - p->esp_off < FP_ESP_HLEN) {
		fp_pipe_drop(pp, NULL, p, FP_DROP_ESP_TRUNCATED);
		return;
	}
	uint32_t spi = fp_get32(p->data + p->esp_off);
	if (spi < 256) {
		fp_pipe_drop(pp, NULL, p, FP_DROP_BAD_SPI);
		return;
	}
	p->sa = fp_sadb_find_in(pp->db, spi);
	if (p->sa != FP_SA_NONE && !classify_dst_ok(&pp->db->db_sa[p->sa], &o))
		p->sa = FP_SA_NONE; /* SPIs are ours, unique; the destination must agree */
	if (p->sa == FP_SA_NONE) {
		pp->st.cam_miss++;
		fp_pipe_punt(pp, p, FP_DROP_SPI_UNKNOWN);
		return;
	}
	struct fp_sa *sa = &pp->db->db_sa[p->sa];
	if (__builtin_expect(sa->sa_encap != (o.proto == FP_IPPROTO_UDP), 0)) {
		/* the SPI is right (a CAM hit), the way it came is not: never an ICV check */
		p->sa = FP_SA_NONE;
		pp->st.cam_hit++;
		fp_pipe_drop(pp, sa, p, FP_DROP_ENCAP_MISMATCH);
		return;
	}
	if (__builtin_expect(sa->sa_held, 0)) {
		/* counted when it comes back for good */
		pp->st.optid_hit--;
		pp->st.tunnel_miss--;
		fp_pipe_hold(pp, sa, p);
		return;
	}
	pp->st.cam_hit++;
}

uint32_t fp_classify_peek_spi(const struct fp_pipe *pp, struct fp_pkt *p)
{
	struct outer o;
	if (outer_parse(p, &o) != FP_DROP_NONE)
		return 0;
	uint32_t off = o.l4;
	if (o.proto == FP_IPPROTO_UDP) {
		if (p->len < o.l4 + FP_UDP_HLEN + FP_ESP_HLEN ||
		    !encap_port(pp, fp_get16(p->data + o.l4 + 2)))
			return 0;
		off += FP_UDP_HLEN;
	} else if (o.proto != FP_IPPROTO_ESP || p->len < o.l4 + FP_ESP_HLEN) {
		return 0;
	}
	uint32_t spi = fp_get32(p->data + off);
	return spi >= 256 ? spi : 0; /* 0 is also the non-ESP marker */
}

uint16_t fp_classify_inb(struct fp_pipe *pp, struct fp_pkt **pkts, uint16_t n)
{
	uint16_t held = pp->n_hold;
	for (uint16_t i = 0; i < n; i++) {
		pkts[i]->drop = FP_DROP_NONE;
		pkts[i]->flags &= ~FP_PKT_F_PUNT;
		classify_one(pp, pkts[i]);
	}
	pp->st.rx_pkts += n - (uint16_t)(pp->n_hold - held);
	return fp_vec_partition(pp, pkts, n);
}
