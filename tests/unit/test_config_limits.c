/* Limits of the configuration: one past each table's size is an error that
 * names the limit, and the parser refuses over-long lines, NUL bytes, too
 * many words and over-long names without reading past its input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

#define K36 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff01020304"

/* Text built by printf-like appends. */
struct text {
	char *buf;
	size_t len;
	FILE *f;
};

static void text_open(struct text *t)
{
	t->buf = NULL;
	t->f = open_memstream(&t->buf, &t->len);
	assert_non_null(t->f);
}

/* Loads the text from a temporary file: the error, or "" when accepted. */
static void text_load(struct text *t, char *err, size_t n)
{
	char path[] = "/tmp/fpvpn-test-limits-XXXXXX";
	fclose(t->f);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, t->buf, t->len), (ssize_t)t->len);
	close(fd);
	struct fp_config *c = fp_config_new();
	err[0] = '\0';
	fp_config_load(c, path, err, n);
	fp_config_free(c);
	unlink(path);
	free(t->buf);
}

/* count lines made by line(i); the one past the limit is refused. */
static void check_limit(unsigned count, void (*line)(FILE *, unsigned), const char *expect)
{
	struct text t;
	char err[512], at[32];
	text_open(&t);
	for (unsigned i = 0; i < count; i++)
		line(t.f, i);
	text_load(&t, err, sizeof(err));
	snprintf(at, sizeof(at), ":%u: ", count);
	if (!strstr(err, expect) || !strstr(err, at))
		fail_msg("got '%s', want line %u and '%s'", err, count, expect);
}

static void iface_line(FILE *f, unsigned i)
{
	fprintf(f, "interface eth%u\n", i);
}

static void ace_line(FILE *f, unsigned i)
{
	fprintf(f, "access-list A extended permit tcp any any eq %u\n", i + 1);
}

static void acl_line(FILE *f, unsigned i)
{
	fprintf(f, "access-list A%u extended permit ip any any\n", i);
}

static void proposal_line(FILE *f, unsigned i)
{
	fprintf(f, "crypto ipsec ikev2 ipsec-proposal P%u\n", i);
}

static void entry_line(FILE *f, unsigned i)
{
	fprintf(f, "crypto map m %u set peer 192.0.2.1\n", i + 1);
}

static void key_line(FILE *f, unsigned i)
{
	fprintf(f, "crypto map m 1 set session-key outbound esp %u cipher %s\n", 256 + i, K36);
}

static void binding_line(FILE *f, unsigned i)
{
	fprintf(f, "crypto map m%u interface if%u\n", i, i);
}

static void mtu_line(FILE *f, unsigned i)
{
	fprintf(f, "mtu if%u 1500\n", i);
}

static void frag_line(FILE *f, unsigned i)
{
	fprintf(f, "crypto ipsec fragmentation after-encryption if%u\n", i);
}

static void test_table_limits(void **state)
{
	(void)state;
	check_limit(FP_CFG_MAX_IFACES + 1, iface_line, "too many interfaces (limit 16)");
	check_limit(FP_CFG_MAX_ACES + 1, ace_line, "access-list: A has too many entries (limit 256)");
	check_limit(FP_CFG_MAX_ACLS + 1, acl_line, "too many access-lists (limit 64)");
	check_limit(FP_CFG_MAX_PROPOSALS + 1, proposal_line, "too many ipsec-proposals (limit 32)");
	check_limit(FP_CFG_MAX_MAP_ENTRIES + 1, entry_line,
		    "too many crypto map entries (limit 128)");
	check_limit(FP_CFG_MAX_KEYS + 1, key_line, "too many outbound keys in crypto map m 1 "
						  "(limit 4)");
	check_limit(FP_CFG_MAX_IFACES + 1, binding_line, "too many crypto map bindings (limit 16)");
	check_limit(FP_CFG_MAX_IFACES + 1, mtu_line,
		    "mtu: too many mtu lines (limit 16, one per interface)");
	check_limit(FP_CFG_MAX_IFACES + 1, frag_line,
		    "fragmentation: too many fragmentation lines (limit 16, one per interface)");
}

static void test_same_key_replaces(void **state)
{
	(void)state;
	struct fp_config *c = fp_config_new();
	char err[256];
	for (unsigned i = 0; i < 10; i++) /* one SPI again and again: one key */
		assert_int_equal(fp_config_parse_line(c, "crypto map m 1 set session-key inbound esp "
						      "300 cipher " K36, "t", i + 1, err,
						      sizeof(err)), 0);
	assert_int_equal(c->entries[0].n_in, 1);
	fp_config_free(c);
}

static void test_long_lines(void **state)
{
	(void)state;
	char err[256];
	struct text t;
	char *line = malloc(4100);
	memset(line, 'x', 4100);
	/* a comment of exactly 4096 characters, with CRLF, is fine */
	line[0] = '!';
	text_open(&t);
	fprintf(t.f, "%.4096s\r\nhostname ok\n", line);
	text_load(&t, err, sizeof(err));
	assert_string_equal(err, "");
	text_open(&t);
	fprintf(t.f, "hostname a\n%.4097s\n", line);
	text_load(&t, err, sizeof(err));
	assert_non_null(strstr(err, ":2: line is longer than 4096 characters"));
	/* fp_config_parse_line on a string with no end in sight */
	struct fp_config *c = fp_config_new();
	char *huge = malloc(100000);
	memset(huge, 'a', 99999);
	huge[99999] = '\0';
	assert_int_equal(fp_config_parse_line(c, huge, "t", 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 4096"));
	free(huge);
	fp_config_free(c);
	free(line);
}

static void test_nul_byte(void **state)
{
	(void)state;
	char err[256];
	struct text t;
	text_open(&t);
	fwrite("hostname a\nhostname b\0c\n", 1, 24, t.f);
	text_load(&t, err, sizeof(err));
	assert_non_null(strstr(err, ":2: NUL byte at column 11"));
}

static void test_words_and_names(void **state)
{
	(void)state;
	struct fp_config *c = fp_config_new();
	char err[256], line[512], name[80];
	strcpy(line, "access-list A extended permit ip any any");
	for (unsigned i = 0; i < 30; i++)
		strcat(line, " x");
	assert_int_equal(fp_config_parse_line(c, line, "t", 7, err, sizeof(err)), -1);
	assert_string_equal(err, "t:7: more than 32 words in one command");
	memset(name, 'n', 64);
	name[64] = '\0';
	snprintf(line, sizeof(line), "hostname %s", name);
	assert_int_equal(fp_config_parse_line(c, line, "t", 8, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t:8: hostname: the hostname 'nnnn"));
	assert_non_null(strstr(err, "is longer than 63 characters"));
	name[63] = '\0';
	snprintf(line, sizeof(line), "hostname %s", name);
	assert_int_equal(fp_config_parse_line(c, line, "t", 9, err, sizeof(err)), 0);
	/* a short error buffer truncates; no buffer at all is fine too */
	assert_int_equal(fp_config_parse_line(c, "bogus", "t", 1, err, 8), -1);
	assert_int_equal(strlen(err), 7);
	assert_int_equal(fp_config_parse_line(c, "bogus", NULL, 1, NULL, 0), -1);
	fp_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_limits),
		cmocka_unit_test(test_same_key_replaces),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_words_and_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
