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
#include <time.h>

#include "bare.h"
#include "common/inet.h"
#include "offload/pipe.h"
#include "offload/sadb.h"

#define BURST 32u
#define MAX_ROUNDS 41u

enum { M_BARE_ENC, M_ENC, M_COPY_IN, M_BARE_DEC, M_DEC, M_COPY_ESP, M__COUNT };

struct xform {
	const char *name;
	enum fp_cipher c;
	enum fp_integ i;
	uint8_t ckey_len, akey_len;
};

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
	struct fp_pipe a, b;
	uint32_t out, in;
	struct bare *bare;
	struct fp_pkt *pkt[BURST];
	uint8_t inner[BURST][1500];
	uint32_t inner_len[BURST];
	uint8_t esp[BURST][1600];
	uint32_t esp_len[BURST];
	uint8_t *region[BURST];    /* what bare crypto works on, in pkt buffers */
	uint32_t region_len[BURST];
	uint64_t bytes;            /* inner bytes per burst */
};

struct result {
	double ns[M__COUNT];       /* per packet, median */
	double bytes_per_pkt;
};

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static unsigned burst_size(unsigned size, unsigned i)
{
	static const unsigned imix[12] = {64, 576, 64, 64, 576, 64, 1420, 64, 576, 64, 576, 64};
	return size ? size : imix[i % 12];
}

static void inner_fill(uint8_t *h, unsigned len, unsigned i)
{
	memset(h, 0, len);
	h[0] = 0x45, h[8] = 64, h[9] = FP_IPPROTO_UDP;
	fp_put16(h + 2, (uint16_t)len);
	h[12] = 10, h[13] = 1, h[15] = 5, h[16] = 10, h[17] = 2, h[19] = 9;
	fp_ipv4_csum_set(h);
	fp_put16(h + 20, 1000), fp_put16(h + 22, 2000), fp_put16(h + 24, (uint16_t)(len - 20));
	for (unsigned j = 28; j < len; j++)
		h[j] = (uint8_t)(i + j);
}

static void key_fill(struct fp_sa_params *p, const struct xform *x)
{
	p->key.cipher = x->c;
	p->key.integ = x->i;
	p->key.ckey_len = x->ckey_len;
	p->key.akey_len = x->akey_len;
	for (unsigned i = 0; i < sizeof(p->key.ckey); i++)
		p->key.ckey[i] = (uint8_t)(0x11 * i + 3);
	for (unsigned i = 0; i < sizeof(p->key.akey); i++)
		p->key.akey[i] = (uint8_t)(0x07 * i + 1);
}

static int bench_sas(struct bench *b, const struct xform *x)
{
	struct fp_sa_params p;
	const char *err = "";
	memset(&p, 0, sizeof(p));
	p.spi = 0x1001;
	key_fill(&p, x);
	fp_addr_parse(&p.local, "198.51.100.1");
	fp_addr_parse(&p.remote, "198.51.100.2");
	fp_prefix_parse(&p.sel.local, "10.1.0.0/24");
	fp_prefix_parse(&p.sel.remote, "10.2.0.0/24");
	p.dir = FP_SA_OUT;
	if (fp_sa_install(b->a.db, &p, &b->out, &err) < 0)
		goto fail;
	struct fp_sa_params q = p;
	q.dir = FP_SA_IN;
	q.replay_window = 64;
	q.local = p.remote, q.remote = p.local;
	q.sel.local = p.sel.remote, q.sel.remote = p.sel.local;
	if (fp_sa_install(b->b.db, &q, &b->in, &err) < 0)
		goto fail;
	b->bare = bare_new(&p.key);
	return 0;
fail:
	fprintf(stderr, "bench: %s\n", err);
	return -1;
}

static void restore_inner(struct bench *b)
{
	for (unsigned i = 0; i < BURST; i++) {
		struct fp_pkt *p = b->pkt[i];
		p->data = p->buf + FP_PKT_HEADROOM;
		p->len = b->inner_len[i];
		p->sa = b->out;
		memcpy(p->data, b->inner[i], b->inner_len[i]);
	}
}

static void restore_esp(struct bench *b)
{
	struct fp_sa *sa = fp_sadb_sa(b->b.db, b->in);
	fp_replay_init(&sa->sa_replay, 64, false); /* the same packets again */
	for (unsigned i = 0; i < BURST; i++) {
		struct fp_pkt *p = b->pkt[i];
		p->data = p->buf + FP_PKT_HEADROOM;
		p->len = b->esp_len[i];
		memcpy(p->data, b->esp[i], b->esp_len[i]);
	}
}

