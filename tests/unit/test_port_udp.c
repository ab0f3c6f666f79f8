/* UDP ports (io/udp.c) against plain sockets, over loopback in a private
 * network namespace (root):
 *
 *     plain socket 127.0.0.1:P / ::1:P  <--lo-->  port 127.0.0.1:L / ::1:L
 *
 * rx: datagrams from the plain socket come out of the port as full IP +
 * UDP packets with the synthetic header; with GRO, a UDP_SEGMENT send
 * arrives as one message and is split. tx: full packets given to the port
 * reach the plain socket from port L, as one UDP_SEGMENT send with GRO. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>

#include "common/pktpool.h"
#include "io/outer.h"
#include "io/port.h"
#include "test_port_netns.h"

#define NPKT 40
#define POOL 512

static struct fp_pktpool pool;
static struct fp_pktcache cache;
static struct fp_pkt *got[FP_VEC_MAX * 2];
static uint8_t payload[65536];
static struct fp_pkt *hold[POOL];

static const uint8_t lo4[4] = { 127, 0, 0, 1 };
static const uint8_t lo6[16] = { [15] = 1 };

/* ---- helpers ------------------------------------------------------------- */

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

static struct fp_port *port_open(int af, bool gro, bool wildcard)
{
	struct fp_udp_opts o = { .gro = gro };
	struct fp_port *p = NULL;
	char err[128];

	o.local.af = (uint8_t)af;
	if (!wildcard)
		memcpy(o.local.a, af == 4 ? lo4 : lo6, af == 4 ? 4 : 16);
	if (fp_port_udp_open(&o, &p, err, sizeof(err)) < 0)
		fail_msg("fp_port_udp_open: %s", err);
	assert_int_equal(fp_port_kind(p), FP_PORT_UDP);
	return p;
}

static uint16_t sock_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port); /* same place in _in6 */
}

static socklen_t sa_make(struct sockaddr_storage *ss, int af, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (af == 4) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, lo4, 4);
		return sizeof(*s);
	}
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
	s->sin6_family = AF_INET6;
	s->sin6_port = htons(port);
	memcpy(&s->sin6_addr, lo6, 16);
	return sizeof(*s);
}

