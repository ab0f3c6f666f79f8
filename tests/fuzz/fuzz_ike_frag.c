/* libFuzzer target: RFC 7383 reassembly (src/ike/ike_frag.c). The input
 * is a list of fragments, each a record:
 *   flags (1: bit 0 response, bits 1-2 message ID, bit 3 a tick of 10 s
 *   first), fragment number (2), total (2), length (2), that many bytes
 *   of decrypted piece (cut short at the input's end).
 * Each record becomes an SKF message (header and fragment numbers, as the
 * codec parses them) whose piece goes to fp_ike_frag_take, as ike_io.c
 * hands it one whose ICV passed. Oracle: a reference model of RFC 7383's
 * rules (one slot; a total over 32 or a piece over 64 KiB refused; a
 * smaller total refused, a larger one or another message ID restarts; a
 * duplicate dropped; 64 KiB in all; 30 s) says when a message completes
 * and what its bytes are; the reassembler must agree on both, its chain
 * must parse or fail cleanly, and nothing may leak.
 * Seeds (corpus/fuzz_ike_frag): three pieces of a chain in order,
 * reversed with duplicates, a total of 33, a restart by a larger total,
 * pieces past 64 KiB, and a timeout between two pieces. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/inet.h"
#include "ike/ike_build.h"
#include "ike/ike_sa.h"

#define REC_HDR 7
#define TICK_NS 10000000000ull

static void quiet(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

/* An SKF message for the record into msg (parsed); false if it does not parse. */
static bool fuzz_msg(struct fp_ike_msg *m, uint8_t *buf, size_t cap, uint8_t flags, uint16_t num,
		     uint16_t total)
{
	struct fp_ike_hdr h = {.h_version = FP_IKE_VERSION, .h_exchange = FP_IKE_EX_IKE_AUTH,
			       .h_msgid = (flags >> 1) & 3u,
			       .h_flags = (uint8_t)((flags & 1) ? FP_IKE_FLAG_RESPONSE : 0)};
	struct fp_ike_wr w;
	memset(h.h_spi_i, 0x11, FP_IKE_SPI_LEN);
	memset(h.h_spi_r, 0x22, FP_IKE_SPI_LEN);
	fp_ike_wr_init(&w, buf, cap);
	fp_ike_put_hdr(&w, &h);
	fp_ike_put_skf(&w, num == 1 ? FP_IKE_PL_NOTIFY : 0, num, total, NULL, 16);
	long n = fp_ike_wr_finish(&w);
	return n > 0 && fp_ike_msg_parse(m, buf, (size_t)n) == FP_IKE_E_OK;
}

/* The reference: pieces point into the input. */
static struct {
	bool on, resp;
	uint32_t mid, have;
	uint16_t total;
	size_t bytes;
	uint64_t start;
	const uint8_t *p[FP_IKE_FRAG_MAX];
	size_t l[FP_IKE_FRAG_MAX];
} R;

/* What the model does with a fragment: true when it completes a message. */
static bool model_take(uint32_t mid, bool resp, uint16_t num, uint16_t total, const uint8_t *p,
		       size_t len, uint64_t now)
{
	if (total > FP_IKE_FRAG_MAX || len > FP_IKE_FRAG_BYTES)
		return false;
	if (R.on && R.mid == mid && R.resp == resp && total < R.total)
		return false;
	if (R.on && (R.mid != mid || R.resp != resp || total > R.total))
		R.on = false;
	if (!R.on)
		R = (__typeof__(R)){.on = true, .resp = resp, .mid = mid, .total = total, .start = now};
	if (R.have & (1u << (num - 1)))
		return false;
	if (R.bytes + len > FP_IKE_FRAG_BYTES) {
		R.on = false;
		return false;
	}
	R.p[num - 1] = p;
	R.l[num - 1] = len;
	R.bytes += len;
	R.have |= 1u << (num - 1);
	return R.have == (total == 32 ? UINT32_MAX : (1u << total) - 1);
}

static void fuzz_done(uint8_t *joined, size_t len, uint8_t first)
{
	static struct fp_ike_chain c;
	size_t off = 0;
	if (len != R.bytes)
		abort();
	for (unsigned i = 0; i < R.total; off += R.l[i], i++)
		if (R.l[i] && memcmp(joined + off, R.p[i], R.l[i]))
			abort();
	R.on = false;
	(void)fp_ike_chain_parse(&c, first, joined, len, true);
	free(joined);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fp_ike_msg m;
	static uint8_t buf[256];
	struct fp_ike_env env = {.log = quiet};
	struct fp_ike *ike = fp_ike_new(&env);
	struct fp_ike_sarec *s = ike ? fp_ike_sa_new(ike, false, 0) : NULL;
	uint64_t now = 0;
	size_t off = 0;
	R.on = false;
	while (s && off + REC_HDR <= size) {
		uint8_t flags = data[off];
		uint16_t num = fp_get16(data + off + 1), total = fp_get16(data + off + 3);
		size_t len = fp_get16(data + off + 5);
		off += REC_HDR;
		len = len < size - off ? len : size - off;
		if (flags & 8) {
			now += TICK_NS;
			fp_ike_frag_tick(ike, s, now);
			R.on = R.on && now - R.start < FP_IKE_FRAG_TIMEOUT_NS;
		}
		ike->now_ns = now;
		uint8_t *joined = NULL, first = 0;
		size_t jl = 0;
		if (fuzz_msg(&m, buf, sizeof(buf), flags, num, total)) {
			bool want = model_take((flags >> 1) & 3u, flags & 1, num, total, data + off,
					       len, now);
			bool got = fp_ike_frag_take(ike, s, &m, data + off, len, &joined, &jl, &first);
			if (got != want)
				abort();
			if (got)
				fuzz_done(joined, jl, first);
		}
		off += len;
	}
	fp_ike_free(ike);
	return 0;
}
