#include "inet.h"

uint32_t fp_csum_partial(const uint8_t *p, uint32_t len, uint32_t sum)
{
	uint64_t s = sum;
	while (len >= 4) {
		s += fp_get32(p);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		s += fp_get16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffff) + ((s >> 16) & 0xffff) + (s >> 32);
	return (uint32_t)s;
}

void fp_ipv4_csum_set(uint8_t *h)
{
	uint32_t hl = (uint32_t)(h[0] & 0x0f) * 4;
	h[10] = h[11] = 0;
	fp_put16(h + 10, fp_csum_fold(fp_csum_partial(h, hl, 0)));
}

uint16_t fp_ip6_l4_csum(const uint8_t *h, uint8_t proto, const uint8_t *l4, uint32_t len)
{
	uint8_t tail[8] = {0};
	fp_put32(tail, len);
	tail[7] = proto;
	uint32_t s = fp_csum_partial(h + 8, 32, 0); /* source + destination */
	s = fp_csum_partial(tail, 8, s);
	s = fp_csum_partial(l4, len, s);
	return fp_csum_fold(s);
}

uint16_t fp_udp6_csum(const uint8_t *h, const uint8_t *u, uint32_t ulen)
{
	uint16_t c = fp_ip6_l4_csum(h, FP_IPPROTO_UDP, u, ulen);
	return c ? c : 0xffff; /* RFC 8200: zero is sent as all ones */
}
