/* Known answers for every transform on every backend built in: published
 * vectors (tests/vectors/crypto/, each file names its source) go through
 * fp_crypto_encrypt/decrypt with FP_CRYPTO_OPENSSL and, where present,
 * FP_CRYPTO_IPSEC_MB. Encrypt must give the published cipher text and tag,
 * decrypt the plain text, and one flipped bit in the tag, the cipher text or
 * the AAD must give FP_CRYPTO_EAUTH with the packet left as received. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/crypto.h"
#include "vectors.h"

static struct fp_crypto_thread *thr;
static enum fp_crypto_backend backends[2];
static unsigned n_backends;
static char where[640];        /* the vector being run, for failure messages */

static int kat_setup(void **state)
{
	(void)state;
	thr = fp_crypto_thread_new();
	n_backends = 0;
	backends[n_backends++] = FP_CRYPTO_OPENSSL;
	if (fp_crypto_have_ipsec_mb())
		backends[n_backends++] = FP_CRYPTO_IPSEC_MB;
	else
		print_message("intel-ipsec-mb not available: OpenSSL only\n");
	return thr ? 0 : -1;
}

static int kat_teardown(void **state)
{
	(void)state;
	fp_crypto_thread_free(thr);
	return 0;
}

static const char *be_name(enum fp_crypto_backend be)
{
	return be == FP_CRYPTO_IPSEC_MB ? "intel-ipsec-mb" : "openssl";
}

static void hex_print(const char *what, const uint8_t *p, size_t n)
{
	print_error("%s:", what);
	for (size_t i = 0; i < n; i++)
		print_error("%02x", p[i]);
	print_error("\n");
}

/* assert_memory_equal that names the vector and shows both sides. */
static void check_mem(const uint8_t *got, const uint8_t *want, size_t n, const char *what)
{
	if (n == 0 || memcmp(got, want, n) == 0)
		return;
	hex_print("  got ", got, n);
	hex_print("  want", want, n);
	fail_msg("%s: %s differs", where, what);
}

static void check_int(long got, long want, const char *what)
{
	if (got != want)
		fail_msg("%s: %s is %ld, expected %ld", where, what, got, want);
}

static struct fp_crypto_sa *sa_make(const struct fp_crypto_key *k, enum fp_crypto_backend be)
{
	const char *err = NULL;
	struct fp_crypto_sa *sa = fp_crypto_sa_new(k, be, &err);

	if (!sa)
		fail_msg("%s: fp_crypto_sa_new: %s", where, err);
	assert_string_equal(fp_crypto_sa_backend(sa), be_name(be));
	return sa;
}

static const struct fp_vec_field *need(const struct fp_vec *v, const char *name)
{
	const struct fp_vec_field *f = fp_vec_get(v, name);

	if (!f)
		fail_msg("%s: no %s", where, name);
	return f;
}

/* ---- AEAD: AES-GCM, ChaCha20-Poly1305 ---- */

struct aead_kat {
	const struct fp_vec_field *key, *nonce, *aad, *pt, *ct, *tag;
};

static struct fp_crypto_op aead_op(const struct aead_kat *a, uint8_t *aad, uint8_t *buf,
				   uint8_t *icv)
{
	struct fp_crypto_op op = {
		.iv = a->nonce->val + 4,
		.aad = aad,
		.aad_len = (uint32_t)a->aad->len,
		.data = buf,
		.data_len = (uint32_t)a->pt->len,
		.icv = icv,
	};
	return op;
}

