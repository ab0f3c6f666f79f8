/* ESP outbound, RFC 4303 §3.3, over a vector of inner packets whose SA the
 * policy chose (pkt->sa). Per run of packets on one SA: prepare (sequence
 * number, trailer, ESP header, IV, outer header from the SA's template),
 * one burst encrypt, then finish (IPv6 UDP checksum, counters). */
#include <string.h>

#include "common/inet.h"
#include "offload/esp.h"
#include "offload/pipe.h"
#include "offload/sadb.h"

struct outb_layout {
	uint8_t *payload;    /* what ESP protects */
	uint32_t payload_len;
	uint8_t nh;          /* next header in the trailer */
	uint8_t ip[60];      /* transport mode: the IP header kept in front */
	uint32_t ip_len;
};

/* Tunnel mode protects the whole inner packet. */
static inline enum fp_drop outb_tunnel(struct fp_pkt *p, struct outb_layout *l)
{
	uint8_t version = p->len ? p->data[0] >> 4 : 0;
	if (version != 4 && version != 6)
		return FP_DROP_NOT_IP;
	uint32_t len = fp_esp_inner_len(p->data, p->len, version);
	if (!len)
		return FP_DROP_IP_MALFORMED;
	p->len = len;
	l->payload = p->data;
	l->payload_len = len;
	l->nh = version == 4 ? FP_IPPROTO_IPIP : FP_IPPROTO_IPV6;
	l->ip_len = 0;
	return FP_DROP_NONE;
}

/* Transport mode protects what follows the IP header, which stays in
 * front (IPv6 extension headers are not supported). */
static enum fp_drop outb_transport(struct fp_pkt *p, struct outb_layout *l)
{
	enum fp_drop why = outb_tunnel(p, l);
	if (why != FP_DROP_NONE)
		return why;
	bool v4 = l->nh == FP_IPPROTO_IPIP;
	l->ip_len = v4 ? (uint32_t)(p->data[0] & 0x0f) * 4 : FP_IPV6_HLEN;
	l->nh = v4 ? p->data[9] : p->data[6];
	memcpy(l->ip, p->data, l->ip_len);
	fp_pkt_pull(p, l->ip_len);
	l->payload = p->data;
	l->payload_len = p->len;
	return FP_DROP_NONE;
}

/* Padding 1, 2, 3, ... to the cipher block, then pad length and next header. */
static uint32_t outb_trailer(const struct fp_sa *sa, struct fp_pkt *p, uint8_t nh)
{
	uint32_t padded = (p->len + 2 + sa->sa_block - 1) & ~(uint32_t)(sa->sa_block - 1);
	uint32_t pad = padded - p->len - 2;
	uint8_t *t = fp_pkt_put(p, pad + 2);
	for (uint32_t i = 0; i < pad; i++)
		t[i] = (uint8_t)(i + 1);
	t[pad] = (uint8_t)pad;
	t[pad + 1] = nh;
	return padded;
}

static enum fp_drop outb_room(const struct fp_sa *sa, const struct fp_pkt *p,
			      const struct outb_layout *l)
{
	uint32_t head = sa->sa_hdr_len + FP_ESP_HLEN + sa->sa_iv_len + l->ip_len;
	uint32_t tail = sa->sa_block + 2 + sa->sa_icv_len;
	if (fp_pkt_headroom(p) < head || fp_pkt_tailroom(p) < tail ||
	    p->len + head + tail > 65535)
		return FP_DROP_TOO_BIG;
	return FP_DROP_NONE;
}

static void outb_esp_header(struct fp_pipe *pp, struct fp_sa *sa, struct fp_pkt *p, uint64_t seq)
{
	uint8_t *esp = fp_pkt_push(p, FP_ESP_HLEN + sa->sa_iv_len);
	fp_put32(esp, sa->sa_spi);
	fp_put32(esp + 4, (uint32_t)seq);
	if (sa->sa_aead)
		fp_put64(esp + FP_ESP_HLEN, seq); /* unique per key: RFC 4106 §3.1 */
	else
		fp_crypto_random(pp->ct, esp + FP_ESP_HLEN, sa->sa_iv_len);
}

