/* Inside src/ike: the instance (struct fp_ike), the IKE SA record and the
 * functions the exchange files share. Not for the gateway, which sees
 * only ike.h.
 *
 * An IKE SA lives from its first IKE_SA_INIT (sent or received) to its
 * deletion; every state change goes through fp_ike_sa_state(). Message
 * IDs follow ike_msgid.c (window 1 each way), deadlines ike_timer.c. */
#ifndef FP_IKE_SA_H
#define FP_IKE_SA_H

#include <stdarg.h>

#include "ike/ike.h"
#include "ike/ike_build.h"
#include "ike/ike_dh.h"
#include "ike/ike_keys.h"
#include "ike/ike_msg.h"
#include "ike/ike_payload.h"
#include "ike/ike_sk.h"

#define FP_IKE_MSG_MAX 8192        /* our largest message: a MODP-4096 IKE_SA_INIT is ~700 */
#define FP_IKE_NONCE_LEN 32
#define FP_IKE_COOKIE_MAX 64       /* RFC 7296 2.6: 1 to 64 bytes */
#define FP_IKE_NATD_LEN 20         /* SHA-1 */
#define FP_IKE_RTX_TRIES 5         /* retransmissions before the SA is given up */
#define FP_IKE_RTX_FIRST_NS 4000000000ull
#define FP_IKE_HALF_OPEN_NS 30000000000ull  /* responder waits this long for IKE_AUTH */
#define FP_IKE_HALF_OPEN_PER_SRC 16u        /* half-open SAs from one address at most */
#define FP_IKE_COOKIE_SECRET_LEN 32
#define FP_IKE_COOKIE_TRIES 4u              /* an initiator echoes this many COOKIEs, then gives up */
#define FP_IKE_ACQUIRE_GAP_NS 10000000000ull /* one negotiation a tunnel per 10 s */
#define FP_IKE_MAX_CHILDREN (2 * FP_IKE_MAX_TUNNELS) /* each tunnel's child and the one it replaces */
#define FP_IKE_DELETE_DELAY_NS 5000000000ull  /* a replaced child's inbound stays (charon's 5 s) */
#define FP_IKE_REKEY_MIN_NS 10000000000ull    /* no soft rekey before 10 s of life */
#define FP_IKE_MAX_DEL 32                     /* child SPIs waiting for our DELETE */
#define FP_IKE_CERTREQ_MAX 8                  /* CA hashes of a peer's CERTREQ kept */
#define FP_IKE_SHA1_LEN 20                    /* a CERTREQ entry: SHA-1 of the CA's SPKI */
#define FP_IKE_FRAG_MAX 32                    /* fragments of one message we reassemble */
#define FP_IKE_FRAG_BYTES (64u * 1024)        /* bytes of one reassembled message */
#define FP_IKE_FRAG_TIMEOUT_NS 30000000000ull /* an incomplete message is dropped then */
#define FP_IKE_FRAG_OUT_MAX (4 * FP_IKE_MSG_MAX) /* a message of ours as fragments */

/* The life of an IKE SA. IN-NEG in show is everything before READY. */
#define FP_IKE_STATE_LIST(_)                                                  \
	_(NEW, "NEW")                 /* record made, nothing sent */         \
	_(INIT_SENT, "INIT_SENT")     /* initiator: IKE_SA_INIT request out */ \
	_(INIT_DONE, "INIT_DONE")     /* responder: answered, waits IKE_AUTH */ \
	_(AUTH_SENT, "AUTH_SENT")     /* initiator: IKE_AUTH request out */   \
	_(READY, "READY")                                                     \
	_(DELETING, "DELETING")                                               \
	_(DEAD, "DEAD")               /* freed at the end of the call */

enum fp_ike_state {
#define FP_IKE_X(n, s) FP_IKE_S_##n,
	FP_IKE_STATE_LIST(FP_IKE_X)
#undef FP_IKE_X
	FP_IKE_S__COUNT
};

const char *fp_ike_state_name(unsigned s);

/* Our outstanding request and the peer's last answered one (ike_msgid.c). */
struct fp_ike_msgid {
	uint32_t mi_next_send;        /* MID of our next request */
	uint32_t mi_next_recv;        /* MID the peer's next request must carry */
	uint8_t *mi_req;              /* our request in flight (NULL: none) */
	size_t mi_req_len;
	uint32_t mi_req_mid;
	unsigned mi_tries;            /* retransmissions so far */
	uint64_t mi_fixed_ns;         /* DPD: retransmit at this interval (0: back off) */
	uint64_t mi_rtx_ns;           /* when to retransmit it */
	uint8_t *mi_resp;             /* our last response, for a retransmitted request */
	size_t mi_resp_len;
	uint32_t mi_resp_mid;
};

