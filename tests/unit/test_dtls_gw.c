/* DTLS offload wired into the gateway: a libssl DTLS pair in memory
 * (dtls_pair.h) stands for an AnyConnect client of the headend; its
 * session is installed with the gateway's API (datapath/dtls_session.h),
 * its records come in as UDP datagrams on the outside interface and their
 * inner packets leave by the inside; inside packets to its pool address
 * leave by the outside as records its SSL_read accepts. flow-offload-dtls
 * switched off and on moves the rule with its numbers; control records go
 * to the headend's hook and back through the owning pipe; the show
 * commands render. */
#include "gw_fixture.h"

#include "datapath/dtls_session.h"
#include "dtls_pair.h"
#include "offload/dtls.h"

/* The four ends, IPv4 (site_a_mirror's outside) or IPv6 (v6_lines). */
struct ends {
	const char *gw, *client, *pool, *host;   /* host: behind the inside */
};
static const struct ends ENDS4 = { "198.51.100.1", "203.0.113.50", "10.9.0.5", "10.1.0.9" };
static const struct ends ENDS6 = { "2001:db8:100::1", "2001:db8:200::50", "2001:db8:9::5",
				   "2001:db8:1::9" };

/* site_a_mirror with IPv6 addresses on both interfaces */
static const char v6_lines[] = "interface eth0\n ipv6 address 2001:db8:100::1/64\n!\n"
			       "interface eth1\n ipv6 address 2001:db8:1::1/64\n!\n";
#define CLIENT_PORT 40000
#define TAG 77

struct fx {
	struct fp_gw *gw;
	struct dtls_pair pair;
	uint32_t h;
	uint16_t outside, inside;
	/* what the hooks saw */
	unsigned n_punt, n_cstp;
	uint32_t last_tag;
	uint16_t last_drop;
	uint8_t last[64];
	uint32_t last_len;
	struct fp_dtls_params params; /* as installed, keys too (cleansed at teardown) */
	uint16_t port;                /* the client's UDP port */
	unsigned handoffs;            /* packets one pipe handed to another */
	struct fp_addr gw_ip, client_ip, pool_ip, host_ip;
};

static struct fx *g_fx;

static bool hook_punt(struct fp_gw *gw, const struct fp_gw_io *io, uint32_t tag, struct fp_pkt *p)
{
	(void)gw, (void)io;
	g_fx->n_punt++;
	g_fx->last_tag = tag;
	g_fx->last_drop = p->drop;
	g_fx->last_len = p->len < sizeof(g_fx->last) ? p->len : sizeof(g_fx->last);
	memcpy(g_fx->last, p->data, g_fx->last_len);
	return true;
}

static bool hook_cstp(struct fp_gw *gw, const struct fp_gw_io *io, uint32_t tag, struct fp_pkt *p)
{
	(void)gw, (void)io, (void)p;
	g_fx->n_cstp++;
	g_fx->last_tag = tag;
	return true;
}

static struct fp_pkt *pkt_new(void)
{
	struct fp_pkt *p = aligned_alloc(64, sizeof(*p));
	fp_pkt_reset(p);
	return p;
}

/* An IPv4 or IPv6 UDP packet src -> dst with len bytes of UDP payload. */
static struct fp_pkt *ip_udp(const struct fp_addr *src, const struct fp_addr *dst, uint16_t sport,
			     uint16_t dport, const uint8_t *payload, uint32_t len)
{
	struct fp_pkt *p = pkt_new();
	bool v4 = src->af == FP_AF_INET;
	uint32_t hl = v4 ? FP_IPV4_HLEN : FP_IPV6_HLEN;
	uint8_t *h = fp_pkt_put(p, hl + FP_UDP_HLEN + len);
	memset(h, 0, hl + FP_UDP_HLEN);
	if (v4) {
		h[0] = 0x45, h[8] = 64, h[9] = FP_IPPROTO_UDP;
		fp_put16(h + 2, (uint16_t)p->len);
		memcpy(h + 12, src->a, 4);
		memcpy(h + 16, dst->a, 4);
		fp_ipv4_csum_set(h);
	} else {
		h[0] = 0x60, h[6] = FP_IPPROTO_UDP, h[7] = 64;
		fp_put16(h + 4, (uint16_t)(FP_UDP_HLEN + len));
		memcpy(h + 8, src->a, 16);
		memcpy(h + 24, dst->a, 16);
	}
	fp_put16(h + hl, sport), fp_put16(h + hl + 2, dport);
	fp_put16(h + hl + 4, (uint16_t)(FP_UDP_HLEN + len));
	memcpy(h + hl + FP_UDP_HLEN, payload, len);
	return p;
}

/* The live runtime's share with several pipes (thread_io.c): packets come
 * in on pipe 0; what it hands to another pipe runs there, as
 * fp_rt_rx_handoff runs it. */
