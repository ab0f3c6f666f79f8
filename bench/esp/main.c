/* bench/esp: ESP encapsulation and decapsulation through the offload
 * engine, per core, beside bare intel-ipsec-mb on the same buffers in the
 * same run. Prints Mpps and Gbit/s (of inner packet bytes) and the ratio
 * engine / bare. Rates come from thread CPU time, medians over interleaved
 * rounds; the buffer restore every packet needs between rounds (a fresh
 * packet) is timed alone and subtracted from both sides. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bare.h"
#include "pipes.h"

#define MAX_ROUNDS 41u

enum { M_BARE_ENC, M_ENC, M_COPY_IN, M_BARE_DEC, M_DEC, M_COPY_ESP, M__COUNT };

static const struct xform xforms[] = {
	{"AES-GCM-128", FP_CIPHER_AES_GCM_128, FP_INTEG_NONE, 20, 0},
	{"AES-GCM-256", FP_CIPHER_AES_GCM_256, FP_INTEG_NONE, 36, 0},
	{"AES-CBC-256/SHA-256", FP_CIPHER_AES_CBC_256, FP_INTEG_HMAC_SHA256_128, 32, 32},
};

/* Inner IP packet sizes; 0 = IMIX (64, 576, 1420 bytes, 7:4:1). */
static const unsigned sizes[] = {64, 512, 1420, 0};

struct cfg {
	unsigned rounds;
	double round_ms;
	unsigned threads;
	int first_core;
	int only_xform, only_size;   /* -1 = all */
};

struct bench {
	struct esp_pipes *e;
	struct bare *bare;
	uint8_t *region[BURST];    /* what bare crypto works on, in pkt buffers */
	uint32_t region_len[BURST];
};

struct result {
	double ns[M__COUNT];       /* per packet, median */
	double bytes_per_pkt;
};

/* The pair, its packets and the bare-crypto regions: the engine's cipher
 * text regions in the restored ESP packets. */
static int bench_setup(struct bench *b, const struct xform *x, unsigned size)
{
	struct fp_sa_params p;
	if (esp_pipes_sas(b->e, x, &p) < 0 || esp_pipes_packets(b->e, size) < 0)
		return -1;
	b->bare = bare_new(&p.key);
	struct fp_sa *sa = fp_sadb_sa(b->e->a.db, b->e->out);
	for (unsigned i = 0; i < BURST; i++) {
		b->region[i] = b->e->pkt[i]->buf + FP_PKT_HEADROOM + FP_IPV4_HLEN + FP_ESP_HLEN +
			       sa->sa_iv_len;
		b->region_len[i] = b->e->esp_len[i] - FP_IPV4_HLEN - FP_ESP_HLEN - sa->sa_iv_len -
				   sa->sa_icv_len;
	}
	return 0;
}

static void run_method(struct bench *b, int m)
{
	struct esp_pipes *e = b->e;
	switch (m) {
	case M_BARE_ENC:
		esp_restore_inner(e);
		bare_encrypt(b->bare, b->region, b->region_len, BURST);
		break;
	case M_ENC:
		esp_restore_inner(e);
		fp_esp_outb_process(&e->a, e->pkt, BURST);
		break;
	case M_COPY_IN:
		esp_restore_inner(e);
		break;
	case M_BARE_DEC:
		esp_restore_esp(e);
		bare_decrypt(b->bare, b->region, b->region_len, BURST);
		break;
	case M_DEC:
		esp_restore_esp(e);
		fp_esp_inb_process(&e->b, e->pkt, fp_classify_inb(&e->b, e->pkt, BURST));
		break;
	default:
		esp_restore_esp(e);
		break;
	}
}

static double time_method(struct bench *b, int m, unsigned iters)
{
	uint64_t t0 = esp_cpu_ns();
	for (unsigned i = 0; i < iters; i++)
		run_method(b, m);
	return (double)(esp_cpu_ns() - t0) / ((double)iters * BURST);
}

static void bench_case(struct bench *b, const struct cfg *c, struct result *r)
{
	static __thread double samples[M__COUNT][MAX_ROUNDS];
	/* size the iterations so one method takes about round_ms */
	double probe = time_method(b, M_ENC, 64);
	unsigned iters = (unsigned)(c->round_ms * 1e6 / (probe * BURST)) + 1;
	for (unsigned round = 0; round < c->rounds; round++)
		for (int m = 0; m < M__COUNT; m++)
			if (b->bare || (m != M_BARE_ENC && m != M_BARE_DEC))
				samples[m][round] = time_method(b, m, iters);
	for (int m = 0; m < M__COUNT; m++) {
		qsort(samples[m], c->rounds, sizeof(double), esp_cmp_double);
		r->ns[m] = samples[m][c->rounds / 2];
	}
	r->bytes_per_pkt = (double)b->e->bytes / BURST;
	if (getenv("BENCH_RAW"))
		fprintf(stderr, "raw ns: bare_enc %.1f enc %.1f copy_in %.1f bare_dec %.1f dec %.1f copy_esp %.1f\n",
			r->ns[0], r->ns[1], r->ns[2], r->ns[3], r->ns[4], r->ns[5]);
}

