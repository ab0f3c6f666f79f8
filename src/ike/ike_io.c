/* The entry from the gateway: an instance's life and configuration, one
 * datagram in (header, demux by SPI and role, full parse, SK opened,
 * message ID checked, then the exchange), the tick, the acquire, and the
 * way out: every datagram leaves through env->send on the SA's current
 * path, which a request's source address and port keep up to date. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/inet.h"
#include "ike/ike_build.h"
#include "ike/ike_sa.h"

struct fp_ike *fp_ike_new(const struct fp_ike_env *env)
{
	struct fp_ike *ike = calloc(1, sizeof(*ike));
	if (ike) {
		ike->env = *env;
		fp_ike_half_open_limits(ike, 0, 0);
	}
	return ike;
}

static void io_drop_peers(struct fp_ike *ike)
{
	if (ike->peers)
		OPENSSL_cleanse(ike->peers, ike->n_peers * sizeof(*ike->peers));
	free(ike->peers);
	free(ike->acquired_ns);
	ike->peers = NULL;
	ike->acquired_ns = NULL;
	ike->n_peers = 0;
}

void fp_ike_free(struct fp_ike *ike)
{
	if (!ike)
		return;
	for (unsigned i = 0; i < ike->n_sas; i++)
		fp_ike_sa_delete(ike, ike->sas[i], "shutdown");
	fp_ike_sa_reap(ike);
	free(ike->sas);
	io_drop_peers(ike);
	fp_ike_cert_release(ike);
	OPENSSL_cleanse(ike, sizeof(*ike));
	free(ike);
}

static int io_check_policy(const struct fp_ike_policy *p, char *err, size_t errlen)
{
	if (!p->n_encr || !p->n_prf || !p->n_group || p->n_encr > FP_IKE_MAX_ALGS ||
	    p->n_prf > FP_IKE_MAX_ALGS || p->n_group > FP_IKE_MAX_ALGS ||
	    p->n_integ > FP_IKE_MAX_ALGS) {
		snprintf(err, errlen, "ikev2 policy %u: encryption, prf and group needed",
			 p->priority);
		return -1;
	}
	return 0;
}

int fp_ike_configure(struct fp_ike *ike, const struct fp_ike_cfg *cfg, char *err, size_t errlen)
{
	if (cfg->n_policies > FP_IKE_MAX_PROPOSALS || cfg->n_peers > FP_IKE_MAX_PEERS) {
		snprintf(err, errlen, "too many ikev2 policies or peers");
		return -1;
	}
	for (unsigned i = 0; i < cfg->n_policies; i++)
		if (io_check_policy(&cfg->policies[i], err, errlen))
			return -1;
	struct fp_ike_peer *peers = calloc(cfg->n_peers ? cfg->n_peers : 1, sizeof(*peers));
	uint64_t *acq = calloc((size_t)(cfg->n_peers ? cfg->n_peers : 1) * FP_IKE_MAX_TUNNELS,
			       sizeof(*acq));
	if (!peers || !acq || fp_ike_cert_configure(ike, cfg, err, errlen)) {
		if (!peers || !acq)
			snprintf(err, errlen, "out of memory");
		free(peers);
		free(acq);
		return -1;
	}
	ike->frag_mtu = cfg->frag_mtu;
	if (cfg->n_peers)
		memcpy(peers, cfg->peers, cfg->n_peers * sizeof(*peers));
	io_drop_peers(ike);
	ike->peers = peers;
	ike->acquired_ns = acq;
	ike->n_peers = cfg->n_peers;
	memcpy(ike->policies, cfg->policies, cfg->n_policies * sizeof(*cfg->policies));
	ike->n_policies = cfg->n_policies;
	fp_ike_half_open_limits(ike, cfg->half_open_max, cfg->cookie_pct);
	return 0;
}

const struct fp_ike_stats *fp_ike_stats(const struct fp_ike *ike)
{
	return &ike->stats;
}

void fp_ike_send_raw(struct fp_ike *ike, const struct fp_ike_sarec *s, const uint8_t *b, size_t n)
{
	while (n) {
		uint32_t one = n >= FP_IKE_HDR_LEN ? fp_get32(b + 24) : 0;
		if (one < FP_IKE_HDR_LEN || one > n)
			one = (uint32_t)n;
		struct fp_ike_dgram d = {s->s_local, s->s_remote, s->s_lport, s->s_rport, s->s_ifc,
					 b, one};
		ike->stats.tx++;
		fp_ike_dbg_packet(ike, false, &d);
		if (ike->env.send)
			ike->env.send(ike->env.ctx, &d);
		b += one;
		n -= one;
	}
}

size_t fp_ike_seal(struct fp_ike *ike, struct fp_ike_sarec *s, uint8_t exchange, bool response,
		   uint32_t mid, uint8_t first, const uint8_t *chain, size_t chain_len)
{
	struct fp_ike_sk_dir sd;
	struct fp_ike_wr w;
	struct fp_ike_hdr h = {.h_version = FP_IKE_VERSION, .h_exchange = exchange, .h_msgid = mid};

	memcpy(h.h_spi_i, s->s_spi_i, FP_IKE_SPI_LEN);
	memcpy(h.h_spi_r, s->s_spi_r, FP_IKE_SPI_LEN);
	h.h_flags = (uint8_t)((s->s_initiator ? FP_IKE_FLAG_INITIATOR : 0) |
			      (response ? FP_IKE_FLAG_RESPONSE : 0));
	fp_ike_sk_dir_init(&sd, &s->s_keys, s->s_initiator);
	size_t body = fp_ike_sk_body_len(&sd, chain_len, 0);
	size_t frags = body ? fp_ike_frag_seal(ike, s, &h, &sd, first, chain, chain_len,
					       FP_IKE_HDR_LEN + FP_IKE_GEN_HDR_LEN + body)
			    : 0;
	if (frags)
		return frags;
	fp_ike_wr_init(&w, ike->out, sizeof(ike->out));
	fp_ike_put_hdr(&w, &h);
	uint8_t *p = body ? fp_ike_put_sk(&w, first, NULL, body) : NULL;
	long len = fp_ike_wr_finish(&w);
	if (!p || len < 0 ||
	    fp_ike_sk_seal(&sd, ike->out, (size_t)len, (size_t)(p - ike->out), chain, chain_len,
			   NULL) != FP_IKE_SK_E_OK)
		return 0;
	return (size_t)len;
}

void fp_ike_put_status(struct fp_ike_wr *w, uint16_t type, const uint8_t *data, uint16_t len)
{
	struct fp_ike_notify n = {.n_data = data, .n_len = len, .n_type = type};
	fp_ike_put_notify(w, &n);
}

void fp_ike_answer(struct fp_ike *ike, struct fp_ike_sarec *s, uint8_t exchange,
		   struct fp_ike_wr *w, uint32_t mid)
{
	long n = fp_ike_wr_finish(w);
	size_t len = n < 0 ? 0
			   : fp_ike_seal(ike, s, exchange, true, mid, w->w_first, ike->chain,
					 (size_t)n);
	OPENSSL_cleanse(ike->chain, sizeof(ike->chain));
	if (len)
		fp_ike_msgid_respond(ike, s, mid, ike->out, len);
}

bool fp_ike_ask(struct fp_ike *ike, struct fp_ike_sarec *s, uint8_t exchange, struct fp_ike_wr *w,
		uint64_t now_ns)
{
	long n = fp_ike_wr_finish(w);
	size_t len = n < 0 ? 0
			   : fp_ike_seal(ike, s, exchange, false, s->s_mid.mi_next_send, w->w_first,
					 ike->chain, (size_t)n);
	OPENSSL_cleanse(ike->chain, sizeof(ike->chain));
	if (!len)
		return false;
	fp_ike_msgid_request(ike, s, ike->out, len, now_ns);
	return true;
}

int fp_ike_put_ke_of(struct fp_ike_wr *w, const struct fp_ike_dh *dh)
{
	uint8_t pub[FP_IKE_DH_KE_MAX];
	size_t n;
	if (fp_ike_dh_public(dh, pub, sizeof(pub), &n) != FP_IKE_DH_E_OK)
		return -1;
	struct fp_ike_ke ke = {pub, (uint16_t)n, dh->dh_group};
	fp_ike_put_ke(w, &ke);
	return 0;
}

int fp_ike_put_ke_new(struct fp_ike_wr *w, struct fp_ike_dh *dh, uint16_t group)
{
	fp_ike_dh_free(dh);
	if (fp_ike_dh_new(dh, group) != FP_IKE_DH_E_OK)
		return -1;
	return fp_ike_put_ke_of(w, dh);
}

bool fp_ike_find_notify(const struct fp_ike_chain *c, uint16_t type, struct fp_ike_notify *n)
{
	unsigned at = 0;
	const struct fp_ike_pl *pl;
	while ((pl = fp_ike_chain_find(c, FP_IKE_PL_NOTIFY, &at)))
		if (fp_ike_notify_parse(pl, n) == FP_IKE_E_OK && n->n_type == type)
			return true;
	return false;
}

uint16_t fp_ike_error_notify(struct fp_ike *ike, const struct fp_ike_chain *c)
{
	unsigned at = 0;
	const struct fp_ike_pl *pl;
	struct fp_ike_notify n;
	while ((pl = fp_ike_chain_find(c, FP_IKE_PL_NOTIFY, &at))) {
		if (fp_ike_notify_parse(pl, &n) != FP_IKE_E_OK || n.n_type >= FP_IKE_N_STATUS_MIN)
			continue;
		if (n.n_type < 64)
			ike->stats.notify_rx[n.n_type]++;
		return n.n_type;
	}
	return 0;
}

void fp_ike_count_notify_tx(struct fp_ike *ike, uint16_t type)
{
	if (type < 64)
		ike->stats.notify_tx[type]++;
}

static void io_request(struct fp_ike *ike, struct fp_ike_sarec *s, const struct fp_ike_dgram *d,
		       const struct fp_ike_hdr *h)
{
	if (!fp_ike_msgid_check_request(ike, s, h->h_msgid))
		return;
	fp_ike_natt_peer_moved(ike, s, d); /* replies go where the request came from */
	bool live = s->s_state == FP_IKE_S_READY || s->s_state == FP_IKE_S_DELETING;
	if (h->h_exchange == FP_IKE_EX_IKE_AUTH && s->s_state == FP_IKE_S_INIT_DONE)
		fp_ike_auth_request(ike, s, &ike->inner, h->h_msgid);
	else if (h->h_exchange == FP_IKE_EX_INFORMATIONAL && live)
		fp_ike_info_request(ike, s, &ike->inner, h->h_msgid);
	else if (h->h_exchange == FP_IKE_EX_CREATE_CHILD_SA && s->s_state == FP_IKE_S_READY)
		fp_ike_child_request(ike, s, &ike->inner, h->h_msgid);
	else
		ike->stats.refused_state++;
	fp_ike_timer_next(ike, s, ike->now_ns);
}

