#include "pktpool.h"

#include <string.h>
#include <sys/mman.h>

int fp_pktpool_init(struct fp_pktpool *pool, uint32_t n)
{
	memset(pool, 0, sizeof(*pool));
	uint64_t qsize = 1;
	while (qsize < n)
		qsize <<= 1;
	size_t bytes = (size_t)n * sizeof(struct fp_pkt);
	/* one mapping: pages are touched only when a buffer is first used */
	void *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -1;
	pool->pp_mem = mem;
	pool->pp_total = n;
	if (fp_mpmc_init(&pool->pp_shared, qsize) < 0)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		pool->pp_mem[i].in_pool = 1;
		fp_mpmc_push(&pool->pp_shared, &pool->pp_mem[i]);
	}
	return 0;
}

void fp_pktpool_fini(struct fp_pktpool *pool)
{
	fp_mpmc_fini(&pool->pp_shared);
	if (pool->pp_mem)
		munmap(pool->pp_mem, (size_t)pool->pp_total * sizeof(struct fp_pkt));
	memset(pool, 0, sizeof(*pool));
}

void fp_pktcache_init(struct fp_pktcache *c, struct fp_pktpool *pool)
{
	c->pc_pool = pool;
	c->pc_n = 0;
	c->pc_empty = 0;
}

void fp_pktcache_refill(struct fp_pktcache *c)
{
	while (c->pc_n < FP_PKTCACHE_BATCH) {
		struct fp_pkt *p = fp_mpmc_pop(&c->pc_pool->pp_shared);
		if (!p)
			return;
		c->pc_free[c->pc_n++] = p;
	}
}

void fp_pktcache_spill(struct fp_pktcache *c)
{
	while (c->pc_n > FP_PKTCACHE_MAX - FP_PKTCACHE_BATCH)
		fp_mpmc_push(&c->pc_pool->pp_shared, c->pc_free[--c->pc_n]);
}

void fp_pktcache_flush(struct fp_pktcache *c)
{
	while (c->pc_n)
		fp_mpmc_push(&c->pc_pool->pp_shared, c->pc_free[--c->pc_n]);
}
