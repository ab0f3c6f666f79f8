/* CREATE_CHILD_SA on a READY IKE SA (RFC 7296 1.3.1, 1.3.3, 2.8): a new
 * child for a second tunnel to the same peer, and the rekey of a child
 * (REKEY_SA with the SPI of the SA rekeyed, new SPIs and nonces, KE when
 * the tunnel has PFS: KEYMAT = prf+(SK_d, g^ir | Ni | Nr)).
 *
 * Make-before-break: child_up gets the child being replaced, which the
 * gateway keeps installed; the old one goes OLD and is taken down when
 * the DELETE exchange for it completes (the rekey's initiator sends it),
 * or FP_IKE_DELETE_DELAY_NS later at the latest.
 *
 * Simultaneous rekeys (2.8.1): when the peer rekeys the child we are
 * rekeying, the exchange holding the lowest of the four nonces made the
 * redundant child; its initiator deletes that child, the other deletes
 * the old one. A loser never installs its redundant child, so the
 * winner's outbound SA is never taken away. */
#include <string.h>

#include <openssl/crypto.h>

#include "common/inet.h"
#include "ike/ike_build.h"
#include "ike/ike_sa.h"

uint64_t fp_ike_child_soft_ns(struct fp_ike *ike, uint32_t life_s, uint64_t now_ns)
{
	if (!life_s)
		return 0;
	uint8_t r;
	fp_ike_random(ike, &r, 1);
	uint64_t life = (uint64_t)life_s * 1000000000ull;
	uint64_t soft = life - life * (5 + r % 11) / 100; /* 85-95 % */
	return now_ns + (soft < FP_IKE_REKEY_MIN_NS ? FP_IKE_REKEY_MIN_NS : soft);
}

int fp_ike_child_active(const struct fp_ike_sarec *s, unsigned tunnel)
{
	for (unsigned i = 0; i < FP_IKE_MAX_CHILDREN; i++)
		if (s->s_ch[i].c_state == FP_IKE_CH_ACTIVE && s->s_ch[i].c_tunnel == tunnel)
			return (int)i;
	return -1;
}

void fp_ike_child_drop(struct fp_ike *ike, struct fp_ike_sarec *s, unsigned i, const char *why)
{
	struct fp_ike_childrec *c = &s->s_ch[i];
	if (c->c_state == FP_IKE_CH_FREE)
		return;
	if (ike->env.child_down)
		ike->env.child_down(ike->env.ctx, c->c_handle, why);
	fp_ike_dbg(ike, 1, "(%llu): CHILD_SA SPI in 0x%08x down: %s",
		   (unsigned long long)s->s_id, c->c_spi_in, why);
	OPENSSL_cleanse(c, sizeof(*c));
}

int fp_ike_nonce_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);
	return r ? r : (an > bn) - (an < bn);
}

void fp_ike_nonce_lower(const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
			const uint8_t **lo, size_t *lon)
{
	bool first = fp_ike_nonce_cmp(a, an, b, bn) <= 0;
	*lo = first ? a : b;
	*lon = first ? an : bn;
}

static void child_put_ts(struct fp_ike_wr *w, const struct fp_selector *sel, bool ours_first)
{
	struct fp_ike_tsp tsp;
	const struct fp_prefix *a = ours_first ? &sel->local : &sel->remote;
	const struct fp_prefix *b = ours_first ? &sel->remote : &sel->local;
	fp_ike_ts_from_prefix(&tsp, a, sel->proto,
			      ours_first ? sel->local_port : sel->remote_port);
	fp_ike_put_ts(w, FP_IKE_PL_TSI, &tsp);
	fp_ike_ts_from_prefix(&tsp, b, sel->proto,
			      ours_first ? sel->remote_port : sel->local_port);
	fp_ike_put_ts(w, FP_IKE_PL_TSR, &tsp);
}

static void child_pend_clear(struct fp_ike *ike, struct fp_ike_sarec *s)
{
	if (s->s_pend.p_spi && ike->env.spi_release)
		ike->env.spi_release(ike->env.ctx, s->s_pend.p_spi);
	fp_ike_dh_free(&s->s_pend.p_dh);
	OPENSSL_cleanse(&s->s_pend, sizeof(s->s_pend));
}

