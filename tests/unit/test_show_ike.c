/* The IKEv2 commands of the command line against a real negotiation: two
 * fp_ike (A 198.51.100.1, B 198.51.100.2) wired through an in-memory
 * queue bring an SA up, and a gateway (site A of gw_fixture.h, whose
 * tunnel stands for A's child) renders it: show crypto ikev2 sa [detail],
 * show crypto ikev2 stats, show vpn-sessiondb l2l, the IKEv2 settings of
 * show crypto ipsec sa, clear crypto ikev2 sa, IKEv2 off, and no key,
 * nonce or pre-shared key in any of them.
 *
 *   10.1.0.0/24 -- [A] 198.51.100.1 ==IKEv2/ESP== 198.51.100.2 [B] -- 10.2.0.0/24 */
#include "gw_fixture.h"

#include "cli/cli_impl.h"
#include "ike/ike.h"
#include "ike/ike_msg.h"
#include "ike/ike_wire.h"

#define NS 1000000000ull
#define QMAX 32
#define UP_AT (1 * NS)      /* the SA comes up at 1 s ... */
#define SHOW_AT (34 * NS)   /* ... and is shown at 34 s: active 33 s */

struct node {
	struct fp_ike *ike;
	struct fp_addr addr;
	unsigned idx, n_down;
	uint32_t next_spi;
	struct fp_crypto_key key;       /* a child key, to look for in the output */
};

static struct {
	struct node n[2];
	struct { unsigned to; uint32_t len; uint8_t buf[2048]; } q[QMAX];
	unsigned nq;
	uint8_t nonce[2][FP_IKE_NONCE_MAX];
	uint16_t nonce_len[2];
	struct fp_gw *gw;               /* A's gateway: its tunnel 0 holds A's child */
} W;

/* Keep each side's nonce from its IKE_SA_INIT (sent in the clear). */
static void nonce_keep(unsigned from, const uint8_t *buf, uint32_t len)
{
	struct fp_ike_msg m;
	if (fp_ike_msg_parse(&m, buf, len) != FP_IKE_E_OK ||
	    m.m_hdr.h_exchange != FP_IKE_EX_IKE_SA_INIT)
		return;
	const struct fp_ike_pl *pl = fp_ike_chain_find(&m.m_chain, FP_IKE_PL_NONCE, NULL);
	if (pl && pl->pl_len <= FP_IKE_NONCE_MAX) {
		memcpy(W.nonce[from], pl->pl_body, pl->pl_len);
		W.nonce_len[from] = pl->pl_len;
	}
}

static void hook_send(void *ctx, const struct fp_ike_dgram *d)
{
	struct node *n = ctx;
	assert_true(W.nq < QMAX && d->len <= sizeof(W.q[0].buf));
	nonce_keep(n->idx, d->data, d->len);
	W.q[W.nq].to = 1 - n->idx;
	W.q[W.nq].len = d->len;
	memcpy(W.q[W.nq++].buf, d->data, d->len);
}

static uint32_t hook_spi_alloc(void *ctx)
{
	struct node *n = ctx;
	return ++n->next_spi;
}

static void hook_spi_release(void *ctx, uint32_t spi)
{
	(void)ctx, (void)spi;
}

/* A's child is the one its gateway's tunnel holds (manual keys in the
 * fixture, marked IKEv2 below); B's is in no gateway. */
static int hook_child_up(void *ctx, const struct fp_ike_child *c, uint64_t old, uint64_t *h)
{
	struct node *n = ctx;
	(void)old;
	n->key = c->key_out;
	*h = n->idx == 0 ? W.gw->tunnels[0].child : 1000;
	return 0;
}

static void hook_child_down(void *ctx, uint64_t h, const char *reason)
{
	struct node *n = ctx;
	(void)h, (void)reason;
	n->n_down++;
}

/* Quiet: test_ike_exchange.c is where the exchanges' log is read. */
static void hook_log(void *ctx, const char *line)
{
	(void)ctx, (void)line;
}

