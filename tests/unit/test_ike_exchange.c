/* The IKEv2 exchange engine end to end: two fp_ike instances (A and B)
 * wired through their env hooks to an in-memory wire (a queue of
 * datagrams, optionally behind a fake NAT that rewrites A's address and
 * ports as B sees them) and a fake clock. A initiates (fp_ike_acquire);
 * IKE_SA_INIT and IKE_AUTH run; each side's child_up is recorded. Also
 * charon's captured IKE_SA_INIT request through a responder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/rand.h>

#include "common/inet.h"
#include "ike/ike.h"
#include "ike/ike_payload.h"
#include "ike/ike_sa.h"
#include "ike/ike_wire.h"
#include "ike_rebuild.h"
#include "ike_vectors.h"

#define NS 1000000000ull
#define QMAX 64
#define NAT_PORT_SHIFT 10000

struct node {
	struct fp_ike *ike;
	struct fp_addr addr;
	int idx;
	struct fp_ike_child child[16];
	uint64_t old[16];             /* child_up's old_handle, per child */
	uint64_t down[16];            /* child_down's handles in order */
	bool live[16];                /* child i is up (not down yet) */
	unsigned n_child, n_down, n_released;
	uint32_t next_spi;
	unsigned n_tx;
	uint64_t esp_rx_ns;           /* when its children last took ESP (0 = never) */
	uint64_t moved_handle;        /* child_moved's last call */
	uint16_t moved_port;
	unsigned n_keepalive;
	int nonce_low;                /* this nonce of ours (0 = first) is the lowest; -1: random */
	unsigned n_nonce;
};

struct qent {
	int to;
	struct fp_ike_dgram d;
	uint8_t buf[4096];
};

static struct {
	struct node n[2];
	struct qent q[QMAX];
	unsigned nq;
	bool nat;             /* A behind a NAT: B sees NAT_ADDR and shifted ports */
	int drop_from;        /* drop the next datagram from this node (-1: none) */
	uint8_t drop_exchange;
	bool drop_all;
	struct fp_addr nat_addr;
	uint16_t nat_shift;   /* the NAT's port mapping: + this */
	bool one_pair;        /* child_up asserts no second live child for a tunnel */
} W;

static struct fp_addr addr4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct fp_addr x = {.af = FP_AF_INET, .a = {a, b, c, d}};
	return x;
}

static struct fp_prefix pfx(uint8_t a, uint8_t b, uint8_t c, uint8_t len)
{
	struct fp_prefix p = {.addr = addr4(a, b, c, 0), .len = len};
	return p;
}

/* What the receiver sees of a datagram sent by node from. */
static void wire_translate(int from, const struct fp_ike_dgram *in, struct fp_ike_dgram *out)
{
	out->local = in->remote;
	out->remote = in->local;
	out->lport = in->rport;
	out->rport = in->lport;
	if (W.nat && from == 0) {
		out->remote = W.nat_addr;
		out->rport = (uint16_t)(in->lport + W.nat_shift);
	}
	if (W.nat && from == 1) {
		out->local = W.n[0].addr;
		out->lport = (uint16_t)(in->rport - W.nat_shift);
	}
}

static void hook_send(void *ctx, const struct fp_ike_dgram *d)
{
	struct node *n = ctx;
	if (d->len == 1 && d->data[0] == FP_IKE_NATT_KEEPALIVE) {
		n->n_keepalive++;
		return;
	}
	n->n_tx++;
	if (W.drop_all)
		return;
	if (W.drop_from == n->idx && d->len > 18 && d->data[18] == W.drop_exchange) {
		W.drop_from = -1;
		return;
	}
	assert_true(W.nq < QMAX && d->len <= sizeof(W.q[0].buf));
	struct qent *e = &W.q[W.nq++];
	e->to = 1 - n->idx;
	wire_translate(n->idx, d, &e->d);
	memcpy(e->buf, d->data, d->len);
	e->d.data = e->buf;
	e->d.len = d->len;
}

static uint32_t hook_spi_alloc(void *ctx)
{
	struct node *n = ctx;
	return ++n->next_spi;
}

static void hook_spi_release(void *ctx, uint32_t spi)
{
	struct node *n = ctx;
	(void)spi;
	n->n_released++;
}

static int hook_child_up(void *ctx, const struct fp_ike_child *c, uint64_t old, uint64_t *h)
{
	struct node *n = ctx;
	assert_true(n->n_child < 16);
	/* where a new child should never stand beside a live one of its
	 * tunnel (a restarted peer's: the stale one goes first) */
	for (unsigned k = 0; W.one_pair && old == UINT64_MAX && k < n->n_child; k++)
		assert_false(n->live[k] && n->child[k].tunnel == c->tunnel);
	n->live[n->n_child] = true;
	n->old[n->n_child] = old;
	n->child[n->n_child] = *c;
	*h = 100 + n->n_child++;
	return 0;
}

static uint64_t hook_child_rx(void *ctx, uint64_t h)
{
	struct node *n = ctx;
	(void)h;
	return n->esp_rx_ns;
}

static void hook_child_down(void *ctx, uint64_t h, const char *reason)
{
	struct node *n = ctx;
	(void)reason;
	assert_true(n->n_down < 16);
	if (h >= 100 && h < 116)
		n->live[h - 100] = false;
	n->down[n->n_down++] = h;
}

/* Random bytes, with a say in which nonce is the lowest (2.8.1 tests):
 * every 32-byte request is a nonce; with nonce_low set, that one starts
 * 0x00 and every other 0x80. */
static void hook_random(void *ctx, uint8_t *out, size_t n)
{
	struct node *nd = ctx;
	assert_int_equal(RAND_bytes(out, (int)n), 1);
	if (n == FP_IKE_NONCE_LEN && nd->nonce_low >= 0)
		out[0] = nd->n_nonce++ == (unsigned)nd->nonce_low ? 0x00 : 0x80;
}

/* Node A's log lines, for the debug test. */
static struct {
	char text[32768];
	size_t len;
} LOG;

static void hook_log(void *ctx, const char *line)
{
	struct node *n = ctx;
	size_t l = strlen(line);
	if (n->idx == 0 && LOG.len + l + 2 < sizeof(LOG.text)) {
		memcpy(LOG.text + LOG.len, line, l);
		LOG.text[LOG.len + l] = '\n';
		LOG.len += l + 1;
		LOG.text[LOG.len] = 0;
	}
	if (getenv("IKE_TEST_LOG"))
		fprintf(stderr, "%s\n", line);
}

static void hook_child_moved(void *ctx, uint64_t h, const struct fp_addr *remote, uint16_t rport)
{
	struct node *n = ctx;
	(void)remote;
	n->moved_handle = h;
	n->moved_port = rport;
}

static struct fp_ike_env node_env(struct node *n)
{
	return (struct fp_ike_env){.ctx = n, .send = hook_send, .spi_alloc = hook_spi_alloc,
				   .spi_release = hook_spi_release, .child_up = hook_child_up,
				   .child_down = hook_child_down, .random = hook_random,
				   .log = hook_log, .child_rx_ns = hook_child_rx,
				   .child_moved = hook_child_moved};
}

static void pump(uint64_t now)
{
	for (unsigned guard = 0; W.nq && guard < 100; guard++) {
		static struct qent e;
		e = W.q[0];
		memmove(&W.q[0], &W.q[1], (W.nq - 1) * sizeof(W.q[0]));
		W.nq--;
		e.d.data = e.buf;
		fp_ike_input(W.n[e.to].ike, &e.d, now);
	}
}

static const struct fp_ike_policy pol_cbc = {
	.priority = 1,
	.encr = {FP_IKE_ENCR_AES_CBC}, .encr_bits = {256}, .n_encr = 1,
	.integ = {FP_IKE_INTEG_HMAC_SHA2_256_128}, .n_integ = 1,
	.prf = {FP_IKE_PRF_HMAC_SHA2_256}, .n_prf = 1,
	.group = {FP_IKE_DH_CURVE25519}, .n_group = 1,
	.life_s = 86400,
};

/* Node i's configuration: one peer (the other node), one tunnel. */
struct setup {
	struct fp_ike_policy pol[2];
	unsigned n_pol;
	struct fp_ike_peer peer;
	unsigned half_open_max, cookie_pct; /* 0: the defaults */
};

static struct setup S[2];

static void setup_default(void)
{
	for (int i = 0; i < 2; i++) {
		struct setup *s = &S[i];
		struct fp_ike_peer *p = &s->peer;
		memset(s, 0, sizeof(*s));
		s->pol[0] = pol_cbc;
		s->n_pol = 1;
		p->addr = W.n[1 - i].addr;
		p->local = W.n[i].addr;
		memcpy(p->psk_local, i ? "psk-of-B" : "psk-of-A", 8);
		memcpy(p->psk_remote, i ? "psk-of-A" : "psk-of-B", 8);
		p->psk_local_len = p->psk_remote_len = 8;
		p->n_tunnels = 1;
		struct fp_ike_tunnel *t = &p->tunnels[0];
		t->tunnel = i ? 3 : 7;
		t->esp[0] = (struct fp_ike_esp){FP_CIPHER_AES_GCM_256, FP_INTEG_NONE};
		t->esp[1] = (struct fp_ike_esp){FP_CIPHER_AES_CBC_128, FP_INTEG_HMAC_SHA1_96};
		t->n_esp = 2;
		t->initiate = t->respond = true;
		t->life_s = 3600;
	}
	/* A offers /16s, B has /24s inside them: B narrows */
	S[0].peer.tunnels[0].sel = (struct fp_selector){.local = pfx(10, 1, 0, 16), .remote = pfx(10, 2, 0, 16)};
	S[1].peer.tunnels[0].sel = (struct fp_selector){.local = pfx(10, 2, 1, 24), .remote = pfx(10, 1, 1, 24)};
}