static int plain_open(int af)
{
	struct sockaddr_storage ss;
	struct timeval tv = { 1, 0 };
	int fd = socket(af == 4 ? AF_INET : AF_INET6, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&ss, sa_make(&ss, af, 0)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Read from the port into got[at..] until want packets came (or a second
 * passed), at most max a call. */
static unsigned rx_all(struct fp_port *p, unsigned at, unsigned want, unsigned max)
{
	unsigned n = 0;
	struct pollfd pfd = { fp_port_fd(p), POLLIN, 0 };

	while (n < want) {
		unsigned r = fp_port_rx(p, &cache, got + at + n, max, 42);

		n += r;
		if (!r && poll(&pfd, 1, 1000) <= 0)
			break;
	}
	return n;
}

static void rx_free(unsigned n)
{
	fp_pkt_free(&cache, got, n);
}

/* Packet i as the port must show it: synthetic header and payload. */
static void check_rx(const struct fp_pkt *p, int af, uint16_t sport, uint16_t dport,
		     uint32_t plen, uint32_t poff)
{
	struct fp_outer o;
	unsigned alen = af == 4 ? 4 : 16;

	assert_true(fp_outer_parse(p->data, p->len, FP_IPPROTO_UDP, &o));
	assert_int_equal(o.ou_af, af);
	assert_int_equal(o.ou_plen, plen);
	assert_int_equal(p->len, fp_outer_hlen((uint8_t)af, FP_IPPROTO_UDP) + plen);
	assert_int_equal(o.ou_sport, sport);
	assert_int_equal(o.ou_dport, dport);
	assert_memory_equal(o.ou_src, af == 4 ? lo4 : lo6, alen);
	assert_memory_equal(o.ou_dst, af == 4 ? lo4 : lo6, alen);
	assert_memory_equal(p->data + o.ou_hlen, payload + poff, plen);
	assert_int_equal(p->ts_ns, 42);
	assert_ptr_equal(p->data, p->buf + FP_PKT_HEADROOM);
	if (af == 4) {
		uint32_t s = 0;
		for (unsigned i = 0; i < 20; i += 2)
			s += (uint32_t)p->data[i] << 8 | p->data[i + 1];
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		assert_int_equal(s, 0xffff);
	}
}

/* A full IP + UDP packet for the port to send. */
static struct fp_pkt *tx_pkt(int af, uint16_t sport, uint16_t dport, uint32_t plen,
			     uint32_t poff)
{
	struct fp_pkt *p = NULL;
	struct fp_outer o = {
		.ou_af = (uint8_t)af, .ou_proto = FP_IPPROTO_UDP, .ou_sport = sport,
		.ou_dport = dport, .ou_plen = plen,
		.ou_src = af == 4 ? lo4 : lo6, .ou_dst = af == 4 ? lo4 : lo6,
	};
	uint16_t h = fp_outer_hlen((uint8_t)af, FP_IPPROTO_UDP);

	assert_int_equal(fp_pkt_alloc(&cache, &p, 1), 1);
	fp_outer_write(p->data, &o);
	memcpy(p->data + h, payload + poff, plen);
	p->len = h + plen;
	return p;
}

static int setup(void **state)
{
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 31 + (i >> 8));
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

/* ---- rx ------------------------------------------------------------------ */

/* 40 datagrams of 1..391 bytes in one sendmmsg, one recvmmsg. */
static void rx_plain(int af, bool gro)
{
	struct fp_port *p = port_open(af, gro, false);
	int fd = plain_open(af);
	uint16_t lport = sock_port(fp_port_fd(p)), pport = sock_port(fd);
	struct sockaddr_storage to;
	socklen_t tl = sa_make(&to, af, lport);
	struct mmsghdr mh[NPKT];
	struct iovec iov[NPKT];

	memset(mh, 0, sizeof(mh));
	for (unsigned i = 0; i < NPKT; i++) {
		iov[i] = (struct iovec){ payload + i, i * 10 + 1 };
		mh[i].msg_hdr = (struct msghdr){ .msg_name = &to, .msg_namelen = tl,
						 .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	assert_int_equal(sendmmsg(fd, mh, NPKT, 0), NPKT);
	assert_int_equal(rx_all(p, 0, NPKT, FP_VEC_MAX), NPKT);
	for (unsigned i = 0; i < NPKT; i++)
		check_rx(got[i], af, pport, lport, i * 10 + 1, i);
	const struct fp_port_stats *st = fp_port_stats(p);
	assert_int_equal(st->rx_pkts, NPKT);
	/* loopback delivered all before the read: one recvmmsg, or two of
	 * the 32 messages GRO receives at most (into 64 KB slots) */
	assert_int_equal(st->rx_batches, gro ? 2 : 1);
	assert_int_equal(st->rx_errors + st->rx_nobuf, 0);
	rx_free(NPKT);
	close(fd);
	fp_port_close(p);
}

static void test_rx4(void **state)
{
	(void)state;
	NETNS_REQUIRE();
	rx_plain(4, false);
	rx_plain(4, true);   /* different sizes: GRO leaves them apart */
}

static void test_rx6(void **state)
{
	(void)state;
	NETNS_REQUIRE();
	rx_plain(6, false);
	rx_plain(6, true);
}

/* One UDP_SEGMENT send of 40 x 1000 bytes + 1 x 300: with UDP_GRO the
 * port gets it as one message and splits it; max 16 a call leaves the
 * rest for the next calls. */
static void rx_gro(int af)
{
	struct fp_port *p = port_open(af, true, false);
	int fd = plain_open(af);
	uint16_t lport = sock_port(fp_port_fd(p)), pport = sock_port(fd);
	int gso = 1000;
	struct sockaddr_storage to;
	socklen_t tl = sa_make(&to, af, lport);

	assert_int_equal(setsockopt(fd, SOL_UDP, UDP_SEGMENT, &gso, sizeof(gso)), 0);
	assert_int_equal(sendto(fd, payload, NPKT * 1000 + 300, 0, (struct sockaddr *)&to, tl),
			 NPKT * 1000 + 300);
	assert_int_equal(rx_all(p, 0, 16, 16), 16);
	assert_int_equal(rx_all(p, 16, 16, 16), 16);
	unsigned n = 32 + rx_all(p, 32, NPKT + 1 - 32, 64);
	assert_int_equal(n, NPKT + 1);
	for (unsigned i = 0; i < NPKT + 1; i++)
		check_rx(got[i], af, pport, lport, i < NPKT ? 1000 : 300, i * 1000);
	const struct fp_port_stats *st = fp_port_stats(p);
	assert_int_equal(st->rx_pkts, NPKT + 1);
	assert_int_equal(st->rx_gso_segs, NPKT + 1);
	assert_int_equal(st->rx_batches, 1);
	assert_int_equal(st->rx_bytes, NPKT * 1000 + 300 + (NPKT + 1) *
			 fp_outer_hlen((uint8_t)af, FP_IPPROTO_UDP));
	rx_free(n);
	close(fd);
	fp_port_close(p);
}

static void test_rx_gro4(void **state)
{
	(void)state;
	NETNS_REQUIRE();
	rx_gro(4);
}

static void test_rx_gro6(void **state)
{
	(void)state;
	NETNS_REQUIRE();
	rx_gro(6);
}

static void test_rx_nobuf(void **state)
{
	struct fp_port *p;
	int fd;

	(void)state;
	NETNS_REQUIRE();
	p = port_open(4, false, false);
	fd = plain_open(4);
	struct sockaddr_storage to;
	socklen_t tl = sa_make(&to, 4, sock_port(fp_port_fd(p)));
	assert_int_equal(sendto(fd, payload, 10, 0, (struct sockaddr *)&to, tl), 10);
	unsigned held = hold_all_but(hold, 0);   /* every buffer out */
	assert_int_equal(fp_port_rx(p, &cache, got, 8, 0), 0);
	fp_pkt_free(&cache, hold, held);
	assert_int_equal(fp_port_stats(p)->rx_nobuf, 1);
	assert_int_equal(rx_all(p, 0, 1, 8), 1);  /* it waited in the kernel */
	fp_port_stats_clear(p);
	assert_int_equal(fp_port_stats(p)->rx_nobuf, 0);
	rx_free(1);
	close(fd);
	fp_port_close(p);
}

/* ---- tx ------------------------------------------------------------------ */

/* 40 packets of 1000 bytes and one of 300 to the plain socket. */
static void tx_to_plain(int af, bool gro, bool wildcard)
{
	struct fp_port *p = port_open(af, gro, wildcard);
	int fd = plain_open(af);
	uint16_t lport = sock_port(fp_port_fd(p)), pport = sock_port(fd);
	struct fp_pkt *v[NPKT + 1];
	uint8_t buf[2000];

	for (unsigned i = 0; i <= NPKT; i++)
		v[i] = tx_pkt(af, lport, pport, i < NPKT ? 1000 : 300, i * 1000);
	uint32_t free_before = cache.pc_n;
	assert_int_equal(fp_port_tx(p, &cache, v, NPKT + 1), NPKT + 1);
	assert_int_equal(cache.pc_n, free_before + NPKT + 1);   /* all given back */
	for (unsigned i = 0; i <= NPKT; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		assert_int_equal(r, i < NPKT ? 1000 : 300);
		assert_memory_equal(buf, payload + i * 1000, (size_t)r);
		assert_int_equal(ntohs(((struct sockaddr_in *)&from)->sin_port), lport);
	}
	const struct fp_port_stats *st = fp_port_stats(p);
	assert_int_equal(st->tx_pkts, NPKT + 1);
	assert_int_equal(st->tx_batches, 1);
	assert_int_equal(st->tx_gso_segs, gro ? NPKT + 1 : 0);
	assert_int_equal(st->tx_errors + st->tx_drop_unsendable, 0);
	close(fd);
	fp_port_close(p);
}

static void test_tx4(void **state)
{
	(void)state;
	NETNS_REQUIRE();
	tx_to_plain(4, false, false);
	tx_to_plain(4, true, false);
	tx_to_plain(4, true, true);   /* wildcard bind: source from IP_PKTINFO */
}

static void test_tx6(void **state)
{
	(void)state;
	NETNS_REQUIRE();
	tx_to_plain(6, false, false);
	tx_to_plain(6, true, false);
	tx_to_plain(6, true, true);
}

/* Only packets this socket can send go: the rest are counted, and a bad
 * one in the middle splits a UDP_SEGMENT run but loses nothing else. */
static void test_tx_unsendable(void **state)
{
	struct fp_port *p;
	struct fp_pkt *v[8];
	int fd;

	(void)state;
	NETNS_REQUIRE();
	p = port_open(4, true, false);
	fd = plain_open(4);
	uint16_t lport = sock_port(fp_port_fd(p)), pport = sock_port(fd);
	v[0] = tx_pkt(4, lport, pport, 100, 0);
	v[1] = tx_pkt(4, lport + 1, pport, 100, 0);  /* another source port */
	v[2] = tx_pkt(4, lport, pport, 100, 0);
	v[3] = tx_pkt(6, lport, pport, 100, 0);      /* IPv6 on an IPv4 socket */
	v[4] = tx_pkt(4, lport, pport, 100, 0);
	v[4]->data[9] = FP_IPPROTO_TCP;              /* not UDP */
	v[5] = tx_pkt(4, lport, pport, 100, 0);
	v[5]->data[15] = 2;                          /* from 127.0.0.2: not ours */
	v[6] = tx_pkt(4, lport, 0, 100, 0);          /* to port 0 */
	v[7] = tx_pkt(4, lport, pport, 100, 0);
	assert_int_equal(fp_port_tx(p, &cache, v, 8), 3);
	const struct fp_port_stats *st = fp_port_stats(p);
	assert_int_equal(st->tx_drop_unsendable, 5);
	assert_int_equal(st->tx_pkts, 3);
	assert_int_equal(st->tx_bytes, 3 * 128);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(recv(fd, payload + 60000, 2000, 0), 100);
	close(fd);
	fp_port_close(p);
}

/* ---- rx and tx interleaved on one port ----------------------------------- */

/* What the gateway does to its ESP-in-UDP socket under load: GRO messages
 * are split over several fp_port_rx calls (a small max, a buffer shortage
 * in the middle of a message) and, between those calls, the same port
 * sends mixed-size bursts (UDP_SEGMENT runs and single datagrams) with
 * fp_port_tx. The datagrams still to be split must come out unchanged, cut
 * at their own boundaries: the sends must not disturb what rx keeps of the
 * received messages (a regression: the lengths, UDP_GRO sizes and
 * addresses of the pending messages were those of the last sendmmsg, so
 * datagrams came out cut at the wrong place, ICV failures in the engine). */
#define IL_MAX 200

struct il_dgram {
	uint32_t len, poff;
};

/* One UDP_SEGMENT send of segs datagrams of gso bytes, the last one last
 * bytes (0: all full), from payload + poff; appends them to want[]. */
static unsigned il_send(int fd, int af, uint16_t lport, int gso, unsigned segs, uint32_t last,
			uint32_t poff, struct il_dgram *want, unsigned nw)
{
	struct sockaddr_storage to;
	socklen_t tl = sa_make(&to, af, lport);
	size_t total = (size_t)gso * segs + last;

	assert_int_equal(setsockopt(fd, SOL_UDP, UDP_SEGMENT, &gso, sizeof(gso)), 0);
	assert_int_equal(sendto(fd, payload + poff, total, 0, (struct sockaddr *)&to, tl),
			 (ssize_t)total);
	for (unsigned i = 0; i < segs; i++)
		want[nw++] = (struct il_dgram){ (uint32_t)gso, poff + i * (uint32_t)gso };
	if (last)
		want[nw++] = (struct il_dgram){ last, poff + segs * (uint32_t)gso };
	return nw;
}

/* A mixed burst from the port to the plain socket: a UDP_SEGMENT run of 3 x
 * 400 + 150, one of 1 byte, 2 x 999; checks what the plain socket gets. */
static void il_tx(struct fp_port *p, int af, int fd, uint16_t lport, uint16_t pport,
		  unsigned round)
{
	static const uint32_t len[] = { 400, 400, 400, 150, 1, 999, 999 };
	enum { N = sizeof(len) / sizeof(len[0]) };
	struct fp_pkt *v[N];
	uint8_t buf[2000];

	for (unsigned i = 0; i < N; i++)
		v[i] = tx_pkt(af, lport, pport, len[i], 50000 + round * 7 + i);
	assert_int_equal(fp_port_tx(p, &cache, v, N), N);
	for (unsigned i = 0; i < N; i++) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		assert_int_equal(r, len[i]);
		assert_memory_equal(buf, payload + 50000 + round * 7 + i, len[i]);
	}
}

static void rx_gro_tx_interleaved(int af)
{
	struct fp_port *p = port_open(af, true, false);
	int fd = plain_open(af);
	uint16_t lport = sock_port(fp_port_fd(p)), pport = sock_port(fd);
	struct il_dgram want[IL_MAX];
	unsigned nw = 0, seen = 0, round = 0;

	/* three GRO messages of different sizes, then a lone datagram */
	nw = il_send(fd, af, lport, 1000, 24, 300, 0, want, nw);
	nw = il_send(fd, af, lport, 700, 30, 0, 25000, want, nw);
	nw = il_send(fd, af, lport, 1400, 10, 1399, 2000, want, nw);
	nw = il_send(fd, af, lport, 77, 0, 77, 123, want, nw);   /* no GSO: one datagram */
	while (seen < nw) {
		/* 1, 2, 3, 5, 7 packets a call; every fourth call short of buffers */
		static const unsigned maxes[] = { 1, 7, 2, 5, 3 };
		unsigned max = maxes[round % 5], held = 0;
		if (round % 4 == 3)
			held = hold_all_but(hold, 2);
		unsigned r = rx_all(p, 0, 1, max);
		fp_pkt_free(&cache, hold, held);
		assert_true(r >= 1 && r <= (held ? 2u : max));
		assert_true(seen + r <= nw);
		for (unsigned i = 0; i < r; i++)
			check_rx(got[i], af, pport, lport, want[seen + i].len, want[seen + i].poff);
		rx_free(r);
		seen += r;
		il_tx(p, af, fd, lport, pport, round++); /* same port, between rx calls */
	}
	assert_int_equal(fp_port_rx(p, &cache, got, 8, 42), 0);
	const struct fp_port_stats *st = fp_port_stats(p);
	assert_int_equal(st->rx_pkts, nw);
	assert_int_equal(st->rx_gso_segs, nw - 1);   /* all but the lone datagram */
	assert_int_equal(st->rx_errors, 0);
	assert_true(st->rx_nobuf > 0);
	assert_int_equal(st->tx_pkts, round * 7);
	assert_int_equal(st->tx_gso_segs, round * 6);
	assert_int_equal(st->tx_errors + st->tx_drop_unsendable, 0);
	close(fd);
	fp_port_close(p);
}

static void test_rx_gro_tx_interleaved4(void **state)
{
	(void)state;
	NETNS_REQUIRE();
	rx_gro_tx_interleaved(4);
}

static void test_rx_gro_tx_interleaved6(void **state)
{
	(void)state;
	NETNS_REQUIRE();
	rx_gro_tx_interleaved(6);
}

/* A receive buffer that overflows: what the kernel dropped is what the
 * port says it dropped, and the datagrams it kept still come out. */
static void test_rx_overflow(void **state)
{
	struct fp_udp_opts o = { .rcvbuf = 4096 };
	struct fp_port *p = NULL;
	struct sockaddr_storage ss;
	char err[128];

	(void)state;
	NETNS_REQUIRE();
	o.local.af = FP_AF_INET;
	memcpy(o.local.a, lo4, 4);
	assert_int_equal(fp_port_udp_open(&o, &p, err, sizeof(err)), 0);
	assert_int_equal(fp_port_rx_overflows(p), 0);
	int fd = plain_open(4);
	socklen_t sl = sa_make(&ss, 4, sock_port(fp_port_fd(p)));
	for (unsigned i = 0; i < 200; i++)
		assert_int_equal(sendto(fd, payload, 200, 0, (struct sockaddr *)&ss, sl), 200);
	uint64_t lost = fp_port_rx_overflows(p);
	unsigned kept = rx_all(p, 0, 200, FP_VEC_MAX);
	assert_true(lost > 0);
	assert_int_equal(kept + lost, 200);
	rx_free(kept);
	close(fd);
	fp_port_close(p);
}

static void test_open_errors(void **state)
{
	struct fp_udp_opts o = {0};
	struct fp_port *p = NULL, *q = NULL;
	char err[128];

	(void)state;
	NETNS_REQUIRE();
	assert_int_equal(fp_port_udp_open(&o, &p, err, sizeof(err)), -1);   /* no family */
	o.local.af = FP_AF_INET;
	memcpy(o.local.a, lo4, 4);
	assert_int_equal(fp_port_udp_open(&o, &p, err, sizeof(err)), 0);
	o.port = sock_port(fp_port_fd(p));
	assert_int_equal(fp_port_udp_open(&o, &q, err, sizeof(err)), -1);   /* port taken */
	assert_non_null(strstr(err, "bind"));
	fp_port_close(p);
	o.reuseport = true;                                                  /* one per worker */
	assert_int_equal(fp_port_udp_open(&o, &p, err, sizeof(err)), 0);
	assert_int_equal(fp_port_udp_open(&o, &q, err, sizeof(err)), 0);
	fp_port_close(p);
	fp_port_close(q);
	o.device = "nosuchdev0";
	assert_int_equal(fp_port_udp_open(&o, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "SO_BINDTODEVICE"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx4),
		cmocka_unit_test(test_rx6),
		cmocka_unit_test(test_rx_gro4),
		cmocka_unit_test(test_rx_gro6),
		cmocka_unit_test(test_rx_nobuf),
		cmocka_unit_test(test_tx4),
		cmocka_unit_test(test_tx6),
		cmocka_unit_test(test_tx_unsendable),
		cmocka_unit_test(test_rx_gro_tx_interleaved4),
		cmocka_unit_test(test_rx_gro_tx_interleaved6),
		cmocka_unit_test(test_rx_overflow),
		cmocka_unit_test(test_open_errors),
	};
	netns_prog = "test_port_udp";
	return cmocka_run_group_tests(tests, setup, teardown);
}