/* Our request for tunnel t (rekeying slot old, or -1 for a new child). */
static bool child_start(struct fp_ike *ike, struct fp_ike_sarec *s, unsigned t, int old,
			uint64_t now_ns)
{
	const struct fp_ike_tunnel *tun = &ike->peers[s->s_peer].tunnels[t];
	struct fp_ike_pend *p = &s->s_pend;
	struct fp_ike_wr w;
	uint8_t spi[4], rspi[4];

	child_pend_clear(ike, s);
	p->p_kind = old < 0 ? FP_IKE_P_CHILD_NEW : FP_IKE_P_CHILD_REKEY;
	p->p_slot = old < 0 ? t : (unsigned)old;
	p->p_spi = ike->env.spi_alloc ? ike->env.spi_alloc(ike->env.ctx) : 0;
	p->p_nonce_len = FP_IKE_NONCE_LEN;
	fp_ike_random(ike, p->p_nonce, p->p_nonce_len);
	fp_put32(spi, p->p_spi);
	fp_ike_wr_init_inner(&w, ike->chain, sizeof(ike->chain));
	if (old >= 0) {
		fp_put32(rspi, s->s_ch[old].c_spi_in);
		struct fp_ike_notify n = {.n_spi = rspi, .n_type = FP_IKE_N_REKEY_SA,
					  .n_proto = FP_IKE_PROTO_ESP, .n_spi_size = 4};
		fp_ike_put_notify(&w, &n);
	}
	fp_ike_esp_offer(&ike->sa_view, tun, spi, tun->pfs_group);
	fp_ike_put_sa(&w, &ike->sa_view);
	fp_ike_put_raw(&w, FP_IKE_PL_NONCE, false, p->p_nonce, p->p_nonce_len);
	int rc = p->p_spi ? 0 : -1;
	if (!rc && tun->pfs_group)
		rc = fp_ike_put_ke_new(&w, &p->p_dh, tun->pfs_group);
	child_put_ts(&w, old >= 0 ? &s->s_ch[old].c_sel : &tun->sel, true);
	if (rc || !fp_ike_ask(ike, s, FP_IKE_EX_CREATE_CHILD_SA, &w, now_ns)) {
		child_pend_clear(ike, s);
		return false;
	}
	fp_ike_dbg(ike, 4, "(%llu): CREATE_CHILD_SA request: %s tunnel %u",
		   (unsigned long long)s->s_id, old < 0 ? "new child for" : "rekey of",
		   tun->tunnel);
	return true;
}

bool fp_ike_child_next(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns)
{
	for (unsigned i = 0; i < FP_IKE_MAX_CHILDREN; i++) {
		struct fp_ike_childrec *c = &s->s_ch[i];
		if (c->c_state == FP_IKE_CH_ACTIVE && c->c_rekey_ns && now_ns >= c->c_rekey_ns) {
			c->c_rekey_ns = now_ns + FP_IKE_RTX_FIRST_NS; /* again if this fails */
			return child_start(ike, s, c->c_tunnel, (int)i, now_ns);
		}
	}
	for (unsigned t = 0; t < FP_IKE_MAX_TUNNELS; t++)
		if (s->s_want_tunnels & (1u << t)) {
			s->s_want_tunnels &= ~(1u << t);
			if (fp_ike_child_active(s, t) < 0)
				return child_start(ike, s, t, -1, now_ns);
		}
	return false;
}

/* What a CREATE_CHILD_SA message carries, parsed. */
struct child_msg {
	struct fp_ike_tsp tsi, tsr;
	struct fp_ike_ke ke;
	bool has_ke;
	const uint8_t *nonce;
	size_t nonce_len;
};

static uint16_t child_parse(struct fp_ike *ike, const struct fp_ike_chain *c,
			    struct child_msg *m)
{
	const struct fp_ike_pl *sa = fp_ike_chain_find(c, FP_IKE_PL_SA, NULL);
	const struct fp_ike_pl *no = fp_ike_chain_find(c, FP_IKE_PL_NONCE, NULL);
	const struct fp_ike_pl *ke = fp_ike_chain_find(c, FP_IKE_PL_KE, NULL);
	const struct fp_ike_pl *ti = fp_ike_chain_find(c, FP_IKE_PL_TSI, NULL);
	const struct fp_ike_pl *tr = fp_ike_chain_find(c, FP_IKE_PL_TSR, NULL);
	if (!sa || !no || !ti || !tr || fp_ike_sa_parse(sa, &ike->sa_view) != FP_IKE_E_OK ||
	    fp_ike_ts_parse(ti, &m->tsi) != FP_IKE_E_OK ||
	    fp_ike_ts_parse(tr, &m->tsr) != FP_IKE_E_OK ||
	    (ke && fp_ike_ke_parse(ke, &m->ke) != FP_IKE_E_OK))
		return FP_IKE_N_INVALID_SYNTAX;
	m->has_ke = ke != NULL;
	m->nonce = no->pl_body;
	m->nonce_len = no->pl_len;
	return 0;
}

