/* The packet's way through the gateway (DESIGN.md). Outside packets are
 * classified by the calling thread's engine pipe: its hits are decapsulated
 * there, packets of another pipe's tunnel are handed off, its misses go to
 * the slow path (software SAs, IKE, fragments, cleartext). Inside packets go
 * through the crypto map policy, then to the pipe or the slow path that
 * holds their tunnel's SA. */
#include <string.h>

#include "common/inet.h"
#include "datapath/dtls_session.h"
#include "datapath/egress.h"
#include "datapath/gateway.h"
#include "datapath/ike_gw.h"
#include "datapath/policy.h"
#include "datapath/ra_gw.h"
#include "offload/capture.h"
#include "offload/esp.h"

struct burst {
	struct fp_pkt *p[FP_VEC_MAX];
	uint16_t n;
};

/* Several threads count here (workers route and punt too): atomically. */
static void gw_punt(const struct fp_gw_io *io, struct burst *slow, struct fp_pkt *p);

void fp_gw_count_drop(struct fp_gw *gw, enum fp_drop why)
{
	__atomic_fetch_add(&gw->st.drops[why], 1, __ATOMIC_RELAXED);
}

void fp_gw_drop(struct fp_gw *gw, struct fp_pkt *p, enum fp_drop why)
{
	p->drop = (uint16_t)why;
	fp_gw_count_drop(gw, why);
}

#define gw_drop fp_gw_drop

static inline unsigned gw_thread(const struct fp_gw_io *io)
{
	return io->pipe->id; /* workers 0..n-1, the software pipe n_pipes */
}

static bool iface_has(const struct fp_cfg_iface *c, uint8_t af, const uint8_t *dst)
{
	const struct fp_prefix *ip = af == FP_AF_INET ? &c->ip4 : &c->ip6;
	return ip->addr.af != FP_AF_NONE && fp_prefix_match(ip, af, dst);
}

static bool iface_is(const struct fp_cfg_iface *c, uint8_t af, const uint8_t *dst)
{
	const struct fp_prefix *ip = af == FP_AF_INET ? &c->ip4 : &c->ip6;
	return ip->addr.af == af && memcmp(ip->addr.a, dst, af == FP_AF_INET ? 4 : 16) == 0;
}

/* Connected routes only, then the single inside interface as the default
 * for what the tunnels deliver, including what is addressed to this host
 * itself (transport mode): the host stack gets it through the inside TUN. */
static int gw_route(const struct fp_gw *gw, const uint8_t *ip, bool from_tunnel)
{
	bool v4 = (ip[0] >> 4) == 4;
	uint8_t af = v4 ? FP_AF_INET : FP_AF_INET6;
	const uint8_t *dst = v4 ? ip + 16 : ip + 24;
	int inside = -1, n_inside = 0;
	bool local = false;
	for (unsigned i = 0; i < gw->n_ifaces; i++)
		local |= iface_is(gw->ifaces[i].cfg, af, dst);
	for (unsigned i = 0; i < gw->n_ifaces; i++) {
		if (!(local && from_tunnel) && iface_has(gw->ifaces[i].cfg, af, dst))
			return (int)i;
		if (!gw->ifaces[i].outside) {
			inside = (int)i;
			n_inside++;
		}
	}
	return from_tunnel && n_inside == 1 ? inside : -1;
}

void fp_gw_emit_routed(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt *p,
		       bool from_tunnel)
{
	int out = gw_route(gw, p->data, from_tunnel);
	if (out < 0) {
		gw_drop(gw, p, FP_DROP_NO_ROUTE);
		return;
	}
	p->ifc = (uint16_t)out;
	io->emit(io->ctx, p->ifc, p);
}

static bool is_ike(const struct fp_pkt *p)
{
	uint32_t hl = (p->data[0] >> 4) == 4 ? (uint32_t)(p->data[0] & 0x0f) * 4 : FP_IPV6_HLEN;
	uint8_t proto = (p->data[0] >> 4) == 4 ? p->data[9] : p->data[6];
	return proto == FP_IPPROTO_UDP && p->len >= hl + 4 && fp_get16(p->data + hl + 2) == FP_IKE_PORT;
}

