/* Inside src/ra only: the headend's state and what its files share. */
#ifndef FP_RA_IMPL_H
#define FP_RA_IMPL_H

#include <openssl/ssl.h>

#include "ra/ra.h"
#include "ra/ra_pool.h"

#define RA_IN_MAX (FP_HTTP_HEAD_MAX + FP_HTTP_BODY_MAX + 1024u)
#define RA_OUT_MAX (256u * 1024u)
#define RA_MAX_LISTENERS 8u
#define RA_DTLS_BUF (16384u + 64u)   /* a DTLS record's plaintext, at most 2^14 */

enum ra_conn_state { RA_TLS_HANDSHAKE = 0, RA_HTTP, RA_CSTP, RA_CLOSING };

struct fp_ra_conn {
	int fd;
	SSL *ssl;
	uint8_t state;                    /* enum ra_conn_state */
	struct fp_addr peer;
	uint16_t peer_port;
	struct fp_ra_session *session;    /* after CONNECT */
	uint64_t opened_ns, last_ns;      /* accepted; last read */
	bool want_out;                    /* EPOLLOUT is asked for */
	bool ready;                       /* epoll said so this turn */
	size_t in_len;
	size_t out_head, out_len;         /* the queue of records is out[out_head..out_len) */
	uint8_t in[RA_IN_MAX];
	uint8_t out[RA_OUT_MAX];
};

struct ra_listener {
	int fd;
	SSL_CTX *ctx;
};

struct fp_ra {
	const struct fp_config *cfg;
	struct fp_ra_env env;
	int epfd;
	struct ra_listener lis[RA_MAX_LISTENERS];
	unsigned n_lis;
	struct fp_ra_pool pools[FP_CFG_MAX_POOLS];
	unsigned n_pools;
	struct fp_ra_pool6 pools6[FP_CFG_MAX_POOLS];
	unsigned n_pools6;
	struct fp_ra_conn *conns[FP_RA_MAX_CONNS];
	struct fp_ra_session sessions[FP_RA_MAX_SESSIONS];
	uint32_t next_index;
	uint64_t now_ns;
	uint64_t polls;                   /* fp_ra_poll calls: a turn of the slow path each */
	struct fp_ra_stats st;
	SSL_CTX *dtls_ctx;                /* ra_dtls.c: the DTLS server, no certificate */
	BIO_METHOD *dtls_bio;
	uint8_t dtls_buf[RA_DTLS_BUF];    /* one record's plaintext, in or out */
	uint8_t dtls_check[RA_DTLS_BUF];  /* a client's record opened again (ra_dtls.c seen_rx) */
};

/* ra_session.c */
struct fp_ra_session *fp_ra_session_new(struct fp_ra *ra, const char *user,
					const struct fp_cfg_tunnel_group *tg);
struct fp_ra_session *fp_ra_session_by_cookie(struct fp_ra *ra, const char *hex);
struct fp_ra_session *fp_ra_session_by_addr(struct fp_ra *ra, uint32_t addr);
struct fp_ra_session *fp_ra_session_by_addr6(struct fp_ra *ra, const uint8_t addr[16]);
/* An SSL cipher as show vpn-sessiondb prints it (ra_tunnel.c). */
void fp_ra_cipher_names(const SSL_CIPHER *ciph, char *enc, size_t en, char *hash, size_t hn);
void fp_ra_session_cookie_hex(const struct fp_ra_session *s, char out[FP_RA_COOKIE_LEN * 2 + 1]);
/* Lease the session's address from its tunnel-group's pool (the same one
 * again if it had one): false when none is free. */
bool fp_ra_session_lease(struct fp_ra *ra, struct fp_ra_session *s);
/* An IPv6 address too, when the tunnel-group has an IPv6 pool (the same
 * one again if it had one): false when none is free. */
bool fp_ra_session_lease6(struct fp_ra *ra, struct fp_ra_session *s);
void fp_ra_session_end(struct fp_ra *ra, struct fp_ra_session *s, const char *why);
/* The client is told (CSTP TERMINATE) when its tunnel is up, then the end. */
void fp_ra_session_terminate(struct fp_ra *ra, struct fp_ra_session *s, const char *why);
void fp_ra_session_age(struct fp_ra *ra, uint64_t now_ns);

/* ra_conn.c */
void fp_ra_conn_run(struct fp_ra *ra, struct fp_ra_conn *c);
/* Queue one TLS record (a frame, an HTTP answer) made of data, or of a
 * then b; false (counted) when the queue is full or closing. */
bool fp_ra_conn_send(struct fp_ra *ra, struct fp_ra_conn *c, const void *data, size_t n);
bool fp_ra_conn_send2(struct fp_ra *ra, struct fp_ra_conn *c, const void *a, size_t an,
		      const void *b, size_t bn);
void fp_ra_conn_flush(struct fp_ra *ra, struct fp_ra_conn *c);
/* Whether records wait, queued or in libssl's write buffer: fp_ra_poll
 * and fp_ra_flush send them (a burst of packets to one client in one
 * send). */
bool fp_ra_conn_pending(const struct fp_ra_conn *c);
/* ra_login.c: one HTTP request of the login or the CONNECT. */
void fp_ra_http_request(struct fp_ra *ra, struct fp_ra_conn *c, const struct fp_http_req *req);
void fp_ra_http_respond(struct fp_ra *ra, struct fp_ra_conn *c, const char *status,
			const char *headers, const char *body, size_t n);
/* ra_tunnel.c: the CONNECT answer and the CSTP frames after it. */
void fp_ra_tunnel_connect(struct fp_ra *ra, struct fp_ra_conn *c, const struct fp_http_req *req);
/* A DATA frame's IPv4 packet (CSTP or DTLS) to the inside when its source
 * is the session's address: false when refused (counted). */
bool fp_ra_tunnel_data(struct fp_ra *ra, struct fp_ra_session *s, const uint8_t *ip, size_t n);
/* The group-policy's rekey interval in seconds when its method is m, else 0. */
unsigned fp_ra_rekey_secs(const struct fp_cfg_group_policy *gp, enum fp_cfg_rekey_method m);
void fp_ra_tunnel_frame(struct fp_ra *ra, struct fp_ra_conn *c, const struct fp_cstp_frame *f);

/* ra_dtls.c (the rest is ra_dtls.h) */
int fp_ra_dtls_init(struct fp_ra *ra);
void fp_ra_dtls_fini(struct fp_ra *ra);
/* The session's channel goes (env->dtls_down when it was up). */
void fp_ra_dtls_free(struct fp_ra *ra, struct fp_ra_session *s);
/* The session's DTLS session id to env->dtls_sid (on), or its removal. */
void fp_ra_dtls_sid_publish(struct fp_ra *ra, const struct fp_ra_session *s, bool on);
void fp_ra_dtls_tick(struct fp_ra *ra, uint64_t now_ns);
/* An IPv4 packet to the client as a DTLS DATA record while the channel is
 * up in software: false when it is not (CSTP then). */
bool fp_ra_dtls_to_client(struct fp_ra *ra, struct fp_ra_session *s, const uint8_t *ip, size_t n);

#endif
