/* bench/dtls: DTLS 1.2 record protect and unprotect through the engine
 * (fp_dtls_outb_process, fp_dtls_classify + fp_dtls_inb_process) beside
 * the ESP engine (fp_esp_outb_process, fp_classify_inb +
 * fp_esp_inb_process), AES-GCM-256 both, on the same inner packets in the
 * same run, and bare AES-GCM-256 (the crypto layer alone: seal / open of
 * the same record plain text, 13-byte AAD) on the same buffers. Prints ns
 * per packet, the ratio DTLS / ESP and the share of the DTLS time that is
 * the bare crypto (issue 9's goal: >= 85% at 1420 bytes, >= 60% at 64).
 *
 * Each burst of 32 packets is made ready untimed (inner packets copied in;
 * inbound: records sealed by a peer rule or SA, so every round brings new
 * sequence numbers), then the engine call alone is timed with the
 * thread's CPU clock. Medians over rounds.
 * Usage: dtls [ROUNDS] [SIZE] (default 41 rounds of 2000 bursts, 1400 bytes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/inet.h"
#include "offload/dtls.h"
#include "offload/pipe.h"
#include "offload/sa.h"

#define BURST 32u
#define BURSTS 2000u
#define MAX_ROUNDS 101u

enum { M_DTLS_OUT, M_DTLS_IN, M_ESP_OUT, M_ESP_IN, M_BARE_SEAL, M_BARE_OPEN, M__COUNT };
static const char *const mode_names[M__COUNT] = { "dtls-out", "dtls-in", "esp-out", "esp-in",
						  "bare-seal", "bare-open" };

struct bench {
	struct fp_pipe a, b;           /* a: the headend; b: the peer */
	struct fp_dtlsdb *da, *db;
	uint32_t rule_a, rule_b, esp_out, esp_in;
	struct fp_pkt *pkt[BURST];
	uint8_t inner[1500];
	unsigned size;
	struct fp_crypto_sa *bare;     /* the same AES-GCM-256 key, no engine around it */
	struct fp_crypto_op ops[BURST];
	uint8_t aad[BURST][13];
};

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void inner_fill(uint8_t *h, unsigned len)
{
	memset(h, 0, len);
	h[0] = 0x45, h[8] = 64, h[9] = FP_IPPROTO_UDP;
	fp_put16(h + 2, (uint16_t)len);
	h[12] = 198, h[13] = 18, h[14] = 41, h[15] = 100; /* the client's pool address */
	h[16] = 10, h[17] = 2, h[19] = 9;
	fp_ipv4_csum_set(h);
	for (unsigned j = 28; j < len; j++)
		h[j] = (uint8_t)j;
}

static void dtls_keys(struct fp_tls_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->tk_rx.tk_cipher = k->tk_tx.tk_cipher = FP_CIPHER_AES_GCM_256;
	k->tk_rx.tk_key_len = k->tk_tx.tk_key_len = 32;
	for (unsigned i = 0; i < 32; i++) {
		k->tk_rx.tk_key[i] = (uint8_t)(3 * i + 1);
		k->tk_tx.tk_key[i] = (uint8_t)(5 * i + 2);
	}
	memset(k->tk_rx.tk_salt, 0x21, 4);
	memset(k->tk_tx.tk_salt, 0x43, 4);
}

/* The headend's rule and the client's mirror image (keys and ends swapped). */
static int bench_rules(struct bench *b)
{
	struct fp_dtls_params p = { 0 };
	const char *err = "";
	fp_addr_parse(&p.local, "203.0.113.5");
	fp_addr_parse(&p.remote, "198.51.100.6");
	fp_addr_parse(&p.inner, "198.18.41.100");
	p.local_port = 443, p.remote_port = 13265, p.epoch = 1, p.seq_out = 1;
	dtls_keys(&p.keys);
	if (fp_dtls_install(b->da, &p, &b->rule_a, &err) < 0)
		goto fail;
	struct fp_dtls_params q = p;
	q.local = p.remote, q.remote = p.local, q.local_port = 13265, q.remote_port = 443;
	q.keys.tk_rx = p.keys.tk_tx, q.keys.tk_tx = p.keys.tk_rx;
	if (fp_dtls_install(b->db, &q, &b->rule_b, &err) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "dtls rule: %s\n", err);
	return -1;
}

