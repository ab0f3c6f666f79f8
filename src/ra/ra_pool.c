/* Address pools (ra_pool.h): a bitmap over the range. */
#include "ra/ra_pool.h"

#include <stdlib.h>
#include <string.h>

#include "common/inet.h"

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

/* An IPv6 pool holds at most FP_CFG_POOL_MAX_SIZE addresses, so an
 * address differs from the first in its last 32 bits only: the offset. */
static bool pool6_offset(const struct fp_ra_pool6 *p, const uint8_t addr[16], uint32_t *off)
{
	if (memcmp(addr, p->first, 12) != 0)
		return false;
	uint32_t a = fp_get32(addr + 12), f = fp_get32(p->first + 12);
	*off = a - f;
	return a >= f && *off < p->count;
}

int fp_ra_pool6_init(struct fp_ra_pool6 *p, const struct fp_cfg_pool6 *cfg)
{
	p->cfg = cfg;
	memcpy(p->first, cfg->first, 16);
	p->count = cfg->count;
	uint64_t room = (1ull << 32) - fp_get32(cfg->first + 12);
	if (p->count > room) /* the configuration refuses a carry past the last 32 bits */
		p->count = (uint32_t)room;
	p->prefix_len = cfg->prefix_len;
	p->n_used = 0;
	p->used = calloc((size_t)cfg->count / 8 + 1, 1);
	return p->used ? 0 : -1;
}

void fp_ra_pool6_fini(struct fp_ra_pool6 *p)
{
	free(p->used);
	p->used = NULL;
}

bool fp_ra_pool6_has(const struct fp_ra_pool6 *p, const uint8_t addr[16])
{
	uint32_t off;
	return pool6_offset(p, addr, &off);
}

static bool pool6_taken(const struct fp_ra_pool6 *p, uint32_t i)
{
	return p->used[i / 8] & (1u << (i % 8));
}

static void pool6_take(struct fp_ra_pool6 *p, uint32_t i, uint8_t out[16])
{
	p->used[i / 8] |= (uint8_t)(1u << (i % 8));
	p->n_used++;
	memcpy(out, p->first, 12);
	fp_put32(out + 12, fp_get32(p->first + 12) + i);
}

bool fp_ra_pool6_lease(struct fp_ra_pool6 *p, const uint8_t *want, uint8_t out[16])
{
	uint32_t off;
	if (want && pool6_offset(p, want, &off) && !pool6_taken(p, off))
		return pool6_take(p, off, out), true;
	for (uint32_t i = 0; i < p->count; i++)
		if (!pool6_taken(p, i))
			return pool6_take(p, i, out), true;
	return false;
}

void fp_ra_pool6_release(struct fp_ra_pool6 *p, const uint8_t addr[16])
{
	uint32_t off;
	if (!pool6_offset(p, addr, &off) || !pool6_taken(p, off))
		return;
	p->used[off / 8] &= (uint8_t)~(1u << (off % 8));
	p->n_used--;
}
