/* Packets too big for the outside MTU once encrypted (docs/architecture.md,
 * "Fragmentation and PMTU"): the IPv4 fragmenter and the PMTU messages on
 * their own, then the gateway: pre-fragmentation (the default), the
 * message back when DF is set, post-fragmentation with crypto ipsec
 * fragmentation after-encryption, and the counters that say so.
 *
 *   10.1.0.0/24 -- [A] 198.51.100.1 ====ESP==== 198.51.100.2 [B] -- 10.2.0.0/24
 *                      mtu outside 1000
 */
#include "gw_fixture.h"

#include "datapath/frag.h"
#include "datapath/reasm.h"

#define MTU_1000 "mtu outside 1000\n"

/* outer IPv4 20 + ESP 8 + IV 8 + ICV 16, the rest in 4-byte blocks, less
 * pad length and next header */
#define GCM_ROOM_1000 (((1000u - 52u) & ~3u) - 2u)

/* An IPv4 UDP packet 10.1.0.5 -> 10.2.0.9 of len bytes, payload bytes
 * numbered; DF as asked. */
static struct fp_pkt *big_make(uint32_t len, bool df)
{
	struct fp_pkt *p = aligned_alloc(64, sizeof(*p));
	fp_pkt_reset(p);
	uint8_t *h = fp_pkt_put(p, len);
	memset(h, 0, FP_IPV4_HLEN + FP_UDP_HLEN);
	h[0] = 0x45, h[8] = 64, h[9] = FP_IPPROTO_UDP;
	fp_put16(h + 2, (uint16_t)len);
	fp_put16(h + 4, 0x1234);
	fp_put16(h + 6, df ? 0x4000 : 0);
	h[12] = 10, h[13] = 1, h[15] = 5, h[16] = 10, h[17] = 2, h[19] = 9;
	fp_ipv4_csum_set(h);
	fp_put16(h + 20, 1000), fp_put16(h + 22, 2000);
	fp_put16(h + 24, (uint16_t)(len - FP_IPV4_HLEN));
	for (uint32_t i = FP_IPV4_HLEN + FP_UDP_HLEN; i < len; i++)
		h[i] = (uint8_t)i;
	return p;
}

static bool csum_ok(const uint8_t *p, uint32_t len)
{
	return fp_csum_fold(fp_csum_partial(p, len, 0)) == 0;
}

/* Emitted packets are copied: pieces the slow path made are freed when
 * the call returns (offline, emit is the end of their way). */
struct sink {
	struct fp_pkt *p[16];
	uint16_t ifc[16];
	unsigned n;
};

static void collect_copy(void *ctx, uint16_t ifc, struct fp_pkt *p)
{
	struct sink *s = ctx;
	assert_true(s->n < 16);
	struct fp_pkt *c = aligned_alloc(64, sizeof(*c));
	fp_pkt_reset(c);
	memcpy(fp_pkt_put(c, p->len), p->data, p->len);
	s->ifc[s->n] = ifc;
	s->p[s->n++] = c;
}

static void sink_free(struct sink *s)
{
	for (unsigned i = 0; i < s->n; i++)
		free(s->p[i]);
	s->n = 0;
}

static void push(struct fp_gw *gw, const char *ifc, struct fp_pkt *p, struct sink *out)
{
	fp_gw_input(gw, (uint16_t)fp_gw_iface_find(gw, ifc), &p, 1, collect_copy, out);
}

/* The same for a packet the test made: freed after the call. */
static void push_own(struct fp_gw *gw, const char *ifc, struct fp_pkt *p, struct sink *out)
{
	push(gw, ifc, p, out);
	free(p);
}

/* A's pieces, decrypted by B, put back together in order. */
static uint32_t join(const struct sink *s, uint8_t *buf)
{
	uint32_t end = 0;
	for (unsigned i = 0; i < s->n; i++) {
		const uint8_t *h = s->p[i]->data;
		uint32_t off = (uint32_t)(fp_get16(h + 6) & 0x1fff) * 8, len = fp_get16(h + 2) - 20u;
		bool last = !(fp_get16(h + 6) & 0x2000);
		assert_true(csum_ok(h, 20));
		memcpy(buf + off, h + 20, len);
		if (last)
			end = off + len;
	}
	return end;
}