/* Encrypt the templates once to get ESP packets for the decap runs; the
 * bare-crypto regions are the engine's cipher text regions. */
static int bench_packets(struct bench *b, unsigned size)
{
	b->bytes = 0;
	for (unsigned i = 0; i < BURST; i++) {
		b->inner_len[i] = burst_size(size, i);
		inner_fill(b->inner[i], b->inner_len[i], i);
		b->bytes += b->inner_len[i];
	}
	restore_inner(b);
	if (fp_esp_outb_process(&b->a, b->pkt, BURST) != BURST)
		return -1;
	struct fp_sa *sa = fp_sadb_sa(b->a.db, b->out);
	for (unsigned i = 0; i < BURST; i++) {
		struct fp_pkt *p = b->pkt[i];
		b->esp_len[i] = p->len;
		memcpy(b->esp[i], p->data, p->len);
		b->region[i] = p->buf + FP_PKT_HEADROOM + FP_IPV4_HLEN + FP_ESP_HLEN + sa->sa_iv_len;
		b->region_len[i] = p->len - FP_IPV4_HLEN - FP_ESP_HLEN - sa->sa_iv_len - sa->sa_icv_len;
	}
	restore_esp(b);
	return fp_esp_inb_process(&b->b, b->pkt, fp_classify_inb(&b->b, b->pkt, BURST)) == BURST
		       ? 0 : -1;
}

static void run_method(struct bench *b, int m)
{
	switch (m) {
	case M_BARE_ENC:
		restore_inner(b);
		bare_encrypt(b->bare, b->region, b->region_len, BURST);
		break;
	case M_ENC:
		restore_inner(b);
		fp_esp_outb_process(&b->a, b->pkt, BURST);
		break;
	case M_COPY_IN:
		restore_inner(b);
		break;
	case M_BARE_DEC:
		restore_esp(b);
		bare_decrypt(b->bare, b->region, b->region_len, BURST);
		break;
	case M_DEC:
		restore_esp(b);
		fp_esp_inb_process(&b->b, b->pkt, fp_classify_inb(&b->b, b->pkt, BURST));
		break;
	default:
		restore_esp(b);
		break;
	}
}

static double time_method(struct bench *b, int m, unsigned iters)
{
	uint64_t t0 = cpu_ns();
	for (unsigned i = 0; i < iters; i++)
		run_method(b, m);
	return (double)(cpu_ns() - t0) / ((double)iters * BURST);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;
	return a < c ? -1 : a > c;
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
		qsort(samples[m], c->rounds, sizeof(double), cmp_double);
		r->ns[m] = samples[m][c->rounds / 2];
	}
	r->bytes_per_pkt = (double)b->bytes / BURST;
	if (getenv("BENCH_RAW"))
		fprintf(stderr, "raw ns: bare_enc %.1f enc %.1f copy_in %.1f bare_dec %.1f dec %.1f copy_esp %.1f\n",
			r->ns[0], r->ns[1], r->ns[2], r->ns[3], r->ns[4], r->ns[5]);
}

static struct bench *bench_new(void)
{
	struct bench *b = aligned_alloc(64, sizeof(*b));
	if (!b)
		return NULL;
	memset(b, 0, sizeof(*b));
	for (unsigned i = 0; i < BURST; i++) {
		b->pkt[i] = aligned_alloc(64, sizeof(struct fp_pkt));
		if (!b->pkt[i])
			return NULL;
		fp_pkt_reset(b->pkt[i]);
	}
	if (fp_pipe_init(&b->a, 0, false, 4, FP_CRYPTO_AUTO) < 0 ||
	    fp_pipe_init(&b->b, 1, false, 4, FP_CRYPTO_AUTO) < 0)
		return NULL;
	return b;
}

static void bench_free(struct bench *b)
{
	bare_free(b->bare);
	fp_pipe_fini(&b->a);
	fp_pipe_fini(&b->b);
	for (unsigned i = 0; i < BURST; i++)
		free(b->pkt[i]);
	free(b);
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
			struct bench *b = bench_new();
			if (!b || bench_sas(b, &xforms[x]) < 0 || bench_packets(b, sizes[s]) < 0) {
				w->rc = -1;
				return NULL;
			}
			bench_case(b, w->c, &w->res[x][s]);
			bench_free(b);
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
