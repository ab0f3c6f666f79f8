/* What every gateway thread (worker or slow path) does with its ports: read
 * bursts, queue what leaves per port, flush, hand packets to other pipes,
 * punt to the slow path, and give back the buffers of dropped packets. */
#ifndef FP_THREAD_IO_H
#define FP_THREAD_IO_H

#include "datapath/runtime.h"

#define FP_RT_BURST 64u
#define FP_RT_STAGE 256u /* >= the largest burst one call processes */
#define FP_RT_RX_ROUNDS 4u /* full bursts read from one port before the next */

/* The callbacks' context: which thread, and its gateway io. */
struct fp_rt_ctx {
	struct fp_runtime *rt;
	struct fp_thread_io *tio;
	struct fp_worker *w;              /* NULL on the slow path */
	unsigned from;                    /* ring index as a producer: worker id, or n_workers */
	struct fp_gw_io gio;
	/* Handoffs and punts wait here until the burst's buffers have been
	 * released: once in a ring a packet is another thread's, and this one
	 * must not even read its flags again. */
	struct fp_pkt *stage[FP_RT_MAX_WORKERS][FP_RT_STAGE];
	uint16_t n_stage[FP_RT_MAX_WORKERS];
	struct fp_pkt *punts[FP_RT_STAGE];
	uint16_t n_punts;
};

void fp_rt_ctx_init(struct fp_rt_ctx *c, struct fp_runtime *rt, struct fp_thread_io *tio,
		    struct fp_worker *w, struct fp_pipe *pipe);
/* Read the rx ports whose bit (their index) is set in ready, those epoll
 * reported, and run the bursts through the gateway: a turn makes no call
 * that finds nothing. */
unsigned fp_rt_rx_ready(struct fp_rt_ctx *c, uint32_t ready);
/* Send what was queued, staged handoffs included. */
void fp_rt_flush(struct fp_rt_ctx *c);
/* Buffers of packets nobody took (dropped, counted) go back to the cache;
 * then the staged handoffs and punts go into their rings. */
void fp_rt_release(struct fp_rt_ctx *c, struct fp_pkt **pkts, unsigned n);
/* What the thread's pipe held while an SA moved to it, once the SA has its
 * state (nothing when some SA still waits). */
void fp_rt_rx_held(struct fp_rt_ctx *c);
/* Packets another thread handed to this worker's pipe. */
void fp_rt_rx_handoff(struct fp_rt_ctx *c, struct fp_pkt **pkts, unsigned n);

int fp_thread_io_init(struct fp_thread_io *tio);
void fp_thread_io_fini(struct fp_thread_io *tio);
/* Add a port to the thread (and its epoll set when it is read). */
int fp_thread_io_add(struct fp_thread_io *tio, const struct fp_rt_port *p);
/* Wake a thread sleeping in epoll (its eventfd). */
void fp_thread_io_wake(struct fp_thread_io *tio);

#endif
