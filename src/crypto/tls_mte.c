/* TLS 1.2 MAC-then-encrypt CBC records (tls_mte.h).
 *
 * Lucky 13 care: after decryption nothing branches on the padding. The
 * padding is checked over a fixed span of the record's tail with masks; a
 * bad one is read as no padding (RFC 5246 §6.2.3.2's advice) and the MAC is
 * computed anyway; a throwaway HMAC then hashes the padding's bytes, so
 * every padding of one record length costs the same bytes of hashing; the
 * received MAC is copied out of a fixed span of the tail and rotated into
 * place with masks (as OpenSSL's ssl3_cbc_copy_mac does), so no memory
 * access depends on the padding either. What is left: the two hashes round
 * to blocks differently (at most one compression apart). A forger learns
 * nothing from the counters: bad padding and bad MAC are one drop reason. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/inet.h"
#include "crypto/crypto_impl.h"
#include "crypto/tls_mte.h"

struct fp_mte {
	EVP_CIPHER_CTX *m_enc;
	EVP_CIPHER_CTX *m_dec;
	size_t m_size;
	uint32_t m_mac_len;
	alignas(64) unsigned char m_hmac[]; /* struct fp_hmac, private to hmac.c */
};

static const struct fp_hmac *mte_hmac(const struct fp_mte *m)
{
	return (const struct fp_hmac *)m->m_hmac;
}

/* all ones when a < b; both below 2^31 */
static inline uint32_t ct_lt(uint32_t a, uint32_t b)
{
	return 0u - ((a - b) >> 31);
}

/* all ones when a == b; both below 2^31 */
static inline uint32_t ct_eq(uint32_t a, uint32_t b)
{
	return 0u - (((a ^ b) - 1u) >> 31);
}

static EVP_CIPHER_CTX *mte_ctx(enum fp_cipher c, const uint8_t *key, int enc)
{
	const EVP_CIPHER *ev = c == FP_CIPHER_AES_CBC_128 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();

	if (x && EVP_CipherInit_ex(x, ev, NULL, key, NULL, enc) == 1 &&
	    EVP_CIPHER_CTX_set_padding(x, 0) == 1)
		return x;
	EVP_CIPHER_CTX_free(x);
	return NULL;
}

static bool mte_pair_ok(enum fp_cipher c, enum fp_integ i)
{
	return (c == FP_CIPHER_AES_CBC_128 || c == FP_CIPHER_AES_CBC_256) &&
	       (i == FP_INTEG_HMAC_SHA1_96 || i == FP_INTEG_HMAC_SHA256_128 ||
		i == FP_INTEG_HMAC_SHA384_192);
}

struct fp_mte *fp_mte_new(enum fp_cipher c, enum fp_integ i, const uint8_t *key,
			  const uint8_t *mac_key, const char **err)
{
	struct fp_mte *m;
	size_t size = sizeof(*m) + fp_hmac_size();

	if (!mte_pair_ok(c, i)) {
		*err = "not an AES-CBC / HMAC-SHA1/256/384 pair";
		return NULL;
	}
	if (posix_memalign((void **)&m, 64, size)) {
		*err = "out of memory";
		return NULL;
	}
	memset(m, 0, size);
	m->m_size = size;
	m->m_mac_len = fp_integ_info(i)->key_len; /* TLS MAC key = MAC length */
	m->m_enc = mte_ctx(c, key, 1);
	m->m_dec = mte_ctx(c, key, 0);
	if (!m->m_enc || !m->m_dec ||
	    fp_hmac_init((struct fp_hmac *)m->m_hmac, i, mac_key, m->m_mac_len) < 0) {
		*err = "OpenSSL CBC or HMAC setup failed";
		fp_mte_free(m);
		return NULL;
	}
	return m;
}

void fp_mte_free(struct fp_mte *m)
{
	if (!m)
		return;
	EVP_CIPHER_CTX_free(m->m_enc);
	EVP_CIPHER_CTX_free(m->m_dec);
	fp_crypto_cleanse(m, m->m_size);
	free(m);
}

unsigned fp_mte_mac_len(const struct fp_mte *m)
{
	return m->m_mac_len;
}

uint32_t fp_mte_record_len(const struct fp_mte *m, uint32_t content_len)
{
	uint32_t body = content_len + m->m_mac_len + 1;
	return FP_MTE_IV_LEN + ((body + FP_MTE_BLOCK - 1) & ~(FP_MTE_BLOCK - 1));
}

/* The pseudo-header in the 13 bytes before the content (RFC 5246 §6.2.3.1). */
static void mte_pseudo(uint8_t *content, const uint8_t seq_type_ver[11], uint32_t len)
{
	memcpy(content - FP_MTE_PSEUDO_LEN, seq_type_ver, 11);
	fp_put16(content - 2, (uint16_t)len);
}

