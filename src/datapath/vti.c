/* Route-based tunnels (interface TunnelN, the ASA's VTI): each Tunnel
 * interface becomes one IKEv2 tunnel towards its destination, negotiated
 * as the crypto map entry the ASA makes of it (its ipsec profile's
 * proposals, PFS and lifetimes; 0.0.0.0/0 selectors both ways), bound to
 * its tunnel source interface. "route NAMEIF NET MASK" towards a Tunnel
 * interface's nameif puts NET in the gateway's route table; the crypto
 * map policy (policy.c) asks it first, so the route, not an access-list,
 * picks the SA. The table is read by the workers without a lock: a route
 * typed in configure terminal goes into a second table, switched to at
 * once, the first one reused only after every worker has been through a
 * quiescent point. What such an SA decrypts is forwarded by route like
 * any tunnel's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/gateway.h"

static int vti_tunnel(struct fp_gw *gw, const struct fp_cfg_vti *v, struct fp_cfg_map_entry *e,
		      char *err, size_t errlen)
{
	const struct fp_cfg_iface *src = fp_config_iface_by_nameif(gw->cfg, v->source);
	if (!src || fp_gw_iface_find(gw, src->nameif) < 0) {
		snprintf(err, errlen, "interface %s: tunnel source interface %s does not exist",
			 v->name, v->source);
		return -1;
	}
	fp_config_vti_entry(gw->cfg, v, e);
	return fp_gw_tunnel_add(gw, e, src, v, 0, true, err, errlen);
}

/* The tunnel of the Tunnel interface called nameif; -1 if none is up. */
static int vti_tunnel_of(const struct fp_gw *gw, const char *nameif)
{
	for (unsigned i = 0; i < gw->n_tunnels; i++)
		if (gw->tunnels[i].vti && strcmp(gw->tunnels[i].vti->nameif, nameif) == 0)
			return (int)i;
	return -1;
}

/* Longest prefix first: the lookup takes the first that matches. */
static void vti_route_add(struct fp_gw_routes *rt, const struct fp_prefix *net, uint16_t tunnel)
{
	unsigned i = rt->n;
	while (i > 0 && rt->r[i - 1].net.len < net->len) {
		rt->r[i] = rt->r[i - 1];
		i--;
	}
	rt->r[i] = (struct fp_gw_route){.net = *net, .tunnel = tunnel};
	rt->n++;
}

/* The configuration's routes into the Tunnel interfaces that have a tunnel. */
static void vti_routes_fill(const struct fp_gw *gw, struct fp_gw_routes *rt)
{
	const struct fp_config *cfg = gw->cfg;
	rt->n = 0;
	for (unsigned i = 0; i < cfg->n_routes && i < FP_CFG_MAX_ROUTES; i++) {
		int t = vti_tunnel_of(gw, cfg->routes[i].nameif);
		if (t >= 0)
			vti_route_add(rt, &cfg->routes[i].net, (uint16_t)t);
	}
}

int fp_gw_vti_build(struct fp_gw *gw, char *err, size_t errlen)
{
	const struct fp_config *cfg = gw->cfg;
	gw->routes = &gw->route_tab[0];
	if (!cfg->n_vtis)
		return 0;
	gw->vti_entries = calloc(FP_CFG_MAX_VTIS, sizeof(*gw->vti_entries));
	if (!gw->vti_entries) {
		snprintf(err, errlen, "out of memory for the Tunnel interfaces");
		return -1;
	}
	for (unsigned i = 0; i < cfg->n_vtis && i < FP_CFG_MAX_VTIS; i++)
		if (!cfg->vtis[i].shutdown &&
		    vti_tunnel(gw, &cfg->vtis[i], &gw->vti_entries[i], err, errlen) < 0)
			return -1;
	vti_routes_fill(gw, gw->routes);
	return 0;
}

static void vti_quiescent(struct fp_pipe *pp, void *arg)
{
	(void)pp;
	(void)arg;
}

void fp_gw_vti_routes_update(struct fp_gw *gw)
{
	struct fp_gw_routes *next = gw->routes == &gw->route_tab[0] ? &gw->route_tab[1]
								  : &gw->route_tab[0];
	vti_routes_fill(gw, next);
	__atomic_store_n(&gw->routes, next, __ATOMIC_RELEASE);
	fp_gw_on_every_pipe(gw, vti_quiescent, NULL); /* no worker still reads the old one */
	fp_gw_policy_changed(gw);
}

struct fp_gw_tunnel *fp_gw_vti_route(struct fp_gw *gw, uint8_t af, const uint8_t *dst)
{
	const struct fp_gw_routes *rt = __atomic_load_n(&gw->routes, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; rt && i < rt->n; i++)
		if (fp_prefix_match(&rt->r[i].net, af, dst))
			return &gw->tunnels[rt->r[i].tunnel];
	return NULL;
}
