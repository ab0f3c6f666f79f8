/* The IKEv2 configuration lines and the trustpoint: each line parses,
 * is written back as it was typed (pre-shared keys as ***** in show,
 * kept by write memory), bad values are refused naming FILE:LINE without
 * ever quoting a pre-shared key; test_live_strongswan.sh's configuration
 * validates; trustpoints load real RSA and ECDSA PEM files made here and
 * refuse a key readable by others, a key of another certificate, a
 * device instead of a file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/trustpoint.h"
#include "cert_fixture.h"

#define PSK "ss-interop-psk-0123456789abcdef" /* tests/netns/strongswan.sh's SS_PSK */
#define PSK2 "Zq!x#9;$(rm)|`x`&<>\"'"       /* shell-hostile, no hex run */

/* tests/interop/test_live_strongswan.sh's fpvpnd configuration, with its
 * addresses filled in. */
static const char strongswan_conf[] =
	"hostname site-a\n"
	"interface fpa-out\n"
	" nameif outside\n"
	" ip address 198.18.10.1 255.255.255.0\n"
	"interface tun-in\n"
	" nameif inside\n"
	" ip address 198.18.11.1 255.255.255.0\n"
	"access-list VPN extended permit ip 198.18.11.0 255.255.255.0 198.18.12.0 255.255.255.0\n"
	"crypto ikev2 policy 10\n"
	" encryption aes-256\n"
	" integrity sha256\n"
	" group 31\n"
	" prf sha256\n"
	"crypto ikev2 enable outside\n"
	"crypto ipsec ikev2 ipsec-proposal P\n"
	" protocol esp encryption aes-gcm-256 aes-gcm aes-256\n"
	" protocol esp integrity null sha-256 sha-384\n"
	"crypto map CM 10 match address VPN\n"
	"crypto map CM 10 set peer 198.18.10.2\n"
	"crypto map CM 10 set ikev2 ipsec-proposal P\n"
	"crypto map CM interface outside\n"
	"tunnel-group 198.18.10.2 type ipsec-l2l\n"
	"tunnel-group 198.18.10.2 ipsec-attributes\n"
	" ikev2 remote-authentication pre-shared-key " PSK "\n"
	" ikev2 local-authentication pre-shared-key " PSK "\n"
	"flow-offload-ipsec\n";

/* Parses text line by line as file "t"; NULL and err on the first error. */
static struct fp_config *parse(const char *text, char *err, size_t errlen)
{
	struct fp_config *c = fp_config_new();
	char *copy = strdup(text), *save = NULL;
	unsigned lineno = 0;
	assert_non_null(c);
	snprintf(c->file, sizeof(c->file), "t");
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (fp_config_parse_line(c, l, "t", ++lineno, err, errlen) < 0) {
			fp_config_free(c);
			c = NULL;
			break;
		}
	free(copy);
	return c;
}

static struct fp_config *parse_ok(const char *text)
{
	char err[1024] = "";
	struct fp_config *c = parse(text, err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	return c;
}

static char *write_text(const struct fp_config *c, bool with_keys)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	fp_config_write(c, f, with_keys);
	fclose(f);
	return buf;
}

/* Written with keys, parsed again, written again: the same text. */
static char *assert_roundtrip(const struct fp_config *c)
{
	char *a = write_text(c, true);
	struct fp_config *d = parse_ok(a);
	char *b = write_text(d, true);
	assert_string_equal(a, b);
	free(b);
	fp_config_free(d);
	return a;
}

