/* The IKE SA rekeyed by CREATE_CHILD_SA (RFC 7296 1.3.2, 2.18): a new
 * SA with new SPIs, nonces and g^ir, SKEYSEED = prf(SK_d (old), g^ir |
 * Ni | Nr); the children move to it, and the initiator of the rekey
 * becomes the new SA's original initiator. The old SA is deleted by the
 * rekey's initiator (a DELETE on the old SA).
 *
 * Simultaneous rekeys (2.8.2): the exchange with the lowest of the four
 * nonces made the redundant SA, which its initiator deletes; the winner
 * deletes the old one. The children end on the winner's SA. */
#include <string.h>

#include <openssl/crypto.h>

#include "common/inet.h"
#include "ike/ike_build.h"
#include "ike/ike_sa.h"

#define REKEY_RETRY_NS 30000000000ull /* a refused rekey is tried again */
#define REKEY_LINGER_NS 30000000000ull /* a replaced SA waits this long for its DELETE */

/* Our one IKE proposal: the suite s runs, with SPI spi. */
static void rekey_prop(struct fp_ike_sa *sa, const struct fp_ike_sarec *s, const uint8_t *spi,
		       uint8_t num)
{
	struct fp_ike_xf *x = sa->sa_xf;
	unsigned n = 0;
	memset(sa, 0, sizeof(*sa));
	x[n++] = (struct fp_ike_xf){.xf_type = FP_IKE_XF_ENCR, .xf_id = s->s_encr,
				    .xf_keylen = s->s_encr_bits};
	x[n++] = (struct fp_ike_xf){.xf_type = FP_IKE_XF_PRF, .xf_id = s->s_prf};
	if (s->s_integ != FP_IKE_INTEG_NONE)
		x[n++] = (struct fp_ike_xf){.xf_type = FP_IKE_XF_INTEG, .xf_id = s->s_integ};
	x[n++] = (struct fp_ike_xf){.xf_type = FP_IKE_XF_DH, .xf_id = s->s_group};
	sa->sa_prop[0] = (struct fp_ike_prop){.pr_spi = spi, .pr_n_xf = (uint8_t)n,
					      .pr_num = num, .pr_proto = FP_IKE_PROTO_IKE,
					      .pr_spi_size = FP_IKE_SPI_LEN};
	sa->sa_n_prop = 1;
	sa->sa_n_xf = n;
}

/* Does the peer's proposal pr carry exactly the suite of s? */
static bool rekey_prop_ok(const struct fp_ike_sa *sa, const struct fp_ike_prop *pr,
			  const struct fp_ike_sarec *s)
{
	return pr->pr_proto == FP_IKE_PROTO_IKE && pr->pr_spi_size == FP_IKE_SPI_LEN &&
	       fp_ike_prop_offers(sa, pr, FP_IKE_XF_ENCR, s->s_encr, s->s_encr_bits) &&
	       fp_ike_prop_offers(sa, pr, FP_IKE_XF_PRF, s->s_prf, 0) &&
	       fp_ike_prop_offers(sa, pr, FP_IKE_XF_DH, s->s_group, 0) &&
	       (s->s_integ == FP_IKE_INTEG_NONE ? !fp_ike_prop_has(sa, pr, FP_IKE_XF_INTEG)
						: fp_ike_prop_offers(sa, pr, FP_IKE_XF_INTEG,
								     s->s_integ, 0));
}

bool fp_ike_rekey_start(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns)
{
	struct fp_ike_pend *p = &s->s_pend;
	struct fp_ike_wr w;
	s->s_rekey_ns = now_ns + REKEY_RETRY_NS; /* again if this one fails */
	fp_ike_dh_free(&p->p_dh);
	OPENSSL_cleanse(p, sizeof(*p));
	p->p_kind = FP_IKE_P_IKE_REKEY;
	fp_ike_random(ike, p->p_spi_ike, FP_IKE_SPI_LEN);
	p->p_nonce_len = FP_IKE_NONCE_LEN;
	fp_ike_random(ike, p->p_nonce, p->p_nonce_len);
	rekey_prop(&ike->sa_view, s, p->p_spi_ike, 1);
	fp_ike_wr_init_inner(&w, ike->chain, sizeof(ike->chain));
	fp_ike_put_sa(&w, &ike->sa_view);
	fp_ike_put_raw(&w, FP_IKE_PL_NONCE, false, p->p_nonce, p->p_nonce_len);
	if (fp_ike_put_ke_new(&w, &p->p_dh, s->s_group) ||
	    !fp_ike_ask(ike, s, FP_IKE_EX_CREATE_CHILD_SA, &w, now_ns)) {
		fp_ike_dh_free(&p->p_dh);
		p->p_kind = FP_IKE_P_NONE;
		return false;
	}
	fp_ike_dbg(ike, 4, "(%llu): rekeying the IKE SA", (unsigned long long)s->s_id);
	return true;
}

