/* The remote-access configuration lines (config_ra.h): each parses, is
 * written back by show running-config in a form that parses to the same
 * text again (IPv4 and IPv6 pools included), keeps a password only as its PBKDF2 hash (which then checks
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
	"ipv6 local pool V6 2001:0db8:0:0::0100/64 200\n"
	"ipv6 local pool V6B 2001:db8:1::ff00/120 256\n"
	"ipv6 local pool V6C 2001:db8:2::1/128 1\n"
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
	"tunnel-group TG general-attributes\n address-pool POOL\n ipv6-address-pool V6\n"
	" default-group-policy GP\n"
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
		/* the IPv6 pools right after the IPv4 ones, each address compressed */
		("ip local pool P2 10.9.0.1-10.9.0.9\n"
		 "ipv6 local pool V6 2001:db8::100/64 200\n"
		 "ipv6 local pool V6B 2001:db8:1::ff00/120 256\n"
		 "ipv6 local pool V6C 2001:db8:2::1/128 1\n"),
		"access-list SPLIT standard permit 198.18.42.0 255.255.255.0\n",
		"access-list SPLIT standard permit host 198.18.43.1\n",
		"access-list SPLIT standard deny any4\n",
		"webvpn\n enable outside\n dtls port 4443\n anyconnect enable\n tunnel-group-list enable\n",
		" vpn-tunnel-protocol ssl-client ikev2\n split-tunnel-policy tunnelspecified\n",
		" dns-server value 198.18.42.53 198.18.42.54\n vpn-idle-timeout 30\n vpn-session-timeout none\n",
		" anyconnect dpd-interval client 30\n anyconnect dpd-interval gateway none\n",
		" banner value Authorized use only.\n banner value Logged: 100%\n",
		" anyconnect ssl rekey time 240\n anyconnect ssl rekey method new-tunnel\n",
		("tunnel-group TG type remote-access\ntunnel-group TG general-attributes\n"
		 " address-pool POOL\n ipv6-address-pool V6\n default-group-policy GP\n"),
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
	assert_string_equal(fp_config_ra_group(b, "TG")->ra.pool6, "V6");
	assert_int_equal(b->ra.n_pools6, 3);
	for (unsigned i = 0; i < b->ra.n_pools6; i++) {
		const struct fp_cfg_pool6 *x = &a->ra.pools6[i], *y = &b->ra.pools6[i];
		assert_string_equal(x->name, y->name);
		assert_memory_equal(x->first, y->first, 16);
		assert_int_equal(x->prefix_len, y->prefix_len);
		assert_int_equal(x->count, y->count);
	}
	free(t1);
	free(t2);
	fp_config_free(a);
	fp_config_free(b);
}

/* "ipv6 local pool": the values kept, the edges of the prefix and of the
 * size accepted, and a name given again replacing the pool in place. */
static void test_pool6(void **state)
{
	(void)state;
	static const uint8_t first[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0x01, [15] = 0x00 };
	struct fp_config *c = parse("ipv6 local pool V6 2001:DB8::100/64 200\n"
				    "ipv6 local pool EDGE 2001:db8::ff00/120 256\n"
				    "ipv6 local pool BIG 2001:db8:1::/112 65536\n"
				    "ipv6 local pool TOP ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/1 2\n"
				    "ipv6 local pool ODD 2001:db8::7/125 1\n"
				    "ipv6 local pool V6 2001:db8::100/56 10\n");
	assert_int_equal(c->ra.n_pools6, 5);
	const struct fp_cfg_pool6 *p = fp_config_pool6(c, "V6");
	assert_ptr_equal(p, &c->ra.pools6[0]);
	assert_memory_equal(p->first, first, 16);
	assert_int_equal(p->prefix_len, 56);
	assert_int_equal(p->count, 10);
	assert_int_equal(p->line, 6);
	assert_int_equal(fp_config_pool6(c, "BIG")->count, 65536);
	assert_null(fp_config_pool6(c, "v6x"));
	assert_null(fp_config_pool(c, "V6"));
	fp_config_free(c);
}

/* One IPv6 pool past the limit is refused with the limit; a name
 * given again still replaces. */
static void test_pool6_limit(void **state)
{
	(void)state;
	struct fp_config *c = fp_config_new();
	char line[128], err[1024] = "";
	for (unsigned i = 0; i < FP_CFG_MAX_POOLS; i++) {
		snprintf(line, sizeof(line), "ipv6 local pool P%u 2001:db8:%x::/64 10", i, i);
		assert_int_equal(fp_config_parse_line(c, line, "t", i + 1, err, sizeof(err)), 0);
	}
	assert_int_equal(fp_config_parse_line(c, "ipv6 local pool P0 2001:db8:ff::/64 5", "t", 90,
					      err, sizeof(err)), 0);
	assert_int_equal(fp_config_parse_line(c, "ipv6 local pool MORE 2001:db8:ff::/64 5", "t", 91,
					      err, sizeof(err)), -1);
	if (!strstr(err, "too many IPv6 pools (limit 16)"))
		fail_msg("got: %s", err);
	assert_int_equal(c->ra.n_pools6, FP_CFG_MAX_POOLS);
	assert_int_equal(fp_config_pool6(c, "P0")->count, 5);
	fp_config_free(c);
}