static void test_fragmenter(void **state)
{
	(void)state;
	struct fp_pkt *p = big_make(3000, false), *piece[4];
	uint8_t whole[3000];
	assert_int_equal(fp_ipv4_frag_count(p, 3000), 1);
	assert_int_equal(fp_ipv4_frag_count(p, 1000), 4); /* 976 + 976 + 976 + 52 */
	for (unsigned i = 0; i < 4; i++) {
		piece[i] = aligned_alloc(64, sizeof(struct fp_pkt));
		fp_pkt_reset(piece[i]);
	}
	fp_ipv4_fragment(p, 1000, piece, 4);
	struct sink s = {.n = 4};
	memcpy(s.p, piece, sizeof(piece));
	for (unsigned i = 0; i < 4; i++) {
		assert_true(piece[i]->len <= 1000);
		assert_int_equal(fp_get16(piece[i]->data + 4), 0x1234); /* same identification */
	}
	assert_int_equal(join(&s, whole), 2980);
	assert_memory_equal(whole, p->data + 20, 2980);
	sink_free(&s);
	/* DF set: not cut; a datagram cut again keeps its offset and MF */
	fp_put16(p->data + 6, 0x4000);
	assert_int_equal(fp_ipv4_frag_count(p, 1000), 0);
	fp_put16(p->data + 6, 0x2000 | 100);
	struct fp_pkt *two[2];
	for (unsigned i = 0; i < 2; i++) {
		two[i] = aligned_alloc(64, sizeof(struct fp_pkt));
		fp_pkt_reset(two[i]);
	}
	fp_put16(p->data + 2, 1500);
	assert_int_equal(fp_ipv4_frag_count(p, 1000), 2);
	fp_ipv4_fragment(p, 1000, two, 2);
	assert_int_equal(fp_get16(two[0]->data + 6), 0x2000 | 100);
	assert_int_equal(fp_get16(two[1]->data + 6), 0x2000 | (100 + 976 / 8));
	free(two[0]);
	free(two[1]);
	free(p);
}

/* Options: only those with the copied flag go into the later pieces. */
static void test_fragmenter_options(void **state)
{
	(void)state;
	struct fp_pkt *p = aligned_alloc(64, sizeof(*p)), *piece[2];
	fp_pkt_reset(p);
	uint8_t *h = fp_pkt_put(p, 1200);
	memset(h, 0, 1200);
	h[0] = 0x47; /* 28-byte header */
	fp_put16(h + 2, 1200);
	h[8] = 64, h[9] = FP_IPPROTO_UDP;
	h[20] = 0x07, h[21] = 3, h[22] = 4;        /* record route: not copied */
	h[23] = 0x94, h[24] = 4, h[25] = 0, h[26] = 0; /* router alert: copied */
	h[27] = 0;
	for (unsigned i = 0; i < 2; i++) {
		piece[i] = aligned_alloc(64, sizeof(struct fp_pkt));
		fp_pkt_reset(piece[i]);
	}
	assert_int_equal(fp_ipv4_frag_count(p, 1000), 2);
	fp_ipv4_fragment(p, 1000, piece, 2);
	assert_int_equal(piece[0]->data[0], 0x47);
	assert_int_equal(piece[1]->data[0], 0x46); /* 20 + router alert */
	assert_int_equal(piece[1]->data[20], 0x94);
	assert_true(csum_ok(piece[1]->data, 24));
	assert_int_equal(fp_get16(piece[1]->data + 2), 24 + 1200 - 28 - 968);
	free(piece[0]);
	free(piece[1]);
	free(p);
}

/* The slow path's reassembly puts back what the fragmenter cut, a
 * 60-byte IPv4 header (options) included. */
