/* The child-SA API (datapath/child.h): a make-before-break rekey with
 * packets in flight, SPIs unique across the gateway, the rule counters
 * counted once, seconds lifetimes enforced with their events, and events
 * the engine could not queue counted as lost. Two gateways, A and B, as in
 * gw_fixture.h:
 *   10.1.0.0/24 -- [A] 198.51.100.1 ====ESP==== 198.51.100.2 [B] -- 10.2.0.0/24 */
#include "gw_fixture.h"

#include "datapath/child.h"
#include "offload/sadb.h"

#define S 1000000000ull

static struct fp_child_event seen[16];
static unsigned n_seen;

static void on_event(struct fp_gw *gw, const struct fp_child_event *ev)
{
	(void)gw;
	if (n_seen < 16)
		seen[n_seen] = *ev;
	n_seen++;
}

static bool saw(uint8_t dir, uint8_t type)
{
	for (unsigned i = 0; i < n_seen && i < 16; i++)
		if (seen[i].ce_dir == dir && seen[i].ce_type == type)
			return true;
	return false;
}

/* A's inside sends n packets; their ESP packets are kept, not delivered. */
static unsigned esp_from_a(struct fp_gw *a, unsigned n, struct fp_pkt **esp)
{
	struct fp_pkt *in[8] = {0};
	memset(esp, 0, 9 * sizeof(*esp));
	for (unsigned i = 0; i < n; i++)
		in[i] = inner_make();
	fp_gw_input(a, (uint16_t)fp_gw_iface_find(a, "inside"), in, (uint16_t)n, collect, esp);
	unsigned m = 0;
	while (esp[m])
		m++;
	for (unsigned i = 0; i < n; i++) { /* ESP is built in place: free what was dropped */
		bool sent = false;
		for (unsigned j = 0; j < m; j++)
			sent |= esp[j] == in[i];
		if (!sent)
			free(in[i]);
	}
	return m;
}

/* B's outside takes one ESP packet; returns how many inner packets came out. */
static unsigned esp_to_b(struct fp_gw *b, struct fp_pkt *p)
{
	struct fp_pkt *clear[2] = {0};
	fp_gw_input(b, (uint16_t)fp_gw_iface_find(b, "outside"), &p, 1, collect, clear);
	return clear[0] != NULL;
}

/* The child both sides of a rekey agree on, seen from one side. */
static void child_of(const struct fp_gw *gw, uint32_t spi_in, uint32_t spi_out, uint8_t kin,
		     uint8_t kout, struct fp_child_sa *c)
{
	memset(c, 0, sizeof(*c));
	c->cs_spi_in = spi_in;
	c->cs_spi_out = spi_out;
	c->cs_tunnel = 0;
	c->cs_key_in.cipher = c->cs_key_out.cipher = gw->tunnels[0].in.key.cipher;
	c->cs_key_in.ckey_len = c->cs_key_out.ckey_len = 36;
	memset(c->cs_key_in.ckey, kin, 36);
	memset(c->cs_key_out.ckey, kout, 36);
	c->cs_sel = gw->tunnels[0].in.sel;
}

/* The responder B puts its new inbound SA in first; the initiator A
 * installs both and switches; packets A sent on the old SA and still in
 * flight decrypt at B until B deletes the old child, and not after. */
