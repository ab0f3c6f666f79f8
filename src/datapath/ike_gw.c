/* The hooks src/ike calls (send, SPIs, children, log) and the gateway's
 * calls into it (ike_gw.h). IKE's datagrams wait in a small queue until
 * the slow path's poll sends them through its own UDP ports: IKE may
 * answer from inside a burst or from its timers alike. */
#include "datapath/ike_gw.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/inet.h"
#include "datapath/child.h"

struct ike_tx {
	struct fp_addr local, remote;
	uint16_t lport, rport, ifc;
	uint32_t len;
	uint8_t data[FP_IKE_GW_TX_MAX];
};

/* A rekey's new child waiting to take over its tunnel's outbound packets. */
struct ike_switch {
	uint32_t new_h, old_h;
	uint16_t pfs_group;
};

struct fp_ike_gw {
	struct fp_gw *gw;
	struct ike_switch sw[FP_IKE_GW_SWITCHES]; /* rekeys waiting for their old child to go */
	unsigned n_sw;
	struct ike_tx q[FP_IKE_GW_TXQ];
	unsigned n_q;
	uint64_t tx_dropped;              /* queue full or message too big */
};

/* "debug crypto ikev2 platform LEVEL": the gateway's side of IKE (the
 * datagrams' way, the SAs into the engine) as IKEv2-PLAT-<sev> lines,
 * written when the level is sev or more. Never a key. */
static void __attribute__((format(printf, 3, 4)))
ike_plat(const struct fp_gw *gw, unsigned sev, const char *fmt, ...)
{
	char line[384];
	va_list ap;
	if (gw->debug_ikev2_platform < sev)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "fpvpnd: IKEv2-PLAT-%u: %s\n", sev, line);
}

/* "[198.51.100.1]:500->[198.51.100.2]:500" */
static void ike_ends(const struct fp_addr *a, uint16_t pa, const struct fp_addr *b, uint16_t pb,
		     char *buf, size_t n)
{
	char x[64], y[64];
	fp_addr_str(a, x, sizeof(x));
	fp_addr_str(b, y, sizeof(y));
	snprintf(buf, n, "[%s]:%u->[%s]:%u", x, pa, y, pb);
}

static void ike_send(void *ctx, const struct fp_ike_dgram *d)
{
	struct fp_ike_gw *ig = ctx;
	if (ig->n_q == FP_IKE_GW_TXQ || d->len > FP_IKE_GW_TX_MAX) {
		ig->tx_dropped++;
		ike_plat(ig->gw, 1, "datagram of %u bytes not sent: %s", d->len,
			 d->len > FP_IKE_GW_TX_MAX ? "too big" : "send queue full");
		return;
	}
	struct ike_tx *t = &ig->q[ig->n_q++];
	t->local = d->local, t->remote = d->remote;
	t->lport = d->lport, t->rport = d->rport, t->ifc = d->ifc;
	t->len = d->len;
	memcpy(t->data, d->data, d->len);
}

static uint32_t ike_spi_alloc(void *ctx)
{
	struct fp_ike_gw *ig = ctx;
	uint32_t spi;
	return fp_child_spi_alloc(ig->gw, &spi) == 0 ? spi : 0;
}

static void ike_spi_release(void *ctx, uint32_t spi)
{
	struct fp_ike_gw *ig = ctx;
	fp_child_spi_release(ig->gw, spi);
}

static void ike_child_sa(const struct fp_gw *gw, const struct fp_ike_child *c, struct fp_child_sa *cs)
{
	memset(cs, 0, sizeof(*cs));
	cs->cs_spi_in = c->spi_in;
	cs->cs_spi_out = c->spi_out;
	cs->cs_tunnel = (uint16_t)c->tunnel;
	cs->cs_encap_sport = c->encap_sport;
	cs->cs_encap_dport = c->encap_dport;
	cs->cs_mode = c->transport ? FP_SA_TRANSPORT : FP_SA_TUNNEL;
	cs->cs_esn = c->esn;
	cs->cs_key_in = c->key_in;
	cs->cs_key_out = c->key_out;
	cs->cs_sel = c->sel;
	cs->cs_life_s = c->life_s;
	cs->cs_life_kb = c->life_kb;
	cs->cs_tag = gw->tunnels[c->tunnel].conn_id;
}