static void test_reassembly_of_pieces(void **state)
{
	(void)state;
	struct fp_pkt *p = big_make(1500, false), *piece[3];
	struct fp_reasm r;
	uint8_t orig[1540];
	/* 40 bytes of options: router alert (copied) and nine no-ops and an end */
	memmove(p->data + 60, p->data + 20, p->len - 20);
	memset(p->data + 20, 1, 40);
	p->data[20] = 0x94, p->data[21] = 4, p->data[22] = 0, p->data[23] = 0, p->data[59] = 0;
	p->data[0] = 0x4f;
	p->len += 40;
	fp_put16(p->data + 2, (uint16_t)p->len);
	fp_ipv4_csum_set(p->data);
	memcpy(orig, p->data, p->len);
	assert_int_equal(fp_reasm_init(&r), 0);
	assert_int_equal(fp_ipv4_frag_count(p, 600), 3);
	for (unsigned i = 0; i < 3; i++) {
		piece[i] = aligned_alloc(64, sizeof(struct fp_pkt));
		fp_pkt_reset(piece[i]);
	}
	fp_ipv4_fragment(p, 600, piece, 3);
	assert_int_equal(fp_reasm_add(&r, piece[2], 1), FP_DROP_IP_FRAGMENT);
	assert_int_equal(fp_reasm_add(&r, piece[0], 2), FP_DROP_IP_FRAGMENT);
	assert_int_equal(fp_reasm_add(&r, piece[1], 3), FP_DROP_NONE);
	assert_int_equal(piece[1]->len, 1540);
	assert_memory_equal(piece[1]->data + 60, orig + 60, 1480);
	assert_memory_equal(piece[1]->data + 20, orig + 20, 40); /* the options */
	assert_true(csum_ok(piece[1]->data, 60));
	fp_reasm_fini(&r);
	for (unsigned i = 0; i < 3; i++)
		free(piece[i]);
	free(p);
}

static void test_icmp6_too_big(void **state)
{
	(void)state;
	static const uint8_t gw6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1};
	struct fp_pkt *p = aligned_alloc(64, sizeof(*p));
	fp_pkt_reset(p);
	uint8_t *h = fp_pkt_put(p, 1400);
	memset(h, 0, 1400);
	h[0] = 0x60, h[6] = FP_IPPROTO_UDP, h[7] = 64;
	fp_put16(h + 4, 1360);
	h[8] = 0x20, h[9] = 0x01, h[10] = 0x0d, h[11] = 0xb8, h[13] = 1, h[23] = 5;
	h[24] = 0x20, h[25] = 0x01, h[26] = 0x0d, h[27] = 0xb8, h[29] = 2, h[39] = 9;
	assert_true(fp_icmp6_too_big(p, gw6, 1300));
	h = p->data;
	assert_int_equal(p->len, 1280); /* as much as fits the minimum MTU */
	assert_int_equal(h[6], FP_IPPROTO_ICMPV6);
	assert_memory_equal(h + 8, gw6, 16);
	assert_int_equal(h[39], 5); /* back to the sender */
	assert_int_equal(h[40], 2);
	assert_int_equal(fp_get32(h + 44), 1300);
	assert_int_equal(fp_ip6_l4_csum(h, FP_IPPROTO_ICMPV6, h + 40, p->len - 40), 0);
	/* never about an ICMPv6 error */
	assert_false(fp_icmp6_too_big(p, gw6, 1300));
	free(p);
}

/* DF clear: A cuts the inner packet, each piece is its own ESP packet that
 * fits; B decrypts both and the pieces make the original. */