struct worker {
	pthread_t th;
	const struct cfg *c;
	int core;
	struct result res[3][4];
	int rc;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(w->core, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (unsigned x = 0; x < 3; x++) {
		for (unsigned s = 0; s < 4; s++) {
			if ((w->c->only_xform >= 0 && (unsigned)w->c->only_xform != x) ||
			    (w->c->only_size >= 0 && (unsigned)w->c->only_size != s))
				continue;
			struct bench b = {.e = esp_pipes_new(4)};
			if (!b.e || bench_setup(&b, &xforms[x], sizes[s]) < 0) {
				w->rc = -1;
				return NULL;
			}
			bench_case(&b, w->c, &w->res[x][s]);
			bare_free(b.bare);
			esp_pipes_free(b.e);
		}
	}
	return NULL;
}

static double mpps(double ns) { return ns > 0 ? 1e3 / ns : 0; }
static double gbps(double ns, double bytes) { return ns > 0 ? bytes * 8 / ns : 0; }

static void print_row(const char *xf, unsigned size, const char *dir, double eng, double bare,
		      double bytes, unsigned threads)
{
	char sz[16];
	snprintf(sz, sizeof(sz), size ? "%u" : "IMIX", size);
	printf("%-20s %5s  %-5s  %7.2f Mpps %6.2f Gbit/s", xf, sz, dir, mpps(eng) * threads,
	       gbps(eng, bytes) * threads);
	if (bare > 0)
		printf("   %7.2f Mpps %6.2f Gbit/s   %5.1f%%\n", mpps(bare) * threads,
		       gbps(bare, bytes) * threads, 100.0 * bare / eng);
	else
		printf("   %27s   %6s\n", "n/a", "n/a");
}

static void print_results(const struct worker *w, unsigned threads)
{
	printf("fpvpn bench/esp: %u thread(s), burst %u, bare crypto = %s\n", threads, BURST,
	       bare_name());
	printf("%-20s %5s  %-5s  %24s   %27s   %6s\n", "transform", "bytes", "dir",
	       "engine (per core)", "bare crypto (per core)", "ratio");
	for (unsigned x = 0; x < 3; x++) {
		for (unsigned s = 0; s < 4; s++) {
			const struct result *r = &w[0].res[x][s];
			if (r->bytes_per_pkt == 0)
				continue;
			double e = r->ns[M_ENC] - r->ns[M_COPY_IN], be = r->ns[M_BARE_ENC] - r->ns[M_COPY_IN];
			double d = r->ns[M_DEC] - r->ns[M_COPY_ESP], bd = r->ns[M_BARE_DEC] - r->ns[M_COPY_ESP];
			print_row(xforms[x].name, sizes[s], "encap", e, w[0].res[x][s].ns[M_BARE_ENC] > 0 ? be : 0,
				  r->bytes_per_pkt, threads);
			print_row(xforms[x].name, sizes[s], "decap", d, w[0].res[x][s].ns[M_BARE_DEC] > 0 ? bd : 0,
				  r->bytes_per_pkt, threads);
		}
	}
	printf("(the per-packet buffer restore, timed alone, is subtracted from both columns; "
	       "Gbit/s counts inner IP bytes)\n");
}

static int parse_args(struct cfg *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			c->rounds = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--ms") && i + 1 < argc)
			c->round_ms = atof(argv[++i]);
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			c->threads = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--transform") && i + 1 < argc)
			c->only_xform = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--size") && i + 1 < argc)
			c->only_size = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--core") && i + 1 < argc)
			c->first_core = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: esp [--rounds N (1-%u)] [--ms MS per round] [--threads N] [--core FIRST]\n"
					"           [--transform 0-2] [--size 0-3]   (one case: GCM-128/GCM-256/CBC; 64/512/1420/IMIX)\n",
				MAX_ROUNDS);
			return -1;
		}
	}
	if (c->rounds < 1 || c->rounds > MAX_ROUNDS || c->threads < 1 || c->threads > 256)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct cfg c = {.rounds = 9, .round_ms = 20, .threads = 1, .first_core = 0,
			.only_xform = -1, .only_size = -1};
	if (parse_args(&c, argc, argv) < 0)
		return 2;
	struct worker *w = calloc(c.threads, sizeof(*w));
	for (unsigned t = 0; w && t < c.threads; t++) {
		w[t].c = &c;
		w[t].core = c.first_core + (int)t;
		pthread_create(&w[t].th, NULL, worker_main, &w[t]);
	}
	for (unsigned t = 0; w && t < c.threads; t++)
		pthread_join(w[t].th, NULL);
	for (unsigned t = 0; w && t < c.threads; t++)
		if (w[t].rc) {
			fprintf(stderr, "bench: setup failed\n");
			return 1;
		}
	if (!w)
		return 1;
	print_results(w, c.threads);
	free(w);
	return 0;
}
