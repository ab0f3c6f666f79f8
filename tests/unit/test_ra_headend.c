/* The remote-access headend end to end in one process (src/ra): a TLS
 * client on one end of a socketpair, the headend on the other (no port
 * 443, no root), driven by turns. The login (form, wrong password, right
 * one, cookie), CONNECT (a forged cookie, then the real one: address,
 * split-include, DNS, MTU), CSTP (DPD echoed, DATA to the inside, a
 * spoofed source refused, a packet from the inside to the client), and
 * the logoff from the command line (TERMINATE, session gone). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>
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

struct rig {
	char dir[64], crt[96], key[96];
	struct fp_config *cfg;
	struct fp_ra *ra;
	uint64_t now;
	uint8_t inside[2048];             /* the last packet to_inside got */
	size_t inside_len;
	unsigned inside_n;
};

static void to_inside(void *ctx, const uint8_t *ip, size_t n)
{
	struct rig *r = ctx;
	memcpy(r->inside, ip, n < sizeof(r->inside) ? n : sizeof(r->inside));
	r->inside_len = n;
	r->inside_n++;
}

/* A self-signed P-256 certificate and its key (mode 0600) in r->dir. */
static void make_cert(struct rig *r)
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

static void load_config(struct rig *r)
{
	char text[2048], err[512], *save = NULL;
	snprintf(text, sizeof(text),
		 "interface eth9\n nameif outside\n ip address 198.51.100.1 255.255.255.0\n"
		 "interface tun9\n nameif inside\n ip address 10.1.0.1 255.255.255.0\n"
		 "ip local pool POOL 10.3.0.100-10.3.0.101 mask 255.255.255.0\n"
		 "access-list SPLIT standard permit 10.1.0.0 255.255.255.0\n"
		 "crypto ca trustpoint TP\n certificate-file %s\n private-key-file %s\n"
		 "ssl trust-point TP outside\nwebvpn\n enable outside\n"
		 "group-policy GP internal\ngroup-policy GP attributes\n"
		 " split-tunnel-policy tunnelspecified\n split-tunnel-network-list value SPLIT\n"
		 " dns-server value 10.1.0.53\n vpn-session-timeout 3\n"
		 "tunnel-group TG type remote-access\ntunnel-group TG general-attributes\n"
		 " address-pool POOL\n default-group-policy GP\n"
		 "username alice password secret\n", r->crt, r->key);
	r->cfg = fp_config_new();
	unsigned n = 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (fp_config_parse_line(r->cfg, l, "t", ++n, err, sizeof(err)) < 0)
			fail_msg("%s", err);
	if (fp_config_validate(r->cfg, err, sizeof(err)) < 0)
		fail_msg("%s", err);
}

