/* IKEv2 Diffie-Hellman through EVP_PKEY: see ike_dh.h. The peer's value
 * is checked here, before OpenSSL sees it, so a refusal has a name:
 * MODP's range [2, p-2] (RFC 7296 5.1 wants the checks of RFC 6989), the
 * ECP point on its curve (an off-curve point leaks the private value,
 * RFC 6989 2.3), X25519's all-zero result (RFC 8031 2.1). */
#include "ike/ike_dh.h"

#include <stdbool.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "ike/ike_wire.h"

enum dh_kind { DH_NONE, DH_MODP, DH_ECP, DH_X25519 };

struct dh_group {
	uint16_t g_id;
	enum dh_kind g_kind;
	const char *g_name;  /* OpenSSL's group name */
	size_t g_ke_len;
};

static const struct dh_group dh_groups[] = {
	{FP_IKE_DH_MODP_2048, DH_MODP, "modp_2048", 256},
	{FP_IKE_DH_MODP_3072, DH_MODP, "modp_3072", 384},
	{FP_IKE_DH_MODP_4096, DH_MODP, "modp_4096", 512},
	{FP_IKE_DH_ECP_256, DH_ECP, "P-256", 64},
	{FP_IKE_DH_ECP_384, DH_ECP, "P-384", 96},
	{FP_IKE_DH_ECP_521, DH_ECP, "P-521", 132},
	{FP_IKE_DH_CURVE25519, DH_X25519, "X25519", 32},
};

FP_IKE_ERR_NAME_FN(fp_ike_dh_err_name, FP_IKE_DH_ERR_LIST, FP_IKE_DH_E__COUNT)

static const struct dh_group *dh_group_find(uint16_t id)
{
	for (size_t i = 0; i < sizeof(dh_groups) / sizeof(dh_groups[0]); i++)
		if (dh_groups[i].g_id == id)
			return &dh_groups[i];
	return NULL;
}

size_t fp_ike_dh_ke_len(uint16_t group)
{
	const struct dh_group *g = dh_group_find(group);
	return g ? g->g_ke_len : 0;
}

size_t fp_ike_dh_secret_len(uint16_t group)
{
	const struct dh_group *g = dh_group_find(group);
	if (!g)
		return 0;
	return g->g_kind == DH_ECP ? g->g_ke_len / 2 : g->g_ke_len;
}

static const char *dh_algo(enum dh_kind k)
{
	return k == DH_MODP ? "DH" : k == DH_ECP ? "EC" : "X25519";
}

enum fp_ike_dh_err fp_ike_dh_new(struct fp_ike_dh *dh, uint16_t group)
{
	const struct dh_group *g = dh_group_find(group);
	dh->dh_key = NULL;
	dh->dh_group = group;
	if (!g)
		return FP_IKE_DH_E_GROUP;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, dh_algo(g->g_kind), NULL);
	enum fp_ike_dh_err e = FP_IKE_DH_E_CRYPTO;
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0)
		goto done;
	if (g->g_kind != DH_X25519 && EVP_PKEY_CTX_set_group_name(ctx, g->g_name) <= 0)
		goto done;
	if (EVP_PKEY_generate(ctx, &dh->dh_key) > 0)
		e = FP_IKE_DH_E_OK;
done:
	EVP_PKEY_CTX_free(ctx);
	return e;
}

/* An EVP_PKEY from an OSSL_PARAM list, as a key pair or a public key. */
static EVP_PKEY *dh_fromdata(const char *algo, OSSL_PARAM_BLD *bld, int selection)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, algo, NULL);
	EVP_PKEY *key = NULL;
	if (params && ctx && EVP_PKEY_fromdata_init(ctx) > 0)
		if (EVP_PKEY_fromdata(ctx, &key, selection, params) <= 0)
			key = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return key;
}

/* Q = d * G for a known d, so the imported key has its public half too. */
static size_t dh_ecp_pub(const char *name, const BIGNUM *d, uint8_t *out, size_t cap)
{
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(EC_curve_nist2nid(name));
	EC_POINT *q = grp ? EC_POINT_new(grp) : NULL;
	size_t len = 0;
	if (q && EC_POINT_mul(grp, q, d, NULL, NULL, NULL))
		len = EC_POINT_point2oct(grp, q, POINT_CONVERSION_UNCOMPRESSED, out, cap, NULL);
	EC_POINT_free(q);
	EC_GROUP_free(grp);
	return len;
}

