/* The live gateway's threads. Each worker thread owns one engine pipe and
 * its share of the ports (a TUN queue, SO_REUSEPORT UDP sockets); a tunnel
 * belongs to the pipe its inbound SPI hashes to, and a worker that reads a
 * packet for another pipe's tunnel hands it over through an SPSC ring (the
 * "interlaken" of show npu-accel statistics). The main thread runs the
 * slow path (the software pipe, punted packets), the control socket and
 * every configuration change; it sends rule changes to a pipe through that
 * pipe's control ring, so only the owning thread ever writes its SA table.
 * Nothing on the per-packet path is shared between pipes. */
#ifndef FP_RUNTIME_H
#define FP_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/pktpool.h"
#include "common/ring.h"
#include "datapath/gateway.h"
#include "io/port.h"

#define FP_RT_MAX_WORKERS 64
#define FP_RT_MAX_UDP 4       /* UDP ports per worker: 4500 and encapsulation ports */
#define FP_RT_RING 1024u      /* handoff and punt ring size */

/* The ring between the ports and the pipes, counted like the FPGA's
 * interlaken link: tx = handed to a ring, rx = taken by the pipe. */
struct fp_ilk_stats {
	uint64_t tx_good, rx_good, tx_err, rx_err, tx_taildrop;
};

/* Rule counters of show counters (IPSEC OFFLOAD_FLOW_*), counted by the
 * pipe that applied the change. */
struct fp_rule_stats {
	uint64_t in_add, out_add, in_del, out_del, in_update, out_update, failed;
};

struct fp_worker {
	unsigned id;
	pthread_t thread;
	int core;                          /* -1: not pinned */
	struct fp_runtime *rt;
	struct fp_pipe *pipe;              /* gw->pipes[id] */
	struct fp_pktcache cache;
	struct fp_port *tun;               /* this worker's inside TUN queue, or NULL */
	struct fp_port *udp[FP_RT_MAX_UDP];
	unsigned n_udp;
	struct fp_port *esp;               /* raw ESP: worker 0 only */
	struct fp_ring *handoff;           /* [n_workers]: rings from each worker to this one */
	struct fp_ring ctl;                /* rule changes from the slow path */
	struct fp_ring punt;               /* to the slow path */
	struct fp_ilk_stats ilk;
	struct fp_rule_stats rules;
	uint64_t egress_optimized;         /* OFFLOAD_EGRESS_OPTIMIZE_PKT */
	uint64_t punt_drops;               /* slow path ring full */
	_Atomic uint64_t quiescent;        /* loop count: the slow path waits on it (QSBR) */
	_Atomic bool stop;
};

struct fp_runtime {
	struct fp_gw *gw;
	unsigned n_workers;
	struct fp_worker *w;
	struct fp_pktpool pool;
	struct fp_pktcache slow_cache;     /* the main thread's buffers */
	struct fp_port *slow_tun;          /* the main thread's TUN queue */
	struct fp_port *slow_udp[FP_RT_MAX_UDP];
	unsigned n_slow_udp;
	struct fp_port *slow_esp;
	struct fp_port *ike;               /* UDP 500: the slow path's (IKEv2 comes later) */
	struct capset *caps;               /* captures (capture.h) */
	uint64_t started_ns;
};

#endif
