/* INFORMATIONAL, both roles (RFC 7296 1.4, 1.4.1, 2.4, 2.21): DELETE of
 * ESP SAs (each side answers with the inbound SPIs of the pairs it took
 * down), DELETE of the IKE SA (its children with it), dead peer
 * detection (an empty request after dpd_s of silence, retransmitted every
 * dpd_retry_s; no answer after FP_IKE_RTX_TRIES retransmissions ends the
 * SA and is counted as dpd_dead), and INITIAL_CONTACT. */
#include <string.h>

#include <openssl/crypto.h>

#include "common/inet.h"
#include "ike/ike_build.h"
#include "ike/ike_sa.h"

#define NS 1000000000ull

static bool info_send(struct fp_ike *ike, struct fp_ike_sarec *s, struct fp_ike_wr *w,
		      uint8_t kind, uint64_t now_ns)
{
	if (!fp_ike_ask(ike, s, FP_IKE_EX_INFORMATIONAL, w, now_ns))
		return false;
	s->s_pend.p_kind = kind;
	return true;
}

static void info_put_esp(struct fp_ike_wr *w, const uint32_t *spis, unsigned n, uint8_t *buf)
{
	for (unsigned i = 0; i < n; i++)
		fp_put32(buf + 4 * i, spis[i]);
	struct fp_ike_delete dv = {.d_spis = buf, .d_n_spi = (uint16_t)n,
				   .d_proto = FP_IKE_PROTO_ESP, .d_spi_size = 4};
	fp_ike_put_delete(w, &dv);
}

bool fp_ike_info_next(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns)
{
	struct fp_ike_wr w;
	uint8_t buf[4 * FP_IKE_MAX_DEL];
	fp_ike_wr_init_inner(&w, ike->chain, sizeof(ike->chain));
	if (s->s_del_ike) {
		struct fp_ike_delete dv = {.d_proto = FP_IKE_PROTO_IKE};
		s->s_del_ike = false;
		fp_ike_put_delete(&w, &dv);
		return info_send(ike, s, &w, FP_IKE_P_DELETE_IKE, now_ns);
	}
	if (!s->s_n_del)
		return false;
	info_put_esp(&w, s->s_del, s->s_n_del, buf);
	memcpy(s->s_pend.p_del, s->s_del, s->s_n_del * sizeof(s->s_del[0]));
	s->s_pend.p_n_del = s->s_n_del;
	s->s_n_del = 0;
	return info_send(ike, s, &w, FP_IKE_P_DELETE_CHILD, now_ns);
}

/* The last time the peer was heard from: an IKE message, or an ESP
 * packet on one of the SA's children (RFC 7296 2.4: a peer sending
 * traffic is alive). */
static uint64_t info_last_heard(struct fp_ike *ike, const struct fp_ike_sarec *s)
{
	uint64_t last = s->s_last_rx_ns;
	for (unsigned i = 0; ike->env.child_rx_ns && i < FP_IKE_MAX_CHILDREN; i++) {
		if (s->s_ch[i].c_state == FP_IKE_CH_FREE)
			continue;
		uint64_t t = ike->env.child_rx_ns(ike->env.ctx, s->s_ch[i].c_handle);
		last = t > last ? t : last;
	}
	return last;
}

bool fp_ike_info_dpd(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns)
{
	const struct fp_ike_peer *p = &ike->peers[s->s_peer];
	uint64_t idle_ns = (uint64_t)p->dpd_s * NS;
	if (!p->dpd_s || now_ns - s->s_last_rx_ns < idle_ns)
		return false;
	uint64_t heard = info_last_heard(ike, s);
	if (heard > now_ns || now_ns - heard < idle_ns)
		return false;
	struct fp_ike_wr w;
	fp_ike_wr_init_inner(&w, ike->chain, sizeof(ike->chain));
	if (!info_send(ike, s, &w, FP_IKE_P_DPD, now_ns))
		return false;
	s->s_mid.mi_fixed_ns = (uint64_t)(p->dpd_retry_s ? p->dpd_retry_s : 2) * NS;
	s->s_mid.mi_rtx_ns = now_ns + s->s_mid.mi_fixed_ns;
	return true;
}

void fp_ike_info_delete_child(struct fp_ike *ike, struct fp_ike_sarec *s, unsigned i,
			      const char *why)
{
	if (s->s_n_del < FP_IKE_MAX_DEL)
		s->s_del[s->s_n_del++] = s->s_ch[i].c_spi_in;
	fp_ike_child_drop(ike, s, i, why);
}

/* Our child whose outbound SPI the peer deletes: down, its inbound SPI
 * into out (for our answer), and out of our own DELETE list. */