static void configure(void)
{
	for (int i = 0; i < 2; i++) {
		struct fp_ike_cfg cfg = {.n_policies = S[i].n_pol, .peers = &S[i].peer,
					 .n_peers = 1, .half_open_max = S[i].half_open_max,
					 .cookie_pct = S[i].cookie_pct};
		char err[128];
		memcpy(cfg.policies, S[i].pol, sizeof(S[i].pol));
		if (i == 1 && W.nat)
			S[1].peer.addr = W.nat_addr;
		cfg.peers = &S[i].peer;
		assert_int_equal(fp_ike_configure(W.n[i].ike, &cfg, err, sizeof(err)), 0);
	}
}

static int world_setup(void **state)
{
	(void)state;
	memset(&W, 0, sizeof(W));
	W.drop_from = -1;
	W.nat_addr = addr4(198, 51, 100, 9);
	W.nat_shift = NAT_PORT_SHIFT;
	for (int i = 0; i < 2; i++) {
		struct node *n = &W.n[i];
		n->idx = i;
		n->addr = addr4(192, 0, 2, (uint8_t)(1 + i));
		n->next_spi = i ? 0xb0000000u : 0xa0000000u;
		n->nonce_low = -1;
		struct fp_ike_env env = node_env(n);
		n->ike = fp_ike_new(&env);
		assert_non_null(n->ike);
	}
	setup_default();
	return 0;
}

static int world_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++)
		fp_ike_free(W.n[i].ike);
	return 0;
}

static void bring_up(void)
{
	configure();
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 7, 1 * NS), 0);
	pump(1 * NS);
}

static struct fp_ike_sa_info sa_of(int i)
{
	struct fp_ike_sa_info info;
	assert_true(fp_ike_sa_get(W.n[i].ike, 0, &info));
	return info;
}

static void assert_keys_equal(const struct fp_crypto_key *x, const struct fp_crypto_key *y)
{
	assert_int_equal(x->cipher, y->cipher);
	assert_int_equal(x->integ, y->integ);
	assert_int_equal(x->ckey_len, y->ckey_len);
	assert_int_equal(x->akey_len, y->akey_len);
	assert_true(x->ckey_len > 0);
	assert_memory_equal(x->ckey, y->ckey, x->ckey_len);
	if (x->akey_len)
		assert_memory_equal(x->akey, y->akey, x->akey_len);
	assert_memory_not_equal(x->ckey, (uint8_t[36]){0}, x->ckey_len);
}

/* Both children mirror each other: SPIs, keys crosswise, selectors. */
static void assert_children_mirror(void)
{
	assert_int_equal(W.n[0].n_child, 1);
	assert_int_equal(W.n[1].n_child, 1);
	const struct fp_ike_child *a = &W.n[0].child[0], *b = &W.n[1].child[0];
	assert_int_equal(a->spi_in, b->spi_out);
	assert_int_equal(a->spi_out, b->spi_in);
	assert_int_equal(a->spi_in & 0xf0000000u, 0xa0000000u);
	assert_keys_equal(&a->key_out, &b->key_in);
	assert_keys_equal(&a->key_in, &b->key_out);
	assert_memory_not_equal(a->key_in.ckey, a->key_out.ckey, a->key_in.ckey_len);
	assert_int_equal(a->tunnel, 7);
	assert_int_equal(b->tunnel, 3);
	assert_memory_equal(&a->sel.local, &b->sel.remote, sizeof(a->sel.local));
	assert_memory_equal(&a->sel.remote, &b->sel.local, sizeof(a->sel.remote));
	assert_int_equal(a->ike_sa, sa_of(0).id);
}

static void test_up(void **state)
{
	(void)state;
	bring_up();
	assert_children_mirror();
	const struct fp_ike_child *a = &W.n[0].child[0];
	/* narrowed by B to its /24s */
	struct fp_prefix l = pfx(10, 1, 1, 24), r = pfx(10, 2, 1, 24);
	assert_memory_equal(&a->sel.local, &l, sizeof(l));
	assert_memory_equal(&a->sel.remote, &r, sizeof(r));
	assert_int_equal(a->key_out.cipher, FP_CIPHER_AES_GCM_256);
	assert_int_equal(a->key_out.ckey_len, 36);
	assert_int_equal(a->encap_sport, 0);
	assert_int_equal(a->encap_dport, 0);
	assert_int_equal(a->life_s, 3600);
	for (int i = 0; i < 2; i++) {
		struct fp_ike_sa_info info = sa_of(i);
		assert_int_equal(info.status, FP_IKE_SA_READY);
		assert_int_equal(info.initiator, i == 0);
		assert_int_equal(info.lport, 500);
		assert_int_equal(info.group, FP_IKE_DH_CURVE25519);
		assert_int_equal(info.n_children, 1);
		assert_int_equal(info.life_s, 86400);
		assert_false(info.nat_local || info.nat_remote);
		assert_int_equal(fp_ike_stats(W.n[i].ike)->established, 1);
		assert_int_equal(fp_ike_stats(W.n[i].ike)->auth_ok, 1);
	}
	assert_int_equal(sa_of(0).spi_i, sa_of(1).spi_i);
	assert_int_equal(sa_of(0).spi_r, sa_of(1).spi_r);
	/* a second acquire while the SA stands starts nothing */
	unsigned tx = W.n[0].n_tx;
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 7, 2 * NS), 0);
	assert_int_equal(W.n[0].n_tx, tx);
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 99, 2 * NS), -1);
	/* clear: children down on both sides (the peer got the DELETE) */
	assert_int_equal(fp_ike_clear(W.n[0].ike, NULL, 3 * NS), 1);
	pump(3 * NS);
	assert_int_equal(W.n[0].n_down, 1);
	assert_int_equal(W.n[1].n_down, 1);
	struct fp_ike_sa_info info;
	assert_false(fp_ike_sa_get(W.n[0].ike, 0, &info));
	assert_false(fp_ike_sa_get(W.n[1].ike, 0, &info));
}

static void test_nat(void **state)
{
	(void)state;
	W.nat = true;
	bring_up();
	assert_children_mirror();
	const struct fp_ike_child *a = &W.n[0].child[0], *b = &W.n[1].child[0];
	assert_int_equal(a->encap_sport, 4500);
	assert_int_equal(a->encap_dport, 4500);
	assert_int_equal(b->encap_sport, 4500);
	assert_int_equal(b->encap_dport, 4500 + NAT_PORT_SHIFT);
	assert_memory_equal(&b->remote, &W.nat_addr, sizeof(W.nat_addr));
	struct fp_ike_sa_info ia = sa_of(0), ib = sa_of(1);
	assert_true(ia.nat_local && !ia.nat_remote);
	assert_true(ib.nat_remote && !ib.nat_local);
	assert_int_equal(ia.lport, 4500);
	assert_int_equal(ia.rport, 4500);
	assert_int_equal(ib.lport, 4500);
	assert_int_equal(ib.rport, 4500 + NAT_PORT_SHIFT);
}

static void test_wrong_psk(void **state)
{
	(void)state;
	memcpy(S[1].peer.psk_remote, "not-it!!", 8);
	bring_up();
	assert_int_equal(W.n[0].n_child, 0);
	assert_int_equal(W.n[1].n_child, 0);
	const struct fp_ike_stats *sa = fp_ike_stats(W.n[0].ike), *sb = fp_ike_stats(W.n[1].ike);
	assert_int_equal(sb->auth_fail, 1);
	assert_int_equal(sb->notify_tx[FP_IKE_N_AUTHENTICATION_FAILED], 1);
	assert_int_equal(sa->notify_rx[FP_IKE_N_AUTHENTICATION_FAILED], 1);
	assert_int_equal(sa->auth_fail, 1);
	assert_int_equal(sa->established + sb->established, 0);
	assert_int_equal(W.n[0].n_released, 1); /* the child SPI A offered */
	struct fp_ike_sa_info info;
	assert_false(fp_ike_sa_get(W.n[0].ike, 0, &info));
	assert_false(fp_ike_sa_get(W.n[1].ike, 0, &info));
}

/* B checks A's AUTH under its remote PSK: A using the wrong local one is
 * refused the same way; and A refuses B's AUTH when only B's is wrong. */
static void test_wrong_psk_responder(void **state)
{
	(void)state;
	memcpy(S[0].peer.psk_remote, "not-it!!", 8);
	bring_up();
	assert_int_equal(W.n[0].n_child, 0);
	assert_int_equal(fp_ike_stats(W.n[0].ike)->auth_fail, 1);
	assert_int_equal(W.n[0].n_released, 1);
	/* B had installed its child; A's failure leaves B's SA until slice 3's
	 * INFORMATIONAL; its child is taken down with it */
	struct fp_ike_sa_info info;
	assert_false(fp_ike_sa_get(W.n[0].ike, 0, &info));
}

static void test_invalid_ke(void **state)
{
	(void)state;
	S[0].pol[0].group[0] = FP_IKE_DH_ECP_256;
	S[0].pol[0].group[1] = FP_IKE_DH_CURVE25519;
	S[0].pol[0].n_group = 2;
	bring_up();
	assert_children_mirror();
	assert_int_equal(fp_ike_stats(W.n[1].ike)->notify_tx[FP_IKE_N_INVALID_KE_PAYLOAD], 1);
	assert_int_equal(fp_ike_stats(W.n[0].ike)->notify_rx[FP_IKE_N_INVALID_KE_PAYLOAD], 1);
	assert_int_equal(sa_of(0).group, FP_IKE_DH_CURVE25519);
	assert_int_equal(fp_ike_stats(W.n[0].ike)->sa_init_tx, 2);
}

/* B only has group 19 and A offers it second: B takes A's KE group when its
 * policy allows it, else asks; here A's first KE (31) is not in B's list. */
static void test_invalid_ke_responder_group(void **state)
{
	(void)state;
	S[0].pol[0].group[0] = FP_IKE_DH_CURVE25519;
	S[0].pol[0].group[1] = FP_IKE_DH_ECP_384;
	S[0].pol[0].n_group = 2;
	S[1].pol[0].group[0] = FP_IKE_DH_ECP_384;
	bring_up();
	assert_children_mirror();
	assert_int_equal(sa_of(1).group, FP_IKE_DH_ECP_384);
}