static void aead_seal_open(struct fp_crypto_sa *sa, const struct aead_kat *a)
{
	uint8_t buf[FP_VEC_MAX_LEN], icv[16], aad[FP_VEC_MAX_LEN];
	struct fp_crypto_op op;

	memcpy(aad, a->aad->val, a->aad->len);
	memcpy(buf, a->pt->val, a->pt->len);
	op = aead_op(a, aad, buf, icv);
	check_int(fp_crypto_encrypt(thr, sa, &op, 1), 1, "encrypt count");
	check_int(op.status, FP_CRYPTO_OK, "encrypt status");
	check_mem(buf, a->ct->val, a->ct->len, "cipher text");
	check_mem(icv, a->tag->val, 16, "tag");

	memcpy(buf, a->ct->val, a->ct->len);
	memcpy(icv, a->tag->val, 16);
	op = aead_op(a, aad, buf, icv);
	check_int(fp_crypto_decrypt(thr, sa, &op, 1), 1, "decrypt count");
	check_int(op.status, FP_CRYPTO_OK, "decrypt status");
	check_mem(buf, a->pt->val, a->pt->len, "plain text");
}

enum tamper { T_TAG, T_DATA, T_AAD };

/* One flipped bit: EAUTH, and the payload stays as it was received. */
static void aead_forged(struct fp_crypto_sa *sa, const struct aead_kat *a, enum tamper what)
{
	uint8_t buf[FP_VEC_MAX_LEN], sent[FP_VEC_MAX_LEN], icv[16], aad[FP_VEC_MAX_LEN];
	struct fp_crypto_op op;

	if ((what == T_DATA && !a->ct->len) || (what == T_AAD && !a->aad->len))
		return;
	memcpy(aad, a->aad->val, a->aad->len);
	memcpy(buf, a->ct->val, a->ct->len);
	memcpy(icv, a->tag->val, 16);
	if (what == T_TAG)
		icv[15] ^= 0x01;
	else if (what == T_DATA)
		buf[a->ct->len / 2] ^= 0x80;
	else
		aad[a->aad->len - 1] ^= 0x10;
	memcpy(sent, buf, a->ct->len);
	op = aead_op(a, aad, buf, icv);
	check_int(fp_crypto_decrypt(thr, sa, &op, 1), 0, "forged decrypt count");
	check_int(op.status, FP_CRYPTO_EAUTH, "forged decrypt status");
	check_mem(buf, sent, a->ct->len, "payload after a failed decrypt");
}

static enum fp_cipher aead_cipher(const char *file, size_t key_len)
{
	if (strstr(file, "chacha"))
		return FP_CIPHER_CHACHA20_POLY1305;
	return key_len == 16 ? FP_CIPHER_AES_GCM_128 : FP_CIPHER_AES_GCM_256;
}

static void aead_vector(const char *file, const struct fp_vec *v, enum fp_crypto_backend be)
{
	struct aead_kat a = {
		need(v, "KEY"), need(v, "NONCE"), need(v, "AAD"),
		need(v, "PT"), need(v, "CT"), need(v, "TAG"),
	};
	struct fp_crypto_key k = { .cipher = aead_cipher(file, a.key->len) };
	struct fp_crypto_sa *sa;

	assert_int_equal(a.nonce->len, 12);
	assert_int_equal(a.tag->len, 16);
	assert_int_equal(a.pt->len, a.ct->len);
	/* Keying material = key || salt; the salt is the nonce's first 4 bytes. */
	memcpy(k.ckey, a.key->val, a.key->len);
	memcpy(k.ckey + a.key->len, a.nonce->val, 4);
	k.ckey_len = (uint8_t)(a.key->len + 4);
	sa = sa_make(&k, be);
	aead_seal_open(sa, &a);
	aead_forged(sa, &a, T_TAG);
	aead_forged(sa, &a, T_DATA);
	aead_forged(sa, &a, T_AAD);
	fp_crypto_sa_free(sa);
}

typedef void vector_fn(const char *file, const struct fp_vec *v, enum fp_crypto_backend be);

/* Every record of file through fn on every backend; returns the count. */
static unsigned run_file(const char *file, vector_fn *fn)
{
	struct fp_vec_file vf;
	struct fp_vec v;
	unsigned n = 0;
	int rc;

	if (fp_vec_open(&vf, file) < 0)
		fail_msg("cannot open %s/%s", FP_TEST_VECTORS, file);
	while ((rc = fp_vec_next(&vf, &v)) == 1) {
		for (unsigned b = 0; b < n_backends; b++) {
			snprintf(where, sizeof(where), "%s:%u [%s]", file, v.line,
				 be_name(backends[b]));
			fn(file, &v, backends[b]);
		}
		n++;
	}
	fp_vec_close(&vf);
	if (rc < 0)
		fail_msg("%s: malformed line %u", file, vf.line);
	assert_true(n > 0);
	return n;
}

