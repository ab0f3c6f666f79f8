/* Certificates in IKE_AUTH (RFC 7296 3.6, 3.7, 2.15): our CERT payloads,
 * the CERTREQ we send and the one we honour, the peer's chain verified
 * with OpenSSL's X509_verify_cert against the trustpoint's CA file, and
 * the peer's ID held against its certificate.
 *
 * CERTREQ names a CA by the SHA-1 hash of its SubjectPublicKeyInfo (3.7).
 * We send our certificate always, then the chain of certificate-file up
 * to the first CA the peer named: what it trusts it need not be sent.
 *
 * The peer's chain: the first CERT is its own certificate, the others
 * untrusted helpers; ca-file's certificates are the anchors, any of
 * them (an intermediate too: the ASA trusts what its trustpoint holds).
 * Its key usage must allow signatures and an extended key usage, when
 * present, must name IKE, TLS server or client, IPsec or "any" (RFC 4945
 * 5.1.3.12). Its ID: ID_DER_ASN1_DN must be the subject (the ASA's
 * "crypto isakmp identity auto" sends that), FQDN, e-mail and IP
 * addresses must be one of the subjectAltNames. Every refusal is named;
 * OpenSSL's reason for a chain goes to the log. Certificates are public:
 * subjects may be logged, the private key never is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ike/ike_sa.h"

#define CERT_PEER_MAX 8      /* CERT payloads of one peer read */
#define CERTREQ_SENT_MAX 64  /* CAs named in one CERTREQ */

static void cert_rec_free(struct fp_ike_credrec *r)
{
	X509_free(r->cr.cert);
	sk_X509_pop_free(r->cr.chain, X509_free);
	EVP_PKEY_free(r->cr.key);
	X509_STORE_free(r->cr.cas);
	free(r->ca_hash);
	free(r->own_hash);
	memset(r, 0, sizeof(*r));
}

void fp_ike_cert_release(struct fp_ike *ike)
{
	for (unsigned i = 0; i < ike->n_creds; i++)
		cert_rec_free(&ike->creds[i]);
	ike->n_creds = 0;
}

/* SHA-1 of x's SubjectPublicKeyInfo, the name CERTREQ gives a CA. */
static int cert_spki_sha1(X509 *x, uint8_t out[FP_IKE_SHA1_LEN])
{
	unsigned char *der = NULL;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	int ok = n > 0 && EVP_Digest(der, (size_t)n, out, NULL, EVP_sha1(), NULL) == 1;
	OPENSSL_free(der);
	return ok ? 0 : -1;
}

static int cert_hash_cas(struct fp_ike_credrec *r)
{
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(r->cr.cas);
	int n = sk_X509_OBJECT_num(objs);
	r->ca_hash = calloc(n > 0 ? (size_t)n : 1, sizeof(*r->ca_hash));
	if (!r->ca_hash)
		return -1;
	for (int i = 0; i < n; i++) {
		X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
		if (x && !cert_spki_sha1(x, r->ca_hash[r->n_ca]))
			r->n_ca++;
	}
	return 0;
}

static int cert_hash_own(struct fp_ike_credrec *r)
{
	int n = r->cr.chain ? sk_X509_num(r->cr.chain) : 0;
	r->own_hash = calloc((size_t)n + 1, sizeof(*r->own_hash));
	if (!r->own_hash || cert_spki_sha1(r->cr.cert, r->own_hash[0]))
		return -1;
	for (int i = 0; i < n; i++)
		if (cert_spki_sha1(sk_X509_value(r->cr.chain, i), r->own_hash[i + 1]))
			return -1;
	r->n_own = (unsigned)n + 1;
	return 0;
}

/* Our references on c's objects, with their hashes. */
static int cert_rec_take(struct fp_ike_credrec *r, const struct fp_ike_cred *c)
{
	memset(r, 0, sizeof(*r));
	if ((c->cert && !X509_up_ref(c->cert)) || (c->key && !EVP_PKEY_up_ref(c->key)) ||
	    (c->cas && !X509_STORE_up_ref(c->cas)))
		return -1;
	r->cr.cert = c->cert;
	r->cr.key = c->key;
	r->cr.cas = c->cas;
	if (c->chain && !(r->cr.chain = X509_chain_up_ref(c->chain)))
		return -1;
	if (c->cas && cert_hash_cas(r))
		return -1;
	return c->cert ? cert_hash_own(r) : 0;
}

