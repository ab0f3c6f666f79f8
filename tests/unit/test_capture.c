/* Captures: matching at the three points, bounded and circular rings,
 * snapshots while four threads write and the main thread adds, clears and
 * removes captures, the capture commands and their output, copy /pcap read
 * back by our reader and by tshark.
 *
 *   10.1.0.0/24 -- [A] 198.51.100.1 ====ESP==== 198.51.100.2 [B] -- 10.2.0.0/24
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/inet.h"
#include "datapath/gateway.h"
#include "io/pcapfile.h"
#include "offload/capture.h"

#define K36 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
#define K36B "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3"
#define TS0 (1700000000ull * 1000000000ull + 123456789ull) /* 22:13:20.123456 UTC */

static const char site_a[] =
	"hostname site-a\n"
	"interface eth0\n nameif outside\n ip address 198.51.100.1 255.255.255.0\n!\n"
	"interface eth1\n nameif inside\n ip address 10.1.0.1 255.255.255.0\n!\n"
	"access-list VPN extended permit ip 10.1.0.0 255.255.255.0 10.2.0.0 255.255.255.0\n"
	"crypto ipsec ikev2 ipsec-proposal GCM\n protocol esp encryption aes-gcm-256\n"
	"crypto map CM 10 match address VPN\n"
	"crypto map CM 10 set peer 198.51.100.2\n"
	"crypto map CM 10 set ikev2 ipsec-proposal GCM\n"
	"crypto map CM 10 set session-key inbound esp 4097 cipher " K36 "\n"
	"crypto map CM 10 set session-key outbound esp 8193 cipher " K36B "\n"
	"crypto map CM interface outside\n";

/* ---- the gateway's capture set, as the tests see it ---------------- */

/* Until struct fp_gw carries its set, a table beside the gateways. Weak:
 * once the gateway defines fp_gw_capset (and creates gw->caps), that one
 * is used and the tests run against it unchanged. */
static struct {
	struct fp_gw *gw;
	struct fp_capset *cs;
} test_sets[4];

__attribute__((weak)) struct fp_capset **fp_gw_capset(struct fp_gw *gw)
{
	for (unsigned i = 0; i < 4; i++)
		if (test_sets[i].gw == gw || !test_sets[i].gw) {
			test_sets[i].gw = gw;
			return &test_sets[i].cs;
		}
	return NULL;
}

static struct fp_gw *gw_from(const char *text)
{
	char path[] = "/tmp/test_capture_XXXXXX", err[256] = "";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	struct fp_config *c = fp_config_new();
	int rc = fp_config_load(c, path, err, sizeof(err));
	unlink(path);
	if (rc == 0)
		rc = fp_config_validate(c, err, sizeof(err));
	assert_int_equal(rc, 0);
	struct fp_gw *gw = calloc(1, sizeof(*gw));
	assert_int_equal(fp_gw_init(gw, c, err, sizeof(err)), 0);
	struct fp_capset **pcs = fp_gw_capset(gw);
	assert_non_null(pcs);
	if (!*pcs)
		*pcs = fp_capset_new(gw->n_pipes + 1);
	assert_non_null(*pcs);
	return gw;
}

static void gw_free(struct fp_gw *gw)
{
	for (unsigned i = 0; i < 4; i++)
		if (test_sets[i].gw == gw) {
			fp_capset_free(test_sets[i].cs);
			test_sets[i].cs = NULL;
			test_sets[i].gw = NULL;
		}
	fp_gw_fini(gw);
	free(gw);
}

static struct fp_capset *gw_caps(struct fp_gw *gw)
{
	return *fp_gw_capset(gw);
}

static char *run(struct fp_gw *gw, const char *line, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	gw->now_ns = TS0;
	int r = fp_cli_exec(gw, line, out);
	fclose(out);
	if (rc)
		*rc = r;
	return buf;
}

/* A command that must succeed and print exactly want. */
static void run_ok(struct fp_gw *gw, const char *line, const char *want)
{
	int rc;
	char *out = run(gw, line, &rc);
	if (rc != 0 || (want && strcmp(out, want) != 0))
		fprintf(stderr, "'%s' (rc %d) printed:\n%s", line, rc, out);
	assert_int_equal(rc, 0);
	if (want)
		assert_string_equal(out, want);
	free(out);
}

static void run_err(struct fp_gw *gw, const char *line, const char *want)
{
	int rc;
	char *out = run(gw, line, &rc);
	if (rc != -1 || strcmp(out, want) != 0)
		fprintf(stderr, "'%s' (rc %d) printed:\n%s", line, rc, out);
	assert_int_equal(rc, -1);
	assert_string_equal(out, want);
	free(out);
}

/* ---- packets -------------------------------------------------------- */

static struct fp_pkt *pkt_alloc(void)
{
	struct fp_pkt *p = aligned_alloc(64, sizeof(*p));
	fp_pkt_reset(p);
	return p;
}

static void addr4(uint8_t *to, const char *s)
{
	struct fp_addr a;
	assert_int_equal(fp_addr_parse(&a, s), 0);
	memcpy(to, a.a, 4);
}

