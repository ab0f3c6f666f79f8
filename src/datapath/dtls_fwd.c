/* DTLS packets through the gateway (dtls_session.h): datagrams from the
 * outside to the pipe that owns their client's rule, opened there, inner
 * packets to the inside; inside packets to a client's pool address to its
 * rule's pipe; what the engine does not handle to the headend's hooks on
 * the slow path. forward.c decides which packets come here. */
#include <string.h>

#include "common/inet.h"
#include "datapath/dtls_session.h"
#include "ra/ra_dtls.h"
#include "offload/capture.h"

/* The IP header's length of a datagram fp_gw_dtls_is_dgram accepted (its
 * UDP header follows). */
static uint32_t dgram_hl(const struct fp_pkt *p)
{
	return (p->data[0] >> 4) == 4 ? (uint32_t)(p->data[0] & 0x0f) * 4 : FP_IPV6_HLEN;
}

/* The client's end of a datagram fp_gw_dtls_is_dgram accepted. */
static void dgram_client(const struct fp_pkt *p, struct fp_addr *a, uint16_t *port)
{
	const uint8_t *h = p->data;
	bool v4 = (h[0] >> 4) == 4;
	uint32_t hl = dgram_hl(p);
	memset(a, 0, sizeof(*a));
	a->af = v4 ? FP_AF_INET : FP_AF_INET6;
	memcpy(a->a, v4 ? h + 12 : h + 8, v4 ? 4 : 16);
	*port = fp_get16(h + hl);
}

bool fp_gw_dtls_is_dgram(const struct fp_gw *gw, const struct fp_pkt *p)
{
	const uint8_t *h = p->data;
	if (!gw->dtls_port || !gw->dtls || p->ifc >= gw->n_ifaces)
		return false;
	const struct fp_cfg_iface *c = gw->ifaces[p->ifc].cfg;
	uint32_t hl;
	const uint8_t *dst;
	uint8_t af;
	if (p->len >= FP_IPV4_HLEN && (h[0] >> 4) == 4) {
		hl = (uint32_t)(h[0] & 0x0f) * 4;
		if (h[9] != FP_IPPROTO_UDP || (fp_get16(h + 6) & 0x3fff)) /* fragments: reassembled first */
			return false;
		af = FP_AF_INET, dst = h + 16;
	} else if (p->len >= FP_IPV6_HLEN && (h[0] >> 4) == 6 && h[6] == FP_IPPROTO_UDP) {
		hl = FP_IPV6_HLEN;
		af = FP_AF_INET6, dst = h + 24;
	} else {
		return false;
	}
	const struct fp_addr *own = af == FP_AF_INET ? &c->ip4.addr : &c->ip6.addr;
	return hl >= FP_IPV4_HLEN && p->len >= hl + FP_UDP_HLEN &&
	       fp_get16(h + hl + 2) == gw->dtls_port && own->af == af &&
	       memcmp(own->a, dst, af == FP_AF_INET ? 4 : 16) == 0;
}

/* A ClientHello naming a session id the headend never gave (or no longer
 * has): nothing the slow path could do with it but count it, and a flood
 * of them is the cheapest attack on the DTLS port. */
static bool dtls_stranger(const struct fp_gw *gw, const struct fp_pkt *p)
{
	const uint8_t *sid;
	uint16_t version;
	uint32_t off = dgram_hl(p) + FP_UDP_HLEN;
	return gw->dtls->sid_filter &&
	       fp_ra_dtls_hello_sid(p->data + off, p->len - off, &sid, &version) == 0 &&
	       !fp_gw_dtls_sid_known(gw, sid);
}

enum fp_gw_dtls_way fp_gw_dtls_steer(struct fp_gw *gw, const struct fp_gw_io *io,
				     struct fp_pkt *p)
{
	struct fp_addr a;
	uint16_t port;
	if (dtls_stranger(gw, p)) { /* on the worker it came to, before any handoff */
		fp_pipe_drop(io->pipe, NULL, p, FP_DROP_DTLS_UNKNOWN_SESSION);
		return FP_GW_DTLS_GONE;
	}
	dgram_client(p, &a, &port);
	struct fp_pipe *owner = fp_gw_dtls_pipe_for(gw, &a, port);
	p->flags |= FP_PKT_F_DTLS;
	if (owner == io->pipe || (!owner->software && !io->handoff))
		return FP_GW_DTLS_HERE;
	if (owner->software) {
		p->drop = FP_DROP_DTLS_NO_RULE; /* for the software pipe's table */
		return FP_GW_DTLS_SLOW;
	}
	io->handoff(io->ctx, owner, p);
	return FP_GW_DTLS_GONE;
}

