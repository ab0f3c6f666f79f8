/* Packet captures at the three points of a Secure Firewall 3100/4200
 * (reference note, docs/captures.md):
 *
 *   FP_CAP_SWITCH    the interface itself, before anything is classified:
 *                    every burst read from a port and every burst sent
 *                    (`capture NAME switch interface IF`, `... switch real-time`);
 *   FP_CAP_OFFLOAD   ESP as the engine's pipes see it: inbound before
 *                    decryption, outbound after encryption
 *                    (`capture NAME ipsec-offload match spi SPI A B`);
 *   FP_CAP_DTLS_OFFLOAD  DTLS the same way: a client's datagrams as the
 *                    engine's pipes see them, inbound before decryption,
 *                    outbound after encryption (`capture NAME dtls-offload
 *                    match udp A eq PORT B eq PORT`);
 *   FP_CAP_DATAPATH  what the engine handled correctly and injected into the
 *                    datapath: decrypted inner packets arriving from IF,
 *                    cleartext the slow path handled on IF, inner packets
 *                    read from an inside IF before policy
 *                    (`capture NAME interface IF [match PROTO A B]`).
 *
 * Threads. Hooks run on every worker thread and on the slow path at once;
 * the CLI (on the slow path's thread) adds, clears and removes captures and
 * reads them. Nothing on the per-packet path takes a lock:
 *
 *  - With no capture at a point, fp_capture_point() is one relaxed atomic
 *    load and a branch (the bit of that point in cs->hot.points).
 *  - Each capture has one ring per thread id (0 .. n_threads-1), written
 *    only by that thread. The ring's words are C11 atomics (relaxed; plain
 *    moves on x86) and its two indexes are published with release stores,
 *    so the CLI copies a ring while its thread writes it without a data
 *    race; a circular ring that overwrote what the CLI was copying is
 *    detected (the tail moved) and those records are left out (seqlock
 *    style). Show merges the rings by timestamp.
 *  - The set of captures is an immutable generation published through one
 *    atomic pointer (copy-update-switch). A generation or capture that a
 *    change replaced is retired, and freed only once every thread that was
 *    inside a hook at the switch has left it: each hook call bumps its
 *    thread's counter to odd on entry and to even on exit (seq_cst), and
 *    the CLI compares. No waiting: fp_capset_reclaim() frees what is safe
 *    and keeps the rest for a later call (every CLI change calls it; the
 *    slow path may call it on its poll; fp_capset_free() frees the rest).
 *
 * Buffers: `buffer N` bytes (default 512 KB) per capture. Each packet takes
 * FP_CAPTURE_REC_HDR bytes plus its captured length rounded up to 8. A
 * capture without circular-buffer stops when the packets of all threads
 * together fill it (the ASA's "Buffer Full"): one atomic fetch-add per
 * captured packet, none for a packet that does not match. With
 * circular-buffer each thread's ring keeps its newest packets up to N bytes
 * and show keeps the newest N bytes of the merged set. Every ring is
 * reserved as N bytes of address space (mmap, MAP_NORESERVE): a page costs
 * memory only once written, so the memory a capture uses is what it holds
 * (circular captures: up to N bytes per thread that sees matching packets). */
#ifndef FP_CAPTURE_H
#define FP_CAPTURE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/pkt.h"

#define FP_CAPTURE_MAX 16u            /* captures per gateway */
#define FP_CAPTURE_MAX_THREADS 64u    /* thread ids 0..63: workers, then the slow path */
#define FP_CAPTURE_NAME_MAX 32u       /* name bytes with the NUL: up to 31 characters */
#define FP_CAPTURE_BUFFER_DEFAULT 524288u
#define FP_CAPTURE_BUFFER_MIN 1534u   /* the ASA's range for `buffer` */
#define FP_CAPTURE_BUFFER_MAX 33554432u
#define FP_CAPTURE_SNAP_DEFAULT 1518u /* `packet-length`: bytes kept of each packet */
#define FP_CAPTURE_SNAP_MIN 14u
#define FP_CAPTURE_SNAP_MAX (FP_PKT_BUF_SIZE - FP_PKT_HEADROOM)
#define FP_CAPTURE_REC_HDR 16u        /* ring bytes per packet besides its data */
#define FP_CAP_IFC_PKT UINT16_MAX     /* ifc argument: use each packet's pkt->ifc */

enum fp_cap_point {
	FP_CAP_SWITCH = 0,
	FP_CAP_OFFLOAD,
	FP_CAP_DATAPATH,
	FP_CAP_DTLS_OFFLOAD,
	FP_CAP__COUNT
};

/* "switch", "ipsec-offload", "datapath", "dtls-offload". */
const char *fp_cap_point_name(unsigned pt);

/* What a capture keeps (the ASA's `match`). A packet matches when its IP
 * protocol is proto (0: any), its SPI is spi (by_spi, FP_CAP_OFFLOAD only:
 * ESP or ESP-in-UDP) and its addresses are a and b in either direction
 * (src in a and dst in b, or src in b and dst in a), each with its UDP or
 * TCP port when port_a / port_b is not 0 (`A eq PORT`). A prefix whose
 * addr.af is FP_AF_NONE is `any`, either family. */
struct fp_cap_match {
	uint8_t proto;
	bool by_spi;
	uint32_t spi;
	struct fp_prefix a, b;
	uint16_t port_a, port_b;
};