/* IPv4 proto from src to dst with payload bytes of value fill. */
static struct fp_pkt *ip4(uint8_t proto, const char *src, const char *dst, uint32_t payload,
			  uint8_t fill)
{
	struct fp_pkt *p = pkt_alloc();
	uint8_t *h = fp_pkt_put(p, FP_IPV4_HLEN + payload);
	memset(h + FP_IPV4_HLEN, fill, payload);
	memset(h, 0, FP_IPV4_HLEN);
	h[0] = 0x45, h[8] = 64, h[9] = proto;
	fp_put16(h + 2, (uint16_t)p->len);
	addr4(h + 12, src);
	addr4(h + 16, dst);
	fp_ipv4_csum_set(h);
	return p;
}

static struct fp_pkt *esp4(const char *src, const char *dst, uint32_t spi)
{
	struct fp_pkt *p = ip4(FP_IPPROTO_ESP, src, dst, 64, 0xab);
	fp_put32(p->data + FP_IPV4_HLEN, spi);
	fp_put32(p->data + FP_IPV4_HLEN + 4, 1);
	return p;
}

/* ESP in UDP 4500 (spi 0: the non-ESP marker, an IKE message). */
static struct fp_pkt *esp_udp4(const char *src, const char *dst, uint32_t spi)
{
	struct fp_pkt *p = ip4(FP_IPPROTO_UDP, src, dst, 72, 0xcd);
	uint8_t *u = p->data + FP_IPV4_HLEN;
	fp_put16(u, 4500), fp_put16(u + 2, 4500), fp_put16(u + 4, 72), fp_put16(u + 6, 0);
	fp_put32(u + 8, spi);
	return p;
}

static struct fp_pkt *ip6(uint8_t proto, const char *src, const char *dst, uint32_t payload)
{
	struct fp_pkt *p = pkt_alloc();
	struct fp_addr a;
	uint8_t *h = fp_pkt_put(p, FP_IPV6_HLEN + payload);
	memset(h, 0, p->len);
	h[0] = 0x60, h[6] = proto, h[7] = 64;
	fp_put16(h + 4, (uint16_t)payload);
	assert_int_equal(fp_addr_parse(&a, src), 0);
	memcpy(h + 8, a.a, 16);
	assert_int_equal(fp_addr_parse(&a, dst), 0);
	memcpy(h + 24, a.a, 16);
	return p;
}

static void pkts_free(struct fp_pkt **v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(v[i]);
}

static unsigned snap_count(struct fp_capset *cs, const char *name)
{
	struct fp_cap_snap s;
	int i = fp_capture_find(cs, name);
	assert_true(i >= 0);
	assert_int_equal(fp_capture_snapshot(cs, (unsigned)i, &s), 0);
	unsigned n = s.n;
	fp_cap_snap_free(&s);
	return n;
}

static void add(struct fp_capset *cs, const struct fp_cap_spec *s)
{
	char err[256] = "";
	int rc = fp_capture_add(cs, s, err, sizeof(err));
	if (rc)
		fprintf(stderr, "add %s: %s\n", s->name, err);
	assert_int_equal(rc, 0);
}

/* ---- matching ------------------------------------------------------- */

static void test_points_mask(void **state)
{
	(void)state;
	struct fp_capset *cs = fp_capset_new(2);
	struct fp_capset_hot *hot = (struct fp_capset_hot *)(void *)cs;
	struct fp_cap_spec s;
	assert_int_equal(atomic_load(&hot->points), 0);
	fp_cap_spec_init(&s, "A", FP_CAP_OFFLOAD);
	s.all_ifaces = true;
	add(cs, &s);
	assert_int_equal(atomic_load(&hot->points), 1u << FP_CAP_OFFLOAD);
	fp_cap_spec_init(&s, "B", FP_CAP_SWITCH);
	add(cs, &s);
	assert_int_equal(atomic_load(&hot->points), (1u << FP_CAP_OFFLOAD) | (1u << FP_CAP_SWITCH));
	assert_int_equal(fp_capture_remove(cs, "A"), 0);
	assert_int_equal(atomic_load(&hot->points), 1u << FP_CAP_SWITCH);
	assert_int_equal(fp_capture_remove(cs, "A"), -1);
	/* nothing at the datapath point: the hook records nothing anywhere */
	struct fp_pkt *p = ip4(FP_IPPROTO_UDP, "10.0.0.1", "10.0.0.2", 8, 0);
	fp_capture_point(cs, FP_CAP_DATAPATH, 0, 0, &p, 1, TS0);
	assert_int_equal(snap_count(cs, "B"), 0);
	/* an out-of-range thread id is ignored and counted */
	fp_capture_point(cs, FP_CAP_SWITCH, 2, 0, &p, 1, TS0);
	assert_int_equal(snap_count(cs, "B"), 0);
	assert_int_equal(fp_capset_bad_thread(cs), 1);
	free(p);
	assert_int_equal(fp_capset_reclaim(cs), 0);
	fp_capset_free(cs);
}

/* switch interface 1 match ip A B: both directions, that interface only;
 * switch real-time: every packet of every interface, IP or not. */
