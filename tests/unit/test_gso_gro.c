/* Coalescing for the TUN device (io/gro.c). The main check is a round
 * trip: a super-packet cut by fp_gso_segment and merged again by
 * fp_gro_run/fp_gro_finish must come back byte for byte, vnet header
 * included. Then each rule that ends a run, one at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/inet.h"
#include "io/gro.h"
#include "io/gso.h"

#define SEQ0 0xffff0000u
#define TH_OPT 12
#define NPKT 80

#define F_FIN 0x01
#define F_PSH 0x08
#define F_ACK 0x10

static uint8_t super[70000];
static uint8_t joined[70000];
static uint8_t stream[140000];
static struct fp_pkt *pk;   /* NPKT buffers */
static struct fp_pkt *pv[NPKT];

/* A TCP (or UDP) super-packet carrying stream[off..off+plen) from
 * sequence number SEQ0 + off, pseudo-header sum in the checksum field as
 * the kernel leaves it with NEEDS_CSUM. */
static uint32_t make_super(int af, uint8_t proto, uint32_t off, uint32_t plen, uint16_t mss,
			   struct virtio_net_hdr *vh)
{
	uint32_t iph = af == 4 ? 20 : 40, th = proto == FP_IPPROTO_TCP ? 20 + TH_OPT : 8;
	uint32_t tot = iph + th + plen;
	uint8_t *t = super + iph;

	memset(super, 0, iph + th);
	if (af == 4) {
		super[0] = 0x45;
		fp_put16(super + 2, (uint16_t)tot);
		fp_put16(super + 4, 0x0100);
		super[8] = 64;
		super[9] = proto;
		memcpy(super + 12, "\xc0\x00\x02\x01\xc6\x33\x64\x02", 8);
		fp_ipv4_csum_set(super);
	} else {
		super[0] = 0x60;
		fp_put16(super + 4, (uint16_t)(tot - 40));
		super[6] = proto;
		super[7] = 64;
		super[8] = 0x20;
		super[9] = 0x01;
		super[23] = 1;
		super[24] = 0x20;
		super[25] = 0x01;
		super[39] = 2;
	}
	fp_put16(t, 443);
	fp_put16(t + 2, 50000);
	if (proto == FP_IPPROTO_TCP) {
		fp_put32(t + 4, SEQ0 + off);
		fp_put32(t + 8, 77);
		t[12] = (20 + TH_OPT) / 4 << 4;
		t[13] = F_ACK | F_PSH;
		fp_put16(t + 14, 1000);
		memcpy(t + 20, "\x01\x01\x08\x0a\x00\x00\x10\x00\x00\x00\x20\x00", TH_OPT);
	} else {
		fp_put16(t + 4, (uint16_t)(tot - iph));
	}
	memcpy(super + iph + th, stream + off, plen);
	uint16_t off_cs = proto == FP_IPPROTO_TCP ? 16 : 6;
	fp_put16(t + off_cs,
		 (uint16_t)~fp_csum_fold(fp_gso_pseudo_sum(super, proto, tot - iph)));
	memset(vh, 0, sizeof(*vh));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = proto == FP_IPPROTO_UDP ? VIRTIO_NET_HDR_GSO_UDP_L4 :
		       af == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	vh->gso_size = mss;
	vh->hdr_len = (uint16_t)(iph + th);
	vh->csum_start = (uint16_t)iph;
	vh->csum_offset = off_cs;
	return tot;
}

/* Cut the super-packet into pv[at..]; returns the segment count. */
static unsigned cut(const struct virtio_net_hdr *vh, uint32_t tot, unsigned at)
{
	struct fp_gso g;

	assert_int_equal(fp_gso_init(&g, vh, super, tot), 0);
	for (unsigned i = 0; i < g.gs_segs; i++) {
		fp_pkt_reset(pv[at + i]);
		pv[at + i]->len = fp_gso_segment(&g, i, pv[at + i]->data);
	}
	return g.gs_segs;
}

/* What the TUN port writes: the first packet whole, the others' payload. */
static uint32_t join(const struct fp_gro *g)
{
	uint32_t n = pv[0]->len;

	memcpy(joined, pv[0]->data, n);
	for (unsigned k = 1; k < g->gr_n; k++) {
		memcpy(joined + n, pv[k]->data + g->gr_hlen, pv[k]->len - g->gr_hlen);
		n += pv[k]->len - g->gr_hlen;
	}
	return n;
}

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(stream); i++)
		stream[i] = (uint8_t)(i * 13 + i / 509);
	pk = calloc(NPKT, sizeof(*pk));
	for (unsigned i = 0; i < NPKT; i++)
		pv[i] = &pk[i];
	return pk ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(pk);
	return 0;
}