struct fp_cap_spec {
	char name[FP_CAPTURE_NAME_MAX];   /* [A-Za-z0-9_.-], not empty */
	enum fp_cap_point point;
	bool all_ifaces;                  /* every interface (switch real-time, ipsec-offload) */
	uint16_t ifc;                     /* otherwise: the interface id (pkt->ifc) */
	bool realtime;                    /* switch real-time (shown like the others) */
	bool has_match;                   /* false: every packet at the point */
	struct fp_cap_match match;
	uint32_t buffer;                  /* bytes, FP_CAPTURE_BUFFER_MIN..MAX */
	uint32_t snaplen;                 /* bytes kept of each packet, FP_CAPTURE_SNAP_MIN..MAX */
	bool circular;                    /* overwrite the oldest instead of stopping */
};

/* A spec with the defaults: no match, 512 KB, 1518 bytes, not circular. */
void fp_cap_spec_init(struct fp_cap_spec *s, const char *name, enum fp_cap_point pt);

/* The part of a capture set the hot path reads; struct fp_capset begins
 * with it. Bit pt of points: at least one capture at point pt. */
struct fp_capset_hot {
	_Atomic uint32_t points;
};

struct fp_capset;                     /* every capture of one gateway */

/* n_threads: thread ids the hooks will pass (live gateway: n_workers + 1,
 * the slow path being n_workers; offline: 1). 1..FP_CAPTURE_MAX_THREADS.
 * NULL on allocation failure. */
struct fp_capset *fp_capset_new(unsigned n_threads);
/* Frees every capture, retired ones included. Only once no thread can
 * call a hook any more (workers stopped). NULL is allowed. */
void fp_capset_free(struct fp_capset *cs);
unsigned fp_capset_threads(const struct fp_capset *cs);

/* The out-of-line part of fp_capture_point(). */
void fp_capture_burst(struct fp_capset *cs, enum fp_cap_point pt, unsigned thread, uint16_t ifc,
		      struct fp_pkt *const *pkts, unsigned n, uint64_t now_ns);

/* Hook: n full IP packets (pkts[i]->data, ->len) at point pt, seen by
 * thread `thread` (worker id, or the slow path's id) on interface ifc, or
 * FP_CAP_IFC_PKT for each packet's own pkt->ifc; now_ns (CLOCK_REALTIME)
 * stamps them. Copies what matches, changes nothing in the packets. Call it
 * unconditionally: with no capture at pt it costs one relaxed atomic load
 * and a branch. cs must not be NULL. A thread id >= n_threads is ignored
 * (and counted: fp_capset_bad_thread). Never blocks, never allocates. */
static inline void fp_capture_point(struct fp_capset *cs, enum fp_cap_point pt, unsigned thread,
				    uint16_t ifc, struct fp_pkt *const *pkts, unsigned n,
				    uint64_t now_ns)
{
	struct fp_capset_hot *hot = (struct fp_capset_hot *)(void *)cs;
	if (__builtin_expect((atomic_load_explicit(&hot->points, memory_order_relaxed) >> pt) & 1u, 0))
		fp_capture_burst(cs, pt, thread, ifc, pkts, n, now_ns);
}

/* Control, from one thread at a time (the CLI's): */

/* Add a capture. 0, or -1 with the reason in err (bad name or sizes, the
 * name exists, FP_CAPTURE_MAX reached, out of memory). */
int fp_capture_add(struct fp_capset *cs, const struct fp_cap_spec *spec, char *err, size_t errlen);
/* Remove the capture (its packets are gone). 0, or -1 if no such name. */
int fp_capture_remove(struct fp_capset *cs, const char *name);
/* Empty the capture: a fresh one with the same spec takes its place (the
 * old rings are retired, as on removal). 0, or -1 if no such name or out of
 * memory (the capture is then kept as it was). */
int fp_capture_clear(struct fp_capset *cs, const char *name);
/* Captures in creation order: count, the index of a name (-1 if none),
 * the spec of index i (NULL past the end). */
unsigned fp_capture_count(struct fp_capset *cs);
int fp_capture_find(struct fp_capset *cs, const char *name);
const struct fp_cap_spec *fp_capture_spec(struct fp_capset *cs, unsigned i);
/* What capture i holds now, without copying it: ring bytes (a circular
 * capture: at most its buffer) and whether a capture without
 * circular-buffer is full. -1 if no such index. */
int fp_capture_usage(struct fp_capset *cs, unsigned i, uint64_t *bytes, bool *full);

/* One captured packet of a snapshot. data points into the snapshot. */
struct fp_cap_rec {
	uint64_t ts_ns;
	const uint8_t *data;              /* caplen bytes from the IP header */
	uint32_t caplen, len;             /* bytes kept; the packet's length */
	uint16_t ifc;
	uint16_t thread;
};

/* A copy of a capture's packets, merged from its rings by time (ties:
 * thread id, then order within the thread). */
struct fp_cap_snap {
	struct fp_cap_rec *recs;
	unsigned n;
	uint64_t bytes;                   /* ring bytes they take (the "Capturing - N bytes") */
	bool full;                        /* a capture without circular-buffer stopped */
	uint64_t **mem_;                  /* private: the ring copies */
	unsigned n_mem_;
};

/* Snapshot capture i. 0, or -1 (no such index, out of memory); free it
 * with fp_cap_snap_free() either way. */
int fp_capture_snapshot(struct fp_capset *cs, unsigned i, struct fp_cap_snap *s);
void fp_cap_snap_free(struct fp_cap_snap *s);

/* Free retired generations and captures that no hook can still be using;
 * returns how many retired entries remain. Control thread only. */
unsigned fp_capset_reclaim(struct fp_capset *cs);
/* Hook calls ignored for a thread id out of range. */
uint64_t fp_capset_bad_thread(struct fp_capset *cs);

/* The gateway's capture set: &gw->caps once struct fp_gw carries it. The
 * gateway defines this function (datapath); until it does, capture_cli.c
 * holds a weak default returning NULL (captures refused). */
struct fp_gw;
struct fp_capset **fp_gw_capset(struct fp_gw *gw);

#endif
