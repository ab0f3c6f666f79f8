/* Gateway lifetime: interfaces and tunnels from the configuration, the
 * engine and software pipes, counters. Packets: forward.c. */
#include "gateway.h"

#include "datapath/child.h"
#include "datapath/dtls_session.h"
#include "datapath/egress.h"
#include "offload/capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* every child of the table on one pipe at worst: a rekey holds two pairs */
#define GW_MAX_SA (2 * FP_CHILD_MAX)

int fp_gw_tunnel_build(struct fp_gw *gw, const struct fp_cfg_map_entry *e, char *err,
		       size_t errlen);

int fp_gw_iface_find(const struct fp_gw *gw, const char *name)
{
	for (unsigned i = 0; i < gw->n_ifaces; i++) {
		const struct fp_cfg_iface *c = gw->ifaces[i].cfg;
		if (strcmp(c->nameif, name) == 0 || strcmp(c->name, name) == 0)
			return (int)i;
	}
	return -1;
}

static void gw_ifaces(struct fp_gw *gw)
{
	const struct fp_config *cfg = gw->cfg;
	for (unsigned i = 0; i < cfg->n_ifaces; i++) {
		struct fp_gw_iface *ifc = &gw->ifaces[gw->n_ifaces];
		ifc->id = (uint16_t)gw->n_ifaces++;
		ifc->cfg = &cfg->ifaces[i];
		ifc->mtu = (uint16_t)fp_config_mtu(cfg, ifc->cfg->nameif);
		ifc->post_frag = fp_config_post_frag(cfg, ifc->cfg->nameif);
		for (unsigned b = 0; b < cfg->n_bindings; b++)
			if (strcmp(cfg->bindings[b].nameif, ifc->cfg->nameif) == 0)
				ifc->outside = true;
		for (unsigned v = 0; v < cfg->n_vtis; v++) /* a Tunnel interface's source */
			if (!cfg->vtis[v].shutdown && strcmp(cfg->vtis[v].source, ifc->cfg->nameif) == 0)
				ifc->outside = true;
		ifc->outside |= fp_config_webvpn_enabled(cfg, ifc->cfg->nameif);
	}
}

static int gw_pipes(struct fp_gw *gw, unsigned n)
{
	gw->pipes = calloc(n, sizeof(*gw->pipes));
	if (!gw->pipes)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		if (fp_pipe_init(&gw->pipes[i], i, false, GW_MAX_SA, FP_CRYPTO_AUTO) < 0)
			return -1;
		gw->n_pipes++;
	}
	return fp_pipe_init(&gw->soft, n, true, GW_MAX_SA, FP_CRYPTO_AUTO);
}

uint32_t fp_gw_spi_hash(uint32_t spi)
{
	return (uint32_t)(spi * FP_GW_SPI_MULT) >> FP_GW_SPI_SHIFT;
}

struct fp_pipe *fp_gw_pipe_for_spi(const struct fp_gw *gw, uint32_t spi)
{
	return &gw->pipes[fp_gw_spi_hash(spi) % gw->n_pipes];
}

int fp_gw_init(struct fp_gw *gw, struct fp_config *cfg, char *err, size_t errlen)
{
	return fp_gw_init_pipes(gw, cfg, 1, err, errlen);
}

