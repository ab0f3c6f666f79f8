/* IKE_SA_INIT, both roles (RFC 7296 1.2, 2.6, 2.7, 2.23). The initiator
 * offers one proposal per "crypto ikev2 policy" with the KE of the first
 * group; the responder walks its policies in order and takes, per type,
 * its own first transform the peer offered (one transform a type back).
 * A KE of another group than the one chosen is answered INVALID_KE_PAYLOAD
 * with ours, statelessly; the initiator retries with the group asked for
 * if one of its policies has it, and echoes a COOKIE first if asked.
 * Both sides announce SIGNATURE_HASH_ALGORITHMS (RFC 7427) and
 * IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383, the responder only when asked);
 * the responder adds its CERTREQ for a peer it authenticates by certificate. */
#include <string.h>

#include <openssl/crypto.h>

#include "common/inet.h"
#include "ike/ike_build.h"
#include "ike/ike_sa.h"

/* The transforms picked from one proposal for one policy. */
struct init_choice {
	uint16_t encr, bits, integ, prf, group;
	uint8_t prop_num;
	uint32_t life_s;              /* the policy's lifetime */
};

bool fp_ike_prop_offers(const struct fp_ike_sa *sa, const struct fp_ike_prop *pr, uint8_t type,
			uint16_t id, uint16_t bits)
{
	for (unsigned k = 0; k < pr->pr_n_xf; k++) {
		const struct fp_ike_xf *x = &sa->sa_xf[pr->pr_first_xf + k];
		if (x->xf_type == type && x->xf_id == id && !x->xf_unknown_attr &&
		    (type != FP_IKE_XF_ENCR || x->xf_keylen == bits))
			return true;
	}
	return false;
}

bool fp_ike_prop_has(const struct fp_ike_sa *sa, const struct fp_ike_prop *pr, uint8_t type)
{
	for (unsigned k = 0; k < pr->pr_n_xf; k++)
		if (sa->sa_xf[pr->pr_first_xf + k].xf_type == type &&
		    sa->sa_xf[pr->pr_first_xf + k].xf_id != FP_IKE_INTEG_NONE)
			return true;
	return false;
}

/* Our first of list[0..n) that pr offers, into *out; false if none. */
static bool init_first(const struct fp_ike_sa *sa, const struct fp_ike_prop *pr, uint8_t type,
		       const uint16_t *list, unsigned n, uint16_t *out)
{
	for (unsigned i = 0; i < n; i++)
		if (fp_ike_prop_offers(sa, pr, type, list[i], 0)) {
			*out = list[i];
			return true;
		}
	return false;
}

static bool init_pick_encr(const struct fp_ike_policy *pol, const struct fp_ike_sa *sa,
			   const struct fp_ike_prop *pr, struct init_choice *c)
{
	for (unsigned i = 0; i < pol->n_encr; i++)
		if (fp_ike_prop_offers(sa, pr, FP_IKE_XF_ENCR, pol->encr[i], pol->encr_bits[i])) {
			c->encr = pol->encr[i];
			c->bits = pol->encr_bits[i];
			return true;
		}
	return false;
}

/* pr against one policy; ke_group is kept when the policy allows it. */
static bool init_pick(const struct fp_ike_policy *pol, const struct fp_ike_sa *sa,
		      const struct fp_ike_prop *pr, uint16_t ke_group, struct init_choice *c)
{
	memset(c, 0, sizeof(*c));
	c->prop_num = pr->pr_num;
	c->life_s = pol->life_s;
	if (pr->pr_proto != FP_IKE_PROTO_IKE || !init_pick_encr(pol, sa, pr, c) ||
	    !init_first(sa, pr, FP_IKE_XF_PRF, pol->prf, pol->n_prf, &c->prf))
		return false;
	if (fp_ike_encr_is_aead(c->encr)) {
		if (fp_ike_prop_has(sa, pr, FP_IKE_XF_INTEG))
			return false; /* an AEAD proposal carries no integrity (3.3) */
	} else if (!init_first(sa, pr, FP_IKE_XF_INTEG, pol->integ, pol->n_integ, &c->integ)) {
		return false;
	}
	for (unsigned i = 0; i < pol->n_group; i++)
		if (pol->group[i] == ke_group && fp_ike_prop_offers(sa, pr, FP_IKE_XF_DH, ke_group, 0)) {
			c->group = ke_group;
			return true;
		}
	return init_first(sa, pr, FP_IKE_XF_DH, pol->group, pol->n_group, &c->group);
}

