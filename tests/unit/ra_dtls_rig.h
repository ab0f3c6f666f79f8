/* The client side of the headend's DTLS for the programs that drive
 * src/ra/ra_dtls.c whole (test_ra_dtls.c, tests/fuzz/fuzz_ra_dtls.c): a
 * libssl DTLS client that behaves as openconnect does, logged in over TLS
 * by ra_rig.h, asking CONNECT for DTLS and putting the session id it was
 * given into its ClientHello; PSK-NEGOTIATE (the PSK from the TLS
 * connection's exporter) or the Cisco legacy resumption. Header-only; the
 * includer provides cmocka's assert_* and fail_msg (the fuzz target maps
 * them to abort()). */
#ifndef FP_TEST_RA_DTLS_RIG_H
#define FP_TEST_RA_DTLS_RIG_H

#include "offload/dtls.h"

#include "ra_rig.h"

#define CLIENT_PORT 50123
#define LABEL "EXPORTER-openconnect-psk"

#define MASTER_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" \
		   "202122232425262728292a2b2c2d2e2f"
static uint8_t client_psk[32];

/* The client's DTLS side: its SSL over two datagram queues. */
struct dclient {
	SSL_CTX *ctx;
	SSL *ssl;
	struct dq c2s, s2c;
	struct dq_ends ends;
	uint8_t sid[32];
	char suite[32];
	uint16_t port;                    /* its UDP port; 0: CLIENT_PORT */
};

static inline unsigned int psk_cb(SSL *s, const char *hint, char *id, unsigned int max_id,
				  unsigned char *psk, unsigned int max)
{
	(void)s, (void)hint;
	if (max_id < 4 || max < sizeof(client_psk))
		return 0;
	strcpy(id, "psk");
	memcpy(psk, client_psk, sizeof(client_psk));
	return sizeof(client_psk);
}

static inline void from_addr(struct fp_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->af = FP_AF_INET;
	a->a[0] = 198, a->a[1] = 51, a->a[2] = 100, a->a[3] = 2;
}

/* The value of header name in the CONNECT answer, or NULL. */
static inline const char *answer(struct client *c, const char *name, char *out, size_t n)
{
	const char *h = strstr((char *)c->buf, name);
	if (!h)
		return NULL;
	h += strlen(name);
	size_t len = strcspn(h, "\r");
	snprintf(out, n, "%.*s", (int)len, h);
	return out;
}