/* g^ir of PFS into gir (*n = 0 without). */
static int child_gir(struct fp_ike_dh *dh, const struct child_msg *m, uint16_t group,
		     uint8_t *gir, size_t cap, size_t *n)
{
	*n = 0;
	if (!group)
		return 0;
	if (!m->has_ke || m->ke.ke_group != group)
		return -1;
	return fp_ike_dh_shared(dh, m->ke.ke_data, m->ke.ke_len, gir, cap, n) ==
			       FP_IKE_DH_E_OK
		       ? 0
		       : -1;
}

/* The child the peer's REKEY_SA names (its inbound = our outbound SPI). */
static int child_rekeyed(const struct fp_ike_sarec *s, const struct fp_ike_chain *c,
			 bool *rekey)
{
	struct fp_ike_notify n;
	*rekey = fp_ike_find_notify(c, FP_IKE_N_REKEY_SA, &n);
	if (!*rekey)
		return -1;
	if (n.n_proto != FP_IKE_PROTO_ESP || n.n_spi_size != 4)
		return -1;
	for (unsigned i = 0; i < FP_IKE_MAX_CHILDREN; i++)
		if (s->s_ch[i].c_state != FP_IKE_CH_FREE &&
		    s->s_ch[i].c_spi_out == fp_get32(n.n_spi))
			return (int)i;
	return -1;
}

/* The responder's part once the tunnel is known: keys, install, answer
 * into w. 0 or the error notify. */
static uint16_t child_accept(struct fp_ike *ike, struct fp_ike_sarec *s, unsigned t, int old,
			     const struct child_msg *m, const struct fp_selector *sel,
			     struct fp_ike_wr *w)
{
	const struct fp_ike_tunnel *tun = &ike->peers[s->s_peer].tunnels[t];
	struct fp_ike_esp_pick ch;
	struct fp_ike_dh dh = {0};
	uint8_t nr[FP_IKE_NONCE_LEN], gir[FP_IKE_DH_KE_MAX], spi[4];
	size_t gn = 0;
	uint16_t err = 0;

	if (!fp_ike_esp_select(&ike->sa_view, tun, tun->pfs_group, true, &ch))
		return FP_IKE_N_NO_PROPOSAL_CHOSEN;
	if (tun->pfs_group && (!m->has_ke || m->ke.ke_group != tun->pfs_group))
		return FP_IKE_N_INVALID_KE_PAYLOAD;
	uint32_t spi_in = ike->env.spi_alloc ? ike->env.spi_alloc(ike->env.ctx) : 0;
	fp_ike_random(ike, nr, sizeof(nr));
	fp_put32(spi, spi_in);
	fp_ike_esp_answer(&ike->sa_view, &ch, spi, tun->pfs_group);
	fp_ike_put_sa(w, &ike->sa_view);
	fp_ike_put_raw(w, FP_IKE_PL_NONCE, false, nr, sizeof(nr));
	if (!spi_in || (tun->pfs_group && fp_ike_put_ke_new(w, &dh, tun->pfs_group)) ||
	    child_gir(&dh, m, tun->pfs_group, gir, sizeof(gir), &gn)) {
		err = FP_IKE_N_NO_ADDITIONAL_SAS;
		goto done;
	}
	struct fp_ike_kin in = {.ki_ni = m->nonce, .ki_nr = nr, .ki_ni_len = m->nonce_len,
				.ki_nr_len = sizeof(nr), .ki_gir = gn ? gir : NULL,
				.ki_gir_len = gn};
	int act = fp_ike_child_active(s, t);
	uint64_t oldh = act >= 0 ? s->s_ch[act].c_handle : UINT64_MAX;
	int slot = fp_ike_esp_install(ike, s, t, &ch, sel, spi_in, &in, false, oldh);
	if (slot < 0) {
		err = FP_IKE_N_NO_ADDITIONAL_SAS;
		goto done;
	}
	spi_in = 0; /* the child owns it */
	if (act >= 0) {
		s->s_ch[act].c_state = FP_IKE_CH_OLD;
		s->s_ch[act].c_down_ns = ike->now_ns + FP_IKE_DELETE_DELAY_NS;
	}
	struct fp_ike_pend *p = &s->s_pend;
	if (old >= 0 && p->p_kind == FP_IKE_P_CHILD_REKEY && p->p_slot == (unsigned)old) {
		const uint8_t *lo;
		fp_ike_nonce_lower(m->nonce, m->nonce_len, nr, sizeof(nr), &lo, &p->p_cross_lo_len);
		memcpy(p->p_cross_lo, lo, p->p_cross_lo_len);
		p->p_crossed = true;
		p->p_cross_made = (uint64_t)slot;
	}
	child_put_ts(w, sel, false);
done:
	if (spi_in && ike->env.spi_release)
		ike->env.spi_release(ike->env.ctx, spi_in);
	fp_ike_dh_free(&dh);
	OPENSSL_cleanse(gir, sizeof(gir));
	OPENSSL_cleanse(nr, sizeof(nr));
	return err;
}

