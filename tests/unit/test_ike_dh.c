/* IKEv2 Diffie-Hellman (src/ike/ike_dh.c): published vectors for groups
 * 19/20/21 (RFC 5114 test data, KE as x | y) and 31 (RFC 7748), a fresh
 * exchange in every supported group, charon's real KE payloads (X25519
 * and MODP-2048) accepted, and hostile KE data refused by name: wrong
 * lengths, MODP values outside [2, p-2], ECP points off the curve, X25519
 * values of small order, MODP values outside the order-q subgroup. */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "ike/ike_dh.h"
#include "ike/ike_payload.h"
#include "ike/ike_wire.h"
#include "ike_vectors.h"

#define DH_VEC "dh-vectors.txt"

static const uint16_t all_groups[] = {FP_IKE_DH_MODP_2048, FP_IKE_DH_MODP_3072,
				      FP_IKE_DH_MODP_4096, FP_IKE_DH_ECP_256,
				      FP_IKE_DH_ECP_384,   FP_IKE_DH_ECP_521,
				      FP_IKE_DH_CURVE25519};

static uint8_t a[FP_IKE_DH_KE_MAX], b[FP_IKE_DH_KE_MAX], s1[FP_IKE_DH_KE_MAX],
	s2[FP_IKE_DH_KE_MAX];

static size_t vec(uint16_t group, const char *what, uint8_t *out)
{
	char name[32];
	snprintf(name, sizeof(name), "g%u_%s", group, what);
	return ikev_key(DH_VEC, name, out);
}

static void expect_err(enum fp_ike_dh_err got, enum fp_ike_dh_err want)
{
	if (got != want)
		fail_msg("want '%s', got '%s'", fp_ike_dh_err_name(want), fp_ike_dh_err_name(got));
}

/* One side of a published vector: its public value from its private one,
 * and g^ir from the other side's public value. */
static void published_side(uint16_t group, const char *priv, const char *pub,
			   const char *peer)
{
	struct fp_ike_dh dh;
	size_t pl = vec(group, priv, a), n = 0;
	expect_err(fp_ike_dh_new_private(&dh, group, a, pl), FP_IKE_DH_E_OK);
	expect_err(fp_ike_dh_public(&dh, s1, sizeof(s1), &n), FP_IKE_DH_E_OK);
	assert_int_equal(vec(group, pub, b), n);
	assert_int_equal(n, fp_ike_dh_ke_len(group));
	assert_memory_equal(s1, b, n);
	size_t peer_len = vec(group, peer, b);
	expect_err(fp_ike_dh_shared(&dh, b, peer_len, s1, sizeof(s1), &n), FP_IKE_DH_E_OK);
	assert_int_equal(vec(group, "shared", s2), n);
	assert_int_equal(n, fp_ike_dh_secret_len(group));
	assert_memory_equal(s1, s2, n);
	fp_ike_dh_free(&dh);
}

static void test_published_vectors(void **state)
{
	static const uint16_t groups[] = {FP_IKE_DH_ECP_256, FP_IKE_DH_ECP_384, FP_IKE_DH_ECP_521,
					  FP_IKE_DH_CURVE25519};
	(void)state;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		published_side(groups[i], "priv_i", "pub_i", "pub_r");
		published_side(groups[i], "priv_r", "pub_r", "pub_i");
	}
}

/* Two fresh key pairs in every group agree on g^ir of the group's length. */
static void test_exchange_all_groups(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(all_groups) / sizeof(all_groups[0]); i++) {
		uint16_t g = all_groups[i];
		struct fp_ike_dh x, y;
		size_t la, lb, n1, n2;
		expect_err(fp_ike_dh_new(&x, g), FP_IKE_DH_E_OK);
		expect_err(fp_ike_dh_new(&y, g), FP_IKE_DH_E_OK);
		expect_err(fp_ike_dh_public(&x, a, sizeof(a), &la), FP_IKE_DH_E_OK);
		expect_err(fp_ike_dh_public(&y, b, sizeof(b), &lb), FP_IKE_DH_E_OK);
		assert_int_equal(la, fp_ike_dh_ke_len(g));
		assert_int_equal(lb, la);
		expect_err(fp_ike_dh_shared(&x, b, lb, s1, sizeof(s1), &n1), FP_IKE_DH_E_OK);
		expect_err(fp_ike_dh_shared(&y, a, la, s2, sizeof(s2), &n2), FP_IKE_DH_E_OK);
		assert_int_equal(n1, fp_ike_dh_secret_len(g));
		assert_int_equal(n2, n1);
		assert_memory_equal(s1, s2, n1);
		fp_ike_dh_free(&x);
		fp_ike_dh_free(&y);
		assert_null(x.dh_key);
	}
}

