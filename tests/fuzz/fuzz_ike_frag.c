/* libFuzzer target: RFC 7383 reassembly (src/ike/ike_frag.c). The input
 * is a list of fragments, each a record:
 *   flags (1: bit 0 response, bits 1-2 message ID, bit 3 a tick of 10 s
 *   first), fragment number (2), total (2), length (2), that many bytes
 *   of decrypted piece (cut short at the input's end).
 * Each record becomes an SKF message (header and fragment numbers, as the
 * codec parses them) whose piece goes to fp_ike_frag_take, as ike_io.c
 * hands it one whose ICV passed. Oracle: a completed message is at most
 * FP_IKE_FRAG_BYTES, made of at most FP_IKE_FRAG_MAX pieces, and its
 * chain parses or fails cleanly; nothing leaks (the SA frees its slot).
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

static void fuzz_done(uint8_t *joined, size_t len, uint8_t first)
{
	static struct fp_ike_chain c;
	if (len > FP_IKE_FRAG_BYTES)
		abort();
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
	while (s && off + REC_HDR <= size) {
		uint8_t flags = data[off];
		uint16_t num = fp_get16(data + off + 1), total = fp_get16(data + off + 3);
		size_t len = fp_get16(data + off + 5);
		off += REC_HDR;
		len = len < size - off ? len : size - off;
		if (flags & 8) {
			now += TICK_NS;
			fp_ike_frag_tick(ike, s, now);
		}
		ike->now_ns = now;
		uint8_t *joined = NULL, first = 0;
		size_t jl = 0;
		if (fuzz_msg(&m, buf, sizeof(buf), flags, num, total) &&
		    fp_ike_frag_take(ike, s, &m, data + off, len, &joined, &jl, &first))
			fuzz_done(joined, jl, first);
		off += len;
	}
	fp_ike_free(ike);
	return 0;
}