/* Which tunnel the peer's request is for: the rekeyed child's, or the
 * one its selectors narrow to. 0 or the error notify. */
static uint16_t child_which(struct fp_ike *ike, struct fp_ike_sarec *s,
			    const struct fp_ike_chain *c, const struct child_msg *m, int *old,
			    unsigned *t, struct fp_selector *sel)
{
	bool rekey;
	*old = child_rekeyed(s, c, &rekey);
	if (rekey && *old < 0)
		return FP_IKE_N_CHILD_SA_NOT_FOUND;
	if (rekey && s->s_ch[*old].c_state != FP_IKE_CH_ACTIVE)
		return FP_IKE_N_TEMPORARY_FAILURE; /* already replaced */
	int tt = fp_ike_ts_select(&ike->peers[s->s_peer], &m->tsi, &m->tsr, sel);
	if (tt < 0 || (rekey && (unsigned)tt != s->s_ch[*old].c_tunnel))
		return FP_IKE_N_TS_UNACCEPTABLE;
	*t = (unsigned)tt;
	return 0;
}

void fp_ike_child_request(struct fp_ike *ike, struct fp_ike_sarec *s,
			  const struct fp_ike_chain *c, uint32_t mid)
{
	struct child_msg m;
	struct fp_selector sel;
	struct fp_ike_wr w;
	unsigned t = 0;
	int old = -1;

	const struct fp_ike_pl *sa = fp_ike_chain_find(c, FP_IKE_PL_SA, NULL);
	if (sa && fp_ike_sa_parse(sa, &ike->sa_view) == FP_IKE_E_OK && ike->sa_view.sa_n_prop &&
	    ike->sa_view.sa_prop[0].pr_proto == FP_IKE_PROTO_IKE) {
		fp_ike_rekey_request(ike, s, c, mid);
		return;
	}
	uint16_t err = child_parse(ike, c, &m);
	if (!err)
		err = child_which(ike, s, c, &m, &old, &t, &sel);
	fp_ike_wr_init_inner(&w, ike->chain, sizeof(ike->chain));
	if (!err)
		err = child_accept(ike, s, t, old, &m, &sel, &w);
	if (err) {
		uint8_t grp[2];
		uint16_t pfs = ike->peers[s->s_peer].tunnels[t].pfs_group;
		fp_put16(grp, pfs);
		fp_ike_wr_init_inner(&w, ike->chain, sizeof(ike->chain));
		fp_ike_put_status(&w, err, err == FP_IKE_N_INVALID_KE_PAYLOAD ? grp : NULL,
				  err == FP_IKE_N_INVALID_KE_PAYLOAD ? 2 : 0);
		fp_ike_count_notify_tx(ike, err);
		fp_ike_dbg(ike, 1, "(%llu): CREATE_CHILD_SA refused: %s",
			   (unsigned long long)s->s_id, fp_ike_notify_name(err));
	}
	fp_ike_answer(ike, s, FP_IKE_EX_CREATE_CHILD_SA, &w, mid);
}

/* 2.8.1: did the exchange we started make the redundant child? */
static bool child_lost(const struct fp_ike_pend *p, const struct child_msg *m)
{
	const uint8_t *lo;
	size_t lon;
	fp_ike_nonce_lower(p->p_nonce, p->p_nonce_len, m->nonce, m->nonce_len, &lo, &lon);
	return fp_ike_nonce_cmp(lo, lon, p->p_cross_lo, p->p_cross_lo_len) < 0;
}

