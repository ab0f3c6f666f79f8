/* A record libssl protected at the rule's epoch, opened again on its way
 * out (ra_dtls_unseal.h). */
#include "ra/ra_dtls_unseal.h"

#include <openssl/evp.h>
#include <string.h>

#include "crypto/tls_mte.h"
#include "common/inet.h"
#include "offload/dtls.h"

#define UNSEAL_NONCE 8u /* RFC 5288: the explicit part */
#define UNSEAL_TAG 16u
#define UNSEAL_IV 16u   /* CBC: the record's own IV */

static int unseal_gcm(const struct fp_tls_dir_key *k, const uint8_t *rec, size_t frag,
		      uint8_t *out, size_t cap)
{
	if (frag < UNSEAL_NONCE + UNSEAL_TAG || frag - UNSEAL_NONCE - UNSEAL_TAG > cap)
		return -1;
	size_t ct_len = frag - UNSEAL_NONCE - UNSEAL_TAG;
	const uint8_t *ct = rec + FP_DTLS_HLEN + UNSEAL_NONCE;
	uint8_t nonce[FP_TLS_SALT_LEN + UNSEAL_NONCE], aad[13] /* seq_num(8) type version length */;
	memcpy(nonce, k->tk_salt, FP_TLS_SALT_LEN);
	memcpy(nonce + FP_TLS_SALT_LEN, rec + FP_DTLS_HLEN, UNSEAL_NONCE);
	memcpy(aad, rec + 3, 8); /* epoch || sequence number */
	memcpy(aad + 8, rec, 3);  /* type, version */
	aad[11] = (uint8_t)(ct_len >> 8);
	aad[12] = (uint8_t)ct_len;

	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	const EVP_CIPHER *alg = k->tk_key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
	int n = 0, fin = 0, ok = c && EVP_DecryptInit_ex(c, alg, NULL, NULL, NULL) == 1 &&
		EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)sizeof(nonce), NULL) == 1 &&
		EVP_DecryptInit_ex(c, NULL, NULL, k->tk_key, nonce) == 1 &&
		EVP_DecryptUpdate(c, NULL, &n, aad, (int)sizeof(aad)) == 1 &&
		EVP_DecryptUpdate(c, out, &n, ct, (int)ct_len) == 1 &&
		EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, UNSEAL_TAG,
				    (void *)(ct + ct_len)) == 1 &&
		EVP_DecryptFinal_ex(c, out + n, &fin) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? (int)ct_len : -1;
}

static int unseal_cbc(const struct fp_tls_dir_key *k, const uint8_t *rec, size_t frag,
		      uint8_t *out, size_t cap)
{
	const char *why;
	uint8_t pseudo[11];
	uint32_t len = 0;
	if (frag < UNSEAL_IV || frag > cap) /* the IV comes along: fp_mte_open reads it */
		return -1;
	struct fp_mte *m = fp_mte_new(k->tk_cipher, k->tk_integ, k->tk_key, k->tk_mac, &why);
	if (!m)
		return -1;
	memcpy(pseudo, rec + 3, 8);
	memcpy(pseudo + 8, rec, 3);
	memcpy(out, rec + FP_DTLS_HLEN, frag);
	int rc = fp_mte_open(m, pseudo, out + UNSEAL_IV, (uint32_t)(frag - UNSEAL_IV), &len);
	fp_mte_free(m);
	if (rc != FP_CRYPTO_OK)
		return -1;
	memmove(out, out + UNSEAL_IV, len);
	return (int)len;
}

int fp_ra_dtls_unseal(const struct fp_tls_dir_key *k, const uint8_t *rec, size_t len,
		      uint8_t *out, size_t cap)
{
	if (len < FP_DTLS_HLEN || FP_DTLS_HLEN + (size_t)fp_get16(rec + 11) != len)
		return -1;
	size_t frag = len - FP_DTLS_HLEN;
	bool gcm = k->tk_cipher == FP_CIPHER_AES_GCM_128 || k->tk_cipher == FP_CIPHER_AES_GCM_256;
	return gcm ? unseal_gcm(k, rec, frag, out, cap) : unseal_cbc(k, rec, frag, out, cap);
}
