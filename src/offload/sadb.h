/* Inside the SA database: the per-SA record the per-packet path reads, and
 * the two lookup tables (inbound SPI, outbound rule). Only the engine and
 * sadb.c include this; the slow path uses sa.h. */
#ifndef FP_SADB_H
#define FP_SADB_H

#include <stdbool.h>
#include <stdint.h>

#include "offload/replay.h"
#include "common/inet.h"
#include "offload/sa.h"

#define FP_SA_HDR_MAX (FP_IPV6_HLEN + FP_UDP_HLEN)

struct fp_sa_counters {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t outer_bytes;
	uint64_t tfc;
	uint64_t reasm;             /* decapsulated after the slow path reassembled them */
	uint64_t soft_pkts;         /* processed by the slow path's software pipe */
	uint64_t last_used_ns;
	uint64_t drops[FP_DROP__COUNT];
};

/* Precomputed at install so packets never branch on configuration strings:
 * sizes, the outer header template, flags. */
struct fp_sa {
	struct fp_crypto_sa *sa_cs;
	uint32_t sa_spi;
	uint32_t sa_rule;           /* outbound: sa_p.rule_id, where packets check it */
	uint8_t sa_dir;
	uint8_t sa_mode;
	uint8_t sa_outer_af;        /* FP_AF_INET / FP_AF_INET6 */
	bool sa_encap;              /* ESP in UDP */
	bool sa_aead;
	bool sa_esn;
	bool sa_live;               /* installed, not deleted */
	bool sa_expired;            /* hard lifetime reached: no more packets */
	bool sa_held;               /* inbound: waits for fp_sa_import, packets held */
	uint8_t sa_iv_len;
	uint8_t sa_icv_len;
	uint8_t sa_block;           /* payload alignment */
	uint8_t sa_hdr_len;         /* outer IP (+ UDP) bytes before the ESP header */
	uint8_t sa_hdr[FP_SA_HDR_MAX];    /* outbound: outer IP (+ UDP) template */
	uint16_t sa_ip_id;          /* outbound IPv4 identification */
	uint16_t sa_mtu;            /* outbound: ESP packets above are punted (PREFRAG) */
	uint32_t sa_hdr_sum;        /* outbound IPv4: template's partial checksum */
	bool sa_sel_v4;             /* selectors are plain IPv4 prefixes: fast test */
	uint32_t sa_sel_net[2];     /* local, remote network (host order) */
	uint32_t sa_sel_mask[2];
	uint64_t sa_seq;            /* outbound: last sequence number used */
	uint64_t sa_seq_max;        /* outbound: UINT32_MAX, or UINT64_MAX with ESN */
	/* outbound: the last number the slow path has saved a reservation for
	 * (seqkeep.c); at most sa_seq_max. Raised from the main thread while
	 * the pipe runs: a relaxed atomic, read once per run. */
	uint64_t sa_seq_limit;
	uint8_t sa_soft_sent;       /* which soft events were raised already */
	uint64_t sa_life_bytes;     /* lifetime use; clear counters leaves it */
	uint64_t sa_life_pkts;
	struct fp_replay sa_replay; /* inbound */
	struct fp_sa_counters sa_cnt;
	struct fp_sa_params sa_p;   /* as installed, for show and query */
};

#define FP_SA_EVENT_RING 256u

struct fp_sadb {
	struct fp_sa *db_sa;
	uint32_t db_cap;
	uint32_t db_count;
	uint32_t db_held;           /* SAs with sa_held */
	uint32_t db_mask;           /* hash tables: 2^k slots, at least 2 x capacity */
	uint64_t *db_in_key;        /* SPI + 1 (0 = empty) */
	uint32_t *db_in_val;
	uint64_t *db_out_key;       /* rule id + 1 */
	uint32_t *db_out_val;
	enum fp_crypto_backend db_be;
	struct fp_sa_event db_ev[FP_SA_EVENT_RING];
	uint32_t db_ev_head, db_ev_tail;
	uint64_t db_ev_lost;
};

static inline uint32_t fp_sadb_hash(uint64_t key)
{
	key *= 0x9e3779b97f4a7c15ull; /* Fibonacci hashing: SPIs may be sequential */
	return (uint32_t)(key >> 32);
}

static inline uint32_t fp_sadb_table_find(const uint64_t *keys, const uint32_t *vals,
					  uint32_t mask, uint64_t key)
{
	for (uint32_t i = fp_sadb_hash(key) & mask;; i = (i + 1) & mask) {
		if (keys[i] == key)
			return vals[i];
		if (keys[i] == 0)
			return FP_SA_NONE;
	}
}

/* Inbound SA by SPI alone; the caller checks the destination. */
static inline uint32_t fp_sadb_find_in(const struct fp_sadb *db, uint32_t spi)
{
	return fp_sadb_table_find(db->db_in_key, db->db_in_val, db->db_mask, (uint64_t)spi + 1);
}

static inline struct fp_sa *fp_sadb_sa(const struct fp_sadb *db, uint32_t id)
{
	return id < db->db_cap && db->db_sa[id].sa_live ? &db->db_sa[id] : NULL;
}

/* Table maintenance for sa.c: keys are SPI + 1 (inbound) or rule + 1. */
void fp_sadb_table_add(struct fp_sadb *db, int dir, uint64_t key, uint32_t id);
void fp_sadb_table_del(struct fp_sadb *db, int dir, uint64_t key);
uint32_t fp_sadb_free_slot(const struct fp_sadb *db);

/* Raise an event for the slow path; counted as lost if the ring is full. */
void fp_sadb_event_raise(struct fp_sadb *db, uint32_t id, enum fp_sa_event_type t);
/* What a run of packets may take before the SA's hard lifetime: packets,
 * and bytes (the packet that crosses the byte limit still goes, as the
 * accounting after the run expects). Worked out once per run, so that a
 * run cannot take up to a burst past the limit. */
struct fp_sa_room {
	uint64_t pkts, bytes;
	uint64_t seq;               /* outbound: sa_seq_limit as the run found it */
};

static inline struct fp_sa_room fp_sa_room(const struct fp_sa *sa)
{
	const struct fp_sa_params *p = &sa->sa_p;
	struct fp_sa_room r = {UINT64_MAX, UINT64_MAX, __atomic_load_n(&sa->sa_seq_limit, __ATOMIC_RELAXED)};
	if (p->life_pkts_hard)
		r.pkts = sa->sa_life_pkts < p->life_pkts_hard ? p->life_pkts_hard - sa->sa_life_pkts : 0;
	if (p->life_bytes_hard)
		r.bytes = sa->sa_life_bytes < p->life_bytes_hard ? p->life_bytes_hard - sa->sa_life_bytes : 0;
	return r;
}

/* Seconds lifetimes, before a run of packets on one SA: now_ns is the
 * pipe's clock of the burst (pp->now_ns), so no packet costs a syscall.
 * Past the hard deadline the SA is expired and the run drops as
 * ipsec-sa-expired; an idle SA's deadlines are the slow path's to watch
 * (datapath/child.c). */
void fp_sa_clock(struct fp_sadb *db, uint32_t id, uint64_t now_ns);
/* Lifetime accounting after a run of packets on one SA. */
void fp_sa_account(struct fp_sadb *db, uint32_t id, uint64_t pkts, uint64_t bytes);

#endif