static void test_strongswan_conf(void **state)
{
	(void)state;
	char err[1024] = "";
	struct fp_config *c = parse_ok(strongswan_conf);
	if (fp_config_validate(c, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	const struct fp_cfg_tunnel_group *tg = &c->tunnel_groups[0];
	assert_int_equal(tg->auth_local, FP_CFG_AUTH_PSK);
	assert_string_equal(tg->psk_remote, PSK);
	char *saved = assert_roundtrip(c), *shown = write_text(c, false);
	assert_non_null(strstr(saved, " ikev2 local-authentication pre-shared-key " PSK "\n"));
	assert_non_null(strstr(shown, " ikev2 remote-authentication pre-shared-key *****\n"));
	assert_null(strstr(shown, "interop-psk"));
	free(saved);
	free(shown);
	fp_config_free(c);
}

/* Every new line, written back as typed (defaults not stated stay
 * unstated; "set pfs" alone is group14). */
static const char every_line[] =
	"crypto ipsec ikev2 ipsec-proposal A\n"
	" protocol esp encryption aes-gcm-256\n"
	"crypto ipsec ikev2 ipsec-proposal B\n"
	" protocol esp encryption aes-256\n"
	" protocol esp integrity sha-256\n"
	"crypto map CM 10 set ikev2 ipsec-proposal A B\n"
	"crypto map CM 10 set pfs\n"
	"crypto map CM 10 set connection-type answer-only\n"
	"crypto map CM 20 set pfs group31\n"
	"crypto map CM 20 set connection-type originate-only\n"
	"crypto ca trustpoint TP\n"
	" enrollment terminal\n"
	" certificate-file /etc/fpvpn/gw.crt\n"
	" private-key-file /etc/fpvpn/gw.key\n"
	" ca-file /etc/fpvpn/ca.crt\n"
	"crypto ikev2 policy 20\n"
	" encryption aes-gcm-256 aes-gcm-192 aes-gcm\n"
	" integrity null\n"
	" group 21 20 19\n"
	" prf sha512 sha384\n"
	" lifetime seconds 3600\n"
	"crypto ikev2 policy 5\n"
	" encryption aes aes-192\n"
	" integrity sha sha512\n"
	"crypto ikev2 enable outside\n"
	"crypto ikev2 fragmentation mtu 1200\n"
	"tunnel-group 192.0.2.2 type ipsec-l2l\n"
	"tunnel-group 192.0.2.2 ipsec-attributes\n"
	" ikev2 remote-authentication certificate\n"
	" ikev2 local-authentication certificate TP\n"
	" isakmp keepalive threshold 30 retry 5\n"
	"tunnel-group 192.0.2.3 type ipsec-l2l\n"
	"tunnel-group 192.0.2.3 ipsec-attributes\n"
	" ikev2 remote-authentication pre-shared-key " PSK2 "\n"
	" ikev2 local-authentication pre-shared-key x\n"
	" isakmp keepalive disable\n"
	"crypto ikev2 limit max-in-negotiation-sa 200\n"
	"crypto ikev2 cookie-challenge 40\n";

static const char *const every_written[] = {
	"crypto map CM 10 set ikev2 ipsec-proposal A B\n",
	"crypto map CM 10 set pfs group14\n",
	"crypto map CM 10 set connection-type answer-only\n",
	"crypto map CM 20 set pfs group31\n",
	"crypto map CM 20 set connection-type originate-only\n",
	"crypto ca trustpoint TP\n enrollment terminal\n certificate-file /etc/fpvpn/gw.crt\n"
	" private-key-file /etc/fpvpn/gw.key\n ca-file /etc/fpvpn/ca.crt\n",
	"crypto ikev2 policy 5\n encryption aes aes-192\n integrity sha sha512\n"
	"crypto ikev2 policy 20\n encryption aes-gcm-256 aes-gcm-192 aes-gcm\n integrity null\n"
	" group 21 20 19\n prf sha512 sha384\n lifetime seconds 3600\n",
	"crypto ikev2 enable outside\ncrypto ikev2 fragmentation mtu 1200\n",
	"crypto ikev2 limit max-in-negotiation-sa 200\ncrypto ikev2 cookie-challenge 40\n",
	"tunnel-group 192.0.2.2 ipsec-attributes\n ikev2 remote-authentication certificate\n"
	" ikev2 local-authentication certificate TP\n isakmp keepalive threshold 30 retry 5\n",
	"tunnel-group 192.0.2.3 ipsec-attributes\n ikev2 remote-authentication pre-shared-key "
	PSK2 "\n ikev2 local-authentication pre-shared-key x\n isakmp keepalive disable\n",
};

static void test_every_line(void **state)
{
	(void)state;
	struct fp_config *c = parse_ok(every_line);
	const struct fp_cfg_map_entry *e = &c->entries[0];
	assert_string_equal(fp_config_entry_proposal(e, 0), "A");
	assert_string_equal(fp_config_entry_proposal(e, 1), "B");
	assert_null(fp_config_entry_proposal(e, 2));
	assert_int_equal(e->pfs_group, 14);
	assert_int_equal(c->ikev2_policies[0].priority, 5); /* kept by priority */
	assert_int_equal(c->ikev2_frag_mtu, 1200);
	assert_int_equal(c->ikev2_max_in_neg, 200);
	assert_int_equal(c->ikev2_cookie_pct, 40);
	char *saved = assert_roundtrip(c), *shown = write_text(c, false);
	for (size_t i = 0; i < sizeof(every_written) / sizeof(every_written[0]); i++)
		if (!strstr(saved, every_written[i]))
			fail_msg("missing:\n%s\nin:\n%s", every_written[i], saved);
	assert_null(strstr(shown, PSK2));
	assert_non_null(strstr(shown, " ikev2 local-authentication pre-shared-key *****\n"));
	free(saved);
	free(shown);
	fp_config_free(c);
}

/* The ASA's defaults fill what a policy leaves out. */
static void test_policy_defaults(void **state)
{
	(void)state;
	struct fp_config *c = parse_ok("crypto ikev2 policy 1\ncrypto ikev2 policy 2\n"
				       " encryption aes-gcm\ncrypto ikev2 policy 3\n"
				       " integrity sha384 null\n");
	struct fp_cfg_ikev2_policy e;
	fp_config_ikev2_policy_effective(&c->ikev2_policies[0], &e);
	assert_int_equal(e.encr[0], FP_CFG_IKE_AES_256);
	assert_int_equal(e.integ[0], FP_CFG_IKE_SHA256);
	assert_int_equal(e.prf[0], FP_CFG_IKE_SHA256);
	assert_int_equal(e.group[0], 14);
	assert_int_equal(e.life_s, 86400);
	fp_config_ikev2_policy_effective(&c->ikev2_policies[1], &e);
	assert_int_equal(e.integ[0], FP_CFG_IKE_NULL);
	assert_int_equal(e.n_prf, 1);
	assert_int_equal(e.prf[0], FP_CFG_IKE_SHA256);
	fp_config_ikev2_policy_effective(&c->ikev2_policies[2], &e);
	assert_int_equal(e.n_prf, 1); /* from integrity, null left out */
	assert_int_equal(e.prf[0], FP_CFG_IKE_SHA384);
	fp_config_free(c);
}

/* Refused lines: the error starts "t:LINE: " and holds want; a key given
 * never comes back. */
static const struct {
	const char *text;
	unsigned line;
	const char *want;
} parse_errors[] = {
	{ "crypto ikev2 policy 0\n", 1, "the priority" },
	{ "crypto ikev2 policy 65536\n", 1, "the priority" },
	{ "crypto ikev2 policy 1\n encryption 3des\n", 2, "des and 3des are not offered" },
	{ "crypto ikev2 policy 1\n encryption aes aes\n", 2, "'aes' is listed twice" },
	{ "crypto ikev2 policy 1\n integrity md5\n", 2, "md5 is not offered" },
	{ "crypto ikev2 policy 1\n prf null\n", 2, "expected sha, sha256, sha384, sha512," },
	{ "crypto ikev2 policy 1\n group 5\n", 2, "DH group 5 is not offered" },
	{ "crypto ikev2 policy 1\n lifetime seconds 119\n", 2, "seconds" },
	{ "crypto ikev2 policy 1\n lifetime seconds 2147483648\n", 2, "seconds" },
	{ " encryption aes\n", 1, "must follow 'crypto ikev2 policy N'" },
	{ "crypto map CM 10 set pfs group2\n", 1, "DH group 2 is not offered" },
	{ "crypto map CM 10 set pfs 14\n", 1, "expected groupN" },
	{ "crypto map CM 10 set connection-type sometimes\n", 1, "'bidirectional'" },
	{ "crypto map CM 10 set ikev2 ipsec-proposal A A\n", 1, "listed twice" },
	{ "tunnel-group 192.0.2.9 ipsec-attributes\n", 1, "does not exist" },
	{ "tunnel-group 192.0.2.9 type ipsec-l2l\ntunnel-group 192.0.2.9 ipsec-attributes\n"
	  " isakmp keepalive threshold 9 retry 2\n", 3, "threshold" },
	{ "tunnel-group 192.0.2.9 type ipsec-l2l\ntunnel-group 192.0.2.9 ipsec-attributes\n"
	  " isakmp keepalive threshold 10 retry 11\n", 3, "retry" },
	{ "tunnel-group 192.0.2.9 type ipsec-l2l\ntunnel-group 192.0.2.9 ipsec-attributes\n"
	  " ikev2 local-authentication certificate\n", 3, "incomplete command" },
	{ "crypto ca trustpoint TP\n enrollment url\n", 2, "expected 'terminal'" },
	{ "crypto ikev2 fragmentation mtu 67\n", 1, "the MTU" },
	{ "crypto ikev2 fragmentation mtu 1501\n", 1, "the MTU" },
	{ "crypto ca trustpoint T/P\n", 1, "the trustpoint name" },
	{ "crypto ikev2 limit max-in-negotiation-sa 0\n", 1, "the number of SAs in negotiation" },
	{ "crypto ikev2 limit max-in-negotiation-sa 10001\n", 1, "the number of SAs in negotiation" },
	{ "crypto ikev2 cookie-challenge 101\n", 1, "the percentage" },
	{ "crypto ikev2 cookie-challenge\n", 1, "incomplete command" },
};

static void test_parse_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_errors) / sizeof(parse_errors[0]); i++) {
		char err[1024] = "", prefix[32];
		struct fp_config *c = parse(parse_errors[i].text, err, sizeof(err));
		snprintf(prefix, sizeof(prefix), "t:%u: ", parse_errors[i].line);
		if (c || strncmp(err, prefix, strlen(prefix)) || !strstr(err, parse_errors[i].want))
			fail_msg("case %zu\n  got: %s\n  want: %s...%s", i, c ? "(parsed)" : err,
				 prefix, parse_errors[i].want);
	}
}