static void test_rekey_in_flight(void **state)
{
	(void)state;
	struct fp_gw *a = gw_from(site_a_mirror, ""), *b = gw_from(site_b, "");
	struct fp_pkt *old[9], *late[9];
	char err[160];
	uint32_t spi_a, spi_b, ha, hb, old_a = a->tunnels[0].child, old_b = b->tunnels[0].child;

	assert_int_equal(send_ab(a, b, 2, NULL), 2);
	assert_int_equal(esp_from_a(a, 2, old), 2); /* in flight on the old SA */
	assert_int_equal(fp_child_spi_alloc(b, &spi_b), 0);
	assert_int_equal(fp_child_spi_alloc(a, &spi_a), 0);
	struct fp_child_sa cb, ca;
	child_of(b, spi_b, spi_a, 0x11, 0x22, &cb);
	child_of(a, spi_a, spi_b, 0x22, 0x11, &ca);
	assert_int_equal(fp_child_add_inbound(b, &cb, &hb, err, sizeof(err)), 0);
	assert_int_equal(fp_child_add_inbound(a, &ca, &ha, err, sizeof(err)), 0);
	assert_int_equal(fp_child_add_outbound(a, ha, old_a, err, sizeof(err)), 0);
	assert_int_equal(a->tunnels[0].out.spi, spi_b);
	assert_int_equal(send_ab(a, b, 3, NULL), 3);  /* new SA, B's new inbound */
	assert_int_equal(esp_to_b(b, old[0]), 1);     /* old inbound still decrypts */
	assert_int_equal(fp_child_add_outbound(b, hb, old_b, err, sizeof(err)), 0);
	assert_int_equal(esp_from_a(a, 1, late), 1);
	assert_int_equal(fp_child_delete(b, old_b, "rekeyed"), 0);
	assert_int_equal(fp_child_delete(a, old_a, "rekeyed"), 0);
	assert_int_equal(esp_to_b(b, old[1]), 0);     /* old inbound gone */
	assert_int_equal(esp_to_b(b, late[0]), 1);    /* the new one carries on */
	struct fp_sa_stats in, out;
	assert_int_equal(fp_child_query(b, hb, &in, &out), 0);
	assert_int_equal(in.pkts, 4);
	assert_int_equal(fp_child_query(b, old_b, &in, &out), 0); /* kept for show */
	assert_int_equal(in.pkts, 3);
	assert_int_equal(fp_child_state_get(b, old_b), FP_CHILD_DELETED);
	free(old[0]), free(old[1]), free(late[0]);
	gw_free(a), gw_free(b);
}

/* SPIs are random, never 0-255, never one in use anywhere in the gateway
 * (manual ones included), reserved until released; the table bounds them. */
static void test_spi_unique(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_b, "");
	static uint32_t got[FP_CHILD_MAX];
	unsigned n = 0;
	while (fp_child_spi_alloc(gw, &got[n]) == 0)
		n++;
	assert_int_equal(n, FP_CHILD_MAX - 1); /* one record is tunnel 0's child */
	for (unsigned i = 0; i < n; i++) {
		assert_true(got[i] >= 256);
		assert_int_not_equal(got[i], 8193); /* tunnel 0's inbound SPI */
		for (unsigned j = 0; j < i; j++)
			assert_int_not_equal(got[i], got[j]);
	}
	fp_child_spi_release(gw, got[7]);
	uint32_t again;
	assert_int_equal(fp_child_spi_alloc(gw, &again), 0);
	assert_int_not_equal(again, 8193);
	/* an SPI another child has is refused, a manual one included */
	struct fp_child_sa c;
	uint32_t h;
	char err[160];
	child_of(gw, 8193, 4242, 1, 2, &c);
	assert_int_equal(fp_child_add_inbound(gw, &c, &h, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "in use"));
	gw_free(gw);
}

/* Each step counts its rules once, on the pipe that holds the SAs. */
static void test_counters(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_b, "");
	struct fp_pipe_stats *st = &gw->tunnels[0].pipe->st;
	assert_false(gw->tunnels[0].pipe->software);
	assert_int_equal(st->rule_in_add, 1);
	assert_int_equal(st->rule_out_add, 1);
	uint32_t spi, h, old = gw->tunnels[0].child;
	char err[160];
	struct fp_child_sa c;
	/* one pipe: the new child lands where the old one is */
	assert_int_equal(fp_child_spi_alloc(gw, &spi), 0);
	child_of(gw, spi, 5555, 1, 2, &c);
	assert_int_equal(fp_child_add_inbound(gw, &c, &h, err, sizeof(err)), 0);
	assert_int_equal(st->rule_in_add, 2);
	assert_int_equal(st->rule_out_add, 2); /* aside, under no tunnel's rule */
	assert_int_equal(fp_child_add_outbound(gw, h, old, err, sizeof(err)), 0);
	assert_int_equal(st->rule_out_update, 1);
	assert_int_equal(fp_child_add_outbound(gw, h, old, err, sizeof(err)), -1); /* done already */
	struct fp_sa_update u = {.fields = FP_SA_UPD_LIFETIME, .life_pkts_hard = 1000};
	assert_int_equal(fp_child_update(gw, h, &u), 0);
	assert_int_equal(st->rule_in_update, 1);
	assert_int_equal(st->rule_out_update, 2);
	assert_int_equal(fp_child_delete(gw, old, "rekeyed"), 0);
	assert_int_equal(st->rule_in_del, 1);
	assert_int_equal(st->rule_out_del, 1);
	assert_int_equal(fp_child_delete(gw, old, "again"), -1);
	assert_int_equal(st->rule_in_del, 1);
	assert_int_equal(st->rule_failed, 0);
	assert_int_equal(fp_sadb_count(gw->tunnels[0].pipe->db), 2);
	gw_free(gw);
}

