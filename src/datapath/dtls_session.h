/* DTLS offload in the gateway: the remote-access headend's clients and
 * their DTLS rules, on the pipe that owns each one. The headend (src/ra)
 * registers a client when its CSTP tunnel is up (fp_gw_dtls_open), hands
 * its DTLS session over once the handshake is done (fp_gw_dtls_rule_set),
 * and from then on the datapath moves the client's packets both ways:
 *   outside: UDP datagrams to the DTLS port (gw->dtls_port, "webvpn /
 *   dtls port") go to the pipe their client hashes to
 *   (fp_gw_dtls_pipe_for), are opened there (fp_dtls_inb_process) and
 *   their inner packets leave by the inside as decrypted ESP does; the
 *   records the engine does not handle (control frames, alerts,
 *   handshakes, other epochs, no rule) reach gw->dtls_punt on the slow
 *   path's thread with the client's tag;
 *   inside: a packet to a client's pool address goes to its rule's pipe
 *   (fp_dtls_outb_process), or, while it has no rule, to gw->dtls_to_cstp
 *   on the slow path's thread.
 * Every call here but the lookups runs on the slow path's thread; each
 * table is written on the thread that owns its pipe. */
#ifndef FP_DTLS_SESSION_H
#define FP_DTLS_SESSION_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "datapath/dtls_rule.h"
#include "datapath/gateway.h"

#define FP_GW_DTLS_MAX FP_PIPE_DTLS_MAX   /* clients */
#define FP_GW_DTLS_PORT 443u              /* "dtls port" default */
#define FP_GW_DTLS_NO_TAG UINT32_MAX      /* a punted datagram of no client */
#define FP_GW_DTLS_SIDS 256u              /* the headend's sessions (FP_RA_MAX_SESSIONS) */

/* The ids show asp table socket prints: a client's DTLS socket, an
 * interface's listening one. */
#define FP_GW_DTLS_SOCK_ID(h) (0x0f435000u + (uint32_t)(h))
#define FP_GW_DTLS_LISTEN_ID(ifc) (0x104d4000u + (uint32_t)(ifc))

/* A client: its pool address (the key the workers look up) and where its
 * rule is. */
struct fp_gw_dtls_client {
	/* seqlock for the workers' lookups: odd while the slot is written */
	_Atomic uint32_t gen;
	_Atomic uint64_t key[3];          /* the pool address: 16 bytes, then the family */
	_Atomic uint64_t key6[3];         /* its IPv6 pool address beside an IPv4 one; 0s: none */
	/* pipe id << 48 | interface << 32 | rule id; rule FP_DTLS_NONE: none */
	_Atomic uint64_t route;
	bool used;
	bool has_rule;
	uint32_t tag;                     /* the headend's session */
	struct fp_dtls_params p;          /* the rule as installed, keys too (a move) */
	uint64_t installed_ns;
};

/* The clients and their index by pool address, read by the workers
 * without a lock (open addressing: client + 1, 0 = empty, a tombstone for
 * a removed one). */
#define FP_GW_DTLS_IDX (4u * FP_GW_DTLS_MAX)
struct fp_gw_dtls {
	struct fp_gw_dtls_client c[FP_GW_DTLS_MAX];
	_Atomic uint32_t idx[FP_GW_DTLS_IDX];
	_Atomic unsigned n;                /* clients open */
	/* the first 8 bytes of each headend session's DTLS session id (by
	 * session slot; 0: none), written by the slow path, read by the
	 * workers: a ClientHello naming none is dropped before the slow path
	 * (fp_gw_dtls_sid_known), when sid_filter is on (the headend runs) */
	_Atomic uint64_t sid[FP_GW_DTLS_SIDS];
	bool sid_filter;
	/* packets a rule move caught, on the slow path (its thread only) */
	uint64_t moved_in;                 /* records handed on to the rule's new pipe */
	uint64_t moved_out;                /* inside packets sent again where the rule is now */
	uint64_t moved_cstp;               /* inside packets sent over CSTP instead */
};

/* The headend's session in slot gives its client the DTLS session id sid
 * (32 bytes; NULL: none any more). */
void fp_gw_dtls_sid_set(struct fp_gw *gw, unsigned slot, const uint8_t *sid);
/* Whether a ClientHello's 32-byte session id may be one the headend gave. */
bool fp_gw_dtls_sid_known(const struct fp_gw *gw, const uint8_t *sid);

int fp_gw_dtls_init(struct fp_gw *gw);
void fp_gw_dtls_fini(struct fp_gw *gw);

/* A client of the headend whose tunnel is up (CSTP), with the address its
 * pool gave it (and an IPv6 one beside an IPv4 inner: inner6, NULL or af
 * FP_AF_NONE for none): packets from the inside to it reach
 * gw->dtls_to_cstp until it gets a rule. *h: its handle. 0, or -1 with
 * *why. */
int fp_gw_dtls_open(struct fp_gw *gw, const struct fp_addr *inner, const struct fp_addr *inner6,
		    uint32_t tag, uint32_t *h, const char **why);
