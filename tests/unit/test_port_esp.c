/* Raw ESP ports (io/rawesp.c) over loopback in a private network
 * namespace (root). A port's own packets to its address come back to it
 * (raw sockets see every packet of their protocol delivered locally), so
 * one port sends and receives:
 *
 *     port 127.0.0.1 / ::1  --ESP-->  lo  --ESP-->  port 127.0.0.1 / ::1
 *                                        \-------->  port 127.0.0.2 (only its own)
 *
 * IPv4 comes back as the kernel saw it; IPv6 with the header rebuilt from
 * the sender's address and IPV6_PKTINFO. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <poll.h>

#include "common/pktpool.h"
#include "io/outer.h"
#include "io/port.h"
#include "test_port_netns.h"

#define NPKT 40
#define POOL 256

static struct fp_pktpool pool;
static struct fp_pktcache cache;
static struct fp_pkt *got[FP_VEC_MAX];
static struct fp_port *P[2];   /* closed by test_teardown, pass or fail */

static const uint8_t lo4[4] = { 127, 0, 0, 1 }, lo4b[4] = { 127, 0, 0, 2 };
static const uint8_t lo6[16] = { [15] = 1 };

static struct fp_port *esp_open(int slot, int af, const uint8_t *a, const char *dev)
{
	struct fp_addr local = { .af = (uint8_t)af };
	char err[128];

	memcpy(local.a, a, af == 4 ? 4 : 16);
	if (fp_port_esp_open(&local, dev, &P[slot], err, sizeof(err)) < 0)
		fail_msg("fp_port_esp_open: %s", err);
	assert_int_equal(fp_port_kind(P[slot]), FP_PORT_ESP);
	return P[slot];
}

/* ESP from src to dst: SPI 0x1000 + i, sequence number i, plen bytes. */
static struct fp_pkt *esp_pkt(int af, const uint8_t *src, const uint8_t *dst, uint32_t i,
			      uint32_t plen)
{
	struct fp_pkt *p = NULL;
	struct fp_outer o = { .ou_af = (uint8_t)af, .ou_proto = FP_IPPROTO_ESP,
			      .ou_plen = 8 + plen, .ou_src = src, .ou_dst = dst };
	uint16_t h = fp_outer_hlen((uint8_t)af, FP_IPPROTO_ESP);

	assert_int_equal(fp_pkt_alloc(&cache, &p, 1), 1);
	fp_outer_write(p->data, &o);
	fp_put32(p->data + h, 0x1000 + i);
	fp_put32(p->data + h + 4, i);
	for (uint32_t k = 0; k < plen; k++)
		p->data[h + 8 + k] = (uint8_t)(i + k);
	p->len = h + 8 + plen;
	return p;
}

static unsigned rx_wait(struct fp_port *p, unsigned want)
{
	struct pollfd pfd = { fp_port_fd(p), POLLIN, 0 };
	unsigned n = 0;

	while (n < want) {
		unsigned r = fp_port_rx(p, &cache, got + n, FP_VEC_MAX - n, 9);
		n += r;
		if (!r && poll(&pfd, 1, 500) <= 0)
			break;
	}
	return n;
}

static void check_esp(const struct fp_pkt *p, int af, const uint8_t *src, const uint8_t *dst,
		      uint32_t i, uint32_t plen)
{
	struct fp_outer o;
	unsigned alen = af == 4 ? 4 : 16;

	assert_true(fp_outer_parse(p->data, p->len, FP_IPPROTO_ESP, &o));
	assert_int_equal(o.ou_af, af);
	assert_int_equal(o.ou_plen, 8 + plen);
	assert_memory_equal(o.ou_src, src, alen);
	assert_memory_equal(o.ou_dst, dst, alen);
	assert_int_equal(fp_get32(p->data + o.ou_hlen), 0x1000 + i);
	assert_int_equal(fp_get32(p->data + o.ou_hlen + 4), i);
	for (uint32_t k = 0; k < plen; k++)
		assert_int_equal(p->data[o.ou_hlen + 8 + k], (uint8_t)(i + k));
	assert_int_equal(p->ts_ns, 9);
	if (af == 4) {  /* the kernel's header: checksum valid */
		uint32_t s = 0;
		for (unsigned k = 0; k < 20; k += 2)
			s += (uint32_t)p->data[k] << 8 | p->data[k + 1];
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		assert_int_equal(s, 0xffff);
	}
}

static int setup(void **state)
{
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

static int test_teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		fp_port_close(P[i]);
		P[i] = NULL;
	}
	return 0;
}