/* Our rekey or new child answered with SA, Nr, [KE], TSi, TSr. */
static int child_done(struct fp_ike *ike, struct fp_ike_sarec *s, const struct child_msg *m)
{
	struct fp_ike_pend *p = &s->s_pend;
	bool rekey = p->p_kind == FP_IKE_P_CHILD_REKEY;
	unsigned t = rekey ? s->s_ch[p->p_slot].c_tunnel : p->p_slot;
	const struct fp_ike_tunnel *tun = &ike->peers[s->s_peer].tunnels[t];
	struct fp_ike_esp_pick ch;
	struct fp_selector sel;
	uint8_t gir[FP_IKE_DH_KE_MAX];
	size_t gn;

	if (ike->sa_view.sa_n_prop != 1 ||
	    !fp_ike_esp_select(&ike->sa_view, tun, tun->pfs_group, true, &ch) ||
	    fp_ike_ts_accept(tun, &m->tsi, &m->tsr, &sel) ||
	    child_gir(&p->p_dh, m, tun->pfs_group, gir, sizeof(gir), &gn))
		return -1;
	if (rekey && p->p_crossed && child_lost(p, m)) {
		/* ours is redundant: never installed, the peer's copy deleted */
		fp_ike_dbg(ike, 4, "(%llu): rekey collision lost, deleting ours",
			   (unsigned long long)s->s_id);
		if (s->s_n_del < FP_IKE_MAX_DEL)
			s->s_del[s->s_n_del++] = p->p_spi;
		OPENSSL_cleanse(gir, sizeof(gir));
		return 0;
	}
	struct fp_ike_kin in = {.ki_ni = p->p_nonce, .ki_nr = m->nonce,
				.ki_ni_len = p->p_nonce_len, .ki_nr_len = m->nonce_len,
				.ki_gir = gn ? gir : NULL, .ki_gir_len = gn};
	int act = fp_ike_child_active(s, t);
	int slot = fp_ike_esp_install(ike, s, t, &ch, &sel, p->p_spi, &in, true,
				      act >= 0 ? s->s_ch[act].c_handle : UINT64_MAX);
	OPENSSL_cleanse(gir, sizeof(gir));
	if (slot < 0) { /* the peer installed its copy: have it deleted */
		if (s->s_n_del < FP_IKE_MAX_DEL)
			s->s_del[s->s_n_del++] = p->p_spi;
		return -1;
	}
	p->p_spi = 0; /* the child owns it */
	ike->stats.child_rekeys += rekey;
	if (act >= 0) { /* the one replaced: the peer's redundant copy, or the old one */
		s->s_ch[act].c_state = FP_IKE_CH_OLD;
		s->s_ch[act].c_down_ns = ike->now_ns + FP_IKE_DELETE_DELAY_NS;
	}
	if (rekey && s->s_n_del < FP_IKE_MAX_DEL)
		s->s_del[s->s_n_del++] = s->s_ch[p->p_slot].c_spi_in;
	if (rekey)
		s->s_ch[p->p_slot].c_state = FP_IKE_CH_OLD;
	return 0;
}

void fp_ike_child_response(struct fp_ike *ike, struct fp_ike_sarec *s,
			   const struct fp_ike_chain *c)
{
	struct child_msg m;
	if (s->s_pend.p_kind == FP_IKE_P_IKE_REKEY) {
		fp_ike_rekey_response(ike, s, c);
		return;
	}
	if (s->s_pend.p_kind != FP_IKE_P_CHILD_NEW && s->s_pend.p_kind != FP_IKE_P_CHILD_REKEY) {
		ike->stats.refused_state++;
		return;
	}
	uint16_t err = fp_ike_error_notify(ike, c);
	if (!err && (child_parse(ike, c, &m) || child_done(ike, s, &m)))
		err = FP_IKE_N_NO_PROPOSAL_CHOSEN;
	if (err) {
		fp_ike_dbg(ike, 1, "(%llu): CREATE_CHILD_SA failed: %s; the old child "
				"stays",
			   (unsigned long long)s->s_id, fp_ike_notify_name(err));
		if (s->s_pend.p_kind == FP_IKE_P_CHILD_REKEY)
			s->s_ch[s->s_pend.p_slot].c_rekey_ns =
				err == FP_IKE_N_TEMPORARY_FAILURE ? ike->now_ns + FP_IKE_RTX_FIRST_NS
								  : 0;
	}
	child_pend_clear(ike, s);
}
