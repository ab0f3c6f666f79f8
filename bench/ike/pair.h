/* Two fp_ike instances in one process, A initiating and B answering, wired
 * through their env hooks to a queue of datagrams, the way
 * tests/unit/test_ike_exchange.c wires them: no socket, no engine. A has
 * one peer per tunnel (peer i is B's address i), B the mirror (A's
 * address i), so every tunnel is its own IKE SA with its first CHILD_SA:
 * PSK, IKE AES-GCM-256 / PRF SHA-256 / group 19, ESP AES-GCM-256. */
#ifndef FP_BENCH_IKE_PAIR_H
#define FP_BENCH_IKE_PAIR_H

#include <stdbool.h>
#include <stdint.h>

#include "ike/ike.h"

#define DGRAM_MAX 2048u

struct pair;

/* A pair configured for n tunnels (at most FP_IKE_MAX_PEERS); B's
 * max-in-negotiation-sa and cookie-challenge (0: the defaults). */
struct pair *pair_new(unsigned n, unsigned b_half_open_max, unsigned b_cookie_pct);
/* Every SA deleted, the instances freed. */
void pair_free(struct pair *p);
/* A starts tunnel i (fp_ike_acquire). */
void pair_start(struct pair *p, unsigned i);
/* Deliver one queued datagram; false when the queue is empty. */
bool pair_step(struct pair *p);
/* The next queued datagram out of the queue, undelivered, copied into
 * *d and buf (DGRAM_MAX bytes); false when the queue is empty. */
bool pair_take(struct pair *p, struct fp_ike_dgram *d, uint8_t *buf);
/* A datagram into B, as if from the wire. */
void pair_to_b(struct pair *p, const struct fp_ike_dgram *d);
/* Children installed on A and on B so far. */
unsigned pair_children(const struct pair *p, int side);
/* Datagrams lost to a full queue (a bench error). */
uint64_t pair_lost(const struct pair *p);

#endif
