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

bool fp_ra_conn_send(struct fp_ra *ra, struct fp_ra_conn *c, const void *data, size_t n)
{
	if (c->state == RA_CLOSING || n > RA_OUT_MAX - c->out_len) {
		ra->st.tx_overflow++;
		return false;
	}
	memcpy(c->out + c->out_len, data, n);
	c->out_len += n;
	return true;
}

/* Ask for EPOLLOUT only while output waits. */
static void conn_watch(struct fp_ra *ra, struct fp_ra_conn *c)
{
	bool want = c->out_len > 0;
	if (want == c->want_out)
		return;
	struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
	if (epoll_ctl(ra->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->want_out = want;
}

void fp_ra_conn_flush(struct fp_ra *ra, struct fp_ra_conn *c)
{
	while (c->out_len && c->state != RA_TLS_HANDSHAKE) {
		int n = SSL_write(c->ssl, c->out, (int)c->out_len);
		if (n <= 0) {
			int e = SSL_get_error(c->ssl, n);
			if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) {
				c->out_len = 0;
				c->state = RA_CLOSING;
			}
			break;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
		OPENSSL_cleanse(c->out + c->out_len, (size_t)n); /* cookies were sent from here */
	}
	conn_watch(ra, c);
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