int fp_gw_init_pipes(struct fp_gw *gw, struct fp_config *cfg, unsigned n_pipes, char *err,
		     size_t errlen)
{
	memset(gw, 0, sizeof(*gw));
	gw->cfg = cfg;
	if (!n_pipes || gw_pipes(gw, n_pipes) < 0) {
		snprintf(err, errlen, "cannot make %u engine pipes (out of memory?)", n_pipes);
		fp_gw_fini(gw);
		return -1;
	}
	gw->policy_gen = 1;
	gw->caps = fp_capset_new(n_pipes + 1);
	if (!gw->caps) {
		snprintf(err, errlen, "out of memory for captures");
		fp_gw_fini(gw);
		return -1;
	}
	if (fp_reasm_init(&gw->reasm) < 0) {
		snprintf(err, errlen, "out of memory for reassembly");
		fp_gw_fini(gw);
		return -1;
	}
	gw->egress = calloc(n_pipes + 1, sizeof(*gw->egress));
	if (!gw->egress || fp_child_init(gw) < 0 || fp_gw_dtls_init(gw) < 0) {
		snprintf(err, errlen, "out of memory for the egress, child SA and DTLS client tables");
		fp_gw_fini(gw);
		return -1;
	}
	gw_ifaces(gw);
	/* manual keys first, then the entries IKEv2 keys (seqkeep.h), then the
	 * Tunnel interfaces (IKEv2 too) */
	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < cfg->n_entries; i++) {
			const struct fp_cfg_map_entry *e = &cfg->entries[i];
			if ((e->n_in && e->n_out) != !pass)
				continue;
			if (fp_gw_tunnel_build(gw, e, err, errlen) < 0) {
				fp_gw_fini(gw);
				return -1;
			}
		}
	if (fp_gw_vti_build(gw, err, errlen) < 0) {
		fp_gw_fini(gw);
		return -1;
	}
	return 0;
}

unsigned fp_gw_manual_tunnels(const struct fp_gw *gw)
{
	unsigned n = 0;
	while (n < gw->n_tunnels && !gw->tunnels[n].ikev2)
		n++;
	return n;
}

void fp_gw_fini(struct fp_gw *gw)
{
	for (unsigned i = 0; i < gw->n_pipes; i++)
		fp_pipe_fini(&gw->pipes[i]);
	free(gw->pipes);
	free(gw->egress);
	free(gw->vti_entries);
	fp_reasm_fini(&gw->reasm);
	if (gw->caps)
		fp_capset_free(gw->caps);
	fp_pipe_fini(&gw->soft);
	fp_child_fini(gw);
	fp_gw_dtls_fini(gw);
	fp_config_free(gw->cfg);
	memset(gw, 0, sizeof(*gw));
}

uint64_t fp_gw_drop_count(const struct fp_gw *gw, unsigned reason)
{
	if (reason >= FP_DROP__COUNT)
		return 0;
	uint64_t n = gw->st.drops[reason] + gw->soft.st.drops[reason];
	for (unsigned i = 0; i < gw->n_pipes; i++)
		n += gw->pipes[i].st.drops[reason];
	return n;
}

struct fp_capset **fp_gw_capset(struct fp_gw *gw)
{
	return &gw->caps;
}

void fp_gw_policy_changed(struct fp_gw *gw)
{
	uint32_t g = __atomic_add_fetch(&gw->policy_gen, 1, __ATOMIC_RELEASE);
	if (g == 0) /* 0 marks an empty slot: skip it on wrap */
		__atomic_add_fetch(&gw->policy_gen, 1, __ATOMIC_RELEASE);
}

uint64_t fp_gw_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void fp_gw_on_every_pipe(struct fp_gw *gw, void (*fn)(struct fp_pipe *pp, void *arg), void *arg)
{
	fn(&gw->soft, arg);
	if (gw->on_pipes) {
		gw->on_pipes(gw, fn, arg);
		return;
	}
	for (unsigned p = 0; p < gw->n_pipes; p++)
		fn(&gw->pipes[p], arg);
}

void fp_gw_clear_counters(struct fp_gw *gw)
{
	uint64_t prev = gw->st.previous_tunnels; /* a history, not a counter to clear */
	memset(&gw->st, 0, sizeof(gw->st));
	gw->st.previous_tunnels = prev;
	gw->st.last_clear_ns = gw->now_ns; /* the caller keeps now_ns current */
	for (unsigned i = 0; i < gw->n_pipes; i++)
		fp_pipe_stats_clear(&gw->pipes[i]);
	fp_pipe_stats_clear(&gw->soft);
	for (unsigned i = 0; i < gw->n_tunnels; i++)
		memset(&gw->tunnels[i].frag, 0, sizeof(gw->tunnels[i].frag));
}
