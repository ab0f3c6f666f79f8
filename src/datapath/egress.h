/* Egress optimization (flow-offload-ipsec egress-optimization): once an
 * inner flow has been through the crypto map policy, its next packets find
 * their tunnel in a 6-tuple table (interface, source, destination,
 * protocol, ports) and skip the policy walk. One table per pipe, written
 * only by the thread that owns the pipe; a change of policy (offload
 * switched, configuration) bumps the gateway's generation and so empties
 * every table at once. */
#ifndef FP_EGRESS_H
#define FP_EGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct fp_gw;
struct fp_gw_tunnel;
struct fp_pkt;

#define FP_EGRESS_SLOTS 4096u /* direct-mapped, per pipe */

struct fp_egress_key {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint16_t ifc;
	uint8_t proto;
	uint8_t af;
};

struct fp_egress_slot {
	struct fp_egress_key key;
	uint32_t gen;                 /* 0 = empty */
	uint32_t tunnel;              /* index in gw->tunnels */
};

struct fp_egress {
	struct fp_egress_slot slot[FP_EGRESS_SLOTS];
	uint64_t hits, misses, inserts;
};

/* The key of an inner IPv4/IPv6 packet (checked by the caller). */
void fp_egress_key(struct fp_egress_key *k, const struct fp_pkt *p, uint16_t ifc);
/* The tunnel the flow was given last time, or NULL. */
struct fp_gw_tunnel *fp_egress_find(struct fp_egress *e, struct fp_gw *gw,
				    const struct fp_egress_key *k);
void fp_egress_add(struct fp_egress *e, const struct fp_gw *gw, const struct fp_egress_key *k,
		   const struct fp_gw_tunnel *t);

#endif
