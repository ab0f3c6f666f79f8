/* The gateway: the slow path that owns policy. It builds the SAs of the
 * configuration, decides which go to the offload engine (CAN_BE_OFFLOADED
 * and flow-offload-ipsec on) and which stay in its own software pipe, and
 * moves packets between interfaces: outside -> classify -> engine (or the
 * slow path on a miss) -> inside; inside -> policy -> engine -> outside. */
#ifndef FP_GATEWAY_H
#define FP_GATEWAY_H

struct fp_runtime;
struct fp_children;
struct fp_child_event;

#include <stdbool.h>
#include <stdint.h>

#include "common/pkt.h"
#include "config/config.h"
#include "offload/pipe.h"
#include "offload/sa.h"
#include "datapath/reasm.h"

#define FP_GW_MAX_IFACES FP_CFG_MAX_IFACES
#define FP_GW_MAX_TUNNELS FP_CFG_MAX_MAP_ENTRIES

struct fp_gw_iface {
	uint16_t id;                      /* index: pkt->ifc */
	const struct fp_cfg_iface *cfg;
	bool outside;                     /* a crypto map is bound to it */
	uint16_t mtu;                     /* "mtu NAMEIF N", else the device's (live); 0 = unknown */
	uint16_t dev_mtu;                 /* the device's at start (live); 0 = unknown */
	bool post_frag;                   /* crypto ipsec fragmentation after-encryption */
};

/* Too big for the outside MTU once encrypted (frag.h): what the slow path
 * did about a tunnel's packets (show crypto ipsec sa). */
struct fp_gw_frag_stats {
	uint64_t prefrag_ok, prefrag_fail;  /* cut before encryption / could not be */
	uint64_t frags_created;             /* pieces made, before or after encryption */
	uint64_t pmtu_sent;                 /* ICMP "fragmentation needed" / "packet too big" */
	uint64_t pmtu_rcvd;                 /* the same, from a router towards the peer */
	uint64_t postfrag_ok, postfrag_fail;
};

/* One crypto map entry (with IKEv2: one permit ACE of its access-list, as
 * the ASA makes a CHILD_SA per ACE), or one Tunnel interface, with its
 * pair of SAs: the unit show crypto ipsec sa prints. */
struct fp_gw_tunnel {
	const struct fp_cfg_map_entry *entry; /* a VTI's is gw->vti_entries' */
	const struct fp_cfg_acl *acl;     /* NULL for a VTI */
	const struct fp_cfg_vti *vti;     /* interface TunnelN; NULL: a crypto map's */
	uint16_t ace;                     /* acl's permit ACE whose selectors it negotiates */
	bool ace_only;                    /* IKEv2: only that ACE's traffic; manual keys: every permit's */
	const struct fp_cfg_acl *vpn_filter; /* the peer's group-policy vpn-filter; NULL: none */
	const struct fp_cfg_proposal *proposal;
	const struct fp_gw_iface *iface;  /* where the map is bound */
	struct fp_addr local;             /* the interface's address of the peer's family */
	struct fp_sa_params in, out;      /* as installed (keys cleared) */
	uint32_t sa_in, sa_out;           /* ids in pipe */
	uint32_t child;                   /* its current child SA (child.h), FP_SA_NONE: none */
	struct fp_pipe *pipe;             /* engine pipe, or &gw->soft */
	/* pipe id << 32 | sa_out in one word, the one thing workers read: an
	 * SA id means something only in its own pipe's table, and a move
	 * changes both at once (fp_gw_tunnel_route) */
	uint64_t route;
	bool can_offload;
	const char *not_offload_why;
	uint32_t rule;                    /* outbound rule id */
	uint64_t installed_ns;
	uint32_t conn_id;
	struct fp_gw_frag_stats frag;     /* written by the slow path only */
	uint32_t pmtu;                    /* path MTU a router told, 0 = none (raw ESP) */
	uint64_t pmtu_until;              /* CLOCK_REALTIME when it is forgotten */
	bool ikev2;                       /* keys come from IKEv2, not the configuration */
	uint16_t ike_peer;                /* its peer in fp_ike_cfg (ikev2 only) */
	uint16_t pfs_group;               /* of its current child, for show */
	_Atomic bool want_sa;             /* a packet found no SA: ask IKE (slow path) */
};