/* Cleartext from outside: IKE (to src/ike when IKEv2 is on), traffic a tunnel should have
 * carried, or ordinary forwarding. */
static void gw_cleartext(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt *p)
{
	if (is_ike(p)) {
		if (!fp_gw_ike_input(gw, io, p))
			gw_drop(gw, p, FP_DROP_IKE_NOT_RUNNING);
	}
	else if (fp_policy_expects_encrypted(gw, p->data, p->len))
		gw_drop(gw, p, FP_DROP_VPN_MISSING_DECRYPT);
	else
		fp_gw_emit_routed(gw, io, p, false);
}

/* The software-pipe tunnel whose inbound (or outbound) SA is sa; NULL if
 * none. Tunnels with a vpn-filter are never offloaded, so they are here. */
static struct fp_gw_tunnel *soft_tunnel(struct fp_gw *gw, uint32_t sa, bool in)
{
	for (unsigned i = 0; i < gw->n_tunnels; i++) {
		struct fp_gw_tunnel *t = &gw->tunnels[i];
		if (t->pipe == &gw->soft && (in ? t->sa_in : t->sa_out) == sa)
			return t;
	}
	return NULL;
}

/* The vpn-filter of the software pipe's tunnels: the n packets (decrypted
 * when inbound, about to be encrypted when outbound) that their tunnel's
 * filter denies are dropped and moved behind the permitted ones, whose
 * count is returned (the array stays a permutation). Every packet of a
 * software tunnel passes here exactly once: inbound in gw_decap of the
 * software pipe (whatever way it was punted or handed to the slow path),
 * outbound in gw_encap of the software pipe (from gw_outbound's punt or
 * a resteer). */
static uint16_t gw_vpn_filter(struct fp_gw *gw, struct fp_pkt **pkts, uint16_t n, bool in)
{
	struct fp_pkt *denied[FP_VEC_MAX];
	uint16_t keep = 0, n_denied = 0;
	const struct fp_gw_tunnel *t = NULL;
	for (uint16_t i = 0; i < n; i++) {
		struct fp_pkt *p = pkts[i];
		if (!in) /* the policy's own choice; an SA id may be stale */
			t = p->rule < gw->n_tunnels ? &gw->tunnels[p->rule] : NULL;
		else if (!t || t->sa_in != p->sa)
			t = soft_tunnel(gw, p->sa, in);
		if (t && t->vpn_filter && !(p->flags & FP_PKT_F_FILTERED) &&
		    !fp_vpn_filter_permits(t->vpn_filter, p->data, p->len, !in)) {
			gw_drop(gw, p, FP_DROP_VPN_FILTER);
			denied[n_denied++] = p;
		} else {
			pkts[keep++] = p;
		}
	}
	memcpy(pkts + keep, denied, n_denied * sizeof(*denied));
	return keep;
}

static void gw_decap(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pipe *pp,
		     struct fp_pkt **pkts, uint16_t n)
{
	pp->now_ns = io->now_ns;
	if (!pp->software)
		fp_capture_point(gw->caps, FP_CAP_OFFLOAD, gw_thread(io), FP_CAP_IFC_PKT, pkts, n,
				 io->now_ns);
	uint16_t good = fp_esp_inb_process(pp, pkts, n);
	if (pp->software)
		good = gw_vpn_filter(gw, pkts, good, true);
	fp_capture_point(gw->caps, FP_CAP_DATAPATH, gw_thread(io), FP_CAP_IFC_PKT, pkts, good,
			 io->now_ns);
	for (uint16_t i = 0; i < good; i++)
		fp_gw_emit_routed(gw, io, pkts[i], true);
}

