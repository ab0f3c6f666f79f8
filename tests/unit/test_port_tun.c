/* TUN ports (io/tun.c) in a private network namespace (root). The test
 * plays the host on the far side of the tunnel: what it writes with
 * fp_port_tx enters the namespace's stack from 10.9.0.2 / fd00:9::2, and
 * what the stack sends there comes out of fp_port_rx.
 *
 *    sockets of the test                          the test as "peer"
 *    10.9.0.1/24, fd00:9::1/64  -- fptun0 --  fp_port_rx / fp_port_tx
 *    10.77.0.0/16 routed into fptun0
 *
 * Without offload: ICMP echo both ways. With offload (IFF_VNET_HDR): UDP
 * checksums left partial by the kernel and completed by rx, a UDP_SEGMENT
 * send arriving as one USO super-packet cut into 40 packets, and a TCP
 * connection to the peer whose 64 KB of data arrive as TSO super-packets
 * cut to MTU size, then 58 KB the other way merged by tx (GRO) into one
 * write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/utsname.h>
#include <time.h>

#include "common/inet.h"
#include "common/pktpool.h"
#include "io/gso.h"
#include "io/netlink.h"
#include "io/port.h"
#include "test_port_netns.h"

#define DEV "fptun0"
#define MTU 1500
#define POOL 1024
#define PEER_PORT 5001

static struct fp_pktpool pool;
static struct fp_pktcache cache;
static struct fp_pkt *got[FP_VEC_MAX];
static struct fp_pkt *hold[POOL];
static uint8_t stream[1 << 17];
static uint8_t rcvd[1 << 17];

static const uint8_t host4[4] = { 10, 9, 0, 1 }, peer4[4] = { 10, 9, 0, 2 };
static const uint8_t far4[4] = { 10, 77, 1, 1 };
static const uint8_t host6[16] = { 0xfd, 0, 0, 9, [15] = 1 };
static const uint8_t peer6[16] = { 0xfd, 0, 0, 9, [15] = 2 };

/* ---- the tunnel ------------------------------------------------------------ */

struct tun {
	struct fp_port *q[2];
	struct fp_netlink *nl;
	int fds[4];          /* the test's sockets, closed with the tunnel */
};

static struct tun T;     /* each test's tunnel: test_teardown closes it */

static void ping(struct tun *t, struct fp_port *q, int af, uint16_t id);

static int sock_keep(struct tun *t, int fd)
{
	assert_true(fd >= 0);
	for (unsigned i = 0; i < 4; i++)
		if (t->fds[i] < 0)
			return t->fds[i] = fd;
	fail_msg("too many sockets");
	return -1;
}