/* The ESP proposal chosen for a child: ours, and what the peer sent. */
struct fp_ike_esp_pick {
	struct fp_ike_esp ep_esp;
	struct fp_ike_suite ep_su;
	bool ep_esn;
	uint8_t ep_num;
	uint32_t ep_peer_spi;
};

/* A CHILD_SA of an IKE SA (prefix c_). ACTIVE holds its tunnel's
 * outbound rule; OLD was replaced by a rekey and waits for the DELETE
 * (ours answered, or the peer's) or c_down_ns, whichever comes first. */
enum fp_ike_child_state { FP_IKE_CH_FREE, FP_IKE_CH_ACTIVE, FP_IKE_CH_OLD };

struct fp_ike_childrec {
	uint64_t c_handle;
	uint8_t c_state;               /* enum fp_ike_child_state */
	uint8_t c_tunnel;              /* index into the peer's tunnels */
	bool c_initiator;              /* we started the exchange that made it */
	uint32_t c_spi_in, c_spi_out;
	struct fp_ike_esp_pick c_esp;
	struct fp_selector c_sel;
	uint64_t c_rekey_ns;           /* soft: rekey from then on (0 = never) */
	uint64_t c_expire_ns;          /* hard: delete (0 = never) */
	uint64_t c_down_ns;            /* OLD: child_down at the latest then */
};

/* Our request in flight beyond IKE_SA_INIT/IKE_AUTH (window 1). */
enum fp_ike_pend_kind {
	FP_IKE_P_NONE, FP_IKE_P_DPD, FP_IKE_P_CHILD_NEW, FP_IKE_P_CHILD_REKEY,
	FP_IKE_P_IKE_REKEY, FP_IKE_P_DELETE_CHILD, FP_IKE_P_DELETE_IKE
};

struct fp_ike_pend {
	uint8_t p_kind;                /* enum fp_ike_pend_kind */
	unsigned p_slot;               /* CHILD_REKEY: the child; CHILD_NEW: the tunnel */
	uint32_t p_spi;                /* our new inbound SPI */
	uint8_t p_spi_ike[FP_IKE_SPI_LEN]; /* IKE_REKEY: our new IKE SPI */
	uint8_t p_nonce[FP_IKE_NONCE_MAX];
	size_t p_nonce_len;
	struct fp_ike_dh p_dh;
	uint32_t p_del[FP_IKE_MAX_DEL];   /* DELETE_CHILD: the inbound SPIs sent */
	unsigned p_n_del;
	/* 2.8.1: the peer rekeyed the same SA meanwhile; the lower nonce of
	 * its exchange, and what that exchange made (child slot / IKE SA id) */
	bool p_crossed;
	uint8_t p_cross_lo[FP_IKE_NONCE_MAX];
	size_t p_cross_lo_len;
	uint64_t p_cross_made;
};

/* One IKE SA (prefix s_). The keys and the nonces are secrets: the record
 * is cleansed when freed. */