static EVP_PKEY *dh_ecp_import(const struct dh_group *g, const uint8_t *priv, size_t len)
{
	uint8_t pub[1 + 2 * 66];
	BIGNUM *d = BN_bin2bn(priv, (int)len, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY *key = NULL;
	size_t pl = d ? dh_ecp_pub(g->g_name, d, pub, sizeof(pub)) : 0;
	if (pl && bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->g_name, 0) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, pl))
		key = dh_fromdata("EC", bld, EVP_PKEY_KEYPAIR);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	return key;
}

enum fp_ike_dh_err fp_ike_dh_new_private(struct fp_ike_dh *dh, uint16_t group,
					 const uint8_t *priv, size_t len)
{
	const struct dh_group *g = dh_group_find(group);
	dh->dh_key = NULL;
	dh->dh_group = group;
	if (!g || g->g_kind == DH_MODP)
		return FP_IKE_DH_E_GROUP;
	if (g->g_kind == DH_X25519)
		dh->dh_key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, len);
	else
		dh->dh_key = dh_ecp_import(g, priv, len);
	return dh->dh_key ? FP_IKE_DH_E_OK : FP_IKE_DH_E_CRYPTO;
}

enum fp_ike_dh_err fp_ike_dh_public(const struct fp_ike_dh *dh, uint8_t *out, size_t cap,
				    size_t *len)
{
	const struct dh_group *g = dh_group_find(dh->dh_group);
	uint8_t enc[1 + 2 * 66];
	size_t l = 0;
	if (!g || !dh->dh_key)
		return FP_IKE_DH_E_GROUP;
	if (cap < g->g_ke_len)
		return FP_IKE_DH_E_SPACE;
	*len = g->g_ke_len;
	if (g->g_kind == DH_X25519) {
		l = cap; /* in: room, out: written */
		return EVP_PKEY_get_raw_public_key(dh->dh_key, out, &l) && l == g->g_ke_len ?
			       FP_IKE_DH_E_OK : FP_IKE_DH_E_CRYPTO;
	}
	if (g->g_kind == DH_ECP) {
		/* uncompressed point 0x04 | x | y; the KE payload drops the 0x04 */
		if (!EVP_PKEY_get_octet_string_param(dh->dh_key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
						     enc, sizeof(enc), &l) ||
		    l != 1 + g->g_ke_len || enc[0] != POINT_CONVERSION_UNCOMPRESSED)
			return FP_IKE_DH_E_CRYPTO;
		memcpy(out, enc + 1, g->g_ke_len);
		return FP_IKE_DH_E_OK;
	}
	BIGNUM *y = NULL;
	int ok = EVP_PKEY_get_bn_param(dh->dh_key, OSSL_PKEY_PARAM_PUB_KEY, &y) &&
		 BN_bn2binpad(y, out, (int)g->g_ke_len) == (int)g->g_ke_len;
	BN_free(y);
	return ok ? FP_IKE_DH_E_OK : FP_IKE_DH_E_CRYPTO;
}

/* MODP: 2 <= y <= p-2 (y = 1 or p-1 would force g^ir into {1, p-1}). */
static enum fp_ike_dh_err dh_modp_peer(const struct fp_ike_dh *dh, const struct dh_group *g,
				       const uint8_t *peer, size_t len, EVP_PKEY **out)
{
	BIGNUM *p = NULL, *y = BN_bin2bn(peer, (int)len, NULL), *pm2 = BN_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	enum fp_ike_dh_err e = FP_IKE_DH_E_CRYPTO;
	if (!y || !pm2 || !bld || !EVP_PKEY_get_bn_param(dh->dh_key, OSSL_PKEY_PARAM_FFC_P, &p) ||
	    !BN_sub(pm2, p, BN_value_one()) || !BN_sub(pm2, pm2, BN_value_one()))
		goto done;
	e = FP_IKE_DH_E_KE_RANGE;
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm2) > 0)
		goto done;
	e = FP_IKE_DH_E_CRYPTO;
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->g_name, 0) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
		*out = dh_fromdata("DH", bld, EVP_PKEY_PUBLIC_KEY);
	if (*out)
		e = FP_IKE_DH_E_OK;
done:
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(y);
	BN_free(pm2);
	return e;
}

/* ECP: 0x04 | x | y must decode to a point on the curve (OpenSSL checks
 * it when the key is built, and again in the public check). */