/* 40 packets of 0..390 bytes: one sendmmsg out, one recvmmsg in. */
static void round_trip(int af, const uint8_t *a)
{
	struct fp_port *p = esp_open(0, af, a, NULL);
	struct fp_pkt *v[NPKT];
	uint64_t bytes = 0;

	for (uint32_t i = 0; i < NPKT; i++) {
		v[i] = esp_pkt(af, a, a, i, i * 10);
		bytes += v[i]->len;
	}
	uint32_t free_before = cache.pc_n;
	assert_int_equal(fp_port_tx(p, &cache, v, NPKT), NPKT);
	assert_int_equal(cache.pc_n, free_before + NPKT);
	assert_int_equal(rx_wait(p, NPKT), NPKT);
	for (uint32_t i = 0; i < NPKT; i++)
		check_esp(got[i], af, a, a, i, i * 10);
	const struct fp_port_stats *st = fp_port_stats(p);
	assert_int_equal(st->tx_pkts, NPKT);
	assert_int_equal(st->tx_bytes, bytes);
	assert_int_equal(st->tx_batches, 1);
	assert_int_equal(st->rx_pkts, NPKT);
	assert_int_equal(st->rx_bytes, bytes);
	assert_int_equal(st->rx_batches, 1);
	assert_int_equal(st->rx_errors + st->tx_errors + st->tx_drop_unsendable, 0);
	fp_pkt_free(&cache, got, NPKT);
}

static void test_round_trip4(void **state)
{
	(void)state;
	NETNS_REQUIRE();
	round_trip(4, lo4);
}

static void test_round_trip6(void **state)
{
	(void)state;
	NETNS_REQUIRE();
	round_trip(6, lo6);
}

/* A port bound to 127.0.0.1 sees nothing for 127.0.0.2; that one's port does. */
static void test_bound_address(void **state)
{
	struct fp_port *a, *b;
	struct fp_pkt *p;

	(void)state;
	NETNS_REQUIRE();
	a = esp_open(0, 4, lo4, "lo");
	b = esp_open(1, 4, lo4b, NULL);
	p = esp_pkt(4, lo4, lo4b, 7, 100);
	assert_int_equal(fp_port_tx(a, &cache, &p, 1), 1);
	assert_int_equal(rx_wait(b, 1), 1);
	check_esp(got[0], 4, lo4, lo4b, 7, 100);
	fp_pkt_free(&cache, got, 1);
	assert_int_equal(fp_port_rx(a, &cache, got, 8, 0), 0);
	assert_int_equal(fp_port_stats(a)->rx_pkts, 0);
}

static void test_unsendable(void **state)
{
	struct fp_port *p;
	struct fp_pkt *v[4];

	(void)state;
	NETNS_REQUIRE();
	p = esp_open(0, 4, lo4, NULL);
	v[0] = esp_pkt(4, lo4, lo4, 1, 10);
	v[1] = esp_pkt(6, lo6, lo6, 2, 10);   /* IPv6 on an IPv4 port */
	v[2] = esp_pkt(4, lo4b, lo4, 3, 10);  /* not from the bound address */
	v[3] = esp_pkt(4, lo4, lo4, 4, 10);
	v[3]->data[9] = FP_IPPROTO_UDP;       /* not ESP */
	assert_int_equal(fp_port_tx(p, &cache, v, 4), 1);
	assert_int_equal(fp_port_stats(p)->tx_drop_unsendable, 3);
	assert_int_equal(rx_wait(p, 1), 1);
	check_esp(got[0], 4, lo4, lo4, 1, 10);
	fp_pkt_free(&cache, got, 1);
}

static void test_open_errors(void **state)
{
	struct fp_addr none = {0};
	struct fp_port *p = NULL;
	char err[128];

	(void)state;
	NETNS_REQUIRE();
	assert_int_equal(fp_port_esp_open(&none, NULL, &p, err, sizeof(err)), -1);
	struct fp_addr a = { .af = FP_AF_INET };
	memcpy(a.a, lo4, 4);
	assert_int_equal(fp_port_esp_open(&a, "nosuchdev0", &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "SO_BINDTODEVICE"));
	a.a[0] = 192;                          /* 192.0.0.1: not an address here */
	assert_int_equal(fp_port_esp_open(&a, NULL, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bind"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_round_trip4, test_teardown),
		cmocka_unit_test_teardown(test_round_trip6, test_teardown),
		cmocka_unit_test_teardown(test_bound_address, test_teardown),
		cmocka_unit_test_teardown(test_unsendable, test_teardown),
		cmocka_unit_test_teardown(test_open_errors, test_teardown),
	};
	netns_prog = "test_port_esp";
	return cmocka_run_group_tests(tests, setup, teardown);
}
