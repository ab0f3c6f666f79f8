#include "pktpool.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int fp_pktpool_init(struct fp_pktpool *pool, uint32_t n, struct fp_pktcache *caches,
		    unsigned n_caches)
{
	memset(pool, 0, sizeof(*pool));
	size_t bytes = (size_t)n * sizeof(struct fp_pkt);
	/* one mapping: pages are touched only when a buffer is first used */
	void *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || !n_caches)
		return -1;
	pool->pp_mem = mem;
	pool->pp_total = n;
	for (unsigned c = 0; c < n_caches; c++) {
		caches[c].pc_free = calloc(n, sizeof(struct fp_pkt *));
		caches[c].pc_cap = n;
		caches[c].pc_n = 0;
		caches[c].pc_empty = 0;
		if (!caches[c].pc_free)
			return -1;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct fp_pktcache *c = &caches[i % n_caches];
		c->pc_free[c->pc_n++] = &pool->pp_mem[i];
	}
	return 0;
}

void fp_pktpool_fini(struct fp_pktpool *pool, struct fp_pktcache *caches, unsigned n_caches)
{
	for (unsigned c = 0; c < n_caches; c++) {
		free(caches[c].pc_free);
		caches[c].pc_free = NULL;
	}
	if (pool->pp_mem)
		munmap(pool->pp_mem, (size_t)pool->pp_total * sizeof(struct fp_pkt));
	memset(pool, 0, sizeof(*pool));
}