#define TG "tunnel-group 192.0.2.9 type ipsec-l2l\ntunnel-group 192.0.2.9 ipsec-attributes\n"

/* A pre-shared key in a refused line never reaches the message, whatever
 * went wrong and whatever it looks like; the echo mask hides it too. */
static void test_psk_never_quoted(void **state)
{
	(void)state;
	static const char *const lines[] = {
		TG " ikev2 local-authentication pre-shared-key Tr0ub4dor&3 extra-Tr0ub4dor\n",
		TG " ikev2 remote-authentication pre-shared-key Tr0ub4dor&3 Tr0ub4dor&3\n",
		TG " ikev2 remote-authentication pre-shared-key "
		   "Tr0ub4dor&3xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
		"ikev2 local-authentication pre-shared-key Tr0ub4dor&3\n",
		TG "crypto map CM 10 set peer 192.0.2.9\n ikev2 local-authentication pre-shared-key "
		   "Tr0ub4dor&3\n",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char err[1024] = "";
		struct fp_config *c = parse(lines[i], err, sizeof(err));
		if (c || !err[0] || strstr(err, "Tr0ub4dor"))
			fail_msg("case %zu: %s", i, c ? "(parsed)" : err);
	}
	char line[] = " ikev2 local-authentication PRE-SHARED-KEY Tr0ub4dor&3 more";
	fp_config_mask_keys(line);
	assert_string_equal(line, " ikev2 local-authentication PRE-SHARED-KEY *********** ****");
}

