/* The headend's life (ra.h): TLS contexts from the trustpoints, listeners
 * on TCP 443 of the webvpn interfaces, the pools; each poll accepts,
 * runs every connection, closes the finished ones and ages sessions. */
#include "ra/ra_impl.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/inet.h"
#include "config/trustpoint.h"
#include "io/msg.h"

/* Whether a remote-access tunnel-group takes client certificates. */
static bool ra_wants_certs(const struct fp_config *cfg)
{
	for (unsigned i = 0; i < cfg->n_tunnel_groups; i++)
		if (cfg->tunnel_groups[i].ra.auth & FP_CFG_RA_AUTH_CERT)
			return true;
	return false;
}

/* Clients may show a certificate (verified against the trustpoint's
 * ca-file; one that fails ends the handshake); none is required here: the
 * tunnel-group decides at login. */
static void ra_tls_client_certs(SSL_CTX *ctx, struct fp_trustpoint *t)
{
	SSL_CTX_set_cert_store(ctx, t->cas); /* the context owns it now */
	t->cas = NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_verify_depth(ctx, 4);
}

static SSL_CTX *ra_tls_ctx(const struct fp_cfg_trustpoint *tp, bool certs, char *err, size_t errlen)
{
	struct fp_trustpoint t;
	if (fp_trustpoint_load(tp, &t, err, errlen) < 0)
		return NULL;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	bool ok = ctx && SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
		  SSL_CTX_use_certificate(ctx, t.cert) == 1 &&
		  (!t.chain || SSL_CTX_set1_chain(ctx, t.chain) == 1) &&
		  SSL_CTX_use_PrivateKey(ctx, t.key) == 1;
	if (ok && certs && t.cas)
		ra_tls_client_certs(ctx, &t);
	fp_trustpoint_free(&t);
	if (!ok) {
		snprintf(err, errlen, "trustpoint %s: OpenSSL refused the certificate or key", tp->name);
		SSL_CTX_free(ctx);
		ERR_clear_error();
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* libssl reads what the socket has, not a record's header and body in
	 * two calls: a client's frames come a record each */
	SSL_CTX_set_read_ahead(ctx, 1);
	return ctx;
}

static int ra_socket(const struct fp_addr *a, const char *dev, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = fp_msg_sockaddr(&ss, a->af, a->a, FP_RA_PORT);
	int one = 1, fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	char as[FP_ADDR_STRLEN];
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
	    bind(fd, (struct sockaddr *)&ss, sl) == 0 && listen(fd, 64) == 0)
		return fd;
	snprintf(err, errlen, "TCP %s:%u on %s: %s", fp_addr_str(a, as, sizeof(as)), FP_RA_PORT, dev,
		 strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* A listener on address a of interface ifc. */
static int ra_listen_on(struct fp_ra *ra, const struct fp_cfg_iface *ifc,
			const struct fp_cfg_trustpoint *tp, const struct fp_addr *a, char *err,
			size_t errlen)
{
	if (ra->n_lis == RA_MAX_LISTENERS) {
		snprintf(err, errlen, "webvpn enable %s: more than %u listening addresses", ifc->nameif,
			 RA_MAX_LISTENERS);
		return -1;
	}
	struct ra_listener *l = &ra->lis[ra->n_lis];
	if (!(l->ctx = ra_tls_ctx(tp, ra_wants_certs(ra->cfg), err, errlen)))
		return -1;
	l->fd = -1;
	if (!ra->env.no_sockets && (l->fd = ra_socket(a, ifc->name, err, errlen)) < 0) {
		SSL_CTX_free(l->ctx);
		return -1;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = l};
	ra->n_lis++;
	if (l->fd >= 0 && epoll_ctl(ra->epfd, EPOLL_CTL_ADD, l->fd, &ev) < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Listeners on the IPv4 and the IPv6 address of interface nameif. */
static int ra_listen(struct fp_ra *ra, const char *nameif, char *err, size_t errlen)
{
	const struct fp_cfg_iface *ifc = fp_config_iface_by_nameif(ra->cfg, nameif);
	const struct fp_cfg_trustpoint *tp = fp_config_ssl_trustpoint(ra->cfg, nameif);
	if (!ifc || !tp || (ifc->ip4.addr.af != FP_AF_INET && ifc->ip6.addr.af != FP_AF_INET6)) {
		snprintf(err, errlen, "webvpn enable %s: no such interface with an address and an "
			 "ssl trust-point", nameif);
		return -1;
	}
	if (ifc->ip4.addr.af == FP_AF_INET && ra_listen_on(ra, ifc, tp, &ifc->ip4.addr, err, errlen) < 0)
		return -1;
	if (ifc->ip6.addr.af == FP_AF_INET6 &&
	    ra_listen_on(ra, ifc, tp, &ifc->ip6.addr, err, errlen) < 0)
		return -1;
	return 0;
}

struct fp_ra *fp_ra_new(const struct fp_config *cfg, const struct fp_ra_env *env, char *err,
			size_t errlen)
{
	err[0] = '\0';
	if (!cfg->ra.webvpn.n_enable)
		return NULL;
	struct fp_ra *ra = calloc(1, sizeof(*ra));
	if (!ra || (ra->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		snprintf(err, errlen, "remote access: out of memory");
		free(ra);
		return NULL;
	}
	ra->cfg = cfg;
	ra->env = *env;
	if (fp_ra_dtls_init(ra) < 0) {
		snprintf(err, errlen, "remote access: no DTLS context");
		goto fail;
	}
	for (unsigned i = 0; i < cfg->ra.n_pools; i++, ra->n_pools++)
		if (fp_ra_pool_init(&ra->pools[i], &cfg->ra.pools[i]) < 0) {
			snprintf(err, errlen, "remote access: out of memory for pool %s",
				 cfg->ra.pools[i].name);
			goto fail;
		}
	for (unsigned i = 0; i < cfg->ra.n_pools6; i++, ra->n_pools6++)
		if (fp_ra_pool6_init(&ra->pools6[i], &cfg->ra.pools6[i]) < 0) {
			snprintf(err, errlen, "remote access: out of memory for IPv6 pool %s",
				 cfg->ra.pools6[i].name);
			goto fail;
		}
	for (unsigned i = 0; i < cfg->ra.webvpn.n_enable; i++)
		if (ra_listen(ra, cfg->ra.webvpn.enable[i], err, errlen) < 0)
			goto fail;
	return ra;
fail:
	fp_ra_free(ra);
	return NULL;
}

static void conn_close(struct fp_ra *ra, unsigned i)
{
	struct fp_ra_conn *c = ra->conns[i];
	if (c->session) {
		c->session->conn = NULL;
		c->session->gone_ns = ra->now_ns;
	}
	SSL_free(c->ssl);
	close(c->fd);
	OPENSSL_cleanse(c->in, c->in_len);
	OPENSSL_cleanse(c->out, c->out_len);
	free(c);
	ra->conns[i] = NULL;
}

void fp_ra_free(struct fp_ra *ra)
{
	if (!ra)
		return;
	for (unsigned i = 0; i < FP_RA_MAX_CONNS; i++)
		if (ra->conns[i])
			conn_close(ra, i);
	for (unsigned i = 0; i < ra->n_lis; i++) {
		if (ra->lis[i].fd >= 0)
			close(ra->lis[i].fd);
		SSL_CTX_free(ra->lis[i].ctx);
	}
	for (unsigned i = 0; i < ra->n_pools; i++)
		fp_ra_pool_fini(&ra->pools[i]);
	for (unsigned i = 0; i < ra->n_pools6; i++)
		fp_ra_pool6_fini(&ra->pools6[i]);
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++)
		fp_ra_dtls_free(ra, &ra->sessions[i]);
	fp_ra_dtls_fini(ra);
	close(ra->epfd);
	OPENSSL_cleanse(ra->sessions, sizeof(ra->sessions));
	OPENSSL_cleanse(ra->dtls_buf, sizeof(ra->dtls_buf));
	free(ra);
}

int fp_ra_fd(const struct fp_ra *ra)
{
	return ra->epfd;
}

#define RA_WBUF (64u * 1024u)    /* libssl's records to one client, sent in one go */

/* libssl reads the socket itself and writes through a buffer: the frames
 * a turn queues (a record each) leave in one send at fp_ra_conn_flush,
 * not a send per record. */
static bool conn_bios(SSL *ssl, int fd)
{
	BIO *rd = BIO_new_socket(fd, BIO_NOCLOSE), *sock = BIO_new_socket(fd, BIO_NOCLOSE);
	BIO *buf = BIO_new(BIO_f_buffer());
	if (!rd || !sock || !buf || BIO_set_write_buffer_size(buf, RA_WBUF) != 1) {
		BIO_free(rd), BIO_free(sock), BIO_free(buf);
		return false;
	}
	SSL_set_bio(ssl, rd, BIO_push(buf, sock));
	return true;
}

static struct fp_ra_conn *conn_new(struct fp_ra *ra, struct ra_listener *l, int fd,
				   const struct sockaddr_storage *ss)
{
	struct fp_ra_conn *c = calloc(1, sizeof(*c));
	if (!c || !(c->ssl = SSL_new(l->ctx)) || !conn_bios(c->ssl, fd)) {
		if (c)
			SSL_free(c->ssl);
		free(c);
		return NULL;
	}
	c->fd = fd;
	c->opened_ns = c->last_ns = ra->now_ns;
	const uint8_t *a = fp_msg_sockaddr_addr(ss, &c->peer_port);
	c->peer.af = ss->ss_family == AF_INET6 ? FP_AF_INET6 : FP_AF_INET;
	memcpy(c->peer.a, a, c->peer.af == FP_AF_INET ? 4 : 16);
	return c;
}

/* A new client on fd (non-blocking), or closed and counted when the table
 * is full. */
static int ra_conn_add(struct fp_ra *ra, struct ra_listener *l, int fd,
		       const struct sockaddr_storage *ss)
{
	unsigned i = 0;
	while (i < FP_RA_MAX_CONNS && ra->conns[i])
		i++;
	struct fp_ra_conn *c = i < FP_RA_MAX_CONNS ? conn_new(ra, l, fd, ss) : NULL;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	if (!c || epoll_ctl(ra->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		ra->st.tls_refused++;
		if (c)
			SSL_free(c->ssl);
		free(c);
		close(fd);
		return -1;
	}
	ra->conns[i] = c;
	ra->st.tls_accepted++;
	return 0;
}

static void ra_accept(struct fp_ra *ra, struct ra_listener *l)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd, one = 1;
	while (l->fd >= 0 &&
	       (fd = accept4(l->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ra_conn_add(ra, l, fd, &ss);
		sl = sizeof(ss);
	}
}

int fp_ra_adopt(struct fp_ra *ra, unsigned listener, int fd, const struct sockaddr_storage *peer)
{
	if (listener >= ra->n_lis) {
		close(fd);
		return -1;
	}
	return ra_conn_add(ra, &ra->lis[listener], fd, peer);
}

/* The listeners with a client waiting accept it; connections epoll
 * reported are marked to run. Level-triggered: what does not fit in one
 * look stays ready for the next turn (the slow path's poll waits on the
 * set), so this is never a loop. */
static void ra_ready(struct fp_ra *ra)
{
	struct epoll_event ev[64];
	int n = epoll_wait(ra->epfd, ev, 64, 0);
	for (int i = 0; i < n; i++) {
		void *p = ev[i].data.ptr;
		if (p >= (void *)ra->lis && p < (void *)(ra->lis + ra->n_lis))
			ra_accept(ra, p);
		else if (p)
			((struct fp_ra_conn *)p)->ready = true;
	}
}

void fp_ra_flush(struct fp_ra *ra)
{
	for (unsigned i = 0; i < FP_RA_MAX_CONNS; i++)
		if (ra->conns[i] && fp_ra_conn_pending(ra->conns[i]))
			fp_ra_conn_flush(ra, ra->conns[i]);
}

void fp_ra_poll(struct fp_ra *ra, uint64_t now_ns)
{
	ra->now_ns = now_ns;
	ra->polls++;
	ra_ready(ra);
	for (unsigned i = 0; i < FP_RA_MAX_CONNS; i++) {
		struct fp_ra_conn *c = ra->conns[i];
		if (!c)
			continue;
		/* a quiet connection costs no system call: only a ready one is
		 * read, and one with records waiting (frames from the inside
		 * this turn) is flushed */
		if (c->ready)
			fp_ra_conn_run(ra, c);
		else if (fp_ra_conn_pending(c))
			fp_ra_conn_flush(ra, c);
		c->ready = false;
		if (c->state != RA_CSTP && now_ns - c->last_ns > FP_RA_LOGIN_IDLE_S * 1000000000ull) {
			ra->st.idle_closed++; /* a handshake or login that stalls holds no slot */
			c->state = RA_CLOSING;
		}
		if (c->state == RA_CLOSING) {
			fp_ra_conn_flush(ra, c); /* the last answer (401, DISCONNECT), as far as it goes */
			conn_close(ra, i);
		}
	}
	fp_ra_session_age(ra, now_ns);
	fp_ra_dtls_tick(ra, now_ns);
}

/* The session an inside packet is for, by its destination. */
static struct fp_ra_session *to_session(struct fp_ra *ra, const uint8_t *ip, size_t n)
{
	if (n >= FP_IPV4_HLEN && (ip[0] >> 4) == 4)
		return fp_ra_session_by_addr(ra, fp_get32(ip + 16));
	if (n >= FP_IPV6_HLEN && (ip[0] >> 4) == 6)
		return fp_ra_session_by_addr6(ra, ip + 24);
	return NULL;
}

bool fp_ra_to_client(struct fp_ra *ra, const uint8_t *ip, size_t n)
{
	struct fp_ra_session *s = to_session(ra, ip, n);
	uint8_t hdr[FP_CSTP_HLEN];
	if (s && fp_ra_dtls_to_client(ra, s, ip, n))
		return true; /* DTLS while it is up, as ocserv does */
	if (!s || !s->conn || n > FP_CSTP_PAYLOAD_MAX - FP_CSTP_HLEN) { /* one frame, one record */
		ra->st.no_session++;
		return false;
	}
	fp_cstp_header(hdr, FP_CSTP_DATA, n);
	if (!fp_ra_conn_send2(ra, s->conn, hdr, sizeof(hdr), ip, n))
		return false; /* counted as tx_overflow */
	/* sent with the others by this turn's fp_ra_poll (or fp_ra_flush) */
	ra->st.cstp_data_tx++;
	s->pkts_tx++;
	s->bytes_tx += n;
	return true;
}

unsigned fp_ra_logoff(struct fp_ra *ra, const char *user, uint32_t index)
{
	unsigned n = 0;
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++) {
		struct fp_ra_session *s = &ra->sessions[i];
		if (!s->index || (user && strcmp(s->user, user) != 0) || (index && s->index != index))
			continue;
		fp_ra_session_terminate(ra, s, "logged off from the command line");
		n++;
	}
	return n;
}

bool fp_ra_pool_owns(const struct fp_ra *ra, const uint8_t dst[4])
{
	uint32_t a = (uint32_t)dst[0] << 24 | (uint32_t)dst[1] << 16 | (uint32_t)dst[2] << 8 | dst[3];
	for (unsigned i = 0; i < ra->n_pools; i++)
		if (fp_ra_pool_has(&ra->pools[i], a))
			return true;
	return false;
}

bool fp_ra_pool6_owns(const struct fp_ra *ra, const uint8_t dst[16])
{
	for (unsigned i = 0; i < ra->n_pools6; i++)
		if (fp_ra_pool6_has(&ra->pools6[i], dst))
			return true;
	return false;
}

/* An IPv6 pool's prefix: its first address with the host bits cleared. */
static void pool6_route(const struct fp_ra_pool6 *p, struct fp_prefix *out)
{
	memset(out, 0, sizeof(*out));
	out->addr.af = FP_AF_INET6;
	out->len = p->prefix_len;
	for (unsigned b = 0; b < 16; b++) {
		unsigned keep = p->prefix_len > 8 * b ? p->prefix_len - 8 * b : 0;
		out->addr.a[b] = keep >= 8 ? p->first[b] : (uint8_t)(p->first[b] & (0xff00u >> keep));
	}
}

unsigned fp_ra_pool_routes(const struct fp_ra *ra, struct fp_prefix *out, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < ra->n_pools && n < max; i++, n++) {
		const struct fp_ra_pool *p = &ra->pools[i];
		uint8_t len = fp_ra_pool_cover(p->first, p->last);
		uint32_t net = len ? p->first & (0xffffffffu << (32 - len)) : 0;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].addr.af = FP_AF_INET;
		out[n].addr.a[0] = (uint8_t)(net >> 24);
		out[n].addr.a[1] = (uint8_t)(net >> 16);
		out[n].addr.a[2] = (uint8_t)(net >> 8);
		out[n].addr.a[3] = (uint8_t)net;
		out[n].len = len;
	}
	for (unsigned i = 0; i < ra->n_pools6 && n < max; i++, n++)
		pool6_route(&ra->pools6[i], &out[n]);
	return n;
}

const struct fp_ra_stats *fp_ra_stats(const struct fp_ra *ra)
{
	return &ra->st;
}

const struct fp_ra_session *fp_ra_session_at(const struct fp_ra *ra, unsigned i)
{
	return i < FP_RA_MAX_SESSIONS ? &ra->sessions[i] : NULL;
}