static int init_select(const struct fp_ike *ike, const struct fp_ike_sa *sa, uint16_t ke_group,
		       struct init_choice *c)
{
	for (unsigned p = 0; p < ike->n_policies; p++)
		for (unsigned i = 0; i < sa->sa_n_prop; i++)
			if (init_pick(&ike->policies[p], sa, &sa->sa_prop[i], ke_group, c))
				return 0;
	return -1;
}

static void init_xf(struct fp_ike_sa *sa, uint8_t type, uint16_t id, uint16_t bits)
{
	struct fp_ike_xf *x = &sa->sa_xf[sa->sa_n_xf++];
	memset(x, 0, sizeof(*x));
	x->xf_type = type;
	x->xf_id = id;
	x->xf_keylen = bits;
}

static void init_prop_open(struct fp_ike_sa *sa, uint8_t num)
{
	struct fp_ike_prop *pr = &sa->sa_prop[sa->sa_n_prop++];
	memset(pr, 0, sizeof(*pr));
	pr->pr_num = num;
	pr->pr_proto = FP_IKE_PROTO_IKE;
	pr->pr_first_xf = (uint16_t)sa->sa_n_xf;
}

static void init_prop_close(struct fp_ike_sa *sa)
{
	struct fp_ike_prop *pr = &sa->sa_prop[sa->sa_n_prop - 1];
	pr->pr_n_xf = (uint8_t)(sa->sa_n_xf - pr->pr_first_xf);
}

/* Our offer: one proposal a policy, every transform of it. */
static void init_offer(const struct fp_ike *ike, struct fp_ike_sa *sa)
{
	sa->sa_n_prop = sa->sa_n_xf = 0;
	for (unsigned p = 0; p < ike->n_policies; p++) {
		const struct fp_ike_policy *pol = &ike->policies[p];
		init_prop_open(sa, (uint8_t)(p + 1));
		for (unsigned i = 0; i < pol->n_encr; i++)
			init_xf(sa, FP_IKE_XF_ENCR, pol->encr[i], pol->encr_bits[i]);
		for (unsigned i = 0; i < pol->n_prf; i++)
			init_xf(sa, FP_IKE_XF_PRF, pol->prf[i], 0);
		for (unsigned i = 0; i < pol->n_integ; i++)
			if (pol->integ[i] != FP_IKE_INTEG_NONE)
				init_xf(sa, FP_IKE_XF_INTEG, pol->integ[i], 0);
		for (unsigned i = 0; i < pol->n_group; i++)
			init_xf(sa, FP_IKE_XF_DH, pol->group[i], 0);
		init_prop_close(sa);
	}
}

/* The responder's answer: the one proposal chosen, under the peer's number. */
static void init_answer(struct fp_ike_sa *sa, const struct init_choice *c)
{
	sa->sa_n_prop = sa->sa_n_xf = 0;
	init_prop_open(sa, c->prop_num);
	init_xf(sa, FP_IKE_XF_ENCR, c->encr, c->bits);
	init_xf(sa, FP_IKE_XF_PRF, c->prf, 0);
	if (c->integ != FP_IKE_INTEG_NONE)
		init_xf(sa, FP_IKE_XF_INTEG, c->integ, 0);
	init_xf(sa, FP_IKE_XF_DH, c->group, 0);
	init_prop_close(sa);
}

static void init_set_suite(struct fp_ike_sarec *s, const struct init_choice *c)
{
	s->s_encr = c->encr;
	s->s_encr_bits = c->bits;
	s->s_integ = c->integ;
	s->s_prf = c->prf;
	s->s_group = c->group;
	s->s_life_s = c->life_s;
}