/* The new SA beside s: same peer, path and suite; keys from in. */
static struct fp_ike_sarec *rekey_new_sa(struct fp_ike *ike, const struct fp_ike_sarec *s,
					 bool initiator, const uint8_t *own_spi, const uint8_t *peer_spi,
					 const struct fp_ike_kin *in_part, const uint8_t *gir,
					 size_t gn)
{
	struct fp_ike_sarec *n = fp_ike_sa_new(ike, initiator, ike->now_ns);
	if (!n)
		return NULL;
	memcpy(initiator ? n->s_spi_r : n->s_spi_i, peer_spi, FP_IKE_SPI_LEN);
	if (own_spi)
		memcpy(initiator ? n->s_spi_i : n->s_spi_r, own_spi, FP_IKE_SPI_LEN);
	n->s_has_peer = true;
	n->s_peer = s->s_peer;
	n->s_tunnel = s->s_tunnel;
	n->s_local = s->s_local;
	n->s_remote = s->s_remote;
	n->s_lport = s->s_lport;
	n->s_rport = s->s_rport;
	n->s_ifc = s->s_ifc;
	n->s_encr = s->s_encr;
	n->s_encr_bits = s->s_encr_bits;
	n->s_integ = s->s_integ;
	n->s_prf = s->s_prf;
	n->s_group = s->s_group;
	n->s_life_s = s->s_life_s;
	n->s_nat_local = s->s_nat_local;
	/* what IKE_SA_INIT announced holds for the rekeyed SA (RFC 7383 2.3) */
	n->s_frag = s->s_frag;
	n->s_sig_peer = s->s_sig_peer;
	n->s_sig_hashes = s->s_sig_hashes;
	n->s_auth_method = s->s_auth_method;
	n->s_auth_peer = s->s_auth_peer;
	n->s_auth_ec = s->s_auth_ec;
	n->s_auth_peer_ec = s->s_auth_peer_ec;
	n->s_nat_remote = s->s_nat_remote;
	n->s_replaces = s->s_id;
	struct fp_ike_kin in = *in_part;
	in.ki_spi_i = n->s_spi_i;
	in.ki_spi_r = n->s_spi_r;
	in.ki_gir = gir;
	in.ki_gir_len = gn;
	struct fp_ike_suite su = {s->s_encr, s->s_encr_bits, s->s_integ, s->s_prf};
	if (fp_ike_keys_rekey(&n->s_keys, &su, &s->s_keys, &in) ||
	    fp_ike_sa_state(ike, n, FP_IKE_S_READY)) {
		fp_ike_sa_delete(ike, n, "IKE SA rekey failed");
		return NULL;
	}
	n->s_last_rx_ns = ike->now_ns;
	if (initiator)
		n->s_rekey_ns = fp_ike_child_soft_ns(ike, n->s_life_s, ike->now_ns);
	n->s_hard_ns = n->s_life_s ? ike->now_ns + (uint64_t)n->s_life_s * 1000000000ull : 0;
	return n;
}

/* Children (and what they want) from one SA to another. */
static void rekey_move(struct fp_ike_sarec *from, struct fp_ike_sarec *to)
{
	memcpy(to->s_ch, from->s_ch, sizeof(to->s_ch));
	memset(from->s_ch, 0, sizeof(from->s_ch));
	to->s_want_tunnels |= from->s_want_tunnels;
	from->s_want_tunnels = 0;
	memcpy(to->s_del, from->s_del, sizeof(to->s_del));
	to->s_n_del = from->s_n_del;
	from->s_n_del = 0;
}

/* s stays only to be deleted: by us (del) or by the peer. */
static void rekey_retire(struct fp_ike *ike, struct fp_ike_sarec *s, bool del)
{
	s->s_del_ike = s->s_del_ike || del;
	s->s_rekey_ns = 0;
	s->s_hard_ns = ike->now_ns + REKEY_LINGER_NS;
	if (s->s_state == FP_IKE_S_READY)
		fp_ike_sa_state(ike, s, FP_IKE_S_DELETING);
}