#define LIFE "crypto map CM 10 set security-association lifetime seconds 120\n"

/* lifetime seconds 120: the soft event at 90% (108 s) once per direction,
 * the idle inbound one from the slow path's tick; at 120 s packets drop as
 * ipsec-sa-expired and both hard events come; show counts down. */
static void test_lifetime_seconds(void **state)
{
	(void)state;
	struct fp_gw *a = gw_from(site_a_mirror, LIFE), *b = gw_from(site_b, LIFE);
	uint64_t ta = a->tunnels[0].installed_ns, tb = b->tunnels[0].installed_ns;
	struct fp_pkt *esp[9];
	a->on_child_event = on_event;
	n_seen = 0;
	a->now_ns = ta + 100 * S, b->now_ns = tb + 100 * S;
	assert_int_equal(send_ab(a, b, 1, NULL), 1);
	assert_int_equal(fp_child_tick(a, a->now_ns), 0);
	a->now_ns = ta + 109 * S, b->now_ns = tb + 109 * S;
	assert_int_equal(send_ab(a, b, 1, NULL), 1);
	assert_int_equal(fp_child_tick(a, a->now_ns), 2);
	assert_true(saw(FP_SA_OUT, FP_SA_EV_SOFT_TIME)); /* from the engine's run */
	assert_true(saw(FP_SA_IN, FP_SA_EV_SOFT_TIME));  /* idle: from the tick */
	assert_int_equal(fp_child_tick(a, a->now_ns), 0); /* once each */
	free(expect(a, "show crypto ipsec sa", (const char *const[]){"(kB/sec): (unlimited/11)\n", NULL}));
	a->now_ns = ta + 121 * S;
	uint64_t expired = fp_gw_drop_count(a, FP_DROP_SA_EXPIRED);
	assert_int_equal(esp_from_a(a, 1, esp), 0);
	assert_int_equal(fp_gw_drop_count(a, FP_DROP_SA_EXPIRED), expired + 1);
	assert_int_equal(fp_child_tick(a, a->now_ns), 2);
	assert_true(saw(FP_SA_OUT, FP_SA_EV_HARD_TIME));
	assert_true(saw(FP_SA_IN, FP_SA_EV_HARD_TIME));
	assert_int_equal(fp_child_events_delivered(a), 4);
	free(expect(a, "show crypto ipsec sa", (const char *const[]){"(kB/sec): (unlimited/0)\n", NULL}));
	gw_free(a), gw_free(b);
}

/* Events the engine raises faster than the slow path takes them are
 * counted as lost and shown; the ones queued are delivered once. */
static void test_events_lost(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_b, "");
	struct fp_pipe *pp = gw->tunnels[0].pipe;
	gw->on_child_event = on_event;
	n_seen = 0;
	for (unsigned i = 0; i < FP_SA_EVENT_RING + 5; i++)
		fp_sadb_event_raise(pp->db, gw->tunnels[0].sa_out, FP_SA_EV_SEQ_EXHAUSTED);
	assert_int_equal(fp_child_events_lost(gw), 5);
	assert_int_equal(fp_child_tick(gw, 0), 1);
	assert_true(saw(FP_SA_OUT, FP_SA_EV_SEQ_EXHAUSTED));
	free(expect(gw, "show flow-offload-ipsec statistics",
		    (const char *const[]){"SA events\n", "Delivered", "Lost (ring full)", NULL}));
	char line[256];
	fp_child_event_format(gw, &seen[0], line, sizeof(line));
	assert_string_equal(line, "IPsec SA event: crypto map CM 10, peer 198.51.100.1, outbound "
				  "SPI 0x00001001: sequence-exhausted");
	gw_free(gw);
}

/* Site A with IKEv2 instead of keys: its tunnel has no SA until a child
 * is negotiated (here: installed as IKE would, with site B's keys). */