static void outb_crypto_op(struct fp_pipe *pp, struct fp_sa *sa, struct fp_pkt *p,
			   uint32_t padded, uint16_t k)
{
	struct fp_crypto_op *op = &pp->scr->ops[k];
	uint8_t *esp = p->data;
	uint64_t seq = pp->scr->seq[k];
	op->iv = esp + FP_ESP_HLEN;
	op->data = esp + FP_ESP_HLEN + sa->sa_iv_len;
	op->data_len = padded;
	op->icv = op->data + padded;
	op->status = FP_CRYPTO_OK;
	if (sa->sa_aead && sa->sa_esn) {
		uint8_t *aad = pp->scr->aad[k];
		fp_put32(aad, sa->sa_spi);
		fp_put32(aad + 4, (uint32_t)(seq >> 32));
		fp_put32(aad + 8, (uint32_t)seq);
		op->aad = aad;
		op->aad_len = 12;
	} else if (sa->sa_aead) {
		op->aad = esp;
		op->aad_len = FP_ESP_HLEN;
	} else {
		op->auth = esp;
		op->auth_len = FP_ESP_HLEN + sa->sa_iv_len + padded;
		if (sa->sa_esn) { /* high bits sit where the ICV goes, RFC 4303 §2.2.1 */
			fp_put32(op->icv, (uint32_t)(seq >> 32));
			op->auth_len += 4;
		}
	}
	fp_pkt_put(p, sa->sa_icv_len);
}

/* The outer header: the SA's template, or the packet's own IP header in
 * transport mode; then lengths, identification, copy-df and checksum. */
static void outb_outer(struct fp_sa *sa, struct fp_pkt *p, const struct outb_layout *l,
		       bool inner_df)
{
	uint32_t ip_len = sa->sa_hdr_len - (sa->sa_encap ? FP_UDP_HLEN : 0);
	if (sa->sa_encap) {
		uint8_t *u = fp_pkt_push(p, FP_UDP_HLEN);
		memcpy(u, sa->sa_hdr + ip_len, FP_UDP_HLEN);
		fp_put16(u + 4, (uint16_t)p->len);
	}
	uint8_t proto = sa->sa_encap ? FP_IPPROTO_UDP : FP_IPPROTO_ESP;
	if (l->ip_len) {
		ip_len = l->ip_len;
		memcpy(fp_pkt_push(p, ip_len), l->ip, ip_len);
	} else {
		memcpy(fp_pkt_push(p, ip_len), sa->sa_hdr, ip_len);
	}
	uint8_t *h = p->data;
	if (sa->sa_outer_af == FP_AF_INET && !l->ip_len) {
		/* the template's sum plus the three fields that change */
		uint16_t id = sa->sa_ip_id++, frag = inner_df ? 0x4000 : 0; /* DF policy: copy-df */
		fp_put16(h + 2, (uint16_t)p->len);
		fp_put16(h + 4, id);
		fp_put16(h + 6, frag);
		fp_put16(h + 10, fp_csum_fold(sa->sa_hdr_sum + p->len + id + frag));
	} else if (sa->sa_outer_af == FP_AF_INET) {
		h[9] = proto;
		fp_put16(h + 2, (uint16_t)p->len);
		fp_ipv4_csum_set(h);
	} else {
		h[6] = proto;
		fp_put16(h + 4, (uint16_t)(p->len - FP_IPV6_HLEN));
	}
}

