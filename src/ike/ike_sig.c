/* Signatures for AUTH, all through OpenSSL's EVP_DigestSign/Verify.
 *
 * RFC 7427 (method 14, "digital signature"): the AUTH data is a one-byte
 * length, the DER AlgorithmIdentifier of the scheme, then the signature.
 * We sign RSA keys with RSASSA-PSS (RFC 8247 prefers it to PKCS#1 v1.5)
 * and EC keys with ECDSA, the hash the one the curve goes with when the
 * peer announced it in SIGNATURE_HASH_ALGORITHMS. We verify PKCS#1 v1.5,
 * PSS (its parameters read from the AlgorithmIdentifier) and ECDSA, with
 * SHA-256/384/512 only (RFC 8247: SHA-1 is not for method 14).
 *
 * A peer that sent no SIGNATURE_HASH_ALGORITHMS gets the classic methods
 * of RFC 7296: 1 (RSA PKCS#1 v1.5, SHA-1) and, RFC 4754, 9/10/11 (ECDSA on
 * P-256/384/521 with SHA-256/384/512, the signature as r | s of fixed
 * length rather than DER). RSA keys under 2048 bits are refused. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/inet.h"
#include "ike/ike_sa.h"

#define HASH_SHA1 1       /* RFC 7427 hash algorithm numbers (IANA) */
#define HASH_SHA256 2
#define HASH_SHA384 3
#define HASH_SHA512 4
#define RSA_MIN_BITS 2048
#define ECDSA_DER_MAX 160 /* a DER ECDSA-Sig-Value on P-521 is at most 139 bytes */

enum sig_kind { K_RSA, K_PSS, K_ECDSA };

/* AlgorithmIdentifiers of method 14 (RFC 7427 appendix A): PKCS#1 v1.5
 * and ECDSA by their OIDs; PSS with its hash, MGF1 of the same hash and a
 * salt as long as the hash. */
#define RSA_OID 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01
#define ECDSA_OID 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03
#define SHA2_OID(n) 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, n, 0x05, 0x00
#define PSS_ALGID(n, salt)                                                                  \
	0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30, 0x34, \
		0xa0, 0x0f, SHA2_OID(n), 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48,    \
		0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, SHA2_OID(n), 0xa2, 0x03, 0x02, 0x01, salt

static const uint8_t a_rsa256[] = {RSA_OID, 0x0b, 0x05, 0x00};
static const uint8_t a_rsa384[] = {RSA_OID, 0x0c, 0x05, 0x00};
static const uint8_t a_rsa512[] = {RSA_OID, 0x0d, 0x05, 0x00};
static const uint8_t a_pss256[] = {PSS_ALGID(0x01, 0x20)};
static const uint8_t a_pss384[] = {PSS_ALGID(0x02, 0x30)};
static const uint8_t a_pss512[] = {PSS_ALGID(0x03, 0x40)};
static const uint8_t a_ec256[] = {ECDSA_OID, 0x02};
static const uint8_t a_ec384[] = {ECDSA_OID, 0x03};
static const uint8_t a_ec512[] = {ECDSA_OID, 0x04};

static const struct sig_def {
	const char *md;
	uint8_t hash, kind;
	const uint8_t *algid;
	uint8_t algid_len;
} sig_defs[FP_IKE_SIG__COUNT] = {
	[FP_IKE_SIG_RSA_SHA1] = {"SHA1", HASH_SHA1, K_RSA, NULL, 0},
#define D(s, md, h, k, a) [s] = {md, h, k, a, sizeof(a)}
	D(FP_IKE_SIG_RSA_SHA256, "SHA256", HASH_SHA256, K_RSA, a_rsa256),
	D(FP_IKE_SIG_RSA_SHA384, "SHA384", HASH_SHA384, K_RSA, a_rsa384),
	D(FP_IKE_SIG_RSA_SHA512, "SHA512", HASH_SHA512, K_RSA, a_rsa512),
	D(FP_IKE_SIG_PSS_SHA256, "SHA256", HASH_SHA256, K_PSS, a_pss256),
	D(FP_IKE_SIG_PSS_SHA384, "SHA384", HASH_SHA384, K_PSS, a_pss384),
	D(FP_IKE_SIG_PSS_SHA512, "SHA512", HASH_SHA512, K_PSS, a_pss512),
	D(FP_IKE_SIG_ECDSA_SHA256, "SHA256", HASH_SHA256, K_ECDSA, a_ec256),
	D(FP_IKE_SIG_ECDSA_SHA384, "SHA384", HASH_SHA384, K_ECDSA, a_ec384),
	D(FP_IKE_SIG_ECDSA_SHA512, "SHA512", HASH_SHA512, K_ECDSA, a_ec512),
#undef D
};