static const char site_a_ike[] =
	"hostname site-a\n"
	"interface eth0\n nameif outside\n ip address 198.51.100.1 255.255.255.0\n!\n"
	"interface eth1\n nameif inside\n ip address 10.1.0.1 255.255.255.0\n!\n"
	"access-list VPN extended permit ip 10.1.0.0 255.255.255.0 10.2.0.0 255.255.255.0\n"
	"crypto ikev2 policy 10\n encryption aes-gcm-256\n integrity null\n group 19\n"
	" prf sha256\n"
	"crypto ikev2 enable outside\n"
	"crypto ipsec ikev2 ipsec-proposal GCM\n protocol esp encryption aes-gcm-256\n"
	"crypto map CM 10 match address VPN\n"
	"crypto map CM 10 set peer 198.51.100.2\n"
	"crypto map CM 10 set ikev2 ipsec-proposal GCM\n"
	"crypto map CM interface outside\n"
	"tunnel-group 198.51.100.2 type ipsec-l2l\n"
	"tunnel-group 198.51.100.2 ipsec-attributes\n"
	" ikev2 remote-authentication pre-shared-key not-secret-0123456789\n"
	" ikev2 local-authentication pre-shared-key not-secret-0123456789\n";

static void key_hex(struct fp_crypto_key *k, uint8_t cipher, const char *hex)
{
	k->cipher = cipher;
	k->ckey_len = (uint8_t)(strlen(hex) / 2);
	for (unsigned i = 0; i < k->ckey_len; i++)
		sscanf(hex + 2 * i, "%2hhx", &k->ckey[i]);
}

/* flow-offload-ipsec off and on with a negotiated child: its keys are
 * nowhere but in the engine, and the pair moves with them, its sequence
 * numbers and its window (B, with the same keys configured, accepts every
 * packet), and comes back; clear ipsec sa leaves a negotiated child to IKE. */
static void test_negotiated_moves(void **state)
{
	(void)state;
	char err[256];
	struct fp_gw *a = gw_from(site_a_ike, ""), *b = gw_from(site_b, "");
	assert_int_equal(fp_gw_manual_tunnels(a), 0);
	struct fp_child_sa c;
	memset(&c, 0, sizeof(c));
	c.cs_spi_in = 4097, c.cs_spi_out = 8193;
	fp_gw_tunnel_selector(&a->tunnels[0], &c.cs_sel);
	key_hex(&c.cs_key_in, b->tunnels[0].in.key.cipher, K36);
	key_hex(&c.cs_key_out, b->tunnels[0].in.key.cipher, K36B);
	uint32_t h;
	assert_int_equal(fp_child_add(a, &c, &h, err, sizeof(err)), 0);
	fp_crypto_cleanse(&c, sizeof(c));
	struct fp_child_loc loc;
	assert_true(fp_child_locate(a, h, &loc));
	assert_false(loc.cl_pipe->software);
	assert_int_equal(send_ab(a, b, 5, NULL), 5);
	a->cfg->offload_ipsec = false;
	assert_int_equal(fp_gw_reoffload(a, err, sizeof(err)), 0);
	assert_true(fp_child_locate(a, h, &loc));
	assert_true(loc.cl_pipe->software);
	assert_false(fp_gw_tunnel_offloaded(a, &a->tunnels[0]));
	assert_int_equal(send_ab(a, b, 5, NULL), 5);
	a->cfg->offload_ipsec = true;
	assert_int_equal(fp_gw_reoffload(a, err, sizeof(err)), 0);
	assert_true(fp_child_locate(a, h, &loc));
	assert_false(loc.cl_pipe->software);
	assert_true(fp_gw_tunnel_offloaded(a, &a->tunnels[0]));
	assert_int_equal(send_ab(a, b, 5, NULL), 5);
	free(expect(a, "show crypto ipsec sa", (const char *const[]){"#pkts encaps: 15,", NULL}));
	free(expect(b, "show crypto ipsec sa", (const char *const[]){"#pkts decaps: 15,", NULL}));
	assert_int_equal(fp_gw_clear_sas(a, err, sizeof(err)), 0); /* manual pairs only */
	assert_true(fp_child_locate(a, h, &loc));
	gw_free(a), gw_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rekey_in_flight),
		cmocka_unit_test(test_spi_unique),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_lifetime_seconds),
		cmocka_unit_test(test_events_lost),
		cmocka_unit_test(test_negotiated_moves),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