static int setup(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/fpvpn-ra-XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	snprintf(r->crt, sizeof(r->crt), "%s/h.crt", r->dir);
	snprintf(r->key, sizeof(r->key), "%s/h.key", r->dir);
	make_cert(r);
	load_config(r);
	struct fp_ra_env env = {.ctx = r, .to_inside = to_inside, .no_sockets = true};
	char err[512];
	r->ra = fp_ra_new(r->cfg, &env, err, sizeof(err));
	if (!r->ra)
		fail_msg("%s", err);
	r->now = 1000000000ull;
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct rig *r = *state;
	fp_ra_free(r->ra);
	fp_config_free(r->cfg);
	unlink(r->crt);
	unlink(r->key);
	rmdir(r->dir);
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

static void turn(struct rig *r)
{
	r->now += 1000000;
	fp_ra_poll(r->ra, r->now);
}

static void client_open(struct rig *r, struct client *c)
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

static void client_close(struct client *c)
{
	int fd = SSL_get_fd(c->ssl);
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	close(fd);
}

static void client_send(struct rig *r, struct client *c, const void *data, size_t n)
{
	assert_int_equal(SSL_write(c->ssl, data, (int)n), (int)n);
	turn(r);
}

/* Read until want is in the buffer (or n bytes are), or the headend closed. */
static bool client_wait(struct rig *r, struct client *c, const char *want, size_t n)
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

static void post(struct rig *r, struct client *c, const char *xml, const char *want)
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

/* The login; the cookie into cookie. */
static void login(struct rig *r, struct client *c, char *cookie, size_t n)
{
	post(r, c, "<config-auth client=\"vpn\" type=\"init\"></config-auth>", "type=\"auth-request\"");
	assert_non_null(strstr((char *)c->buf, "name=\"password\""));
	post(r, c, AUTH("alice", "wrong"), "<error");
	assert_int_equal(fp_ra_stats(r->ra)->auth_fail, 1);
	post(r, c, AUTH("nobody", "secret"), "<error");
	post(r, c, AUTH("alice", "secret"), "type=\"complete\"");
	const char *k = strstr((char *)c->buf, "Set-Cookie: webvpn=");
	assert_non_null(k);
	k += strlen("Set-Cookie: webvpn=");
	size_t len = strcspn(k, ";");
	assert_true(len == 64 && len < n);
	memcpy(cookie, k, len);
	cookie[len] = 0;
}

static void frame(struct rig *r, struct client *c, uint8_t type, const uint8_t *p, size_t n)
{
	uint8_t f[2048];
	fp_cstp_header(f, type, n);
	if (n)
		memcpy(f + FP_CSTP_HLEN, p, n);
	c->len = 0;
	client_send(r, c, f, FP_CSTP_HLEN + n);
}

/* An ICMP echo header-only IPv4 packet from src to dst (no checksums). */
static void ip4(uint8_t *p, uint32_t src, uint32_t dst)
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

static void test_headend(void **state)
{
	struct rig *r = *state;
	struct client c, forged;
	char cookie[80], req[512];
	client_open(r, &c);
	login(r, &c, cookie, sizeof(cookie));

	client_open(r, &forged);
	snprintf(req, sizeof(req), "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nCookie: webvpn=%064d\r\n\r\n", 7);
	client_send(r, &forged, req, strlen(req));
	assert_true(client_wait(r, &forged, "HTTP/1.1 401", 0));
	assert_int_equal(fp_ra_stats(r->ra)->cookie_bad, 1);
	client_close(&forged);

	snprintf(req, sizeof(req), "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nCookie: webvpn=%s\r\n"
		 "X-CSTP-MTU: 1390\r\nUser-Agent: test\r\n\r\n", cookie);
	c.len = 0;
	client_send(r, &c, req, strlen(req));
	assert_true(client_wait(r, &c, "\r\n\r\n", 0));
	static const char *const hdrs[] = {
		"HTTP/1.1 200 CONNECTED\r\n", "X-CSTP-Address: 10.3.0.100\r\n",
		"X-CSTP-Netmask: 255.255.255.0\r\n", "X-CSTP-Split-Include: 10.1.0.0/255.255.255.0\r\n",
		"X-CSTP-DNS: 10.1.0.53\r\n", "X-CSTP-MTU: 1390\r\n", "X-CSTP-DPD: 30\r\n",
	};
	for (unsigned i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++)
		if (!strstr((char *)c.buf, hdrs[i]))
			fail_msg("no %s in:\n%s", hdrs[i], c.buf);

	uint8_t pkt[64], want[FP_CSTP_HLEN + 4];
	frame(r, &c, FP_CSTP_DPD_REQ, (const uint8_t *)"abcd", 4);
	fp_cstp_header(want, FP_CSTP_DPD_RESP, 4);
	memcpy(want + FP_CSTP_HLEN, "abcd", 4);
	assert_true(client_wait(r, &c, NULL, sizeof(want)));
	assert_memory_equal(c.buf, want, sizeof(want));

	ip4(pkt, 0x0a030064, 0x0a010001);
	frame(r, &c, FP_CSTP_DATA, pkt, 28);
	assert_int_equal(r->inside_n, 1);
	assert_memory_equal(r->inside, pkt, 28);
	ip4(pkt, 0x0a030065, 0x0a010001); /* another address of the pool */
	frame(r, &c, FP_CSTP_DATA, pkt, 28);
	assert_int_equal(r->inside_n, 1);
	assert_int_equal(fp_ra_stats(r->ra)->spoofed, 1);

	ip4(pkt, 0x0a010001, 0x0a030064);
	assert_true(fp_ra_pool_owns(r->ra, pkt + 16));
	c.len = 0;
	/* two frames, two TLS records: openconnect reads one frame per record */
	assert_true(fp_ra_to_client(r->ra, pkt, 28));
	assert_true(fp_ra_to_client(r->ra, pkt, 28));
	turn(r);
	assert_int_equal(SSL_read(c.ssl, c.buf, sizeof(c.buf)), FP_CSTP_HLEN + 28);
	assert_int_equal(c.buf[6], FP_CSTP_DATA);
	assert_memory_equal(c.buf + FP_CSTP_HLEN, pkt, 28);
	assert_int_equal(SSL_read(c.ssl, c.buf, sizeof(c.buf)), FP_CSTP_HLEN + 28);
	ip4(pkt, 0x0a010001, 0x0a030065); /* in the pool, no session */
	assert_false(fp_ra_to_client(r->ra, pkt, 28));

	/* the gateway's DPD: silent 30 s, a request; answered, quiet again */
	c.len = 0;
	r->now += 31000000000ull;
	assert_true(client_wait(r, &c, NULL, FP_CSTP_HLEN));
	assert_int_equal(c.buf[6], FP_CSTP_DPD_REQ);
	assert_int_equal(fp_ra_stats(r->ra)->dpd_sent, 1);
	frame(r, &c, FP_CSTP_DPD_RESP, NULL, 0);
	r->now += 10000000000ull;
	turn(r);
	assert_int_equal(fp_ra_stats(r->ra)->dpd_sent, 1);

	c.len = 0;
	assert_int_equal(fp_ra_logoff(r->ra, "alice", 0), 1);
	client_wait(r, &c, NULL, FP_CSTP_HLEN);
	assert_true(c.len >= FP_CSTP_HLEN);
	assert_int_equal(c.buf[6], FP_CSTP_TERMINATE);
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++)
		assert_int_equal(fp_ra_session_at(r->ra, i)->index, 0);
	client_close(&c);
	turn(r);
}

