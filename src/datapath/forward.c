/* The packet's way through the gateway (DESIGN.md): outside packets are
 * classified by the engine; its hits are decapsulated there, its misses
 * come back here (software SAs, IKE, fragments, cleartext). Inside packets
 * go through the crypto map policy, then to the engine or the software
 * pipe that holds their tunnel's SA. */
#include <string.h>

#include "common/inet.h"
#include "datapath/gateway.h"
#include "datapath/policy.h"
#include "offload/esp.h"

struct burst {
	struct fp_pkt *p[FP_VEC_MAX];
	uint16_t n;
};

static void gw_drop(struct fp_gw *gw, struct fp_pkt *p, enum fp_drop why)
{
	p->drop = (uint16_t)why;
	gw->st.drops[why]++;
}

static bool iface_has(const struct fp_cfg_iface *c, uint8_t af, const uint8_t *dst)
{
	const struct fp_prefix *ip = af == FP_AF_INET ? &c->ip4 : &c->ip6;
	return ip->addr.af != FP_AF_NONE && fp_prefix_match(ip, af, dst);
}

/* Connected routes only, then the single inside interface as the default
 * for what the tunnels deliver. */
static int gw_route(const struct fp_gw *gw, const uint8_t *ip, bool from_tunnel)
{
	bool v4 = (ip[0] >> 4) == 4;
	uint8_t af = v4 ? FP_AF_INET : FP_AF_INET6;
	const uint8_t *dst = v4 ? ip + 16 : ip + 24;
	int inside = -1, n_inside = 0;
	for (unsigned i = 0; i < gw->n_ifaces; i++) {
		if (iface_has(gw->ifaces[i].cfg, af, dst))
			return (int)i;
		if (!gw->ifaces[i].outside) {
			inside = (int)i;
			n_inside++;
		}
	}
	return from_tunnel && n_inside == 1 ? inside : -1;
}

static void gw_emit_routed(struct fp_gw *gw, struct fp_pkt *p, bool from_tunnel,
			   fp_gw_emit_fn emit, void *ctx)
{
	int out = gw_route(gw, p->data, from_tunnel);
	if (out < 0) {
		gw_drop(gw, p, FP_DROP_NO_ROUTE);
		return;
	}
	p->ifc = (uint16_t)out;
	emit(ctx, p->ifc, p);
}

static bool is_ike(const struct fp_pkt *p)
{
	uint32_t hl = (p->data[0] >> 4) == 4 ? (uint32_t)(p->data[0] & 0x0f) * 4 : FP_IPV6_HLEN;
	uint8_t proto = (p->data[0] >> 4) == 4 ? p->data[9] : p->data[6];
	return proto == FP_IPPROTO_UDP && p->len >= hl + 4 && fp_get16(p->data + hl + 2) == FP_IKE_PORT;
}

/* Cleartext from outside: IKE (no IKEv2 yet), traffic a tunnel should have
 * carried, or ordinary forwarding. */
static void gw_cleartext(struct fp_gw *gw, struct fp_pkt *p, fp_gw_emit_fn emit, void *ctx)
{
	if (is_ike(p))
		gw_drop(gw, p, FP_DROP_IKE_NOT_RUNNING);
	else if (fp_policy_expects_encrypted(gw, p->data, p->len))
		gw_drop(gw, p, FP_DROP_VPN_MISSING_DECRYPT);
	else
		gw_emit_routed(gw, p, false, emit, ctx);
}

static void gw_decap(struct fp_gw *gw, struct fp_pipe *pp, struct fp_pkt **pkts, uint16_t n,
		     fp_gw_emit_fn emit, void *ctx)
{
	pp->now_ns = gw->now_ns;
	uint16_t good = fp_esp_inb_process(pp, pkts, n);
	for (uint16_t i = 0; i < good; i++)
		gw_emit_routed(gw, pkts[i], true, emit, ctx);
}

