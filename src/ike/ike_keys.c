/* IKEv2 key material: prf, prf+, SKEYSEED, SK_*, KEYMAT (RFC 7296 2.13-
 * 2.18). See ike_keys.h for the contract. Scratch buffers holding key
 * material are cleansed before every return. */
#include "ike/ike_keys.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ike/ike_wire.h"

#define KEYS_SEED_IOV 6 /* Ni | Nr | SPIi | SPIr, or g^ir | Ni | Nr */
#define KEYS_MAT_MAX (3 * FP_IKE_PRF_MAX + 2 * FP_IKE_INTEG_KEY_MAX + 2 * FP_IKE_ENCR_KEY_MAX)

static const char *keys_prf_digest(uint16_t prf)
{
	switch (prf) {
	case FP_IKE_PRF_HMAC_SHA1:
		return "SHA1";
	case FP_IKE_PRF_HMAC_SHA2_256:
		return "SHA2-256";
	case FP_IKE_PRF_HMAC_SHA2_384:
		return "SHA2-384";
	case FP_IKE_PRF_HMAC_SHA2_512:
		return "SHA2-512";
	default:
		return NULL;
	}
}

size_t fp_ike_prf_len(uint16_t prf)
{
	switch (prf) {
	case FP_IKE_PRF_HMAC_SHA1:
		return 20;
	case FP_IKE_PRF_HMAC_SHA2_256:
		return 32;
	case FP_IKE_PRF_HMAC_SHA2_384:
		return 48;
	case FP_IKE_PRF_HMAC_SHA2_512:
		return 64;
	default:
		return 0;
	}
}

bool fp_ike_encr_is_aead(uint16_t encr)
{
	return encr == FP_IKE_ENCR_AES_GCM_8 || encr == FP_IKE_ENCR_AES_GCM_12 ||
	       encr == FP_IKE_ENCR_AES_GCM_16;
}

size_t fp_ike_encr_key_len(uint16_t encr, uint16_t bits)
{
	if (bits != 128 && bits != 192 && bits != 256)
		return 0;
	if (encr == FP_IKE_ENCR_AES_CBC)
		return bits / 8u;
	if (fp_ike_encr_is_aead(encr))
		return bits / 8u + 4; /* salt: the last 4 bytes (RFC 5282 7.1) */
	return 0;
}

size_t fp_ike_integ_key_len(uint16_t integ)
{
	switch (integ) {
	case FP_IKE_INTEG_NONE:
		return 0;
	case FP_IKE_INTEG_HMAC_SHA1_96:
		return 20;
	case FP_IKE_INTEG_HMAC_SHA2_256_128:
		return 32;
	case FP_IKE_INTEG_HMAC_SHA2_384_192:
		return 48;
	case FP_IKE_INTEG_HMAC_SHA2_512_256:
		return 64;
	default:
		return 0;
	}
}

size_t fp_ike_integ_icv_len(uint16_t integ)
{
	switch (integ) {
	case FP_IKE_INTEG_HMAC_SHA1_96:
		return 12;
	default:
		return fp_ike_integ_key_len(integ) / 2; /* RFC 4868: half the output */
	}
}

int fp_ike_prf(uint16_t prf, const uint8_t *key, size_t klen, const struct fp_ike_iov *s,
	       unsigned n, uint8_t *out)
{
	const char *md = keys_prf_digest(prf);
	if (!md)
		return -1;
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0),
		OSSL_PARAM_construct_end(),
	};
	size_t outl = 0;
	int rc = -1;
	if (!ctx || !EVP_MAC_init(ctx, key, klen, params))
		goto done;
	for (unsigned i = 0; i < n; i++)
		if (s[i].v_len && !EVP_MAC_update(ctx, s[i].v_p, s[i].v_len))
			goto done;
	if (EVP_MAC_final(ctx, out, &outl, FP_IKE_PRF_MAX) && outl == fp_ike_prf_len(prf))
		rc = 0;
done:
	EVP_MAC_CTX_free(ctx); /* frees (and cleanses) the keyed state */
	EVP_MAC_free(mac);
	return rc;
}

/* T(k) = prf(K, T(k-1) | S | k): iov[0] is T(k-1) (empty for T1), the
 * last one the counter octet. */