/* g^ir and SK_* once both nonces and KE values are known. */
static int init_keys(struct fp_ike_sarec *s, const struct fp_ike_ke *peer)
{
	uint8_t gir[FP_IKE_DH_KE_MAX];
	size_t n;
	int rc = -1;
	if (peer->ke_group == s->s_group &&
	    fp_ike_dh_shared(&s->s_dh, peer->ke_data, peer->ke_len, gir, sizeof(gir), &n) ==
		    FP_IKE_DH_E_OK) {
		struct fp_ike_suite su = {s->s_encr, s->s_encr_bits, s->s_integ, s->s_prf};
		struct fp_ike_kin in = {s->s_ni, s->s_nr, s->s_ni_len, s->s_nr_len,
					s->s_spi_i, s->s_spi_r, gir, n};
		rc = fp_ike_keys_derive(&s->s_keys, &su, &in);
	}
	OPENSSL_cleanse(gir, sizeof(gir));
	fp_ike_dh_free(&s->s_dh);
	return rc;
}

static void init_send_request(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns)
{
	static const uint8_t zero[FP_IKE_SPI_LEN];
	struct fp_ike_wr w;
	struct fp_ike_hdr h = {.h_version = FP_IKE_VERSION, .h_exchange = FP_IKE_EX_IKE_SA_INIT,
			       .h_flags = FP_IKE_FLAG_INITIATOR};

	memcpy(h.h_spi_i, s->s_spi_i, FP_IKE_SPI_LEN);
	if (!s->s_ni_len) { /* a retry keeps it: the responder's cookie covers Ni (2.6) */
		s->s_ni_len = FP_IKE_NONCE_LEN;
		fp_ike_random(ike, s->s_ni, s->s_ni_len);
	}
	fp_ike_wr_init(&w, ike->out, sizeof(ike->out));
	fp_ike_put_hdr(&w, &h);
	if (s->s_cookie_len)
		fp_ike_put_status(&w, FP_IKE_N_COOKIE, s->s_cookie, (uint16_t)s->s_cookie_len);
	init_offer(ike, &ike->sa_view);
	fp_ike_put_sa(&w, &ike->sa_view);
	/* a COOKIE retry repeats every payload but the cookie (2.6): the
	 * same key pair while the group stays */
	int rc = s->s_dh.dh_key && s->s_dh.dh_group == s->s_group
			 ? fp_ike_put_ke_of(&w, &s->s_dh)
			 : fp_ike_put_ke_new(&w, &s->s_dh, s->s_group);
	fp_ike_put_raw(&w, FP_IKE_PL_NONCE, false, s->s_ni, s->s_ni_len);
	fp_ike_natd_put(&w, s, zero);
	fp_ike_frag_put_notify(&w);
	fp_ike_sig_put_notify(&w);
	long n = fp_ike_wr_finish(&w);
	if (rc || n < 0) {
		fp_ike_sa_delete(ike, s, "could not build IKE_SA_INIT");
		return;
	}
	fp_ike_free_secret(&s->s_init_req, &s->s_init_req_len);
	s->s_init_req = fp_ike_dup(ike->out, (size_t)n);
	s->s_init_req_len = s->s_init_req ? (size_t)n : 0;
	s->s_mid.mi_next_send = 0; /* a retry of IKE_SA_INIT is MID 0 again */
	ike->stats.sa_init_tx++;
	fp_ike_sa_state(ike, s, FP_IKE_S_INIT_SENT);
	fp_ike_msgid_request(ike, s, ike->out, (size_t)n, now_ns);
}

int fp_ike_init_start(struct fp_ike *ike, unsigned peer, unsigned tunnel, uint64_t now_ns)
{
	const struct fp_ike_peer *p = &ike->peers[peer];
	if (!ike->n_policies)
		return -1;
	struct fp_ike_sarec *s = fp_ike_sa_new(ike, true, now_ns);
	if (!s)
		return -1;
	s->s_has_peer = true;
	s->s_peer = peer;
	s->s_tunnel = tunnel;
	s->s_local = p->local;
	s->s_remote = p->addr;
	s->s_lport = s->s_rport = FP_IKE_PORT;
	s->s_ifc = p->ifc;
	s->s_group = ike->policies[0].group[0];
	init_send_request(ike, s, now_ns);
	return 0;
}

int fp_ike_peer_by_addr(const struct fp_ike *ike, const struct fp_addr *a)
{
	for (unsigned i = 0; i < ike->n_peers; i++)
		if (!memcmp(&ike->peers[i].addr, a, sizeof(*a)))
			return (int)i;
	return -1;
}

