/* IKEv2 key material (RFC 7296 2.13, 2.14, 2.17, 2.18): the negotiated
 * PRF, prf+, SKEYSEED and the seven SK_* keys of an IKE SA, KEYMAT for a
 * CHILD_SA (with and without PFS), and the SKEYSEED of a rekeyed IKE SA.
 * Every MAC is OpenSSL's EVP_MAC "HMAC"; nothing here is hand-rolled.
 *
 * Keys live in fixed arrays inside the structs below (no allocation); the
 * owner calls fp_ike_keys_wipe() / fp_ike_child_keys_wipe() when it drops
 * them, which OPENSSL_cleanse()s every byte. Nothing here logs. */
#ifndef FP_IKE_KEYS_H
#define FP_IKE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FP_IKE_PRF_MAX 64      /* HMAC-SHA-512 output */
#define FP_IKE_ENCR_KEY_MAX 36 /* AES-256 key + 4-byte GCM salt (RFC 5282 7.1) */
#define FP_IKE_INTEG_KEY_MAX 64
#define FP_IKE_PRF_PLUS_BLOCKS 255 /* the counter is one octet (2.13) */

/* One piece of a PRF input: inputs are concatenations (Ni | Nr | SPIi |
 * SPIr), given as a list so nothing is copied into a scratch buffer. */
struct fp_ike_iov {
	const uint8_t *v_p;
	size_t v_len;
};

/* The negotiated transforms a key set is cut for: IKE (encr, integ, prf)
 * or ESP (encr, integ; prf unused). Transform IDs of ike_wire.h;
 * su_encr_bits is the Key Length attribute. integ is FP_IKE_INTEG_NONE
 * with AES-GCM. */
struct fp_ike_suite {
	uint16_t su_encr;
	uint16_t su_encr_bits;
	uint16_t su_integ;
	uint16_t su_prf;
};

/* The IKE SA's keys (2.14): d for children and rekeys, a/e protect SK
 * payloads (i: sent by the original initiator), p go into AUTH. */
struct fp_ike_keys {
	struct fp_ike_suite k_suite;
	uint8_t k_d[FP_IKE_PRF_MAX];
	uint8_t k_ai[FP_IKE_INTEG_KEY_MAX], k_ar[FP_IKE_INTEG_KEY_MAX];
	uint8_t k_ei[FP_IKE_ENCR_KEY_MAX], k_er[FP_IKE_ENCR_KEY_MAX];
	uint8_t k_pi[FP_IKE_PRF_MAX], k_pr[FP_IKE_PRF_MAX];
	uint8_t k_prf_len;  /* SK_d, SK_pi, SK_pr */
	uint8_t k_a_len;    /* SK_ai, SK_ar (0 with AES-GCM) */
	uint8_t k_e_len;    /* SK_ei, SK_er (salt included with AES-GCM) */
};

/* What SKEYSEED and the key expansion read: the nonces and SPIs of the
 * exchange that made the SA and its Diffie-Hellman shared secret. */
struct fp_ike_kin {
	const uint8_t *ki_ni, *ki_nr;
	size_t ki_ni_len, ki_nr_len;
	const uint8_t *ki_spi_i, *ki_spi_r; /* 8 bytes each; unused for KEYMAT */
	const uint8_t *ki_gir;              /* NULL: none (a child without PFS) */
	size_t ki_gir_len;
};

/* A CHILD_SA's KEYMAT (2.17), cut per direction: i = the SA carrying
 * traffic from the exchange's initiator to its responder. */
struct fp_ike_child_keys {
	uint8_t ck_ei[FP_IKE_ENCR_KEY_MAX], ck_er[FP_IKE_ENCR_KEY_MAX];
	uint8_t ck_ai[FP_IKE_INTEG_KEY_MAX], ck_ar[FP_IKE_INTEG_KEY_MAX];
	uint8_t ck_e_len, ck_a_len;
};

/* Lengths per transform; 0 = not supported (the proposal code refuses it). */
size_t fp_ike_prf_len(uint16_t prf);
/* Encryption key bytes: key length + 4 salt bytes for AES-GCM. */
size_t fp_ike_encr_key_len(uint16_t encr, uint16_t bits);
/* HMAC key bytes = the hash's output (RFC 4868, RFC 2404); 0 for NONE. */
size_t fp_ike_integ_key_len(uint16_t integ);
/* Truncated ICV bytes: 12, 16, 24, 32. */
size_t fp_ike_integ_icv_len(uint16_t integ);
bool fp_ike_encr_is_aead(uint16_t encr);

/* prf(K, S) over the concatenation of n pieces into out
 * (fp_ike_prf_len(prf) bytes). 0, or -1 (unknown prf, OpenSSL error). */
int fp_ike_prf(uint16_t prf, const uint8_t *key, size_t klen, const struct fp_ike_iov *s,
	       unsigned n, uint8_t *out);
/* prf+(K, S) (2.13): T1 | T2 | ... cut to outlen. -1 past 255 blocks. */
int fp_ike_prf_plus(uint16_t prf, const uint8_t *key, size_t klen, const struct fp_ike_iov *s,
		    unsigned n, uint8_t *out, size_t outlen);

/* SKEYSEED = prf(Ni | Nr, g^ir) (2.14), fp_ike_prf_len(prf) bytes. */
int fp_ike_skeyseed(uint16_t prf, const struct fp_ike_kin *in, uint8_t *skeyseed);
/* A rekeyed IKE SA's SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)
 * (2.18), with the OLD SA's prf. */
int fp_ike_skeyseed_rekey(const struct fp_ike_keys *old, const struct fp_ike_kin *in,
			  uint8_t *skeyseed);
/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *   = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), cut for s. */
int fp_ike_keys_from_seed(struct fp_ike_keys *k, const struct fp_ike_suite *s,
			  const uint8_t *skeyseed, const struct fp_ike_kin *in);
/* Both steps for a new IKE SA (IKE_SA_INIT); SKEYSEED is wiped. */
int fp_ike_keys_derive(struct fp_ike_keys *k, const struct fp_ike_suite *s,
		       const struct fp_ike_kin *in);
/* Both steps for an IKE SA rekeyed by CREATE_CHILD_SA (in: the new
 * nonces, SPIs and g^ir); old is left as it is. */
int fp_ike_keys_rekey(struct fp_ike_keys *k, const struct fp_ike_suite *s,
		      const struct fp_ike_keys *old, const struct fp_ike_kin *in);
void fp_ike_keys_wipe(struct fp_ike_keys *k);

/* KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) (2.17) cut for the ESP
 * suite esp; in->ki_gir set only with PFS. */
int fp_ike_child_keys_derive(struct fp_ike_child_keys *ck, const struct fp_ike_keys *ike,
			     const struct fp_ike_suite *esp, const struct fp_ike_kin *in);
void fp_ike_child_keys_wipe(struct fp_ike_child_keys *ck);

#endif
