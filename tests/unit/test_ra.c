/* The remote-access headend's parsers and tables (src/ra): HTTP requests
 * whole and split at every byte, refused by name; aggregate-auth XML
 * fields, entities and refusals; CSTP frames joined and split, refused by
 * name; pool leases; PBKDF2 hashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ra/ra_cstp.h"
#include "ra/ra_http.h"
#include "ra/ra_passwd.h"
#include "ra/ra_pool.h"
#include "ra/ra_xml.h"

static const char connect_req[] =
	"CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\n"
	"Host: 198.18.20.1\r\n"
	"User-Agent: Open AnyConnect VPN Agent v9.01-3\r\n"
	"Cookie: webvpnc=x; webvpn=AABBCC; other=1\r\n"
	"X-CSTP-Version: 1\r\n"
	"X-CSTP-Base-MTU: 1500\r\n"
	"X-CSTP-MTU: 1390\r\n"
	"\r\n";

static const char post_req[] =
	"POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/xml\r\nContent-Length: 5\r\n\r\nhello"
	"GET /next HTTP/1.1\r\n\r\n";

static void test_http_connect(void **state)
{
	(void)state;
	struct fp_http_req r;
	enum fp_http_err why;
	long n = fp_http_parse((const uint8_t *)connect_req, strlen(connect_req), &r, &why);
	assert_int_equal(n, (long)strlen(connect_req));
	assert_int_equal(r.method, FP_HTTP_CONNECT);
	assert_string_equal(r.path, "/CSCOSSLC/tunnel");
	assert_string_equal(r.cookie, "AABBCC");
	assert_int_equal(r.cstp_mtu, 1390);
	assert_int_equal(r.base_mtu, 1500);
	assert_false(r.close);
}

/* Every prefix is "need more"; the whole is one request with its body,
 * and the next request follows. */
static void test_http_split(void **state)
{
	(void)state;
	struct fp_http_req r;
	enum fp_http_err why;
	size_t first = strlen(post_req) - strlen("GET /next HTTP/1.1\r\n\r\n");
	for (size_t k = 0; k < first; k++)
		assert_int_equal(fp_http_parse((const uint8_t *)post_req, k, &r, &why), 0);
	long n = fp_http_parse((const uint8_t *)post_req, strlen(post_req), &r, &why);
	assert_int_equal(n, (long)first);
	assert_int_equal(r.method, FP_HTTP_POST);
	assert_int_equal(r.body_len, 5);
	assert_memory_equal(r.body, "hello", 5);
	n = fp_http_parse((const uint8_t *)post_req + first, strlen(post_req) - first, &r, &why);
	assert_int_equal(n, (long)(strlen(post_req) - first));
	assert_string_equal(r.path, "/next");
}

static void test_http_refused(void **state)
{
	(void)state;
	static const struct {
		const char *req;
		enum fp_http_err why;
	} bad[] = {
		{ "PUT / HTTP/1.1\r\n\r\n", FP_HTTP_E_BAD_METHOD },
		{ "GET / HTTP/2.0\r\n\r\n", FP_HTTP_E_BAD_VERSION },
		{ "GET  HTTP/1.1\r\n\r\n", FP_HTTP_E_BAD_REQUEST_LINE },
		{ "GET /\x01 HTTP/1.1\r\n\r\n", FP_HTTP_E_BAD_REQUEST_LINE },
		{ "GET / HTTP/1.1\r\nNo colon\r\n\r\n", FP_HTTP_E_BAD_HEADER },
		{ "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", FP_HTTP_E_BAD_HEADER },
		{ "GET / HTTP/1.1\r\n: v\r\n\r\n", FP_HTTP_E_BAD_HEADER },
		{ "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", FP_HTTP_E_BAD_LENGTH },
		{ "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", FP_HTTP_E_BAD_LENGTH },
		{ "POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", FP_HTTP_E_BAD_LENGTH },
		{ "POST / HTTP/1.1\r\nContent-Length: 40000\r\n\r\n", FP_HTTP_E_BODY_TOO_LONG },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", FP_HTTP_E_CHUNKED },
	};
	struct fp_http_req r;
	enum fp_http_err why;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long n = fp_http_parse((const uint8_t *)bad[i].req, strlen(bad[i].req), &r, &why);
		if (n != -1 || why != bad[i].why)
			fail_msg("%u: n %ld why %s, want %s", i, n, fp_http_err_name(why),
				 fp_http_err_name(bad[i].why));
	}
	/* a head that never ends, and too many headers */
	size_t big = FP_HTTP_HEAD_MAX + 10;
	char *buf = malloc(big);
	memset(buf, 'a', big);
	memcpy(buf, "GET / HTTP/1.1\r\n", 16);
	assert_int_equal(fp_http_parse((const uint8_t *)buf, big, &r, &why), -1);
	assert_int_equal(why, FP_HTTP_E_HEAD_TOO_LONG);
	size_t k = (size_t)sprintf(buf, "GET / HTTP/1.1\r\n");
	for (unsigned i = 0; i <= FP_HTTP_MAX_HEADERS; i++)
		k += (size_t)sprintf(buf + k, "X: %u\r\n", i);
	k += (size_t)sprintf(buf + k, "\r\n");
	assert_int_equal(fp_http_parse((const uint8_t *)buf, k, &r, &why), -1);
	assert_int_equal(why, FP_HTTP_E_TOO_MANY_HEADERS);
	free(buf);
}

