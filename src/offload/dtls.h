/* The engine's DTLS 1.2 record offload (RFC 6347) for AnyConnect data
 * channels: the boundary the slow path installs, updates, queries and
 * deletes DTLS rules through, and the per-packet calls. A rule is one
 * client's session: its 6-tuple (client address and port, our address and
 * port, UDP) and the record keys both ways, epoch, sequence numbers and a
 * 64-record replay window (docs/dtls-offload.md).
 *
 * The rule table belongs to one pipe, like its SA database: every call
 * below runs on the pipe's thread. install/update/delete may allocate;
 * the per-packet calls never do. datapath/dtls_rule.h wraps the table
 * calls and counts the rule changes. */
#ifndef FP_DTLS_H
#define FP_DTLS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/pkt.h"
#include "crypto/tls_keys.h"
#include "offload/drop.h"

#define FP_DTLS_NONE UINT32_MAX
#define FP_DTLS_SEQ_MAX ((1ull << 48) - 1)  /* RFC 6347 §4.1: 48-bit sequence numbers */
#define FP_DTLS_REPLAY_WINDOW 64u

/* DTLS record (RFC 6347 §4.1) */
#define FP_DTLS_HLEN 13u
#define FP_DTLS_V12 0xfefdu
#define FP_DTLS_CT_CCS 20u
#define FP_DTLS_CT_ALERT 21u
#define FP_DTLS_CT_HANDSHAKE 22u
#define FP_DTLS_CT_APP 23u

/* AnyConnect's 1-byte header inside application data */
#define FP_AC_DATA 0x00u
#define FP_AC_DPD_REQ 0x03u
#define FP_AC_DPD_RESP 0x04u
#define FP_AC_DISCONNECT 0x05u
#define FP_AC_KEEPALIVE 0x07u
#define FP_AC_COMPRESSED 0x08u
#define FP_AC_TERMINATE 0x09u

/* Outbound packets the slow path hands the pipe for a rule (pkt->sa):
 * without a flag, an inner IP packet (sent as an AnyConnect DATA record);
 * FP_PKT_F_DTLS_CTRL: an AnyConnect control frame, type byte first (a DPD
 * response, TERMINATE), sent as application data as it is;
 * FP_PKT_F_DTLS_ALERT: an alert body (level, description);
 * FP_PKT_F_DTLS_HS: a rehandshake's handshake or change_cipher_spec
 * fragment, content type first. All take the rule's next sequence number,
 * so engine and slow path never reuse one. FP_PKT_F_DTLS_SEALED: a record
 * of the next epoch libssl protected itself, sent as it is (common/pkt.h
 * defines the flags). */

struct fp_dtls_params {
	struct fp_addr local;          /* our address; both of one family */
	struct fp_addr remote;         /* the client's */
	uint16_t local_port;           /* 443 normally */
	uint16_t remote_port;
	uint16_t epoch;                /* the handshake's epoch (1 after the first) */
	/* outbound: the next sequence number to send at this epoch; above
	 * every record libssl sent at it (the Finished, its retransmissions),
	 * which the slow path reads from the datagrams it sent */
	uint64_t seq_out;
	/* inbound: records up to seq_in_top count as received (the client's
	 * Finished, records the slow path read before the rule); with
	 * seq_in_any false the window starts empty */
	bool seq_in_any;
	uint64_t seq_in_top;
	struct fp_tls_keys keys;       /* copied; the caller cleanses its own */
	/* the addresses the pool gave the client: decrypted packets must come
	 * from one of them, of their family (inner af FP_AF_NONE: not
	 * checked); inner6 an IPv6 one beside an IPv4 inner (af FP_AF_NONE:
	 * none, the client's IPv6 packets are refused) */
	struct fp_addr inner;
	struct fp_addr inner6;
	uint8_t ttl;                   /* outer TTL / hop limit; 0 = 64 */
	uint32_t tag;                  /* the slow path's session, opaque here */
	/* a rule moving here that waits for its state (fp_dtls_import):
	 * until then the pipe holds its records (fp_pipe_hold), in order */
	bool held;
};

/* Fields of fp_dtls_update to apply. */
/* New keys, epoch and sequence numbers both ways: a rehandshake (a higher
 * epoch), or a new DTLS session of the same client on the same 6-tuple
 * (new keys, epoch 1 again). The rule's own keys at an epoch not above its
 * own are refused: the numbers would start again under the same nonce key. */
#define FP_DTLS_UPD_KEYS 0x1u
#define FP_DTLS_UPD_PEER 0x2u      /* the client's address or port changed (NAT rebinding) */