static void gw_encap(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pipe *pp,
		     struct fp_pkt **pkts, uint16_t n)
{
	if (pp->software)
		n = gw_vpn_filter(gw, pkts, n, false);
	if (!n)
		return;
	pp->now_ns = io->now_ns;
	uint16_t good = fp_esp_outb_process(pp, pkts, n);
	if (!pp->software)
		fp_capture_point(gw->caps, FP_CAP_OFFLOAD, gw_thread(io), FP_CAP_IFC_PKT, pkts, good,
				 io->now_ns);
	for (uint16_t i = 0; i < good; i++) {
		struct fp_pkt *p = pkts[i];
		/* post-fragmentation SAs are never offloaded: only here */
		if (!pp->software || !gw->ifaces[p->ifc].post_frag ||
		    !fp_gw_post_frag(gw, io, soft_tunnel(gw, p->sa, false), p))
			io->emit(io->ctx, p->ifc, p);
	}
	fp_gw_outb_punted(gw, io, pkts + good, (uint16_t)(n - good));
}

void fp_gw_outb_punted(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt **pkts,
		       uint16_t n)
{
	struct burst slow = {.n = 0};
	for (uint16_t i = 0; i < n; i++) {
		if (!(pkts[i]->flags & FP_PKT_F_PUNT))
			continue;
		/* too big for the link: to be cut (drop stays PREFRAG); else its SA moved */
		pkts[i]->flags |= FP_PKT_F_OUTBOUND |
				  (pkts[i]->drop == FP_DROP_PREFRAG ? 0 : FP_PKT_F_RESTEER);
		gw_punt(io, &slow, pkts[i]);
	}
	if (slow.n)
		fp_gw_slow_input(gw, io, slow.p, slow.n);
}

/* An outbound packet whose SA left its pipe while it was on the way (an
 * offload switch): the policy again, with the tunnel where it is now. */
static void gw_resteer(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt *p,
		       struct burst *soft, struct burst *eng)
{
	struct fp_gw_tunnel *t = fp_policy_lookup(gw, p->data, p->len);
	p->flags &= ~FP_PKT_F_PUNT;
	p->drop = FP_DROP_NONE;
	if (!t) {
		gw_drop(gw, p, FP_DROP_NO_SA);
		return;
	}
	if (t->ikev2 && t->sa_out == FP_SA_NONE) /* dropped as ipsec-tun-down below */
		atomic_store_explicit(&t->want_sa, true, memory_order_relaxed);
	p->sa = t->sa_out;
	p->rule = t->rule;
	p->ifc = t->iface->id;
	if (t->pipe->software)
		soft->p[soft->n++] = p;
	else if (t->pipe == io->pipe)
		eng->p[eng->n++] = p;
	else if (io->handoff)
		io->handoff(io->ctx, t->pipe, p);
	else
		gw_drop(gw, p, FP_DROP_NO_SA);
}

/* ESP the slow path holds the SA of (software pipe); any other SPI is not
 * known here either. */
static void gw_slow_esp(struct fp_gw *gw, const struct fp_gw_io *io, struct burst *esp)
{
	if (!esp->n)
		return;
	uint16_t hit = fp_classify_inb(&gw->soft, esp->p, esp->n);
	for (uint16_t i = hit; i < esp->n; i++) {
		struct fp_pkt *p = esp->p[i];
		if (!(p->flags & FP_PKT_F_PUNT))
			continue;
		/* punted before an offload switch moved its SA into a pipe: once there */
		uint32_t spi = p->drop == FP_DROP_SPI_UNKNOWN ? fp_classify_peek_spi(&gw->soft, p) : 0;
		if (spi && io->handoff && !(p->flags & FP_PKT_F_RESTEER)) {
			p->flags = (p->flags & ~FP_PKT_F_PUNT) | FP_PKT_F_RESTEER;
			p->drop = FP_DROP_NONE;
			io->handoff(io->ctx, fp_gw_pipe_for_spi(gw, spi), p);
		} else {
			gw_drop(gw, p, (enum fp_drop)p->drop);
		}
	}
	gw_decap(gw, io, &gw->soft, esp->p, hit);
}

/* A fragment: kept until its datagram is whole, which then comes in again
 * from the same interface as if it had arrived so. */
