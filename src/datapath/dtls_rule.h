/* The DTLS rule API: the one way the remote-access slow path (src/ra)
 * moves a client's DTLS 1.2 data channel into the engine and back, as
 * child.h is for ESP SAs. The DTLS_OFFLOAD_FLOW_* rule counters of show
 * flow-offload-dtls statistics are counted here, in one place.
 *
 * Sequence of a session (docs/dtls-offload.md):
 *   1. the DTLS handshake completes in libssl (the slow path's SSL object);
 *   2. fp_dtls_rule_keys(ssl, ...) gives the record keys of its epoch;
 *   3. fp_dtls_rule_add(): from now on the engine protects both ways, and
 *      the SSL object must not write again: DPD responses, TERMINATE and
 *      alerts go to the pipe as FP_PKT_F_DTLS_CTRL / FP_PKT_F_DTLS_ALERT
 *      packets for the rule, so sequence numbers never repeat;
 *   4. punted records (handshake, other epochs) go to the slow path; a new
 *      DTLS session of the client (a new SSL object) ends in
 *      fp_dtls_rule_update() with its keys. The old SSL object must not
 *      answer a rehandshake at the offloaded epoch: its records would reuse
 *      sequence numbers the engine sent (docs/dtls-offload.md, Rekeying);
 *   5. flow-offload-dtls switched off or on: fp_dtls_export() and
 *      fp_dtls_rule_del() on the old pipe, fp_dtls_rule_add() with the same
 *      parameters and fp_dtls_import() on the new one (the software pipe
 *      runs the same code: libssl never protects records again);
 *   6. fp_dtls_rule_del() when the session ends.
 * Each call runs on the thread that owns the rule table's pipe. */
#ifndef FP_DTLS_RULE_H
#define FP_DTLS_RULE_H

#include <stdint.h>

#include "offload/dtls.h"

/* Install: counts DTLS_OFFLOAD_FLOW_IB_ADD_RULE and _OB_ADD_RULE, or
 * FLOW_RULE_FAIL with *why. */
int fp_dtls_rule_add(struct fp_dtlsdb *db, const struct fp_dtls_params *p, uint32_t *id,
		     const char **why);
/* FP_DTLS_UPD_KEYS: a rehandshake's new epoch, keys and sequence numbers
 * both ways (DTLS_OFFLOAD_FLOW_IB_UPDATE_SUCCESS and _OB_UPDATE_SUCCESS);
 * FP_DTLS_UPD_PEER: the client's address or port changed, NAT rebinding
 * (IB_UPDATE_SUCCESS). A refused update leaves the rule as it was and
 * counts FLOW_RULE_FAIL. */
int fp_dtls_rule_update(struct fp_dtlsdb *db, uint32_t id, const struct fp_dtls_update *u,
			const char **why);
/* Remove (DTLS_OFFLOAD_FLOW_IB_DEL_RULE, _OB_DEL_RULE); *last gets the
 * rule's final counters when not NULL. */
int fp_dtls_rule_del(struct fp_dtlsdb *db, uint32_t id, struct fp_dtls_rule_stats *last);
int fp_dtls_rule_query(const struct fp_dtlsdb *db, uint32_t id, struct fp_dtls_rule_stats *st);

/* The keys of ssl's current epoch (crypto/tls_keys.h). */
struct ssl_st;
int fp_dtls_rule_keys(struct ssl_st *ssl, struct fp_tls_keys *keys, const char **why);

/* The highest sequence number among the records of epoch in a datagram
 * the slow path sent or received through its own socket: where seq_out
 * (one above the highest sent) and seq_in_top come from. -1 when the
 * datagram holds no DTLS record of that epoch. */
int fp_dtls_rule_max_seq(const uint8_t *dgram, uint32_t len, uint16_t epoch, uint64_t *seq);

#endif