static void tun_up(struct tun *t, bool offload, unsigned queues)
{
	struct fp_tun_opts o = { .name = DEV, .queues = queues, .offload = offload, .mtu = MTU };
	struct fp_prefix a4, a6, r4;
	char err[160];

	memset(t, 0, sizeof(*t));
	memset(t->fds, -1, sizeof(t->fds));
	if (fp_port_tun_open(&o, t->q, err, sizeof(err)) < 0)
		fail_msg("fp_port_tun_open: %s", err);
	t->nl = fp_netlink_open(err, sizeof(err));
	assert_non_null(t->nl);
	a4 = (struct fp_prefix){ .addr = { .af = FP_AF_INET }, .len = 24 };
	memcpy(a4.addr.a, host4, 4);
	a6 = (struct fp_prefix){ .addr = { .af = FP_AF_INET6 }, .len = 64 };
	memcpy(a6.addr.a, host6, 16);
	assert_int_equal(fp_prefix_parse(&r4, "10.77.0.0/16"), 0);
	if (fp_netlink_addr_add(t->nl, DEV, &a4, err, sizeof(err)) < 0 ||
	    fp_netlink_addr_add(t->nl, DEV, &a6, err, sizeof(err)) < 0 ||
	    fp_netlink_route_add(t->nl, DEV, &r4, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	ping(t, t->q[0], 6, 0xffff);   /* the IPv6 address is usable */
	for (unsigned i = 0; i < queues; i++)
		fp_port_stats_clear(t->q[i]);
}

/* Everything the test opened, whether it passed or not. */
static int test_teardown(void **state)
{
	struct tun *t = &T;

	(void)state;
	if (t->nl) {
		fp_netlink_undo(t->nl);
		fp_netlink_close(t->nl);
	}
	for (unsigned i = 0; i < 2; i++)
		fp_port_close(t->q[i]);
	for (unsigned i = 0; i < 4; i++)
		if (t->fds[i] >= 0)
			close(t->fds[i]);
	memset(t, 0, sizeof(*t));
	memset(t->fds, -1, sizeof(t->fds));
	return 0;
}

static void tun_down(struct tun *t)
{
	test_teardown(NULL);
	(void)t;
	assert_int_equal(fp_netlink_ifindex(DEV), 0);  /* not persistent: gone */
}

/* ---- packets --------------------------------------------------------------- */

static uint16_t csum_buf(const uint8_t *p, uint32_t n, uint32_t s)
{
	return fp_csum_fold(fp_csum_partial(p, n, s));
}

static uint32_t ip_hlen(const uint8_t *ip)
{
	return (ip[0] >> 4) == 4 ? (uint32_t)(ip[0] & 0xf) * 4 : 40;
}

static uint8_t ip_proto(const uint8_t *ip)
{
	return (ip[0] >> 4) == 4 ? ip[9] : ip[6];
}

static bool l4_ok(const uint8_t *ip, uint32_t len)
{
	uint32_t l4 = ip_hlen(ip);
	return csum_buf(ip + l4, len - l4, fp_gso_pseudo_sum(ip, ip_proto(ip), len - l4)) == 0;
}

/* An IP header from the peer to the host, for a transport of l4len bytes. */
static uint32_t put_ip(uint8_t *b, int af, uint8_t proto, uint32_t l4len)
{
	if (af == 4) {
		memset(b, 0, 20);
		b[0] = 0x45;
		fp_put16(b + 2, (uint16_t)(20 + l4len));
		b[8] = 64;
		b[9] = proto;
		memcpy(b + 12, peer4, 4);
		memcpy(b + 16, host4, 4);
		fp_ipv4_csum_set(b);
		return 20;
	}
	memset(b, 0, 40);
	b[0] = 0x60;
	fp_put16(b + 4, (uint16_t)l4len);
	b[6] = proto;
	b[7] = 64;
	memcpy(b + 8, peer6, 16);
	memcpy(b + 24, host6, 16);
	return 40;
}

static struct fp_pkt *pkt_new(void)
{
	struct fp_pkt *p = NULL;

	assert_int_equal(fp_pkt_alloc(&cache, &p, 1), 1);
	return p;
}

/* Echo request from the peer; ICMPv6 sums a pseudo-header, ICMP does not. */
static struct fp_pkt *echo_request(int af, uint16_t id, uint16_t seq)
{
	struct fp_pkt *p = pkt_new();
	uint8_t proto = af == 4 ? FP_IPPROTO_ICMP : FP_IPPROTO_ICMPV6;
	uint32_t h = put_ip(p->data, af, proto, 8 + 56);
	uint8_t *ic = p->data + h;

	memset(ic, 0, 8);
	ic[0] = af == 4 ? 8 : 128;
	fp_put16(ic + 4, id);
	fp_put16(ic + 6, seq);
	memcpy(ic + 8, stream, 56);
	fp_put16(ic + 2, csum_buf(ic, 64, af == 4 ? 0 : fp_gso_pseudo_sum(p->data, proto, 64)));
	p->len = h + 64;
	return p;
}

/* A TCP segment from the peer's port to the host's port hport. */
static struct fp_pkt *tcp_seg(int af, uint16_t hport, uint32_t seq, uint32_t ack, uint8_t flags,
			      const uint8_t *data, uint32_t n)
{
	struct fp_pkt *p = pkt_new();
	uint32_t opt = (flags & 0x02) ? 4 : 0;   /* SYN: MSS option */
	uint32_t h = put_ip(p->data, af, FP_IPPROTO_TCP, 20 + opt + n);
	uint8_t *th = p->data + h;

	memset(th, 0, 20);
	fp_put16(th, PEER_PORT);
	fp_put16(th + 2, hport);
	fp_put32(th + 4, seq);
	fp_put32(th + 8, ack);
	th[12] = (uint8_t)((20 + opt) / 4 << 4);
	th[13] = flags;
	fp_put16(th + 14, 65535);
	if (opt)
		memcpy(th + 20, "\x02\x04\x05\xb4", 4);   /* MSS 1460 */
	if (n)
		memcpy(th + 20 + opt, data, n);
	p->len = h + 20 + opt + n;
	fp_put16(th + 16, fp_gso_l4_csum(p->data, h, FP_IPPROTO_TCP, 20 + opt + n));
	return p;
}

static void tx_one(struct fp_port *q, struct fp_pkt *p)
{
	assert_int_equal(fp_port_tx(q, &cache, &p, 1), 1);
}

/* Up to max packets from the queues, waiting up to ms for the first. */
static unsigned rx_wait(struct tun *t, unsigned max, int ms)
{
	struct pollfd pfd[2] = { { fp_port_fd(t->q[0]), POLLIN, 0 }, { -1, POLLIN, 0 } };
	unsigned nq = t->q[1] ? 2 : 1, n = 0;

	if (t->q[1])
		pfd[1].fd = fp_port_fd(t->q[1]);
	for (unsigned i = 0; i < nq && n < max; i++)
		n += fp_port_rx(t->q[i], &cache, got + n, max - n, 7);
	if (n || poll(pfd, nq, ms) <= 0)
		return n;
	for (unsigned i = 0; i < nq && n < max; i++)
		n += fp_port_rx(t->q[i], &cache, got + n, max - n, 7);
	return n;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool kernel_has_uso(void)
{
	struct utsname u;
	unsigned maj = 0, min = 0;

	uname(&u);
	sscanf(u.release, "%u.%u", &maj, &min);
	return maj > 6 || (maj == 6 && min >= 2);
}

/* Take every buffer but k out of the pool's reach, into hold[]; returns
 * how many are held (give them back with fp_pkt_free). */
static unsigned hold_all_but(struct fp_pkt **hold, unsigned k)
{
	unsigned n = 0, r;

	while ((r = fp_pkt_alloc(&cache, hold + n, 64)) > 0)
		n += r;
	fp_pkt_free(&cache, hold + n - k, k);
	return n - k;
}

static int setup(void **state)
{
	for (size_t i = 0; i < sizeof(stream); i++)
		stream[i] = (uint8_t)(i * 11 + (i >> 9));
	memset(T.fds, -1, sizeof(T.fds));
	if (fp_pktpool_init(&pool, POOL) < 0)
		return -1;
	fp_pktcache_init(&cache, &pool);
	return netns_enter(state);
}

static int teardown(void **state)
{
	fp_pktcache_flush(&cache);
	fp_pktpool_fini(&pool);
	return netns_leave(state);
}

/* ---- ICMP echo ------------------------------------------------------------- */

/* The echo reply to the peer, among whatever else the stack sends (IPv6
 * router solicitations, MLD reports), within ms. */
static bool find_reply(struct tun *t, int af, uint16_t id, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	bool found = false;

	while (!found && now_ms() < end) {
		unsigned n = rx_wait(t, 32, 50);
		for (unsigned i = 0; i < n; i++) {
			const uint8_t *ip = got[i]->data, *ic = ip + ip_hlen(ip);
			if ((ip[0] >> 4) != af || ip_proto(ip) != (af == 4 ? 1 : 58) ||
			    ic[0] != (af == 4 ? 0 : 129) || fp_get16(ic + 4) != id)
				continue;
			assert_int_equal(got[i]->len, ip_hlen(ip) + 64);
			assert_memory_equal(ic + 8, stream, 56);
			assert_memory_equal(ip + (af == 4 ? 16 : 24), af == 4 ? peer4 : peer6,
					    af == 4 ? 4 : 16);
			if (af == 4)
				assert_int_equal(csum_buf(ic, 64, 0), 0);
			else
				assert_true(l4_ok(ip, got[i]->len));
			assert_int_equal(got[i]->ts_ns, 7);
			found = true;
		}
		fp_pkt_free(&cache, got, n);
	}
	return found;
}

/* Ping the host through queue q as ping(8) would: a request every 250 ms
 * until a reply. A fresh IPv6 address is usable only once the kernel's
 * DAD work has run, even with IFA_F_NODAD, so the first may be lost. */
static void ping(struct tun *t, struct fp_port *q, int af, uint16_t id)
{
	for (uint16_t seq = 1; seq <= 12; seq++) {
		tx_one(q, echo_request(af, id, seq));
		if (find_reply(t, af, id, 250))
			return;
	}
	fail_msg("no echo reply (IPv%d)", af);
}

static void echo_case(bool offload)
{
	struct tun *t = &T;

	tun_up(t, offload, 1);   /* it pinged over IPv6 already */
	tx_one(t->q[0], echo_request(4, 0x1234, 1));
	assert_true(find_reply(t, 4, 0x1234, 2000));
	tx_one(t->q[0], echo_request(6, 0x4321, 1));
	assert_true(find_reply(t, 6, 0x4321, 2000));
	const struct fp_port_stats *st = fp_port_stats(t->q[0]);
	assert_int_equal(st->tx_pkts, 2);
	assert_int_equal(st->tx_bytes, 84 + 104);
	assert_int_equal(st->tx_batches, 2);
	assert_int_equal(st->tx_errors + st->rx_errors, 0);
	assert_true(st->rx_pkts >= 2);
	tun_down(t);
}

static void test_echo(void **state)
{
	(void)state;
	NETNS_REQUIRE();
	echo_case(false);
}

static void test_echo_offload(void **state)
{
	(void)state;
	NETNS_REQUIRE();
	echo_case(true);
}

/* ---- UDP: checksum offload and USO ----------------------------------------- */

static int udp_sender(int af)
{
	return sock_keep(&T, socket(af == 4 ? AF_INET : AF_INET6, SOCK_DGRAM, 0));
}

static void udp_send(int fd, int af, const uint8_t *dst, const uint8_t *data, size_t n)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(7000) };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(7000) };

	if (af == 4)
		memcpy(&s4.sin_addr, dst, 4);
	else
		memcpy(&s6.sin6_addr, dst, 16);
	if (af == 4)
		assert_int_equal(sendto(fd, data, n, 0, (struct sockaddr *)&s4, sizeof(s4)), n);
	else
		assert_int_equal(sendto(fd, data, n, 0, (struct sockaddr *)&s6, sizeof(s6)), n);
}

