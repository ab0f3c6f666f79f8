/* bench/ike (d): B's cost per IKE_SA_INIT request, the way a flood
 * reaches it. A's real requests (pair.h) are taken off the wire and fed
 * to B again and again, each with a new SPIi: with B past its cookie
 * threshold every one is answered with a COOKIE; with cookies out of
 * reach (max-in-negotiation-sa 10000, cookie-challenge 100) every one is
 * answered in full and leaves a half-open SA, spread over 256 source
 * addresses so that the per-address bound stays out of the way. */
#include "flood.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/inet.h"
#include "pair.h"
#include "pipes.h"

#define MAX_RUNS 41u
#define SOURCES 256u
#define FULL_REQUESTS 2000u
#define COOKIE_REQUESTS 20000u

static uint8_t req[SOURCES][DGRAM_MAX];
static struct fp_ike_dgram reqd[SOURCES];

/* A's IKE_SA_INIT requests for tunnels first..first+n-1, kept undelivered. */
static int take_requests(struct pair *p, unsigned first, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		pair_start(p, first + i);
		if (!pair_take(p, &reqd[i], req[i]))
			return -1;
	}
	return 0;
}

static void drain(struct pair *p)
{
	static uint8_t buf[DGRAM_MAX];
	struct fp_ike_dgram d;
	while (pair_take(p, &d, buf))
		;
}

/* count requests into B from n kept ones, each with a new SPIi; ns each. */
static double feed(struct pair *p, unsigned n, unsigned count, uint32_t tag)
{
	uint64_t t0 = esp_cpu_ns();
	for (unsigned i = 0; i < count; i++) {
		fp_put32(req[i % n], tag);
		fp_put32(req[i % n] + 4, i);
		pair_to_b(p, &reqd[i % n]);
		drain(p);
	}
	return (double)(esp_cpu_ns() - t0) / count;
}

/* Cookies on: one half-open SA of B's 4, cookies from 25 %. */
static double cookie_run(void)
{
	struct pair *p = pair_new(2, 4, 25);
	double ns = -1;
	if (p && !take_requests(p, 0, 1)) {
		pair_to_b(p, &reqd[0]);
		drain(p);
		if (!take_requests(p, 1, 1))
			ns = feed(p, 1, COOKIE_REQUESTS, 0xc00c1e00u);
	}
	pair_free(p);
	return ns;
}

static double full_run(void)
{
	struct pair *p = pair_new(SOURCES, 10000, 100);
	double ns = p && !take_requests(p, 0, SOURCES) ? feed(p, SOURCES, FULL_REQUESTS, 0xf011u)
						       : -1;
	pair_free(p);
	return ns;
}

int flood_bench(unsigned runs)
{
	double c[MAX_RUNS], f[MAX_RUNS];
	runs = runs > MAX_RUNS ? MAX_RUNS : runs;
	for (unsigned r = 0; r < runs; r++)
		if ((c[r] = cookie_run()) < 0 || (f[r] = full_run()) < 0) {
			fprintf(stderr, "bench: flood setup failed\n");
			return -1;
		}
	qsort(c, runs, sizeof(double), esp_cmp_double);
	qsort(f, runs, sizeof(double), esp_cmp_double);
	printf("(d) responder CPU per IKE_SA_INIT request (group 19), median of %u runs:\n", runs);
	printf("    answered with a COOKIE (no state, no DH): %8.2f us  (%u requests a run)\n",
	       c[runs / 2] / 1e3, COOKIE_REQUESTS);
	printf("    answered in full (DH, keys, half-open SA): %7.2f us  (%u requests a run)\n",
	       f[runs / 2] / 1e3, FULL_REQUESTS);
	printf("    a COOKIE costs %.1f %% of a full answer\n", 100.0 * c[runs / 2] / f[runs / 2]);
	return 0;
}