static void test_prefragmentation(void **state)
{
	(void)state;
	struct fp_gw *a = gw_from(site_a_mirror, MTU_1000), *b = gw_from(site_b, "");
	struct sink esp = {.n = 0}, clear = {.n = 0};
	struct fp_pkt *orig = big_make(1300, false);
	uint8_t whole[1300];
	assert_int_equal(fp_sa_inner_mtu(&a->tunnels[0].out), GCM_ROOM_1000);
	assert_true(fp_gw_tunnel_offloaded(a, &a->tunnels[0]));
	push_own(a, "inside", big_make(1300, false), &esp);
	assert_int_equal(esp.n, 2);
	for (unsigned i = 0; i < esp.n; i++) {
		assert_true(esp.p[i]->len <= 1000);
		assert_int_equal(esp.p[i]->data[9], FP_IPPROTO_ESP);
		push(b, "outside", esp.p[i], &clear);
	}
	assert_int_equal(clear.n, 2);
	assert_int_equal(join(&clear, whole), 1280);
	assert_memory_equal(whole, orig->data + 20, 1280);
	free(expect(a, "show crypto ipsec sa",
		    (const char *const[]){ "#pre-frag successes: 1, #pre-frag failures: 0, "
					   "#fragments created: 2\n", "#PMTUs sent: 0,", NULL }));
	free(expect(a, "show ipsec stats",
		    (const char *const[]){ "Pre-fragmentation successes: 1\n",
					   "Fragments created: 2\n", NULL }));
	assert_int_equal(fp_gw_drop_count(a, FP_DROP_PREFRAG), 0);
	free(orig);
	sink_free(&clear);
	free(esp.p[0]); /* pushed into B: B's buffers now, freed here as the test owns them */
	free(esp.p[1]);
	gw_free(a);
	gw_free(b);
}

/* DF set: A sends "fragmentation needed" with the inner MTU the tunnel
 * carries back to the sender, from its inside address. */
static void test_df_set_pmtu(void **state)
{
	(void)state;
	struct fp_gw *a = gw_from(site_a_mirror, MTU_1000);
	struct sink out = {.n = 0};
	push_own(a, "inside", big_make(1300, true), &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.ifc[0], fp_gw_iface_find(a, "inside"));
	const uint8_t *h = out.p[0]->data;
	assert_int_equal(h[9], FP_IPPROTO_ICMP);
	assert_true(csum_ok(h, 20));
	assert_int_equal(fp_get32(h + 12), 0x0a010001); /* 10.1.0.1 */
	assert_int_equal(fp_get32(h + 16), 0x0a010005); /* 10.1.0.5 */
	assert_int_equal(h[20], 3);
	assert_int_equal(h[21], 4);
	assert_int_equal(fp_get16(h + 26), GCM_ROOM_1000);
	assert_true(csum_ok(h + 20, out.p[0]->len - 20));
	assert_int_equal(out.p[0]->len, 576); /* RFC 1812: as much as fits 576 bytes */
	assert_int_equal(fp_get32(h + 28 + 16), 0x0a020009); /* the quoted header */
	free(expect(a, "show crypto ipsec sa",
		    (const char *const[]){ "#pre-frag successes: 0, #pre-frag failures: 1, "
					   "#fragments created: 0\n", "#PMTUs sent: 1,", NULL }));
	free(expect(a, "show asp drop", (const char *const[]){ "(ipsec-df-too-big)", NULL }));
	assert_int_equal(fp_gw_drop_count(a, FP_DROP_DF_TOO_BIG), 1);
	/* clear crypto ipsec sa counters starts them over */
	free(expect(a, "clear crypto ipsec sa counters", (const char *const[]){ NULL }));
	free(expect(a, "show crypto ipsec sa", (const char *const[]){ "#PMTUs sent: 0,", NULL }));
	sink_free(&out);
	gw_free(a);
}

/* A packet that fits is not touched. */
static void test_fits(void **state)
{
	(void)state;
	struct fp_gw *a = gw_from(site_a_mirror, MTU_1000);
	struct sink out = {.n = 0};
	push_own(a, "inside", big_make(GCM_ROOM_1000, true), &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.p[0]->len, 1000);
	push_own(a, "inside", big_make(GCM_ROOM_1000 + 1, true), &out);
	assert_int_equal(out.p[1]->data[9], FP_IPPROTO_ICMP);
	sink_free(&out);
	gw_free(a);
}

/* after-encryption: the tunnel is not offloaded; the ESP packet is cut and
 * B reassembles it before decrypting. */