/* Collect UDP packets to port 7000 (payload appended to rcvd) until bytes
 * arrived; each one checked: valid checksums, at most the MTU. */
static unsigned collect_udp(struct tun *t, unsigned max, uint32_t bytes, uint32_t seg)
{
	uint32_t have = 0;
	unsigned pkts = 0;
	uint64_t end = now_ms() + 2000;

	while (have < bytes && now_ms() < end) {
		unsigned n = rx_wait(t, max, 200);
		for (unsigned i = 0; i < n; i++) {
			const uint8_t *ip = got[i]->data, *u = ip + ip_hlen(ip);
			if (ip_proto(ip) != FP_IPPROTO_UDP || fp_get16(u + 2) != 7000)
				continue;
			uint32_t plen = got[i]->len - ip_hlen(ip) - 8;
			assert_true(got[i]->len <= MTU);
			assert_int_equal(fp_get16(u + 4), plen + 8);
			assert_true(l4_ok(ip, got[i]->len));
			if ((ip[0] >> 4) == 4)
				assert_int_equal(csum_buf(ip, 20, 0), 0);
			if (have + plen < bytes)
				assert_int_equal(plen, seg);
			memcpy(rcvd + have, u + 8, plen);
			have += plen;
			pkts++;
		}
		fp_pkt_free(&cache, got, n);
	}
	assert_int_equal(have, bytes);
	return pkts;
}