static int bench_sas(struct bench *b)
{
	struct fp_sa_params p = { 0 };
	const char *err = "";
	p.spi = 0x1001, p.dir = FP_SA_OUT, p.replay_window = 64;
	p.key.cipher = FP_CIPHER_AES_GCM_256, p.key.ckey_len = 36;
	for (unsigned i = 0; i < 36; i++)
		p.key.ckey[i] = (uint8_t)(7 * i + 3);
	fp_addr_parse(&p.local, "198.51.100.6");
	fp_addr_parse(&p.remote, "203.0.113.5");
	fp_prefix_parse(&p.sel.local, "198.18.41.0/24");
	fp_prefix_parse(&p.sel.remote, "10.2.0.0/24");
	if (fp_sa_install(b->b.db, &p, &b->esp_out, &err) < 0)
		goto fail;
	struct fp_sa_params q = p;
	q.dir = FP_SA_IN, q.local = p.remote, q.remote = p.local;
	q.sel.local = p.sel.remote, q.sel.remote = p.sel.local;
	if (fp_sa_install(b->a.db, &q, &b->esp_in, &err) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "esp sa: %s\n", err);
	return -1;
}

/* Fresh inner packets for an outbound call on sa / rule. */
static void burst_inner(struct bench *b, uint32_t sa)
{
	for (unsigned i = 0; i < BURST; i++) {
		struct fp_pkt *p = b->pkt[i];
		fp_pkt_reset(p);
		memcpy(p->data, b->inner, b->size);
		p->len = b->size;
		p->sa = sa;
	}
}

/* Bare crypto on the same buffers: the AnyConnect byte and the inner
 * packet sealed or opened as one record's plain text, 13-byte AAD, the
 * nonce where the record carries it; what the engine adds is the rest. */
static void bare_ops(struct bench *b)
{
	for (unsigned i = 0; i < BURST; i++) {
		struct fp_pkt *p = b->pkt[i];
		struct fp_crypto_op *op = &b->ops[i];
		memset(b->aad[i], (int)i, sizeof(b->aad[i]));
		op->iv = p->data - 9;
		op->aad = b->aad[i];
		op->aad_len = 13;
		op->data = p->data - 1;
		op->data_len = p->len + 1;
		op->icv = p->data + p->len;
		op->status = 0;
	}
}

static uint16_t bare_run(struct bench *b, int mode, uint64_t *t0, uint64_t *t1)
{
	bare_ops(b);
	if (mode == M_BARE_OPEN)
		fp_crypto_encrypt(b->a.ct, b->bare, b->ops, BURST);
	*t0 = cpu_ns();
	uint16_t good = (uint16_t)(mode == M_BARE_SEAL ? fp_crypto_encrypt(b->a.ct, b->bare, b->ops, BURST)
						       : fp_crypto_decrypt(b->a.ct, b->bare, b->ops, BURST));
	*t1 = cpu_ns();
	return good;
}

/* One timed engine call on a burst made ready untimed. */
static uint64_t burst_run(struct bench *b, int mode)
{
	uint64_t t0, t1;
	uint16_t good = 0;

	burst_inner(b, mode == M_DTLS_OUT || mode == M_DTLS_IN ? b->rule_b : b->esp_out);
	if (mode == M_DTLS_OUT) {
		for (unsigned i = 0; i < BURST; i++)
			b->pkt[i]->sa = b->rule_a;
		t0 = cpu_ns();
		good = fp_dtls_outb_process(&b->a, b->da, b->pkt, BURST);
		t1 = cpu_ns();
	} else if (mode == M_DTLS_IN) {
		fp_dtls_outb_process(&b->b, b->db, b->pkt, BURST); /* the client seals */
		t0 = cpu_ns();
		fp_dtls_classify(b->da, b->pkt, BURST);
		good = fp_dtls_inb_process(&b->a, b->da, b->pkt, BURST);
		t1 = cpu_ns();
	} else if (mode == M_BARE_SEAL || mode == M_BARE_OPEN) {
		good = bare_run(b, mode, &t0, &t1);
	} else if (mode == M_ESP_OUT) {
		t0 = cpu_ns();
		good = fp_esp_outb_process(&b->b, b->pkt, BURST);
		t1 = cpu_ns();
	} else {
		fp_esp_outb_process(&b->b, b->pkt, BURST);
		t0 = cpu_ns();
		uint16_t hit = fp_classify_inb(&b->a, b->pkt, BURST);
		good = fp_esp_inb_process(&b->a, b->pkt, hit);
		t1 = cpu_ns();
	}
	if (good != BURST) {
		fprintf(stderr, "%s: %u of %u good (%s)\n", mode_names[mode], good, BURST,
			fp_drop_name(b->pkt[good]->drop));
		exit(1);
	}
	return t1 - t0;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;
	return a < c ? -1 : a > c;
}