/* charon's KE payloads (X25519 in init-req.bin, MODP-2048 in the retry
 * after INVALID_KE) are accepted as peer values. */
static void test_charon_ke(void **state)
{
	static const char *const files[] = {"init-req.bin", "init-req-cookie.bin"};
	static struct ikev_buf v;
	static struct fp_ike_msg m;
	(void)state;
	for (int i = 0; i < 2; i++) {
		struct fp_ike_ke ke;
		struct fp_ike_dh dh;
		size_t n;
		ikev_load(&v, files[i]);
		assert_int_equal(fp_ike_ke_parse(ikev_find(&m, &v, FP_IKE_PL_KE), &ke), FP_IKE_E_OK);
		assert_int_equal(ke.ke_group, i ? FP_IKE_DH_MODP_2048 : FP_IKE_DH_CURVE25519);
		expect_err(fp_ike_dh_new(&dh, ke.ke_group), FP_IKE_DH_E_OK);
		expect_err(fp_ike_dh_shared(&dh, ke.ke_data, ke.ke_len, s1, sizeof(s1), &n),
			   FP_IKE_DH_E_OK);
		assert_int_equal(n, i ? 256 : 32);
		fp_ike_dh_free(&dh);
	}
}

/* p of a MODP group, big-endian, from OpenSSL's own copy of RFC 3526. */
static void modp_p(const struct fp_ike_dh *dh, uint8_t *p, size_t len)
{
	BIGNUM *bn = NULL;
	assert_true(EVP_PKEY_get_bn_param(dh->dh_key, OSSL_PKEY_PARAM_FFC_P, &bn));
	assert_int_equal(BN_bn2binpad(bn, p, (int)len), (int)len);
	BN_free(bn);
}

/* Big-endian p + delta, in place (delta small, no wrap past len). */
static void be_add(uint8_t *x, size_t len, int delta)
{
	int carry = delta;
	for (size_t i = len; i-- > 0 && carry;) {
		int v = x[i] + carry;
		x[i] = (uint8_t)(v & 0xff);
		carry = v >> 8; /* arithmetic shift: -1 borrows */
	}
}

static void expect_refused(const struct fp_ike_dh *dh, const uint8_t *ke, size_t len,
			   enum fp_ike_dh_err want)
{
	size_t n = 7;
	memset(s1, 0x5a, sizeof(s1));
	expect_err(fp_ike_dh_shared(dh, ke, len, s1, sizeof(s1), &n), want);
}

static void test_hostile_modp(void **state)
{
	struct fp_ike_dh dh;
	(void)state;
	expect_err(fp_ike_dh_new(&dh, FP_IKE_DH_MODP_2048), FP_IKE_DH_E_OK);
	memset(a, 0, 256);
	expect_refused(&dh, a, 256, FP_IKE_DH_E_KE_RANGE); /* 0 */
	a[255] = 1;
	expect_refused(&dh, a, 256, FP_IKE_DH_E_KE_RANGE); /* 1 */
	a[255] = 2;
	size_t n;
	expect_err(fp_ike_dh_shared(&dh, a, 256, s1, sizeof(s1), &n), FP_IKE_DH_E_OK); /* 2 */
	modp_p(&dh, a, 256);
	expect_refused(&dh, a, 256, FP_IKE_DH_E_KE_RANGE); /* p */
	be_add(a, 256, -1);
	expect_refused(&dh, a, 256, FP_IKE_DH_E_KE_RANGE); /* p - 1: forces g^ir to +-1 */
	be_add(a, 256, -1);
	/* p - 2 is in range but outside the order-q subgroup g = 2 makes */
	expect_refused(&dh, a, 256, FP_IKE_DH_E_KE_SUBGROUP);
	memset(a, 0xff, 256);
	expect_refused(&dh, a, 256, FP_IKE_DH_E_KE_RANGE); /* above p */
	expect_refused(&dh, a, 255, FP_IKE_DH_E_KE_LENGTH);
	expect_refused(&dh, a, 257, FP_IKE_DH_E_KE_LENGTH);
	expect_refused(&dh, a, 0, FP_IKE_DH_E_KE_LENGTH);
	expect_err(fp_ike_dh_shared(&dh, a, 256, s1, 255, &n), FP_IKE_DH_E_SPACE);
	fp_ike_dh_free(&dh);
	expect_err(fp_ike_dh_new_private(&dh, FP_IKE_DH_MODP_2048, a, 32), FP_IKE_DH_E_GROUP);
}

