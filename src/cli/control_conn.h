/* Inside src/cli (and its tests and fuzzer): one control-socket
 * connection without its socket. Bytes the client sent go in, complete
 * lines run in the connection's session, replies collect in a bounded
 * output buffer that control.c flushes. docs/cli.md describes the wire
 * protocol:
 *
 *   client: one line, '\n'-terminated (a '\r' before it is dropped);
 *           "\x01complete LINE" asks for the words that may complete LINE.
 *   server: the output, then a terminator: a NUL byte and
 *           "<status> <mode> <prompt>\n", status 0 or 1, mode exec or
 *           config ("\0" "0 config site-a(config)# \n").
 */
#ifndef FP_CONTROL_CONN_H
#define FP_CONTROL_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/control.h"
#include "cli/session.h"

#define FP_CONTROL_LINE_MAX 4096u       /* bytes in a line, '\n' excluded */
#define FP_CONTROL_OUT_MAX (4u << 20)   /* unsent output a connection may hold */
#define FP_CONTROL_REPLY_MAX (2u << 20) /* one command's output; the rest is cut, said so */
#define FP_CONTROL_MAX_SESSIONS 16u
#define FP_CONTROL_COMPLETE "\x01" "complete "

/* What the control socket counted since it opened. */
struct fp_control_stats {
	uint64_t accepted;        /* connections that got a session */
	uint64_t lines;           /* lines answered, completions included */
	uint64_t too_long;        /* lines over FP_CONTROL_LINE_MAX */
	uint64_t bad_bytes;       /* lines with a NUL or a byte not printable */
	uint64_t closed_output;   /* sessions closed: output over FP_CONTROL_OUT_MAX */
	uint64_t closed_peer;     /* sessions the client ended (or a socket error) */
	uint64_t evicted_idle;    /* sessions closed to let a new client in */
};

struct fp_control_conn {
	int fd;                           /* -1: a free slot (or no socket: fuzzer) */
	struct fp_session sess;
	char in[FP_CONTROL_LINE_MAX + 2]; /* the line so far: its bytes, a '\r', a NUL */
	size_t in_len;
	bool in_long;                     /* past the limit: the rest of the line is dropped */
	char *out;                        /* replies not yet sent: [out_sent, out_len) */
	size_t out_len, out_sent, out_cap;
	struct fp_control_stats *st;
	uint64_t commands;                /* lines run that were not blank */
	uint64_t last_ns;                 /* CLOCK_MONOTONIC of the accept or the last command */
};

/* A connection on fd, in exec mode. */
void fp_control_conn_open(struct fp_control_conn *k, int fd, struct fp_control_stats *st);
/* Frees the output and closes fd (if >= 0); the slot is free again. */
void fp_control_conn_close(struct fp_control_conn *k);
/* Bytes from the client, any split: every line they complete is run and
 * answered into the output buffer. -1 when the connection must be closed
 * (its output went over FP_CONTROL_OUT_MAX, counted, or out of memory). */
int fp_control_conn_input(struct fp_control_conn *k, struct fp_gw *gw, const char *buf,
			  size_t n);
/* n bytes of the output were sent. */
void fp_control_conn_sent(struct fp_control_conn *k, size_t n);
/* Output waiting to be sent. */
static inline size_t fp_control_conn_pending(const struct fp_control_conn *k)
{
	return k->out_len - k->out_sent;
}

/* The counters of a control socket (tests; a future show command). */
/* A session with no command for this long (default 60 s; tests shorten
 * it) is the first a new client replaces when every session is taken. */
void fp_control_set_idle_evict(struct fp_control *c, uint64_t ns);
const struct fp_control_stats *fp_control_stats(const struct fp_control *c);

#endif
