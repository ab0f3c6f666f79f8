/* The algorithm tables: key, salt, IV and ICV lengths per transform, with the
 * names "show crypto ipsec sa" prints on an ASA ("transform: esp-aes-256
 * esp-sha-hmac"). Also the two helpers every caller of keys needs. */
#include <openssl/crypto.h>

#include "crypto/crypto_impl.h"

static const struct fp_cipher_info cipher_table[FP_CIPHER__COUNT] = {
	/* RFC 2410: integrity only, nothing to align beyond ESP's own 4. */
	[FP_CIPHER_NULL] = { "esp-null", 0, 0, 0, 4, 0, false },
	/* RFC 3602: 16-byte IV per packet, payload in whole AES blocks. */
	[FP_CIPHER_AES_CBC_128] = { "esp-aes", 16, 0, 16, 16, 0, false },
	[FP_CIPHER_AES_CBC_256] = { "esp-aes-256", 32, 0, 16, 16, 0, false },
	/* RFC 4106: key || 4-byte salt, 8-byte IV, 16-byte ICV. */
	[FP_CIPHER_AES_GCM_128] = { "esp-aes-gcm", 16, 4, 8, 4, 16, true },
	[FP_CIPHER_AES_GCM_256] = { "esp-aes-gcm-256", 32, 4, 8, 4, 16, true },
	/* RFC 7634 §2: same framing as GCM. */
	[FP_CIPHER_CHACHA20_POLY1305] = { "esp-chacha20-poly1305", 32, 4, 8, 4, 16, true },
};

/* Key = digest size and ICV = half of it (RFC 2404, RFC 4868 §2.1). */
static const struct fp_integ_info integ_table[FP_INTEG__COUNT] = {
	[FP_INTEG_NONE] = { "", 0, 0 },
	[FP_INTEG_HMAC_SHA1_96] = { "esp-sha-hmac", 20, 12 },
	[FP_INTEG_HMAC_SHA256_128] = { "esp-sha-256-hmac", 32, 16 },
	[FP_INTEG_HMAC_SHA384_192] = { "esp-sha-384-hmac", 48, 24 },
	[FP_INTEG_HMAC_SHA512_256] = { "esp-sha-512-hmac", 64, 32 },
};

const struct fp_cipher_info *fp_cipher_info(enum fp_cipher c)
{
	return (unsigned)c < FP_CIPHER__COUNT ? &cipher_table[c] : NULL;
}

const struct fp_integ_info *fp_integ_info(enum fp_integ i)
{
	return (unsigned)i < FP_INTEG__COUNT ? &integ_table[i] : NULL;
}

unsigned fp_crypto_icv_len(enum fp_cipher c, enum fp_integ i)
{
	const struct fp_cipher_info *ci = fp_cipher_info(c);
	const struct fp_integ_info *ii = fp_integ_info(i);

	if (!ci || !ii)
		return 0;
	return ci->aead ? ci->icv_len : ii->icv_len;
}

int fp_crypto_memcmp(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n);
}

void fp_crypto_cleanse(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}
