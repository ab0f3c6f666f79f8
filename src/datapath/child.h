/* The child-SA API: the one way SAs enter and leave the engine and the
 * software pipe. A child is what one negotiation (or one manual-key crypto
 * map entry) produced: an inbound and an outbound SA, on the pipe its
 * inbound SPI maps to. Manual keys use it today, IKEv2 and DTLS later;
 * nothing else in the gateway calls fp_sa_install / update / delete, so the
 * rule counters (OFFLOAD_FLOW_*_ADD_RULE / DEL_RULE / UPDATE_SUCCESS) are
 * counted in one place, here.
 *
 * Everything runs on the slow path's thread; each table change is made on
 * the thread that owns the pipe (fp_gw_on_every_pipe). Handles index the
 * gateway's child table; a deleted child keeps its last counters for show
 * until its handle is reused. */
#ifndef FP_CHILD_H
#define FP_CHILD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "datapath/gateway.h"

/* Room for every tunnel to hold two children at once (a rekey in
 * progress) twice over. */
#define FP_CHILD_MAX (4u * FP_GW_MAX_TUNNELS)
/* The soft lifetime, as a share of the hard one (seconds and kilobytes):
 * where an IKE initiator rekeys. */
#define FP_CHILD_SOFT_PCT 90u

/* What a negotiation produced, both directions. */
struct fp_child_sa {
	uint32_t cs_spi_in, cs_spi_out;   /* host order; spi_in from fp_child_spi_alloc() */
	uint16_t cs_tunnel;               /* index in gw->tunnels: the crypto map entry (rule,
					   * endpoints, replay window, MTU, vpn-filter) */
	uint16_t cs_encap_sport, cs_encap_dport; /* NAT-T ports; 0 = raw ESP */
	uint8_t cs_mode;                  /* enum fp_sa_mode */
	bool cs_esn;
	struct fp_crypto_key cs_key_in, cs_key_out; /* the callee copies; the caller cleanses */
	struct fp_selector cs_sel;        /* the narrowed TSi/TSr pair */
	uint32_t cs_life_s;               /* hard lifetime, seconds (0 = none) */
	uint64_t cs_life_kb;              /* hard lifetime, kilobytes (0 = none) */
	uint8_t cs_soft_pct;              /* soft = hard * pct / 100; 0 = FP_CHILD_SOFT_PCT */
	uint64_t cs_start_ns;             /* CLOCK_REALTIME the lifetimes count from; 0 = now */
	uint32_t cs_tag;                  /* the caller's own reference, echoed in events */
};

enum fp_child_state {
	FP_CHILD_FREE,
	FP_CHILD_RESERVED,                /* an SPI allocated, nothing installed */
	FP_CHILD_INBOUND,                 /* make-before-break's first step */
	FP_CHILD_LIVE,                    /* both SAs installed */
	FP_CHILD_DELETED,                 /* out of the engine; counters kept for show */
	FP_CHILD__COUNT
};
const char *fp_child_state_name(unsigned s);

struct fp_child_event {
	uint32_t ce_child;                /* handle */
	uint32_t ce_tag;                  /* fp_child_sa.cs_tag */
	uint16_t ce_tunnel;
	uint32_t ce_spi;
	uint8_t ce_dir;                   /* enum fp_sa_dir */
	uint8_t ce_type;                  /* enum fp_sa_event_type */
};

/* Install / update / remove one SA on pp, counting the rule change in pp's
 * statistics (the software pipe counts nothing: rules are what the engine
 * is given). Must run on pp's thread. */
int fp_child_sa_install(struct fp_pipe *pp, const struct fp_sa_params *p, uint32_t *id,
			const char **why);
int fp_child_sa_update(struct fp_pipe *pp, uint32_t id, const struct fp_sa_update *u,
		       const char **why);
void fp_child_sa_remove(struct fp_pipe *pp, uint32_t id);

/* The child table; fp_gw_init_pipes makes it, fp_gw_fini frees it. */
int fp_child_init(struct fp_gw *gw);
void fp_child_fini(struct fp_gw *gw);

/* An inbound SPI unique across every pipe and the software pipe, random,
 * never 0-255, reserved until installed or released (a refused proposal).
 * A deleted child's SPI stays taken until its handle is reused, so late
 * packets never reach a newer SA. */
int fp_child_spi_alloc(struct fp_gw *gw, uint32_t *spi);
void fp_child_spi_release(struct fp_gw *gw, uint32_t spi);

/* The SA parameters (with keys: the caller cleanses them) of a child of
 * tunnel t in direction dir. */