static void ike_plat_installed(const struct fp_gw *gw, uint32_t h, const struct fp_ike_child *c,
			       const char *what)
{
	struct fp_child_loc loc;
	if (gw->debug_ikev2_platform < 4 || !fp_child_locate(gw, h, &loc))
		return;
	ike_plat(gw, 4, "SA pair installed on %s pipe %u: inbound SPI 0x%08x, outbound SPI 0x%08x, "
		 "tunnel %u%s", loc.cl_pipe->software ? "the software" : "engine", loc.cl_pipe->id,
		 c->spi_in, c->spi_out, c->tunnel, what);
}

/* The tunnel's packets go on a new child now: what show prints of it
 * (PFS group, offload eligibility, the lifetime counted from now). */
static void ike_tunnel_switched(struct fp_gw *gw, struct fp_gw_tunnel *t, uint16_t pfs_group)
{
	t->pfs_group = pfs_group;
	t->installed_ns = gw->now_ns ? gw->now_ns : fp_gw_clock();
	fp_gw_tunnel_eligibility(t);
}

/* A first child goes in whole, and so does a rekey we started: the peer
 * installed its new inbound SA before it answered. A rekey the peer
 * started: the new inbound SA goes in at once (the peer sends on it as
 * soon as it reads our answer), but our packets stay on the old outbound
 * SA until the old child goes (the peer's DELETE, or IKE's deadline): the
 * peer may not have read our answer yet. strongSwan waits the same way
 * (RFC 7296 2.8). */
static int ike_child_up(void *ctx, const struct fp_ike_child *c, uint64_t old_handle,
			uint64_t *handle)
{
	struct fp_ike_gw *ig = ctx;
	struct fp_gw *gw = ig->gw;
	struct fp_child_sa cs;
	char why[160];
	uint32_t h = FP_SA_NONE;
	if (c->tunnel >= gw->n_tunnels || !gw->tunnels[c->tunnel].ikev2)
		return -1;
	/* a second IKE SA's first child for a tunnel that has one (both sides
	 * started at once): in beside it, as a rekey's the peer started, and
	 * it takes the tunnel's packets when IKE drops the redundant one */
	uint32_t cur = gw->tunnels[c->tunnel].child;
	bool dup = old_handle == UINT64_MAX && cur != FP_SA_NONE;
	bool rekey = old_handle != UINT64_MAX, wait = (rekey && !c->initiator) || dup;
	uint32_t old = dup ? cur : (uint32_t)old_handle;
	if (wait && ig->n_sw == FP_IKE_GW_SWITCHES)
		return -1;
	ike_child_sa(gw, c, &cs);
	int rc = !rekey && !dup ? fp_child_add(gw, &cs, &h, why, sizeof(why))
				: fp_child_add_inbound(gw, &cs, &h, why, sizeof(why));
	if (rc == 0 && rekey && !wait &&
	    (rc = fp_child_add_outbound(gw, h, (uint32_t)old_handle, why, sizeof(why))) < 0)
		fp_child_delete(gw, h, "rekey refused");
	fp_crypto_cleanse(&cs, sizeof(cs));
	if (rc < 0) {
		fprintf(stderr, "fpvpnd: IKEv2 child SA not installed: %s\n", why);
		return -1;
	}
	ike_plat_installed(gw, h, c, dup ? " (beside another IKE SA's: outbound waits)"
				     : !rekey ? "" : wait ? " (rekey: outbound waits for the old pair)"
				     : " (rekey)");
	if (wait) {
		ig->sw[ig->n_sw++] = (struct ike_switch){h, old, c->pfs_group};
	} else {
		ike_tunnel_switched(gw, &gw->tunnels[c->tunnel], c->pfs_group);
	}
	*handle = h;
	return 0;
}

/* The pending switch whose old (or new) child is h; NULL if none. */
static struct ike_switch *ike_switch_of(struct fp_ike_gw *ig, uint32_t h, bool old)
{
	for (unsigned i = 0; i < ig->n_sw; i++)
		if ((old ? ig->sw[i].old_h : ig->sw[i].new_h) == h)
			return &ig->sw[i];
	return NULL;
}

