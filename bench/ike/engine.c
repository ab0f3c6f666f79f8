/* bench/ike (c): ESP outbound and inbound through the offload pipe
 * functions (as bench/esp runs them: fp_esp_outb_process on packets bound
 * to their SA, fp_classify_inb + fp_esp_inb_process), AES-GCM-256, with
 * one SA pair in the pipes and with 1,000 more pairs installed beside it
 * (other SPIs, other outbound rules), the same pipe sizes both times.
 * The rounds of both cases interleave, so that both see the same load;
 * the restore each round needs (fresh packets) is timed alone and
 * subtracted. Then the same 1,001 pairs with the traffic spread over all
 * of them, each burst on the next 32 pairs in turn: what many tunnels
 * cost once their SAs no longer stay in the cache. */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipes.h"

#define OTHERS 1000u
#define ALL (OTHERS + 1)
#define MAX_SA 2048u
#define MAX_RUNS 41u

enum { M_ENC, M_COPY_IN, M_DEC, M_COPY_ESP, M__COUNT };

/* The 1,001 pairs' SA ids ([0]: the measured pair), one ESP packet of each,
 * and the pair the next spread burst starts at. */
struct spread {
	uint32_t out[ALL], in[ALL];
	uint8_t esp[ALL][1600];
	uint32_t esp_len[ALL];
	unsigned next;
	bool on;
};

static struct spread spread;

static const struct xform gcm256 = {"AES-GCM-256", FP_CIPHER_AES_GCM_256, FP_INTEG_NONE, 36, 0};
static const unsigned sizes[] = {64, 1420};

/* OTHERS more pairs beside the measured one: SPIs 0x20000+, rules 1+,
 * the same selectors; their ids into spread. */
static int install_others(struct esp_pipes *e, const struct fp_sa_params *base)
{
	const char *err = "";
	spread.out[0] = e->out;
	spread.in[0] = e->in;
	for (uint32_t i = 1; i <= OTHERS; i++) {
		struct fp_sa_params p = *base;
		p.spi = 0x20000u + i;
		p.rule_id = i;
		struct fp_sa_params q = p;
		q.dir = FP_SA_IN;
		q.rule_id = 0;
		q.replay_window = 64;
		q.local = p.remote, q.remote = p.local;
		q.sel.local = p.sel.remote, q.sel.remote = p.sel.local;
		if (fp_sa_install(e->a.db, &p, &spread.out[i], &err) < 0 ||
		    fp_sa_install(e->b.db, &q, &spread.in[i], &err) < 0) {
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

/* The inner burst, packet j bound for pair next + j (its SA and rule). */
static void restore_inner_spread(struct esp_pipes *e)
{
	esp_restore_inner(e);
	for (unsigned j = 0; j < BURST; j++) {
		unsigned k = (spread.next + j) % ALL;
		e->pkt[j]->sa = spread.out[k];
		e->pkt[j]->rule = k;
	}
}

/* The ESP burst of pairs next.., their replay windows reset. */
static void restore_esp_spread(struct esp_pipes *e)
{
	for (unsigned j = 0; j < BURST; j++) {
		unsigned k = (spread.next + j) % ALL;
		struct fp_pkt *p = e->pkt[j];
		fp_replay_init(&fp_sadb_sa(e->b.db, spread.in[k])->sa_replay, 64, false);
		p->data = p->buf + FP_PKT_HEADROOM;
		p->len = spread.esp_len[k];
		memcpy(p->data, spread.esp[k], p->len);
	}
}

/* One ESP packet of each pair (the first of e's inner burst), and a check
 * that a spread burst decapsulates whole. 0 or -1. */
static int spread_packets(struct esp_pipes *e)
{
	for (spread.next = 0; spread.next < ALL; spread.next += BURST) {
		restore_inner_spread(e);
		if (fp_esp_outb_process(&e->a, e->pkt, BURST) != BURST)
			return -1;
		for (unsigned j = 0; j < BURST; j++) {
			unsigned k = (spread.next + j) % ALL;
			spread.esp_len[k] = e->pkt[j]->len;
			memcpy(spread.esp[k], e->pkt[j]->data, e->pkt[j]->len);
		}
	}
	spread.next = 0;
	restore_esp_spread(e);
	return fp_esp_inb_process(&e->b, e->pkt, fp_classify_inb(&e->b, e->pkt, BURST)) == BURST
		       ? 0 : -1;
}

static void run_method(struct esp_pipes *e, int m)
{
	if (spread.on && (m == M_ENC || m == M_COPY_IN))
		restore_inner_spread(e);
	else if (spread.on)
		restore_esp_spread(e);
	else if (m == M_ENC || m == M_COPY_IN)
		esp_restore_inner(e);
	else
		esp_restore_esp(e);
	if (spread.on)
		spread.next = (spread.next + BURST) % ALL;
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

#define CASES 3 /* one pair; 1,001 pairs, traffic on one; traffic spread over all */

/* Case k's pipes: e[0] for the first, e[1] (with spread on) for the others. */
static struct esp_pipes *case_pipes(struct esp_pipes *e[2], int k)
{
	spread.on = k == 2;
	return e[k ? 1 : 0];
}

/* ns/packet, out and in, for each case, rounds interleaved. */
static void measure(struct esp_pipes *e[2], unsigned runs, double round_ms,
		    double ns[CASES][2])
{
	static double s[CASES][M__COUNT][MAX_RUNS];
	double probe = time_method(case_pipes(e, 0), M_ENC, 64);
	unsigned iters = (unsigned)(round_ms * 1e6 / (probe * BURST)) + 1;
	for (unsigned r = 0; r < runs; r++)
		for (int k = 0; k < CASES; k++)
			for (int m = 0; m < M__COUNT; m++)
				s[k][m][r] = time_method(case_pipes(e, k), m, iters);
	spread.on = false;
	for (int k = 0; k < CASES; k++) {
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
	printf("(c) engine ns/packet, %s: one SA pair alone; with %u more pairs installed, traffic "
	       "on the one; traffic spread over all %u (median of %u interleaved rounds):\n",
	       gcm256.name, OTHERS, ALL, runs);
	printf("    %5s  %-4s  %10s  %12s  %6s  %12s  %6s\n", "bytes", "dir", "1 pair", "1,001 pairs",
	       "ratio", "spread", "ratio");
	for (unsigned z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		struct esp_pipes *e[2] = {pipes_with(0, sizes[z]), pipes_with(OTHERS, sizes[z])};
		double ns[CASES][2];
		if (!e[0] || !e[1] || spread_packets(e[1]) < 0) {
			fprintf(stderr, "bench: engine setup failed\n");
			return -1;
		}
		measure(e, runs > MAX_RUNS ? MAX_RUNS : runs, round_ms, ns);
		for (int d = 0; d < 2; d++)
			printf("    %5u  %-4s  %7.1f ns  %9.1f ns  %6.3f  %9.1f ns  %6.3f\n", sizes[z],
			       d ? "in" : "out", ns[0][d], ns[1][d], ns[1][d] / ns[0][d], ns[2][d],
			       ns[2][d] / ns[0][d]);
		esp_pipes_free(e[0]);
		esp_pipes_free(e[1]);
	}
	return 0;
}
