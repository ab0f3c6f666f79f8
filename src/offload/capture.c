/* Packet captures: matching, per-thread rings, the published set and its
 * reclamation, snapshots for show and copy. The contract (who calls what
 * from which thread) is in capture.h; docs/captures.md has the commands.
 *
 * A ring is an array of 64-bit words, each written with a relaxed atomic
 * store, indexed by two counters of words that only grow: head (next word
 * to write) and tail (oldest record kept). A record is
 *     word 0: timestamp (ns)
 *     word 1: caplen (bits 0-15) | ifc (bits 16-31) | packet length (32-63)
 *     then ceil(caplen / 8) words of packet bytes (the last zero-padded).
 * Without circular-buffer the tail stays 0. With it, the writer moves the
 * tail past the records it is about to overwrite, then a release fence,
 * then writes: a reader that copied an overwritten word sees the new tail
 * after its acquire fence and drops everything before it. */
#include "offload/capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/inet.h"

#define CAP_HDR_WORDS (FP_CAPTURE_REC_HDR / 8u)

_Static_assert(FP_CAPTURE_REC_HDR == 16u, "a record header is two words");
_Static_assert(FP_CAPTURE_SNAP_MAX < 65536u, "caplen fits 16 bits");
_Static_assert(FP_CAPTURE_MAX <= 32u, "points of a generation");

struct cap_ring {
	_Alignas(64) _Atomic uint64_t head;  /* written by the owner thread (release) */
	_Atomic uint64_t tail;               /* written by the owner thread */
	_Atomic uint64_t *w;
	uint64_t cap;                        /* words */
};

struct capture {
	struct fp_cap_spec spec;
	_Alignas(64) _Atomic uint64_t used;  /* not circular: ring bytes reserved by all threads */
	_Atomic bool full;
	unsigned n_threads;
	struct cap_ring *rings;              /* [n_threads] */
	void *map;                           /* every ring's words, one mapping */
	size_t map_len;
};

/* One published set: immutable once stored in cs->gen. */
struct capgen {
	unsigned n;
	struct capture *caps[FP_CAPTURE_MAX];               /* creation order */
	unsigned n_at[FP_CAP__COUNT];
	struct capture *at[FP_CAP__COUNT][FP_CAPTURE_MAX];  /* by point */
};

struct cap_thread {
	_Alignas(64) _Atomic uint64_t enter; /* odd while the thread is inside a hook */
};

/* What a change replaced, and each thread's counter right after it. */
struct cap_retired {
	struct cap_retired *next;
	struct capgen *gen;
	struct capture *cap;
	uint64_t seen[];
};

struct fp_capset {
	struct fp_capset_hot hot;            /* first: fp_capture_point reads it */
	_Atomic(struct capgen *) gen;
	unsigned n_threads;
	struct cap_thread *threads;          /* [n_threads] */
	struct cap_retired *retired;
	_Atomic uint64_t bad_thread;
};

static const char *const cap_point_names[FP_CAP__COUNT] = {
	[FP_CAP_SWITCH] = "switch",
	[FP_CAP_OFFLOAD] = "ipsec-offload",
	[FP_CAP_DTLS_OFFLOAD] = "dtls-offload",
	[FP_CAP_DATAPATH] = "datapath",
};

const char *fp_cap_point_name(unsigned pt)
{
	return pt < FP_CAP__COUNT ? cap_point_names[pt] : "?";
}

void fp_cap_spec_init(struct fp_cap_spec *s, const char *name, enum fp_cap_point pt)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name ? name : "");
	s->point = pt;
	s->buffer = FP_CAPTURE_BUFFER_DEFAULT;
	s->snaplen = FP_CAPTURE_SNAP_DEFAULT;
}

/* ---- matching ------------------------------------------------------- */

/* The fields a match looks at, parsed once per packet. */
struct cap_view {
	uint8_t af, proto;
	bool has_spi;
	uint32_t spi;
	uint16_t sport, dport;  /* UDP and TCP; 0 without a transport header */
	const uint8_t *src, *dst;
};

/* The transport offset of an IPv4 packet, 0 for a later fragment or a bad
 * header (no transport header to read). */