void fp_ike_init_notify(struct fp_ike *ike, const struct fp_ike_dgram *d, uint16_t type,
			const uint8_t *data, uint16_t len)
{
	struct fp_ike_wr w;
	struct fp_ike_hdr h = {.h_version = FP_IKE_VERSION, .h_exchange = FP_IKE_EX_IKE_SA_INIT,
			       .h_flags = FP_IKE_FLAG_RESPONSE};
	memcpy(h.h_spi_i, ike->msg.m_hdr.h_spi_i, FP_IKE_SPI_LEN);
	fp_ike_wr_init(&w, ike->out, sizeof(ike->out));
	fp_ike_put_hdr(&w, &h);
	fp_ike_put_status(&w, type, data, len);
	long n = fp_ike_wr_finish(&w);
	if (n < 0)
		return;
	struct fp_ike_dgram out = {d->local, d->remote, d->lport, d->rport, d->ifc,
				   ike->out, (uint32_t)n};
	ike->stats.tx++;
	fp_ike_dbg_packet(ike, false, &out);
	if (ike->env.send)
		ike->env.send(ike->env.ctx, &out);
}

/* An unprotected error answer to an IKE_SA_INIT request; no state kept. */
static void init_refuse(struct fp_ike *ike, const struct fp_ike_dgram *d, uint16_t type,
			const uint8_t *data, uint16_t len)
{
	fp_ike_count_notify_tx(ike, type);
	fp_ike_dbg(ike, 1, "IKE_SA_INIT refused: %s", fp_ike_notify_name(type));
	fp_ike_init_notify(ike, d, type, data, len);
}

/* The SA, KE and nonce payloads every IKE_SA_INIT message needs. */
static bool init_payloads(struct fp_ike *ike, struct fp_ike_ke *ke, const struct fp_ike_pl **no)
{
	const struct fp_ike_chain *c = &ike->msg.m_chain;
	const struct fp_ike_pl *sa = fp_ike_chain_find(c, FP_IKE_PL_SA, NULL);
	const struct fp_ike_pl *kp = fp_ike_chain_find(c, FP_IKE_PL_KE, NULL);
	*no = fp_ike_chain_find(c, FP_IKE_PL_NONCE, NULL);
	if (!sa || !kp || !*no || fp_ike_sa_parse(sa, &ike->sa_view) != FP_IKE_E_OK ||
	    fp_ike_ke_parse(kp, ke) != FP_IKE_E_OK) {
		ike->stats.refused_parse++;
		return false;
	}
	return true;
}

/* A retransmitted request gets our cached response; true if it was one. */
static bool init_retransmit(struct fp_ike *ike, const struct fp_ike_dgram *d)
{
	struct fp_ike_sarec *s =
		fp_ike_sa_find_half(ike, ike->msg.m_hdr.h_spi_i, &d->remote, d->rport);
	if (!s)
		return false;
	if (s->s_init_req_len == d->len && !memcmp(s->s_init_req, d->data, d->len) &&
	    s->s_mid.mi_resp) {
		ike->stats.retransmits++;
		fp_ike_send_raw(ike, s, s->s_mid.mi_resp, s->s_mid.mi_resp_len);
	} else {
		ike->stats.refused_msgid++;
	}
	return true;
}