static void test_udp_csum_offload(void **state)
{
	struct tun *t = &T;
	int fd4, fd6;

	(void)state;
	NETNS_REQUIRE();
	tun_up(t, true, 1);
	fd4 = udp_sender(4);
	fd6 = udp_sender(6);
	udp_send(fd4, 4, peer4, stream, 333);
	assert_int_equal(collect_udp(t, 32, 333, 333), 1);
	udp_send(fd4, 4, far4, stream, 1000);   /* the netlink route */
	assert_int_equal(collect_udp(t, 32, 1000, 1000), 1);
	udp_send(fd6, 6, peer6, stream, 777);
	assert_int_equal(collect_udp(t, 32, 777, 777), 1);
	assert_memory_equal(rcvd, stream, 777);
	tun_down(t);
}

/* 40 x 1200 bytes and 500 more in one UDP_SEGMENT send: with USO the
 * TUN reads it as one super-packet, rx cuts it (16 packets a call here). */
static void uso_case(int af)
{
	struct tun *t = &T;
	int fd, seg = 1200;
	uint32_t bytes = 40 * 1200 + 500;

	tun_up(t, true, 1);
	fd = udp_sender(af);
	assert_int_equal(setsockopt(fd, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg)), 0);
	udp_send(fd, af, af == 4 ? peer4 : peer6, stream, bytes);
	assert_int_equal(collect_udp(t, 16, bytes, 1200), 41);
	assert_memory_equal(rcvd, stream, bytes);
	const struct fp_port_stats *st = fp_port_stats(t->q[0]);
	if (kernel_has_uso()) {
		assert_int_equal(st->rx_gso_segs, 41);
		assert_true(st->rx_batches < 10);
	}
	assert_int_equal(st->rx_errors + st->rx_nobuf, 0);
	tun_down(t);
}

