/* Single-producer single-consumer ring of pointers: how the datapath hands
 * packets and rule changes to a pipe, and a pipe hands punts back, without
 * a lock. One writer thread, one reader thread, power-of-two size; C11
 * acquire/release on the two indexes is the whole protocol. */
#ifndef FP_RING_H
#define FP_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

struct fp_ring {
	_Alignas(64) _Atomic uint32_t r_head; /* written by the producer */
	_Alignas(64) _Atomic uint32_t r_tail; /* written by the consumer */
	_Alignas(64) uint32_t r_mask;
	void **r_slot;
};

/* size: a power of two. Returns -1 on allocation failure. */
static inline int fp_ring_init(struct fp_ring *r, uint32_t size)
{
	if (!size || (size & (size - 1)))
		return -1;
	r->r_slot = calloc(size, sizeof(void *));
	r->r_mask = size - 1;
	atomic_store(&r->r_head, 0);
	atomic_store(&r->r_tail, 0);
	return r->r_slot ? 0 : -1;
}

static inline void fp_ring_fini(struct fp_ring *r)
{
	free(r->r_slot);
	r->r_slot = NULL;
}

/* Producer: enqueue up to n; returns how many fit (the rest are the
 * caller's to drop and count as tail drops). */
static inline unsigned fp_ring_enqueue(struct fp_ring *r, void *const *objs, unsigned n)
{
	uint32_t head = atomic_load_explicit(&r->r_head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&r->r_tail, memory_order_acquire);
	uint32_t room = r->r_mask + 1 - (head - tail);
	if (n > room)
		n = room;
	for (unsigned i = 0; i < n; i++)
		r->r_slot[(head + i) & r->r_mask] = objs[i];
	atomic_store_explicit(&r->r_head, head + n, memory_order_release);
	return n;
}

/* Consumer: dequeue up to n; returns how many. */
static inline unsigned fp_ring_dequeue(struct fp_ring *r, void **objs, unsigned n)
{
	uint32_t tail = atomic_load_explicit(&r->r_tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->r_head, memory_order_acquire);
	uint32_t avail = head - tail;
	if (n > avail)
		n = avail;
	for (unsigned i = 0; i < n; i++)
		objs[i] = r->r_slot[(tail + i) & r->r_mask];
	atomic_store_explicit(&r->r_tail, tail + n, memory_order_release);
	return n;
}

static inline uint32_t fp_ring_count(struct fp_ring *r)
{
	return atomic_load_explicit(&r->r_head, memory_order_acquire) -
	       atomic_load_explicit(&r->r_tail, memory_order_acquire);
}

#endif
