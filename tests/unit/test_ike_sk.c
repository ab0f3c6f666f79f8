/* SK and SKF payload protection (src/ike/ike_sk.c) on charon's messages:
 * every encrypted message of the captures opens with keys derived from
 * its IKE_SA_INIT (test_ike_keys proves them) to the plaintext tshark
 * decrypted (tests/vectors/ike/\*.inner), its chain parses, and sealing
 * it again with charon's IV and padding gives charon's bytes; fragments
 * (RFC 7383) open one by one into one chain; AES-GCM (RFC 5282) against a
 * message sealed by Python's cryptography package; hostile messages (bad
 * ICV, tampered header or ciphertext, truncated SK, unaligned ciphertext,
 * a pad length past the plaintext) refused by name with nothing returned. */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ike/ike_build.h"
#include "ike/ike_wire.h"
#include "ike_vectors.h"

static struct ikev_sa lc;
static struct fp_ike_keys keys;
static struct ikev_buf v, w;
static struct fp_ike_msg msg;
static struct fp_ike_chain inner;
static uint8_t plain[IKEV_MSG_MAX];

static int setup(void **state)
{
	(void)state;
	ikev_sa_load(&lc, "init-req.bin", "init-resp.bin", "keys-lifecycle.txt");
	return fp_ike_keys_derive(&keys, &ikev_suite_cbc256, &lc.kin);
}

static int teardown(void **state)
{
	(void)state;
	fp_ike_keys_wipe(&keys);
	return 0;
}