static int mte_cbc(EVP_CIPHER_CTX *x, const uint8_t *iv, uint8_t *data, uint32_t len)
{
	int out;

	if (EVP_CipherInit_ex(x, NULL, NULL, NULL, iv, -1) != 1 ||
	    EVP_CipherUpdate(x, data, &out, data, (int)len) != 1)
		return FP_CRYPTO_EFAIL;
	return FP_CRYPTO_OK;
}

int fp_mte_seal(const struct fp_mte *m, const uint8_t seq_type_ver[11], const uint8_t iv[16],
		uint8_t *content, uint32_t content_len)
{
	uint8_t md[64];
	uint32_t total = fp_mte_record_len(m, content_len) - FP_MTE_IV_LEN;
	uint32_t pad = total - content_len - m->m_mac_len - 1;

	mte_pseudo(content, seq_type_ver, content_len);
	fp_hmac(mte_hmac(m), content - FP_MTE_PSEUDO_LEN, FP_MTE_PSEUDO_LEN + content_len, md);
	memcpy(content + content_len, md, m->m_mac_len);
	memset(content + content_len + m->m_mac_len, (int)pad, pad + 1);
	memcpy(content - FP_MTE_IV_LEN, iv, FP_MTE_IV_LEN);
	fp_crypto_cleanse(md, sizeof(md));
	return mte_cbc(m->m_enc, content - FP_MTE_IV_LEN, content, total);
}

/* Mask: all ones when the tail of pt holds a well-formed padding of *pad
 * bytes plus its length byte, leaving room for the MAC. Reads the same
 * bytes whatever the padding is. */
static uint32_t mte_pad_check(const uint8_t *pt, uint32_t len, uint32_t mac_len, uint32_t pad)
{
	uint32_t good = ct_lt(pad + mac_len, len);
	uint32_t span = len < 256 ? len : 256;

	for (uint32_t i = 0; i < span; i++) {
		uint32_t in_pad = ct_lt(i, pad + 1);
		good &= ~in_pad | ct_eq(pt[len - 1 - i], pad);
	}
	return good;
}

/* The mac_len bytes at ct + start, start secret: every byte of the
 * span that may hold them is read, each kept by a mask, into a ring that
 * a masked rotation puts in order. */
static void mte_mac_extract(const uint8_t *ct, uint32_t ct_len, uint32_t mac_len,
			    uint32_t start, uint8_t *out)
{
	uint8_t ring[FP_MTE_MAC_MAX] = { 0 };
	uint32_t from = ct_len > mac_len + 256 ? ct_len - mac_len - 256 : 0;
	uint32_t j = 0, rot = 0;

	for (uint32_t i = from; i < ct_len; i++) {
		uint32_t in = ~ct_lt(i, start) & ct_lt(i, start + mac_len);
		rot |= j & ct_eq(i, start);
		ring[j] |= (uint8_t)(ct[i] & in);
		j++;
		j &= ct_lt(j, mac_len);
	}
	for (uint32_t i = 0; i < mac_len; i++) {
		uint32_t k = rot + i;
		k -= mac_len & ~ct_lt(k, mac_len);
		uint8_t b = 0;
		for (uint32_t m = 0; m < mac_len; m++)
			b |= (uint8_t)(ring[m] & ct_eq(m, k));
		out[i] = b;
	}
}

int fp_mte_open(const struct fp_mte *m, const uint8_t seq_type_ver[11], uint8_t *ct,
		uint32_t ct_len, uint32_t *content_len)
{
	uint8_t md[64], dummy[64], mac[FP_MTE_MAC_MAX];
	uint32_t mac_len = m->m_mac_len;

	if (ct_len % FP_MTE_BLOCK || ct_len < mac_len + 1)
		return FP_CRYPTO_EINVAL;
	/* the IV is read by the init before the pseudo-header overwrites it */
	if (mte_cbc(m->m_dec, ct - FP_MTE_IV_LEN, ct, ct_len) != FP_CRYPTO_OK)
		return FP_CRYPTO_EFAIL;
	uint32_t pad = ct[ct_len - 1];
	uint32_t good = mte_pad_check(ct, ct_len, mac_len, pad);
	pad &= good;
	uint32_t len = ct_len - 1 - pad - mac_len;
	mte_pseudo(ct, seq_type_ver, len);
	fp_hmac(mte_hmac(m), ct - FP_MTE_PSEUDO_LEN, FP_MTE_PSEUDO_LEN + len, md);
	fp_hmac(mte_hmac(m), ct + len, pad, dummy); /* the bytes the MAC left out */
	mte_mac_extract(ct, ct_len, mac_len, len, mac);
	good &= 0u - (uint32_t)(fp_crypto_memcmp(md, mac, mac_len) == 0);
	fp_crypto_cleanse(md, sizeof(md));
	*content_len = len;
	return good ? FP_CRYPTO_OK : FP_CRYPTO_EAUTH;
}
