/* The remote-access headend (docs/remote-access.md): TLS listeners on the
 * interfaces "webvpn" enables, the aggregate-auth login, sessions with
 * their cookie and pool address, CONNECT and CSTP. It runs on the slow
 * path's thread: fp_ra_poll from its poll, fp_ra_to_client for packets
 * punted from the inside. It touches no packet buffer and no engine: the
 * tunnel's packets leave through env->to_inside. Only fp_ra_pool_owns may
 * be called from other threads. */
#ifndef FP_RA_H
#define FP_RA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "offload/dtls.h"
#include "ra/ra_cstp.h"
#include "ra/ra_http.h"

#define FP_RA_PORT 443
#define FP_RA_MAX_SESSIONS 256u
#define FP_RA_MAX_CONNS 128u
#define FP_RA_COOKIE_LEN 32u          /* random bytes; hex in the cookie */
#define FP_RA_RECONNECT_S 300u        /* a session without a tunnel waits this long */
#define FP_RA_LOGIN_IDLE_S 30u        /* a connection before CONNECT, silent this long, is closed */
#define FP_RA_DPD_DEFAULT 30u         /* s: anyconnect dpd-interval gateway, the ASA's default */

struct fp_ra;
struct fp_ra_conn;
struct fp_ra_pool;
struct fp_ra_pool6;

/* Named refusals and events (show vpn-sessiondb, tests). */
struct fp_ra_stats {
	uint64_t tls_accepted, tls_refused, tls_failed, idle_closed;
	uint64_t tls_key_updates;         /* TLS 1.3 KeyUpdates the headend sent (rekey method ssl) */
	uint64_t http_requests, http_bad[FP_HTTP_E__COUNT], http_not_found;
	uint64_t xml_bad, auth_ok, auth_fail, cookie_bad, pool_empty, sessions_full;
	uint64_t pool6_empty;             /* CONNECTs answered without IPv6: its pool was exhausted */
	uint64_t cstp_bad[FP_CSTP_E__COUNT];
	uint64_t cstp_data_rx, cstp_data_tx, cstp_dpd, cstp_keepalive, cstp_disconnect, cstp_other;
	/* not_ipv4: neither IPv4 nor IPv6 with an IPv6 address given (IPv6
	 * link-local when the session has no IPv6 address) */
	uint64_t spoofed, not_ipv4, no_session, tx_overflow;
	uint64_t dpd_sent, dpd_dead;      /* the gateway's DPD: requests, tunnels found dead */
	uint64_t sessions_total;
	/* DTLS (ra_dtls.h): the client's headers passed over, datagrams
	 * dropped before libssl, handshakes, frames */
	uint64_t dtls_hdr_bad[FP_HTTP_DTLS_E__COUNT], dtls_no_suite;
	uint64_t dtls_rx, dtls_not_hello, dtls_no_session, dtls_v09;
	uint64_t dtls_hs_ok, dtls_hs_fail, dtls_software_only, dtls_rx_bad;
	uint64_t dtls_data_rx, dtls_data_tx, dtls_dpd, dtls_keepalive, dtls_disconnect, dtls_other;
	uint64_t dtls_write_frozen;       /* libssl asked to write after the rule was taken */
	uint64_t dtls_rule_refused;       /* the datapath took no rule: the channel stays in software */
	uint64_t dtls_alerts, dtls_alert_closed; /* alerts the engine punted; those that closed the channel */
	uint64_t dtls_replaced;           /* channels a new handshake of their session replaced */
	/* rehandshakes under a rule: begun, done (the rule updated in place),
	 * failed (the channel ended), refused (sooner than RA_DTLS_REKEY_GAP_NS) */
	uint64_t dtls_rekey_began, dtls_rekeys, dtls_rekey_fail, dtls_rekey_soon;
};

/* How a session's DTLS channel is keyed (the CONNECT answer said). */
enum fp_ra_dtls_mode { FP_RA_DTLS_OFF = 0, FP_RA_DTLS_PSK, FP_RA_DTLS_LEGACY };
#define FP_RA_DTLS_SID_LEN 32u        /* X-DTLS-App-ID / X-DTLS-Session-ID */
struct fp_ra_dtls;