/* The client's DTLS session into the datapath (dtls_rule.h says how to
 * fill p; p->inner and p->tag are the client's): on the pipe
 * fp_gw_dtls_pipe_for chooses, the engine's with flow-offload-dtls, the
 * software pipe's without. p->local must be an interface's address. A
 * client with a rule loses it first (a new DTLS session replaces the old
 * one; a rehandshake of the same session is fp_gw_dtls_rule_update). 0,
 * or -1 with *why: the client then has no rule (its packets go to CSTP). */
int fp_gw_dtls_rule_set(struct fp_gw *gw, uint32_t h, const struct fp_dtls_params *p,
			const char **why);
/* A rule update (new keys, NAT rebinding) where the rule is. */
int fp_gw_dtls_rule_update(struct fp_gw *gw, uint32_t h, const struct fp_dtls_update *u,
			   const char **why);
/* The rule out (the client falls back to CSTP); *last its final counters
 * when not NULL. */
int fp_gw_dtls_rule_clear(struct fp_gw *gw, uint32_t h, struct fp_dtls_rule_stats *last);
/* The client gone: its rule too. */
int fp_gw_dtls_close(struct fp_gw *gw, uint32_t h, struct fp_dtls_rule_stats *last);
/* Its rule's counters, read on the thread that owns it. */
int fp_gw_dtls_query(struct fp_gw *gw, uint32_t h, struct fp_dtls_rule_stats *st);
/* flow-offload-dtls switched: every rule to the pipe the setting now
 * chooses, with its next sequence number, replay window and counters
 * (fp_dtls_export / fp_dtls_import). 0, or -1 with err. */
int fp_gw_dtls_offload_set(struct fp_gw *gw, bool on, char *err, size_t errlen);
/* A record the slow path built for client h (FP_PKT_F_DTLS_CTRL: an
 * AnyConnect control frame, type byte first; FP_PKT_F_DTLS_ALERT: an alert
 * body), sent with the rule's next sequence number through the pipe that
 * owns it. p->data is the frame; 0, or -1 when the client has no rule
 * (the caller keeps p). After 0, p is the caller's as fp_gw_input's
 * packets are: emitted or dropped here, or handed to the owning worker
 * (FP_PKT_F_TAKEN), which is why the live headend takes p from io->alloc
 * (the packet pool) like every packet that crosses threads. */
int fp_gw_dtls_send(struct fp_gw *gw, const struct fp_gw_io *io, uint32_t h, struct fp_pkt *p,
		    uint32_t flag);

/* The pipe a client (its address and UDP port) belongs to: engine pipe
 * fp_gw_dtls_hash() % n_pipes with flow-offload-dtls, else the software
 * pipe. The hash is of the IPv4 address's last word and the port, so a
 * classic BPF program can compute it too. */
uint32_t fp_gw_dtls_hash(const struct fp_addr *remote, uint16_t port);
struct fp_pipe *fp_gw_dtls_pipe_for(const struct fp_gw *gw, const struct fp_addr *remote,
				    uint16_t port);
/* The client with this pool address: its handle, and its route word;
 * false if none. Any thread, no lock. */
bool fp_gw_dtls_find(const struct fp_gw *gw, uint8_t af, const uint8_t *addr, uint32_t *h,
		     uint64_t *route);
/* clear flow-offload-dtls statistics: every table's counters (the rules'
 * own are kept). */
void fp_gw_dtls_stats_clear(struct fp_gw *gw);

/* forward.c's share (dtls_fwd.c). Whether p (from the outside, an IP
 * header first, p->ifc set) is a UDP datagram to the DTLS port of the
 * interface's own address; fragments are not (reassembled first). */
bool fp_gw_dtls_is_dgram(const struct fp_gw *gw, const struct fp_pkt *p);
/* Where a DTLS packet goes: this pipe (the caller batches it), the slow
 * path (the caller punts it), another pipe (handed off already), or it is
 * no DTLS client's (inside). Both mark it FP_PKT_F_DTLS. */
enum fp_gw_dtls_way {
	FP_GW_DTLS_NOT, FP_GW_DTLS_HERE, FP_GW_DTLS_SLOW,
	FP_GW_DTLS_GONE,                  /* handed to another pipe, or dropped and counted */
};
/* A datagram fp_gw_dtls_is_dgram took: to the pipe its client hashes to. */
enum fp_gw_dtls_way fp_gw_dtls_steer(struct fp_gw *gw, const struct fp_gw_io *io,
				     struct fp_pkt *p);
/* A valid IP packet from the inside: to a client's rule (pkt->sa,
 * pkt->ifc, pkt->rule = the client set), or its CSTP hook (slow). */
enum fp_gw_dtls_way fp_gw_dtls_inside(struct fp_gw *gw, const struct fp_gw_io *io,
				      struct fp_pkt *p);
/* Datagrams steered to io->pipe: classified, opened, inner packets out by
 * the inside, the rest to the slow path. */
void fp_gw_dtls_rx(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt **pkts,
		   uint16_t n);
/* Packets for pp's rules (pkt->sa, pkt->rule the client): protected and
 * sent; on pp's thread. */
void fp_gw_dtls_outbound(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pipe *pp,
			 struct fp_pkt **pkts, uint16_t n);
/* A DTLS packet (FP_PKT_F_DTLS) on the slow path: the software pipe's
 * rules, or the headend's hooks. */
void fp_gw_dtls_slow(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt *p);

#endif
