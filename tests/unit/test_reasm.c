/* Reassembly (datapath/reasm.h) against fragments made by hand: a datagram
 * is whole only when its pieces cover every byte, whatever order they come
 * in, and nothing of an earlier datagram ever fills a hole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/inet.h"
#include "datapath/reasm.h"

static struct fp_pkt *pkt_new(void)
{
	struct fp_pkt *p = aligned_alloc(64, sizeof(*p));
	assert_non_null(p);
	fp_pkt_reset(p);
	return p;
}

/* An IPv4 fragment of datagram id: payload bytes [off, off+len), each
 * byte fill ^ its offset so that misplaced bytes show. */
static void frag4(struct fp_pkt *p, uint16_t id, uint16_t off, uint16_t len, int more, uint8_t fill)
{
	fp_pkt_reset(p);
	uint8_t *h = fp_pkt_put(p, FP_IPV4_HLEN + len);
	memset(h, 0, FP_IPV4_HLEN);
	h[0] = 0x45, h[8] = 64, h[9] = 50;
	fp_put16(h + 2, (uint16_t)(FP_IPV4_HLEN + len));
	fp_put16(h + 4, id);
	fp_put16(h + 6, (uint16_t)((more ? 0x2000 : 0) | off / 8));
	memcpy(h + 12, (uint8_t[]){192, 0, 2, 1}, 4);
	memcpy(h + 16, (uint8_t[]){192, 0, 2, 2}, 4);
	for (unsigned i = 0; i < len; i++)
		h[FP_IPV4_HLEN + i] = (uint8_t)(fill ^ (off + i));
	fp_ipv4_csum_set(h);
}

struct case_frag {
	uint16_t off, len;
	int more;
};

/* Feed the pieces in order; returns what the last one gave. */
static enum fp_drop feed(struct fp_reasm *r, struct fp_pkt *p, uint16_t id, uint8_t fill,
			 const struct case_frag *f, unsigned n)
{
	enum fp_drop why = FP_DROP_NONE;
	for (unsigned i = 0; i < n; i++) {
		frag4(p, id, f[i].off, f[i].len, f[i].more, fill);
		why = fp_reasm_add(r, p, 1 + i);
		if (i + 1 < n && why != FP_DROP_IP_FRAGMENT)
			return why;
	}
	return why;
}

/* The case: a piece past the end, kept before the last one
 * arrived, made the byte count add up over a hole that an earlier
 * datagram's bytes then filled. */
static void test_hole_with_piece_past_end(void **state)
{
	(void)state;
	struct fp_reasm r;
	struct fp_pkt *p = pkt_new();
	assert_int_equal(fp_reasm_init(&r), 0);
	/* a whole datagram first, so the slot's buffer holds its bytes */
	const struct case_frag whole[] = {{0, 16, 1}, {16, 16, 1}, {32, 8, 0}};
	assert_int_equal(feed(&r, p, 1, 0xaa, whole, 3), FP_DROP_NONE);
	/* [0,8) [100,108) then a last piece [16,24): 24 bytes "kept" for a
	 * total of 24, with [8,16) never sent */
	const struct case_frag holed[] = {{0, 8, 1}, {100, 8, 1}, {16, 8, 0}};
	assert_int_equal(feed(&r, p, 2, 0x55, holed, 3), FP_DROP_FRAG_INVALID);
	assert_int_equal(r.done, 1);
	/* and the slot is free again: a good datagram of the same id passes */
	assert_int_equal(feed(&r, p, 2, 0x55, whole, 3), FP_DROP_NONE);
	fp_reasm_fini(&r);
	free(p);
}

/* A hole alone never completes, however the sizes add up. */
static void test_hole_never_whole(void **state)
{
	(void)state;
	struct fp_reasm r;
	struct fp_pkt *p = pkt_new();
	assert_int_equal(fp_reasm_init(&r), 0);
	const struct case_frag holed[] = {{0, 8, 1}, {16, 8, 0}};
	assert_int_equal(feed(&r, p, 3, 0x11, holed, 2), FP_DROP_IP_FRAGMENT);
	assert_int_equal(r.done, 0);
	/* the missing piece completes it, with every byte in place */
	frag4(p, 3, 8, 8, 1, 0x11);
	assert_int_equal(fp_reasm_add(&r, p, 5), FP_DROP_NONE);
	assert_int_equal(p->len, FP_IPV4_HLEN + 24);
	for (unsigned i = 0; i < 24; i++)
		assert_int_equal(p->data[FP_IPV4_HLEN + i], (uint8_t)(0x11 ^ i));
	fp_reasm_fini(&r);
	free(p);
}

/* Out of order, last piece first: the pieces that follow must fit in it. */
static void test_last_first(void **state)
{
	(void)state;
	struct fp_reasm r;
	struct fp_pkt *p = pkt_new();
	assert_int_equal(fp_reasm_init(&r), 0);
	const struct case_frag past[] = {{16, 8, 0}, {24, 8, 1}};
	assert_int_equal(feed(&r, p, 4, 0x22, past, 2), FP_DROP_FRAG_INVALID);
	const struct case_frag ok[] = {{16, 8, 0}, {8, 8, 1}, {0, 8, 1}};
	assert_int_equal(feed(&r, p, 5, 0x22, ok, 3), FP_DROP_NONE);
	for (unsigned i = 0; i < 24; i++)
		assert_int_equal(p->data[FP_IPV4_HLEN + i], (uint8_t)(0x22 ^ i));
	fp_reasm_fini(&r);
	free(p);
}

/* An empty piece (a header and nothing else) never counts: once it made
 * the walk over the pieces stand still for ever. */
static void test_empty_piece(void **state)
{
	(void)state;
	struct fp_reasm r;
	struct fp_pkt *p = pkt_new();
	assert_int_equal(fp_reasm_init(&r), 0);
	const struct case_frag empty[] = {{0, 8, 1}, {8, 0, 1}};
	assert_int_equal(feed(&r, p, 6, 0x33, empty, 2), FP_DROP_FRAG_INVALID);
	const struct case_frag ok[] = {{0, 8, 1}, {8, 8, 0}};
	assert_int_equal(feed(&r, p, 6, 0x33, ok, 2), FP_DROP_NONE);
	fp_reasm_fini(&r);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hole_with_piece_past_end),
		cmocka_unit_test(test_hole_never_whole),
		cmocka_unit_test(test_last_first),
		cmocka_unit_test(test_empty_piece),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
