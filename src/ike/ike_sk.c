/* SK and SKF payload protection (RFC 7296 3.14, RFC 5282, RFC 7383 2.5):
 * see ike_sk.h. Layout of the encrypted part, from sv_iv_off to the end
 * of the message (SK/SKF is always last, the codec makes sure):
 *   IV | E(payloads | padding | pad length) | ICV
 * CBC: 16-byte IV, whole blocks, ICV = HMAC truncated, over the message
 * from its first byte to the ICV. GCM: 8-byte IV, ICV = the tag, AAD =
 * the message up to the IV. */
#include "ike/ike_sk.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>


#define SK_CBC_IV 16
#define SK_CBC_BLOCK 16
#define SK_GCM_IV 8
#define SK_GCM_SALT 4

FP_IKE_ERR_NAME_FN(fp_ike_sk_err_name, FP_IKE_SK_ERR_LIST, FP_IKE_SK_E__COUNT)

void fp_ike_sk_dir_init(struct fp_ike_sk_dir *sd, const struct fp_ike_keys *k,
			bool from_initiator)
{
	sd->sd_ekey = from_initiator ? k->k_ei : k->k_er;
	sd->sd_akey = from_initiator ? k->k_ai : k->k_ar;
	sd->sd_e_len = k->k_e_len;
	sd->sd_a_len = k->k_a_len;
	sd->sd_encr = k->k_suite.su_encr;
	sd->sd_integ = k->k_suite.su_integ;
}

static bool sk_gcm(const struct fp_ike_sk_dir *sd)
{
	return fp_ike_encr_is_aead(sd->sd_encr);
}

static size_t sk_iv_len(const struct fp_ike_sk_dir *sd)
{
	return sk_gcm(sd) ? SK_GCM_IV : SK_CBC_IV;
}

static size_t sk_icv_len(const struct fp_ike_sk_dir *sd)
{
	switch (sd->sd_encr) {
	case FP_IKE_ENCR_AES_GCM_8:
		return 8;
	case FP_IKE_ENCR_AES_GCM_12:
		return 12;
	case FP_IKE_ENCR_AES_GCM_16:
		return 16;
	default:
		return fp_ike_integ_icv_len(sd->sd_integ);
	}
}

/* The cipher for the key (without GCM's salt), or NULL. */
static const EVP_CIPHER *sk_cipher(const struct fp_ike_sk_dir *sd)
{
	size_t kl = sd->sd_e_len - (sk_gcm(sd) ? SK_GCM_SALT : 0);
	if (sd->sd_encr == FP_IKE_ENCR_AES_CBC)
		return kl == 16 ? EVP_aes_128_cbc() : kl == 24 ? EVP_aes_192_cbc() :
		       kl == 32 ? EVP_aes_256_cbc() : NULL;
	if (sk_gcm(sd))
		return kl == 16 ? EVP_aes_128_gcm() : kl == 24 ? EVP_aes_192_gcm() :
		       kl == 32 ? EVP_aes_256_gcm() : NULL;
	return NULL;
}

static bool sk_suite_ok(const struct fp_ike_sk_dir *sd)
{
	if (!sk_cipher(sd))
		return false;
	return sk_gcm(sd) || (fp_ike_integ_key_len(sd->sd_integ) == sd->sd_a_len && sd->sd_a_len);
}

/* The integrity transform's HMAC, as the prf of the same hash. */
static uint16_t sk_integ_prf(uint16_t integ)
{
	switch (integ) {
	case FP_IKE_INTEG_HMAC_SHA1_96:
		return FP_IKE_PRF_HMAC_SHA1;
	case FP_IKE_INTEG_HMAC_SHA2_256_128:
		return FP_IKE_PRF_HMAC_SHA2_256;
	case FP_IKE_INTEG_HMAC_SHA2_384_192:
		return FP_IKE_PRF_HMAC_SHA2_384;
	default:
		return FP_IKE_PRF_HMAC_SHA2_512;
	}
}

/* HMAC over msg[0..len), truncated to the ICV's length, into icv. */
static int sk_hmac(const struct fp_ike_sk_dir *sd, const uint8_t *msg, size_t len, uint8_t *icv)
{
	uint8_t full[FP_IKE_PRF_MAX];
	struct fp_ike_iov in = {msg, len};
	int rc = fp_ike_prf(sk_integ_prf(sd->sd_integ), sd->sd_akey, sd->sd_a_len, &in, 1, full);
	memcpy(icv, full, sk_icv_len(sd));
	OPENSSL_cleanse(full, sizeof(full));
	return rc;
}

