/* libFuzzer target: reassembly of fragmented outer packets (reasm.h), the
 * slow path's parser of whatever fragments arrive from the outside. The
 * input is a sequence of records: a 16-bit length, then that many bytes,
 * one fragment each (IPv4, or IPv6 with a fragment header), fed with a
 * clock that the low bits of the length also advance, so timeouts run
 * too. A datagram that comes out whole must be a consistent IP packet:
 * its length fields agree with what it holds, no fragment fields left. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/inet.h"
#include "datapath/reasm.h"

static struct fp_reasm reasm;
static struct fp_pkt *pkt;

static void setup(void)
{
	if (pkt)
		return;
	pkt = aligned_alloc(64, sizeof(*pkt));
	if (!pkt || fp_reasm_init(&reasm) < 0)
		abort();
}

static void check_whole(const struct fp_pkt *p)
{
	const uint8_t *h = p->data;
	if (!(p->flags & FP_PKT_F_REASM) || p->len < FP_IPV4_HLEN)
		abort();
	if ((h[0] >> 4) == 4 && (fp_get16(h + 2) != p->len || (fp_get16(h + 6) & 0x3fff) ||
				 fp_csum_fold(fp_csum_partial(h, (uint32_t)(h[0] & 0x0f) * 4, 0))))
		abort();
	if ((h[0] >> 4) == 6 && (p->len < FP_IPV6_HLEN || FP_IPV6_HLEN + fp_get16(h + 4) != p->len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t now = 1;
	setup();
	while (size >= 2) {
		size_t n = fp_get16(data);
		data += 2, size -= 2;
		if (n > size || n > FP_PKT_BUF_SIZE - FP_PKT_HEADROOM)
			break;
		fp_pkt_reset(pkt);
		memcpy(fp_pkt_put(pkt, (uint32_t)n), data, n);
		data += n, size -= n;
		now += (n & 3) == 3 ? FP_REASM_TIMEOUT_NS : 1000;
		if (fp_reasm_add(&reasm, pkt, now) == FP_DROP_NONE)
			check_whole(pkt);
	}
	return 0;
}