static const char auth_reply[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<config-auth client=\"vpn\" type=\"auth-reply\" "
	"aggregate-auth-version=\"2\"><version who=\"vpn\">v9.01-3</version><device-id>linux-64</device-id>"
	"<group-select>Staff</group-select><auth><username>alice</username>"
	"<password>a&amp;b&lt;&#62;&#x41;&quot;</password></auth></config-auth>";

static void test_xml_reply(void **state)
{
	(void)state;
	struct fp_xml_auth a;
	assert_int_equal(fp_xml_auth_parse(auth_reply, strlen(auth_reply), &a), 0);
	assert_int_equal(a.type, FP_XML_AUTH_REPLY);
	assert_true(a.has_username && a.has_password);
	assert_string_equal(a.username, "alice");
	assert_string_equal(a.password, "a&b<>A\"");
	assert_string_equal(a.group, "Staff");
	static const char init[] = "<config-auth client=\"vpn\" type=\"init\"><version>v</version></config-auth>";
	assert_int_equal(fp_xml_auth_parse(init, strlen(init), &a), 0);
	assert_int_equal(a.type, FP_XML_INIT);
	assert_false(a.has_username);
}

static void test_xml_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"<nothing/>",
		"<config-auth type=\"auth-reply\"",
		"<config-auth type=\"auth-reply\"><username>a</config-auth>",
		"<config-auth type=\"auth-reply\"><username>a<b>c</b></username></config-auth>",
		"<config-auth type=\"auth-reply\"><username>&bogus;</username></config-auth>",
		"<config-auth type=\"auth-reply\"><username>&#1;</username></config-auth>",
		"<config-auth type=\"auth-reply\"><username>&#xZZ;</username></config-auth>",
		"<config-auth type=\"auth-reply\"><username>a\x01</username></config-auth>",
	};
	struct fp_xml_auth a;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (fp_xml_auth_parse(bad[i], strlen(bad[i]), &a) != -1)
			fail_msg("accepted: %s", bad[i]);
	char big[FP_XML_FIELD_MAX + 80];
	int n = snprintf(big, sizeof(big), "<config-auth type=\"auth-reply\"><username>");
	memset(big + n, 'u', FP_XML_FIELD_MAX);
	strcpy(big + n + FP_XML_FIELD_MAX, "</username>");
	assert_int_equal(fp_xml_auth_parse(big, strlen(big), &a), -1);
}

static void test_xml_write(void **state)
{
	(void)state;
	char out[8192];
	const char *groups[] = { "Staff", "A&B" };
	struct fp_xml_form form = {.groups = groups, .n_groups = 2, .chosen = "Staff",
				   .error = "Login failed.", .action = "/Staff"};
	size_t n = fp_xml_auth_request(out, sizeof(out), &form);
	assert_true(n > 0);
	assert_non_null(strstr(out, "type=\"auth-request\""));
	assert_non_null(strstr(out, "<option selected=\"true\">Staff</option><option>A&amp;B</option>"));
	assert_non_null(strstr(out, "name=\"password\""));
	assert_non_null(strstr(out, "<error"));
	assert_non_null(strstr(out, "action=\"/Staff\""));
	form.chosen = form.error = form.action = NULL;
	assert_int_equal(fp_xml_auth_request(out, 100, &form), 0);
	assert_true(fp_xml_auth_request(out, sizeof(out), &form) > 0);
	assert_non_null(strstr(out, "action=\"/\""));
	n = fp_xml_complete(out, sizeof(out), "TOKEN");
	assert_non_null(strstr(out, "type=\"complete\""));
	assert_non_null(strstr(out, "<session-token>TOKEN</session-token>"));
}

