/* DTLS offload's commands: show / clear flow-offload-dtls statistics, show
 * asp table socket [ID detail] (the headend's DTLS sockets: a listening
 * one per interface that takes DTLS, one per client with a rule, with the
 * rule's "Offload Stats" in the reference's layout), and the DTLS rows of
 * show counters and show flow-offload info. The counters are the engine
 * pipes' (the software pipe is not offload), as for IPsec. */
#include "cli/cli_impl.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/dtls_session.h"

static void dtls_engine_stats(const struct fp_gw *gw, struct fp_dtls_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned i = 0; i < gw->n_pipes; i++) {
		const struct fp_dtls_stats *st = fp_dtlsdb_stats(gw->pipes[i].dtls);
#define DTLS_CNT_ADD(f, name) sum->f += st->f;
		FP_DTLS_COUNTERS(DTLS_CNT_ADD)
#undef DTLS_CNT_ADD
	}
}

static unsigned dtls_engine_rules(const struct fp_gw *gw)
{
	unsigned n = 0;
	for (unsigned i = 0; i < gw->n_pipes; i++)
		n += fp_dtlsdb_count(gw->pipes[i].dtls);
	return n;
}

static unsigned dtls_rules(const struct fp_gw *gw)
{
	return dtls_engine_rules(gw) + fp_dtlsdb_count(gw->soft.dtls);
}

void fp_show_flow_offload_dtls_stats(const struct fp_gw *gw, FILE *out)
{
	struct fp_dtls_stats s;
	dtls_engine_stats(gw, &s);
	fprintf(out, "DTLS Offload Statistics\n");
	fprintf(out, "-----------------------\n");
	fprintf(out, "Offload: %s\n", gw->offload_dtls ? "Enabled" : "Disabled");
	fprintf(out, "Egress optimization: %s\n",
		gw->cfg && gw->cfg->ra.offload_dtls_egress ? "Enabled" : "Disabled");
	fprintf(out, "DTLS port: %u\n", gw->dtls_port);
	fprintf(out, "Offloaded sessions: %u of %u\n", dtls_engine_rules(gw), dtls_rules(gw));
	if (gw->dtls)
		fprintf(out, "Caught by a move: %" PRIu64 " records handed on, %" PRIu64
			" packets sent again, %" PRIu64 " over CSTP\n",
			gw->dtls->moved_in, gw->dtls->moved_out, gw->dtls->moved_cstp);
	for (unsigned c = 0; c < FP_DTLS_CNT__COUNT; c++)
		fprintf(out, "    %s: %" PRIu64 "\n", fp_dtls_counter_name(c),
			fp_dtls_counter_get(&s, c));
}

/* show counters' CRYPTO rows: the DTLS_OFFLOAD_* counters not 0 (the
 * nvppu_* ones are show npu-accel's). */
void fp_show_counters_dtls(const struct fp_gw *gw, FILE *out,
			   void (*row)(FILE *, const char *, const char *, uint64_t, const char *))
{
	struct fp_dtls_stats s;
	dtls_engine_stats(gw, &s);
	for (unsigned c = 0; c < FP_DTLS_CNT__COUNT; c++) {
		uint64_t v = fp_dtls_counter_get(&s, c);
		if (v && strncmp(fp_dtls_counter_name(c), "DTLS_", 5) == 0)
			row(out, "CRYPTO", fp_dtls_counter_name(c), v, "Summary");
	}
}

/* Where the headend runs (a hook, a client, or flow-offload-dtls): an
 * IPsec-only gateway's pages stay as they were. */
static bool dtls_in_use(const struct fp_gw *gw)
{
	return gw->dtls && (atomic_load(&gw->dtls->n) || gw->dtls_punt || gw->dtls_to_cstp || gw->offload_dtls);
}