static void test_match_switch(void **state)
{
	(void)state;
	struct fp_capset *cs = fp_capset_new(1);
	struct fp_cap_spec s;
	fp_cap_spec_init(&s, "SW", FP_CAP_SWITCH);
	s.ifc = 1;
	s.has_match = true;
	assert_int_equal(fp_prefix_parse(&s.match.a, "203.0.113.1/32"), 0);
	assert_int_equal(fp_prefix_parse(&s.match.b, "203.0.113.2/32"), 0);
	add(cs, &s);
	fp_cap_spec_init(&s, "RT", FP_CAP_SWITCH);
	s.all_ifaces = s.realtime = true;
	add(cs, &s);
	struct fp_pkt *v[4] = {
		esp4("203.0.113.1", "203.0.113.2", 0x1001),
		esp4("203.0.113.2", "203.0.113.1", 0x2001),
		esp4("203.0.113.1", "203.0.113.9", 0x1001),
		pkt_alloc(),
	};
	memset(fp_pkt_put(v[3], 3), 0x11, 3); /* not IP */
	fp_capture_point(cs, FP_CAP_SWITCH, 0, 1, v, 4, TS0);
	fp_capture_point(cs, FP_CAP_SWITCH, 0, 2, v, 1, TS0 + 1);
	fp_capture_point(cs, FP_CAP_OFFLOAD, 0, 1, v, 4, TS0 + 2);
	assert_int_equal(snap_count(cs, "SW"), 2);
	assert_int_equal(snap_count(cs, "RT"), 5);
	pkts_free(v, 4);
	fp_capset_free(cs);
}

/* ipsec-offload match spi S A B: ESP and ESP-in-UDP with that SPI between
 * A and B either way; another SPI, the non-ESP marker, other points: no. */
static void test_match_offload(void **state)
{
	(void)state;
	struct fp_capset *cs = fp_capset_new(1);
	struct fp_cap_spec s;
	fp_cap_spec_init(&s, "TAC", FP_CAP_OFFLOAD);
	s.all_ifaces = s.has_match = true;
	s.match.by_spi = true;
	s.match.spi = 0x7abcdef9;
	assert_int_equal(fp_prefix_parse(&s.match.a, "203.0.113.1/32"), 0);
	assert_int_equal(fp_prefix_parse(&s.match.b, "203.0.113.2/32"), 0);
	add(cs, &s);
	struct fp_pkt *v[6] = {
		esp4("203.0.113.2", "203.0.113.1", 0x7abcdef9),     /* yes */
		esp4("203.0.113.1", "203.0.113.2", 0x7abcdef9),     /* yes, other way */
		esp4("203.0.113.1", "203.0.113.2", 0x7abcdef8),     /* other SPI */
		esp_udp4("203.0.113.2", "203.0.113.1", 0x7abcdef9), /* yes, NAT-T */
		esp_udp4("203.0.113.2", "203.0.113.1", 0),          /* IKE on 4500 */
		esp4("203.0.113.3", "203.0.113.1", 0x7abcdef9),     /* other peer */
	};
	fp_capture_point(cs, FP_CAP_OFFLOAD, 0, FP_CAP_IFC_PKT, v, 6, TS0);
	fp_capture_point(cs, FP_CAP_DATAPATH, 0, 0, v, 6, TS0);
	fp_capture_point(cs, FP_CAP_SWITCH, 0, 0, v, 6, TS0);
	assert_int_equal(snap_count(cs, "TAC"), 3);
	pkts_free(v, 6);
	fp_capset_free(cs);
}

/* interface IF match PROTO A B with networks, IPv6, and per-packet ifc. */
static void test_match_datapath(void **state)
{
	(void)state;
	struct fp_capset *cs = fp_capset_new(1);
	struct fp_cap_spec s;
	fp_cap_spec_init(&s, "TCP", FP_CAP_DATAPATH);
	s.ifc = 3;
	s.has_match = true;
	s.match.proto = FP_IPPROTO_TCP;
	assert_int_equal(fp_prefix_parse(&s.match.a, "10.1.0.0/24"), 0);
	add(cs, &s); /* b: any */
	fp_cap_spec_init(&s, "V6", FP_CAP_DATAPATH);
	s.ifc = 3;
	s.has_match = true;
	assert_int_equal(fp_prefix_parse(&s.match.b, "2001:db8:2::/64"), 0);
	add(cs, &s);
	struct fp_pkt *v[5] = {
		ip4(FP_IPPROTO_TCP, "10.2.0.9", "10.1.0.5", 20, 0),  /* TCP yes (reversed) */
		ip4(FP_IPPROTO_UDP, "10.1.0.5", "10.2.0.9", 20, 0),  /* not TCP */
		ip4(FP_IPPROTO_TCP, "10.3.0.5", "10.2.0.9", 20, 0),  /* not from 10.1/24 */
		ip6(FP_IPPROTO_UDP, "2001:db8:1::5", "2001:db8:2::9", 8), /* V6 yes */
		ip4(FP_IPPROTO_TCP, "10.1.0.7", "10.2.0.9", 20, 0),  /* TCP, but ifc 4 */
	};
	for (unsigned i = 0; i < 5; i++)
		v[i]->ifc = i == 4 ? 4 : 3;
	fp_capture_point(cs, FP_CAP_DATAPATH, 0, FP_CAP_IFC_PKT, v, 5, TS0);
	assert_int_equal(snap_count(cs, "TCP"), 1);
	assert_int_equal(snap_count(cs, "V6"), 1);
	pkts_free(v, 5);
	fp_capset_free(cs);
}

