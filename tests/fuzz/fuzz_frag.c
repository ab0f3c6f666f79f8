/* libFuzzer target: what the slow path does with an inner packet too big
 * for the tunnel (frag.h). Inner packets come from any host inside, so
 * their headers and IPv4 options are hostile input. The first two bytes
 * are the MTU to cut to; the rest is the packet. Whatever the fragmenter
 * accepts must come back whole: every piece fits, carries a valid header
 * checksum, and the pieces' data, put together by offset, is the
 * original's. The PMTU message builders run on a copy. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/inet.h"
#include "datapath/frag.h"

static struct fp_pkt *pkt, *piece[FP_FRAG_MAX];

static void setup(void)
{
	if (pkt)
		return;
	pkt = aligned_alloc(64, sizeof(*pkt));
	for (unsigned i = 0; i < FP_FRAG_MAX; i++)
		piece[i] = aligned_alloc(64, sizeof(struct fp_pkt));
}

static void load(const uint8_t *d, size_t n)
{
	fp_pkt_reset(pkt);
	memcpy(fp_pkt_put(pkt, (uint32_t)n), d, n);
}

static void check_pieces(uint32_t mtu, unsigned n)
{
	static uint8_t whole[65536];
	const uint8_t *h = pkt->data;
	uint32_t ihl = (uint32_t)(h[0] & 0x0f) * 4, total = fp_get16(h + 2);
	uint32_t base = (uint32_t)(fp_get16(h + 6) & 0x1fff) * 8, end = 0;
	for (unsigned i = 0; i < n; i++)
		fp_pkt_reset(piece[i]);
	fp_ipv4_fragment(pkt, mtu, piece, n);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *q = piece[i]->data;
		uint32_t qhl = (uint32_t)(q[0] & 0x0f) * 4, len = fp_get16(q + 2);
		uint32_t off = (uint32_t)(fp_get16(q + 6) & 0x1fff) * 8 - base;
		if ((n > 1 && piece[i]->len > mtu) || len != piece[i]->len ||
		    fp_csum_fold(fp_csum_partial(q, qhl, 0)) != 0 || off + len - qhl > sizeof(whole))
			abort();
		memcpy(whole + off, q + qhl, len - qhl);
		end = off + len - qhl > end ? off + len - qhl : end;
	}
	if (end != total - ihl || memcmp(whole, h + ihl, end) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size - 2 > FP_PKT_BUF_SIZE - FP_PKT_HEADROOM)
		return 0;
	setup();
	uint32_t mtu = fp_get16(data);
	load(data + 2, size - 2);
	unsigned n = fp_ipv4_frag_count(pkt, mtu);
	if (n > FP_FRAG_MAX)
		abort();
	if (n)
		check_pieces(mtu, n);
	static const uint8_t src[16] = {10, 1, 0, 1};
	load(data + 2, size - 2);
	if (fp_icmp4_frag_needed(pkt, src, (uint16_t)mtu) && pkt->len > 576)
		abort();
	load(data + 2, size - 2);
	if (fp_icmp6_too_big(pkt, src, mtu) && pkt->len > 1280)
		abort();
	return 0;
}
