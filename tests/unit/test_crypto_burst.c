/* The crypto API beyond single known answers: bursts of mixed lengths give
 * the same bytes on both backends and decrypt across them, forged packets
 * in a burst fail alone and stay as received, the ESN layout where the ICV
 * overlaps the auth region's tail, the IV pool, key and op validation, and
 * the algorithm tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/crypto.h"

static struct fp_crypto_thread *thr;
static enum fp_crypto_backend backends[2];
static unsigned n_backends;
static uint32_t rng = 0x2545f491;

static int burst_setup(void **state)
{
	(void)state;
	thr = fp_crypto_thread_new();
	n_backends = 0;
	backends[n_backends++] = FP_CRYPTO_OPENSSL;
	if (fp_crypto_have_ipsec_mb())
		backends[n_backends++] = FP_CRYPTO_IPSEC_MB;
	return thr ? 0 : -1;
}

static int burst_teardown(void **state)
{
	(void)state;
	fp_crypto_thread_free(thr);
	return 0;
}

/* Deterministic test data (xorshift32); IVs come from fp_crypto_random. */
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void rnd_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

struct transform {
	enum fp_cipher c;
	enum fp_integ i;
};

static const struct transform transforms[] = {
	{ FP_CIPHER_AES_GCM_128, FP_INTEG_NONE },
	{ FP_CIPHER_AES_GCM_256, FP_INTEG_NONE },
	{ FP_CIPHER_CHACHA20_POLY1305, FP_INTEG_NONE },
	{ FP_CIPHER_AES_CBC_128, FP_INTEG_HMAC_SHA1_96 },
	{ FP_CIPHER_AES_CBC_128, FP_INTEG_HMAC_SHA256_128 },
	{ FP_CIPHER_AES_CBC_256, FP_INTEG_HMAC_SHA256_128 },
	{ FP_CIPHER_AES_CBC_256, FP_INTEG_HMAC_SHA384_192 },
	{ FP_CIPHER_AES_CBC_256, FP_INTEG_HMAC_SHA512_256 },
	{ FP_CIPHER_NULL, FP_INTEG_HMAC_SHA256_128 },
};

static struct fp_crypto_key key_random(struct transform tf)
{
	struct fp_crypto_key k = { .cipher = tf.c, .integ = tf.i };
	const struct fp_cipher_info *ci = fp_cipher_info(tf.c);

	k.ckey_len = (uint8_t)(ci->key_len + ci->salt_len);
	k.akey_len = fp_integ_info(tf.i)->key_len;
	rnd_fill(k.ckey, k.ckey_len);
	rnd_fill(k.akey, k.akey_len);
	return k;
}

static struct fp_crypto_sa *sa_make(const struct fp_crypto_key *k, enum fp_crypto_backend be)
{
	const char *err = NULL;
	struct fp_crypto_sa *sa = fp_crypto_sa_new(k, be, &err);

	if (!sa)
		fail_msg("fp_crypto_sa_new(%s): %s", fp_cipher_info(k->cipher)->name, err);
	return sa;
}

/* ---- Bursts ----
 * An ESP-shaped packet: header (8) | IV | payload, ICV and AAD apart. For
 * AEAD the AAD is the header, or SPI || seq-hi || seq-lo (12, ESN) on every
 * other packet; for CBC and esp-null the MAC covers header .. payload. */
#define PKT_HDR 8u
#define PKT_MAX 1500u

struct pkt {
	uint8_t buf[PKT_HDR + 16 + PKT_MAX];
	uint8_t aad[12];
	uint8_t icv[32];
	uint32_t len;
};

static void pkt_op(struct pkt *p, const struct fp_cipher_info *ci, unsigned idx,
		   struct fp_crypto_op *op)
{
	memset(op, 0, sizeof(*op));
	op->iv = p->buf + PKT_HDR;
	op->data = p->buf + PKT_HDR + ci->iv_len;
	op->data_len = p->len;
	op->icv = p->icv;
	if (ci->aead) {
		op->aad = p->aad;
		op->aad_len = idx % 2 ? 12 : 8;
	} else {
		op->auth = p->buf;
		op->auth_len = PKT_HDR + ci->iv_len + p->len;
	}
}

static void pkts_ops(struct pkt *p, const struct fp_cipher_info *ci, unsigned n,
		     struct fp_crypto_op *ops)
{
	for (unsigned j = 0; j < n; j++)
		pkt_op(&p[j], ci, j, &ops[j]);
}