static void test_gcm_nist(void **state)
{
	(void)state;
	assert_int_equal(run_file("crypto/aes_gcm_nist.txt", aead_vector), 50);
}

static void test_gcm_esp(void **state)
{
	(void)state;
	assert_int_equal(run_file("crypto/aes_gcm_esp.txt", aead_vector), 13);
}

static void test_chacha20_poly1305(void **state)
{
	(void)state;
	assert_int_equal(run_file("crypto/chacha20_poly1305.txt", aead_vector), 22);
}

/* ---- AES-CBC + HMAC ---- */

static const EVP_MD *integ_md(enum fp_integ i)
{
	switch (i) {
	case FP_INTEG_HMAC_SHA1_96:
		return EVP_sha1();
	case FP_INTEG_HMAC_SHA256_128:
		return EVP_sha256();
	case FP_INTEG_HMAC_SHA384_192:
		return EVP_sha384();
	default:
		return EVP_sha512();
	}
}

/* The reference ICV: libcrypto's one-shot HMAC, truncated. */
static void ref_icv(const struct fp_crypto_key *k, const uint8_t *msg, size_t len, uint8_t *icv)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned md_len;

	assert_non_null(HMAC(integ_md(k->integ), k->akey, k->akey_len, msg, len, md, &md_len));
	memcpy(icv, md, fp_integ_info(k->integ)->icv_len);
}

/* An ESP-shaped CBC packet: header (8) | IV (16) | payload; the MAC covers
 * all of it, the ICV lies apart. */
#define CBC_HDR 8u
#define CBC_IV 16u

struct cbc_pkt {
	uint8_t buf[CBC_HDR + CBC_IV + FP_VEC_MAX_LEN];
	uint8_t icv[32];
	struct fp_crypto_op op;
};

static void cbc_pkt_init(struct cbc_pkt *p, const uint8_t *iv, const uint8_t *payload, size_t len)
{
	static const uint8_t hdr[CBC_HDR] = { 0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x01 };

	memcpy(p->buf, hdr, CBC_HDR);
	memcpy(p->buf + CBC_HDR, iv, CBC_IV);
	memcpy(p->buf + CBC_HDR + CBC_IV, payload, len);
	memset(&p->op, 0, sizeof(p->op));
	p->op.iv = p->buf + CBC_HDR;
	p->op.data = p->buf + CBC_HDR + CBC_IV;
	p->op.data_len = (uint32_t)len;
	p->op.auth = p->buf;
	p->op.auth_len = (uint32_t)(CBC_HDR + CBC_IV + len);
	p->op.icv = p->icv;
}

/* Flip one bit of the tag, the payload, the header or the IV. */
static void cbc_forged(struct fp_crypto_sa *sa, const struct fp_crypto_key *k, const uint8_t *iv,
		       const struct fp_vec_field *ct, unsigned flip_at)
{
	struct cbc_pkt p;
	uint8_t sent[sizeof(p.buf)];
	unsigned icv_len = fp_integ_info(k->integ)->icv_len;

	cbc_pkt_init(&p, iv, ct->val, ct->len);
	ref_icv(k, p.buf, p.op.auth_len, p.icv);
	if (flip_at == UINT32_MAX)
		p.icv[icv_len - 1] ^= 0x04;
	else
		p.buf[flip_at] ^= 0x40;
	memcpy(sent, p.buf, p.op.auth_len);
	check_int(fp_crypto_decrypt(thr, sa, &p.op, 1), 0, "forged decrypt count");
	check_int(p.op.status, FP_CRYPTO_EAUTH, "forged decrypt status");
	check_mem(p.buf, sent, p.op.auth_len, "packet after a failed decrypt");
}