/* A's IKE_SA_INIT request, first in the queue, answered by hand with a
 * COOKIE (the queue emptied first); returns its SPIi in spi_i. */
static void answer_cookie(uint8_t *spi_i)
{
	static const uint8_t cookie[16] = "cookie-from-resp";
	static uint8_t resp[64];
	assert_true(W.nq >= 1);
	struct fp_ike_dgram d = W.q[0].d;
	memcpy(spi_i, W.q[0].buf, 8);
	W.nq = 0;
	struct fp_ike_wr w;
	struct fp_ike_hdr h = {.h_version = FP_IKE_VERSION, .h_exchange = FP_IKE_EX_IKE_SA_INIT,
			       .h_flags = FP_IKE_FLAG_RESPONSE};
	memcpy(h.h_spi_i, spi_i, 8);
	fp_ike_wr_init(&w, resp, sizeof(resp));
	fp_ike_put_hdr(&w, &h);
	struct fp_ike_notify n = {.n_data = cookie, .n_len = sizeof(cookie),
				  .n_type = FP_IKE_N_COOKIE};
	fp_ike_put_notify(&w, &n);
	long len = fp_ike_wr_finish(&w);
	assert_true(len > 0);
	struct fp_ike_dgram r = {d.remote, d.local, d.rport, d.lport, 0, resp, (uint32_t)len};
	fp_ike_input(W.n[0].ike, &r, 1 * NS);
}

/* A responder that asks for a COOKIE: A sends IKE_SA_INIT again with
 * N(COOKIE) first, same SPIi, MID 0, then comes up. */
static void test_cookie_echo(void **state)
{
	(void)state;
	static struct fp_ike_msg m;
	uint8_t spi_i[8];
	configure();
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 7, 1 * NS), 0);
	assert_int_equal(W.nq, 1);
	answer_cookie(spi_i);

	assert_int_equal(W.nq, 1);
	assert_int_equal(fp_ike_msg_parse(&m, W.q[0].buf, W.q[0].d.len), FP_IKE_E_OK);
	assert_memory_equal(m.m_hdr.h_spi_i, spi_i, 8);
	assert_int_equal(m.m_hdr.h_msgid, 0);
	assert_int_equal(m.m_chain.c_pl[0].pl_type, FP_IKE_PL_NOTIFY);
	struct fp_ike_notify got;
	assert_int_equal(fp_ike_notify_parse(&m.m_chain.c_pl[0], &got), FP_IKE_E_OK);
	assert_int_equal(got.n_type, FP_IKE_N_COOKIE);
	assert_int_equal(got.n_len, 16);
	assert_memory_equal(got.n_data, "cookie-from-resp", 16);
	pump(1 * NS);
	assert_children_mirror();
}

/* A responder (or someone who forges its answers) that asks for a COOKIE
 * again and again: A echoes FP_IKE_COOKIE_TRIES of them, then gives up. */
static void test_cookie_loop(void **state)
{
	(void)state;
	uint8_t spi_i[8];
	configure();
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 7, 1 * NS), 0);
	for (unsigned i = 0; i < FP_IKE_COOKIE_TRIES; i++) {
		answer_cookie(spi_i);
		assert_int_equal(W.nq, 1); /* the request again, with the cookie */
	}
	answer_cookie(spi_i);
	assert_int_equal(W.nq, 0);
	struct fp_ike_sa_info info;
	assert_false(fp_ike_sa_get(W.n[0].ike, 0, &info));
	assert_int_equal(fp_ike_stats(W.n[0].ike)->sa_init_tx, 1 + FP_IKE_COOKIE_TRIES);
}

static void test_retransmit_cached(void **state)
{
	(void)state;
	W.drop_from = 1;
	W.drop_exchange = FP_IKE_EX_IKE_AUTH;
	bring_up();
	assert_int_equal(W.n[0].n_child, 0);
	assert_int_equal(W.n[1].n_child, 1);
	assert_int_equal(sa_of(0).status, FP_IKE_SA_IN_NEG);
	fp_ike_tick(W.n[0].ike, 4 * NS); /* 3 s after the request: not yet */
	assert_int_equal(W.nq, 0);
	fp_ike_tick(W.n[0].ike, 5 * NS + 1);
	assert_int_equal(W.nq, 1);
	pump(5 * NS + 1);
	assert_children_mirror();
	assert_int_equal(fp_ike_stats(W.n[0].ike)->retransmits, 1);
	assert_int_equal(fp_ike_stats(W.n[1].ike)->retransmits, 1); /* the cached response */
	assert_int_equal(fp_ike_stats(W.n[1].ike)->auth_ok, 1);     /* processed once */
	assert_int_equal(fp_ike_stats(W.n[1].ike)->established, 1);
}

/* A flipped byte in A's IKE_AUTH: B refuses it on the ICV, unanswered and
 * unprocessed; A's retransmission 4 s later brings the SA up. */
static void test_auth_tampered(void **state)
{
	(void)state;
	configure();
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 7, 1 * NS), 0);
	/* step by step: IKE_SA_INIT to B, its response to A */
	fp_ike_input(W.n[1].ike, &W.q[0].d, 1 * NS);
	W.q[0] = W.q[1];
	W.q[0].d.data = W.q[0].buf;
	W.nq = 1;
	fp_ike_input(W.n[0].ike, &W.q[0].d, 1 * NS);
	W.q[0] = W.q[1];
	W.q[0].d.data = W.q[0].buf;
	W.nq = 1;
	assert_int_equal(W.q[0].buf[18], FP_IKE_EX_IKE_AUTH);
	W.q[0].buf[W.q[0].d.len - 20] ^= 0x01;
	pump(1 * NS);
	assert_int_equal(fp_ike_stats(W.n[1].ike)->refused_icv, 1);
	assert_int_equal(W.n[1].n_child, 0);
	assert_int_equal(W.nq, 0);
	fp_ike_tick(W.n[0].ike, 5 * NS);
	pump(5 * NS);
	assert_children_mirror();
}

/* No answer at all: 5 retransmissions at 4 s x 1.8^n, then the SA goes. */
static void test_retransmit_give_up(void **state)
{
	(void)state;
	W.drop_all = true;
	bring_up();
	uint64_t t = 1 * NS, wait = 4 * NS;
	for (int i = 0; i < 6; i++) {
		struct fp_ike_sa_info info;
		assert_true(fp_ike_sa_get(W.n[0].ike, 0, &info));
		fp_ike_tick(W.n[0].ike, t + wait - 1);
		assert_int_equal(W.n[0].n_tx, 1 + (unsigned)i);
		t += wait;
		fp_ike_tick(W.n[0].ike, t);
		wait = wait * 9 / 5;
	}
	struct fp_ike_sa_info info;
	assert_int_equal(W.n[0].n_tx, 6);
	assert_false(fp_ike_sa_get(W.n[0].ike, 0, &info));
	assert_int_equal(fp_ike_stats(W.n[0].ike)->retransmits, 5);
	assert_int_equal(fp_ike_stats(W.n[0].ike)->deleted, 1);
}

static void test_no_proposal(void **state)
{
	(void)state;
	S[1].pol[0].encr[0] = FP_IKE_ENCR_AES_GCM_16;
	S[1].pol[0].n_integ = 0;
	bring_up();
	assert_int_equal(fp_ike_stats(W.n[1].ike)->notify_tx[FP_IKE_N_NO_PROPOSAL_CHOSEN], 1);
	assert_int_equal(fp_ike_stats(W.n[0].ike)->notify_rx[FP_IKE_N_NO_PROPOSAL_CHOSEN], 1);
	struct fp_ike_sa_info info;
	assert_false(fp_ike_sa_get(W.n[0].ike, 0, &info));
	assert_false(fp_ike_sa_get(W.n[1].ike, 0, &info));
}

static void test_child_refused_ts(void **state)
{
	(void)state;
	S[1].peer.tunnels[0].sel.remote = pfx(10, 9, 0, 16); /* not A's */
	bring_up();
	assert_int_equal(W.n[0].n_child + W.n[1].n_child, 0);
	assert_int_equal(sa_of(0).status, FP_IKE_SA_READY);
	assert_int_equal(sa_of(1).status, FP_IKE_SA_READY);
	assert_int_equal(fp_ike_stats(W.n[1].ike)->notify_tx[FP_IKE_N_TS_UNACCEPTABLE], 1);
	assert_int_equal(fp_ike_stats(W.n[0].ike)->notify_rx[FP_IKE_N_TS_UNACCEPTABLE], 1);
	assert_int_equal(W.n[0].n_released, 1);
	assert_int_equal(W.n[1].n_released, 0); /* refused before an SPI was taken */
}

static void test_child_refused_esp(void **state)
{
	(void)state;
	S[1].peer.tunnels[0].esp[0] = (struct fp_ike_esp){FP_CIPHER_AES_CBC_256,
							  FP_INTEG_HMAC_SHA512_256};
	S[1].peer.tunnels[0].n_esp = 1;
	bring_up();
	assert_int_equal(W.n[0].n_child + W.n[1].n_child, 0);
	assert_int_equal(sa_of(0).status, FP_IKE_SA_READY);
	assert_int_equal(fp_ike_stats(W.n[1].ike)->notify_tx[FP_IKE_N_NO_PROPOSAL_CHOSEN], 1);
}

