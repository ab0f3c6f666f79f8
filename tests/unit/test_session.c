/* Sessions without a socket: exec and configure mode, the prompt, what
 * configure terminal changes live (the tunnel really moves between the
 * engine and the software pipe) and what it refuses, do, '?' in
 * configure mode, write memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/session.h"
#include "config/config.h"
#include "datapath/gateway.h"

#define K36 "c0ffee030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
#define K36B "5ec4e7a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3"

static const char site_a[] =
	"hostname site-a\n"
	"interface eth0\n nameif outside\n ip address 198.51.100.1 255.255.255.0\n!\n"
	"interface eth1\n nameif inside\n ip address 10.1.0.1 255.255.255.0\n!\n"
	"access-list VPN extended permit ip 10.1.0.0 255.255.255.0 10.2.0.0 255.255.255.0\n"
	"crypto ipsec ikev2 ipsec-proposal GCM\n protocol esp encryption aes-gcm-256\n"
	"crypto map CM 10 match address VPN\n"
	"crypto map CM 10 set peer 198.51.100.2\n"
	"crypto map CM 10 set ikev2 ipsec-proposal GCM\n"
	"crypto map CM 10 set session-key inbound esp 4097 cipher " K36 "\n"
	"crypto map CM 10 set session-key outbound esp 8193 cipher " K36B "\n"
	"crypto map CM interface outside\n";

struct fixture {
	struct fp_gw *gw;
	struct fp_session s;
	char dir[64], path[96];
};

/* A gateway loaded from a file in a fresh folder, as fpvpnd loads it. */
static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	char err[256];
	snprintf(x->dir, sizeof(x->dir), "/tmp/test_session_XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->path, sizeof(x->path), "%s/fpvpn.conf", x->dir);
	FILE *f = fopen(x->path, "w");
	assert_non_null(f);
	fputs(site_a, f);
	fclose(f);
	struct fp_config *c = fp_config_new();
	x->gw = calloc(1, sizeof(*x->gw));
	if (fp_config_load(c, x->path, err, sizeof(err)) < 0 ||
	    fp_config_validate(c, err, sizeof(err)) < 0 || fp_gw_init(x->gw, c, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	snprintf(x->gw->cfg_path, sizeof(x->gw->cfg_path), "%s", x->path);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;
	char tmp[128];
	snprintf(tmp, sizeof(tmp), "%s.tmp", x->path);
	unlink(tmp);
	unlink(x->path);
	rmdir(x->dir);
	fp_gw_fini(x->gw);
	free(x->gw);
	free(x);
	return 0;
}

/* Run a line; its output (caller frees) and return code. */
static char *run(struct fixture *x, const char *line, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int r = fp_session_exec(&x->s, x->gw, line, out);
	fclose(out);
	if (rc)
		*rc = r;
	return buf;
}

/* Run a line that must return rc with output containing want ("" for
 * anything, NULL for nothing at all). */
static void expect(struct fixture *x, const char *line, int rc, const char *want)
{
	int r;
	char *out = run(x, line, &r);
	if (r != rc || (want && !strstr(out, want)) || (!want && *out))
		fprintf(stderr, "'%s': rc %d, wanted %d and '%s', got:\n%s", line, r, rc,
			want ? want : "(nothing)", out);
	assert_int_equal(r, rc);
	if (want)
		assert_non_null(strstr(out, want));
	else
		assert_string_equal(out, "");
	free(out);
}

static void expect_prompt(struct fixture *x, const char *want)
{
	char p[128];
	assert_string_equal(fp_session_prompt(&x->s, x->gw, p, sizeof(p)), want);
}

static void test_modes(void **state)
{
	struct fixture *x = *state;
	expect_prompt(x, "site-a# ");
	expect(x, "show running-config", 0, "hostname site-a\n");
	expect(x, "conf t", 0, NULL);
	assert_int_equal(x->s.mode, FP_SESSION_CONFIG);
	expect_prompt(x, "site-a(config)# ");
	expect(x, "end", 0, NULL);
	expect_prompt(x, "site-a# ");
	expect(x, "CONFIGURE TERMINAL\r\n", 0, NULL);
	expect(x, "exit", 0, NULL);
	expect_prompt(x, "site-a# ");
	expect(x, "configure terminal", 0, NULL);
	expect(x, "  EXIT  ", 0, NULL);
	assert_int_equal(x->s.mode, FP_SESSION_EXEC);
	/* exec mode: exit is the client's; here it does nothing */
	expect(x, "exit", 0, NULL);
	expect(x, "", 0, NULL);
	assert_int_equal(x->s.mode, FP_SESSION_EXEC);
}

/* configure terminal is matched as the command table matches: "co" is
 * both configure and copy. */
static void test_configure_matching(void **state)
{
	struct fixture *x = *state;
	expect(x, "co t", -1, "Ambiguous command");
	expect(x, "c t", -1, "Ambiguous command");
	expect(x, "configure", -1, "Incomplete command");
	expect(x, "configure terminal now", -1, "Invalid input detected");
	expect(x, "conf x", -1, "Invalid input detected");
	expect(x, "conf t ?", 0, "<cr>");
	expect(x, "conf ?", 0, "terminal");
	expect(x, "?", 0, "  configure ");
	expect(x, "?", 0, "  write ");
	assert_int_equal(x->s.mode, FP_SESSION_EXEC);
}

static void test_hostname(void **state)
{
	struct fixture *x = *state;
	expect(x, "conf t", 0, NULL);
	expect(x, "hostname site-b", 0, NULL);
	expect_prompt(x, "site-b(config)# ");
	expect(x, "hostname site/b", -1, "ERROR: % hostname: the hostname 'site/b' may contain only");
	expect(x, "hostname", -1, "ERROR: % hostname: incomplete command; usage: hostname NAME\n");
	expect_prompt(x, "site-b(config)# ");
	expect(x, "end", 0, NULL);
	expect_prompt(x, "site-b# ");
	expect(x, "show running-config", 0, "hostname site-b\n");
	assert_string_equal(x->gw->cfg->hostname, "site-b");
}

/* The switches change the configuration and move the tunnel's SA pair
 * between the engine and the software pipe (reoffload.c, inline here as
 * offline), which show crypto ipsec sa reports. */
static void test_flow_offload(void **state)
{
	struct fixture *x = *state;
	const struct fp_gw_tunnel *t = &x->gw->tunnels[0];
	assert_true(fp_gw_tunnel_offloaded(x->gw, t));
	expect(x, "conf t", 0, NULL);
	expect(x, "no flow-offload-ipsec", 0, NULL);
	assert_false(x->gw->cfg->offload_ipsec);
	assert_false(fp_gw_tunnel_offloaded(x->gw, t));
	expect(x, "show crypto ipsec sa", 0, "{L2L, Tunnel, Manual key, CAN_BE_OFFLOADED, }");
	expect(x, "no flow-offload-ipsec", 0, NULL);
	assert_false(fp_gw_tunnel_offloaded(x->gw, t));
	expect(x, "no flow-offload-ipsec egress-optimization", 0, NULL);
	assert_false(x->gw->cfg->offload_ipsec_egress);
	expect(x, "show running-config", 0, "no flow-offload-ipsec\n");
	expect(x, "flow-offload-ipsec", 0, NULL);
	expect(x, "flow-offload-ipsec egress-optimization", 0, NULL);
	assert_true(x->gw->cfg->offload_ipsec);
	assert_true(x->gw->cfg->offload_ipsec_egress);
	assert_true(fp_gw_tunnel_offloaded(x->gw, t));
	expect(x, "show crypto ipsec sa", 0, "CAN_BE_OFFLOADED, OFFLOADED, }");
}

/* What cannot change live is refused, quoted without its keys, and the
 * running configuration is untouched. */
static void test_refused(void **state)
{
	struct fixture *x = *state;
	static const char *const lines[] = {
		"crypto map CM 10 set peer 192.0.2.9",
		("crypto map CM 10 set session-key inbound esp 4097 cipher " K36B),
		"access-list NEW extended permit ip any any",
		"interface eth0",
		"crypto ipsec security-association replay window-size 128",
	};
	expect(x, "conf t", 0, NULL);
	expect(x, lines[0], -1, "ERROR: % 'crypto map CM 10 set peer ...' cannot be changed "
	       "while fpvpnd runs: edit the configuration file and restart\n");
	expect(x, "interface eth0", -1, "ERROR: % 'interface eth0' cannot be changed");
	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char *out = run(x, lines[i], NULL);
		assert_non_null(strstr(out, "cannot be changed while fpvpnd runs"));
		assert_null(strstr(out, "5ec4e7"));
		free(out);
	}
	expect(x, "nameif inside", -1, "must follow 'interface DEVICE'");
	char *out = run(x, "do show running-config", NULL);
	assert_non_null(strstr(out, "crypto map CM 10 set peer 198.51.100.2\n"));
	assert_null(strstr(out, "NEW"));
	assert_null(strstr(out, "window-size"));
	free(out);
	assert_int_equal(x->gw->cfg->n_acls, 1);
}

/* Lines that change nothing are accepted; lines that do not parse get
 * the parser's message. */
static void test_noop_and_invalid(void **state)
{
	struct fixture *x = *state;
	expect(x, "conf t", 0, NULL);
	expect(x, "! a comment", 0, NULL);
	expect(x, "hostname site-a", 0, NULL);
	expect(x, "flow-offload-ipsec", 0, NULL);
	assert_true(fp_gw_tunnel_offloaded(x->gw, &x->gw->tunnels[0]));
	expect(x, "bogus words", -1, "ERROR: % unknown command 'bogus'; expected");
	expect(x, "crypto map CM 10 set peer nowhere", -1, "ERROR: % set peer:");
	expect(x, "hostname \x01", -1, "ERROR: % unexpected byte 0x01");
	assert_int_equal(x->s.mode, FP_SESSION_CONFIG);
}

static void test_do(void **state)
{
	struct fixture *x = *state;
	expect(x, "conf t", 0, NULL);
	expect(x, "do show running-config", 0, "crypto map CM interface outside\n");
	expect(x, "do sh run", 0, "hostname site-a\n");
	expect(x, "sh run", 0, "hostname site-a\n");
	expect(x, "show crypto ipsec sa", 0, "current_peer: 198.51.100.2");
	expect(x, "do", -1, "ERROR: % Incomplete command\n");
	expect(x, "do bogus", -1, "Invalid input detected");
	expect(x, "do conf t", 0, NULL);
	assert_int_equal(x->s.mode, FP_SESSION_CONFIG);
}

static void test_config_help(void **state)
{
	struct fixture *x = *state;
	static const char *const top[] = {
		"  hostname ", "  flow-offload-ipsec ", "  no ", "  do ", "  end ", "  exit ",
		"  show ", "  write ",
	};
	expect(x, "conf t", 0, NULL);
	char *out = run(x, "?", NULL);
	for (unsigned i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		assert_non_null(strstr(out, top[i]));
	free(out);
	expect(x, "no ?", 0, "  flow-offload-ipsec ");
	expect(x, "flow-offload-ipsec ?", 0, "  egress-optimization ");
	expect(x, "flow-offload-ipsec ?", 0, "  <cr> ");
	expect(x, "flow?", 0, "  flow-offload-ipsec ");
	expect(x, "no flow-offload-ipsec e?", 0, "  egress-optimization ");
	expect(x, "hostname ?", 0, "  <name> ");
	expect(x, "do show ?", 0, "  running-config ");
	expect(x, "show ?", 0, "  crypto ");
	expect(x, "zz?", -1, "zz\n^\nERROR: % Invalid input detected at '^' marker.\n");
	expect(x, "no zz ?", -1, "no zz \n      ^\nERROR: % Invalid input detected");
	/* help never echoes the line past the word it marks: a key stays unsaid */
	char *key = run(x, "crypto map CM 10 set session-key inbound esp 4096 cipher "
			   "5ec4e7a3a4a5a6a7a8a9aaabacadaeafb0b1 ?", NULL);
	assert_null(strstr(key, "5ec4e7a3"));
	assert_non_null(strstr(key, "Invalid input detected"));
	free(key);
	assert_int_equal(x->s.mode, FP_SESSION_CONFIG);
	assert_string_equal(x->gw->cfg->hostname, "site-a");
}

/* A key typed where a command word, an SPI, a direction or a sequence
 * number belongs, in exec and in configure mode, through show, do, '?'
 * and refused lines: no reply holds 16 of its hex digits in a row. */
#define TYPED "5ec7e7a11ce0b0b0c0ffee00deadbeef0123456789abcdef5ec7e7a11ce0b0b0c0ffee99"
#define KLINE "crypto map CM 10 set session-key "

static void expect_hidden(struct fixture *x, const char *line)
{
	static const char typed[] = TYPED;
	char run16[17];
	char *out = run(x, line, NULL);
	for (size_t i = 0; i + 16 <= strlen(typed); i++) {
		snprintf(run16, sizeof(run16), "%.16s", &typed[i]);
		if (strstr(out, run16))
			fail_msg("'%s' quoted the key:\n%s", line, out);
	}
	assert_non_null(strstr(out, "ERROR: %"));
	free(out);
}

static void test_keys_not_echoed(void **state)
{
	struct fixture *x = *state;
	static const char *const lines[] = {
		TYPED,
		"show " TYPED,
		"show crypto " TYPED " sa",
		"show crypto ipsec sa peer " TYPED,
		"sh " TYPED " " TYPED,
		"show capture " TYPED,
		"show " TYPED "?",
		KLINE "inbound esp 4097 cipher " TYPED, /* exec mode: not a command */
	};
	static const char *const config_lines[] = {
		TYPED,
		"do show " TYPED,
		"show " TYPED,
		"no " TYPED " ?",
		"flow-offload-ipsec " TYPED,
		KLINE "inbound esp " TYPED " cipher " TYPED,
		KLINE TYPED " esp 4097 cipher 00",
		"crypto map CM " TYPED " set session-key inbound esp 4097 cipher 00",
		"crypto map CM 10 " TYPED " inbound esp 4097 cipher 00",
		"crypto map 5ec7e7a11ce0b0b0c0ffee00deadbeef 10 set peer 192.0.2.9", /* refused */
	};
	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		expect_hidden(x, lines[i]);
	expect(x, "show " TYPED, -1, "show " "************************");
	expect(x, "conf t", 0, NULL);
	for (unsigned i = 0; i < sizeof(config_lines) / sizeof(config_lines[0]); i++)
		expect_hidden(x, config_lines[i]);
	assert_int_equal(x->s.mode, FP_SESSION_CONFIG);
}

static char *config_text(const struct fp_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fp_config_write(c, f, true);
	fclose(f);
	return buf;
}

/* write memory: the running configuration, keys included, replaces the
 * file (0600, no temporary left) and loads back to the same text. */
static void test_write_memory(void **state)
{
	struct fixture *x = *state;
	char err[256], tmp[128];
	struct stat st;
	expect(x, "conf t", 0, NULL);
	expect(x, "hostname written", 0, NULL);
	expect(x, "no flow-offload-ipsec", 0, NULL);
	expect(x, "write memory", 0, "Building configuration...\n[OK]\n");
	expect(x, "end", 0, NULL);
	expect(x, "copy running-config startup-config", 0, "[OK]\n");
	expect(x, "wr mem", 0, "[OK]\n");
	assert_int_equal(stat(x->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(tmp, sizeof(tmp), "%s.tmp", x->path);
	assert_int_equal(access(tmp, F_OK), -1);
	struct fp_config *back = fp_config_new();
	assert_int_equal(fp_config_load(back, x->path, err, sizeof(err)), 0);
	assert_int_equal(fp_config_validate(back, err, sizeof(err)), 0);
	char *want = config_text(x->gw->cfg), *got = config_text(back);
	assert_string_equal(got, want);
	assert_non_null(strstr(got, "hostname written\n"));
	assert_non_null(strstr(got, K36));
	free(want);
	free(got);
	fp_config_free(back);
}

/* write memory through a chain of links (path -> mid -> real/site.conf):
 * both links stay links, the file at the end is replaced (a new inode, so
 * by rename, not rewritten in place) and the temporary was made beside it:
 * a folder where one beside the first link would go is left alone. */
static void test_write_memory_symlink(void **state)
{
	struct fixture *x = *state;
	char real[160], mid[160], busy[128], tmp[176], link[160];
	struct stat before, after;
	snprintf(real, sizeof(real), "%s/real", x->dir);
	assert_int_equal(mkdir(real, 0700), 0);
	snprintf(real, sizeof(real), "%s/real/site.conf", x->dir);
	snprintf(mid, sizeof(mid), "%s/mid", x->dir);
	snprintf(busy, sizeof(busy), "%s.tmp", x->path);
	assert_int_equal(rename(x->path, real), 0);
	assert_int_equal(symlink("real/site.conf", mid), 0);
	assert_int_equal(symlink("mid", x->path), 0);
	assert_int_equal(mkdir(busy, 0700), 0);
	assert_int_equal(stat(real, &before), 0);
	expect(x, "conf t", 0, NULL);
	expect(x, "hostname linked", 0, NULL);
	expect(x, "write memory", 0, "[OK]\n");
	assert_int_equal(lstat(x->path, &after), 0);
	assert_true(S_ISLNK(after.st_mode));
	assert_int_equal(readlink(x->path, link, sizeof(link)), 3);
	assert_int_equal(lstat(mid, &after), 0);
	assert_true(S_ISLNK(after.st_mode));
	assert_int_equal(lstat(real, &after), 0);
	assert_true(S_ISREG(after.st_mode));
	assert_true(after.st_ino != before.st_ino);
	assert_int_equal(after.st_mode & 0777, 0600);
	snprintf(tmp, sizeof(tmp), "%s.tmp", real);
	assert_int_equal(access(tmp, F_OK), -1);
	struct fp_config *back = fp_config_new();
	char err[256];
	assert_int_equal(fp_config_load(back, real, err, sizeof(err)), 0);
	assert_string_equal(back->hostname, "linked");
	fp_config_free(back);
	/* a link to nothing: an error that names it, and nothing is made */
	assert_int_equal(unlink(real), 0);
	expect(x, "write memory", -1, "ERROR: % cannot follow the link ");
	assert_int_equal(access(real, F_OK), -1);
	assert_int_equal(lstat(x->path, &after), 0);
	assert_true(S_ISLNK(after.st_mode));
	rmdir(busy);
	unlink(mid);
	snprintf(real, sizeof(real), "%s/real", x->dir);
	rmdir(real);
}

static void test_write_memory_fails(void **state)
{
	struct fixture *x = *state;
	char keep[sizeof(x->gw->cfg_path)];
	memcpy(keep, x->gw->cfg_path, sizeof(keep));
	x->gw->cfg_path[0] = '\0';
	expect(x, "write memory", -1, "ERROR: % no configuration file to write to");
	snprintf(x->gw->cfg_path, sizeof(x->gw->cfg_path), "%s/no/such/dir/x.conf", x->dir);
	expect(x, "write memory", -1, "ERROR: % cannot write ");
	memcpy(x->gw->cfg_path, keep, sizeof(keep));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_configure_matching, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostname, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_offload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noop_and_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_do, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_not_echoed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_memory_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_memory_fails, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
