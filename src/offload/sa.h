/* The offload boundary: how the slow path installs, updates, queries and
 * deletes ESP SAs in an engine instance (a pipe's SA database), shaped like
 * strongSwan's kernel_ipsec.h: one parameter struct per operation, a query
 * that returns counters, and a features call asked before offloading.
 *
 * All of these run on the slow path (they may allocate); the per-packet
 * path only reads the database (esp_inb.c, esp_outb.c). */
#ifndef FP_SA_H
#define FP_SA_H

#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"
#include "crypto/crypto.h"
#include "offload/drop.h"

#define FP_SA_NONE UINT32_MAX
#define FP_REPLAY_WINDOW_MAX 1024u
#define FP_REPLAY_WINDOW_OFFLOAD 64u /* the only window the engine takes */

enum fp_sa_dir { FP_SA_IN = 0, FP_SA_OUT = 1 };
enum fp_sa_mode { FP_SA_TUNNEL = 0, FP_SA_TRANSPORT = 1 };

/* Traffic selector pair as the SA negotiated it (ASA "local/remote ident"):
 * inner packets sent must come from local and go to remote; inner packets
 * received must come from remote and go to local. proto 0 = any, port 0 = any. */
struct fp_selector {
	struct fp_prefix local;
	struct fp_prefix remote;
	uint8_t proto;
	uint16_t local_port;
	uint16_t remote_port;
};

struct fp_sa_params {
	uint32_t spi;                 /* host order */
	uint8_t dir;                  /* enum fp_sa_dir */
	uint8_t mode;                 /* enum fp_sa_mode */
	bool esn;                     /* RFC 4304 extended sequence numbers */
	uint16_t replay_window;       /* inbound, packets: 0 = no anti-replay, else 32..1024 */
	struct fp_addr local;         /* outer endpoints; both of one family */
	struct fp_addr remote;
	uint16_t encap_sport;         /* ESP-in-UDP (RFC 3948) when non-zero */
	uint16_t encap_dport;
	struct fp_crypto_key key;
	struct fp_selector sel;
	uint64_t life_bytes_soft;     /* 0 = no limit */
	uint64_t life_bytes_hard;
	uint64_t life_pkts_soft;
	uint64_t life_pkts_hard;
	/* CLOCK_REALTIME at which the soft and hard seconds lifetimes end;
	 * 0 = none. Absolute, so that an SA moved between pipes or installed
	 * again (clear ipsec sa) keeps the deadlines it had. The engine
	 * compares them with its pipe's now_ns once per run of packets. */
	uint64_t life_soft_ns;
	uint64_t life_hard_ns;
	uint64_t seq;                 /* outbound: last sequence number used (normally 0) */
	uint64_t seq_limit;           /* outbound: as fp_sa_seq_reserve from the install on; 0 = none */
	uint32_t rule_id;             /* outbound: the policy rule that selects this SA */
	uint32_t tag;                 /* the slow path's own reference, opaque here */
	uint8_t ttl;                  /* outer TTL / hop limit; 0 = 64 */
	/* Outbound, tunnel mode: the outside link's MTU. A packet whose ESP
	 * would be larger is punted (FP_DROP_PREFRAG) to be fragmented before
	 * encryption, or answered with a PMTU message. 0 = no limit. With
	 * post_frag only what may not be fragmented (IPv4 with DF, IPv6) is
	 * punted; the rest is encrypted whole and the ESP packet cut. */
	uint16_t mtu;
	bool vpn_filter;              /* a vpn-filter ACL applies to the tunnel */
	bool post_frag;               /* fragment after encryption */
	bool ikev1;
	bool compression;
	/* Inbound, installed for a move between pipes (its state comes with
	 * fp_sa_import): until then its packets are held by the pipe, in
	 * order, so none is decrypted against an empty replay window and none
	 * overtakes the ones still queued for the SA's old home. */
	bool held;
};

/* Fields of fp_sa_update to apply. */
#define FP_SA_UPD_REMOTE 0x1u    /* peer moved (NAT-T float): remote, encap ports */
#define FP_SA_UPD_LIFETIME 0x2u  /* new lifetimes */
#define FP_SA_UPD_RULE 0x4u      /* outbound: take over rule_id (rekey) */
#define FP_SA_UPD_MTU 0x8u       /* outbound: the outside link's MTU or fragmentation policy (mtu, post_frag) */

struct fp_sa_update {
	uint32_t fields;
	struct fp_addr remote;
	uint16_t encap_sport, encap_dport;
	uint64_t life_bytes_soft, life_bytes_hard;
	uint64_t life_pkts_soft, life_pkts_hard;
	uint64_t life_soft_ns, life_hard_ns;
	uint32_t rule_id;
	uint16_t mtu;
	bool post_frag;
};

/* Counters of one SA, as show crypto ipsec sa needs them. The engine
 * counts ok packets (encaps = encrypt = digest when they succeed) and
 * every drop under its reason. */
struct fp_sa_stats {
	uint64_t pkts;               /* packets that went through (encap'd or decap'd) */
	uint64_t bytes;              /* inner bytes protected or recovered */
	uint64_t outer_bytes;        /* ESP bytes sent or received */
	uint64_t drops[FP_DROP__COUNT];
	uint64_t tfc;                /* dummy packets received (next header 59) */
	uint64_t reasm;              /* decapsulated fragments needing reassembly */
	uint64_t soft_pkts;          /* of pkts, those the software pipe did (not offloaded) */
	uint64_t seq;                /* outbound: last sent; inbound: highest received */
	uint64_t last_used_ns;
	uint64_t life_bytes;         /* what the lifetimes have used: not cleared by */
	uint64_t life_pkts;          /* fp_sa_stats_clear() */
	uint64_t bitmap[FP_REPLAY_WINDOW_MAX / 64]; /* inbound replay window, word 0 = newest */
	uint16_t replay_window;
};