/* A packet for the headend: its hook, or dropped under its reason. */
static void dtls_hook(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt *p, uint32_t h,
		      bool cstp)
{
	const struct fp_gw_dtls_client *c =
		gw->dtls && h < FP_GW_DTLS_MAX && gw->dtls->c[h].used ? &gw->dtls->c[h] : NULL;
	uint32_t tag = c ? c->tag : FP_GW_DTLS_NO_TAG;
	bool (*fn)(struct fp_gw *, const struct fp_gw_io *, uint32_t, struct fp_pkt *) =
		cstp ? gw->dtls_to_cstp : gw->dtls_punt;
	enum fp_drop why = p->drop ? (enum fp_drop)p->drop : FP_DROP_DTLS_NO_RULE;
	p->flags &= ~FP_PKT_F_PUNT;
	if (!fn || !fn(gw, io, tag, p))
		fp_gw_drop(gw, p, why);
}

static void dtls_to_slow(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt *p)
{
	p->flags |= FP_PKT_F_DTLS | FP_PKT_F_PUNT;
	if (io->punt)
		io->punt(io->ctx, p);
	else
		fp_gw_slow_input(gw, io, &p, 1);
}

/* The epoch of a datagram fp_gw_dtls_is_dgram accepted; 0 when too short
 * to be a record. */
static uint16_t dgram_epoch(const struct fp_pkt *p)
{
	uint32_t off = dgram_hl(p) + FP_UDP_HLEN;
	return p->len >= off + FP_DTLS_HLEN ? fp_get16(p->data + off + 3) : 0; /* type, version, epoch */
}

/* A datagram no rule of the software pipe matched. A protected record
 * (epoch 1 or more) that an engine pipe punted while flow-offload-dtls
 * moved its client's rule there goes back to that pipe once: the slow
 * path ran the move before it came to this datagram, so the rule is there
 * now and the record is not lost. A first flight (epoch 0) is the
 * headend's. */
static void dtls_unmatched(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt *p)
{
	struct fp_addr a;
	uint16_t port;
	dgram_client(p, &a, &port);
	struct fp_pipe *owner = fp_gw_dtls_pipe_for(gw, &a, port);
	if (!owner->software && io->handoff && !(p->flags & FP_PKT_F_RESTEER) && dgram_epoch(p)) {
		p->flags = FP_PKT_F_DTLS | FP_PKT_F_RESTEER;
		p->drop = FP_DROP_NONE;
		gw->dtls->moved_in++;
		io->handoff(io->ctx, owner, p);
		return;
	}
	dtls_hook(gw, io, p, FP_GW_DTLS_NO_TAG, false);
}

/* Matched packets first, in order; returns their count. */
static uint16_t dtls_hits_first(struct fp_pkt **pkts, uint16_t n)
{
	struct fp_pkt *miss[FP_VEC_MAX];
	uint16_t hit = 0, n_miss = 0;
	for (uint16_t i = 0; i < n; i++) {
		if (pkts[i]->sa != FP_SA_NONE)
			pkts[hit++] = pkts[i];
		else
			miss[n_miss++] = pkts[i];
	}
	memcpy(pkts + hit, miss, n_miss * sizeof(*miss));
	return hit;
}

/* Records of a rule that waits for its state (a move's new rule): kept by
 * the pipe in order (fp_pipe_hold, or dropped there when its queue is
 * full); the others close ranks. Returns the hits left, *n the total. */
static uint16_t dtls_held(struct fp_pipe *pp, struct fp_pkt **pkts, uint16_t hit, uint16_t *n)
{
	if (!fp_dtlsdb_held(pp->dtls))
		return hit;
	uint16_t k = 0, left = 0;
	for (uint16_t i = 0; i < *n; i++) {
		if (i < hit && fp_dtls_rule_held(pp->dtls, pkts[i]->sa)) {
			fp_pipe_hold(pp, NULL, pkts[i]);
			continue;
		}
		left += i < hit;
		pkts[k++] = pkts[i];
	}
	*n = k;
	return left;
}

