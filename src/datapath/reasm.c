#include "reasm.h"

#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/inet.h"

struct fp_reasm_range {
	uint16_t off, end;             /* payload bytes [off, end) */
};

#define REASM_RANGES 64

struct fp_reasm_slot {
	bool used;
	uint8_t af, proto;
	uint8_t src[16], dst[16];
	uint32_t id;
	uint64_t first_ns;
	uint8_t hdr[60];               /* the first fragment's IP header (IPv4 with options: 60) */
	uint16_t hdr_len;
	uint32_t total;                /* payload length, known from the last fragment; 0 = not yet */
	struct fp_reasm_range r[REASM_RANGES];
	unsigned n_r;
	uint8_t *buf;                  /* FP_REASM_MAX payload bytes */
};

/* What a fragment says about itself. */
struct frag {
	uint8_t af, proto;
	const uint8_t *src, *dst;
	uint32_t id;
	uint32_t off;                  /* payload offset */
	bool more;
	const uint8_t *payload;
	uint32_t len;
	uint16_t hdr_len;              /* header bytes kept for the whole datagram */
};

int fp_reasm_init(struct fp_reasm *r)
{
	memset(r, 0, sizeof(*r));
	r->slots = calloc(FP_REASM_SLOTS, sizeof(*r->slots));
	return r->slots ? 0 : -1;
}

void fp_reasm_fini(struct fp_reasm *r)
{
	for (unsigned i = 0; r->slots && i < FP_REASM_SLOTS; i++)
		free(r->slots[i].buf);
	free(r->slots);
	r->slots = NULL;
}

static bool frag_v4(const struct fp_pkt *p, struct frag *f)
{
	const uint8_t *h = p->data;
	if (p->len < FP_IPV4_HLEN)
		return false;
	uint32_t hl = (uint32_t)(h[0] & 0x0f) * 4;
	uint16_t fo = fp_get16(h + 6);
	if (hl < FP_IPV4_HLEN || fp_get16(h + 2) != p->len || p->len < hl)
		return false;
	f->af = FP_AF_INET;
	f->proto = h[9];
	f->src = h + 12, f->dst = h + 16;
	f->id = fp_get16(h + 4);
	f->off = (uint32_t)(fo & 0x1fff) * 8;
	f->more = fo & 0x2000;
	f->payload = h + hl;
	f->len = p->len - hl;
	f->hdr_len = (uint16_t)hl;
	return true;
}

/* Only a fragment header right after the fixed header is handled. */
static bool frag_v6(const struct fp_pkt *p, struct frag *f)
{
	const uint8_t *h = p->data;
	if (p->len < FP_IPV6_HLEN + 8 || (h[0] >> 4) != 6 || h[6] != FP_IPPROTO_FRAG ||
	    FP_IPV6_HLEN + fp_get16(h + 4) != p->len)
		return false;
	const uint8_t *fh = h + FP_IPV6_HLEN;
	uint16_t fo = fp_get16(fh + 2);
	f->af = FP_AF_INET6;
	f->proto = fh[0];
	f->src = h + 8, f->dst = h + 24;
	f->id = fp_get32(fh + 4);
	f->off = fo & 0xfff8;
	f->more = fo & 1;
	f->payload = fh + 8;
	f->len = p->len - FP_IPV6_HLEN - 8;
	f->hdr_len = FP_IPV6_HLEN;
	return true;
}

static bool slot_is(const struct fp_reasm_slot *s, const struct frag *f)
{
	unsigned a = f->af == FP_AF_INET ? 4 : 16;
	return s->used && s->af == f->af && s->proto == f->proto && s->id == f->id &&
	       !memcmp(s->src, f->src, a) && !memcmp(s->dst, f->dst, a);
}

/* The datagram's slot, a new one, or NULL when all are busy; stale
 * datagrams are dropped on the way. */
static struct fp_reasm_slot *slot_find(struct fp_reasm *r, const struct frag *f, uint64_t now)
{
	struct fp_reasm_slot *free_slot = NULL;
	for (unsigned i = 0; i < FP_REASM_SLOTS; i++) {
		struct fp_reasm_slot *s = &r->slots[i];
		if (s->used && now - s->first_ns > FP_REASM_TIMEOUT_NS) {
			s->used = false;
			r->timeouts++;
		}
		if (slot_is(s, f))
			return s;
		if (!s->used && !free_slot)
			free_slot = s;
	}
	if (!free_slot || (!free_slot->buf && !(free_slot->buf = malloc(FP_REASM_MAX))))
		return NULL;
	unsigned a = f->af == FP_AF_INET ? 4 : 16;
	free_slot->used = true;
	free_slot->af = f->af, free_slot->proto = f->proto, free_slot->id = f->id;
	memcpy(free_slot->src, f->src, a);
	memcpy(free_slot->dst, f->dst, a);
	free_slot->first_ns = now;
	free_slot->total = 0;
	free_slot->n_r = 0;
	free_slot->hdr_len = 0;
	return free_slot;
}