static void ike_switch_done(struct fp_ike_gw *ig, struct ike_switch *sw)
{
	*sw = ig->sw[--ig->n_sw];
}

/* The old child of a rekey goes: the new one takes the tunnel's outbound
 * rule first, then the old pair leaves the engine. */
static void ike_child_down(void *ctx, uint64_t handle, const char *reason)
{
	struct fp_ike_gw *ig = ctx;
	struct fp_gw *gw = ig->gw;
	uint32_t h = (uint32_t)handle;
	char why[160];
	struct ike_switch *sw = ike_switch_of(ig, h, true);
	if (sw) {
		if (fp_child_add_outbound(gw, sw->new_h, h, why, sizeof(why)) < 0)
			fprintf(stderr, "fpvpnd: IKEv2 rekeyed child SA not switched: %s\n", why);
		ike_tunnel_switched(gw, &gw->tunnels[fp_child_tunnel(gw, sw->new_h)], sw->pfs_group);
		ike_switch_done(ig, sw);
		ike_plat(gw, 4, "outbound traffic of tunnel %u now on its new pair", fp_child_tunnel(gw, sw->new_h));
	} else if ((sw = ike_switch_of(ig, h, false)) != NULL) {
		ike_switch_done(ig, sw); /* the new one went before it took over */
	}
	ike_plat(gw, 4, "SA pair %u out of the engine: %s", h, reason ? reason : "deleted");
	fp_child_delete(gw, h, reason);
}

static uint64_t ike_child_rx_ns(void *ctx, uint64_t h)
{
	struct fp_ike_gw *ig = ctx;
	struct fp_sa_stats in, out;
	if (h >= FP_CHILD_MAX || fp_child_query(ig->gw, (uint32_t)h, &in, &out) < 0)
		return 0;
	return in.last_used_ns;
}

/* The peer's NAT gave it another port (or address): the child's ESP in
 * UDP goes there (both SAs: the outbound one's destination, the inbound
 * one's expected source). */
static void ike_child_moved(void *ctx, uint64_t h, const struct fp_addr *remote, uint16_t rport)
{
	struct fp_ike_gw *ig = ctx;
	struct fp_sa_update u = {.fields = FP_SA_UPD_REMOTE, .remote = *remote,
				 .encap_sport = FP_IKE_NATT_PORT, .encap_dport = rport};
	if (h >= FP_CHILD_MAX || fp_child_update(ig->gw, (uint32_t)h, &u) < 0)
		return;
	ike_plat(ig->gw, 4, "SA pair %u follows the peer to port %u", (unsigned)h, rport);
}

static void ike_log(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "fpvpnd: %s\n", line);
}

/* The engine's lifetime events: an IKEv2 child's go to IKE (soft: rekey
 * now; hard or sequence numbers used up: delete), the rest are logged as
 * before. Seconds are IKE's own timers, the events are harmless there. */
static void ike_child_event(struct fp_gw *gw, const struct fp_child_event *ev)
{
	bool ike = gw->ike && ev->ce_tunnel < gw->n_tunnels && gw->tunnels[ev->ce_tunnel].ikev2;
	if (!ike) {
		fp_child_event_log(gw, ev);
		return;
	}
	bool hard = ev->ce_type == FP_SA_EV_HARD_BYTES || ev->ce_type == FP_SA_EV_HARD_PKTS ||
		    ev->ce_type == FP_SA_EV_HARD_TIME || ev->ce_type == FP_SA_EV_SEQ_EXHAUSTED;
	fp_ike_child_expiring(gw->ike, ev->ce_child, hard, gw->now_ns ? gw->now_ns : fp_gw_clock());
}

static bool ike_enabled(const struct fp_config *cfg)
{
	return cfg->n_ikev2_enables > 0;
}

/* The gateway's configuration into ike (fp_ike_gw_cfg, fp_ike_configure):
 * the peers' copy with its pre-shared keys is cleansed after. */