static void io_response(struct fp_ike *ike, struct fp_ike_sarec *s, const struct fp_ike_dgram *d,
			const struct fp_ike_hdr *h)
{
	if (!fp_ike_msgid_check_response(ike, s, h->h_msgid))
		return;
	fp_ike_natt_peer_moved(ike, s, d);
	fp_ike_msgid_answered(s);
	bool live = s->s_state == FP_IKE_S_READY || s->s_state == FP_IKE_S_DELETING;
	if (h->h_exchange == FP_IKE_EX_IKE_AUTH && s->s_state == FP_IKE_S_AUTH_SENT)
		fp_ike_auth_response(ike, s, &ike->inner);
	else if (h->h_exchange == FP_IKE_EX_INFORMATIONAL && live)
		fp_ike_info_response(ike, s, &ike->inner);
	else if (h->h_exchange == FP_IKE_EX_CREATE_CHILD_SA && live)
		fp_ike_child_response(ike, s, &ike->inner);
	else
		ike->stats.refused_state++;
	fp_ike_timer_next(ike, s, ike->now_ns);
}

/* Whether a fragment's message is the one the window expects; a
 * retransmitted request we answered gets the cached answer once, on its
 * first fragment. */
static bool io_frag_wanted(struct fp_ike *ike, struct fp_ike_sarec *s, const struct fp_ike_hdr *h)
{
	if (h->h_flags & FP_IKE_FLAG_RESPONSE)
		return fp_ike_msgid_check_response(ike, s, h->h_msgid);
	if (h->h_msgid == s->s_mid.mi_next_recv)
		return true;
	const struct fp_ike_pl *last = &ike->msg.m_chain.c_pl[ike->msg.m_chain.c_n - 1];
	struct fp_ike_skf f;
	if (fp_ike_skf_parse(last, &f) == FP_IKE_E_OK && f.f_num == 1)
		fp_ike_msgid_check_request(ike, s, h->h_msgid);
	return false;
}