struct fp_ra_session {
	uint32_t index;                   /* the ASA's session index; 0 = free slot */
	uint8_t cookie[FP_RA_COOKIE_LEN];
	char user[FP_CFG_RA_NAME_MAX];
	const struct fp_cfg_tunnel_group *tg;
	const struct fp_cfg_group_policy *gp;
	struct fp_ra_pool *pool;
	uint32_t addr;                    /* leased, host order; 0 before CONNECT */
	struct fp_ra_pool6 *pool6;        /* where addr6 came from; NULL: no IPv6 address */
	uint8_t addr6[16];                /* X-CSTP-Address-IP6, with pool6's prefix length */
	struct fp_addr peer;              /* the client's public address */
	uint16_t peer_port;
	struct fp_ra_conn *conn;          /* carrying CSTP now; NULL between connections */
	char tls_version[16], tls_cipher[64];
	char tls_enc[24], tls_hash[16];   /* as show vpn-sessiondb names them: "AES-GCM-256", "SHA384" */
	char agent[FP_HTTP_AGENT_MAX];    /* the client's User-Agent at CONNECT */
	uint16_t mtu;                     /* the X-CSTP-MTU answered */
	uint32_t tunnels;                 /* CONNECTs so far (the SSL tunnel's id) */
	bool by_cert;                     /* logged in with a client certificate */
	uint64_t dpd_sent_ns;             /* the gateway's last DPD request; 0 = none */
	uint64_t login_ns, last_rx_ns, gone_ns;
	uint64_t tls_rekey_ns;            /* CONNECT or the TLS connection's last key update */
	uint64_t bytes_tx, bytes_rx, pkts_tx, pkts_rx;
	/* DTLS, offered at CONNECT (ra_dtls.c): the session id its
	 * ClientHello carries, the secret (PSK: 32 bytes of the TLS
	 * exporter; legacy: the client's 48-byte master secret), the suite
	 * answered (legacy); the channel once a ClientHello came */
	uint8_t dtls_mode;                /* enum fp_ra_dtls_mode */
	uint8_t dtls_sid[FP_RA_DTLS_SID_LEN];
	uint8_t dtls_secret[48];
	uint16_t dtls_suite;              /* IANA id (legacy) */
	uint16_t dtls_mtu;                /* X-DTLS-MTU answered */
	struct fp_ra_dtls *dtls;
	/* A new handshake while dtls is up (the client reconnecting, or anyone
	 * who saw its ClientHello: the session id travels in clear): it
	 * replaces dtls only once it is done. */
	struct fp_ra_dtls *dtls_next;
	char dtls_version[16], dtls_cipher[64];  /* after its handshake; "" before */
	char dtls_enc[24], dtls_hash[16];        /* as show prints them ("AES-GCM-256") */
	uint16_t dtls_peer_port;                 /* the client's UDP port */
	bool dtls_software_only;          /* DTLS 1.0 or a suite the engine does not take */
	bool data_on_cstp;                /* the client's last DATA came over CSTP: DTLS may be dead
					   * on its side, so answer there (as ocserv does) */
};

