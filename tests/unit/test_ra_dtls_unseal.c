/* fp_ra_dtls_unseal (src/ra/ra_dtls_unseal.c): records a real libssl DTLS
 * 1.2 server wrote, opened again with the keys fp_dtls_rule_keys takes
 * from it, as the headend does during a rehandshake under a rule: AES-GCM
 * 128 and 256, CBC with HMAC-SHA1 and SHA-384; whatever was changed on
 * the way, a short buffer or a bad length field does not open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/inet.h"
#include "dtls_pair.h"
#include "ra/ra_dtls_unseal.h"

static const char *const suites[] = {
	"ECDHE-ECDSA-AES128-GCM-SHA256",
	"ECDHE-ECDSA-AES256-GCM-SHA384",
	"ECDHE-ECDSA-AES128-SHA",
	"ECDHE-ECDSA-AES256-SHA384",
};

/* One record the server writes at epoch 1: msg, taken off the wire. */
static int server_record(struct dtls_pair *p, const uint8_t *msg, int n, uint8_t *rec)
{
	uint8_t drop[DQ_MTU];
	while (dq_pop(&p->s2c, drop) >= 0) /* the handshake's */
		;
	assert_int_equal(SSL_write(p->server, msg, n), n);
	return dq_pop(&p->s2c, rec);
}

static void unseal_suite(const char *suite)
{
	struct dtls_pair p;
	struct fp_tls_keys k;
	const char *why = NULL;
	uint8_t msg[300], rec[DQ_MTU], out[DQ_MTU];

	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(dtls_pair_open(&p, suite), 0);
	assert_int_equal(fp_dtls_rule_keys(p.server, &k, &why), 0);
	int n = server_record(&p, msg, (int)sizeof(msg), rec);
	assert_true(n > (int)FP_DTLS_HLEN);
	assert_int_equal(fp_get16(rec + 3), 1); /* epoch 1, as under a rule */

	assert_int_equal(fp_ra_dtls_unseal(&k.tk_tx, rec, (size_t)n, out, sizeof(out)),
			 (int)sizeof(msg));
	assert_memory_equal(out, msg, sizeof(msg));
	/* the other direction's key opens nothing */
	assert_int_equal(fp_ra_dtls_unseal(&k.tk_rx, rec, (size_t)n, out, sizeof(out)), -1);
	/* a flipped bit in the header (authenticated), then in the body */
	rec[8] ^= 1;
	assert_int_equal(fp_ra_dtls_unseal(&k.tk_tx, rec, (size_t)n, out, sizeof(out)), -1);
	rec[8] ^= 1;
	rec[n - 20] ^= 0x40;
	assert_int_equal(fp_ra_dtls_unseal(&k.tk_tx, rec, (size_t)n, out, sizeof(out)), -1);
	rec[n - 20] ^= 0x40;
	/* a datagram shorter than its length field, a record header alone */
	assert_int_equal(fp_ra_dtls_unseal(&k.tk_tx, rec, (size_t)n - 1, out, sizeof(out)), -1);
	assert_int_equal(fp_ra_dtls_unseal(&k.tk_tx, rec, FP_DTLS_HLEN - 1, out, sizeof(out)), -1);
	/* no room for the content */
	assert_int_equal(fp_ra_dtls_unseal(&k.tk_tx, rec, (size_t)n, out, 100), -1);
	/* and still the same record opens */
	assert_int_equal(fp_ra_dtls_unseal(&k.tk_tx, rec, (size_t)n, out, sizeof(out)),
			 (int)sizeof(msg));
	fp_tls_keys_cleanse(&k);
	dtls_pair_close(&p);
}

static void test_unseal(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		unseal_suite(suites[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unseal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