/* Deliver every datagram queued, and what the answers queue. */
static void pump(uint64_t now)
{
	for (unsigned guard = 0; W.nq && guard < 64; guard++) {
		static uint8_t buf[2048];
		unsigned to = W.q[0].to;
		uint32_t len = W.q[0].len;
		memcpy(buf, W.q[0].buf, len);
		memmove(&W.q[0], &W.q[1], --W.nq * sizeof(W.q[0]));
		struct fp_ike_dgram d = { .local = W.n[to].addr, .remote = W.n[1 - to].addr,
					  .lport = FP_IKE_PORT, .rport = FP_IKE_PORT,
					  .data = buf, .len = len };
		fp_ike_input(W.n[to].ike, &d, now);
	}
}

static struct fp_prefix pfx24(uint8_t b)
{
	struct fp_prefix p = { .addr = { .af = FP_AF_INET, .a = { 10, b, 0, 0 } }, .len = 24 };
	return p;
}

/* Node i: one peer (the other), one tunnel 10.(1+i).0.0/24 -> the
 * other's; AES-CBC-256/SHA-256/group 19 for IKE, AES-GCM-256 for ESP. */
static void node_configure(unsigned i, const char *psk_local, const char *psk_remote)
{
	static const struct fp_ike_policy pol = {
		.priority = 1,
		.encr = { FP_IKE_ENCR_AES_CBC }, .encr_bits = { 256 }, .n_encr = 1,
		.integ = { FP_IKE_INTEG_HMAC_SHA2_256_128 }, .n_integ = 1,
		.prf = { FP_IKE_PRF_HMAC_SHA2_256 }, .n_prf = 1,
		.group = { FP_IKE_DH_ECP_256 }, .n_group = 1,
		.life_s = 86400,
	};
	struct fp_ike_peer p = { .addr = W.n[1 - i].addr, .local = W.n[i].addr, .n_tunnels = 1 };
	p.psk_local_len = (uint16_t)strlen(psk_local);
	p.psk_remote_len = (uint16_t)strlen(psk_remote);
	memcpy(p.psk_local, psk_local, p.psk_local_len);
	memcpy(p.psk_remote, psk_remote, p.psk_remote_len);
	struct fp_ike_tunnel *t = &p.tunnels[0];
	t->tunnel = 0;
	t->sel = (struct fp_selector){ .local = pfx24((uint8_t)(1 + i)), .remote = pfx24((uint8_t)(2 - i)) };
	t->esp[0] = (struct fp_ike_esp){ FP_CIPHER_AES_GCM_256, FP_INTEG_NONE };
	t->n_esp = 1;
	t->initiate = t->respond = true;
	t->life_s = 3600;
	struct fp_ike_cfg cfg = { .policies = { pol }, .n_policies = 1, .peers = &p, .n_peers = 1 };
	char err[128];
	assert_int_equal(fp_ike_configure(W.n[i].ike, &cfg, err, sizeof(err)), 0);
}

static int world_setup(void **state)
{
	(void)state;
	memset(&W, 0, sizeof(W));
	W.gw = gw_from(site_a_mirror, "");
	W.gw->tunnels[0].ikev2 = true;
	W.gw->tunnels[0].pfs_group = 14;
	for (unsigned i = 0; i < 2; i++) {
		struct node *n = &W.n[i];
		n->idx = i;
		n->addr = (struct fp_addr){ .af = FP_AF_INET, .a = { 198, 51, 100, (uint8_t)(1 + i) } };
		n->next_spi = i ? 0xb0000000u : 0xa0000000u;
		struct fp_ike_env env = { n, hook_send, hook_spi_alloc, hook_spi_release,
					  hook_child_up, hook_child_down, NULL, hook_log, NULL, NULL };
		n->ike = fp_ike_new(&env);
		assert_non_null(n->ike);
	}
	node_configure(0, "psk-of-A", "psk-of-B");
	node_configure(1, "psk-of-B", "psk-of-A");
	W.gw->now_ns = SHOW_AT;
	return 0;
}

static int world_teardown(void **state)
{
	(void)state;
	W.gw->ike = NULL; /* ours, freed here */
	for (unsigned i = 0; i < 2; i++)
		fp_ike_free(W.n[i].ike);
	gw_free(W.gw);
	return 0;
}

/* A initiates; the gateway shows node i's side. */
static void bring_up(unsigned i)
{
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 0, UP_AT), 0);
	pump(UP_AT);
	struct fp_ike_sa_info s;
	assert_true(fp_ike_sa_get(W.n[0].ike, 0, &s));
	assert_int_equal(s.status, FP_IKE_SA_READY);
	W.gw->ike = W.n[i].ike;
}

