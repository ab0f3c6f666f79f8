/* Anti-replay window: table of cases in the style of WireGuard's
 * selftest/counter.c, for windows 64..1024, with and without ESN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "offload/replay.h"

/* Check then commit, as the engine does around a verified ICV. */
static enum fp_replay_verdict feed(struct fp_replay *r, uint32_t lo, uint64_t *full)
{
	uint64_t seq;
	enum fp_replay_verdict v = fp_replay_check(r, lo, &seq);
	if (full)
		*full = seq;
	if (v != FP_REPLAY_OK)
		return v;
	return fp_replay_commit(r, seq);
}

static void test_window_cases(void **state)
{
	static const uint32_t windows[] = {32, 64, 128, 256, 512, 1024};
	(void)state;
	for (unsigned w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		uint32_t W = windows[w];
		struct fp_replay r;
		assert_int_equal(fp_replay_init(&r, W, false), 0);
		assert_int_equal(feed(&r, 0, NULL), FP_REPLAY_OLD);      /* seq 0 never valid */
		assert_int_equal(feed(&r, 1, NULL), FP_REPLAY_OK);
		assert_int_equal(feed(&r, 1, NULL), FP_REPLAY_DUP);
		assert_int_equal(feed(&r, 3, NULL), FP_REPLAY_OK);
		assert_int_equal(feed(&r, 2, NULL), FP_REPLAY_OK);       /* reordered, inside */
		assert_int_equal(feed(&r, 2, NULL), FP_REPLAY_DUP);
		assert_int_equal(feed(&r, W + 10, NULL), FP_REPLAY_OK);  /* jump */
		assert_int_equal(feed(&r, 10, NULL), FP_REPLAY_OLD);     /* left of window */
		assert_int_equal(feed(&r, 11, NULL), FP_REPLAY_OK);      /* oldest still inside */
		assert_int_equal(feed(&r, 11, NULL), FP_REPLAY_DUP);
		assert_int_equal(feed(&r, W + 9, NULL), FP_REPLAY_OK);
		/* every sequence number in a fresh window once, in reverse */
		uint32_t top = 10 * W;
		assert_int_equal(feed(&r, top, NULL), FP_REPLAY_OK);
		for (uint32_t s = top - 1; s > top - W; s--)
			assert_int_equal(feed(&r, s, NULL), FP_REPLAY_OK);
		for (uint32_t s = top; s > top - W; s--)
			assert_int_equal(feed(&r, s, NULL), FP_REPLAY_DUP);
		assert_int_equal(feed(&r, top - W, NULL), FP_REPLAY_OLD);
		/* a jump of exactly one window and of less than a word */
		assert_int_equal(feed(&r, top + W, NULL), FP_REPLAY_OK);
		assert_int_equal(feed(&r, top + 1, NULL), FP_REPLAY_OK);
		assert_int_equal(feed(&r, top, NULL), FP_REPLAY_OLD);
	}
}

/* Word boundaries: the ring must not forget numbers still in the window
 * when the top crosses into a new 64-bit word (a 32-packet window once did). */
static void test_word_boundary(void **state)
{
	(void)state;
	struct fp_replay r;
	fp_replay_init(&r, 32, false);
	for (uint32_t s = 33; s <= 63; s++)
		assert_int_equal(feed(&r, s, NULL), FP_REPLAY_OK);
	assert_int_equal(feed(&r, 64, NULL), FP_REPLAY_OK);
	for (uint32_t s = 33; s <= 63; s++)
		assert_int_equal(feed(&r, s, NULL), FP_REPLAY_DUP);
}

static void test_check_does_not_commit(void **state)
{
	(void)state;
	struct fp_replay r;
	uint64_t seq;
	fp_replay_init(&r, 64, false);
	assert_int_equal(fp_replay_check(&r, 5, &seq), FP_REPLAY_OK);
	assert_int_equal(fp_replay_check(&r, 5, &seq), FP_REPLAY_OK); /* ICV failed: no commit */
	assert_int_equal(fp_replay_commit(&r, 5), FP_REPLAY_OK);
	assert_int_equal(fp_replay_commit(&r, 5), FP_REPLAY_DUP);     /* duplicate in one burst */
}

/* RFC 4304 A.2: the high half is inferred across the 2^32 boundary. */
static void test_esn(void **state)
{
	(void)state;
	struct fp_replay r;
	uint64_t full;
	fp_replay_init(&r, 64, true);
	assert_int_equal(feed(&r, 0xfffffff0u, &full), FP_REPLAY_OK);
	assert_true(full == 0xfffffff0ull);
	assert_int_equal(feed(&r, 2, &full), FP_REPLAY_OK);          /* wrapped: high = 1 */
	assert_true(full == 0x100000002ull);
	assert_int_equal(feed(&r, 0xfffffff5u, &full), FP_REPLAY_OK); /* late, still high = 0 */
	assert_true(full == 0xfffffff5ull);
	assert_int_equal(feed(&r, 0xfffffff5u, &full), FP_REPLAY_DUP);
	assert_int_equal(feed(&r, 0, &full), FP_REPLAY_OK);          /* seq 2^32 is valid with ESN */
	assert_true(full == 0x100000000ull);
	assert_int_equal(feed(&r, 0xffffff00u, &full), FP_REPLAY_OK); /* far right: next subspace */
	assert_true(full == 0x1ffffff00ull);
}

static void test_disabled(void **state)
{
	(void)state;
	struct fp_replay r;
	fp_replay_init(&r, 0, false);
	assert_int_equal(feed(&r, 7, NULL), FP_REPLAY_OK);
	assert_int_equal(feed(&r, 7, NULL), FP_REPLAY_OK);
	assert_int_equal(feed(&r, 1, NULL), FP_REPLAY_OK);
	assert_int_equal(fp_replay_init(&r, 100, false), -1);
	assert_int_equal(fp_replay_init(&r, 2048, false), -1);
}

static void test_snapshot(void **state)
{
	(void)state;
	struct fp_replay r;
	uint64_t bm[16];
	fp_replay_init(&r, 64, false);
	for (uint32_t s = 1; s <= 5; s++)
		feed(&r, s, NULL);
	fp_replay_snapshot(&r, bm, 1);
	assert_true(bm[0] == 0x1f); /* as ASA prints: 0x00000000 0x0000001F */
	fp_replay_init(&r, 128, false);
	for (uint32_t s = 1; s <= 100; s++)
		feed(&r, s, NULL);
	fp_replay_snapshot(&r, bm, 2);
	assert_true(bm[0] == UINT64_MAX && bm[1] == (1ull << 36) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_cases),
		cmocka_unit_test(test_word_boundary),
		cmocka_unit_test(test_check_does_not_commit),
		cmocka_unit_test(test_esn),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_snapshot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