static void gw_fragment(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt *p)
{
	uint16_t ifc = p->ifc;
	uint64_t timeouts = gw->reasm.timeouts;
	enum fp_drop why = fp_reasm_add(&gw->reasm, p, io->now_ns);
	gw->st.drops[FP_DROP_FRAG_TIMEOUT] += gw->reasm.timeouts - timeouts;
	if (why == FP_DROP_NONE)
		fp_gw_rx_outside(gw, io, ifc, &p, 1);
	else if (why != FP_DROP_IP_FRAGMENT) /* IP_FRAGMENT: copied, waiting for the rest */
		gw_drop(gw, p, why);
}

/* Cleartext and IKE the slow path handles: the datapath capture sees them. */
static void gw_slow_cleartext(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt *p)
{
	fp_capture_point(gw->caps, FP_CAP_DATAPATH, gw_thread(io), p->ifc, &p, 1, io->now_ns);
	if (p->drop == FP_DROP_IKE_PUNT) {
		if (!fp_gw_ike_input(gw, io, p))
			gw_drop(gw, p, FP_DROP_IKE_NOT_RUNNING);
	} else {
		gw_cleartext(gw, io, p);
	}
}

void fp_gw_slow_input(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt **pkts,
		      uint16_t n)
{
	struct burst esp = {.n = 0}, out = {.n = 0}, eng = {.n = 0};
	for (uint16_t i = 0; i < n; i++) {
		struct fp_pkt *p = pkts[i];
		/* RESTEER alone marks an inbound packet already handed over once:
		 * never the outbound policy's (it would encrypt what came in) */
		bool outbound = p->flags & FP_PKT_F_OUTBOUND;
		if (p->flags & FP_PKT_F_DTLS)
			fp_gw_dtls_slow(gw, io, p);
		else if (p->flags & FP_PKT_F_RA)
			fp_gw_ra_to_client(gw, io, p);
		else if (outbound && p->drop == FP_DROP_PREFRAG)
			fp_gw_too_big(gw, io, p);
		else if (outbound && (p->flags & FP_PKT_F_RESTEER))
			gw_resteer(gw, io, p, &out, &eng);
		else if (p->flags & FP_PKT_F_OUTBOUND)
			out.p[out.n++] = p;
		else if (p->drop == FP_DROP_SPI_UNKNOWN)
			esp.p[esp.n++] = p;
		else if (p->drop == FP_DROP_NOT_ESP || p->drop == FP_DROP_IKE_PUNT)
			gw_slow_cleartext(gw, io, p);
		else if (p->drop == FP_DROP_IP_FRAGMENT)
			gw_fragment(gw, io, p);
		else
			gw_drop(gw, p, (enum fp_drop)p->drop);
	}
	gw_slow_esp(gw, io, &esp);
	gw_encap(gw, io, &gw->soft, out.p, out.n);
	gw_encap(gw, io, io->pipe, eng.p, eng.n);
}

/* A packet the engine will not take: to the slow path's thread, or run
 * there and then when there is no such thread (offline mode). */
static void gw_punt(const struct fp_gw_io *io, struct burst *slow, struct fp_pkt *p)
{
	if (io->punt)
		io->punt(io->ctx, p);
	else
		slow->p[slow->n++] = p;
}

/* With several pipes, an ESP packet goes to the pipe its SPI hashes to
 * before any table is looked at (the SA lives only there). The packets
 * kept come first; the handed-off ones are moved behind them, so the array
 * stays a permutation of what the caller passed and owns. */
static uint16_t gw_steer(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt **pkts,
			 uint16_t n)
{
	struct fp_pkt *gone[FP_VEC_MAX];
	uint16_t keep = 0, n_gone = 0;
	if (!io->handoff) /* a single pipe owns every SA */
		return n;
	for (uint16_t i = 0; i < n; i++) {
		uint32_t spi = fp_classify_peek_spi(io->pipe, pkts[i]);
		struct fp_pipe *owner = spi ? fp_gw_pipe_for_spi(gw, spi) : io->pipe;
		if (owner != io->pipe) {
			io->pipe->st.esp_handoff++;
			io->handoff(io->ctx, owner, pkts[i]);
			gone[n_gone++] = pkts[i];
		} else {
			pkts[keep++] = pkts[i];
		}
	}
	memcpy(pkts + keep, gone, n_gone * sizeof(*gone));
	return keep;
}

