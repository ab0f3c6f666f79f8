/* IKEv2 Diffie-Hellman (the KE payload, RFC 7296 3.4): MODP groups 14,
 * 15, 16 (RFC 3526), ECP groups 19, 20, 21 (RFC 5903: the KE data is
 * x | y, each the field's length, no 0x04 prefix; g^ir is x alone) and
 * Curve25519, group 31 (RFC 8031). All through OpenSSL 3's EVP_PKEY.
 *
 * A key pair lives from fp_ike_dh_new() to fp_ike_dh_free(); the private
 * value stays inside OpenSSL, which clears it on free. Call free as soon
 * as g^ir is computed. The peer's KE data is checked before use and a bad
 * one refused with a named reason. */
#ifndef FP_IKE_DH_H
#define FP_IKE_DH_H

#include <stddef.h>
#include <stdint.h>

#define FP_IKE_DH_KE_MAX 512 /* MODP 4096 */

#define FP_IKE_DH_ERR_LIST(_)                                                      \
	_(OK, "ok")                                                                \
	_(GROUP, "Diffie-Hellman group not supported")                             \
	_(KE_LENGTH, "KE data length wrong for the group")                         \
	_(KE_RANGE, "MODP public value not in [2, p-2]")                           \
	_(KE_SUBGROUP, "MODP public value not in the prime-order subgroup")           \
	_(KE_POINT, "ECP public value not a point on the curve")                   \
	_(KE_WEAK, "X25519 public value gives an all-zero shared secret")          \
	_(SPACE, "output buffer too small")                                        \
	_(CRYPTO, "OpenSSL failed")

enum fp_ike_dh_err {
#define FP_IKE_X(n, s) FP_IKE_DH_E_##n,
	FP_IKE_DH_ERR_LIST(FP_IKE_X)
#undef FP_IKE_X
	FP_IKE_DH_E__COUNT
};

const char *fp_ike_dh_err_name(unsigned e);

struct evp_pkey_st;

struct fp_ike_dh {
	struct evp_pkey_st *dh_key; /* our key pair */
	uint16_t dh_group;          /* FP_IKE_DH_* */
};

/* KE data length of a group (also g^ir's, except ECP: half of it);
 * 0 = not supported. */
size_t fp_ike_dh_ke_len(uint16_t group);
/* g^ir's length: the modulus for MODP, x for ECP, 32 for X25519. */
size_t fp_ike_dh_secret_len(uint16_t group);

/* A fresh key pair for group. */
enum fp_ike_dh_err fp_ike_dh_new(struct fp_ike_dh *dh, uint16_t group);
/* A key pair from a known private value (big-endian for ECP, the raw
 * 32 bytes for X25519): published test vectors only. MODP: GROUP. */
enum fp_ike_dh_err fp_ike_dh_new_private(struct fp_ike_dh *dh, uint16_t group,
					 const uint8_t *priv, size_t len);
/* Our public value as the KE payload carries it; *len = its length. */
enum fp_ike_dh_err fp_ike_dh_public(const struct fp_ike_dh *dh, uint8_t *out, size_t cap,
				    size_t *len);
/* g^ir from the peer's KE data (checked first: length, range or curve),
 * fp_ike_dh_secret_len() bytes, zero-padded on the left for MODP. */
enum fp_ike_dh_err fp_ike_dh_shared(const struct fp_ike_dh *dh, const uint8_t *peer,
				    size_t peer_len, uint8_t *out, size_t cap, size_t *len);
void fp_ike_dh_free(struct fp_ike_dh *dh);

#endif