struct handed {
	struct fx *f;
	struct fp_pkt **got;
	struct fp_pkt *p[8];
	struct fp_pipe *to[8];
	unsigned n;
};

static void multi_emit(void *ctx, uint16_t ifc, struct fp_pkt *p)
{
	collect(((struct handed *)ctx)->got, ifc, p);
}

static void multi_handoff(void *ctx, struct fp_pipe *to, struct fp_pkt *p)
{
	struct handed *h = ctx;
	assert_true(h->n < 8);
	p->flags |= FP_PKT_F_TAKEN;
	h->to[h->n] = to;
	h->p[h->n++] = p;
	h->f->handoffs++;
}

/* The packets one pipe handed to another, run there as fp_rt_rx_handoff
 * runs them (more may be handed on meanwhile). */
static void run_handed(struct fx *f, struct fp_gw_io *io, struct handed *h)
{
	for (unsigned i = 0; i < h->n; i++) {
		struct fp_pkt *p = h->p[i];
		io->pipe = h->to[i];
		p->flags &= ~FP_PKT_F_TAKEN;
		if ((p->flags & FP_PKT_F_OUTBOUND) && (p->flags & FP_PKT_F_DTLS)) {
			fp_gw_dtls_outbound(f->gw, io, io->pipe, &p, 1);
		} else {
			p->flags &= FP_PKT_F_RESTEER | FP_PKT_F_REASM;
			fp_gw_rx_outside(f->gw, io, p->ifc, &p, 1);
		}
	}
}

static void push(struct fx *f, uint16_t ifc, struct fp_pkt **in, struct fp_pkt **got)
{
	if (f->gw->n_pipes == 1) {
		fp_gw_input(f->gw, ifc, in, 1, collect, got);
		return;
	}
	struct handed h = { .f = f, .got = got };
	struct fp_gw_io io = { .pipe = &f->gw->pipes[0], .emit = multi_emit,
			       .handoff = multi_handoff, .ctx = &h };
	if (f->gw->ifaces[ifc].outside)
		fp_gw_rx_outside(f->gw, &io, ifc, in, 1);
	else
		fp_gw_rx_inside(f->gw, &io, ifc, in, 1);
	run_handed(f, &io, &h);
}

/* What the slow path's thread does with p, handoffs included. */
static void slow_push(struct fx *f, struct fp_pkt *p, struct fp_pkt **got)
{
	struct handed h = { .f = f, .got = got };
	struct fp_gw_io io = { .pipe = &f->gw->soft, .emit = multi_emit,
			       .handoff = multi_handoff, .ctx = &h };
	fp_gw_slow_input(f->gw, &io, &p, 1);
	run_handed(f, &io, &h);
}

static int setup_pipes(void **state, unsigned n_pipes, const struct ends *e)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct fp_dtls_params p = { 0 };
	struct fp_addr pool;
	const char *why = NULL;
	g_fx = f;
	f->gw = gw_from_pipes(site_a_mirror, e == &ENDS4 ? "" : v6_lines, n_pipes);
	assert_int_equal(fp_addr_parse(&f->gw_ip, e->gw), 0);
	assert_int_equal(fp_addr_parse(&f->client_ip, e->client), 0);
	assert_int_equal(fp_addr_parse(&f->pool_ip, e->pool), 0);
	assert_int_equal(fp_addr_parse(&f->host_ip, e->host), 0);
	f->port = CLIENT_PORT; /* with several pipes, one whose rule is not on pipe 0 */
	while (n_pipes > 1 && fp_gw_dtls_hash(&f->client_ip, f->port) % n_pipes != n_pipes - 1)
		f->port++;
	f->outside = (uint16_t)fp_gw_iface_find(f->gw, "outside");
	f->inside = (uint16_t)fp_gw_iface_find(f->gw, "inside");
	f->gw->dtls_punt = hook_punt;
	f->gw->dtls_to_cstp = hook_cstp;
	char err[128];
	assert_int_equal(fp_gw_dtls_offload_set(f->gw, true, err, sizeof(err)), 0);
	pool = f->pool_ip;
	if (fp_gw_dtls_open(f->gw, &pool, NULL, TAG, &f->h, &why) < 0)
		fail_msg("open: %s", why);
	assert_int_equal(dtls_pair_open(&f->pair, "ECDHE-ECDSA-AES256-GCM-SHA384"), 0);
	p.local = f->gw_ip;
	p.remote = f->client_ip;
	p.local_port = 443;
	p.remote_port = f->port;
	p.epoch = 1;
	p.seq_out = dtls_pair_max_seq(&f->pair.s2c) + 1;
	p.seq_in_any = true;
	p.seq_in_top = dtls_pair_max_seq(&f->pair.c2s);
	if (fp_dtls_rule_keys(f->pair.server, &p.keys, &why) < 0)
		fail_msg("keys: %s", why);
	*state = f;
	/* before the rule: a packet to the client goes to its CSTP tunnel */
	struct fp_pkt *in[2] = { ip_udp(&f->host_ip, &f->pool_ip, 53, 5353, (const uint8_t *)"x", 1) };
	struct fp_pkt *got[4] = { 0 };
	push(f, f->inside, in, got);
	assert_null(got[0]);
	assert_int_equal(f->n_cstp, 1);
	assert_int_equal(f->last_tag, TAG);
	free(in[0]);
	if (fp_gw_dtls_rule_set(f->gw, f->h, &p, &why) < 0)
		fail_msg("rule: %s", why);
	f->params = p;
	fp_tls_keys_cleanse(&p.keys);
	return 0;
}