/* No match criteria: every packet of the interface, IP or not. */
static void test_no_criteria(void **state)
{
	(void)state;
	struct fp_capset *cs = fp_capset_new(1);
	struct fp_cap_spec s;
	fp_cap_spec_init(&s, "ALL", FP_CAP_DATAPATH);
	s.ifc = 0;
	add(cs, &s);
	struct fp_pkt *v[3] = { ip4(FP_IPPROTO_UDP, "10.0.0.1", "10.0.0.2", 8, 0),
				ip6(FP_IPPROTO_TCP, "2001:db8::1", "2001:db8::2", 20), pkt_alloc() };
	fp_pkt_put(v[2], 1)[0] = 0x00;
	fp_capture_point(cs, FP_CAP_DATAPATH, 0, 0, v, 3, TS0);
	assert_int_equal(snap_count(cs, "ALL"), 3);
	pkts_free(v, 3);
	fp_capset_free(cs);
}

/* ---- rings ---------------------------------------------------------- */

/* Without circular-buffer the capture stops when full, for every thread. */
static void test_ring_full(void **state)
{
	(void)state;
	struct fp_capset *cs = fp_capset_new(2);
	struct fp_cap_spec s;
	fp_cap_spec_init(&s, "F", FP_CAP_SWITCH);
	s.all_ifaces = true;
	s.buffer = FP_CAPTURE_BUFFER_MIN; /* 1534: 12 records of 120 bytes */
	add(cs, &s);
	struct fp_pkt *p = ip4(FP_IPPROTO_UDP, "10.0.0.1", "10.0.0.2", 80, 0); /* 100 bytes */
	for (unsigned i = 0; i < 20; i++)
		fp_capture_point(cs, FP_CAP_SWITCH, i % 2, 0, &p, 1, TS0 + i);
	struct fp_cap_snap sn;
	assert_int_equal(fp_capture_snapshot(cs, 0, &sn), 0);
	assert_int_equal(sn.n, 12);
	assert_int_equal(sn.bytes, 12 * 120);
	assert_true(sn.full);
	for (unsigned i = 0; i < sn.n; i++) { /* merged by time across both threads */
		assert_int_equal(sn.recs[i].ts_ns, TS0 + i);
		assert_int_equal(sn.recs[i].thread, i % 2);
		assert_int_equal(sn.recs[i].len, 100);
		assert_memory_equal(sn.recs[i].data, p->data, 100);
	}
	fp_cap_snap_free(&sn);
	uint64_t bytes;
	bool full;
	assert_int_equal(fp_capture_usage(cs, 0, &bytes, &full), 0);
	assert_int_equal(bytes, 12 * 120);
	assert_true(full);
	/* clear: empty and capturing again */
	assert_int_equal(fp_capture_clear(cs, "F"), 0);
	assert_int_equal(snap_count(cs, "F"), 0);
	fp_capture_point(cs, FP_CAP_SWITCH, 0, 0, &p, 1, TS0);
	assert_int_equal(snap_count(cs, "F"), 1);
	free(p);
	fp_capset_free(cs);
}

/* circular-buffer: the newest packets that fit, per thread, then merged
 * and cut to the buffer. packet-length cuts each packet. */
static void test_ring_circular(void **state)
{
	(void)state;
	struct fp_capset *cs = fp_capset_new(2);
	struct fp_cap_spec s;
	fp_cap_spec_init(&s, "C", FP_CAP_SWITCH);
	s.all_ifaces = s.circular = true;
	s.buffer = FP_CAPTURE_BUFFER_MIN;
	add(cs, &s);
	fp_cap_spec_init(&s, "SNAP", FP_CAP_SWITCH);
	s.all_ifaces = true;
	s.snaplen = 64;
	add(cs, &s);
	for (unsigned i = 0; i < 100; i++) {
		/* lengths 100..113 make records of 120 or 128 bytes, wrapping at odd places */
		struct fp_pkt *p = ip4(FP_IPPROTO_UDP, "10.0.0.1", "10.0.0.2", 80 + i % 14, (uint8_t)i);
		fp_capture_point(cs, FP_CAP_SWITCH, i < 50 ? 0 : 1, 0, &p, 1, TS0 + i);
		free(p);
	}
	struct fp_cap_snap sn;
	assert_int_equal(fp_capture_snapshot(cs, 0, &sn), 0);
	assert_false(sn.full);
	assert_true(sn.bytes <= FP_CAPTURE_BUFFER_MIN);
	assert_true(sn.n >= 11);
	for (unsigned i = 0; i < sn.n; i++) {
		unsigned seq = 100 - sn.n + i; /* the newest, in order */
		assert_int_equal(sn.recs[i].ts_ns, TS0 + seq);
		assert_int_equal(sn.recs[i].len, 100 + seq % 14);
		assert_int_equal(sn.recs[i].data[FP_IPV4_HLEN], (uint8_t)seq);
		assert_int_equal(sn.recs[i].data[sn.recs[i].caplen - 1], (uint8_t)seq);
	}
	fp_cap_snap_free(&sn);
	assert_int_equal(fp_capture_snapshot(cs, 1, &sn), 0);
	assert_int_equal(sn.n, 100);
	assert_int_equal(sn.recs[0].caplen, 64);
	assert_int_equal(sn.recs[0].len, 100);
	assert_int_equal(sn.bytes, 100 * (16 + 64));
	fp_cap_snap_free(&sn);
	fp_capset_free(cs);
}

