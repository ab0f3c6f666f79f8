/* fpvpn: the operator's command line. `fpvpn show crypto ipsec sa` runs
 * one command on the running fpvpnd; `fpvpn` alone opens the interactive
 * prompt (or, with a script on stdin, runs its lines). docs/cli.md. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/control.h"
#include "fpvpn/client.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: fpvpn [-s SOCKET] [COMMAND...]\n"
		"  COMMAND     one command line, e.g. fpvpn show crypto ipsec sa;\n"
		"              none: the interactive prompt (or the lines of stdin)\n"
		"  -s SOCKET   fpvpnd's control socket (default $FPVPN_SOCKET, else %s)\n"
		"exit status: 0 done, 1 the command failed, 2 fpvpnd cannot be reached\n",
		FP_CONTROL_DEFAULT_PATH);
}

/* The words as one line, blank-separated. */
static int join_words(char *line, size_t n, char **words, int count)
{
	size_t used = 0;
	line[0] = '\0';
	for (int i = 0; i < count; i++) {
		if (strchr(words[i], '\n')) {
			fprintf(stderr, "fpvpn: a command is one line\n");
			return -1;
		}
		int w = snprintf(line + used, n - used, "%s%s", i ? " " : "", words[i]);
		if (w < 0 || (size_t)w >= n - used) {
			fprintf(stderr, "fpvpn: command longer than %u characters\n", FPVPN_LINE_MAX);
			return -1;
		}
		used += (size_t)w;
	}
	return 0;
}

static int run_one(struct fpvpn_conn *c, const char *line)
{
	struct fpvpn_reply r;
	if (fpvpn_request(c, line, stdout, &r) < 0)
		return FPVPN_EXIT_CONNECT;
	return r.status ? FPVPN_EXIT_FAILED : FPVPN_EXIT_OK;
}

/* stdin is not a terminal: each of its lines, in one session (so that
 * configure terminal carries over); 1 if any failed. */
static int run_script(struct fpvpn_conn *c)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = FPVPN_EXIT_OK;
	while (rc != FPVPN_EXIT_CONNECT && (n = getline(&line, &cap, stdin)) >= 0) {
		line[strcspn(line, "\n")] = '\0';
		int r = run_one(c, line);
		rc = r > rc ? r : rc;
	}
	free(line);
	return rc;
}

int main(int argc, char **argv)
{
	const char *path = getenv("FPVPN_SOCKET");
	char line[FPVPN_LINE_MAX + 1];
	int opt;
	while ((opt = getopt(argc, argv, "+s:hV")) != -1) {
		if (opt == 's')
			path = optarg;
		else if (opt == 'V')
			return printf("fpvpn %s\n", FPVPN_VERSION) < 0;
		else
			return usage(opt == 'h' ? stdout : stderr), opt == 'h' ? 0 : FPVPN_EXIT_CONNECT;
	}
	if (!path || !*path)
		path = FP_CONTROL_DEFAULT_PATH;
	if (optind < argc && join_words(line, sizeof(line), argv + optind, argc - optind) < 0)
		return FPVPN_EXIT_FAILED;
	struct fpvpn_conn c;
	if (fpvpn_connect(&c, path) < 0)
		return FPVPN_EXIT_CONNECT;
	int rc;
	if (optind < argc)
		rc = run_one(&c, line);
	else
		rc = isatty(STDIN_FILENO) ? fpvpn_interactive(&c) : run_script(&c);
	fpvpn_close(&c);
	return rc;
}