int fp_ike_prf_plus(uint16_t prf, const uint8_t *key, size_t klen, const struct fp_ike_iov *s,
		    unsigned n, uint8_t *out, size_t outlen)
{
	size_t bl = fp_ike_prf_len(prf);
	if (!bl || n > KEYS_SEED_IOV || outlen > FP_IKE_PRF_PLUS_BLOCKS * bl)
		return -1;
	struct fp_ike_iov in[KEYS_SEED_IOV + 2];
	uint8_t t[FP_IKE_PRF_MAX], ctr = 0;
	size_t done = 0;
	int rc = 0;

	memcpy(in + 1, s, n * sizeof(*s));
	in[0] = (struct fp_ike_iov){t, 0};
	in[n + 1] = (struct fp_ike_iov){&ctr, 1};
	while (done < outlen && rc == 0) {
		ctr++;
		rc = fp_ike_prf(prf, key, klen, in, n + 2, t);
		size_t take = outlen - done < bl ? outlen - done : bl;
		memcpy(out + done, t, take);
		done += take;
		in[0].v_len = bl;
	}
	OPENSSL_cleanse(t, sizeof(t));
	if (rc)
		OPENSSL_cleanse(out, outlen);
	return rc;
}

int fp_ike_skeyseed(uint16_t prf, const struct fp_ike_kin *in, uint8_t *skeyseed)
{
	/* the key is Ni | Nr: joined here because a MAC key is one buffer */
	uint8_t k[2 * FP_IKE_NONCE_MAX];
	if (!in->ki_gir || in->ki_ni_len > FP_IKE_NONCE_MAX || in->ki_nr_len > FP_IKE_NONCE_MAX)
		return -1;
	memcpy(k, in->ki_ni, in->ki_ni_len);
	memcpy(k + in->ki_ni_len, in->ki_nr, in->ki_nr_len);
	struct fp_ike_iov s = {in->ki_gir, in->ki_gir_len};
	int rc = fp_ike_prf(prf, k, in->ki_ni_len + in->ki_nr_len, &s, 1, skeyseed);
	OPENSSL_cleanse(k, sizeof(k)); /* nonces are not secret; cleansed all the same */
	return rc;
}

int fp_ike_skeyseed_rekey(const struct fp_ike_keys *old, const struct fp_ike_kin *in,
			  uint8_t *skeyseed)
{
	if (!in->ki_gir)
		return -1; /* an IKE SA rekey always runs a new exchange (2.18) */
	struct fp_ike_iov s[] = {
		{in->ki_gir, in->ki_gir_len},
		{in->ki_ni, in->ki_ni_len},
		{in->ki_nr, in->ki_nr_len},
	};
	return fp_ike_prf(old->k_suite.su_prf, old->k_d, old->k_prf_len, s, 3, skeyseed);
}

/* Cut the next len bytes of KEYMAT into dst. */
static const uint8_t *keys_take(uint8_t *dst, const uint8_t *src, size_t len)
{
	memcpy(dst, src, len);
	return src + len;
}

static int keys_lengths(struct fp_ike_keys *k, const struct fp_ike_suite *s)
{
	size_t p = fp_ike_prf_len(s->su_prf), e = fp_ike_encr_key_len(s->su_encr, s->su_encr_bits);
	size_t a = fp_ike_integ_key_len(s->su_integ);
	bool aead = fp_ike_encr_is_aead(s->su_encr);
	/* AEAD has no integrity transform; anything else needs one */
	if (!p || !e || aead != (s->su_integ == FP_IKE_INTEG_NONE) || (!aead && !a))
		return -1;
	k->k_suite = *s;
	k->k_prf_len = (uint8_t)p;
	k->k_e_len = (uint8_t)e;
	k->k_a_len = (uint8_t)a;
	return 0;
}