static void hex(const uint8_t *b, size_t n, bool upper, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, upper ? "%02X" : "%02x", b[i]);
}

/* No pre-shared key, no 8 bytes of a nonce or a child key, in either case. */
static void assert_no_secret(const char *out)
{
	const uint8_t *secrets[] = { W.nonce[0], W.nonce[1], W.n[0].key.ckey, W.n[1].key.ckey };
	assert_null(strstr(out, "psk-of"));
	assert_true(W.nonce_len[0] >= 8 && W.nonce_len[1] >= 8);
	for (unsigned i = 0; i < 4; i++)
		for (int upper = 0; upper < 2; upper++) {
			char h[17];
			hex(secrets[i], 8, upper, h);
			assert_null(strstr(out, h));
		}
}

static char *show(const char *line, const char *const *want)
{
	char *out = expect(W.gw, line, want);
	if (getenv("SHOW_IKE_PRINT")) /* the samples of docs/commands.md */
		fprintf(stderr, "# %s\n%s", line, out);
	assert_no_secret(out);
	return out;
}

static void test_ikev2_sa(void **state)
{
	(void)state;
	bring_up(0);
	struct fp_ike_sa_info s;
	assert_true(fp_ike_sa_get(W.n[0].ike, 0, &s));
	char row[128];
	snprintf(row, sizeof(row), "%9llu%22s%23s      READY    INITIATOR\n",
		 (unsigned long long)s.id, "198.51.100.1/500", "198.51.100.2/500");
	const char *want[] = {
		"IKEv2 SAs:\n\nSession-id:1, Status:UP-ACTIVE, IKE count:1, CHILD count:1\n\n",
		"Tunnel-id                 Local                Remote     Status         Role\n", row,
		"      Encr: AES-CBC, keysize: 256, Hash: SHA256, DH Grp:19, Auth sign: PSK, "
		"Auth verify: PSK\n",
		"      Life/Active Time: 86400/33 sec\n",
		"Child sa: local selector  10.1.0.0/0 - 10.1.0.255/65535\n"
		"          remote selector 10.2.0.0/0 - 10.2.0.255/65535\n"
		"          ESP spi in/out: 0x00001001/0x00002001\n", NULL };
	char *out = show("show crypto ikev2 sa", want);
	assert_null(strstr(out, "Local spi")); /* detail only */
	free(out);
}

static void test_ikev2_sa_detail(void **state)
{
	(void)state;
	bring_up(0);
	struct fp_ike_sa_info s;
	assert_true(fp_ike_sa_get(W.n[0].ike, 0, &s));
	char spis[128], mids[128], l[40];
	snprintf(l, sizeof(l), "Local spi: %016llX", (unsigned long long)s.spi_i);
	snprintf(spis, sizeof(spis), "      %-34sRemote spi: %016llX\n", l,
		 (unsigned long long)s.spi_r);
	snprintf(l, sizeof(l), "Local next mess id: %u", s.msgid_send);
	snprintf(mids, sizeof(mids), "      %-34sRemote next mess id: %u\n", l, s.msgid_recv);
	const char *want[] = { "      Status Description: Negotiation done\n", spis,
			       "      Local id: 198.51.100.1\n      Remote id: 198.51.100.2\n", mids,
			       "      Local window: 1                   Remote window: 1\n",
			       "      DPD disabled\n", "      NAT-T is not detected\n",
			       "          Encr: AES-GCM, keysize: 256, esp_hmac: N/A\n",
			       "          ah_hmac: None, comp: IPCOMP_NONE, mode tunnel\n",
			       "          PFS Group: 14\n", NULL };
	free(show("show crypto ikev2 sa detail", want));
}

/* B answered: RESPONDER; its child is in no tunnel of this gateway. */
static void test_ikev2_sa_responder(void **state)
{
	(void)state;
	bring_up(1);
	const char *want[] = { "198.51.100.2/500", "198.51.100.1/500      READY    RESPONDER\n",
			       "CHILD count:1", NULL };
	char *out = show("show crypto ikev2 sa", want);
	assert_null(strstr(out, "Child sa:"));
	free(out);
}