/* Every IKE suite fpvpn negotiates, each with every ESP suite. */
static void test_every_suite(void **state)
{
	static const struct {
		uint16_t encr, bits, integ, prf;
	} ike_suites[] = {
		{FP_IKE_ENCR_AES_CBC, 128, FP_IKE_INTEG_HMAC_SHA1_96, FP_IKE_PRF_HMAC_SHA1},
		{FP_IKE_ENCR_AES_CBC, 256, FP_IKE_INTEG_HMAC_SHA2_256_128, FP_IKE_PRF_HMAC_SHA2_256},
		{FP_IKE_ENCR_AES_CBC, 192, FP_IKE_INTEG_HMAC_SHA2_384_192, FP_IKE_PRF_HMAC_SHA2_384},
		{FP_IKE_ENCR_AES_CBC, 256, FP_IKE_INTEG_HMAC_SHA2_512_256, FP_IKE_PRF_HMAC_SHA2_512},
		{FP_IKE_ENCR_AES_GCM_16, 256, FP_IKE_INTEG_NONE, FP_IKE_PRF_HMAC_SHA2_384},
		{FP_IKE_ENCR_AES_GCM_16, 128, FP_IKE_INTEG_NONE, FP_IKE_PRF_HMAC_SHA2_256},
		{FP_IKE_ENCR_AES_GCM_12, 256, FP_IKE_INTEG_NONE, FP_IKE_PRF_HMAC_SHA2_256},
		{FP_IKE_ENCR_AES_GCM_8, 128, FP_IKE_INTEG_NONE, FP_IKE_PRF_HMAC_SHA2_512},
	};
	static const struct fp_ike_esp esps[] = {
		{FP_CIPHER_AES_GCM_256, FP_INTEG_NONE},
		{FP_CIPHER_AES_GCM_128, FP_INTEG_NONE},
		{FP_CIPHER_AES_CBC_256, FP_INTEG_HMAC_SHA256_128},
		{FP_CIPHER_AES_CBC_256, FP_INTEG_HMAC_SHA384_192},
		{FP_CIPHER_AES_CBC_128, FP_INTEG_HMAC_SHA512_256},
		{FP_CIPHER_AES_CBC_128, FP_INTEG_HMAC_SHA1_96},
	};
	unsigned n = 0;
	for (size_t i = 0; i < sizeof(ike_suites) / sizeof(ike_suites[0]); i++) {
		for (size_t e = 0; e < sizeof(esps) / sizeof(esps[0]); e++) {
			world_teardown(state);
			world_setup(state);
			for (int k = 0; k < 2; k++) {
				struct fp_ike_policy *p = &S[k].pol[0];
				p->encr[0] = ike_suites[i].encr;
				p->encr_bits[0] = ike_suites[i].bits;
				p->integ[0] = ike_suites[i].integ;
				p->n_integ = ike_suites[i].integ ? 1 : 0;
				p->prf[0] = ike_suites[i].prf;
				p->group[0] = (uint16_t)(i % 2 ? FP_IKE_DH_MODP_2048 : FP_IKE_DH_ECP_256);
				S[k].peer.tunnels[0].esp[0] = esps[e];
				S[k].peer.tunnels[0].n_esp = 1;
			}
			bring_up();
			assert_children_mirror();
			assert_int_equal(W.n[0].child[0].key_in.cipher, esps[e].cipher);
			assert_int_equal(W.n[0].child[0].key_in.integ, esps[e].integ);
			assert_int_equal(sa_of(0).encr, ike_suites[i].encr);
			assert_int_equal(sa_of(1).prf, ike_suites[i].prf);
			n++;
		}
	}
	assert_int_equal(n, 48);
}

/* charon's IKE_SA_INIT request (3 proposals, KE x25519) through a
 * responder: the answer parses and takes the proposal B's policy names. */
static void charon_init(const struct fp_ike_policy *pol, uint8_t want_num, uint16_t want_encr)
{
	static struct ikev_buf v;
	static struct fp_ike_msg m;
	static struct fp_ike_sa sa;
	ikev_load(&v, "init-req.bin");
	S[1].pol[0] = *pol;
	configure();
	struct fp_ike_dgram d = {W.n[1].addr, W.n[0].addr, 500, 500, 0, v.b, (uint32_t)v.n};
	W.drop_all = false;
	fp_ike_input(W.n[1].ike, &d, 1 * NS);
	assert_int_equal(W.nq, 1);
	const struct fp_ike_dgram *r = &W.q[0].d;
	assert_int_equal(fp_ike_msg_parse(&m, W.q[0].buf, r->len), FP_IKE_E_OK);
	assert_true(m.m_hdr.h_flags & FP_IKE_FLAG_RESPONSE);
	const struct fp_ike_pl *pl = fp_ike_chain_find(&m.m_chain, FP_IKE_PL_SA, NULL);
	assert_non_null(pl);
	assert_int_equal(fp_ike_sa_parse(pl, &sa), FP_IKE_E_OK);
	assert_int_equal(sa.sa_n_prop, 1);
	assert_int_equal(sa.sa_prop[0].pr_num, want_num);
	assert_int_equal(sa.sa_xf[sa.sa_prop[0].pr_first_xf].xf_id, want_encr);
	assert_int_equal(sa.sa_xf[sa.sa_prop[0].pr_first_xf].xf_keylen, 256);
	struct fp_ike_ke ke;
	assert_int_equal(fp_ike_ke_parse(fp_ike_chain_find(&m.m_chain, FP_IKE_PL_KE, NULL), &ke),
			 FP_IKE_E_OK);
	assert_int_equal(ke.ke_group, FP_IKE_DH_CURVE25519);
	assert_int_equal(ke.ke_len, 32);
	assert_non_null(fp_ike_chain_find(&m.m_chain, FP_IKE_PL_NONCE, NULL));
	/* charon's random NATD_S_IP: B sees the peer behind a NAT */
	assert_true(sa_of(1).nat_remote);
	assert_int_equal(sa_of(1).status, FP_IKE_SA_IN_NEG);
	/* the same request again: the same response, not a second SA */
	W.nq = 0;
	fp_ike_input(W.n[1].ike, &d, 2 * NS);
	assert_int_equal(W.nq, 1);
	assert_int_equal(fp_ike_stats(W.n[1].ike)->sa_init_rx, 1);
	assert_int_equal(fp_ike_stats(W.n[1].ike)->retransmits, 1);
	struct fp_ike_sa_info info;
	assert_false(fp_ike_sa_get(W.n[1].ike, 1, &info));
	/* 30 s without IKE_AUTH: the half-open SA is gone */
	assert_int_equal(fp_ike_stats(W.n[1].ike)->half_open, 1);
	fp_ike_tick(W.n[1].ike, 32 * NS);
	assert_false(fp_ike_sa_get(W.n[1].ike, 0, &info));
	assert_int_equal(fp_ike_stats(W.n[1].ike)->half_open, 0);
}

/* charon's IKE_SA_INIT request with SPIi starting spi, from A's address
 * into B at t, with N(COOKIE) first when cookie is set; B's answers are
 * left in the queue (emptied first). */
static void charon_req(uint32_t spi, const uint8_t *cookie, uint16_t clen, uint64_t t)
{
	static struct ikev_buf v;
	static struct fp_ike_msg m;
	static uint8_t buf[2048];
	ikev_load(&v, "init-req.bin");
	fp_put32(v.b, spi);
	struct fp_ike_dgram d = {W.n[1].addr, W.n[0].addr, 500, 500, 0, v.b, (uint32_t)v.n};
	if (cookie) {
		struct fp_ike_wr w;
		struct fp_ike_notify n = {.n_data = cookie, .n_len = clen, .n_type = FP_IKE_N_COOKIE};
		assert_int_equal(fp_ike_msg_parse(&m, v.b, (uint32_t)v.n), FP_IKE_E_OK);
		fp_ike_wr_init(&w, buf, sizeof(buf));
		fp_ike_put_hdr(&w, &m.m_hdr);
		fp_ike_put_notify(&w, &n);
		assert_int_equal(ike_rebuild_chain(&w, &m.m_chain), 0);
		long len = fp_ike_wr_finish(&w);
		assert_true(len > 0);
		d.data = buf;
		d.len = (uint32_t)len;
	}
	W.drop_all = false;
	W.nq = 0;
	fp_ike_input(W.n[1].ike, &d, t);
}

/* The COOKIE notify B answered with (the only payload), into c. */
static uint16_t answered_cookie(uint8_t *c)
{
	static struct fp_ike_msg m;
	struct fp_ike_notify n;
	assert_int_equal(W.nq, 1);
	assert_int_equal(fp_ike_msg_parse(&m, W.q[0].buf, W.q[0].d.len), FP_IKE_E_OK);
	assert_true(m.m_hdr.h_flags & FP_IKE_FLAG_RESPONSE);
	assert_int_equal(m.m_chain.c_n, 1);
	assert_int_equal(fp_ike_notify_parse(&m.m_chain.c_pl[0], &n), FP_IKE_E_OK);
	assert_int_equal(n.n_type, FP_IKE_N_COOKIE);
	assert_int_equal(n.n_len, 33); /* version, HMAC-SHA-256 */
	memcpy(c, n.n_data, n.n_len);
	return n.n_len;
}

static unsigned n_sas(int i)
{
	struct fp_ike_sa_info info;
	unsigned n = 0;
	while (fp_ike_sa_get(W.n[i].ike, n, &info))
		n++;
	return n;
}

/* A flood of charon's request with ever new SPIs from the peer's address,
 * B at max-in-negotiation-sa 8 with cookies from 100 %: 8 half-open SAs,
 * then a COOKIE for each request without one and no state; with a valid
 * cookie the total bound still drops it, unanswered. They expire after
 * 30 s and room comes back. */
static void test_half_open_bound(void **state)
{
	(void)state;
	uint8_t c[64];
	S[1].pol[0] = pol_cbc;
	S[1].half_open_max = 8;
	S[1].cookie_pct = 100;
	configure();
	const struct fp_ike_stats *st = fp_ike_stats(W.n[1].ike);
	assert_int_equal(st->half_open_limit, 8);
	assert_int_equal(st->cookie_threshold, 8);
	for (unsigned i = 0; i < 8; i++)
		charon_req(0xf100d000u + i, NULL, 0, 1 * NS);
	assert_int_equal(st->half_open, 8);
	charon_req(0xf100d100u, NULL, 0, 1 * NS);
	uint16_t clen = answered_cookie(c);
	assert_int_equal(st->cookies_sent, 1);
	assert_int_equal(n_sas(1), 8);
	charon_req(0xf100d100u, c, clen, 1 * NS);
	assert_int_equal(st->cookies_bad, 0);
	assert_int_equal(st->refused_half_open, 1);
	assert_int_equal(W.nq, 0);
	assert_int_equal(n_sas(1), 8);
	fp_ike_tick(W.n[1].ike, 32 * NS);
	assert_int_equal(st->half_open, 0);
	charon_req(0xf100e000u, NULL, 0, 33 * NS);
	assert_int_equal(st->half_open, 1);
	assert_int_equal(st->half_open_max, 8);
}