/* The responder's new SA: nonce, KE, keys and the response. */
static void init_answer_send(struct fp_ike *ike, struct fp_ike_sarec *s,
			     const struct fp_ike_ke *ke, const struct init_choice *c)
{
	struct fp_ike_wr w;
	struct fp_ike_hdr h = {.h_version = FP_IKE_VERSION, .h_exchange = FP_IKE_EX_IKE_SA_INIT,
			       .h_flags = FP_IKE_FLAG_RESPONSE};

	memcpy(h.h_spi_i, s->s_spi_i, FP_IKE_SPI_LEN);
	memcpy(h.h_spi_r, s->s_spi_r, FP_IKE_SPI_LEN);
	s->s_nr_len = FP_IKE_NONCE_LEN;
	fp_ike_random(ike, s->s_nr, s->s_nr_len);
	fp_ike_wr_init(&w, ike->out, sizeof(ike->out));
	fp_ike_put_hdr(&w, &h);
	init_answer(&ike->sa_view, c);
	fp_ike_put_sa(&w, &ike->sa_view);
	int rc = fp_ike_put_ke_new(&w, &s->s_dh, s->s_group);
	fp_ike_put_raw(&w, FP_IKE_PL_NONCE, false, s->s_nr, s->s_nr_len);
	fp_ike_natd_put(&w, s, s->s_spi_r);
	if (s->s_frag)
		fp_ike_frag_put_notify(&w);
	fp_ike_sig_put_notify(&w);
	fp_ike_cert_put_req(ike, &w, &ike->peers[s->s_peer]);
	long n = fp_ike_wr_finish(&w);
	if (rc || n < 0 || init_keys(s, ke)) {
		ike->stats.refused_parse++;
		fp_ike_sa_delete(ike, s, "Diffie-Hellman or key derivation failed");
		return;
	}
	s->s_init_resp = fp_ike_dup(ike->out, (size_t)n);
	s->s_init_resp_len = s->s_init_resp ? (size_t)n : 0;
	ike->stats.sa_init_tx++;
	fp_ike_sa_state(ike, s, FP_IKE_S_INIT_DONE);
	fp_ike_msgid_respond(ike, s, 0, ike->out, (size_t)n);
}