/* Each peer's certificate lines name a trustpoint that has what they need. */
static int cert_check_peers(const struct fp_ike_cfg *cfg, char *err, size_t errlen)
{
	for (unsigned i = 0; i < cfg->n_peers; i++) {
		const struct fp_ike_peer *p = &cfg->peers[i];
		const struct fp_ike_cred *l = p->cred_local < cfg->n_creds ? &cfg->creds[p->cred_local] : NULL;
		const struct fp_ike_cred *r = p->cred_remote < cfg->n_creds ? &cfg->creds[p->cred_remote] : NULL;
		if (p->cert_local && (!l || !l->cert || !l->key)) {
			snprintf(err, errlen, "peer %u: certificate authentication without a "
				 "trustpoint certificate and key", i);
			return -1;
		}
		if (p->cert_remote && (!r || !r->cas)) {
			snprintf(err, errlen, "peer %u: remote certificate authentication without "
				 "a trustpoint ca-file", i);
			return -1;
		}
	}
	return 0;
}

int fp_ike_cert_configure(struct fp_ike *ike, const struct fp_ike_cfg *cfg, char *err,
			  size_t errlen)
{
	struct fp_ike_credrec next[FP_IKE_MAX_CREDS];
	unsigned n = 0;
	if (cfg->n_creds > FP_IKE_MAX_CREDS) {
		snprintf(err, errlen, "more than %u trustpoints", FP_IKE_MAX_CREDS);
		return -1;
	}
	if (cert_check_peers(cfg, err, errlen))
		return -1;
	for (; n < cfg->n_creds; n++)
		if (cert_rec_take(&next[n], &cfg->creds[n])) {
			for (unsigned i = 0; i <= n; i++)
				cert_rec_free(&next[i]);
			snprintf(err, errlen, "trustpoint %u: cannot reference its objects", n);
			return -1;
		}
	fp_ike_cert_release(ike);
	memcpy(ike->creds, next, n * sizeof(next[0]));
	ike->n_creds = n;
	return 0;
}

void fp_ike_cert_put_req(const struct fp_ike *ike, struct fp_ike_wr *w,
			 const struct fp_ike_peer *p)
{
	if (!p->cert_remote || p->cred_remote >= ike->n_creds)
		return;
	const struct fp_ike_credrec *r = &ike->creds[p->cred_remote];
	unsigned n = r->n_ca < CERTREQ_SENT_MAX ? r->n_ca : CERTREQ_SENT_MAX;
	struct fp_ike_typed t = {(const uint8_t *)r->ca_hash, (uint16_t)(n * FP_IKE_SHA1_LEN),
				 FP_IKE_CERT_X509_SIG};
	fp_ike_put_typed(w, FP_IKE_PL_CERTREQ, &t);
}

void fp_ike_cert_read_req(struct fp_ike_sarec *s, const struct fp_ike_chain *c)
{
	unsigned at = 0;
	const struct fp_ike_pl *pl;
	struct fp_ike_typed t;
	while ((pl = fp_ike_chain_find(c, FP_IKE_PL_CERTREQ, &at))) {
		if (fp_ike_typed_parse(pl, &t) != FP_IKE_E_OK || t.t_kind != FP_IKE_CERT_X509_SIG)
			continue;
		for (size_t o = 0; o + FP_IKE_SHA1_LEN <= t.t_len &&
				   s->s_n_certreq < FP_IKE_CERTREQ_MAX; o += FP_IKE_SHA1_LEN)
			memcpy(s->s_certreq[s->s_n_certreq++], t.t_data + o, FP_IKE_SHA1_LEN);
	}
}

static bool cert_requested(const struct fp_ike_sarec *s, const uint8_t *h)
{
	for (unsigned i = 0; i < s->s_n_certreq; i++)
		if (!memcmp(s->s_certreq[i], h, FP_IKE_SHA1_LEN))
			return true;
	return false;
}

static void cert_put_one(struct fp_ike_wr *w, X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	if (n <= 0 || n > UINT16_MAX - 5) {
		w->w_overflow = true;
	} else {
		struct fp_ike_typed t = {der, (uint16_t)n, FP_IKE_CERT_X509_SIG};
		fp_ike_put_typed(w, FP_IKE_PL_CERT, &t);
	}
	OPENSSL_free(der);
}

