/* The live gateway's threads. Each worker thread owns one engine pipe and
 * its share of the ports (a TUN queue per inside interface, SO_REUSEPORT
 * UDP sockets on the outside); a tunnel belongs to the pipe its inbound SPI
 * hashes to, and a thread that reads a packet for another pipe's tunnel
 * hands it over through an SPSC ring (the "interlaken" of show npu-accel
 * statistics). The main thread runs the slow path (the software pipe,
 * punted packets), the control socket and every configuration change; rule
 * changes reach a pipe through its control ring, so only the owning thread
 * ever writes its SA table. Nothing on the per-packet path is shared
 * between pipes. */
#ifndef FP_RUNTIME_H
#define FP_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/pktpool.h"
#include "common/ring.h"
#include "datapath/gateway.h"
#include "io/port.h"

#define FP_RT_MAX_WORKERS 32
#define FP_RT_MAX_PORTS 24     /* per thread: TUN queues, UDP sockets, raw ESP */
_Static_assert(FP_RT_MAX_PORTS <= 32, "a worker's ready ports are one 32-bit mask");
#define FP_RT_RING 1024u       /* handoff and punt ring size */

/* The ring between the ports and the pipes, counted like the FPGA's
 * interlaken link: tx = handed to a pipe's ring, rx = taken by the pipe. */
struct fp_ilk_stats {
	uint64_t tx_good, rx_good, tx_taildrop;
};

/* A port and the interface it belongs to. */
struct fp_rt_port {
	struct fp_port *port;
	uint16_t ifc;
	uint8_t af;                        /* UDP and ESP ports: the family they send */
	uint16_t udp_port;                 /* UDP ports: the local port */
	bool rx;                           /* read it (tx-only sockets are not) */
	bool inside;                       /* a TUN queue */
	uint32_t rx_ovfl_seen;             /* the kernel's drop count when last read (main thread) */
};

/* A thread's packets on their way out, one burst per port. */
/* Emitted packets wait here until the burst that made them is released
 * (emit must not free what its caller may still look at); a queue half
 * full is sent then, every queue at the end of a turn. */
#define FP_RT_TXQ 1024u
struct fp_txq {
	struct fp_pkt *p[FP_RT_TXQ];
	uint16_t n;
};

struct fp_thread_io {
	struct fp_rt_port ports[FP_RT_MAX_PORTS];
	unsigned n_ports;
	struct fp_txq txq[FP_RT_MAX_PORTS];
	struct fp_pktcache cache;
	int epfd, wakefd;                  /* epoll set; eventfd others poke */
};

struct fp_worker {
	unsigned id;
	pthread_t thread;
	struct fp_runtime *rt;
	struct fp_pipe *pipe;              /* gw->pipes[id] */
	struct fp_thread_io io;
	struct fp_ring *in;                /* [n_workers + 1]: from each worker, last = slow path */
	struct fp_ring punt;               /* to the slow path */
	void (*call_fn)(struct fp_worker *w, void *arg); /* fp_rt_on_workers */
	void *call_arg;
	_Atomic int call_state;            /* 0 idle, 1 posted, 2 done */
	struct fp_ilk_stats ilk;
	uint64_t punt_taildrop;
	_Atomic uint64_t loops;            /* quiescent-state counter the slow path waits on */
	_Atomic bool stop;
	bool started;
	unsigned rx_coalesce_us;           /* fp_rt_opts' */
};

struct fp_runtime {
	struct fp_gw *gw;
	unsigned n_workers;
	struct fp_worker *w;
	struct fp_pktpool pool;
	struct fp_thread_io slow;          /* the main thread's ports and buffers */
	struct fp_netlink *nl;
	uint64_t started_ns;
	uint64_t slow_punts;               /* packets the slow path took from the pipes */
	int icmp_fd[2];                    /* PMTU listeners, IPv4 and IPv6 (icmperr.h); -1 */
	uint64_t ovfl_read_ns;             /* when the sockets' drop counts were last read */
};

struct fp_rt_opts {
	bool offload_io;                   /* TUN TSO/USO and UDP GSO/GRO */
	bool pin;                          /* pin worker i to CPU i */
	unsigned rx_coalesce_us;           /* a worker that found work waits this long */
};

/* One worker per online CPU, at most FP_RT_MAX_WORKERS. */
unsigned fp_rt_default_workers(void);

/* Open the ports, create and address the inside TUN devices, route the
 * crypto maps' remote networks into them, start one worker per engine
 * pipe of the gateway (fp_gw_init_pipes). Returns 0, or -1 with err
 * (everything undone). */
int fp_rt_start(struct fp_runtime *rt, struct fp_gw *gw, const struct fp_rt_opts *opts,
		char *err, size_t errlen);
/* Whether every outside UDP port fp_rt_start would bind is free: called
 * before anything is bound, so that a second instance on the same
 * addresses refuses without touching the first one's sockets. Returns 0,
 * or -1 with err naming the address and port in use. */
int fp_rt_ports_free(const struct fp_gw *gw, char *err, size_t errlen);
/* A network the gateway now routes into a tunnel (a route typed in
 * configure terminal): routed into every inside TUN device too, so that
 * the host stack hands it over (removed with the others on exit). */
int fp_rt_inside_route_add(struct fp_runtime *rt, const struct fp_prefix *net, char *err,
			   size_t errlen);

/* Stop the workers, close the ports, remove the routes, addresses and TUN
 * devices it made. */
void fp_rt_stop(struct fp_runtime *rt);

/* The main thread's share: packets punted by the pipes, its own ports. Call
 * when its epoll set (fp_rt_slow_fd) is readable, or at least every 100 ms. */
void fp_rt_slow_poll(struct fp_runtime *rt);
int fp_rt_slow_fd(const struct fp_runtime *rt);

/* Move every tunnel to the path the configuration now chooses (offload on
 * or off), keeping sequence numbers, replay windows and counters. */
int fp_rt_reoffload(struct fp_runtime *rt, char *err, size_t errlen);

/* Run fn on every worker's thread, between two of its bursts, and wait. */
int fp_rt_on_workers(struct fp_runtime *rt, void (*fn)(struct fp_worker *w, void *arg), void *arg);

#endif