/* Lengths 0..1500 in the cipher's multiple, random contents and IVs. */
static void pkts_make(struct pkt *p, const struct fp_cipher_info *ci, unsigned n)
{
	unsigned block = ci->block;

	for (unsigned j = 0; j < n; j++) {
		p[j].len = rnd() % (PKT_MAX / block + 1) * block;
		if (j == 0)
			p[j].len = 0;
		else if (j == 1)
			p[j].len = PKT_MAX / block * block;
		rnd_fill(p[j].buf, sizeof(p[j].buf));
		rnd_fill(p[j].aad, sizeof(p[j].aad));
		fp_crypto_random(thr, p[j].buf + PKT_HDR, ci->iv_len);
		memset(p[j].icv, 0, sizeof(p[j].icv));
	}
}

static void pkts_equal(const struct pkt *a, const struct pkt *b, unsigned n, unsigned icv_len,
		       const char *what)
{
	for (unsigned j = 0; j < n; j++) {
		if (memcmp(a[j].buf, b[j].buf, sizeof(a[j].buf)) ||
		    memcmp(a[j].icv, b[j].icv, icv_len))
			fail_msg("%s: packet %u of %u (%u bytes) differs", what, j, n, a[j].len);
	}
}

/* Flip one bit in every third packet: tag, payload or AAD/header in turn. */
static unsigned pkts_forge(struct pkt *p, const struct fp_cipher_info *ci, unsigned n,
			   unsigned icv_len, bool *forged)
{
	unsigned count = 0;

	for (unsigned j = 0; j < n; j++) {
		forged[j] = j % 3 == 2;
		if (!forged[j])
			continue;
		count++;
		if (j % 9 == 2)
			p[j].icv[icv_len - 1] ^= 0x01;
		else if (j % 9 == 5 && p[j].len)
			p[j].buf[PKT_HDR + ci->iv_len + p[j].len - 1] ^= 0x20;
		else if (ci->aead)
			p[j].aad[2] ^= 0x08;
		else
			p[j].buf[2] ^= 0x08;
	}
	return count;
}

/* sent, forged here, decrypts to plain except the forged packets, which
 * fail alone and stay as received. */
static void burst_forged(const struct fp_crypto_sa *sa, const struct fp_cipher_info *ci,
			 const struct pkt *sent, const struct pkt *plain, unsigned n,
			 unsigned icv_len, struct pkt *work, struct pkt *recv)
{
	static bool forged[128];
	struct fp_crypto_op *ops = calloc(n, sizeof(*ops));
	unsigned bad;

	assert_non_null(ops);
	memcpy(recv, sent, n * sizeof(*recv));
	bad = pkts_forge(recv, ci, n, icv_len, forged);
	memcpy(work, recv, n * sizeof(*work));
	pkts_ops(work, ci, n, ops);
	assert_int_equal(fp_crypto_decrypt(thr, sa, ops, n), n - bad);
	for (unsigned j = 0; j < n; j++) {
		const struct pkt *want = forged[j] ? &recv[j] : &plain[j];

		assert_int_equal(ops[j].status, forged[j] ? FP_CRYPTO_EAUTH : FP_CRYPTO_OK);
		assert_memory_equal(work[j].buf, want->buf, sizeof(want->buf));
	}
	free(ops);
}

/* One transform, one burst size: encrypt on every backend, compare,
 * decrypt each result on every backend, then a burst with forgeries. */
static void burst_run(struct transform tf, unsigned n)
{
	const struct fp_cipher_info *ci = fp_cipher_info(tf.c);
	unsigned icv_len = fp_crypto_icv_len(tf.c, tf.i);
	struct fp_crypto_key k = key_random(tf);
	struct pkt *plain = calloc(n, sizeof(*plain)), *work = calloc(n, sizeof(*work));
	struct pkt *sent[2] = { calloc(n, sizeof(struct pkt)), calloc(n, sizeof(struct pkt)) };
	struct pkt *recv = calloc(n, sizeof(*recv));
	struct fp_crypto_op *ops = calloc(n, sizeof(*ops));
	struct fp_crypto_sa *sa[2];

	assert_true(plain && work && sent[0] && sent[1] && recv && ops);
	pkts_make(plain, ci, n);
	for (unsigned b = 0; b < n_backends; b++) {
		sa[b] = sa_make(&k, backends[b]);
		memcpy(sent[b], plain, n * sizeof(*plain));
		pkts_ops(sent[b], ci, n, ops);
		assert_int_equal(fp_crypto_encrypt(thr, sa[b], ops, n), n);
	}
	if (n_backends == 2)
		pkts_equal(sent[0], sent[1], n, icv_len, "openssl vs ipsec-mb encrypt");
	for (unsigned b = 0; b < n_backends; b++) {
		for (unsigned s = 0; s < n_backends; s++) {
			memcpy(work, sent[s], n * sizeof(*work));
			pkts_ops(work, ci, n, ops);
			assert_int_equal(fp_crypto_decrypt(thr, sa[b], ops, n), n);
			pkts_equal(work, plain, n, 0, "decrypt");
		}
		burst_forged(sa[b], ci, sent[0], plain, n, icv_len, work, recv);
	}
	for (unsigned b = 0; b < n_backends; b++)
		fp_crypto_sa_free(sa[b]);
	free(plain);
	free(work);
	free(sent[0]);
	free(sent[1]);
	free(recv);
	free(ops);
}