enum fp_sa_event_type {
	FP_SA_EV_SOFT_BYTES, FP_SA_EV_SOFT_PKTS, FP_SA_EV_HARD_BYTES, FP_SA_EV_HARD_PKTS,
	FP_SA_EV_SEQ_EXHAUSTED, FP_SA_EV_SOFT_TIME, FP_SA_EV_HARD_TIME,
	FP_SA_EV__COUNT
};
const char *fp_sa_event_name(unsigned t);

struct fp_sa_event {
	uint32_t sa;
	uint32_t spi;
	uint8_t type;                /* enum fp_sa_event_type */
};

/* What an SA has learnt since it was installed, so it can move between
 * pipes (offload switched on or off) without the peer noticing: the
 * sequence number, the replay window, counters and lifetime use. */
struct fp_sa_state {
	uint64_t seq;
	uint64_t seq_limit;          /* outbound: fp_sa_seq_reserve's */
	uint64_t replay_top;
	uint64_t replay_bits[FP_REPLAY_WINDOW_MAX / 64 + 1];
	uint64_t pkts, bytes, outer_bytes, tfc, reasm, soft_pkts, last_used_ns;
	uint64_t drops[FP_DROP__COUNT];
	uint64_t life_bytes, life_pkts;
	uint16_t ip_id;
	uint8_t soft_sent;
	bool expired;
};

struct fp_sadb;

/* A database for up to capacity SAs. be picks the crypto library for all
 * its SAs. Returns NULL on allocation failure. */
struct fp_sadb *fp_sadb_new(uint32_t capacity, enum fp_crypto_backend be);
/* Deletes every SA (zeroizing keys) and frees the database. */
void fp_sadb_free(struct fp_sadb *db);

/* Install an SA. On success *id is its index (the handle for the calls
 * below and the value classification puts in pkt->sa). Fails on a duplicate
 * inbound SPI+destination or outbound rule, a full database, or bad keys;
 * *err then names why. */
int fp_sa_install(struct fp_sadb *db, const struct fp_sa_params *p, uint32_t *id,
		  const char **err);
int fp_sa_update(struct fp_sadb *db, uint32_t id, const struct fp_sa_update *u,
		 const char **err);
/* Removes the SA from lookups and zeroizes its keys. */
int fp_sa_delete(struct fp_sadb *db, uint32_t id);
int fp_sa_query(const struct fp_sadb *db, uint32_t id, struct fp_sa_stats *out);
/* Take an SA's state, and give it to an SA just installed with the same
 * parameters (its replay window must be the same size). */
int fp_sa_export(const struct fp_sadb *db, uint32_t id, struct fp_sa_state *st);
int fp_sa_import(struct fp_sadb *db, uint32_t id, const struct fp_sa_state *st);
/* Sequence numbers across restarts (manual keys, datapath/seqkeep.c).
 * fp_sa_seq_resume: before the SA's first packet, go on from seq: outbound
 * the next number sent is seq + 1; inbound every number up to seq counts as
 * received. Never backwards. fp_sa_seq_reserve: outbound, the SA may send
 * up to last (at most 2^32-1, or 2^64-1 with ESN); past it packets are
 * dropped as FP_DROP_SEQ_UNRESERVED. An SA installed without it has no
 * limit but exhaustion. Any thread may call it while the owning pipe runs:
 * the limit is one relaxed atomic the pipe reads once per run of packets.
 * fp_sa_seq_peek: outbound the last number sent, inbound the highest
 * received, read from any thread; 0 when there is no such SA. */
int fp_sa_seq_resume(struct fp_sadb *db, uint32_t id, uint64_t seq);
int fp_sa_seq_reserve(struct fp_sadb *db, uint32_t id, uint64_t last);
uint64_t fp_sa_seq_peek(const struct fp_sadb *db, uint32_t id);
/* How many installed SAs still wait for their state (params.held). */
uint32_t fp_sadb_held(const struct fp_sadb *db);
const struct fp_sa_params *fp_sa_params_get(const struct fp_sadb *db, uint32_t id);
/* Zero the SA's counters (clear ipsec sa / clear counters). */
void fp_sa_stats_clear(struct fp_sadb *db, uint32_t id);
uint32_t fp_sadb_count(const struct fp_sadb *db);

/* Lookups used by classification. FP_SA_NONE when absent. */
uint32_t fp_sadb_lookup_in(const struct fp_sadb *db, uint32_t spi, const struct fp_addr *dst);
uint32_t fp_sadb_lookup_out(const struct fp_sadb *db, uint32_t rule_id);

/* Lifetime and sequence events raised by the per-packet path, taken by the
 * slow path. Returns how many were written to ev (at most n). The ring is
 * single-producer single-consumer: the pipe's thread raises, one other
 * thread (the slow path's, datapath/child.c) takes, with no lock.
 * fp_sadb_events_lost: events raised while the ring was full, readable
 * from any thread. */
unsigned fp_sadb_events(struct fp_sadb *db, struct fp_sa_event *ev, unsigned n);
uint64_t fp_sadb_events_lost(const struct fp_sadb *db);

/* The largest inner packet whose ESP packet fits the SA's MTU (tunnel
 * mode); 0 when the SA has no MTU or none fits. */
uint32_t fp_sa_inner_mtu(const struct fp_sa_params *p);

/* Can the engine take this SA? false with *why naming the first rule that
 * keeps it in the slow path (DESIGN.md, "Offload eligibility"). */
bool fp_sa_can_offload(const struct fp_sa_params *p, const char **why);

#endif