/* DTLS datagrams to the headend's port (dtls_fwd.c): to the pipe that
 * owns their client, opened there. The others come first; the DTLS ones
 * are moved behind them. */
static uint16_t gw_dtls_take(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt **pkts,
			     uint16_t n, struct burst *slow)
{
	struct fp_pkt *taken[FP_VEC_MAX];
	struct burst here = {.n = 0};
	uint16_t keep = 0, n_taken = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct fp_pkt *p = pkts[i];
		if (!fp_gw_dtls_is_dgram(gw, p)) {
			pkts[keep++] = p;
			continue;
		}
		taken[n_taken++] = p;
		enum fp_gw_dtls_way w = fp_gw_dtls_steer(gw, io, p);
		if (w == FP_GW_DTLS_HERE)
			here.p[here.n++] = p;
		else if (w == FP_GW_DTLS_SLOW)
			gw_punt(io, slow, p);
	}
	memcpy(pkts + keep, taken, n_taken * sizeof(*taken));
	fp_gw_dtls_rx(gw, io, here.p, here.n);
	return keep;
}

static void gw_rx_outer(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt **pkts,
			uint16_t n)
{
	struct burst slow = {.n = 0};
	n = gw_dtls_take(gw, io, pkts, n, &slow);
	n = gw_steer(gw, io, pkts, n);
	uint16_t hit = fp_classify_inb(io->pipe, pkts, n);
	for (uint16_t i = hit; i < n; i++)
		if (pkts[i]->flags & FP_PKT_F_PUNT)
			gw_punt(io, &slow, pkts[i]);
	gw_decap(gw, io, io->pipe, pkts, hit);
	if (slow.n)
		fp_gw_slow_input(gw, io, slow.p, slow.n);
}

void fp_gw_rx_outside(struct fp_gw *gw, const struct fp_gw_io *io, uint16_t ifc,
		      struct fp_pkt **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		pkts[i]->ifc = ifc;
	gw_rx_outer(gw, io, pkts, n);
}

/* Each keeps the interface it came in on; the software pipe's were ESP the
 * slow path was punted. */
void fp_gw_rx_held(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt **pkts,
		   uint16_t n)
{
	if (!io->pipe->software) {
		gw_rx_outer(gw, io, pkts, n);
		return;
	}
	struct burst esp = {.n = n};
	memcpy(esp.p, pkts, n * sizeof(*pkts));
	gw_slow_esp(gw, io, &esp);
}

/* The tunnel's pipe is ours, another worker's (handoff) or the slow path's. */
static void gw_outbound(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_gw_tunnel *t,
			struct fp_pkt *p, struct burst *eng, struct burst *slow)
{
	struct fp_pipe *pp = fp_gw_tunnel_route(gw, t, &p->sa);
	p->rule = t->rule;
	p->ifc = t->iface->id;
	if (pp == io->pipe) {
		eng->p[eng->n++] = p;
		return;
	}
	p->flags |= FP_PKT_F_OUTBOUND;
	if (pp->software)
		gw_punt(io, slow, p);
	else if (io->handoff)
		io->handoff(io->ctx, pp, p);
	else
		eng->p[eng->n++] = p; /* one pipe: t->pipe is io->pipe */
}

void fp_gw_tunnel_send(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_gw_tunnel *t,
		       struct fp_pkt **pkts, uint16_t n)
{
	struct burst eng = {.n = 0}, slow = {.n = 0};
	for (uint16_t i = 0; i < n; i++) {
		pkts[i]->drop = FP_DROP_NONE;
		pkts[i]->flags &= FP_PKT_F_FILTERED;
		gw_outbound(gw, io, t, pkts[i], &eng, &slow);
	}
	gw_encap(gw, io, io->pipe, eng.p, eng.n);
	if (slow.n)
		fp_gw_slow_input(gw, io, slow.p, slow.n);
}

