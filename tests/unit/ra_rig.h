/* The remote-access headend in one process for the unit tests (src/ra):
 * a TLS client on one end of a socketpair, the headend on the other (no
 * port 443, no root), driven by turns; DTLS datagrams the headend sends
 * are queued in r->udp. Header-only: test_ra_headend and test_ra_dtls. */
#ifndef FP_TEST_RA_RIG_H
#define FP_TEST_RA_RIG_H

#include <netinet/in.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "ra/ra.h"
#include "ra/ra_cstp.h"

#include "cert_fixture.h"
#include "dtls_pair.h"

struct rig {
	char dir[64], crt[96], key[96];
	struct fp_config *cfg;
	struct fp_ra *ra;
	uint64_t now;
	uint8_t inside[2048];             /* the last packet to_inside got */
	size_t inside_len;
	unsigned inside_n;
	struct dq udp;                    /* the datagrams env->dtls_out sent */
	struct fp_addr udp_to;
	uint16_t udp_port;
	uint32_t up_index, down_index;    /* env->dtls_up / dtls_down */
	uint8_t ctrl[2048];               /* the last env->dtls_ctrl_out frame */
	size_t ctrl_len;
	/* a rehandshake under a rule: env->dtls_hs_out's records, each with
	 * a first byte 1 when libssl sealed it (FP_PKT_F_DTLS_SEALED), and
	 * the update env->dtls_rekeyed was given */
	struct dq hs;
	struct fp_dtls_update upd;
	unsigned upd_n;
	bool v6;                          /* load_config: an IPv6 pool of one address too */
	/* login: no wrong password and unknown user first (each a PBKDF2
	 * check): the fuzz target logs in again whenever an input ended the
	 * session */
	bool login_quick;
};

static inline void to_inside(void *ctx, const uint8_t *ip, size_t n)
{
	struct rig *r = ctx;
	memcpy(r->inside, ip, n < sizeof(r->inside) ? n : sizeof(r->inside));
	r->inside_len = n;
	r->inside_n++;
}

static inline void dtls_out(void *ctx, const struct fp_addr *to, uint16_t port, const uint8_t *d, size_t n)
{
	struct rig *r = ctx;
	r->udp_to = *to;
	r->udp_port = port;
	dq_push(&r->udp, d, (int)n);
}

static inline void dtls_up(void *ctx, uint32_t index)
{
	((struct rig *)ctx)->up_index = index;
}

static inline void dtls_down(void *ctx, uint32_t index)
{
	((struct rig *)ctx)->down_index = index;
}

static inline void dtls_ctrl_out(void *ctx, uint32_t index, const uint8_t *f, size_t n)
{
	struct rig *r = ctx;
	(void)index;
	r->ctrl_len = n < sizeof(r->ctrl) ? n : sizeof(r->ctrl);
	memcpy(r->ctrl, f, r->ctrl_len);
}

static inline void dtls_hs_out(void *ctx, uint32_t index, const uint8_t *d, size_t n, bool sealed)
{
	struct rig *r = ctx;
	uint8_t b[DQ_MTU];
	(void)index;
	assert_true(n + 1 <= sizeof(b));
	b[0] = sealed;
	memcpy(b + 1, d, n);
	assert_true(dq_push(&r->hs, b, (int)n + 1));
}

static inline int dtls_rekeyed(void *ctx, uint32_t index, const struct fp_dtls_update *u)
{
	struct rig *r = ctx;
	(void)index;
	r->upd = *u;
	r->upd_n++;
	return 0;
}

/* A self-signed P-256 certificate and its key (mode 0600) in r->dir. */
static inline void make_cert(struct rig *r)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	assert_non_null(k);
	X509 *x = fp_test_self_signed(k, "headend");
	FILE *f = fopen(r->crt, "w");
	PEM_write_X509(f, x);
	fclose(f);
	f = fopen(r->key, "w");
	fchmod(fileno(f), 0600);
	PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(k);
}

