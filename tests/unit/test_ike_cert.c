/* Certificate authentication and IKE fragments end to end: two fp_ike
 * (A initiates, B responds) on an in-memory wire, their trustpoints made
 * here with OpenSSL (a CA, a rogue CA, an intermediate, RSA-2048 and
 * ECDSA P-256/P-384 keys). Up by RSA and by ECDSA (RFC 7427 method 14),
 * mixed with a PSK, an intermediate sent or not as CERTREQ asks; refused
 * for a chain to another CA, an ID not in the certificate and a key usage
 * that does not sign, each by its named reason. Then RFC 7383: the
 * certificate-laden IKE_AUTH in fragments delivered in reverse order, a
 * lost fragment and one with a bad ICV recovered by the retransmission of
 * every fragment, and a message that fits going whole. Last, ike_sig.c's
 * schemes one by one, the classic methods 1 and 9-11 included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ike/ike.h"
#include "ike/ike_build.h"
#include "ike/ike_sa.h"
#include "ike/ike_wire.h"

#define NS 1000000000ull
#define QMAX 128
#define SAN_A "DNS:a.example.net,IP:192.0.2.1"
#define SAN_B "DNS:b.example.net,IP:192.0.2.2"

/* The keys and certificates, made once for every test. */
static struct {
	EVP_PKEY *ca_key, *rogue_key, *inter_key, *rsa[2], *ec[2], *ec384;
	X509 *ca, *rogue, *inter;
	X509_STORE *trust_ca, *trust_inter;
} C;

struct node {
	struct fp_ike *ike;
	struct fp_addr addr;
	unsigned n_child;
	uint32_t next_spi;
	struct fp_ike_peer peer;
	struct fp_ike_cred cred;
	X509 *cert;
	STACK_OF(X509) *chain;
	uint16_t frag_mtu;
	char cert_ok[160];     /* its last "peer certificate ...: ... verified" line */
};

struct qent {
	int to;
	struct fp_ike_dgram d;
	uint8_t buf[FP_IKE_MSG_MAX + 512];
};

static struct {
	struct node n[2];
	struct qent q[QMAX];
	unsigned nq;
	bool reverse;          /* deliver each batch of datagrams last first */
	unsigned skf_from_a;   /* SKF datagrams A sent so far */
	unsigned drop_skf;     /* drop A's SKF datagram with this number (1-based; 0 none) */
	unsigned corrupt_skf;  /* flip its last byte (the ICV) instead */
} W;

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

/* A certificate for key named CN=cn, O=fpvpn test, signed by issuer (self
 * when NULL); a CA, or an end entity with key usage ku and san. */
static X509 *mkcert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey, const char *ku,
		    const char *san)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;
	assert_true(x && n);
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"fpvpn test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_NAME_free(n);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	add_ext(x, &ctx, NID_basic_constraints, ku ? "CA:FALSE" : "critical,CA:TRUE");
	add_ext(x, &ctx, NID_key_usage, ku ? ku : "critical,keyCertSign,cRLSign");
	if (san)
		add_ext(x, &ctx, NID_subject_alt_name, san);
	assert_true(X509_sign(x, ikey ? ikey : key, EVP_sha256()) > 0);
	return x;
}

static X509_STORE *store_of(X509 *ca)
{
	X509_STORE *s = X509_STORE_new();
	assert_non_null(s);
	assert_int_equal(X509_STORE_add_cert(s, ca), 1);
	return s;
}

static int group_setup(void **state)
{
	(void)state;
	C.ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	C.rogue_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	C.inter_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	C.ec384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	for (int i = 0; i < 2; i++) {
		C.rsa[i] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		C.ec[i] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		assert_true(C.rsa[i] && C.ec[i]);
	}
	C.ca = mkcert(C.ca_key, "fpvpn test CA", NULL, NULL, NULL, NULL);
	C.rogue = mkcert(C.rogue_key, "fpvpn test CA", NULL, NULL, NULL, NULL); /* same name */
	C.inter = mkcert(C.inter_key, "fpvpn test intermediate", C.ca, C.ca_key, NULL, NULL);
	C.trust_ca = store_of(C.ca);
	C.trust_inter = store_of(C.inter);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	EVP_PKEY *keys[] = {C.ca_key, C.rogue_key, C.inter_key, C.rsa[0], C.rsa[1],
			    C.ec[0], C.ec[1], C.ec384};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		EVP_PKEY_free(keys[i]);
	X509_free(C.ca);
	X509_free(C.rogue);
	X509_free(C.inter);
	X509_STORE_free(C.trust_ca);
	X509_STORE_free(C.trust_inter);
	return 0;
}

