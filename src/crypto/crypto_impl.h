/* Inside the crypto module: the SA and thread records and what each backend
 * (openssl.c, ipsecmb.c) provides to crypto_sa.c and thread.c. Nothing
 * outside src/crypto includes this. */
#ifndef FP_CRYPTO_IMPL_H
#define FP_CRYPTO_IMPL_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/crypto.h"

#define FP_CRYPTO_NONCE_LEN 12u   /* salt (4) || explicit IV (8), RFC 4106 §4 / RFC 7634 §2 */
#define FP_CRYPTO_SALT_LEN 4u
#define FP_CRYPTO_AEAD_IV_LEN 8u
#define FP_CRYPTO_TAG_MAX 32u     /* longest truncated ICV: HMAC-SHA-512-256 */
#define FP_CRYPTO_RANDOM_POOL 4096u

/* One burst through one SA; picked per SA at install so that packets never
 * branch on the algorithm (STYLE.md, "Hot and cold state"). */
typedef unsigned fp_crypto_burst_fn(struct fp_crypto_thread *t,
				    const struct fp_crypto_sa *sa,
				    struct fp_crypto_op *ops, unsigned n);

struct fp_crypto_sa {
	fp_crypto_burst_fn *sa_encrypt;
	fp_crypto_burst_fn *sa_decrypt;
	void (*sa_release)(struct fp_crypto_sa *sa);   /* backend cleanup, may be NULL */
	const char *sa_backend;                         /* "intel-ipsec-mb" / "openssl" */
	size_t sa_size;                                 /* whole allocation, zeroized on free */
	enum fp_cipher sa_cipher;
	enum fp_integ sa_integ;
	uint8_t sa_salt[FP_CRYPTO_SALT_LEN];
	uint8_t sa_icv_len;
	uint8_t sa_block;         /* CBC: payload multiple; 1 where nothing is ciphered */
	/* The backend's expanded keys; 64-byte aligned for ipsec-mb's GCM
	 * key tables (AVX-512 loads). */
	alignas(64) unsigned char sa_be[];
};

struct fp_imb_thread;

struct fp_crypto_thread {
	struct fp_imb_thread *t_imb;    /* NULL when ipsec-mb is absent */
	unsigned t_rnd_pos;             /* next unused byte of t_rnd */
	uint8_t t_rnd[FP_CRYPTO_RANDOM_POOL];
};

/* RFC 4106 §4 / RFC 7634 §2: the per-packet nonce. */
static inline void fp_crypto_nonce(uint8_t *nonce, const uint8_t *salt, const uint8_t *iv)
{
	memcpy(nonce, salt, FP_CRYPTO_SALT_LEN);
	memcpy(nonce + FP_CRYPTO_SALT_LEN, iv, FP_CRYPTO_AEAD_IV_LEN);
}

/* Checks shared by both backends, called once per op: the CBC+HMAC layout
 * ipsec-mb's job API needs (cipher text inside the authenticated region). */
static inline bool fp_crypto_etm_op_ok(const struct fp_crypto_op *op, unsigned block)
{
	if (op->data_len % block)
		return false;
	if (op->data_len == 0)
		return true;
	return op->data >= op->auth &&
	       (size_t)(op->data - op->auth) + op->data_len <= op->auth_len;
}

/* crypto_sa.c */
bool fp_crypto_pair_valid(enum fp_cipher c, enum fp_integ i);

/* openssl.c */
size_t fp_ossl_sa_size(void);
int fp_ossl_sa_init(struct fp_crypto_sa *sa, const struct fp_crypto_key *k, const char **err);

/* hmac.c: HMAC with precomputed inner/outer states over libcrypto's SHA. */
struct fp_hmac;
size_t fp_hmac_size(void);
int fp_hmac_init(struct fp_hmac *h, enum fp_integ i, const uint8_t *key, unsigned key_len);
/* Full-length MAC of msg into md (up to 64 bytes). */
void fp_hmac(const struct fp_hmac *h, const uint8_t *msg, size_t len, uint8_t *md);

/* ipsecmb.c, ipsecmb_cbc.c; stubs when HAVE_IPSEC_MB is not defined. */
size_t fp_imb_sa_size(void);
int fp_imb_sa_init(struct fp_crypto_sa *sa, const struct fp_crypto_key *k, const char **err);
struct fp_imb_thread *fp_imb_thread_new(void);
void fp_imb_thread_free(struct fp_imb_thread *it);

#endif
