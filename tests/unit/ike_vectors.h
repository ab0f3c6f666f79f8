/* charon's captures and logged keys (tests/vectors/ike/README) for the key
 * material and SK tests: messages as files, keys as "name hex" lines of
 * keys-*.txt, and the IKE SA keys of a capture derived from its
 * IKE_SA_INIT pair. Header-only, for the cmocka test programs. */
#ifndef FP_TEST_IKE_VECTORS_H
#define FP_TEST_IKE_VECTORS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ike/ike_keys.h"
#include "ike/ike_msg.h"
#include "ike/ike_sk.h"

#define IKEV_MSG_MAX 2048
#define IKEV_KEY_MAX 512

struct ikev_buf {
	uint8_t b[IKEV_MSG_MAX];
	size_t n;
};

static inline FILE *ikev_open(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/ike/%s", FP_TEST_VECTORS, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	return f;
}

/* tests/vectors/ike/name, whole. */
static inline void ikev_load(struct ikev_buf *v, const char *name)
{
	FILE *f = ikev_open(name);
	v->n = fread(v->b, 1, sizeof(v->b), f);
	fclose(f);
	assert_true(v->n > 0 && v->n < sizeof(v->b));
}

static inline size_t ikev_unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned x;
	while (n < cap && sscanf(s + 2 * n, "%2x", &x) == 1)
		out[n++] = (uint8_t)x;
	return n;
}

/* The value named name in keys file file; its length. */
static inline size_t ikev_key(const char *file, const char *name, uint8_t *out)
{
	static char line[2 * IKEV_KEY_MAX + 64];
	FILE *f = ikev_open(file);
	size_t n = 0, nl = strlen(name);
	while (!n && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, nl) && line[nl] == ' ')
			n = ikev_unhex(line + nl + 1, out, IKEV_KEY_MAX);
	fclose(f);
	assert_true(n > 0);
	return n;
}

/* A parsed message and the body of its first payload of type. */
static inline const struct fp_ike_pl *ikev_find(struct fp_ike_msg *m, const struct ikev_buf *v,
						uint8_t type)
{
	assert_int_equal(fp_ike_msg_parse(m, v->b, v->n), FP_IKE_E_OK);
	const struct fp_ike_pl *pl = fp_ike_chain_find(&m->m_chain, type, NULL);
	assert_non_null(pl);
	return pl;
}

/* What an IKE SA's keys come from: both IKE_SA_INIT messages, g^ir. */
struct ikev_sa {
	struct ikev_buf req, resp;
	struct fp_ike_msg mreq, mresp;
	uint8_t gir[IKEV_KEY_MAX];
	struct fp_ike_kin kin;
};

static inline void ikev_sa_load(struct ikev_sa *s, const char *req, const char *resp,
				const char *keys)
{
	ikev_load(&s->req, req);
	ikev_load(&s->resp, resp);
	const struct fp_ike_pl *ni = ikev_find(&s->mreq, &s->req, FP_IKE_PL_NONCE);
	const struct fp_ike_pl *nr = ikev_find(&s->mresp, &s->resp, FP_IKE_PL_NONCE);
	s->kin = (struct fp_ike_kin){
		.ki_ni = ni->pl_body, .ki_ni_len = ni->pl_len,
		.ki_nr = nr->pl_body, .ki_nr_len = nr->pl_len,
		/* the response carries both SPIs */
		.ki_spi_i = s->mresp.m_hdr.h_spi_i, .ki_spi_r = s->mresp.m_hdr.h_spi_r,
		.ki_gir = s->gir,
	};
	s->kin.ki_gir_len = ikev_key(keys, "gir", s->gir);
}

/* charon's IKE proposal in every capture: aes256-sha256 (prf sha256). */
static const struct fp_ike_suite ikev_suite_cbc256 = {
	.su_encr = 12 /* AES-CBC */, .su_encr_bits = 256, .su_integ = 12 /* HMAC-SHA2-256-128 */,
	.su_prf = 5 /* PRF-HMAC-SHA2-256 */,
};

/* A message of the capture opened with the keys of its sender, its inner
 * chain parsed; returns the plaintext chain's length. */
static inline size_t ikev_open_msg(const struct fp_ike_keys *k, bool from_initiator,
				   const struct ikev_buf *v, uint8_t *plain, size_t cap,
				   struct fp_ike_chain *inner)
{
	static struct fp_ike_msg m;
	struct fp_ike_sk_dir sd;
	struct fp_ike_sk_view sv;
	size_t n = 0;
	fp_ike_sk_dir_init(&sd, k, from_initiator);
	assert_int_equal(fp_ike_msg_parse(&m, v->b, v->n), FP_IKE_E_OK);
	assert_int_equal(fp_ike_sk_open(&sd, &m, plain, cap, &n, &sv), FP_IKE_SK_E_OK);
	assert_int_equal(fp_ike_chain_parse(inner, sv.sv_first, plain, n, true), FP_IKE_E_OK);
	return n;
}

/* The keys of the fragmented capture (auth-req-frag*.bin), as charon
 * logged them. */
static inline void ikev_frag_keys(struct fp_ike_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->k_suite = ikev_suite_cbc256;
	k->k_prf_len = k->k_a_len = k->k_e_len = 32;
	ikev_key("keys-frag.txt", "sk_ai", k->k_ai);
	ikev_key("keys-frag.txt", "sk_ar", k->k_ar);
	ikev_key("keys-frag.txt", "sk_ei", k->k_ei);
	ikev_key("keys-frag.txt", "sk_er", k->k_er);
}

#endif