static void expect_types(const struct fp_ike_chain *c, const uint8_t *types, unsigned n)
{
	assert_int_equal(c->c_n, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(c->c_pl[i].pl_type, types[i]);
}

/* A captured message opens to the plaintext tshark found (.inner: first
 * inner type, then the chain). */
static void expect_inner(const char *bin, bool from_i, const char *inner_name)
{
	struct ikev_buf want;
	ikev_load(&v, bin);
	ikev_load(&want, inner_name);
	size_t n = ikev_open_msg(&keys, from_i, &v, plain, sizeof(plain), &inner);
	assert_int_equal(n, want.n - 1);
	assert_memory_equal(plain, want.b + 1, n);
	assert_int_equal(inner.c_n ? inner.c_pl[0].pl_type : 0, want.b[0]);
}

static void test_open_captures(void **state)
{
	(void)state;
	expect_inner("auth-req.bin", true, "auth-req.inner");
	expect_inner("auth-resp.bin", false, "auth-resp.inner");
	expect_inner("child-pfs-req.bin", true, "child-pfs-req.inner");
	expect_inner("child-rekey-req.bin", true, "child-rekey-req.inner");
	expect_inner("delete-req.bin", true, "delete-req.inner");

	static const uint8_t pfs_resp[] = {FP_IKE_PL_SA, FP_IKE_PL_NONCE, FP_IKE_PL_KE,
					   FP_IKE_PL_TSI, FP_IKE_PL_TSR};
	ikev_load(&v, "child-pfs-resp.bin");
	ikev_open_msg(&keys, false, &v, plain, sizeof(plain), &inner);
	expect_types(&inner, pfs_resp, 5);
	/* DPD from the original responder: SK_er/SK_ar, an empty chain */
	ikev_load(&v, "dpd-req.bin");
	assert_int_equal(ikev_open_msg(&keys, false, &v, plain, sizeof(plain), &inner), 0);
	assert_int_equal(inner.c_n, 0);
}

/* The MODP-2048 IKE SA's IKE_AUTH request, with keys from its 256-byte g^ir. */
static void test_open_modp(void **state)
{
	static struct ikev_sa s;
	static const uint8_t types[] = {FP_IKE_PL_IDI, FP_IKE_PL_IDR, FP_IKE_PL_AUTH,
					FP_IKE_PL_SA, FP_IKE_PL_TSI, FP_IKE_PL_TSR};
	struct fp_ike_keys k;
	(void)state;
	ikev_sa_load(&s, "init-req-cookie.bin", "init-resp-modp.bin", "keys-modp.txt");
	assert_int_equal(fp_ike_keys_derive(&k, &ikev_suite_cbc256, &s.kin), 0);
	ikev_load(&v, "auth-req-modp.bin");
	ikev_open_msg(&k, true, &v, plain, sizeof(plain), &inner);
	assert_true(inner.c_n > 6);
	inner.c_n = 6; /* then the status notifies */
	expect_types(&inner, types, 6);
	fp_ike_keys_wipe(&k);
}

/* Seal the plaintext of a captured message again, with its IV and
 * padding, through the writer: the same bytes as charon's. */
static void reseal(const struct fp_ike_keys *k, const char *bin, bool from_i)
{
	struct fp_ike_sk_dir sd;
	struct fp_ike_sk_view sv;
	struct fp_ike_wr wr;
	size_t n;
	static uint8_t chain[IKEV_MSG_MAX];

	ikev_load(&v, bin);
	fp_ike_sk_dir_init(&sd, k, from_i);
	assert_int_equal(fp_ike_msg_parse(&msg, v.b, v.n), FP_IKE_E_OK);
	assert_int_equal(fp_ike_sk_open(&sd, &msg, plain, sizeof(plain), &n, &sv), FP_IKE_SK_E_OK);
	size_t ct = v.n - sv.sv_iv_off - 16 - 16, pad = plain[ct - 1];
	memcpy(chain, plain, n);
	struct fp_ike_sk_fill fill = {v.b + sv.sv_iv_off, plain + n, pad};
	size_t body = fp_ike_sk_body_len(&sd, n, pad);

	fp_ike_wr_init(&wr, w.b, sizeof(w.b));
	fp_ike_put_hdr(&wr, &msg.m_hdr);
	const struct fp_ike_pl *last = &msg.m_chain.c_pl[msg.m_chain.c_n - 1];
	uint8_t *p;
	if (sv.sv_frag) {
		struct fp_ike_skf f;
		assert_int_equal(fp_ike_skf_parse(last, &f), FP_IKE_E_OK);
		p = fp_ike_put_skf(&wr, sv.sv_first, f.f_num, f.f_total, NULL, body);
	} else {
		p = fp_ike_put_sk(&wr, sv.sv_first, NULL, body);
	}
	assert_non_null(p);
	long len = fp_ike_wr_finish(&wr);
	assert_int_equal(len, (long)v.n);
	assert_int_equal(fp_ike_sk_seal(&sd, w.b, (size_t)len, (size_t)(p - w.b), chain, n, &fill),
			 FP_IKE_SK_E_OK);
	assert_memory_equal(w.b, v.b, v.n);
}

static void test_reseal_same_bytes(void **state)
{
	(void)state;
	reseal(&keys, "auth-req.bin", true);
	reseal(&keys, "auth-resp.bin", false);
	reseal(&keys, "child-pfs-req.bin", true);
	reseal(&keys, "child-pfs-resp.bin", false);
	reseal(&keys, "child-rekey-req.bin", true);
	reseal(&keys, "child-rekey-resp.bin", false);
	reseal(&keys, "delete-req.bin", true);
	reseal(&keys, "dpd-req.bin", false);
}

/* RFC 7383: each fragment is protected on its own, the fragment number
 * and total inside the integrity; the plaintexts joined are the chain. */
static void test_fragments(void **state)
{
	static const char *const frags[] = {"auth-req-frag1.bin", "auth-req-frag2.bin",
					    "auth-req-frag3.bin"};
	static const uint8_t types[] = {FP_IKE_PL_IDI, FP_IKE_PL_NOTIFY, FP_IKE_PL_IDR,
					FP_IKE_PL_AUTH, FP_IKE_PL_SA, FP_IKE_PL_TSI, FP_IKE_PL_TSR};
	static uint8_t joined[IKEV_MSG_MAX];
	struct fp_ike_keys k;
	struct fp_ike_sk_dir sd;
	struct fp_ike_sk_view sv;
	size_t total = 0, n;
	uint8_t first = 0;
	(void)state;
	ikev_frag_keys(&k);
	fp_ike_sk_dir_init(&sd, &k, true);
	for (int i = 0; i < 3; i++) {
		ikev_load(&v, frags[i]);
		assert_int_equal(fp_ike_msg_parse(&msg, v.b, v.n), FP_IKE_E_OK);
		assert_int_equal(fp_ike_sk_open(&sd, &msg, plain, sizeof(plain), &n, &sv),
				 FP_IKE_SK_E_OK);
		assert_true(sv.sv_frag);
		first = i == 0 ? sv.sv_first : first;
		memcpy(joined + total, plain, n);
		total += n;
	}
	assert_int_equal(total, 204); /* tshark: "Reassembled ISAKMP length: 204" */
	assert_int_equal(fp_ike_chain_parse(&inner, first, joined, total, true), FP_IKE_E_OK);
	inner.c_n = 7;
	expect_types(&inner, types, 7);
	reseal(&k, "auth-req-frag1.bin", true);
	reseal(&k, "auth-req-frag3.bin", true);

	/* the fragment number is authenticated: fragment 2 claiming to be 3 */
	ikev_load(&v, "auth-req-frag2.bin");
	v.b[FP_IKE_HDR_LEN + 5] = 3;
	assert_int_equal(fp_ike_msg_parse(&msg, v.b, v.n), FP_IKE_E_OK);
	assert_int_equal(fp_ike_sk_open(&sd, &msg, plain, sizeof(plain), &n, &sv), FP_IKE_SK_E_ICV);
	fp_ike_keys_wipe(&k);
}

static const uint8_t gcm_key[36] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
				    12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
				    24, 25, 26, 27, 28, 29, 30, 31, 0xde, 0xad, 0xbe, 0xef};