static uint32_t view_ipv4(const uint8_t *h, uint32_t len, struct cap_view *v)
{
	uint32_t hl = (uint32_t)(h[0] & 0x0f) * 4;
	if (len < FP_IPV4_HLEN || hl < FP_IPV4_HLEN || hl > len)
		return 0;
	v->af = FP_AF_INET;
	v->proto = h[9];
	v->src = h + 12;
	v->dst = h + 16;
	return (fp_get16(h + 6) & 0x1fff) ? 0 : hl;
}

/* IPv6: skips hop-by-hop, routing and destination options (RFC 8200 §4.1). */
static uint32_t view_ipv6(const uint8_t *h, uint32_t len, struct cap_view *v)
{
	if (len < FP_IPV6_HLEN)
		return 0;
	uint8_t nh = h[6];
	uint32_t off = FP_IPV6_HLEN;
	v->af = FP_AF_INET6;
	v->src = h + 8;
	v->dst = h + 24;
	while ((nh == 0 || nh == 43 || nh == 60) && off + 8 <= len) {
		nh = h[off];
		off += 8u + 8u * h[off + 1];
	}
	v->proto = nh;
	return off <= len && nh != 0 && nh != 43 && nh != 60 ? off : 0;
}

/* The SPI of ESP, or of ESP in UDP (a first word of 0 is the non-ESP
 * marker, RFC 3948 §2.2). Only at the offload point, where every UDP
 * packet is one the engine took for ESP-in-UDP. */
static void view_spi(const uint8_t *h, uint32_t len, uint32_t l4, struct cap_view *v)
{
	if (v->proto == FP_IPPROTO_ESP && l4 + 4 <= len) {
		v->spi = fp_get32(h + l4);
		v->has_spi = true;
	} else if (v->proto == FP_IPPROTO_UDP && l4 + FP_UDP_HLEN + 4 <= len) {
		v->spi = fp_get32(h + l4 + FP_UDP_HLEN);
		v->has_spi = v->spi != 0;
	}
}

/* false: not an IP packet (only a capture without match keeps it). */
static bool cap_view_parse(const struct fp_pkt *p, bool want_spi, struct cap_view *v)
{
	const uint8_t *h = p->data;
	uint32_t l4 = 0;
	memset(v, 0, sizeof(*v));
	if (p->len < 1)
		return false;
	if ((h[0] >> 4) == 4)
		l4 = view_ipv4(h, p->len, v);
	else if ((h[0] >> 4) == 6)
		l4 = view_ipv6(h, p->len, v);
	if (v->af == FP_AF_NONE)
		return false;
	if (want_spi && l4)
		view_spi(h, p->len, l4, v);
	if (l4 && (v->proto == FP_IPPROTO_UDP || v->proto == 6) && l4 + 4 <= p->len) {
		v->sport = fp_get16(h + l4);
		v->dport = fp_get16(h + l4 + 2);
	}
	return true;
}

static bool cap_addr_in(const struct fp_prefix *pfx, const struct cap_view *v, const uint8_t *a)
{
	return pfx->addr.af == FP_AF_NONE || fp_prefix_match(pfx, v->af, a);
}

/* One end of a match: its prefix, and its port when one was given. */
static bool cap_end_in(const struct fp_prefix *pfx, uint16_t port, const struct cap_view *v,
		       const uint8_t *a, uint16_t vport)
{
	return cap_addr_in(pfx, v, a) && (!port || port == vport);
}

static bool cap_match(const struct fp_cap_match *m, bool ip, const struct cap_view *v)
{
	if (!ip || (m->proto && m->proto != v->proto))
		return false;
	if (m->by_spi && (!v->has_spi || v->spi != m->spi))
		return false;
	return (cap_end_in(&m->a, m->port_a, v, v->src, v->sport) &&
		cap_end_in(&m->b, m->port_b, v, v->dst, v->dport)) ||
	       (cap_end_in(&m->a, m->port_a, v, v->dst, v->dport) &&
		cap_end_in(&m->b, m->port_b, v, v->src, v->sport));
}

/* ---- writing a ring (the owner thread) ------------------------------ */

