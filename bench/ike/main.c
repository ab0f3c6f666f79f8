/* bench/ike: what IKEv2 costs, in one process (no network, no fpvpnd):
 *  (a) IKE SAs set up per second between two fp_ike instances (pair.h):
 *      PSK, group 19, AES-GCM-256, IKE_SA_INIT + IKE_AUTH with the first
 *      CHILD_SA, one tunnel after the other; median of the runs;
 *  (b) the time to bring up 1,000 tunnels (1,000 IKE SAs with their
 *      children), all started at once, over 4 pairs of instances
 *      (FP_IKE_MAX_PEERS peers an instance); median of the runs;
 *  (c) the engine's cost per packet (engine.c) with 1,000 SAs installed
 *      beside the one that carries the packets, against one SA alone in
 *      the same run;
 *  (d) a responder's cost per IKE_SA_INIT request answered with a COOKIE
 *      against one answered in full (flood.c): what cookies save a flood.
 * Times are this thread's CPU time (the machine is shared); (b) prints the
 * wall time too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "flood.h"
#include "pair.h"
#include "pipes.h"

#define MAX_RUNS 41u
#define TUNNELS 1000u
#define PAIRS 4u

struct cfg {
	unsigned runs;
	unsigned seq;              /* (a): tunnels a run */
	double round_ms;           /* (c) */
};

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), esp_cmp_double);
	return v[n / 2];
}

/* (a) one run: n tunnels, each negotiated to the end before the next; SAs/s. */
static double setup_rate(unsigned n)
{
	struct pair *p = pair_new(n, 0, 0);
	if (!p)
		return -1;
	uint64_t t0 = esp_cpu_ns();
	for (unsigned i = 0; i < n; i++) {
		pair_start(p, i);
		while (pair_step(p))
			;
	}
	double s = (double)(esp_cpu_ns() - t0) / 1e9;
	bool ok = pair_children(p, 0) == n && pair_children(p, 1) == n && !pair_lost(p);
	pair_free(p);
	return ok ? n / s : -1;
}

/* (b) one run: TUNNELS tunnels started at once over PAIRS pairs, the
 * datagrams delivered round robin until none is left; CPU and wall ms. */
static int bring_up(double *cpu_ms, double *wall_ms)
{
	struct pair *p[PAIRS];
	unsigned per = TUNNELS / PAIRS, up = 0;
	int rc = 0;
	for (unsigned k = 0; k < PAIRS; k++)
		if (!(p[k] = pair_new(per, 0, 0)))
			rc = -1;
	uint64_t w0 = wall_ns(), t0 = esp_cpu_ns();
	for (unsigned k = 0; !rc && k < PAIRS; k++)
		for (unsigned i = 0; i < per; i++)
			pair_start(p[k], i);
	for (bool busy = !rc; busy;) {
		busy = false;
		for (unsigned k = 0; k < PAIRS; k++)
			busy |= pair_step(p[k]);
	}
	*cpu_ms = (double)(esp_cpu_ns() - t0) / 1e6;
	*wall_ms = (double)(wall_ns() - w0) / 1e6;
	for (unsigned k = 0; k < PAIRS; k++) {
		if (p[k])
			up += pair_children(p[k], 0) == per && pair_children(p[k], 1) == per &&
			      !pair_lost(p[k]) ? per : 0;
		pair_free(p[k]);
	}
	return !rc && up == TUNNELS ? 0 : -1;
}

static int run_ike(const struct cfg *c)
{
	double rate[MAX_RUNS] = {0}, cpu[MAX_RUNS] = {0}, wall[MAX_RUNS] = {0};
	for (unsigned r = 0; r < c->runs; r++)
		if ((rate[r] = setup_rate(c->seq)) < 0 || bring_up(&cpu[r], &wall[r]) < 0) {
			fprintf(stderr, "bench: a negotiation failed\n");
			return -1;
		}
	double lo = rate[0], hi = rate[0];
	for (unsigned r = 1; r < c->runs; r++) {
		lo = rate[r] < lo ? rate[r] : lo;
		hi = rate[r] > hi ? rate[r] : hi;
	}
	printf("(a) IKE SAs set up per second (PSK, group 19, AES-GCM-256, IKE_SA_INIT + IKE_AUTH "
	       "+ first child, both ends in this thread, %u a run):\n", c->seq);
	printf("    %.0f SAs/s median of %u runs (min %.0f, max %.0f)\n", median(rate, c->runs),
	       c->runs, lo, hi);
	printf("(b) %u tunnels (IKE SA + child each) started at once, %u instance pairs:\n",
	       TUNNELS, PAIRS);
	printf("    %.1f ms CPU, %.1f ms wall, median of %u runs\n", median(cpu, c->runs),
	       median(wall, c->runs), c->runs);
	return 0;
}

static int parse_args(struct cfg *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			c->runs = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--tunnels") && i + 1 < argc)
			c->seq = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--ms") && i + 1 < argc)
			c->round_ms = atof(argv[++i]);
		else
			return -1;
	}
	return c->runs >= 1 && c->runs <= MAX_RUNS && c->seq >= 1 && c->seq <= 256 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct cfg c = {.runs = 7, .seq = 250, .round_ms = 20};
	if (parse_args(&c, argc, argv) < 0) {
		fprintf(stderr, "usage: ike [--runs N (1-%u)] [--tunnels N (1-256, for (a))] "
				"[--ms MS per round of (c)]\n", MAX_RUNS);
		return 2;
	}
	printf("fpvpn bench/ike\n");
	if (run_ike(&c) < 0)
		return 1;
	if (engine_bench(c.runs, c.round_ms) < 0)
		return 1;
	return flood_bench(c.runs) < 0 ? 1 : 0;
}
