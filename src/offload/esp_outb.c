/* ESP outbound, RFC 4303 §3.3, over a vector of inner packets whose SA the
 * policy chose (pkt->sa). Per run of packets on one SA: prepare (sequence
 * number, trailer, ESP header, IV, outer header from the SA's template),
 * one burst encrypt, then finish (IPv6 UDP checksum, counters). */
#include <string.h>

#include "common/inet.h"
#include "offload/esp.h"
#include "offload/pipe.h"
#include "offload/sadb.h"

/* Where each part of the outgoing packet goes, worked out once from the
 * inner packet's place and length. The writes then go through these
 * locals: a byte store through pkt->data would make the compiler reload
 * pkt->data and pkt->len after every one (char pointers alias anything). */
struct outb_frame {
	uint8_t *payload;    /* what ESP protects; becomes the cipher text */
	uint32_t len;        /* its length */
	uint32_t padded;     /* with padding, pad length and next header */
	uint8_t *esp;        /* ESP header, then the IV */
	uint8_t *outer;      /* the first byte sent */
	uint32_t total;      /* bytes sent */
	uint32_t inner;      /* inner packet bytes, for the counters */
	uint8_t nh;          /* next header in the trailer */
	bool df;             /* inner IPv4 DF, copied to the outer header */
	uint32_t ip_len;     /* transport mode: the IP header kept in front */
	uint8_t ip[60];
};

/* Tunnel mode protects the whole inner packet. */
static inline enum fp_drop outb_tunnel(const struct fp_pkt *p, struct outb_frame *f)
{
	const uint8_t *h = p->data;
	uint8_t version = p->len ? h[0] >> 4 : 0;
	if (version != 4 && version != 6)
		return FP_DROP_NOT_IP;
	uint32_t len = fp_esp_inner_len(h, p->len, version);
	if (!len)
		return FP_DROP_IP_MALFORMED;
	f->payload = p->data;
	f->len = f->inner = len;
	f->nh = version == 4 ? FP_IPPROTO_IPIP : FP_IPPROTO_IPV6;
	f->df = version == 4 && (h[6] & 0x40);
	f->ip_len = 0;
	return FP_DROP_NONE;
}

/* Transport mode protects what follows the IP header, which stays in
 * front (IPv6 extension headers are not supported). */
static enum fp_drop outb_transport(const struct fp_pkt *p, struct outb_frame *f)
{
	enum fp_drop why = outb_tunnel(p, f);
	if (why != FP_DROP_NONE)
		return why;
	bool v4 = f->nh == FP_IPPROTO_IPIP;
	f->ip_len = v4 ? (uint32_t)(p->data[0] & 0x0f) * 4 : FP_IPV6_HLEN;
	f->nh = v4 ? p->data[9] : p->data[6];
	f->df = false;
	memcpy(f->ip, p->data, f->ip_len);
	f->payload += f->ip_len;
	f->len -= f->ip_len;
	return FP_DROP_NONE;
}

/* Sizes and places; TOO_BIG when the buffer or IP's 64 KiB cannot hold it. */
static inline enum fp_drop outb_place(const struct fp_sa *sa, const struct fp_pkt *p,
				      struct outb_frame *f)
{
	uint32_t ip_len = f->ip_len ? f->ip_len + (sa->sa_encap ? FP_UDP_HLEN : 0) : sa->sa_hdr_len;
	f->padded = (f->len + 2 + sa->sa_block - 1) & ~(uint32_t)(sa->sa_block - 1);
	f->esp = f->payload - FP_ESP_HLEN - sa->sa_iv_len;
	f->outer = f->esp - ip_len;
	f->total = ip_len + FP_ESP_HLEN + sa->sa_iv_len + f->padded + sa->sa_icv_len;
	if (f->outer < p->buf || f->outer + f->total > p->buf + FP_PKT_BUF_SIZE || f->total > 65535)
		return FP_DROP_TOO_BIG;
	return FP_DROP_NONE;
}

/* Padding 1, 2, 3, ... to the cipher block, then pad length and next header. */
static inline void outb_trailer(const struct outb_frame *f)
{
	uint8_t *t = f->payload + f->len;
	uint32_t pad = f->padded - f->len - 2;
	for (uint32_t i = 0; i < pad; i++)
		t[i] = (uint8_t)(i + 1);
	t[pad] = (uint8_t)pad;
	t[pad + 1] = f->nh;
}

static inline void outb_esp_header(struct fp_pipe *pp, const struct fp_sa *sa,
				   const struct outb_frame *f, uint64_t seq)
{
	fp_put32(f->esp, sa->sa_spi);
	fp_put32(f->esp + 4, (uint32_t)seq);
	if (sa->sa_aead)
		fp_put64(f->esp + FP_ESP_HLEN, seq); /* unique per key: RFC 4106 §3.1 */
	else
		fp_crypto_random(pp->ct, f->esp + FP_ESP_HLEN, sa->sa_iv_len);
}

static inline void outb_crypto_op(struct fp_pipe *pp, const struct fp_sa *sa,
				  const struct outb_frame *f, uint16_t k, uint64_t seq)
{
	struct fp_crypto_op *op = &pp->scr->ops[k];
	op->iv = f->esp + FP_ESP_HLEN;
	op->data = f->payload;
	op->data_len = f->padded;
	op->icv = f->payload + f->padded;
	op->status = FP_CRYPTO_OK;
	if (sa->sa_aead && sa->sa_esn) {
		uint8_t *aad = pp->scr->aad[k];
		fp_put32(aad, sa->sa_spi);
		fp_put32(aad + 4, (uint32_t)(seq >> 32));
		fp_put32(aad + 8, (uint32_t)seq);
		op->aad = aad;
		op->aad_len = 12;
	} else if (sa->sa_aead) {
		op->aad = f->esp;
		op->aad_len = FP_ESP_HLEN;
	} else {
		op->auth = f->esp;
		op->auth_len = FP_ESP_HLEN + sa->sa_iv_len + f->padded;
		if (sa->sa_esn) { /* high bits sit where the ICV goes, RFC 4303 §2.2.1 */
			fp_put32(op->icv, (uint32_t)(seq >> 32));
			op->auth_len += 4;
		}
	}
}

