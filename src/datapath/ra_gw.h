/* The remote-access headend in the gateway (src/ra behind struct
 * fp_ra_env): started from the configuration beside IKE, polled from the
 * slow path, handed the inside packets addressed to its pools; what its
 * clients send leaves by the inside interface as a tunnel's packets do.
 * Everything here runs on the slow path's thread but fp_gw_ra_owns, which
 * workers ask. */
#ifndef FP_RA_GW_H
#define FP_RA_GW_H

#include <stdbool.h>

#include "datapath/gateway.h"

/* Start the headend when "webvpn" enables an interface (gw->ra stays NULL
 * otherwise). 0, or -1 with err. */
int fp_gw_ra_start(struct fp_gw *gw, char *err, size_t errlen);
void fp_gw_ra_stop(struct fp_gw *gw);
/* Its connections and timers; client packets out through io. */
void fp_gw_ra_poll(struct fp_gw *gw, const struct fp_gw_io *io);
/* Whether p (from the inside) is addressed to a pool: any thread. */
static inline bool fp_gw_ra_owns(const struct fp_gw *gw, const struct fp_pkt *p);
/* p, punted with FP_PKT_F_RA, to its session's tunnel (DTLS or CSTP; io: where
 * DTLS datagrams leave); dropped and
 * counted (vpn-ra-no-session) when none takes it. */
void fp_gw_ra_to_client(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt *p);
/* Session index's DTLS rule counters (engine or software pipe), for
 * show vpn-sessiondb: 0, or -1 when it has no rule. */
struct fp_dtls_rule_stats;
int fp_gw_ra_dtls_stats(struct fp_gw *gw, uint32_t index, struct fp_dtls_rule_stats *st);

#include "ra/ra.h"

static inline bool fp_gw_ra_owns(const struct fp_gw *gw, const struct fp_pkt *p)
{
	if (!gw->ra)
		return false;
	if ((p->data[0] >> 4) == 6)
		return p->len >= 40 && fp_ra_pool6_owns(gw->ra, p->data + 24);
	return p->len >= 20 && (p->data[0] >> 4) == 4 && fp_ra_pool_owns(gw->ra, p->data + 16);
}

#endif