static void test_spec_errors(void **state)
{
	(void)state;
	struct fp_capset *cs = fp_capset_new(1);
	struct fp_cap_spec s;
	char err[256];
	fp_cap_spec_init(&s, "bad name", FP_CAP_SWITCH);
	assert_int_equal(fp_capture_add(cs, &s, err, sizeof(err)), -1);
	fp_cap_spec_init(&s, "", FP_CAP_SWITCH);
	assert_int_equal(fp_capture_add(cs, &s, err, sizeof(err)), -1);
	fp_cap_spec_init(&s, "X", FP_CAP_SWITCH);
	s.buffer = 100;
	assert_int_equal(fp_capture_add(cs, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "buffer"));
	s.buffer = FP_CAPTURE_BUFFER_DEFAULT;
	s.snaplen = 5;
	assert_int_equal(fp_capture_add(cs, &s, err, sizeof(err)), -1);
	s.snaplen = FP_CAPTURE_SNAP_DEFAULT;
	add(cs, &s);
	assert_int_equal(fp_capture_add(cs, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "already exists"));
	for (unsigned i = 1; i < FP_CAPTURE_MAX; i++) {
		snprintf(s.name, sizeof(s.name), "X%u", i);
		add(cs, &s);
	}
	snprintf(s.name, sizeof(s.name), "ONE_TOO_MANY");
	assert_int_equal(fp_capture_add(cs, &s, err, sizeof(err)), -1);
	assert_int_equal(fp_capture_count(cs), FP_CAPTURE_MAX);
	fp_capset_free(cs);
}

/* ---- threads -------------------------------------------------------- */

#define WRITERS 4

struct writer {
	pthread_t th;
	struct fp_capset *cs;
	unsigned id;
	_Atomic bool *stop;
	_Atomic uint64_t sent;
};

/* Packets whose bytes all say who sent them and their sequence number, so
 * that a torn or mixed record shows. */
static void stamp(struct fp_pkt *p, unsigned id, uint64_t seq)
{
	uint32_t len = FP_IPV4_HLEN + 8 + (uint32_t)(seq * 7 % 300);
	p->data = p->buf + FP_PKT_HEADROOM;
	p->len = len;
	memset(p->data, 0, FP_IPV4_HLEN);
	p->data[0] = 0x45, p->data[9] = FP_IPPROTO_UDP;
	fp_put16(p->data + 2, (uint16_t)len);
	p->data[12] = 10, p->data[15] = (uint8_t)id, p->data[16] = 10, p->data[19] = 99;
	for (uint32_t i = FP_IPV4_HLEN; i + 8 <= len; i += 8)
		memcpy(p->data + i, &seq, 8);
	memset(p->data + len - (len - FP_IPV4_HLEN) % 8, (uint8_t)id, (len - FP_IPV4_HLEN) % 8);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct fp_pkt *v[8];
	for (unsigned i = 0; i < 8; i++)
		v[i] = pkt_alloc();
	uint64_t sent = 0;
	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		for (unsigned i = 0; i < 8; i++)
			stamp(v[i], w->id, sent + i);
		fp_capture_point(w->cs, FP_CAP_SWITCH, w->id, 0, v, 8, TS0 + sent);
		fp_capture_point(w->cs, FP_CAP_DATAPATH, w->id, 0, v, 8, TS0 + sent);
		sent += 8;
		atomic_store_explicit(&w->sent, sent, memory_order_relaxed);
	}
	pkts_free(v, 8);
	return NULL;
}

/* Every record of a snapshot is one whole packet of one writer. */
static void check_snapshot(struct fp_capset *cs, unsigned idx)
{
	struct fp_cap_snap s;
	assert_int_equal(fp_capture_snapshot(cs, idx, &s), 0);
	for (unsigned k = 0; k < s.n; k++) {
		const struct fp_cap_rec *r = &s.recs[k];
		uint64_t seq;
		assert_true(r->caplen >= FP_IPV4_HLEN + 8 && r->caplen == r->len);
		assert_int_equal(r->data[15], r->thread);
		memcpy(&seq, r->data + FP_IPV4_HLEN, 8);
		assert_int_equal(r->len, FP_IPV4_HLEN + 8 + seq * 7 % 300);
		for (uint32_t i = FP_IPV4_HLEN; i + 8 <= r->len; i += 8)
			assert_memory_equal(r->data + i, &seq, 8);
		if (k && s.recs[k - 1].thread == r->thread && s.recs[k - 1].ts_ns == r->ts_ns) {
			uint64_t prev;
			memcpy(&prev, s.recs[k - 1].data + FP_IPV4_HLEN, 8);
			assert_true(prev < seq);
		}
	}
	fp_cap_snap_free(&s);
}

static bool writers_busy(struct writer *w)
{
	for (unsigned i = 0; i < WRITERS; i++)
		if (atomic_load_explicit(&w[i].sent, memory_order_relaxed) < 2000)
			return false;
	return true;
}

/* Four writers on thread ids 0-3 (id 4, "the slow path", is the main
 * thread, which also writes); the main thread adds, reads, clears and
 * removes captures meanwhile. Run under ASan/UBSan and ThreadSanitizer. */