static bool is_skf(const struct fp_ike_dgram *d)
{
	return d->len > 28 && d->data[16] == FP_IKE_PL_SKF;
}

static void hook_send(void *ctx, const struct fp_ike_dgram *d)
{
	struct node *n = ctx;
	int from = n == &W.n[0] ? 0 : 1;
	assert_true(W.nq < QMAX && d->len <= sizeof(W.q[0].buf));
	struct qent *e = &W.q[W.nq];
	memcpy(e->buf, d->data, d->len);
	if (from == 0 && is_skf(d)) {
		unsigned k = ++W.skf_from_a;
		if (k == W.drop_skf)
			return;
		if (k == W.corrupt_skf)
			e->buf[d->len - 1] ^= 0x5a;
	}
	e->to = 1 - from;
	e->d = (struct fp_ike_dgram){d->remote, d->local, d->rport, d->lport, 0, e->buf, d->len};
	W.nq++;
}

static uint32_t hook_spi_alloc(void *ctx)
{
	return ++((struct node *)ctx)->next_spi;
}

static int hook_child_up(void *ctx, const struct fp_ike_child *c, uint64_t old, uint64_t *h)
{
	struct node *n = ctx;
	(void)c;
	(void)old;
	*h = 100 + n->n_child++;
	return 0;
}

static void hook_log(void *ctx, const char *line)
{
	struct node *n = ctx;
	if (strstr(line, "ID verified"))
		snprintf(n->cert_ok, sizeof(n->cert_ok), "%s", line);
	if (getenv("IKE_TEST_LOG"))
		fprintf(stderr, "%s\n", line);
}

/* Deliver batch after batch (what one round of sends queued), each in
 * order or last first. */
static void pump(uint64_t now)
{
	static struct qent batch[QMAX];
	for (unsigned guard = 0; W.nq && guard < 50; guard++) {
		unsigned n = W.nq;
		memcpy(batch, W.q, n * sizeof(batch[0]));
		W.nq = 0;
		for (unsigned i = 0; i < n; i++) {
			struct qent *e = &batch[W.reverse ? n - 1 - i : i];
			e->d.data = e->buf;
			fp_ike_input(W.n[e->to].ike, &e->d, now);
		}
	}
}

static const struct fp_ike_policy pol = {
	.priority = 1,
	.encr = {FP_IKE_ENCR_AES_CBC}, .encr_bits = {256}, .n_encr = 1,
	.integ = {FP_IKE_INTEG_HMAC_SHA2_256_128}, .n_integ = 1,
	.prf = {FP_IKE_PRF_HMAC_SHA2_256}, .n_prf = 1,
	.group = {FP_IKE_DH_ECP_256}, .n_group = 1,
	.life_s = 86400,
};

static void node_peer(int i)
{
	struct fp_ike_peer *p = &W.n[i].peer;
	memset(p, 0, sizeof(*p));
	p->addr = W.n[1 - i].addr;
	p->local = W.n[i].addr;
	p->n_tunnels = 1;
	struct fp_ike_tunnel *t = &p->tunnels[0];
	t->tunnel = 7;
	t->esp[0] = (struct fp_ike_esp){FP_CIPHER_AES_GCM_256, FP_INTEG_NONE};
	t->n_esp = 1;
	t->initiate = t->respond = true;
	struct fp_prefix pa = {.addr = {.af = FP_AF_INET, .a = {10, 1, 0, 0}}, .len = 16};
	struct fp_prefix pb = {.addr = {.af = FP_AF_INET, .a = {10, 2, 0, 0}}, .len = 16};
	t->sel.local = i ? pb : pa;
	t->sel.remote = i ? pa : pb;
}

static int setup(void **state)
{
	(void)state;
	memset(&W, 0, sizeof(W));
	for (int i = 0; i < 2; i++) {
		struct node *n = &W.n[i];
		n->addr = (struct fp_addr){.af = FP_AF_INET, .a = {192, 0, 2, (uint8_t)(1 + i)}};
		n->next_spi = i ? 0xb0000000u : 0xa0000000u;
		struct fp_ike_env env = {.ctx = n, .send = hook_send, .spi_alloc = hook_spi_alloc,
					 .child_up = hook_child_up, .log = hook_log};
		n->ike = fp_ike_new(&env);
		assert_non_null(n->ike);
		node_peer(i);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++) {
		fp_ike_free(W.n[i].ike);
		X509_free(W.n[i].cert);
		sk_X509_pop_free(W.n[i].chain, X509_free);
	}
	return 0;
}

