/* The child-SA table and its operations (child.h): SPI allocation, the
 * make-before-break steps, delete, query, and the SA events of every pipe
 * delivered on the slow path. The rule counters are counted here only. */
#include "datapath/child.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

/* An outbound SA installed before its child takes the tunnel's rule sits
 * under a rule no tunnel has (tunnel rules are their index). */
#define CHILD_RULE_ASIDE 0x80000000u
#define NS_PER_S 1000000000ull

struct fp_child {
	uint8_t ch_state;                 /* enum fp_child_state */
	uint8_t ch_seen[2];               /* per direction: event types delivered (bits) */
	uint16_t ch_tunnel;
	uint32_t ch_tag;
	uint32_t ch_spi_in, ch_spi_out;
	struct fp_pipe *ch_pipe;
	uint32_t ch_sa_in, ch_sa_out;
	uint64_t ch_soft_ns, ch_hard_ns;  /* seconds lifetimes' deadlines; 0 = none */
	uint64_t ch_gen;                  /* when it was deleted: the oldest is reused first */
	struct fp_sa_stats ch_last[2];    /* counters when deleted */
	/* A negotiated child's keys (in, out), for a move between pipes: the
	 * engine keeps only its key schedule. Manual keys are the
	 * configuration's and are not copied here. Cleansed on delete. */
	bool ch_keyed;
	struct fp_crypto_key ch_key[2];
};

struct fp_children {
	struct fp_child c[FP_CHILD_MAX];
	uint64_t gen;
	uint64_t delivered;
};

static const char *const child_state_names[FP_CHILD__COUNT] = {
	[FP_CHILD_FREE] = "free",
	[FP_CHILD_RESERVED] = "reserved",
	[FP_CHILD_INBOUND] = "inbound",
	[FP_CHILD_LIVE] = "live",
	[FP_CHILD_DELETED] = "deleted",
};

const char *fp_child_state_name(unsigned s)
{
	return s < FP_CHILD__COUNT ? child_state_names[s] : "unknown";
}

/* ---- one SA on one pipe, counted -------------------------------------- */

int fp_child_sa_install(struct fp_pipe *pp, const struct fp_sa_params *p, uint32_t *id,
			const char **why)
{
	int rc = fp_sa_install(pp->db, p, id, why);
	if (pp->software) /* rules are what the engine is given */
		return rc;
	if (rc < 0)
		pp->st.rule_failed++;
	else if (p->dir == FP_SA_IN)
		pp->st.rule_in_add++;    /* OFFLOAD_FLOW_INBOUND_ADD_RULE */
	else
		pp->st.rule_out_add++;   /* OFFLOAD_FLOW_OUTBOUND_ADD_RULE */
	return rc;
}

int fp_child_sa_update(struct fp_pipe *pp, uint32_t id, const struct fp_sa_update *u,
		       const char **why)
{
	const struct fp_sa_params *p = fp_sa_params_get(pp->db, id);
	uint8_t dir = p ? p->dir : FP_SA_OUT;
	int rc = fp_sa_update(pp->db, id, u, why);
	if (pp->software)
		return rc;
	if (rc < 0)
		pp->st.rule_failed++;
	else if (dir == FP_SA_IN)
		pp->st.rule_in_update++; /* OFFLOAD_FLOW_INBOUND_UPDATE_SUCCESS */
	else
		pp->st.rule_out_update++;
	return rc;
}

void fp_child_sa_remove(struct fp_pipe *pp, uint32_t id)
{
	const struct fp_sa_params *p = fp_sa_params_get(pp->db, id);
	if (!p)
		return;
	uint8_t dir = p->dir;
	fp_sa_delete(pp->db, id);
	if (!pp->software && dir == FP_SA_IN)
		pp->st.rule_in_del++;    /* OFFLOAD_FLOW_INBOUND_DEL_RULE */
	else if (!pp->software)
		pp->st.rule_out_del++;
}

/* ---- the table ---------------------------------------------------------- */

int fp_child_init(struct fp_gw *gw)
{
	gw->children = calloc(1, sizeof(*gw->children));
	return gw->children ? 0 : -1;
}

void fp_child_fini(struct fp_gw *gw)
{
	if (gw->children)
		fp_crypto_cleanse(gw->children, sizeof(*gw->children));
	free(gw->children);
	gw->children = NULL;
}