void fp_ike_cert_put_ours(struct fp_ike_wr *w, const struct fp_ike_sarec *s,
			  const struct fp_ike_credrec *cr)
{
	cert_put_one(w, cr->cr.cert);
	for (unsigned k = 1; k < cr->n_own && !cert_requested(s, cr->own_hash[k]); k++)
		cert_put_one(w, sk_X509_value(cr->cr.chain, (int)k - 1));
}

size_t fp_ike_cert_id(const struct fp_ike_credrec *cr, uint8_t *out, size_t cap)
{
	X509_NAME *dn = X509_get_subject_name(cr->cr.cert);
	int n = dn ? i2d_X509_NAME(dn, NULL) : -1;
	if (n <= 0 || (size_t)n + 4 > cap)
		return 0;
	memset(out, 0, 4);
	out[0] = FP_IKE_ID_DER_ASN1_DN;
	unsigned char *p = out + 4;
	i2d_X509_NAME(dn, &p);
	return (size_t)n + 4;
}

/* The peer's CERT payloads: its certificate first, the rest untrusted. */
static enum fp_ike_authf cert_collect(const struct fp_ike_chain *c, X509 **leaf,
				      STACK_OF(X509) *more)
{
	unsigned at = 0, n = 0;
	const struct fp_ike_pl *pl;
	struct fp_ike_typed t;
	while ((pl = fp_ike_chain_find(c, FP_IKE_PL_CERT, &at)) && n < CERT_PEER_MAX) {
		if (fp_ike_typed_parse(pl, &t) != FP_IKE_E_OK || t.t_kind != FP_IKE_CERT_X509_SIG)
			continue;
		const unsigned char *p = t.t_data;
		X509 *x = d2i_X509(NULL, &p, t.t_len);
		if (!x || p != t.t_data + t.t_len || (n && !sk_X509_push(more, x))) {
			X509_free(x);
			return FP_IKE_AUTHF_CERT_PARSE;
		}
		if (!n++)
			*leaf = x;
	}
	return n ? FP_IKE_AUTHF_OK : FP_IKE_AUTHF_NO_CERT;
}

/* The subject as one line (public: it may be logged). */
static const char *cert_subject(X509 *x, char *buf, int n)
{
	if (!x || !X509_NAME_oneline(X509_get_subject_name(x), buf, n))
		snprintf(buf, (size_t)n, "?");
	return buf;
}

static void cert_log(struct fp_ike *ike, const struct fp_ike_sarec *s, X509 *x, const char *what,
		     const char *detail)
{
	char subj[256];
	fp_ike_dbg(ike, 1, "(%llu): peer certificate %s: %s%s%s",
		   (unsigned long long)s->s_id, cert_subject(x, subj, sizeof(subj)), what,
		   detail ? ": " : "", detail ? detail : "");
}

/* Debug level 4: whose certificate passed, before its signature is checked. */
static void cert_dbg_ok(struct fp_ike *ike, const struct fp_ike_sarec *s, X509 *x)
{
	char subj[256];
	if (fp_ike_debug_level(ike) >= 4)
		fp_ike_dbg(ike, 4, "(%llu): peer certificate %s: chain, key usage and ID verified",
			   (unsigned long long)s->s_id, cert_subject(x, subj, sizeof(subj)));
}

static enum fp_ike_authf cert_verify_chain(struct fp_ike *ike, const struct fp_ike_sarec *s,
					   X509_STORE *cas, X509 *leaf, STACK_OF(X509) *more)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok = ctx && X509_STORE_CTX_init(ctx, cas, leaf, more) == 1;
	if (ok) {
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN);
		ok = X509_verify_cert(ctx) == 1;
	}
	if (!ok) {
		int e = ctx ? X509_STORE_CTX_get_error(ctx) : X509_V_ERR_OUT_OF_MEM;
		char d[160];
		snprintf(d, sizeof(d), "%s (depth %d)", X509_verify_cert_error_string(e),
			 ctx ? X509_STORE_CTX_get_error_depth(ctx) : 0);
		cert_log(ike, s, leaf, "chain refused", d);
	}
	X509_STORE_CTX_free(ctx);
	return ok ? FP_IKE_AUTHF_OK : FP_IKE_AUTHF_CHAIN;
}

