/* Sessions: one per successful login, found by its cookie (CONNECT) or
 * its pool address (packets from the inside). The cookie is 32 random
 * bytes, compared in constant time, wiped when the session ends. A
 * session outlives its TLS connection for FP_RA_RECONNECT_S seconds so
 * that openconnect's reconnect with the same cookie finds it. */
#include "ra/ra_impl.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

struct fp_ra_session *fp_ra_session_new(struct fp_ra *ra, const char *user,
					const struct fp_cfg_tunnel_group *tg)
{
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++) {
		struct fp_ra_session *s = &ra->sessions[i];
		if (s->index)
			continue;
		memset(s, 0, sizeof(*s));
		if (RAND_bytes(s->cookie, sizeof(s->cookie)) != 1)
			return NULL;
		s->index = ++ra->next_index;
		snprintf(s->user, sizeof(s->user), "%s", user);
		s->tg = tg;
		s->gp = fp_config_group_policy(ra->cfg, tg->group_policy[0] ? tg->group_policy :
						FP_CFG_DFLT_GROUP_POLICY);
		s->login_ns = s->last_rx_ns = s->gone_ns = ra->now_ns;
		ra->st.sessions_total++;
		return s;
	}
	ra->st.sessions_full++;
	return NULL;
}

void fp_ra_session_cookie_hex(const struct fp_ra_session *s, char out[FP_RA_COOKIE_LEN * 2 + 1])
{
	for (unsigned i = 0; i < FP_RA_COOKIE_LEN; i++)
		snprintf(out + 2 * i, 3, "%02X", s->cookie[i]);
}

static bool cookie_parse(const char *hex, uint8_t out[FP_RA_COOKIE_LEN])
{
	if (strlen(hex) != FP_RA_COOKIE_LEN * 2)
		return false;
	for (unsigned i = 0; i < FP_RA_COOKIE_LEN; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2X", &v) != 1 || !strchr("0123456789ABCDEF", hex[2 * i]) ||
		    !strchr("0123456789ABCDEF", hex[2 * i + 1]))
			return false;
		out[i] = (uint8_t)v;
	}
	return true;
}

/* Every live session is compared, whatever matches, so the time taken
 * says nothing about which bytes were right. */
struct fp_ra_session *fp_ra_session_by_cookie(struct fp_ra *ra, const char *hex)
{
	uint8_t want[FP_RA_COOKIE_LEN];
	struct fp_ra_session *hit = NULL;
	if (!cookie_parse(hex, want))
		return NULL;
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++) {
		struct fp_ra_session *s = &ra->sessions[i];
		bool eq = CRYPTO_memcmp(s->cookie, want, sizeof(want)) == 0;
		if (s->index && eq)
			hit = s;
	}
	OPENSSL_cleanse(want, sizeof(want));
	return hit;
}

struct fp_ra_session *fp_ra_session_by_addr(struct fp_ra *ra, uint32_t addr)
{
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++)
		if (ra->sessions[i].index && ra->sessions[i].addr == addr)
			return &ra->sessions[i];
	return NULL;
}

struct fp_ra_session *fp_ra_session_by_addr6(struct fp_ra *ra, const uint8_t addr[16])
{
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++)
		if (ra->sessions[i].index && ra->sessions[i].pool6 &&
		    memcmp(ra->sessions[i].addr6, addr, 16) == 0)
			return &ra->sessions[i];
	return NULL;
}

bool fp_ra_session_lease6(struct fp_ra *ra, struct fp_ra_session *s)
{
	if (s->pool6)
		return true;
	for (unsigned i = 0; i < ra->n_pools6; i++) {
		struct fp_ra_pool6 *p = &ra->pools6[i];
		if (strcmp(p->cfg->name, s->tg->ra.pool6) != 0)
			continue;
		if (!fp_ra_pool6_lease(p, NULL, s->addr6))
			return false;
		s->pool6 = p;
		return true;
	}
	return false;
}

bool fp_ra_session_lease(struct fp_ra *ra, struct fp_ra_session *s)
{
	if (s->addr)
		return true;
	for (unsigned i = 0; i < ra->n_pools; i++) {
		struct fp_ra_pool *p = &ra->pools[i];
		if (strcmp(p->cfg->name, s->tg->ra.pool) != 0)
			continue;
		s->addr = fp_ra_pool_lease(p, 0);
		s->pool = s->addr ? p : NULL;
		return s->addr != 0;
	}
	return false;
}

void fp_ra_session_end(struct fp_ra *ra, struct fp_ra_session *s, const char *why)
{
	fprintf(stderr, "fpvpnd: remote access: session %u user %s ended: %s\n", s->index,
		s->user, why);
	fp_ra_dtls_free(ra, s);
	fp_ra_dtls_sid_publish(ra, s, false);
	if (s->pool)
		fp_ra_pool_release(s->pool, s->addr);
	if (s->pool6)
		fp_ra_pool6_release(s->pool6, s->addr6);
	if (s->conn) {
		s->conn->session = NULL;
		s->conn->state = RA_CLOSING;
	}
	OPENSSL_cleanse(s, sizeof(*s));
}

