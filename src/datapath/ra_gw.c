/* The remote-access headend's hooks in the gateway (ra_gw.h), and its
 * DTLS joined to the datapath's (dtls_session.h): the gateway's UDP
 * datagrams to the DTLS port reach fp_ra_dtls_input through gw->dtls_punt,
 * libssl's answers leave as IP+UDP packets from that port, and a session
 * whose handshake is done becomes a client with a rule on the pipe
 * flow-offload-dtls chooses. */
#include "datapath/ra_gw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/inet.h"
#include "datapath/dtls_session.h"
#include "ra/ra_dtls.h"

#define RA_GW_NO_IFC UINT16_MAX

/* A session whose DTLS channel is a datapath client: its handle. */
struct ra_gw_client {
	uint32_t index;                   /* the session's; 0 = free */
	uint32_t h;
};

/* The io of the poll or hook running now: where client packets leave. */
struct fp_ra_gw {
	struct fp_gw *gw;
	const struct fp_gw_io *io;
	uint16_t rx_ifc;                  /* the interface the datagram handed in came by */
	uint16_t dtls_ifc;                /* the first "webvpn enable" one: where sends go otherwise */
	struct ra_gw_client cl[FP_RA_MAX_SESSIONS];
};

/* A packet from the packet pool holding n bytes of d; NULL counted. */
static struct fp_pkt *ra_pkt(struct fp_ra_gw *rg, const uint8_t *d, size_t n)
{
	const struct fp_gw_io *io = rg->io;
	struct fp_pkt *p;
	if (!io || n > FP_PKT_BUF_SIZE - FP_PKT_HEADROOM || io->alloc(io->ctx, &p, 1) != 1) {
		fp_gw_count_drop(rg->gw, FP_DROP_TX_FAILED);
		return NULL;
	}
	memcpy(p->data, d, n);
	p->len = (uint32_t)n;
	p->flags = 0;
	p->drop = FP_DROP_NONE;
	p->ts_ns = io->now_ns;
	return p;
}

static void ra_to_inside(void *ctx, const uint8_t *ip, size_t n)
{
	struct fp_ra_gw *rg = ctx;
	struct fp_pkt *p = ra_pkt(rg, ip, n);
	if (!p)
		return;
	fp_gw_emit_routed(rg->gw, rg->io, p, true);
	if (!(p->flags & FP_PKT_F_TAKEN))
		rg->io->free(rg->io->ctx, &p, 1);
}

static struct ra_gw_client *ra_client(struct fp_ra_gw *rg, uint32_t index)
{
	for (unsigned i = 0; index && i < FP_RA_MAX_SESSIONS; i++)
		if (rg->cl[i].index == index)
			return &rg->cl[i];
	return NULL;
}

static uint16_t ra_ifc(const struct fp_ra_gw *rg)
{
	return rg->rx_ifc != RA_GW_NO_IFC ? rg->rx_ifc : rg->dtls_ifc;
}

/* The interface's own address of the client's family: the rule's and
 * the datagrams' local end. */
static const struct fp_addr *ra_local(const struct fp_gw *gw, uint16_t ifc, uint8_t af)
{
	const struct fp_cfg_iface *c = gw->ifaces[ifc].cfg;
	const struct fp_addr *a = af == FP_AF_INET ? &c->ip4.addr : &c->ip6.addr;
	return a->af == af ? a : NULL;
}

/* IPv4 or IPv6 + UDP from our DTLS port around a datagram libssl wrote
 * (IPv6: with its UDP checksum, which IPv6 requires). */
