/* IKEv2 (RFC 7296) as the gateway sees it: one fp_ike per fpvpnd, run on
 * the slow path's thread. It never touches a socket, a thread, a clock or
 * the engine: datagrams come in through fp_ike_input(), time through
 * fp_ike_input()/fp_ike_tick(), and everything it does to the outside goes
 * through the hooks of struct fp_ike_env (send a datagram, allocate an
 * SPI, install or delete a negotiated CHILD_SA). The gateway translates its
 * configuration (crypto ikev2 policy, crypto maps, tunnel-groups) into
 * struct fp_ike_cfg; src/ike knows nothing of src/config. Unit tests run
 * two fp_ike against each other in one process through the same hooks.
 * Design: docs/ike.md. */
#ifndef FP_IKE_H
#define FP_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "common/addr.h"
#include "crypto/crypto.h"
#include "offload/sa.h"

#define FP_IKE_PORT 500
#define FP_IKE_NATT_PORT 4500
#define FP_IKE_MAX_PROPOSALS 8     /* IKE policies / ESP (cipher, integ) pairs offered */
#define FP_IKE_MAX_ALGS 8          /* transforms of one type in one policy */
#define FP_IKE_MAX_PEERS 256
#define FP_IKE_MAX_TUNNELS 16      /* crypto map entries (ACL permits) towards one peer */
#define FP_IKE_PSK_MAX 128
#define FP_IKE_ID_MAX 255
#define FP_IKE_ID_STR 128               /* an ID as show prints it, NUL included */
#define FP_IKE_MAX_CREDS 16        /* trustpoints IKE uses */
#define FP_IKE_FRAG_MTU_DEFAULT 576 /* "crypto ikev2 fragmentation mtu": the ASA's default */
#define FP_IKE_HALF_OPEN_DEFAULT 1024u /* max-in-negotiation-sa when none is configured */
#define FP_IKE_HALF_OPEN_LIMIT 10000u  /* the most it may be set to */
#define FP_IKE_COOKIE_PCT_DEFAULT 50u  /* cookie-challenge when none is configured */

/* One datagram, in or out: the UDP payload, without the non-ESP marker
 * on 4500 (the gateway strips it on input and prepends it on output).
 * The one exception: a NAT-T keepalive (RFC 3948 2.3), the single byte
 * FP_IKE_NATT_KEEPALIVE on 4500, goes out as it is. */
#define FP_IKE_NATT_KEEPALIVE 0xffu
#define FP_IKE_NATT_KEEPALIVE_NS (20ull * 1000000000ull) /* charon's and the ASA's 20 s */
struct fp_ike_dgram {
	struct fp_addr local, remote;
	uint16_t lport, rport;
	uint16_t ifc;                  /* the gateway's interface index */
	const uint8_t *data;
	uint32_t len;
};

/* "crypto ikev2 policy N": one IKE proposal, transforms in preference
 * order, IANA numbers (ike_wire.h): encryption with its key length in
 * bits, integrity (none with GCM), PRF, DH group. */
struct fp_ike_policy {
	unsigned priority;
	uint16_t encr[FP_IKE_MAX_ALGS], encr_bits[FP_IKE_MAX_ALGS];
	unsigned n_encr;
	uint16_t integ[FP_IKE_MAX_ALGS];
	unsigned n_integ;
	uint16_t prf[FP_IKE_MAX_ALGS];
	unsigned n_prf;
	uint16_t group[FP_IKE_MAX_ALGS];
	unsigned n_group;
	uint32_t life_s;               /* "lifetime seconds", default 86400 */
};

/* One ESP proposal of "crypto ipsec ikev2 ipsec-proposal": the engine's
 * transforms (every pair of its encryption x integrity lists). */
struct fp_ike_esp {
	enum fp_cipher cipher;
	enum fp_integ integ;
};

/* A crypto map entry towards the peer, for one ACL permit: what the
 * tunnel protects (our TSi as initiator), and what it is called in the
 * gateway (tunnel = index the env hooks get back). */
struct fp_ike_tunnel {
	unsigned tunnel;
	struct fp_selector sel;        /* local = our side, remote = the peer's */
	struct fp_ike_esp esp[FP_IKE_MAX_PROPOSALS];
	unsigned n_esp;
	uint16_t pfs_group;            /* "set pfs groupN"; 0 = none */
	uint32_t life_s;               /* "set security-association lifetime" */
	uint64_t life_kb;
	bool esn;
	bool transport;
	bool initiate;                 /* connection-type bidirectional / originate-only */
	bool respond;                  /* bidirectional / answer-only */
};