static const struct {
	const char *line, *want;
} bad[] = {
	{ "ip local pool P 10.0.0.9-10.0.0.1", "first address comes after its last" },
	{ "ip local pool P 10.0.0.0-10.2.0.0", "more than 65536 addresses" },
	{ "ip local pool P 10.0.0.1-10.0.0.9 mask", "expected 'mask MASK'" },
	{ "ip local pool P 2001:db8::1-2001:db8::9", "expected an IPv4 address" },
	{ "ipv6 local pool P 10.0.0.1/24 10", "expected an IPv6 address" },
	{ "ipv6 local pool P nonsense/64 10", "expected an IPv6 address" },
	{ "ipv6 local pool P 2001:db8::1 10", "expected ADDRESS/LENGTH" },
	{ "ipv6 local pool P 2001:db8::1/ 10", "prefix length must be a number from 1 to 128" },
	{ "ipv6 local pool P 2001:db8::1/0 10", "prefix length must be a number from 1 to 128" },
	{ "ipv6 local pool P 2001:db8::1/129 10", "prefix length must be a number from 1 to 128" },
	{ "ipv6 local pool P 2001:db8::1/0x40 10", "prefix length must be a number from 1 to 128" },
	{ "ipv6 local pool P 2001:db8::1/64 0", "number of addresses must be a number from 1 to 65536" },
	{ "ipv6 local pool P 2001:db8::/64 65537", "number of addresses must be a number from 1 to 65536" },
	{ "ipv6 local pool P 2001:db8::/64 many", "number of addresses must be a number from 1 to 65536" },
	{ "ipv6 local pool P 2001:db8::ff01/120 256", "do not all lie within its /120 prefix" },
	{ "ipv6 local pool P 2001:db8::8/125 9", "do not all lie within its /125 prefix" },
	{ "ipv6 local pool P 2001:db8::1/128 2", "do not all lie within its /128 prefix" },
	{ "ipv6 local pool P ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/1 2", "do not all lie within" },
	{ "ipv6 local pool P 2001:db8::/64", "incomplete command; usage: ipv6 local pool NAME" },
	{ "ipv6 local pool P 2001:db8::/64 10 extra", "unexpected 'extra' at the end" },
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

/* address-pool and ipv6-address-pool belong to a remote-access
 * tunnel-group's general-attributes: refused in a site-to-site one, and
 * with none open. */
static void test_tg_pool_refused(void **state)
{
	(void)state;
	static const struct {
		const char *line, *want;
	} cases[] = {
		{ " ipv6-address-pool V6", "ipv6-address-pool belongs to a remote-access tunnel-group" },
		{ " address-pool P", "address-pool belongs to a remote-access tunnel-group" },
		{ " ipv6-address-pool", "incomplete command; usage: ipv6-address-pool POOL" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fp_config *c = parse("tunnel-group 192.0.2.2 type ipsec-l2l\n"
					    "tunnel-group 192.0.2.2 general-attributes\n");
		char err[1024] = "";
		if (fp_config_parse_line(c, cases[i].line, "t", 3, err, sizeof(err)) == 0)
			fail_msg("accepted: %s", cases[i].line);
		if (!strstr(err, cases[i].want))
			fail_msg("for: %s\n  got: %s\n  want: ...%s", cases[i].line, err, cases[i].want);
		fp_config_free(c);
	}
	struct fp_config *c = fp_config_new();
	char err[1024] = "";
	assert_int_equal(fp_config_parse_line(c, "ipv6-address-pool V6", "t", 1, err, sizeof(err)), -1);
	if (!strstr(err, "it must follow 'tunnel-group"))
		fail_msg("got: %s", err);
	fp_config_free(c);
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
		{ "tunnel-group T type remote-access\ntunnel-group T general-attributes\n ipv6-address-pool NOPE\n",
		  "tunnel-group T: ipv6-address-pool: IPv6 pool NOPE does not exist" },
		/* the pool names are per family: an IPv4 pool does not answer for an IPv6 one */
		{ "ip local pool V4 10.9.0.1-10.9.0.9\n"
		  "tunnel-group T type remote-access\ntunnel-group T general-attributes\n ipv6-address-pool V4\n",
		  "IPv6 pool V4 does not exist" },
		{ "ipv6 local pool V6 2001:db8::/64 10\n"
		  "tunnel-group T type remote-access\ntunnel-group T general-attributes\n address-pool V6\n",
		  "address-pool: pool V6 does not exist" },
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
		cmocka_unit_test(test_pool6),
		cmocka_unit_test(test_pool6_limit),
		cmocka_unit_test(test_tg_pool_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