static void test_bursts(void **state)
{
	static const unsigned sizes[] = { 1, 7, 32, 100 };

	(void)state;
	/* Twice round, so ipsec-mb's 256-job ring wraps with jobs in flight. */
	for (unsigned round = 0; round < 2; round++)
		for (size_t t = 0; t < sizeof(transforms) / sizeof(transforms[0]); t++)
			for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
				burst_run(transforms[t], sizes[s]);
}

/* ---- ESN: ICV over the ESN high bits ----
 * On send, RFC 4303 §3.3.2.1 appends seq-hi after the payload for the MAC
 * only; the ICV then goes where seq-hi sat. The burst's ICVs must equal
 * those computed into a separate buffer, and libcrypto's one-shot HMAC over
 * header .. payload || seq-hi. */
#define ESN_N 8u

static void esn_case(enum fp_crypto_backend be, struct transform tf)
{
	const struct fp_cipher_info *ci = fp_cipher_info(tf.c);
	unsigned icv_len = fp_crypto_icv_len(tf.c, tf.i), block = ci->block;
	struct fp_crypto_key k = key_random(tf);
	struct fp_crypto_sa *sa = sa_make(&k, be);
	static uint8_t apart[ESN_N][PKT_HDR + 16 + 256 + 4 + 32];
	static uint8_t over[ESN_N][sizeof(apart[0])];
	uint8_t icv[ESN_N][32], md[EVP_MAX_MD_SIZE];
	struct fp_crypto_op op_a[ESN_N], op_o[ESN_N];
	const EVP_MD *mds[] = { NULL, EVP_sha1(), EVP_sha256(), EVP_sha384(), EVP_sha512() };
	unsigned md_len;

	for (unsigned j = 0; j < ESN_N; j++) {
		uint32_t len = (rnd() % (256 / block) + 1) * block;
		uint32_t auth_len = PKT_HDR + ci->iv_len + len + 4;

		rnd_fill(apart[j], sizeof(apart[j]));
		memcpy(over[j], apart[j], sizeof(over[j]));
		op_a[j] = (struct fp_crypto_op){
			.iv = apart[j] + PKT_HDR, .data = apart[j] + PKT_HDR + ci->iv_len,
			.data_len = len, .auth = apart[j], .auth_len = auth_len, .icv = icv[j],
		};
		op_o[j] = (struct fp_crypto_op){
			.iv = over[j] + PKT_HDR, .data = over[j] + PKT_HDR + ci->iv_len,
			.data_len = len, .auth = over[j], .auth_len = auth_len,
			.icv = over[j] + auth_len - 4,
		};
	}
	assert_int_equal(fp_crypto_encrypt(thr, sa, op_a, ESN_N), ESN_N);
	assert_int_equal(fp_crypto_encrypt(thr, sa, op_o, ESN_N), ESN_N);
	for (unsigned j = 0; j < ESN_N; j++) {
		assert_non_null(HMAC(mds[tf.i], k.akey, k.akey_len, apart[j], op_a[j].auth_len,
				     md, &md_len));
		assert_memory_equal(icv[j], md, icv_len);
		assert_memory_equal(op_o[j].icv, icv[j], icv_len);
		assert_memory_equal(over[j], apart[j], op_a[j].auth_len - 4);
	}
	fp_crypto_sa_free(sa);
}

static void test_esn_icv_overlap(void **state)
{
	(void)state;
	for (unsigned b = 0; b < n_backends; b++)
		for (size_t t = 3; t < sizeof(transforms) / sizeof(transforms[0]); t++)
			esn_case(backends[b], transforms[t]);
}

