/* "ip local pool NAME FIRST-LAST [mask MASK]": the IPv4 addresses a
 * remote-access tunnel-group leases to its clients (src/ra/ra_pool.c).
 * A name given again replaces the range, as on the ASA. */
#include "config/config_parse.h"

#include <string.h>

static int pool_addr(struct fp_cfg_parse *p, const char *w, uint32_t *out)
{
	struct fp_addr a;
	if (fp_addr_parse(&a, w) < 0 || a.af != FP_AF_INET)
		return fp_cfg_error(p, "expected an IPv4 address in the range, got %s",
				    FP_CFG_SHOWN(p, w));
	*out = (uint32_t)a.a[0] << 24 | (uint32_t)a.a[1] << 16 | (uint32_t)a.a[2] << 8 | a.a[3];
	return 0;
}

/* "FIRST-LAST" (or one address) into first and last. */
static int pool_range(struct fp_cfg_parse *p, const char *w, uint32_t *first, uint32_t *last)
{
	char buf[FP_ADDR_STRLEN * 2 + 2];
	size_t n = strlen(w);
	if (n >= sizeof(buf))
		return fp_cfg_error(p, "expected FIRST-LAST, got %s", FP_CFG_SHOWN(p, w));
	memcpy(buf, w, n + 1);
	char *dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (pool_addr(p, buf, first) < 0 || pool_addr(p, dash ? dash + 1 : buf, last) < 0)
		return -1;
	if (*first > *last)
		return fp_cfg_error(p, "the range's first address comes after its last");
	if (*last - *first >= FP_CFG_POOL_MAX_SIZE)
		return fp_cfg_error(p, "the range holds more than %u addresses",
				    FP_CFG_POOL_MAX_SIZE);
	return 0;
}

/* Words after the range: none, or "mask MASK". */
static int pool_mask(struct fp_cfg_parse *p, unsigned i, uint8_t *len)
{
	if (i == p->ntok)
		return 0;
	if (!fp_cfg_word_is(p->tok[i], "mask") || i + 2 != p->ntok)
		return fp_cfg_error(p, "expected 'mask MASK' after the range, got %s",
				    FP_CFG_SHOWN(p, p->tok[i]));
	return fp_cfg_mask(p, p->tok[i + 1], len);
}

int fp_cfg_pool(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	struct fp_cfg_pool n;
	unsigned i = p->arg;
	memset(&n, 0, sizeof(n)); /* padding too: a reload compares configurations bytewise */
	n.line = p->lineno;
	if (fp_cfg_name(p, p->tok[i], "the pool name", sizeof(n.name), n.name) < 0 ||
	    pool_range(p, p->tok[i + 1], &n.first, &n.last) < 0 || pool_mask(p, i + 2, &n.mask_len) < 0)
		return -1;
	struct fp_cfg_pool *old = (struct fp_cfg_pool *)fp_config_pool(c, n.name);
	if (!old && c->ra.n_pools == FP_CFG_MAX_POOLS)
		return fp_cfg_error(p, "too many pools (limit %u)", FP_CFG_MAX_POOLS);
	*(old ? old : &c->ra.pools[c->ra.n_pools++]) = n;
	return 0;
}

const struct fp_cfg_pool *fp_config_pool(const struct fp_config *c, const char *name)
{
	for (unsigned i = 0; i < c->ra.n_pools; i++)
		if (strcmp(c->ra.pools[i].name, name) == 0)
			return &c->ra.pools[i];
	return NULL;
}