/* Node i signs with key (a certificate from issuer, CN site-a/b) and
 * trusts trust for the peer's. */
static void use_cert(int i, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, const char *ku,
		     X509_STORE *trust)
{
	struct node *n = &W.n[i];
	n->cert = mkcert(key, i ? "site-b" : "site-a", issuer, ikey, ku, i ? SAN_B : SAN_A);
	n->cred = (struct fp_ike_cred){n->cert, n->chain, key, trust};
	n->peer.cert_local = n->peer.cert_remote = true;
}

/* Both sides with a signing certificate from the CA they trust. */
static void certs_from_ca(EVP_PKEY *keys[2])
{
	for (int i = 0; i < 2; i++)
		use_cert(i, keys[i], C.ca, C.ca_key, "digitalSignature", C.trust_ca);
}

static void use_psk(int i)
{
	struct fp_ike_peer *p = &W.n[i].peer;
	memcpy(p->psk_local, i ? "psk-of-B" : "psk-of-A", 8);
	memcpy(p->psk_remote, i ? "psk-of-A" : "psk-of-B", 8);
	p->psk_local_len = p->psk_remote_len = 8;
}

static void configure(void)
{
	for (int i = 0; i < 2; i++) {
		struct node *n = &W.n[i];
		struct fp_ike_cfg cfg = {.policies = {pol}, .n_policies = 1, .peers = &n->peer,
					 .n_peers = 1, .creds = &n->cred, .n_creds = 1,
					 .frag_mtu = n->frag_mtu};
		char err[160];
		assert_int_equal(fp_ike_configure(n->ike, &cfg, err, sizeof(err)), 0);
	}
}

static void bring_up(void)
{
	configure();
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 7, 1 * NS), 0);
	pump(1 * NS);
}

static const struct fp_ike_stats *st(int i)
{
	return fp_ike_stats(W.n[i].ike);
}

static void assert_up(uint8_t method_a, uint8_t method_b)
{
	for (int i = 0; i < 2; i++) {
		struct fp_ike_sa_info info;
		assert_true(fp_ike_sa_get(W.n[i].ike, 0, &info));
		assert_int_equal(info.status, FP_IKE_SA_READY);
		assert_int_equal(info.auth_sign, i ? method_b : method_a);
		assert_int_equal(info.auth_verify, i ? method_a : method_b);
		assert_int_equal(W.n[i].n_child, 1);
		assert_int_equal(st(i)->auth_fail, 0);
	}
}

/* A refused: B counted why, A got AUTHENTICATION_FAILED; nothing up. */
static void assert_refused(enum fp_ike_authf why)
{
	assert_int_equal(st(1)->auth_fail_by[why], 1);
	assert_int_equal(st(1)->notify_tx[FP_IKE_N_AUTHENTICATION_FAILED], 1);
	assert_int_equal(st(0)->auth_fail_by[FP_IKE_AUTHF_REFUSED], 1);
	assert_int_equal(W.n[0].n_child + W.n[1].n_child, 0);
	assert_int_equal(st(0)->established + st(1)->established, 0);
}

static void test_rsa(void **state)
{
	(void)state;
	certs_from_ca(C.rsa);
	bring_up();
	assert_up(FP_IKE_AUTH_DIGITAL_SIG, FP_IKE_AUTH_DIGITAL_SIG);
	struct fp_ike_sa_info a, b; /* the DNs as show crypto ikev2 sa detail prints them */
	assert_true(fp_ike_sa_get(W.n[0].ike, 0, &a) && fp_ike_sa_get(W.n[1].ike, 0, &b));
	assert_non_null(strstr(a.id_local, "CN="));
	assert_string_equal(a.id_local, b.id_remote);
	assert_string_equal(a.id_remote, b.id_local);
	/* an RSA certificate does not fit 576 bytes, the default MTU */
	assert_int_equal(st(0)->frag_msg_tx, 1);
	assert_int_equal(st(1)->frag_msg_rx, 1);
}