static struct fp_child *child_get(const struct fp_gw *gw, uint32_t h)
{
	return gw->children && h < FP_CHILD_MAX ? &gw->children->c[h] : NULL;
}

/* A free record, else the one deleted longest ago. */
static uint32_t child_take(struct fp_gw *gw)
{
	uint32_t best = FP_SA_NONE;
	for (uint32_t h = 0; h < FP_CHILD_MAX; h++) {
		const struct fp_child *ch = &gw->children->c[h];
		if (ch->ch_state == FP_CHILD_FREE)
			return h;
		if (ch->ch_state == FP_CHILD_DELETED &&
		    (best == FP_SA_NONE || ch->ch_gen < gw->children->c[best].ch_gen))
			best = h;
	}
	return best;
}

static uint32_t child_by_spi(const struct fp_gw *gw, uint32_t spi)
{
	for (uint32_t h = 0; h < FP_CHILD_MAX; h++) {
		const struct fp_child *ch = &gw->children->c[h];
		if (ch->ch_state != FP_CHILD_FREE && ch->ch_spi_in == spi)
			return h;
	}
	return FP_SA_NONE;
}

static void child_reset(struct fp_child *ch, uint32_t spi_in)
{
	fp_crypto_cleanse(ch, sizeof(*ch));
	ch->ch_spi_in = spi_in;
	ch->ch_sa_in = ch->ch_sa_out = FP_SA_NONE;
}

int fp_child_spi_alloc(struct fp_gw *gw, uint32_t *spi)
{
	uint32_t h = child_take(gw), v = 0;
	if (h == FP_SA_NONE)
		return -1;
	/* a collision is rare (a few thousand SPIs of 2^32): a few draws */
	for (unsigned tries = 0; tries < 64; tries++) {
		if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
			return -1;
		if (v >= 256 && child_by_spi(gw, v) == FP_SA_NONE) {
			child_reset(&gw->children->c[h], v);
			gw->children->c[h].ch_state = FP_CHILD_RESERVED;
			*spi = v;
			return 0;
		}
	}
	return -1;
}

void fp_child_spi_release(struct fp_gw *gw, uint32_t spi)
{
	uint32_t h = child_by_spi(gw, spi);
	if (h != FP_SA_NONE && gw->children->c[h].ch_state == FP_CHILD_RESERVED)
		gw->children->c[h].ch_state = FP_CHILD_FREE;
}

/* ---- parameters ------------------------------------------------------- */

static uint16_t child_replay_window(const struct fp_config *cfg, const struct fp_cfg_map_entry *e)
{
	if (e->replay_window >= 0)
		return (uint16_t)e->replay_window;
	return cfg->replay_disabled ? 0 : (uint16_t)cfg->replay_window;
}

/* Hard lifetimes from the child, soft ones FP_CHILD_SOFT_PCT (or the
 * child's share) of them, as deadlines from the child's start. */
static void child_lifetimes(const struct fp_child_sa *c, struct fp_sa_params *p)
{
	uint64_t pct = c->cs_soft_pct ? c->cs_soft_pct : FP_CHILD_SOFT_PCT;
	uint64_t start = c->cs_start_ns ? c->cs_start_ns : fp_gw_clock();
	p->life_bytes_hard = c->cs_life_kb * 1024;
	p->life_bytes_soft = p->life_bytes_hard / 100 * pct;
	if (c->cs_life_s) {
		p->life_hard_ns = start + (uint64_t)c->cs_life_s * NS_PER_S;
		p->life_soft_ns = start + (uint64_t)c->cs_life_s * NS_PER_S / 100 * pct;
	}
}

void fp_child_params(const struct fp_gw *gw, const struct fp_child_sa *c, uint8_t dir,
		     struct fp_sa_params *p)
{
	const struct fp_gw_tunnel *t = &gw->tunnels[c->cs_tunnel];
	bool in = dir == FP_SA_IN;