static int setup(void **state)
{
	return setup_pipes(state, 1, &ENDS4);
}

static int setup2(void **state)
{
	return setup_pipes(state, 2, &ENDS4);
}

static int setup6(void **state)
{
	return setup_pipes(state, 1, &ENDS6);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	fp_gw_dtls_close(f->gw, f->h, NULL);
	fp_tls_keys_cleanse(&f->params.keys);
	gw_free(f->gw);
	dtls_pair_close(&f->pair);
	free(f);
	return 0;
}

/* The client's SSL_write of one AnyConnect frame, as the datagram that
 * reaches our outside. */
static struct fp_pkt *client_frame(struct fx *f, uint8_t type, const uint8_t *body, uint32_t len)
{
	uint8_t msg[1600], dg[DQ_MTU];
	msg[0] = type;
	memcpy(msg + 1, body, len);
	assert_int_equal(SSL_write(f->pair.client, msg, (int)len + 1), (int)len + 1);
	int n = dq_pop(&f->pair.c2s, dg);
	assert_true(n > 0);
	return ip_udp(&f->client_ip, &f->gw_ip, f->port, 443, dg, (uint32_t)n);
}

/* An inner packet from the client's pool address to the host inside. */
static uint32_t inner_from_client(struct fx *f, uint8_t *b, uint32_t len, uint8_t mark)
{
	uint8_t body[128] = { mark };
	uint32_t hl = f->pool_ip.af == FP_AF_INET ? FP_IPV4_HLEN : FP_IPV6_HLEN;
	struct fp_pkt *p = ip_udp(&f->pool_ip, &f->host_ip, 5353, 53, body, len - hl - FP_UDP_HLEN);
	memcpy(b, p->data, p->len);
	free(p);
	return len;
}

/* One DATA record from the client through the gateway: the inner packet
 * must come out on the inside, byte for byte. Keeps the datagram in *keep
 * when not NULL (the caller frees it). */
static void client_to_inside(struct fx *f, uint8_t mark, struct fp_pkt **keep)
{
	uint8_t inner[100];
	uint32_t len = inner_from_client(f, inner, sizeof(inner), mark);
	struct fp_pkt *in[1] = { client_frame(f, FP_AC_DATA, inner, len) };
	struct fp_pkt *copy = NULL;
	if (keep) {
		copy = pkt_new();
		memcpy(fp_pkt_put(copy, in[0]->len), in[0]->data, in[0]->len);
	}
	struct fp_pkt *got[4] = { 0 };
	push(f, f->outside, in, got);
	assert_non_null(got[0]);
	assert_null(got[1]);
	assert_int_equal(got[0]->ifc, f->inside);
	assert_int_equal(got[0]->len, len);
	assert_memory_equal(got[0]->data, inner, len);
	free(in[0]);
	if (keep)
		*keep = copy;
}

/* A packet from the inside to the pool address: one datagram to the
 * client, which SSL_read takes as a DATA frame. */
static void inside_to_client(struct fx *f, uint8_t mark)
{
	uint8_t body[40] = { mark };
	struct fp_pkt *in[1] = { ip_udp(&f->host_ip, &f->pool_ip, 53, 5353, body, sizeof(body)) };
	uint32_t ilen = in[0]->len;
	uint8_t inner[128];
	memcpy(inner, in[0]->data, ilen);
	struct fp_pkt *got[4] = { 0 };
	push(f, f->inside, in, got);
	assert_non_null(got[0]);
	assert_null(got[1]);
	assert_int_equal(got[0]->ifc, f->outside);
	const uint8_t *o = got[0]->data;
	bool v4 = f->gw_ip.af == FP_AF_INET;
	uint32_t hl = v4 ? FP_IPV4_HLEN : FP_IPV6_HLEN, alen = v4 ? 4 : 16;
	assert_memory_equal(o + (v4 ? 16 : 24), f->client_ip.a, alen);
	assert_memory_equal(o + (v4 ? 12 : 8), f->gw_ip.a, alen);
	assert_int_equal(fp_get16(o + hl), 443);
	assert_int_equal(fp_get16(o + hl + 2), f->port);
	hl += FP_UDP_HLEN;
	assert_true(dq_push(&f->pair.s2c, o + hl, (int)(got[0]->len - hl)));
	uint8_t rd[256];
	int n = SSL_read(f->pair.client, rd, sizeof(rd));
	assert_int_equal(n, (int)ilen + 1);
	assert_int_equal(rd[0], FP_AC_DATA);
	assert_memory_equal(rd + 1, inner, ilen);
	free(in[0]);
}