/* B at debug level 4 says whose certificate passed; A, not debugging, does not. */
static void test_ecdsa(void **state)
{
	(void)state;
	certs_from_ca(C.ec);
	fp_ike_set_debug(W.n[1].ike, 4);
	bring_up();
	assert_up(FP_IKE_AUTH_DIGITAL_SIG, FP_IKE_AUTH_DIGITAL_SIG);
	assert_string_equal(W.n[1].cert_ok, "IKEv2-PROTO-4: (1): peer certificate "
			    "/O=fpvpn test/CN=site-a: chain, key usage and ID verified");
	assert_string_equal(W.n[0].cert_ok, "");
}

/* A signs, B answers with its PSK (each side as its tunnel-group says). */
static void test_mixed(void **state)
{
	(void)state;
	use_cert(0, C.ec[0], C.ca, C.ca_key, "digitalSignature", C.trust_ca);
	use_cert(1, C.ec[1], C.ca, C.ca_key, "digitalSignature", C.trust_ca);
	use_psk(0);
	use_psk(1);
	W.n[0].peer.cert_remote = false;
	W.n[1].peer.cert_local = false;
	bring_up();
	assert_up(FP_IKE_AUTH_DIGITAL_SIG, FP_IKE_AUTH_PSK);
}

/* A's certificate comes from an intermediate: B trusts the root (A sends
 * the intermediate) or only the intermediate (CERTREQ names it: A sends
 * its certificate alone, B anchors there). */
static void test_intermediate(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		if (k) {
			teardown(NULL);
			setup(NULL);
		}
		W.n[0].chain = sk_X509_new_null();
		assert_true(X509_up_ref(C.inter) && sk_X509_push(W.n[0].chain, C.inter));
		use_cert(0, C.ec[0], C.inter, C.inter_key, "digitalSignature", C.trust_ca);
		use_cert(1, C.ec[1], C.ca, C.ca_key, "digitalSignature",
			 k ? C.trust_inter : C.trust_ca);
		W.n[0].cred.cas = C.trust_ca;
		bring_up();
		assert_up(FP_IKE_AUTH_DIGITAL_SIG, FP_IKE_AUTH_DIGITAL_SIG);
	}
}

/* CERT payloads A would send with certreq naming CA k (-1: none). */
static unsigned certs_sent(struct fp_ike_sarec *s, X509 *named)
{
	struct fp_ike_wr w;
	struct fp_ike_chain c;
	static uint8_t buf[FP_IKE_MSG_MAX];
	s->s_n_certreq = 0;
	if (named) {
		unsigned char *der = NULL;
		int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(named), &der);
		assert_true(n > 0);
		assert_int_equal(EVP_Digest(der, (size_t)n, s->s_certreq[0], NULL, EVP_sha1(), NULL), 1);
		OPENSSL_free(der);
		s->s_n_certreq = 1;
	}
	fp_ike_wr_init_inner(&w, buf, sizeof(buf));
	fp_ike_cert_put_ours(&w, s, &W.n[0].ike->creds[0]);
	long len = fp_ike_wr_finish(&w);
	assert_true(len > 0);
	assert_int_equal(fp_ike_chain_parse(&c, w.w_first, buf, (size_t)len, true), FP_IKE_E_OK);
	return c.c_n;
}

/* CERTREQ honoured: the chain stops before a CA the peer named. */
static void test_certreq_honoured(void **state)
{
	(void)state;
	W.n[0].chain = sk_X509_new_null();
	assert_true(X509_up_ref(C.inter) && sk_X509_push(W.n[0].chain, C.inter));
	use_cert(0, C.ec[0], C.inter, C.inter_key, "digitalSignature", C.trust_ca);
	use_cert(1, C.ec[1], C.ca, C.ca_key, "digitalSignature", C.trust_ca);
	configure();
	struct fp_ike_sarec *s = fp_ike_sa_new(W.n[0].ike, true, 0);
	assert_non_null(s);
	assert_int_equal(certs_sent(s, NULL), 2);    /* nothing asked: all of it */
	assert_int_equal(certs_sent(s, C.ca), 2);    /* the root is not ours to send */
	assert_int_equal(certs_sent(s, C.inter), 1); /* it has the intermediate */
	assert_int_equal(certs_sent(s, C.rogue), 2);
}