static inline void ring_put(struct cap_ring *r, uint64_t *pos, uint64_t v)
{
	atomic_store_explicit(&r->w[*pos], v, memory_order_relaxed);
	if (++*pos == r->cap)
		*pos = 0;
}

static inline uint64_t rec_words(uint32_t caplen)
{
	return CAP_HDR_WORDS + (caplen + 7u) / 8u;
}

/* The length in words of the record at logical position at. */
static uint64_t ring_rec_len(const struct cap_ring *r, uint64_t at)
{
	uint64_t meta = atomic_load_explicit(&r->w[(at + 1) % r->cap], memory_order_relaxed);
	return rec_words((uint32_t)(meta & 0xffff));
}

/* Circular: drop the oldest records until need words fit. The tail is
 * stored before the release fence that precedes the overwriting stores. */
static void ring_make_room(struct cap_ring *r, uint64_t head, uint64_t need)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	if (head + need - tail <= r->cap)
		return;
	while (tail < head && head + need - tail > r->cap)
		tail += ring_rec_len(r, tail);
	if (tail > head)
		tail = head;
	atomic_store_explicit(&r->tail, tail, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
}

/* Not circular: take need bytes of the capture's buffer, shared by every
 * thread, or mark it full for good (the ASA stops a full capture). */
static bool cap_reserve(struct capture *c, uint64_t bytes)
{
	if (atomic_load_explicit(&c->full, memory_order_relaxed))
		return false;
	uint64_t old = atomic_fetch_add_explicit(&c->used, bytes, memory_order_relaxed);
	if (old + bytes <= c->spec.buffer)
		return true;
	atomic_fetch_sub_explicit(&c->used, bytes, memory_order_relaxed);
	atomic_store_explicit(&c->full, true, memory_order_relaxed);
	return false;
}

static void cap_record(struct capture *c, struct cap_ring *r, const struct fp_pkt *p, uint16_t ifc,
		       uint64_t ts)
{
	uint32_t caplen = p->len < c->spec.snaplen ? p->len : c->spec.snaplen;
	uint64_t need = rec_words(caplen);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	if (need > r->cap)
		return;
	if (c->spec.circular)
		ring_make_room(r, head, need);
	else if (!cap_reserve(c, need * 8))
		return;
	uint64_t pos = head % r->cap, v;
	ring_put(r, &pos, ts);
	ring_put(r, &pos, (uint64_t)caplen | (uint64_t)ifc << 16 | (uint64_t)p->len << 32);
	uint32_t i = 0;
	for (; i + 8 <= caplen; i += 8) {
		memcpy(&v, p->data + i, 8);
		ring_put(r, &pos, v);
	}
	if (i < caplen) {
		v = 0;
		memcpy(&v, p->data + i, caplen - i);
		ring_put(r, &pos, v);
	}
	atomic_store_explicit(&r->head, head + need, memory_order_release);
}

/* ---- the hook ------------------------------------------------------- */

static void cap_burst_gen(const struct capgen *g, enum fp_cap_point pt, unsigned thread,
			  uint16_t ifc, struct fp_pkt *const *pkts, unsigned n, uint64_t now_ns)
{
	unsigned nc = g->n_at[pt];
	for (unsigned i = 0; i < n; i++) {
		const struct fp_pkt *p = pkts[i];
		uint16_t pifc = ifc == FP_CAP_IFC_PKT ? p->ifc : ifc;
		struct cap_view v;
		bool ip = cap_view_parse(p, pt == FP_CAP_OFFLOAD, &v);
		for (unsigned k = 0; k < nc; k++) {
			struct capture *c = g->at[pt][k];
			if (!c->spec.all_ifaces && c->spec.ifc != pifc)
				continue;
			if (c->spec.has_match && !cap_match(&c->spec.match, ip, &v))
				continue;
			cap_record(c, &c->rings[thread], p, pifc, now_ns);
		}
	}
}

