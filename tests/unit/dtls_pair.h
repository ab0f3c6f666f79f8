/* A DTLS 1.2 client and server in one process for the DTLS offload
 * tests: libssl on both ends, a self-signed ECDSA certificate made on the
 * spot, and a datagram queue per direction in place of sockets, so the
 * test can carry each datagram itself (to the engine, or to the peer).
 * Header-only: the unit test and tools that make seeds include it. */
#ifndef FP_TEST_DTLS_PAIR_H
#define FP_TEST_DTLS_PAIR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/addr.h"
#include "datapath/dtls_rule.h"

#define DQ_SLOTS 64
#define DQ_MTU 2048

/* One direction's datagrams, oldest first. */
struct dq {
	uint8_t buf[DQ_SLOTS][DQ_MTU];
	int len[DQ_SLOTS];
	unsigned head, tail;
};

static inline bool dq_push(struct dq *q, const uint8_t *d, int len)
{
	if (q->tail - q->head == DQ_SLOTS || len > DQ_MTU)
		return false;
	memcpy(q->buf[q->tail % DQ_SLOTS], d, (size_t)len);
	q->len[q->tail % DQ_SLOTS] = len;
	q->tail++;
	return true;
}

static inline int dq_pop(struct dq *q, uint8_t *d)
{
	if (q->head == q->tail)
		return -1;
	int len = q->len[q->head % DQ_SLOTS];
	memcpy(d, q->buf[q->head % DQ_SLOTS], (size_t)len);
	q->head++;
	return len;
}

/* The BIO's two queues: what it writes to and what it reads from. */
struct dq_ends {
	struct dq *out;
	struct dq *in;
};

static inline int dq_bio_write(BIO *b, const char *d, int len)
{
	struct dq_ends *e = BIO_get_data(b);
	return dq_push(e->out, (const uint8_t *)d, len) ? len : -1;
}

static inline int dq_bio_read(BIO *b, char *d, int len)
{
	struct dq_ends *e = BIO_get_data(b);
	uint8_t tmp[DQ_MTU];
	int n;

	BIO_clear_retry_flags(b);
	n = dq_pop(e->in, tmp);
	if (n < 0) {
		BIO_set_retry_read(b);
		return -1;
	}
	n = n < len ? n : len;
	memcpy(d, tmp, (size_t)n);
	return n;
}

static inline long dq_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
	case BIO_CTRL_DGRAM_SET_CONNECTED:
	case BIO_CTRL_DGRAM_SET_PEER:
		return 1;
	case BIO_CTRL_DGRAM_QUERY_MTU:
	case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
		return 1400;
	default:
		return 0;
	}
}

static inline int dq_bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static inline BIO_METHOD *dq_method(void)
{
	static BIO_METHOD *m;
	if (!m) {
		m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "dtls-test-queue");
		BIO_meth_set_write(m, dq_bio_write);
		BIO_meth_set_read(m, dq_bio_read);
		BIO_meth_set_ctrl(m, dq_bio_ctrl);
		BIO_meth_set_create(m, dq_bio_create);
	}
	return m;
}

/* A P-256 key and a self-signed certificate for it. */
static inline int dtls_pair_cert(EVP_PKEY **key, X509 **crt)
{
	*key = EVP_EC_gen("P-256");
	*crt = X509_new();
	if (!*key || !*crt)
		return -1;
	X509_set_version(*crt, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(*crt), 1);
	X509_gmtime_adj(X509_getm_notBefore(*crt), -60);
	X509_gmtime_adj(X509_getm_notAfter(*crt), 3600);
	X509_set_pubkey(*crt, *key);
	X509_NAME *n = X509_get_subject_name(*crt);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"headend", -1, -1,
				   0);
	X509_set_issuer_name(*crt, n);
	return X509_sign(*crt, *key, EVP_sha256()) > 0 ? 0 : -1;
}