static void test_bad_chain(void **state)
{
	(void)state;
	use_cert(0, C.ec[0], C.rogue, C.rogue_key, "digitalSignature", C.trust_ca);
	use_cert(1, C.ec[1], C.ca, C.ca_key, "digitalSignature", C.trust_ca);
	fp_ike_set_debug(W.n[1].ike, 4);
	bring_up();
	assert_refused(FP_IKE_AUTHF_CHAIN);
	assert_string_equal(W.n[1].cert_ok, ""); /* refused: never said to pass */
}

/* A's certificate expired a minute ago: OpenSSL's validity check refuses
 * the chain. */
static void test_expired(void **state)
{
	(void)state;
	certs_from_ca(C.ec);
	X509_gmtime_adj(X509_getm_notAfter(W.n[0].cert), -60);
	assert_true(X509_sign(W.n[0].cert, C.ca_key, EVP_sha256()) > 0);
	bring_up();
	assert_refused(FP_IKE_AUTHF_CHAIN);
}

static void test_wrong_id(void **state)
{
	(void)state;
	certs_from_ca(C.ec);
	W.n[0].peer.local_id = (struct fp_ike_id){.type = FP_IKE_ID_FQDN, .len = 13};
	memcpy(W.n[0].peer.local_id.data, "b.example.net", 13); /* B's name, not A's */
	bring_up();
	assert_refused(FP_IKE_AUTHF_ID);
}

/* An FQDN or an address of the subjectAltNames is A's ID as well as its DN. */
static void test_id_in_san(void **state)
{
	(void)state;
	certs_from_ca(C.rsa);
	W.n[0].peer.local_id = (struct fp_ike_id){.type = FP_IKE_ID_FQDN, .len = 13};
	memcpy(W.n[0].peer.local_id.data, "A.example.NET", 13);
	W.n[1].peer.local_id = (struct fp_ike_id){.type = FP_IKE_ID_IPV4_ADDR, .len = 4,
						   .data = {192, 0, 2, 2}};
	bring_up();
	assert_up(FP_IKE_AUTH_DIGITAL_SIG, FP_IKE_AUTH_DIGITAL_SIG);
}

static void test_key_usage(void **state)
{
	(void)state;
	use_cert(0, C.ec[0], C.ca, C.ca_key, "keyEncipherment", C.trust_ca);
	use_cert(1, C.ec[1], C.ca, C.ca_key, "digitalSignature", C.trust_ca);
	bring_up();
	assert_refused(FP_IKE_AUTHF_USAGE);
}

/* B expects a certificate, A sends its PSK: the method is refused. */
static void test_method(void **state)
{
	(void)state;
	use_cert(1, C.ec[1], C.ca, C.ca_key, "digitalSignature", C.trust_ca);
	use_psk(0);
	W.n[0].cred = (struct fp_ike_cred){0};
	bring_up();
	assert_refused(FP_IKE_AUTHF_METHOD);
}

/* RSA certificates in IKE_AUTH over a 300-byte MTU: fragments both ways,
 * delivered last first. */
static void test_frag(void **state)
{
	(void)state;
	certs_from_ca(C.rsa);
	W.n[0].frag_mtu = W.n[1].frag_mtu = 300;
	W.reverse = true;
	bring_up();
	assert_up(FP_IKE_AUTH_DIGITAL_SIG, FP_IKE_AUTH_DIGITAL_SIG);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(st(i)->frag_msg_tx, 1);
		assert_int_equal(st(i)->frag_msg_rx, 1);
		assert_true(st(i)->frag_tx >= 4);
		assert_int_equal(st(i)->frag_tx, st(1 - i)->frag_rx);
	}
	/* an IKE SA rekey keeps what IKE_SA_INIT announced and who signed how */
	W.n[0].ike->sas[0]->s_rekey_ns = 2 * NS;
	fp_ike_tick(W.n[0].ike, 2 * NS);
	pump(2 * NS);
	assert_int_equal(st(0)->ike_rekeys, 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(W.n[i].ike->n_sas, 1);
		assert_true(W.n[i].ike->sas[0]->s_frag && W.n[i].ike->sas[0]->s_sig_peer);
	}
	assert_up(FP_IKE_AUTH_DIGITAL_SIG, FP_IKE_AUTH_DIGITAL_SIG);
}

/* Fragment 2 of A's IKE_AUTH lost, fragment 3 with a bad ICV: B keeps the
 * others; A's retransmission at +4 s sends every fragment again and B
 * completes the message. */