struct fp_ike_sarec {
	uint64_t s_id;
	uint8_t s_state;              /* enum fp_ike_state */
	bool s_initiator;             /* we are the original initiator */
	bool s_has_peer;
	unsigned s_peer;              /* index into the configured peers */
	unsigned s_tunnel;            /* index into the peer's tunnels (initiator's child) */
	uint8_t s_spi_i[FP_IKE_SPI_LEN], s_spi_r[FP_IKE_SPI_LEN];
	struct fp_addr s_local, s_remote;
	uint16_t s_lport, s_rport, s_ifc;
	uint16_t s_encr, s_encr_bits, s_integ, s_prf, s_group;
	uint32_t s_life_s;                 /* of the policy chosen */
	struct fp_ike_dh s_dh;
	uint8_t s_ni[FP_IKE_NONCE_MAX], s_nr[FP_IKE_NONCE_MAX];
	size_t s_ni_len, s_nr_len;
	uint8_t s_cookie[FP_IKE_COOKIE_MAX];
	size_t s_cookie_len;
	unsigned s_cookie_tries;           /* COOKIE answers taken (FP_IKE_COOKIE_TRIES at most) */
	uint8_t *s_init_req, *s_init_resp; /* the IKE_SA_INIT messages, AUTH signs them */
	size_t s_init_req_len, s_init_resp_len;
	struct fp_ike_keys s_keys;
	bool s_nat_local, s_nat_remote;    /* we / the peer are behind a NAT */
	uint32_t s_child_spi;              /* ours, offered in IKE_AUTH; 0 = none */
	struct fp_ike_msgid s_mid;
	uint64_t s_created_ns;
	uint64_t s_expire_ns;              /* half-open deadline; 0 = none */
	struct fp_ike_childrec s_ch[FP_IKE_MAX_CHILDREN];
	struct fp_ike_pend s_pend;
	uint32_t s_del[FP_IKE_MAX_DEL];    /* inbound SPIs of children to DELETE */
	unsigned s_n_del;
	uint32_t s_want_tunnels;           /* tunnels (bits) wanting a CREATE_CHILD_SA */
	bool s_del_ike;                    /* a DELETE of this SA wanted */
	uint64_t s_last_rx_ns;             /* last message from the peer (DPD idle) */
	uint64_t s_ka_ns;                  /* next NAT-T keepalive (behind a NAT); 0 = none yet */
	uint64_t s_rekey_ns, s_hard_ns;    /* the IKE SA's lifetime (0 = none) */
	uint64_t s_replaces;               /* INITIAL_CONTACT, IKE rekey: id it replaced */
	/* RFC 7427: the peer's SIGNATURE_HASH_ALGORITHMS (bit n: hash n);
	 * none received means the classic AUTH methods 1 and 9-11 */
	bool s_sig_peer;
	uint8_t s_sig_hashes;
	bool s_frag;                       /* RFC 7383: both sides announced fragmentation */
	struct fp_ike_frag *s_frag_rx;     /* the message being reassembled (ike_frag.c) */
	uint8_t s_certreq[FP_IKE_CERTREQ_MAX][FP_IKE_SHA1_LEN]; /* the peer's CERTREQ */
	unsigned s_n_certreq;
	uint8_t s_auth_method;             /* what we signed with and the peer used (show) */
	uint8_t s_auth_peer;
	char s_id_local[FP_IKE_ID_STR], s_id_remote[FP_IKE_ID_STR]; /* show: the IDs sent and verified */
	bool s_auth_ec, s_auth_peer_ec;    /* by an EC key (method 14 says no more) */
};

/* A trustpoint as the instance holds it: the caller's objects referenced,
 * the SHA-1 SPKI hashes of its CAs (our CERTREQ) and of our own chain (to
 * honour the peer's). */
struct fp_ike_credrec {
	struct fp_ike_cred cr;
	uint8_t (*ca_hash)[FP_IKE_SHA1_LEN];
	unsigned n_ca;
	uint8_t (*own_hash)[FP_IKE_SHA1_LEN]; /* cert, then each chain entry */
	unsigned n_own;
};

/* The responder's cookie secrets (ike_cookie.c): the current one and the
 * one it replaced, each named by a version octet that leads its cookies. */
struct fp_ike_cookie {
	uint8_t ck_secret[FP_IKE_COOKIE_SECRET_LEN], ck_prev[FP_IKE_COOKIE_SECRET_LEN];
	uint8_t ck_version;                /* of ck_secret; ck_prev's is one less */
	uint64_t ck_born_ns;               /* ck_secret made then; 0 = none yet */
	uint64_t ck_prev_until_ns;         /* ck_prev's cookies accepted until then */
};

struct fp_ike {
	struct fp_ike_env env;
	struct fp_ike_policy policies[FP_IKE_MAX_PROPOSALS];
	unsigned n_policies;
	struct fp_ike_peer *peers;
	unsigned n_peers;
	struct fp_ike_credrec creds[FP_IKE_MAX_CREDS];
	unsigned n_creds;
	uint16_t frag_mtu;
	uint64_t *acquired_ns;             /* n_peers x FP_IKE_MAX_TUNNELS: last acquire */
	unsigned half_open_max, cookie_at; /* the half-open bound; cookies from cookie_at on */
	struct fp_ike_cookie cookie;
	uint64_t unknown_log_ns;           /* last "no tunnel-group" line (once a second) */
	struct fp_ike_sarec **sas;
	unsigned n_sas, cap_sas;
	uint64_t next_id;
	uint64_t now_ns;
	unsigned dbg_protocol;             /* debug crypto ikev2 protocol LEVEL; 0 = off */
	struct fp_ike_stats stats;
	/* scratch for one message at a time (one thread, never reentered) */
	uint8_t plain[FP_IKE_MSG_MAX], chain[FP_IKE_MSG_MAX];
	uint8_t out[FP_IKE_FRAG_OUT_MAX];  /* a message of ours, or its fragments back to back */
	struct fp_ike_sa sa_view;
	struct fp_ike_msg msg;
	struct fp_ike_chain inner;
};

