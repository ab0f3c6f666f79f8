/* IPv4 fragmentation and the PMTU messages (frag.h). */
#include "datapath/frag.h"

#include <string.h>

#include "common/inet.h"

#define ICMP4_QUOTE_MAX (576u - FP_IPV4_HLEN - 8u) /* RFC 1812 §4.3.2.3 */
#define ICMP6_QUOTE_MAX (1280u - FP_IPV6_HLEN - 8u) /* RFC 4443 §2.4 (c) */

/* The header pieces after the first carry: the fixed part and the options
 * with the copied flag (RFC 791 §3.1), padded to 4 bytes. Returns its
 * length, or 0 on malformed options. */
static uint32_t later_header(const uint8_t *h, uint32_t ihl, uint8_t out[60])
{
	uint32_t n = FP_IPV4_HLEN;
	memcpy(out, h, FP_IPV4_HLEN);
	for (uint32_t i = FP_IPV4_HLEN; i < ihl;) {
		uint8_t type = h[i];
		if (type == 0) /* end of options */
			break;
		if (type == 1) { /* no-operation */
			i++;
			continue;
		}
		uint32_t len = i + 1 < ihl ? h[i + 1] : 0;
		if (len < 2 || i + len > ihl)
			return 0;
		if (type & 0x80) {
			memcpy(out + n, h + i, len);
			n += len;
		}
		i += len;
	}
	while (n & 3)
		out[n++] = 0;
	return n;
}

static bool frag_shape(const struct fp_pkt *p, uint32_t *ihl, uint32_t *total)
{
	const uint8_t *h = p->data;
	if (p->len < FP_IPV4_HLEN || (h[0] >> 4) != 4 || (fp_get16(h + 6) & 0x4000))
		return false;
	uint32_t end = (uint32_t)(fp_get16(h + 6) & 0x1fff) * 8;
	*ihl = (uint32_t)(h[0] & 0x0f) * 4;
	*total = fp_get16(h + 2);
	end += *total - *ihl; /* a piece's offset must still fit the field */
	return *ihl >= FP_IPV4_HLEN && *total > *ihl && *total <= p->len && end <= 65535;
}

unsigned fp_ipv4_frag_count(const struct fp_pkt *p, uint32_t mtu)
{
	uint32_t ihl, total;
	uint8_t later[60];
	if (!frag_shape(p, &ihl, &total))
		return 0;
	if (total <= mtu)
		return 1;
	uint32_t ihl2 = later_header(p->data, ihl, later);
	if (!ihl2 || mtu < ihl + 8 || mtu < ihl2 + 8)
		return 0;
	uint32_t left = total - ihl - ((mtu - ihl) & ~7u);
	uint32_t step = (mtu - ihl2) & ~7u;
	unsigned n = 1 + (left + step - 1) / step;
	return n <= FP_FRAG_MAX ? n : 0;
}

static void piece_write(struct fp_pkt *o, const uint8_t *hdr, uint32_t hl, const uint8_t *data,
			uint32_t len, uint32_t off, bool more)
{
	uint8_t *h = fp_pkt_put(o, hl + len);
	memcpy(h, hdr, hl);
	memcpy(h + hl, data, len);
	h[0] = (uint8_t)(0x40 | hl / 4);
	fp_put16(h + 2, (uint16_t)(hl + len));
	fp_put16(h + 6, (uint16_t)((more ? 0x2000 : 0) | off / 8));
	fp_ipv4_csum_set(h);
}

void fp_ipv4_fragment(const struct fp_pkt *p, uint32_t mtu, struct fp_pkt **out, unsigned n)
{
	uint32_t ihl, total;
	uint8_t later[60];
	if (!frag_shape(p, &ihl, &total) || !n)
		return;
	const uint8_t *h = p->data;
	uint16_t frag = fp_get16(h + 6);
	uint32_t base = (uint32_t)(frag & 0x1fff) * 8, pos = 0, data_len = total - ihl;
	bool more = frag & 0x2000; /* a fragment cut again stays one */
	uint32_t ihl2 = n > 1 ? later_header(h, ihl, later) : ihl;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *hdr = i ? later : h;
		uint32_t hl = i ? ihl2 : ihl;
		uint32_t len = i + 1 < n ? (mtu - hl) & ~7u : data_len - pos;
		piece_write(out[i], hdr, hl, h + ihl + pos, len, base + pos, i + 1 < n || more);
		out[i]->ifc = p->ifc;
		out[i]->ts_ns = p->ts_ns;
		pos += len;
	}
}

