/* Inside the DTLS rule table: the per-rule record the per-packet path
 * reads and the 6-tuple CAM. Only dtls_*.c include this; the slow path
 * uses dtls.h. */
#ifndef FP_DTLS_DB_H
#define FP_DTLS_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "common/inet.h"
#include "crypto/tls_mte.h"
#include "offload/dtls.h"
#include "offload/pipe.h"
#include "offload/replay.h"

#define FP_DTLS_HDR_MAX (FP_IPV6_HLEN + FP_UDP_HLEN)
#define FP_DTLS_AEAD_NONCE 8u   /* explicit part, RFC 5288 §3 */
#define FP_DTLS_AEAD_TAG 16u
#define FP_DTLS_AAD_LEN 13u     /* seq_num(8) type version length, RFC 5246 §6.2.3.3 */

_Static_assert(sizeof(((struct fp_dtls_state *)0)->replay.bits) ==
		       (FP_DTLS_REPLAY_WINDOW + 63) / 64 * 8 + 8,
	       "a rule's replay ring: 64 records in one word plus the spare");

/* The CAM key: the client's end first. Zeroed before filled; five words,
 * so hashing and comparing are a few word operations. */
struct fp_dtls_tuple {
	union {
		struct {
			uint8_t t_af;
			uint8_t t_pad;
			uint16_t t_rport;
			uint16_t t_lport;
			uint16_t t_pad2;
			uint8_t t_remote[16];
			uint8_t t_local[16];
		};
		uint64_t t_w[5];
	};
};
_Static_assert(sizeof(struct fp_dtls_tuple) == 40, "the CAM key is five words");

struct fp_dtls_rule {
	bool dr_live;
	bool dr_held;               /* waits for its state: its records are held */
	bool dr_aead;
	uint8_t dr_af;
	uint8_t dr_hdr_len;         /* outer IP + UDP */
	uint8_t dr_ovh;             /* AEAD: nonce + tag; CBC: IV (MAC, padding vary) */
	uint16_t dr_epoch;
	uint16_t dr_ip_id;
	uint32_t dr_next;           /* CAM chain: rule index + 1, 0 = end */
	struct fp_crypto_sa *dr_rx_cs, *dr_tx_cs;   /* AEAD */
	struct fp_mte *dr_rx_mte, *dr_tx_mte;       /* CBC */
	uint64_t dr_seq_out;        /* next to send */
	struct fp_replay dr_replay; /* index = sequence number + 1: DTLS counts from 0 */
	uint8_t dr_inner_af;
	uint8_t dr_inner[16];
	bool dr_inner6_set;         /* dr_inner6: the client's IPv6 address beside an IPv4 one */
	uint8_t dr_inner6[16];
	uint8_t dr_hdr[FP_DTLS_HDR_MAX]; /* outbound template */
	uint32_t dr_hdr_sum;        /* IPv4: the template's partial checksum */
	struct fp_dtls_tuple dr_tuple;
	uint16_t dr_suite;
	uint8_t dr_tx_key_id[FP_CRYPTO_KEY_ID_LEN]; /* refuses the same keys at an old epoch */
	uint32_t dr_tag;
	struct fp_dtls_rule_stats dr_cnt;
};

struct fp_dtls_scratch {
	struct fp_crypto_op ops[FP_VEC_MAX];
	uint64_t idx[FP_VEC_MAX];        /* replay index of each record */
	uint8_t aad[FP_VEC_MAX][FP_DTLS_AAD_LEN];
	uint8_t type[FP_VEC_MAX];
	uint32_t inner_len[FP_VEC_MAX];
	struct fp_pkt *tmp[FP_VEC_MAX];
};

struct fp_dtlsdb {
	struct fp_dtls_rule *db_rule;
	uint32_t db_cap;
	uint32_t db_count;
	uint32_t db_held;           /* rules with dr_held */
	uint32_t db_mask;
	uint32_t *db_bucket;        /* rule index + 1, 0 = empty */
	enum fp_crypto_backend db_be;
	struct fp_dtls_stats db_st;
	struct fp_dtls_scratch *db_scr;
};

static inline struct fp_dtls_rule *fp_dtls_rule_get(struct fp_dtlsdb *db, uint32_t id)
{
	if (id >= db->db_cap || !db->db_rule[id].dr_live)
		return NULL;
	return &db->db_rule[id];
}

/* Independent multiplies, folded: the key's five words in a few cycles. */
static inline uint32_t fp_dtls_tuple_hash(const struct fp_dtls_tuple *t)
{
	uint64_t h = t->t_w[0] * 0x9e3779b97f4a7c15ull + t->t_w[1] * 0xc2b2ae3d27d4eb4full +
		     t->t_w[2] * 0x165667b19e3779f9ull + t->t_w[3] * 0xd6e8feb86659fd93ull +
		     t->t_w[4] * 0xff51afd7ed558ccdull;
	return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

static inline bool fp_dtls_tuple_eq(const struct fp_dtls_tuple *a, const struct fp_dtls_tuple *b)
{
	uint64_t d = 0;
	for (unsigned i = 0; i < 5; i++)
		d |= a->t_w[i] ^ b->t_w[i];
	return d == 0;
}

/* Drop or punt one packet of rule r (NULL when there is none), counted in
 * the pipe (show asp drop) and the rule. */
static inline void fp_dtls_drop(struct fp_pipe *pp, struct fp_dtls_rule *r, struct fp_pkt *p,
				enum fp_drop why)
{
	fp_pipe_drop(pp, NULL, p, why);
	if (r)
		r->dr_cnt.drops[why]++;
}

static inline void fp_dtls_punt(struct fp_pipe *pp, struct fp_dtls_rule *r, struct fp_pkt *p,
				enum fp_drop why)
{
	fp_pipe_punt(pp, p, why);
	r->dr_cnt.punts++;
	r->dr_cnt.drops[why]++;
}

typedef void (*fp_dtls_run_fn)(struct fp_pipe *pp, struct fp_dtlsdb *db, uint32_t id,
			       struct fp_pkt **pkts, uint16_t n);

/* Runs of consecutive packets of one rule, each handed to run(); then the
 * good packets first (fp_vec_partition). Returns the good count. */
static inline uint16_t fp_dtls_runs(struct fp_pipe *pp, struct fp_dtlsdb *db,
				    struct fp_pkt **pkts, uint16_t n, fp_dtls_run_fn run)
{
	uint16_t i = 0;
	while (i < n) {
		uint16_t j = i + 1;
		while (j < n && pkts[j]->sa == pkts[i]->sa)
			j++;
		run(pp, db, pkts[i]->sa, pkts + i, (uint16_t)(j - i));
		i = j;
	}
	return fp_vec_partition(pp, pkts, n);
}

uint32_t fp_dtls_cam_find(const struct fp_dtlsdb *db, const struct fp_dtls_tuple *t);

/* dtls_outb.c: the outer IP + UDP template of a rule. */
void fp_dtls_hdr_template(struct fp_dtls_rule *r, uint8_t ttl);

#endif