static void test_frag_lost(void **state)
{
	(void)state;
	certs_from_ca(C.rsa);
	W.n[0].frag_mtu = W.n[1].frag_mtu = 300;
	W.drop_skf = 2;
	W.corrupt_skf = 3;
	bring_up();
	assert_int_equal(W.n[1].n_child, 0);
	assert_int_equal(st(1)->refused_icv, 1);
	unsigned sent = W.skf_from_a;
	fp_ike_tick(W.n[0].ike, 5 * NS);
	assert_int_equal(W.skf_from_a, 2 * sent); /* all of them again */
	pump(5 * NS);
	assert_up(FP_IKE_AUTH_DIGITAL_SIG, FP_IKE_AUTH_DIGITAL_SIG);
	/* fragment 1 came again before 2 and 3 completed the message; 4 to 6
	 * then belong to a request answered already, and only a fragment 1
	 * would get the cached answer again */
	assert_int_equal(st(1)->frag_dup, 1);
	assert_int_equal(st(1)->frag_msg_rx, 1);
	assert_int_equal(st(1)->retransmits, 0);
}

/* With the PSK, IKE_AUTH fits 576 bytes: it goes whole (SK, not SKF 1/1). */
static void test_frag_not_needed(void **state)
{
	(void)state;
	use_psk(0);
	use_psk(1);
	bring_up();
	assert_up(FP_IKE_AUTH_PSK, FP_IKE_AUTH_PSK);
	assert_int_equal(st(0)->frag_tx + st(1)->frag_tx, 0);
}

/* ike_sig.c alone: each scheme signs and verifies; a changed octet, the
 * other key and a scheme the key does not fit are refused by name. */
static void sig_round(EVP_PKEY *key, EVP_PKEY *other, enum fp_ike_sig_scheme sch, uint8_t method,
		      enum fp_ike_authf why_other)
{
	static uint8_t msg[300] = "IKE_SA_INIT and nonce";
	struct fp_ike_iov oct[2] = {{msg, sizeof(msg)}, {msg, 20}};
	uint8_t sig[FP_IKE_SIG_MAX];
	size_t n;
	assert_int_equal(fp_ike_sig_sign(key, sch, method, oct, 2, sig, sizeof(sig), &n), 0);
	assert_int_equal(fp_ike_sig_verify(key, method, sig, n, oct, 2), FP_IKE_AUTHF_OK);
	assert_int_equal(fp_ike_sig_verify(other, method, sig, n, oct, 2), why_other);
	msg[7] ^= 1;
	assert_int_equal(fp_ike_sig_verify(key, method, sig, n, oct, 2), FP_IKE_AUTHF_SIGNATURE);
	msg[7] ^= 1;
}

static void test_sig_schemes(void **state)
{
	(void)state;
	const enum fp_ike_authf bad = FP_IKE_AUTHF_SIGNATURE, key = FP_IKE_AUTHF_SIG_KEY;
	for (int s = FP_IKE_SIG_RSA_SHA256; s <= FP_IKE_SIG_PSS_SHA512; s++)
		sig_round(C.rsa[0], C.rsa[1], (enum fp_ike_sig_scheme)s, FP_IKE_AUTH_DIGITAL_SIG, bad);
	for (int s = FP_IKE_SIG_ECDSA_SHA256; s <= FP_IKE_SIG_ECDSA_SHA512; s++)
		sig_round(C.ec[0], C.ec[1], (enum fp_ike_sig_scheme)s, FP_IKE_AUTH_DIGITAL_SIG, bad);
	sig_round(C.rsa[0], C.ec[0], FP_IKE_SIG_PSS_SHA256, FP_IKE_AUTH_DIGITAL_SIG, key);
	sig_round(C.ec[0], C.rsa[0], FP_IKE_SIG_ECDSA_SHA256, FP_IKE_AUTH_DIGITAL_SIG, key);
	/* classic: RSA (SHA-1), ECDSA-256 and -384 as r | s (a P-256 key under 384: no) */
	sig_round(C.rsa[0], C.rsa[1], FP_IKE_SIG_RSA_SHA1, FP_IKE_AUTH_RSA_SIG, bad);
	sig_round(C.ec[0], C.ec[1], FP_IKE_SIG_ECDSA_SHA256, FP_IKE_AUTH_ECDSA_256, bad);
	sig_round(C.ec384, C.ec[1], FP_IKE_SIG_ECDSA_SHA384, FP_IKE_AUTH_ECDSA_384, key);
}

