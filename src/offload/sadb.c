/* The SA database: install, update, delete and query (slow path), and the
 * lookups classification does per packet. Tables are open addressing with
 * linear probing and backward-shift deletion, sized once at creation so
 * the per-packet path never allocates. */
#include "sadb.h"

#include <stdlib.h>
#include <string.h>


static void table_add(uint64_t *keys, uint32_t *vals, uint32_t mask, uint64_t key, uint32_t v)
{
	uint32_t i = fp_sadb_hash(key) & mask;
	while (keys[i] != 0)
		i = (i + 1) & mask;
	keys[i] = key;
	vals[i] = v;
}

/* Backward-shift deletion keeps probe chains unbroken without tombstones. */
static void table_del(uint64_t *keys, uint32_t *vals, uint32_t mask, uint64_t key)
{
	uint32_t i = fp_sadb_hash(key) & mask;
	while (keys[i] != key) {
		if (keys[i] == 0)
			return;
		i = (i + 1) & mask;
	}
	for (uint32_t j = (i + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
		uint32_t home = fp_sadb_hash(keys[j]) & mask;
		/* move j back into the hole at i unless its home lies in (i, j] */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			keys[i] = keys[j];
			vals[i] = vals[j];
			i = j;
		}
	}
	keys[i] = 0;
}

struct fp_sadb *fp_sadb_new(uint32_t capacity, enum fp_crypto_backend be)
{
	struct fp_sadb *db = calloc(1, sizeof(*db));
	uint32_t slots = 16;
	if (!db || capacity == 0 || capacity > (1u << 24))
		goto fail;
	while (slots < capacity * 2)
		slots <<= 1;
	db->db_cap = capacity;
	db->db_mask = slots - 1;
	db->db_be = be;
	db->db_sa = aligned_alloc(64, ((sizeof(struct fp_sa) * capacity + 63) / 64) * 64);
	db->db_in_key = calloc(slots, sizeof(uint64_t));
	db->db_in_val = calloc(slots, sizeof(uint32_t));
	db->db_out_key = calloc(slots, sizeof(uint64_t));
	db->db_out_val = calloc(slots, sizeof(uint32_t));
	if (!db->db_sa || !db->db_in_key || !db->db_in_val || !db->db_out_key || !db->db_out_val)
		goto fail;
	memset(db->db_sa, 0, sizeof(struct fp_sa) * capacity);
	return db;
fail:
	fp_sadb_free(db);
	return NULL;
}

void fp_sadb_free(struct fp_sadb *db)
{
	if (!db)
		return;
	for (uint32_t i = 0; db->db_sa && i < db->db_cap; i++)
		if (db->db_sa[i].sa_live)
			fp_sa_delete(db, i);
	free(db->db_sa);
	free(db->db_in_key);
	free(db->db_in_val);
	free(db->db_out_key);
	free(db->db_out_val);
	free(db);
}

uint32_t fp_sadb_count(const struct fp_sadb *db)
{
	return db->db_count;
}

uint32_t fp_sadb_lookup_in(const struct fp_sadb *db, uint32_t spi, const struct fp_addr *dst)
{
	uint32_t id = fp_sadb_find_in(db, spi);
	if (id == FP_SA_NONE || !dst)
		return id;
	/* SPIs are unique per gateway (we pick them); the destination must still agree */
	return fp_addr_eq(&db->db_sa[id].sa_p.local, dst) ? id : FP_SA_NONE;
}

uint32_t fp_sadb_lookup_out(const struct fp_sadb *db, uint32_t rule_id)
{
	return fp_sadb_table_find(db->db_out_key, db->db_out_val, db->db_mask, (uint64_t)rule_id + 1);
}

void fp_sadb_table_add(struct fp_sadb *db, int dir, uint64_t key, uint32_t id)
{
	if (dir == FP_SA_IN)
		table_add(db->db_in_key, db->db_in_val, db->db_mask, key, id);
	else
		table_add(db->db_out_key, db->db_out_val, db->db_mask, key, id);
}

void fp_sadb_table_del(struct fp_sadb *db, int dir, uint64_t key)
{
	if (dir == FP_SA_IN)
		table_del(db->db_in_key, db->db_in_val, db->db_mask, key);
	else
		table_del(db->db_out_key, db->db_out_val, db->db_mask, key);
}

uint32_t fp_sadb_free_slot(const struct fp_sadb *db)
{
	for (uint32_t i = 0; i < db->db_cap; i++)
		if (!db->db_sa[i].sa_live)
			return i;
	return FP_SA_NONE;
}

/* The producer owns head and the lost count, the consumer tail: the
 * release on head publishes the entry, the release on tail gives its slot
 * back (the SPSC contract of sa.h). */