/* The plaintext chain of ike->msg, s's message: in ike->plain, or joined
 * from its SKF fragments into *joined (heap). false: refused (counted) or
 * the fragment kept until the others come. */
static bool io_open(struct fp_ike *ike, struct fp_ike_sarec *s, uint8_t **joined, size_t *n,
		    uint8_t *first)
{
	struct fp_ike_sk_dir sd;
	struct fp_ike_sk_view sv;
	fp_ike_sk_dir_init(&sd, &s->s_keys, !s->s_initiator);
	if (fp_ike_sk_open(&sd, &ike->msg, ike->plain, sizeof(ike->plain), n, &sv) !=
	    FP_IKE_SK_E_OK) {
		ike->stats.refused_icv++;
		return false;
	}
	*first = sv.sv_first;
	if (!sv.sv_frag)
		return true;
	if (!s->s_frag) { /* fragments never announced (RFC 7383 2.5) */
		ike->stats.frag_refused++;
		return false;
	}
	return io_frag_wanted(ike, s, &ike->msg.m_hdr) &&
	       fp_ike_frag_take(ike, s, &ike->msg, ike->plain, *n, joined, n, first);
}

/* A message of an SA past IKE_SA_INIT: SK opened (or its SKF fragments
 * reassembled), inner chain parsed. */