static void test_threads(void **state)
{
	(void)state;
	struct fp_capset *cs = fp_capset_new(WRITERS + 1);
	_Atomic bool stop = false;
	struct writer w[WRITERS];
	struct fp_cap_spec s;
	fp_cap_spec_init(&s, "circ", FP_CAP_SWITCH);
	s.all_ifaces = s.circular = true;
	s.buffer = 8192;
	add(cs, &s);
	for (unsigned i = 0; i < WRITERS; i++) {
		w[i].cs = cs, w[i].id = i, w[i].stop = &stop;
		atomic_init(&w[i].sent, 0);
		assert_int_equal(pthread_create(&w[i].th, NULL, writer_main, &w[i]), 0);
	}
	struct fp_pkt *mine = pkt_alloc();
	/* at least 300 rounds, and until every writer has written a while */
	for (unsigned round = 0; round < 300 || !writers_busy(w); round++) {
		char name[16];
		snprintf(name, sizeof(name), "dp%u", round % 3);
		fp_cap_spec_init(&s, name, FP_CAP_DATAPATH);
		s.ifc = 0;
		s.buffer = 4096 + 512 * (round % 5);
		s.circular = round % 2;
		if (fp_capture_find(cs, name) < 0)
			add(cs, &s);
		stamp(mine, WRITERS, round);
		fp_capture_point(cs, FP_CAP_SWITCH, WRITERS, 0, &mine, 1, TS0 + round);
		for (unsigned i = 0; i < fp_capture_count(cs); i++)
			check_snapshot(cs, i);
		if (round % 3 == 0)
			assert_int_equal(fp_capture_clear(cs, "circ"), 0);
		if (round % 4 == 1)
			assert_int_equal(fp_capture_remove(cs, name), 0);
		if (round % 7 == 0 && fp_capture_find(cs, name) >= 0)
			assert_int_equal(fp_capture_clear(cs, name), 0);
		fp_capset_reclaim(cs);
	}
	atomic_store(&stop, true);
	for (unsigned i = 0; i < WRITERS; i++)
		pthread_join(w[i].th, NULL);
	/* every writer is out of its hooks: everything retired can go */
	assert_int_equal(fp_capset_reclaim(cs), 0);
	free(mine);
	fp_capset_free(cs);
}

/* ---- the commands ----------------------------------------------------- */

static void test_cli_capture_list(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a);
	run_ok(gw, "show capture", "");
	run_ok(gw, "capture TAC ipsec-offload match spi 0x7abcdef9 203.0.113.1 203.0.113.2", "");
	run_ok(gw, "capture CAPO switch interface outside match ip host 198.51.100.1 any", "");
	run_ok(gw, "cap RT sw real-time buffer 1048576 circ", "");
	run_ok(gw, "capture CAPI interface inside match tcp 10.1.0.0 255.255.255.0 any6", "");
	run_ok(gw, "capture ALL type raw-data packet-length 64 interface outside", "");
	run_ok(gw, "capture V6 interface outside match udp 2001:db8:1::/64 host 2001:db8:2::1", "");
	run_ok(gw, "show capture",
	       "capture TAC ipsec-offload type raw-data [Capturing - 0 bytes]\n"
	       "  match spi 0x7ABCDEF9 host 203.0.113.1 host 203.0.113.2\n"
	       "capture CAPO switch type raw-data interface outside [Capturing - 0 bytes]\n"
	       "  match ip host 198.51.100.1 any\n"
	       "capture RT switch type raw-data buffer 1048576 circular-buffer real-time [Capturing - 0 bytes]\n"
	       "capture CAPI type raw-data interface inside [Capturing - 0 bytes]\n"
	       "  match tcp 10.1.0.0 255.255.255.0 any6\n"
	       "capture ALL type raw-data packet-length 64 interface outside [Capturing - 0 bytes]\n"
	       "capture V6 type raw-data interface outside [Capturing - 0 bytes]\n"
	       "  match udp 2001:db8:1::/64 host 2001:db8:2::1\n");
	run_ok(gw, "show capture TAC", "0 packet captured\n\n0 packet shown\n");
	run_ok(gw, "no capture CAPO", "");
	run_ok(gw, "clear capture /all", "");
	run_ok(gw, "clear capture RT", "");
	assert_int_equal(fp_capture_count(gw_caps(gw)), 5);
	run_err(gw, "no capture CAPO", "ERROR: % Capture CAPO does not exist\n");
	run_err(gw, "show capture NOPE", "ERROR: % Capture NOPE does not exist\n");
	gw_free(gw);
}