static void test_both_ways(void **state)
{
	struct fx *f = *state;
	for (uint8_t i = 0; i < 3; i++) {
		client_to_inside(f, i, NULL);
		inside_to_client(f, i);
	}
	struct fp_dtls_rule_stats st;
	assert_int_equal(fp_gw_dtls_query(f->gw, f->h, &st), 0);
	assert_int_equal(st.data_in, 3);
	assert_int_equal(st.data_out, 3);
	assert_int_equal(fp_dtls_counter_get(fp_dtlsdb_stats(f->gw->pipes[0].dtls),
					     FP_DTLS_CNT_ib_pkt_success), 3);
	assert_int_equal(fp_dtlsdb_count(f->gw->pipes[0].dtls), 1);
	assert_int_equal(fp_dtlsdb_count(f->gw->soft.dtls), 0);
	/* a new session on the same 6-tuple replaces the rule; the old goes first */
	const char *why = NULL;
	if (fp_gw_dtls_rule_set(f->gw, f->h, &f->params, &why) < 0)
		fail_msg("again: %s", why);
	assert_int_equal(fp_dtlsdb_count(f->gw->pipes[0].dtls), 1);
	assert_int_equal(fp_gw_dtls_query(f->gw, f->h, &st), 0);
	assert_int_equal(st.data_in, 0);
	/* a second client may not take the same pool address */
	struct fp_addr pool;
	uint32_t h2;
	pool = f->pool_ip;
	assert_int_equal(fp_gw_dtls_open(f->gw, &pool, NULL, TAG + 1, &h2, &why), -1);
}

/* flow-offload-dtls off, then on: the rule moves with its numbers; the
 * client keeps reading, and an old record is a replay on the new pipe. */
static void test_switch_moves_rule(void **state)
{
	struct fx *f = *state;
	struct fp_pkt *old = NULL;
	char err[128];
	client_to_inside(f, 1, &old);
	inside_to_client(f, 1);
	assert_int_equal(fp_gw_dtls_offload_set(f->gw, false, err, sizeof(err)), 0);
	assert_int_equal(fp_dtlsdb_count(f->gw->pipes[0].dtls), 0);
	assert_int_equal(fp_dtlsdb_count(f->gw->soft.dtls), 1);
	client_to_inside(f, 2, NULL);
	inside_to_client(f, 2);
	uint64_t replays = fp_gw_drop_count(f->gw, FP_DROP_DTLS_REPLAY);
	struct fp_pkt *got[4] = { 0 }, *in[1] = { old };
	push(f, f->outside, in, got);
	assert_null(got[0]);
	assert_int_equal(fp_gw_drop_count(f->gw, FP_DROP_DTLS_REPLAY), replays + 1);
	assert_int_equal(fp_gw_dtls_offload_set(f->gw, true, err, sizeof(err)), 0);
	assert_int_equal(fp_dtlsdb_count(f->gw->pipes[0].dtls), 1);
	assert_int_equal(fp_dtlsdb_count(f->gw->soft.dtls), 0);
	client_to_inside(f, 3, NULL);
	inside_to_client(f, 3);
	struct fp_dtls_rule_stats st;
	assert_int_equal(fp_gw_dtls_query(f->gw, f->h, &st), 0);
	assert_int_equal(st.data_in, 3); /* the counters moved with the rule */
	assert_int_equal(st.data_out, 3);
	free(old);
}

/* A DPD request goes to the headend's hook, decrypted, with the client's
 * tag; the answer goes back through the rule's pipe. */
