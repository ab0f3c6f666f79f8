/* The headend's clients and their DTLS rules (dtls_session.h): the table
 * the workers look pool addresses up in, the rules' install, update,
 * removal and move between the engine and the software pipe. Every call
 * runs on the slow path's thread; a rule table is written on its pipe's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "datapath/dtls_session.h"

#define IDX_TOMB UINT32_MAX

#define ROUTE(pp, ifc, rule) ((uint64_t)(pp) << 48 | (uint64_t)(ifc) << 32 | (rule))
#define ROUTE_PIPE(r) ((unsigned)((r) >> 48))
#define ROUTE_RULE(r) ((uint32_t)(r))

int fp_gw_dtls_init(struct fp_gw *gw)
{
	gw->dtls = calloc(1, sizeof(*gw->dtls));
	gw->dtls_port = FP_GW_DTLS_PORT;
	return gw->dtls ? 0 : -1;
}

void fp_gw_dtls_fini(struct fp_gw *gw)
{
	if (!gw->dtls)
		return;
	for (unsigned i = 0; i < FP_GW_DTLS_MAX; i++)
		fp_tls_keys_cleanse(&gw->dtls->c[i].p.keys);
	free(gw->dtls); /* the rules go with their pipes */
	gw->dtls = NULL;
}

/* Never 0, the empty slot. */
static uint64_t sid_print(const uint8_t *sid)
{
	uint64_t v;
	memcpy(&v, sid, sizeof(v));
	return v | 1;
}

void fp_gw_dtls_sid_set(struct fp_gw *gw, unsigned slot, const uint8_t *sid)
{
	if (gw->dtls && slot < FP_GW_DTLS_SIDS)
		atomic_store_explicit(&gw->dtls->sid[slot], sid ? sid_print(sid) : 0,
				      memory_order_release);
}

/* 256 words scanned: far less than a ClientHello costs the slow path. A
 * match says only that the first 8 bytes are some session's: the headend
 * compares all 32. */
bool fp_gw_dtls_sid_known(const struct fp_gw *gw, const uint8_t *sid)
{
	uint64_t want = sid_print(sid);
	bool hit = false;
	for (unsigned i = 0; i < FP_GW_DTLS_SIDS; i++)
		hit |= atomic_load_explicit(&gw->dtls->sid[i], memory_order_relaxed) == want;
	return hit;
}

static void addr_key(uint8_t af, const uint8_t *addr, uint64_t k[3])
{
	memset(k, 0, 3 * sizeof(*k));
	memcpy(k, addr, af == FP_AF_INET ? 4 : 16);
	k[2] = af;
}

static uint32_t key_slot(const uint64_t k[3])
{
	uint64_t h = k[0] * 0x9e3779b97f4a7c15ull ^ k[1] * 0xc2b2ae3d27d4eb4full ^ k[2];
	return (uint32_t)(h >> 32) % FP_GW_DTLS_IDX;
}

/* One read of a client under its seqlock: false while it is written. */
static bool client_read(const struct fp_gw_dtls_client *c, const uint64_t k[3], uint64_t *route)
{
	uint32_t g = atomic_load_explicit(&c->gen, memory_order_acquire);
	bool eq = true, eq6 = true;
	for (unsigned i = 0; i < 3; i++) {
		eq &= atomic_load_explicit(&c->key[i], memory_order_relaxed) == k[i];
		eq6 &= atomic_load_explicit(&c->key6[i], memory_order_relaxed) == k[i];
	}
	eq |= eq6; /* an empty key6 (family 0) matches no address */
	*route = atomic_load_explicit(&c->route, memory_order_relaxed);
	atomic_thread_fence(memory_order_acquire);
	return !(g & 1) && eq && atomic_load_explicit(&c->gen, memory_order_relaxed) == g;
}

bool fp_gw_dtls_find(const struct fp_gw *gw, uint8_t af, const uint8_t *addr, uint32_t *h,
		     uint64_t *route)
{
	const struct fp_gw_dtls *d = gw->dtls;
	uint64_t k[3];
	if (!d || !atomic_load_explicit(&d->n, memory_order_relaxed) ||
	    (af != FP_AF_INET && af != FP_AF_INET6))
		return false; /* an IPsec-only gateway pays one load */
	addr_key(af, addr, k);
	for (uint32_t i = key_slot(k), n = 0; n < FP_GW_DTLS_IDX; n++, i = (i + 1) % FP_GW_DTLS_IDX) {
		uint32_t v = atomic_load_explicit(&d->idx[i], memory_order_acquire);
		if (v == 0)
			return false;
		if (v != IDX_TOMB && client_read(&d->c[v - 1], k, route)) {
			*h = v - 1;
			return true;
		}
	}
	return false;
}

