/* What the slow path does with what the engine punted (forward.c): an
 * inbound ESP packet that missed twice (handed to the pipe its SPI hashes
 * to, missed there too) is dropped under its own reason, never given to
 * the outbound policy, even when a crypto ACL covers its outer addresses. */
#include "gw_fixture.h"

#include "datapath/thread_io.h"

/* ESP 198.51.100.2 -> 198.51.100.1 with an SPI no SA has. */
static struct fp_pkt *esp_unknown(void)
{
	struct fp_pkt *p = aligned_alloc(64, sizeof(*p));
	fp_pkt_reset(p);
	uint8_t *h = fp_pkt_put(p, FP_IPV4_HLEN + 64);
	memset(h, 0, p->len);
	h[0] = 0x45, h[8] = 64, h[9] = FP_IPPROTO_ESP;
	fp_put16(h + 2, (uint16_t)p->len);
	h[12] = 198, h[13] = 51, h[14] = 100, h[15] = 2;
	h[16] = 198, h[17] = 51, h[18] = 100, h[19] = 1;
	fp_ipv4_csum_set(h);
	fp_put32(h + 20, 0x9999);
	fp_put32(h + 24, 1);
	return p;
}

static void test_inbound_missed_twice(void **state)
{
	(void)state;
	/* the ACL also covers the gateways' own addresses */
	struct fp_gw *a = gw_from(site_a_mirror, "access-list VPN extended permit ip any any\n");
	struct fp_pkt *out[4] = { 0 }, *p = esp_unknown();
	struct fp_gw_io io = {.pipe = &a->pipes[0], .emit = collect, .ctx = out};
	p->ifc = (uint16_t)fp_gw_iface_find(a, "outside");
	p->flags = FP_PKT_F_RESTEER | FP_PKT_F_PUNT;
	p->drop = FP_DROP_SPI_UNKNOWN;
	fp_gw_slow_input(a, &io, &p, 1);
	assert_null(out[0]);
	assert_int_equal(fp_gw_drop_count(a, FP_DROP_SPI_UNKNOWN), 1);
	assert_int_equal(fp_gw_drop_count(a, FP_DROP_NO_SA), 0);
	free(p);
	gw_free(a);
}

/* A worker's punts as the live runtime queues them (thread_io.c): one
 * worker, its punt ring, a packet pool; nothing drains the ring. */
struct punt_rig {
	struct fp_pktpool pool;
	struct fp_runtime rt;
	struct fp_worker w;
	struct fp_pipe pipe;
	struct fp_thread_io tio;
	struct fp_rt_ctx c;
};

static struct punt_rig *punt_rig_new(void)
{
	struct punt_rig *r = calloc(1, sizeof(*r));
	assert_int_equal(fp_pktpool_init(&r->pool, 2 * FP_RT_RING), 0);
	assert_int_equal(fp_thread_io_init(&r->tio), 0);
	assert_int_equal(fp_thread_io_init(&r->rt.slow), 0);
	fp_pktcache_init(&r->tio.cache, &r->pool);
	assert_int_equal(fp_ring_init(&r->w.punt, FP_RT_RING), 0);
	r->w.pipe = &r->pipe;
	r->w.in = calloc(2, sizeof(*r->w.in)); /* hand-off rings: none used, one per producer */
	r->rt.n_workers = 1;
	r->rt.w = &r->w;
	fp_rt_ctx_init(&r->c, &r->rt, &r->tio, &r->w, &r->pipe);
	return r;
}

static void punt_rig_free(struct punt_rig *r)
{
	void *objs[64];
	unsigned n;
	while ((n = fp_ring_dequeue(&r->w.punt, objs, 64)) > 0)
		fp_pkt_free(&r->tio.cache, (struct fp_pkt **)objs, n);
	fp_ring_fini(&r->w.punt);
	free(r->w.in);
	fp_pktcache_flush(&r->tio.cache);
	fp_thread_io_fini(&r->tio);
	fp_thread_io_fini(&r->rt.slow);
	fp_pktpool_fini(&r->pool);
	free(r);
}

/* One burst of n punts with these flags and reason, released as a worker
 * releases its burst (the punts reach the ring then). */
static void punt_burst(struct punt_rig *r, unsigned n, uint32_t flags, enum fp_drop why)
{
	struct fp_pkt *p[FP_RT_BURST];
	assert_int_equal(fp_pkt_alloc(&r->tio.cache, p, n), n);
	for (unsigned i = 0; i < n; i++) {
		p[i]->flags = flags;
		p[i]->drop = why;
		r->c.gio.punt(r->c.gio.ctx, p[i]);
	}
	fp_rt_release(&r->c, p, n);
}

/* A flood of unauthenticated DTLS datagrams (ClientHellos of no rule, and
 * handshake, other-epoch and multi-record datagrams on a client's own
 * address and port) while the slow path is behind fills half the punt
 * ring, no more: a session's DPD frame, an alert and an ESP packet for
 * the slow path still get in, and what was shed is counted as
 * dispatch-queue-limit. Before, the flood took the whole ring and the
 * session's DPD was tail-dropped with it (test_live_anyconnect_hostile.sh
 * found openconnect's DPD unanswered). */
static void test_punt_flood_leaves_room(void **state)
{
	(void)state;
	static const enum fp_drop unverified[] = { FP_DROP_DTLS_NO_RULE, FP_DROP_DTLS_HANDSHAKE,
						   FP_DROP_DTLS_EPOCH, FP_DROP_DTLS_MULTI_RECORD };
	struct punt_rig *r = punt_rig_new();
	for (unsigned b = 0; b < 2 * FP_RT_RING / FP_RT_BURST; b++)
		punt_burst(r, FP_RT_BURST, FP_PKT_F_DTLS, unverified[b % 4]);
	assert_int_equal(fp_ring_count(&r->w.punt), FP_RT_RING / 2);
	assert_int_equal(r->pipe.st.drops[FP_DROP_PUNT_FULL], 2 * FP_RT_RING - FP_RT_RING / 2);
	assert_int_equal(r->w.punt_taildrop, 2 * FP_RT_RING - FP_RT_RING / 2);
	for (unsigned i = 0; i < 4; i++) /* each kind is shed */
		punt_burst(r, 1, FP_PKT_F_DTLS, unverified[i]);
	assert_int_equal(fp_ring_count(&r->w.punt), FP_RT_RING / 2);
	punt_burst(r, 1, FP_PKT_F_DTLS, FP_DROP_DTLS_CONTROL_IN);
	punt_burst(r, 1, FP_PKT_F_DTLS, FP_DROP_DTLS_RX_ALERT);
	punt_burst(r, 1, 0, FP_DROP_SPI_UNKNOWN);
	punt_burst(r, 1, 0, FP_DROP_IKE_PUNT);
	assert_int_equal(fp_ring_count(&r->w.punt), FP_RT_RING / 2 + 4);
	/* the rest of the ring is everyone's, as before */
	for (unsigned b = 0; b < FP_RT_RING / FP_RT_BURST; b++)
		punt_burst(r, FP_RT_BURST, FP_PKT_F_DTLS, FP_DROP_DTLS_CONTROL_IN);
	assert_int_equal(fp_ring_count(&r->w.punt), FP_RT_RING);
	punt_rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inbound_missed_twice),
		cmocka_unit_test(test_punt_flood_leaves_room),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