static bool ra_udp_build(const struct fp_gw *gw, uint16_t ifc, const struct fp_addr *to,
			 uint16_t to_port, const uint8_t *d, size_t n, struct fp_pkt *p)
{
	bool v4 = to->af == FP_AF_INET;
	uint32_t hl = v4 ? FP_IPV4_HLEN : FP_IPV6_HLEN, len = hl + FP_UDP_HLEN + (uint32_t)n;
	const struct fp_addr *own = ifc < gw->n_ifaces ? ra_local(gw, ifc, to->af) : NULL;
	if (!own || FP_PKT_HEADROOM + len > FP_PKT_BUF_SIZE)
		return false;
	fp_pkt_reset(p);
	uint8_t *h = fp_pkt_put(p, len), *u = h + hl;
	memset(h, 0, hl + FP_UDP_HLEN);
	fp_put16(u, gw->dtls_port);
	fp_put16(u + 2, to_port);
	fp_put16(u + 4, (uint16_t)(len - hl));
	memcpy(u + FP_UDP_HLEN, d, n);
	if (v4) {
		h[0] = 0x45, h[8] = 64, h[9] = FP_IPPROTO_UDP;
		fp_put16(h + 2, (uint16_t)len);
		memcpy(h + 12, own->a, 4);
		memcpy(h + 16, to->a, 4);
		fp_ipv4_csum_set(h);
	} else {
		h[0] = 0x60, h[6] = FP_IPPROTO_UDP, h[7] = 64;
		fp_put16(h + 4, (uint16_t)(len - hl));
		memcpy(h + 8, own->a, 16);
		memcpy(h + 24, to->a, 16);
		fp_put16(u + 6, fp_udp6_csum(h, u, len - hl));
	}
	p->ifc = ifc;
	return true;
}

/* env->dtls_out: a handshake datagram (or a software channel's record). */
static void ra_dtls_out(void *ctx, const struct fp_addr *to, uint16_t to_port, const uint8_t *d,
			size_t n)
{
	struct fp_ra_gw *rg = ctx;
	const struct fp_gw_io *io = rg->io;
	struct fp_pkt *p;
	if (!io || io->alloc(io->ctx, &p, 1) != 1) {
		fp_gw_count_drop(rg->gw, FP_DROP_TX_FAILED);
		return;
	}
	if (!ra_udp_build(rg->gw, ra_ifc(rg), to, to_port, d, n, p)) {
		fp_gw_count_drop(rg->gw, FP_DROP_TX_FAILED);
		io->free(io->ctx, &p, 1);
		return;
	}
	io->emit(io->ctx, p->ifc, p);
}

/* Session index's slot: its own, else a free one; NULL when none. */
static struct ra_gw_client *ra_client_slot(struct fp_ra_gw *rg, uint32_t index)
{
	struct ra_gw_client *c = ra_client(rg, index);
	for (unsigned i = 0; !c && i < FP_RA_MAX_SESSIONS; i++)
		if (!rg->cl[i].index)
			c = &rg->cl[i];
	return c;
}

/* The pool addresses of session index (a6: af FP_AF_NONE without an
 * IPv6 one), as the datapath keys its client. */
static bool ra_inner(const struct fp_ra *ra, uint32_t index, struct fp_addr *a,
		     struct fp_addr *a6)
{
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++) {
		const struct fp_ra_session *s = fp_ra_session_at(ra, i);
		if (s->index == index && s->addr) {
			memset(a, 0, sizeof(*a));
			memset(a6, 0, sizeof(*a6));
			a->af = FP_AF_INET;
			fp_put32(a->a, s->addr);
			if (s->pool6) {
				a6->af = FP_AF_INET6;
				memcpy(a6->a, s->addr6, 16);
			}
			return true;
		}
	}
	return false;
}

static void ra_client_close(struct fp_ra_gw *rg, struct ra_gw_client *c)
{
	fp_gw_dtls_close(rg->gw, c->h, NULL);
	c->index = 0;
}

/* The rule of a client just opened: taken from the headend (its channel
 * freezes) and set on the pipe flow-offload-dtls chooses. */
static int ra_rule(struct fp_ra_gw *rg, struct ra_gw_client *c, uint16_t ifc, const char **why)
{
	struct fp_gw *gw = rg->gw;
	struct fp_dtls_params p;
	if (fp_ra_dtls_rule(gw->ra, c->index, &p, why) < 0)
		return -1;
	const struct fp_addr *own = ra_local(gw, ifc, p.remote.af);
	if (!own) {
		fp_tls_keys_cleanse(&p.keys);
		return *why = "no local address of the client's family", -1;
	}
	p.local = *own;
	p.local_port = gw->dtls_port;
	int rc = fp_gw_dtls_rule_set(gw, c->h, &p, why);
	fp_tls_keys_cleanse(&p.keys);
	return rc;
}