/* How the two agree on keys: a certificate (full handshake), a PSK
 * (openconnect's PSK-NEGOTIATE: identity "psk"), or the Cisco legacy way:
 * a session both already hold (X-DTLS-Master-Secret, X-DTLS-Session-ID),
 * resumed with an abbreviated handshake. */
enum dtls_pair_mode { DTLS_PAIR_CERT, DTLS_PAIR_PSK, DTLS_PAIR_LEGACY };

static const uint8_t dtls_pair_psk[32] = { 0x5a, 0x01, 0x02, 0x03 };

static inline unsigned int dtls_pair_psk_server(SSL *s, const char *id, unsigned char *psk,
					 unsigned int max)
{
	(void)s;
	if (strcmp(id, "psk") || max < sizeof(dtls_pair_psk))
		return 0;
	memcpy(psk, dtls_pair_psk, sizeof(dtls_pair_psk));
	return sizeof(dtls_pair_psk);
}

static inline unsigned int dtls_pair_psk_client(SSL *s, const char *hint, char *id, unsigned int max_id,
					 unsigned char *psk, unsigned int max)
{
	(void)s;
	(void)hint;
	if (max_id < 4 || max < sizeof(dtls_pair_psk))
		return 0;
	strcpy(id, "psk");
	memcpy(psk, dtls_pair_psk, sizeof(dtls_pair_psk));
	return sizeof(dtls_pair_psk);
}

struct dtls_pair {
	SSL_CTX *sctx, *cctx;
	SSL *server, *client;
	struct dq c2s, s2c;
	struct dq_ends cend, send;
	EVP_PKEY *key;
	X509 *crt;
	SSL_SESSION *legacy;
};