/* Datagrams of pp's clients: classify, open, deliver; the rest to the
 * slow path (engine) or the hooks (software pipe). */
static void dtls_open(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pipe *pp,
		      struct fp_pkt **pkts, uint16_t n)
{
	unsigned thread = pp->id;
	pp->now_ns = io->now_ns;
	fp_dtls_classify(pp->dtls, pkts, n);
	uint16_t hit = dtls_held(pp, pkts, dtls_hits_first(pkts, n), &n);
	/* the pipe's own counters are every offload application's (show
	 * flow-offload info detail): DTLS counts in them as ESP does */
	pp->st.rx_pkts += n;
	pp->st.cam_hit += hit;
	pp->st.cam_miss += (uint16_t)(n - hit);
	for (uint16_t i = hit; i < n; i++) {
		pkts[i]->drop = FP_DROP_DTLS_NO_RULE;
		if (pp->software)
			dtls_unmatched(gw, io, pkts[i]);
		else /* maybe the software pipe's */
			dtls_to_slow(gw, io, pkts[i]);
	}
	if (!pp->software)
		fp_capture_point(gw->caps, FP_CAP_DTLS_OFFLOAD, thread, FP_CAP_IFC_PKT, pkts, hit, io->now_ns);
	for (uint16_t i = 0; i < hit; i++) /* which client: the rule's tag */
		pkts[i]->rule = fp_dtls_rule_tag(pp->dtls, pkts[i]->sa);
	uint16_t good = fp_dtls_inb_process(pp, pp->dtls, pkts, hit);
	pp->st.tx_pkts += good;
	fp_capture_point(gw->caps, FP_CAP_DATAPATH, thread, FP_CAP_IFC_PKT, pkts, good, io->now_ns);
	for (uint16_t i = 0; i < good; i++)
		fp_gw_emit_routed(gw, io, pkts[i], true);
	for (uint16_t i = good; i < hit; i++) {
		struct fp_pkt *p = pkts[i];
		if (!(p->flags & FP_PKT_F_PUNT))
			continue; /* dropped and counted by the engine */
		if (pp->software)
			dtls_hook(gw, io, p, p->rule, false);
		else
			dtls_to_slow(gw, io, p);
	}
}

void fp_gw_dtls_rx(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt **pkts,
		   uint16_t n)
{
	if (n)
		dtls_open(gw, io, io->pipe, pkts, n);
}

enum fp_gw_dtls_way fp_gw_dtls_inside(struct fp_gw *gw, const struct fp_gw_io *io,
				      struct fp_pkt *p)
{
	bool v4 = (p->data[0] >> 4) == 4;
	uint64_t r;
	uint32_t h;
	if (!fp_gw_dtls_find(gw, v4 ? FP_AF_INET : FP_AF_INET6, p->data + (v4 ? 16 : 24), &h, &r))
		return FP_GW_DTLS_NOT;
	unsigned pipe = (unsigned)(r >> 48);
	struct fp_pipe *pp = pipe < gw->n_pipes ? &gw->pipes[pipe] : &gw->soft;
	p->sa = (uint32_t)r;
	p->rule = h;
	p->ifc = (uint16_t)(r >> 32);
	p->flags |= FP_PKT_F_DTLS;
	/* without egress optimization every packet to a client crosses the
	 * slow path, which hands it to the rule's pipe (fp_gw_dtls_slow) */
	if (p->sa == FP_DTLS_NONE || pp->software || !gw->cfg->ra.offload_dtls_egress) {
		p->flags |= FP_PKT_F_OUTBOUND;
		return FP_GW_DTLS_SLOW;
	}
	p->flags |= FP_PKT_F_EGRESS_OPT;
	if (pp == io->pipe || !io->handoff)
		return FP_GW_DTLS_HERE;
	p->flags |= FP_PKT_F_OUTBOUND;
	io->handoff(io->ctx, pp, p);
	return FP_GW_DTLS_GONE;
}

/* An inside packet with no rule where its route pointed: the client has
 * no DTLS rule yet, or a move (flow-offload-dtls) took it. From an engine
 * pipe it goes back to the slow path; there, the move being done, to where
 * the rule is now (once), or else over the client's CSTP tunnel: never
 * dropped for a move. A control frame the headend sent is its own to send
 * again. */