void fp_capture_burst(struct fp_capset *cs, enum fp_cap_point pt, unsigned thread, uint16_t ifc,
		      struct fp_pkt *const *pkts, unsigned n, uint64_t now_ns)
{
	if (thread >= cs->n_threads || (unsigned)pt >= FP_CAP__COUNT) {
		atomic_fetch_add_explicit(&cs->bad_thread, 1, memory_order_relaxed);
		return;
	}
	struct cap_thread *th = &cs->threads[thread];
	uint64_t e = atomic_load_explicit(&th->enter, memory_order_relaxed);
	atomic_store_explicit(&th->enter, e + 1, memory_order_seq_cst);
	const struct capgen *g = atomic_load_explicit(&cs->gen, memory_order_seq_cst);
	if (g && g->n_at[pt])
		cap_burst_gen(g, pt, thread, ifc, pkts, n, now_ns);
	atomic_store_explicit(&th->enter, e + 2, memory_order_release);
}

/* ---- captures and generations (control thread) ---------------------- */

static void cap_free(struct capture *c)
{
	if (!c)
		return;
	if (c->map && c->map != MAP_FAILED)
		munmap(c->map, c->map_len);
	free(c->rings);
	free(c);
}

/* Rings of ceil(buffer / 8) words each, reserved but not touched. */
static struct capture *cap_new(const struct fp_cap_spec *spec, unsigned n_threads)
{
	struct capture *c = aligned_alloc(64, sizeof(*c));
	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->spec = *spec;
	c->n_threads = n_threads;
	uint64_t words = (spec->buffer + 7u) / 8u;
	c->rings = aligned_alloc(64, n_threads * sizeof(*c->rings));
	c->map_len = (size_t)(n_threads * words * sizeof(uint64_t));
	c->map = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!c->rings || c->map == MAP_FAILED) {
		cap_free(c);
		return NULL;
	}
	memset(c->rings, 0, n_threads * sizeof(*c->rings));
	for (unsigned t = 0; t < n_threads; t++) {
		c->rings[t].w = (_Atomic uint64_t *)c->map + t * words;
		c->rings[t].cap = words;
	}
	return c;
}

struct fp_capset *fp_capset_new(unsigned n_threads)
{
	if (!n_threads || n_threads > FP_CAPTURE_MAX_THREADS)
		return NULL;
	struct fp_capset *cs = calloc(1, sizeof(*cs));
	if (!cs)
		return NULL;
	cs->n_threads = n_threads;
	cs->threads = aligned_alloc(64, n_threads * sizeof(*cs->threads));
	if (!cs->threads) {
		free(cs);
		return NULL;
	}
	memset(cs->threads, 0, n_threads * sizeof(*cs->threads));
	return cs;
}

static struct capgen *gen_now(struct fp_capset *cs)
{
	return atomic_load_explicit(&cs->gen, memory_order_relaxed);
}

void fp_capset_free(struct fp_capset *cs)
{
	if (!cs)
		return;
	struct capgen *g = gen_now(cs);
	for (unsigned i = 0; g && i < g->n; i++)
		cap_free(g->caps[i]);
	free(g);
	while (cs->retired) {
		struct cap_retired *r = cs->retired;
		cs->retired = r->next;
		cap_free(r->cap);
		free(r->gen);
		free(r);
	}
	free(cs->threads);
	free(cs);
}

unsigned fp_capset_threads(const struct fp_capset *cs)
{
	return cs->n_threads;
}

uint64_t fp_capset_bad_thread(struct fp_capset *cs)
{
	return atomic_load_explicit(&cs->bad_thread, memory_order_relaxed);
}

/* Is every thread that could hold the retired entry's pointers out of its
 * hook? A counter even at the switch, or changed since, says so. */
static bool retired_safe(struct fp_capset *cs, const struct cap_retired *r)
{
	for (unsigned t = 0; t < cs->n_threads; t++) {
		uint64_t now = atomic_load_explicit(&cs->threads[t].enter, memory_order_seq_cst);
		if ((r->seen[t] & 1u) && now == r->seen[t])
			return false;
	}
	return true;
}

unsigned fp_capset_reclaim(struct fp_capset *cs)
{
	unsigned left = 0;
	for (struct cap_retired **pr = &cs->retired; *pr;) {
		struct cap_retired *r = *pr;
		if (!retired_safe(cs, r)) {
			pr = &r->next;
			left++;
			continue;
		}
		*pr = r->next;
		cap_free(r->cap);
		free(r->gen);
		free(r);
	}
	return left;
}

