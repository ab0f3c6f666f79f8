/* MAC-then-encrypt CBC records (crypto/tls_mte.h) on their own: every
 * content length from 0 to 300 under each MAC seals and opens back, so
 * every padding length and MAC position the masked extraction handles is
 * seen; a flipped bit anywhere in the last two blocks, a wrong pseudo-
 * header and a record cut short all fail as one outcome. test_dtls holds
 * the same code to libssl's records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/tls_mte.h"

static const enum fp_integ macs[] = {
	FP_INTEG_HMAC_SHA1_96, FP_INTEG_HMAC_SHA256_128, FP_INTEG_HMAC_SHA384_192,
};

static const uint8_t hdr[11] = { 0, 1, 0, 0, 0, 0, 0, 7, 23, 0xfe, 0xfd };

static struct fp_mte *mte(enum fp_cipher c, enum fp_integ i)
{
	uint8_t key[32], mac[48];
	const char *err = NULL;
	memset(key, 0x5c, sizeof(key));
	memset(mac, 0xa3, sizeof(mac));
	struct fp_mte *m = fp_mte_new(c, i, key, mac, &err);
	assert_non_null(m);
	return m;
}

/* buf: [16 IV][content][MAC][padding]; returns the record length. */
static uint32_t seal(struct fp_mte *m, uint8_t *buf, uint32_t len)
{
	uint8_t iv[16];
	for (unsigned i = 0; i < len; i++)
		buf[16 + i] = (uint8_t)(i * 13 + len);
	memset(iv, (int)len, sizeof(iv));
	assert_int_equal(fp_mte_seal(m, hdr, iv, buf + 16, len), FP_CRYPTO_OK);
	return fp_mte_record_len(m, len);
}

static void test_roundtrip_every_length(void **state)
{
	static uint8_t buf[512], copy[512];
	(void)state;
	for (unsigned k = 0; k < 3; k++) {
		struct fp_mte *m = mte(k == 2 ? FP_CIPHER_AES_CBC_256 : FP_CIPHER_AES_CBC_128, macs[k]);
		for (uint32_t len = 0; len <= 300; len++) {
			uint32_t rec = seal(m, buf, len), got = 0;
			memcpy(copy, buf, rec);
			assert_int_equal(fp_mte_open(m, hdr, copy + 16, rec - 16, &got), FP_CRYPTO_OK);
			assert_int_equal(got, len);
			for (unsigned i = 0; i < len; i++)
				assert_int_equal(copy[16 + i], (uint8_t)(i * 13 + len));
		}
		fp_mte_free(m);
	}
}

static void test_tamper(void **state)
{
	static uint8_t buf[512], copy[512];
	uint8_t other[11];
	uint32_t got;
	(void)state;
	for (unsigned k = 0; k < 3; k++) {
		struct fp_mte *m = mte(FP_CIPHER_AES_CBC_128, macs[k]);
		for (uint32_t len = 0; len <= 64; len += 7) {
			uint32_t rec = seal(m, buf, len);
			for (uint32_t byte = rec - 32; byte < rec; byte++)
				for (unsigned bit = 0; bit < 8; bit += 3) {
					memcpy(copy, buf, rec);
					copy[byte] ^= (uint8_t)(1u << bit);
					assert_int_equal(fp_mte_open(m, hdr, copy + 16, rec - 16, &got),
							 FP_CRYPTO_EAUTH);
				}
			memcpy(copy, buf, rec);
			memcpy(other, hdr, sizeof(other));
			other[7] ^= 1; /* another sequence number */
			assert_int_equal(fp_mte_open(m, other, copy + 16, rec - 16, &got),
					 FP_CRYPTO_EAUTH);
			memcpy(copy, buf, rec);
			assert_int_equal(fp_mte_open(m, hdr, copy + 16, rec - 16 - 16, &got),
					 rec - 32 < fp_mte_mac_len(m) + 1 ? FP_CRYPTO_EINVAL
									 : FP_CRYPTO_EAUTH);
			assert_int_equal(fp_mte_open(m, hdr, copy + 16, rec - 17, &got),
					 FP_CRYPTO_EINVAL);
		}
		fp_mte_free(m);
	}
}

static void test_refused_pairs(void **state)
{
	uint8_t key[32] = { 0 }, mac[64] = { 0 };
	const char *err = NULL;
	(void)state;
	assert_null(fp_mte_new(FP_CIPHER_AES_GCM_128, FP_INTEG_HMAC_SHA1_96, key, mac, &err));
	assert_non_null(err);
	assert_null(fp_mte_new(FP_CIPHER_AES_CBC_128, FP_INTEG_HMAC_SHA512_256, key, mac, &err));
	assert_null(fp_mte_new(FP_CIPHER_AES_CBC_128, FP_INTEG_NONE, key, mac, &err));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_every_length),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_refused_pairs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