static void test_cstp(void **state)
{
	(void)state;
	uint8_t s[64];
	fp_cstp_header(s, FP_CSTP_DATA, 4);
	memcpy(s + 8, "\x45\x00\x00\x04", 4);
	fp_cstp_header(s + 12, FP_CSTP_DPD_REQ, 0);
	struct fp_cstp_frame f;
	enum fp_cstp_err why;
	for (size_t k = 0; k < 12; k++)
		assert_int_equal(fp_cstp_parse(s, k, &f, &why), 0);
	assert_int_equal(fp_cstp_parse(s, 20, &f, &why), 12);
	assert_int_equal(f.type, FP_CSTP_DATA);
	assert_int_equal(f.len, 4);
	assert_int_equal(fp_cstp_parse(s + 12, 8, &f, &why), 8);
	assert_int_equal(f.type, FP_CSTP_DPD_REQ);
	assert_int_equal(f.len, 0);
	uint8_t b[8];
	memcpy(b, "STG\x01\x00\x00\x00\x00", 8);
	assert_int_equal(fp_cstp_parse(b, 2, &f, &why), 0); /* "ST" could still be a frame */
	assert_int_equal(fp_cstp_parse(b, 3, &f, &why), -1);
	assert_int_equal(why, FP_CSTP_E_MAGIC);
	fp_cstp_header(b, FP_CSTP_DATA, 0);
	b[7] = 1;
	assert_int_equal(fp_cstp_parse(b, 8, &f, &why), -1);
	assert_int_equal(why, FP_CSTP_E_RESERVED);
	fp_cstp_header(b, FP_CSTP_DATA, FP_CSTP_PAYLOAD_MAX + 1);
	assert_int_equal(fp_cstp_parse(b, 8, &f, &why), -1);
	assert_int_equal(why, FP_CSTP_E_TOO_LONG);
}

static void test_pool(void **state)
{
	(void)state;
	struct fp_cfg_pool cfg = {.name = "P", .first = 0x0a000001, .last = 0x0a000003};
	struct fp_ra_pool p;
	assert_int_equal(fp_ra_pool_init(&p, &cfg), 0);
	assert_int_equal(p.mask_len, 30);
	assert_int_equal(fp_ra_pool_lease(&p, 0), 0x0a000001);
	assert_int_equal(fp_ra_pool_lease(&p, 0x0a000003), 0x0a000003);
	assert_int_equal(fp_ra_pool_lease(&p, 0x0a000003), 0x0a000002); /* taken: the next free */
	assert_int_equal(fp_ra_pool_lease(&p, 0), 0);
	fp_ra_pool_release(&p, 0x0a000002);
	fp_ra_pool_release(&p, 0x0a000002); /* twice: no harm */
	fp_ra_pool_release(&p, 0x0b000000); /* not ours */
	assert_int_equal(p.n_used, 2);
	assert_int_equal(fp_ra_pool_lease(&p, 0), 0x0a000002);
	assert_true(fp_ra_pool_has(&p, 0x0a000003));
	assert_false(fp_ra_pool_has(&p, 0x0a000004));
	assert_int_equal(fp_ra_pool_cover(0x0a000064, 0x0a000096), 24);
	assert_int_equal(fp_ra_pool_cover(1, 1), 32);
	fp_ra_pool_fini(&p);
}

static void test_passwd(void **state)
{
	(void)state;
	char h1[FP_RA_PASSWD_WORD_MAX], h2[FP_RA_PASSWD_WORD_MAX];
	assert_int_equal(fp_ra_passwd_hash("secret", 6, h1, sizeof(h1)), 0);
	assert_int_equal(fp_ra_passwd_hash("secret", 6, h2, sizeof(h2)), 0);
	assert_string_not_equal(h1, h2); /* salted */
	assert_true(fp_ra_passwd_valid(h1));
	assert_true(fp_ra_passwd_check(h1, "secret", 6));
	assert_false(fp_ra_passwd_check(h1, "secreT", 6));
	assert_false(fp_ra_passwd_check(h1, "secret", 5));
	static const char *const bad[] = {
		"",
		"$sha1$10000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"$sha256$999$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"$sha256$99999999$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"$sha256$10000$AAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"$sha256$10000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!=",
		"$sha256$1x000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"$sha256$10000$AAAAAAAAAAAAAAAAAAAAAA==",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (fp_ra_passwd_valid(bad[i]))
			fail_msg("valid: %s", bad[i]);
		assert_false(fp_ra_passwd_check(bad[i], "", 0));
	}
	assert_true(fp_ra_passwd_valid(
		"$sha256$10000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_connect),
		cmocka_unit_test(test_http_split),
		cmocka_unit_test(test_http_refused),
		cmocka_unit_test(test_xml_reply),
		cmocka_unit_test(test_xml_refused),
		cmocka_unit_test(test_xml_write),
		cmocka_unit_test(test_cstp),
		cmocka_unit_test(test_pool),
		cmocka_unit_test(test_passwd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