void fp_sadb_event_raise(struct fp_sadb *db, uint32_t id, enum fp_sa_event_type t)
{
	uint32_t head = db->db_ev_head;
	if (head - __atomic_load_n(&db->db_ev_tail, __ATOMIC_ACQUIRE) >= FP_SA_EVENT_RING) {
		__atomic_store_n(&db->db_ev_lost, db->db_ev_lost + 1, __ATOMIC_RELAXED);
		return;
	}
	struct fp_sa_event *e = &db->db_ev[head % FP_SA_EVENT_RING];
	e->sa = id;
	e->spi = db->db_sa[id].sa_spi;
	e->type = (uint8_t)t;
	__atomic_store_n(&db->db_ev_head, head + 1, __ATOMIC_RELEASE);
}

unsigned fp_sadb_events(struct fp_sadb *db, struct fp_sa_event *ev, unsigned n)
{
	uint32_t head = __atomic_load_n(&db->db_ev_head, __ATOMIC_ACQUIRE);
	uint32_t tail = db->db_ev_tail;
	unsigned k = 0;
	while (k < n && tail != head)
		ev[k++] = db->db_ev[tail++ % FP_SA_EVENT_RING];
	__atomic_store_n(&db->db_ev_tail, tail, __ATOMIC_RELEASE);
	return k;
}

uint64_t fp_sadb_events_lost(const struct fp_sadb *db)
{
	return __atomic_load_n(&db->db_ev_lost, __ATOMIC_RELAXED);
}

static const char *const sa_event_names[FP_SA_EV__COUNT] = {
	[FP_SA_EV_SOFT_BYTES] = "soft-lifetime-bytes",
	[FP_SA_EV_SOFT_PKTS] = "soft-lifetime-packets",
	[FP_SA_EV_HARD_BYTES] = "hard-lifetime-bytes",
	[FP_SA_EV_HARD_PKTS] = "hard-lifetime-packets",
	[FP_SA_EV_SEQ_EXHAUSTED] = "sequence-exhausted",
	[FP_SA_EV_SOFT_TIME] = "soft-lifetime-seconds",
	[FP_SA_EV_HARD_TIME] = "hard-lifetime-seconds",
};

const char *fp_sa_event_name(unsigned t)
{
	return t < FP_SA_EV__COUNT ? sa_event_names[t] : "unknown";
}

#define SOFT_BYTES_SENT 0x1u
#define SOFT_PKTS_SENT 0x2u
#define SOFT_TIME_SENT 0x4u

static bool over(uint64_t v, uint64_t limit)
{
	return limit && v >= limit;
}

void fp_sa_account(struct fp_sadb *db, uint32_t id, uint64_t pkts, uint64_t bytes)
{
	struct fp_sa *sa = &db->db_sa[id];
	const struct fp_sa_params *p = &sa->sa_p;
	sa->sa_cnt.pkts += pkts;
	sa->sa_cnt.bytes += bytes;
	sa->sa_life_pkts += pkts;
	sa->sa_life_bytes += bytes;
	if (over(sa->sa_life_bytes, p->life_bytes_soft) && !(sa->sa_soft_sent & SOFT_BYTES_SENT)) {
		sa->sa_soft_sent |= SOFT_BYTES_SENT;
		fp_sadb_event_raise(db, id, FP_SA_EV_SOFT_BYTES);
	}
	if (over(sa->sa_life_pkts, p->life_pkts_soft) && !(sa->sa_soft_sent & SOFT_PKTS_SENT)) {
		sa->sa_soft_sent |= SOFT_PKTS_SENT;
		fp_sadb_event_raise(db, id, FP_SA_EV_SOFT_PKTS);
	}
	if (sa->sa_expired)
		return;
	if (over(sa->sa_life_bytes, p->life_bytes_hard)) {
		sa->sa_expired = true;
		fp_sadb_event_raise(db, id, FP_SA_EV_HARD_BYTES);
	} else if (over(sa->sa_life_pkts, p->life_pkts_hard)) {
		sa->sa_expired = true;
		fp_sadb_event_raise(db, id, FP_SA_EV_HARD_PKTS);
	}
}

void fp_sa_clock(struct fp_sadb *db, uint32_t id, uint64_t now_ns)
{
	struct fp_sa *sa = &db->db_sa[id];
	const struct fp_sa_params *p = &sa->sa_p;
	if (over(now_ns, p->life_soft_ns) && !(sa->sa_soft_sent & SOFT_TIME_SENT)) {
		sa->sa_soft_sent |= SOFT_TIME_SENT;
		fp_sadb_event_raise(db, id, FP_SA_EV_SOFT_TIME);
	}
	if (!sa->sa_expired && over(now_ns, p->life_hard_ns)) {
		sa->sa_expired = true;
		fp_sadb_event_raise(db, id, FP_SA_EV_HARD_TIME);
	}
}