#define FP_GW_PMTU_AGE_NS (600ull * 1000000000ull) /* the ASA's pmtu-aging default */

struct fp_gw_stats {
	uint64_t drops[FP_DROP__COUNT];   /* slow-path drops, show asp drop */
	uint64_t previous_tunnels;        /* pairs torn down by clear ipsec sa */
	uint64_t last_clear_ns;           /* CLOCK_REALTIME of clear asp drop */
};

struct fp_ike;
struct fp_ike_gw;
struct fp_ra;
struct fp_ra_gw;
struct fp_gw_io;
struct fp_gw_dtls;

/* "route NAMEIF NET MASK" towards a Tunnel interface: the route, not an
 * access-list, picks the tunnel (vti.c). */
struct fp_gw_route {
	struct fp_prefix net;
	uint16_t tunnel;                  /* index in gw->tunnels */
};

/* The routes into Tunnel interfaces, longest prefix first. */
struct fp_gw_routes {
	unsigned n;
	struct fp_gw_route r[FP_CFG_MAX_ROUTES];
};

struct fp_gw {
	struct fp_config *cfg;            /* owned */
	char cfg_path[4096];              /* the file cfg was loaded from (write memory) */
	struct fp_gw_iface ifaces[FP_GW_MAX_IFACES];
	unsigned n_ifaces;
	struct fp_gw_tunnel tunnels[FP_GW_MAX_TUNNELS];
	unsigned n_tunnels;
	struct fp_pipe *pipes;            /* the offload engine: one pipe per worker */
	unsigned n_pipes;
	struct fp_pipe soft;              /* the slow path's software ESP */
	struct fp_gw_stats st;
	struct fp_reasm reasm;            /* the slow path's fragment reassembly */
	struct fp_capset *caps;           /* captures; thread id = pipe id, soft = n_pipes */
	uint64_t now_ns;                  /* CLOCK_REALTIME of the current burst or command */
	struct fp_runtime *rt;            /* the live gateway's threads; NULL offline */
	struct fp_egress *egress;         /* [n_pipes + 1]: per pipe, last = software pipe */
	uint32_t policy_gen;              /* bumped when tunnels move or policy changes (>= 1) */
	struct fp_children *children;     /* the child-SA table (child.h) */
	/* SA events (lifetimes, sequence exhaustion) as fp_child_tick delivers
	 * them, once per child and direction; NULL: fp_child_event_log. IKE
	 * rekeys on the soft ones. */
	void (*on_child_event)(struct fp_gw *gw, const struct fp_child_event *ev);
	/* Run fn on the thread that owns each engine pipe, and wait. Set by the
	 * live runtime; NULL offline, where this thread owns them all. */
	void (*on_pipes)(struct fp_gw *gw, void (*fn)(struct fp_pipe *pp, void *arg), void *arg);
	/* Run what the pipes have punted so far on the slow path's software
	 * pipe (live runtime; NULL offline, where nothing waits in between). */
	void (*slow_drain)(struct fp_gw *gw);
	/* IKEv2 (src/ike/ike.h, datapath/ike_gw.c): NULL when no interface has
	 * "crypto ikev2 enable", or offline; IKE datagrams are then dropped as
	 * ike-not-running. */
	struct fp_ike *ike;
	struct fp_ike_gw *ike_gw;         /* its hooks' state: peers, send queue */
	/* debug crypto ikev2 protocol|platform LEVEL (0 = off): run-time
	 * state like the ASA's, never saved; protocol goes to IKE whenever it
	 * (re)starts, platform is the gateway side's (ike_gw.c). */
	unsigned debug_ikev2_protocol, debug_ikev2_platform;
	/* Route-based tunnels (vti.c): each Tunnel interface as the crypto map
	 * entry the ASA makes of it ([FP_CFG_MAX_VTIS], heap), and the routes
	 * into them: the workers read *routes (one of route_tab, no lock); a
	 * change fills the other one and switches (fp_gw_vti_routes_update). */
	struct fp_cfg_map_entry *vti_entries;
	struct fp_gw_routes route_tab[2];
	struct fp_gw_routes *routes;
	/* The remote-access headend (src/ra, datapath/ra_gw.c): NULL when no
	 * interface has "webvpn enable", or offline. Set before the workers
	 * start: they read its pools. */
	struct fp_ra *ra;
	struct fp_ra_gw *ra_gw;
	/* DTLS offload for the remote-access headend (dtls_session.h): its
	 * clients and where their rules are; the UDP port DTLS datagrams to
	 * an interface's own address come to (webvpn "dtls port", 443; 0:
	 * none); flow-offload-dtls (rules in the engine pipes, else in the
	 * software pipe). The hooks run on the slow path's thread; NULL: the
	 * packet is dropped and counted under its reason. They may copy the
	 * packet, never keep it; true when they took it. dtls_punt: a
	 * record the engine hands the headend (pkt->drop says which: a
	 * control frame or alert, decrypted; a handshake, another epoch, no
	 * rule: as it came), tag FP_GW_DTLS_NO_TAG when no client has the
	 * datagram's 6-tuple. dtls_to_cstp: an inside packet to a client
	 * without a DTLS rule, for its CSTP tunnel. */
	struct fp_gw_dtls *dtls;
	uint16_t dtls_port;
	bool offload_dtls;
	bool (*dtls_punt)(struct fp_gw *gw, const struct fp_gw_io *io, uint32_t tag,
			  struct fp_pkt *p);
	bool (*dtls_to_cstp)(struct fp_gw *gw, const struct fp_gw_io *io, uint32_t tag,
			     struct fp_pkt *p);
	void *dtls_hook_ctx;              /* the headend's, for the hooks */
};

