/* Inbound classification for DTLS: which UDP datagrams belong to a DTLS
 * rule, by the 6-tuple CAM (the client's address and port, ours). A
 * fragment, a bad header or an unknown tuple is left unclassified for the
 * slow path, which owns the socket and counts what it refuses. */
#include <string.h>

#include "offload/dtls_db.h"

/* The key is written a word at a time: byte stores read back as words
 * would stall the lookup on store forwarding. */
static void classify_addrs(struct fp_dtls_tuple *t, const uint8_t *src, const uint8_t *dst,
			   unsigned alen)
{
	uint32_t s4, d4;
	if (alen == 4) {
		memcpy(&s4, src, 4);
		memcpy(&d4, dst, 4);
		t->t_w[1] = s4, t->t_w[2] = 0;
		t->t_w[3] = d4, t->t_w[4] = 0;
		return;
	}
	memcpy(&t->t_w[1], src, 16);
	memcpy(&t->t_w[3], dst, 16);
}

/* Offset of the UDP header and the datagram's length, or 0. */
static uint32_t classify_udp(const struct fp_pkt *p, struct fp_dtls_tuple *t, uint32_t *ulen)
{
	const uint8_t *h = p->data;
	uint32_t hl, tot;
	uint8_t af;

	if (p->len >= FP_IPV4_HLEN && (h[0] >> 4) == 4) {
		hl = (uint32_t)(h[0] & 0x0f) * 4;
		tot = fp_get16(h + 2);
		if (h[9] != FP_IPPROTO_UDP || hl < FP_IPV4_HLEN || tot > p->len || tot < hl ||
		    (fp_get16(h + 6) & 0x3fff)) /* MF or an offset: reassembled first */
			return 0;
		af = FP_AF_INET;
		classify_addrs(t, h + 12, h + 16, 4);
	} else if (p->len >= FP_IPV6_HLEN && (h[0] >> 4) == 6 && h[6] == FP_IPPROTO_UDP) {
		hl = FP_IPV6_HLEN;
		tot = FP_IPV6_HLEN + fp_get16(h + 4);
		if (tot > p->len)
			return 0;
		af = FP_AF_INET6;
		classify_addrs(t, h + 8, h + 24, 16);
	} else {
		return 0;
	}
	if (tot < hl + FP_UDP_HLEN)
		return 0;
	*ulen = fp_get16(h + hl + 4);
	if (*ulen < FP_UDP_HLEN || *ulen > tot - hl)
		return 0;
	/* af, 0, client port, our port, 0: the struct's first word */
	t->t_w[0] = af | (uint64_t)fp_get16(h + hl) << 16 | (uint64_t)fp_get16(h + hl + 2) << 32;
	return hl;
}

uint16_t fp_dtls_classify(struct fp_dtlsdb *db, struct fp_pkt **pkts, uint16_t n)
{
	struct fp_dtls_tuple t;
	uint16_t hit = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct fp_pkt *p = pkts[i];
		uint32_t ulen, hl = classify_udp(p, &t, &ulen);
		uint32_t id = hl ? fp_dtls_cam_find(db, &t) : FP_DTLS_NONE;
		p->sa = FP_SA_NONE;
		if (id == FP_DTLS_NONE)
			continue;
		p->sa = id;
		p->esp_off = (uint16_t)(hl + FP_UDP_HLEN);
		p->len = hl + ulen; /* link padding off */
		hit++;
	}
	return hit;
}