/* ---- Ops the API refuses ---- */
static void test_invalid_ops(void **state)
{
	struct transform tf = { FP_CIPHER_AES_CBC_128, FP_INTEG_HMAC_SHA256_128 };
	struct fp_crypto_key k = key_random(tf);
	static uint8_t buf[3][PKT_HDR + 16 + 64];
	uint8_t icv[3][16];

	(void)state;
	for (unsigned b = 0; b < n_backends; b++) {
		struct fp_crypto_sa *sa = sa_make(&k, backends[b]);
		struct fp_crypto_op ops[3];

		for (unsigned j = 0; j < 3; j++)
			ops[j] = (struct fp_crypto_op){
				.iv = buf[j] + PKT_HDR, .data = buf[j] + PKT_HDR + 16,
				.data_len = 64, .auth = buf[j], .auth_len = PKT_HDR + 16 + 64,
				.icv = icv[j],
			};
		ops[0].data_len = 60;                  /* not whole AES blocks */
		ops[2].auth_len = PKT_HDR + 16 + 48;   /* payload beyond the MAC */
		assert_int_equal(fp_crypto_encrypt(thr, sa, ops, 3), 1);
		assert_int_equal(ops[0].status, FP_CRYPTO_EINVAL);
		assert_int_equal(ops[1].status, FP_CRYPTO_OK);
		assert_int_equal(ops[2].status, FP_CRYPTO_EINVAL);
		assert_int_equal(fp_crypto_decrypt(thr, sa, ops, 3), 1);
		assert_int_equal(ops[0].status, FP_CRYPTO_EINVAL);
		assert_int_equal(ops[1].status, FP_CRYPTO_OK);
		assert_int_equal(ops[2].status, FP_CRYPTO_EINVAL);
		fp_crypto_sa_free(sa);
	}
}

/* ---- Keys ---- */
static void bad_key(struct fp_crypto_key k, enum fp_crypto_backend be)
{
	const char *err = NULL;

	assert_null(fp_crypto_sa_new(&k, be, &err));
	assert_non_null(err);
	assert_true(strlen(err) > 0);
	assert_null(fp_crypto_sa_new(&k, be, NULL));
}

static void test_bad_keys(void **state)
{
	enum fp_crypto_backend all[] = { FP_CRYPTO_AUTO, FP_CRYPTO_OPENSSL, FP_CRYPTO_IPSEC_MB };

	(void)state;
	for (size_t b = 0; b < 3; b++) {
		for (size_t t = 0; t < sizeof(transforms) / sizeof(transforms[0]); t++) {
			struct fp_crypto_key good = key_random(transforms[t]), k;

			k = good;
			k.ckey_len--;                     /* short cipher key (or no salt) */
			bad_key(k, all[b]);
			k = good;
			k.ckey_len = (uint8_t)(k.ckey_len + 4);
			if (k.ckey_len <= sizeof(k.ckey))
				bad_key(k, all[b]);
			k = good;
			k.akey_len = (uint8_t)(k.akey_len ? k.akey_len - 1 : 20);
			bad_key(k, all[b]);
			k = good;                          /* AEAD + HMAC, CBC alone */
			k.integ = k.integ == FP_INTEG_NONE ? FP_INTEG_HMAC_SHA1_96 : FP_INTEG_NONE;
			k.akey_len = fp_integ_info(k.integ)->key_len;
			bad_key(k, all[b]);
		}
		bad_key((struct fp_crypto_key){ .cipher = FP_CIPHER_NULL }, all[b]);
		bad_key((struct fp_crypto_key){ .cipher = FP_CIPHER__COUNT }, all[b]);
		bad_key((struct fp_crypto_key){ .cipher = FP_CIPHER_AES_GCM_128,
						.integ = FP_INTEG__COUNT, .ckey_len = 20 }, all[b]);
	}
}

static void test_backend_choice(void **state)
{
	struct transform tf = { FP_CIPHER_AES_GCM_128, FP_INTEG_NONE };
	struct fp_crypto_key k = key_random(tf);
	struct fp_crypto_sa *sa;
	const char *err = NULL;

	(void)state;
	assert_true(strlen(fp_crypto_ipsec_mb_version()) > 0);
	sa = fp_crypto_sa_new(&k, FP_CRYPTO_AUTO, &err);
	assert_non_null(sa);
	assert_string_equal(fp_crypto_sa_backend(sa),
			    fp_crypto_have_ipsec_mb() ? "intel-ipsec-mb" : "openssl");
	fp_crypto_sa_free(sa);
	sa = fp_crypto_sa_new(&k, FP_CRYPTO_OPENSSL, &err);
	assert_string_equal(fp_crypto_sa_backend(sa), "openssl");
	fp_crypto_sa_free(sa);
	sa = fp_crypto_sa_new(&k, FP_CRYPTO_IPSEC_MB, &err);
	if (fp_crypto_have_ipsec_mb()) {
		assert_string_equal(fp_crypto_sa_backend(sa), "intel-ipsec-mb");
		fp_crypto_sa_free(sa);
	} else {
		assert_null(sa);
		assert_non_null(err);
	}
	fp_crypto_sa_free(NULL);
}

