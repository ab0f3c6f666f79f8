/* One control connection's framing: bytes in, lines cut at '\n' and
 * checked (length, bytes), run in the session, each answered by its
 * output and a terminator carrying the status and the new prompt. A
 * completion request is answered from the session's '?' listing. The
 * connection never blocks and never holds more than FP_CONTROL_OUT_MAX
 * bytes of unsent output. */
#include "cli/control_conn.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datapath/gateway.h"

#define CONN_OUT_KEEP 65536u      /* output buffer kept once drained */

void fp_control_conn_open(struct fp_control_conn *k, int fd, struct fp_control_stats *st)
{
	memset(k, 0, sizeof(*k));
	k->fd = fd;
	k->sess.mode = FP_SESSION_EXEC;
	k->st = st;
}

void fp_control_conn_close(struct fp_control_conn *k)
{
	if (k->fd >= 0)
		close(k->fd);
	free(k->out);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}

/* Make room for n more bytes of output, dropping what was sent. */
static int conn_reserve(struct fp_control_conn *k, size_t n)
{
	if (k->out_sent) {
		memmove(k->out, k->out + k->out_sent, fp_control_conn_pending(k));
		k->out_len -= k->out_sent;
		k->out_sent = 0;
	}
	if (n > FP_CONTROL_OUT_MAX - k->out_len)
		return -1;
	if (k->out_len + n <= k->out_cap)
		return 0;
	size_t cap = k->out_cap ? k->out_cap : 4096;
	while (cap < k->out_len + n)
		cap *= 2;
	cap = cap < FP_CONTROL_OUT_MAX ? cap : FP_CONTROL_OUT_MAX;
	char *p = realloc(k->out, cap);
	if (!p)
		return -1;
	k->out = p;
	k->out_cap = cap;
	return 0;
}

void fp_control_conn_sent(struct fp_control_conn *k, size_t n)
{
	k->out_sent += n;
	if (fp_control_conn_pending(k) || k->out_cap <= CONN_OUT_KEEP)
		return;
	free(k->out); /* a large reply went out: give its memory back */
	k->out = NULL;
	k->out_len = k->out_sent = k->out_cap = 0;
}

/* Queue a reply: the output with any NUL made '?' (a NUL starts the
 * terminator), then the terminator with the status and the prompt. */
static int conn_reply(struct fp_control_conn *k, const struct fp_gw *gw, char *text, size_t n,
		      int rc)
{
	char prompt[2 * FP_NAME_MAX + 16], term[2 * FP_NAME_MAX + 32];
	for (char *z = memchr(text, '\0', n); z; z = memchr(z, '\0', n - (size_t)(z - text)))
		*z = '?';
	fp_session_prompt(&k->sess, gw, prompt, sizeof(prompt));
	int tn = snprintf(term, sizeof(term), "%c%d %s %s\n", '\0', rc < 0 ? 1 : 0,
			  k->sess.mode == FP_SESSION_CONFIG ? "config" : "exec", prompt);
	size_t tlen = tn > 0 && (size_t)tn < sizeof(term) ? (size_t)tn : 0;
	if (!tlen || conn_reserve(k, n + tlen) < 0) {
		k->st->closed_output++;
		return -1;
	}
	memcpy(k->out + k->out_len, text, n);
	memcpy(k->out + k->out_len + n, term, tlen);
	k->out_len += n + tlen;
	return 0;
}

/* Printable ASCII and tabs only; else an error naming the byte (to f if
 * not NULL) and -1. */
static int conn_check_bytes(const char *s, size_t n, FILE *f)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch >= 0x20 && ch < 0x7f) || ch == '\t')
			continue;
		if (f)
			fprintf(f, "ERROR: %% unexpected byte 0x%02x at column %zu: a command line "
				"is printable ASCII\n", ch, i + 1);
		return -1;
	}
	return 0;
}

/* The words of a '?' listing ("  show               Show ..."), one a
 * line; placeholders ("<addr>", "<cr>") are not words to type. */
static void conn_candidates(const char *help, FILE *f)
{
	for (const char *p = help; *p; p += strcspn(p, "\n"), p += *p == '\n') {
		if (strncmp(p, "  ", 2) != 0)
			continue;
		const char *w = p + strspn(p, " ");
		size_t n = strcspn(w, " \n");
		if (n && w[0] != '<')
			fprintf(f, "%.*s\n", (int)n, w);
	}
}

