/* The headend's DTLS channel (docs/remote-access.md, DTLS): one libssl
 * DTLS server per session, driven by datagrams with no socket inside, so
 * the datapath carries them (UDP 443 today from the slow path's socket,
 * later what the engine punts). Datagrams out leave through
 * env->dtls_out (ra.h).
 *
 * A ClientHello finds its session by the session id it carries (the
 * X-DTLS-App-ID or X-DTLS-Session-ID the CONNECT answer gave), with no
 * HelloVerifyRequest: knowing the id is the proof. Later datagrams find
 * it by the client's address and port. Keying as the CONNECT answer said:
 * PSK-NEGOTIATE (the TLS connection's exporter, identity "psk", a full
 * handshake) or legacy (the client's master secret, a resumed session).
 *
 * Once the handshake is done the channel carries AnyConnect frames in
 * software (SSL_read/SSL_write) until the datapath takes its rule with
 * fp_ra_dtls_rule: from then on libssl never writes to the wire itself
 * (its sequence numbers would repeat the engine's), and the control frames
 * the engine punts come back through fp_ra_dtls_control_in, answered
 * through env->dtls_ctrl_out. A rehandshake the client starts under the
 * rule runs in libssl with its records re-protected by the engine
 * (ra_dtls_unseal.h), and the rule moves to the new epoch in place
 * (env->dtls_rekeyed). DTLS 1.0 and suites the engine does not take stay
 * in software for good (fp_ra_session.dtls_software_only).
 *
 * Every call runs on the headend's thread (the slow path's). */
#ifndef FP_RA_DTLS_H
#define FP_RA_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

struct fp_ra;
struct fp_dtls_params;

/* Where the session id sits in a ClientHello datagram: 13 (record
 * header) + 12 (handshake header) + 2 (client_version) + 32 (random). */
#define FP_RA_DTLS_HELLO_SID_OFF 59u

/* One UDP datagram from the client at from:from_port (our DTLS port).
 * 0: libssl took it (a handshake step, frames); -1: dropped and counted
 * (struct fp_ra_stats dtls_*): no session for it, not a ClientHello of
 * one, DTLS 0.9, a channel already handed to the engine. */
int fp_ra_dtls_input(struct fp_ra *ra, const struct fp_addr *from, uint16_t from_port,
		     const uint8_t *d, size_t n);

/* The session id a ClientHello datagram carries (not copied): 0, or -1
 * when d is not the first fragment of a DTLS ClientHello with a 32-byte
 * session id. *version gets the client_version. */
int fp_ra_dtls_hello_sid(const uint8_t *d, size_t n, const uint8_t **sid, uint16_t *version);

/* The rule of session index's channel (keys, epoch, sequence numbers
 * both ways, the client's address and port, the pool address; tag = the
 * session index; local and local_port are the caller's): 0, and libssl
 * never writes on that channel again; -1 with *why when the channel is
 * not up or stays in software. The caller cleanses p->keys. */
int fp_ra_dtls_rule(struct fp_ra *ra, uint32_t index, struct fp_dtls_params *p,
		    const char **why);

/* An alert (level, description) the engine opened for session index: a
 * close_notify or a fatal one ends the DTLS channel (its rule goes with
 * env->dtls_down); the session goes on over CSTP and the client may key
 * a new DTLS session. A warning is counted only. */
void fp_ra_dtls_alert_in(struct fp_ra *ra, uint32_t index, const uint8_t *body, size_t n);

/* The rule fp_ra_dtls_rule gave was not installed (no room, no
 * interface): the channel goes on in software, libssl's numbers still
 * being the last ones used. */
void fp_ra_dtls_thaw(struct fp_ra *ra, uint32_t index);

/* A control frame (type byte first) the engine decrypted and punted for
 * session index: DPD answered (through env->dtls_ctrl_out), KEEPALIVE,
 * DISCONNECT. */
void fp_ra_dtls_control_in(struct fp_ra *ra, uint32_t index, const uint8_t *frame, size_t n);

/* Whether session index's channel is up and still in software. */
bool fp_ra_dtls_software(const struct fp_ra *ra, uint32_t index);

#endif
