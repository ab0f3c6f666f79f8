/* The OpenSSL 3 backend: every transform through EVP, HMAC through hmac.c.
 * It is the fallback where ipsec-mb is absent and the reference the tests
 * hold ipsec-mb to.
 *
 * Each SA keeps its own EVP_CIPHER_CTX per direction, keyed once at install
 * (key schedule, GCM H table); a packet only sets the IV. Those contexts
 * change with every packet, so an SA of this backend is used by one thread
 * at a time: in fpvpn an SA belongs to one pipe (shared DESIGN.md), and
 * other pipes hand its packets off rather than touch it. */
#include <string.h>

#include <openssl/evp.h>

#include "crypto/crypto_impl.h"

struct ossl_sa {
	EVP_CIPHER_CTX *o_enc;    /* NULL for esp-null */
	EVP_CIPHER_CTX *o_dec;
};

/* struct fp_hmac is private to hmac.c: it follows ossl_sa in sa_be. */
#define OSSL_HMAC_OFF ((sizeof(struct ossl_sa) + 63) & ~(size_t)63)

static inline const struct ossl_sa *ossl_sa(const struct fp_crypto_sa *sa)
{
	return (const struct ossl_sa *)sa->sa_be;
}

static inline const struct fp_hmac *ossl_hmac(const struct fp_crypto_sa *sa)
{
	return (const struct fp_hmac *)(sa->sa_be + OSSL_HMAC_OFF);
}

size_t fp_ossl_sa_size(void)
{
	return OSSL_HMAC_OFF + fp_hmac_size();
}

/* AAD first, then the payload in place: GCM and ChaCha20-Poly1305 both
 * take the AAD before any text. */
static inline int aead_update(EVP_CIPHER_CTX *x, const struct fp_crypto_op *op)
{
	int len;

	if (op->aad_len && EVP_CipherUpdate(x, NULL, &len, op->aad, (int)op->aad_len) != 1)
		return -1;
	if (op->data_len &&
	    EVP_CipherUpdate(x, op->data, &len, op->data, (int)op->data_len) != 1)
		return -1;
	return 0;
}

static int aead_seal(EVP_CIPHER_CTX *x, const uint8_t *salt, struct fp_crypto_op *op)
{
	uint8_t nonce[FP_CRYPTO_NONCE_LEN], none[16];
	int len;

	fp_crypto_nonce(nonce, salt, op->iv);
	if (EVP_EncryptInit_ex(x, NULL, NULL, NULL, nonce) != 1 || aead_update(x, op) < 0 ||
	    EVP_EncryptFinal_ex(x, none, &len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, op->icv) != 1)
		return FP_CRYPTO_EFAIL;
	return FP_CRYPTO_OK;
}

/* After a bad tag the payload is already decrypted; both AEADs are stream
 * ciphers, so running the same key stream over it again gives back the
 * received cipher text, and a dropped packet leaves as it came. */
static void aead_restore(EVP_CIPHER_CTX *x, const uint8_t *nonce, struct fp_crypto_op *op)
{
	int len;

	if (EVP_DecryptInit_ex(x, NULL, NULL, NULL, nonce) == 1 && op->data_len)
		EVP_DecryptUpdate(x, op->data, &len, op->data, (int)op->data_len);
}

static int aead_open(EVP_CIPHER_CTX *x, const uint8_t *salt, struct fp_crypto_op *op)
{
	uint8_t nonce[FP_CRYPTO_NONCE_LEN], none[16];
	int len;

	fp_crypto_nonce(nonce, salt, op->iv);
	if (EVP_DecryptInit_ex(x, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, op->icv) != 1 ||
	    aead_update(x, op) < 0)
		return FP_CRYPTO_EFAIL;
	/* The final compares the tag with CRYPTO_memcmp. */
	if (EVP_DecryptFinal_ex(x, none, &len) != 1) {
		aead_restore(x, nonce, op);
		return FP_CRYPTO_EAUTH;
	}
	return FP_CRYPTO_OK;
}

static unsigned ossl_aead_encrypt(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
				  struct fp_crypto_op *ops, unsigned n)
{
	EVP_CIPHER_CTX *x = ossl_sa(sa)->o_enc;
	unsigned good = 0;

	(void)t;
	for (unsigned i = 0; i < n; i++) {
		ops[i].status = aead_seal(x, sa->sa_salt, &ops[i]);
		good += ops[i].status == FP_CRYPTO_OK;
	}
	return good;
}

static unsigned ossl_aead_decrypt(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
				  struct fp_crypto_op *ops, unsigned n)
{
	EVP_CIPHER_CTX *x = ossl_sa(sa)->o_dec;
	unsigned good = 0;

	(void)t;
	for (unsigned i = 0; i < n; i++) {
		ops[i].status = aead_open(x, sa->sa_salt, &ops[i]);
		good += ops[i].status == FP_CRYPTO_OK;
	}
	return good;
}

/* AES-CBC of the payload in place; x is NULL for esp-null. */
static int cbc_run(EVP_CIPHER_CTX *x, const struct fp_crypto_op *op)
{
	int len;

	if (!x || !op->data_len)
		return 0;
	if (EVP_CipherInit_ex(x, NULL, NULL, NULL, op->iv, -1) != 1 ||
	    EVP_CipherUpdate(x, op->data, &len, op->data, (int)op->data_len) != 1)
		return -1;
	return 0;
}