/* g^ir from the peer's KE in c with dh; 0 or -1. */
static int rekey_gir(struct fp_ike *ike, const struct fp_ike_sarec *s,
		     const struct fp_ike_chain *c, struct fp_ike_dh *dh, uint8_t *gir, size_t *gn)
{
	const struct fp_ike_pl *ke = fp_ike_chain_find(c, FP_IKE_PL_KE, NULL);
	struct fp_ike_ke kv;
	(void)ike;
	if (!ke || fp_ike_ke_parse(ke, &kv) != FP_IKE_E_OK || kv.ke_group != s->s_group)
		return -1;
	return fp_ike_dh_shared(dh, kv.ke_data, kv.ke_len, gir, FP_IKE_DH_KE_MAX, gn) ==
			       FP_IKE_DH_E_OK
		       ? 0
		       : -1;
}

/* The crossing of two rekeys of s (2.8.2): the lower nonce of the peer's
 * exchange and the SA it made, kept for when our own answer comes. */
static void rekey_note_cross(struct fp_ike_pend *p, const uint8_t *ni, size_t nin,
			     const uint8_t *nr, size_t nrn, uint64_t made)
{
	const uint8_t *lo;
	fp_ike_nonce_lower(ni, nin, nr, nrn, &lo, &p->p_cross_lo_len);
	memcpy(p->p_cross_lo, lo, p->p_cross_lo_len);
	p->p_crossed = true;
	p->p_cross_made = made;
}

/* The responder's new SA: 0 with SA, Nr, KE in w, or the error notify. */
static uint16_t rekey_accept(struct fp_ike *ike, struct fp_ike_sarec *s,
			     const struct fp_ike_chain *c, struct fp_ike_wr *w)
{
	const struct fp_ike_pl *no = fp_ike_chain_find(c, FP_IKE_PL_NONCE, NULL);
	const struct fp_ike_prop *pr = &ike->sa_view.sa_prop[0];
	uint8_t nr[FP_IKE_NONCE_LEN], gir[FP_IKE_DH_KE_MAX], spi[FP_IKE_SPI_LEN];
	uint8_t pub[FP_IKE_DH_KE_MAX];
	struct fp_ike_dh dh = {0};
	size_t gn = 0, pn = 0;
	uint16_t err = FP_IKE_N_NO_PROPOSAL_CHOSEN;

	if (!no || !rekey_prop_ok(&ike->sa_view, pr, s))
		return FP_IKE_N_NO_PROPOSAL_CHOSEN;
	if (s->s_state != FP_IKE_S_READY)
		return FP_IKE_N_TEMPORARY_FAILURE;
	memcpy(spi, pr->pr_spi, sizeof(spi));
	uint8_t num = pr->pr_num;
	fp_ike_random(ike, nr, sizeof(nr));
	struct fp_ike_kin in = {.ki_ni = no->pl_body, .ki_nr = nr, .ki_ni_len = no->pl_len,
				.ki_nr_len = sizeof(nr)};
	struct fp_ike_sarec *n = NULL;
	if (fp_ike_dh_new(&dh, s->s_group) != FP_IKE_DH_E_OK ||
	    fp_ike_dh_public(&dh, pub, sizeof(pub), &pn) != FP_IKE_DH_E_OK ||
	    rekey_gir(ike, s, c, &dh, gir, &gn) ||
	    !(n = rekey_new_sa(ike, s, false, NULL, spi, &in, gir, gn)))
		goto done;
	if (s->s_pend.p_kind == FP_IKE_P_IKE_REKEY)
		rekey_note_cross(&s->s_pend, no->pl_body, no->pl_len, nr, sizeof(nr), n->s_id);
	rekey_move(s, n);
	rekey_prop(&ike->sa_view, n, n->s_spi_r, num);
	fp_ike_put_sa(w, &ike->sa_view);
	fp_ike_put_raw(w, FP_IKE_PL_NONCE, false, nr, sizeof(nr));
	struct fp_ike_ke ke = {pub, (uint16_t)pn, s->s_group};
	fp_ike_put_ke(w, &ke);
	err = 0;
done:
	fp_ike_dh_free(&dh);
	OPENSSL_cleanse(gir, sizeof(gir));
	OPENSSL_cleanse(nr, sizeof(nr));
	return err;
}

