/* The SK payload's protection (RFC 7296 3.14) and the SKF fragment's
 * (RFC 7383 2.5): AES-CBC with a truncated HMAC over the whole message up
 * to the ICV (encrypt-then-MAC), or AES-GCM (RFC 5282: 8-byte explicit IV,
 * nonce = the key's 4-byte salt | IV, AAD = the message from the IKE
 * header to the end of the SK/SKF header, the fragment numbers included).
 *
 * Opening checks the ICV first, in constant time (CRYPTO_memcmp), and
 * decrypts only a message that passed: a refused message returns no
 * plaintext. Padding bytes are not checked (RFC 7296 3.14 lets them be
 * anything), only that the pad length stays inside the plaintext.
 *
 * Sealing works in place on a message the writer (ike_build.h) laid out
 * with fp_ike_put_sk()/fp_ike_put_skf() reserving fp_ike_sk_body_len()
 * bytes. Nothing here logs, and no key is copied. */
#ifndef FP_IKE_SK_H
#define FP_IKE_SK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike_keys.h"
#include "ike/ike_msg.h"

#define FP_IKE_SK_IV_MAX 16
#define FP_IKE_SK_PAD_MAX 255

#define FP_IKE_SK_ERR_LIST(_)                                                      \
	_(OK, "ok")                                                                \
	_(NOT_SK, "last payload is not SK or SKF")                                 \
	_(TRUNCATED, "SK body shorter than IV, one block and ICV")                 \
	_(ALIGN, "ciphertext not a whole number of cipher blocks")                 \
	_(ICV, "integrity check value does not match")                             \
	_(PAD, "pad length runs past the plaintext")                               \
	_(SPACE, "buffer too small")                                               \
	_(SUITE, "encryption or integrity transform not supported")                \
	_(CRYPTO, "OpenSSL failed")

enum fp_ike_sk_err {
#define FP_IKE_X(n, s) FP_IKE_SK_E_##n,
	FP_IKE_SK_ERR_LIST(FP_IKE_X)
#undef FP_IKE_X
	FP_IKE_SK_E__COUNT
};

const char *fp_ike_sk_err_name(unsigned e);

/* One direction's keys: pointers into a struct fp_ike_keys. */
struct fp_ike_sk_dir {
	const uint8_t *sd_ekey, *sd_akey;
	uint8_t sd_e_len, sd_a_len;   /* sd_e_len includes GCM's salt */
	uint16_t sd_encr, sd_integ;
};

/* The keys of messages sent by the original initiator (SK_ei, SK_ai) or
 * by the original responder (SK_er, SK_ar). Roles are the IKE SA's, not
 * the exchange's. */
void fp_ike_sk_dir_init(struct fp_ike_sk_dir *sd, const struct fp_ike_keys *k,
			bool from_initiator);

/* Where an SK/SKF payload's encrypted part starts in the message (the IV)
 * and where its inner chain's first type is: the last payload of m. */
struct fp_ike_sk_view {
	size_t sv_iv_off;     /* from the start of the message */
	uint8_t sv_first;     /* SK's next payload; SKF: fragment 1's only */
	bool sv_frag;
};

enum fp_ike_sk_err fp_ike_sk_locate(const struct fp_ike_msg *m, struct fp_ike_sk_view *sv);

/* Open m's SK or SKF payload into out: on success out holds the whole
 * plaintext, the first *chain_len bytes being the payload chain (read it
 * with fp_ike_chain_parse(.., sv.sv_first, out, *chain_len, true)), then
 * the padding and its length byte. On any error out is cleansed. */
enum fp_ike_sk_err fp_ike_sk_open(const struct fp_ike_sk_dir *sd, const struct fp_ike_msg *m,
				  uint8_t *out, size_t cap, size_t *chain_len,
				  struct fp_ike_sk_view *sv);

/* Bytes to reserve for an SK/SKF body carrying chain_len bytes of
 * payloads with pad_len padding bytes (0 lets fpvpn pick the fewest
 * the cipher needs; AES-CBC rounds it up to a whole block). 0 if the
 * suite is unsupported or pad_len does not fit. */
size_t fp_ike_sk_body_len(const struct fp_ike_sk_dir *sd, size_t chain_len, size_t pad_len);

/* What a sealed body holds besides the payloads. NULL fields: a random IV
 * and zero padding bytes, the fewest the cipher needs. Tests give charon's
 * IV and padding to get its bytes back. */
struct fp_ike_sk_fill {
	const uint8_t *sf_iv;   /* 16 bytes for CBC, 8 for GCM */
	const uint8_t *sf_pad;  /* sf_pad_len bytes */
	size_t sf_pad_len;
};

/* Seal msg[0..len), whose last payload is an SK/SKF body of
 * fp_ike_sk_body_len(sd, chain_len, pad) bytes at iv_off: write the IV,
 * the payloads, the padding and its length encrypted, then the ICV over
 * everything before it. The header's length must already be final. */
enum fp_ike_sk_err fp_ike_sk_seal(const struct fp_ike_sk_dir *sd, uint8_t *msg, size_t len,
				  size_t iv_off, const uint8_t *chain, size_t chain_len,
				  const struct fp_ike_sk_fill *fill);

#endif