static void test_postfragmentation(void **state)
{
	(void)state;
	struct fp_gw *a = gw_from(site_a_mirror, MTU_1000 "crypto ipsec fragmentation after-encryption outside\n");
	struct fp_gw *b = gw_from(site_b, "");
	struct sink esp = {.n = 0}, clear = {.n = 0};
	assert_false(fp_gw_tunnel_offloaded(a, &a->tunnels[0]));
	assert_string_equal(a->tunnels[0].not_offload_why, "post-fragmentation");
	push_own(a, "inside", big_make(1300, false), &esp);
	assert_int_equal(esp.n, 2);
	for (unsigned i = 0; i < esp.n; i++) {
		assert_true(esp.p[i]->len <= 1000);
		push(b, "outside", esp.p[i], &clear);
	}
	assert_int_equal(clear.n, 1);
	assert_int_equal(clear.p[0]->len, 1300);
	free(expect(a, "show ipsec stats",
		    (const char *const[]){ "Post-fragmentation successes: 1\n",
					   "Fragments created: 2\n", NULL }));
	free(expect(b, "show crypto ipsec sa",
		    (const char *const[]){ "#decapsulated frgs needing reassembly: 1\n", NULL }));
	sink_free(&clear);
	free(esp.p[0]);
	free(esp.p[1]);
	gw_free(a);
	gw_free(b);
}

/* after-encryption cuts only what may be cut: DF set still gets the PMTU
 * message (the ESP packet copies DF and could not be cut). */
static void test_postfrag_df_set(void **state)
{
	(void)state;
	struct fp_gw *a = gw_from(site_a_mirror, MTU_1000 "crypto ipsec fragmentation after-encryption outside\n");
	struct sink out = {.n = 0};
	push_own(a, "inside", big_make(1300, true), &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.p[0]->data[9], FP_IPPROTO_ICMP);
	assert_int_equal(fp_get16(out.p[0]->data + 26), GCM_ROOM_1000);
	sink_free(&out);
	gw_free(a);
}

/* A tunnel with a vpn-filter: the pieces of a permitted packet are not
 * filtered again (those after the first have no ports to match). */
static void test_prefrag_vpn_filter(void **state)
{
	(void)state;
	struct fp_gw *a = gw_from(site_a_mirror, MTU_1000
		"access-list VF extended permit udp 10.2.0.0 255.255.255.0 10.1.0.0 255.255.255.0 eq 1000\n"
		"access-list VF extended deny ip any any\n"
		"group-policy GP internal\n"
		"group-policy GP attributes\n vpn-filter value VF\n"
		"tunnel-group 198.51.100.2 type ipsec-l2l\n"
		"tunnel-group 198.51.100.2 general-attributes\n default-group-policy GP\n");
	struct sink out = {.n = 0};
	assert_false(fp_gw_tunnel_offloaded(a, &a->tunnels[0]));
	push_own(a, "inside", big_make(1300, false), &out);
	assert_int_equal(out.n, 2);
	assert_int_equal(fp_gw_drop_count(a, FP_DROP_VPN_FILTER), 0);
	sink_free(&out);
	gw_free(a);
}

/* A router on the way tells 900: the tunnel's packets fit 900 until the
 * path MTU ages out, then the link's 1000 again. Messages about another
 * SPI or peer, or above the link's MTU, change nothing; below 576 counts
 * as 576. */