enum fp_ike_sk_err fp_ike_sk_locate(const struct fp_ike_msg *m, struct fp_ike_sk_view *sv)
{
	const struct fp_ike_chain *c = &m->m_chain;
	const struct fp_ike_pl *pl = c->c_n ? &c->c_pl[c->c_n - 1] : NULL;
	if (!pl || (pl->pl_type != FP_IKE_PL_SK && pl->pl_type != FP_IKE_PL_SKF))
		return FP_IKE_SK_E_NOT_SK;
	sv->sv_frag = pl->pl_type == FP_IKE_PL_SKF;
	sv->sv_first = pl->pl_next;
	/* SKF: fragment number and total precede the IV, inside the AAD */
	sv->sv_iv_off = (size_t)(pl->pl_body - m->m_buf) + (sv->sv_frag ? 4 : 0);
	return sv->sv_iv_off <= m->m_len ? FP_IKE_SK_E_OK : FP_IKE_SK_E_TRUNCATED;
}

/* One EVP pass over in[0..n) into out, in place allowed. GCM: aad and
 * the tag (checked when decrypting, written when encrypting). */
static int sk_crypt(const struct fp_ike_sk_dir *sd, bool enc, const uint8_t *iv,
		    const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t n, uint8_t *out,
		    uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	bool gcm = sk_gcm(sd);
	uint8_t nonce[SK_GCM_SALT + SK_GCM_IV];
	int l = 0, ok = ctx && EVP_CipherInit_ex(ctx, sk_cipher(sd), NULL, NULL, NULL, enc);
	if (gcm) {
		memcpy(nonce, sd->sd_ekey + sd->sd_e_len - SK_GCM_SALT, SK_GCM_SALT);
		memcpy(nonce + SK_GCM_SALT, iv, SK_GCM_IV);
		ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, sizeof(nonce), NULL);
		iv = nonce;
	}
	ok = ok && EVP_CipherInit_ex(ctx, NULL, NULL, sd->sd_ekey, iv, enc) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0);
	if (gcm && !enc)
		ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, (int)sk_icv_len(sd), tag);
	if (gcm)
		ok = ok && EVP_CipherUpdate(ctx, NULL, &l, aad, (int)aad_len);
	ok = ok && EVP_CipherUpdate(ctx, out, &l, in, (int)n) && (size_t)l <= n &&
	     EVP_CipherFinal_ex(ctx, out + l, &l);
	if (gcm && enc)
		ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, (int)sk_icv_len(sd), tag);
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(nonce, sizeof(nonce));
	return ok ? 0 : -1;
}

/* Lengths of an encrypted part of blen bytes: its ciphertext, or an error. */
static enum fp_ike_sk_err sk_check_len(const struct fp_ike_sk_dir *sd, size_t blen,
				       size_t *ct_len)
{
	size_t iv = sk_iv_len(sd), icv = sk_icv_len(sd);
	size_t min_ct = sk_gcm(sd) ? 1 : SK_CBC_BLOCK; /* the pad length byte at least */
	if (blen < iv + min_ct + icv)
		return FP_IKE_SK_E_TRUNCATED;
	*ct_len = blen - iv - icv;
	if (!sk_gcm(sd) && *ct_len % SK_CBC_BLOCK)
		return FP_IKE_SK_E_ALIGN;
	return FP_IKE_SK_E_OK;
}

static enum fp_ike_sk_err sk_open_body(const struct fp_ike_sk_dir *sd, const uint8_t *msg,
				       size_t len, size_t iv_off, uint8_t *out, size_t cap,
				       size_t *chain_len)
{
	size_t ct_len, icv = sk_icv_len(sd);
	enum fp_ike_sk_err e = sk_check_len(sd, len - iv_off, &ct_len);
	if (e != FP_IKE_SK_E_OK)
		return e;
	if (cap < ct_len)
		return FP_IKE_SK_E_SPACE;
	const uint8_t *iv = msg + iv_off, *ct = iv + sk_iv_len(sd);
	uint8_t tag[32];
	memcpy(tag, msg + len - icv, icv);
	if (!sk_gcm(sd)) {
		uint8_t mine[32];
		if (sk_hmac(sd, msg, len - icv, mine))
			return FP_IKE_SK_E_CRYPTO;
		/* constant time: a timing oracle would forge the ICV byte by byte */
		if (CRYPTO_memcmp(mine, tag, icv) != 0)
			return FP_IKE_SK_E_ICV;
	}
	if (sk_crypt(sd, false, iv, msg, iv_off, ct, ct_len, out, tag))
		return sk_gcm(sd) ? FP_IKE_SK_E_ICV : FP_IKE_SK_E_CRYPTO;
	size_t pad = out[ct_len - 1];
	if (pad + 1 > ct_len)
		return FP_IKE_SK_E_PAD;
	*chain_len = ct_len - 1 - pad;
	return FP_IKE_SK_E_OK;
}