static enum fp_ike_dh_err dh_ecp_peer(const struct dh_group *g, const uint8_t *peer, size_t len,
				      EVP_PKEY **out)
{
	uint8_t enc[1 + 2 * 66];
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	enc[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(enc + 1, peer, len);
	if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->g_name, 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, enc, len + 1))
		*out = dh_fromdata("EC", bld, EVP_PKEY_PUBLIC_KEY);
	OSSL_PARAM_BLD_free(bld);
	if (!*out)
		return FP_IKE_DH_E_KE_POINT;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
	int ok = ctx && EVP_PKEY_public_check(ctx) > 0;
	EVP_PKEY_CTX_free(ctx);
	return ok ? FP_IKE_DH_E_OK : FP_IKE_DH_E_KE_POINT;
}

static enum fp_ike_dh_err dh_peer_key(const struct fp_ike_dh *dh, const struct dh_group *g,
				      const uint8_t *peer, size_t len, EVP_PKEY **out)
{
	*out = NULL;
	if (len != g->g_ke_len)
		return FP_IKE_DH_E_KE_LENGTH;
	if (g->g_kind == DH_MODP)
		return dh_modp_peer(dh, g, peer, len, out);
	if (g->g_kind == DH_ECP)
		return dh_ecp_peer(g, peer, len, out);
	*out = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, len);
	return *out ? FP_IKE_DH_E_OK : FP_IKE_DH_E_CRYPTO;
}

static bool dh_all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* OpenSSL's own check of the peer (validate = 1) runs in set_peer: for
 * MODP it also wants y^q = 1, which a value in [2, p-2] may still fail. */
static enum fp_ike_dh_err dh_derive(EVP_PKEY_CTX *ctx, const struct dh_group *g, EVP_PKEY *pk,
				    uint8_t *out, size_t *l, size_t want)
{
	if (EVP_PKEY_derive_set_peer_ex(ctx, pk, 1) <= 0)
		return g->g_kind == DH_MODP ? FP_IKE_DH_E_KE_SUBGROUP :
		       g->g_kind == DH_ECP  ? FP_IKE_DH_E_KE_POINT :
					      FP_IKE_DH_E_KE_WEAK;
	if (EVP_PKEY_derive(ctx, out, l) > 0 && *l == want)
		return FP_IKE_DH_E_OK;
	/* OpenSSL refuses an all-zero X25519 result (a small-order peer) */
	return g->g_kind == DH_X25519 ? FP_IKE_DH_E_KE_WEAK : FP_IKE_DH_E_CRYPTO;
}

enum fp_ike_dh_err fp_ike_dh_shared(const struct fp_ike_dh *dh, const uint8_t *peer,
				    size_t peer_len, uint8_t *out, size_t cap, size_t *len)
{
	const struct dh_group *g = dh_group_find(dh->dh_group);
	if (!g || !dh->dh_key)
		return FP_IKE_DH_E_GROUP;
	size_t want = fp_ike_dh_secret_len(dh->dh_group);
	if (cap < want)
		return FP_IKE_DH_E_SPACE;
	EVP_PKEY *pk = NULL;
	enum fp_ike_dh_err e = dh_peer_key(dh, g, peer, peer_len, &pk);
	if (e != FP_IKE_DH_E_OK)
		return e;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->dh_key, NULL);
	size_t l = want;
	e = FP_IKE_DH_E_CRYPTO;
	/* MODP: g^ir padded to the modulus' length (RFC 7296 2.14) */
	if (ctx && EVP_PKEY_derive_init(ctx) > 0 &&
	    (g->g_kind != DH_MODP || EVP_PKEY_CTX_set_dh_pad(ctx, 1) > 0))
		e = dh_derive(ctx, g, pk, out, &l, want);
	if (e == FP_IKE_DH_E_OK && g->g_kind == DH_X25519 && dh_all_zero(out, l))
		e = FP_IKE_DH_E_KE_WEAK;
	if (e != FP_IKE_DH_E_OK)
		OPENSSL_cleanse(out, want);
	*len = e == FP_IKE_DH_E_OK ? l : 0;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return e;
}

void fp_ike_dh_free(struct fp_ike_dh *dh)
{
	EVP_PKEY_free(dh->dh_key); /* OpenSSL clears the private value */
	dh->dh_key = NULL;
}