#define IKE_BASE \
	"interface eth0\n nameif outside\n ip address 192.0.2.1 255.255.255.0\n"  /* 1-3 */ \
	"access-list A extended permit ip 10.1.0.0 255.255.0.0 10.2.0.0 255.255.0.0\n" /* 4 */ \
	"crypto ipsec ikev2 ipsec-proposal P\n protocol esp encryption aes-gcm-256\n" /* 5-6 */ \
	"crypto map m 1 match address A\ncrypto map m 1 set peer 192.0.2.2\n"        /* 7-8 */ \
	"crypto map m 1 set ikev2 ipsec-proposal P\ncrypto map m interface outside\n" /* 9-10 */
#define IKE_POL "crypto ikev2 policy 10\n"                                     /* 11 */
#define IKE_EN "crypto ikev2 enable outside\n"
#define IKE_TG(auth) "tunnel-group 192.0.2.2 type ipsec-l2l\n" \
	"tunnel-group 192.0.2.2 ipsec-attributes\n" auth
#define IKE_PSKS " ikev2 remote-authentication pre-shared-key a\n" \
	" ikev2 local-authentication pre-shared-key b\n"

static const struct {
	const char *text;
	unsigned line;
	const char *want; /* NULL: valid */
} validate_cases[] = {
	{ IKE_BASE IKE_POL IKE_EN IKE_TG(IKE_PSKS), 0, NULL },
	{ IKE_BASE IKE_POL IKE_TG(IKE_PSKS), 7, "IKEv2 is not enabled on outside" },
	{ IKE_BASE IKE_EN IKE_TG(IKE_PSKS), 7, "no 'crypto ikev2 policy'" },
	{ IKE_BASE IKE_POL IKE_EN, 7, "no tunnel-group 192.0.2.2" },
	{ IKE_BASE IKE_POL IKE_EN IKE_TG(" ikev2 remote-authentication pre-shared-key a\n"), 7,
	  "has no 'ikev2 local-authentication'" },
	{ IKE_BASE IKE_POL IKE_EN IKE_TG(IKE_PSKS)
	  "crypto map m 1 set session-key inbound esp 300 cipher "
	  "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff01020304\n", 7,
	  "no outbound session-key" },
	{ IKE_BASE IKE_POL IKE_EN IKE_TG(IKE_PSKS) "crypto ikev2 enable dmz\n", 17,
	  "crypto ikev2 enable dmz: no interface has 'nameif dmz'" },
	{ IKE_BASE IKE_POL " encryption aes-gcm\n integrity sha256\n" IKE_EN IKE_TG(IKE_PSKS), 11,
	  "integrity must be null" },
	{ IKE_BASE IKE_POL " encryption aes-gcm aes\n" IKE_EN IKE_TG(IKE_PSKS), 11,
	  "cannot share a policy" },
	{ IKE_BASE IKE_POL " integrity null\n" IKE_EN IKE_TG(IKE_PSKS), 11,
	  "integrity null is only for AES-GCM" },
	{ IKE_BASE IKE_POL IKE_EN IKE_TG(" ikev2 remote-authentication certificate\n"
					  " ikev2 local-authentication certificate TP\n"), 14,
	  "trustpoint TP does not exist" },
	{ IKE_BASE IKE_POL IKE_EN "crypto ca trustpoint TP\n enrollment terminal\n"
	  IKE_TG(" ikev2 remote-authentication certificate\n"
		 " ikev2 local-authentication certificate TP\n"), 16, "has no certificate-file" },
	{ IKE_BASE IKE_POL IKE_EN IKE_TG(IKE_PSKS)
	  "crypto ipsec ikev2 ipsec-proposal Q\n protocol esp encryption aes-256\n"
	  "crypto map m 1 set ikev2 ipsec-proposal P Q\n", 17, "aes-256 needs an integrity" },
	{ IKE_BASE IKE_POL IKE_EN IKE_TG(IKE_PSKS) "crypto map m 1 set ikev2 ipsec-proposal P Z\n",
	  7, "ipsec-proposal Z does not exist" },
};