	memset(p, 0, sizeof(*p));
	p->spi = in ? c->cs_spi_in : c->cs_spi_out;
	p->dir = dir;
	p->mode = c->cs_mode;
	p->esn = c->cs_esn;
	p->replay_window = in ? child_replay_window(gw->cfg, t->entry) : 0;
	p->local = t->local;
	p->remote = t->entry->peer;
	p->encap_sport = in ? c->cs_encap_dport : c->cs_encap_sport;
	p->encap_dport = in ? c->cs_encap_sport : c->cs_encap_dport;
	p->key = in ? c->cs_key_in : c->cs_key_out;
	p->sel = c->cs_sel;
	child_lifetimes(c, p);
	p->rule_id = t->rule;
	p->tag = c->cs_tag;
	p->vpn_filter = t->vpn_filter != NULL; /* not CAN_BE_OFFLOADED: the slow path filters */
	p->post_frag = t->iface->post_frag;   /* nor is post-fragmentation */
	p->mtu = in ? 0 : fp_gw_tunnel_mtu(t);
}

struct fp_pipe *fp_child_home(struct fp_gw *gw, const struct fp_sa_params *in,
			      const struct fp_sa_params *out)
{
	const char *why;
	if (gw->cfg->offload_ipsec && fp_sa_can_offload(in, &why) && fp_sa_can_offload(out, &why))
		return fp_gw_pipe_for_spi(gw, in->spi);
	return &gw->soft;
}

/* ---- steps on the owning pipe's thread --------------------------------- */

enum child_step { STEP_INSTALL, STEP_TAKE_RULE, STEP_UPDATE, STEP_REMOVE };

struct child_op {
	enum child_step step;
	struct fp_pipe *pp;
	struct fp_child *ch;
	struct fp_sa_params in, out;      /* STEP_INSTALL: keyed, cleansed after */
	const struct fp_sa_update *u;
	uint32_t rule;                    /* STEP_TAKE_RULE */
	const char *why;
	int rc;
};

static void step_install(struct child_op *op)
{
	struct fp_child *ch = op->ch;
	if (fp_child_sa_install(op->pp, &op->in, &ch->ch_sa_in, &op->why) < 0) {
		ch->ch_sa_in = FP_SA_NONE;
		op->rc = -1;
	} else if (fp_child_sa_install(op->pp, &op->out, &ch->ch_sa_out, &op->why) < 0) {
		fp_child_sa_remove(op->pp, ch->ch_sa_in); /* half a pair: its key schedule goes too */
		ch->ch_sa_in = ch->ch_sa_out = FP_SA_NONE;
		op->rc = -1;
	}
}

static void step_update(struct child_op *op)
{
	uint32_t ids[2] = {op->ch->ch_sa_in, op->ch->ch_sa_out};
	for (int i = 0; i < 2; i++)
		if (ids[i] != FP_SA_NONE && fp_child_sa_update(op->pp, ids[i], op->u, &op->why) < 0)
			op->rc = -1;
}

static void step_remove(struct child_op *op)
{
	struct fp_child *ch = op->ch;
	uint32_t ids[2] = {ch->ch_sa_in, ch->ch_sa_out};
	for (int i = 0; i < 2; i++) {
		memset(&ch->ch_last[i], 0, sizeof(ch->ch_last[i]));
		if (ids[i] == FP_SA_NONE)
			continue;
		fp_sa_query(op->pp->db, ids[i], &ch->ch_last[i]);
		fp_child_sa_remove(op->pp, ids[i]);
	}
	ch->ch_sa_in = ch->ch_sa_out = FP_SA_NONE;
}

static void child_step(struct fp_pipe *pp, void *arg)
{
	struct child_op *op = arg;
	struct fp_sa_update take = {.fields = FP_SA_UPD_RULE, .rule_id = op->rule};
	if (pp != op->pp)
		return;
	switch (op->step) {
	case STEP_INSTALL:
		step_install(op);
		break;
	case STEP_TAKE_RULE:
		op->rc = fp_child_sa_update(pp, op->ch->ch_sa_out, &take, &op->why);
		break;
	case STEP_UPDATE:
		step_update(op);
		break;
	case STEP_REMOVE:
		step_remove(op);
		break;
	}
}

/* One step on op->pp's thread: here for the software pipe (and offline),
 * a round over the workers for an engine pipe. */
static int child_run(struct fp_gw *gw, struct child_op *op)
{
	op->rc = 0;
	op->why = NULL;
	if (op->pp->software || !gw->on_pipes)
		child_step(op->pp, op);
	else
		gw->on_pipes(gw, child_step, op);
	return op->rc;
}

/* ---- the API ------------------------------------------------------------ */

