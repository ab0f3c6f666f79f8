/* One client's TLS connection: the handshake, then HTTP requests (the
 * login, kept alive across them), then after CONNECT the CSTP frames on
 * the same stream. What arrives is parsed from the start of the buffer;
 * what is sent waits in the output buffer until TLS takes it. */
#include "ra/ra_impl.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <string.h>
#include <sys/epoll.h>

/* The output buffer is a queue of records, each a 4-byte length then its
 * bytes: openconnect takes one CSTP frame from each TLS record (an
 * SSL_read that returns more than one frame is "Unexpected packet
 * length"), and reads the CONNECT answer's head alone, so every frame and
 * every answer is an SSL_write of its own. libssl writes them into a
 * buffering BIO (ra.c), which one flush sends together. */
#define RA_REC_HDR 4u

/* Sent records leave the front of the queue by out_head; the queue moves
 * to the start of the buffer only when a new record needs the room. */
static void out_compact(struct fp_ra_conn *c)
{
	memmove(c->out, c->out + c->out_head, c->out_len - c->out_head);
	c->out_len -= c->out_head;
	c->out_head = 0;
}

bool fp_ra_conn_send2(struct fp_ra *ra, struct fp_ra_conn *c, const void *a, size_t an,
		      const void *b, size_t bn)
{
	size_t n = an + bn;
	if (n <= RA_OUT_MAX - RA_REC_HDR && n > RA_OUT_MAX - RA_REC_HDR - c->out_len)
		out_compact(c);
	if (c->state == RA_CLOSING || n == 0 || n > RA_OUT_MAX - RA_REC_HDR - c->out_len) {
		ra->st.tx_overflow++;
		return false;
	}
	uint8_t *p = c->out + c->out_len;
	p[0] = (uint8_t)(n >> 24), p[1] = (uint8_t)(n >> 16), p[2] = (uint8_t)(n >> 8), p[3] = (uint8_t)n;
	memcpy(p + RA_REC_HDR, a, an);
	if (bn)
		memcpy(p + RA_REC_HDR + an, b, bn);
	c->out_len += RA_REC_HDR + n;
	return true;
}

bool fp_ra_conn_send(struct fp_ra *ra, struct fp_ra_conn *c, const void *data, size_t n)
{
	return fp_ra_conn_send2(ra, c, data, n, NULL, 0);
}

/* Ask for EPOLLOUT only while output waits, queued or in libssl's
 * write buffer. */
static void conn_watch(struct fp_ra *ra, struct fp_ra_conn *c)
{
	bool want = fp_ra_conn_pending(c);
	if (want == c->want_out)
		return;
	struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
	if (epoll_ctl(ra->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->want_out = want;
}

/* The record at the head of the queue; its length. */
static size_t rec_len(const uint8_t *p)
{
	return (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
}

/* n bytes of the head record are sent: the record shrinks, or leaves the
 * queue (wiped: cookies were sent from here). */
static void rec_sent(struct fp_ra_conn *c, size_t n)
{
	uint8_t *h = c->out + c->out_head;
	size_t len = rec_len(h), gone = n == len ? RA_REC_HDR + n : n;
	OPENSSL_cleanse(h, gone);
	c->out_head += gone;
	if (c->out_head == c->out_len)
		c->out_head = c->out_len = 0;
	else if (n != len) { /* the rest of the record gets its length in front */
		len -= n;
		h = c->out + c->out_head;
		h[0] = (uint8_t)(len >> 24), h[1] = (uint8_t)(len >> 16);
		h[2] = (uint8_t)(len >> 8), h[3] = (uint8_t)len;
	}
}

void fp_ra_conn_flush(struct fp_ra *ra, struct fp_ra_conn *c)
{
	while (c->out_len > c->out_head && c->state != RA_TLS_HANDSHAKE) {
		/* a retry after WANT_WRITE is the same record again, as libssl wants */
		const uint8_t *h = c->out + c->out_head;
		int n = SSL_write(c->ssl, h + RA_REC_HDR, (int)rec_len(h));
		if (n <= 0) {
			int e = SSL_get_error(c->ssl, n);
			if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) {
				OPENSSL_cleanse(c->out, c->out_len);
				c->out_head = c->out_len = 0;
				c->state = RA_CLOSING;
			}
			break;
		}
		rec_sent(c, (size_t)n); /* a record over 16 KB goes in pieces (HTTP only) */
	}
	/* what libssl wrote waits in the buffering BIO: one send for all of it
	 * (a full socket keeps the rest there, EPOLLOUT asked for) */
	(void)BIO_flush(SSL_get_wbio(c->ssl));
	conn_watch(ra, c);
}

bool fp_ra_conn_pending(const struct fp_ra_conn *c)
{
	return c->out_len > c->out_head || BIO_wpending(SSL_get_wbio(c->ssl)) > 0;
}

/* Requests while HTTP, then frames once CONNECT switched to CSTP; what
 * is used is removed from the front. False when the stream is broken. */
static bool conn_parse(struct fp_ra *ra, struct fp_ra_conn *c)
{
	size_t off = 0;
	long n = 1;
	while (n > 0 && off < c->in_len && (c->state == RA_HTTP || c->state == RA_CSTP)) {
		if (c->state == RA_HTTP) {
			struct fp_http_req req;
			enum fp_http_err why;
			if ((n = fp_http_parse(c->in + off, c->in_len - off, &req, &why)) < 0)
				ra->st.http_bad[why]++;
			else if (n > 0)
				fp_ra_http_request(ra, c, &req);
			fp_http_req_cleanse(&req);
		} else {
			struct fp_cstp_frame f;
			enum fp_cstp_err why;
			if ((n = fp_cstp_parse(c->in + off, c->in_len - off, &f, &why)) < 0)
				ra->st.cstp_bad[why]++;
			else if (n > 0)
				fp_ra_tunnel_frame(ra, c, &f);
		}
		off += n > 0 ? (size_t)n : 0;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	OPENSSL_cleanse(c->in + c->in_len, off); /* what was used held passwords and cookies */
	return n >= 0;
}

static bool conn_handshake(struct fp_ra *ra, struct fp_ra_conn *c)
{
	int r = SSL_accept(c->ssl);
	if (r == 1) {
		c->state = RA_HTTP;
		return true;
	}
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return true;
	ra->st.tls_failed++;
	ERR_clear_error();
	return false;
}

/* Read what TLS has; false when the peer closed or the stream broke. */
static bool conn_read(struct fp_ra *ra, struct fp_ra_conn *c)
{
	for (;;) {
		int n = SSL_read(c->ssl, c->in + c->in_len, (int)(sizeof(c->in) - c->in_len));
		if (n <= 0) {
			int e = SSL_get_error(c->ssl, n);
			ERR_clear_error();
			return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
		}
		c->in_len += (size_t)n;
		c->last_ns = ra->now_ns;
		if (!conn_parse(ra, c) || c->state == RA_CLOSING)
			return false;
		if (c->in_len == sizeof(c->in)) /* cannot happen within the parsers' bounds */
			return false;
	}
}

void fp_ra_conn_run(struct fp_ra *ra, struct fp_ra_conn *c)
{
	if (c->state == RA_TLS_HANDSHAKE && !conn_handshake(ra, c))
		c->state = RA_CLOSING;
	if (c->state == RA_HTTP || c->state == RA_CSTP) {
		bool alive = conn_read(ra, c);
		fp_ra_conn_flush(ra, c);
		if (!alive)
			c->state = RA_CLOSING;
	}
}
