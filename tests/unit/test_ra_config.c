/* The remote-access configuration lines (config_ra.h): each parses, is
 * written back by show running-config in a form that parses to the same
 * text again, keeps a password only as its PBKDF2 hash (which then checks
 * the password), and refuses what it must with a message that never
 * quotes the password. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "ra/ra_passwd.h"

#define PASSWORD "pa$$w0rd&<x>\"`;|"

static const char ra_conf[] =
	"interface eth0\n nameif outside\n ip address 198.51.100.1 255.255.255.0\n"
	"interface tun0\n nameif inside\n ip address 10.1.0.1 255.255.255.0\n"
	"ip local pool POOL 198.18.41.100-198.18.41.150 mask 255.255.255.0\n"
	"ip local pool P2 10.9.0.1-10.9.0.9\n"
	"access-list SPLIT standard permit 198.18.42.0 255.255.255.0\n"
	"access-list SPLIT standard permit host 198.18.43.1\n"
	"access-list SPLIT standard deny any4\n"
	"webvpn\n enable outside\n dtls port 4443\n anyconnect enable\n tunnel-group-list enable\n"
	"group-policy GP internal\n"
	"group-policy GP attributes\n"
	" vpn-tunnel-protocol ssl-client ikev2\n"
	" split-tunnel-policy tunnelspecified\n"
	" split-tunnel-network-list value SPLIT\n"
	" dns-server value 198.18.42.53 198.18.42.54\n"
	" vpn-idle-timeout 30\n vpn-session-timeout none\n"
	" anyconnect ssl dtls enable\n"
	" anyconnect dpd-interval client 30\n"
	" anyconnect dpd-interval gateway none\n"
	" anyconnect ssl rekey time 240\n anyconnect ssl rekey method new-tunnel\n"
	" banner value Authorized  use only.\n banner value Logged: 100%\n"
	"tunnel-group TG type remote-access\n"
	"tunnel-group TG general-attributes\n address-pool POOL\n default-group-policy GP\n"
	"tunnel-group TG webvpn-attributes\n authentication aaa certificate\n group-alias Staff enable\n"
	"username alice password " PASSWORD "\n"
	"flow-offload-dtls\n";

static struct fp_config *parse(const char *text)
{
	struct fp_config *c = fp_config_new();
	char *copy = strdup(text), *save = NULL, err[1024];
	unsigned lineno = 0;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (fp_config_parse_line(c, l, "t", ++lineno, err, sizeof(err)) < 0)
			fail_msg("%s\nin:\n%s", err, text);
	free(copy);
	return c;
}

static char *written(const struct fp_config *c)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	fp_config_write(c, f, false);
	fclose(f);
	return buf;
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct fp_config *a = parse(ra_conf);
	char *t1 = written(a);
	struct fp_config *b = parse(t1);
	char *t2 = written(b);
	assert_string_equal(t1, t2);
	static const char *const want[] = {
		"ip local pool POOL 198.18.41.100-198.18.41.150 mask 255.255.255.0\n",
		"ip local pool P2 10.9.0.1-10.9.0.9\n",
		"access-list SPLIT standard permit 198.18.42.0 255.255.255.0\n",
		"access-list SPLIT standard permit host 198.18.43.1\n",
		"access-list SPLIT standard deny any4\n",
		"webvpn\n enable outside\n dtls port 4443\n anyconnect enable\n tunnel-group-list enable\n",
		" vpn-tunnel-protocol ssl-client ikev2\n split-tunnel-policy tunnelspecified\n",
		" dns-server value 198.18.42.53 198.18.42.54\n vpn-idle-timeout 30\n vpn-session-timeout none\n",
		" anyconnect dpd-interval client 30\n anyconnect dpd-interval gateway none\n",
		" banner value Authorized use only.\n banner value Logged: 100%\n",
		" anyconnect ssl rekey time 240\n anyconnect ssl rekey method new-tunnel\n",
		"tunnel-group TG type remote-access\ntunnel-group TG general-attributes\n address-pool POOL\n",
		"tunnel-group TG webvpn-attributes\n authentication aaa certificate\n group-alias Staff enable\n",
		"flow-offload-dtls\n",
	};
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(t1, want[i]))
			fail_msg("missing:\n%s\nin:\n%s", want[i], t1);
	assert_null(strstr(t1, PASSWORD));
	const struct fp_cfg_user *u = fp_config_user(b, "alice");
	assert_non_null(u);
	assert_string_equal(u->hash, fp_config_user(a, "alice")->hash);
	assert_true(fp_ra_passwd_check(u->hash, PASSWORD, strlen(PASSWORD)));
	assert_false(fp_ra_passwd_check(u->hash, "pa$$w0rd", 8));
	assert_true(fp_config_webvpn_enabled(b, "outside"));
	assert_non_null(fp_config_ra_group(b, "TG"));
	free(t1);
	free(t2);
	fp_config_free(a);
	fp_config_free(b);
}

static const struct {
	const char *line, *want;
} bad[] = {
	{ "ip local pool P 10.0.0.9-10.0.0.1", "first address comes after its last" },
	{ "ip local pool P 10.0.0.0-10.2.0.0", "more than 65536 addresses" },
	{ "ip local pool P 10.0.0.1-10.0.0.9 mask", "expected 'mask MASK'" },
	{ "ip local pool P 2001:db8::1-2001:db8::9", "expected an IPv4 address" },
	{ "access-list S standard permit 2001:db8::/32", "IPv4 destinations" },
	{ "access-list S standard allow any4", "expected 'permit' or 'deny'" },
	{ "username bob password two words here", "not shown" },
	{ "username bob password what?", "without '?'" },
	{ "username bob password $sha256$1$AAAA$BBBB pbkdf2", "malformed" },
	{ "username bob secret x", "expected 'password'" },
	{ "tunnel-group 10.0.0.1 type remote-access", "named by a word" },
	{ "tunnel-group T type site", "'remote-access'" },
	{ "dtls port 443", "it must follow 'webvpn'" },
	{ "group-alias X enable", "it must follow 'tunnel-group NAME webvpn-attributes'" },
};

/* The group-policy's rekey: new-tunnel, ssl or none; anything else
 * refused with why. */