void fp_ike_rekey_request(struct fp_ike *ike, struct fp_ike_sarec *s,
			  const struct fp_ike_chain *c, uint32_t mid)
{
	struct fp_ike_wr w;
	fp_ike_wr_init_inner(&w, ike->chain, sizeof(ike->chain));
	uint16_t err = rekey_accept(ike, s, c, &w);
	if (err) {
		fp_ike_wr_init_inner(&w, ike->chain, sizeof(ike->chain));
		fp_ike_put_status(&w, err, NULL, 0);
		fp_ike_count_notify_tx(ike, err);
		fp_ike_dbg(ike, 1, "(%llu): IKE SA rekey refused: %s",
			   (unsigned long long)s->s_id, fp_ike_notify_name(err));
	}
	fp_ike_answer(ike, s, FP_IKE_EX_CREATE_CHILD_SA, &w, mid);
	if (!err) /* the peer deletes this one once it has the new SA */
		rekey_retire(ike, s, false);
}

static struct fp_ike_sarec *rekey_by_id(struct fp_ike *ike, uint64_t id)
{
	for (unsigned i = 0; i < ike->n_sas; i++)
		if (ike->sas[i]->s_id == id && ike->sas[i]->s_state != FP_IKE_S_DEAD)
			return ike->sas[i];
	return NULL;
}

/* Our rekey answered: the new SA made; who keeps the children (2.8.2). */
static int rekey_done(struct fp_ike *ike, struct fp_ike_sarec *s, const struct fp_ike_chain *c)
{
	struct fp_ike_pend *p = &s->s_pend;
	const struct fp_ike_pl *sa = fp_ike_chain_find(c, FP_IKE_PL_SA, NULL);
	const struct fp_ike_pl *no = fp_ike_chain_find(c, FP_IKE_PL_NONCE, NULL);
	uint8_t gir[FP_IKE_DH_KE_MAX];
	size_t gn = 0;
	if (!sa || !no || fp_ike_sa_parse(sa, &ike->sa_view) != FP_IKE_E_OK ||
	    ike->sa_view.sa_n_prop != 1 || !rekey_prop_ok(&ike->sa_view, &ike->sa_view.sa_prop[0], s) ||
	    rekey_gir(ike, s, c, &p->p_dh, gir, &gn))
		return -1;
	struct fp_ike_kin in = {.ki_ni = p->p_nonce, .ki_nr = no->pl_body,
				.ki_ni_len = p->p_nonce_len, .ki_nr_len = no->pl_len};
	struct fp_ike_sarec *n = rekey_new_sa(ike, s, true, p->p_spi_ike,
					      ike->sa_view.sa_prop[0].pr_spi, &in, gir, gn);
	OPENSSL_cleanse(gir, sizeof(gir));
	if (!n)
		return -1;
	const uint8_t *lo;
	size_t lon;
	fp_ike_nonce_lower(p->p_nonce, p->p_nonce_len, no->pl_body, no->pl_len, &lo, &lon);
	if (p->p_crossed && fp_ike_nonce_cmp(lo, lon, p->p_cross_lo, p->p_cross_lo_len) < 0) {
		/* ours is redundant: the peer's SA keeps the children */
		fp_ike_dbg(ike, 4, "(%llu): IKE SA rekey collision lost",
			   (unsigned long long)s->s_id);
		rekey_retire(ike, n, true);
		return 0;
	}
	struct fp_ike_sarec *m = p->p_crossed ? rekey_by_id(ike, p->p_cross_made) : NULL;
	rekey_move(m ? m : s, n);
	if (m)
		rekey_retire(ike, m, false); /* the peer, who lost, deletes it */
	rekey_retire(ike, s, true);
	ike->stats.ike_rekeys++;
	fp_ike_dbg(ike, 1, "(%llu): IKE SA rekeyed into (%llu)",
		   (unsigned long long)s->s_id, (unsigned long long)n->s_id);
	fp_ike_timer_next(ike, n, ike->now_ns);
	return 0;
}

void fp_ike_rekey_response(struct fp_ike *ike, struct fp_ike_sarec *s,
			   const struct fp_ike_chain *c)
{
	uint16_t err = fp_ike_error_notify(ike, c);
	if (err || rekey_done(ike, s, c))
		fp_ike_dbg(ike, 1, "(%llu): IKE SA rekey failed: %s",
			   (unsigned long long)s->s_id,
			   err ? fp_ike_notify_name(err) : "bad answer");
	fp_ike_dh_free(&s->s_pend.p_dh);
	OPENSSL_cleanse(&s->s_pend, sizeof(s->s_pend));
}