/* Identities: IP address (the ASA's default for PSK) or FQDN. */
struct fp_ike_id {
	uint8_t type;                  /* FP_IKE_ID_IPV4_ADDR, _FQDN, _IPV6_ADDR, ... (ike_wire.h) */
	uint8_t len;
	uint8_t data[FP_IKE_ID_MAX];
};

/* A trustpoint as IKE uses it ("crypto ca trustpoint"): our certificate,
 * the chain after it and its private key (local authentication), and the
 * CAs a peer's certificate must chain to (remote). fp_ike_configure takes
 * its own references (up_ref) and drops them at the next configure or at
 * free, so the caller frees its objects when it likes. NULL: not there. */
struct fp_ike_cred {
	X509 *cert;
	struct stack_st_X509 *chain;
	EVP_PKEY *key;
	X509_STORE *cas;
};

/* A peer: a tunnel-group of type ipsec-l2l and the crypto map entries
 * that name it with "set peer". PSKs are secrets: the gateway cleanses
 * its copy, fp_ike_configure keeps its own and cleanses it on free. */
struct fp_ike_peer {
	struct fp_addr addr;           /* the tunnel-group's name */
	struct fp_addr local;          /* our outside address towards it */
	uint16_t ifc;
	struct fp_ike_id local_id;     /* len 0: our address */
	uint8_t psk_local[FP_IKE_PSK_MAX], psk_remote[FP_IKE_PSK_MAX];
	uint16_t psk_local_len, psk_remote_len;
	/* "ikev2 local-authentication certificate TP": sign with cred_local;
	 * "ikev2 remote-authentication certificate": the peer's certificate
	 * must chain to cred_remote's CAs. Indexes into fp_ike_cfg.creds.
	 * Our ID is then the certificate's DN unless local_id says otherwise. */
	bool cert_local, cert_remote;
	uint8_t cred_local, cred_remote;
	uint32_t dpd_s, dpd_retry_s;   /* "isakmp keepalive threshold S retry R"; 0 = off */
	struct fp_ike_tunnel tunnels[FP_IKE_MAX_TUNNELS];
	unsigned n_tunnels;
};

struct fp_ike_cfg {
	struct fp_ike_policy policies[FP_IKE_MAX_PROPOSALS]; /* by priority */
	unsigned n_policies;
	struct fp_ike_peer *peers;     /* the caller's array, copied */
	unsigned n_peers;
	const struct fp_ike_cred *creds; /* referenced, not copied (see struct fp_ike_cred) */
	unsigned n_creds;
	/* "crypto ikev2 fragmentation mtu N": the IP packet size our IKE
	 * fragments (RFC 7383) fit in; 0 = FP_IKE_FRAG_MTU_DEFAULT. */
	uint16_t frag_mtu;
	/* "crypto ikev2 limit max-in-negotiation-sa N": half-open SAs kept at
	 * once (0 = FP_IKE_HALF_OPEN_DEFAULT); "crypto ikev2 cookie-challenge
	 * PERCENT": COOKIE (RFC 7296 2.6) required from that share of it on
	 * (0 = FP_IKE_COOKIE_PCT_DEFAULT) */
	unsigned half_open_max;
	unsigned cookie_pct;
};

/* A negotiated CHILD_SA, handed to the gateway to install (keys are
 * copied by the callee; src/ike cleanses its own after the call). */
struct fp_ike_child {
	unsigned peer, tunnel;         /* indexes into fp_ike_cfg.peers / .tunnels[].tunnel */
	uint32_t spi_in, spi_out;
	struct fp_crypto_key key_in, key_out;
	struct fp_selector sel;        /* the narrowed TSi/TSr, local = ours */
	struct fp_addr local, remote;  /* outer endpoints */
	uint16_t encap_sport, encap_dport; /* ESP in UDP when a NAT was seen (or faked); 0 = raw */
	bool esn, transport;
	uint32_t life_s;
	uint64_t life_kb;
	uint16_t pfs_group;            /* for show: "PFS Group N" */
	uint64_t ike_sa;               /* the IKE SA's id, for show crypto ikev2 sa */
	/* We started the exchange that made it. For a rekey this says when
	 * our packets may move to it: at once as its initiator (the peer
	 * installed its inbound SA before it answered), as the responder only
	 * once the old child goes (the peer's DELETE), RFC 7296 2.8. */
	bool initiator;
};