/* Publish g in place of the current generation, which is retired together
 * with cap (a capture g no longer holds; may be NULL). -1 (nothing
 * changed) when the retire record cannot be allocated. */
static int gen_publish(struct fp_capset *cs, struct capgen *g, struct capture *cap)
{
	struct cap_retired *r = calloc(1, sizeof(*r) + cs->n_threads * sizeof(uint64_t));
	if (!r)
		return -1;
	uint32_t points = 0;
	memset(g->n_at, 0, sizeof(g->n_at));
	for (unsigned i = 0; i < g->n; i++) {
		enum fp_cap_point pt = g->caps[i]->spec.point;
		g->at[pt][g->n_at[pt]++] = g->caps[i];
		points |= 1u << pt;
	}
	r->gen = atomic_exchange_explicit(&cs->gen, g, memory_order_seq_cst);
	atomic_store_explicit(&cs->hot.points, points, memory_order_release);
	for (unsigned t = 0; t < cs->n_threads; t++)
		r->seen[t] = atomic_load_explicit(&cs->threads[t].enter, memory_order_seq_cst);
	r->cap = cap;
	r->next = cs->retired;
	cs->retired = r;
	fp_capset_reclaim(cs);
	return 0;
}

/* A copy of the current generation to change. */
static struct capgen *gen_copy(struct fp_capset *cs)
{
	struct capgen *g = calloc(1, sizeof(*g)), *cur = gen_now(cs);
	if (g && cur)
		*g = *cur;
	return g;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n >= FP_CAPTURE_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '.' || *s == '-'))
			return false;
	return true;
}

static int spec_check(const struct fp_cap_spec *s, char *err, size_t errlen)
{
	if (!name_ok(s->name))
		snprintf(err, errlen, "capture name must be 1-%u letters, digits, '_', '.' or '-'",
			 FP_CAPTURE_NAME_MAX - 1);
	else if ((unsigned)s->point >= FP_CAP__COUNT)
		snprintf(err, errlen, "unknown capture point %u", (unsigned)s->point);
	else if (s->buffer < FP_CAPTURE_BUFFER_MIN || s->buffer > FP_CAPTURE_BUFFER_MAX)
		snprintf(err, errlen, "buffer must be %u-%u bytes", FP_CAPTURE_BUFFER_MIN,
			 FP_CAPTURE_BUFFER_MAX);
	else if (s->snaplen < FP_CAPTURE_SNAP_MIN || s->snaplen > FP_CAPTURE_SNAP_MAX)
		snprintf(err, errlen, "packet-length must be %u-%u bytes", FP_CAPTURE_SNAP_MIN,
			 (unsigned)FP_CAPTURE_SNAP_MAX);
	else
		return 0;
	return -1;
}

int fp_capture_add(struct fp_capset *cs, const struct fp_cap_spec *spec, char *err, size_t errlen)
{
	if (spec_check(spec, err, errlen) < 0)
		return -1;
	if (fp_capture_find(cs, spec->name) >= 0) {
		snprintf(err, errlen, "Capture %s already exists; remove it first (no capture %s)",
			 spec->name, spec->name);
		return -1;
	}
	if (fp_capture_count(cs) >= FP_CAPTURE_MAX) {
		snprintf(err, errlen, "Maximum of %u captures reached", FP_CAPTURE_MAX);
		return -1;
	}
	struct capgen *g = gen_copy(cs);
	struct capture *c = cap_new(spec, cs->n_threads);
	if (g && c) {
		g->caps[g->n++] = c;
		if (gen_publish(cs, g, NULL) == 0)
			return 0;
	}
	free(g);
	cap_free(c);
	snprintf(err, errlen, "out of memory for a %u-byte capture on %u threads", spec->buffer,
		 cs->n_threads);
	return -1;
}

int fp_capture_remove(struct fp_capset *cs, const char *name)
{
	int i = fp_capture_find(cs, name);
	struct capgen *g = i >= 0 ? gen_copy(cs) : NULL;
	if (!g)
		return -1;
	struct capture *c = g->caps[i];
	memmove(&g->caps[i], &g->caps[i + 1], (g->n - (unsigned)i - 1) * sizeof(g->caps[0]));
	g->n--;
	if (gen_publish(cs, g, c) == 0)
		return 0;
	free(g);
	return -1;
}