static inline SSL_CTX *dtls_pair_ctx(const SSL_METHOD *m, const char *ciphers)
{
	SSL_CTX *c = SSL_CTX_new(m);
	if (!c)
		return NULL;
	SSL_CTX_set_min_proto_version(c, DTLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(c, DTLS1_2_VERSION);
	/* the engine does MAC-then-encrypt only (tls_keys.h) */
	SSL_CTX_set_options(c, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_ENCRYPT_THEN_MAC);
	if (SSL_CTX_set_cipher_list(c, ciphers) != 1) {
		SSL_CTX_free(c);
		return NULL;
	}
	return c;
}

static inline SSL *dtls_pair_ssl(SSL_CTX *ctx, struct dq_ends *e)
{
	SSL *s = SSL_new(ctx);
	BIO *b = BIO_new(dq_method());
	BIO_set_data(b, e);
	SSL_set_bio(s, b, b);
	DTLS_set_link_mtu(s, 1500);
	return s;
}

/* The session a legacy client resumes: the master secret it chose, the
 * session id the server gave, the one suite (by IANA id) both named. */
static inline SSL_SESSION *dtls_pair_legacy_session(SSL *any, uint16_t suite)
{
	static const uint8_t sid[32] = { 0x16, 0x38, 0x8c, 0xd1 };
	uint8_t ms[48], id[2] = { (uint8_t)(suite >> 8), (uint8_t)suite };
	SSL_SESSION *s = SSL_SESSION_new();
	const SSL_CIPHER *c = SSL_CIPHER_find(any, id);

	for (unsigned i = 0; i < sizeof(ms); i++)
		ms[i] = (uint8_t)(0x30 + i);
	if (!s || !c || SSL_SESSION_set_protocol_version(s, DTLS1_2_VERSION) != 1 ||
	    SSL_SESSION_set_cipher(s, c) != 1 || SSL_SESSION_set1_id(s, sid, sizeof(sid)) != 1 ||
	    SSL_SESSION_set1_master_key(s, ms, sizeof(ms)) != 1) {
		SSL_SESSION_free(s);
		return NULL;
	}
	return s;
}

static inline int dtls_pair_auth(struct dtls_pair *p, enum dtls_pair_mode mode)
{
	if (mode == DTLS_PAIR_PSK) {
		SSL_CTX_set_psk_server_callback(p->sctx, dtls_pair_psk_server);
		SSL_CTX_set_psk_client_callback(p->cctx, dtls_pair_psk_client);
		return 0;
	}
	if (mode == DTLS_PAIR_LEGACY) {
		/* ocserv: no extended master secret for these sessions */
		SSL_CTX_set_options(p->sctx, SSL_OP_NO_EXTENDED_MASTER_SECRET | SSL_OP_NO_TICKET);
		SSL_CTX_set_options(p->cctx, SSL_OP_NO_EXTENDED_MASTER_SECRET | SSL_OP_NO_TICKET);
	}
	if (dtls_pair_cert(&p->key, &p->crt) < 0 || SSL_CTX_use_certificate(p->sctx, p->crt) != 1 ||
	    SSL_CTX_use_PrivateKey(p->sctx, p->key) != 1)
		return -1;
	return 0;
}

/* Both ends up to a finished handshake with the one suite allowed (for
 * LEGACY, suite is the IANA id the session is made with). */
static inline int dtls_pair_open_mode(struct dtls_pair *p, const char *cipher,
				      enum dtls_pair_mode mode, uint16_t suite)
{
	memset(p, 0, sizeof(*p));
	p->sctx = dtls_pair_ctx(DTLS_server_method(), cipher);
	p->cctx = dtls_pair_ctx(DTLS_client_method(), cipher);
	if (!p->sctx || !p->cctx || dtls_pair_auth(p, mode) < 0)
		return -1;
	p->cend = (struct dq_ends){ &p->c2s, &p->s2c };
	p->send = (struct dq_ends){ &p->s2c, &p->c2s };
	p->client = dtls_pair_ssl(p->cctx, &p->cend);
	p->server = dtls_pair_ssl(p->sctx, &p->send);
	if (mode == DTLS_PAIR_LEGACY) {
		p->legacy = dtls_pair_legacy_session(p->client, suite);
		if (!p->legacy || SSL_CTX_add_session(p->sctx, p->legacy) != 1 ||
		    SSL_set_session(p->client, p->legacy) != 1)
			return -1;
	}
	SSL_set_connect_state(p->client);
	SSL_set_accept_state(p->server);
	for (int i = 0; i < 20; i++) {
		int c = SSL_do_handshake(p->client), s = SSL_do_handshake(p->server);
		if (c == 1 && s == 1)
			return mode == DTLS_PAIR_LEGACY && !SSL_session_reused(p->server) ? -1 : 0;
	}
	return -1;
}

static inline int dtls_pair_open(struct dtls_pair *p, const char *cipher)
{
	return dtls_pair_open_mode(p, cipher, DTLS_PAIR_CERT, 0);
}

static inline void dtls_pair_close(struct dtls_pair *p)
{
	SSL_free(p->client);
	SSL_free(p->server);
	SSL_CTX_free(p->cctx);
	SSL_CTX_free(p->sctx);
	X509_free(p->crt);
	EVP_PKEY_free(p->key);
	SSL_SESSION_free(p->legacy);
}

/* An IPv4 address from its 4 bytes. */
static inline void dtls_pair_addr4(struct fp_addr *a, const uint8_t *b)
{
	memset(a, 0, sizeof(*a));
	a->af = FP_AF_INET;
	memcpy(a->a, b, 4);
}

/* The highest sequence number of epoch 1 among the datagrams a queue
 * carried during the handshake (they stay in its slots): where a rule's
 * seq_out and seq_in_top come from. */
static inline uint64_t dtls_pair_max_seq(const struct dq *q)
{
	uint64_t best = 0, s;
	for (unsigned i = 0; i < q->tail && i < DQ_SLOTS; i++)
		if (fp_dtls_rule_max_seq(q->buf[i], (uint32_t)q->len[i], 1, &s) == 0 && s > best)
			best = s;
	return best;
}

#endif