/* What we sign with: the classic method of the key without the peer's
 * SIGNATURE_HASH_ALGORITHMS, method 14 with a hash it announced. */
static void test_sig_pick(void **state)
{
	struct fp_ike_sarec s = {0};
	uint8_t m;
	(void)state;
	assert_int_equal(fp_ike_sig_pick(&s, C.rsa[0], &m), FP_IKE_SIG_RSA_SHA1);
	assert_int_equal(m, FP_IKE_AUTH_RSA_SIG);
	assert_int_equal(fp_ike_sig_pick(&s, C.ec[0], &m), FP_IKE_SIG_ECDSA_SHA256);
	assert_int_equal(m, FP_IKE_AUTH_ECDSA_256);
	assert_int_equal(fp_ike_sig_pick(&s, C.ec384, &m), FP_IKE_SIG_ECDSA_SHA384);
	assert_int_equal(m, FP_IKE_AUTH_ECDSA_384);
	s.s_sig_peer = true;
	s.s_sig_hashes = 1u << 2 | 1u << 3 | 1u << 4; /* SHA-256, 384, 512 */
	assert_int_equal(fp_ike_sig_pick(&s, C.rsa[0], &m), FP_IKE_SIG_PSS_SHA256);
	assert_int_equal(m, FP_IKE_AUTH_DIGITAL_SIG);
	assert_int_equal(fp_ike_sig_pick(&s, C.ec384, &m), FP_IKE_SIG_ECDSA_SHA384);
	s.s_sig_hashes = 1u << 4; /* SHA-512 only */
	assert_int_equal(fp_ike_sig_pick(&s, C.ec[0], &m), FP_IKE_SIG_ECDSA_SHA512);
	assert_int_equal(fp_ike_sig_pick(&s, C.rsa[0], &m), FP_IKE_SIG_PSS_SHA512);
	s.s_sig_hashes = 1u << 1; /* SHA-1 only: not for method 14, the classic one then */
	assert_int_equal(fp_ike_sig_pick(&s, C.rsa[0], &m), FP_IKE_SIG_RSA_SHA1);
	assert_int_equal(m, FP_IKE_AUTH_RSA_SIG);
}

/* Method 14 with SHA-1 (RFC 8247: no), an unknown method, a truncated
 * AlgorithmIdentifier. */
static void test_sig_refused(void **state)
{
	static const uint8_t sha1_rsa[] = {15, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					   0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00, 1, 2, 3};
	uint8_t m[4] = "abc";
	struct fp_ike_iov oct = {m, 3};
	(void)state;
	assert_int_equal(fp_ike_sig_verify(C.rsa[0], FP_IKE_AUTH_DIGITAL_SIG, sha1_rsa,
					   sizeof(sha1_rsa), &oct, 1), FP_IKE_AUTHF_SIG_ALG);
	assert_int_equal(fp_ike_sig_verify(C.rsa[0], FP_IKE_AUTH_DIGITAL_SIG, sha1_rsa, 10, &oct, 1),
			 FP_IKE_AUTHF_SIG_ALG);
	assert_int_equal(fp_ike_sig_verify(C.rsa[0], FP_IKE_AUTH_DSS_SIG, sha1_rsa, 10, &oct, 1),
			 FP_IKE_AUTHF_METHOD);
	assert_int_equal(fp_ike_sig_verify(C.ec[0], FP_IKE_AUTH_ECDSA_256, m, 3, &oct, 1),
			 FP_IKE_AUTHF_SIGNATURE);
	/* a P-256 key under the P-384 method */
	assert_int_equal(fp_ike_sig_verify(C.ec[0], FP_IKE_AUTH_ECDSA_384, sha1_rsa, 19, &oct, 1),
			 FP_IKE_AUTHF_SIGNATURE);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_rsa),       T(test_ecdsa),    T(test_mixed),       T(test_intermediate),
		T(test_bad_chain), T(test_expired), T(test_wrong_id), T(test_id_in_san),   T(test_key_usage),
		T(test_certreq_honoured),
		T(test_method),    T(test_frag),     T(test_frag_lost),   T(test_frag_not_needed),
		T(test_sig_schemes), T(test_sig_pick), T(test_sig_refused),
	};
#undef T
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