/* "crypto map CM 10, peer 198.51.100.2": the tunnel as logs name it. */
static void child_where(const struct fp_gw *gw, uint16_t tunnel, char *buf, size_t n)
{
	const struct fp_cfg_map_entry *e = gw->tunnels[tunnel].entry;
	char peer[64] = "?";
	if (!e) {
		snprintf(buf, n, "tunnel %u", tunnel);
		return;
	}
	fp_addr_str(&e->peer, peer, sizeof(peer));
	snprintf(buf, n, "crypto map %s %u, peer %s", e->map, e->seq, peer);
}

/* The ASA's 602303 / 602304 for both SAs of a pair, into the log. */
static void child_syslog(const struct fp_gw *gw, const struct fp_child *ch, bool created)
{
	const struct fp_gw_tunnel *t = &gw->tunnels[ch->ch_tunnel];
	char l[64] = "?", r[64] = "?";
	fp_addr_str(&t->local, l, sizeof(l));
	if (t->entry)
		fp_addr_str(&t->entry->peer, r, sizeof(r));
	for (int out = 0; out < 2; out++)
		fprintf(stderr, "fpvpnd: %%ASA-6-%s: IPSEC: An %s LAN-to-LAN SA (SPI= 0x%08" PRIX32
			") between %s and %s (user= %s) has been %s.\n", created ? "602303" : "602304",
			out ? "outbound" : "inbound", out ? ch->ch_spi_out : ch->ch_spi_in, l, r, r,
			created ? "created" : "deleted");
}

/* The record for c's inbound SPI: the one fp_child_spi_alloc reserved,
 * or a new one for an SPI nobody has (manual keys). */
static uint32_t child_claim(struct fp_gw *gw, uint32_t spi, char *err, size_t errlen)
{
	uint32_t h = child_by_spi(gw, spi);
	if (h != FP_SA_NONE && gw->children->c[h].ch_state != FP_CHILD_RESERVED) {
		snprintf(err, errlen, "inbound SPI 0x%08x is in use", spi);
		return FP_SA_NONE;
	}
	if (h == FP_SA_NONE)
		h = child_take(gw);
	if (h == FP_SA_NONE)
		snprintf(err, errlen, "no room for another child SA (%u)", FP_CHILD_MAX);
	return h;
}

/* Install both SAs of c on their home pipe; aside: the outbound one waits
 * under a rule of its own until fp_child_add_outbound. */
static int child_install(struct fp_gw *gw, const struct fp_child_sa *c, bool aside, uint32_t *h,
			 char *err, size_t errlen)
{
	struct child_op op = {.step = STEP_INSTALL};
	uint32_t k = c->cs_tunnel < FP_GW_MAX_TUNNELS ? child_claim(gw, c->cs_spi_in, err, errlen)
						       : FP_SA_NONE;
	if (k == FP_SA_NONE)
		return c->cs_tunnel < FP_GW_MAX_TUNNELS ? -1 : (snprintf(err, errlen, "no such tunnel"), -1);
	struct fp_child *ch = op.ch = &gw->children->c[k];
	fp_child_params(gw, c, FP_SA_IN, &op.in);
	fp_child_params(gw, c, FP_SA_OUT, &op.out);
	op.out.rule_id = aside ? CHILD_RULE_ASIDE | k : op.out.rule_id;
	op.pp = fp_child_home(gw, &op.in, &op.out);
	child_reset(ch, c->cs_spi_in);
	ch->ch_soft_ns = op.in.life_soft_ns;
	ch->ch_hard_ns = op.in.life_hard_ns;
	int rc = child_run(gw, &op);
	fp_crypto_cleanse(&op.in, sizeof(op.in)); /* the keys */
	fp_crypto_cleanse(&op.out, sizeof(op.out));
	if (rc < 0) {
		snprintf(err, errlen, "%s", op.why ? op.why : "refused");
		ch->ch_state = FP_CHILD_FREE;
		return -1;
	}
	ch->ch_state = aside ? FP_CHILD_INBOUND : FP_CHILD_LIVE;
	ch->ch_pipe = op.pp;
	ch->ch_tunnel = c->cs_tunnel;
	ch->ch_tag = c->cs_tag;
	ch->ch_spi_out = c->cs_spi_out;
	if (gw->tunnels[c->cs_tunnel].ikev2) {
		ch->ch_keyed = true;
		ch->ch_key[0] = c->cs_key_in;
		ch->ch_key[1] = c->cs_key_out;
	}
	child_syslog(gw, ch, true);
	*h = k;
	return 0;
}