/* One source address holds FP_IKE_HALF_OPEN_PER_SRC half-open SAs at
 * most, whatever room the total has: the next is dropped, unanswered. */
static void test_half_open_per_source(void **state)
{
	(void)state;
	S[1].pol[0] = pol_cbc;
	S[1].half_open_max = 1000;
	S[1].cookie_pct = 100;
	configure();
	const struct fp_ike_stats *st = fp_ike_stats(W.n[1].ike);
	for (unsigned i = 0; i <= FP_IKE_HALF_OPEN_PER_SRC; i++)
		charon_req(0xf200d000u + i, NULL, 0, 1 * NS);
	assert_int_equal(st->half_open, FP_IKE_HALF_OPEN_PER_SRC);
	assert_int_equal(st->refused_half_open_src, 1);
	assert_int_equal(st->refused_half_open, 0);
	assert_int_equal(W.nq, 0);
}

/* B past its cookie threshold (one half-open SA of 4, cookies from 25 %):
 * A's request gets a COOKIE and B keeps nothing; A sends it again with
 * the cookie (its initiator side), B goes on and both come up. */
static void test_cookie_required(void **state)
{
	(void)state;
	uint8_t c[64];
	S[1].half_open_max = 4;
	S[1].cookie_pct = 25;
	configure();
	charon_req(0xf300d000u, NULL, 0, 1 * NS); /* one half-open SA: cookies on */
	const struct fp_ike_stats *st = fp_ike_stats(W.n[1].ike);
	assert_int_equal(st->half_open, 1);
	W.nq = 0;
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 7, 1 * NS), 0);
	struct qent req = W.q[0];
	W.nq = 0;
	req.d.data = req.buf;
	fp_ike_input(W.n[1].ike, &req.d, 1 * NS);
	assert_int_equal(st->cookies_sent, 1);
	assert_int_equal(n_sas(1), 1); /* no state for A's request */
	assert_int_equal(st->sa_init_tx, 1);
	uint8_t c_len = (uint8_t)answered_cookie(c);
	pump(1 * NS);
	assert_children_mirror();
	assert_int_equal(fp_ike_stats(W.n[0].ike)->sa_init_tx, 2);
	assert_int_equal(st->cookies_sent, 1);
	assert_int_equal(st->cookies_bad, 0);
	assert_true(c_len == 33);
}

/* B answers A's request with a COOKIE; A's retry, which carries it, is
 * held back and then changed or delayed. Returns B's stats. */
static const struct fp_ike_stats *cookie_retry(struct qent *retry)
{
	S[1].half_open_max = 4;
	S[1].cookie_pct = 25;
	configure();
	charon_req(0xf400d000u, NULL, 0, 1 * NS);
	W.nq = 0;
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 7, 1 * NS), 0);
	struct qent req = W.q[0];
	W.nq = 0;
	req.d.data = req.buf;
	fp_ike_input(W.n[1].ike, &req.d, 1 * NS); /* B: COOKIE */
	assert_int_equal(W.nq, 1);
	*retry = W.q[0];
	W.nq = 0;
	retry->d.data = retry->buf;
	fp_ike_input(W.n[0].ike, &retry->d, 1 * NS); /* A: the request again, with it */
	assert_int_equal(W.nq, 1);
	*retry = W.q[0];
	W.nq = 0;
	retry->d.data = retry->buf;
	return fp_ike_stats(W.n[1].ike);
}

/* A forged cookie (one bit changed, or cut short) is refused: no state,
 * counted, a fresh COOKIE sent back. */
static void test_cookie_forged(void **state)
{
	(void)state;
	static struct qent r;
	const struct fp_ike_stats *st = cookie_retry(&r);
	/* the COOKIE notify is the first payload: header 28, notify header 8 */
	assert_int_equal(r.buf[16], FP_IKE_PL_NOTIFY);
	r.buf[28 + 8 + 5] ^= 0x01;
	fp_ike_input(W.n[1].ike, &r.d, 1 * NS);
	assert_int_equal(st->cookies_bad, 1);
	assert_int_equal(st->cookies_sent, 2);
	assert_int_equal(n_sas(1), 1);
	uint8_t c[64];
	answered_cookie(c);
	r.buf[28 + 8 + 5] ^= 0x01;
	r.buf[28 + 8] ^= 0x80; /* another secret's version */
	W.nq = 0;
	fp_ike_input(W.n[1].ike, &r.d, 1 * NS);
	assert_int_equal(st->cookies_bad, 2);
	assert_int_equal(n_sas(1), 1);
}

/* The secret turns over every 60 s: a cookie of the previous one still
 * counts 30 s past its time (here 65 s after it was given), not later
 * (95 s): then it is refused and a fresh one sent. */
static void test_cookie_rotation(void **state)
{
	(void)state;
	static struct qent r;
	const struct fp_ike_stats *st = cookie_retry(&r);
	static struct qent late;
	late = r;
	late.d.data = late.buf;
	fp_ike_input(W.n[1].ike, &late.d, 96 * NS);
	assert_int_equal(st->cookies_bad, 1);
	assert_int_equal(n_sas(1), 1);

	world_teardown(state);
	world_setup(state);
	st = cookie_retry(&r);
	fp_ike_input(W.n[1].ike, &r.d, 66 * NS);
	assert_int_equal(st->cookies_bad, 0);
	assert_int_equal(n_sas(1), 2); /* A's SA: half-open now, the answer sent */
	assert_int_equal(st->half_open, 2);
}

static void test_charon_init_cbc(void **state)
{
	(void)state;
	charon_init(&pol_cbc, 1, FP_IKE_ENCR_AES_CBC);
}

static void test_charon_init_gcm(void **state)
{
	(void)state;
	struct fp_ike_policy p = pol_cbc;
	p.encr[0] = FP_IKE_ENCR_AES_GCM_16;
	p.n_integ = 0;
	p.prf[0] = FP_IKE_PRF_HMAC_SHA2_384;
	charon_init(&p, 2, FP_IKE_ENCR_AES_GCM_16);
}

/* charon's own AUTH payloads (lifecycle capture, PSK of
 * tests/netns/strongswan.sh) check under fp_ike_auth_psk: IDi of the
 * request with SK_pi and Nr, IDr of the response with SK_pr and Ni. */
static void charon_auth_check(struct fp_ike_sarec *s, const char *inner, bool of_initiator)
{
	static const char psk[] = "ss-interop-psk-0123456789abcdef";
	static struct ikev_buf v;
	static struct fp_ike_chain c;
	struct fp_ike_typed t;
	ikev_load(&v, inner);
	assert_int_equal(fp_ike_chain_parse(&c, v.b[0], v.b + 1, v.n - 1, true), FP_IKE_E_OK);
	const struct fp_ike_pl *id =
		fp_ike_chain_find(&c, of_initiator ? FP_IKE_PL_IDI : FP_IKE_PL_IDR, NULL);
	const struct fp_ike_pl *au = fp_ike_chain_find(&c, FP_IKE_PL_AUTH, NULL);
	assert_non_null(id);
	assert_non_null(au);
	assert_int_equal(fp_ike_typed_parse(au, &t), FP_IKE_E_OK);
	assert_int_equal(t.t_kind, FP_IKE_AUTH_PSK);
	assert_true(fp_ike_auth_psk_verify(s, of_initiator, (const uint8_t *)psk, sizeof(psk) - 1,
					   id->pl_body, id->pl_len, t.t_data, t.t_len));
	assert_false(fp_ike_auth_psk_verify(s, of_initiator, (const uint8_t *)psk,
					    sizeof(psk) - 2, id->pl_body, id->pl_len, t.t_data,
					    t.t_len));
	assert_false(fp_ike_auth_psk_verify(s, !of_initiator, (const uint8_t *)psk,
					    sizeof(psk) - 1, id->pl_body, id->pl_len, t.t_data,
					    t.t_len));
}

static void test_charon_auth_psk(void **state)
{
	(void)state;
	static struct ikev_buf req, resp;
	static struct fp_ike_sarec s;
	static struct fp_ike_msg m;
	memset(&s, 0, sizeof(s));
	ikev_load(&req, "init-req.bin");
	ikev_load(&resp, "init-resp.bin");
	s.s_init_req = req.b;
	s.s_init_req_len = req.n;
	s.s_init_resp = resp.b;
	s.s_init_resp_len = resp.n;
	const struct fp_ike_pl *ni = ikev_find(&m, &req, FP_IKE_PL_NONCE);
	memcpy(s.s_ni, ni->pl_body, ni->pl_len);
	s.s_ni_len = ni->pl_len;
	const struct fp_ike_pl *nr = ikev_find(&m, &resp, FP_IKE_PL_NONCE);
	memcpy(s.s_nr, nr->pl_body, nr->pl_len);
	s.s_nr_len = nr->pl_len;
	s.s_keys.k_suite.su_prf = FP_IKE_PRF_HMAC_SHA2_256;
	s.s_keys.k_prf_len = 32;
	ikev_key("keys-lifecycle.txt", "sk_pi", s.s_keys.k_pi);
	ikev_key("keys-lifecycle.txt", "sk_pr", s.s_keys.k_pr);
	charon_auth_check(&s, "auth-req.inner", true);
	charon_auth_check(&s, "auth-resp.inner", false);
}