static void io_encrypted(struct fp_ike *ike, const struct fp_ike_dgram *d)
{
	const struct fp_ike_hdr *h = &ike->msg.m_hdr;
	bool we_initiated = !(h->h_flags & FP_IKE_FLAG_INITIATOR);
	struct fp_ike_sarec *s = fp_ike_sa_find(ike, h->h_spi_i, h->h_spi_r, we_initiated);
	uint8_t *joined = NULL, first = 0;
	size_t n = 0;
	if (!s || s->s_state < FP_IKE_S_INIT_DONE) { /* no keys yet */
		ike->stats.refused_spi++;
		return;
	}
	if (!io_open(ike, s, &joined, &n, &first))
		return;
	if (fp_ike_chain_parse(&ike->inner, first, joined ? joined : ike->plain, n, true) !=
	    FP_IKE_E_OK) {
		ike->stats.refused_parse++;
	} else {
		s->s_last_rx_ns = ike->now_ns; /* the peer is alive (DPD) */
		if (h->h_flags & FP_IKE_FLAG_RESPONSE)
			io_response(ike, s, d, h);
		else
			io_request(ike, s, d, h);
	}
	if (joined) {
		OPENSSL_cleanse(joined, n);
		free(joined);
	}
}

static void io_sa_init(struct fp_ike *ike, const struct fp_ike_dgram *d, uint64_t now_ns)
{
	static const uint8_t zero[FP_IKE_SPI_LEN];
	const struct fp_ike_hdr *h = &ike->msg.m_hdr;
	bool resp = h->h_flags & FP_IKE_FLAG_RESPONSE;

	if (!resp && (h->h_flags & FP_IKE_FLAG_INITIATOR) && !memcmp(h->h_spi_r, zero, 8)) {
		fp_ike_init_request(ike, d, now_ns);
		return;
	}
	struct fp_ike_sarec *s = resp ? fp_ike_sa_find(ike, h->h_spi_i, h->h_spi_r, true) : NULL;
	if (!s || s->s_state != FP_IKE_S_INIT_SENT || h->h_msgid != 0) {
		ike->stats.refused_spi++;
		return;
	}
	fp_ike_init_response(ike, s, d, now_ns);
}

