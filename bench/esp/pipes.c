/* The engine side of bench/esp and bench/ike (pipes.h). */
#include "pipes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/inet.h"

uint64_t esp_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int esp_cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;
	return a < c ? -1 : a > c;
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

int esp_pipes_sas(struct esp_pipes *b, const struct xform *x, struct fp_sa_params *p)
{
	const char *err = "";
	memset(p, 0, sizeof(*p));
	p->spi = 0x1001;
	key_fill(p, x);
	fp_addr_parse(&p->local, "198.51.100.1");
	fp_addr_parse(&p->remote, "198.51.100.2");
	fp_prefix_parse(&p->sel.local, "10.1.0.0/24");
	fp_prefix_parse(&p->sel.remote, "10.2.0.0/24");
	p->dir = FP_SA_OUT;
	if (fp_sa_install(b->a.db, p, &b->out, &err) < 0)
		goto fail;
	struct fp_sa_params q = *p;
	q.dir = FP_SA_IN;
	q.replay_window = 64;
	q.local = p->remote, q.remote = p->local;
	q.sel.local = p->sel.remote, q.sel.remote = p->sel.local;
	if (fp_sa_install(b->b.db, &q, &b->in, &err) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "bench: %s\n", err);
	return -1;
}

void esp_restore_inner(struct esp_pipes *b)
{
	for (unsigned i = 0; i < BURST; i++) {
		struct fp_pkt *p = b->pkt[i];
		p->data = p->buf + FP_PKT_HEADROOM;
		p->len = b->inner_len[i];
		p->sa = b->out;
		p->rule = 0; /* the pair's outbound rule */
		memcpy(p->data, b->inner[i], b->inner_len[i]);
	}
}

void esp_restore_esp(struct esp_pipes *b)
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

int esp_pipes_packets(struct esp_pipes *b, unsigned size)
{
	b->bytes = 0;
	for (unsigned i = 0; i < BURST; i++) {
		b->inner_len[i] = burst_size(size, i);
		inner_fill(b->inner[i], b->inner_len[i], i);
		b->bytes += b->inner_len[i];
	}
	esp_restore_inner(b);
	if (fp_esp_outb_process(&b->a, b->pkt, BURST) != BURST)
		return -1;
	for (unsigned i = 0; i < BURST; i++) {
		b->esp_len[i] = b->pkt[i]->len;
		memcpy(b->esp[i], b->pkt[i]->data, b->pkt[i]->len);
	}
	esp_restore_esp(b);
	return fp_esp_inb_process(&b->b, b->pkt, fp_classify_inb(&b->b, b->pkt, BURST)) == BURST
		       ? 0 : -1;
}

struct esp_pipes *esp_pipes_new(uint32_t max_sa)
{
	struct esp_pipes *b = aligned_alloc(64, sizeof(*b));
	if (!b)
		return NULL;
	memset(b, 0, sizeof(*b));
	for (unsigned i = 0; i < BURST; i++) {
		b->pkt[i] = aligned_alloc(64, sizeof(struct fp_pkt));
		if (!b->pkt[i])
			return NULL;
		fp_pkt_reset(b->pkt[i]);
	}
	if (fp_pipe_init(&b->a, 0, false, max_sa, FP_CRYPTO_AUTO) < 0 ||
	    fp_pipe_init(&b->b, 1, false, max_sa, FP_CRYPTO_AUTO) < 0)
		return NULL;
	return b;
}

void esp_pipes_free(struct esp_pipes *b)
{
	fp_pipe_fini(&b->a);
	fp_pipe_fini(&b->b);
	for (unsigned i = 0; i < BURST; i++)
		free(b->pkt[i]);
	free(b);
}