static void test_hostile_ecp(void **state)
{
	static const uint16_t groups[] = {FP_IKE_DH_ECP_256, FP_IKE_DH_ECP_384, FP_IKE_DH_ECP_521};
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct fp_ike_dh dh;
		size_t len = vec(groups[i], "pub_r", a);
		expect_err(fp_ike_dh_new(&dh, groups[i]), FP_IKE_DH_E_OK);
		a[len - 1] ^= 0x01; /* y changed: the point leaves the curve */
		expect_refused(&dh, a, len, FP_IKE_DH_E_KE_POINT);
		a[len - 1] ^= 0x01;
		a[0] ^= 0x01; /* x changed */
		expect_refused(&dh, a, len, FP_IKE_DH_E_KE_POINT);
		memset(a, 0, len); /* (0, 0): no point of these curves */
		expect_refused(&dh, a, len, FP_IKE_DH_E_KE_POINT);
		memset(a, 0xff, len); /* coordinates above the field prime */
		expect_refused(&dh, a, len, FP_IKE_DH_E_KE_POINT);
		/* RFC 4753's KE, with the 0x04 prefix, is one byte too long */
		vec(groups[i], "pub_r", a + 1);
		a[0] = 0x04;
		expect_refused(&dh, a, len + 1, FP_IKE_DH_E_KE_LENGTH);
		expect_refused(&dh, a + 1, len / 2, FP_IKE_DH_E_KE_LENGTH); /* x alone */
		fp_ike_dh_free(&dh);
	}
}

/* RFC 7748 5 / RFC 8031 2.1: u = 0 and u = 1 give an all-zero secret. */
static void test_hostile_x25519(void **state)
{
	struct fp_ike_dh dh;
	size_t n;
	(void)state;
	expect_err(fp_ike_dh_new(&dh, FP_IKE_DH_CURVE25519), FP_IKE_DH_E_OK);
	memset(a, 0, 32);
	expect_refused(&dh, a, 32, FP_IKE_DH_E_KE_WEAK);
	a[0] = 1;
	expect_refused(&dh, a, 32, FP_IKE_DH_E_KE_WEAK);
	expect_refused(&dh, a, 31, FP_IKE_DH_E_KE_LENGTH);
	expect_refused(&dh, a, 33, FP_IKE_DH_E_KE_LENGTH);
	expect_err(fp_ike_dh_public(&dh, a, 31, &n), FP_IKE_DH_E_SPACE);
	fp_ike_dh_free(&dh);
	/* groups fpvpn does not offer */
	expect_err(fp_ike_dh_new(&dh, 2), FP_IKE_DH_E_GROUP);
	expect_err(fp_ike_dh_new(&dh, 24), FP_IKE_DH_E_GROUP);
	assert_int_equal(fp_ike_dh_ke_len(24), 0);
	assert_string_equal(fp_ike_dh_err_name(FP_IKE_DH_E_KE_POINT),
			    "ECP public value not a point on the curve");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_published_vectors),
		cmocka_unit_test(test_exchange_all_groups),
		cmocka_unit_test(test_charon_ke),
		cmocka_unit_test(test_hostile_modp),
		cmocka_unit_test(test_hostile_ecp),
		cmocka_unit_test(test_hostile_x25519),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