/* The client's keys (NULL: as they are) and route. */
static void client_write(struct fp_gw_dtls_client *c, const uint64_t *k, const uint64_t *k6,
			 uint64_t route)
{
	uint32_t g = atomic_load_explicit(&c->gen, memory_order_relaxed);
	atomic_store_explicit(&c->gen, g + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	for (unsigned i = 0; k && i < 3; i++)
		atomic_store_explicit(&c->key[i], k[i], memory_order_relaxed);
	for (unsigned i = 0; k6 && i < 3; i++)
		atomic_store_explicit(&c->key6[i], k6[i], memory_order_relaxed);
	atomic_store_explicit(&c->route, route, memory_order_relaxed);
	atomic_store_explicit(&c->gen, g + 2, memory_order_release);
}

/* Client i under key k in the index (4 slots a client, 2 keys at most:
 * one is free). */
static void idx_add(struct fp_gw_dtls *d, const uint64_t k[3], uint32_t i)
{
	uint32_t s = key_slot(k);
	while (atomic_load_explicit(&d->idx[s], memory_order_relaxed) != 0 &&
	       atomic_load_explicit(&d->idx[s], memory_order_relaxed) != IDX_TOMB)
		s = (s + 1) % FP_GW_DTLS_IDX;
	atomic_store_explicit(&d->idx[s], i + 1, memory_order_release);
}

static void idx_del(struct fp_gw_dtls *d, const struct fp_addr *a, uint32_t i)
{
	uint64_t k[3];
	addr_key(a->af, a->a, k);
	for (uint32_t s = key_slot(k);; s = (s + 1) % FP_GW_DTLS_IDX)
		if (atomic_load_explicit(&d->idx[s], memory_order_relaxed) == i + 1) {
			atomic_store_explicit(&d->idx[s], IDX_TOMB, memory_order_release);
			return;
		}
}

static bool addr_taken(const struct fp_gw *gw, const struct fp_addr *a)
{
	uint32_t dup;
	uint64_t r;
	return fp_gw_dtls_find(gw, a->af, a->a, &dup, &r);
}

int fp_gw_dtls_open(struct fp_gw *gw, const struct fp_addr *inner, const struct fp_addr *inner6,
		    uint32_t tag, uint32_t *h, const char **why)
{
	struct fp_gw_dtls *d = gw->dtls;
	uint64_t k[3], k6[3] = {0, 0, 0};
	bool v6 = inner6 && inner6->af == FP_AF_INET6 && inner->af == FP_AF_INET;
	if (inner->af != FP_AF_INET && inner->af != FP_AF_INET6)
		return *why = "no client address", -1;
	if (addr_taken(gw, inner) || (v6 && addr_taken(gw, inner6)))
		return *why = "address in use by another client", -1;
	unsigned i = 0;
	while (i < FP_GW_DTLS_MAX && d->c[i].used)
		i++;
	if (i == FP_GW_DTLS_MAX)
		return *why = "too many DTLS clients", -1;
	addr_key(inner->af, inner->a, k);
	if (v6)
		addr_key(FP_AF_INET6, inner6->a, k6);
	struct fp_gw_dtls_client *c = &d->c[i];
	c->used = true;
	c->has_rule = false;
	c->tag = tag;
	memset(&c->p, 0, sizeof(c->p));
	c->p.inner = *inner;
	if (v6)
		c->p.inner6 = *inner6;
	client_write(c, k, k6, ROUTE(0, 0, FP_DTLS_NONE));
	idx_add(d, k, i);
	if (v6)
		idx_add(d, k6, i);
	atomic_fetch_add_explicit(&d->n, 1, memory_order_relaxed);
	*h = i;
	return 0;
}

static struct fp_gw_dtls_client *client_get(struct fp_gw *gw, uint32_t h)
{
	return gw->dtls && h < FP_GW_DTLS_MAX && gw->dtls->c[h].used ? &gw->dtls->c[h] : NULL;
}

static struct fp_pipe *route_pipe(struct fp_gw *gw, uint64_t r)
{
	return ROUTE_PIPE(r) < gw->n_pipes ? &gw->pipes[ROUTE_PIPE(r)] : &gw->soft;
}

static uint64_t client_route(const struct fp_gw_dtls_client *c)
{
	return atomic_load_explicit(&c->route, memory_order_relaxed);
}

/* Run fn on the thread that owns pp (the software pipe's is this one). */
struct on_pipe {
	struct fp_pipe *pp;
	void (*fn)(struct fp_pipe *pp, void *arg);
	void *arg;
};

static void on_pipe_fn(struct fp_pipe *pp, void *arg)
{
	struct on_pipe *o = arg;
	if (pp == o->pp)
		o->fn(pp, o->arg);
}

static void run_on(struct fp_gw *gw, struct fp_pipe *pp, void (*fn)(struct fp_pipe *, void *),
		   void *arg)
{
	struct on_pipe o = {.pp = pp, .fn = fn, .arg = arg};
	if (pp->software || !gw->on_pipes)
		fn(pp, arg);
	else
		gw->on_pipes(gw, on_pipe_fn, &o);
}

/* One rule call on its pipe's thread. */
enum rule_op { OP_ADD, OP_UPDATE, OP_DEL, OP_QUERY, OP_EXPORT };
struct rule_call {
	enum rule_op op;
	uint32_t id;
	const struct fp_dtls_params *p;
	const struct fp_dtls_update *u;
	struct fp_dtls_rule_stats *st;
	struct fp_dtls_state *state;
	const char *why;
	int rc;
};

static void rule_call_fn(struct fp_pipe *pp, void *arg)
{
	struct rule_call *rc = arg;
	switch (rc->op) {
	case OP_ADD: /* with a moved rule's state in the same step: no record before it */
		rc->rc = fp_dtls_rule_add(pp->dtls, rc->p, &rc->id, &rc->why);
		if (rc->rc == 0 && rc->state && fp_dtls_import(pp->dtls, rc->id, rc->state) < 0) {
			fp_dtls_rule_del(pp->dtls, rc->id, NULL);
			rc->why = "state refused";
			rc->rc = -1;
		}
		break;
	case OP_UPDATE:
		rc->rc = fp_dtls_rule_update(pp->dtls, rc->id, rc->u, &rc->why);
		break;
	case OP_DEL:
		rc->rc = fp_dtls_rule_del(pp->dtls, rc->id, rc->st);
		break;
	case OP_QUERY:
		rc->rc = fp_dtls_rule_query(pp->dtls, rc->id, rc->st);
		break;
	case OP_EXPORT: /* state and removal in one step: no record between them */
		rc->rc = fp_dtls_export(pp->dtls, rc->id, rc->state);
		if (rc->rc == 0)
			rc->rc = fp_dtls_rule_del(pp->dtls, rc->id, NULL);
		break;
	}
}

static int rule_call(struct fp_gw *gw, struct fp_pipe *pp, struct rule_call *rc)
{
	rc->why = "no such rule";
	rc->rc = -1;
	run_on(gw, pp, rule_call_fn, rc);
	return rc->rc;
}

/* The interface whose own address is a: where the client's records leave. */
static int local_iface(const struct fp_gw *gw, const struct fp_addr *a)
{
	for (unsigned i = 0; i < gw->n_ifaces; i++) {
		const struct fp_cfg_iface *c = gw->ifaces[i].cfg;
		const struct fp_addr *own = a->af == FP_AF_INET ? &c->ip4.addr : &c->ip6.addr;
		if (own->af == a->af && memcmp(own->a, a->a, a->af == FP_AF_INET ? 4 : 16) == 0)
			return (int)i;
	}
	return -1;
}

uint32_t fp_gw_dtls_hash(const struct fp_addr *remote, uint16_t port)
{
	const uint8_t *w = remote->a + (remote->af == FP_AF_INET ? 0 : 12);
	uint32_t x = ((uint32_t)w[0] << 24 | (uint32_t)w[1] << 16 | (uint32_t)w[2] << 8 | w[3]) ^ port;
	return (x * FP_GW_SPI_MULT) >> FP_GW_SPI_SHIFT;
}

/* The pipe of a client with flow-offload-dtls on or off. */
static struct fp_pipe *pipe_when(const struct fp_gw *gw, bool on, const struct fp_addr *remote,
				 uint16_t port)
{
	if (!on || !gw->n_pipes)
		return (struct fp_pipe *)&gw->soft;
	return (struct fp_pipe *)&gw->pipes[fp_gw_dtls_hash(remote, port) % gw->n_pipes];
}

struct fp_pipe *fp_gw_dtls_pipe_for(const struct fp_gw *gw, const struct fp_addr *remote,
				    uint16_t port)
{
	return pipe_when(gw, gw->offload_dtls, remote, port);
}

/* Install c->p on pp (imported state when st is not NULL) and point the
 * client at it. */
static int rule_place(struct fp_gw *gw, struct fp_gw_dtls_client *c, struct fp_pipe *pp, int ifc,
		      struct fp_dtls_state *st, const char **why)
{
	struct rule_call rc = {.op = OP_ADD, .p = &c->p, .state = st};
	if (rule_call(gw, pp, &rc) < 0)
		return *why = rc.why, -1;
	client_write(c, NULL, NULL, ROUTE(pp->id, ifc, rc.id));
	return 0;
}

static void rule_remove(struct fp_gw *gw, struct fp_gw_dtls_client *c,
			struct fp_dtls_rule_stats *last)
{
	uint64_t r = client_route(c);
	client_write(c, NULL, NULL, ROUTE(0, 0, FP_DTLS_NONE)); /* no new packet goes there */
	struct rule_call rc = {.op = OP_DEL, .id = ROUTE_RULE(r), .st = last};
	rule_call(gw, route_pipe(gw, r), &rc);
	c->has_rule = false;
	fp_tls_keys_cleanse(&c->p.keys);
}

int fp_gw_dtls_rule_set(struct fp_gw *gw, uint32_t h, const struct fp_dtls_params *p,
			const char **why)
{
	struct fp_gw_dtls_client *c = client_get(gw, h);
	if (!c)
		return *why = "no such client", -1;
	int ifc = local_iface(gw, &p->local);
	if (ifc < 0)
		return *why = "local address is no interface's", -1;
	struct fp_addr inner = c->p.inner, inner6 = c->p.inner6;
	if (c->has_rule) /* the previous session's, first: it may hold the same 6-tuple */
		rule_remove(gw, c, NULL);
	c->p = *p;
	c->p.inner = inner; /* the client's: its keys in the table */
	c->p.inner6 = inner6;
	c->p.tag = h;       /* the rule names its client; punts find the headend's tag */
	if (rule_place(gw, c, fp_gw_dtls_pipe_for(gw, &p->remote, p->remote_port), ifc, NULL,
		       why) < 0) {
		fp_tls_keys_cleanse(&c->p.keys);
		return -1;
	}
	c->has_rule = true;
	c->installed_ns = gw->now_ns;
	return 0;
}

int fp_gw_dtls_rule_update(struct fp_gw *gw, uint32_t h, const struct fp_dtls_update *u,
			   const char **why)
{
	struct fp_gw_dtls_client *c = client_get(gw, h);
	if (!c || !c->has_rule)
		return *why = "no DTLS rule", -1;
	uint64_t r = client_route(c);
	struct rule_call rc = {.op = OP_UPDATE, .id = ROUTE_RULE(r), .u = u};
	if (rule_call(gw, route_pipe(gw, r), &rc) < 0)
		return *why = rc.why, -1;
	/* what a later move installs again */
	if (u->fields & FP_DTLS_UPD_KEYS) {
		fp_tls_keys_cleanse(&c->p.keys);
		c->p.keys = u->keys;
		c->p.epoch = u->epoch;
		c->p.seq_out = u->seq_out;
		c->p.seq_in_any = u->seq_in_any;
		c->p.seq_in_top = u->seq_in_top;
	}
	if (u->fields & FP_DTLS_UPD_PEER) {
		c->p.remote = u->remote;
		c->p.remote_port = u->remote_port;
	}
	return 0;
}

int fp_gw_dtls_rule_clear(struct fp_gw *gw, uint32_t h, struct fp_dtls_rule_stats *last)
{
	struct fp_gw_dtls_client *c = client_get(gw, h);
	if (!c || !c->has_rule)
		return -1;
	rule_remove(gw, c, last);
	return 0;
}

int fp_gw_dtls_close(struct fp_gw *gw, uint32_t h, struct fp_dtls_rule_stats *last)
{
	struct fp_gw_dtls_client *c = client_get(gw, h);
	if (!c)
		return -1;
	if (c->has_rule)
		rule_remove(gw, c, last);
	else if (last)
		memset(last, 0, sizeof(*last));
	idx_del(gw->dtls, &c->p.inner, h);
	if (c->p.inner6.af == FP_AF_INET6)
		idx_del(gw->dtls, &c->p.inner6, h);
	uint64_t none[3] = {0, 0, 0}; /* a reader still on the slot finds no match */
	client_write(c, none, none, ROUTE(0, 0, FP_DTLS_NONE));
	c->used = false;
	atomic_fetch_sub_explicit(&gw->dtls->n, 1, memory_order_relaxed);
	return 0;
}

int fp_gw_dtls_query(struct fp_gw *gw, uint32_t h, struct fp_dtls_rule_stats *st)
{
	struct fp_gw_dtls_client *c = client_get(gw, h);
	if (!c || !c->has_rule)
		return -1;
	uint64_t r = client_route(c);
	struct rule_call rc = {.op = OP_QUERY, .id = ROUTE_RULE(r), .st = st};
	return rule_call(gw, route_pipe(gw, r), &rc);
}

/* One client's rule to the pipe the settings choose, with its state: out
 * of its engine pipe in one step, into the software pipe in one step. The
 * slow path runs this, so what the old pipe punted or steered to it
 * meanwhile waits in its queue and meets the rule there afterwards. */
static int rule_move(struct fp_gw *gw, struct fp_gw_dtls_client *c, const char **why)
{
	uint64_t r = client_route(c);
	struct fp_pipe *from = route_pipe(gw, r);
	struct fp_pipe *to = fp_gw_dtls_pipe_for(gw, &c->p.remote, c->p.remote_port);
	if (from == to)
		return 0;
	struct fp_dtls_state st;
	struct rule_call ex = {.op = OP_EXPORT, .id = ROUTE_RULE(r), .state = &st};
	client_write(c, NULL, NULL, ROUTE(from->id, (uint16_t)(r >> 32), FP_DTLS_NONE));
	if (rule_call(gw, from, &ex) < 0) {
		client_write(c, NULL, NULL, r);
		return *why = "export failed", -1;
	}
	/* the numbers go on from where the old rule left them */
	c->p.epoch = st.epoch;
	int rc = rule_place(gw, c, to, (uint16_t)(r >> 32), &st, why);
	if (rc < 0 && rule_place(gw, c, from, (uint16_t)(r >> 32), &st, why) < 0)
		rule_remove(gw, c, NULL); /* neither pipe takes it: the client falls back to CSTP */
	fp_crypto_cleanse(&st, sizeof(st));
	return rc;
}

/* A rule on its way into an engine pipe: installed there held first. */
struct held_rule {
	struct fp_pipe *to;
	uint32_t id;                      /* FP_DTLS_NONE: not installed, the client stays */
	uint64_t route;                   /* the software rule's, until the state has moved */
	struct fp_dtls_state st;
	int rc;                           /* the import's */
};

static void held_install(struct fp_gw *gw, struct fp_gw_dtls_client *c, struct held_rule *m)
{
	struct fp_dtls_params p = c->p;
	m->id = FP_DTLS_NONE;
	m->to = pipe_when(gw, true, &c->p.remote, c->p.remote_port);
	if (m->to->software || !route_pipe(gw, client_route(c))->software)
		return;
	p.held = true;
	struct rule_call add = {.op = OP_ADD, .p = &p};
	if (rule_call(gw, m->to, &add) == 0)
		m->id = add.id;
	fp_tls_keys_cleanse(&p.keys);
}

/* The software rule's state out, and the rule gone, on this thread. */
static int held_take(struct fp_gw *gw, struct fp_gw_dtls_client *c, struct held_rule *m)
{
	m->route = client_route(c);
	client_write(c, NULL, NULL, ROUTE(gw->soft.id, (uint16_t)(m->route >> 32), FP_DTLS_NONE));
	struct rule_call ex = {.op = OP_EXPORT, .id = ROUTE_RULE(m->route), .state = &m->st};
	if (rule_call(gw, &gw->soft, &ex) == 0)
		return 0;
	client_write(c, NULL, NULL, m->route);
	struct rule_call del = {.op = OP_DEL, .id = m->id};
	rule_call(gw, m->to, &del);
	m->id = FP_DTLS_NONE;
	return -1;
}

/* On each engine pipe's thread, every state it waits for in one step: the
 * pipe lets its kept records go only when none of its rules is held any
 * more, and a rule freed before another would let newer records of its
 * client past the older ones still kept. */
static void held_import_fn(struct fp_pipe *pp, void *arg)
{
	struct held_rule *moves = arg; /* [FP_GW_DTLS_MAX], by client */
	for (unsigned i = 0; i < FP_GW_DTLS_MAX; i++) {
		struct held_rule *m = &moves[i];
		if (m->id == FP_DTLS_NONE || m->to != pp)
			continue;
		m->rc = fp_dtls_import(pp->dtls, m->id, &m->st);
		if (m->rc < 0) /* its kept records come back to be punted */
			fp_dtls_rule_del(pp->dtls, m->id, NULL);
	}
}

/* The client at its new rule, or back on the software pipe with its state. */
static int held_point(struct fp_gw *gw, struct fp_gw_dtls_client *c, struct held_rule *m,
		      const char **why)
{
	uint16_t ifc = (uint16_t)(m->route >> 32);
	c->p.epoch = m->st.epoch;
	if (m->rc == 0) {
		client_write(c, NULL, NULL, ROUTE(m->to->id, ifc, m->id));
		return 0;
	}
	*why = "state refused";
	if (rule_place(gw, c, &gw->soft, ifc, &m->st, why) < 0)
		rule_remove(gw, c, NULL);
	return -1;
}

/* Every client with a rule to where the settings put it: pointed at its
 * held rule where moves has one, else moved in one step (rule_move). */
static int clients_place(struct fp_gw *gw, struct held_rule *moves, char *err, size_t errlen)
{
	int rc = 0;
	for (unsigned i = 0; gw->dtls && i < FP_GW_DTLS_MAX; i++) {
		const char *why = NULL;
		struct fp_gw_dtls_client *c = &gw->dtls->c[i];
		if (!c->used || !c->has_rule)
			continue;
		if (moves && moves[i].id != FP_DTLS_NONE ? held_point(gw, c, &moves[i], &why) < 0 :
		    rule_move(gw, c, &why) < 0) {
			snprintf(err, errlen, "DTLS client %u: %s", i, why);
			rc = -1;
		}
	}
	return rc;
}

/* flow-offload-dtls on: the new rules are installed held in their engine
 * pipes before the workers steer a record there; the slow path then runs
 * what it was given for the software pipe (in order, under the old rules),
 * takes every software rule's state, and each engine pipe gets all its
 * states in one step, which lets the records it kept go, oldest first. So
 * none is opened out of order or against an empty window. */
static int offload_on(struct fp_gw *gw, char *err, size_t errlen)
{
	struct held_rule *m = calloc(FP_GW_DTLS_MAX, sizeof(*m));
	int rc = 0;
	if (!m)
		return snprintf(err, errlen, "out of memory"), -1;
	for (unsigned i = 0; i < FP_GW_DTLS_MAX; i++) {
		struct fp_gw_dtls_client *c = &gw->dtls->c[i];
		m[i].id = FP_DTLS_NONE;
		if (c->used && c->has_rule)
			held_install(gw, c, &m[i]);
	}
	gw->offload_dtls = true;
	if (gw->slow_drain)
		gw->slow_drain(gw);
	for (unsigned i = 0; i < FP_GW_DTLS_MAX; i++)
		if (m[i].id != FP_DTLS_NONE && held_take(gw, &gw->dtls->c[i], &m[i]) < 0)
			rc = -1, snprintf(err, errlen, "DTLS client %u: export failed", i);
	fp_gw_on_every_pipe(gw, held_import_fn, m);
	if (clients_place(gw, m, err, errlen) < 0)
		rc = -1;
	fp_crypto_cleanse(m, FP_GW_DTLS_MAX * sizeof(*m));
	free(m);
	return rc;
}

int fp_gw_dtls_offload_set(struct fp_gw *gw, bool on, char *err, size_t errlen)
{
	if (on && gw->dtls)
		return offload_on(gw, err, errlen);
	gw->offload_dtls = on;
	if (gw->slow_drain)
		gw->slow_drain(gw); /* what the pipes punted before the switch */
	return clients_place(gw, NULL, err, errlen);
}

static void stats_clear_fn(struct fp_pipe *pp, void *arg)
{
	(void)arg;
	memset(fp_dtlsdb_stats(pp->dtls), 0, sizeof(struct fp_dtls_stats));
}

/* Each table on its own pipe's thread, as clear counters does the pipes. */
void fp_gw_dtls_stats_clear(struct fp_gw *gw)
{
	fp_gw_on_every_pipe(gw, stats_clear_fn, NULL);
	if (gw->dtls)
		gw->dtls->moved_in = gw->dtls->moved_out = gw->dtls->moved_cstp = 0;
}