static void test_pmtu_received(void **state)
{
	(void)state;
	static const uint8_t peer[4] = {198, 51, 100, 2}, other[4] = {198, 51, 100, 3};
	struct fp_gw *a = gw_from(site_a_mirror, MTU_1000);
	struct sink out = {.n = 0};
	uint64_t t0 = 1000ull * 1000000000ull;
	a->now_ns = t0;
	fp_gw_pmtu_rcvd(a, FP_AF_INET, other, 8193, 900, t0);
	fp_gw_pmtu_rcvd(a, FP_AF_INET, peer, 8194, 900, t0);
	fp_gw_pmtu_rcvd(a, FP_AF_INET, peer, 8193, 1200, t0);
	assert_int_equal(fp_gw_tunnel_mtu(&a->tunnels[0]), 1000);
	fp_gw_pmtu_rcvd(a, FP_AF_INET, peer, 8193, 900, t0);
	assert_int_equal(fp_gw_tunnel_mtu(&a->tunnels[0]), 900);
	free(expect(a, "show crypto ipsec sa",
		    (const char *const[]){ "#PMTUs rcvd: 2,", "path mtu 900,", "media mtu 1000\n",
					   "PMTU time remaining (sec): 600,", NULL }));
	push_own(a, "inside", big_make(880, true), &out); /* fits 1000, not 900 */
	assert_int_equal(out.n, 1);
	assert_int_equal(out.p[0]->data[9], FP_IPPROTO_ICMP);
	assert_int_equal(fp_get16(out.p[0]->data + 26), ((900u - 52u) & ~3u) - 2u);
	sink_free(&out);
	fp_gw_pmtu_age(a, t0 + FP_GW_PMTU_AGE_NS - 1);
	assert_int_equal(fp_gw_tunnel_mtu(&a->tunnels[0]), 900);
	fp_gw_pmtu_age(a, t0 + FP_GW_PMTU_AGE_NS);
	assert_int_equal(fp_gw_tunnel_mtu(&a->tunnels[0]), 1000);
	push_own(a, "inside", big_make(880, true), &out);
	assert_int_equal(out.p[0]->data[9], FP_IPPROTO_ESP);
	sink_free(&out);
	fp_gw_pmtu_rcvd(a, FP_AF_INET, peer, 8193, 100, t0);
	assert_int_equal(fp_gw_tunnel_mtu(&a->tunnels[0]), 576);
	gw_free(a);
}

static void configure(struct fp_gw *gw, const char *line)
{
	char err[256] = "";
	int rc = fp_gw_configure(gw, line, err, sizeof(err));
	if (rc)
		fprintf(stderr, "'%s': %s\n", line, err);
	assert_int_equal(rc, 0);
}

/* configure terminal: mtu and fragmentation change live; the tunnel moves
 * out of the engine and back with its sequence numbers. */
static void test_live_changes(void **state)
{
	(void)state;
	struct fp_gw *a = gw_from(site_a_mirror, MTU_1000);
	struct sink out = {.n = 0};
	configure(a, "mtu outside 1400");
	free(expect(a, "show counters", (const char *const[]){ "OFFLOAD_FLOW_OUTBOUND_UPDATE_SUCCESS", NULL }));
	push_own(a, "inside", big_make(1300, true), &out);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.p[0]->data[9], FP_IPPROTO_ESP); /* fits 1400 */
	uint32_t seq1 = fp_get32(out.p[0]->data + 24);
	sink_free(&out);
	free(expect(a, "show running-config", (const char *const[]){ "mtu outside 1400\n", NULL }));
	configure(a, "mtu outside 1000");
	configure(a, "crypto ipsec fragmentation after-encryption outside");
	assert_false(fp_gw_tunnel_offloaded(a, &a->tunnels[0]));
	push_own(a, "inside", big_make(1300, false), &out);
	assert_int_equal(out.n, 2); /* the ESP packet in two IP fragments */
	assert_int_equal(fp_get16(out.p[0]->data + 6), 0x2000);
	assert_int_equal(fp_get32(out.p[0]->data + 24), seq1 + 1);
	sink_free(&out);
	configure(a, "crypto ipsec fragmentation before-encryption outside");
	assert_true(fp_gw_tunnel_offloaded(a, &a->tunnels[0]));
	push_own(a, "inside", big_make(1300, false), &out);
	assert_int_equal(out.n, 2); /* two ESP packets */
	assert_int_equal(fp_get32(out.p[0]->data + 24), seq1 + 2);
	assert_int_equal(fp_get32(out.p[1]->data + 24), seq1 + 3);
	sink_free(&out);
	gw_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fragmenter),
		cmocka_unit_test(test_fragmenter_options),
		cmocka_unit_test(test_reassembly_of_pieces),
		cmocka_unit_test(test_icmp6_too_big),
		cmocka_unit_test(test_prefragmentation),
		cmocka_unit_test(test_df_set_pmtu),
		cmocka_unit_test(test_fits),
		cmocka_unit_test(test_postfragmentation),
		cmocka_unit_test(test_live_changes),
		cmocka_unit_test(test_pmtu_received),
		cmocka_unit_test(test_postfrag_df_set),
		cmocka_unit_test(test_prefrag_vpn_filter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