struct fp_ike_env {
	void *ctx;
	/* Send one datagram (IKE on 500, or on 4500 without the marker). */
	void (*send)(void *ctx, const struct fp_ike_dgram *d);
	/* An inbound SPI unique across the gateway; 0 when none is left. */
	uint32_t (*spi_alloc)(void *ctx);
	void (*spi_release)(void *ctx, uint32_t spi);
	/* Install a negotiated CHILD_SA pair; 0 and *handle, or -1 (the
	 * exchange then answers/deletes as a failed child). For a rekey,
	 * old_handle is the child it replaces (make-before-break: the new
	 * inbound SA is in before the new SPI is sent), else UINT64_MAX. */
	int (*child_up)(void *ctx, const struct fp_ike_child *c, uint64_t old_handle,
			uint64_t *handle);
	/* Take a child out of the engine (peer's DELETE, expiry, IKE SA gone). */
	void (*child_down)(void *ctx, uint64_t handle, const char *reason);
	/* Fill n random bytes (nonces, SPIs, IVs); NULL = OpenSSL's RAND_bytes. */
	void (*random)(void *ctx, uint8_t *out, size_t n);
	/* One log line, ASA syslog style, never a secret; NULL = stderr. */
	void (*log)(void *ctx, const char *line);
	/* When the child's inbound SA last took a packet (the clock of the
	 * now_ns arguments), 0 = never: traffic from the peer proves it alive,
	 * so DPD asks only after threshold seconds without IKE or ESP from it.
	 * NULL = IKE messages alone count. */
	uint64_t (*child_rx_ns)(void *ctx, uint64_t handle);
	/* The peer is at another address or port now (a NAT in front of it
	 * changed its mapping, RFC 7296 2.23): the child's ESP in UDP goes to
	 * remote:rport from now on. NULL = children keep their ports. */
	void (*child_moved)(void *ctx, uint64_t handle, const struct fp_addr *remote,
			    uint16_t rport);
};

struct fp_ike;

struct fp_ike *fp_ike_new(const struct fp_ike_env *env);
/* Every SA is deleted (children through child_down), secrets cleansed. */
void fp_ike_free(struct fp_ike *ike);

/* The configuration for the next negotiations (established SAs keep
 * theirs). 0, or -1 with err. */
int fp_ike_configure(struct fp_ike *ike, const struct fp_ike_cfg *cfg, char *err, size_t errlen);

/* max-in-negotiation-sa and cookie-challenge (0 = the defaults), as
 * fp_ike_configure sets them; also alone, while running: the next
 * IKE_SA_INIT request sees them. */
void fp_ike_half_open_limits(struct fp_ike *ike, unsigned half_open_max, unsigned cookie_pct);

/* A datagram for IKE (UDP 500, or 4500 after the non-ESP marker). Never
 * fails: what it refuses is counted (fp_ike_stats). */
void fp_ike_input(struct fp_ike *ike, const struct fp_ike_dgram *d, uint64_t now_ns);
/* Retransmissions, DPD, NAT-T keepalives, rekeys, expiries: call at least
 * every 100 ms. */
void fp_ike_tick(struct fp_ike *ike, uint64_t now_ns);
/* The engine's soft (rekey now) or hard (delete now) lifetime event in
 * kilobytes or packets for the child handle (from child_up): the
 * gateway calls it from its child-event hook. Unknown handles are
 * ignored (an old child already replaced). */
void fp_ike_child_expiring(struct fp_ike *ike, uint64_t handle, bool hard, uint64_t now_ns);
/* A packet matched tunnel t of peer p with no SA (the ASA's KEY_ACQUIRE):
 * start a negotiation unless one runs or was tried in the last seconds.
 * 0 started or already running, -1 not allowed (answer-only, no peer). */
int fp_ike_acquire(struct fp_ike *ike, unsigned peer, unsigned tunnel, uint64_t now_ns);