static bool slot_overlaps(const struct fp_reasm_slot *s, uint32_t off, uint32_t end)
{
	for (unsigned i = 0; i < s->n_r; i++)
		if (off < s->r[i].end && s->r[i].off < end)
			return true;
	return false;
}

/* Whole when the ranges, walked from 0, reach the total: a byte count
 * would also add up with a hole and a piece past the end. */
static bool slot_whole(const struct fp_reasm_slot *s)
{
	uint32_t at = 0;
	bool moved = true;
	if (!s->total || !s->hdr_len)
		return false;
	while (at < s->total && moved) {
		moved = false;
		for (unsigned i = 0; i < s->n_r; i++)
			if (s->r[i].off == at && s->r[i].end > at) {
				at = s->r[i].end;
				moved = true;
				break;
			}
	}
	return at == s->total;
}

/* The last fragment fixes the total: pieces kept before it must end there. */
static bool slot_past(const struct fp_reasm_slot *s, uint32_t total)
{
	for (unsigned i = 0; i < s->n_r; i++)
		if (s->r[i].end > total)
			return true;
	return false;
}

static enum fp_drop slot_add(struct fp_reasm_slot *s, const struct frag *f, const uint8_t *hdr)
{
	uint32_t end = f->off + f->len;
	if (!f->len || end > FP_REASM_MAX || (f->more && f->len % 8) || slot_overlaps(s, f->off, end) ||
	    s->n_r == REASM_RANGES || (s->total && end > s->total) ||
	    (!f->more && (s->total || slot_past(s, end))))
		return FP_DROP_FRAG_INVALID;
	memcpy(s->buf + f->off, f->payload, f->len);
	s->r[s->n_r++] = (struct fp_reasm_range){.off = (uint16_t)f->off, .end = (uint16_t)end};
	if (!f->more)
		s->total = end;
	if (f->off == 0) {
		memcpy(s->hdr, hdr, f->hdr_len);
		s->hdr_len = f->hdr_len;
	}
	return FP_DROP_NONE;
}

/* Header of the first fragment, fragmentation fields gone, payload after. */
static enum fp_drop slot_build(struct fp_reasm_slot *s, struct fp_pkt *p)
{
	uint32_t len = s->hdr_len + s->total;
	if (len > 65535 || FP_PKT_HEADROOM + len > FP_PKT_BUF_SIZE)
		return FP_DROP_FRAG_INVALID;
	fp_pkt_reset(p);
	uint8_t *h = fp_pkt_put(p, len);
	memcpy(h, s->hdr, s->hdr_len);
	memcpy(h + s->hdr_len, s->buf, s->total);
	if (s->af == FP_AF_INET) {
		fp_put16(h + 2, (uint16_t)len);
		fp_put16(h + 6, 0);
		fp_ipv4_csum_set(h);
	} else {
		h[6] = s->proto;
		fp_put16(h + 4, (uint16_t)(len - FP_IPV6_HLEN));
	}
	p->flags |= FP_PKT_F_REASM;
	return FP_DROP_NONE;
}

enum fp_drop fp_reasm_add(struct fp_reasm *r, struct fp_pkt *p, uint64_t now_ns)
{
	struct frag f;
	bool v4 = p->len && (p->data[0] >> 4) == 4;
	if (!(v4 ? frag_v4(p, &f) : frag_v6(p, &f))) {
		r->invalid++;
		return FP_DROP_FRAG_INVALID;
	}
	r->frags++;
	struct fp_reasm_slot *s = slot_find(r, &f, now_ns);
	if (!s) {
		r->full++;
		return FP_DROP_FRAG_NOSLOT;
	}
	enum fp_drop why = slot_add(s, &f, p->data);
	if (why == FP_DROP_NONE && !slot_whole(s))
		return FP_DROP_IP_FRAGMENT; /* kept: more to come */
	if (why == FP_DROP_NONE)
		why = slot_build(s, p);
	s->used = false;
	if (why == FP_DROP_NONE)
		r->done++;
	else
		r->invalid++;
	return why;
}