/* "\x01complete LINE": the words that may complete LINE's last word (or
 * follow it, after a blank), from "LINE?" run in a copy of the session so
 * that nothing changes. An error lists none. */
static int conn_complete(struct fp_control_conn *k, struct fp_gw *gw, const char *partial,
			 size_t n, FILE *f)
{
	char q[FP_CONTROL_LINE_MAX + 2], *help = NULL;
	size_t hlen = 0;
	if (conn_check_bytes(partial, n, NULL) < 0 || n > FP_CONTROL_LINE_MAX)
		return 0;
	memcpy(q, partial, n);
	memcpy(q + n, "?", 2);
	FILE *h = open_memstream(&help, &hlen);
	if (!h)
		return -1;
	struct fp_session s = k->sess;
	int rc = fp_session_exec(&s, gw, q, h);
	if (fclose(h) == 0 && rc == 0)
		conn_candidates(help, f);
	free(help);
	return 0;
}

/* Run the line now in k->in (len bytes, NUL-terminated), output to f. */
static int conn_run(struct fp_control_conn *k, struct fp_gw *gw, size_t len, bool too_long,
		    FILE *f)
{
	size_t plen = strlen(FP_CONTROL_COMPLETE);
	if (too_long) {
		k->st->too_long++;
		fprintf(f, "ERROR: %% line too long (max %u)\n", FP_CONTROL_LINE_MAX);
		return -1;
	}
	if (len >= plen && memcmp(k->in, FP_CONTROL_COMPLETE, plen) == 0)
		return conn_complete(k, gw, k->in + plen, len - plen, f);
	if (conn_check_bytes(k->in, len, f) < 0) {
		k->st->bad_bytes++;
		return -1;
	}
	return fp_session_exec(&k->sess, gw, k->in, f);
}

/* An output past FP_CONTROL_REPLY_MAX (show capture of a large buffer)
 * ends at the last whole line that fits, then says it was cut; the
 * session stays (closing it would hide the capture for good). */
static size_t conn_cut(char *text, size_t n, int *rc)
{
	static const char note[] = "ERROR: % output cut at 2 MiB: ask for less "
				   "(show capture NAME count N | packet-number N), or copy /pcap\n";
	if (n <= FP_CONTROL_REPLY_MAX)
		return n;
	size_t keep = FP_CONTROL_REPLY_MAX - sizeof(note);
	while (keep && text[keep - 1] != '\n')
		keep--;
	memcpy(text + keep, note, sizeof(note) - 1);
	*rc = -1;
	return keep + sizeof(note) - 1;
}

/* A '\n' arrived: run the line, answer it, start the next one. */
static int conn_line(struct fp_control_conn *k, struct fp_gw *gw)
{
	size_t len = k->in_len, tlen = 0;
	bool too_long = k->in_long;
	char *text = NULL;
	k->in_len = 0;
	k->in_long = false;
	if (len && k->in[len - 1] == '\r')
		len--;
	k->in[len] = '\0';
	k->st->lines++;
	k->commands += k->in[strspn(k->in, " \t")] != '\0';
	FILE *f = open_memstream(&text, &tlen);
	if (!f)
		return -1;
	int rc = conn_run(k, gw, len, too_long || len > FP_CONTROL_LINE_MAX, f);
	int r = -1;
	OPENSSL_cleanse(k->in, len); /* a configure line may have carried a key */
	if (fclose(f) == 0) {
		tlen = conn_cut(text, tlen, &rc);
		r = conn_reply(k, gw, text, tlen, rc);
	}
	free(text);
	return r;
}

/* Bytes of the current line; past the limit they are dropped. */
static void conn_collect(struct fp_control_conn *k, const char *buf, size_t n)
{
	if (k->in_long)
		return;
	if (n > FP_CONTROL_LINE_MAX + 1 - k->in_len) {
		k->in_long = true;
		k->in_len = 0;
		return;
	}
	memcpy(k->in + k->in_len, buf, n);
	k->in_len += n;
}

int fp_control_conn_input(struct fp_control_conn *k, struct fp_gw *gw, const char *buf,
			  size_t n)
{
	while (n) {
		const char *nl = memchr(buf, '\n', n);
		size_t take = nl ? (size_t)(nl - buf) : n;
		conn_collect(k, buf, take);
		if (nl && conn_line(k, gw) < 0)
			return -1;
		take += nl != NULL;
		buf += take;
		n -= take;
	}
	return 0;
}
