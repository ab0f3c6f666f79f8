/* IKEv2 in the gateway (src/ike behind the hooks of struct fp_ike_env):
 * IKE datagrams from the outside in, its datagrams out through the slow
 * path's UDP ports, SPIs and negotiated CHILD_SAs through the child-SA
 * API (child.h), and a packet of a tunnel with no SA as the request to
 * negotiate one. All of it runs on the slow path's thread. */
#ifndef FP_IKE_GW_H
#define FP_IKE_GW_H

#include <stdbool.h>

#include "config/trustpoint.h"
#include "datapath/gateway.h"
#include "ike/ike.h"

#define FP_IKE_GW_CHILD_LIFE_S 28800u /* the ASA's default IPsec SA lifetime */
#define FP_IKE_GW_TXQ 64u             /* datagrams waiting for the slow path's flush: a
                                       * message in RFC 7383 fragments is many */
#define FP_IKE_GW_TX_MAX 8448u        /* the largest IKE datagram: a whole SK message of
                                       * FP_IKE_MSG_MAX payload bytes to a peer that
                                       * does not take fragments */
#define FP_IKE_GW_SWITCHES 64u        /* rekeys at once whose new child waits to send */

/* The configuration IKE negotiates with, from gw's (peers: an array of
 * FP_IKE_MAX_PEERS the caller cleanses: it holds the pre-shared keys).
 * Sets each IKEv2 tunnel's ike_peer. 0, or -1 with err. */
int fp_ike_gw_cfg(const struct fp_gw *gw, struct fp_ike_cfg *out, struct fp_ike_peer *peers,
		  char *err, size_t errlen);

/* The trustpoints loaded for IKE: cred[i] is trustpoints[i] of the
 * configuration (the index a peer's cred_local/cred_remote names). */
struct fp_ike_gw_tps {
	struct fp_trustpoint tp[FP_CFG_MAX_TRUSTPOINTS];
	struct fp_ike_cred cred[FP_CFG_MAX_TRUSTPOINTS];
	unsigned n;
};
/* Load every trustpoint of cfg; 0, or -1 with err. Free with
 * fp_ike_gw_creds_free once fp_ike_configure took its references. */
int fp_ike_gw_creds(const struct fp_config *cfg, struct fp_ike_gw_tps *t, char *err,
		    size_t errlen);
void fp_ike_gw_creds_free(struct fp_ike_gw_tps *t);

/* Start IKEv2 when an interface has "crypto ikev2 enable" (gw->ike stays
 * NULL otherwise). 0, or -1 with err. */
int fp_gw_ike_start(struct fp_gw *gw, char *err, size_t errlen);
void fp_gw_ike_stop(struct fp_gw *gw);
/* The configuration changed in what IKE negotiates with (a profile's or a
 * crypto map entry's proposals, PFS, lifetimes; a tunnel-group's keys or
 * DPD): the next negotiations use it, established SAs keep theirs.
 * 0 (also when IKEv2 is off), or -1 with err. */
int fp_gw_ike_reconfigure(struct fp_gw *gw, char *err, size_t errlen);

/* p is UDP to port 500, or to 4500 with the non-ESP marker: give it to
 * IKE. false when IKEv2 is off (the caller drops it as ike-not-running);
 * true when IKE took it (the caller frees the buffer, counted by IKE). */
bool fp_gw_ike_input(struct fp_gw *gw, const struct fp_gw_io *io, const struct fp_pkt *p);

/* Tunnels whose packets found no SA, IKE's timers, then what IKE wants
 * sent, through io (the slow path's). Call at least every 100 ms. */
void fp_gw_ike_poll(struct fp_gw *gw, const struct fp_gw_io *io);

#endif