static void dtls_outb_lost(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pipe *pp,
			   struct fp_pkt *p)
{
	uint32_t ctrl = p->flags & FP_PKT_F_DTLS_SLOW;
	bool again = !(p->flags & FP_PKT_F_RESTEER);
	p->sa = FP_DTLS_NONE;
	if (!pp->software) {
		p->flags = (p->flags & FP_PKT_F_RESTEER) | ctrl | FP_PKT_F_DTLS | FP_PKT_F_OUTBOUND;
		dtls_to_slow(gw, io, p);
	} else if (again && fp_gw_dtls_send(gw, io, p->rule, p, ctrl | FP_PKT_F_RESTEER) == 0) {
		gw->dtls->moved_out++;
	} else if (ctrl) {
		fp_gw_drop(gw, p, FP_DROP_DTLS_NO_RULE);
	} else { /* no DTLS rule (yet): the client's CSTP tunnel */
		gw->dtls->moved_cstp += !again;
		dtls_hook(gw, io, p, p->rule, true);
	}
}

void fp_gw_dtls_outbound(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pipe *pp,
			 struct fp_pkt **pkts, uint16_t n)
{
	if (!n)
		return;
	pp->now_ns = io->now_ns;
	/* a rule id names its client only while the client has it */
	uint16_t kept = 0, shortcut = 0;
	for (uint16_t i = 0; i < n; i++) {
		if (fp_dtls_rule_tag(pp->dtls, pkts[i]->sa) != pkts[i]->rule) {
			dtls_outb_lost(gw, io, pp, pkts[i]);
			continue;
		}
		shortcut += (pkts[i]->flags & FP_PKT_F_EGRESS_OPT) != 0;
		pkts[kept++] = pkts[i];
	}
	if (!pp->software)
		fp_dtlsdb_stats(pp->dtls)->egress_optimize_pkt += shortcut;
	n = kept;
	if (!n)
		return;
	uint16_t good = fp_dtls_outb_process(pp, pp->dtls, pkts, n);
	pp->st.rx_pkts += n;
	pp->st.tx_pkts += good;
	if (!pp->software)
		fp_capture_point(gw->caps, FP_CAP_DTLS_OFFLOAD, pp->id, FP_CAP_IFC_PKT, pkts, good,
				 io->now_ns);
	for (uint16_t i = 0; i < good; i++)
		io->emit(io->ctx, pkts[i]->ifc, pkts[i]);
}

void fp_gw_dtls_slow(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt *p)
{
	if (p->flags & FP_PKT_F_OUTBOUND) {
		/* to the rule's pipe; with no rule when it left (or now): maybe
		 * one since, or CSTP */
		if (p->sa == FP_DTLS_NONE || fp_gw_dtls_send(gw, io, p->rule, p, 0) < 0)
			dtls_outb_lost(gw, io, &gw->soft, p);
	} else if (p->drop == FP_DROP_DTLS_NO_RULE) { /* not classified on the software pipe yet */
		p->flags &= ~(FP_PKT_F_PUNT | FP_PKT_F_OUTBOUND);
		p->drop = FP_DROP_NONE;
		dtls_open(gw, io, &gw->soft, &p, 1);
	} else { /* a record the engine handed over */
		dtls_hook(gw, io, p, p->rule, false);
	}
}

int fp_gw_dtls_send(struct fp_gw *gw, const struct fp_gw_io *io, uint32_t h, struct fp_pkt *p,
		    uint32_t flag)
{
	uint64_t r;
	if (!gw->dtls || h >= FP_GW_DTLS_MAX || !gw->dtls->c[h].used || !gw->dtls->c[h].has_rule)
		return -1;
	r = atomic_load_explicit(&gw->dtls->c[h].route, memory_order_acquire);
	if ((uint32_t)r == FP_DTLS_NONE)
		return -1; /* moving */
	unsigned pipe = (unsigned)(r >> 48);
	struct fp_pipe *pp = pipe < gw->n_pipes ? &gw->pipes[pipe] : &gw->soft;
	p->sa = (uint32_t)r;
	p->rule = h;
	p->ifc = (uint16_t)(r >> 32);
	p->drop = FP_DROP_NONE;
	p->flags = flag | FP_PKT_F_DTLS | FP_PKT_F_OUTBOUND;
	if (!pp->software && io->handoff && pp != io->pipe)
		io->handoff(io->ctx, pp, p);
	else
		fp_gw_dtls_outbound(gw, io, pp, &p, 1);
	return 0;
}