static void gcm_dir(struct fp_ike_sk_dir *sd, uint16_t encr)
{
	*sd = (struct fp_ike_sk_dir){.sd_ekey = gcm_key, .sd_e_len = 36, .sd_encr = encr,
				     .sd_integ = FP_IKE_INTEG_NONE};
}

/* Seal delete-req.inner's chain under delete-req.bin's header into w. */
static size_t gcm_seal(const struct fp_ike_sk_dir *sd, const struct fp_ike_sk_fill *fill)
{
	struct ikev_buf in;
	struct fp_ike_wr wr;
	ikev_load(&in, "delete-req.inner");
	ikev_load(&v, "delete-req.bin");
	assert_int_equal(fp_ike_msg_parse(&msg, v.b, v.n), FP_IKE_E_OK);
	fp_ike_wr_init(&wr, w.b, sizeof(w.b));
	fp_ike_put_hdr(&wr, &msg.m_hdr);
	uint8_t *p = fp_ike_put_sk(&wr, in.b[0], NULL, fp_ike_sk_body_len(sd, in.n - 1, 0));
	long len = fp_ike_wr_finish(&wr);
	assert_true(p && len > 0);
	assert_int_equal(fp_ike_sk_seal(sd, w.b, (size_t)len, (size_t)(p - w.b), in.b + 1,
					in.n - 1, fill),
			 FP_IKE_SK_E_OK);
	return (size_t)len;
}

/* AES-GCM-16 (RFC 5282): nonce = salt | 8-byte IV, AAD = header + SK
 * header; the expected bytes were sealed by Python's cryptography AESGCM
 * (tests/vectors/ike/README). Then GCM-8 and -12 round trips, and AAD
 * coverage: a changed message ID fails the tag. */