/* For show crypto ikev2 sa / clear crypto ikev2 sa. */
enum fp_ike_sa_status { FP_IKE_SA_IN_NEG, FP_IKE_SA_READY, FP_IKE_SA_DELETING };
struct fp_ike_sa_info {
	uint64_t id;                   /* tunnel id */
	unsigned peer;
	struct fp_addr local, remote;
	uint16_t lport, rport;
	uint8_t status;                /* enum fp_ike_sa_status */
	bool initiator;
	uint16_t encr, encr_bits, integ, prf, group;
	uint8_t auth_sign, auth_verify;/* auth methods (ike_wire.h) */
	bool auth_sign_ec, auth_verify_ec; /* method 14: an EC key (else RSA) */
	uint64_t spi_i, spi_r;
	uint64_t created_ns;
	uint32_t life_s;
	unsigned n_children;
	uint64_t children[FP_IKE_MAX_TUNNELS]; /* child handles */
	uint32_t msgid_send, msgid_recv;
	bool nat_local, nat_remote;
	uint32_t dpd_s, dpd_retry_s;   /* the peer's isakmp keepalive; 0 = off */
	char id_local[FP_IKE_ID_STR], id_remote[FP_IKE_ID_STR]; /* "" until IKE_AUTH */
};
/* The i-th IKE SA (0..); false past the last. */
bool fp_ike_sa_get(const struct fp_ike *ike, unsigned i, struct fp_ike_sa_info *out);
/* Delete the IKE SAs with peer (any when NULL), telling the peer. Returns how many. */
unsigned fp_ike_clear(struct fp_ike *ike, const struct fp_addr *peer, uint64_t now_ns);
/* Delete the CHILD_SAs of the IKE SAs with peer (any when NULL), telling
 * the peer; the IKE SAs stay up. Returns how many children. */
unsigned fp_ike_clear_children(struct fp_ike *ike, const struct fp_addr *peer, uint64_t now_ns);

/* debug crypto ikev2 protocol LEVEL (1-255; 0 = off): what the log gets
 * (ike_debug.c says which line has which severity). */
void fp_ike_set_debug(struct fp_ike *ike, unsigned level);
unsigned fp_ike_debug_level(const struct fp_ike *ike);

/* Why an authentication failed: logged and counted by name. */
#define FP_IKE_AUTHF_LIST(_)                                                          \
	_(PAYLOADS, "ID or AUTH payload missing")                                     \
	_(PSK, "pre-shared key mismatch")                                             \
	_(METHOD, "authentication method not the one configured for the peer")        \
	_(NO_CERT, "no certificate from the peer")                                    \
	_(CERT_PARSE, "peer certificate does not parse")                              \
	_(CHAIN, "peer certificate chain does not verify")                            \
	_(USAGE, "peer certificate's key usage does not allow IKE signatures")        \
	_(ID, "peer ID does not match its certificate")                               \
	_(SIG_ALG, "signature algorithm not supported or not allowed")                \
	_(SIG_KEY, "key type or size does not fit the signature method")              \
	_(SIGNATURE, "signature does not verify")                                     \
	_(LOCAL, "no local credential to authenticate with")                          \
	_(REFUSED, "peer answered AUTHENTICATION_FAILED")

enum fp_ike_authf {
	FP_IKE_AUTHF_OK = 0,
#define FP_IKE_X(n, s) FP_IKE_AUTHF_##n,
	FP_IKE_AUTHF_LIST(FP_IKE_X)
#undef FP_IKE_X
	FP_IKE_AUTHF__COUNT
};

const char *fp_ike_authf_name(unsigned why);

/* show crypto ikev2 stats */
struct fp_ike_stats {
	uint64_t rx, tx, retransmits;
	uint64_t sa_init_rx, sa_init_tx, auth_ok, auth_fail;
	uint64_t established, deleted, half_open, half_open_max;
	uint64_t refused_half_open;    /* IKE_SA_INIT dropped: max-in-negotiation-sa half-open SAs */
	/* cookies (ike_cookie.c): COOKIE notifies sent, requests whose cookie
	 * was stale or forged, requests dropped by the per-source bound; the
	 * configured limit and the half-open count cookies start at */
	uint64_t cookies_sent, cookies_bad, refused_half_open_src;
	uint64_t half_open_limit, cookie_threshold;
	uint64_t refused_parse, refused_icv, refused_spi, refused_msgid, refused_state;
	uint64_t child_rekeys, ike_rekeys, dpd_dead; /* rekeys we initiated; peers found dead */
	uint64_t notify_tx[64], notify_rx[64]; /* by error type 0..63 */
	uint64_t auth_fail_by[FP_IKE_AUTHF__COUNT]; /* enum fp_ike_authf */
	/* RFC 7383: fragments sent and received (ICV good), messages sent in
	 * fragments and reassembled, and fragments dropped: a duplicate, past
	 * the bounds (32 fragments, 64 KiB, a smaller total) or on an SA that
	 * never announced fragmentation, or an incomplete message timed out */
	uint64_t frag_tx, frag_rx, frag_msg_tx, frag_msg_rx;
	uint64_t frag_dup, frag_refused, frag_timeout;
};
const struct fp_ike_stats *fp_ike_stats(const struct fp_ike *ike);

#endif