void fp_ra_session_terminate(struct fp_ra *ra, struct fp_ra_session *s, const char *why)
{
	uint8_t term[FP_CSTP_HLEN];
	fp_cstp_header(term, FP_CSTP_TERMINATE, 0);
	if (s->conn && fp_ra_conn_send(ra, s->conn, term, sizeof(term)))
		fp_ra_conn_flush(ra, s->conn);
	fp_ra_session_end(ra, s, why);
}

/* The gateway's DPD (anyconnect dpd-interval gateway, default 30 s): a
 * client silent for an interval gets a DPD request, once an interval;
 * silent for three, its tunnel is taken for dead and closed, and the
 * session waits for it to come back with the cookie (as ocserv does). */
static void session_dpd(struct fp_ra *ra, struct fp_ra_session *s, uint64_t now_ns)
{
	const struct fp_cfg_gp_ra *g = s->gp ? &s->gp->ra : NULL;
	uint64_t dpd = (g && g->dpd_gateway ? g->dpd_gateway : FP_RA_DPD_DEFAULT) * 1000000000ull;
	uint8_t req[FP_CSTP_HLEN];
	if (!s->conn || (g && g->dpd_gateway_none) || now_ns - s->last_rx_ns < dpd)
		return;
	if (now_ns - s->last_rx_ns >= 3 * dpd) {
		ra->st.dpd_dead++;
		s->conn->state = RA_CLOSING; /* ra.c closes it: the session waits */
		return;
	}
	if (s->dpd_sent_ns && now_ns - s->dpd_sent_ns < dpd)
		return;
	fp_cstp_header(req, FP_CSTP_DPD_REQ, 0);
	if (fp_ra_conn_send(ra, s->conn, req, sizeof(req)))
		fp_ra_conn_flush(ra, s->conn);
	s->dpd_sent_ns = now_ns;
	ra->st.dpd_sent++;
}

/* anyconnect ssl rekey method ssl on the TLS connection: TLS 1.3 has no
 * renegotiation, and openconnect's own TLS rekey would start its DTLS
 * session again each time; the headend sends a KeyUpdate asking for the
 * client's too (RFC 8446 4.6.3), which libssl and GnuTLS handle inside
 * the record layer. Only with nothing half-written: a write libssl asked
 * to retry must be the same record again. */
static void session_tls_rekey(struct fp_ra *ra, struct fp_ra_session *s, uint64_t now_ns)
{
	struct fp_ra_conn *c = s->conn;
	unsigned secs = fp_ra_rekey_secs(s->gp, FP_CFG_REKEY_SSL);
	if (!c || !secs || c->out_len || SSL_version(c->ssl) != TLS1_3_VERSION ||
	    now_ns - s->tls_rekey_ns < secs * 1000000000ull)
		return;
	s->tls_rekey_ns = now_ns;
	if (SSL_key_update(c->ssl, SSL_KEY_UPDATE_REQUESTED) != 1) {
		ERR_clear_error();
		return;
	}
	if (SSL_do_handshake(c->ssl) != 1)
		ERR_clear_error(); /* the socket is full: it goes before the next record */
	ra->st.tls_key_updates++;
}

/* Idle timeout (the group-policy's vpn-idle-timeout, ASA default 30
 * minutes) and sessions whose client did not come back. */
void fp_ra_session_age(struct fp_ra *ra, uint64_t now_ns)
{
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++) {
		struct fp_ra_session *s = &ra->sessions[i];
		if (!s->index)
			continue;
		uint64_t idle_s = 30 * 60;
		if (s->gp && s->gp->ra.idle_set)
			idle_s = s->gp->ra.idle_set == FP_CFG_TRI_ON ? s->gp->ra.idle_min * 60ull : 0;
		uint64_t max_s = s->gp && s->gp->ra.session_set == FP_CFG_TRI_ON ?
				 s->gp->ra.session_min * 60ull : 0;
		if (!s->conn && now_ns - s->gone_ns > FP_RA_RECONNECT_S * 1000000000ull)
			fp_ra_session_end(ra, s, "no tunnel for 300 seconds");
		else if (max_s && now_ns - s->login_ns > max_s * 1000000000ull)
			fp_ra_session_terminate(ra, s, "session timeout");
		else if (idle_s && now_ns - s->last_rx_ns > idle_s * 1000000000ull)
			fp_ra_session_terminate(ra, s, "idle timeout");
		else {
			session_dpd(ra, s, now_ns);
			session_tls_rekey(ra, s, now_ns);
		}
	}
}
