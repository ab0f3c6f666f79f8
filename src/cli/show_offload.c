/* show flow-offload info [detail] and show flow-offload-ipsec statistics:
 * the engine pipes' own counters (struct fp_pipe_stats), and the clear of
 * them. The per-pipe blocks of `detail` are the offload note's layout;
 * the summary and the statistics page are fpvpn's own (docs/commands.md). */
#include "cli/cli_impl.h"

#include <inttypes.h>
#include <string.h>

#include "datapath/child.h"
#include "datapath/runtime.h"
#include "offload/dtls.h"

_Static_assert(sizeof(struct fp_pipe_stats) % sizeof(uint64_t) == 0,
	       "fp_pipe_stats is summed as an array of uint64_t counters");

/* Every field of fp_pipe_stats is a uint64_t counter: summed word by word. */
static void stats_add(struct fp_pipe_stats *sum, const struct fp_pipe_stats *st)
{
	uint64_t *d = (uint64_t *)(void *)sum;
	const uint64_t *s = (const uint64_t *)(const void *)st;
	for (size_t i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		d[i] += s[i];
}

void fp_cli_pipes_sum(const struct fp_gw *gw, unsigned which, struct fp_pipe_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned i = 0; (which & FP_CLI_PIPES_ENGINE) && i < gw->n_pipes; i++)
		stats_add(sum, &gw->pipes[i].st);
	if (which & FP_CLI_PIPES_SOFT)
		stats_add(sum, &gw->soft.st);
}

unsigned fp_cli_tunnels_offloaded(const struct fp_gw *gw)
{
	unsigned n = 0;
	for (unsigned i = 0; i < gw->n_tunnels && i < FP_GW_MAX_TUNNELS; i++)
		n += fp_gw_tunnel_offloaded(gw, &gw->tunnels[i]);
	return n;
}

static bool offload_on(const struct fp_gw *gw)
{
	return gw->cfg && gw->cfg->offload_ipsec;
}

/* fpvpn's own summary. "Current running state" and "Offload App" are the
 * two lines a (non-Cisco, UNVERIFIED) write-up quotes from the ASA. */
static void offload_summary(const struct fp_gw *gw, FILE *out)
{
	bool on = offload_on(gw);
	fprintf(out, "Current running state: %s\n", on ? "Enabled" : "Disabled");
	fprintf(out, "Offload App: %s\n", on && gw->n_pipes ? "Running" : "Not Running");
	fprintf(out, "Egress optimization: %s\n",
		gw->cfg && gw->cfg->offload_ipsec_egress ? "Enabled" : "Disabled");
	fprintf(out, "Engine pipes: %u (%s)\n", gw->n_pipes,
		gw->rt ? "one per worker thread" : "offline");
	fprintf(out, "Offloaded tunnels: %u of %u\n", fp_cli_tunnels_offloaded(gw), gw->n_tunnels);
	fp_show_flow_offload_dtls_summary(gw, out);
}

static const char note_cam[] =
	"NOTE: The CAM counters displayed are cumulative counters\n"
	"for all offload applications and indicates the total packets offloaded\n";
static const char note_all[] =
	"NOTE: The counters displayed are cumulative counters\n"
	"for all offload applications and indicates the total packets offloaded\n";

/* The offload note's two blocks for one pipe. */
static void offload_pipe(const struct fp_gw *gw, const struct fp_pipe *pp, FILE *out)
{
	const struct fp_pipe_stats *s = &pp->st;
	fprintf(out, "Packet stats of Pipe %u\n", pp->id);
	fprintf(out, "Rx Packet count : %" PRIu64 "\n", s->rx_pkts);
	fprintf(out, "Tx Packet count : %" PRIu64 "\n", s->tx_pkts);
	fprintf(out, "Error Packet count : %" PRIu64 "\n", s->err_pkts);
	fprintf(out, "Drop Packet count : %" PRIu64 "\n\n", s->drop_pkts);
	fprintf(out, "%s\n", note_cam);
	fprintf(out, "CAM stats of Pipe %u\n", pp->id);
	fprintf(out, "Option ID Table CAM Hit Count : %" PRIu64 "\n", s->optid_hit);
	fprintf(out, "Option ID Table CAM Miss Count : %" PRIu64 "\n", s->optid_miss);
	fprintf(out, "Tunnel Table CAM Hit Count : %" PRIu64 "\n", s->tunnel_hit);
	fprintf(out, "Tunnel Table CAM Miss Count : %" PRIu64 "\n", s->tunnel_miss);
	fprintf(out, "6-Tuple CAM Hit Count : %" PRIu64 "\n", s->cam_hit);
	fprintf(out, "6-Tuple CAM Miss Count : %" PRIu64 "\n\n", s->cam_miss);
	fprintf(out, "%s", note_all);
	fp_show_flow_offload_dtls_pipe(gw, pp, out);
}

void fp_show_flow_offload_info(const struct fp_gw *gw, bool detail, FILE *out)
{
	offload_summary(gw, out);
	for (unsigned i = 0; detail && i < gw->n_pipes; i++) {
		fputc('\n', out);
		offload_pipe(gw, &gw->pipes[i], out);
	}
}

