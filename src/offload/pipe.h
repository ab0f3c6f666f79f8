/* A pipe: one instance of the offload engine, owned by one worker thread.
 * It holds the SAs that belong to it, its crypto scratch and its counters;
 * nothing here is shared with another pipe, so the per-packet path takes
 * no lock. The slow path runs its own pipe (software = true) with the same
 * code for SAs that cannot be offloaded.
 *
 * The per-packet calls take a vector of packets and return how many are
 * good; the others are moved after the good ones, in order, each with
 * pkt->drop naming why and FP_PKT_F_PUNT set when the slow path should
 * have it rather than drop it (DPDK rte_ipsec's contract). */
#ifndef FP_PIPE_H
#define FP_PIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/pkt.h"
#include "crypto/crypto.h"
#include "offload/drop.h"
#include "offload/sa.h"

#define FP_PIPE_ENCAP_PORTS 4
#define FP_PIPE_HOLD 2048u /* packets of SAs waiting for their state (fp_sa_params.held) */
#define FP_PIPE_DTLS_MAX 1024u /* DTLS rules (remote-access clients) per pipe */

/* Field names follow the counters of show flow-offload info, show counters
 * and show npu-accel statistics, which print them. */
struct fp_pipe_stats {
	uint64_t rx_pkts, tx_pkts, drop_pkts;
	uint64_t err_pkts;             /* of the drops, the engine's own failures (crypto, buffer) */
	uint64_t optid_hit, optid_miss, tunnel_hit, tunnel_miss, cam_hit, cam_miss;
	uint64_t ib_process, ib_success, ob_process, ob_success, egress_optimize;
	uint64_t in_pkts, in_bytes, in_decrypt_pkts, in_decrypt_bytes, in_hash_pkts, in_hash_bytes;
	uint64_t out_pkts, out_bytes, out_encrypt_pkts, out_encrypt_bytes;
	uint64_t out_hash_pkts, out_hash_bytes;
	uint64_t filtering_total, filtering_drop, anti_replay_drop;
	uint64_t punts;
	uint64_t held;                 /* packets held while their SA moved here */
	/* ESP this pipe's worker read for another pipe's SA and handed over:
	 * what the kernel's steering (datapath/steer.c) did not place */
	uint64_t esp_handoff;
	/* rule changes applied to this pipe's tables (IPSEC OFFLOAD_FLOW_*) */
	uint64_t rule_in_add, rule_out_add, rule_in_del, rule_out_del;
	uint64_t rule_in_update, rule_out_update, rule_failed;
	uint64_t drops[FP_DROP__COUNT];
};

struct fp_pipe_scratch {
	struct fp_crypto_op ops[FP_VEC_MAX];
	uint64_t seq[FP_VEC_MAX];
	uint32_t inner_len[FP_VEC_MAX];
	uint8_t aad[FP_VEC_MAX][12];
	uint8_t icv[FP_VEC_MAX][32];
	struct fp_pkt *tmp[FP_VEC_MAX];
};

struct fp_pipe {
	unsigned id;
	bool software;                 /* the slow path's instance */
	struct fp_sadb *db;
	struct fp_dtlsdb *dtls;        /* its DTLS rules (offload/dtls.h), beside the SAs */
	struct fp_crypto_thread *ct;
	uint16_t encap_ports[FP_PIPE_ENCAP_PORTS]; /* UDP ports carrying ESP (4500) */
	uint64_t now_ns;               /* set by the caller per burst */
	struct fp_pipe_stats st;
	struct fp_pipe_scratch *scr;
	struct fp_pkt **hold;          /* FP_PIPE_HOLD, oldest first */
	uint16_t n_hold;
};

int fp_pipe_init(struct fp_pipe *pp, unsigned id, bool software, uint32_t max_sa,
		 enum fp_crypto_backend be);
void fp_pipe_fini(struct fp_pipe *pp);
void fp_pipe_stats_clear(struct fp_pipe *pp);
/* Add a UDP port on which ESP-in-UDP is expected; 4500 is always there. */
int fp_pipe_encap_port_add(struct fp_pipe *pp, uint16_t port);

/* Drop (or punt) one packet: sets its reason and counts it once, in the
 * pipe and, when sa is not NULL, in the SA. The single place drops are
 * counted (VPP ipsec_set_next_index). */
struct fp_sa;
void fp_pipe_drop(struct fp_pipe *pp, struct fp_sa *sa, struct fp_pkt *p, enum fp_drop why);
void fp_pipe_punt(struct fp_pipe *pp, struct fp_pkt *p, enum fp_drop why);

/* A packet of an SA that waits for its state: kept, in arrival order, and
 * marked FP_PKT_F_TAKEN (the caller no longer owns it); dropped as
 * FP_DROP_SA_MOVING when the queue is full. */
void fp_pipe_hold(struct fp_pipe *pp, struct fp_sa *sa, struct fp_pkt *p);
/* Once no SA of the pipe is held (fp_sadb_held), the held packets, oldest
 * first, back to the caller (flag cleared) to be classified again. */
uint16_t fp_pipe_unhold(struct fp_pipe *pp, struct fp_pkt **out, uint16_t max);

/* Stable partition: packets with drop == NONE first. Returns their count. */
uint16_t fp_vec_partition(struct fp_pipe *pp, struct fp_pkt **pkts, uint16_t n);

/* Inbound classification of outer packets: option-ID table (ESP or
 * ESP-in-UDP?), then the SPI lookup (our 6-tuple CAM). Sets pkt->sa and
 * pkt->esp_off. Returns the count of packets for this pipe's SAs; those of
 * a held SA are not among them (fp_pipe_hold). */
uint16_t fp_classify_inb(struct fp_pipe *pp, struct fp_pkt **pkts, uint16_t n);

/* The SPI of an ESP or ESP-in-UDP packet, 0 if it is not one; no table is
 * looked at and nothing is counted (steering to the owning pipe). */
uint32_t fp_classify_peek_spi(const struct fp_pipe *pp, struct fp_pkt *p);

/* ESP decapsulation of classified packets (RFC 4303 §3.4): bounds,
 * anti-replay, ICV, padding, next header, selectors. Good packets become
 * the inner IP packets. */
uint16_t fp_esp_inb_process(struct fp_pipe *pp, struct fp_pkt **pkts, uint16_t n);

/* ESP encapsulation (RFC 4303 §3.3) of inner IP packets whose pkt->sa the
 * policy set. Good packets become outer IP packets ready to send. */
uint16_t fp_esp_outb_process(struct fp_pipe *pp, struct fp_pkt **pkts, uint16_t n);

#endif
