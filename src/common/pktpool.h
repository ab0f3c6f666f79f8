/* Packet buffers for the live gateway: allocated once at start, then only
 * moved. Each thread has its own free stack; a packet handed to another
 * thread is freed into that thread's stack, so buffers drift between
 * threads but no stack is ever touched by two. Every stack can hold every
 * buffer, so a free never fails. */
#ifndef FP_PKTPOOL_H
#define FP_PKTPOOL_H

#include <stdint.h>

#include "common/pkt.h"

struct fp_pktpool {
	struct fp_pkt *pp_mem;     /* all buffers */
	uint32_t pp_total;
};

struct fp_pktcache {
	struct fp_pkt **pc_free;   /* this thread's stack */
	uint32_t pc_n;
	uint32_t pc_cap;
	uint64_t pc_empty;         /* allocations that found the stack empty */
};

/* n buffers split over n_caches thread caches. -1 on allocation failure. */
int fp_pktpool_init(struct fp_pktpool *pool, uint32_t n, struct fp_pktcache *caches,
		    unsigned n_caches);
void fp_pktpool_fini(struct fp_pktpool *pool, struct fp_pktcache *caches, unsigned n_caches);

/* Up to n reset buffers; returns how many (0 when the cache is empty). */
static inline unsigned fp_pkt_alloc(struct fp_pktcache *c, struct fp_pkt **out, unsigned n)
{
	if (n > c->pc_n) {
		c->pc_empty++;
		n = c->pc_n;
	}
	for (unsigned i = 0; i < n; i++) {
		out[i] = c->pc_free[--c->pc_n];
		fp_pkt_reset(out[i]);
	}
	return n;
}

static inline void fp_pkt_free(struct fp_pktcache *c, struct fp_pkt *const *pkts, unsigned n)
{
	for (unsigned i = 0; i < n && c->pc_n < c->pc_cap; i++)
		c->pc_free[c->pc_n++] = pkts[i];
}

#endif
