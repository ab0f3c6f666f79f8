/* IKEv2 key material (src/ike/ike_keys.c) against charon's own keys: the
 * SKEYSEED and seven SK_* of two real IKE SAs (X25519 and MODP-2048)
 * derived from their IKE_SA_INIT nonces, SPIs and logged g^ir; the ESP
 * KEYMAT of three CHILD_SAs (IKE_AUTH, CREATE_CHILD_SA with PFS, a
 * rekey) from nonces read out of the decrypted exchanges; RFC 4231 /
 * RFC 2202 HMAC vectors for the prf; prf+'s 255-block bound; the rekeyed
 * IKE SA's SKEYSEED (2.18) against a one-shot HMAC. */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ike/ike_wire.h"
#include "ike_vectors.h"

#define LC_KEYS "keys-lifecycle.txt"

static struct ikev_sa lc;
static struct fp_ike_keys keys;

static void expect_key(const char *file, const char *name, const uint8_t *got, size_t len)
{
	uint8_t want[IKEV_KEY_MAX];
	assert_int_equal(ikev_key(file, name, want), len);
	assert_memory_equal(got, want, len);
}

/* RFC 4231 test case 2 (SHA-2) and RFC 2202 test case 2 (SHA-1). */
static void test_prf_hmac_vectors(void **state)
{
	static const struct {
		uint16_t prf;
		const char *mac;
	} t[] = {
		{FP_IKE_PRF_HMAC_SHA1, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
		{FP_IKE_PRF_HMAC_SHA2_256,
		 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{FP_IKE_PRF_HMAC_SHA2_384, "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec373"
					   "6322445e8e2240ca5e69e2c78b3239ecfab21649"},
		{FP_IKE_PRF_HMAC_SHA2_512, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7"
					   "ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b"
					   "636e070a38bce737"},
	};
	/* the data in two pieces: the prf joins its inputs */
	const struct fp_ike_iov in[] = {{(const uint8_t *)"what do ya ", 11},
					{(const uint8_t *)"want for nothing?", 17}};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t want[64], got[64];
		size_t n = ikev_unhex(t[i].mac, want, sizeof(want));
		assert_int_equal(n, fp_ike_prf_len(t[i].prf));
		assert_int_equal(fp_ike_prf(t[i].prf, (const uint8_t *)"Jefe", 4, in, 2, got), 0);
		assert_memory_equal(got, want, n);
	}
	uint8_t out[64];
	assert_int_equal(fp_ike_prf(FP_IKE_PRF_HMAC_SHA2_256 + 100, out, 4, in, 2, out), -1);
}

/* prf+ = T1 | T2 | ..., Tn = prf(K, Tn-1 | S | n), n one octet: checked
 * block by block against OpenSSL's one-shot HMAC(), and refused past 255
 * blocks (RFC 7296 2.13). */
static void test_prf_plus_blocks(void **state)
{
	static uint8_t out[255 * 32 + 1];
	uint8_t key[32] = {1, 2, 3}, s[40] = {9, 8, 7}, in[32 + 40 + 1], t[32];
	struct fp_ike_iov iov = {s, sizeof(s)};
	unsigned tl = 0;
	(void)state;
	assert_int_equal(fp_ike_prf_plus(FP_IKE_PRF_HMAC_SHA2_256, key, 32, &iov, 1, out,
					 255 * 32),
			 0);
	for (unsigned n = 1; n <= 255; n++) {
		size_t l = 0;
		if (n > 1)
			memcpy(in, t, (l = 32));
		memcpy(in + l, s, sizeof(s));
		in[l + sizeof(s)] = (uint8_t)n;
		HMAC(EVP_sha256(), key, 32, in, l + sizeof(s) + 1, t, &tl);
		assert_memory_equal(out + (n - 1) * 32, t, 32);
	}
	assert_int_equal(fp_ike_prf_plus(FP_IKE_PRF_HMAC_SHA2_256, key, 32, &iov, 1, out,
					 255 * 32 + 1),
			 -1);
}

/* charon's IKE SA ss[1]: aes256-sha256-x25519. */
static void test_keys_lifecycle(void **state)
{
	uint8_t seed[FP_IKE_PRF_MAX];
	(void)state;
	ikev_sa_load(&lc, "init-req.bin", "init-resp.bin", LC_KEYS);
	assert_int_equal(fp_ike_skeyseed(FP_IKE_PRF_HMAC_SHA2_256, &lc.kin, seed), 0);
	expect_key(LC_KEYS, "skeyseed", seed, 32);
	assert_int_equal(fp_ike_keys_derive(&keys, &ikev_suite_cbc256, &lc.kin), 0);
	assert_int_equal(keys.k_prf_len, 32);
	assert_int_equal(keys.k_a_len, 32);
	assert_int_equal(keys.k_e_len, 32);
	expect_key(LC_KEYS, "sk_d", keys.k_d, 32);
	expect_key(LC_KEYS, "sk_ai", keys.k_ai, 32);
	expect_key(LC_KEYS, "sk_ar", keys.k_ar, 32);
	expect_key(LC_KEYS, "sk_ei", keys.k_ei, 32);
	expect_key(LC_KEYS, "sk_er", keys.k_er, 32);
	expect_key(LC_KEYS, "sk_pi", keys.k_pi, 32);
	expect_key(LC_KEYS, "sk_pr", keys.k_pr, 32);
}

/* charon's IKE SA invke[2], which went to MODP-2048 after INVALID_KE:
 * a 256-byte g^ir. */
static void test_keys_modp(void **state)
{
	static struct ikev_sa s;
	struct fp_ike_keys k;
	uint8_t seed[FP_IKE_PRF_MAX];
	(void)state;
	ikev_sa_load(&s, "init-req-cookie.bin", "init-resp-modp.bin", "keys-modp.txt");
	assert_int_equal(s.kin.ki_gir_len, 256);
	assert_int_equal(fp_ike_skeyseed(FP_IKE_PRF_HMAC_SHA2_256, &s.kin, seed), 0);
	expect_key("keys-modp.txt", "skeyseed", seed, 32);
	assert_int_equal(fp_ike_keys_derive(&k, &ikev_suite_cbc256, &s.kin), 0);
	expect_key("keys-modp.txt", "sk_d", k.k_d, 32);
	expect_key("keys-modp.txt", "sk_ei", k.k_ei, 32);
	expect_key("keys-modp.txt", "sk_ar", k.k_ar, 32);
	expect_key("keys-modp.txt", "sk_pr", k.k_pr, 32);
	fp_ike_keys_wipe(&k);
}

static const struct fp_ike_suite esp_gcm256 = {
	.su_encr = FP_IKE_ENCR_AES_GCM_16, .su_encr_bits = 256, .su_integ = FP_IKE_INTEG_NONE,
};

static void expect_child(const struct fp_ike_kin *in, const char *name_i, const char *name_r)
{
	struct fp_ike_child_keys ck;
	assert_int_equal(fp_ike_child_keys_derive(&ck, &keys, &esp_gcm256, in), 0);
	assert_int_equal(ck.ck_e_len, 36); /* AES-256 key + 4-byte salt */
	assert_int_equal(ck.ck_a_len, 0);
	expect_key(LC_KEYS, name_i, ck.ck_ei, 36);
	expect_key(LC_KEYS, name_r, ck.ck_er, 36);
	fp_ike_child_keys_wipe(&ck);
	assert_memory_equal(ck.ck_ei, (uint8_t[36]){0}, 36);
}

/* The first CHILD_SA: KEYMAT = prf+(SK_d, Ni | Nr) of IKE_SA_INIT. */
static void test_child_keymat_auth(void **state)
{
	struct fp_ike_kin in = lc.kin;
	(void)state;
	in.ki_gir = NULL;
	expect_child(&in, "child1_i", "child1_r");
}

/* Nonces of a CREATE_CHILD_SA pair, read from the decrypted messages. */
static void child_nonces(const char *req, const char *resp, struct fp_ike_kin *in,
			 uint8_t *ni, uint8_t *nr)
{
	static struct ikev_buf v;
	static uint8_t plain[IKEV_MSG_MAX];
	static struct fp_ike_chain c;
	const char *names[2] = {req, resp};
	uint8_t *dst[2] = {ni, nr};
	size_t len[2];
	for (int i = 0; i < 2; i++) {
		ikev_load(&v, names[i]);
		ikev_open_msg(&keys, i == 0, &v, plain, sizeof(plain), &c);
		const struct fp_ike_pl *pl = fp_ike_chain_find(&c, FP_IKE_PL_NONCE, NULL);
		assert_non_null(pl);
		memcpy(dst[i], pl->pl_body, pl->pl_len);
		len[i] = pl->pl_len;
	}
	*in = (struct fp_ike_kin){.ki_ni = ni, .ki_ni_len = len[0], .ki_nr = nr,
				  .ki_nr_len = len[1]};
}

/* A new CHILD_SA with PFS: KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr). */
static void test_child_keymat_pfs(void **state)
{
	uint8_t ni[256], nr[256], gir[IKEV_KEY_MAX];
	struct fp_ike_kin in;
	(void)state;
	child_nonces("child-pfs-req.bin", "child-pfs-resp.bin", &in, ni, nr);
	in.ki_gir = gir;
	in.ki_gir_len = ikev_key(LC_KEYS, "child2_gir", gir);
	expect_child(&in, "child2_i", "child2_r");
	/* without the new g^ir the keys differ: PFS is in the seed */
	struct fp_ike_child_keys ck;
	in.ki_gir = NULL;
	assert_int_equal(fp_ike_child_keys_derive(&ck, &keys, &esp_gcm256, &in), 0);
	uint8_t want[36];
	ikev_key(LC_KEYS, "child2_i", want);
	assert_memory_not_equal(ck.ck_ei, want, 36);
}

/* A CHILD_SA rekey without PFS: the rekey exchange's own nonces. */
static void test_child_keymat_rekey(void **state)
{
	uint8_t ni[256], nr[256];
	struct fp_ike_kin in;
	(void)state;
	child_nonces("child-rekey-req.bin", "child-rekey-resp.bin", &in, ni, nr);
	expect_child(&in, "child3_i", "child3_r");
}

/* 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), then the usual
 * prf+ with the new SPIs. No capture rekeys its IKE SA, so each step is
 * checked against OpenSSL's one-shot HMAC(). */
static void test_ike_rekey(void **state)
{
	uint8_t ni[32] = {0x11}, nr[48] = {0x22}, gir[32] = {0x33};
	uint8_t spi_i[8] = {1}, spi_r[8] = {2}, in[32 + 32 + 48], want[32], got[32];
	unsigned wl = 0;
	struct fp_ike_kin kin = {.ki_ni = ni, .ki_ni_len = 32, .ki_nr = nr, .ki_nr_len = 48,
				 .ki_spi_i = spi_i, .ki_spi_r = spi_r, .ki_gir = gir,
				 .ki_gir_len = 32};
	struct fp_ike_keys nk;
	(void)state;
	memcpy(in, gir, 32);
	memcpy(in + 32, ni, 32);
	memcpy(in + 64, nr, 48);
	HMAC(EVP_sha256(), keys.k_d, 32, in, sizeof(in), want, &wl);
	assert_int_equal(fp_ike_skeyseed_rekey(&keys, &kin, got), 0);
	assert_memory_equal(got, want, 32);

	/* SK_d of the new SA = T1 = prf(SKEYSEED, Ni | Nr | SPIi | SPIr | 0x01) */
	uint8_t s[32 + 48 + 16 + 1];
	memcpy(s, ni, 32);
	memcpy(s + 32, nr, 48);
	memcpy(s + 80, spi_i, 8);
	memcpy(s + 88, spi_r, 8);
	s[96] = 1;
	HMAC(EVP_sha256(), want, 32, s, sizeof(s), want, &wl);
	assert_int_equal(fp_ike_keys_rekey(&nk, &ikev_suite_cbc256, &keys, &kin), 0);
	assert_memory_equal(nk.k_d, want, 32);
	assert_memory_not_equal(nk.k_ei, keys.k_ei, 32);
	/* an IKE SA rekey without a new g^ir is refused */
	kin.ki_gir = NULL;
	assert_int_equal(fp_ike_keys_rekey(&nk, &ikev_suite_cbc256, &keys, &kin), -1);
	fp_ike_keys_wipe(&nk);
}

/* Key lengths per transform, and suites that cannot be cut. */
static void test_suite_lengths(void **state)
{
	(void)state;
	assert_int_equal(fp_ike_encr_key_len(FP_IKE_ENCR_AES_CBC, 128), 16);
	assert_int_equal(fp_ike_encr_key_len(FP_IKE_ENCR_AES_CBC, 256), 32);
	assert_int_equal(fp_ike_encr_key_len(FP_IKE_ENCR_AES_GCM_16, 128), 20);
	assert_int_equal(fp_ike_encr_key_len(FP_IKE_ENCR_AES_GCM_8, 256), 36);
	assert_int_equal(fp_ike_encr_key_len(FP_IKE_ENCR_AES_CBC, 0), 0);
	assert_int_equal(fp_ike_encr_key_len(FP_IKE_ENCR_AES_CTR, 128), 0);
	assert_int_equal(fp_ike_integ_key_len(FP_IKE_INTEG_HMAC_SHA1_96), 20);
	assert_int_equal(fp_ike_integ_icv_len(FP_IKE_INTEG_HMAC_SHA1_96), 12);
	assert_int_equal(fp_ike_integ_icv_len(FP_IKE_INTEG_HMAC_SHA2_256_128), 16);
	assert_int_equal(fp_ike_integ_icv_len(FP_IKE_INTEG_HMAC_SHA2_384_192), 24);
	assert_int_equal(fp_ike_integ_icv_len(FP_IKE_INTEG_HMAC_SHA2_512_256), 32);
	assert_int_equal(fp_ike_prf_len(FP_IKE_PRF_HMAC_SHA2_384), 48);

	struct fp_ike_keys k;
	struct fp_ike_suite gcm_integ = {FP_IKE_ENCR_AES_GCM_16, 256, FP_IKE_INTEG_HMAC_SHA1_96,
					 FP_IKE_PRF_HMAC_SHA2_256};
	struct fp_ike_suite cbc_none = {FP_IKE_ENCR_AES_CBC, 128, FP_IKE_INTEG_NONE,
					FP_IKE_PRF_HMAC_SHA2_256};
	struct fp_ike_suite gcm = {FP_IKE_ENCR_AES_GCM_16, 128, FP_IKE_INTEG_NONE,
				   FP_IKE_PRF_HMAC_SHA2_512};
	assert_int_equal(fp_ike_keys_derive(&k, &gcm_integ, &lc.kin), -1);
	assert_int_equal(fp_ike_keys_derive(&k, &cbc_none, &lc.kin), -1);
	assert_int_equal(fp_ike_keys_derive(&k, &gcm, &lc.kin), 0);
	assert_int_equal(k.k_e_len, 20);
	assert_int_equal(k.k_a_len, 0);
	assert_int_equal(k.k_prf_len, 64);
	fp_ike_keys_wipe(&k);
	assert_memory_equal(k.k_d, (uint8_t[64]){0}, 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prf_hmac_vectors),
		cmocka_unit_test(test_prf_plus_blocks),
		cmocka_unit_test(test_keys_lifecycle),
		cmocka_unit_test(test_keys_modp),
		cmocka_unit_test(test_child_keymat_auth),
		cmocka_unit_test(test_child_keymat_pfs),
		cmocka_unit_test(test_child_keymat_rekey),
		cmocka_unit_test(test_ike_rekey),
		cmocka_unit_test(test_suite_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
