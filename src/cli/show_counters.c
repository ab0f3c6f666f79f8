/* show counters / clear counters: the ASA's per-protocol counters, here
 * the IPSEC offload ones the offload note lists, summed over the engine
 * pipes. As on the ASA, only counters that are not 0 are printed. The
 * column layout is the recalled ASA one (UNVERIFIED, docs/commands.md). */
#include "cli/cli_impl.h"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "offload/dtls.h"


#define CNT_COL_COUNTER 13  /* "Protocol     " */
#define CNT_COL_VALUE 47    /* "Counter" + 27 blanks */
#define CNT_COL_CONTEXT 55  /* "Value   " */

static const struct {
	const char *name;
	size_t off;
} ipsec_counters[] = {
	{ "OFFLOAD_IB_PKT_PROCESS", offsetof(struct fp_pipe_stats, ib_process) },
	{ "OFFLOAD_IB_PKT_PROCESS_SUCCESS", offsetof(struct fp_pipe_stats, ib_success) },
	{ "OFFLOAD_OB_PKT_PROCESS", offsetof(struct fp_pipe_stats, ob_process) },
	{ "OFFLOAD_OB_PKT_PROCESS_SUCCESS", offsetof(struct fp_pipe_stats, ob_success) },
	{ "OFFLOAD_EGRESS_OPTIMIZE_PKT", offsetof(struct fp_pipe_stats, egress_optimize) },
	{ "OFFLOAD_FLOW_INBOUND_ADD_RULE", offsetof(struct fp_pipe_stats, rule_in_add) },
	{ "OFFLOAD_FLOW_OUTBOUND_ADD_RULE", offsetof(struct fp_pipe_stats, rule_out_add) },
	{ "OFFLOAD_FLOW_INBOUND_DEL_RULE", offsetof(struct fp_pipe_stats, rule_in_del) },
	{ "OFFLOAD_FLOW_OUTBOUND_DEL_RULE", offsetof(struct fp_pipe_stats, rule_out_del) },
	{ "OFFLOAD_FLOW_INBOUND_UPDATE_SUCCESS", offsetof(struct fp_pipe_stats, rule_in_update) },
	{ "OFFLOAD_FLOW_OUTBOUND_UPDATE_SUCCESS", offsetof(struct fp_pipe_stats, rule_out_update) },
};

/* Text padded to column col, or one blank after it when it is longer. */
static int cnt_pad(FILE *out, int at, int col)
{
	int pad = col - at > 1 ? col - at : 1;
	fprintf(out, "%*s", pad, "");
	return at + pad;
}

static void cnt_row(FILE *out, const char *proto, const char *name, uint64_t v, const char *ctx)
{
	char val[24];
	int at = fprintf(out, "%s", proto);
	at = cnt_pad(out, at, CNT_COL_COUNTER);
	at += fprintf(out, "%s", name);
	at = cnt_pad(out, at, CNT_COL_VALUE);
	snprintf(val, sizeof(val), "%" PRIu64, v);
	at += fprintf(out, "%s", val);
	cnt_pad(out, at, CNT_COL_CONTEXT);
	fprintf(out, "%s\n", ctx);
}

void fp_show_counters(const struct fp_gw *gw, FILE *out)
{
	struct fp_pipe_stats s;
	fp_cli_pipes_sum(gw, FP_CLI_PIPES_ENGINE, &s);
	fprintf(out, "Protocol     Counter                           Value   Context\n");
	for (unsigned i = 0; i < sizeof(ipsec_counters) / sizeof(ipsec_counters[0]); i++) {
		uint64_t v;
		memcpy(&v, (const char *)&s + ipsec_counters[i].off, sizeof(v));
		if (v)
			cnt_row(out, "IPSEC", ipsec_counters[i].name, v, "Summary");
	}
	fp_show_counters_dtls(gw, out, cnt_row);
}

/* clear counters: every pipe's counters (engine pipes on their own
 * threads, the software pipe here), the slow path's drops (show asp drop
 * notes the time) and the ports' counters. SA counters are kept (clear
 * crypto ipsec sa counters). */
void fp_clear_counters(struct fp_gw *gw)
{
	fp_cli_pipes_clear(gw, true, true);
	fp_pipe_stats_clear(&gw->soft);
	memset(fp_dtlsdb_stats(gw->soft.dtls), 0, sizeof(struct fp_dtls_stats)); /* engine: above */
	memset(gw->st.drops, 0, sizeof(gw->st.drops));
	gw->st.last_clear_ns = gw->now_ns;
}
