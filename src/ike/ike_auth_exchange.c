/* IKE_AUTH, both roles (RFC 7296 1.2, 2.15, 2.17): identities, AUTH by
 * the PSK of ike_auth.c or by a signature (ike_sig.c) with certificates
 * (ike_cert.c: CERT, CERTREQ, the chain and the ID), each side by what
 * its tunnel-group says, and the first CHILD_SA with its ESP proposal and
 * traffic selectors. The child's keys go to the gateway (env->child_up)
 * cut per direction: KEYMAT's first half protects initiator -> responder.
 * A refused child (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE) leaves the IKE SA
 * up: the response then carries the notify instead of SA, TSi and TSr. In
 * IKE_AUTH no KE is ever sent, so DH transforms of an ESP proposal are
 * ignored (charon's "net" child offers one for its later rekeys). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/inet.h"
#include "ike/ike_build.h"
#include "ike/ike_sa.h"

#define AUTH_ID_MAX (4 + 1024) /* a certificate's DN may pass FP_IKE_ID_MAX */

/* Our ID payload body (type, 3 reserved, data): what AUTH signs. */
static size_t auth_id_body(const struct fp_ike_peer *p, const struct fp_ike_sarec *s,
			   uint8_t *out)
{
	memset(out, 0, 4);
	if (p->local_id.len) {
		out[0] = p->local_id.type;
		memcpy(out + 4, p->local_id.data, p->local_id.len);
		return 4 + (size_t)p->local_id.len;
	}
	bool v6 = s->s_local.af == FP_AF_INET6;
	out[0] = v6 ? FP_IKE_ID_IPV6_ADDR : FP_IKE_ID_IPV4_ADDR;
	memcpy(out + 4, s->s_local.a, v6 ? 16 : 4);
	return v6 ? 20 : 8;
}

/* Our signature over the octets with cr's key; the method in *method. */
static int auth_sign(struct fp_ike_sarec *s, const struct fp_ike_credrec *cr,
		     const uint8_t *id, size_t idn, uint8_t *method, uint8_t *out, size_t *outn)
{
	uint8_t mac_id[FP_IKE_PRF_MAX];
	struct fp_ike_iov oct[3];
	enum fp_ike_sig_scheme sch = fp_ike_sig_pick(s, cr->cr.key, method);
	int rc = sch && !fp_ike_auth_octets(s, s->s_initiator, id, idn, mac_id, oct)
			 ? fp_ike_sig_sign(cr->cr.key, sch, *method, oct, 3, out, FP_IKE_SIG_MAX, outn)
			 : -1;
	OPENSSL_cleanse(mac_id, sizeof(mac_id));
	s->s_auth_method = *method;
	s->s_auth_ec = EVP_PKEY_is_a(cr->cr.key, "EC");
	return rc;
}

/* IDx, our CERTs (certificate authentication), CERTREQ (the initiator's,
 * when it wants the peer's certificate) and AUTH into w. */