int fp_ike_keys_from_seed(struct fp_ike_keys *k, const struct fp_ike_suite *s,
			  const uint8_t *skeyseed, const struct fp_ike_kin *in)
{
	if (keys_lengths(k, s))
		return -1;
	struct fp_ike_iov seed[] = {
		{in->ki_ni, in->ki_ni_len},
		{in->ki_nr, in->ki_nr_len},
		{in->ki_spi_i, FP_IKE_SPI_LEN},
		{in->ki_spi_r, FP_IKE_SPI_LEN},
	};
	uint8_t mat[KEYS_MAT_MAX];
	size_t len = 3u * k->k_prf_len + 2u * k->k_a_len + 2u * k->k_e_len;
	int rc = fp_ike_prf_plus(s->su_prf, skeyseed, k->k_prf_len, seed, 4, mat, len);
	if (rc == 0) {
		const uint8_t *p = keys_take(k->k_d, mat, k->k_prf_len);
		p = keys_take(k->k_ai, p, k->k_a_len);
		p = keys_take(k->k_ar, p, k->k_a_len);
		p = keys_take(k->k_ei, p, k->k_e_len);
		p = keys_take(k->k_er, p, k->k_e_len);
		p = keys_take(k->k_pi, p, k->k_prf_len);
		keys_take(k->k_pr, p, k->k_prf_len);
	}
	OPENSSL_cleanse(mat, sizeof(mat));
	return rc;
}

int fp_ike_keys_derive(struct fp_ike_keys *k, const struct fp_ike_suite *s,
		       const struct fp_ike_kin *in)
{
	uint8_t seed[FP_IKE_PRF_MAX];
	int rc = fp_ike_skeyseed(s->su_prf, in, seed);
	if (rc == 0)
		rc = fp_ike_keys_from_seed(k, s, seed, in);
	OPENSSL_cleanse(seed, sizeof(seed));
	return rc;
}

int fp_ike_keys_rekey(struct fp_ike_keys *k, const struct fp_ike_suite *s,
		      const struct fp_ike_keys *old, const struct fp_ike_kin *in)
{
	uint8_t seed[FP_IKE_PRF_MAX];
	int rc = fp_ike_skeyseed_rekey(old, in, seed);
	/* the new SKEYSEED is as long as the OLD prf's output, and keys the new prf+ */
	if (rc == 0 && fp_ike_prf_len(s->su_prf) != old->k_prf_len)
		rc = -1; /* fpvpn keeps the prf across a rekey (charon does too) */
	if (rc == 0)
		rc = fp_ike_keys_from_seed(k, s, seed, in);
	OPENSSL_cleanse(seed, sizeof(seed));
	return rc;
}

void fp_ike_keys_wipe(struct fp_ike_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

int fp_ike_child_keys_derive(struct fp_ike_child_keys *ck, const struct fp_ike_keys *ike,
			     const struct fp_ike_suite *esp, const struct fp_ike_kin *in)
{
	size_t e = fp_ike_encr_key_len(esp->su_encr, esp->su_encr_bits);
	size_t a = fp_ike_integ_key_len(esp->su_integ);
	if (!e || fp_ike_encr_is_aead(esp->su_encr) != (esp->su_integ == FP_IKE_INTEG_NONE))
		return -1;
	struct fp_ike_iov seed[3];
	unsigned n = 0;
	if (in->ki_gir)
		seed[n++] = (struct fp_ike_iov){in->ki_gir, in->ki_gir_len};
	seed[n++] = (struct fp_ike_iov){in->ki_ni, in->ki_ni_len};
	seed[n++] = (struct fp_ike_iov){in->ki_nr, in->ki_nr_len};

	uint8_t mat[2 * (FP_IKE_ENCR_KEY_MAX + FP_IKE_INTEG_KEY_MAX)];
	int rc = fp_ike_prf_plus(ike->k_suite.su_prf, ike->k_d, ike->k_prf_len, seed, n, mat,
				 2 * (e + a));
	if (rc == 0) {
		/* initiator-to-responder SA first, its encryption key before its
		 * integrity key (2.17) */
		const uint8_t *p = keys_take(ck->ck_ei, mat, e);
		p = keys_take(ck->ck_ai, p, a);
		p = keys_take(ck->ck_er, p, e);
		keys_take(ck->ck_ar, p, a);
		ck->ck_e_len = (uint8_t)e;
		ck->ck_a_len = (uint8_t)a;
	}
	OPENSSL_cleanse(mat, sizeof(mat));
	return rc;
}

void fp_ike_child_keys_wipe(struct fp_ike_child_keys *ck)
{
	OPENSSL_cleanse(ck, sizeof(*ck));
}