/* A logged-in client with its tunnel up. */
static void tunnel_up(struct rig *r, struct client *c)
{
	char cookie[80], req[512];
	client_open(r, c);
	login(r, c, cookie, sizeof(cookie));
	snprintf(req, sizeof(req), "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nCookie: webvpn=%s\r\n\r\n", cookie);
	c->len = 0;
	client_send(r, c, req, strlen(req));
	assert_true(client_wait(r, c, "HTTP/1.1 200 CONNECTED", 0) && client_wait(r, c, "\r\n\r\n", 0));
}

/* A client that stops answering: DPD requests every interval, its tunnel
 * closed after three; the session waits for a reconnect with the cookie. */
static void test_dpd_dead(void **state)
{
	struct rig *r = *state;
	struct client c;
	tunnel_up(r, &c);
	for (int i = 0; i < 4; i++) {
		r->now += 31000000000ull;
		turn(r);
	}
	assert_int_equal(fp_ra_stats(r->ra)->dpd_sent, 2);
	assert_int_equal(fp_ra_stats(r->ra)->dpd_dead, 1);
	const struct fp_ra_session *s = NULL;
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS && !s; i++)
		if (fp_ra_session_at(r->ra, i)->index)
			s = fp_ra_session_at(r->ra, i);
	assert_non_null(s);
	assert_null(s->conn);
	assert_int_equal(s->addr, 0x0a030064);
	client_close(&c);
}

/* vpn-session-timeout 3: the client, answering every DPD request, is
 * told (TERMINATE) after three minutes and its session ends. */
static void test_session_timeout(void **state)
{
	struct rig *r = *state;
	struct client c;
	tunnel_up(r, &c);
	for (int i = 0; i < 6; i++) { /* 6 x 31 s: past 3 minutes */
		frame(r, &c, FP_CSTP_KEEPALIVE, NULL, 0);
		r->now += 31000000000ull;
		turn(r);
	}
	c.len = 0;
	client_wait(r, &c, NULL, sizeof(c.buf)); /* DPD requests, then TERMINATE and the close */
	assert_true(c.closed && c.len >= FP_CSTP_HLEN);
	assert_int_equal(c.buf[c.len - FP_CSTP_HLEN + 6], FP_CSTP_TERMINATE);
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++)
		assert_int_equal(fp_ra_session_at(r->ra, i)->index, 0);
	client_close(&c);
}

int main(void)
{
	/* as in fpvpnd (live.c blocks it): a write to a closed peer is an error */
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_headend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpd_dead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_timeout, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