static void cbc_vector(const char *file, const struct fp_vec *v, enum fp_crypto_backend be)
{
	static unsigned turn;
	const struct fp_vec_field *key = need(v, "KEY"), *iv = need(v, "IV");
	const struct fp_vec_field *pt = need(v, "PT"), *ct = need(v, "CT");
	struct fp_crypto_key k = { .cipher = key->len == 16 ? FP_CIPHER_AES_CBC_128
							    : FP_CIPHER_AES_CBC_256 };
	uint8_t want_icv[32];
	struct fp_crypto_sa *sa;
	struct cbc_pkt p;

	(void)file;
	/* Each vector with another HMAC, so all four meet CBC-128 and -256. */
	k.integ = (enum fp_integ)(FP_INTEG_HMAC_SHA1_96 + turn++ / 2 % 4);
	memcpy(k.ckey, key->val, key->len);
	k.ckey_len = (uint8_t)key->len;
	k.akey_len = fp_integ_info(k.integ)->key_len;
	for (unsigned i = 0; i < k.akey_len; i++)
		k.akey[i] = (uint8_t)(0xa0 + i);
	sa = sa_make(&k, be);

	cbc_pkt_init(&p, iv->val, pt->val, pt->len);
	check_int(fp_crypto_encrypt(thr, sa, &p.op, 1), 1, "encrypt count");
	check_mem(p.op.data, ct->val, ct->len, "cipher text");
	ref_icv(&k, p.buf, p.op.auth_len, want_icv);
	check_mem(p.icv, want_icv, fp_integ_info(k.integ)->icv_len, "icv");

	cbc_pkt_init(&p, iv->val, ct->val, ct->len);
	memcpy(p.icv, want_icv, sizeof(want_icv));
	check_int(fp_crypto_decrypt(thr, sa, &p.op, 1), 1, "decrypt count");
	check_mem(p.op.data, pt->val, pt->len, "plain text");

	cbc_forged(sa, &k, iv->val, ct, UINT32_MAX);
	cbc_forged(sa, &k, iv->val, ct, CBC_HDR + CBC_IV + (unsigned)ct->len - 1);
	cbc_forged(sa, &k, iv->val, ct, 3);
	cbc_forged(sa, &k, iv->val, ct, CBC_HDR + 5);
	fp_crypto_sa_free(sa);
}

static void test_cbc_nist(void **state)
{
	(void)state;
	assert_int_equal(run_file("crypto/aes_cbc_nist.txt", cbc_vector), 26);
}

/* ---- HMAC through the CBC+HMAC and esp-null paths ----
 *
 * The published HMAC over the auth region must be the ICV. ESP's HMAC keys
 * are one digest long; RFC 2104 pads a key with zeros to the hash's block
 * size, so a shorter published key K and K || 00..00 (still within the
 * block) are the same HMAC key: the vectors' keys are zero-extended. */

static enum fp_integ hmac_integ;

static void hmac_key(struct fp_crypto_key *k, enum fp_cipher c, const struct fp_vec_field *key)
{
	memset(k, 0, sizeof(*k));
	k->cipher = c;
	k->integ = hmac_integ;
	k->ckey_len = fp_cipher_info(c)->key_len;
	memset(k->ckey, 0x5a, k->ckey_len);
	k->akey_len = fp_integ_info(hmac_integ)->key_len;
	assert_true(key->len <= k->akey_len);
	memcpy(k->akey, key->val, key->len);
}