enum fp_ike_sk_err fp_ike_sk_open(const struct fp_ike_sk_dir *sd, const struct fp_ike_msg *m,
				  uint8_t *out, size_t cap, size_t *chain_len,
				  struct fp_ike_sk_view *sv)
{
	*chain_len = 0;
	if (!sk_suite_ok(sd))
		return FP_IKE_SK_E_SUITE;
	enum fp_ike_sk_err e = fp_ike_sk_locate(m, sv);
	if (e == FP_IKE_SK_E_OK)
		e = sk_open_body(sd, m->m_buf, m->m_len, sv->sv_iv_off, out, cap, chain_len);
	if (e != FP_IKE_SK_E_OK) {
		OPENSSL_cleanse(out, cap);
		*chain_len = 0;
	}
	return e;
}

/* Payloads + padding + pad length byte, for the cipher's alignment. */
static size_t sk_plain_len(const struct fp_ike_sk_dir *sd, size_t chain_len, size_t pad_len)
{
	size_t n = chain_len + pad_len + 1;
	if (sk_gcm(sd) || pad_len)
		return n;
	return (n + SK_CBC_BLOCK - 1) / SK_CBC_BLOCK * SK_CBC_BLOCK;
}

size_t fp_ike_sk_body_len(const struct fp_ike_sk_dir *sd, size_t chain_len, size_t pad_len)
{
	if (!sk_suite_ok(sd) || pad_len > FP_IKE_SK_PAD_MAX)
		return 0;
	size_t n = sk_plain_len(sd, chain_len, pad_len);
	if (!sk_gcm(sd) && n % SK_CBC_BLOCK)
		return 0; /* a given padding must make whole blocks */
	return sk_iv_len(sd) + n + sk_icv_len(sd);
}

/* IV | payloads | padding | pad length, in the clear, into body. */
static enum fp_ike_sk_err sk_fill(const struct fp_ike_sk_dir *sd, uint8_t *body, size_t ct_len,
				  const uint8_t *chain, size_t chain_len,
				  const struct fp_ike_sk_fill *fill)
{
	size_t ivl = sk_iv_len(sd), pad = ct_len - chain_len - 1;
	if (fill && fill->sf_pad && fill->sf_pad_len != pad)
		return FP_IKE_SK_E_SPACE;
	if (fill && fill->sf_iv)
		memcpy(body, fill->sf_iv, ivl);
	else if (RAND_bytes(body, (int)ivl) != 1)
		return FP_IKE_SK_E_CRYPTO;
	memcpy(body + ivl, chain, chain_len);
	if (fill && fill->sf_pad)
		memcpy(body + ivl + chain_len, fill->sf_pad, pad);
	else
		memset(body + ivl + chain_len, 0, pad);
	body[ivl + ct_len - 1] = (uint8_t)pad;
	return FP_IKE_SK_E_OK;
}

enum fp_ike_sk_err fp_ike_sk_seal(const struct fp_ike_sk_dir *sd, uint8_t *msg, size_t len,
				  size_t iv_off, const uint8_t *chain, size_t chain_len,
				  const struct fp_ike_sk_fill *fill)
{
	size_t ct_len;
	if (!sk_suite_ok(sd))
		return FP_IKE_SK_E_SUITE;
	if (iv_off > len)
		return FP_IKE_SK_E_TRUNCATED;
	enum fp_ike_sk_err e = sk_check_len(sd, len - iv_off, &ct_len);
	if (e != FP_IKE_SK_E_OK)
		return e;
	if (ct_len < chain_len + 1 || ct_len - chain_len - 1 > FP_IKE_SK_PAD_MAX)
		return FP_IKE_SK_E_SPACE;
	uint8_t *iv = msg + iv_off, *ct = iv + sk_iv_len(sd), *icv = msg + len - sk_icv_len(sd);
	e = sk_fill(sd, iv, ct_len, chain, chain_len, fill);
	if (e == FP_IKE_SK_E_OK && sk_crypt(sd, true, iv, msg, iv_off, ct, ct_len, ct, icv))
		e = FP_IKE_SK_E_CRYPTO;
	/* encrypt-then-MAC: the ICV covers the ciphertext and all before it */
	if (e == FP_IKE_SK_E_OK && !sk_gcm(sd) && sk_hmac(sd, msg, len - sk_icv_len(sd), icv))
		e = FP_IKE_SK_E_CRYPTO;
	if (e != FP_IKE_SK_E_OK)
		OPENSSL_cleanse(iv, len - iv_off); /* never leave plaintext in a send buffer */
	return e;
}