static void test_validate(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(validate_cases) / sizeof(validate_cases[0]); i++) {
		char err[1024] = "", prefix[32];
		struct fp_config *c = parse_ok(validate_cases[i].text);
		int rc = fp_config_validate(c, err, sizeof(err));
		const char *want = validate_cases[i].want;
		snprintf(prefix, sizeof(prefix), "t:%u: ", validate_cases[i].line);
		if (!want && rc != 0)
			fail_msg("case %zu refused: %s", i, err);
		if (want && (rc == 0 || strncmp(err, prefix, strlen(prefix)) || !strstr(err, want)))
			fail_msg("case %zu\n  got: %s\n  want: %s...%s", i, rc ? err : "(valid)",
				 prefix, want);
		fp_config_free(c);
	}
}

/* ---- trustpoints: keys and self-signed certificates made here ---- */

struct tp_dir {
	char dir[64];
	char path[8][128];
};

static EVP_PKEY *make_key(bool ec)
{
	EVP_PKEY *k = ec ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
			 : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	assert_non_null(k);
	return k;
}

static X509 *make_cert(EVP_PKEY *k, const char *cn)
{
	return fp_test_self_signed(k, cn);
}

static const char *tp_write(struct tp_dir *d, unsigned i, X509 *x, EVP_PKEY *k, mode_t mode)
{
	char dir[sizeof(d->dir)];
	memcpy(dir, d->dir, sizeof(dir));
	snprintf(d->path[i], sizeof(d->path[i]), "%s/f%u.pem", dir, i);
	FILE *f = fopen(d->path[i], "w");
	assert_non_null(f);
	if (x)
		assert_true(PEM_write_X509(f, x));
	if (k)
		assert_true(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL));
	fclose(f);
	assert_int_equal(chmod(d->path[i], mode), 0);
	return d->path[i];
}

