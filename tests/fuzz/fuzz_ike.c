/* libFuzzer target: the IKEv2 message and payload codec (src/ike), the
 * first thing a peer's bytes reach. The first input byte picks what the
 * rest is: even, a whole message as UDP carries it; odd, a decrypted SK
 * plaintext whose second byte is the first inner payload type. Seeds are
 * charon's messages (tests/vectors/ike).
 *
 * Oracle: whatever parses is written back through the typed builders
 * (tests/unit/ike_rebuild.h); the result has the input's length, parses
 * again into the same chain, and writing that again gives the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/ike_rebuild.h"
#include "ike/ike_msg.h"

#define FUZZ_MAX 65536

static void same_chain(const struct fp_ike_chain *a, const struct fp_ike_chain *b)
{
	if (a->c_n != b->c_n || a->c_skipped != b->c_skipped)
		abort();
	for (unsigned i = 0; i < a->c_n; i++) {
		const struct fp_ike_pl *x = &a->c_pl[i], *y = &b->c_pl[i];
		if (x->pl_type != y->pl_type || x->pl_len != y->pl_len || x->pl_known != y->pl_known)
			abort();
		if (x->pl_len && memcmp(x->pl_body, y->pl_body, x->pl_len) != 0 &&
		    !(x->pl_known && x->pl_type != FP_IKE_PL_NONCE && x->pl_type != FP_IKE_PL_VENDOR &&
		      x->pl_type != FP_IKE_PL_SK))
			abort(); /* only reserved bytes of typed bodies may change */
	}
}

static void fuzz_msg(const uint8_t *d, size_t n)
{
	static struct fp_ike_msg m1, m2;
	static uint8_t b1[FUZZ_MAX], b2[FUZZ_MAX];
	struct fp_ike_hdr h;

	if (fp_ike_msg_parse(&m1, d, n) != FP_IKE_E_OK) {
		(void)fp_ike_hdr_parse(&h, d, n);
		return;
	}
	long n1 = ike_rebuild_msg(&m1, b1, sizeof(b1));
	if (n1 != (long)n || fp_ike_msg_parse(&m2, b1, (size_t)n1) != FP_IKE_E_OK)
		abort();
	same_chain(&m1.m_chain, &m2.m_chain);
	long n2 = ike_rebuild_msg(&m2, b2, sizeof(b2));
	if (n2 != n1 || memcmp(b1, b2, (size_t)n1) != 0)
		abort();
	(void)fp_ike_exchange_name(m1.m_hdr.h_exchange);
}

static void fuzz_inner(uint8_t first, const uint8_t *d, size_t n)
{
	static struct fp_ike_chain c1, c2;
	static uint8_t b1[FUZZ_MAX], b2[FUZZ_MAX];
	struct fp_ike_wr w;

	if (fp_ike_chain_parse(&c1, first, d, n, true) != FP_IKE_E_OK)
		return;
	fp_ike_wr_init_inner(&w, b1, sizeof(b1));
	if (ike_rebuild_chain(&w, &c1) < 0 || fp_ike_wr_finish(&w) != (long)n)
		abort();
	uint8_t first2 = n ? w.w_first : FP_IKE_PL_NONE;
	if (fp_ike_chain_parse(&c2, first2, b1, n, true) != FP_IKE_E_OK)
		abort();
	same_chain(&c1, &c2);
	fp_ike_wr_init_inner(&w, b2, sizeof(b2));
	if (ike_rebuild_chain(&w, &c2) < 0 || fp_ike_wr_finish(&w) != (long)n ||
	    memcmp(b1, b2, n) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > FUZZ_MAX)
		return 0;
	if (!(data[0] & 1))
		fuzz_msg(data + 1, size - 1);
	else if (size >= 2)
		fuzz_inner(data[1], data + 2, size - 2);
	return 0;
}
