/* Segmentation of TUN super-packets (io/gso.c): TCP over IPv4 and IPv6,
 * UDP (USO) over both, checksum completion, and the headers it refuses.
 * Every segment is checked against a reference checksum written here, not
 * the one under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/inet.h"
#include "io/gso.h"

#define SEQ0 0xfffff000u  /* wraps during the stream */
#define ID0 0xfffe        /* IPv4 id wraps too */
#define TH_OPT 12         /* NOP NOP timestamp: a TCP header of 32 bytes */

#define F_FIN 0x01
#define F_PSH 0x08
#define F_ACK 0x10
#define F_CWR 0x80

static uint8_t super[70000];
static uint8_t seg[10240];
static uint8_t stream[70000];

/* ---- reference checksums ---------------------------------------------------- */

static uint32_t ref_sum(const uint8_t *p, uint32_t n, uint32_t s)
{
	for (uint32_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t ref_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Does the transport checksum of this IP packet verify? */
static bool l4_csum_ok(const uint8_t *ip, uint32_t len, uint8_t proto)
{
	bool v4 = (ip[0] >> 4) == 4;
	uint32_t l4 = v4 ? 20 : 40, l4len = len - l4;
	uint32_t s = v4 ? ref_sum(ip + 12, 8, 0) : ref_sum(ip + 8, 32, 0);

	s += proto + (l4len >> 16) + (l4len & 0xffff);
	return ref_fold(ref_sum(ip + l4, l4len, s)) == 0xffff;
}

static bool ip4_csum_ok(const uint8_t *ip)
{
	return ref_fold(ref_sum(ip, 20, 0)) == 0xffff;
}

/* ---- packets ------------------------------------------------------------------ */

static uint32_t put_ip(uint8_t *b, int af, uint8_t proto, uint32_t tot)
{
	if (af == 4) {
		memset(b, 0, 20);
		b[0] = 0x45;
		fp_put16(b + 2, (uint16_t)tot);
		fp_put16(b + 4, ID0);
		fp_put16(b + 6, 0x4000); /* DF */
		b[8] = 64;
		b[9] = proto;
		memcpy(b + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
		fp_ipv4_csum_set(b);
		return 20;
	}
	memset(b, 0, 40);
	b[0] = 0x60;
	fp_put16(b + 4, (uint16_t)(tot - 40));
	b[6] = proto;
	b[7] = 64;
	b[8] = 0xfd;
	b[23] = 1;
	b[24] = 0xfd;
	b[39] = 2;
	return 40;
}

static uint32_t put_l4(uint8_t *t, uint8_t proto, uint32_t l4len, uint8_t flags)
{
	fp_put16(t, 40000);
	fp_put16(t + 2, 5001);
	if (proto == FP_IPPROTO_UDP) {
		fp_put16(t + 4, (uint16_t)l4len);
		fp_put16(t + 6, 0);
		return 8;
	}
	fp_put32(t + 4, SEQ0);
	fp_put32(t + 8, 0x01020304);
	t[12] = (20 + TH_OPT) / 4 << 4;
	t[13] = flags;
	fp_put16(t + 14, 512);
	fp_put32(t + 16, 0);
	memcpy(t + 20, "\x01\x01\x08\x0a\x00\x00\x00\x07\x00\x00\x00\x09", TH_OPT);
	return 20 + TH_OPT;
}

/* A super-packet of plen payload bytes (the stream[] pattern), with its
 * vnet header as the kernel writes it: pseudo-header sum in the field. */
static uint32_t make_super(int af, uint8_t proto, uint32_t plen, uint16_t mss, uint8_t flags,
			   struct virtio_net_hdr *vh)
{
	uint32_t iph = af == 4 ? 20 : 40;
	uint32_t th = proto == FP_IPPROTO_TCP ? 20 + TH_OPT : 8;
	uint32_t tot = iph + th + plen;
	uint16_t off = proto == FP_IPPROTO_TCP ? 16 : 6;

	put_ip(super, af, proto, tot);
	put_l4(super + iph, proto, tot - iph, flags);
	memcpy(super + iph + th, stream, plen);
	uint16_t pseudo = (uint16_t)~fp_csum_fold(fp_gso_pseudo_sum(super, proto, tot - iph));
	fp_put16(super + iph + off, pseudo);
	memset(vh, 0, sizeof(*vh));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = proto == FP_IPPROTO_UDP ? VIRTIO_NET_HDR_GSO_UDP_L4 :
		       af == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	vh->gso_size = mss;
	vh->hdr_len = (uint16_t)(iph + th);
	vh->csum_start = (uint16_t)iph;
	vh->csum_offset = off;
	return tot;
}

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(stream); i++)
		stream[i] = (uint8_t)(i * 7 + i / 251);
	return 0;
}

/* ---- TCP ------------------------------------------------------------------------ */

static void check_tcp_segment(const struct fp_gso *g, unsigned i, uint32_t len, uint8_t flags)
{
	bool v4 = g->gs_af == 4, last = i + 1 == g->gs_segs;
	const uint8_t *th = seg + g->gs_l4;
	uint32_t plen = len - g->gs_hlen;

	assert_int_equal(v4 ? fp_get16(seg + 2) : fp_get16(seg + 4) + 40u, len);
	if (v4) {
		assert_true(ip4_csum_ok(seg));
		assert_int_equal(fp_get16(seg + 4), (uint16_t)(ID0 + i));
		assert_int_equal(fp_get16(seg + 6), 0x4000);
	}
	assert_int_equal(fp_get32(th + 4), SEQ0 + i * g->gs_mss);
	assert_int_equal(fp_get32(th + 8), 0x01020304);
	uint8_t want = flags;
	if (!last)
		want &= (uint8_t)~(F_FIN | F_PSH);
	if (i > 0)
		want &= (uint8_t)~F_CWR;
	assert_int_equal(th[13], want);
	assert_memory_equal(th + 20, "\x01\x01\x08\x0a\x00\x00\x00\x07\x00\x00\x00\x09", TH_OPT);
	assert_true(l4_csum_ok(seg, len, FP_IPPROTO_TCP));
	assert_memory_equal(seg + g->gs_hlen, stream + i * g->gs_mss, plen);
	if (!last)
		assert_int_equal(plen, g->gs_mss);
}

static void tcp_case(int af, uint32_t plen, uint16_t mss, unsigned want_segs)
{
	struct virtio_net_hdr vh;
	struct fp_gso g;
	uint8_t flags = F_ACK | F_PSH | F_FIN | F_CWR;
	uint32_t tot = make_super(af, FP_IPPROTO_TCP, plen, mss, flags, &vh);
	uint32_t got = 0;

	assert_int_equal(fp_gso_init(&g, &vh, super, tot), 0);
	assert_int_equal(g.gs_segs, want_segs);
	assert_int_equal(g.gs_hlen, (af == 4 ? 20 : 40) + 20 + TH_OPT);
	for (unsigned i = 0; i < g.gs_segs; i++) {
		memset(seg, 0xee, sizeof(seg));
		uint32_t len = fp_gso_segment(&g, i, seg);
		assert_true(len <= g.gs_hlen + mss);
		check_tcp_segment(&g, i, len, flags);
		got += len - g.gs_hlen;
	}
	assert_int_equal(got, plen);
}

static void test_tcp4(void **state)
{
	(void)state;
	tcp_case(4, 20000, 1448, 14);   /* 13 full and a short one */
	tcp_case(4, 65535 - 52, 1448, 46);
}

static void test_tcp6(void **state)
{
	(void)state;
	tcp_case(6, 20000, 1428, 15);
	tcp_case(6, 65535 - 72, 1428, 46);
}

static void test_tcp_exact_and_single(void **state)
{
	(void)state;
	tcp_case(4, 4 * 1000, 1000, 4);  /* last one full */
	tcp_case(6, 500, 1000, 1);       /* less than one segment: one packet */
}

/* ---- UDP (USO) -------------------------------------------------------------- */

static void udp_case(int af, uint32_t plen, uint16_t mss, unsigned want_segs)
{
	struct virtio_net_hdr vh;
	struct fp_gso g;
	uint32_t tot = make_super(af, FP_IPPROTO_UDP, plen, mss, 0, &vh);
	uint32_t l4 = af == 4 ? 20 : 40;

	assert_int_equal(fp_gso_init(&g, &vh, super, tot), 0);
	assert_int_equal(g.gs_segs, want_segs);
	for (unsigned i = 0; i < g.gs_segs; i++) {
		uint32_t len = fp_gso_segment(&g, i, seg);
		uint32_t p = len - l4 - 8;
		assert_int_equal(p, i + 1 < g.gs_segs ? mss : plen - i * mss);
		assert_int_equal(fp_get16(seg + l4 + 4), p + 8);
		assert_int_not_equal(fp_get16(seg + l4 + 6), 0);
		assert_true(l4_csum_ok(seg, len, FP_IPPROTO_UDP));
		assert_memory_equal(seg + l4 + 8, stream + i * mss, p);
		if (af == 4) {
			assert_true(ip4_csum_ok(seg));
			assert_int_equal(fp_get16(seg + 2), len);
			assert_int_equal(fp_get16(seg + 4), (uint16_t)(ID0 + i));
		} else {
			assert_int_equal(fp_get16(seg + 4) + 40u, len);
		}
	}
}

static void test_udp4_uso(void **state)
{
	(void)state;
	udp_case(4, 10000, 1200, 9);
	udp_case(4, 64 * 1000, 1000, 64);
}

static void test_udp6_uso(void **state)
{
	(void)state;
	udp_case(6, 10000, 1200, 9);
	udp_case(6, 1200, 1200, 1);
}

/* ---- checksum completion -------------------------------------------------- */

static void test_csum_complete_tcp(void **state)
{
	struct virtio_net_hdr vh;
	uint32_t tot = make_super(4, FP_IPPROTO_TCP, 999, 1448, F_ACK, &vh);

	(void)state;
	assert_false(l4_csum_ok(super, tot, FP_IPPROTO_TCP));
	assert_int_equal(fp_gso_csum_complete(super, tot, vh.csum_start, vh.csum_offset), 0);
	assert_true(l4_csum_ok(super, tot, FP_IPPROTO_TCP));
	tot = make_super(6, FP_IPPROTO_TCP, 1, 1448, F_ACK, &vh);
	assert_int_equal(fp_gso_csum_complete(super, tot, vh.csum_start, vh.csum_offset), 0);
	assert_true(l4_csum_ok(super, tot, FP_IPPROTO_TCP));
}

/* A UDP checksum that computes to zero goes out as 0xffff (RFC 768). */
static void test_csum_complete_udp_zero(void **state)
{
	struct virtio_net_hdr vh;
	uint32_t tot = make_super(4, FP_IPPROTO_UDP, 100, 1000, 0, &vh);

	(void)state;
	fp_put16(super + 28, 0);
	assert_int_equal(fp_gso_csum_complete(super, tot, 20, 6), 0);
	uint16_t c = fp_get16(super + 26);
	/* put the checksum's value into the payload: the sum becomes all ones */
	make_super(4, FP_IPPROTO_UDP, 100, 1000, 0, &vh);
	fp_put16(super + 28, c);
	assert_int_equal(fp_gso_csum_complete(super, tot, 20, 6), 0);
	assert_int_equal(fp_get16(super + 26), 0xffff);
	assert_true(l4_csum_ok(super, tot, FP_IPPROTO_UDP));
}

static void test_csum_complete_bounds(void **state)
{
	(void)state;
	memset(super, 0, 64);
	assert_int_equal(fp_gso_csum_complete(super, 40, 20, 19), -1);
	assert_int_equal(fp_gso_csum_complete(super, 40, 40, 0), -1);
	assert_int_equal(fp_gso_csum_complete(super, 40, 20, 18), 0);
}

/* ---- refused headers -------------------------------------------------------- */

static void test_refused(void **state)
{
	struct virtio_net_hdr vh, bad;
	struct fp_gso g;
	uint32_t tot = make_super(4, FP_IPPROTO_TCP, 5000, 1448, F_ACK, &vh);

	(void)state;
	assert_int_equal(fp_gso_init(&g, &vh, super, tot), 0);
	bad = vh;
	bad.gso_size = 0;
	assert_int_equal(fp_gso_init(&g, &bad, super, tot), -1);
	bad = vh;
	bad.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;  /* IPv4 packet */
	assert_int_equal(fp_gso_init(&g, &bad, super, tot), -1);
	bad = vh;
	bad.gso_type = VIRTIO_NET_HDR_GSO_UDP;    /* UFO: never negotiated */
	assert_int_equal(fp_gso_init(&g, &bad, super, tot), -1);
	bad = vh;
	bad.csum_start = 24;                      /* not where IHL says */
	assert_int_equal(fp_gso_init(&g, &bad, super, tot), -1);
	bad = vh;
	bad.gso_type = VIRTIO_NET_HDR_GSO_UDP_L4; /* TCP packet */
	assert_int_equal(fp_gso_init(&g, &bad, super, tot), -1);
	assert_int_equal(fp_gso_init(&g, &vh, super, tot - 1), -1); /* IP length disagrees */
	assert_int_equal(fp_gso_init(&g, &vh, super, 20 + 20 + TH_OPT), -1);
	bad = vh;
	bad.gso_type |= VIRTIO_NET_HDR_GSO_ECN;   /* ECN is only a note */
	assert_int_equal(fp_gso_init(&g, &bad, super, tot), 0);
	super[20 + 12] = 0x40;                    /* data offset 16 bytes */
	assert_int_equal(fp_gso_init(&g, &vh, super, tot), -1);
	tot = make_super(6, FP_IPPROTO_TCP, 5000, 1448, F_ACK, &vh);
	super[6] = FP_IPPROTO_UDP;                /* next header is not TCP */
	assert_int_equal(fp_gso_init(&g, &vh, super, tot), -1);
	tot = make_super(6, FP_IPPROTO_UDP, 5000, 1448, 0, &vh);
	assert_int_equal(fp_gso_init(&g, &vh, super, tot), 0);
	bad = vh;
	bad.csum_start = 65530;                   /* UDP header past the end (and 16 bits) */
	assert_int_equal(fp_gso_init(&g, &bad, super, tot), -1);
	tot = make_super(4, FP_IPPROTO_TCP, 5000, 1448, F_ACK, &vh);
	super[0] = 0x44;                          /* IHL 16: shorter than an IPv4 header */
	bad = vh;
	bad.csum_start = 16;
	assert_int_equal(fp_gso_init(&g, &bad, super, tot), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp4),
		cmocka_unit_test(test_tcp6),
		cmocka_unit_test(test_tcp_exact_and_single),
		cmocka_unit_test(test_udp4_uso),
		cmocka_unit_test(test_udp6_uso),
		cmocka_unit_test(test_csum_complete_tcp),
		cmocka_unit_test(test_csum_complete_udp_zero),
		cmocka_unit_test(test_csum_complete_bounds),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
