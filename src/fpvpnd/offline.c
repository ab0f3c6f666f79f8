/* Offline mode. The input files are merged by timestamp (ties keep the
 * order of --read) and cut into bursts of one interface each, so the
 * engine sees vectors as it would from a NIC ring. */
#include "offline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "io/pcapfile.h"
#include "offload/capture.h"

struct source {
	struct fp_pcap_reader *rd;
	uint16_t ifc;
	struct fp_pkt *next;     /* lookahead, NULL at end of file */
	uint64_t count;
};

struct sink {
	struct fp_gw *gw;
	struct fp_pcap_writer *wr[FP_GW_MAX_IFACES];
	uint64_t written[FP_GW_MAX_IFACES];
	int error;
};

struct offline {
	struct fp_gw *gw;
	const struct fp_options *o;
	struct source src[FP_OPT_MAX_FILES];
	unsigned n_src;
	struct sink sink;
	struct fp_pkt *burst[FP_VEC_MAX];
	uint16_t n_burst;
	struct fp_pkt *free[FP_VEC_MAX];
	uint16_t n_free;
	int burst_ifc;
	uint64_t in_total;
};

static void offline_emit(void *ctx, uint16_t ifc, struct fp_pkt *p)
{
	struct sink *s = ctx;
	fp_capture_point(s->gw->caps, FP_CAP_SWITCH, 0, ifc, &p, 1, p->ts_ns);
	if (ifc >= FP_GW_MAX_IFACES || !s->wr[ifc])
		return;
	if (fp_pcap_write(s->wr[ifc], p->data, p->len, p->ts_ns) < 0)
		s->error = 1;
	else
		s->written[ifc]++;
}

static int offline_iface(struct fp_gw *gw, const char *name)
{
	int i = fp_gw_iface_find(gw, name);
	if (i < 0)
		fprintf(stderr, "fpvpnd: no interface named '%s' in the configuration\n", name);
	return i;
}

static int source_advance(struct source *s)
{
	char err[256];
	int r = fp_pcap_read(s->rd, s->next, err, sizeof(err));
	if (r < 0)
		fprintf(stderr, "fpvpnd: %s\n", err);
	if (r <= 0) {
		free(s->next);
		s->next = NULL;
	}
	return r < 0 ? -1 : 0;
}

static int offline_open(struct offline *x)
{
	char err[256];
	const struct fp_options *o = x->o;
	for (unsigned i = 0; i < o->n_reads; i++) {
		struct source *s = &x->src[x->n_src];
		int ifc = offline_iface(x->gw, o->reads[i].iface);
		if (ifc < 0)
			return -1;
		s->rd = fp_pcap_reader_open(o->reads[i].path, err, sizeof(err));
		s->next = aligned_alloc(64, sizeof(struct fp_pkt));
		x->n_src++;
		if (!s->rd || !s->next) {
			fprintf(stderr, "fpvpnd: %s\n", s->rd ? "out of memory" : err);
			return -1;
		}
		s->ifc = (uint16_t)ifc;
		if (source_advance(s) < 0)
			return -1;
	}
	for (unsigned i = 0; i < o->n_writes; i++) {
		int ifc = offline_iface(x->gw, o->writes[i].iface);
		if (ifc < 0)
			return -1;
		x->sink.wr[ifc] = fp_pcap_writer_open(o->writes[i].path, err, sizeof(err));
		if (!x->sink.wr[ifc]) {
			fprintf(stderr, "fpvpnd: %s\n", err);
			return -1;
		}
	}
	return 0;
}

static struct source *offline_earliest(struct offline *x)
{
	struct source *best = NULL;
	for (unsigned i = 0; i < x->n_src; i++) {
		struct source *s = &x->src[i];
		if (s->next && (!best || s->next->ts_ns < best->next->ts_ns))
			best = s;
	}
	return best;
}

/* Hand the burst to the gateway; its buffers go back to the free stack. */
static void offline_flush(struct offline *x)
{
	if (!x->n_burst)
		return;
	x->gw->now_ns = x->burst[x->n_burst - 1]->ts_ns;
	fp_gw_input(x->gw, (uint16_t)x->burst_ifc, x->burst, x->n_burst, offline_emit, &x->sink);
	for (uint16_t i = 0; i < x->n_burst; i++)
		x->free[x->n_free++] = x->burst[i];
	x->n_burst = 0;
}

/* The source's lookahead joins the burst; a free buffer becomes its next. */
static int offline_take(struct offline *x, struct source *s)
{
	if (x->n_burst == x->o->burst || (x->n_burst && x->burst_ifc != s->ifc))
		offline_flush(x);
	x->burst_ifc = s->ifc;
	x->burst[x->n_burst++] = s->next;
	s->next = x->free[--x->n_free];
	s->count++;
	x->in_total++;
	return source_advance(s);
}

static int offline_loop(struct offline *x)
{
	struct source *s;
	for (unsigned i = 0; i < x->o->burst; i++) {
		x->free[x->n_free] = aligned_alloc(64, sizeof(struct fp_pkt));
		if (!x->free[x->n_free++])
			return -1;
	}
	while ((s = offline_earliest(x)))
		if (offline_take(x, s) < 0)
			return -1;
	offline_flush(x);
	return 0;
}

static void offline_close(struct offline *x)
{
	for (unsigned i = 0; i < x->n_src; i++) {
		fp_pcap_reader_close(x->src[i].rd);
		free(x->src[i].next);
	}
	for (unsigned i = 0; i < FP_GW_MAX_IFACES; i++)
		if (x->sink.wr[i])
			fp_pcap_writer_close(x->sink.wr[i]);
	while (x->n_free)
		free(x->free[--x->n_free]);
}

static void offline_summary(const struct offline *x)
{
	fprintf(stderr, "offline: %llu packets read", (unsigned long long)x->in_total);
	for (unsigned i = 0; i < x->n_src; i++)
		fprintf(stderr, "%s %s %llu", i ? "," : " (", x->gw->ifaces[x->src[i].ifc].cfg->nameif,
			(unsigned long long)x->src[i].count);
	fprintf(stderr, "%s; written:", x->n_src ? ")" : "");
	for (unsigned i = 0; i < x->gw->n_ifaces; i++)
		if (x->sink.wr[i])
			fprintf(stderr, " %s %llu", x->gw->ifaces[i].cfg->nameif,
				(unsigned long long)x->sink.written[i]);
	fputc('\n', stderr);
}

static int offline_exec(struct fp_gw *gw, const struct fp_options *o)
{
	int rc = 0;
	gw->now_ns = fp_gw_clock(); /* commands see wall time, not the capture's */
	for (unsigned i = 0; i < o->n_exec; i++) {
		printf("%s# %s\n", gw->cfg->hostname, o->exec[i]);
		if (fp_cli_exec(gw, o->exec[i], stdout) < 0)
			rc = 1;
		putchar('\n');
	}
	fflush(stdout);
	return rc;
}

int fp_offline_run(struct fp_gw *gw, const struct fp_options *o)
{
	static struct offline x;
	int rc = 1;
	memset(&x, 0, sizeof(x));
	x.gw = gw;
	x.o = o;
	x.sink.gw = gw;
	if (offline_open(&x) == 0 && offline_loop(&x) == 0 && !x.sink.error)
		rc = 0;
	else if (x.sink.error)
		fprintf(stderr, "fpvpnd: writing a capture file failed\n");
	offline_close(&x);
	offline_summary(&x);
	if (offline_exec(gw, o) != 0)
		rc = 1;
	return rc;
}