static void test_control_punt_and_send(void **state)
{
	struct fx *f = *state;
	static const uint8_t probe[6] = { 1, 2, 3, 4, 5, 6 };
	struct fp_pkt *in[1] = { client_frame(f, FP_AC_DPD_REQ, probe, sizeof(probe)) };
	struct fp_pkt *got[4] = { 0 };
	push(f, f->outside, in, got);
	assert_null(got[0]);
	assert_int_equal(f->n_punt, 1);
	assert_int_equal(f->last_tag, TAG);
	assert_int_equal(f->last_drop, FP_DROP_DTLS_CONTROL_IN);
	assert_int_equal(f->last_len, 1 + sizeof(probe));
	assert_int_equal(f->last[0], FP_AC_DPD_REQ);
	free(in[0]);
	/* the response, as the headend builds it */
	struct fp_pkt *resp = pkt_new();
	uint8_t *d = fp_pkt_put(resp, 1 + sizeof(probe));
	d[0] = FP_AC_DPD_RESP;
	memcpy(d + 1, probe, sizeof(probe));
	struct fp_pkt *out[4] = { 0 };
	struct fp_gw_io io = { .pipe = &f->gw->soft, .emit = collect, .ctx = out };
	assert_int_equal(fp_gw_dtls_send(f->gw, &io, f->h, resp, FP_PKT_F_DTLS_CTRL), 0);
	assert_non_null(out[0]);
	assert_true(dq_push(&f->pair.s2c, out[0]->data + 28, (int)out[0]->len - 28));
	uint8_t rd[64];
	assert_int_equal(SSL_read(f->pair.client, rd, sizeof(rd)), 1 + (int)sizeof(probe));
	assert_int_equal(rd[0], FP_AC_DPD_RESP);
	free(resp);
	/* a punt is no drop (it used to be counted in Drop Pkts too) */
	char line[64];
	snprintf(line, sizeof(line), "show asp table socket %08x detail", FP_GW_DTLS_SOCK_ID(f->h));
	static const char *const det[] = { "Upstream:\nData Pkts/Bytes: 0/0\nCtrl Pkts: 1\nDrop Pkts: 0\n",
		"#punted to the slow path: 1\n", NULL };
	free(expect(f->gw, line, det));
	/* a datagram of no client: the hook, without a tag */
	struct fp_pkt *stray[1] = { ip_udp(&f->host_ip, &f->gw_ip, 999, 443, probe, sizeof(probe)) };
	push(f, f->outside, stray, got);
	assert_int_equal(f->n_punt, 2);
	assert_int_equal(f->last_tag, FP_GW_DTLS_NO_TAG);
	free(stray[0]);
}

/* Without hooks, what the headend would take is dropped and counted. */
static void test_no_hook_drops(void **state)
{
	struct fx *f = *state;
	static const uint8_t probe[2] = { 9, 9 };
	f->gw->dtls_punt = NULL;
	struct fp_pkt *in[1] = { client_frame(f, FP_AC_KEEPALIVE, probe, sizeof(probe)) };
	struct fp_pkt *got[4] = { 0 };
	uint64_t before = fp_gw_drop_count(f->gw, FP_DROP_DTLS_CONTROL_IN);
	push(f, f->outside, in, got);
	assert_null(got[0]);
	assert_int_equal(fp_gw_drop_count(f->gw, FP_DROP_DTLS_CONTROL_IN), before + 1);
	free(in[0]);
	/* the client's rule cleared: back to CSTP */
	assert_int_equal(fp_gw_dtls_rule_clear(f->gw, f->h, NULL), 0);
	assert_int_equal(fp_dtlsdb_count(f->gw->pipes[0].dtls), 0);
	f->gw->dtls_to_cstp = NULL;
	before = fp_gw_drop_count(f->gw, FP_DROP_DTLS_NO_RULE);
	struct fp_pkt *pkt[1] = { ip_udp(&f->host_ip, &f->pool_ip, 53, 5353, probe, sizeof(probe)) };
	push(f, f->inside, pkt, got);
	assert_null(got[0]);
	assert_int_equal(fp_gw_drop_count(f->gw, FP_DROP_DTLS_NO_RULE), before + 1);
	free(pkt[0]);
}