/* " Label:    value" as show crypto ikev2 stats aligns it. */
static const char *stat(char *buf, const char *label, uint64_t v)
{
	snprintf(buf, 64, " %-34s%12llu\n", label, (unsigned long long)v);
	return buf;
}

static const char *notify(char *buf, const char *name, uint64_t tx, uint64_t rx)
{
	snprintf(buf, 64, " %-32s%10llu%12llu\n", name, (unsigned long long)tx,
		 (unsigned long long)rx);
	return buf;
}

static void test_ikev2_stats(void **state)
{
	(void)state;
	bring_up(0);
	const struct fp_ike_stats *st = fp_ike_stats(W.n[0].ike);
	char b[6][64];
	assert_true(st->rx >= 2 && st->tx >= 2);
	const char *want[] = { "Global IKEv2 Statistics\n", stat(b[0], "Active Tunnels:", 1),
			       stat(b[1], "In Packets:", st->rx), stat(b[2], "Out Packets:", st->tx),
			       stat(b[3], "SAs established:", 1), stat(b[4], "Authentications:", 1),
			       stat(b[5], "Previous Tunnels:", 0),
			       "Error notifies: none sent or received\n", NULL };
	free(show("show crypto ikev2 stats", want));
}

/* configure terminal changes the half-open limit and the cookie threshold
 * while fpvpnd runs: show crypto ikev2 stats and the running-config follow. */
static void test_ikev2_limits_live(void **state)
{
	(void)state;
	char b[4][64], err[256] = "";
	bring_up(0);
	const char *before[] = { stat(b[0], "Half-open limit:", 1024),
				 stat(b[1], "Cookies required from half-open:", 512), NULL };
	free(show("show crypto ikev2 stats", before));
	assert_int_equal(fp_gw_configure(W.gw, "crypto ikev2 limit max-in-negotiation-sa 200", err,
					 sizeof(err)), 0);
	assert_int_equal(fp_gw_configure(W.gw, "crypto ikev2 cookie-challenge 10", err,
					 sizeof(err)), 0);
	const char *after[] = { stat(b[2], "Half-open limit:", 200),
				stat(b[3], "Cookies required from half-open:", 20), NULL };
	free(show("show crypto ikev2 stats", after));
	const char *run[] = { "crypto ikev2 limit max-in-negotiation-sa 200\n",
			      "crypto ikev2 cookie-challenge 10\n", NULL };
	free(show("show running-config", run));
}

/* B refuses A's PSK: AUTHENTICATION_FAILED sent by B, received by A. */
static void test_ikev2_stats_notify(void **state)
{
	(void)state;
	node_configure(1, "psk-of-B", "psk-of-X");
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 0, UP_AT), 0);
	pump(UP_AT);
	W.gw->ike = W.n[1].ike;
	char x[4][64];
	const char *b[] = { stat(x[0], "Authentication Failures:", 1),
			    stat(x[1], "Out Notifys:", 1),
			    notify(x[2], "AUTHENTICATION_FAILED", 1, 0),
			    "Authentication failures by reason\n pre-shared key mismatch ", NULL };
	free(show("show crypto ikev2 stats", b));
	W.gw->ike = W.n[0].ike;
	const char *a[] = { stat(x[0], "In Notifys:", 1),
			    notify(x[1], "AUTHENTICATION_FAILED", 0, 1), NULL };
	free(show("show crypto ikev2 stats", a));
}

static void test_sessiondb_l2l(void **state)
{
	(void)state;
	bring_up(0);
	struct fp_pkt *in[2] = { inner_make(), inner_make() }, *esp[3] = { 0 };
	fp_gw_input(W.gw, (uint16_t)fp_gw_iface_find(W.gw, "inside"), in, 2, collect, esp);
	assert_non_null(esp[1]);
	struct fp_sa_stats si, so;
	assert_int_equal(fp_cli_tunnel_query(&W.gw->tunnels[0], &si, &so), 0);
	char bytes[96];
	snprintf(bytes, sizeof(bytes), "Bytes Tx     : %-22llu Bytes Rx     : 0\n",
		 (unsigned long long)so.bytes);
	assert_true(so.bytes > 0);
	const char *want[] = {
		"Session Type: LAN-to-LAN\n\n",
		"Connection   : 198.51.100.2\n",
		"Index        : 1                      IP Addr      : 198.51.100.2\n",
		"Protocol     : IKEv2 IPsec\n",
		"Encryption   : IKEv2: (1)AES256  IPsec: (1)AES-GCM-256\n",
		"Hashing      : IKEv2: (1)SHA256  IPsec: (1)none\n", bytes,
		"Login Time   : 00:00:01 UTC Thu Jan 1 1970\n",
		"Duration     : 0h:00m:33s\n", NULL };
	free(show("show vpn-sessiondb l2l", want));
	for (unsigned i = 0; i < 2; i++)
		free(in[i]);
}

