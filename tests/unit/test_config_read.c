/* Reading the configuration file: whatever goes wrong while reading is an
 * error naming the file, never the lines read so far taken for the whole
 * configuration. An endless file (/dev/zero), a file that cannot be read (a
 * directory, /proc/self/mem), a file past the line or byte bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/config.h"

#define CHILD_SECS 20             /* an endless read gets this long */
#define CHILD_MEM (512ul << 20)   /* and this much address space (unsanitized) */

/* fp_config_load(path) in a child held to CHILD_SECS and CHILD_MEM, so
 * that a loader that reads without bound fails the test instead of
 * eating the machine: its return code (2 when killed) and error. */
static int load_bounded(const char *path, char *err, size_t n)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { CHILD_MEM, CHILD_MEM };
		if (!getenv("FPVPN_SANITIZED")) /* ASan reserves terabytes of shadow */
			setrlimit(RLIMIT_AS, &rl);
		alarm(CHILD_SECS);
		struct fp_config *c = fp_config_new();
		char e[512] = "";
		int rc = c ? fp_config_load(c, path, e, sizeof(e)) : -1;
		(void)!write(fds[1], e, strlen(e));
		_exit(rc == 0 ? 0 : 1);
	}
	close(fds[1]);
	ssize_t got = read(fds[0], err, n - 1);
	err[got > 0 ? got : 0] = '\0';
	close(fds[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? -WEXITSTATUS(st) : -2;
}

static void expect_refused(const char *path, const char *want)
{
	char err[512];
	int rc = load_bounded(path, err, sizeof(err));
	if (rc != -1 || strncmp(err, path, strlen(path)) != 0 || !strstr(err, want))
		fail_msg("%s: rc %d (want -1), got '%s', want '%s...%s'", path, rc, err, path, want);
}

/* An endless line: refused at the line bound, in bounded memory. */
static void test_dev_zero(void **state)
{
	(void)state;
	expect_refused("/dev/zero", ":1: ");
}

static void test_unreadable(void **state)
{
	(void)state;
	expect_refused("/tmp", ":1: read error: Is a directory");
	expect_refused("/proc/self/mem", ":1: read error: Input/output error");
}

/* A file of n lines made by fill(f, i), loaded: 0 or -1 with err. */
static int load_lines(unsigned n, void (*fill)(FILE *, unsigned), char *err, size_t errlen)
{
	char path[] = "/tmp/fpvpn-test-read-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	for (unsigned i = 0; i < n; i++)
		fill(f, i);
	assert_int_equal(fclose(f), 0);
	struct fp_config *c = fp_config_new();
	int rc = fp_config_load(c, path, err, errlen);
	fp_config_free(c);
	unlink(path);
	return rc;
}

static void blank(FILE *f, unsigned i)
{
	(void)i;
	fputc('\n', f);
}

/* 100 bytes a line, a comment. */
static void comment(FILE *f, unsigned i)
{
	fprintf(f, "! %06u %090u\n", i, 0u);
}

static void test_file_bounds(void **state)
{
	(void)state;
	char err[512] = "";
	assert_int_equal(load_lines(1u << 18, blank, err, sizeof(err)), 0);
	assert_int_equal(load_lines((1u << 18) + 1, blank, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":262145: more than 262144 lines in the file"));
	unsigned fit = (16u << 20) / 100;
	assert_int_equal(load_lines(fit, comment, err, sizeof(err)), 0);
	assert_int_equal(load_lines(fit + 1, comment, err, sizeof(err)), -1);
	char want[96];
	snprintf(want, sizeof(want), ":%u: the file is longer than %u bytes", fit + 1, 16u << 20);
	if (!strstr(err, want))
		fail_msg("got '%s', want '%s'", err, want);
}

/* A line at the bound is read whole, one past it is refused, at every
 * offset in the file's buffer (the read goes byte by byte). */
static void test_line_bound(void **state)
{
	(void)state;
	char err[512] = "", *body = malloc(4200);
	for (unsigned extra = 0; extra < 3; extra++) {
		char path[] = "/tmp/fpvpn-test-read-XXXXXX";
		int fd = mkstemp(path);
		FILE *f = fdopen(fd, "w");
		memset(body, 'x', 4200);
		fprintf(f, "hostname a%.*s\n!%.4095s\n!%.*s\nhostname b\n", (int)extra, "bbb",
			body, 4095 + extra, body);
		fclose(f);
		struct fp_config *c = fp_config_new();
		int rc = fp_config_load(c, path, err, sizeof(err));
		if (extra == 0)
			assert_int_equal(rc, 0);
		else if (rc != -1 || !strstr(err, ":3: line is longer than 4096 characters"))
			fail_msg("extra %u: rc %d '%s'", extra, rc, err);
		fp_config_free(c);
		unlink(path);
	}
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dev_zero),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_file_bounds),
		cmocka_unit_test(test_line_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