/* Build from a validated configuration; takes ownership of cfg. -1 and a
 * message in err on failure (e.g. an SA the engine refuses). fp_gw_init
 * makes one engine pipe (offline mode, tests); the live gateway asks for
 * one per worker. */
int fp_gw_init(struct fp_gw *gw, struct fp_config *cfg, char *err, size_t errlen);
int fp_gw_init_pipes(struct fp_gw *gw, struct fp_config *cfg, unsigned n_pipes, char *err,
		     size_t errlen);
/* The selectors a tunnel negotiates or is keyed with: its permit ACE's
 * (manual keys: the access-list's first), 0.0.0.0/0 both ways for a VTI. */
void fp_gw_tunnel_selector(const struct fp_gw_tunnel *t, struct fp_selector *sel);
/* One tunnel for entry e bound to interface ifc: ace is its access-list's
 * permit ACE (ignored for a VTI, vti non-NULL). Without keys (ikev2) it
 * waits for IKEv2; with them its SAs go in now. 0, or -1 and err. */
int fp_gw_tunnel_add(struct fp_gw *gw, const struct fp_cfg_map_entry *e,
		     const struct fp_cfg_iface *ifc, const struct fp_cfg_vti *vti, unsigned ace,
		     bool ikev2, char *err, size_t errlen);
/* The Tunnel interfaces' tunnels and the routes into them (vti.c), after
 * the crypto maps'. 0, or -1 and err. */
int fp_gw_vti_build(struct fp_gw *gw, char *err, size_t errlen);
/* The VTI tunnel a route sends dst to (the longest prefix), or NULL:
 * read by the workers, no lock. */