static void test_uso4(void **state)
{
	(void)state;
	NETNS_REQUIRE();
	uso_case(4);
}

static void test_uso6(void **state)
{
	(void)state;
	NETNS_REQUIRE();
	uso_case(6);
}

/* A super-packet whose segments do not all find a buffer is dropped whole
 * and counted; the next one goes through. */
static void test_uso_nobuf(void **state)
{
	struct tun *t = &T;
	int fd, seg = 1000;
	unsigned n;

	(void)state;
	NETNS_REQUIRE();
	if (!kernel_has_uso())
		skip();
	tun_up(t, true, 1);
	fd = udp_sender(4);
	assert_int_equal(setsockopt(fd, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg)), 0);
	while ((n = fp_port_rx(t->q[0], &cache, got, 64, 0)) > 0)
		fp_pkt_free(&cache, got, n);     /* what IPv6 sent on link up */
	udp_send(fd, 4, peer4, stream, 20000);
	struct pollfd pfd = { fp_port_fd(t->q[0]), POLLIN, 0 };
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	unsigned held = hold_all_but(hold, 10);  /* 10 buffers for 20 segments */
	n = fp_port_rx(t->q[0], &cache, got, 64, 0);
	fp_pkt_free(&cache, hold, held);
	for (unsigned i = 0; i < n; i++)
		assert_int_not_equal(ip_proto(got[i]->data), FP_IPPROTO_UDP);
	fp_pkt_free(&cache, got, n);
	assert_true(fp_port_stats(t->q[0])->rx_nobuf >= 1);
	udp_send(fd, 4, peer4, stream, 20000);
	assert_int_equal(collect_udp(t, 64, 20000, 1000), 20);
	tun_down(t);
}

/* ---- TCP: TSO in, GRO out ---------------------------------------------- */

struct conn {
	int fd;
	int af;
	uint16_t hport;     /* the host's port */
	uint32_t hseq;      /* next sequence number we expect from the host */
	uint32_t pseq;      /* the peer's next sequence number */
};

/* Connect to the peer, answering each SYN (a lost SYN-ACK is answered
 * again on the retransmission); returns when established. */
