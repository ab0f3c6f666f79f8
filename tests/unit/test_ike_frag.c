/* RFC 7383 reassembly (ike_frag.c) on charon's three fragments of an
 * IKE_AUTH request (tests/vectors/ike/auth-req-frag*.bin, keys-frag.txt):
 * every order gives the 204-byte chain tshark reassembled; duplicates,
 * more than 32 fragments, a message past 64 KiB, a smaller total, a
 * larger total (restart) and the timeout are each dropped and counted.
 * The exchange side (fragments sent, lost, forged) is test_ike_cert.c's. */
#include "ike_vectors.h"

#include "common/inet.h"
#include "ike/ike_build.h"
#include "ike/ike_sa.h"
#include "ike/ike_wire.h"

#define NS 1000000000ull

static const char *const frag_files[] = {"auth-req-frag1.bin", "auth-req-frag2.bin",
					 "auth-req-frag3.bin"};

static struct {
	struct fp_ike *ike;
	struct fp_ike_sarec *s;
	struct fp_ike_keys k;
	struct ikev_buf v[3];
	struct fp_ike_msg msg;
	uint8_t plain[IKEV_MSG_MAX];
} T;

static void quiet(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

static int setup(void **state)
{
	(void)state;
	struct fp_ike_env env = {.log = quiet};
	memset(&T.msg, 0, sizeof(T.msg));
	T.ike = fp_ike_new(&env);
	assert_non_null(T.ike);
	T.s = fp_ike_sa_new(T.ike, false, 0);
	assert_non_null(T.s);
	T.s->s_frag = true;
	ikev_frag_keys(&T.k);
	for (int i = 0; i < 3; i++)
		ikev_load(&T.v[i], frag_files[i]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fp_ike_free(T.ike);
	fp_ike_keys_wipe(&T.k);
	return 0;
}

/* Fragment i (0-2) opened as the caller does, then given to the reassembler. */
static bool take(int i, uint8_t **buf, size_t *len, uint8_t *first)
{
	struct fp_ike_sk_dir sd;
	struct fp_ike_sk_view sv;
	size_t n;
	fp_ike_sk_dir_init(&sd, &T.k, true);
	assert_int_equal(fp_ike_msg_parse(&T.msg, T.v[i].b, T.v[i].n), FP_IKE_E_OK);
	assert_int_equal(fp_ike_sk_open(&sd, &T.msg, T.plain, sizeof(T.plain), &n, &sv),
			 FP_IKE_SK_E_OK);
	return fp_ike_frag_take(T.ike, T.s, &T.msg, T.plain, n, buf, len, first);
}

static void check_chain(uint8_t *buf, size_t len, uint8_t first)
{
	struct fp_ike_chain c;
	assert_int_equal(len, 204); /* tshark: "Reassembled ISAKMP length: 204" */
	assert_int_equal(first, FP_IKE_PL_IDI);
	assert_int_equal(fp_ike_chain_parse(&c, first, buf, len, true), FP_IKE_E_OK);
	assert_int_equal(c.c_n, 12); /* IDi N IDr AUTH SA TSi TSr and five notifies */
	assert_int_equal(c.c_pl[0].pl_type, FP_IKE_PL_IDI);
	assert_int_equal(c.c_pl[3].pl_type, FP_IKE_PL_AUTH);
	free(buf);
}

/* All six orders of the three fragments. */
static void test_any_order(void **state)
{
	static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
					 {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
	uint8_t *buf = NULL, first = 0;
	size_t len = 0;
	(void)state;
	for (int o = 0; o < 6; o++) {
		assert_false(take(orders[o][0], &buf, &len, &first));
		assert_false(take(orders[o][1], &buf, &len, &first));
		assert_true(take(orders[o][2], &buf, &len, &first));
		check_chain(buf, len, first);
		assert_null(T.s->s_frag_rx); /* the slot went with the message */
	}
	assert_int_equal(fp_ike_stats(T.ike)->frag_msg_rx, 6);
	assert_int_equal(fp_ike_stats(T.ike)->frag_rx, 18);
}

static void test_duplicates(void **state)
{
	uint8_t *buf = NULL, first = 0;
	size_t len = 0;
	(void)state;
	assert_false(take(1, &buf, &len, &first));
	assert_false(take(1, &buf, &len, &first));
	assert_false(take(0, &buf, &len, &first));
	assert_false(take(0, &buf, &len, &first));
	assert_int_equal(fp_ike_stats(T.ike)->frag_dup, 2);
	assert_true(take(2, &buf, &len, &first));
	check_chain(buf, len, first);
}

/* An SKF message (header of fragment 1) claiming num of total, any body. */
static void forged(uint16_t num, uint16_t total, size_t body_len)
{
	static uint8_t b[FP_IKE_FRAG_BYTES + 256];
	struct fp_ike_hdr h;
	struct fp_ike_wr w;
	assert_int_equal(fp_ike_hdr_parse(&h, T.v[0].b, T.v[0].n), FP_IKE_E_OK);
	fp_ike_wr_init(&w, b, sizeof(b));
	fp_ike_put_hdr(&w, &h);
	assert_non_null(fp_ike_put_skf(&w, num == 1 ? FP_IKE_PL_IDI : 0, num, total, NULL, body_len));
	long n = fp_ike_wr_finish(&w);
	assert_true(n > 0);
	assert_int_equal(fp_ike_msg_parse(&T.msg, b, (size_t)n), FP_IKE_E_OK);
}

static void test_bounds(void **state)
{
	static uint8_t piece[40000];
	uint8_t *buf = NULL, first = 0;
	size_t len = 0;
	(void)state;
	/* 33 fragments: refused before anything is kept */
	forged(1, 33, 64);
	assert_false(fp_ike_frag_take(T.ike, T.s, &T.msg, piece, 16, &buf, &len, &first));
	assert_null(T.s->s_frag_rx);
	assert_int_equal(fp_ike_stats(T.ike)->frag_refused, 1);
	/* 32 are fine, but not past 64 KiB in all: the slot goes */
	forged(1, 32, 64);
	assert_false(fp_ike_frag_take(T.ike, T.s, &T.msg, piece, 40000, &buf, &len, &first));
	assert_non_null(T.s->s_frag_rx);
	forged(2, 32, 64);
	assert_false(fp_ike_frag_take(T.ike, T.s, &T.msg, piece, 40000, &buf, &len, &first));
	assert_null(T.s->s_frag_rx);
	assert_int_equal(fp_ike_stats(T.ike)->frag_refused, 2);
	/* a smaller total than the slot's is dropped, a larger one restarts it */
	forged(1, 4, 64);
	assert_false(fp_ike_frag_take(T.ike, T.s, &T.msg, piece, 10, &buf, &len, &first));
	forged(2, 3, 64);
	assert_false(fp_ike_frag_take(T.ike, T.s, &T.msg, piece, 10, &buf, &len, &first));
	assert_int_equal(fp_ike_stats(T.ike)->frag_refused, 3);
	assert_false(take(1, &buf, &len, &first)); /* charon's, total 3, same MID */
	assert_int_equal(fp_ike_stats(T.ike)->frag_refused, 4);
	forged(1, 5, 64);
	assert_false(fp_ike_frag_take(T.ike, T.s, &T.msg, piece, 10, &buf, &len, &first));
	forged(2, 4, 64); /* now smaller than the restarted slot's 5 */
	assert_false(fp_ike_frag_take(T.ike, T.s, &T.msg, piece, 10, &buf, &len, &first));
	assert_int_equal(fp_ike_stats(T.ike)->frag_refused, 5);
	assert_int_equal(fp_ike_stats(T.ike)->frag_dup, 0);
}

/* An incomplete message is dropped after the timeout; the next fragments
 * start again. */
static void test_timeout(void **state)
{
	uint8_t *buf = NULL, first = 0;
	size_t len = 0;
	(void)state;
	T.ike->now_ns = 5 * NS;
	assert_false(take(0, &buf, &len, &first));
	fp_ike_frag_tick(T.ike, T.s, 5 * NS + FP_IKE_FRAG_TIMEOUT_NS - 1);
	assert_non_null(T.s->s_frag_rx);
	fp_ike_frag_tick(T.ike, T.s, 5 * NS + FP_IKE_FRAG_TIMEOUT_NS);
	assert_null(T.s->s_frag_rx);
	assert_int_equal(fp_ike_stats(T.ike)->frag_timeout, 1);
	assert_false(take(1, &buf, &len, &first));
	assert_false(take(2, &buf, &len, &first));
	assert_true(take(0, &buf, &len, &first));
	check_chain(buf, len, first);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_any_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