struct fp_gw_tunnel *fp_gw_vti_route(struct fp_gw *gw, uint8_t af, const uint8_t *dst);
/* The configuration's routes changed (configure terminal): the table the
 * workers read is made again beside the old one and switched to; once
 * every pipe's thread has been through a quiescent point, the old one is
 * free and the egress tables forget their flows. Slow path's thread. */
void fp_gw_vti_routes_update(struct fp_gw *gw);
/* t->can_offload and not_offload_why from its SA parameters (after a
 * negotiated child replaced them). */
void fp_gw_tunnel_eligibility(struct fp_gw_tunnel *t);
/* How many tunnels have manual keys: they come first in gw->tunnels, the
 * ones IKEv2 keys after them. */
unsigned fp_gw_manual_tunnels(const struct fp_gw *gw);
/* The engine pipe a tunnel with this inbound SPI belongs to: pipe
 * fp_gw_spi_hash(spi) % n_pipes. The hash is 32-bit multiplicative
 * (Knuth's golden ratio), so that the kernel's classic BPF can compute
 * it too and hand each ESP packet to that pipe's worker (steer.c). */
#define FP_GW_SPI_MULT 0x9e3779b1u
#define FP_GW_SPI_SHIFT 16u
uint32_t fp_gw_spi_hash(uint32_t spi);
struct fp_pipe *fp_gw_pipe_for_spi(const struct fp_gw *gw, uint32_t spi);
/* Where a tunnel's SAs belong under the current settings. */
struct fp_pipe *fp_gw_tunnel_home(const struct fp_gw *gw, const struct fp_gw_tunnel *t);
/* The tunnel's SA parameters with their keys, from the configuration
 * (the caller zeroizes them when done). */
void fp_gw_tunnel_keyed(const struct fp_gw *gw, const struct fp_gw_tunnel *t,
			struct fp_sa_params *in, struct fp_sa_params *out);
/* Where the tunnel's outbound packets go now: its pipe, and *sa_out there. */
static inline struct fp_pipe *fp_gw_tunnel_route(struct fp_gw *gw, const struct fp_gw_tunnel *t,
						 uint32_t *sa_out)
{
	uint64_t r = __atomic_load_n(&t->route, __ATOMIC_ACQUIRE);
	uint32_t id = (uint32_t)(r >> 32);
	*sa_out = (uint32_t)r;
	return id < gw->n_pipes ? &gw->pipes[id] : &gw->soft;
}
/* Set pipe, sa_in and sa_out, then the route the workers read. */
static inline void fp_gw_tunnel_place(struct fp_gw_tunnel *t, struct fp_pipe *pp, uint32_t sa_in,
				      uint32_t sa_out)
{
	t->sa_in = sa_in;
	t->sa_out = sa_out;
	__atomic_store_n(&t->pipe, pp, __ATOMIC_RELAXED); /* gw_policy reads it on workers */
	__atomic_store_n(&t->route, (uint64_t)pp->id << 32 | sa_out, __ATOMIC_RELEASE);
}
static inline bool fp_gw_tunnel_offloaded(const struct fp_gw *gw, const struct fp_gw_tunnel *t)
{
	const struct fp_pipe *pp = __atomic_load_n(&t->pipe, __ATOMIC_RELAXED);
	return pp && pp != &gw->soft;
}
void fp_gw_fini(struct fp_gw *gw);

/* Interface id by nameif or device name; -1 if unknown. */
int fp_gw_iface_find(const struct fp_gw *gw, const char *name);
/* Interface ifc's MTU (an "mtu" line, or the device's read at start) and
 * fragmentation policy are now these: its tunnels' SAs learn them, each
 * on its pipe's thread, and their offload eligibility is worked out again
 * (post-fragmentation keeps a tunnel in the software pipe; the caller moves
 * tunnels with fp_gw_offload_changed). Runs on the slow path's thread. */
void fp_gw_iface_frag_set(struct fp_gw *gw, uint16_t ifc, uint16_t mtu, bool post_frag);
/* The MTU the tunnel's ESP packets must fit: its interface's, or the path
 * MTU a router told (fp_gw_pmtu_rcvd) while that is smaller and fresh. */
