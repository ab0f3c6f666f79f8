/* An address pool at run time: the configured range and which of its
 * addresses are leased. Written only by the slow path; the range itself
 * never changes after start, so workers may ask fp_ra_pool_has. */
#ifndef FP_RA_POOL_H
#define FP_RA_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

struct fp_ra_pool {
	const struct fp_cfg_pool *cfg;
	uint32_t first, last;             /* host order */
	uint8_t mask_len;                 /* the configured mask, or the range's covering prefix */
	uint8_t *used;                    /* one bit per address */
	uint32_t n_used;
};

int fp_ra_pool_init(struct fp_ra_pool *p, const struct fp_cfg_pool *cfg);
void fp_ra_pool_fini(struct fp_ra_pool *p);
/* A free address (host order), 0 when the pool is exhausted. want, when
 * free and in range, is taken first (a reconnect keeps its address). */
uint32_t fp_ra_pool_lease(struct fp_ra_pool *p, uint32_t want);
void fp_ra_pool_release(struct fp_ra_pool *p, uint32_t addr);
static inline bool fp_ra_pool_has(const struct fp_ra_pool *p, uint32_t addr)
{
	return addr >= p->first && addr <= p->last;
}
/* The shortest prefix that covers first..last (the route into the TUN). */
uint8_t fp_ra_pool_cover(uint32_t first, uint32_t last);

/* An IPv6 pool ("ipv6 local pool"): count addresses from first up, all
 * in first's prefix (the configuration checked), leased by their offset. */
struct fp_ra_pool6 {
	const struct fp_cfg_pool6 *cfg;
	uint8_t first[16];
	uint32_t count;
	uint8_t prefix_len;
	uint8_t *used;                    /* one bit per address */
	uint32_t n_used;
};

int fp_ra_pool6_init(struct fp_ra_pool6 *p, const struct fp_cfg_pool6 *cfg);
void fp_ra_pool6_fini(struct fp_ra_pool6 *p);
/* A free address into out; want (NULL: none), when free and in the pool,
 * first. false when the pool is exhausted. */
bool fp_ra_pool6_lease(struct fp_ra_pool6 *p, const uint8_t *want, uint8_t out[16]);
void fp_ra_pool6_release(struct fp_ra_pool6 *p, const uint8_t addr[16]);
/* Whether addr is one of the pool's: any thread. */
bool fp_ra_pool6_has(const struct fp_ra_pool6 *p, const uint8_t addr[16]);

#endif