/* ike_id.c: an ID payload's body (type, data) as show prints it. */
void fp_ike_id_str(uint8_t type, const uint8_t *data, size_t n, char *out, size_t outn);

/* ike_debug.c: a line of severity sev (1-7), written when the debug
 * level is sev or more (1: always); never a secret in it. */
void fp_ike_dbg(struct fp_ike *ike, unsigned sev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A datagram received (rx) or sent, at severity 5. */
void fp_ike_dbg_packet(struct fp_ike *ike, bool rx, const struct fp_ike_dgram *d);

/* ike_sa.c */
struct fp_ike_sarec *fp_ike_sa_new(struct fp_ike *ike, bool initiator, uint64_t now_ns);
/* Move s to state; -1 (logged, counted as refused_state) if the table forbids it. */
int fp_ike_sa_state(struct fp_ike *ike, struct fp_ike_sarec *s, enum fp_ike_state to);
/* Children down, SPI released, secrets cleansed; the record goes at the
 * end of the current call (fp_ike_sa_reap). */
void fp_ike_sa_delete(struct fp_ike *ike, struct fp_ike_sarec *s, const char *reason);
void fp_ike_sa_reap(struct fp_ike *ike);
/* A READY SA closed the orderly way: children down now (why), the DELETE
 * of the IKE SA our next request; any other state: deleted at once. */
void fp_ike_sa_close(struct fp_ike *ike, struct fp_ike_sarec *s, const char *why);
/* Whose message: by our SPI (SPIr as responder, SPIi as initiator). */
struct fp_ike_sarec *fp_ike_sa_find(struct fp_ike *ike, const uint8_t *spi_i,
				    const uint8_t *spi_r, bool we_initiated);
/* A responder's SA for a retransmitted IKE_SA_INIT (same SPIi, same source). */
struct fp_ike_sarec *fp_ike_sa_find_half(struct fp_ike *ike, const uint8_t *spi_i,
					 const struct fp_addr *remote, uint16_t rport);
void fp_ike_log(struct fp_ike *ike, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* a as text into buf (FP_ADDR_STRLEN bytes); returns buf. */
const char *fp_ike_addr_str(const struct fp_addr *a, char *buf);
void fp_ike_random(struct fp_ike *ike, uint8_t *out, size_t n);
/* Copy of n bytes on the heap; NULL on failure. */
uint8_t *fp_ike_dup(const uint8_t *p, size_t n);
void fp_ike_free_secret(uint8_t **p, size_t *n);

/* ike_io.c */
/* Send raw bytes on s's current path: each IKE message of b[0..n) (its
 * header gives its length; fragments lie back to back) as a datagram. */
void fp_ike_send_raw(struct fp_ike *ike, const struct fp_ike_sarec *s, const uint8_t *b,
		     size_t n);
/* Wrap chain (first payload type first) in SK under s's keys, write it into
 * ike->out and return its length (0 on failure). */
size_t fp_ike_seal(struct fp_ike *ike, struct fp_ike_sarec *s, uint8_t exchange, bool response,
		   uint32_t mid, uint8_t first, const uint8_t *chain, size_t chain_len);
/* A notify payload with no SPI into w (data may be NULL). */
void fp_ike_put_status(struct fp_ike_wr *w, uint16_t type, const uint8_t *data, uint16_t len);
/* The response to the peer's request mid: the inner chain in w sealed,
 * kept for a retransmitted request, sent. */
void fp_ike_answer(struct fp_ike *ike, struct fp_ike_sarec *s, uint8_t exchange,
		   struct fp_ike_wr *w, uint32_t mid);
/* Our request: the inner chain in w sealed, sent, retransmitted from the
 * tick; false if it could not be built. */
bool fp_ike_ask(struct fp_ike *ike, struct fp_ike_sarec *s, uint8_t exchange, struct fp_ike_wr *w,
		uint64_t now_ns);
/* A KE payload from a fresh key pair of group (dh replaced); 0 or -1. */
int fp_ike_put_ke_new(struct fp_ike_wr *w, struct fp_ike_dh *dh, uint16_t group);
/* The KE payload of the key pair dh holds; 0 or -1. */
int fp_ike_put_ke_of(struct fp_ike_wr *w, const struct fp_ike_dh *dh);
/* The first notify of type in c, or NULL; *n filled. */
bool fp_ike_find_notify(const struct fp_ike_chain *c, uint16_t type, struct fp_ike_notify *n);
/* The first error notify (< 16384) in c: its type, or 0. */
uint16_t fp_ike_error_notify(struct fp_ike *ike, const struct fp_ike_chain *c);
void fp_ike_count_notify_tx(struct fp_ike *ike, uint16_t type);

/* ike_msgid.c */
/* A new request of ours: bytes copied, sent, retransmitted from the tick. */
void fp_ike_msgid_request(struct fp_ike *ike, struct fp_ike_sarec *s, const uint8_t *b,
			  size_t n, uint64_t now_ns);
/* The response to our request came: stop retransmitting. */
void fp_ike_msgid_answered(struct fp_ike_sarec *s);
/* A response of ours to request mid: kept for a retransmitted request, sent. */
void fp_ike_msgid_respond(struct fp_ike *ike, struct fp_ike_sarec *s, uint32_t mid,
			  const uint8_t *b, size_t n);
/* The peer's request with mid: 1 process it, 0 handled (a retransmit
 * answered from the cache, or dropped and counted). */
int fp_ike_msgid_check_request(struct fp_ike *ike, struct fp_ike_sarec *s, uint32_t mid);
/* The peer's response with mid: true if it answers our request in flight. */
bool fp_ike_msgid_check_response(struct fp_ike *ike, struct fp_ike_sarec *s, uint32_t mid);
/* Retransmit if due; false when the tries are spent (the SA is then deleted). */
bool fp_ike_msgid_tick(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns);
void fp_ike_msgid_clear(struct fp_ike_msgid *mi);

/* ike_natt.c */
/* SHA-1(SPIi | SPIr | IP | port) (RFC 7296 2.23). */
void fp_ike_natd_hash(const uint8_t *spi_i, const uint8_t *spi_r, const struct fp_addr *a,
		      uint16_t port, uint8_t out[FP_IKE_NATD_LEN]);
/* Our two NAT_DETECTION notifies for a message sent from local to remote. */
void fp_ike_natd_put(struct fp_ike_wr *w, const struct fp_ike_sarec *s, const uint8_t *spi_r);
/* Compare the peer's NAT_DETECTION notifies in c with what d carried. */
void fp_ike_natd_check(struct fp_ike *ike, struct fp_ike_sarec *s, const struct fp_ike_chain *c,
		       const struct fp_ike_dgram *d);
/* After IKE_SA_INIT: move to 4500 if a NAT was seen (initiator). */
void fp_ike_natt_float(struct fp_ike_sarec *s);
/* An authenticated, new message came from d's addresses: the SA answers
 * and sends there; with a NAT in front of the peer its children's ESP
 * follows too (env.child_moved). */
void fp_ike_natt_peer_moved(struct fp_ike *ike, struct fp_ike_sarec *s,
			    const struct fp_ike_dgram *d);
/* Behind a NAT: a 1-byte keepalive every 20 s keeps the mapping open. */
void fp_ike_natt_keepalive(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns);
/* The child's ESP-in-UDP ports (0, 0 without a NAT). */
void fp_ike_natt_child_ports(const struct fp_ike_sarec *s, uint16_t *sport, uint16_t *dport);

/* ike_timer.c */
void fp_ike_timer_run(struct fp_ike *ike, uint64_t now_ns);

/* ike_init.c */
int fp_ike_init_start(struct fp_ike *ike, unsigned peer, unsigned tunnel, uint64_t now_ns);
void fp_ike_init_request(struct fp_ike *ike, const struct fp_ike_dgram *d, uint64_t now_ns);
void fp_ike_init_response(struct fp_ike *ike, struct fp_ike_sarec *s,
			  const struct fp_ike_dgram *d, uint64_t now_ns);
/* Whether proposal pr offers transform (type, id), with key length bits
 * for encryption; transforms with an unknown attribute never match. */
bool fp_ike_prop_offers(const struct fp_ike_sa *sa, const struct fp_ike_prop *pr, uint8_t type,
			uint16_t id, uint16_t bits);
/* Whether pr has a transform of type other than id 0 (INTEG NONE). */
bool fp_ike_prop_has(const struct fp_ike_sa *sa, const struct fp_ike_prop *pr, uint8_t type);
/* The peer configured for address a, or -1. */
int fp_ike_peer_by_addr(const struct fp_ike *ike, const struct fp_addr *a);

/* ike_cookie.c */
/* Before any state or Diffie-Hellman for a new IKE_SA_INIT request (its
 * nonce no): true to go on; false when it was answered with a COOKIE
 * (cookies are on and it brought none, or a stale or forged one). */
bool fp_ike_cookie_gate(struct fp_ike *ike, const struct fp_ike_dgram *d,
			const struct fp_ike_pl *no, uint64_t now_ns);
/* Room for one more half-open SA from d's source: false (counted) when
 * the total or the source's share is full. */
bool fp_ike_half_open_room(struct fp_ike *ike, const struct fp_ike_dgram *d);
/* (fp_ike_half_open_limits is in ike.h. The secrets go with the
 * instance: fp_ike_free cleanses it whole.) */

/* ike_init.c, for ike_cookie.c: an unprotected notify answering the
 * IKE_SA_INIT request being read (no state kept, nothing logged). */
void fp_ike_init_notify(struct fp_ike *ike, const struct fp_ike_dgram *d, uint16_t type,
			const uint8_t *data, uint16_t len);

/* ike_auth.c */
/* Our AUTH (PSK) into out (prf length bytes); 0 or -1. */
int fp_ike_auth_psk(const struct fp_ike_sarec *s, bool of_initiator, const uint8_t *psk,
		    size_t psk_len, const uint8_t *id_body, size_t id_len, uint8_t *out,
		    size_t *out_len);
/* Check the peer's AUTH in constant time: true if it matches. */
bool fp_ike_auth_psk_verify(const struct fp_ike_sarec *s, bool of_initiator,
			    const uint8_t *psk, size_t psk_len, const uint8_t *id_body,
			    size_t id_len, const uint8_t *auth, size_t auth_len);

/* The octets AUTH covers (2.15): the signer's IKE_SA_INIT message, the
 * other side's nonce and prf(SK_p, ID') into mac_id (prf length); oct
 * gets the three pieces. -1 when s lacks them. */
int fp_ike_auth_octets(const struct fp_ike_sarec *s, bool of_initiator, const uint8_t *id_body,
		       size_t id_len, uint8_t *mac_id, struct fp_ike_iov oct[3]);

/* ike_sig.c: signatures for AUTH (RFC 7427 method 14; the classic
 * methods 1 and 9-11 for a peer without RFC 7427) */
enum fp_ike_sig_scheme {
	FP_IKE_SIG_NONE,
	FP_IKE_SIG_RSA_SHA1,          /* method 1 only */
	FP_IKE_SIG_RSA_SHA256, FP_IKE_SIG_RSA_SHA384, FP_IKE_SIG_RSA_SHA512, /* PKCS#1 v1.5 */
	FP_IKE_SIG_PSS_SHA256, FP_IKE_SIG_PSS_SHA384, FP_IKE_SIG_PSS_SHA512,
	FP_IKE_SIG_ECDSA_SHA256, FP_IKE_SIG_ECDSA_SHA384, FP_IKE_SIG_ECDSA_SHA512,
	FP_IKE_SIG__COUNT
};
#define FP_IKE_SIG_MAX 1100           /* AUTH data: an RSA-8192 signature and its AlgorithmIdentifier */
/* Our SIGNATURE_HASH_ALGORITHMS notify into w. */
void fp_ike_sig_put_notify(struct fp_ike_wr *w);
/* The peer's SIGNATURE_HASH_ALGORITHMS in c into s. */
void fp_ike_sig_read_notify(struct fp_ike_sarec *s, const struct fp_ike_chain *c);
/* How we sign with key for s's peer: method 14 with a hash it announced,
 * else the classic method of the key; *method set. NONE if the key fits none. */
enum fp_ike_sig_scheme fp_ike_sig_pick(const struct fp_ike_sarec *s, EVP_PKEY *key,
				       uint8_t *method);
/* AUTH data for method over oct[0..n) into out (cap bytes); 0 or -1. */
int fp_ike_sig_sign(EVP_PKEY *key, enum fp_ike_sig_scheme sch, uint8_t method,
		    const struct fp_ike_iov *oct, unsigned n, uint8_t *out, size_t cap,
		    size_t *out_len);
/* The peer's AUTH (method, data) over oct with its public key: OK or
 * the reason (SIG_ALG, SIG_KEY, SIGNATURE). */
enum fp_ike_authf fp_ike_sig_verify(EVP_PKEY *pub, uint8_t method, const uint8_t *data,
				    size_t len, const struct fp_ike_iov *oct, unsigned n);

/* ike_cert.c: certificates (CERT, CERTREQ, the chain, the ID) */
/* Take references on cfg's trustpoints, hashes made; 0 or -1 with err. */
int fp_ike_cert_configure(struct fp_ike *ike, const struct fp_ike_cfg *cfg, char *err,
			  size_t errlen);
void fp_ike_cert_release(struct fp_ike *ike);
/* CERTREQ naming the CAs we trust for peer p (none when p authenticates by PSK). */
void fp_ike_cert_put_req(const struct fp_ike *ike, struct fp_ike_wr *w,
			 const struct fp_ike_peer *p);
/* The peer's CERTREQ hashes in c, kept in s (added to what it sent before). */
void fp_ike_cert_read_req(struct fp_ike_sarec *s, const struct fp_ike_chain *c);
/* Our CERT payloads: the certificate, then the chain up to a CA the peer
 * named in CERTREQ (all of it when it named none of ours). */
void fp_ike_cert_put_ours(struct fp_ike_wr *w, const struct fp_ike_sarec *s,
			  const struct fp_ike_credrec *cr);
/* Our ID for cr: ID_DER_ASN1_DN, the certificate's subject, into out
 * (type, 3 reserved, DER); its length, 0 if it does not fit cap. */
size_t fp_ike_cert_id(const struct fp_ike_credrec *cr, uint8_t *out, size_t cap);
/* The peer's CERT payloads in c, verified to cr's CAs, its ID (body:
 * type, reserved, data) matched: its public key (EVP_PKEY_free it), or
 * NULL with *why. The reason's detail (OpenSSL's error) is logged. */
EVP_PKEY *fp_ike_cert_peer(struct fp_ike *ike, const struct fp_ike_sarec *s,
			   const struct fp_ike_chain *c, const struct fp_ike_credrec *cr,
			   const uint8_t *id_body, size_t id_len, enum fp_ike_authf *why);

/* ike_frag.c: RFC 7383 */
/* IKEV2_FRAGMENTATION_SUPPORTED into w. */
void fp_ike_frag_put_notify(struct fp_ike_wr *w);
/* Whether c carries IKEV2_FRAGMENTATION_SUPPORTED. */
bool fp_ike_frag_offered(const struct fp_ike_chain *c);
/* A message of msg_len bytes (header h, chain sealed under sd) that s may
 * fragment and that is larger than a fragment: the chain sealed as SKF
 * fragments into ike->out, back to back, and their total length. 0: it
 * goes whole in SK (a lone SKF 1/1 broke a peer: never for a message
 * that fits). */
size_t fp_ike_frag_seal(struct fp_ike *ike, const struct fp_ike_sarec *s,
			const struct fp_ike_hdr *h, const struct fp_ike_sk_dir *sd, uint8_t first,
			const uint8_t *chain, size_t chain_len, size_t msg_len);
/* An SKF fragment whose ICV passed (its plaintext chain piece in piece):
 * kept; when it completes its message, true with the whole chain in *buf
 * (heap, *len bytes, caller cleanses and frees) and *first its first type. */
bool fp_ike_frag_take(struct fp_ike *ike, struct fp_ike_sarec *s, const struct fp_ike_msg *m,
		      const uint8_t *piece, size_t piece_len, uint8_t **buf, size_t *len,
		      uint8_t *first);
/* Drop s's reassembly (SA freed, or timed out). */
void fp_ike_frag_drop(struct fp_ike_sarec *s);
/* Time an incomplete reassembly out. */
void fp_ike_frag_tick(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns);

/* ike_auth_exchange.c */
void fp_ike_auth_start(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns);
void fp_ike_auth_request(struct fp_ike *ike, struct fp_ike_sarec *s,
			 const struct fp_ike_chain *c, uint32_t mid);
void fp_ike_auth_response(struct fp_ike *ike, struct fp_ike_sarec *s,
			  const struct fp_ike_chain *c);

/* ike_esp.c: the ESP proposal and a child's keys, shared by IKE_AUTH
 * and CREATE_CHILD_SA. */
/* Our proposals for tunnel t into sa (SPI spi; with a DH transform when
 * group is not 0). */
void fp_ike_esp_offer(struct fp_ike_sa *sa, const struct fp_ike_tunnel *t, const uint8_t *spi,
		      uint16_t group);
/* Our first ESP proposal the peer offered (our order); with group set,
 * only proposals that offer that DH group, else only those without one. */
bool fp_ike_esp_select(const struct fp_ike_sa *sa, const struct fp_ike_tunnel *t,
		       uint16_t group, bool check_group, struct fp_ike_esp_pick *out);
/* The one proposal of our answer (the chosen one, our SPI). */
void fp_ike_esp_answer(struct fp_ike_sa *sa, const struct fp_ike_esp_pick *p, const uint8_t *spi,
		       uint16_t group);
/* KEYMAT from in (nonces, g^ir with PFS) into the gateway: child_up with
 * old (UINT64_MAX: none); the record goes into a free slot of s. The
 * slot, or -1. we_init: we started this exchange. */
int fp_ike_esp_install(struct fp_ike *ike, struct fp_ike_sarec *s, unsigned tunnel,
		       const struct fp_ike_esp_pick *p, const struct fp_selector *sel,
		       uint32_t spi_in, const struct fp_ike_kin *in, bool we_init, uint64_t old);

/* ike_child.c */
/* Start the CREATE_CHILD_SA our SA wants next, if any: true if sent. */
bool fp_ike_child_next(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns);
void fp_ike_child_request(struct fp_ike *ike, struct fp_ike_sarec *s,
			  const struct fp_ike_chain *c, uint32_t mid);
void fp_ike_child_response(struct fp_ike *ike, struct fp_ike_sarec *s,
			   const struct fp_ike_chain *c);
/* The soft point of a lifetime of life_s from now_ns: 85-95 % of it, not
 * before FP_IKE_REKEY_MIN_NS; 0 for none. */
uint64_t fp_ike_child_soft_ns(struct fp_ike *ike, uint32_t life_s, uint64_t now_ns);
/* The active child of slot's tunnel, or -1. */
int fp_ike_child_active(const struct fp_ike_sarec *s, unsigned tunnel);
/* child_down for slot i and its slot freed. */
void fp_ike_child_drop(struct fp_ike *ike, struct fp_ike_sarec *s, unsigned i, const char *why);

/* 2.8.1: the lower of two nonces (shorter is lower on a common prefix). */
int fp_ike_nonce_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn);
void fp_ike_nonce_lower(const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
			const uint8_t **lo, size_t *lon);

/* ike_rekey.c: the IKE SA rekeyed by CREATE_CHILD_SA (2.18) */
/* Start our rekey of s: true if sent. */
bool fp_ike_rekey_start(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns);
void fp_ike_rekey_request(struct fp_ike *ike, struct fp_ike_sarec *s,
			  const struct fp_ike_chain *c, uint32_t mid);
void fp_ike_rekey_response(struct fp_ike *ike, struct fp_ike_sarec *s,
			   const struct fp_ike_chain *c);

/* ike_info.c */
/* Start the INFORMATIONAL our SA wants next (DELETEs, DPD): true if sent. */
bool fp_ike_info_next(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns);
void fp_ike_info_request(struct fp_ike *ike, struct fp_ike_sarec *s,
			 const struct fp_ike_chain *c, uint32_t mid);
void fp_ike_info_response(struct fp_ike *ike, struct fp_ike_sarec *s,
			  const struct fp_ike_chain *c);
/* An empty request if the peer was silent for its dpd_s: true if sent. */
bool fp_ike_info_dpd(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns);
/* s just came up beside another IKE SA with its peer (both sides started
 * at once): the one whose lower nonce is the lowest goes, on both sides
 * alike (2.8.1's rule for crossed rekeys), its children with it. */
void fp_ike_info_duplicate(struct fp_ike *ike, struct fp_ike_sarec *s);
/* The peer's INITIAL_CONTACT on s: every other SA with it goes. */
void fp_ike_info_initial_contact(struct fp_ike *ike, struct fp_ike_sarec *s);
/* Our child slot i is to go: child_down now, its SPI to the DELETE list. */
void fp_ike_info_delete_child(struct fp_ike *ike, struct fp_ike_sarec *s, unsigned i,
			      const char *why);

/* ike_timer.c */
/* Our next request, if the window is free: DELETEs, rekeys, new
 * children, DPD. */
void fp_ike_timer_next(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns);

/* ike_ts.c */
/* TSi/TSr payload views of a selector side. */
void fp_ike_ts_from_prefix(struct fp_ike_tsp *tsp, const struct fp_prefix *p, uint8_t proto,
			   uint16_t port);
/* As responder: the first tunnel of peer whose selectors narrow the
 * proposed TSi (the peer's side) and TSr (ours); the narrowed selector
 * in *sel (local = ours). -1 if none. */
int fp_ike_ts_select(const struct fp_ike_peer *peer, const struct fp_ike_tsp *tsi,
		     const struct fp_ike_tsp *tsr, struct fp_selector *sel);
/* As initiator: the responder's TSi/TSr inside what tunnel t offered;
 * the narrowed selector in *sel. -1 if not. */
int fp_ike_ts_accept(const struct fp_ike_tunnel *t, const struct fp_ike_tsp *tsi,
		     const struct fp_ike_tsp *tsr, struct fp_selector *sel);

#endif