/* The show commands with a live session. */
static void test_show(void **state)
{
	struct fx *f = *state;
	int rc;
	free(run(f->gw, "capture TAC-DTLS dtls-offload match udp 203.0.113.50 eq 40000 198.51.100.1 eq 443", &rc));
	assert_int_equal(rc, 0);
	free(run(f->gw, "capture OTHER dtls-offload match udp 203.0.113.50 eq 40001 any", &rc));
	assert_int_equal(rc, 0);
	client_to_inside(f, 7, NULL);
	inside_to_client(f, 7);
	static const char *const caps[] = {
		"capture TAC-DTLS dtls-offload type raw-data [Capturing - ",
		"  match udp host 203.0.113.50 eq 40000 host 198.51.100.1 eq 443\n",
		"capture OTHER dtls-offload type raw-data [Capturing - 0 bytes]", NULL };
	free(expect(f->gw, "show capture", caps));
	/* the client's record before decryption, ours after encryption */
	static const char *const two[] = { "2 packets captured", "1: 00:00:00.000000 203.0.113.50 198.51.100.1 0x0800",
		"2: 00:00:00.000000 198.51.100.1 203.0.113.50 0x0800", "2 packets shown", NULL };
	free(expect(f->gw, "show capture TAC-DTLS", two));
	static const char *const stats[] = { "DTLS Offload Statistics", "Offload: Enabled",
		"DTLS_OFFLOAD_IB_PKT_PROCESS: 1", "DTLS_OFFLOAD_OB_PKT_SUCCESS: 1",
		"DTLS_OFFLOAD_FLOW_IB_ADD_RULE: 1", "nvppu_dtls_in_pkt_count: 1", NULL };
	free(expect(f->gw, "show flow-offload-dtls statistics", stats));
	static const char *const counters[] = { "CRYPTO       DTLS_OFFLOAD_IB_PKT_PROCESS", NULL };
	free(expect(f->gw, "show counters", counters));
	static const char *const sock[] = { "Protocol", "IB-Pipe#", "SVC_UDP",
		"198.51.100.1:443", "203.0.113.50:40000", "CONNECTED", NULL };
	char *out = expect(f->gw, "show asp table socket", sock);
	free(out);
	char line[64];
	snprintf(line, sizeof(line), "show asp table socket %08x detail", FP_GW_DTLS_SOCK_ID(f->h));
	static const char *const det[] = { "Statistics for socket", "Offload Stats:",
		"#pkts in: 1, #bytes in: ", "#pkts decrypt: 1", "#pkts out: 1, #bytes out: ",
		"#pkts replay failed (rcv): 0", "Local host: 198.51.100.1, Local port: 443",
		"Foreign host: 203.0.113.50, Foreign port: 40000", NULL };
	free(expect(f->gw, line, det));
	static const char *const info[] = { "DTLS offload: Enabled", "Offloaded DTLS sessions: 1 of 1",
		"DTLS rules of Pipe 0 : 1", "Rx Packet count : 2", "6-Tuple CAM Hit Count : 1", NULL };
	free(expect(f->gw, "show flow-offload info detail", info));
	free(run(f->gw, "clear flow-offload-dtls statistics", &rc));
	assert_int_equal(rc, 0);
	static const char *const cleared[] = { "DTLS_OFFLOAD_IB_PKT_PROCESS: 0", NULL };
	free(expect(f->gw, "show flow-offload-dtls statistics", cleared));
	free(run(f->gw, "clear counters", &rc));
	assert_int_equal(rc, 0);
	out = run(f->gw, "show counters", &rc);
	assert_null(strstr(out, "DTLS_OFFLOAD"));
	free(out);
	free(run(f->gw, "show asp table socket 0badf00d detail", &rc));
	assert_int_not_equal(rc, 0);
}

/* Two engine pipes: the client's rule on pipe 1 (its hash), its datagrams
 * and the packets to it arriving on pipe 0 handed over; the switch moves
 * the rule to the software pipe and back to pipe 1. */
static void test_two_pipes(void **state)
{
	struct fx *f = *state;
	char err[128];
	assert_int_equal(fp_dtlsdb_count(f->gw->pipes[1].dtls), 1);
	assert_int_equal(fp_dtlsdb_count(f->gw->pipes[0].dtls), 0);
	for (uint8_t i = 0; i < 2; i++) {
		client_to_inside(f, i, NULL);
		inside_to_client(f, i);
	}
	assert_int_equal(f->handoffs, 4); /* each packet once */
	assert_int_equal(fp_dtls_counter_get(fp_dtlsdb_stats(f->gw->pipes[1].dtls),
					     FP_DTLS_CNT_ib_pkt_success), 2);
	static const char *const sock[] = { "CONNECTED", " 1\n", NULL };
	free(expect(f->gw, "show asp table socket", sock));
	assert_int_equal(fp_gw_dtls_offload_set(f->gw, false, err, sizeof(err)), 0);
	assert_int_equal(fp_dtlsdb_count(f->gw->soft.dtls), 1);
	char *out = run(f->gw, "show asp table socket offloaded", NULL);
	assert_null(strstr(out, "CONNECTED")); /* in the software pipe now */
	assert_null(strstr(out, "LISTEN"));
	free(out);
	out = run(f->gw, "show asp table socket", NULL);
	assert_non_null(strstr(out, "203.0.113.50:")); /* still a socket, no pipe */
	free(out);
	client_to_inside(f, 2, NULL);
	inside_to_client(f, 2);
	assert_int_equal(fp_gw_dtls_offload_set(f->gw, true, err, sizeof(err)), 0);
	assert_int_equal(fp_dtlsdb_count(f->gw->pipes[1].dtls), 1);
	static const char *const off[] = { "CONNECTED", NULL };
	free(expect(f->gw, "show asp table socket offloaded", off));
	client_to_inside(f, 3, NULL);
	inside_to_client(f, 3);
	struct fp_dtls_rule_stats st;
	assert_int_equal(fp_gw_dtls_query(f->gw, f->h, &st), 0);
	assert_int_equal(st.data_in, 4);
	assert_int_equal(st.data_out, 4);
}

/* With the headend's ids published (sid_filter), a ClientHello naming no
 * session's id is dropped by the worker it came to (dtls-unknown-session)
 * and never reaches the headend's hook; one naming a session's goes on. */