/* The tunnel's packets go to child h from now on; its params copies (no
 * keys) are what show prints. */
static void child_route(struct fp_gw *gw, uint32_t h)
{
	struct fp_child *ch = &gw->children->c[h];
	struct fp_gw_tunnel *t = &gw->tunnels[ch->ch_tunnel];
	const struct fp_sa_params *in = fp_sa_params_get(ch->ch_pipe->db, ch->ch_sa_in);
	const struct fp_sa_params *out = fp_sa_params_get(ch->ch_pipe->db, ch->ch_sa_out);
	if (in && out) {
		t->in = *in;
		t->out = *out;
	}
	t->child = h;
	fp_gw_tunnel_place(t, ch->ch_pipe, ch->ch_sa_in, ch->ch_sa_out);
	fp_gw_policy_changed(gw);
}

int fp_child_add_inbound(struct fp_gw *gw, const struct fp_child_sa *c, uint32_t *h, char *err,
			 size_t errlen)
{
	return child_install(gw, c, true, h, err, errlen);
}

int fp_child_add(struct fp_gw *gw, const struct fp_child_sa *c, uint32_t *h, char *err,
		 size_t errlen)
{
	if (child_install(gw, c, false, h, err, errlen) < 0)
		return -1;
	child_route(gw, *h);
	return 0;
}

int fp_child_add_outbound(struct fp_gw *gw, uint32_t h, uint32_t old_h, char *err, size_t errlen)
{
	struct fp_child *ch = child_get(gw, h), *old = child_get(gw, old_h);
	if (!ch || ch->ch_state != FP_CHILD_INBOUND || (old_h != FP_SA_NONE && !old)) {
		snprintf(err, errlen, "child %u has no outbound SA waiting", h);
		return -1;
	}
	/* a first child's rule may still be held by nobody; a rekey's by the
	 * old child, on its own pipe's table only: the update moves it */
	struct child_op op = {.step = STEP_TAKE_RULE, .pp = ch->ch_pipe, .ch = ch,
			      .rule = gw->tunnels[ch->ch_tunnel].rule};
	if (child_run(gw, &op) < 0) {
		snprintf(err, errlen, "%s", op.why ? op.why : "refused");
		return -1;
	}
	ch->ch_state = FP_CHILD_LIVE;
	child_route(gw, h);
	return 0;
}

int fp_child_update(struct fp_gw *gw, uint32_t h, const struct fp_sa_update *u)
{
	struct fp_child *ch = child_get(gw, h);
	if (!ch || (ch->ch_state != FP_CHILD_LIVE && ch->ch_state != FP_CHILD_INBOUND))
		return -1;
	struct child_op op = {.step = STEP_UPDATE, .pp = ch->ch_pipe, .ch = ch, .u = u};
	if (u->fields & FP_SA_UPD_LIFETIME) {
		ch->ch_soft_ns = u->life_soft_ns;
		ch->ch_hard_ns = u->life_hard_ns;
	}
	return child_run(gw, &op);
}

int fp_child_delete(struct fp_gw *gw, uint32_t h, const char *reason)
{
	struct fp_child *ch = child_get(gw, h);
	if (!ch || (ch->ch_state != FP_CHILD_LIVE && ch->ch_state != FP_CHILD_INBOUND))
		return -1;
	struct fp_gw_tunnel *t = &gw->tunnels[ch->ch_tunnel];
	if (t->child == h) { /* the tunnel is down: its packets find no SA */
		t->child = FP_SA_NONE;
		fp_gw_tunnel_place(t, &gw->soft, FP_SA_NONE, FP_SA_NONE);
		fp_gw_policy_changed(gw);
	}
	struct child_op op = {.step = STEP_REMOVE, .pp = ch->ch_pipe, .ch = ch};
	child_run(gw, &op);
	fp_crypto_cleanse(ch->ch_key, sizeof(ch->ch_key));
	ch->ch_keyed = false;
	ch->ch_state = FP_CHILD_DELETED;
	ch->ch_gen = ++gw->children->gen;
	char where[160];
	child_where(gw, ch->ch_tunnel, where, sizeof(where));
	child_syslog(gw, ch, false);
	fprintf(stderr, "fpvpnd: IPsec SA pair deleted: %s, inbound SPI 0x%08" PRIx32
		", outbound SPI 0x%08" PRIx32 ": %s\n", where, ch->ch_spi_in, ch->ch_spi_out,
		reason ? reason : "deleted");
	return 0;
}