/* Encrypt then MAC (RFC 4303 §3.4.3 order). The MAC goes to a local buffer
 * first, so icv may overlap the tail of the auth region (ESN high bits). */
static int etm_seal(const struct fp_crypto_sa *sa, struct fp_crypto_op *op)
{
	uint8_t md[64];

	if (!fp_crypto_etm_op_ok(op, sa->sa_block))
		return FP_CRYPTO_EINVAL;
	if (cbc_run(ossl_sa(sa)->o_enc, op) < 0)
		return FP_CRYPTO_EFAIL;
	fp_hmac(ossl_hmac(sa), op->auth, op->auth_len, md);
	memcpy(op->icv, md, sa->sa_icv_len);
	return FP_CRYPTO_OK;
}

/* Verify first: a forged packet is never decrypted. */
static int etm_open(const struct fp_crypto_sa *sa, struct fp_crypto_op *op)
{
	uint8_t md[64];

	if (!fp_crypto_etm_op_ok(op, sa->sa_block))
		return FP_CRYPTO_EINVAL;
	fp_hmac(ossl_hmac(sa), op->auth, op->auth_len, md);
	if (fp_crypto_memcmp(md, op->icv, sa->sa_icv_len))
		return FP_CRYPTO_EAUTH;
	if (cbc_run(ossl_sa(sa)->o_dec, op) < 0)
		return FP_CRYPTO_EFAIL;
	return FP_CRYPTO_OK;
}

static unsigned ossl_etm_encrypt(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
				 struct fp_crypto_op *ops, unsigned n)
{
	unsigned good = 0;

	(void)t;
	for (unsigned i = 0; i < n; i++) {
		ops[i].status = etm_seal(sa, &ops[i]);
		good += ops[i].status == FP_CRYPTO_OK;
	}
	return good;
}

static unsigned ossl_etm_decrypt(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
				 struct fp_crypto_op *ops, unsigned n)
{
	unsigned good = 0;

	(void)t;
	for (unsigned i = 0; i < n; i++) {
		ops[i].status = etm_open(sa, &ops[i]);
		good += ops[i].status == FP_CRYPTO_OK;
	}
	return good;
}

static const EVP_CIPHER *ossl_cipher(enum fp_cipher c)
{
	switch (c) {
	case FP_CIPHER_AES_CBC_128:
		return EVP_aes_128_cbc();
	case FP_CIPHER_AES_CBC_256:
		return EVP_aes_256_cbc();
	case FP_CIPHER_AES_GCM_128:
		return EVP_aes_128_gcm();
	case FP_CIPHER_AES_GCM_256:
		return EVP_aes_256_gcm();
	case FP_CIPHER_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	default:
		return NULL;
	}
}

static EVP_CIPHER_CTX *ossl_ctx_new(const EVP_CIPHER *c, const uint8_t *key, bool aead, int enc)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();

	if (!x)
		return NULL;
	if (EVP_CipherInit_ex(x, c, NULL, key, NULL, enc) != 1)
		goto fail;
	if (aead && EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN,
					(int)FP_CRYPTO_NONCE_LEN, NULL) != 1)
		goto fail;
	if (!aead && EVP_CIPHER_CTX_set_padding(x, 0) != 1)
		goto fail;
	return x;
fail:
	EVP_CIPHER_CTX_free(x);
	return NULL;
}

static void ossl_sa_release(struct fp_crypto_sa *sa)
{
	struct ossl_sa *o = (struct ossl_sa *)sa->sa_be;

	/* Frees zeroize the key schedules (providers use OPENSSL_clear_free). */
	EVP_CIPHER_CTX_free(o->o_enc);
	EVP_CIPHER_CTX_free(o->o_dec);
	o->o_enc = o->o_dec = NULL;
}

int fp_ossl_sa_init(struct fp_crypto_sa *sa, const struct fp_crypto_key *k, const char **err)
{
	struct ossl_sa *o = (struct ossl_sa *)sa->sa_be;
	const EVP_CIPHER *c = ossl_cipher(k->cipher);
	bool aead = fp_cipher_info(k->cipher)->aead;

	sa->sa_backend = "openssl";
	sa->sa_release = ossl_sa_release;
	sa->sa_encrypt = aead ? ossl_aead_encrypt : ossl_etm_encrypt;
	sa->sa_decrypt = aead ? ossl_aead_decrypt : ossl_etm_decrypt;
	if (c) {
		o->o_enc = ossl_ctx_new(c, k->ckey, aead, 1);
		o->o_dec = ossl_ctx_new(c, k->ckey, aead, 0);
		if (!o->o_enc || !o->o_dec) {
			*err = "OpenSSL cipher context setup failed";
			return -1;
		}
	}
	if (!aead && fp_hmac_init((struct fp_hmac *)(sa->sa_be + OSSL_HMAC_OFF), k->integ,
				  k->akey, k->akey_len) < 0) {
		*err = "OpenSSL HMAC setup failed";
		return -1;
	}
	return 0;
}