static void tp_set(struct fp_cfg_trustpoint *tp, const char *cert, const char *key,
		   const char *ca)
{
	memset(tp, 0, sizeof(*tp));
	snprintf(tp->name, sizeof(tp->name), "TP");
	snprintf(tp->cert_file, sizeof(tp->cert_file), "%s", cert ? cert : "");
	snprintf(tp->key_file, sizeof(tp->key_file), "%s", key ? key : "");
	snprintf(tp->ca_file, sizeof(tp->ca_file), "%s", ca ? ca : "");
}

static void tp_expect(const struct fp_cfg_trustpoint *tp, const char *want)
{
	struct fp_trustpoint t;
	char err[1024] = "";
	int rc = fp_trustpoint_load(tp, &t, err, sizeof(err));
	if (!want && rc != 0)
		fail_msg("refused: %s", err);
	if (want && (rc == 0 || !strstr(err, want)))
		fail_msg("got: %s\nwant: %s", rc ? err : "(loaded)", want);
	if (!want) {
		assert_non_null(tp->cert_file[0] ? (void *)t.cert : (void *)t.cas);
		assert_true(!tp->cert_file[0] || X509_check_private_key(t.cert, t.key) == 1);
	}
	fp_trustpoint_free(&t);
	assert_null(t.cert);
}