void fp_ike_input(struct fp_ike *ike, const struct fp_ike_dgram *d, uint64_t now_ns)
{
	ike->now_ns = now_ns;
	ike->stats.rx++;
	fp_ike_dbg_packet(ike, true, d);
	enum fp_ike_err e = fp_ike_msg_parse(&ike->msg, d->data, d->len);
	if (e != FP_IKE_E_OK) {
		ike->stats.refused_parse++;
		fp_ike_dbg(ike, 2, "datagram refused: %s", fp_ike_err_name(e));
		return;
	}
	if (ike->msg.m_hdr.h_exchange == FP_IKE_EX_IKE_SA_INIT)
		io_sa_init(ike, d, now_ns);
	else
		io_encrypted(ike, d);
	OPENSSL_cleanse(ike->plain, sizeof(ike->plain));
	fp_ike_sa_reap(ike);
}

void fp_ike_tick(struct fp_ike *ike, uint64_t now_ns)
{
	ike->now_ns = now_ns;
	fp_ike_timer_run(ike, now_ns);
}

/* The live IKE SA with peer (READY first), or NULL. */
static struct fp_ike_sarec *io_peer_sa(struct fp_ike *ike, unsigned peer)
{
	struct fp_ike_sarec *any = NULL;
	for (unsigned i = 0; i < ike->n_sas; i++) {
		struct fp_ike_sarec *s = ike->sas[i];
		if (!s->s_has_peer || s->s_peer != peer || s->s_state >= FP_IKE_S_DELETING)
			continue;
		if (s->s_state == FP_IKE_S_READY)
			return s;
		any = s;
	}
	return any;
}

void fp_ike_child_expiring(struct fp_ike *ike, uint64_t handle, bool hard, uint64_t now_ns)
{
	ike->now_ns = now_ns;
	for (unsigned i = 0; i < ike->n_sas; i++) {
		struct fp_ike_sarec *s = ike->sas[i];
		for (unsigned c = 0; s->s_state == FP_IKE_S_READY && c < FP_IKE_MAX_CHILDREN; c++) {
			if (s->s_ch[c].c_state != FP_IKE_CH_ACTIVE || s->s_ch[c].c_handle != handle)
				continue;
			if (hard)
				fp_ike_info_delete_child(ike, s, c, "lifetime expired (volume)");
			else
				s->s_ch[c].c_rekey_ns = now_ns;
			fp_ike_timer_next(ike, s, now_ns);
			return;
		}
	}
}