/* env->dtls_up: the session becomes a datapath client with its rule;
 * whatever refuses leaves it where it is (software DTLS, or CSTP). */
static void ra_dtls_up(void *ctx, uint32_t index)
{
	struct fp_ra_gw *rg = ctx;
	struct ra_gw_client *c = ra_client_slot(rg, index);
	struct fp_addr inner, inner6;
	const char *why = "no client slot";
	uint16_t ifc = ra_ifc(rg);
	if (c && c->index)
		ra_client_close(rg, c); /* a new channel of the session */
	if (c && (ifc >= rg->gw->n_ifaces || !ra_inner(rg->gw->ra, index, &inner, &inner6)))
		why = "no interface or pool address";
	else if (c && fp_gw_dtls_open(rg->gw, &inner, &inner6, index, &c->h, &why) == 0)
		why = NULL;
	if (why) {
		fprintf(stderr, "fpvpnd: remote access: session %u: DTLS stays in software: %s\n",
			index, why);
		return;
	}
	c->index = index;
	if (ra_rule(rg, c, ifc, &why) < 0) {
		fprintf(stderr, "fpvpnd: remote access: session %u: no DTLS rule (%s): DTLS stays in "
			"software\n", index, why);
		ra_client_close(rg, c);
		fp_ra_dtls_thaw(rg->gw->ra, index);
	}
}

/* env->dtls_down: the channel is gone, and the client with its rule. */
static void ra_dtls_down(void *ctx, uint32_t index)
{
	struct fp_ra_gw *rg = ctx;
	struct ra_gw_client *c = ra_client(rg, index);
	if (c)
		ra_client_close(rg, c);
}

/* env->dtls_sid: the workers' list of session ids a ClientHello may name. */
static void ra_dtls_sid(void *ctx, unsigned slot, const uint8_t *sid)
{
	struct fp_ra_gw *rg = ctx;
	fp_gw_dtls_sid_set(rg->gw, slot, sid);
}

/* What the headend has the engine send on a session's rule (flag: what
 * the packet is, FP_PKT_F_DTLS_*). */
static void ra_rule_send(struct fp_ra_gw *rg, uint32_t index, const uint8_t *f, size_t n,
			 uint32_t flag)
{
	struct ra_gw_client *c = ra_client(rg, index);
	struct fp_pkt *p = c ? ra_pkt(rg, f, n) : NULL;
	if (p && fp_gw_dtls_send(rg->gw, rg->io, c->h, p, flag) < 0) {
		fp_gw_count_drop(rg->gw, FP_DROP_TX_FAILED);
		rg->io->free(rg->io->ctx, &p, 1);
	}
}

/* env->dtls_ctrl_out: a control frame protected on the session's rule. */
static void ra_dtls_ctrl_out(void *ctx, uint32_t index, const uint8_t *f, size_t n)
{
	ra_rule_send(ctx, index, f, n, FP_PKT_F_DTLS_CTRL);
}

/* env->dtls_hs_out: a rehandshake's record, on the rule it rekeys. */
static void ra_dtls_hs_out(void *ctx, uint32_t index, const uint8_t *d, size_t n, bool sealed)
{
	ra_rule_send(ctx, index, d, n, sealed ? FP_PKT_F_DTLS_SEALED : FP_PKT_F_DTLS_HS);
}

/* env->dtls_rekeyed: the rule moves to the rehandshake's keys and epoch
 * in place (DTLS_OFFLOAD_FLOW_IB_UPDATE_SUCCESS), keeping its pipe,
 * socket entry and counters. libssl's last records (our change_cipher_spec
 * under the old keys) may still wait in the worker's ring, and a worker
 * runs a posted call before its rings: the query's turn sends them, the
 * update runs a turn later. */