static void test_cli_capture_errors(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a);
	run_err(gw, "capture X interface dmz",
		"capture X interface dmz\n                    ^\n"
		"ERROR: % Invalid input detected at '^' marker.\n");
	run_err(gw, "capture X buffer 10 interface inside",
		"capture X buffer 10 interface inside\n                 ^\n"
		"ERROR: % Invalid input detected at '^' marker.\n");
	run_err(gw, "capture X interface inside match ip host", "ERROR: % Incomplete command\n");
	run_err(gw, "capture X buffer 100000", "ERROR: % Incomplete command\n");
	run_err(gw, "capture X interface inside match ip any any match ip any any",
		"capture X interface inside match ip any any match ip any any\n"
		"                                            ^\n"
		"ERROR: % Invalid input detected at '^' marker.\n");
	run_err(gw, "capture X interface inside switch real-time",
		"capture X interface inside switch real-time\n"
		"                           ^\n"
		"ERROR: % Invalid input detected at '^' marker.\n");
	run_err(gw, "capture X ipsec-offload match ip any any",
		"capture X ipsec-offload match ip any any\n"
		"                              ^\n"
		"ERROR: % Invalid input detected at '^' marker.\n");
	run_err(gw, "capture X ipsec-offload match spi 0 any any",
		"capture X ipsec-offload match spi 0 any any\n"
		"                                  ^\n"
		"ERROR: % Invalid input detected at '^' marker.\n");
	run_err(gw, "capture X interface inside match ip 10.1.0.300 any",
		"capture X interface inside match ip 10.1.0.300 any\n"
		"                                    ^\n"
		"ERROR: % Invalid input detected at '^' marker.\n");
	run_err(gw, "capture bad/name interface inside",
		"ERROR: % capture name must be 1-31 letters, digits, '_', '.' or '-'\n");
	run_ok(gw, "capture X interface inside", "");
	run_err(gw, "capture X interface outside",
		"ERROR: % Capture X already exists; remove it first (no capture X)\n");
	run_err(gw, "copy /pcap X /tmp/x.pcap",
		"copy /pcap X /tmp/x.pcap\n           ^\n"
		"ERROR: % Invalid input detected at '^' marker.\n");
	run_err(gw, "copy /pcap capture:NOPE /tmp/x.pcap", "ERROR: % Capture NOPE does not exist\n");
	/* the longest line the table takes: 16 words */
	run_ok(gw, "capture L interface outside match ip host 198.51.100.1 host 198.51.100.2 "
		   "buffer 65536 packet-length 128 type raw-data", "");
	gw_free(gw);
}

/* show capture NAME: the offload note's layout, real ESP from A to B. */
static void test_cli_show_packets(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a);
	struct fp_capset *cs = gw_caps(gw);
	run_ok(gw, "capture TAC ipsec-offload match spi 8193 198.51.100.1 198.51.100.2", "");
	run_ok(gw, "capture IN interface inside", "");
	struct fp_pkt *v[2] = { esp4("198.51.100.2", "198.51.100.1", 8193),
				ip4(FP_IPPROTO_UDP, "10.1.0.5", "10.2.0.9", 13, 0x5a) };
	fp_capture_point(cs, FP_CAP_OFFLOAD, 0, 0, v, 1, TS0);
	v[1]->ifc = 1;
	fp_capture_point(cs, FP_CAP_DATAPATH, 0, FP_CAP_IFC_PKT, v + 1, 1, TS0 + 2000000000ull);
	run_ok(gw, "show capture TAC",
	       "1 packet captured\n\n"
	       "1: 22:13:20.123456 198.51.100.2 198.51.100.1 0x0800 Length: 84\n"
	       "4500 0054 0000 0000 4032 260e c633 6402\n"
	       "c633 6401 0000 2001 0000 0001 abab abab\n"
	       "abab abab abab abab abab abab abab abab\n"
	       "abab abab abab abab abab abab abab abab\n"
	       "abab abab abab abab abab abab abab abab\n"
	       "abab abab\n"
	       "1 packet shown\n");
	run_ok(gw, "show capture IN",
	       "1 packet captured\n\n"
	       "1: 22:13:22.123456 10.1.0.5 10.2.0.9 0x0800 Length: 33\n"
	       "4500 0021 0000 0000 4011 66bc 0a01 0005\n"
	       "0a02 0009 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a\n"
	       "5a\n"
	       "1 packet shown\n");
	/* parts of a big capture: the first N, or packet N alone */
	fp_capture_point(cs, FP_CAP_DATAPATH, 0, FP_CAP_IFC_PKT, v + 1, 1, TS0 + 3000000000ull);
	run_ok(gw, "show capture IN count 1",
	       "2 packets captured\n\n"
	       "1: 22:13:22.123456 10.1.0.5 10.2.0.9 0x0800 Length: 33\n"
	       "4500 0021 0000 0000 4011 66bc 0a01 0005\n"
	       "0a02 0009 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a\n"
	       "5a\n"
	       "1 packet shown\n");
	run_ok(gw, "show capture IN packet-n 2",
	       "2 packets captured\n\n"
	       "2: 22:13:23.123456 10.1.0.5 10.2.0.9 0x0800 Length: 33\n"
	       "4500 0021 0000 0000 4011 66bc 0a01 0005\n"
	       "0a02 0009 5a5a 5a5a 5a5a 5a5a 5a5a 5a5a\n"
	       "5a\n"
	       "1 packet shown\n");
	run_ok(gw, "show capture IN packet-number 3", "2 packets captured\n\n0 packet shown\n");
	run_err(gw, "show capture IN cou 0",
		"ERROR: % count must be a number from 1 to 2147483647, got '0'\n");
	run_ok(gw, "show capture",
	       "capture TAC ipsec-offload type raw-data [Capturing - 104 bytes]\n"
	       "  match spi 0x00002001 host 198.51.100.1 host 198.51.100.2\n"
	       "capture IN type raw-data interface inside [Capturing - 112 bytes]\n");
	pkts_free(v, 2);
	gw_free(gw);
}