struct fp_dtls_update {
	uint32_t fields;
	uint16_t epoch;
	uint64_t seq_out;
	bool seq_in_any;
	uint64_t seq_in_top;
	struct fp_tls_keys keys;
	struct fp_addr remote;
	uint16_t remote_port;
};

/* Per-rule counters: show asp table socket ID detail's "Offload Stats". */
struct fp_dtls_rule_stats {
	uint64_t pkts_in, bytes_in, pkts_decrypt;   /* records received, their bytes, verified */
	uint64_t pkts_out, bytes_out, pkts_encrypt; /* records sent, their bytes, protected */
	uint64_t data_in, data_out;                 /* inner IP packets and their bytes: */
	uint64_t inner_bytes_in, inner_bytes_out;   /* what vpn-sessiondb counts */
	uint64_t ctrl_in, ctrl_out, alerts_in, alerts_out, punts;
	uint64_t replay_fail, rcv_fail, send_fail;
	uint64_t drops[FP_DROP__COUNT];
	uint64_t seq_out;                           /* next to send */
	uint64_t seq_in_top;                        /* highest received, + 1; 0 = none */
	uint16_t epoch;
	uint16_t suite;
};

/* The table's counters, named as show flow-offload-dtls statistics and
 * show counters print them (the reference's DTLS_OFFLOAD_* rows). */
#define FP_DTLS_COUNTERS(_)                                                                    \
	_(ib_pkt_process, "DTLS_OFFLOAD_IB_PKT_PROCESS")                                        \
	_(ib_pkt_success, "DTLS_OFFLOAD_IB_PKT_SUCCESS")                                        \
	_(ob_pkt_process, "DTLS_OFFLOAD_OB_PKT_PROCESS")                                        \
	_(ob_pkt_success, "DTLS_OFFLOAD_OB_PKT_SUCCESS")                                        \
	_(flow_ib_add_rule, "DTLS_OFFLOAD_FLOW_IB_ADD_RULE")                                    \
	_(flow_ob_add_rule, "DTLS_OFFLOAD_FLOW_OB_ADD_RULE")                                    \
	_(flow_ib_del_rule, "DTLS_OFFLOAD_FLOW_IB_DEL_RULE")                                    \
	_(flow_ob_del_rule, "DTLS_OFFLOAD_FLOW_OB_DEL_RULE")                                    \
	_(flow_ib_update_success, "DTLS_OFFLOAD_FLOW_IB_UPDATE_SUCCESS")                        \
	_(flow_ob_update_success, "DTLS_OFFLOAD_FLOW_OB_UPDATE_SUCCESS")                        \
	_(flow_rule_fail, "DTLS_OFFLOAD_FLOW_RULE_FAIL")                                        \
	_(rx_alert, "DTLS_OFFLOAD_RX_ALERT")                                                    \
	_(control_in_pkt, "DTLS_OFFLOAD_CONTROL_IN_PKT")                                        \
	_(control_out_pkt, "DTLS_OFFLOAD_CONTROL_OUT_PKT")                                      \
	_(handshake_in_pkt, "DTLS_OFFLOAD_HANDSHAKE_IN_PKT")                                    \
	_(egress_optimize_pkt, "DTLS_OFFLOAD_EGRESS_OPTIMIZE_PKT")                              \
	_(in_pkt_count, "nvppu_dtls_in_pkt_count")                                              \
	_(in_byte_count, "nvppu_dtls_in_byte_count")                                            \
	_(out_pkt_count, "nvppu_dtls_out_pkt_count")                                            \
	_(out_byte_count, "nvppu_dtls_out_byte_count")                                          \
	_(in_drop_pkt_count, "nvppu_dtls_in_drop_pkt_count")                                    \
	_(out_drop_pkt_count, "nvppu_dtls_out_drop_pkt_count")                                  \
	_(anti_drop_cnt, "nvppu_dtls_anti_drop_cnt")

struct fp_dtls_stats {
#define FP_DTLS_CNT_FIELD(f, name) uint64_t f;
	FP_DTLS_COUNTERS(FP_DTLS_CNT_FIELD)
#undef FP_DTLS_CNT_FIELD
};

enum fp_dtls_counter {
#define FP_DTLS_CNT_ENUM(f, name) FP_DTLS_CNT_##f,
	FP_DTLS_COUNTERS(FP_DTLS_CNT_ENUM)
#undef FP_DTLS_CNT_ENUM
	FP_DTLS_CNT__COUNT
};
const char *fp_dtls_counter_name(unsigned c);
uint64_t fp_dtls_counter_get(const struct fp_dtls_stats *st, unsigned c);

struct fp_dtlsdb;
struct fp_pipe;