static void info_peer_deletes(struct fp_ike *ike, struct fp_ike_sarec *s, uint32_t spi,
			      uint32_t *out, unsigned *n)
{
	for (unsigned i = 0; i < FP_IKE_MAX_CHILDREN; i++) {
		struct fp_ike_childrec *c = &s->s_ch[i];
		if (c->c_state == FP_IKE_CH_FREE || c->c_spi_out != spi)
			continue;
		for (unsigned k = 0; k < s->s_n_del; k++)
			if (s->s_del[k] == c->c_spi_in)
				s->s_del[k--] = s->s_del[--s->s_n_del];
		if (*n < FP_IKE_MAX_DEL)
			out[(*n)++] = c->c_spi_in;
		fp_ike_child_drop(ike, s, i, "Peer sent DELETE");
	}
}

void fp_ike_info_request(struct fp_ike *ike, struct fp_ike_sarec *s,
			 const struct fp_ike_chain *c, uint32_t mid)
{
	uint32_t ours[FP_IKE_MAX_DEL];
	uint8_t buf[4 * FP_IKE_MAX_DEL];
	unsigned n = 0, at = 0;
	bool del_ike = false;
	const struct fp_ike_pl *pl;
	struct fp_ike_wr w;

	while ((pl = fp_ike_chain_find(c, FP_IKE_PL_DELETE, &at))) {
		struct fp_ike_delete dv;
		if (fp_ike_delete_parse(pl, &dv) != FP_IKE_E_OK)
			continue;
		if (dv.d_proto == FP_IKE_PROTO_IKE)
			del_ike = true;
		for (unsigned k = 0; dv.d_proto == FP_IKE_PROTO_ESP && dv.d_spi_size == 4 &&
				     k < dv.d_n_spi;
		     k++)
			info_peer_deletes(ike, s, fp_get32(dv.d_spis + 4 * k), ours, &n);
	}
	fp_ike_wr_init_inner(&w, ike->chain, sizeof(ike->chain));
	if (n && !del_ike)
		info_put_esp(&w, ours, n, buf);
	fp_ike_answer(ike, s, FP_IKE_EX_INFORMATIONAL, &w, mid);
	if (del_ike)
		fp_ike_sa_delete(ike, s, "Peer sent DELETE");
}

void fp_ike_info_response(struct fp_ike *ike, struct fp_ike_sarec *s,
			  const struct fp_ike_chain *c)
{
	struct fp_ike_pend *p = &s->s_pend;
	(void)c;
	if (p->p_kind == FP_IKE_P_DELETE_IKE) {
		fp_ike_sa_delete(ike, s, "Operator request");
		return;
	}
	/* the peer's DELETE answer: our replaced children's inbound SAs go */
	for (unsigned k = 0; p->p_kind == FP_IKE_P_DELETE_CHILD && k < p->p_n_del; k++)
		for (unsigned i = 0; i < FP_IKE_MAX_CHILDREN; i++)
			if (s->s_ch[i].c_state == FP_IKE_CH_OLD && s->s_ch[i].c_spi_in == p->p_del[k])
				fp_ike_child_drop(ike, s, i, "rekeyed");
	p->p_kind = FP_IKE_P_NONE;
	p->p_n_del = 0;
}

void fp_ike_info_initial_contact(struct fp_ike *ike, struct fp_ike_sarec *s)
{
	for (unsigned i = 0; i < ike->n_sas; i++) {
		struct fp_ike_sarec *o = ike->sas[i];
		if (o != s && o->s_has_peer && o->s_peer == s->s_peer &&
		    o->s_state == FP_IKE_S_READY)
			fp_ike_sa_delete(ike, o, "INITIAL_CONTACT received");
	}
}

static void info_low_nonce(const struct fp_ike_sarec *s, const uint8_t **lo, size_t *n)
{
	fp_ike_nonce_lower(s->s_ni, s->s_ni_len, s->s_nr, s->s_nr_len, lo, n);
}

void fp_ike_info_duplicate(struct fp_ike *ike, struct fp_ike_sarec *s)
{
	for (unsigned i = 0; i < ike->n_sas; i++) {
		struct fp_ike_sarec *o = ike->sas[i];
		if (o == s || !o->s_has_peer || o->s_peer != s->s_peer ||
		    o->s_state != FP_IKE_S_READY || s->s_state != FP_IKE_S_READY)
			continue;
		const uint8_t *ls, *lo;
		size_t ns, no;
		info_low_nonce(s, &ls, &ns);
		info_low_nonce(o, &lo, &no);
		struct fp_ike_sarec *gone = fp_ike_nonce_cmp(ls, ns, lo, no) < 0 ? s : o;
		fp_ike_dbg(ike, 1, "(%llu): a second IKE SA with the peer of (%llu), both sides "
				   "started at once: (%llu) goes (lowest nonce)",
			   (unsigned long long)s->s_id, (unsigned long long)o->s_id,
			   (unsigned long long)gone->s_id);
		fp_ike_sa_close(ike, gone, "Duplicate IKE SA");
	}
}