/* A signature to check, as the AUTH payload described it. */
struct sig_use {
	enum fp_ike_sig_scheme sch;
	int salt;                     /* PSS salt length */
	unsigned ec_bits;             /* classic ECDSA: the curve its method names */
	const uint8_t *sig;
	size_t sig_len;
};

void fp_ike_sig_put_notify(struct fp_ike_wr *w)
{
	uint8_t h[6];
	fp_put16(h, HASH_SHA256);
	fp_put16(h + 2, HASH_SHA384);
	fp_put16(h + 4, HASH_SHA512);
	fp_ike_put_status(w, FP_IKE_N_SIGNATURE_HASH_ALGORITHMS, h, sizeof(h));
}

void fp_ike_sig_read_notify(struct fp_ike_sarec *s, const struct fp_ike_chain *c)
{
	struct fp_ike_notify n;
	if (!fp_ike_find_notify(c, FP_IKE_N_SIGNATURE_HASH_ALGORITHMS, &n))
		return;
	s->s_sig_peer = true;
	for (uint16_t i = 0; i + 2 <= n.n_len; i += 2) {
		uint16_t h = fp_get16(n.n_data + i);
		if (h < 8)
			s->s_sig_hashes |= (uint8_t)(1u << h);
	}
}

static bool sig_is_rsa(EVP_PKEY *k)
{
	return EVP_PKEY_is_a(k, "RSA") || EVP_PKEY_is_a(k, "RSA-PSS");
}

/* The method-14 scheme of kind for the first hash of pref the peer took. */
static enum fp_ike_sig_scheme sig_pick_14(const struct fp_ike_sarec *s, uint8_t kind,
					  const uint8_t pref[3])
{
	for (unsigned i = 0; i < 3; i++)
		for (unsigned sch = FP_IKE_SIG_RSA_SHA256; sch < FP_IKE_SIG__COUNT; sch++)
			if (sig_defs[sch].kind == kind && sig_defs[sch].hash == pref[i] &&
			    (s->s_sig_hashes & (1u << pref[i])))
				return (enum fp_ike_sig_scheme)sch;
	return FP_IKE_SIG_NONE;
}

/* RFC 7296's own methods: 1 for RSA, 9/10/11 by the EC key's curve. */
static enum fp_ike_sig_scheme sig_pick_classic(bool rsa, int ec_bits, uint8_t *method)
{
	static const struct { int bits; uint8_t method; enum fp_ike_sig_scheme sch; } ec[] = {
		{256, FP_IKE_AUTH_ECDSA_256, FP_IKE_SIG_ECDSA_SHA256},
		{384, FP_IKE_AUTH_ECDSA_384, FP_IKE_SIG_ECDSA_SHA384},
		{521, FP_IKE_AUTH_ECDSA_521, FP_IKE_SIG_ECDSA_SHA512},
	};
	if (rsa) {
		*method = FP_IKE_AUTH_RSA_SIG;
		return FP_IKE_SIG_RSA_SHA1;
	}
	for (unsigned i = 0; i < 3; i++)
		if (ec[i].bits == ec_bits) {
			*method = ec[i].method;
			return ec[i].sch;
		}
	return FP_IKE_SIG_NONE;
}