static void test_rekey_refused(void **state)
{
	(void)state;
	static const struct {
		const char *line, *want;
	} rk[] = {
		{ " anyconnect ssl rekey method sometimes", "expected 'new-tunnel', 'ssl' or 'none'" },
		{ " anyconnect ssl rekey time 0", "rekey interval" },
		{ " anyconnect ssl rekey time 10081", "rekey interval" },
		{ " banner", "banner value TEXT" },
		{ " banner value", "expected 'value TEXT' or 'none'" },
		{ " banner text here", "expected 'value TEXT' or 'none'" },
	};
	for (unsigned i = 0; i < sizeof(rk) / sizeof(rk[0]); i++) {
		struct fp_config *c = fp_config_new();
		char err[1024] = "";
		assert_int_equal(fp_config_parse_line(c, "group-policy GP internal", "t", 1, err, sizeof(err)), 0);
		assert_int_equal(fp_config_parse_line(c, "group-policy GP attributes", "t", 2, err, sizeof(err)), 0);
		if (fp_config_parse_line(c, rk[i].line, "t", 3, err, sizeof(err)) == 0)
			fail_msg("accepted: %s", rk[i].line);
		if (!strstr(err, rk[i].want))
			fail_msg("for: %s\n  got: %s\n  want: ...%s", rk[i].line, err, rk[i].want);
		fp_config_free(c);
	}
}

static void test_refused(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fp_config *c = fp_config_new();
		char err[1024] = "";
		if (fp_config_parse_line(c, bad[i].line, "t", 1, err, sizeof(err)) == 0)
			fail_msg("accepted: %s", bad[i].line);
		if (!strstr(err, bad[i].want))
			fail_msg("for: %s\n  got: %s\n  want: ...%s", bad[i].line, err, bad[i].want);
		assert_null(strstr(err, "words here"));
		fp_config_free(c);
	}
}

/* What validation refuses: missing pools, lists, trustpoints. */
static void test_validate(void **state)
{
	(void)state;
	static const struct {
		const char *extra, *want;
	} cases[] = {
		{ "tunnel-group T type remote-access\ntunnel-group T general-attributes\n address-pool NOPE\n",
		  "pool NOPE does not exist" },
		{ "group-policy G internal\ngroup-policy G attributes\n split-tunnel-network-list value NOPE\n",
		  "not a standard access-list" },
		{ "interface e0\n nameif outside\nwebvpn\n enable outside\n", "no 'ssl trust-point" },
		{ "ssl trust-point NOPE outside\n", "trustpoint NOPE does not exist" },
		{ "crypto ca trustpoint TP\n certificate-file /nonexistent\n private-key-file /nonexistent\n"
		  "ssl trust-point TP outside\n"
		  "tunnel-group T type remote-access\ntunnel-group T webvpn-attributes\n authentication certificate\n",
		  "has no ca-file" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fp_config *c = parse(cases[i].extra);
		char err[1024] = "";
		assert_int_equal(fp_config_validate(c, err, sizeof(err)), -1);
		if (!strstr(err, cases[i].want))
			fail_msg("got: %s\nwant: ...%s", err, cases[i].want);
		fp_config_free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_rekey_refused),
		cmocka_unit_test(test_validate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