void fp_child_params(const struct fp_gw *gw, const struct fp_child_sa *c, uint8_t dir,
		     struct fp_sa_params *p);

/* Make-before-break's first step, on the pipe the SPI maps to (or the
 * software pipe): the inbound SA, which decrypts from now on, and the
 * outbound one aside, which no packet reaches yet. A manual SPI (not from
 * fp_child_spi_alloc) is refused when another child has it. */
int fp_child_add_inbound(struct fp_gw *gw, const struct fp_child_sa *c, uint32_t *h, char *err,
			 size_t errlen);
/* The outbound SA of child h (installed with its inbound SA, aside under a
 * rule of its own, counted as rule_out_add then) takes over its tunnel's
 * rule from the child it replaces (old_h, or FP_SA_NONE for a first
 * child) by an update (rule_out_update): the tunnel's packets switch at
 * once. old_h keeps its SAs, so packets in flight still decrypt, until
 * fp_child_delete. The keys were given once, to fp_child_add_inbound. */
int fp_child_add_outbound(struct fp_gw *gw, uint32_t h, uint32_t old_h, char *err,
			  size_t errlen);
/* Both at once (a first child, manual keys). */
int fp_child_add(struct fp_gw *gw, const struct fp_child_sa *c, uint32_t *h, char *err,
		 size_t errlen);
/* NAT-T float, new lifetimes: applied to both SAs (rule_in_update and
 * rule_out_update). */
int fp_child_update(struct fp_gw *gw, uint32_t h, const struct fp_sa_update *u);
/* Both SAs out of the engine, keys zeroized, counters kept for show until
 * the handle is reused; reason is logged ("rekeyed", "peer deleted"). The
 * tunnel whose current child it was has none after it. */
int fp_child_delete(struct fp_gw *gw, uint32_t h, const char *reason);
int fp_child_query(const struct fp_gw *gw, uint32_t h, struct fp_sa_stats *in,
		   struct fp_sa_stats *out);
enum fp_child_state fp_child_state_get(const struct fp_gw *gw, uint32_t h);
/* The index in gw->tunnels of child h (0 for a handle out of range). */
uint16_t fp_child_tunnel(const struct fp_gw *gw, uint32_t h);

/* A child moved (another pipe, or installed again with the same keys):
 * its record follows, and the tunnel's route if it is the current one. */
void fp_child_place(struct fp_gw *gw, uint32_t h, struct fp_pipe *pp, uint32_t sa_in,
		    uint32_t sa_out);

/* Where child h's SAs are now, if it has any installed (inbound-only or
 * live): for a move between pipes, which copies their parameters, keys
 * included, from the pipe (reoffload.c). */
struct fp_child_loc {
	uint16_t cl_tunnel;
	struct fp_pipe *cl_pipe;
	uint32_t cl_sa_in, cl_sa_out;
};
bool fp_child_locate(const struct fp_gw *gw, uint32_t h, struct fp_child_loc *loc);
/* A negotiated child's installed pair as parameters with their keys (the
 * caller cleanses them), read from the pipe that holds it (where: *loc): a
 * pipe's SA parameters change only in a round the slow path runs. False
 * for a manual-key child (its keys are the configuration's) or none
 * installed. */
bool fp_child_keyed(const struct fp_gw *gw, uint32_t h, struct fp_sa_params *in,
		    struct fp_sa_params *out, struct fp_child_loc *loc);
/* Where a pair belongs: the engine pipe its inbound SPI maps to when flow
 * offload is on and the engine can take both, else the software pipe. */
struct fp_pipe *fp_child_home(struct fp_gw *gw, const struct fp_sa_params *in,
			      const struct fp_sa_params *out);

/* The slow path's tick: every pipe's event ring drained (each one-producer,
 * this thread the consumer), seconds deadlines of idle children checked,
 * and each event delivered once per child and direction to
 * gw->on_child_event. Returns the events delivered. */
unsigned fp_child_tick(struct fp_gw *gw, uint64_t now_ns);
/* The default handler: one line on stderr naming the tunnel, SPI, event. */
void fp_child_event_log(struct fp_gw *gw, const struct fp_child_event *ev);
void fp_child_event_format(const struct fp_gw *gw, const struct fp_child_event *ev, char *buf,
			   size_t n);

/* Events delivered, and events the engine lost to a full ring (every pipe,
 * the software one too). */
uint64_t fp_child_events_delivered(const struct fp_gw *gw);
uint64_t fp_child_events_lost(const struct fp_gw *gw);

#endif