int fp_ike_acquire(struct fp_ike *ike, unsigned peer, unsigned tunnel, uint64_t now_ns)
{
	if (peer >= ike->n_peers)
		return -1;
	const struct fp_ike_peer *p = &ike->peers[peer];
	unsigned t = 0;
	while (t < p->n_tunnels && p->tunnels[t].tunnel != tunnel)
		t++;
	if (t == p->n_tunnels || !p->tunnels[t].initiate)
		return -1;
	struct fp_ike_sarec *s = io_peer_sa(ike, peer);
	if (s) { /* one IKE SA a peer: more tunnels are CREATE_CHILD_SA on it */
		if (fp_ike_child_active(s, t) < 0 &&
		    !(s->s_initiator && s->s_state < FP_IKE_S_READY && s->s_tunnel == t)) {
			s->s_want_tunnels |= 1u << t;
			fp_ike_timer_next(ike, s, now_ns);
		}
		return 0;
	}
	uint64_t *last = &ike->acquired_ns[peer * FP_IKE_MAX_TUNNELS + t];
	if (*last && now_ns - *last < FP_IKE_ACQUIRE_GAP_NS)
		return 0;
	*last = now_ns;
	fp_ike_log(ike, "%%ASA-5-752003: Tunnel Manager dispatching a KEY_ACQUIRE message to "
			"IKEv2. Map Sequence Number = %u", tunnel);
	return fp_ike_init_start(ike, peer, t, now_ns);
}

/* Children down now; the DELETE of the IKE SA goes as our next request
 * (retransmitted like any), and the SA ends with its answer. */
static void io_clear_one(struct fp_ike *ike, struct fp_ike_sarec *s)
{
	/* the operator's clear is no failed attempt: the next packet may
	 * acquire at once, not after FP_IKE_ACQUIRE_GAP_NS */
	if (s->s_has_peer && s->s_peer < ike->n_peers)
		memset(&ike->acquired_ns[s->s_peer * FP_IKE_MAX_TUNNELS], 0,
		       FP_IKE_MAX_TUNNELS * sizeof(ike->acquired_ns[0]));
	fp_ike_sa_close(ike, s, "Operator request");
}

void fp_ike_sa_close(struct fp_ike *ike, struct fp_ike_sarec *s, const char *why)
{
	if (s->s_state != FP_IKE_S_READY) {
		fp_ike_sa_delete(ike, s, why);
		return;
	}
	for (unsigned i = 0; i < FP_IKE_MAX_CHILDREN; i++)
		fp_ike_child_drop(ike, s, i, why);
	s->s_n_del = 0;
	s->s_del_ike = true;
	fp_ike_sa_state(ike, s, FP_IKE_S_DELETING);
	fp_ike_timer_next(ike, s, ike->now_ns);
}

unsigned fp_ike_clear(struct fp_ike *ike, const struct fp_addr *peer, uint64_t now_ns)
{
	unsigned n = 0;
	ike->now_ns = now_ns;
	for (unsigned i = 0; i < ike->n_sas; i++) {
		struct fp_ike_sarec *s = ike->sas[i];
		if (s->s_state >= FP_IKE_S_DELETING ||
		    (peer && memcmp(&s->s_remote, peer, sizeof(*peer))))
			continue;
		io_clear_one(ike, s);
		n++;
	}
	fp_ike_sa_reap(ike);
	return n;
}

/* clear crypto ipsec sa: the children of each ready IKE SA leave the
 * engine and the peer is told (one DELETE per IKE SA); the IKE SA stays,
 * and the next packet for a tunnel negotiates a new child on it. */
unsigned fp_ike_clear_children(struct fp_ike *ike, const struct fp_addr *peer, uint64_t now_ns)
{
	unsigned n = 0;
	ike->now_ns = now_ns;
	for (unsigned i = 0; i < ike->n_sas; i++) {
		struct fp_ike_sarec *s = ike->sas[i];
		if (s->s_state != FP_IKE_S_READY || (peer && memcmp(&s->s_remote, peer, sizeof(*peer))))
			continue;
		for (unsigned c = 0; c < FP_IKE_MAX_CHILDREN; c++) {
			if (s->s_ch[c].c_state == FP_IKE_CH_ACTIVE) {
				fp_ike_info_delete_child(ike, s, c, "Operator request");
				n++;
			} else if (s->s_ch[c].c_state == FP_IKE_CH_OLD) {
				fp_ike_child_drop(ike, s, c, "Operator request");
			}
		}
		fp_ike_timer_next(ike, s, now_ns);
	}
	return n;
}