/* ---- round trip ----------------------------------------------------------- */

static void round_trip_proto(int af, uint8_t proto, uint32_t plen, uint16_t mss)
{
	struct virtio_net_hdr vh;
	struct fp_gro g;
	uint32_t tot = make_super(af, proto, 0, plen, mss, &vh);
	unsigned n = cut(&vh, tot, 0);

	assert_int_equal(fp_gro_run(pv, n, true, &g), n);
	assert_int_equal(g.gr_len, tot);
	fp_gro_finish(&g, pv[0], pv[n - 1]);
	assert_int_equal(join(&g), tot);
	assert_memory_equal(joined, super, tot);
	assert_int_equal(g.gr_vh.flags, vh.flags);
	assert_int_equal(g.gr_vh.gso_type, vh.gso_type);
	assert_int_equal(g.gr_vh.gso_size, vh.gso_size);
	assert_int_equal(g.gr_vh.hdr_len, vh.hdr_len);
	assert_int_equal(g.gr_vh.csum_start, vh.csum_start);
	assert_int_equal(g.gr_vh.csum_offset, vh.csum_offset);
}

static void round_trip(int af, uint32_t plen, uint16_t mss)
{
	round_trip_proto(af, FP_IPPROTO_TCP, plen, mss);
}

/* USO: datagrams of one flow, the last one shorter */
static void test_round_trip_udp(void **state)
{
	(void)state;
	round_trip_proto(4, FP_IPPROTO_UDP, 30000, 1372);
	round_trip_proto(4, FP_IPPROTO_UDP, 64 * 1000, 1000); /* 64 datagrams: the most */
	round_trip_proto(6, FP_IPPROTO_UDP, 10000, 1352);
}

static void test_round_trip4(void **state)
{
	(void)state;
	round_trip(4, 30000, 1448);         /* 20 full and a short one */
	round_trip(4, 65535 - 52, 1448);    /* the largest */
	round_trip(4, 10 * 1000, 1000);     /* last one full */
}

static void test_round_trip6(void **state)
{
	(void)state;
	round_trip(6, 30000, 1428);
	round_trip(6, 2 * 1428 - 1, 1428);
}

/* ---- what ends a run ------------------------------------------------------ */

/* 10 segments of 1000 bytes, IPv4 (PSH on the last, as GSO leaves it). */
static unsigned ten(void)
{
	struct virtio_net_hdr vh;
	uint32_t tot = make_super(4, FP_IPPROTO_TCP, 0, 10000, 1000, &vh);

	return cut(&vh, tot, 0);
}

