/* The remote-access headend end to end in one process (src/ra): a TLS
 * client on one end of a socketpair, the headend on the other (no port
 * 443, no root), driven by turns. The login (form, wrong password, right
 * one, cookie), CONNECT (a forged cookie, then the real one: address,
 * split-include, DNS, MTU), CSTP (DPD echoed, DATA to the inside, a
 * spoofed source refused, a packet from the inside to the client), and
 * the logoff from the command line (TERMINATE, session gone). IPv6 inside
 * the tunnel: the address from the IPv6 pool for a client that takes
 * IPv6, its packets both ways, the pool exhausted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>

#include "ra_rig.h"

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

#define FULL_V6 "X-CSTP-Full-IPv6-Capability: true\r\n"

/* An IPv6 pool of one address: the first client that takes IPv6 gets
 * it (X-CSTP-Address-IP6 with the prefix length), its IPv6 packets pass
 * both ways, another source is refused; the second client comes up with
 * IPv4 alone (counted); a client that does not say it takes IPv6 gets
 * no IPv6 address and its IPv6 packets are refused. */
static void test_ipv6(void **state)
{
	struct rig *r = *state;
	static const uint8_t mine[16] = {0xfd, 0, 0, 0x41, [14] = 1, [15] = 0},
			     other[16] = {0xfd, 0, 0, 0x41, [14] = 1, [15] = 1},
			     inside[16] = {0xfd, 0, 0, 0x42, [15] = 1};
	uint8_t pkt[40];
	struct client a, b;
	tunnel_up_with(r, &a, FULL_V6 "X-CSTP-Address-Type: IPv6,IPv4\r\n");
	if (!strstr((char *)a.buf, "X-CSTP-Address-IP6: fd00:41::100/64\r\n") ||
	    !strstr((char *)a.buf, "X-CSTP-Address: 10.3.0.100\r\n"))
		fail_msg("no IPv6 address in:\n%s", a.buf);

	ip6(pkt, mine, inside);
	frame(r, &a, FP_CSTP_DATA, pkt, sizeof(pkt));
	assert_int_equal(r->inside_n, 1);
	assert_memory_equal(r->inside, pkt, sizeof(pkt));
	ip6(pkt, other, inside);
	frame(r, &a, FP_CSTP_DATA, pkt, sizeof(pkt));
	assert_int_equal(r->inside_n, 1);
	assert_int_equal(fp_ra_stats(r->ra)->spoofed, 1);

	ip6(pkt, inside, mine);
	assert_true(fp_ra_pool6_owns(r->ra, mine));
	assert_false(fp_ra_pool6_owns(r->ra, other)); /* past the pool's one address */
	a.len = 0;
	assert_true(fp_ra_to_client(r->ra, pkt, sizeof(pkt)));
	turn(r);
	assert_int_equal(SSL_read(a.ssl, a.buf, sizeof(a.buf)), FP_CSTP_HLEN + 40);
	assert_memory_equal(a.buf + FP_CSTP_HLEN, pkt, sizeof(pkt));

	tunnel_up_with(r, &b, FULL_V6);
	assert_null(strstr((char *)b.buf, "X-CSTP-Address-IP6"));
	assert_non_null(strstr((char *)b.buf, "X-CSTP-Address: 10.3.0.101\r\n"));
	assert_int_equal(fp_ra_stats(r->ra)->pool6_empty, 1);
	ip6(pkt, other, inside);
	frame(r, &b, FP_CSTP_DATA, pkt, sizeof(pkt));
	assert_int_equal(fp_ra_stats(r->ra)->not_ipv4, 1);
	client_close(&b);
	client_close(&a);
	turn(r);
}

/* The address goes back to the pool with the session. */
static void test_ipv6_released(void **state)
{
	struct rig *r = *state;
	struct client a, b;
	tunnel_up_with(r, &a, FULL_V6);
	assert_non_null(strstr((char *)a.buf, "X-CSTP-Address-IP6: fd00:41::100/64"));
	assert_int_equal(fp_ra_logoff(r->ra, "alice", 0), 1);
	client_close(&a);
	turn(r);
	tunnel_up(r, &b); /* no FULL_V6: IPv4 alone */
	assert_null(strstr((char *)b.buf, "X-CSTP-Address-IP6"));
	client_close(&b);
	turn(r);
	tunnel_up_with(r, &a, FULL_V6);
	assert_non_null(strstr((char *)a.buf, "X-CSTP-Address-IP6: fd00:41::100/64"));
	assert_int_equal(fp_ra_stats(r->ra)->pool6_empty, 0);
	client_close(&a);
	turn(r);
}

static int setup_v6(void **state)
{
	return setup_full(state, "", true, true);
}

int main(void)
{
	/* as in fpvpnd (live.c blocks it): a write to a closed peer is an error */
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_headend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpd_dead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6, setup_v6, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_released, setup_v6, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