static int ra_dtls_rekeyed(void *ctx, uint32_t index, const struct fp_dtls_update *u)
{
	struct fp_ra_gw *rg = ctx;
	struct ra_gw_client *c = ra_client(rg, index);
	struct fp_dtls_rule_stats st;
	const char *why = "no client";
	if (c && fp_gw_dtls_query(rg->gw, c->h, &st) == 0 &&
	    fp_gw_dtls_rule_update(rg->gw, c->h, u, &why) == 0)
		return 0;
	fprintf(stderr, "fpvpnd: remote access: session %u: DTLS rehandshake: the rule was not "
		"updated (%s): the channel ends\n", index, why);
	return -1;
}

/* The UDP payload of a datagram punted as it came, and its sender (IPv6:
 * UDP right after the fixed header, as fp_gw_dtls_is_dgram took it). */
static bool ra_dgram(const struct fp_pkt *p, struct fp_addr *from, uint16_t *port,
		     const uint8_t **d, size_t *n)
{
	const uint8_t *h = p->data;
	bool v4 = p->len && (h[0] >> 4) == 4;
	if (p->len < FP_IPV4_HLEN + FP_UDP_HLEN || (!v4 && ((h[0] >> 4) != 6 ||
	    p->len < FP_IPV6_HLEN + FP_UDP_HLEN || h[6] != FP_IPPROTO_UDP)))
		return false;
	uint32_t hl = v4 ? (uint32_t)(h[0] & 0x0f) * 4 : FP_IPV6_HLEN, ul;
	if (hl < FP_IPV4_HLEN || p->len < hl + FP_UDP_HLEN)
		return false;
	ul = fp_get16(h + hl + 4);
	if (ul < FP_UDP_HLEN || hl + ul > p->len)
		return false;
	memset(from, 0, sizeof(*from));
	from->af = v4 ? FP_AF_INET : FP_AF_INET6;
	memcpy(from->a, h + (v4 ? 12 : 8), v4 ? 4 : 16);
	*port = fp_get16(h + hl);
	*d = h + hl + FP_UDP_HLEN;
	*n = ul - FP_UDP_HLEN;
	return true;
}

/* gw->dtls_punt: a control frame or alert the engine opened for client
 * tag, or a datagram as it came (a ClientHello, a handshake, no rule). */
static bool ra_punt(struct fp_gw *gw, const struct fp_gw_io *io, uint32_t tag, struct fp_pkt *p)
{
	struct fp_ra_gw *rg = gw->ra_gw;
	struct fp_addr from;
	uint16_t port;
	const uint8_t *d;
	size_t n;
	if (!gw->ra)
		return false;
	if (p->drop == FP_DROP_DTLS_CONTROL_IN && tag != FP_GW_DTLS_NO_TAG) {
		rg->io = io;
		fp_ra_dtls_control_in(gw->ra, tag, p->data, p->len);
	} else if (p->drop == FP_DROP_DTLS_RX_ALERT && tag != FP_GW_DTLS_NO_TAG) {
		rg->io = io;
		fp_ra_dtls_alert_in(gw->ra, tag, p->data, p->len);
	} else if (ra_dgram(p, &from, &port, &d, &n)) {
		rg->io = io;
		rg->rx_ifc = p->ifc;
		fp_ra_dtls_input(gw->ra, &from, port, d, n);
	} else {
		return false;
	}
	rg->io = NULL;
	rg->rx_ifc = RA_GW_NO_IFC;
	return true;
}

/* gw->dtls_to_cstp: an inside packet for a client with no rule now, to
 * its software DTLS channel or its CSTP tunnel (fp_ra_to_client chooses). */
static bool ra_to_cstp(struct fp_gw *gw, const struct fp_gw_io *io, uint32_t tag, struct fp_pkt *p)
{
	(void)tag;
	if (!gw->ra)
		return false;
	gw->ra_gw->io = io;
	bool ok = fp_ra_to_client(gw->ra, p->data, p->len);
	gw->ra_gw->io = NULL;
	return ok;
}