/* Keys from IKEv2: "PFS Group 14, IKEv2" where manual keys say "Manual key". */
static void test_ipsec_sa_settings(void **state)
{
	(void)state;
	const char *pfs[] = { "in use settings ={L2L, Tunnel, PFS Group 14, IKEv2, ", NULL };
	char *out = expect(W.gw, "show crypto ipsec sa", pfs);
	assert_null(strstr(out, "Manual key"));
	free(out);
	W.gw->tunnels[0].pfs_group = 0;
	const char *nopfs[] = { "in use settings ={L2L, Tunnel, IKEv2, ", NULL };
	free(expect(W.gw, "show crypto ipsec sa", nopfs));
	W.gw->tunnels[0].ikev2 = false;
	const char *manual[] = { "in use settings ={L2L, Tunnel, Manual key, ", NULL };
	free(expect(W.gw, "show crypto ipsec sa", manual));
}

static void test_clear(void **state)
{
	(void)state;
	bring_up(0);
	int rc;
	free(run(W.gw, "clear crypto ikev2 sa 198.51.100.9", &rc)); /* not a peer: nothing */
	assert_int_equal(rc, 0);
	struct fp_ike_sa_info s;
	assert_true(fp_ike_sa_get(W.n[0].ike, 0, &s));
	char *out = run(W.gw, "clear crypto ikev2 sa 198.51.100", &rc);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(out, "Invalid input"));
	free(out);
	free(run(W.gw, "clear crypto ikev2 sa 198.51.100.2", &rc));
	assert_int_equal(rc, 0);
	pump(SHOW_AT);
	assert_false(fp_ike_sa_get(W.n[0].ike, 0, &s));
	assert_false(fp_ike_sa_get(W.n[1].ike, 0, &s)); /* B got the DELETE */
	assert_int_equal(W.n[0].n_down, 1);
	assert_int_equal(W.n[1].n_down, 1);
	const char *none[] = { "There are no IKEv2 SAs\n", NULL };
	free(show("show crypto ikev2 sa", none));
	const char *nosess[] = { "INFO: There are presently no active sessions", NULL };
	free(show("show vpn-sessiondb l2l", nosess));
	/* and every one of them (a new negotiation: past the acquire's hold-off) */
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 0, SHOW_AT + 30 * NS), 0);
	pump(SHOW_AT + 30 * NS);
	assert_true(fp_ike_sa_get(W.n[0].ike, 0, &s));
	free(run(W.gw, "clear crypto ikev2 sa", &rc));
	assert_int_equal(rc, 0);
	pump(SHOW_AT + 30 * NS); /* the DELETE is a request like any: gone once answered */
	assert_false(fp_ike_sa_get(W.n[0].ike, 0, &s));
}

static void test_ike_off(void **state)
{
	(void)state;
	const char *off[] = { "IKEv2 is not running: no interface has \"crypto ikev2 enable\"\n", NULL };
	free(expect(W.gw, "show crypto ikev2 sa", off));
	free(expect(W.gw, "show crypto ikev2 sa detail", off));
	free(expect(W.gw, "show crypto ikev2 stats", off));
	const char *nosess[] = { "INFO: There are presently no active sessions", NULL };
	free(expect(W.gw, "show vpn-sessiondb l2l", nosess));
	const char *nothing[] = { "", NULL };
	char *out = expect(W.gw, "clear crypto ikev2 sa", nothing);
	assert_string_equal(out, "");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, world_setup, world_teardown)
		T(test_ikev2_sa),
		T(test_ikev2_sa_detail),
		T(test_ikev2_sa_responder),
		T(test_ikev2_stats),
		T(test_ikev2_stats_notify),
		T(test_ikev2_limits_live),
		T(test_sessiondb_l2l),
		T(test_ipsec_sa_settings),
		T(test_clear),
		T(test_ike_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