static int ike_cfg_push(struct fp_gw *gw, struct fp_ike *ike, char *err, size_t errlen)
{
	struct fp_ike_peer *peers = calloc(FP_IKE_MAX_PEERS, sizeof(*peers));
	struct fp_ike_gw_tps *tps = calloc(1, sizeof(*tps));
	struct fp_ike_cfg cfg;
	int rc = -1;
	if (!peers || !tps) {
		snprintf(err, errlen, "IKEv2: out of memory");
	} else if (fp_ike_gw_cfg(gw, &cfg, peers, err, errlen) == 0 &&
		   fp_ike_gw_creds(gw->cfg, tps, err, errlen) == 0) {
		cfg.creds = tps->cred;
		cfg.n_creds = tps->n;
		rc = fp_ike_configure(ike, &cfg, err, errlen);
		fp_ike_gw_creds_free(tps); /* IKE holds its own references */
	}
	if (peers)
		OPENSSL_cleanse(peers, FP_IKE_MAX_PEERS * sizeof(*peers)); /* the pre-shared keys */
	free(peers);
	free(tps);
	return rc;
}

int fp_gw_ike_start(struct fp_gw *gw, char *err, size_t errlen)
{
	if (!ike_enabled(gw->cfg))
		return 0;
	struct fp_ike_gw *ig = calloc(1, sizeof(*ig));
	if (!ig) {
		snprintf(err, errlen, "IKEv2: out of memory");
		return -1;
	}
	ig->gw = gw;
	struct fp_ike_env env = {.ctx = ig, .send = ike_send, .spi_alloc = ike_spi_alloc,
				 .spi_release = ike_spi_release, .child_up = ike_child_up,
				 .child_down = ike_child_down, .log = ike_log,
				 .child_rx_ns = ike_child_rx_ns, .child_moved = ike_child_moved};
	if (!(gw->ike = fp_ike_new(&env))) {
		snprintf(err, errlen, "IKEv2: out of memory");
		free(ig);
		return -1;
	}
	if (ike_cfg_push(gw, gw->ike, err, errlen) < 0) {
		fp_ike_free(gw->ike);
		gw->ike = NULL;
		free(ig);
		return -1;
	}
	fp_ike_set_debug(gw->ike, gw->debug_ikev2_protocol);
	gw->ike_gw = ig;
	gw->on_child_event = ike_child_event;
	return 0;
}

int fp_gw_ike_reconfigure(struct fp_gw *gw, char *err, size_t errlen)
{
	return gw->ike ? ike_cfg_push(gw, gw->ike, err, errlen) : 0;
}

void fp_gw_ike_stop(struct fp_gw *gw)
{
	if (gw->ike)
		fp_ike_free(gw->ike); /* its children go through child_down */
	gw->ike = NULL;
	gw->on_child_event = NULL;
	free(gw->ike_gw);
	gw->ike_gw = NULL;
}

/* The outer header's addresses and the UDP ports; false if it is not
 * UDP that fits. */
static bool ike_udp(const struct fp_pkt *p, struct fp_ike_dgram *d)
{
	const uint8_t *h = p->data;
	bool v4 = p->len && (h[0] >> 4) == 4;
	uint32_t hl = v4 ? (uint32_t)(h[0] & 0x0f) * 4 : FP_IPV6_HLEN;
	if (p->len < hl + FP_UDP_HLEN || (v4 ? h[9] : h[6]) != FP_IPPROTO_UDP)
		return false;
	memset(d, 0, sizeof(*d));
	d->remote.af = d->local.af = v4 ? FP_AF_INET : FP_AF_INET6;
	memcpy(d->remote.a, h + (v4 ? 12 : 8), v4 ? 4 : 16);
	memcpy(d->local.a, h + (v4 ? 16 : 24), v4 ? 4 : 16);
	d->rport = fp_get16(h + hl);
	d->lport = fp_get16(h + hl + 2);
	d->ifc = p->ifc;
	d->data = h + hl + FP_UDP_HLEN;
	d->len = p->len - hl - FP_UDP_HLEN;
	return true;
}

bool fp_gw_ike_input(struct fp_gw *gw, const struct fp_gw_io *io, const struct fp_pkt *p)
{
	struct fp_ike_dgram d;
	if (!gw->ike)
		return false;
	if (!ike_udp(p, &d))
		return true; /* is_ike / the engine's option-ID said UDP; nothing to give */
	if (d.lport != FP_IKE_PORT) { /* 4500: the non-ESP marker goes */
		if (d.len < 4)
			return true;
		d.data += 4;
		d.len -= 4;
	}
	if (gw->debug_ikev2_platform >= 5) {
		char ends[160];
		ike_ends(&d.remote, d.rport, &d.local, d.lport, ends, sizeof(ends));
		ike_plat(gw, 5, "RECV PKT %s, %u bytes%s", ends, d.len,
			 d.lport != FP_IKE_PORT ? " (non-ESP marker removed)" : "");
	}
	fp_ike_input(gw->ike, &d, io->now_ns);
	return true;
}