/* copy /pcap: read back by fpvpn's reader and, when present, tshark. */
static void test_cli_copy_pcap(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a);
	struct fp_capset *cs = gw_caps(gw);
	char dir[] = "/tmp/test_capture_pcap_XXXXXX", path[64], line[128], err[256];
	struct stat st;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tac.pcap", dir);
	run_ok(gw, "capture TAC ipsec-offload", "");
	struct fp_pkt *v[3] = { esp4("198.51.100.2", "198.51.100.1", 0x1001),
				esp_udp4("198.51.100.1", "198.51.100.2", 0x2001),
				esp4("198.51.100.2", "198.51.100.1", 0x1001) };
	for (unsigned i = 0; i < 3; i++)
		fp_capture_point(cs, FP_CAP_OFFLOAD, 0, 0, v + i, 1, TS0 + i * 1000);
	snprintf(line, sizeof(line), "copy /pcap capture:TAC %s", path);
	int rc;
	char *out = run(gw, line, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "3 packets copied in "));
	free(out);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	struct fp_pcap_reader *r = fp_pcap_reader_open(path, err, sizeof(err));
	assert_non_null(r);
	struct fp_pkt *p = pkt_alloc();
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(fp_pcap_read(r, p, err, sizeof(err)), 1);
		assert_int_equal(p->len, v[i]->len);
		assert_memory_equal(p->data, v[i]->data, p->len);
		assert_int_equal(p->ts_ns, TS0 + i * 1000);
	}
	assert_int_equal(fp_pcap_read(r, p, err, sizeof(err)), 0);
	fp_pcap_reader_close(r);

	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		fprintf(stderr, "SKIP tshark part of test_cli_copy_pcap: tshark not installed\n");
	} else {
		char cmd[256], buf[256] = "";
		snprintf(cmd, sizeof(cmd), "tshark -r %s -T fields -e esp.spi 2>/dev/null", path);
		FILE *t = popen(cmd, "r");
		assert_non_null(t);
		size_t n = fread(buf, 1, sizeof(buf) - 1, t);
		buf[n] = '\0';
		pclose(t);
		/* tshark prints SPIs as 0x...; ESP in UDP 4500 too (NAT-T) */
		if (!strstr(buf, "0x00001001") || !strstr(buf, "0x00002001"))
			fprintf(stderr, "tshark printed:\n%s", buf);
		assert_non_null(strstr(buf, "0x00001001"));
		assert_non_null(strstr(buf, "0x00002001"));
	}
	unlink(path);
	rmdir(dir);
	free(p);
	pkts_free(v, 3);
	gw_free(gw);
}

/* copy /pcap as root into a folder others may write: an existing file
 * and a symbolic link (to a file or to nothing) are refused with the
 * reason and left as they were; a new file is 0600 whatever the umask. */
static void test_cli_copy_pcap_refuses(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a);
	char dir[] = "/tmp/test_capture_refuse_XXXXXX", old[64], link[64], gone[64], fresh[64];
	char line[160], want[200], buf[16] = "";
	struct stat st;
	assert_non_null(mkdtemp(dir));
	snprintf(old, sizeof(old), "%s/old.pcap", dir);
	snprintf(link, sizeof(link), "%s/link.pcap", dir);
	snprintf(gone, sizeof(gone), "%s/gone.pcap", dir);
	snprintf(fresh, sizeof(fresh), "%s/fresh.pcap", dir);
	FILE *f = fopen(old, "w");
	fputs("precious", f);
	fclose(f);
	assert_int_equal(symlink(old, link), 0);
	assert_int_equal(symlink("nowhere", gone), 0);
	run_ok(gw, "capture TAC ipsec-offload", "");
	snprintf(line, sizeof(line), "copy /pcap capture:TAC %s", old);
	snprintf(want, sizeof(want), "ERROR: %% %s already exists: not overwritten\n", old);
	run_err(gw, line, want);
	snprintf(line, sizeof(line), "copy /pcap capture:TAC %s", link);
	snprintf(want, sizeof(want), "ERROR: %% %s is a symbolic link: not followed, nothing "
		 "written\n", link);
	run_err(gw, line, want);
	snprintf(line, sizeof(line), "copy /pcap capture:TAC %s", gone);
	snprintf(want, sizeof(want), "ERROR: %% %s is a symbolic link: not followed, nothing "
		 "written\n", gone);
	run_err(gw, line, want);
	f = fopen(old, "r");
	assert_int_equal(fread(buf, 1, sizeof(buf) - 1, f), 8);
	fclose(f);
	assert_string_equal(buf, "precious");
	snprintf(want, sizeof(want), "%s/nowhere", dir);
	assert_int_equal(access(want, F_OK), -1);
	mode_t was = umask(0);
	snprintf(line, sizeof(line), "copy /pcap capture:TAC %s", fresh);
	run_ok(gw, line, NULL);
	umask(was);
	assert_int_equal(stat(fresh, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	unlink(fresh);
	unlink(gone);
	unlink(link);
	unlink(old);
	rmdir(dir);
	gw_free(gw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_points_mask),
		cmocka_unit_test(test_match_switch),
		cmocka_unit_test(test_match_offload),
		cmocka_unit_test(test_match_datapath),
		cmocka_unit_test(test_no_criteria),
		cmocka_unit_test(test_ring_full),
		cmocka_unit_test(test_ring_circular),
		cmocka_unit_test(test_spec_errors),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_cli_capture_list),
		cmocka_unit_test(test_cli_capture_errors),
		cmocka_unit_test(test_cli_show_packets),
		cmocka_unit_test(test_cli_copy_pcap),
		cmocka_unit_test(test_cli_copy_pcap_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