void fp_show_flow_offload_dtls_summary(const struct fp_gw *gw, FILE *out)
{
	if (!dtls_in_use(gw))
		return;
	fprintf(out, "DTLS offload: %s\n", gw->offload_dtls ? "Enabled" : "Disabled");
	fprintf(out, "DTLS egress optimization: %s\n",
		gw->cfg && gw->cfg->ra.offload_dtls_egress ? "Enabled" : "Disabled");
	fprintf(out, "Offloaded DTLS sessions: %u of %u\n", dtls_engine_rules(gw), dtls_rules(gw));
}

void fp_show_flow_offload_dtls_pipe(const struct fp_gw *gw, const struct fp_pipe *pp, FILE *out)
{
	if (!dtls_in_use(gw))
		return;
	fprintf(out, "DTLS rules of Pipe %u : %u\n", pp->id, fp_dtlsdb_count(pp->dtls));
}

static void ep_str(const struct fp_addr *a, uint16_t port, char *buf, size_t n)
{
	char s[64];
	snprintf(buf, n, "%s:%u", fp_addr_str(a, s, sizeof(s)), port);
}

/* The reference's table: a listening socket per interface address, then
 * a CONNECTED one per client with a rule and the engine pipe it is on
 * (blank: the software pipe); offloaded: the engine's clients only. */
static void sock_table(struct fp_gw *gw, bool offloaded, FILE *out)
{
	char l[80], r[80];
	fprintf(out, "%-9s %-9s %-10s %-40s %-40s %s\n", "Protocol", "Socket", "State",
		"Local Address", "Foreign Address", "IB-Pipe#");
	for (unsigned i = 0; gw->dtls_port && !offloaded && i < gw->n_ifaces; i++) {
		const struct fp_cfg_iface *c = gw->ifaces[i].cfg;
		for (unsigned f = 0; f < 2; f++) {
			const struct fp_addr *a = f ? &c->ip6.addr : &c->ip4.addr;
			if (a->af == FP_AF_NONE || !gw->ifaces[i].outside)
				continue;
			ep_str(a, gw->dtls_port, l, sizeof(l));
			fprintf(out, "%-9s %08x  %-10s %-40s %s\n", "SVC_UDP", FP_GW_DTLS_LISTEN_ID(i),
				"LISTEN", l, "0 0");
		}
	}
	for (unsigned h = 0; gw->dtls && h < FP_GW_DTLS_MAX; h++) {
		const struct fp_gw_dtls_client *c = &gw->dtls->c[h];
		if (!c->used || !c->has_rule)
			continue;
		uint64_t rt = atomic_load_explicit(&c->route, memory_order_relaxed);
		unsigned pipe = (unsigned)(rt >> 48);
		if (offloaded && pipe >= gw->n_pipes)
			continue;
		ep_str(&c->p.local, c->p.local_port, l, sizeof(l));
		ep_str(&c->p.remote, c->p.remote_port, r, sizeof(r));
		fprintf(out, "%-9s %08x  %-10s %-40s ", "SVC_UDP", FP_GW_DTLS_SOCK_ID(h), "CONNECTED",
			l);
		if (pipe < gw->n_pipes) /* blank: the software pipe */
			fprintf(out, "%-40s %u\n", r, pipe);
		else
			fprintf(out, "%s\n", r);
	}
}