/* One queued datagram as an IP + UDP packet the slow path's UDP port of
 * that source port sends (its tx keeps the payload and the addresses). */
static bool ike_build(const struct ike_tx *t, struct fp_pkt *p)
{
	bool v4 = t->local.af == FP_AF_INET;
	bool ka = t->len == 1 && t->data[0] == FP_IKE_NATT_KEEPALIVE; /* never marked */
	uint32_t hl = v4 ? FP_IPV4_HLEN : FP_IPV6_HLEN, marker = t->lport == FP_IKE_PORT || ka ? 0 : 4;
	uint32_t len = hl + FP_UDP_HLEN + marker + t->len;
	if (FP_PKT_HEADROOM + len > FP_PKT_BUF_SIZE)
		return false;
	fp_pkt_reset(p);
	uint8_t *h = fp_pkt_put(p, len);
	memset(h, 0, hl + FP_UDP_HLEN + marker);
	if (v4) {
		h[0] = 0x45, h[8] = 64, h[9] = FP_IPPROTO_UDP;
		fp_put16(h + 2, (uint16_t)len);
		memcpy(h + 12, t->local.a, 4);
		memcpy(h + 16, t->remote.a, 4);
		fp_ipv4_csum_set(h);
	} else {
		h[0] = 0x60, h[6] = FP_IPPROTO_UDP, h[7] = 64;
		fp_put16(h + 4, (uint16_t)(len - FP_IPV6_HLEN));
		memcpy(h + 8, t->local.a, 16);
		memcpy(h + 24, t->remote.a, 16);
	}
	fp_put16(h + hl, t->lport);
	fp_put16(h + hl + 2, t->rport);
	fp_put16(h + hl + 4, (uint16_t)(len - hl));
	memcpy(h + hl + FP_UDP_HLEN + marker, t->data, t->len);
	p->ifc = t->ifc;
	return true;
}

static void ike_flush(struct fp_ike_gw *ig, const struct fp_gw_io *io)
{
	for (unsigned i = 0; i < ig->n_q; i++) {
		struct fp_pkt *p;
		if (io->alloc(io->ctx, &p, 1) != 1) {
			ig->tx_dropped += ig->n_q - i;
			break;
		}
		if (!ike_build(&ig->q[i], p)) {
			ig->tx_dropped++;
			io->free(io->ctx, &p, 1);
			continue;
		}
		if (ig->gw->debug_ikev2_platform >= 5) {
			char ends[160];
			const struct ike_tx *t = &ig->q[i];
			ike_ends(&t->local, t->lport, &t->remote, t->rport, ends, sizeof(ends));
			ike_plat(ig->gw, 5, "SENT PKT %s, %u bytes", ends, t->len);
		}
		io->emit(io->ctx, p->ifc, p);
	}
	ig->n_q = 0;
}

/* Tunnels a packet found without an SA (the ASA's KEY_ACQUIRE): IKE starts
 * a negotiation unless one runs or was tried in the last seconds. */
static void ike_acquires(struct fp_gw *gw, uint64_t now)
{
	for (unsigned i = fp_gw_manual_tunnels(gw); i < gw->n_tunnels; i++) {
		struct fp_gw_tunnel *t = &gw->tunnels[i];
		if (!atomic_exchange_explicit(&t->want_sa, false, memory_order_relaxed))
			continue;
		ike_plat(gw, 4, "a packet of tunnel %u found no SA: acquire", i);
		fp_ike_acquire(gw->ike, t->ike_peer, i, now);
	}
}

void fp_gw_ike_poll(struct fp_gw *gw, const struct fp_gw_io *io)
{
	if (!gw->ike)
		return;
	ike_acquires(gw, io->now_ns);
	fp_ike_tick(gw->ike, io->now_ns);
	ike_flush(gw->ike_gw, io);
}