static void test_unknown_session_hello(void **state)
{
	struct fx *f = *state;
	uint8_t hello[100] = { 22, 0xfe, 0xfd, 0, 0 }, sid[32];
	hello[13] = 1;                           /* client_hello, fragment offset 0 */
	hello[13 + 12] = 0xfe, hello[13 + 13] = 0xfd; /* client_version DTLS 1.2 */
	hello[59] = 32;
	memset(sid, 0x5a, sizeof(sid));
	memcpy(hello + 60, sid, sizeof(sid));
	f->gw->dtls->sid_filter = true;
	for (int known = 0; known < 2; known++) {
		if (known)
			fp_gw_dtls_sid_set(f->gw, 3, sid);
		struct fp_pkt *in[1] = { ip_udp(&f->client_ip, &f->gw_ip, (uint16_t)(f->port + 7), 443,
						hello, sizeof(hello)) }, *got[4] = { 0 };
		unsigned punts = f->n_punt;
		uint64_t drops = fp_gw_drop_count(f->gw, FP_DROP_DTLS_UNKNOWN_SESSION);
		push(f, f->outside, in, got);
		assert_null(got[0]);
		assert_int_equal(f->n_punt, punts + (unsigned)known);
		assert_int_equal(fp_gw_drop_count(f->gw, FP_DROP_DTLS_UNKNOWN_SESSION),
				 drops + (uint64_t)!known);
		free(in[0]);
	}
	fp_gw_dtls_sid_set(f->gw, 3, NULL);
	assert_false(fp_gw_dtls_sid_known(f->gw, sid));
}

/* A rule moving into an engine pipe is installed there held: the
 * client's records that reach the pipe before the state are kept, in
 * order, not opened against an empty window nor punted; the state comes,
 * they go, the oldest first. */
static void test_held_rule(void **state)
{
	struct fx *f = *state;
	char err[128];
	const char *why = NULL;
	struct fp_pipe *pp = &f->gw->pipes[0];
	assert_int_equal(fp_gw_dtls_offload_set(f->gw, false, err, sizeof(err)), 0);
	client_to_inside(f, 1, NULL); /* on the software pipe's rule */
	uint32_t soft_id = (uint32_t)atomic_load(&f->gw->dtls->c[f->h].route), id;
	struct fp_dtls_params p = f->params;
	p.inner = f->pool_ip;
	p.tag = f->h;
	p.held = true;
	if (fp_dtls_rule_add(pp->dtls, &p, &id, &why) < 0)
		fail_msg("held: %s", why);
	assert_int_equal(fp_dtlsdb_held(pp->dtls), 1);
	f->gw->offload_dtls = true; /* the workers steer to pipe 0 now */
	uint8_t inner[2][100];
	uint32_t len = 0;
	for (uint8_t i = 0; i < 2; i++) {
		len = inner_from_client(f, inner[i], sizeof(inner[i]), (uint8_t)(10 + i));
		struct fp_pkt *in[1] = { client_frame(f, FP_AC_DATA, inner[i], len) }, *got[4] = { 0 };
		unsigned punts = f->n_punt;
		push(f, f->outside, in, got);
		assert_null(got[0]);
		assert_int_equal(f->n_punt, punts);
		assert_true(in[0]->flags & FP_PKT_F_TAKEN); /* the pipe's now */
	}
	assert_int_equal(pp->n_hold, 2);
	struct fp_pkt *out[4];
	assert_int_equal(fp_pipe_unhold(pp, out, 4), 0); /* not before the state */
	struct fp_dtls_state st;
	assert_int_equal(fp_dtls_export(f->gw->soft.dtls, soft_id, &st), 0);
	assert_int_equal(fp_dtls_rule_del(f->gw->soft.dtls, soft_id, NULL), 0);
	assert_int_equal(fp_dtls_import(pp->dtls, id, &st), 0);
	assert_int_equal(fp_dtlsdb_held(pp->dtls), 0);
	assert_int_equal(fp_pipe_unhold(pp, out, 4), 2);
	struct fp_pkt *got[4] = { 0 };
	struct fp_gw_io io = { .pipe = pp, .emit = collect, .ctx = got };
	fp_gw_rx_held(f->gw, &io, out, 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_non_null(got[i]);
		assert_int_equal(got[i]->ifc, f->inside);
		assert_memory_equal(got[i]->data, inner[i], len);
		free(out[i]);
	}
	struct fp_dtls_rule_stats rs;
	assert_int_equal(fp_dtls_rule_query(pp->dtls, id, &rs), 0);
	assert_int_equal(rs.data_in, 3); /* the software pipe's one, then the two held */
	assert_int_equal(rs.replay_fail, 0);
	fp_crypto_cleanse(&st, sizeof(st));
}

/* flow-offload-dtls egress-optimization: the pipe finds the client's
 * rule itself and counts DTLS_OFFLOAD_EGRESS_OPTIMIZE_PKT; without it each
 * packet crosses the slow path first, which hands it to the same rule. */
