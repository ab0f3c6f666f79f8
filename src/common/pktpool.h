/* Packet buffers for the live gateway: allocated once at start, then only
 * moved. Each thread allocates from and frees into its own cache; a cache
 * that runs empty takes a batch from the pool's shared queue, one that runs
 * full gives a batch back (DPDK mempool). So a thread that only receives
 * and hands packets to another pipe gets its buffers back, and the
 * per-packet path touches no shared state. */
#ifndef FP_PKTPOOL_H
#define FP_PKTPOOL_H

#include <stdint.h>

#include "common/mpmc.h"
#include "common/pkt.h"

#define FP_PKTCACHE_BATCH 256u
#define FP_PKTCACHE_MAX (4u * FP_PKTCACHE_BATCH)

struct fp_pktpool {
	struct fp_pkt *pp_mem;     /* all buffers */
	uint32_t pp_total;
	struct fp_mpmc pp_shared;  /* buffers no cache holds */
};

struct fp_pktcache {
	struct fp_pktpool *pc_pool;
	struct fp_pkt *pc_free[FP_PKTCACHE_MAX];
	uint32_t pc_n;
	uint64_t pc_empty;         /* allocations the pool could not fill */
	uint64_t pc_double_free;   /* a bug elsewhere, caught here */
};

#ifdef FP_PKTPOOL_ABORT
#include <stdlib.h>
#define FP_PKTPOOL_TRAP() abort()
#else
#define FP_PKTPOOL_TRAP() ((void)0)
#endif

/* n buffers; caches start empty and fill from the pool. -1 on failure. */
int fp_pktpool_init(struct fp_pktpool *pool, uint32_t n);
void fp_pktpool_fini(struct fp_pktpool *pool);
void fp_pktcache_init(struct fp_pktcache *c, struct fp_pktpool *pool);
/* Give everything back to the pool (a thread that stops). */
void fp_pktcache_flush(struct fp_pktcache *c);

void fp_pktcache_refill(struct fp_pktcache *c);
void fp_pktcache_spill(struct fp_pktcache *c);

/* Up to n reset buffers; returns how many (fewer only when the whole pool is
 * in use). */
static inline unsigned fp_pkt_alloc(struct fp_pktcache *c, struct fp_pkt **out, unsigned n)
{
	if (n > c->pc_n)
		fp_pktcache_refill(c);
	if (n > c->pc_n) {
		c->pc_empty++;
		n = c->pc_n;
	}
	for (unsigned i = 0; i < n; i++) {
		out[i] = c->pc_free[--c->pc_n];
		fp_pkt_reset(out[i]);
		out[i]->in_pool = 0;
	}
	return n;
}

static inline void fp_pkt_free(struct fp_pktcache *c, struct fp_pkt *const *pkts, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (pkts[i]->in_pool) { /* freed twice: keep it once, count the bug */
			c->pc_double_free++;
			FP_PKTPOOL_TRAP();
			continue;
		}
		pkts[i]->in_pool = 1;
		if (c->pc_n == FP_PKTCACHE_MAX)
			fp_pktcache_spill(c);
		c->pc_free[c->pc_n++] = pkts[i];
	}
}

#endif