static unsigned run_len_udp(unsigned n, bool udp)
{
	struct fp_gro g;
	unsigned r = fp_gro_run(pv, n, udp, &g);

	assert_int_equal(g.gr_n, r);
	if (r == 1)
		assert_int_equal(g.gr_vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	return r;
}

static unsigned run_len(unsigned n)
{
	return run_len_udp(n, false);
}

static void test_ends_on_flow_change(void **state)
{
	(void)state;
	ten();
	pv[5]->data[20 + 2] ^= 1;         /* destination port */
	assert_int_equal(run_len(10), 5);
	ten();
	pv[4]->data[8] = 63;              /* TTL */
	assert_int_equal(run_len(10), 4);
	ten();
	pv[3]->data[20 + 14] ^= 1;        /* window */
	assert_int_equal(run_len(10), 3);
	ten();
	pv[6]->data[20 + 8] ^= 1;         /* ACK number */
	assert_int_equal(run_len(10), 6);
	ten();
	pv[2]->data[20 + 27] ^= 1;        /* a timestamp option byte */
	assert_int_equal(run_len(10), 2);
}

static void test_ends_on_sequence(void **state)
{
	(void)state;
	ten();
	fp_put32(pv[5]->data + 24, fp_get32(pv[5]->data + 24) + 1);
	assert_int_equal(run_len(10), 5);
	ten();
	struct fp_pkt *t = pv[3];         /* reordered */
	pv[3] = pv[4];
	pv[4] = t;
	assert_int_equal(run_len(10), 3);
	pv[4] = pv[3];
	pv[3] = t;
}

/* Shorten packet i's payload by cut bytes (lengths fixed up). */
static void shorten(unsigned i, uint32_t by)
{
	pv[i]->len -= by;
	fp_put16(pv[i]->data + 2, (uint16_t)pv[i]->len);
	fp_ipv4_csum_set(pv[i]->data);
}

static void test_ends_on_size_and_flags(void **state)
{
	(void)state;
	ten();
	shorten(3, 100);                  /* a short one is the last */
	assert_int_equal(run_len(10), 4);
	ten();
	pv[2]->data[20 + 13] |= F_PSH;    /* PSH is the last */
	assert_int_equal(run_len(10), 3);
	ten();
	pv[0]->data[20 + 13] |= F_FIN;    /* FIN travels alone */
	assert_int_equal(run_len(10), 1);
	ten();
	pv[0]->data[20 + 13] |= F_PSH;
	assert_int_equal(run_len(10), 1);
	ten();
	assert_int_equal(run_len(1), 1);  /* nothing to merge with */
	ten();
	shorten(0, 100);                  /* later ones are larger than the first */
	assert_int_equal(run_len(10), 1);
}

static void test_not_mergeable(void **state)
{
	struct virtio_net_hdr vh;
	uint32_t tot = make_super(4, FP_IPPROTO_UDP, 0, 5000, 1000, &vh);

	(void)state;
	assert_int_equal(run_len(cut(&vh, tot, 0)), 1);   /* UDP, when the device has no USO */
	ten();
	pv[0]->data[6] = 0x20;            /* a fragment */
	assert_int_equal(run_len(10), 1);
	ten();
	pv[0]->len += 4;                  /* trailing bytes past the IP length */
	assert_int_equal(run_len(10), 1);
}

/* With USO: one UDP flow merges; another port, a larger datagram after
 * the first, or a datagram whose UDP length disagrees ends the run. */
static void test_udp_runs(void **state)
{
	struct virtio_net_hdr vh;
	uint32_t tot = make_super(4, FP_IPPROTO_UDP, 0, 5000, 1000, &vh);

	(void)state;
	assert_int_equal(run_len_udp(cut(&vh, tot, 0), true), 5);
	cut(&vh, tot, 0);
	pv[3]->data[20 + 1] ^= 1;         /* source port */
	assert_int_equal(run_len_udp(5, true), 3);
	cut(&vh, tot, 0);
	fp_put16(pv[2]->data + 20 + 4, 7); /* UDP length */
	assert_int_equal(run_len_udp(5, true), 2);
	cut(&vh, tot, 0);
	shorten(0, 100);                  /* later ones larger than the first */
	fp_put16(pv[0]->data + 20 + 4, (uint16_t)(pv[0]->len - 20));
	assert_int_equal(run_len_udp(5, true), 1);
	ten();                            /* TCP still merges as before */
	assert_int_equal(run_len_udp(10, true), 10);
}

static void test_limits(void **state)
{
	struct virtio_net_hdr vh;
	unsigned n;

	(void)state;
	/* 70 segments of 500 bytes: 64 at most */
	n = cut(&vh, make_super(4, FP_IPPROTO_TCP, 0, 35000, 500, &vh), 0);
	assert_int_equal(n, 70);
	assert_int_equal(run_len(n), FP_GRO_MAX_SEGS);
	/* 9000-byte segments: 7 make 63052 bytes, an 8th would pass 65535 */
	n = cut(&vh, make_super(4, FP_IPPROTO_TCP, 0, 63000, 9000, &vh), 0);
	n += cut(&vh, make_super(4, FP_IPPROTO_TCP, 63000, 18000, 9000, &vh), n);
	assert_int_equal(n, 9);
	pv[6]->data[20 + 13] &= (uint8_t)~F_PSH;
	assert_int_equal(run_len(n), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip4),
		cmocka_unit_test(test_round_trip6),
		cmocka_unit_test(test_round_trip_udp),
		cmocka_unit_test(test_udp_runs),
		cmocka_unit_test(test_ends_on_flow_change),
		cmocka_unit_test(test_ends_on_sequence),
		cmocka_unit_test(test_ends_on_size_and_flags),
		cmocka_unit_test(test_not_mergeable),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