/* Encrypt over msg with the payload of data_len bytes at its end. */
static void hmac_seal(struct fp_crypto_sa *sa, const struct fp_vec_field *msg, uint32_t data_len,
		      const struct fp_vec_field *mac)
{
	static const uint8_t iv[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	uint8_t buf[FP_VEC_MAX_LEN], icv[32];
	struct fp_crypto_op op = {
		.iv = iv, .data = buf + msg->len - data_len, .data_len = data_len,
		.auth = buf, .auth_len = (uint32_t)msg->len, .icv = icv,
	};

	memcpy(buf, msg->val, msg->len);
	check_int(fp_crypto_encrypt(thr, sa, &op, 1), 1, "encrypt count");
	check_mem(icv, mac->val, fp_integ_info(hmac_integ)->icv_len, "icv");
	check_mem(buf, msg->val, msg->len, "message (nothing to cipher)");
}

/* Decrypt msg as received, its last whole blocks being the payload: the
 * published MAC must verify, and fail with one bit flipped. */
static void hmac_open(struct fp_crypto_sa *sa, const struct fp_vec_field *msg, uint32_t data_len,
		      const struct fp_vec_field *mac)
{
	static const uint8_t iv[16];
	uint8_t buf[FP_VEC_MAX_LEN], icv[32];
	unsigned icv_len = fp_integ_info(hmac_integ)->icv_len;
	struct fp_crypto_op op = {
		.iv = iv, .data = buf + msg->len - data_len, .data_len = data_len,
		.auth = buf, .auth_len = (uint32_t)msg->len, .icv = icv,
	};

	memcpy(buf, msg->val, msg->len);
	memcpy(icv, mac->val, icv_len);
	check_int(fp_crypto_decrypt(thr, sa, &op, 1), 1, "decrypt count");
	memcpy(buf, msg->val, msg->len);
	icv[0] ^= 0x80;
	check_int(fp_crypto_decrypt(thr, sa, &op, 1), 0, "forged decrypt count");
	check_int(op.status, FP_CRYPTO_EAUTH, "forged decrypt status");
	check_mem(buf, msg->val, msg->len, "message after a failed decrypt");
}

static void hmac_vector(const char *file, const struct fp_vec *v, enum fp_crypto_backend be)
{
	const struct fp_vec_field *key = need(v, "KEY"), *msg = need(v, "MSG");
	const struct fp_vec_field *mac = need(v, "MAC");
	uint32_t blocks = (uint32_t)(msg->len & ~(size_t)15);
	struct fp_crypto_key k;
	struct fp_crypto_sa *sa;

	(void)file;
	assert_int_equal(mac->len, EVP_MD_get_size(integ_md(hmac_integ)));
	hmac_key(&k, FP_CIPHER_AES_CBC_128, key);
	sa = sa_make(&k, be);
	hmac_seal(sa, msg, 0, mac);
	hmac_open(sa, msg, 0, mac);
	hmac_open(sa, msg, blocks, mac);
	fp_crypto_sa_free(sa);

	hmac_key(&k, FP_CIPHER_NULL, key);
	sa = sa_make(&k, be);
	hmac_seal(sa, msg, (uint32_t)msg->len, mac);
	hmac_open(sa, msg, (uint32_t)msg->len, mac);
	fp_crypto_sa_free(sa);
}

static void hmac_file(enum fp_integ i, const char *file, unsigned n)
{
	hmac_integ = i;
	assert_int_equal(run_file(file, hmac_vector), n);
}

static void test_hmac_sha1(void **state)
{
	(void)state;
	hmac_file(FP_INTEG_HMAC_SHA1_96, "crypto/hmac_sha1.txt", 4);
}

static void test_hmac_sha256(void **state)
{
	(void)state;
	hmac_file(FP_INTEG_HMAC_SHA256_128, "crypto/hmac_sha256.txt", 4);
}

static void test_hmac_sha384(void **state)
{
	(void)state;
	hmac_file(FP_INTEG_HMAC_SHA384_192, "crypto/hmac_sha384.txt", 4);
}

static void test_hmac_sha512(void **state)
{
	(void)state;
	hmac_file(FP_INTEG_HMAC_SHA512_256, "crypto/hmac_sha512.txt", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gcm_nist),
		cmocka_unit_test(test_gcm_esp),
		cmocka_unit_test(test_chacha20_poly1305),
		cmocka_unit_test(test_cbc_nist),
		cmocka_unit_test(test_hmac_sha1),
		cmocka_unit_test(test_hmac_sha256),
		cmocka_unit_test(test_hmac_sha384),
		cmocka_unit_test(test_hmac_sha512),
	};

	return cmocka_run_group_tests(tests, kat_setup, kat_teardown);
}