static bool outb_prepare(struct fp_pipe *pp, struct fp_sa *sa, struct fp_pkt *p, uint16_t k)
{
	struct outb_layout l;
	enum fp_drop why;

	if (sa->sa_expired)
		return fp_pipe_drop(pp, sa, p, FP_DROP_SA_EXPIRED), false;
	if (sa->sa_seq >= sa->sa_seq_max) /* RFC 4303 §3.3.3: never cycle */
		return fp_pipe_drop(pp, sa, p, FP_DROP_SEQ_EXHAUSTED), false;
	why = sa->sa_mode == FP_SA_TUNNEL ? outb_tunnel(p, &l) : outb_transport(p, &l);
	if (why == FP_DROP_NONE)
		why = outb_room(sa, p, &l);
	if (why != FP_DROP_NONE)
		return fp_pipe_drop(pp, sa, p, why), false;
	bool df = (l.payload[0] >> 4) == 4 && l.ip_len == 0 && (fp_get16(l.payload + 6) & 0x4000);
	pp->scr->seq[k] = ++sa->sa_seq;
	if (sa->sa_seq == sa->sa_seq_max)
		fp_sadb_event_raise(pp->db, (uint32_t)(sa - pp->db->db_sa), FP_SA_EV_SEQ_EXHAUSTED);
	uint32_t inner = p->len + l.ip_len;
	uint32_t padded = outb_trailer(sa, p, l.nh);
	outb_esp_header(pp, sa, p, pp->scr->seq[k]);
	outb_crypto_op(pp, sa, p, padded, k);
	outb_outer(sa, p, &l, df);
	pp->scr->inner_len[k] = inner;
	return true;
}

static void outb_finish(struct fp_sa *sa, struct fp_pkt *p)
{
	if (sa->sa_encap && sa->sa_outer_af == FP_AF_INET6) {
		uint8_t *u = p->data + FP_IPV6_HLEN;
		u[6] = u[7] = 0;
		fp_put16(u + 6, fp_udp6_csum(p->data, u, p->len - FP_IPV6_HLEN));
	}
}

/* nvppu-style byte counters, once per run: cipher and MAC regions. */
static void outb_crypto_bytes(struct fp_pipe *pp, uint16_t k)
{
	uint64_t enc = 0, hash = 0;
	for (uint16_t i = 0; i < k; i++) {
		const struct fp_crypto_op *op = &pp->scr->ops[i];
		enc += op->data_len;
		hash += (uint64_t)(op->data - op->iv) + 8 + op->data_len; /* ESP header, IV, payload */
	}
	pp->st.out_encrypt_bytes += enc;
	pp->st.out_hash_bytes += hash;
}

static void outb_run(struct fp_pipe *pp, uint32_t id, struct fp_pkt **pkts, uint16_t n)
{
	struct fp_sa *sa = fp_sadb_sa(pp->db, id);
	struct fp_pkt **mine = pp->scr->tmp;
	uint64_t outer = 0, inner = 0;
	uint16_t k = 0, ok = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (!sa)
			fp_pipe_drop(pp, NULL, pkts[i], FP_DROP_NO_SA);
		else if (outb_prepare(pp, sa, pkts[i], k))
			mine[k++] = pkts[i];
	}
	if (!k)
		return;
	pp->st.out_encrypt_pkts += k;
	pp->st.out_hash_pkts += k;
	fp_crypto_encrypt(pp->ct, sa->sa_cs, pp->scr->ops, k);
	outb_crypto_bytes(pp, k);
	for (uint16_t i = 0; i < k; i++) {
		if (pp->scr->ops[i].status != FP_CRYPTO_OK) {
			fp_pipe_drop(pp, sa, mine[i], FP_DROP_CRYPTO_ERROR);
			continue;
		}
		outb_finish(sa, mine[i]);
		outer += mine[i]->len;
		inner += pp->scr->inner_len[i];
		ok++;
	}
	sa->sa_cnt.outer_bytes += outer;
	sa->sa_cnt.last_used_ns = pp->now_ns;
	pp->st.ob_success += ok;
	pp->st.out_bytes += outer;
	fp_sa_account(pp->db, id, ok, inner);
}

uint16_t fp_esp_outb_process(struct fp_pipe *pp, struct fp_pkt **pkts, uint16_t n)
{
	pp->st.ob_process += n;
	pp->st.out_pkts += n;
	pp->st.rx_pkts += n;
	for (uint16_t j = 0; j < n; j++) {
		pkts[j]->drop = FP_DROP_NONE;
		pkts[j]->flags &= ~FP_PKT_F_PUNT;
	}
	return fp_esp_runs(pp, pkts, n, outb_run);
}