uint16_t fp_gw_tunnel_mtu(const struct fp_gw_tunnel *t);
/* A PMTU message about an ESP packet to dst with this SPI (slow path):
 * the tunnel's SAs fit mtu from now on, for FP_GW_PMTU_AGE_NS; then the
 * interface's MTU again (fp_gw_pmtu_age, from the slow path's poll). */
void fp_gw_pmtu_rcvd(struct fp_gw *gw, uint8_t af, const uint8_t *dst, uint32_t spi,
		     uint32_t mtu, uint64_t now_ns);
void fp_gw_pmtu_age(struct fp_gw *gw, uint64_t now_ns);
/* fn on every pipe, each on the thread that owns it: the software pipe
 * here, the engine pipes through gw->on_pipes (here too, offline). */
void fp_gw_on_every_pipe(struct fp_gw *gw, void (*fn)(struct fp_pipe *pp, void *arg), void *arg);

/* Where the packets of a call go. emit: a packet leaves by interface ifc.
 * punt: the engine hands a packet to the slow path (NULL: run the slow
 * path inline, as the offline mode does). handoff: the packet belongs to
 * another pipe's tunnel (NULL: there is one pipe). After the call every
 * packet was emitted, punted, handed off, or dropped and counted; the
 * caller owns the buffers of all of them. */
typedef void (*fp_gw_emit_fn)(void *ctx, uint16_t ifc, struct fp_pkt *p);
typedef void (*fp_gw_punt_fn)(void *ctx, struct fp_pkt *p);
typedef void (*fp_gw_handoff_fn)(void *ctx, struct fp_pipe *to, struct fp_pkt *p);
/* Buffers for packets the slow path makes (fragments): up to n empty
 * packets into out, returns how many; free gives back the ones nobody
 * took. NULL: the heap (offline mode, tests). */
typedef unsigned (*fp_gw_alloc_fn)(void *ctx, struct fp_pkt **out, unsigned n);
typedef void (*fp_gw_free_fn)(void *ctx, struct fp_pkt **pkts, unsigned n);

struct fp_gw_io {
	struct fp_pipe *pipe;             /* the calling thread's engine pipe */
	uint64_t now_ns;                  /* CLOCK_REALTIME of this burst */
	fp_gw_emit_fn emit;
	fp_gw_punt_fn punt;
	fp_gw_handoff_fn handoff;
	fp_gw_alloc_fn alloc;
	fp_gw_free_fn free;
	void *ctx;
};

/* Packets from the outside (ESP, IKE, cleartext) on io->pipe's engine. */
void fp_gw_rx_outside(struct fp_gw *gw, const struct fp_gw_io *io, uint16_t ifc,
		      struct fp_pkt **pkts, uint16_t n);
/* Packets from an inside interface: policy, then the engine or slow path. */
void fp_gw_rx_inside(struct fp_gw *gw, const struct fp_gw_io *io, uint16_t ifc,
		     struct fp_pkt **pkts, uint16_t n);
/* The slow path's share: what the engine punted (software SAs, IKE,
 * cleartext, fragments) and inside packets for software tunnels
 * (FP_PKT_F_OUTBOUND). Runs on the slow path's thread. */
void fp_gw_slow_input(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt **pkts,
		      uint16_t n);
/* Packets io->pipe held while one of its SAs waited for its state
 * (fp_pipe_unhold), classified again on that pipe's thread. */
void fp_gw_rx_held(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt **pkts,
		   uint16_t n);
/* After ESP outbound: the packets the engine punted because their SA had
 * moved away go back to the policy once (on the slow path). */
void fp_gw_outb_punted(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt **pkts,
		       uint16_t n);
/* Inner packets of tunnel t, to its pipe (or the slow path's) as the
 * policy would send them. */
void fp_gw_tunnel_send(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_gw_tunnel *t,
		       struct fp_pkt **pkts, uint16_t n);