/* Garbage and stray messages are counted, never answered. */
static void test_refusals_counted(void **state)
{
	(void)state;
	static uint8_t junk[40];
	configure();
	struct fp_ike_dgram d = {W.n[1].addr, W.n[0].addr, 500, 500, 0, junk, sizeof(junk)};
	fp_ike_input(W.n[1].ike, &d, NS);
	assert_int_equal(fp_ike_stats(W.n[1].ike)->refused_parse, 1);
	/* a well-formed IKE_AUTH for an SA nobody has */
	static struct ikev_buf v;
	ikev_load(&v, "auth-req.bin");
	d.data = v.b;
	d.len = (uint32_t)v.n;
	fp_ike_input(W.n[1].ike, &d, NS);
	assert_int_equal(fp_ike_stats(W.n[1].ike)->refused_spi, 1);
	/* IKE_SA_INIT from an address with no tunnel-group */
	ikev_load(&v, "init-req.bin");
	d.data = v.b;
	d.len = (uint32_t)v.n;
	d.remote = addr4(203, 0, 113, 1);
	fp_ike_input(W.n[1].ike, &d, NS);
	assert_int_equal(fp_ike_stats(W.n[1].ike)->refused_state, 1);
	assert_int_equal(W.n[1].n_tx, 0);
}

/* ---- slice 3: CREATE_CHILD_SA, INFORMATIONAL, lifetimes ---- */

/* The child of node i whose handle is h. */
static const struct fp_ike_child *child_of(int i, uint64_t h)
{
	assert_true(h >= 100 && h < 100 + W.n[i].n_child);
	return &W.n[i].child[h - 100];
}

static bool was_down(int i, uint64_t h)
{
	for (unsigned k = 0; k < W.n[i].n_down; k++)
		if (W.n[i].down[k] == h)
			return true;
	return false;
}

/* Each side has exactly one active child, and the two are a pair. */
static void assert_one_pair(void)
{
	struct fp_ike_sa_info a = sa_of(0), b = sa_of(1);
	assert_int_equal(a.n_children, 1);
	assert_int_equal(b.n_children, 1);
	const struct fp_ike_child *x = child_of(0, a.children[0]), *y = child_of(1, b.children[0]);
	assert_int_equal(x->spi_in, y->spi_out);
	assert_int_equal(x->spi_out, y->spi_in);
	assert_keys_equal(&x->key_out, &y->key_in);
	assert_keys_equal(&x->key_in, &y->key_out);
}

/* Node i rekeys its child 100 (the engine's soft event); the DELETE of
 * the old pair is lost once, so the old SAs stay until it is retransmitted. */
static void rekey_child_by(int i, uint16_t pfs)
{
	S[0].peer.tunnels[0].pfs_group = S[1].peer.tunnels[0].pfs_group = pfs;
	bring_up();
	W.drop_from = i;
	W.drop_exchange = FP_IKE_EX_INFORMATIONAL;
	fp_ike_child_expiring(W.n[i].ike, 100, false, 2 * NS);
	pump(2 * NS);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(W.n[k].n_child, 2);
		assert_int_equal(W.n[k].old[1], 100); /* make-before-break */
		assert_int_equal(W.n[k].child[1].pfs_group, pfs);
		assert_int_not_equal(W.n[k].child[1].spi_in, W.n[k].child[0].spi_in);
		assert_int_equal(W.n[k].n_down, 0); /* no DELETE yet: the old pair stays */
	}
	assert_one_pair();
	assert_memory_not_equal(W.n[0].child[1].key_in.ckey, W.n[0].child[0].key_in.ckey, 32);
	fp_ike_tick(W.n[i].ike, 6 * NS); /* the DELETE retransmitted at 2 + 4 s */
	pump(6 * NS);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(W.n[k].n_down, 1);
		assert_int_equal(W.n[k].down[0], 100);
		assert_int_equal(sa_of(k).status, FP_IKE_SA_READY);
	}
	assert_one_pair();
	assert_int_equal(fp_ike_stats(W.n[i].ike)->child_rekeys, 1);
	assert_int_equal(fp_ike_stats(W.n[1 - i].ike)->child_rekeys, 0);
}

static void test_rekey_child_initiator(void **state)
{
	(void)state;
	rekey_child_by(0, 0);
}

static void test_rekey_child_responder(void **state)
{
	(void)state;
	rekey_child_by(1, 0);
}

static void test_rekey_child_pfs(void **state)
{
	(void)state;
	rekey_child_by(0, FP_IKE_DH_ECP_256);
}

static void test_rekey_child_pfs_x25519_by_b(void **state)
{
	(void)state;
	rekey_child_by(1, FP_IKE_DH_CURVE25519);
}

/* A asks for PFS at the first rekey, B has none: refused, the old child lives. */
static void test_rekey_pfs_mismatch(void **state)
{
	(void)state;
	S[0].peer.tunnels[0].pfs_group = FP_IKE_DH_ECP_256;
	bring_up();
	assert_int_equal(W.n[0].n_child, 1); /* IKE_AUTH carries no KE: PFS not seen yet */
	fp_ike_child_expiring(W.n[0].ike, 100, false, 2 * NS);
	pump(2 * NS);
	assert_int_equal(fp_ike_stats(W.n[1].ike)->notify_tx[FP_IKE_N_NO_PROPOSAL_CHOSEN], 1);
	assert_int_equal(fp_ike_stats(W.n[0].ike)->notify_rx[FP_IKE_N_NO_PROPOSAL_CHOSEN], 1);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(W.n[k].n_child, 1);
		assert_int_equal(W.n[k].n_down, 0);
		assert_int_equal(sa_of(k).n_children, 1);
	}
	assert_one_pair();
	assert_int_equal(W.n[0].n_released, 1); /* the SPI offered went back */
}

/* Both sides rekey the same child at once (2.8.1): one pair survives.
 * loser: whose rekey request carries the lowest nonce (-1: chance). */
static void rekey_child_crossed(int loser)
{
	if (loser >= 0) /* nonces: IKE_SA_INIT's, then the rekey request's */
		W.n[loser].nonce_low = 1;
	bring_up();
	fp_ike_child_expiring(W.n[0].ike, 100, false, 2 * NS);
	fp_ike_child_expiring(W.n[1].ike, 100, false, 2 * NS);
	assert_int_equal(W.nq, 2); /* both requests on the wire */
	pump(2 * NS);
	assert_one_pair();
	for (int k = 0; k < 2; k++) {
		fp_ike_tick(W.n[k].ike, 8 * NS);
		fp_ike_tick(W.n[k].ike, 16 * NS);
	}
	pump(16 * NS);
	assert_one_pair();
	/* every child but the survivor is down, the original one included */
	for (int k = 0; k < 2; k++) {
		assert_true(was_down(k, 100));
		assert_int_equal(W.n[k].n_down, W.n[k].n_child - 1);
		assert_false(was_down(k, sa_of(k).children[0]));
		assert_int_equal(sa_of(k).status, FP_IKE_SA_READY);
	}
	assert_int_equal(fp_ike_stats(W.n[0].ike)->child_rekeys +
				 fp_ike_stats(W.n[1].ike)->child_rekeys,
			 1);
	if (loser < 0)
		return;
	/* the loser never installed its redundant child; the winner kept its own */
	assert_int_equal(fp_ike_stats(W.n[loser].ike)->child_rekeys, 0);
	assert_int_equal(W.n[loser].n_child, 2);
	assert_int_equal(W.n[1 - loser].n_child, 3);
	assert_int_equal(sa_of(1 - loser).children[0], 102);
}

static void test_rekey_child_simultaneous(void **state)
{
	(void)state;
	rekey_child_crossed(-1);
}

static void test_rekey_child_crossed_a_loses(void **state)
{
	(void)state;
	rekey_child_crossed(0);
}

static void test_rekey_child_crossed_b_loses(void **state)
{
	(void)state;
	rekey_child_crossed(1);
}

/* Node i rekeys the IKE SA (its soft lifetime reached). */
static void rekey_ike_by(int i)
{
	bring_up();
	struct fp_ike_sa_info before = sa_of(0);
	W.n[i].ike->sas[0]->s_rekey_ns = 2 * NS;
	fp_ike_tick(W.n[i].ike, 2 * NS);
	pump(2 * NS);
	for (int k = 0; k < 2; k++) {
		struct fp_ike_sa_info info = sa_of(k), none;
		assert_false(fp_ike_sa_get(W.n[k].ike, 1, &none)); /* the old one is gone */
		assert_int_equal(info.status, FP_IKE_SA_READY);
		assert_int_not_equal(info.spi_i, before.spi_i);
		assert_int_not_equal(info.spi_r, before.spi_r);
		assert_int_equal(info.initiator, k == i); /* roles follow the new SA */
		assert_int_equal(info.n_children, 1);
		assert_int_equal(info.children[0], 100);
		assert_int_equal(W.n[k].n_down, 0);
	}
	assert_int_equal(sa_of(0).spi_i, sa_of(1).spi_i);
	assert_int_equal(fp_ike_stats(W.n[i].ike)->ike_rekeys, 1);
	/* the new SA's keys work both ways: a child rekey on it */
	fp_ike_child_expiring(W.n[1 - i].ike, 100, false, 3 * NS);
	pump(3 * NS);
	assert_one_pair();
	assert_int_equal(W.n[0].n_down, 1);
	assert_int_equal(W.n[1].n_down, 1);
}

static void test_rekey_ike_initiator(void **state)
{
	(void)state;
	rekey_ike_by(0);
}

static void test_rekey_ike_responder(void **state)
{
	(void)state;
	rekey_ike_by(1);
}

static void rekey_ike_crossed(int loser)
{
	if (loser >= 0)
		W.n[loser].nonce_low = 1;
	bring_up();
	for (int k = 0; k < 2; k++) {
		W.n[k].ike->sas[0]->s_rekey_ns = 2 * NS;
		fp_ike_tick(W.n[k].ike, 2 * NS);
	}
	assert_int_equal(W.nq, 2);
	pump(2 * NS);
	for (int k = 0; k < 2; k++) {
		fp_ike_tick(W.n[k].ike, 3 * NS);
		pump(3 * NS);
	}
	for (int k = 0; k < 2; k++) {
		struct fp_ike_sa_info none;
		assert_false(fp_ike_sa_get(W.n[k].ike, 1, &none));
		assert_int_equal(sa_of(k).status, FP_IKE_SA_READY);
		assert_int_equal(W.n[k].n_down, 0);
	}
	assert_int_equal(sa_of(0).spi_i, sa_of(1).spi_i);
	assert_int_equal(sa_of(0).spi_r, sa_of(1).spi_r);
	assert_one_pair();
	assert_int_equal(fp_ike_stats(W.n[0].ike)->ike_rekeys +
				 fp_ike_stats(W.n[1].ike)->ike_rekeys,
			 1);
	if (loser >= 0) { /* the winner initiated the SA that stands */
		assert_int_equal(fp_ike_stats(W.n[1 - loser].ike)->ike_rekeys, 1);
		assert_true(sa_of(1 - loser).initiator);
		assert_false(sa_of(loser).initiator);
	}
}

