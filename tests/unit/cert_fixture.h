/* Test certificates: a self-signed one for key k with common name cn,
 * valid for an hour (cmocka asserts; the caller frees it). For the tests
 * that load trustpoints (test_config_ikev2.c, test_ra_headend.c). */
#ifndef FP_TEST_CERT_FIXTURE_H
#define FP_TEST_CERT_FIXTURE_H

#include <openssl/evp.h>
#include <openssl/x509.h>

static inline X509 *fp_test_self_signed(EVP_PKEY *k, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, k);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return x;
}

#endif
