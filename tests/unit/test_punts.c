/* What the slow path does with what the engine punted (forward.c): an
 * inbound ESP packet that missed twice (handed to the pipe its SPI hashes
 * to, missed there too) is dropped under its own reason, never given to
 * the outbound policy, even when a crypto ACL covers its outer addresses. */
#include "gw_fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inbound_missed_twice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
