/* Bounded multi-producer multi-consumer queue of pointers (D. Vyukov's
 * design: a sequence number per cell, one CAS per operation). It is the
 * packet pool's shared store, touched only when a thread's own cache runs
 * empty or full, in batches (DPDK's mempool: per-lcore cache over a ring). */
#ifndef FP_MPMC_H
#define FP_MPMC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

struct fp_mpmc_cell {
	_Atomic uint64_t seq;
	void *obj;
};

struct fp_mpmc {
	struct fp_mpmc_cell *cells;
	uint64_t mask;
	_Alignas(64) _Atomic uint64_t head; /* next to enqueue */
	_Alignas(64) _Atomic uint64_t tail; /* next to dequeue */
};

/* size: a power of two. */
static inline int fp_mpmc_init(struct fp_mpmc *q, uint64_t size)
{
	if (!size || (size & (size - 1)))
		return -1;
	q->cells = calloc(size, sizeof(*q->cells));
	if (!q->cells)
		return -1;
	for (uint64_t i = 0; i < size; i++)
		atomic_init(&q->cells[i].seq, i);
	q->mask = size - 1;
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
	return 0;
}

static inline void fp_mpmc_fini(struct fp_mpmc *q)
{
	free(q->cells);
	q->cells = NULL;
}

static inline bool fp_mpmc_push(struct fp_mpmc *q, void *obj)
{
	uint64_t pos = atomic_load_explicit(&q->head, memory_order_relaxed);
	for (;;) {
		struct fp_mpmc_cell *c = &q->cells[pos & q->mask];
		uint64_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
		int64_t d = (int64_t)(seq - pos);
		if (d == 0 && atomic_compare_exchange_weak_explicit(&q->head, &pos, pos + 1,
								    memory_order_relaxed,
								    memory_order_relaxed)) {
			c->obj = obj;
			atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
			return true;
		}
		if (d < 0)
			return false; /* full */
		if (d > 0)
			pos = atomic_load_explicit(&q->head, memory_order_relaxed);
	}
}

static inline void *fp_mpmc_pop(struct fp_mpmc *q)
{
	uint64_t pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
	for (;;) {
		struct fp_mpmc_cell *c = &q->cells[pos & q->mask];
		uint64_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
		int64_t d = (int64_t)(seq - (pos + 1));
		if (d == 0 && atomic_compare_exchange_weak_explicit(&q->tail, &pos, pos + 1,
								    memory_order_relaxed,
								    memory_order_relaxed)) {
			void *obj = c->obj;
			atomic_store_explicit(&c->seq, pos + q->mask + 1, memory_order_release);
			return obj;
		}
		if (d < 0)
			return NULL; /* empty */
		if (d > 0)
			pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
	}
}

#endif