static void tp_one_kind(bool ec)
{
	struct tp_dir d;
	struct fp_cfg_trustpoint tp;
	snprintf(d.dir, sizeof(d.dir), "/tmp/fpvpn-tp-XXXXXX");
	assert_non_null(mkdtemp(d.dir));
	EVP_PKEY *k = make_key(ec), *other = make_key(ec);
	X509 *x = make_cert(k, "gw"), *ca = make_cert(other, "ca");
	const char *cert = tp_write(&d, 0, x, NULL, 0644);
	const char *key = tp_write(&d, 1, NULL, k, 0600);
	const char *chain = tp_write(&d, 2, x, NULL, 0644);
	const char *cas = tp_write(&d, 3, ca, NULL, 0644);
	const char *wide = tp_write(&d, 4, NULL, k, 0644);
	const char *wrong = tp_write(&d, 5, NULL, other, 0400);
	FILE *f = fopen(chain, "a"); /* the chain: the CA after the gateway's certificate */
	assert_true(f && PEM_write_X509(f, ca));
	fclose(f);
	tp_set(&tp, cert, key, cas);
	tp_expect(&tp, NULL);
	tp_set(&tp, chain, key, NULL);
	tp_expect(&tp, NULL);
	tp_set(&tp, NULL, NULL, cas);
	tp_expect(&tp, NULL);
	tp_set(&tp, cert, wide, NULL);
	tp_expect(&tp, "mode 0644: must be 0600 or stricter");
	tp_set(&tp, cert, wrong, NULL);
	tp_expect(&tp, "does not match the certificate");
	tp_set(&tp, cert, NULL, NULL);
	tp_expect(&tp, "certificate-file without private-key-file");
	tp_set(&tp, key, key, NULL);
	tp_expect(&tp, "no PEM certificate");
	tp_set(&tp, cert, key, wrong);
	tp_expect(&tp, "ca-file");
	tp_set(&tp, "/dev/zero", key, NULL);
	tp_expect(&tp, "not a regular file");
	tp_set(&tp, cert, d.dir, NULL); /* a folder */
	tp_expect(&tp, "not a regular file");
	for (unsigned i = 0; i < 6; i++)
		unlink(d.path[i]);
	rmdir(d.dir);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
}

static void test_trustpoint_rsa(void **state)
{
	(void)state;
	tp_one_kind(false);
}

static void test_trustpoint_ecdsa(void **state)
{
	(void)state;
	tp_one_kind(true);
}

/* Validation loads the files and names the trustpoint's line. */
static void test_trustpoint_validate(void **state)
{
	(void)state;
	struct tp_dir d;
	char text[1024], err[1024] = "";
	snprintf(d.dir, sizeof(d.dir), "/tmp/fpvpn-tp-XXXXXX");
	assert_non_null(mkdtemp(d.dir));
	EVP_PKEY *k = make_key(true);
	X509 *x = make_cert(k, "gw");
	const char *cert = tp_write(&d, 0, x, NULL, 0644), *key = tp_write(&d, 1, NULL, k, 0640);
	snprintf(text, sizeof(text), "hostname h\ncrypto ca trustpoint TP\n enrollment terminal\n"
		 " certificate-file %s\n private-key-file %s\n", cert, key);
	struct fp_config *c = parse_ok(text);
	assert_int_equal(fp_config_validate(c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t:2: crypto ca trustpoint TP: private-key-file"));
	assert_non_null(strstr(err, "mode 0640"));
	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(fp_config_validate(c, err, sizeof(err)), 0);
	free(assert_roundtrip(c));
	fp_config_free(c);
	unlink(cert);
	unlink(key);
	rmdir(d.dir);
	X509_free(x);
	EVP_PKEY_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strongswan_conf),
		cmocka_unit_test(test_every_line),
		cmocka_unit_test(test_policy_defaults),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_psk_never_quoted),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_trustpoint_rsa),
		cmocka_unit_test(test_trustpoint_ecdsa),
		cmocka_unit_test(test_trustpoint_validate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
