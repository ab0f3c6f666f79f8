/* bench/ike (d): what one IKE_SA_INIT request costs a responder. */
#ifndef FP_BENCH_IKE_FLOOD_H
#define FP_BENCH_IKE_FLOOD_H

/* Prints the CPU time per request answered with a COOKIE (no state, no
 * Diffie-Hellman) and per request answered in full (key pair, g^ir, keys,
 * a half-open SA), medians of runs. 0 or -1. */
int flood_bench(unsigned runs);

#endif
