/* libFuzzer target: the SK payload's protection (src/ike/ike_sk.c) and the
 * decrypted payload chains behind it. The first input byte picks a suite
 * (its low 3 bits) and a mode (bit 3):
 *   0: the rest is an SK plaintext (first inner type, then the chain):
 *      sealed under fixed keys, opened again, it must come back the same;
 *      one byte of the sealed message changed (where: input bytes 1-2)
 *      must fail the ICV; a chain that parses is rebuilt to its length.
 *   1: the rest is a whole message: whatever parses is opened with the
 *      fixed keys, which must fail cleanly or return a bounded plaintext.
 * Seeds: charon's SK plaintexts and messages (tests/vectors/ike). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/ike_rebuild.h"
#include "ike/ike_build.h"
#include "ike/ike_sk.h"

#define FUZZ_MAX 16384

static const struct fp_ike_suite suites[] = {
	{FP_IKE_ENCR_AES_CBC, 128, FP_IKE_INTEG_HMAC_SHA1_96, FP_IKE_PRF_HMAC_SHA1},
	{FP_IKE_ENCR_AES_CBC, 256, FP_IKE_INTEG_HMAC_SHA2_256_128, FP_IKE_PRF_HMAC_SHA2_256},
	{FP_IKE_ENCR_AES_CBC, 192, FP_IKE_INTEG_HMAC_SHA2_384_192, FP_IKE_PRF_HMAC_SHA2_384},
	{FP_IKE_ENCR_AES_CBC, 256, FP_IKE_INTEG_HMAC_SHA2_512_256, FP_IKE_PRF_HMAC_SHA2_512},
	{FP_IKE_ENCR_AES_GCM_16, 128, FP_IKE_INTEG_NONE, FP_IKE_PRF_HMAC_SHA2_256},
	{FP_IKE_ENCR_AES_GCM_16, 256, FP_IKE_INTEG_NONE, FP_IKE_PRF_HMAC_SHA2_512},
	{FP_IKE_ENCR_AES_GCM_8, 256, FP_IKE_INTEG_NONE, FP_IKE_PRF_HMAC_SHA2_256},
	{FP_IKE_ENCR_AES_GCM_12, 192, FP_IKE_INTEG_NONE, FP_IKE_PRF_HMAC_SHA2_384},
};

/* Fixed keys cut for suite i: any bytes do, the oracle is the round trip. */
static void fuzz_dir(struct fp_ike_sk_dir *sd, unsigned i)
{
	static struct fp_ike_keys k;
	const struct fp_ike_suite *s = &suites[i];
	memset(&k, 0x3c, sizeof(k));
	k.k_suite = *s;
	k.k_e_len = (uint8_t)fp_ike_encr_key_len(s->su_encr, s->su_encr_bits);
	k.k_a_len = (uint8_t)fp_ike_integ_key_len(s->su_integ);
	fp_ike_sk_dir_init(sd, &k, true);
}

/* Header + SK of body bytes into buf; the IV offset, or 0 if it did not fit. */
static size_t fuzz_layout(uint8_t *buf, size_t cap, uint8_t first, size_t body, long *len)
{
	static const struct fp_ike_hdr h = {
		.h_spi_i = {1, 2, 3, 4, 5, 6, 7, 8}, .h_spi_r = {8, 7, 6, 5, 4, 3, 2, 1},
		.h_version = FP_IKE_VERSION, .h_exchange = FP_IKE_EX_INFORMATIONAL,
		.h_flags = FP_IKE_FLAG_INITIATOR, .h_msgid = 7,
	};
	struct fp_ike_wr w;
	fp_ike_wr_init(&w, buf, cap);
	fp_ike_put_hdr(&w, &h);
	uint8_t *p = fp_ike_put_sk(&w, first, NULL, body);
	*len = fp_ike_wr_finish(&w);
	return p && *len > 0 ? (size_t)(p - buf) : 0;
}

static void fuzz_rebuild(uint8_t first, const uint8_t *d, size_t n)
{
	static struct fp_ike_chain c;
	static uint8_t b[FUZZ_MAX];
	struct fp_ike_wr w;
	if (fp_ike_chain_parse(&c, first, d, n, true) != FP_IKE_E_OK)
		return;
	fp_ike_wr_init_inner(&w, b, sizeof(b));
	if (ike_rebuild_chain(&w, &c) < 0 || fp_ike_wr_finish(&w) != (long)n)
		abort();
}

static void fuzz_seal_open(unsigned suite, uint16_t flip, const uint8_t *d, size_t n)
{
	static uint8_t msg[FUZZ_MAX + 512], out[FUZZ_MAX + 512];
	static struct fp_ike_msg m;
	struct fp_ike_sk_dir sd;
	struct fp_ike_sk_view sv;
	size_t got;
	long len;

	if (n < 1)
		return;
	fuzz_dir(&sd, suite);
	size_t iv_off = fuzz_layout(msg, sizeof(msg), d[0], fp_ike_sk_body_len(&sd, n - 1, 0), &len);
	if (!iv_off)
		return; /* longer than one payload can be */
	if (fp_ike_sk_seal(&sd, msg, (size_t)len, iv_off, d + 1, n - 1, NULL) != FP_IKE_SK_E_OK ||
	    fp_ike_msg_parse(&m, msg, (size_t)len) != FP_IKE_E_OK ||
	    fp_ike_sk_open(&sd, &m, out, sizeof(out), &got, &sv) != FP_IKE_SK_E_OK ||
	    got != n - 1 || memcmp(out, d + 1, got) != 0 || sv.sv_first != d[0])
		abort();
	fuzz_rebuild(d[0], out, got);

	/* any byte but the header's length (which parsing checks) is covered */
	size_t at = flip % (size_t)len;
	if (at >= 24 && at < 28)
		return;
	msg[at] ^= 0x01;
	if (fp_ike_msg_parse(&m, msg, (size_t)len) == FP_IKE_E_OK &&
	    fp_ike_sk_open(&sd, &m, out, sizeof(out), &got, &sv) == FP_IKE_SK_E_OK)
		abort();
}

static void fuzz_open_msg(unsigned suite, const uint8_t *d, size_t n)
{
	static struct fp_ike_msg m;
	static uint8_t out[FUZZ_MAX];
	struct fp_ike_sk_dir sd;
	struct fp_ike_sk_view sv;
	size_t got;
	fuzz_dir(&sd, suite);
	if (fp_ike_msg_parse(&m, d, n) != FP_IKE_E_OK)
		return;
	if (fp_ike_sk_open(&sd, &m, out, sizeof(out), &got, &sv) == FP_IKE_SK_E_OK) {
		if (got >= n)
			abort();
		fuzz_rebuild(sv.sv_first, out, got);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3 || size > FUZZ_MAX)
		return 0;
	unsigned suite = data[0] & 7;
	if (data[0] & 8)
		fuzz_open_msg(suite, data + 1, size - 1);
	else
		fuzz_seal_open(suite, (uint16_t)(data[1] << 8 | data[2]), data + 3, size - 3);
	return 0;
}