static void test_egress_optimization(void **state)
{
	struct fx *f = *state;
	const struct fp_dtls_stats *st = fp_dtlsdb_stats(f->gw->pipes[0].dtls);
	inside_to_client(f, 1);
	assert_int_equal(st->egress_optimize_pkt, 1);
	f->gw->cfg->ra.offload_dtls_egress = false;
	inside_to_client(f, 2);
	inside_to_client(f, 3);
	assert_int_equal(st->egress_optimize_pkt, 1);
	assert_int_equal(st->ob_pkt_success, 3); /* the engine sealed them all */
	static const char *const off[] = { "Egress optimization: Disabled", NULL };
	free(expect(f->gw, "show flow-offload-dtls statistics", off));
	f->gw->cfg->ra.offload_dtls_egress = true;
	inside_to_client(f, 4);
	assert_int_equal(st->egress_optimize_pkt, 2);
	static const char *const on[] = { "Egress optimization: Enabled",
					  "DTLS_OFFLOAD_EGRESS_OPTIMIZE_PKT: 2", NULL };
	free(expect(f->gw, "show flow-offload-dtls statistics", on));
	assert_int_equal(f->n_cstp, 1); /* setup's, before the rule: none since */
}

/* What a move catches (flow-offload-dtls typed while traffic flows): a
 * record an engine pipe punted before the rule came there reaches the slow
 * path after the move, which hands it to the rule's pipe (not to the
 * headend as a stranger's); an inside packet that left while the rule had
 * no place goes where the rule is now, by DTLS, not by CSTP; a first
 * flight (epoch 0) of no rule stays the headend's. */
static void test_caught_by_move(void **state)
{
	struct fx *f = *state;
	char err[128];
	struct fp_pkt *got[4] = { 0 };
	assert_int_equal(fp_gw_dtls_offload_set(f->gw, false, err, sizeof(err)), 0);
	client_to_inside(f, 1, NULL);
	uint8_t inner[100];
	uint32_t len = inner_from_client(f, inner, sizeof(inner), 2);
	struct fp_pkt *rec = client_frame(f, FP_AC_DATA, inner, len);
	rec->ifc = f->outside; /* as pipe 1 punted it when the switch began */
	rec->flags = FP_PKT_F_DTLS | FP_PKT_F_PUNT;
	rec->drop = FP_DROP_DTLS_NO_RULE;
	assert_int_equal(fp_gw_dtls_offload_set(f->gw, true, err, sizeof(err)), 0);
	unsigned punts = f->n_punt, handoffs = f->handoffs;
	slow_push(f, rec, got);
	assert_non_null(got[0]);
	assert_int_equal(got[0]->ifc, f->inside);
	assert_memory_equal(got[0]->data, inner, len);
	assert_int_equal(f->n_punt, punts);
	assert_int_equal(f->handoffs, handoffs + 1);
	assert_int_equal(f->gw->dtls->moved_in, 1);
	free(rec);

	uint8_t body[40] = { 3 };
	struct fp_pkt *out = ip_udp(&f->host_ip, &f->pool_ip, 53, 5353, body, sizeof(body));
	out->flags = FP_PKT_F_DTLS | FP_PKT_F_OUTBOUND;
	out->sa = FP_DTLS_NONE;
	out->rule = f->h;
	memset(got, 0, sizeof(got));
	unsigned cstp = f->n_cstp;
	slow_push(f, out, got);
	assert_non_null(got[0]);
	assert_int_equal(got[0]->ifc, f->outside);
	assert_int_equal(f->n_cstp, cstp);
	assert_int_equal(f->gw->dtls->moved_out, 1);
	free(out);

	uint8_t hello[13 + 4] = { 22, 0xfe, 0xfd, 0, 0 };
	struct fp_pkt *ch = ip_udp(&f->client_ip, &f->gw_ip, (uint16_t)(f->port + 1), 443, hello,
				   sizeof(hello));
	ch->ifc = f->outside;
	ch->flags = FP_PKT_F_DTLS | FP_PKT_F_PUNT;
	ch->drop = FP_DROP_DTLS_NO_RULE;
	memset(got, 0, sizeof(got));
	slow_push(f, ch, got);
	assert_int_equal(f->n_punt, punts + 1);
	assert_int_equal(f->last_tag, FP_GW_DTLS_NO_TAG);
	assert_int_equal(f->gw->dtls->moved_in, 1);
	free(ch);
}

/* The same over IPv6: client, gateway, pool and inner packets. */
static void test_both_ways_v6(void **state)
{
	test_both_ways(state);
}

static void test_switch_moves_rule_v6(void **state)
{
	test_switch_moves_rule(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch_moves_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_punt_and_send, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_hook_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_pipes, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_caught_by_move, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_egress_optimization, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_session_hello, setup, teardown),
		cmocka_unit_test_setup_teardown(test_both_ways_v6, setup6, teardown),
		cmocka_unit_test_setup_teardown(test_switch_moves_rule_v6, setup6, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