int fp_capture_clear(struct fp_capset *cs, const char *name)
{
	int i = fp_capture_find(cs, name);
	struct capgen *g = i >= 0 ? gen_copy(cs) : NULL;
	struct capture *c = g ? cap_new(&g->caps[i]->spec, cs->n_threads) : NULL;
	if (c) {
		struct capture *old = g->caps[i];
		g->caps[i] = c;
		if (gen_publish(cs, g, old) == 0)
			return 0;
	}
	cap_free(c);
	free(g);
	return -1;
}

unsigned fp_capture_count(struct fp_capset *cs)
{
	const struct capgen *g = gen_now(cs);
	return g ? g->n : 0;
}

int fp_capture_find(struct fp_capset *cs, const char *name)
{
	const struct capgen *g = gen_now(cs);
	for (unsigned i = 0; g && name && i < g->n; i++)
		if (strcmp(g->caps[i]->spec.name, name) == 0)
			return (int)i;
	return -1;
}

const struct fp_cap_spec *fp_capture_spec(struct fp_capset *cs, unsigned i)
{
	const struct capgen *g = gen_now(cs);
	return g && i < g->n ? &g->caps[i]->spec : NULL;
}

int fp_capture_usage(struct fp_capset *cs, unsigned i, uint64_t *bytes, bool *full)
{
	const struct capgen *g = gen_now(cs);
	*bytes = 0;
	*full = false;
	if (!g || i >= g->n)
		return -1;
	struct capture *c = g->caps[i];
	if (!c->spec.circular) {
		*bytes = atomic_load_explicit(&c->used, memory_order_relaxed);
		*full = atomic_load_explicit(&c->full, memory_order_relaxed);
		return 0;
	}
	for (unsigned t = 0; t < c->n_threads; t++) {
		uint64_t h = atomic_load_explicit(&c->rings[t].head, memory_order_acquire);
		uint64_t tl = atomic_load_explicit(&c->rings[t].tail, memory_order_acquire);
		*bytes += tl < h ? (h - tl) * 8 : 0;
	}
	if (*bytes > c->spec.buffer)
		*bytes = c->spec.buffer;
	return 0;
}

/* ---- snapshots (control thread, concurrently with the writers) ------ */

/* One try at copying [tail, head): the words in logical order from *from
 * into w (room for cap words), and the tail seen after the copy. false
 * when the writer overtook the whole copy (try again). */
static bool ring_copy_try(struct cap_ring *r, uint64_t *w, uint64_t *from, uint64_t *start,
			  uint64_t *end)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	uint64_t t0 = atomic_load_explicit(&r->tail, memory_order_acquire);
	*from = *start = *end = head;
	if (t0 >= head)
		return t0 == head; /* empty, or the tail already passed the head we saw */
	if (head - t0 > r->cap)
		t0 = head - r->cap;
	for (uint64_t k = 0, pos = t0 % r->cap; k < head - t0; k++) {
		w[k] = atomic_load_explicit(&r->w[pos], memory_order_relaxed);
		if (++pos == r->cap)
			pos = 0;
	}
	atomic_thread_fence(memory_order_acquire);
	uint64_t t1 = atomic_load_explicit(&r->tail, memory_order_relaxed);
	*from = t0;
	*start = t1 > t0 ? t1 : t0;
	return *start <= head;
}

/* Copy the ring's records into *copy (words in logical order from *from).
 * [*start, *end) holds intact records; a writer that keeps overtaking the
 * copy (a circular ring refilled faster than it is read) leaves it empty. */
static int ring_copy(struct cap_ring *r, uint64_t **copy, uint64_t *from, uint64_t *start,
		     uint64_t *end)
{
	*copy = NULL;
	*from = *start = *end = 0;
	if (atomic_load_explicit(&r->head, memory_order_acquire) == 0)
		return 0;
	uint64_t *w = malloc(r->cap * sizeof(*w));
	if (!w)
		return -1;
	*copy = w;
	for (unsigned tries = 0; tries < 4; tries++)
		if (ring_copy_try(r, w, from, start, end))
			return 0;
	*from = *start = *end = 0;
	return 0;
}