struct fp_ra_env {
	void *ctx;
	/* A client's IPv4 or IPv6 packet (its source checked) for the inside. */
	void (*to_inside)(void *ctx, const uint8_t *ip, size_t n);
	/* Tests: TLS contexts but no listening sockets; connections come in
	 * through fp_ra_adopt. */
	bool no_sockets;
	/* DTLS (ra_dtls.h). dtls_out NULL: no UDP transport, DTLS is not
	 * offered. A datagram from our DTLS port to the client's. */
	void (*dtls_out)(void *ctx, const struct fp_addr *to, uint16_t to_port, const uint8_t *d,
			 size_t n);
	/* Optional: session index's handshake completed, its keys suit the
	 * engine and the client's first record at the new epoch came (so our
	 * Finished arrived: libssl will not need to resend it), after its
	 * answer went out: fp_ra_dtls_rule may take the rule now, even from
	 * inside this call. */
	void (*dtls_up)(void *ctx, uint32_t index);
	/* After fp_ra_dtls_rule: a control frame (type byte first) for the
	 * engine to protect on the session's rule (FP_PKT_F_DTLS_CTRL). */
	void (*dtls_ctrl_out)(void *ctx, uint32_t index, const uint8_t *frame, size_t n);
	/* A rehandshake on a channel whose rule the engine holds: a record for
	 * the engine to send on the session's rule, either a handshake,
	 * change_cipher_spec or alert fragment with its content type first,
	 * protected under the rule's next number (sealed false:
	 * FP_PKT_F_DTLS_HS), or a whole record of the next epoch libssl
	 * protected (sealed true: FP_PKT_F_DTLS_SEALED). NULL: rehandshakes
	 * are refused. */
	void (*dtls_hs_out)(void *ctx, uint32_t index, const uint8_t *d, size_t n, bool sealed);
	/* The rehandshake done: the rule moves to u (new keys and epoch) in
	 * place; -1 ends the channel. */
	int (*dtls_rekeyed)(void *ctx, uint32_t index, const struct fp_dtls_update *u);
	/* Optional: session index's DTLS channel is gone (the session ended,
	 * a new CONNECT, a new handshake): a rule taken for it must go. */
	void (*dtls_down)(void *ctx, uint32_t index);
	/* Optional: the session in table slot gave its client the DTLS
	 * session id sid (32 bytes), or none any more (NULL): so that the
	 * datapath may drop a ClientHello naming no session's before it
	 * costs this thread anything. */
	void (*dtls_sid)(void *ctx, unsigned slot, const uint8_t *sid);
};

/* Everything the configuration says: trustpoints loaded, one TLS context
 * and listener per "webvpn enable" interface address, the pools. NULL
 * with err when that fails; NULL with err empty when no interface has
 * webvpn enabled. */
struct fp_ra *fp_ra_new(const struct fp_config *cfg, const struct fp_ra_env *env, char *err,
			size_t errlen);
void fp_ra_free(struct fp_ra *ra);
/* An epoll fd, readable when a listener or connection wants attention. */
int fp_ra_fd(const struct fp_ra *ra);
/* Accept, handshake, read and answer, send, age sessions. */
void fp_ra_poll(struct fp_ra *ra, uint64_t now_ns);
/* An IPv4 or IPv6 packet for a pool address, to its session's tunnel:
 * false when none takes it (no session, no tunnel, queue full). A CSTP
 * frame waits for the turn's fp_ra_poll, or fp_ra_flush. */
bool fp_ra_to_client(struct fp_ra *ra, const uint8_t *ip, size_t n);
/* Send the frames fp_ra_to_client queued, outside fp_ra_poll. */
void fp_ra_flush(struct fp_ra *ra);
/* Whether dst (IPv4, network order bytes) is in a pool: any thread. */
bool fp_ra_pool_owns(const struct fp_ra *ra, const uint8_t dst[4]);
/* The same for an IPv6 destination (16 bytes) and the IPv6 pools. */
bool fp_ra_pool6_owns(const struct fp_ra *ra, const uint8_t dst[16]);
/* The pools' covering prefixes (routes into the inside TUN), IPv4 then
 * IPv6: up to max. */
unsigned fp_ra_pool_routes(const struct fp_ra *ra, struct fp_prefix *out, unsigned max);
const struct fp_ra_stats *fp_ra_stats(const struct fp_ra *ra);
/* A connected stream socket (non-blocking) as if listener (the index of
 * the "webvpn enable" line) had accepted it from peer: tests hand one end
 * of a socketpair. 0, or -1 (fd closed) when refused. */
struct sockaddr_storage;
int fp_ra_adopt(struct fp_ra *ra, unsigned listener, int fd, const struct sockaddr_storage *peer);
/* vpn-sessiondb logoff: the sessions of user (NULL: any) with index (0:
 * any) end; a client with a tunnel is told (CSTP TERMINATE) first. How
 * many ended. */
unsigned fp_ra_logoff(struct fp_ra *ra, const char *user, uint32_t index);
/* Session i of the table (0 <= i < FP_RA_MAX_SESSIONS); index 0 = unused. */
const struct fp_ra_session *fp_ra_session_at(const struct fp_ra *ra, unsigned i);

#endif