static void sock_detail(struct fp_gw *gw, uint32_t h, FILE *out)
{
	const struct fp_gw_dtls_client *c = &gw->dtls->c[h];
	struct fp_dtls_rule_stats s;
	char a[64];
	if (fp_gw_dtls_query(gw, h, &s) < 0)
		memset(&s, 0, sizeof(s));
	/* drops[] counts the punts too, by their reason: they are no drops */
	uint64_t drops = 0;
	for (unsigned i = 0; i < FP_DROP__COUNT; i++)
		drops += s.drops[i];
	drops -= drops >= s.punts ? s.punts : drops;
	fprintf(out, "Statistics for socket 0x%08x:\n\n", FP_GW_DTLS_SOCK_ID(h));
	fprintf(out, "1) SVC_UDP Module\n\n");
	fprintf(out, "Downstream:\nData Pkts/Bytes: %" PRIu64 "/%" PRIu64 "\n", s.data_out,
		s.inner_bytes_out);
	fprintf(out, "Ctrl Pkts: %" PRIu64 "\n", s.ctrl_out + s.alerts_out);
	fprintf(out, "Upstream:\nData Pkts/Bytes: %" PRIu64 "/%" PRIu64 "\n", s.data_in,
		s.inner_bytes_in);
	fprintf(out, "Ctrl Pkts: %" PRIu64 "\n", s.ctrl_in + s.alerts_in);
	fprintf(out, "Drop Pkts: %" PRIu64 "\n", drops);
	fprintf(out, "Offload Stats:\n");
	fprintf(out, "#pkts in: %" PRIu64 ", #bytes in: %" PRIu64 ", #pkts decrypt: %" PRIu64 "\n",
		s.pkts_in, s.bytes_in, s.pkts_decrypt);
	fprintf(out, "#pkts out: %" PRIu64 ", #bytes out: %" PRIu64 ", #pkts encrypt: %" PRIu64 "\n",
		s.pkts_out, s.bytes_out, s.pkts_encrypt);
	fprintf(out, "#send errors: %" PRIu64 ", #rcv errors: %" PRIu64 "\n", s.send_fail, s.rcv_fail);
	fprintf(out, "#pkts failed (send): %" PRIu64 ", #pkts failed (rcv): %" PRIu64 "\n",
		s.send_fail, s.rcv_fail);
	fprintf(out, "#pkts replay failed (rcv): %" PRIu64 "\n", s.replay_fail);
	fprintf(out, "#punted to the slow path: %" PRIu64 "\n", s.punts);
	fprintf(out, "Epoch: %u, Next seq out: %" PRIu64 ", Highest seq in: ", s.epoch, s.seq_out);
	if (s.seq_in_top)
		fprintf(out, "%" PRIu64 "\n", s.seq_in_top - 1);
	else
		fprintf(out, "none\n");
	fprintf(out, "\n0) TM Module\n\n");
	fprintf(out, "Local host: %s, Local port: %u\n", fp_addr_str(&c->p.local, a, sizeof(a)),
		c->p.local_port);
	fprintf(out, "Foreign host: %s, Foreign port: %u\n", fp_addr_str(&c->p.remote, a, sizeof(a)),
		c->p.remote_port);
	fprintf(out, "Rcvd: %" PRIu64 "\ntotal data bytes: %" PRIu64 "\n", s.pkts_in, s.bytes_in);
	fprintf(out, "Sent: %" PRIu64 "\ntotal data bytes: %" PRIu64 "\n", s.pkts_out, s.bytes_out);
}

/* show asp table socket [offloaded]: offloaded, the clients whose rule
 * is in an engine pipe only. */
int fp_cli_cmd_show_asp_socket(struct fp_cli_req *r)
{
	sock_table(r->gw, r->argc == 5, r->out);
	return 0;
}

int fp_cli_cmd_show_asp_socket_detail(struct fp_cli_req *r)
{
	char *end;
	const char *w = r->argv[4];
	unsigned long id = strtoul(w, &end, 16);
	uint32_t h = (uint32_t)(id - FP_GW_DTLS_SOCK_ID(0));
	if (*end || id < FP_GW_DTLS_SOCK_ID(0) || h >= FP_GW_DTLS_MAX || !r->gw->dtls ||
	    !r->gw->dtls->c[h].used || !r->gw->dtls->c[h].has_rule) {
		fprintf(r->out, "ERROR: %% No DTLS socket %s\n", w);
		return -1;
	}
	sock_detail(r->gw, h, r->out);
	return 0;
}

int fp_cli_cmd_show_flow_offload_dtls(struct fp_cli_req *r)
{
	fp_show_flow_offload_dtls_stats(r->gw, r->out);
	return 0;
}

int fp_cli_cmd_clear_flow_offload_dtls(struct fp_cli_req *r)
{
	fp_gw_dtls_stats_clear(r->gw);
	return 0;
}