static void tcp_connect(struct tun *t, struct conn *c, int af)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(PEER_PORT) };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(PEER_PORT) };
	struct pollfd pfd = { -1, POLLOUT, 0 };

	memcpy(&s4.sin_addr, peer4, 4);
	memcpy(&s6.sin6_addr, peer6, 16);
	c->af = af;
	c->pseq = 1000;
	c->fd = pfd.fd = sock_keep(t, socket(af == 4 ? AF_INET : AF_INET6,
					     SOCK_STREAM | SOCK_NONBLOCK, 0));
	assert_int_equal(af == 4 ? connect(c->fd, (struct sockaddr *)&s4, sizeof(s4)) :
				   connect(c->fd, (struct sockaddr *)&s6, sizeof(s6)), -1);
	for (uint64_t end = now_ms() + 5000; poll(&pfd, 1, 0) == 0 && now_ms() < end;) {
		unsigned n = rx_wait(t, 32, 100);
		for (unsigned i = 0; i < n; i++) {
			const uint8_t *ip = got[i]->data, *th = ip + ip_hlen(ip);
			if (ip_proto(ip) != FP_IPPROTO_TCP || th[13] != 0x02)
				continue;
			c->hport = fp_get16(th);
			c->hseq = fp_get32(th + 4) + 1;
			tx_one(t->q[0], tcp_seg(af, c->hport, c->pseq, c->hseq, 0x12, NULL, 0));
		}
		fp_pkt_free(&cache, got, n);
	}
	c->pseq++;
	int e = -1;
	socklen_t el = sizeof(e);
	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el);
	assert_int_equal(e, 0);
	assert_int_equal(poll(&pfd, 1, 0), 1);
}

/* Take the host's data segments off the tunnel, in order, acking each
 * burst; returns the bytes received. */
static uint32_t tcp_drain(struct tun *t, struct conn *c, uint32_t have)
{
	unsigned n = rx_wait(t, 64, 100);

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *ip = got[i]->data, *th = ip + ip_hlen(ip);
		uint32_t hl = ip_hlen(ip) + (uint32_t)(th[12] >> 4) * 4;
		if (ip_proto(ip) != FP_IPPROTO_TCP || got[i]->len == hl)
			continue;
		assert_true(got[i]->len <= MTU);
		assert_true(l4_ok(ip, got[i]->len));
		if (fp_get32(th + 4) != c->hseq)
			continue;   /* a retransmission or out of order: ask again */
		memcpy(rcvd + have, ip + hl, got[i]->len - hl);
		have += got[i]->len - hl;
		c->hseq += got[i]->len - hl;
	}
	fp_pkt_free(&cache, got, n);
	if (n)
		tx_one(t->q[0], tcp_seg(c->af, c->hport, c->pseq, c->hseq, 0x10, NULL, 0));
	return have;
}

static void tcp_case(int af)
{
	struct tun *t = &T;
	struct conn c = {0};
	uint32_t total = 65536, sent = 0, have = 0;

	tun_up(t, true, 1);
	tcp_connect(t, &c, af);
	for (uint64_t end = now_ms() + 5000; have < total && now_ms() < end;) {
		ssize_t w = sent < total ? send(c.fd, stream + sent, total - sent, MSG_DONTWAIT) : 0;
		sent += w > 0 ? (uint32_t)w : 0;
		have = tcp_drain(t, &c, have);
	}
	assert_int_equal(have, total);
	assert_memory_equal(rcvd, stream, total);
	const struct fp_port_stats *st = fp_port_stats(t->q[0]);
	assert_true(st->rx_gso_segs > 0);   /* the host sent TSO super-packets */
	print_message("TCP%d in: %llu packets in %llu reads, %llu cut from super-packets\n", af,
		      (unsigned long long)st->rx_pkts, (unsigned long long)st->rx_batches,
		      (unsigned long long)st->rx_gso_segs);

	/* the other way: 40 segments of 1460 in one fp_port_tx, merged */
	struct fp_pkt *v[40];
	uint64_t batches = st->tx_batches;
	for (unsigned i = 0; i < 40; i++)
		v[i] = tcp_seg(af, c.hport, c.pseq + i * 1460, c.hseq, i == 39 ? 0x18 : 0x10,
			       stream + 1000 + i * 1460, 1460);
	assert_int_equal(fp_port_tx(t->q[0], &cache, v, 40), 40);
	assert_int_equal(st->tx_batches - batches, 1);
	assert_true(st->tx_gso_segs >= 40);
	uint32_t got_bytes = 0;
	for (uint64_t end = now_ms() + 2000; got_bytes < 40 * 1460 && now_ms() < end;) {
		struct pollfd pfd = { c.fd, POLLIN, 0 };
		poll(&pfd, 1, 200);
		ssize_t r = recv(c.fd, rcvd + got_bytes, sizeof(rcvd) - got_bytes, MSG_DONTWAIT);
		got_bytes += r > 0 ? (uint32_t)r : 0;
	}
	assert_int_equal(got_bytes, 40 * 1460);
	assert_memory_equal(rcvd, stream + 1000, 40 * 1460);
	assert_int_equal(st->tx_errors + st->rx_errors, 0);
	tun_down(t);
}