enum fp_ike_sig_scheme fp_ike_sig_pick(const struct fp_ike_sarec *s, EVP_PKEY *key,
				       uint8_t *method)
{
	bool rsa = sig_is_rsa(key), ec = EVP_PKEY_is_a(key, "EC");
	int bits = EVP_PKEY_get_bits(key);
	/* the hash that matches the curve's strength first (RFC 5656 6.2.1) */
	uint8_t pref[3] = {HASH_SHA256, HASH_SHA384, HASH_SHA512};
	if (ec && bits > 256) {
		pref[0] = bits > 384 ? HASH_SHA512 : HASH_SHA384;
		pref[1] = HASH_SHA256;
		pref[2] = bits > 384 ? HASH_SHA384 : HASH_SHA512;
	}
	enum fp_ike_sig_scheme sch = FP_IKE_SIG_NONE;
	if (s->s_sig_peer && (rsa || ec))
		sch = sig_pick_14(s, rsa ? K_PSS : K_ECDSA, pref);
	*method = FP_IKE_AUTH_DIGITAL_SIG;
	if (sch != FP_IKE_SIG_NONE)
		return sch;
	return sig_pick_classic(rsa, ec ? bits : 0, method);
}

/* The digest context set up for sch: PSS padding with its salt. */
static EVP_MD_CTX *sig_ctx(EVP_PKEY *key, enum fp_ike_sig_scheme sch, int salt, bool sign)
{
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	const char *md = sig_defs[sch].md;
	int ok = mc && (sign ? EVP_DigestSignInit_ex(mc, &pc, md, NULL, NULL, key, NULL)
			     : EVP_DigestVerifyInit_ex(mc, &pc, md, NULL, NULL, key, NULL)) == 1;
	if (ok && sig_defs[sch].kind == K_PSS)
		ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, salt) == 1 &&
		     EVP_PKEY_CTX_set_rsa_mgf1_md_name(pc, md, NULL) == 1;
	else if (ok && sig_defs[sch].kind == K_RSA)
		ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1;
	if (!ok) {
		EVP_MD_CTX_free(mc);
		return NULL;
	}
	return mc;
}

/* A DER ECDSA-Sig-Value as r | s of n bytes each (RFC 4754), or back. */
static int sig_der_to_raw(const uint8_t *der, size_t len, size_t n, uint8_t *out)
{
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &der, (long)len);
	const BIGNUM *r, *s;
	int ok = 0;
	if (es) {
		ECDSA_SIG_get0(es, &r, &s);
		ok = BN_bn2binpad(r, out, (int)n) == (int)n && BN_bn2binpad(s, out + n, (int)n) == (int)n;
	}
	ECDSA_SIG_free(es);
	return ok ? 0 : -1;
}

static size_t sig_raw_to_der(const uint8_t *raw, size_t len, uint8_t *out)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)(len / 2), NULL), *s = BN_bin2bn(raw + len / 2,
									 (int)(len / 2), NULL);
	size_t n = 0;
	if (es && r && s && ECDSA_SIG_set0(es, r, s) == 1) {
		r = s = NULL;
		int l = i2d_ECDSA_SIG(es, NULL);
		if (l > 0 && l <= ECDSA_DER_MAX)
			n = (size_t)i2d_ECDSA_SIG(es, &out);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return n;
}

static int sig_digest(EVP_MD_CTX *mc, bool sign, const struct fp_ike_iov *oct, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if ((sign ? EVP_DigestSignUpdate(mc, oct[i].v_p, oct[i].v_len)
			  : EVP_DigestVerifyUpdate(mc, oct[i].v_p, oct[i].v_len)) != 1)
			return -1;
	return 0;
}

/* The raw signature of sch over oct into out (cap bytes); its length or 0. */
static size_t sig_make(EVP_PKEY *key, enum fp_ike_sig_scheme sch, const struct fp_ike_iov *oct,
		       unsigned n, uint8_t *out, size_t cap)
{
	int salt = sig_defs[sch].kind == K_PSS ? RSA_PSS_SALTLEN_DIGEST : 0;
	EVP_MD_CTX *mc = sig_ctx(key, sch, salt, true);
	size_t len = 0;
	if (mc && !sig_digest(mc, true, oct, n) && EVP_DigestSignFinal(mc, NULL, &len) == 1 &&
	    len <= cap && EVP_DigestSignFinal(mc, out, &len) != 1)
		len = 0;
	if (len > cap)
		len = 0;
	EVP_MD_CTX_free(mc);
	return len;
}

