/* The in-process IKE pair of bench/ike (pair.h). */
#include "pair.h"

#include <stdlib.h>
#include <string.h>

#include "ike/ike_wire.h"

#define QCAP 1024u                  /* datagrams in flight: one per tunnel at most */
#define PSK "bench-ike-pre-shared-key"

struct node {
	struct pair *p;
	int side;                   /* 0 = A, 1 = B */
	unsigned children;
	uint32_t next_spi;
};

struct qent {
	int to;
	struct fp_ike_dgram d;
	uint8_t buf[DGRAM_MAX];
};

struct pair {
	struct fp_ike *ike[2];
	struct node node[2];
	struct qent *q;
	unsigned head, n;
	uint64_t now_ns, lost;
};

/* What the receiver sees: the addresses and ports swapped. */
static void hook_send(void *ctx, const struct fp_ike_dgram *d)
{
	struct node *nd = ctx;
	struct pair *p = nd->p;
	if (p->n == QCAP || d->len > DGRAM_MAX) {
		p->lost++;
		return;
	}
	struct qent *e = &p->q[(p->head + p->n++) % QCAP];
	e->to = 1 - nd->side;
	e->d = (struct fp_ike_dgram){d->remote, d->local, d->rport, d->lport, d->ifc, e->buf, d->len};
	memcpy(e->buf, d->data, d->len);
}

static uint32_t hook_spi_alloc(void *ctx)
{
	struct node *nd = ctx;
	return ++nd->next_spi;
}

static void hook_spi_release(void *ctx, uint32_t spi)
{
	(void)ctx;
	(void)spi;
}

static int hook_child_up(void *ctx, const struct fp_ike_child *c, uint64_t old, uint64_t *h)
{
	struct node *nd = ctx;
	(void)c;
	(void)old;
	*h = ++nd->children;
	return 0;
}

static void hook_child_down(void *ctx, uint64_t h, const char *reason)
{
	(void)ctx;
	(void)h;
	(void)reason;
}

static void hook_log(void *ctx, const char *line)
{
	(void)ctx;
	(void)line; /* one line per state change: not what is measured */
}

static struct fp_addr addr_of(int side, unsigned i)
{
	struct fp_addr a = {.af = FP_AF_INET, .a = {198, (uint8_t)(18 + side), (uint8_t)(i >> 8),
						    (uint8_t)(i & 0xff)}};
	return a;
}

static struct fp_prefix net_of(int side)
{
	struct fp_prefix x = {.addr = {.af = FP_AF_INET, .a = {10, (uint8_t)(1 + side)}}, .len = 16};
	return x;
}

static void peer_fill(struct fp_ike_peer *pe, int side, unsigned i)
{
	memset(pe, 0, sizeof(*pe));
	pe->addr = addr_of(1 - side, i);
	pe->local = addr_of(side, i);
	memcpy(pe->psk_local, PSK, strlen(PSK));
	memcpy(pe->psk_remote, PSK, strlen(PSK));
	pe->psk_local_len = pe->psk_remote_len = (uint16_t)strlen(PSK);
	pe->n_tunnels = 1;
	struct fp_ike_tunnel *t = &pe->tunnels[0];
	t->tunnel = i;
	t->sel.local = net_of(side);
	t->sel.remote = net_of(1 - side);
	t->esp[0] = (struct fp_ike_esp){FP_CIPHER_AES_GCM_256, FP_INTEG_NONE};
	t->n_esp = 1;
	t->life_s = 3600;
	t->initiate = t->respond = true;
}

static const struct fp_ike_policy policy = {
	.priority = 1,
	.encr = {FP_IKE_ENCR_AES_GCM_16}, .encr_bits = {256}, .n_encr = 1,
	.prf = {FP_IKE_PRF_HMAC_SHA2_256}, .n_prf = 1,
	.group = {FP_IKE_DH_ECP_256}, .n_group = 1,
	.life_s = 86400,
};

static int pair_configure(struct pair *p, int side, unsigned n, unsigned max, unsigned pct)
{
	struct fp_ike_peer *peers = calloc(n, sizeof(*peers));
	char err[128];
	if (!peers)
		return -1;
	for (unsigned i = 0; i < n; i++)
		peer_fill(&peers[i], side, i);
	struct fp_ike_cfg cfg = {.policies = {policy}, .n_policies = 1, .peers = peers,
				 .n_peers = n, .half_open_max = max, .cookie_pct = pct};
	int rc = fp_ike_configure(p->ike[side], &cfg, err, sizeof(err));
	free(peers); /* copied by fp_ike_configure */
	return rc;
}

struct pair *pair_new(unsigned n, unsigned b_half_open_max, unsigned b_cookie_pct)
{
	struct pair *p = calloc(1, sizeof(*p));
	if (!p || !(p->q = malloc(QCAP * sizeof(*p->q)))) {
		free(p);
		return NULL;
	}
	p->now_ns = 1000000000ull;
	for (int s = 0; s < 2; s++) {
		p->node[s] = (struct node){p, s, 0, s ? 0xb0000000u : 0xa0000000u};
		struct fp_ike_env env = {.ctx = &p->node[s], .send = hook_send,
					 .spi_alloc = hook_spi_alloc, .spi_release = hook_spi_release,
					 .child_up = hook_child_up, .child_down = hook_child_down,
					 .log = hook_log};
		p->ike[s] = fp_ike_new(&env);
		if (!p->ike[s] || pair_configure(p, s, n, s ? b_half_open_max : 0,
						 s ? b_cookie_pct : 0)) {
			pair_free(p);
			return NULL;
		}
	}
	return p;
}

void pair_free(struct pair *p)
{
	if (!p)
		return;
	fp_ike_free(p->ike[0]);
	fp_ike_free(p->ike[1]);
	free(p->q);
	free(p);
}

void pair_start(struct pair *p, unsigned i)
{
	fp_ike_acquire(p->ike[0], i, i, p->now_ns);
}

bool pair_take(struct pair *p, struct fp_ike_dgram *d, uint8_t *buf)
{
	if (!p->n)
		return false;
	struct qent *e = &p->q[p->head];
	p->head = (p->head + 1) % QCAP;
	p->n--;
	memcpy(buf, e->buf, e->d.len);
	*d = e->d;
	d->data = buf;
	return true;
}

void pair_to_b(struct pair *p, const struct fp_ike_dgram *d)
{
	fp_ike_input(p->ike[1], d, p->now_ns);
}

bool pair_step(struct pair *p)
{
	static uint8_t buf[DGRAM_MAX]; /* out of the ring: the answers may take its slot */
	struct fp_ike_dgram d;
	int to = p->n ? p->q[p->head].to : 0;
	if (!pair_take(p, &d, buf))
		return false;
	fp_ike_input(p->ike[to], &d, p->now_ns);
	return true;
}

unsigned pair_children(const struct pair *p, int side)
{
	return p->node[side].children;
}

uint64_t pair_lost(const struct pair *p)
{
	return p->lost;
}