/* Append the records of [start, end) of one ring's copy. */
static int snap_add_ring(struct fp_cap_snap *s, unsigned *cap_recs, const uint64_t *w,
			 uint64_t from, uint64_t start, uint64_t end, uint16_t thread)
{
	for (uint64_t at = start; at + CAP_HDR_WORDS <= end;) {
		const uint64_t *rec = w + (at - from);
		uint32_t caplen = (uint32_t)(rec[1] & 0xffff);
		uint64_t len = rec_words(caplen);
		if (at + len > end)
			break; /* cannot happen with intact records: stop rather than guess */
		if (s->n == *cap_recs) {
			unsigned nc = *cap_recs ? *cap_recs * 2 : 64;
			struct fp_cap_rec *nr = realloc(s->recs, nc * sizeof(*nr));
			if (!nr)
				return -1;
			s->recs = nr;
			*cap_recs = nc;
		}
		s->recs[s->n++] = (struct fp_cap_rec){
			.ts_ns = rec[0],
			.data = (const uint8_t *)(rec + CAP_HDR_WORDS),
			.caplen = caplen,
			.len = (uint32_t)(rec[1] >> 32),
			.ifc = (uint16_t)(rec[1] >> 16),
			.thread = thread,
		};
		at += len;
	}
	return 0;
}

/* Time, then thread, then position in the thread's ring (data pointers
 * grow within one ring copy). */
static int rec_cmp(const void *x, const void *y)
{
	const struct fp_cap_rec *a = x, *b = y;
	if (a->ts_ns != b->ts_ns)
		return a->ts_ns < b->ts_ns ? -1 : 1;
	if (a->thread != b->thread)
		return a->thread < b->thread ? -1 : 1;
	return a->data < b->data ? -1 : a->data > b->data;
}

/* Circular: the newest records that fit the buffer. */
static void snap_trim(struct fp_cap_snap *s, uint64_t buffer)
{
	uint64_t bytes = 0;
	unsigned keep = 0;
	while (keep < s->n) {
		uint64_t b = rec_words(s->recs[s->n - 1 - keep].caplen) * 8;
		if (bytes + b > buffer)
			break;
		bytes += b;
		keep++;
	}
	if (keep && keep < s->n)
		memmove(s->recs, s->recs + (s->n - keep), keep * sizeof(*s->recs));
	s->n = keep;
}

int fp_capture_snapshot(struct fp_capset *cs, unsigned i, struct fp_cap_snap *s)
{
	const struct capgen *g = gen_now(cs);
	unsigned cap_recs = 0;
	memset(s, 0, sizeof(*s));
	if (!g || i >= g->n)
		return -1;
	struct capture *c = g->caps[i];
	s->mem_ = calloc(c->n_threads, sizeof(*s->mem_));
	if (!s->mem_)
		return -1;
	s->n_mem_ = c->n_threads;
	for (unsigned t = 0; t < c->n_threads; t++) {
		uint64_t from, start, end;
		if (ring_copy(&c->rings[t], &s->mem_[t], &from, &start, &end) < 0 ||
		    snap_add_ring(s, &cap_recs, s->mem_[t], from, start, end, (uint16_t)t) < 0)
			return -1;
	}
	if (s->n)
		qsort(s->recs, s->n, sizeof(*s->recs), rec_cmp);
	if (c->spec.circular)
		snap_trim(s, c->spec.buffer);
	for (unsigned k = 0; k < s->n; k++)
		s->bytes += rec_words(s->recs[k].caplen) * 8;
	s->full = !c->spec.circular && atomic_load_explicit(&c->full, memory_order_relaxed);
	return 0;
}

void fp_cap_snap_free(struct fp_cap_snap *s)
{
	for (unsigned t = 0; s->mem_ && t < s->n_mem_; t++)
		free(s->mem_[t]);
	free(s->mem_);
	free(s->recs);
	memset(s, 0, sizeof(*s));
}
