/* bench/ike (c): ESP outbound and inbound through the offload pipe
 * functions (as bench/esp runs them: fp_esp_outb_process on packets bound
 * to their SA, fp_classify_inb + fp_esp_inb_process), AES-GCM-256, with
 * one SA pair in the pipes and with 1,000 more pairs installed beside it
 * (other SPIs, other outbound rules), the same pipe sizes both times.
 * The rounds of both cases interleave, so that both see the same load;
 * the restore each round needs (fresh packets) is timed alone and
 * subtracted. The packets use one SA: what grows with the table is the
 * SPI lookup's hash table and the cache the SA array takes. */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipes.h"

#define OTHERS 1000u
#define MAX_SA 2048u
#define MAX_RUNS 41u

enum { M_ENC, M_COPY_IN, M_DEC, M_COPY_ESP, M__COUNT };

static const struct xform gcm256 = {"AES-GCM-256", FP_CIPHER_AES_GCM_256, FP_INTEG_NONE, 36, 0};
static const unsigned sizes[] = {64, 1420};

/* OTHERS more pairs beside the measured one: SPIs 0x20000+, rules 1+. */
static int install_others(struct esp_pipes *e, const struct fp_sa_params *base)
{
	const char *err = "";
	uint32_t id;
	for (uint32_t i = 1; i <= OTHERS; i++) {
		struct fp_sa_params p = *base;
		p.spi = 0x20000u + i;
		p.rule_id = i;
		p.sel.remote.addr.a[1] = (uint8_t)(3 + i / 256);
		p.sel.remote.addr.a[2] = (uint8_t)i;
		struct fp_sa_params q = p;
		q.dir = FP_SA_IN;
		q.rule_id = 0;
		q.replay_window = 64;
		q.local = p.remote, q.remote = p.local;
		q.sel.local = p.sel.remote, q.sel.remote = p.sel.local;
		if (fp_sa_install(e->a.db, &p, &id, &err) < 0 ||
		    fp_sa_install(e->b.db, &q, &id, &err) < 0) {
			fprintf(stderr, "bench: SA %u: %s\n", i, err);
			return -1;
		}
	}
	return 0;
}

static struct esp_pipes *pipes_with(unsigned others, unsigned size)
{
	struct fp_sa_params p;
	struct esp_pipes *e = esp_pipes_new(MAX_SA);
	if (!e || esp_pipes_sas(e, &gcm256, &p) < 0 || (others && install_others(e, &p) < 0) ||
	    esp_pipes_packets(e, size) < 0)
		return NULL;
	return e;
}

static void run_method(struct esp_pipes *e, int m)
{
	if (m == M_ENC || m == M_COPY_IN)
		esp_restore_inner(e);
	else
		esp_restore_esp(e);
	if (m == M_ENC)
		fp_esp_outb_process(&e->a, e->pkt, BURST);
	else if (m == M_DEC)
		fp_esp_inb_process(&e->b, e->pkt, fp_classify_inb(&e->b, e->pkt, BURST));
}

static double time_method(struct esp_pipes *e, int m, unsigned iters)
{
	uint64_t t0 = esp_cpu_ns();
	for (unsigned i = 0; i < iters; i++)
		run_method(e, m);
	return (double)(esp_cpu_ns() - t0) / ((double)iters * BURST);
}

/* ns/packet, out and in, for e[0] (one pair) and e[1] (1,001 pairs). */
static void measure(struct esp_pipes *e[2], unsigned runs, double round_ms, double ns[2][2])
{
	static double s[2][M__COUNT][MAX_RUNS];
	double probe = time_method(e[0], M_ENC, 64);
	unsigned iters = (unsigned)(round_ms * 1e6 / (probe * BURST)) + 1;
	for (unsigned r = 0; r < runs; r++)
		for (int k = 0; k < 2; k++)
			for (int m = 0; m < M__COUNT; m++)
				s[k][m][r] = time_method(e[k], m, iters);
	for (int k = 0; k < 2; k++) {
		double med[M__COUNT];
		for (int m = 0; m < M__COUNT; m++) {
			qsort(s[k][m], runs, sizeof(double), esp_cmp_double);
			med[m] = s[k][m][runs / 2];
		}
		ns[k][0] = med[M_ENC] - med[M_COPY_IN];
		ns[k][1] = med[M_DEC] - med[M_COPY_ESP];
	}
}

int engine_bench(unsigned runs, double round_ms)
{
	printf("(c) engine ns/packet, %s, one SA pair alone vs with %u more pairs installed "
	       "(median of %u interleaved rounds):\n", gcm256.name, OTHERS, runs);
	printf("    %5s  %-4s  %10s  %14s  %6s\n", "bytes", "dir", "1 SA", "1,001 SAs", "ratio");
	for (unsigned z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		struct esp_pipes *e[2] = {pipes_with(0, sizes[z]), pipes_with(OTHERS, sizes[z])};
		double ns[2][2];
		if (!e[0] || !e[1]) {
			fprintf(stderr, "bench: engine setup failed\n");
			return -1;
		}
		measure(e, runs > MAX_RUNS ? MAX_RUNS : runs, round_ms, ns);
		for (int d = 0; d < 2; d++)
			printf("    %5u  %-4s  %7.1f ns  %11.1f ns  %6.3f\n", sizes[z], d ? "in" : "out",
			       ns[0][d], ns[1][d], ns[1][d] / ns[0][d]);
		esp_pipes_free(e[0]);
		esp_pipes_free(e[1]);
	}
	return 0;
}