static void stat_line(FILE *out, const char *label, uint64_t v)
{
	fprintf(out, "    %s: %" PRIu64 "\n", label, v);
}

/* fpvpn's own page, in the spirit of show ipsec stats: the engine pipes'
 * IPsec counters summed (the software pipe is not offload). */
void fp_show_flow_offload_ipsec_stats(const struct fp_gw *gw, FILE *out)
{
	struct fp_pipe_stats s;
	fp_cli_pipes_sum(gw, FP_CLI_PIPES_ENGINE, &s);
	fprintf(out, "IPsec Offload Statistics\n");
	fprintf(out, "------------------------\n");
	fprintf(out, "Offload: %s\n", offload_on(gw) ? "Enabled" : "Disabled");
	fprintf(out, "Engine pipes: %u\n", gw->n_pipes);
	fprintf(out, "Offloaded tunnels: %u\n", fp_cli_tunnels_offloaded(gw));
	fprintf(out, "Inbound\n");
	stat_line(out, "Packets processed", s.ib_process);
	stat_line(out, "Packets succeeded", s.ib_success);
	stat_line(out, "Packets dropped", s.ib_process - s.ib_success);
	stat_line(out, "Bytes", s.in_bytes);
	stat_line(out, "Decrypted packets", s.in_decrypt_pkts);
	stat_line(out, "Anti-replay drops", s.anti_replay_drop);
	stat_line(out, "Selector drops", s.filtering_drop);
	fprintf(out, "Outbound\n");
	stat_line(out, "Packets processed", s.ob_process);
	stat_line(out, "Packets succeeded", s.ob_success);
	stat_line(out, "Packets dropped", s.ob_process - s.ob_success);
	stat_line(out, "Bytes", s.out_bytes);
	stat_line(out, "Encrypted packets", s.out_encrypt_pkts);
	stat_line(out, "Egress-optimized packets", s.egress_optimize);
	fprintf(out, "Rules\n");
	stat_line(out, "Inbound rules installed", s.rule_in_add);
	stat_line(out, "Outbound rules installed", s.rule_out_add);
	stat_line(out, "Inbound rules deleted", s.rule_in_del);
	stat_line(out, "Outbound rules deleted", s.rule_out_del);
	stat_line(out, "Inbound rule updates", s.rule_in_update);
	stat_line(out, "Outbound rule updates", s.rule_out_update);
	stat_line(out, "Rule failures", s.rule_failed);
	/* every pipe's ring, the software pipe's too: IKE rekeys on these */
	fprintf(out, "SA events\n");
	stat_line(out, "Delivered", fp_child_events_delivered(gw));
	stat_line(out, "Lost (ring full)", fp_child_events_lost(gw));
	fprintf(out, "Punted to the slow path: %" PRIu64 "\n", s.punts);
	fprintf(out, "Held while their SA moved here: %" PRIu64 "\n", s.held);
	fprintf(out, "ESP handed to another pipe: %" PRIu64 "\n", s.esp_handoff);
}

/* ---- clearing ----------------------------------------------------------- */

/* A thread's port counters; run on the thread that owns the ports. */
static void ports_clear(struct fp_thread_io *tio)
{
	for (unsigned i = 0; i < tio->n_ports && i < FP_RT_MAX_PORTS; i++)
		if (tio->ports[i].port)
			fp_port_stats_clear(tio->ports[i].port);
}

struct pipes_clear {
	struct fp_gw *gw;
	bool ports;                  /* also the workers' port counters */
	bool all;                    /* also the drop counters (show asp drop's) */
};

/* On the pipe's own thread (gw->on_pipes), or on this one offline. */
static void pipe_clear(struct fp_pipe *pp, void *arg)
{
	const struct pipes_clear *pc = arg;
	struct fp_runtime *rt = pc->gw->rt;
	uint64_t drops[FP_DROP__COUNT];
	memcpy(drops, pp->st.drops, sizeof(drops));
	fp_pipe_stats_clear(pp);
	if (!pc->all)
		memcpy(pp->st.drops, drops, sizeof(drops));
	else /* clear counters: show counters' DTLS rows too */
		memset(fp_dtlsdb_stats(pp->dtls), 0, sizeof(struct fp_dtls_stats));
	if (pc->ports && rt && pp->id < rt->n_workers)
		ports_clear(&rt->w[pp->id].io);
}

/* Zero the engine pipes' counters: all of them (all), or all but the
 * drop counters by reason, which are show asp drop's. With ports, every
 * worker's port counters too. The live gateway runs the clear on each
 * pipe's own thread between two bursts (gw->on_pipes), so no count is lost
 * or torn; offline this thread owns the pipes. */
void fp_cli_pipes_clear(struct fp_gw *gw, bool all, bool ports)
{
	struct pipes_clear pc = { .gw = gw, .ports = ports, .all = all };
	if (gw->on_pipes && gw->rt) {
		gw->on_pipes(gw, pipe_clear, &pc);
		if (ports)
			ports_clear(&gw->rt->slow);
		return;
	}
	for (unsigned i = 0; i < gw->n_pipes; i++)
		pipe_clear(&gw->pipes[i], &pc);
}