static inline void hex_in(const char *hex, uint8_t *out, size_t n)
{
	assert_int_equal(strlen(hex), 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* Everything the client sent to the headend, and back. */
static inline void pump(struct rig *r, struct dclient *d)
{
	uint8_t b[DQ_MTU];
	struct fp_addr from;
	int n;
	from_addr(&from);
	while ((n = dq_pop(&d->c2s, b)) >= 0)
		fp_ra_dtls_input(r->ra, &from, d->port ? d->port : CLIENT_PORT, b, (size_t)n);
	while ((n = dq_pop(&r->udp, b)) >= 0)
		dq_push(&d->s2c, b, n);
}

/* A session the client "resumes" (openconnect builds one in both modes:
 * its id is what the ClientHello carries). */
static inline SSL_SESSION *client_session(SSL *ssl, const uint8_t sid[32], uint16_t suite,
					  uint16_t version)
{
	uint8_t ms[48], id[2] = { (uint8_t)(suite >> 8), (uint8_t)suite };
	SSL_SESSION *s = SSL_SESSION_new();
	hex_in(MASTER_HEX, ms, sizeof(ms));
	assert_non_null(s);
	assert_int_equal(SSL_SESSION_set_protocol_version(s, version), 1);
	assert_int_equal(SSL_SESSION_set_cipher(s, SSL_CIPHER_find(ssl, id)), 1);
	assert_int_equal(SSL_SESSION_set1_id(s, sid, 32), 1);
	assert_int_equal(SSL_SESSION_set1_master_key(s, ms, sizeof(ms)), 1);
	return s;
}

static inline void dclient_new(struct dclient *d, const char *ciphers, uint16_t suite,
			       uint16_t version)
{
	d->ctx = SSL_CTX_new(DTLS_client_method());
	SSL_CTX_set_max_proto_version(d->ctx, version);
	SSL_CTX_set_options(d->ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_ENCRYPT_THEN_MAC | SSL_OP_NO_TICKET |
				    SSL_OP_NO_EXTENDED_MASTER_SECRET);
	if (version == DTLS1_VERSION)
		SSL_CTX_set_security_level(d->ctx, 0);
	SSL_CTX_set_psk_client_callback(d->ctx, psk_cb);
	assert_int_equal(SSL_CTX_set_cipher_list(d->ctx, ciphers), 1);
	d->ends = (struct dq_ends){ &d->c2s, &d->s2c };
	d->ssl = dtls_pair_ssl(d->ctx, &d->ends);
	SSL_SESSION *s = client_session(d->ssl, d->sid, suite, version);
	assert_int_equal(SSL_set_session(d->ssl, s), 1);
	SSL_SESSION_free(s);
	SSL_set_connect_state(d->ssl);
}

static inline bool dclient_handshake(struct rig *r, struct dclient *d)
{
	for (int i = 0; i < 10; i++) {
		int k = SSL_do_handshake(d->ssl);
		pump(r, d);
		if (k == 1)
			return true;
	}
	return false;
}

static inline void dclient_free(struct dclient *d)
{
	SSL_free(d->ssl);
	SSL_CTX_free(d->ctx);
}

/* CONNECT asking for DTLS as openconnect 9 does; the answer's session id
 * and suite into d. */
static inline void connect_dtls(struct rig *r, struct client *c, struct dclient *d,
				const char *ask, const char *sid_hdr)
{
	char v[128];
	tunnel_up_with(r, c, ask);
	assert_non_null(answer(c, "X-DTLS-Port: ", v, sizeof(v)));
	assert_string_equal(v, "443");
	assert_non_null(answer(c, "X-DTLS-MTU: ", v, sizeof(v)));
	assert_non_null(answer(c, "X-DTLS-DPD: ", v, sizeof(v)));
	if (!answer(c, sid_hdr, v, sizeof(v)))
		fail_msg("no %s in:\n%s", sid_hdr, c->buf);
	hex_in(v, d->sid, sizeof(d->sid));
	assert_non_null(answer(c, "CipherSuite: ", d->suite, sizeof(d->suite)));
	assert_int_equal(SSL_export_keying_material(c->ssl, client_psk, sizeof(client_psk), LABEL,
						    strlen(LABEL), NULL, 0, 0), 1);
}

static inline const struct fp_ra_session *only_session(struct rig *r)
{
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++)
		if (fp_ra_session_at(r->ra, i)->index)
			return fp_ra_session_at(r->ra, i);
	fail_msg("no session");
	return NULL;
}

/* msg out through the client's SSL, the headend's answer read back. */
static inline int dclient_rt(struct rig *r, struct dclient *d, const uint8_t *msg, int n,
			     uint8_t *out, int max)
{
	assert_int_equal(SSL_write(d->ssl, msg, n), n);
	pump(r, d);
	return SSL_read(d->ssl, out, max);
}

/* DPD at openconnect's MTU probe size: echoed byte for byte. */
static inline void dpd_echo(struct rig *r, struct dclient *d, int size)
{
	static uint8_t msg[2048], got[2048];
	msg[0] = FP_AC_DPD_REQ;
	for (int i = 1; i < size; i++)
		msg[i] = (uint8_t)(i * 13 + 1);
	assert_int_equal(dclient_rt(r, d, msg, size, got, sizeof(got)), size);
	assert_int_equal(got[0], FP_AC_DPD_RESP);
	assert_memory_equal(got + 1, msg + 1, (size_t)size - 1);
}

/* One direction's keys as both ends hold them. */
static inline void keys_equal(const struct fp_tls_dir_key *a, const struct fp_tls_dir_key *b)
{
	assert_int_equal(a->tk_cipher, b->tk_cipher);
	assert_int_equal(a->tk_key_len, b->tk_key_len);
	assert_memory_equal(a->tk_key, b->tk_key, a->tk_key_len);
	assert_memory_equal(a->tk_salt, b->tk_salt, sizeof(a->tk_salt));
	assert_int_equal(a->tk_mac_len, b->tk_mac_len);
	assert_memory_equal(a->tk_mac, b->tk_mac, a->tk_mac_len);
}

#endif
