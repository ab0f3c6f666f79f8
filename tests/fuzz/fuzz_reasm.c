/* libFuzzer target: reassembly of fragmented outer packets (reasm.h), the
 * slow path's parser of whatever fragments arrive from the outside. The
 * input is a sequence of records: a 16-bit length, then that many bytes,
 * one fragment each (IPv4, or IPv6 with a fragment header), fed with a
 * clock that the low bits of the length also advance, so timeouts run
 * too. A datagram that comes out whole must be a consistent IP packet:
 * its length fields agree with what it holds, no fragment fields left;
 * and it must match a reference reassembly kept here beside it, which
 * records, byte by byte, what the fragments reasm kept have written: every
 * payload byte of the result was written by this datagram's fragments,
 * with that value, and no byte was written twice. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/inet.h"
#include "datapath/reasm.h"

static struct fp_reasm reasm;
static struct fp_pkt *pkt;

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

/* The reference: one entry per datagram reasm holds, a bit and a byte for
 * each payload offset. */
struct ref {
	bool used;
	uint8_t af, proto, src[16], dst[16];
	uint32_t id;
	uint64_t first_ns;
	uint8_t have[FP_REASM_MAX / 8 + 1];
	uint8_t bytes[FP_REASM_MAX];
};
static struct ref refs[FP_REASM_SLOTS];

/* A fragment as the reference reads it: the rules reasm.h documents. */
struct ref_frag {
	uint8_t af, proto;
	const uint8_t *src, *dst;
	uint32_t id, off, len;
	const uint8_t *payload;
};

static bool ref_parse(const uint8_t *h, uint32_t len, struct ref_frag *f)
{
	if (len >= FP_IPV4_HLEN && (h[0] >> 4) == 4) {
		uint32_t hl = (uint32_t)(h[0] & 0x0f) * 4;
		if (hl < FP_IPV4_HLEN || fp_get16(h + 2) != len || len < hl)
			return false;
		*f = (struct ref_frag){FP_AF_INET, h[9], h + 12, h + 16, fp_get16(h + 4),
				       (uint32_t)(fp_get16(h + 6) & 0x1fff) * 8, len - hl, h + hl};
		return true;
	}
	if (len < FP_IPV6_HLEN + 8 || (h[0] >> 4) != 6 || h[6] != FP_IPPROTO_FRAG ||
	    FP_IPV6_HLEN + fp_get16(h + 4) != len)
		return false;
	const uint8_t *fh = h + FP_IPV6_HLEN;
	*f = (struct ref_frag){FP_AF_INET6, fh[0], h + 8, h + 24, fp_get32(fh + 4),
			       fp_get16(fh + 2) & 0xfff8u, len - FP_IPV6_HLEN - 8, fh + 8};
	return true;
}

static struct ref *ref_find(const struct ref_frag *f, bool make, uint64_t now)
{
	unsigned a = f->af == FP_AF_INET ? 4 : 16;
	struct ref *free_ref = NULL;
	for (unsigned i = 0; i < FP_REASM_SLOTS; i++) {
		struct ref *r = &refs[i];
		if (r->used && r->af == f->af && r->proto == f->proto && r->id == f->id &&
		    !memcmp(r->src, f->src, a) && !memcmp(r->dst, f->dst, a))
			return r;
		if (!r->used && !free_ref)
			free_ref = r;
	}
	if (!make || !free_ref)
		return NULL;
	memset(free_ref, 0, sizeof(*free_ref));
	free_ref->used = true;
	free_ref->af = f->af, free_ref->proto = f->proto, free_ref->id = f->id;
	memcpy(free_ref->src, f->src, a);
	memcpy(free_ref->dst, f->dst, a);
	free_ref->first_ns = now;
	return free_ref;
}

/* reasm forgets datagrams older than its timeout whenever a fragment comes. */
static void ref_age(uint64_t now)
{
	for (unsigned i = 0; i < FP_REASM_SLOTS; i++)
		if (refs[i].used && now - refs[i].first_ns > FP_REASM_TIMEOUT_NS)
			refs[i].used = false;
}

static void ref_write(struct ref *r, const struct ref_frag *f)
{
	for (uint32_t i = 0; i < f->len && f->off + i < FP_REASM_MAX; i++) {
		uint32_t o = f->off + i;
		if (r->have[o / 8] & (1u << (o % 8)))
			abort(); /* reasm kept an overlap */
		r->have[o / 8] |= (uint8_t)(1u << (o % 8));
		r->bytes[o] = f->payload[i];
	}
}

/* The whole datagram's payload, byte by byte, against what was written. */
static void ref_check(const struct ref *r, const struct fp_pkt *p)
{
	uint32_t hl = (p->data[0] >> 4) == 4 ? (uint32_t)(p->data[0] & 0x0f) * 4 : FP_IPV6_HLEN;
	for (uint32_t o = 0; hl + o < p->len; o++)
		if (!(r->have[o / 8] & (1u << (o % 8))) || r->bytes[o] != p->data[hl + o])
			abort(); /* a hole, or a byte no fragment of this datagram wrote */
}

/* Run one fragment through reasm and the reference side by side. */
static void one(uint64_t now)
{
	static uint8_t in[FP_PKT_BUF_SIZE]; /* reasm writes the whole datagram over pkt */
	struct ref_frag f;
	memcpy(in, pkt->data, pkt->len);
	bool parsed = ref_parse(in, pkt->len, &f);
	if (parsed)
		ref_age(now);
	enum fp_drop why = fp_reasm_add(&reasm, pkt, now);
	if (!parsed) {
		if (why == FP_DROP_NONE || why == FP_DROP_IP_FRAGMENT)
			abort(); /* kept what the rules refuse */
		return;
	}
	struct ref *r = ref_find(&f, why == FP_DROP_IP_FRAGMENT || why == FP_DROP_NONE, now);
	if (why == FP_DROP_FRAG_INVALID && r)
		r->used = false;
	if (why != FP_DROP_IP_FRAGMENT && why != FP_DROP_NONE)
		return;
	if (!r)
		abort(); /* more datagrams held than reasm has slots */
	if (why == FP_DROP_IP_FRAGMENT) {
		ref_write(r, &f);
		return;
	}
	check_whole(pkt);
	ref_write(r, &f); /* the completing piece: its bytes are in the result */
	ref_check(r, pkt);
	r->used = false;
}

static void setup(void)
{
	if (pkt)
		return;
	pkt = aligned_alloc(64, sizeof(*pkt));
	if (!pkt || fp_reasm_init(&reasm) < 0)
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
		one(now);
	}
	return 0;
}