static void test_rekey_ike_simultaneous(void **state)
{
	(void)state;
	rekey_ike_crossed(-1);
}

static void test_rekey_ike_crossed_a_loses(void **state)
{
	(void)state;
	rekey_ike_crossed(0);
}

static void test_rekey_ike_crossed_b_loses(void **state)
{
	(void)state;
	rekey_ike_crossed(1);
}

/* fp_ike_clear's DELETE is a request like any: retransmitted when lost. */
static void test_clear_retransmitted(void **state)
{
	(void)state;
	bring_up();
	W.drop_from = 0;
	W.drop_exchange = FP_IKE_EX_INFORMATIONAL;
	assert_int_equal(fp_ike_clear(W.n[0].ike, NULL, 2 * NS), 1);
	pump(2 * NS);
	assert_int_equal(W.n[0].n_down, 1); /* ours at once */
	assert_int_equal(W.n[1].n_down, 0); /* the DELETE was lost */
	assert_int_equal(sa_of(0).status, FP_IKE_SA_DELETING);
	fp_ike_tick(W.n[0].ike, 6 * NS);
	pump(6 * NS);
	assert_int_equal(W.n[1].n_down, 1);
	struct fp_ike_sa_info none;
	assert_false(fp_ike_sa_get(W.n[0].ike, 0, &none));
	assert_false(fp_ike_sa_get(W.n[1].ike, 0, &none));
	assert_int_equal(fp_ike_stats(W.n[0].ike)->retransmits, 1);
}

/* The peer deletes the child (its hard lifetime in kilobytes). */
static void test_delete_from_peer(void **state)
{
	(void)state;
	bring_up();
	fp_ike_child_expiring(W.n[1].ike, 100, true, 2 * NS);
	assert_int_equal(W.n[1].n_down, 1); /* B's own copy at once */
	pump(2 * NS);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(W.n[k].n_down, 1);
		assert_int_equal(W.n[k].down[0], 100);
		assert_int_equal(sa_of(k).n_children, 0);
		assert_int_equal(sa_of(k).status, FP_IKE_SA_READY);
	}
	fp_ike_child_expiring(W.n[1].ike, 100, true, 3 * NS); /* gone: ignored */
	assert_int_equal(W.nq, 0);
	/* traffic brings the tunnel back on the same IKE SA */
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 7, 4 * NS), 0);
	pump(4 * NS);
	assert_int_equal(W.n[0].n_child, 2);
	assert_int_equal(W.n[0].old[1], UINT64_MAX);
	assert_one_pair();
}

/* An IPv6 outside: IKE over IPv6 (NAT-D hashes over 16-byte addresses)
 * and IPv6 selectors (TS_IPV6_ADDR_RANGE), narrowed by B as with IPv4. */
static struct fp_prefix pfx6(uint16_t w2, uint8_t len)
{
	struct fp_prefix p = {.addr = {.af = FP_AF_INET6, .a = {0x20, 0x01, 0x0d, 0xb8}}, .len = len};
	p.addr.a[4] = (uint8_t)(w2 >> 8), p.addr.a[5] = (uint8_t)w2;
	return p;
}

static void test_ipv6(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++) {
		struct fp_addr a = {.af = FP_AF_INET6, .a = {0x20, 0x01, 0x0d, 0xb8, [15] = (uint8_t)(1 + i)}};
		W.n[i].addr = a;
	}
	setup_default();
	S[0].peer.tunnels[0].sel = (struct fp_selector){.local = pfx6(0x100, 40), .remote = pfx6(0x200, 40)};
	S[1].peer.tunnels[0].sel = (struct fp_selector){.local = pfx6(0x201, 48), .remote = pfx6(0x101, 48)};
	bring_up();
	assert_one_pair();
	struct fp_ike_sa_info a = sa_of(0);
	assert_int_equal(a.status, FP_IKE_SA_READY);
	assert_false(a.nat_local || a.nat_remote);
	const struct fp_ike_child *c = child_of(0, a.children[0]);
	struct fp_prefix want = pfx6(0x201, 48);
	assert_memory_equal(&c->sel.remote, &want, sizeof(want));
	assert_int_equal(c->encap_sport, 0); /* no NAT: raw ESP */
}

/* A behind a NAT that changes its mapping (a new port): B's IKE SA
 * follows A's next authenticated message and so does the children's ESP
 * in UDP (child_moved), and the next child is made for the new port.
 * A, behind the NAT, sends a keepalive every 20 s; B does not. */
static void test_nat_rebind(void **state)
{
	(void)state;
	W.nat = true;
	bring_up();
	for (uint64_t t = 2; t <= 22; t += 20) { /* the first tick of a READY SA starts the count */
		fp_ike_tick(W.n[0].ike, t * NS);
		fp_ike_tick(W.n[1].ike, t * NS);
	}
	assert_int_equal(W.n[0].n_keepalive, 1);
	assert_int_equal(W.n[1].n_keepalive, 0);
	fp_ike_tick(W.n[0].ike, 30 * NS);
	assert_int_equal(W.n[0].n_keepalive, 1);
	fp_ike_tick(W.n[0].ike, 41 * NS);
	assert_int_equal(W.n[0].n_keepalive, 1);
	fp_ike_tick(W.n[0].ike, 42 * NS);
	assert_int_equal(W.n[0].n_keepalive, 2);
	W.nat_shift = 20000; /* the NAT forgot A's mapping and made another */
	fp_ike_child_expiring(W.n[0].ike, 100, false, 42 * NS);
	fp_ike_tick(W.n[0].ike, 42 * NS);
	pump(42 * NS);
	assert_int_equal(sa_of(1).rport, 4500 + 20000);
	assert_int_equal(W.n[1].moved_handle, 100);
	assert_int_equal(W.n[1].moved_port, 4500 + 20000);
	assert_int_equal(W.n[1].n_child, 2);
	assert_int_equal(W.n[1].child[1].encap_dport, 4500 + 20000);
	assert_int_equal(W.n[0].moved_port, 0); /* B did not move */
}

/* debug crypto ikev2 protocol: nothing past severity 1 when off; at 7
 * each datagram both ways with its exchange and SPIs, state changes; never
 * a key of the child in hex. */
static bool log_has(const char *s)
{
	return strstr(LOG.text, s) != NULL;
}

static void hex_of(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void test_debug_protocol(void **state)
{
	(void)state;
	LOG.len = 0, LOG.text[0] = 0;
	bring_up();
	assert_false(log_has("IKEv2-PROTO-4:") || log_has("IKEv2-PROTO-5:"));
	assert_true(log_has("IKEv2-PROTO-1: (1): CHILD_SA established")); /* always */
	assert_true(log_has("%ASA-5-750006"));
	fp_ike_set_debug(W.n[0].ike, 7);
	assert_int_equal(fp_ike_debug_level(W.n[0].ike), 7);
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 7, 2 * NS), 0); /* up: nothing to send */
	fp_ike_clear(W.n[0].ike, NULL, 3 * NS);
	pump(3 * NS);
	LOG.len = 0, LOG.text[0] = 0;
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 7, 20 * NS), 0);
	pump(20 * NS);
	assert_true(log_has("IKEv2-PROTO-5: Sending Packet [From 192.0.2.1:500/To 192.0.2.2:500] "
			    "Initiator SPI : "));
	assert_true(log_has("IKEv2 IKE_SA_INIT Exchange REQUEST (from the initiator)"));
	assert_true(log_has("IKEv2-PROTO-5: Received Packet [From 192.0.2.2:500/To 192.0.2.1:500]"));
	assert_true(log_has("IKEv2 IKE_AUTH Exchange RESPONSE"));
	assert_true(log_has("IKEv2-PROTO-4: (2): NEW -> INIT_SENT"));
	assert_true(log_has("IKEv2-PROTO-7: Next payload: SA, version: 2.0"));
	struct fp_ike_sa_info a = sa_of(0);
	const struct fp_ike_child *c = child_of(0, a.children[0]);
	char hex[2 * sizeof(c->key_in.ckey) + 1];
	hex_of(c->key_in.ckey, 8, hex);
	assert_false(strstr(LOG.text, hex) != NULL);
}

/* clear crypto ipsec sa on A: both copies of the child go, with one
 * DELETE; the IKE SA stays and the next packet brings a new child on it. */
static void test_clear_children(void **state)
{
	(void)state;
	bring_up();
	assert_int_equal(fp_ike_clear_children(W.n[0].ike, NULL, 2 * NS), 1);
	assert_int_equal(W.n[0].n_down, 1);
	pump(2 * NS);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(W.n[k].down[0], 100);
		assert_int_equal(sa_of(k).n_children, 0);
		assert_int_equal(sa_of(k).status, FP_IKE_SA_READY);
	}
	struct fp_addr other = addr4(192, 0, 2, 99);
	assert_int_equal(fp_ike_clear_children(W.n[0].ike, &other, 3 * NS), 0);
	/* clear crypto ikev2 sa: the next packet negotiates at once, the
	 * acquire's hold-down is for failed attempts */
	assert_int_equal(fp_ike_clear(W.n[0].ike, NULL, 3 * NS), 1);
	pump(3 * NS);
	unsigned tx = W.n[0].n_tx;
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 7, 3 * NS + 1), 0);
	assert_int_equal(W.n[0].n_tx, tx + 1); /* IKE_SA_INIT */
	pump(3 * NS + 1);
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 7, 4 * NS), 0);
	pump(4 * NS);
	assert_int_equal(W.n[0].n_child, 2);
	assert_one_pair();
}