static bool icmp4_is_error(const uint8_t *h, uint32_t ihl, uint32_t len)
{
	if (h[9] != FP_IPPROTO_ICMP || len < ihl + 1)
		return false;
	uint8_t type = h[ihl];
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* Room in front for the new headers: the quote moves back if the headroom
 * is short (never in practice: buffers keep FP_PKT_HEADROOM). */
static uint8_t *make_room(struct fp_pkt *p, uint32_t need)
{
	if (fp_pkt_headroom(p) < need) {
		memmove(p->buf + need, p->data, p->len);
		p->data = p->buf + need;
	}
	return fp_pkt_push(p, need);
}

bool fp_icmp4_frag_needed(struct fp_pkt *p, const uint8_t src[4], uint16_t mtu)
{
	const uint8_t *h = p->data;
	if (p->len < FP_IPV4_HLEN || (h[0] >> 4) != 4)
		return false;
	uint32_t ihl = (uint32_t)(h[0] & 0x0f) * 4;
	if (ihl < FP_IPV4_HLEN || p->len < ihl || (fp_get16(h + 6) & 0x1fff) ||
	    icmp4_is_error(h, ihl, p->len) || h[12] >= 224 || h[12] == 0)
		return false;
	uint8_t to[4];
	memcpy(to, h + 12, 4);
	p->len = p->len < ICMP4_QUOTE_MAX ? p->len : ICMP4_QUOTE_MAX;
	uint8_t *n = make_room(p, FP_IPV4_HLEN + 8);
	memset(n, 0, FP_IPV4_HLEN + 8);
	n[0] = 0x45;
	n[1] = 0xc0; /* internetwork control, as routers send their errors */
	fp_put16(n + 2, (uint16_t)p->len);
	n[8] = 64;
	n[9] = FP_IPPROTO_ICMP;
	memcpy(n + 12, src, 4);
	memcpy(n + 16, to, 4);
	fp_ipv4_csum_set(n);
	uint8_t *icmp = n + FP_IPV4_HLEN;
	icmp[0] = 3; /* destination unreachable */
	icmp[1] = 4; /* fragmentation needed and DF set */
	fp_put16(icmp + 6, mtu);
	fp_put16(icmp + 2, fp_csum_fold(fp_csum_partial(icmp, p->len - FP_IPV4_HLEN, 0)));
	return true;
}

bool fp_icmp6_too_big(struct fp_pkt *p, const uint8_t src[16], uint32_t mtu)
{
	const uint8_t *h = p->data;
	if (p->len < FP_IPV6_HLEN || (h[0] >> 4) != 6 || h[8] == 0xff)
		return false;
	static const uint8_t unspecified[16];
	if (memcmp(h + 8, unspecified, 16) == 0 ||
	    (h[6] == FP_IPPROTO_ICMPV6 && p->len > FP_IPV6_HLEN && h[FP_IPV6_HLEN] < 128))
		return false;
	uint8_t to[16];
	memcpy(to, h + 8, 16);
	p->len = p->len < ICMP6_QUOTE_MAX ? p->len : ICMP6_QUOTE_MAX;
	uint8_t *n = make_room(p, FP_IPV6_HLEN + 8);
	memset(n, 0, FP_IPV6_HLEN + 8);
	n[0] = 0x60;
	fp_put16(n + 4, (uint16_t)(p->len - FP_IPV6_HLEN));
	n[6] = FP_IPPROTO_ICMPV6;
	n[7] = 64;
	memcpy(n + 8, src, 16);
	memcpy(n + 24, to, 16);
	uint8_t *icmp = n + FP_IPV6_HLEN;
	icmp[0] = 2; /* packet too big */
	fp_put32(icmp + 4, mtu < 1280 ? 1280 : mtu);
	fp_put16(icmp + 2, fp_ip6_l4_csum(n, FP_IPPROTO_ICMPV6, icmp, p->len - FP_IPV6_HLEN));
	return true;
}