/* The crypto map policy, through the pipe's egress table when egress
 * optimization is on: a hit on an offloaded tunnel skips the ACL walk and
 * counts as OFFLOAD_EGRESS_OPTIMIZE_PKT. */
static struct fp_gw_tunnel *gw_policy(struct fp_gw *gw, const struct fp_gw_io *io,
				      struct fp_pkt *p, uint16_t ifc)
{
	if (!gw->cfg->offload_ipsec || !gw->cfg->offload_ipsec_egress || !gw->egress)
		return fp_policy_lookup(gw, p->data, p->len);
	struct fp_egress *e = &gw->egress[io->pipe->software ? gw->n_pipes : io->pipe->id];
	struct fp_egress_key k;
	fp_egress_key(&k, p, ifc);
	struct fp_gw_tunnel *t = fp_egress_find(e, gw, &k);
	if (t && fp_gw_tunnel_offloaded(gw, t)) {
		io->pipe->st.egress_optimize++;
		return t;
	}
	t = fp_policy_lookup(gw, p->data, p->len);
	if (t && fp_gw_tunnel_offloaded(gw, t))
		fp_egress_add(e, gw, &k, t);
	return t;
}

void fp_gw_rx_inside(struct fp_gw *gw, const struct fp_gw_io *io, uint16_t ifc,
		     struct fp_pkt **pkts, uint16_t n)
{
	struct burst eng = {.n = 0}, slow = {.n = 0}, dtls = {.n = 0};
	fp_capture_point(gw->caps, FP_CAP_DATAPATH, gw_thread(io), ifc, pkts, n, io->now_ns);
	for (uint16_t i = 0; i < n; i++) {
		struct fp_pkt *p = pkts[i];
		uint8_t v = p->len ? p->data[0] >> 4 : 0;
		p->ifc = ifc;
		p->drop = FP_DROP_NONE;
		p->flags = 0;
		if ((v != 4 && v != 6) || !fp_esp_inner_len(p->data, p->len, v)) {
			gw_drop(gw, p, v == 4 || v == 6 ? FP_DROP_IP_MALFORMED : FP_DROP_NOT_IP);
			continue;
		}
		enum fp_gw_dtls_way w = fp_gw_dtls_inside(gw, io, p); /* a headend client's */
		if (w == FP_GW_DTLS_HERE)
			dtls.p[dtls.n++] = p;
		else if (w == FP_GW_DTLS_SLOW)
			gw_punt(io, &slow, p);
		if (w != FP_GW_DTLS_NOT)
			continue;
		if (fp_gw_ra_owns(gw, p)) { /* a remote-access client's: its session on the slow path */
			p->flags |= FP_PKT_F_RA;
			gw_punt(io, &slow, p);
			continue;
		}
		struct fp_gw_tunnel *t = gw_policy(gw, io, p, ifc);
		if (t)
			gw_outbound(gw, io, t, p, &eng, &slow);
		else /* no crypto map entry protects it: forwarded in clear */
			fp_gw_emit_routed(gw, io, p, false);
	}
	gw_encap(gw, io, io->pipe, eng.p, eng.n);
	fp_gw_dtls_outbound(gw, io, io->pipe, dtls.p, dtls.n);
	if (slow.n)
		fp_gw_slow_input(gw, io, slow.p, slow.n);
}

void fp_gw_input(struct fp_gw *gw, uint16_t ifc, struct fp_pkt **pkts, uint16_t n,
		 fp_gw_emit_fn emit, void *ctx)
{
	struct fp_gw_io io = {.pipe = &gw->pipes[0], .now_ns = gw->now_ns, .emit = emit, .ctx = ctx};
	if (n > FP_VEC_MAX || ifc >= gw->n_ifaces)
		return;
	fp_capture_point(gw->caps, FP_CAP_SWITCH, 0, ifc, pkts, n, gw->now_ns);
	if (gw->ifaces[ifc].outside)
		fp_gw_rx_outside(gw, &io, ifc, pkts, n);
	else
		fp_gw_rx_inside(gw, &io, ifc, pkts, n);
}
