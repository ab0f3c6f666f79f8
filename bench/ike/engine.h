/* bench/ike (c): the engine's cost per packet with many SAs installed. */
#ifndef FP_BENCH_IKE_ENGINE_H
#define FP_BENCH_IKE_ENGINE_H

/* Prints ns/packet for ESP out and in with one SA pair alone and with
 * 1,000 more pairs installed beside it, and the ratio; medians of runs
 * interleaved rounds of about round_ms each. 0 or -1. */
int engine_bench(unsigned runs, double round_ms);

#endif