int fp_ike_sig_sign(EVP_PKEY *key, enum fp_ike_sig_scheme sch, uint8_t method,
		    const struct fp_ike_iov *oct, unsigned n, uint8_t *out, size_t cap,
		    size_t *out_len)
{
	if (sch <= FP_IKE_SIG_NONE || sch >= FP_IKE_SIG__COUNT)
		return -1;
	const struct sig_def *d = &sig_defs[sch];
	if (method == FP_IKE_AUTH_DIGITAL_SIG) {
		if (!d->algid || cap < 1u + d->algid_len)
			return -1;
		out[0] = d->algid_len;
		memcpy(out + 1, d->algid, d->algid_len);
		size_t l = sig_make(key, sch, oct, n, out + 1 + d->algid_len, cap - 1 - d->algid_len);
		*out_len = l ? 1 + d->algid_len + l : 0;
		return l ? 0 : -1;
	}
	if (method == FP_IKE_AUTH_RSA_SIG) {
		*out_len = sig_make(key, sch, oct, n, out, cap);
		return *out_len ? 0 : -1;
	}
	uint8_t der[ECDSA_DER_MAX];
	size_t half = (size_t)(EVP_PKEY_get_bits(key) + 7) / 8;
	size_t l = sig_make(key, sch, oct, n, der, sizeof(der));
	if (!l || cap < 2 * half || sig_der_to_raw(der, l, half, out))
		return -1;
	*out_len = 2 * half;
	return 0;
}

/* PSS parameters: hash and MGF1 hash one of ours and the same, trailer 1. */
static enum fp_ike_authf sig_pss_params(const X509_ALGOR *alg, struct sig_use *u)
{
	const ASN1_OBJECT *obj;
	int ptype;
	const void *pval;
	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	if (ptype != V_ASN1_SEQUENCE)
		return FP_IKE_AUTHF_SIG_ALG;
	RSA_PSS_PARAMS *pp = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS),
						       alg->parameter);
	X509_ALGOR *mgf_md = NULL;
	enum fp_ike_authf why = FP_IKE_AUTHF_SIG_ALG;
	if (pp && pp->hashAlgorithm && pp->maskGenAlgorithm &&
	    OBJ_obj2nid(pp->maskGenAlgorithm->algorithm) == NID_mgf1 &&
	    (!pp->trailerField || ASN1_INTEGER_get(pp->trailerField) == 1))
		mgf_md = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR),
						   pp->maskGenAlgorithm->parameter);
	int h = pp && pp->hashAlgorithm ? OBJ_obj2nid(pp->hashAlgorithm->algorithm) : NID_undef;
	long salt = pp && pp->saltLength ? ASN1_INTEGER_get(pp->saltLength) : 20;
	if (mgf_md && OBJ_obj2nid(mgf_md->algorithm) == h && salt >= 0 && salt <= 512) {
		u->salt = (int)salt;
		u->sch = h == NID_sha256   ? FP_IKE_SIG_PSS_SHA256
			 : h == NID_sha384 ? FP_IKE_SIG_PSS_SHA384
			 : h == NID_sha512 ? FP_IKE_SIG_PSS_SHA512
					   : FP_IKE_SIG_NONE;
		why = u->sch ? FP_IKE_AUTHF_OK : FP_IKE_AUTHF_SIG_ALG;
	}
	X509_ALGOR_free(mgf_md);
	RSA_PSS_PARAMS_free(pp);
	return why;
}

/* A PKCS#1 v1.5 or ECDSA AlgorithmIdentifier: its scheme by the OID's
 * digest and key type. */
static enum fp_ike_sig_scheme sig_by_nid(int nid)
{
	int md, pk;
	if (!OBJ_find_sigid_algs(nid, &md, &pk))
		return FP_IKE_SIG_NONE;
	bool rsa = pk == NID_rsaEncryption, ec = pk == NID_X9_62_id_ecPublicKey;
	static const int mds[3] = {NID_sha256, NID_sha384, NID_sha512};
	for (int i = 0; i < 3; i++)
		if (md == mds[i] && (rsa || ec))
			return (enum fp_ike_sig_scheme)((rsa ? FP_IKE_SIG_RSA_SHA256
							     : FP_IKE_SIG_ECDSA_SHA256) + i);
	return FP_IKE_SIG_NONE;
}

