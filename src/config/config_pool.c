/* "ip local pool NAME FIRST-LAST [mask MASK]" and "ipv6 local pool NAME
 * ADDR/LEN COUNT": the addresses a remote-access tunnel-group leases to its
 * clients (src/ra/ra_pool.c). A name given again replaces the pool, as on
 * the ASA. */
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

/* "ADDR/LEN": an IPv6 address and a prefix length 1-128, host bits allowed
 * (ADDR is the pool's first address, not the network). */
static int pool6_prefix(struct fp_cfg_parse *p, const char *w, struct fp_cfg_pool6 *n)
{
	char buf[FP_ADDR_STRLEN];
	struct fp_addr a;
	uint64_t len;
	const char *slash = strchr(w, '/');
	if (!slash || (size_t)(slash - w) >= sizeof(buf))
		return fp_cfg_error(p, "expected ADDRESS/LENGTH such as 2001:db8::100/64, got %s",
				    FP_CFG_SHOWN(p, w));
	memcpy(buf, w, (size_t)(slash - w));
	buf[slash - w] = '\0';
	if (fp_addr_parse(&a, buf) < 0 || a.af != FP_AF_INET6)
		return fp_cfg_error(p, "expected an IPv6 address before the '/', got %s",
				    FP_CFG_SHOWN(p, w));
	/* decimal only: "/0x40" is no prefix length the ASA or our writer spells */
	if (strspn(slash + 1, "0123456789") != strlen(slash + 1))
		return fp_cfg_error(p, "the prefix length must be a number from 1 to 128, got %s",
				    FP_CFG_SHOWN(p, w));
	if (fp_cfg_uint(p, slash + 1, "the prefix length", 1, 128, &len) < 0)
		return -1;
	memcpy(n->first, a.a, sizeof(n->first));
	n->prefix_len = (uint8_t)len;
	return 0;
}

/* Whether the count addresses from first up stay inside first's /len:
 * last = first + count - 1 must not carry out of bit 127 (wrap past
 * ffff:...:ffff) nor change any of the top len bits. */
static bool pool6_fits(const uint8_t first[16], uint8_t len, uint32_t count)
{
	uint8_t last[16];
	uint32_t carry = count - 1;
	for (int i = 15; i >= 0; i--) {
		carry += first[i];
		last[i] = (uint8_t)carry;
		carry >>= 8;
	}
	if (carry)
		return false;
	unsigned whole = len / 8u, bits = len % 8u;
	if (memcmp(first, last, whole) != 0)
		return false;
	uint8_t top = (uint8_t)(0xff00u >> bits);
	return bits == 0 || ((first[whole] ^ last[whole]) & top) == 0;
}

int fp_cfg_pool6(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	struct fp_cfg_pool6 n;
	unsigned i = p->arg;
	uint64_t count;
	memset(&n, 0, sizeof(n)); /* padding too: a reload compares configurations bytewise */
	n.line = p->lineno;
	if (fp_cfg_name(p, p->tok[i], "the pool name", sizeof(n.name), n.name) < 0 ||
	    pool6_prefix(p, p->tok[i + 1], &n) < 0 ||
	    fp_cfg_uint(p, p->tok[i + 2], "the number of addresses", 1, FP_CFG_POOL_MAX_SIZE,
			&count) < 0)
		return -1;
	n.count = (uint32_t)count;
	if (!pool6_fits(n.first, n.prefix_len, n.count))
		return fp_cfg_error(p, "the %u addresses from %s do not all lie within its /%u "
				    "prefix", (unsigned)n.count, FP_CFG_SHOWN(p, p->tok[i + 1]),
				    n.prefix_len);
	struct fp_cfg_pool6 *old = (struct fp_cfg_pool6 *)fp_config_pool6(c, n.name);
	if (!old && c->ra.n_pools6 == FP_CFG_MAX_POOLS)
		return fp_cfg_error(p, "too many IPv6 pools (limit %u)", FP_CFG_MAX_POOLS);
	*(old ? old : &c->ra.pools6[c->ra.n_pools6++]) = n;
	return 0;
}

const struct fp_cfg_pool6 *fp_config_pool6(const struct fp_config *c, const char *name)
{
	for (unsigned i = 0; i < c->ra.n_pools6; i++)
		if (strcmp(c->ra.pools6[i].name, name) == 0)
			return &c->ra.pools6[i];
	return NULL;
}