static int bench_init(struct bench *b, unsigned size)
{
	memset(b, 0, sizeof(*b));
	b->size = size;
	inner_fill(b->inner, size);
	if (fp_pipe_init(&b->a, 0, false, 8, FP_CRYPTO_AUTO) < 0 ||
	    fp_pipe_init(&b->b, 1, false, 8, FP_CRYPTO_AUTO) < 0)
		return -1;
	b->da = fp_dtlsdb_new(4, FP_CRYPTO_AUTO);
	b->db = fp_dtlsdb_new(4, FP_CRYPTO_AUTO);
	for (unsigned i = 0; i < BURST; i++)
		b->pkt[i] = aligned_alloc(64, sizeof(struct fp_pkt));
	struct fp_crypto_key k = { .cipher = FP_CIPHER_AES_GCM_256, .ckey_len = 36 };
	const char *err;
	memset(k.ckey, 0x5a, sizeof(k.ckey));
	b->bare = fp_crypto_sa_new(&k, FP_CRYPTO_AUTO, &err);
	if (!b->da || !b->db || !b->pkt[BURST - 1] || !b->bare)
		return -1;
	return bench_rules(b) < 0 || bench_sas(b) < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 41;
	unsigned size = argc > 2 ? (unsigned)atoi(argv[2]) : 1400;
	static double ns[M__COUNT][MAX_ROUNDS];
	static struct bench b;

	if (rounds < 1 || rounds > MAX_ROUNDS || size < 28 || size > 1500) {
		fprintf(stderr, "usage: %s [ROUNDS 1-%u] [SIZE 28-1500]\n", argv[0], MAX_ROUNDS);
		return 2;
	}
	if (bench_init(&b, size) < 0)
		return 1;
	for (unsigned r = 0; r < rounds; r++)
		for (int m = 0; m < M__COUNT; m++) { /* interleaved: drift hits all alike */
			uint64_t t = 0;
			for (unsigned k = 0; k < BURSTS; k++)
				t += burst_run(&b, m);
			ns[m][r] = (double)t / (BURSTS * BURST);
		}
	double med[M__COUNT];
	for (int m = 0; m < M__COUNT; m++) {
		qsort(ns[m], rounds, sizeof(double), cmp_double);
		med[m] = ns[m][rounds / 2];
	}
	printf("AES-GCM-256, %u-byte inner packets, bursts of %u, median of %u rounds (crypto: %s)\n",
	       size, BURST, rounds, fp_crypto_have_ipsec_mb() ? "intel-ipsec-mb" : "openssl");
	printf("%-10s %9s %9s %11s %9s %13s\n", "direction", "dtls ns", "esp ns", "dtls/esp",
	       "bare ns", "bare/dtls");
	printf("%-10s %9.1f %9.1f %11.2f %9.1f %12.0f%%\n", "outbound", med[M_DTLS_OUT],
	       med[M_ESP_OUT], med[M_DTLS_OUT] / med[M_ESP_OUT], med[M_BARE_SEAL],
	       100 * med[M_BARE_SEAL] / med[M_DTLS_OUT]);
	printf("%-10s %9.1f %9.1f %11.2f %9.1f %12.0f%%\n", "inbound", med[M_DTLS_IN],
	       med[M_ESP_IN], med[M_DTLS_IN] / med[M_ESP_IN], med[M_BARE_OPEN],
	       100 * med[M_BARE_OPEN] / med[M_DTLS_IN]);
	return 0;
}
