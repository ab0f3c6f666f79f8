/* The engine's crypto: one small interface over intel-ipsec-mb (per-packet
 * work, where it is faster) and OpenSSL 3 (the rest, and the fallback when
 * ipsec-mb is absent). Nothing here knows ESP; esp_inb.c / esp_outb.c lay
 * out the regions and this module encrypts, decrypts and authenticates them.
 *
 * Threading: a struct fp_crypto_thread is one worker's scratch (the ipsec-mb
 * managers are not thread-safe); a struct fp_crypto_sa is used by one thread
 * at a time, the pipe that owns the SA: the OpenSSL backend keeps per-SA EVP
 * contexts keyed once, which every packet updates (only the IV is set per
 * packet). fp_crypto_sa_new/free may run on any thread. */
#ifndef FP_CRYPTO_H
#define FP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fp_cipher {
	FP_CIPHER_NULL = 0,
	FP_CIPHER_AES_CBC_128,
	FP_CIPHER_AES_CBC_256,
	FP_CIPHER_AES_GCM_128,       /* RFC 4106, 16-byte ICV */
	FP_CIPHER_AES_GCM_256,
	FP_CIPHER_CHACHA20_POLY1305, /* RFC 7634 */
	FP_CIPHER__COUNT
};

enum fp_integ {
	FP_INTEG_NONE = 0,           /* with an AEAD cipher */
	FP_INTEG_HMAC_SHA1_96,       /* RFC 2404 */
	FP_INTEG_HMAC_SHA256_128,    /* RFC 4868 */
	FP_INTEG_HMAC_SHA384_192,
	FP_INTEG_HMAC_SHA512_256,
	FP_INTEG__COUNT
};

enum fp_crypto_backend {
	FP_CRYPTO_AUTO = 0,   /* ipsec-mb where built in and supported, else OpenSSL */
	FP_CRYPTO_OPENSSL,
	FP_CRYPTO_IPSEC_MB,
};

struct fp_cipher_info {
	const char *name;     /* "esp-aes-gcm-256" style, as show crypto ipsec sa prints it */
	uint8_t key_len;      /* cipher key without salt */
	uint8_t salt_len;     /* 4 for GCM and ChaCha20-Poly1305 (keying material = key || salt) */
	uint8_t iv_len;       /* explicit IV carried in each packet: 8 AEAD, 16 CBC */
	uint8_t block;        /* payload alignment: 16 CBC, 4 (ESP's own) for AEAD */
	uint8_t icv_len;      /* AEAD tag length, 0 for CBC */
	bool aead;
};

struct fp_integ_info {
	const char *name;     /* "esp-sha-hmac", "esp-sha-256-hmac", ... */
	uint8_t key_len;
	uint8_t icv_len;      /* truncated length on the wire */
};

const struct fp_cipher_info *fp_cipher_info(enum fp_cipher c);
const struct fp_integ_info *fp_integ_info(enum fp_integ i);
/* ICV bytes on the wire for a cipher/integrity pair. */
unsigned fp_crypto_icv_len(enum fp_cipher c, enum fp_integ i);

/* Keying material for one direction of one SA. */
struct fp_crypto_key {
	enum fp_cipher cipher;
	enum fp_integ integ;
	uint8_t ckey[36];     /* cipher key || salt */
	uint8_t ckey_len;     /* key_len + salt_len */
	uint8_t akey[64];
	uint8_t akey_len;
};

/* A name for a key that is not the key: HMAC-SHA-256 keyed by its bytes
 * over a fixed label and the transform, truncated. Two keys get the same
 * id only if they are the same; the id tells nothing of the key. The
 * sequence state file (datapath/seqfile.h) tells keys apart by it. */
#define FP_CRYPTO_KEY_ID_LEN 16
void fp_crypto_key_id(const struct fp_crypto_key *k, uint8_t id[FP_CRYPTO_KEY_ID_LEN]);

struct fp_crypto_sa;      /* expanded keys, per SA and direction */
struct fp_crypto_thread;  /* one worker's crypto scratch */

/* Expands keys once (GCM H table, AES round keys, HMAC ipad/opad).
 * Returns NULL and sets *err to a static message on a bad key length or an
 * unsupported pair. Slow path only: allocates. Free with fp_crypto_sa_free(),
 * which zeroizes. */
struct fp_crypto_sa *fp_crypto_sa_new(const struct fp_crypto_key *k,
				      enum fp_crypto_backend be, const char **err);
void fp_crypto_sa_free(struct fp_crypto_sa *sa);
/* Which library this SA's packets go through: "intel-ipsec-mb" or "openssl". */
const char *fp_crypto_sa_backend(const struct fp_crypto_sa *sa);

struct fp_crypto_thread *fp_crypto_thread_new(void);
void fp_crypto_thread_free(struct fp_crypto_thread *t);

/* Fill n bytes of IV from a per-thread buffer refilled by RAND_bytes in
 * large chunks (CBC IVs must be unpredictable, RFC 3602 §2.4). */
void fp_crypto_random(struct fp_crypto_thread *t, uint8_t *out, unsigned n);

/* One packet's crypto. Regions are in the packet buffer; data is processed
 * in place.
 *   AEAD: nonce = salt || iv (8 bytes), AAD = aad (8 or 12 with ESN),
 *         data = the ESP payload incl. padding/trailer, tag = icv.
 *   CBC+HMAC: iv (16 bytes) is the CBC IV; the MAC covers auth/auth_len
 *         (ESP header .. end of cipher text, plus the 4 ESN high bytes when
 *         the caller appended them) and is truncated to the ICV length.
 * Encrypt writes icv only after the MAC is computed, so icv may overlap the
 * tail of the auth region (that is where ESN high bits sit on send).
 * Decrypt compares the received icv in constant time; when it fails, status
 * is FP_CRYPTO_EAUTH and data is left as received (ipsec-mb's chained
 * decrypt runs anyway, and is undone); icv must not overlap the auth region.
 * CBC+HMAC: data lies inside the auth region, data_len is a multiple of 16
 * (else FP_CRYPTO_EINVAL). */
struct fp_crypto_op {
	const uint8_t *iv;
	const uint8_t *aad;
	uint32_t aad_len;
	uint8_t *data;
	uint32_t data_len;
	const uint8_t *auth;
	uint32_t auth_len;
	uint8_t *icv;
	int32_t status;       /* out: FP_CRYPTO_OK or an FP_CRYPTO_E* */
};

#define FP_CRYPTO_OK 0
#define FP_CRYPTO_EAUTH (-1)   /* ICV mismatch */
#define FP_CRYPTO_EINVAL (-2)  /* length not a multiple of the block, etc. */
#define FP_CRYPTO_EFAIL (-3)   /* library error */

/* Burst calls: all ops use one SA. Return the number with status OK. */
unsigned fp_crypto_encrypt(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
			   struct fp_crypto_op *ops, unsigned n);
unsigned fp_crypto_decrypt(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
			   struct fp_crypto_op *ops, unsigned n);

/* Constant-time compare (CRYPTO_memcmp): 0 when equal. */
int fp_crypto_memcmp(const void *a, const void *b, size_t n);
/* Zeroize (OPENSSL_cleanse). */
void fp_crypto_cleanse(void *p, size_t n);

/* Whether the ipsec-mb backend was compiled in and initialised, its version
 * string and the manager architecture picked, for show crypto accelerator. */
bool fp_crypto_have_ipsec_mb(void);
const char *fp_crypto_ipsec_mb_version(void);

#endif