static void test_gcm(void **state)
{
	static const uint8_t iv[8] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7};
	static const uint16_t encrs[] = {FP_IKE_ENCR_AES_GCM_8, FP_IKE_ENCR_AES_GCM_12,
					 FP_IKE_ENCR_AES_GCM_16};
	struct fp_ike_sk_dir sd;
	struct fp_ike_sk_view sv;
	struct fp_ike_sk_fill fill = {.sf_iv = iv};
	struct ikev_buf want;
	size_t n;
	(void)state;
	gcm_dir(&sd, FP_IKE_ENCR_AES_GCM_16);
	size_t len = gcm_seal(&sd, &fill);
	ikev_load(&want, "gcm-delete-req.bin");
	assert_int_equal(len, want.n);
	assert_memory_equal(w.b, want.b, want.n);

	for (size_t i = 0; i < 3; i++) {
		gcm_dir(&sd, encrs[i]);
		len = gcm_seal(&sd, NULL); /* a random IV */
		assert_int_equal(len, 28 + 4 + 8 + 12 + 1 + 8 + 4 * i);
		assert_int_equal(fp_ike_msg_parse(&msg, w.b, len), FP_IKE_E_OK);
		assert_int_equal(fp_ike_sk_open(&sd, &msg, plain, sizeof(plain), &n, &sv),
				 FP_IKE_SK_E_OK);
		assert_int_equal(n, 12);
		assert_int_equal(fp_ike_chain_parse(&inner, sv.sv_first, plain, n, true), FP_IKE_E_OK);
		assert_int_equal(inner.c_pl[0].pl_type, FP_IKE_PL_DELETE);
		w.b[23] ^= 1; /* message ID, in the AAD only */
		assert_int_equal(fp_ike_sk_open(&sd, &msg, plain, sizeof(plain), &n, &sv),
				 FP_IKE_SK_E_ICV);
		assert_memory_equal(plain, (uint8_t[16]){0}, 16);
	}
}

/* Opening m must fail with e, return no chain and leave out cleansed. */
static void expect_refused(const struct fp_ike_sk_dir *sd, const uint8_t *b, size_t len,
			   enum fp_ike_sk_err e)
{
	struct fp_ike_sk_view sv;
	size_t n = 99;
	memset(plain, 0x5a, sizeof(plain));
	assert_int_equal(fp_ike_msg_parse(&msg, b, len), FP_IKE_E_OK);
	enum fp_ike_sk_err got = fp_ike_sk_open(sd, &msg, plain, sizeof(plain), &n, &sv);
	if (got != e)
		fail_msg("want '%s', got '%s'", fp_ike_sk_err_name(e), fp_ike_sk_err_name(got));
	assert_int_equal(n, 0);
	assert_memory_equal(plain, (uint8_t[sizeof(plain)]){0}, sizeof(plain));
}

/* An SK payload of body bytes, its ICV right, under auth-req.bin's
 * header: the body is ours, so lengths and the pad byte can be anything. */
static size_t hostile_sk(const uint8_t *pt, size_t pt_len, size_t ct_len)
{
	struct fp_ike_wr wr;
	int l = 0;
	ikev_load(&v, "auth-req.bin");
	assert_int_equal(fp_ike_msg_parse(&msg, v.b, v.n), FP_IKE_E_OK);
	fp_ike_wr_init(&wr, w.b, sizeof(w.b));
	fp_ike_put_hdr(&wr, &msg.m_hdr);
	uint8_t *iv = fp_ike_put_sk(&wr, FP_IKE_PL_IDI, NULL, 16 + ct_len + 16);
	long len = fp_ike_wr_finish(&wr);
	assert_true(iv && len > 0);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	assert_true(EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, keys.k_ei, iv));
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_true(EVP_EncryptUpdate(c, iv + 16, &l, pt, (int)pt_len));
	EVP_CIPHER_CTX_free(c);
	uint8_t mac[32];
	unsigned ml = 0;
	HMAC(EVP_sha256(), keys.k_ai, 32, w.b, (size_t)len - 16, mac, &ml);
	memcpy(w.b + len - 16, mac, 16);
	return (size_t)len;
}