/* DPD: A with "keepalive threshold 10 retry 2"; B goes silent at 1 s. */
static void test_dpd_dead_peer(void **state)
{
	(void)state;
	S[0].peer.dpd_s = 10;
	S[0].peer.dpd_retry_s = 2;
	bring_up();
	unsigned tx = W.n[0].n_tx;
	uint64_t t;
	/* a live peer answers: nothing dropped */
	for (t = 2; t <= 12; t++) {
		fp_ike_tick(W.n[0].ike, t * NS);
		pump(t * NS);
	}
	assert_int_equal(W.n[0].n_tx, tx + 1); /* one DPD at 11 s, answered */
	assert_int_equal(sa_of(0).status, FP_IKE_SA_READY);

	W.drop_all = true;
	for (t = 13; t <= 60 && fp_ike_sa_get(W.n[0].ike, 0, &(struct fp_ike_sa_info){0}); t++)
		fp_ike_tick(W.n[0].ike, t * NS);
	/* last answer at 11 s: DPD at 21 s, 5 retries 2 s apart, dead at 33 s */
	assert_int_equal(t - 1, 33);
	assert_int_equal(fp_ike_stats(W.n[0].ike)->dpd_dead, 1);
	assert_int_equal(W.n[0].n_down, 1);
}

/* ESP from the peer proves it alive too: no DPD while it comes, the
 * first one 10 s after the last packet. */
static void test_dpd_esp_alive(void **state)
{
	(void)state;
	S[0].peer.dpd_s = 10;
	bring_up();
	unsigned tx = W.n[0].n_tx;
	uint64_t t;
	for (t = 2; t <= 30; t++) {
		W.n[0].esp_rx_ns = t * NS;
		fp_ike_tick(W.n[0].ike, t * NS);
		pump(t * NS);
	}
	assert_int_equal(W.n[0].n_tx, tx);
	for (; t <= 45 && W.n[0].n_tx == tx; t++) {
		fp_ike_tick(W.n[0].ike, t * NS);
		pump(t * NS);
	}
	assert_int_equal(t - 1, 40);
	assert_int_equal(sa_of(0).status, FP_IKE_SA_READY);
}

/* A restarts (a new instance, no DELETE sent): its INITIAL_CONTACT makes
 * B drop the stale SA and its child. */
static void test_initial_contact(void **state)
{
	(void)state;
	W.one_pair = true;
	bring_up();
	fp_ike_free(W.n[0].ike);
	struct node *n = &W.n[0];
	n->n_child = n->n_down = 0;
	struct fp_ike_env env = node_env(n);
	n->ike = fp_ike_new(&env);
	assert_non_null(n->ike);
	configure();
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 7, 5 * NS), 0);
	pump(5 * NS);
	struct fp_ike_sa_info none;
	assert_false(fp_ike_sa_get(W.n[1].ike, 1, &none));
	assert_int_equal(W.n[1].n_down, 1);
	assert_int_equal(W.n[1].down[0], 100);
	assert_int_equal(sa_of(1).status, FP_IKE_SA_READY);
	assert_int_equal(sa_of(1).n_children, 1);
	assert_int_equal(W.n[1].child[1].spi_out, W.n[0].child[0].spi_in);
}

/* Both sides start at once (traffic both ways before any SA): two IKE
 * SAs cross; each side must end with one live pair for the tunnel that
 * the other side's pair mirrors, whatever happens to the second IKE SA. */
static void test_simultaneous_init(void **state)
{
	(void)state;
	configure();
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 7, 1 * NS), 0);
	assert_int_equal(fp_ike_acquire(W.n[1].ike, 0, 3, 1 * NS), 0);
	pump(1 * NS);
	for (uint64_t t = 2; t < 40; t++) {
		fp_ike_tick(W.n[0].ike, t * NS);
		fp_ike_tick(W.n[1].ike, t * NS);
		pump(t * NS);
	}
	unsigned live[2] = {0, 0};
	for (int k = 0; k < 2; k++)
		for (unsigned i = 0; i < W.n[k].n_child; i++)
			live[k] += W.n[k].live[i];
	struct fp_ike_sa_info x;
	assert_int_equal(live[0], 1);
	assert_int_equal(live[1], 1);
	assert_false(fp_ike_sa_get(W.n[0].ike, 1, &x)); /* one IKE SA each */
	assert_false(fp_ike_sa_get(W.n[1].ike, 1, &x));
	assert_one_pair();
}

/* A second crypto map entry to the same peer: a CREATE_CHILD_SA on the
 * IKE SA already up, not a second IKE SA. */
static void test_second_tunnel(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++) {
		S[i].peer.tunnels[1] = S[i].peer.tunnels[0];
		S[i].peer.tunnels[1].tunnel = i ? 4 : 8;
		S[i].peer.n_tunnels = 2;
	}
	S[0].peer.tunnels[1].sel = (struct fp_selector){.local = pfx(10, 3, 0, 16), .remote = pfx(10, 4, 0, 16)};
	S[1].peer.tunnels[1].sel = (struct fp_selector){.local = pfx(10, 4, 1, 24), .remote = pfx(10, 3, 1, 24)};
	bring_up();
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 8, 2 * NS), 0);
	pump(2 * NS);
	struct fp_ike_sa_info none;
	for (int k = 0; k < 2; k++) {
		assert_false(fp_ike_sa_get(W.n[k].ike, 1, &none));
		assert_int_equal(sa_of(k).n_children, 2);
		assert_int_equal(W.n[k].n_child, 2);
		assert_int_equal(W.n[k].old[1], UINT64_MAX);
	}
	assert_int_equal(W.n[0].child[1].tunnel, 8);
	assert_int_equal(W.n[1].child[1].tunnel, 4);
	assert_int_equal(W.n[0].child[1].spi_in, W.n[1].child[1].spi_out);
	assert_keys_equal(&W.n[0].child[1].key_out, &W.n[1].child[1].key_in);
	struct fp_prefix r = pfx(10, 4, 1, 24);
	assert_memory_equal(&W.n[0].child[1].sel.remote, &r, sizeof(r));
	/* asked again: it stands, nothing sent */
	unsigned tx = W.n[0].n_tx;
	assert_int_equal(fp_ike_acquire(W.n[0].ike, 0, 8, 3 * NS), 0);
	assert_int_equal(W.n[0].n_tx, tx);
}

/* Time-based lifetimes: a 20 s child is rekeyed by its initiator at
 * 85-95 % (17-19 s, never before 10 s); the IKE SA at its policy's. */
static void test_lifetimes(void **state)
{
	(void)state;
	S[0].peer.tunnels[0].life_s = S[1].peer.tunnels[0].life_s = 20;
	S[0].pol[0].life_s = S[1].pol[0].life_s = 40;
	bring_up();
	uint64_t t;
	for (t = 2; t <= 30 && W.n[0].n_child == 1; t++) {
		for (int k = 0; k < 2; k++)
			fp_ike_tick(W.n[k].ike, t * NS);
		pump(t * NS);
	}
	t--;
	assert_true(t >= 1 + 17 && t <= 1 + 19);
	assert_int_equal(W.n[0].old[1], 100);
	assert_int_equal(W.n[1].n_child, 2);
	for (; t <= 45; t++) {
		for (int k = 0; k < 2; k++)
			fp_ike_tick(W.n[k].ike, t * NS);
		pump(t * NS);
	}
	/* by 46 s: the IKE SA rekeyed (34-38 s), the child again (~35-37 s) */
	for (int k = 0; k < 2; k++) {
		struct fp_ike_sa_info none;
		assert_false(fp_ike_sa_get(W.n[k].ike, 1, &none));
		assert_int_equal(sa_of(k).status, FP_IKE_SA_READY);
		assert_int_equal(W.n[k].n_down, W.n[k].n_child - 1);
	}
	assert_int_equal(fp_ike_stats(W.n[0].ike)->ike_rekeys, 1);
	assert_true(fp_ike_stats(W.n[0].ike)->child_rekeys >= 2);
	assert_one_pair();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, world_setup, world_teardown)
		T(test_up),
		T(test_nat),
		T(test_wrong_psk),
		T(test_wrong_psk_responder),
		T(test_invalid_ke),
		T(test_invalid_ke_responder_group),
		T(test_cookie_echo),
		T(test_cookie_loop),
		T(test_retransmit_cached),
		T(test_auth_tampered),
		T(test_retransmit_give_up),
		T(test_no_proposal),
		T(test_child_refused_ts),
		T(test_child_refused_esp),
		T(test_every_suite),
		T(test_charon_init_cbc),
		T(test_half_open_bound),
		T(test_half_open_per_source),
		T(test_cookie_required),
		T(test_cookie_forged),
		T(test_cookie_rotation),
		T(test_charon_init_gcm),
		T(test_charon_auth_psk),
		T(test_refusals_counted),
		T(test_rekey_child_initiator),
		T(test_rekey_child_responder),
		T(test_rekey_child_pfs),
		T(test_rekey_child_pfs_x25519_by_b),
		T(test_rekey_pfs_mismatch),
		T(test_rekey_child_simultaneous),
		T(test_rekey_child_crossed_a_loses),
		T(test_rekey_child_crossed_b_loses),
		T(test_rekey_ike_initiator),
		T(test_rekey_ike_responder),
		T(test_rekey_ike_simultaneous),
		T(test_rekey_ike_crossed_a_loses),
		T(test_rekey_ike_crossed_b_loses),
		T(test_clear_retransmitted),
		T(test_delete_from_peer),
		T(test_clear_children),
		T(test_ipv6),
		T(test_nat_rebind),
		T(test_debug_protocol),
		T(test_dpd_dead_peer),
		T(test_dpd_esp_alive),
		T(test_initial_contact),
		T(test_simultaneous_init),
		T(test_second_tunnel),
		T(test_lifetimes),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