int fp_child_query(const struct fp_gw *gw, uint32_t h, struct fp_sa_stats *in,
		   struct fp_sa_stats *out)
{
	const struct fp_child *ch = child_get(gw, h);
	if (!ch || ch->ch_state == FP_CHILD_FREE || ch->ch_state == FP_CHILD_RESERVED)
		return -1;
	if (ch->ch_state == FP_CHILD_DELETED) {
		*in = ch->ch_last[FP_SA_IN];
		*out = ch->ch_last[FP_SA_OUT];
		return 0;
	}
	if (fp_sa_query(ch->ch_pipe->db, ch->ch_sa_in, in) < 0 ||
	    fp_sa_query(ch->ch_pipe->db, ch->ch_sa_out, out) < 0)
		return -1;
	return 0;
}

enum fp_child_state fp_child_state_get(const struct fp_gw *gw, uint32_t h)
{
	const struct fp_child *ch = child_get(gw, h);
	return ch ? (enum fp_child_state)ch->ch_state : FP_CHILD_FREE;
}

uint16_t fp_child_tunnel(const struct fp_gw *gw, uint32_t h)
{
	const struct fp_child *ch = child_get(gw, h);
	return ch ? ch->ch_tunnel : 0;
}

void fp_child_place(struct fp_gw *gw, uint32_t h, struct fp_pipe *pp, uint32_t sa_in,
		    uint32_t sa_out)
{
	struct fp_child *ch = child_get(gw, h);
	if (!ch)
		return;
	ch->ch_pipe = pp;
	ch->ch_sa_in = sa_in;
	ch->ch_sa_out = sa_out;
	if (gw->tunnels[ch->ch_tunnel].child == h)
		fp_gw_tunnel_place(&gw->tunnels[ch->ch_tunnel], pp, sa_in, sa_out);
}

bool fp_child_locate(const struct fp_gw *gw, uint32_t h, struct fp_child_loc *loc)
{
	const struct fp_child *ch = child_get(gw, h);
	if (!ch || (ch->ch_state != FP_CHILD_LIVE && ch->ch_state != FP_CHILD_INBOUND) ||
	    ch->ch_sa_in == FP_SA_NONE || ch->ch_sa_out == FP_SA_NONE)
		return false;
	*loc = (struct fp_child_loc){.cl_tunnel = ch->ch_tunnel, .cl_pipe = ch->ch_pipe,
				     .cl_sa_in = ch->ch_sa_in, .cl_sa_out = ch->ch_sa_out};
	return true;
}

bool fp_child_keyed(const struct fp_gw *gw, uint32_t h, struct fp_sa_params *in,
		    struct fp_sa_params *out, struct fp_child_loc *loc)
{
	const struct fp_child *ch = child_get(gw, h);
	if (!fp_child_locate(gw, h, loc) || !ch->ch_keyed)
		return false;
	const struct fp_sa_params *pin = fp_sa_params_get(loc->cl_pipe->db, loc->cl_sa_in);
	const struct fp_sa_params *pout = fp_sa_params_get(loc->cl_pipe->db, loc->cl_sa_out);
	if (!pin || !pout)
		return false;
	*in = *pin;
	*out = *pout;
	in->key = ch->ch_key[0];
	out->key = ch->ch_key[1];
	return true;
}

/* ---- events ------------------------------------------------------------- */

void fp_child_event_format(const struct fp_gw *gw, const struct fp_child_event *ev, char *buf,
			   size_t n)
{
	char where[160];
	child_where(gw, ev->ce_tunnel, where, sizeof(where));
	snprintf(buf, n, "IPsec SA event: %s, %s SPI 0x%08" PRIx32 ": %s", where,
		 ev->ce_dir == FP_SA_IN ? "inbound" : "outbound", ev->ce_spi,
		 fp_sa_event_name(ev->ce_type));
}