/* Method 14: length byte, AlgorithmIdentifier, signature. */
static enum fp_ike_authf sig_parse_14(const uint8_t *data, size_t len, struct sig_use *u)
{
	if (len < 2 || (size_t)data[0] + 1 >= len)
		return FP_IKE_AUTHF_SIG_ALG;
	const uint8_t *p = data + 1;
	X509_ALGOR *alg = d2i_X509_ALGOR(NULL, &p, data[0]);
	enum fp_ike_authf why = FP_IKE_AUTHF_SIG_ALG;
	if (alg && p == data + 1 + data[0]) {
		int nid = OBJ_obj2nid(alg->algorithm);
		if (nid == NID_rsassaPss) {
			why = sig_pss_params(alg, u);
		} else {
			u->sch = sig_by_nid(nid);
			why = u->sch ? FP_IKE_AUTHF_OK : FP_IKE_AUTHF_SIG_ALG;
		}
	}
	X509_ALGOR_free(alg);
	ERR_clear_error();
	u->sig = data + 1 + data[0];
	u->sig_len = len - 1 - data[0];
	return why;
}

static enum fp_ike_authf sig_parse_classic(uint8_t method, const uint8_t *data, size_t len,
					   struct sig_use *u)
{
	u->sig = data;
	u->sig_len = len;
	switch (method) {
	case FP_IKE_AUTH_RSA_SIG:
		u->sch = FP_IKE_SIG_RSA_SHA1;
		return FP_IKE_AUTHF_OK;
	case FP_IKE_AUTH_ECDSA_256:
		u->sch = FP_IKE_SIG_ECDSA_SHA256;
		u->ec_bits = 256;
		break;
	case FP_IKE_AUTH_ECDSA_384:
		u->sch = FP_IKE_SIG_ECDSA_SHA384;
		u->ec_bits = 384;
		break;
	case FP_IKE_AUTH_ECDSA_521:
		u->sch = FP_IKE_SIG_ECDSA_SHA512;
		u->ec_bits = 521;
		break;
	default:
		return FP_IKE_AUTHF_METHOD;
	}
	return len == 2 * ((u->ec_bits + 7) / 8) ? FP_IKE_AUTHF_OK : FP_IKE_AUTHF_SIGNATURE;
}

static enum fp_ike_authf sig_key_fits(EVP_PKEY *pub, const struct sig_use *u)
{
	if (sig_defs[u->sch].kind == K_ECDSA)
		return EVP_PKEY_is_a(pub, "EC") &&
				       (!u->ec_bits || EVP_PKEY_get_bits(pub) == (int)u->ec_bits)
			       ? FP_IKE_AUTHF_OK
			       : FP_IKE_AUTHF_SIG_KEY;
	return sig_is_rsa(pub) && EVP_PKEY_get_bits(pub) >= RSA_MIN_BITS ? FP_IKE_AUTHF_OK
									   : FP_IKE_AUTHF_SIG_KEY;
}

enum fp_ike_authf fp_ike_sig_verify(EVP_PKEY *pub, uint8_t method, const uint8_t *data,
				    size_t len, const struct fp_ike_iov *oct, unsigned n)
{
	struct sig_use u = {0};
	uint8_t der[ECDSA_DER_MAX];
	enum fp_ike_authf why = method == FP_IKE_AUTH_DIGITAL_SIG
					? sig_parse_14(data, len, &u)
					: sig_parse_classic(method, data, len, &u);
	if (!why)
		why = sig_key_fits(pub, &u);
	if (!why && u.ec_bits) { /* r | s back to DER for OpenSSL */
		u.sig_len = sig_raw_to_der(u.sig, u.sig_len, der);
		u.sig = der;
	}
	if (why)
		return why;
	EVP_MD_CTX *mc = sig_ctx(pub, u.sch, u.salt, false);
	bool ok = mc && u.sig_len && !sig_digest(mc, false, oct, n) &&
		  EVP_DigestVerifyFinal(mc, u.sig, u.sig_len) == 1;
	EVP_MD_CTX_free(mc);
	ERR_clear_error(); /* a refused signature leaves OpenSSL's reasons queued */
	return ok ? FP_IKE_AUTHF_OK : FP_IKE_AUTHF_SIGNATURE;
}