/* Proposal and group for a request: 0 go on, -1 refused (answered). */
static int init_choose(struct fp_ike *ike, const struct fp_ike_dgram *d,
		       const struct fp_ike_ke *ke, struct init_choice *c)
{
	if (init_select(ike, &ike->sa_view, ke->ke_group, c)) {
		init_refuse(ike, d, FP_IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return -1;
	}
	if (c->group != ke->ke_group) {
		uint8_t g[2];
		fp_put16(g, c->group);
		init_refuse(ike, d, FP_IKE_N_INVALID_KE_PAYLOAD, g, sizeof(g));
		return -1;
	}
	return 0;
}

/* Counted each time, logged once a second at most: a flood from spoofed
 * addresses must not fill the log. */
static void init_unknown_peer(struct fp_ike *ike, uint64_t now_ns)
{
	ike->stats.refused_state++;
	if (ike->unknown_log_ns && now_ns - ike->unknown_log_ns < 1000000000ull)
		return;
	ike->unknown_log_ns = now_ns ? now_ns : 1;
	fp_ike_dbg(ike, 1, "IKE_SA_INIT from a peer with no tunnel-group");
}

void fp_ike_init_request(struct fp_ike *ike, const struct fp_ike_dgram *d, uint64_t now_ns)
{
	struct fp_ike_ke ke;
	const struct fp_ike_pl *no;
	struct init_choice c;

	if (init_retransmit(ike, d))
		return;
	ike->stats.sa_init_rx++;
	int peer = fp_ike_peer_by_addr(ike, &d->remote);
	if (peer < 0) {
		init_unknown_peer(ike, now_ns);
		return;
	}
	/* cookies and the half-open bound (ike_cookie.c) before any state
	 * or Diffie-Hellman work */
	if (!init_payloads(ike, &ke, &no) || !fp_ike_cookie_gate(ike, d, no, now_ns) ||
	    !fp_ike_half_open_room(ike, d) || init_choose(ike, d, &ke, &c))
		return;
	struct fp_ike_sarec *s = fp_ike_sa_new(ike, false, now_ns);
	if (!s)
		return;
	memcpy(s->s_spi_i, ike->msg.m_hdr.h_spi_i, FP_IKE_SPI_LEN);
	s->s_has_peer = true;
	s->s_peer = (unsigned)peer;
	s->s_local = d->local;
	s->s_remote = d->remote;
	s->s_lport = d->lport;
	s->s_rport = d->rport;
	s->s_ifc = d->ifc;
	s->s_expire_ns = now_ns + FP_IKE_HALF_OPEN_NS;
	s->s_ni_len = no->pl_len;
	memcpy(s->s_ni, no->pl_body, no->pl_len);
	s->s_init_req = fp_ike_dup(d->data, d->len);
	s->s_init_req_len = s->s_init_req ? d->len : 0;
	init_set_suite(s, &c);
	fp_ike_natd_check(ike, s, &ike->msg.m_chain, d);
	s->s_frag = fp_ike_frag_offered(&ike->msg.m_chain);
	fp_ike_sig_read_notify(s, &ike->msg.m_chain);
	fp_ike_log(ike, "%%ASA-5-750002: IKEv2 Received a IKE_INIT_SA request");
	init_answer_send(ike, s, &ke, &c);
}

/* COOKIE or INVALID_KE_PAYLOAD: retry; true if the response was one. */
static bool init_retry(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns)
{
	struct fp_ike_notify n;
	const struct fp_ike_chain *c = &ike->msg.m_chain;
	if (fp_ike_find_notify(c, FP_IKE_N_COOKIE, &n) && n.n_len >= 1 &&
	    n.n_len <= FP_IKE_COOKIE_MAX) {
		if (++s->s_cookie_tries > FP_IKE_COOKIE_TRIES) { /* a responder (or a forger) looping */
			fp_ike_sa_delete(ike, s, "too many COOKIE requests");
			return true;
		}
		memcpy(s->s_cookie, n.n_data, n.n_len);
		s->s_cookie_len = n.n_len;
		init_send_request(ike, s, now_ns);
		return true;
	}
	if (!fp_ike_find_notify(c, FP_IKE_N_INVALID_KE_PAYLOAD, &n))
		return false;
	ike->stats.notify_rx[FP_IKE_N_INVALID_KE_PAYLOAD]++;
	uint16_t g = n.n_len == 2 ? fp_get16(n.n_data) : 0;
	for (unsigned p = 0; p < ike->n_policies; p++)
		for (unsigned i = 0; i < ike->policies[p].n_group; i++)
			if (g && g != s->s_group && ike->policies[p].group[i] == g) {
				fp_ike_dbg(ike, 2, "(%llu): peer wants DH group %u",
					   (unsigned long long)s->s_id, g);
				s->s_group = g;
				init_send_request(ike, s, now_ns);
				return true;
			}
	fp_ike_sa_delete(ike, s, "INVALID_KE_PAYLOAD for a group not configured");
	return true;
}

/* The responder's choice must be one of ours, one transform a type. */
static int init_check_answer(struct fp_ike *ike, struct fp_ike_sarec *s,
			     const struct fp_ike_ke *ke, struct init_choice *c)
{
	const struct fp_ike_sa *sa = &ike->sa_view;
	if (sa->sa_n_prop != 1 || init_select(ike, sa, s->s_group, c) ||
	    c->group != s->s_group || ke->ke_group != s->s_group ||
	    sa->sa_prop[0].pr_n_xf != (c->integ ? 4 : 3))
		return -1;
	return 0;
}

void fp_ike_init_response(struct fp_ike *ike, struct fp_ike_sarec *s,
			  const struct fp_ike_dgram *d, uint64_t now_ns)
{
	struct fp_ike_ke ke;
	const struct fp_ike_pl *no;
	struct init_choice c;

	if (init_retry(ike, s, now_ns))
		return;
	uint16_t err = fp_ike_error_notify(ike, &ike->msg.m_chain);
	if (err) {
		fp_ike_sa_delete(ike, s, fp_ike_notify_name(err));
		return;
	}
	if (!init_payloads(ike, &ke, &no))
		return;
	fp_ike_msgid_answered(s);
	memcpy(s->s_spi_r, ike->msg.m_hdr.h_spi_r, FP_IKE_SPI_LEN);
	if (init_check_answer(ike, s, &ke, &c)) {
		fp_ike_sa_delete(ike, s, "responder chose a proposal not offered");
		return;
	}
	init_set_suite(s, &c);
	s->s_nr_len = no->pl_len;
	memcpy(s->s_nr, no->pl_body, no->pl_len);
	if (init_keys(s, &ke)) {
		fp_ike_sa_delete(ike, s, "Diffie-Hellman or key derivation failed");
		return;
	}
	s->s_init_resp = fp_ike_dup(d->data, d->len);
	s->s_init_resp_len = s->s_init_resp ? d->len : 0;
	fp_ike_natd_check(ike, s, &ike->msg.m_chain, d);
	s->s_frag = fp_ike_frag_offered(&ike->msg.m_chain);
	fp_ike_sig_read_notify(s, &ike->msg.m_chain);
	fp_ike_cert_read_req(s, &ike->msg.m_chain);
	fp_ike_natt_float(s);
	fp_ike_auth_start(ike, s, now_ns);
}