static inline void load_config(struct rig *r, const char *gp_more)
{
	char text[2048], err[512], *save = NULL;
	snprintf(text, sizeof(text),
		 "interface eth9\n nameif outside\n ip address 198.51.100.1 255.255.255.0\n"
		 "interface tun9\n nameif inside\n ip address 10.1.0.1 255.255.255.0\n"
		 "ip local pool POOL 10.3.0.100-10.3.0.101 mask 255.255.255.0\n%s"
		 "access-list SPLIT standard permit 10.1.0.0 255.255.255.0\n"
		 "crypto ca trustpoint TP\n certificate-file %s\n private-key-file %s\n"
		 "ssl trust-point TP outside\nwebvpn\n enable outside\n"
		 "group-policy GP internal\ngroup-policy GP attributes\n"
		 " split-tunnel-policy tunnelspecified\n split-tunnel-network-list value SPLIT\n"
		 " dns-server value 10.1.0.53\n vpn-session-timeout 3\n%s"
		 "tunnel-group TG type remote-access\ntunnel-group TG general-attributes\n"
		 " address-pool POOL\n default-group-policy GP\n%s"
		 "username alice password secret\n",
		 r->v6 ? "ipv6 local pool POOL6 fd00:41::100/64 1\n" : "", r->crt, r->key, gp_more,
		 r->v6 ? " ipv6-address-pool POOL6\n" : "");
	r->cfg = fp_config_new();
	unsigned n = 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (fp_config_parse_line(r->cfg, l, "t", ++n, err, sizeof(err)) < 0)
			fail_msg("%s", err);
	if (fp_config_validate(r->cfg, err, sizeof(err)) < 0)
		fail_msg("%s", err);
}

/* The rig's headend on env (whose hooks may wrap the rig's own, ctx the
 * rig), with more group-policy GP lines: a certificate in a new temporary
 * folder, the configuration, fp_ra_new. */