/* Out by the interface the routes pick; from_tunnel: the single inside
 * interface is the default (what tunnels deliver, PMTU messages). */
void fp_gw_emit_routed(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt *p,
		       bool from_tunnel);
/* A slow-path drop, counted in show asp drop (several threads count). */
void fp_gw_drop(struct fp_gw *gw, struct fp_pkt *p, enum fp_drop why);
void fp_gw_count_drop(struct fp_gw *gw, enum fp_drop why);
/* pmtu.c: an inner packet the engine punted as too big once encrypted
 * (FP_DROP_PREFRAG), on the slow path; and an ESP packet of the software
 * pipe for an interface with post-fragmentation: true when it was sent in
 * pieces (the caller then leaves it). */
void fp_gw_too_big(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt *p);
bool fp_gw_post_frag(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_gw_tunnel *t,
		     struct fp_pkt *p);
/* Offline and tests: one burst from interface ifc, one pipe, slow path inline. */
void fp_gw_input(struct fp_gw *gw, uint16_t ifc, struct fp_pkt **pkts, uint16_t n,
		 fp_gw_emit_fn emit, void *ctx);

/* A configuration line typed at run time (configure terminal): applied to
 * the running configuration if fpvpnd can change that setting live (today:
 * hostname, [no] flow-offload-ipsec [egress-optimization], mtu, crypto
 * ipsec fragmentation; for the next IKEv2 negotiation, an IKEv2 crypto map
 * entry's proposals, PFS, lifetimes and connection type); any other line
 * is refused with a message saying it needs a restart. 0 or -1 with err. */
int fp_gw_configure(struct fp_gw *gw, const char *line, char *err, size_t errlen);
/* The same for a session that keeps the parser's sub-mode between its
 * lines (crypto ipsec profile NAME, tunnel-group PEER ipsec-attributes: the
 * sub-modes whose lines can change live); sub is updated when the line is
 * accepted. */
struct fp_gw_cfg_sub {
	uint8_t mode;                     /* the parser's parse_mode, 0 = top level */
	unsigned index;
};
int fp_gw_configure_sub(struct fp_gw *gw, struct fp_gw_cfg_sub *sub, const char *line, char *err,
			size_t errlen);
/* SIGHUP: the configuration file read again and applied as configure
 * terminal applies a line: when it differs from the running configuration
 * only in what can change live, that changes; otherwise nothing does and
 * err says which part differs. A file that does not parse or validate
 * changes nothing either. 0 or -1 with err. */
int fp_gw_reload(struct fp_gw *gw, char *err, size_t errlen);
/* Move every tunnel to the path the settings now choose (flow-offload-ipsec
 * on or off), keeping sequence numbers, replay windows and counters. Runs on
 * the slow path's thread. */
int fp_gw_reoffload(struct fp_gw *gw, char *err, size_t errlen);
int fp_gw_offload_changed(struct fp_gw *gw, char *err, size_t errlen);
/* clear ipsec sa: delete every SA pair and install it again from the
 * configuration (sequence numbers and replay windows start over). */
int fp_gw_clear_sas(struct fp_gw *gw, char *err, size_t errlen);

/* write memory: the running configuration, keys included, to the file it
 * was loaded from: temporary file, fsync, rename. */
int fp_gw_write_memory(struct fp_gw *gw, char *err, size_t errlen);

/* Where the captures live (capture_cli.c asks for them). */
struct fp_capset **fp_gw_capset(struct fp_gw *gw);

/* Policy changed: every egress table forgets its flows. */
void fp_gw_policy_changed(struct fp_gw *gw);

/* Sum of every drop counter of a reason: engine, software pipe, slow path. */
uint64_t fp_gw_drop_count(const struct fp_gw *gw, unsigned reason);
void fp_gw_clear_counters(struct fp_gw *gw);
/* CLOCK_REALTIME in ns. */
uint64_t fp_gw_clock(void);

#endif
