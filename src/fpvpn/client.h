/* fpvpn's side of the control socket: connect, send one line, read its
 * reply (the output, then a NUL and "<status> <mode> <prompt>\n"; see
 * docs/cli.md). */
#ifndef FPVPN_CLIENT_H
#define FPVPN_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses of fpvpn. */
enum { FPVPN_EXIT_OK = 0, FPVPN_EXIT_FAILED = 1, FPVPN_EXIT_CONNECT = 2 };

#define FPVPN_LINE_MAX 4096u      /* the control socket's limit */
#define FPVPN_COMPLETE "\x01" "complete "

struct fpvpn_reply {
	int status;               /* 0: the command ran; 1: it failed */
	bool config;              /* the session is in configure mode */
	char prompt[160];         /* "site-a(config)# " */
};

struct fpvpn_conn {
	int fd;
	const char *path;
	char buf[4096];           /* read but not yet consumed: [off, len) */
	size_t off, len;
};

/* Connect to fpvpnd's socket at path. -1 after saying on stderr why
 * (fpvpnd not running, permission, ...). */
int fpvpn_connect(struct fpvpn_conn *c, const char *path);
void fpvpn_close(struct fpvpn_conn *c);
/* Send line (no '\n' in it) and copy the output to out (NULL: drop it)
 * until the reply's terminator, read into r. -1 after saying on stderr
 * that the connection failed. */
int fpvpn_request(struct fpvpn_conn *c, const char *line, FILE *out, struct fpvpn_reply *r);

/* The interactive prompt (interactive.c). Returns an exit status. */
int fpvpn_interactive(struct fpvpn_conn *c);

#endif