static void test_tcp4(void **state)
{
	(void)state;
	NETNS_REQUIRE();
	tcp_case(4);
}

static void test_tcp6(void **state)
{
	(void)state;
	NETNS_REQUIRE();
	tcp_case(6);
}

/* ---- open ------------------------------------------------------------------ */

static void test_multiqueue(void **state)
{
	struct tun *t = &T;

	(void)state;
	NETNS_REQUIRE();
	tun_up(t, true, 2);
	assert_non_null(t->q[1]);
	assert_int_not_equal(fp_port_fd(t->q[0]), fp_port_fd(t->q[1]));
	assert_int_equal(fp_port_kind(t->q[1]), FP_PORT_TUN);
	ping(t, t->q[1], 4, 0x7777);
	tun_down(t);
}

static void test_open_errors(void **state)
{
	struct fp_tun_opts o = { .name = "fptun-name-too-long", .queues = 1 };
	struct fp_port **q = T.q, *q2[2] = { NULL, NULL };
	char err[160];

	(void)state;
	NETNS_REQUIRE();
	assert_int_equal(fp_port_tun_open(&o, q, err, sizeof(err)), -1);
	o.name = DEV;
	o.queues = 0;
	assert_int_equal(fp_port_tun_open(&o, q, err, sizeof(err)), -1);
	o.queues = 1;
	o.mtu = 65000;                           /* larger than a packet buffer */
	assert_int_equal(fp_port_tun_open(&o, q, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "MTU"));
	o.mtu = 1400;
	assert_int_equal(fp_port_tun_open(&o, q, err, sizeof(err)), 0);
	struct ifreq ifr = {0};
	int s = sock_keep(&T, socket(AF_INET, SOCK_DGRAM, 0));
	snprintf(ifr.ifr_name, IFNAMSIZ, DEV);
	assert_int_equal(ioctl(s, SIOCGIFMTU, &ifr), 0);
	assert_int_equal(ifr.ifr_mtu, 1400);
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	assert_true(ifr.ifr_flags & IFF_UP);
	o.queues = 2;                            /* single-queue device: no more queues */
	assert_int_equal(fp_port_tun_open(&o, q2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "TUNSETIFF"));
	fp_port_close(q[0]);
	q[0] = NULL;
	assert_int_equal(fp_netlink_ifindex(DEV), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_echo, test_teardown),
		cmocka_unit_test_teardown(test_echo_offload, test_teardown),
		cmocka_unit_test_teardown(test_udp_csum_offload, test_teardown),
		cmocka_unit_test_teardown(test_uso4, test_teardown),
		cmocka_unit_test_teardown(test_uso6, test_teardown),
		cmocka_unit_test_teardown(test_uso_nobuf, test_teardown),
		cmocka_unit_test_teardown(test_tcp4, test_teardown),
		cmocka_unit_test_teardown(test_tcp6, test_teardown),
		cmocka_unit_test_teardown(test_multiqueue, test_teardown),
		cmocka_unit_test_teardown(test_open_errors, test_teardown),
	};
	netns_prog = "test_port_tun";
	return cmocka_run_group_tests(tests, setup, teardown);
}