/* The first interface "webvpn" enables: DTLS sends of the poll leave by it. */
static uint16_t ra_webvpn_ifc(const struct fp_gw *gw)
{
	for (uint16_t i = 0; i < gw->n_ifaces; i++)
		if (fp_config_webvpn_enabled(gw->cfg, gw->ifaces[i].cfg->nameif) &&
		    (gw->ifaces[i].cfg->ip4.addr.af == FP_AF_INET ||
		     gw->ifaces[i].cfg->ip6.addr.af == FP_AF_INET6))
			return i;
	return RA_GW_NO_IFC;
}

/* The hooks, before the runtime starts: it opens the DTLS port's sockets
 * only when gw->dtls_punt is set. */
static int ra_dtls_join(struct fp_gw *gw, char *err, size_t errlen)
{
	const struct fp_config *cfg = gw->cfg;
	if (cfg->ra.webvpn.dtls_port)
		gw->dtls_port = cfg->ra.webvpn.dtls_port;
	gw->dtls_punt = ra_punt;
	gw->dtls_to_cstp = ra_to_cstp;
	gw->dtls->sid_filter = true; /* the headend publishes its sessions' ids */
	gw->dtls_hook_ctx = gw->ra_gw;
	return fp_gw_dtls_offload_set(gw, cfg->ra.offload_dtls, err, errlen);
}

int fp_gw_ra_start(struct fp_gw *gw, char *err, size_t errlen)
{
	struct fp_ra_gw *rg = calloc(1, sizeof(*rg));
	if (!rg) {
		snprintf(err, errlen, "remote access: out of memory");
		return -1;
	}
	rg->gw = gw;
	rg->rx_ifc = RA_GW_NO_IFC;
	rg->dtls_ifc = ra_webvpn_ifc(gw);
	struct fp_ra_env env = {.ctx = rg, .to_inside = ra_to_inside};
	if (rg->dtls_ifc != RA_GW_NO_IFC && gw->dtls) {
		env.dtls_out = ra_dtls_out;
		env.dtls_up = ra_dtls_up;
		env.dtls_down = ra_dtls_down;
		env.dtls_ctrl_out = ra_dtls_ctrl_out;
		env.dtls_hs_out = ra_dtls_hs_out;
		env.dtls_rekeyed = ra_dtls_rekeyed;
		env.dtls_sid = ra_dtls_sid;
	}
	gw->ra = fp_ra_new(gw->cfg, &env, err, errlen);
	if (!gw->ra) {
		free(rg);
		return err[0] ? -1 : 0;
	}
	gw->ra_gw = rg;
	if (env.dtls_out && ra_dtls_join(gw, err, errlen) < 0) {
		fp_gw_ra_stop(gw);
		return -1;
	}
	return 0;
}

void fp_gw_ra_stop(struct fp_gw *gw)
{
	if (gw->dtls)
		gw->dtls->sid_filter = false;
	gw->dtls_punt = NULL;
	gw->dtls_to_cstp = NULL;
	gw->dtls_hook_ctx = NULL;
	fp_ra_free(gw->ra);
	free(gw->ra_gw);
	gw->ra = NULL;
	gw->ra_gw = NULL;
}

void fp_gw_ra_poll(struct fp_gw *gw, const struct fp_gw_io *io)
{
	if (!gw->ra)
		return;
	gw->ra_gw->io = io;
	fp_ra_poll(gw->ra, io->now_ns);
	gw->ra_gw->io = NULL;
}

void fp_gw_ra_to_client(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt *p)
{
	if (!ra_to_cstp(gw, io, FP_GW_DTLS_NO_TAG, p))
		fp_gw_drop(gw, p, FP_DROP_RA_NO_SESSION);
}

int fp_gw_ra_dtls_stats(struct fp_gw *gw, uint32_t index, struct fp_dtls_rule_stats *st)
{
	struct ra_gw_client *c = gw->ra_gw ? ra_client(gw->ra_gw, index) : NULL;
	return c ? fp_gw_dtls_query(gw, c->h, st) : -1;
}
