/* The remote-access headend's hooks in the gateway (ra_gw.h). */
#include "datapath/ra_gw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The io of the poll running now: where client packets leave. */
struct fp_ra_gw {
	struct fp_gw *gw;
	const struct fp_gw_io *io;
};

static void ra_to_inside(void *ctx, const uint8_t *ip, size_t n)
{
	struct fp_ra_gw *rg = ctx;
	const struct fp_gw_io *io = rg->io;
	struct fp_pkt *p;
	if (!io || n > FP_PKT_BUF_SIZE - FP_PKT_HEADROOM || io->alloc(io->ctx, &p, 1) != 1) {
		fp_gw_count_drop(rg->gw, FP_DROP_TX_FAILED);
		return;
	}
	memcpy(p->data, ip, n);
	p->len = (uint32_t)n;
	p->flags = 0;
	p->drop = FP_DROP_NONE;
	p->ts_ns = io->now_ns;
	fp_gw_emit_routed(rg->gw, io, p, true);
	if (!(p->flags & FP_PKT_F_TAKEN))
		io->free(io->ctx, &p, 1);
}

int fp_gw_ra_start(struct fp_gw *gw, char *err, size_t errlen)
{
	struct fp_ra_gw *rg = calloc(1, sizeof(*rg));
	if (!rg) {
		snprintf(err, errlen, "remote access: out of memory");
		return -1;
	}
	rg->gw = gw;
	struct fp_ra_env env = {.ctx = rg, .to_inside = ra_to_inside};
	gw->ra = fp_ra_new(gw->cfg, &env, err, errlen);
	if (!gw->ra) {
		free(rg);
		return err[0] ? -1 : 0;
	}
	gw->ra_gw = rg;
	return 0;
}

void fp_gw_ra_stop(struct fp_gw *gw)
{
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

void fp_gw_ra_to_client(struct fp_gw *gw, struct fp_pkt *p)
{
	if (!gw->ra || !fp_ra_to_client(gw->ra, p->data, p->len))
		fp_gw_drop(gw, p, FP_DROP_RA_NO_SESSION);
}