static void test_hostile(void **state)
{
	struct fp_ike_sk_dir sd, sd_r;
	uint8_t pt[32] = {0};
	(void)state;
	fp_ike_sk_dir_init(&sd, &keys, true);
	fp_ike_sk_dir_init(&sd_r, &keys, false);
	ikev_load(&v, "auth-req.bin");
	expect_refused(&sd_r, v.b, v.n, FP_IKE_SK_E_ICV); /* the other direction's keys */
	v.b[v.n - 1] ^= 0x01;
	expect_refused(&sd, v.b, v.n, FP_IKE_SK_E_ICV); /* the ICV itself */
	v.b[v.n - 1] ^= 0x01;
	v.b[v.n - 40] ^= 0x80;
	expect_refused(&sd, v.b, v.n, FP_IKE_SK_E_ICV); /* the ciphertext */
	v.b[v.n - 40] ^= 0x80;
	v.b[20] ^= 0x01;
	expect_refused(&sd, v.b, v.n, FP_IKE_SK_E_ICV); /* the header's message ID */
	v.b[20] ^= 0x01;
	ikev_load(&v, "init-req.bin");
	expect_refused(&sd, v.b, v.n, FP_IKE_SK_E_NOT_SK);

	/* the pad length byte (encrypted, under a good ICV) says 32 bytes of
	 * padding in a 32-byte plaintext */
	pt[31] = 32;
	size_t len = hostile_sk(pt, 32, 32);
	expect_refused(&sd, w.b, len, FP_IKE_SK_E_PAD);
	pt[31] = 31; /* all padding: an empty chain, which is legal */
	len = hostile_sk(pt, 32, 32);
	assert_int_equal(fp_ike_msg_parse(&msg, w.b, len), FP_IKE_E_OK);
	size_t n = 7;
	struct fp_ike_sk_view sv;
	assert_int_equal(fp_ike_sk_open(&sd, &msg, plain, sizeof(plain), &n, &sv), FP_IKE_SK_E_OK);
	assert_int_equal(n, 0);
	/* truncated: an IV and an ICV with no block between them */
	len = hostile_sk(pt, 0, 0);
	expect_refused(&sd, w.b, len, FP_IKE_SK_E_TRUNCATED);
	/* a ciphertext that is not whole blocks */
	len = hostile_sk(pt, 16, 17);
	expect_refused(&sd, w.b, len, FP_IKE_SK_E_ALIGN);
	/* too small an output buffer: refused before anything is decrypted */
	ikev_load(&v, "auth-req.bin");
	assert_int_equal(fp_ike_msg_parse(&msg, v.b, v.n), FP_IKE_E_OK);
	assert_int_equal(fp_ike_sk_open(&sd, &msg, plain, 16, &n, &sv), FP_IKE_SK_E_SPACE);
	/* a suite the SK code cannot run */
	sd.sd_encr = FP_IKE_ENCR_AES_CTR;
	assert_int_equal(fp_ike_sk_open(&sd, &msg, plain, sizeof(plain), &n, &sv), FP_IKE_SK_E_SUITE);
	assert_string_equal(fp_ike_sk_err_name(FP_IKE_SK_E_ICV), "integrity check value does not match");
}

/* Body lengths: CBC rounds to whole blocks, GCM does not; a given padding
 * must make whole blocks. */
static void test_body_len(void **state)
{
	struct fp_ike_sk_dir sd;
	(void)state;
	fp_ike_sk_dir_init(&sd, &keys, true);
	assert_int_equal(fp_ike_sk_body_len(&sd, 100, 0), 16 + 112 + 16);
	assert_int_equal(fp_ike_sk_body_len(&sd, 95, 0), 16 + 96 + 16);
	assert_int_equal(fp_ike_sk_body_len(&sd, 100, 11), 16 + 112 + 16);
	assert_int_equal(fp_ike_sk_body_len(&sd, 100, 10), 0);
	assert_int_equal(fp_ike_sk_body_len(&sd, 100, 256), 0);
	gcm_dir(&sd, FP_IKE_ENCR_AES_GCM_16);
	assert_int_equal(fp_ike_sk_body_len(&sd, 100, 0), 8 + 101 + 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_captures),
		cmocka_unit_test(test_open_modp),
		cmocka_unit_test(test_reseal_same_bytes),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_gcm),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_body_len),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
