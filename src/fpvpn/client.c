/* The control socket, client side: one connection, requests answered in
 * order. Blocking I/O: fpvpn waits for fpvpnd, never the other way. */
#include "fpvpn/client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Why connect() failed, in the operator's words. */
static void client_why(const char *path, int e)
{
	if (e == ENOENT || e == ECONNREFUSED)
		fprintf(stderr, "fpvpn: fpvpnd is not running (%s at %s)\n",
			e == ENOENT ? "no control socket" : "nothing answers on the control socket",
			path);
	else if (e == EACCES || e == EPERM)
		fprintf(stderr, "fpvpn: no permission to use %s: run fpvpn as the user fpvpnd "
			"runs as (root)\n", path);
	else
		fprintf(stderr, "fpvpn: cannot connect to fpvpnd at %s: %s\n", path, strerror(e));
}

int fpvpn_connect(struct fpvpn_conn *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memset(c, 0, sizeof(*c));
	c->path = path;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "fpvpn: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		client_why(path, errno);
		fpvpn_close(c);
		return -1;
	}
	return 0;
}

void fpvpn_close(struct fpvpn_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int client_lost(struct fpvpn_conn *c, const char *what)
{
	fprintf(stderr, "fpvpn: %s fpvpnd at %s%s%s\n", what, c->path, errno ? ": " : "",
		errno ? strerror(errno) : "");
	return -1;
}

/* fpvpnd closed the connection: print what it said first (the session
 * gave its place to a new client). */
static void client_drain(struct fpvpn_conn *c)
{
	int e = errno;
	ssize_t n;
	while ((n = recv(c->fd, c->buf, sizeof(c->buf), MSG_DONTWAIT)) > 0)
		fwrite(c->buf, 1, (size_t)n, stderr);
	errno = e;
}

static int client_send(struct fpvpn_conn *c, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			client_drain(c);
			return client_lost(c, "cannot send to");
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* More bytes into the buffer (it is empty). -1 at the end of the stream. */
static int client_fill(struct fpvpn_conn *c)
{
	ssize_t n;
	do
		n = recv(c->fd, c->buf, sizeof(c->buf), 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		errno = n < 0 ? errno : 0;
		return client_lost(c, "connection closed by");
	}
	c->off = 0;
	c->len = (size_t)n;
	return 0;
}

/* "<status> <mode> <prompt>" after the NUL. */
static int client_trailer(struct fpvpn_conn *c, struct fpvpn_reply *r)
{
	char t[sizeof(r->prompt) + 32];
	size_t n = 0;
	for (;;) {
		if (c->off == c->len && client_fill(c) < 0)
			return -1;
		char ch = c->buf[c->off++];
		if (ch == '\n')
			break;
		if (n + 1 < sizeof(t))
			t[n++] = ch;
	}
	t[n] = '\0';
	char *mode = strchr(t, ' '), *prompt = mode ? strchr(mode + 1, ' ') : NULL;
	if (!prompt) {
		errno = EPROTO;
		return client_lost(c, "unexpected reply from");
	}
	r->status = atoi(t) ? 1 : 0;
	r->config = strncmp(mode + 1, "config ", 7) == 0;
	snprintf(r->prompt, sizeof(r->prompt), "%s", prompt + 1);
	return 0;
}

int fpvpn_request(struct fpvpn_conn *c, const char *line, FILE *out, struct fpvpn_reply *r)
{
	if (client_send(c, line, strlen(line)) < 0 || client_send(c, "\n", 1) < 0)
		return -1;
	for (;;) {
		if (c->off == c->len && client_fill(c) < 0)
			return -1;
		char *nul = memchr(c->buf + c->off, '\0', c->len - c->off);
		size_t n = nul ? (size_t)(nul - (c->buf + c->off)) : c->len - c->off;
		if (out)
			fwrite(c->buf + c->off, 1, n, out);
		c->off += n;
		if (nul) {
			c->off++;
			break;
		}
	}
	if (out)
		fflush(out);
	return client_trailer(c, r);
}