/* The outer header: the SA's template, or the packet's own IP header in
 * transport mode; then lengths, identification, copy-df and checksum. */
static inline void outb_outer(struct fp_sa *sa, const struct outb_frame *f)
{
	uint8_t *h = f->outer;
	uint32_t ip_len = f->ip_len ? f->ip_len : sa->sa_hdr_len - (sa->sa_encap ? FP_UDP_HLEN : 0);
	uint16_t total = (uint16_t)f->total;
	if (sa->sa_encap) {
		uint8_t *u = h + ip_len;
		memcpy(u, sa->sa_hdr + sa->sa_hdr_len - FP_UDP_HLEN, FP_UDP_HLEN);
		fp_put16(u + 4, (uint16_t)(total - ip_len));
	}
	if (f->ip_len)
		memcpy(h, f->ip, ip_len);
	else
		memcpy(h, sa->sa_hdr, ip_len);
	if (sa->sa_outer_af == FP_AF_INET && !f->ip_len) {
		/* the template's sum plus the three fields that change */
		uint16_t id = sa->sa_ip_id++, frag = f->df ? 0x4000 : 0; /* DF policy: copy-df */
		fp_put16(h + 2, total);
		fp_put16(h + 4, id);
		fp_put16(h + 6, frag);
		fp_put16(h + 10, fp_csum_fold(sa->sa_hdr_sum + total + id + frag));
	} else if (sa->sa_outer_af == FP_AF_INET) {
		h[9] = sa->sa_encap ? FP_IPPROTO_UDP : FP_IPPROTO_ESP;
		fp_put16(h + 2, total);
		fp_ipv4_csum_set(h);
	} else {
		h[6] = sa->sa_encap ? FP_IPPROTO_UDP : FP_IPPROTO_ESP;
		fp_put16(h + 4, (uint16_t)(total - FP_IPV6_HLEN));
	}
}

static bool outb_prepare(struct fp_pipe *pp, struct fp_sa *sa, struct fp_pkt *p, uint16_t k,
			 const struct fp_sa_room *room, uint64_t *run_bytes)
{
	struct outb_frame f;
	enum fp_drop why;

	if (sa->sa_expired || k >= room->pkts || *run_bytes >= room->bytes)
		return fp_pipe_drop(pp, sa, p, FP_DROP_SA_EXPIRED), false;
	if (sa->sa_seq >= sa->sa_seq_max) /* RFC 4303 §3.3.3: never cycle */
		return fp_pipe_drop(pp, sa, p, FP_DROP_SEQ_EXHAUSTED), false;
	if (sa->sa_seq >= room->seq) /* not saved yet: after a crash it could be sent again */
		return fp_pipe_drop(pp, sa, p, FP_DROP_SEQ_UNRESERVED), false;
	why = sa->sa_mode == FP_SA_TUNNEL ? outb_tunnel(p, &f) : outb_transport(p, &f);
	if (why == FP_DROP_NONE)
		why = outb_place(sa, p, &f);
	if (why != FP_DROP_NONE)
		return fp_pipe_drop(pp, sa, p, why), false;
	/* the slow path cuts it first (ASA pre-fragmentation) or answers with
	 * a PMTU message; post-fragmentation cuts only the ESP packet, which
	 * copies DF, so what has DF (or is IPv6) still needs the message */
	if (sa->sa_mtu && f.total > sa->sa_mtu &&
	    !(sa->sa_p.post_frag && f.nh == FP_IPPROTO_IPIP && !f.df))
		return fp_pipe_punt(pp, p, FP_DROP_PREFRAG), false;
	uint64_t seq = sa->sa_seq + 1;
	__atomic_store_n(&sa->sa_seq, seq, __ATOMIC_RELAXED); /* the slow path peeks at it */
	if (seq == sa->sa_seq_max)
		fp_sadb_event_raise(pp->db, (uint32_t)(sa - pp->db->db_sa), FP_SA_EV_SEQ_EXHAUSTED);
	outb_trailer(&f);
	outb_esp_header(pp, sa, &f, seq);
	outb_crypto_op(pp, sa, &f, k, seq);
	outb_outer(sa, &f);
	p->data = f.outer;
	p->len = f.total;
	pp->scr->inner_len[k] = f.inner;
	*run_bytes += f.inner;
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
	uint64_t outer = 0, inner = 0, run_bytes = 0;
	uint16_t k = 0, ok = 0;
	if (sa)
		fp_sa_clock(pp->db, id, pp->now_ns);
	struct fp_sa_room room = sa ? fp_sa_room(sa) : (struct fp_sa_room){0, 0, 0};

	for (uint16_t i = 0; i < n; i++) {
		/* the id may be stale: the SA moved, or its slot went to another tunnel's */
		bool ours = sa && sa->sa_rule == pkts[i]->rule;
		if (!ours && !(pkts[i]->flags & FP_PKT_F_RESTEER))
			fp_pipe_punt(pp, pkts[i], FP_DROP_NO_SA); /* ask the policy again */
		else if (!ours)
			fp_pipe_drop(pp, NULL, pkts[i], FP_DROP_NO_SA);
		else if (outb_prepare(pp, sa, pkts[i], k, &room, &run_bytes))
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
	sa->sa_cnt.soft_pkts += pp->software ? ok : 0;
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
