/* One control connection's framing: bytes in, lines cut at '\n' and
 * checked (length, bytes), run in the session, each answered by its
 * output and a terminator carrying the status and the new prompt. A
 * completion request is answered from the session's '?' listing. The
 * connection never blocks and never holds more than FP_CONTROL_OUT_MAX
 * bytes of unsent output.
 *
 * A configure line may carry a key, and a reply may quote a line: every
 * buffer that held either is wiped before it is freed or grown (no
 * realloc, no open_memstream, whose growth leaves copies behind). */
#include "cli/control_conn.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datapath/gateway.h"

#define CONN_OUT_KEEP 65536u      /* output buffer kept once drained */
#define CONN_TEXT_IO 4096u        /* the stdio buffer of a reply being written */
#define CONN_STACK_WIPE (64u << 10) /* deeper than any command's calls go */

static void conn_wipe_free(void *p, size_t n)
{
	if (p)
		OPENSSL_cleanse(p, n);
	free(p);
}

/* Room for n more bytes in buf (len used of cap), at most max in all: a
 * new buffer, the old one wiped. -1 out of memory. */
static int conn_grow(char **buf, size_t len, size_t *cap, size_t n, size_t max)
{
	size_t c = *cap ? *cap : 4096;
	while (c - len < n)
		c *= 2;
	c = c < max ? c : max;
	char *p = malloc(c);
	if (!p)
		return -1;
	if (len)
		memcpy(p, *buf, len);
	conn_wipe_free(*buf, *cap);
	*buf = p;
	*cap = c;
	return 0;
}

/* One reply's output as it is printed: a FILE over a buffer of ours
 * (NUL-terminated), with a stdio buffer of ours; conn_text_free wipes
 * both. */
struct conn_text {
	char *buf;
	size_t len, cap;
	char io[CONN_TEXT_IO];
};

static ssize_t conn_text_write(void *cookie, const char *data, size_t n)
{
	struct conn_text *t = cookie;
	if (n + 1 > t->cap - t->len && conn_grow(&t->buf, t->len, &t->cap, n + 1, SIZE_MAX) < 0)
		return 0; /* fopencookie: 0 is the error */
	memcpy(t->buf + t->len, data, n);
	t->len += n;
	t->buf[t->len] = '\0';
	return (ssize_t)n;
}

static FILE *conn_text_open(struct conn_text *t)
{
	memset(t, 0, sizeof(*t));
	FILE *f = fopencookie(t, "w", (cookie_io_functions_t){ .write = conn_text_write });
	if (f && setvbuf(f, t->io, _IOFBF, sizeof(t->io)) != 0) {
		fclose(f);
		return NULL;
	}
	return f;
}

static const char *conn_text_str(const struct conn_text *t)
{
	return t->buf ? t->buf : "";
}

static void conn_text_free(struct conn_text *t)
{
	conn_wipe_free(t->buf, t->cap);
	OPENSSL_cleanse(t, sizeof(*t));
}

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
	conn_wipe_free(k->out, k->out_cap);
	OPENSSL_cleanse(k, sizeof(*k)); /* the line in[] being read */
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
	return conn_grow(&k->out, k->out_len, &k->out_cap, n, FP_CONTROL_OUT_MAX);
}

void fp_control_conn_sent(struct fp_control_conn *k, size_t n)
{
	k->out_sent += n;
	if (fp_control_conn_pending(k) || k->out_cap <= CONN_OUT_KEEP)
		return;
	conn_wipe_free(k->out, k->out_cap); /* a large reply went out: give its memory back */
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
	char q[FP_CONTROL_LINE_MAX + 2];
	struct conn_text help;
	if (conn_check_bytes(partial, n, NULL) < 0 || n > FP_CONTROL_LINE_MAX)
		return 0;
	FILE *h = conn_text_open(&help);
	if (!h)
		return -1;
	memcpy(q, partial, n);
	memcpy(q + n, "?", 2);
	struct fp_session s = k->sess;
	int rc = fp_session_exec(&s, gw, q, h);
	OPENSSL_cleanse(q, n);
	if (fclose(h) == 0 && rc == 0)
		conn_candidates(conn_text_str(&help), f);
	conn_text_free(&help);
	return 0;
}

/* The stack below the caller's frame, where the command's calls left
 * pieces of its line (libc's formatting and the parser copy words into
 * frames of their own), is overwritten. noinline: the array must lie
 * below the caller, where those frames were. */
static __attribute__((noinline)) void conn_wipe_stack(void)
{
	unsigned char area[CONN_STACK_WIPE];
	OPENSSL_cleanse(area, sizeof(area));
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
	size_t len = k->in_len;
	bool too_long = k->in_long;
	struct conn_text text;
	k->in_len = 0;
	k->in_long = false;
	if (len && k->in[len - 1] == '\r')
		len--;
	k->in[len] = '\0';
	k->st->lines++;
	k->commands += k->in[strspn(k->in, " \t")] != '\0';
	FILE *f = conn_text_open(&text);
	if (!f) {
		OPENSSL_cleanse(k->in, sizeof(k->in));
		return -1;
	}
	int rc = conn_run(k, gw, len, too_long || len > FP_CONTROL_LINE_MAX, f);
	int r = -1;
	OPENSSL_cleanse(k->in, sizeof(k->in)); /* a configure line may have carried a key */
	conn_wipe_stack();
	if (fclose(f) == 0) {
		char none[1] = "", *out = text.buf ? text.buf : none;
		size_t tlen = conn_cut(out, text.len, &rc);
		r = conn_reply(k, gw, out, tlen, rc);
	}
	conn_text_free(&text);
	return r;
}

/* Bytes of the current line; past the limit they are dropped. */
static void conn_collect(struct fp_control_conn *k, const char *buf, size_t n)
{
	if (k->in_long)
		return;
	if (n > FP_CONTROL_LINE_MAX + 1 - k->in_len) {
		OPENSSL_cleanse(k->in, k->in_len); /* the part kept so far */
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
