/* Inbound classification for DTLS: which UDP datagrams belong to a DTLS
 * rule, by the 6-tuple CAM (the client's address and port, ours). A
 * fragment, a bad header or an unknown tuple is left unclassified for the
 * slow path, which owns the socket and counts what it refuses. */
#include <string.h>

#include "offload/dtls_db.h"

/* Offset of the UDP header and the datagram's length, or 0. */
static uint32_t classify_udp(const struct fp_pkt *p, struct fp_dtls_tuple *t, uint32_t *ulen)
{
	const uint8_t *h = p->data;
	uint32_t hl, tot;

	memset(t, 0, sizeof(*t));
	if (p->len >= FP_IPV4_HLEN && (h[0] >> 4) == 4) {
		hl = (uint32_t)(h[0] & 0x0f) * 4;
		tot = fp_get16(h + 2);
		if (h[9] != FP_IPPROTO_UDP || hl < FP_IPV4_HLEN || tot > p->len || tot < hl ||
		    (fp_get16(h + 6) & 0x3fff)) /* MF or an offset: reassembled first */
			return 0;
		t->t_af = FP_AF_INET;
		memcpy(t->t_remote, h + 12, 4);
		memcpy(t->t_local, h + 16, 4);
	} else if (p->len >= FP_IPV6_HLEN && (h[0] >> 4) == 6 && h[6] == FP_IPPROTO_UDP) {
		hl = FP_IPV6_HLEN;
		tot = FP_IPV6_HLEN + fp_get16(h + 4);
		if (tot > p->len)
			return 0;
		t->t_af = FP_AF_INET6;
		memcpy(t->t_remote, h + 8, 16);
		memcpy(t->t_local, h + 24, 16);
	} else {
		return 0;
	}
	if (tot < hl + FP_UDP_HLEN)
		return 0;
	*ulen = fp_get16(h + hl + 4);
	if (*ulen < FP_UDP_HLEN || *ulen > tot - hl)
		return 0;
	t->t_rport = fp_get16(h + hl);
	t->t_lport = fp_get16(h + hl + 2);
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
