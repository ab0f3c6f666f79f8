/* Address pools (ra_pool.h): a bitmap over the range. */
#include "ra/ra_pool.h"

#include <stdlib.h>

uint8_t fp_ra_pool_cover(uint32_t first, uint32_t last)
{
	uint8_t len = 0;
	while (len < 32 && ((first ^ last) & (0x80000000u >> len)) == 0)
		len++;
	return len;
}

int fp_ra_pool_init(struct fp_ra_pool *p, const struct fp_cfg_pool *cfg)
{
	p->cfg = cfg;
	p->first = cfg->first;
	p->last = cfg->last;
	p->mask_len = cfg->mask_len ? cfg->mask_len : fp_ra_pool_cover(cfg->first, cfg->last);
	p->n_used = 0;
	p->used = calloc((size_t)(cfg->last - cfg->first) / 8 + 1, 1);
	return p->used ? 0 : -1;
}

void fp_ra_pool_fini(struct fp_ra_pool *p)
{
	free(p->used);
	p->used = NULL;
}

static bool pool_taken(const struct fp_ra_pool *p, uint32_t i)
{
	return p->used[i / 8] & (1u << (i % 8));
}

static uint32_t pool_take(struct fp_ra_pool *p, uint32_t i)
{
	p->used[i / 8] |= (uint8_t)(1u << (i % 8));
	p->n_used++;
	return p->first + i;
}

uint32_t fp_ra_pool_lease(struct fp_ra_pool *p, uint32_t want)
{
	uint32_t size = p->last - p->first + 1;
	if (fp_ra_pool_has(p, want) && !pool_taken(p, want - p->first))
		return pool_take(p, want - p->first);
	for (uint32_t i = 0; i < size; i++)
		if (!pool_taken(p, i))
			return pool_take(p, i);
	return 0;
}

void fp_ra_pool_release(struct fp_ra_pool *p, uint32_t addr)
{
	uint32_t i = addr - p->first;
	if (!fp_ra_pool_has(p, addr) || !pool_taken(p, i))
		return;
	p->used[i / 8] &= (uint8_t)~(1u << (i % 8));
	p->n_used--;
}