static int auth_put_ours(struct fp_ike *ike, struct fp_ike_wr *w, struct fp_ike_sarec *s,
			 const struct fp_ike_peer *p)
{
	uint8_t id[AUTH_ID_MAX], mac[FP_IKE_SIG_MAX], method = FP_IKE_AUTH_PSK;
	const struct fp_ike_credrec *cr = p->cert_local ? &ike->creds[p->cred_local] : NULL;
	size_t idn = cr && !p->local_id.len ? fp_ike_cert_id(cr, id, sizeof(id))
					    : auth_id_body(p, s, id), macn;
	int rc = !idn ? -1
		 : cr ? auth_sign(s, cr, id, idn, &method, mac, &macn)
		      : fp_ike_auth_psk(s, s->s_initiator, p->psk_local, p->psk_local_len, id, idn,
					mac, &macn);
	if (rc) {
		fp_ike_dbg(ike, 1, "(%llu): cannot make our AUTH (%s)",
			   (unsigned long long)s->s_id, cr ? "signature" : "pre-shared key");
		ike->stats.auth_fail++;
		ike->stats.auth_fail_by[FP_IKE_AUTHF_LOCAL]++;
		return -1;
	}
	struct fp_ike_typed tid = {id + 4, (uint16_t)(idn - 4), id[0]};
	fp_ike_id_str(id[0], id + 4, idn - 4, s->s_id_local, sizeof(s->s_id_local));
	struct fp_ike_typed tauth = {mac, (uint16_t)macn, method};
	fp_ike_put_typed(w, s->s_initiator ? FP_IKE_PL_IDI : FP_IKE_PL_IDR, &tid);
	if (cr)
		fp_ike_cert_put_ours(w, s, cr);
	if (s->s_initiator)
		fp_ike_cert_put_req(ike, w, p);
	fp_ike_put_typed(w, FP_IKE_PL_AUTH, &tauth);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

/* The peer's signature: its certificate chain and ID, then AUTH. */
static enum fp_ike_authf auth_check_sig(struct fp_ike *ike, struct fp_ike_sarec *s,
					const struct fp_ike_chain *c, const struct fp_ike_pl *id,
					const struct fp_ike_typed *au)
{
	const struct fp_ike_peer *p = &ike->peers[s->s_peer];
	enum fp_ike_authf why;
	uint8_t mac_id[FP_IKE_PRF_MAX];
	struct fp_ike_iov oct[3];
	if (au->t_kind == FP_IKE_AUTH_PSK)
		return FP_IKE_AUTHF_METHOD;
	EVP_PKEY *pub = fp_ike_cert_peer(ike, s, c, &ike->creds[p->cred_remote], id->pl_body,
					 id->pl_len, &why);
	if (pub)
		s->s_auth_peer_ec = EVP_PKEY_is_a(pub, "EC");
	if (pub)
		why = fp_ike_auth_octets(s, !s->s_initiator, id->pl_body, id->pl_len, mac_id, oct)
			      ? FP_IKE_AUTHF_SIGNATURE
			      : fp_ike_sig_verify(pub, au->t_kind, au->t_data, au->t_len, oct, 3);
	EVP_PKEY_free(pub);
	return why;
}

/* The peer's ID and AUTH in c, checked against its remote PSK or its
 * certificate: FP_IKE_AUTHF_OK or why not. */
static enum fp_ike_authf auth_check_peer(struct fp_ike *ike, struct fp_ike_sarec *s,
					 const struct fp_ike_chain *c)
{
	const struct fp_ike_peer *p = &ike->peers[s->s_peer];
	const struct fp_ike_pl *id =
		fp_ike_chain_find(c, s->s_initiator ? FP_IKE_PL_IDR : FP_IKE_PL_IDI, NULL);
	const struct fp_ike_pl *au = fp_ike_chain_find(c, FP_IKE_PL_AUTH, NULL);
	struct fp_ike_typed t;
	if (!id || !au || fp_ike_typed_parse(au, &t) != FP_IKE_E_OK)
		return FP_IKE_AUTHF_PAYLOADS;
	s->s_auth_peer = t.t_kind;
	if (id->pl_len >= 4) /* shown once AUTH checks out: the SA is gone otherwise */
		fp_ike_id_str(id->pl_body[0], id->pl_body + 4, id->pl_len - 4, s->s_id_remote,
			      sizeof(s->s_id_remote));
	if (p->cert_remote)
		return auth_check_sig(ike, s, c, id, &t);
	if (t.t_kind != FP_IKE_AUTH_PSK)
		return FP_IKE_AUTHF_METHOD;
	return fp_ike_auth_psk_verify(s, !s->s_initiator, p->psk_remote, p->psk_remote_len,
				      id->pl_body, id->pl_len, t.t_data, t.t_len)
		       ? FP_IKE_AUTHF_OK
		       : FP_IKE_AUTHF_PSK;
}

/* The first child: KEYMAT from the IKE_SA_INIT nonces, no PFS. */
static int auth_child_install(struct fp_ike *ike, struct fp_ike_sarec *s, unsigned t,
			      const struct fp_ike_esp_pick *ch, const struct fp_selector *sel)
{
	struct fp_ike_kin in = {.ki_ni = s->s_ni, .ki_nr = s->s_nr, .ki_ni_len = s->s_ni_len,
				.ki_nr_len = s->s_nr_len};
	return fp_ike_esp_install(ike, s, t, ch, sel, s->s_child_spi, &in, s->s_initiator,
				  UINT64_MAX) < 0
		       ? -1
		       : 0;
}

/* Whether another IKE SA with s's peer is up (no INITIAL_CONTACT then). */
static bool auth_peer_has_sa(const struct fp_ike *ike, const struct fp_ike_sarec *s)
{
	for (unsigned i = 0; i < ike->n_sas; i++)
		if (ike->sas[i] != s && ike->sas[i]->s_has_peer &&
		    ike->sas[i]->s_peer == s->s_peer && ike->sas[i]->s_state == FP_IKE_S_READY)
			return true;
	return false;
}

void fp_ike_auth_start(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns)
{
	const struct fp_ike_peer *p = &ike->peers[s->s_peer];
	const struct fp_ike_tunnel *t = &p->tunnels[s->s_tunnel];
	struct fp_ike_wr w;
	struct fp_ike_tsp tsp;
	uint8_t spi[4];

	s->s_child_spi = ike->env.spi_alloc ? ike->env.spi_alloc(ike->env.ctx) : 0;
	fp_put32(spi, s->s_child_spi);
	fp_ike_wr_init_inner(&w, ike->chain, sizeof(ike->chain));
	int rc = s->s_child_spi ? auth_put_ours(ike, &w, s, p) : -1;
	if (!auth_peer_has_sa(ike, s))
		fp_ike_put_status(&w, FP_IKE_N_INITIAL_CONTACT, NULL, 0);
	fp_ike_esp_offer(&ike->sa_view, t, spi, 0);
	fp_ike_put_sa(&w, &ike->sa_view);
	fp_ike_ts_from_prefix(&tsp, &t->sel.local, t->sel.proto, t->sel.local_port);
	fp_ike_put_ts(&w, FP_IKE_PL_TSI, &tsp);
	fp_ike_ts_from_prefix(&tsp, &t->sel.remote, t->sel.proto, t->sel.remote_port);
	fp_ike_put_ts(&w, FP_IKE_PL_TSR, &tsp);
	long n = fp_ike_wr_finish(&w);
	size_t len = rc || n < 0 || !ike->sa_view.sa_n_prop
			     ? 0
			     : fp_ike_seal(ike, s, FP_IKE_EX_IKE_AUTH, false,
					   s->s_mid.mi_next_send, w.w_first, ike->chain, (size_t)n);
	OPENSSL_cleanse(ike->chain, sizeof(ike->chain));
	if (!len) {
		fp_ike_sa_delete(ike, s, "could not build IKE_AUTH");
		return;
	}
	fp_ike_sa_state(ike, s, FP_IKE_S_AUTH_SENT);
	fp_ike_msgid_request(ike, s, ike->out, len, now_ns);
}

/* The proposed child as responder: 0 with SA, TSi, TSr written into w, or
 * the error notify to send instead. */
static uint16_t auth_child_respond(struct fp_ike *ike, struct fp_ike_sarec *s,
				   const struct fp_ike_chain *c, struct fp_ike_wr *w)
{
	const struct fp_ike_pl *sa = fp_ike_chain_find(c, FP_IKE_PL_SA, NULL);
	const struct fp_ike_pl *ti = fp_ike_chain_find(c, FP_IKE_PL_TSI, NULL);
	const struct fp_ike_pl *tr = fp_ike_chain_find(c, FP_IKE_PL_TSR, NULL);
	struct fp_ike_tsp tsi, tsr;
	struct fp_selector sel;
	struct fp_ike_esp_pick ch;
	uint8_t spi[4];

	if (!sa || !ti || !tr || fp_ike_sa_parse(sa, &ike->sa_view) != FP_IKE_E_OK ||
	    fp_ike_ts_parse(ti, &tsi) != FP_IKE_E_OK || fp_ike_ts_parse(tr, &tsr) != FP_IKE_E_OK)
		return FP_IKE_N_INVALID_SYNTAX;
	int t = fp_ike_ts_select(&ike->peers[s->s_peer], &tsi, &tsr, &sel);
	if (t < 0)
		return FP_IKE_N_TS_UNACCEPTABLE;
	if (!fp_ike_esp_select(&ike->sa_view, &ike->peers[s->s_peer].tunnels[t], 0, false, &ch))
		return FP_IKE_N_NO_PROPOSAL_CHOSEN;
	s->s_child_spi = ike->env.spi_alloc ? ike->env.spi_alloc(ike->env.ctx) : 0;
	if (!s->s_child_spi || auth_child_install(ike, s, (unsigned)t, &ch, &sel))
		return FP_IKE_N_NO_ADDITIONAL_SAS;
	fp_put32(spi, s->s_child_spi);
	s->s_child_spi = 0; /* the child owns it now */
	fp_ike_esp_answer(&ike->sa_view, &ch, spi, 0);
	fp_ike_put_sa(w, &ike->sa_view);
	fp_ike_ts_from_prefix(&tsi, &sel.remote, sel.proto, sel.remote_port);
	fp_ike_put_ts(w, FP_IKE_PL_TSI, &tsi);
	fp_ike_ts_from_prefix(&tsr, &sel.local, sel.proto, sel.local_port);
	fp_ike_put_ts(w, FP_IKE_PL_TSR, &tsr);
	return 0;
}

static void auth_established(struct fp_ike *ike, struct fp_ike_sarec *s)
{
	char l[FP_ADDR_STRLEN], r[FP_ADDR_STRLEN];
	ike->stats.auth_ok++;
	ike->stats.established++;
	s->s_expire_ns = 0;
	s->s_last_rx_ns = ike->now_ns;
	/* the original initiator rekeys the IKE SA; both sides expire it */
	if (s->s_initiator)
		s->s_rekey_ns = fp_ike_child_soft_ns(ike, s->s_life_s, ike->now_ns);
	s->s_hard_ns = s->s_life_s ? ike->now_ns + (uint64_t)s->s_life_s * 1000000000ull : 0;
	fp_ike_sa_state(ike, s, FP_IKE_S_READY);
	fp_ike_log(ike, "%%ASA-5-750006: Local:%s:%u Remote:%s:%u Username:%s IKEv2 SA UP. "
			"Reason: New Connection Established",
		   fp_ike_addr_str(&s->s_local, l), s->s_lport, fp_ike_addr_str(&s->s_remote, r),
		   s->s_rport, r);
	fp_ike_info_duplicate(ike, s);
}

static void auth_failed(struct fp_ike *ike, struct fp_ike_sarec *s, enum fp_ike_authf why)
{
	char reason[128];
	ike->stats.auth_fail++;
	ike->stats.auth_fail_by[why]++;
	snprintf(reason, sizeof(reason), "Failed to authenticate the IKE SA: %s",
		 fp_ike_authf_name(why));
	fp_ike_sa_delete(ike, s, reason);
}

/* The peer's IKE_AUTH request: AUTH checked, child made, answered. */
void fp_ike_auth_request(struct fp_ike *ike, struct fp_ike_sarec *s,
			 const struct fp_ike_chain *c, uint32_t mid)
{
	struct fp_ike_wr w;
	fp_ike_wr_init_inner(&w, ike->chain, sizeof(ike->chain));
	enum fp_ike_authf why = auth_check_peer(ike, s, c);
	if (why) {
		fp_ike_put_status(&w, FP_IKE_N_AUTHENTICATION_FAILED, NULL, 0);
		fp_ike_count_notify_tx(ike, FP_IKE_N_AUTHENTICATION_FAILED);
		fp_ike_answer(ike, s, FP_IKE_EX_IKE_AUTH, &w, mid);
		auth_failed(ike, s, why);
		return;
	}
	fp_ike_cert_read_req(s, c);
	if (auth_put_ours(ike, &w, s, &ike->peers[s->s_peer])) {
		fp_ike_sa_delete(ike, s, "could not compute AUTH");
		return;
	}
	/* a restarted peer: its stale SAs (and their children, which hold
	 * the tunnels' rules) go before the new child is installed */
	struct fp_ike_notify ic;
	if (fp_ike_find_notify(c, FP_IKE_N_INITIAL_CONTACT, &ic))
		fp_ike_info_initial_contact(ike, s);
	uint16_t err = auth_child_respond(ike, s, c, &w);
	if (err) {
		if (s->s_child_spi && ike->env.spi_release)
			ike->env.spi_release(ike->env.ctx, s->s_child_spi);
		s->s_child_spi = 0;
		fp_ike_put_status(&w, err, NULL, 0);
		fp_ike_count_notify_tx(ike, err);
		fp_ike_dbg(ike, 1, "(%llu): first CHILD_SA refused: %s",
			   (unsigned long long)s->s_id, fp_ike_notify_name(err));
	}
	fp_ike_answer(ike, s, FP_IKE_EX_IKE_AUTH, &w, mid);
	auth_established(ike, s);
}

/* The responder's child: one proposal of ours, selectors inside ours. */
static void auth_child_accept(struct fp_ike *ike, struct fp_ike_sarec *s,
			      const struct fp_ike_chain *c)
{
	const struct fp_ike_tunnel *t = &ike->peers[s->s_peer].tunnels[s->s_tunnel];
	const struct fp_ike_pl *sa = fp_ike_chain_find(c, FP_IKE_PL_SA, NULL);
	const struct fp_ike_pl *ti = fp_ike_chain_find(c, FP_IKE_PL_TSI, NULL);
	const struct fp_ike_pl *tr = fp_ike_chain_find(c, FP_IKE_PL_TSR, NULL);
	struct fp_ike_tsp tsi, tsr;
	struct fp_selector sel;
	struct fp_ike_esp_pick ch;
	uint16_t err = fp_ike_error_notify(ike, c);
	const char *why = err ? fp_ike_notify_name(err) : "answer not offered";

	if (!err && sa && ti && tr && fp_ike_sa_parse(sa, &ike->sa_view) == FP_IKE_E_OK &&
	    ike->sa_view.sa_n_prop == 1 && fp_ike_ts_parse(ti, &tsi) == FP_IKE_E_OK &&
	    fp_ike_ts_parse(tr, &tsr) == FP_IKE_E_OK && fp_ike_esp_select(&ike->sa_view, t, 0, false, &ch) &&
	    !fp_ike_ts_accept(t, &tsi, &tsr, &sel)) {
		if (!auth_child_install(ike, s, s->s_tunnel, &ch, &sel)) {
			s->s_child_spi = 0;
			return;
		}
		why = "the gateway refused the child";
	}
	fp_ike_dbg(ike, 1, "(%llu): first CHILD_SA not established: %s",
		   (unsigned long long)s->s_id, why);
	if (s->s_child_spi && ike->env.spi_release)
		ike->env.spi_release(ike->env.ctx, s->s_child_spi);
	s->s_child_spi = 0;
}

void fp_ike_auth_response(struct fp_ike *ike, struct fp_ike_sarec *s,
			  const struct fp_ike_chain *c)
{
	struct fp_ike_notify n;
	bool refused = fp_ike_find_notify(c, FP_IKE_N_AUTHENTICATION_FAILED, &n);
	if (refused)
		ike->stats.notify_rx[FP_IKE_N_AUTHENTICATION_FAILED]++;
	enum fp_ike_authf why = refused ? FP_IKE_AUTHF_REFUSED : auth_check_peer(ike, s, c);
	if (why) {
		auth_failed(ike, s, why);
		return;
	}
	auth_established(ike, s);
	auth_child_accept(ike, s, c);
}