/* An extended key usage that allows IKE (RFC 4945 5.1.3.12). */
static bool cert_eku_ok(X509 *x)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	static const int ok_nids[] = {NID_server_auth, NID_client_auth, NID_anyExtendedKeyUsage,
				      NID_ipsec_IKE, NID_ipsecEndSystem, NID_ipsecTunnel,
				      NID_ipsecUser};
	bool ok = false;
	for (int i = 0; eku && !ok && i < sk_ASN1_OBJECT_num(eku); i++) {
		int nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));
		for (size_t k = 0; k < sizeof(ok_nids) / sizeof(ok_nids[0]); k++)
			ok |= nid == ok_nids[k];
	}
	EXTENDED_KEY_USAGE_free(eku);
	return ok;
}

static bool cert_usage_ok(X509 *x)
{
	uint32_t f = X509_get_extension_flags(x);
	if ((f & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(x) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
		return false;
	return !(f & EXFLAG_XKUSAGE) || cert_eku_ok(x);
}

/* One of x's subjectAltNames of GEN type equal to data. */
static bool cert_san_has(X509 *x, int type, const uint8_t *data, size_t len)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	bool hit = false;
	for (int i = 0; gens && !hit && i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		int gt;
		ASN1_STRING *v = GENERAL_NAME_get0_value(g, &gt);
		if (gt != type || !v || (size_t)ASN1_STRING_length(v) != len)
			continue;
		const unsigned char *b = ASN1_STRING_get0_data(v);
		hit = type == GEN_IPADD ? !memcmp(b, data, len)
					: !strncasecmp((const char *)b, (const char *)data, len);
	}
	GENERAL_NAMES_free(gens);
	return hit;
}

static bool cert_id_matches(X509 *x, const uint8_t *id, size_t len)
{
	if (len < 5)
		return false;
	const uint8_t *d = id + 4;
	size_t n = len - 4;
	switch (id[0]) {
	case FP_IKE_ID_DER_ASN1_DN: {
		const unsigned char *p = d;
		X509_NAME *dn = d2i_X509_NAME(NULL, &p, (long)n);
		bool ok = dn && p == d + n && !X509_NAME_cmp(dn, X509_get_subject_name(x));
		X509_NAME_free(dn);
		return ok;
	}
	case FP_IKE_ID_FQDN:
		return cert_san_has(x, GEN_DNS, d, n);
	case FP_IKE_ID_RFC822_ADDR:
		return cert_san_has(x, GEN_EMAIL, d, n);
	case FP_IKE_ID_IPV4_ADDR:
		return n == 4 && cert_san_has(x, GEN_IPADD, d, n);
	case FP_IKE_ID_IPV6_ADDR:
		return n == 16 && cert_san_has(x, GEN_IPADD, d, n);
	default:
		return false;
	}
}

EVP_PKEY *fp_ike_cert_peer(struct fp_ike *ike, const struct fp_ike_sarec *s,
			   const struct fp_ike_chain *c, const struct fp_ike_credrec *cr,
			   const uint8_t *id_body, size_t id_len, enum fp_ike_authf *why)
{
	X509 *leaf = NULL;
	STACK_OF(X509) *more = sk_X509_new_null();
	EVP_PKEY *pub = NULL;
	*why = more ? cert_collect(c, &leaf, more) : FP_IKE_AUTHF_CERT_PARSE;
	if (!*why)
		*why = cert_verify_chain(ike, s, cr->cr.cas, leaf, more);
	if (!*why && !cert_usage_ok(leaf)) {
		*why = FP_IKE_AUTHF_USAGE;
		cert_log(ike, s, leaf, "refused", fp_ike_authf_name(*why));
	}
	if (!*why && !cert_id_matches(leaf, id_body, id_len)) {
		*why = FP_IKE_AUTHF_ID;
		cert_log(ike, s, leaf, "refused", fp_ike_authf_name(*why));
	}
	if (!*why && !(pub = X509_get_pubkey(leaf)))
		*why = FP_IKE_AUTHF_CERT_PARSE;
	if (!*why)
		cert_dbg_ok(ike, s, leaf);
	X509_free(leaf);
	sk_X509_pop_free(more, X509_free);
	ERR_clear_error();
	return pub;
}