/* ---- IV pool ---- */
static int cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

static void test_random(void **state)
{
	enum { N = 1000 };   /* 16 KB: four refills of the 4 KiB pool */
	static uint8_t iv[N][16];
	static const uint8_t zero[16];
	uint8_t odd[4099];

	(void)state;
	for (unsigned j = 0; j < N; j++)
		fp_crypto_random(thr, iv[j], 16);
	qsort(iv, N, 16, cmp16);
	for (unsigned j = 0; j < N; j++) {
		assert_memory_not_equal(iv[j], zero, 16);
		if (j)
			assert_memory_not_equal(iv[j], iv[j - 1], 16);
	}
	/* Odd sizes across a refill; a run of 8 equal bytes would be 2^-56. */
	fp_crypto_random(thr, odd, 5);
	fp_crypto_random(thr, odd + 5, sizeof(odd) - 5);
	for (size_t j = 0; j + 8 <= sizeof(odd); j += 8)
		assert_memory_not_equal(odd + j, zero, 8);
}

/* ---- Tables ---- */
static void test_tables(void **state)
{
	(void)state;
	assert_string_equal(fp_cipher_info(FP_CIPHER_AES_CBC_128)->name, "esp-aes");
	assert_string_equal(fp_cipher_info(FP_CIPHER_AES_CBC_256)->name, "esp-aes-256");
	assert_string_equal(fp_cipher_info(FP_CIPHER_AES_GCM_128)->name, "esp-aes-gcm");
	assert_string_equal(fp_cipher_info(FP_CIPHER_AES_GCM_256)->name, "esp-aes-gcm-256");
	assert_string_equal(fp_cipher_info(FP_CIPHER_CHACHA20_POLY1305)->name,
			    "esp-chacha20-poly1305");
	assert_string_equal(fp_cipher_info(FP_CIPHER_NULL)->name, "esp-null");
	assert_string_equal(fp_integ_info(FP_INTEG_HMAC_SHA1_96)->name, "esp-sha-hmac");
	assert_string_equal(fp_integ_info(FP_INTEG_HMAC_SHA256_128)->name, "esp-sha-256-hmac");
	assert_string_equal(fp_integ_info(FP_INTEG_HMAC_SHA384_192)->name, "esp-sha-384-hmac");
	assert_string_equal(fp_integ_info(FP_INTEG_HMAC_SHA512_256)->name, "esp-sha-512-hmac");
	assert_null(fp_cipher_info(FP_CIPHER__COUNT));
	assert_null(fp_integ_info(FP_INTEG__COUNT));
	assert_int_equal(fp_crypto_icv_len(FP_CIPHER_AES_GCM_256, FP_INTEG_NONE), 16);
	assert_int_equal(fp_crypto_icv_len(FP_CIPHER_AES_CBC_256, FP_INTEG_HMAC_SHA1_96), 12);
	assert_int_equal(fp_crypto_icv_len(FP_CIPHER_AES_CBC_128, FP_INTEG_HMAC_SHA512_256), 32);
	assert_int_equal(fp_crypto_icv_len(FP_CIPHER__COUNT, FP_INTEG_NONE), 0);
	assert_int_equal(fp_cipher_info(FP_CIPHER_AES_CBC_128)->iv_len, 16);
	assert_int_equal(fp_cipher_info(FP_CIPHER_AES_GCM_128)->salt_len, 4);
	assert_int_equal(fp_crypto_memcmp("abcd", "abce", 4) != 0, 1);
	assert_int_equal(fp_crypto_memcmp("abcd", "abcd", 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_bad_keys),
		cmocka_unit_test(test_backend_choice),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_invalid_ops),
		cmocka_unit_test(test_esn_icv_overlap),
		cmocka_unit_test(test_bursts),
	};

	return cmocka_run_group_tests(tests, burst_setup, burst_teardown);
}
