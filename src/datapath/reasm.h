/* Reassembly of fragmented outer packets on the slow path (post-
 * fragmentation: a router between the peers split an ESP packet). The
 * engine punts every fragment here; once a datagram is whole it goes
 * through classification again like any packet from the outside. Bounded:
 * FP_REASM_SLOTS datagrams at a time, FP_REASM_TIMEOUT_NS each,
 * overlapping fragments drop the whole datagram (RFC 5722), and so does
 * a fragment that ends past the one that says it is the last, and an
 * empty one. A datagram
 * is whole when its pieces cover every byte up to the end, not when their
 * sizes add up. */
#ifndef FP_REASM_H
#define FP_REASM_H

#include <stdbool.h>
#include <stdint.h>

#include "common/pkt.h"
#include "offload/drop.h"

#define FP_REASM_SLOTS 64u
#define FP_REASM_TIMEOUT_NS (30ull * 1000000000ull)
#define FP_REASM_MAX 65535u

struct fp_reasm_slot;

struct fp_reasm {
	struct fp_reasm_slot *slots;   /* FP_REASM_SLOTS, their buffers taken on first use */
	uint64_t done, frags, timeouts, invalid, full;
};

int fp_reasm_init(struct fp_reasm *r);
void fp_reasm_fini(struct fp_reasm *r);

/* Add the fragment p. Returns FP_DROP_NONE with p now holding the whole
 * datagram (FP_PKT_F_REASM set); FP_DROP_IP_FRAGMENT when p was kept
 * (copied) and more fragments are needed; or the reason p and its
 * datagram were dropped. The caller keeps p's buffer in every case. */
enum fp_drop fp_reasm_add(struct fp_reasm *r, struct fp_pkt *p, uint64_t now_ns);

#endif