static inline void rig_open(struct rig *r, const char *gp_more, const struct fp_ra_env *env)
{
	char err[512];
	snprintf(r->dir, sizeof(r->dir), "/tmp/fpvpn-ra-XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	snprintf(r->crt, sizeof(r->crt), "%s/h.crt", r->dir);
	snprintf(r->key, sizeof(r->key), "%s/h.key", r->dir);
	make_cert(r);
	load_config(r, gp_more);
	r->ra = fp_ra_new(r->cfg, env, err, sizeof(err));
	if (!r->ra)
		fail_msg("%s", err);
	r->now = 1000000000ull;
}

/* The certificate's folder, once fp_ra_new has read it. */
static inline void rig_rmfiles(struct rig *r)
{
	unlink(r->crt);
	unlink(r->key);
	rmdir(r->dir);
}

/* The rig with more group-policy GP lines, with or without a DTLS
 * transport (env->dtls_out), with or without an IPv6 pool. */
static inline int setup_full(void **state, const char *gp_more, bool udp, bool v6)
{
	struct rig *r = calloc(1, sizeof(*r));
	r->v6 = v6;
	struct fp_ra_env env = {.ctx = r, .to_inside = to_inside, .no_sockets = true,
				.dtls_out = udp ? dtls_out : NULL, .dtls_up = dtls_up,
				.dtls_down = dtls_down, .dtls_ctrl_out = dtls_ctrl_out,
				.dtls_hs_out = dtls_hs_out, .dtls_rekeyed = dtls_rekeyed};
	rig_open(r, gp_more, &env);
	*state = r;
	return 0;
}

static inline int setup_with(void **state, const char *gp_more, bool udp)
{
	return setup_full(state, gp_more, udp, false);
}

static inline int setup(void **state)
{
	return setup_with(state, "", true);
}

static inline int teardown(void **state)
{
	struct rig *r = *state;
	fp_ra_free(r->ra);
	fp_config_free(r->cfg);
	rig_rmfiles(r);
	free(r);
	return 0;
}

/* A TLS client connected to the headend through a socketpair. */
struct client {
	SSL_CTX *ctx;
	SSL *ssl;
	uint8_t buf[65536];
	size_t len;
	bool closed;
};

static inline void turn(struct rig *r)
{
	r->now += 1000000;
	fp_ra_poll(r->ra, r->now);
}

static inline void client_open(struct rig *r, struct client *c)
{
	int sv[2];
	struct sockaddr_storage peer = {0};
	struct sockaddr_in *sin = (struct sockaddr_in *)&peer;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(40000);
	sin->sin_addr.s_addr = htonl(0xc6336402); /* 198.51.100.2 */
	memset(c, 0, sizeof(*c));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	assert_int_equal(fp_ra_adopt(r->ra, 0, sv[0], &peer), 0);
	c->ctx = SSL_CTX_new(TLS_client_method());
	c->ssl = SSL_new(c->ctx);
	SSL_set_fd(c->ssl, sv[1]);
	for (int i = 0; i < 200 && SSL_connect(c->ssl) != 1; i++)
		turn(r);
	assert_true(SSL_is_init_finished(c->ssl));
}

static inline void client_close(struct client *c)
{
	int fd = SSL_get_fd(c->ssl);
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	close(fd);
}

static inline void client_send(struct rig *r, struct client *c, const void *data, size_t n)
{
	assert_int_equal(SSL_write(c->ssl, data, (int)n), (int)n);
	turn(r);
}

/* Read until want is in the buffer (or n bytes are), or the headend closed. */
static inline bool client_wait(struct rig *r, struct client *c, const char *want, size_t n)
{
	for (int i = 0; i < 200; i++) {
		int k = SSL_read(c->ssl, c->buf + c->len, (int)(sizeof(c->buf) - 1 - c->len));
		if (k > 0)
			c->len += (size_t)k;
		else if (SSL_get_error(c->ssl, k) != SSL_ERROR_WANT_READ)
			c->closed = true;
		c->buf[c->len] = 0;
		if ((want && memmem(c->buf, c->len, want, strlen(want))) || (n && c->len >= n) || c->closed)
			return !c->closed || (want && memmem(c->buf, c->len, want, strlen(want)));
		turn(r);
	}
	return false;
}

static inline void post(struct rig *r, struct client *c, const char *xml, const char *want)
{
	char req[2048];
	int n = snprintf(req, sizeof(req), "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %zu\r\n\r\n%s",
			 strlen(xml), xml);
	c->len = 0;
	client_send(r, c, req, (size_t)n);
	if (!client_wait(r, c, want, 0))
		fail_msg("no '%s' in:\n%s", want, c->buf);
}

#define AUTH(u, p) "<config-auth client=\"vpn\" type=\"auth-reply\"><auth><username>" u \
	"</username><password>" p "</password></auth></config-auth>"

/* The login, refused twice first (r->login_quick: not); the cookie into
 * cookie. */
static inline void login(struct rig *r, struct client *c, char *cookie, size_t n)
{
	uint64_t failed = fp_ra_stats(r->ra)->auth_fail;
	post(r, c, "<config-auth client=\"vpn\" type=\"init\"></config-auth>", "type=\"auth-request\"");
	assert_non_null(strstr((char *)c->buf, "name=\"password\""));
	if (!r->login_quick) {
		post(r, c, AUTH("alice", "wrong"), "<error");
		assert_int_equal(fp_ra_stats(r->ra)->auth_fail, failed + 1);
		post(r, c, AUTH("nobody", "secret"), "<error");
	}
	post(r, c, AUTH("alice", "secret"), "type=\"complete\"");
	const char *k = strstr((char *)c->buf, "Set-Cookie: webvpn=");
	assert_non_null(k);
	k += strlen("Set-Cookie: webvpn=");
	size_t len = strcspn(k, ";");
	assert_true(len == 64 && len < n);
	memcpy(cookie, k, len);
	cookie[len] = 0;
}

static inline void frame(struct rig *r, struct client *c, uint8_t type, const uint8_t *p, size_t n)
{
	uint8_t f[2048];
	fp_cstp_header(f, type, n);
	if (n)
		memcpy(f + FP_CSTP_HLEN, p, n);
	c->len = 0;
	client_send(r, c, f, FP_CSTP_HLEN + n);
}

/* An ICMP echo header-only IPv4 packet from src to dst (no checksums). */
static inline void ip4(uint8_t *p, uint32_t src, uint32_t dst)
{
	memset(p, 0, 28);
	p[0] = 0x45;
	p[3] = 28;
	p[8] = 64;
	p[9] = 1;
	for (int i = 0; i < 4; i++) {
		p[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		p[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
}

/* A header-only IPv6 packet (no next header) from src to dst: 40 bytes. */
static inline void ip6(uint8_t *p, const uint8_t *src, const uint8_t *dst)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[6] = 59;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
}

/* A logged-in client with its tunnel up; extra: more request headers. */
static inline void tunnel_up_with(struct rig *r, struct client *c, const char *extra)
{
	char cookie[80], req[1024];
	client_open(r, c);
	login(r, c, cookie, sizeof(cookie));
	snprintf(req, sizeof(req), "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nCookie: webvpn=%s\r\n%s\r\n",
		 cookie, extra);
	c->len = 0;
	client_send(r, c, req, strlen(req));
	assert_true(client_wait(r, c, "HTTP/1.1 200 CONNECTED", 0) && client_wait(r, c, "\r\n\r\n", 0));
}

static inline void tunnel_up(struct rig *r, struct client *c)
{
	tunnel_up_with(r, c, "");
}

#endif