/* A table for up to capacity rules; be picks the AEAD library. */
struct fp_dtlsdb *fp_dtlsdb_new(uint32_t capacity, enum fp_crypto_backend be);
void fp_dtlsdb_free(struct fp_dtlsdb *db);
uint32_t fp_dtlsdb_count(const struct fp_dtlsdb *db);
/* Rules installed held, not yet given their state. */
uint32_t fp_dtlsdb_held(const struct fp_dtlsdb *db);
bool fp_dtls_rule_held(const struct fp_dtlsdb *db, uint32_t id);
struct fp_dtls_stats *fp_dtlsdb_stats(struct fp_dtlsdb *db);

int fp_dtls_install(struct fp_dtlsdb *db, const struct fp_dtls_params *p, uint32_t *id,
		    const char **err);
int fp_dtls_update(struct fp_dtlsdb *db, uint32_t id, const struct fp_dtls_update *u,
		   const char **err);
int fp_dtls_delete(struct fp_dtlsdb *db, uint32_t id);
int fp_dtls_query(const struct fp_dtlsdb *db, uint32_t id, struct fp_dtls_rule_stats *out);
/* What a rule has learnt since it was installed, so it can move between
 * pipes (flow-offload-dtls switched off or on: the engine's pipe and the
 * slow path's software pipe run the same code) without the client
 * noticing: the next sequence number, the replay window, the counters.
 * Move: export and delete on the old pipe, install with the same
 * parameters on the new one, import there before its first packet.
 * Import refuses a state of another epoch; sequence numbers and the window
 * never go backwards. */
struct fp_dtls_state {
	uint16_t epoch;
	uint64_t seq_out;
	struct fp_replay_state {
		uint64_t top;
		uint64_t bits[FP_DTLS_REPLAY_WINDOW / 64 + 1];
	} replay;
	uint16_t ip_id;
	struct fp_dtls_rule_stats cnt;
};
int fp_dtls_export(const struct fp_dtlsdb *db, uint32_t id, struct fp_dtls_state *st);
int fp_dtls_import(struct fp_dtlsdb *db, uint32_t id, const struct fp_dtls_state *st);

/* The slow path's tag of rule id (fp_dtls_params.tag), FP_DTLS_NONE when
 * there is no such rule: per packet, no lock. */
uint32_t fp_dtls_rule_tag(const struct fp_dtlsdb *db, uint32_t id);

/* The rule whose 6-tuple this is (remote = the client), FP_DTLS_NONE if none. */
uint32_t fp_dtls_lookup(const struct fp_dtlsdb *db, const struct fp_addr *remote,
			uint16_t remote_port, const struct fp_addr *local, uint16_t local_port);

/* Inbound classification: UDP datagrams (pkt->data an IPv4/IPv6 header)
 * whose 6-tuple is a rule's get pkt->sa = rule and pkt->esp_off = the
 * record's offset; the others keep pkt->sa = FP_SA_NONE. Returns how many
 * matched. */
uint16_t fp_dtls_classify(struct fp_dtlsdb *db, struct fp_pkt **pkts, uint16_t n);

/* Inbound records of classified packets. Good packets become the inner IP
 * packets of AnyConnect DATA records. The others move after them, each
 * with pkt->drop naming why; punted ones (FP_PKT_F_PUNT) go to the slow
 * path: FP_DROP_DTLS_CONTROL_IN (verified and decrypted: pkt->data is the
 * AnyConnect frame, type byte first), FP_DROP_DTLS_RX_ALERT (verified:
 * pkt->data is the alert, 2 bytes), FP_DROP_DTLS_HANDSHAKE,
 * FP_DROP_DTLS_EPOCH and FP_DROP_DTLS_MULTI_RECORD (the datagram as it
 * came, for the SSL object). */
uint16_t fp_dtls_inb_process(struct fp_pipe *pp, struct fp_dtlsdb *db, struct fp_pkt **pkts,
			     uint16_t n);

/* Outbound: packets with pkt->sa = rule (see FP_PKT_F_DTLS_*) become UDP
 * datagrams to the client, outer IP header first. */
uint16_t fp_dtls_outb_process(struct fp_pipe *pp, struct fp_dtlsdb *db, struct fp_pkt **pkts,
			      uint16_t n);

/* The 13-byte header of the record at rec, len bytes available: 0, or -1
 * when it is shorter than its header or than its length field says. The
 * one parser of the wire format (the inbound path and the fuzz target). */
struct fp_dtls_hdr {
	uint8_t type;
	uint16_t version;
	uint16_t epoch;
	uint64_t seq;        /* 48 bits */
	uint16_t length;     /* of the fragment after the header */
};
int fp_dtls_hdr_parse(const uint8_t *rec, uint32_t len, struct fp_dtls_hdr *h);

#endif
