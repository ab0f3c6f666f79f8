#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fp_addr_parse(struct fp_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->a) == 1) {
		a->af = FP_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1) {
		a->af = FP_AF_INET6;
		return 0;
	}
	return -1;
}

void fp_prefix_normalize(struct fp_prefix *p)
{
	unsigned bytes = p->addr.af == FP_AF_INET ? 4 : 16;
	for (unsigned i = 0; i < bytes; i++) {
		unsigned lo = i * 8;
		if (p->len >= lo + 8)
			continue;
		unsigned keep = p->len > lo ? p->len - lo : 0;
		p->addr.a[i] &= (uint8_t)(0xff00u >> keep);
	}
}

int fp_prefix_parse(struct fp_prefix *p, const char *s)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (fp_addr_parse(&p->addr, buf) < 0)
		return -1;
	char *end;
	unsigned long len = strtoul(slash + 1, &end, 10);
	unsigned max = p->addr.af == FP_AF_INET ? 32 : 128;
	if (*end != '\0' || end == slash + 1 || len > max)
		return -1;
	p->len = (uint8_t)len;
	struct fp_prefix n = *p;
	fp_prefix_normalize(&n);
	return fp_addr_eq(&n.addr, &p->addr) ? 0 : -1;
}

int fp_mask_parse(uint8_t *len, const char *s)
{
	struct fp_addr m;
	if (fp_addr_parse(&m, s) < 0 || m.af != FP_AF_INET)
		return -1;
	uint32_t v = (uint32_t)m.a[0] << 24 | (uint32_t)m.a[1] << 16 |
		     (uint32_t)m.a[2] << 8 | m.a[3];
	uint32_t inv = ~v;
	if (inv & (inv + 1)) /* ones must be contiguous from the top */
		return -1;
	*len = (uint8_t)__builtin_popcount(v);
	return 0;
}

bool fp_addr_eq(const struct fp_addr *x, const struct fp_addr *y)
{
	return x->af == y->af && memcmp(x->a, y->a, 16) == 0;
}

bool fp_prefix_match(const struct fp_prefix *p, uint8_t af, const uint8_t *a)
{
	if (p->addr.af != af)
		return false;
	unsigned full = p->len / 8, rest = p->len % 8;
	if (memcmp(p->addr.a, a, full) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t m = (uint8_t)(0xff00u >> rest);
	return (a[full] & m) == p->addr.a[full];
}

const char *fp_addr_str(const struct fp_addr *a, char *buf, size_t n)
{
	int af = a->af == FP_AF_INET6 ? AF_INET6 : AF_INET;
	if (a->af == FP_AF_NONE || !inet_ntop(af, a->a, buf, (socklen_t)n))
		snprintf(buf, n, "-");
	return buf;
}

const char *fp_mask_str(uint8_t len, char *buf, size_t n)
{
	uint32_t v = len ? 0xffffffffu << (32 - len) : 0;
	snprintf(buf, n, "%u.%u.%u.%u", v >> 24, (v >> 16) & 0xff,
		 (v >> 8) & 0xff, v & 0xff);
	return buf;
}
