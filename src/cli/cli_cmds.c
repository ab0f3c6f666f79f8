/* The command table and its handlers. A handler checks its arguments,
 * fills the renderer's context and calls it (show_*.c); the clear
 * commands act here. Help text says where the figures come from. */
#include "cli/cli_impl.h"

#include <string.h>

static const char *const invalid = "Invalid input detected at '^' marker.";

static int cmd_show_ipsec_sa(struct fp_cli_req *r)
{
	struct fp_show_sa_ctx c = { .gw = r->gw };
	fp_show_ipsec_sa(&c, r->out);
	return 0;
}

/* "... sa peer ADDR": the address is the last word. */
static int cmd_show_ipsec_sa_peer(struct fp_cli_req *r)
{
	struct fp_show_sa_ctx c = { .gw = r->gw, .by_peer = true };
	unsigned i = r->argc - 1;
	if (fp_addr_parse(&c.peer, r->argv[i]) < 0)
		return fp_cli_error_at(r, i, invalid);
	fp_show_ipsec_sa(&c, r->out);
	return 0;
}

static int cmd_show_ipsec_stats(struct fp_cli_req *r)
{
	fp_show_ipsec_stats(r->gw, r->out);
	return 0;
}

static int cmd_show_asp_drop(struct fp_cli_req *r)
{
	fp_show_asp_drop(r->gw, FP_ASP_FRAME | FP_ASP_FLOW, r->out);
	return 0;
}

static int cmd_show_asp_drop_frame(struct fp_cli_req *r)
{
	fp_show_asp_drop(r->gw, FP_ASP_FRAME, r->out);
	return 0;
}

static int cmd_show_asp_drop_flow(struct fp_cli_req *r)
{
	fp_show_asp_drop(r->gw, FP_ASP_FLOW, r->out);
	return 0;
}

/* Session keys print as "*****": show never reveals them. */
static int cmd_show_running(struct fp_cli_req *r)
{
	if (r->gw->cfg)
		fp_config_write(r->gw->cfg, r->out, false);
	return 0;
}

/* Zero every SA's counters (packets, bytes, drops, TFC); the replay
 * window and sequence numbers live elsewhere and are kept. */
static int cmd_clear_sa_counters(struct fp_cli_req *r)
{
	for (unsigned i = 0; i < r->gw->n_tunnels; i++) {
		struct fp_gw_tunnel *t = &r->gw->tunnels[i];
		if (!t->pipe || !t->pipe->db)
			continue;
		fp_sa_stats_clear(t->pipe->db, t->sa_in);
		fp_sa_stats_clear(t->pipe->db, t->sa_out);
	}
	return 0;
}

/* fp_gw_clear_counters zeroes every counter of the gateway: its drops,
 * both pipes' counters and drops (show asp drop sums them), and notes the
 * time for "Last clearing". */
static int cmd_clear_asp_drop(struct fp_cli_req *r)
{
	fp_gw_clear_counters(r->gw);
	return 0;
}

#define SA_HELP "IPsec SAs of every crypto map entry (engine and software pipes)"
#define STATS_HELP "IPsec totals: sums of every SA's counters and the drop counters"

const struct fp_cli_cmd fp_cli_cmds[] = {
	{ { "show", "crypto", "ipsec", "sa" }, SA_HELP, cmd_show_ipsec_sa },
	{ { "show", "crypto", "ipsec", "sa", "peer", "<addr>" }, SA_HELP, cmd_show_ipsec_sa_peer },
	{ { "show", "ipsec", "sa" }, SA_HELP, cmd_show_ipsec_sa },
	{ { "show", "ipsec", "sa", "peer", "<addr>" }, SA_HELP, cmd_show_ipsec_sa_peer },
	{ { "show", "crypto", "ipsec", "stats" }, STATS_HELP, cmd_show_ipsec_stats },
	{ { "show", "ipsec", "stats" }, STATS_HELP, cmd_show_ipsec_stats },
	{ { "show", "asp", "drop" }, "Drop counters by reason", cmd_show_asp_drop },
	{ { "show", "asp", "drop", "frame" }, "Frame drop counters", cmd_show_asp_drop_frame },
	{ { "show", "asp", "drop", "flow" }, "Flow drop counters", cmd_show_asp_drop_flow },
	{ { "show", "running-config" }, "The configuration", cmd_show_running },
	{ { "clear", "crypto", "ipsec", "sa", "counters" }, "Zero SA counters", cmd_clear_sa_counters },
	{ { "clear", "ipsec", "sa", "counters" }, "Zero SA counters", cmd_clear_sa_counters },
	{ { "clear", "asp", "drop" }, "Zero drop and pipe counters", cmd_clear_asp_drop },
};
const unsigned fp_cli_n_cmds = sizeof(fp_cli_cmds) / sizeof(fp_cli_cmds[0]);

static const struct {
	const char *kw, *help;
} cli_kw_help[] = {
	{ "show", "Show running system information" },
	{ "clear", "Reset functions" },
	{ "crypto", "IPsec and crypto state" },
	{ "ipsec", "IPsec security associations and statistics" },
	{ "sa", "IPsec SAs: counters, SPIs, transforms, offload state, replay window" },
	{ "peer", "Only the SAs of one peer" },
	{ "<addr>", "Peer address, A.B.C.D or X:X:X:X::X" },
	{ "stats", "Global IPsec statistics, summed over every SA" },
	{ "counters", "Zero the counters of every IPsec SA" },
	{ "asp", "Accelerated security path" },
	{ "drop", "Packets dropped, by reason (engine, software pipe, slow path)" },
	{ "frame", "Frame drops only" },
	{ "flow", "Flow drops only" },
	{ "running-config", "Current operating configuration (keys hidden)" },
};

const char *fp_cli_kw_help(const char *kw)
{
	for (unsigned i = 0; i < sizeof(cli_kw_help) / sizeof(cli_kw_help[0]); i++)
		if (strcmp(cli_kw_help[i].kw, kw) == 0)
			return cli_kw_help[i].help;
	return "";
}