void fp_child_event_log(struct fp_gw *gw, const struct fp_child_event *ev)
{
	char line[256];
	fp_child_event_format(gw, ev, line, sizeof(line));
	fprintf(stderr, "fpvpnd: %s\n", line);
}

/* Once per child, direction and kind: the engine raises each once, but an
 * idle SA's deadline is seen here first, and the engine may see it again. */
static unsigned child_deliver(struct fp_gw *gw, uint32_t h, uint8_t dir, uint8_t type)
{
	struct fp_child *ch = &gw->children->c[h];
	if (ch->ch_seen[dir] & (1u << type))
		return 0;
	ch->ch_seen[dir] |= (uint8_t)(1u << type);
	struct fp_child_event ev = {.ce_child = h, .ce_tag = ch->ch_tag, .ce_tunnel = ch->ch_tunnel,
				    .ce_spi = dir == FP_SA_IN ? ch->ch_spi_in : ch->ch_spi_out,
				    .ce_dir = dir, .ce_type = type};
	gw->children->delivered++;
	if (gw->on_child_event)
		gw->on_child_event(gw, &ev);
	else
		fp_child_event_log(gw, &ev);
	return 1;
}

static bool child_installed(const struct fp_child *ch)
{
	return ch->ch_state == FP_CHILD_LIVE || ch->ch_state == FP_CHILD_INBOUND;
}

/* The child an engine event names: its pipe, SA id and SPI must all agree,
 * or the SA is gone (and its slot perhaps reused) since it was raised. */
static unsigned child_engine_event(struct fp_gw *gw, const struct fp_pipe *pp,
				   const struct fp_sa_event *e)
{
	for (uint32_t h = 0; h < FP_CHILD_MAX; h++) {
		const struct fp_child *ch = &gw->children->c[h];
		if (!child_installed(ch) || ch->ch_pipe != pp)
			continue;
		if (ch->ch_sa_in == e->sa && ch->ch_spi_in == e->spi)
			return child_deliver(gw, h, FP_SA_IN, e->type);
		if (ch->ch_sa_out == e->sa && ch->ch_spi_out == e->spi)
			return child_deliver(gw, h, FP_SA_OUT, e->type);
	}
	return 0;
}

static unsigned child_drain(struct fp_gw *gw, struct fp_pipe *pp)
{
	struct fp_sa_event ev[32];
	unsigned n = 0, k;
	while ((k = fp_sadb_events(pp->db, ev, 32)) > 0)
		for (unsigned i = 0; i < k; i++)
			n += child_engine_event(gw, pp, &ev[i]);
	return n;
}

static bool past(uint64_t now, uint64_t deadline)
{
	return deadline && now >= deadline;
}

/* An SA with no packets never meets its deadline in the engine. */
static unsigned child_deadlines(struct fp_gw *gw, uint32_t h, uint64_t now)
{
	const struct fp_child *ch = &gw->children->c[h];
	unsigned n = 0;
	for (uint8_t dir = 0; dir < 2; dir++) {
		if (dir == FP_SA_OUT && ch->ch_state != FP_CHILD_LIVE)
			break; /* an outbound SA aside carries nothing yet */
		if (past(now, ch->ch_soft_ns))
			n += child_deliver(gw, h, dir, FP_SA_EV_SOFT_TIME);
		if (past(now, ch->ch_hard_ns))
			n += child_deliver(gw, h, dir, FP_SA_EV_HARD_TIME);
	}
	return n;
}

unsigned fp_child_tick(struct fp_gw *gw, uint64_t now_ns)
{
	unsigned n = child_drain(gw, &gw->soft);
	for (unsigned i = 0; i < gw->n_pipes; i++)
		n += child_drain(gw, &gw->pipes[i]);
	for (uint32_t h = 0; h < FP_CHILD_MAX; h++)
		if (child_installed(&gw->children->c[h]))
			n += child_deadlines(gw, h, now_ns);
	return n;
}

uint64_t fp_child_events_delivered(const struct fp_gw *gw)
{
	return gw->children ? gw->children->delivered : 0;
}

uint64_t fp_child_events_lost(const struct fp_gw *gw)
{
	uint64_t n = fp_sadb_events_lost(gw->soft.db);
	for (unsigned i = 0; i < gw->n_pipes; i++)
		n += fp_sadb_events_lost(gw->pipes[i].db);
	return n;
}