/* What the engine punted: the software pipe's SAs first, then the rest. */
static void gw_slow_inbound(struct fp_gw *gw, struct burst *b, fp_gw_emit_fn emit, void *ctx)
{
	struct burst esp = {.n = 0};
	for (uint16_t i = 0; i < b->n; i++) {
		struct fp_pkt *p = b->p[i];
		if (p->drop == FP_DROP_SPI_UNKNOWN)
			esp.p[esp.n++] = p;
		else if (p->drop == FP_DROP_NOT_ESP)
			gw_cleartext(gw, p, emit, ctx);
		else if (p->drop == FP_DROP_IKE_PUNT)
			gw_drop(gw, p, FP_DROP_IKE_NOT_RUNNING);
		else
			gw_drop(gw, p, (enum fp_drop)p->drop); /* fragments: reassembly comes with the live gateway */
	}
	if (!esp.n)
		return;
	uint16_t hit = fp_classify_inb(&gw->soft, esp.p, esp.n);
	for (uint16_t i = hit; i < esp.n; i++) {
		if (esp.p[i]->drop == FP_DROP_SPI_UNKNOWN)
			gw_drop(gw, esp.p[i], FP_DROP_SPI_UNKNOWN);
	}
	gw_decap(gw, &gw->soft, esp.p, hit, emit, ctx);
}

static void gw_outside(struct fp_gw *gw, struct fp_pkt **pkts, uint16_t n, fp_gw_emit_fn emit,
		       void *ctx)
{
	struct burst punted = {.n = 0};
	uint16_t hit = fp_classify_inb(&gw->engine, pkts, n);
	for (uint16_t i = hit; i < n; i++)
		if (pkts[i]->flags & FP_PKT_F_PUNT)
			punted.p[punted.n++] = pkts[i];
	gw_decap(gw, &gw->engine, pkts, hit, emit, ctx);
	gw_slow_inbound(gw, &punted, emit, ctx);
}

static void gw_encap(struct fp_gw *gw, struct fp_pipe *pp, struct burst *b, fp_gw_emit_fn emit,
		     void *ctx)
{
	if (!b->n)
		return;
	pp->now_ns = gw->now_ns;
	uint16_t good = fp_esp_outb_process(pp, b->p, b->n);
	for (uint16_t i = 0; i < good; i++)
		emit(ctx, b->p[i]->ifc, b->p[i]);
}

static void gw_inside(struct fp_gw *gw, struct fp_pkt **pkts, uint16_t n, fp_gw_emit_fn emit,
		      void *ctx)
{
	struct burst eng = {.n = 0}, soft = {.n = 0};
	for (uint16_t i = 0; i < n; i++) {
		struct fp_pkt *p = pkts[i];
		uint8_t v = p->len ? p->data[0] >> 4 : 0;
		if ((v != 4 && v != 6) || !fp_esp_inner_len(p->data, p->len, v)) {
			gw_drop(gw, p, v == 4 || v == 6 ? FP_DROP_IP_MALFORMED : FP_DROP_NOT_IP);
			continue;
		}
		struct fp_gw_tunnel *t = fp_policy_lookup(gw, p->data, p->len);
		if (!t) { /* no crypto map entry protects it: forwarded in clear */
			gw_emit_routed(gw, p, false, emit, ctx);
			continue;
		}
		p->sa = t->sa_out;
		p->ifc = t->iface->id;
		struct burst *b = t->pipe == &gw->engine ? &eng : &soft;
		b->p[b->n++] = p;
	}
	gw_encap(gw, &gw->engine, &eng, emit, ctx);
	gw_encap(gw, &gw->soft, &soft, emit, ctx);
}

void fp_gw_input(struct fp_gw *gw, uint16_t ifc, struct fp_pkt **pkts, uint16_t n,
		 fp_gw_emit_fn emit, void *ctx)
{
	if (n > FP_VEC_MAX || ifc >= gw->n_ifaces)
		return;
	for (uint16_t i = 0; i < n; i++)
		pkts[i]->ifc = ifc;
	if (gw->ifaces[ifc].outside)
		gw_outside(gw, pkts, n, emit, ctx);
	else
		gw_inside(gw, pkts, n, emit, ctx);
}
