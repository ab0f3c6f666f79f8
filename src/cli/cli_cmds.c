/* The command table and its handlers. A handler checks its arguments,
 * fills the renderer's context and calls it (show_*.c); the clear
 * commands act here. Help text says where the figures come from. */
#include "cli/cli_impl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ra/ra.h"

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

/* Manual-key pairs are installed again with their sequence numbers and
 * replay windows (same keys) and zeroed counters; IKEv2 children are
 * deleted with a DELETE to the peer, and the next packet for their
 * tunnel negotiates new ones on the same IKE SA. */
static int cmd_clear_sa(struct fp_cli_req *r)
{
	char err[256];
	int rc = fp_gw_clear_sas(r->gw, err, sizeof(err));
	if (r->gw->ike)
		fp_ike_clear_children(r->gw->ike, NULL, r->gw->now_ns);
	if (rc == 0)
		return 0;
	fprintf(r->out, "ERROR: %s\n", err);
	return -1;
}

#define CLEAR_SA_HELP "Delete the SAs: manual keys installed again, IKEv2 children renegotiated"

static int cmd_clear_sa_counters(struct fp_cli_req *r)
{
	for (unsigned i = 0; i < r->gw->n_tunnels; i++) {
		struct fp_gw_tunnel *t = &r->gw->tunnels[i];
		memset(&t->frag, 0, sizeof(t->frag));
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

static int cmd_show_ikev2_sa(struct fp_cli_req *r)
{
	fp_show_ikev2_sa(r->gw, false, r->out);
	return 0;
}

static int cmd_show_ikev2_sa_detail(struct fp_cli_req *r)
{
	fp_show_ikev2_sa(r->gw, true, r->out);
	return 0;
}

static int cmd_show_ikev2_stats(struct fp_cli_req *r)
{
	fp_show_ikev2_stats(r->gw, r->out);
	return 0;
}

static int cmd_show_sessiondb_l2l(struct fp_cli_req *r)
{
	fp_show_vpn_sessiondb_l2l(r->gw, r->out);
	return 0;
}

static int cmd_show_sessiondb_ac(struct fp_cli_req *r)
{
	fp_show_vpn_sessiondb_anyconnect(r->gw, r->argc == 4, r->out);
	return 0;
}

static int cmd_show_ssl_stats(struct fp_cli_req *r)
{
	fp_show_ssl_stats(r->gw, r->out);
	return 0;
}

/* vpn-sessiondb logoff name USER | index N [noconfirm]: nothing asks for a
 * confirmation here, so noconfirm changes nothing. */
static int cmd_sessiondb_logoff(struct fp_cli_req *r)
{
	bool by_name = strcasecmp(r->argv[2], "name") == 0;
	uint64_t index = 0;
	char *end;
	if (!by_name) {
		index = strtoull(r->argv[3], &end, 10);
		if (*end || !index || index > UINT32_MAX)
			return fp_cli_error_at(r, 3, invalid);
	}
	unsigned n = r->gw->ra ? fp_ra_logoff(r->gw->ra, by_name ? r->argv[3] : NULL,
					       (uint32_t)index) : 0;
	fprintf(r->out, "INFO: Number of sessions with %s \"%s\" logged off : %u\n",
		by_name ? "name" : "index", r->argv[3], n);
	return 0;
}

/* clear crypto ikev2 sa [ADDR]: each IKE SA (of the peer) is deleted with
 * an INFORMATIONAL DELETE to the peer, its children leave the engine; the
 * ASA prints nothing, and neither does this when IKEv2 is off. */
static int cmd_clear_ikev2_sa(struct fp_cli_req *r)
{
	struct fp_addr peer;
	bool by_peer = r->argc == 5;
	if (by_peer && fp_addr_parse(&peer, r->argv[4]) < 0)
		return fp_cli_error_at(r, 4, invalid);
	if (r->gw->ike)
		fp_ike_clear(r->gw->ike, by_peer ? &peer : NULL, r->gw->now_ns);
	return 0;
}

/* configure terminal belongs to the session (session.c), which never
 * hands it here; a line run without one (fpvpnd --offline --exec) gets
 * this. */
static int cmd_configure(struct fp_cli_req *r)
{
	fprintf(r->out, "ERROR: %% configure terminal needs a session: type it at the "
		"fpvpn prompt, with fpvpnd running\n");
	return -1;
}

/* write memory / copy running-config startup-config: the running
 * configuration, keys included, over the file fpvpnd loaded. */
static int cmd_write_memory(struct fp_cli_req *r)
{
	char err[512];
	fprintf(r->out, "Building configuration...\n");
	if (fp_gw_write_memory(r->gw, err, sizeof(err)) < 0) {
		fprintf(r->out, "ERROR: %% %s\n", err);
		return -1;
	}
	fprintf(r->out, "[OK]\n");
	return 0;
}

/* exit / quit: the fpvpn command line leaves on its own side (and a
 * one-shot connection ends anyway); listed so that '?' shows them. */
static int cmd_exit(struct fp_cli_req *r)
{
	(void)r;
	return 0;
}

#define SA_HELP "IPsec SAs of every crypto map entry (engine and software pipes)"
#define WRITE_HELP "Save the running configuration (keys included) to the file fpvpnd loaded"
#define STATS_HELP "IPsec totals: sums of every SA's counters and the drop counters"
#define OFFLOAD_HELP "Offload state; detail: each engine pipe's packet and CAM counters"
#define SOCK_HELP "DTLS sockets of the remote-access headend (detail: a client's offload counters)"
#define OFFLOAD_IPSEC_HELP "IPsec offload totals of the engine pipes"
#define IKE_SA_HELP "IKEv2 SAs and their child SAs (detail: SPIs, message IDs, NAT-T)"
#define IKE_STATS_HELP "IKEv2 counters: messages, exchanges, refusals, notifies by name"
#define LOGOFF_HELP "End remote-access sessions (the client is told)"
#define L2L_HELP "LAN-to-LAN sessions: one per IKEv2 peer, bytes from its child SAs"
#define DBG_PROTO_HELP "IKEv2 exchanges into the log (level 1-255, default 1)"
#define DBG_PLAT_HELP "IKEv2 datagrams and SA installs into the log (level 1-255, default 1)"
#define IKE_CLEAR_HELP "Delete IKEv2 SAs (of one peer) and their child SAs, telling the peer"
/* capture NAME ...: capture_cli.c parses the words after the name */
#define CAPW "<capture-arg>"
#define CAPTURE_ROW(...) { { "capture", "<name>", __VA_ARGS__ }, "Capture packets", fp_cli_cmd_capture }

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
	{ { "clear", "crypto", "ipsec", "sa" }, CLEAR_SA_HELP, cmd_clear_sa },
	{ { "clear", "ipsec", "sa" }, CLEAR_SA_HELP, cmd_clear_sa },
	{ { "clear", "crypto", "ipsec", "sa", "counters" }, "Zero SA counters", cmd_clear_sa_counters },
	{ { "clear", "ipsec", "sa", "counters" }, "Zero SA counters", cmd_clear_sa_counters },
	{ { "clear", "asp", "drop" }, "Zero drop and pipe counters", cmd_clear_asp_drop },
	{ { "show", "crypto", "ikev2", "sa" }, IKE_SA_HELP, cmd_show_ikev2_sa },
	{ { "show", "crypto", "ikev2", "sa", "detail" }, IKE_SA_HELP, cmd_show_ikev2_sa_detail },
	{ { "show", "crypto", "ikev2", "stats" }, IKE_STATS_HELP, cmd_show_ikev2_stats },
	{ { "show", "vpn-sessiondb", "l2l" }, L2L_HELP, cmd_show_sessiondb_l2l },
	{ { "show", "vpn-sessiondb", "anyconnect" }, "Remote-access sessions: one per AnyConnect login",
	  cmd_show_sessiondb_ac },
	{ { "show", "vpn-sessiondb", "detail", "anyconnect" },
	  "Remote-access sessions with their parent and SSL tunnels", cmd_show_sessiondb_ac },
	{ { "show", "crypto", "protocol", "ssl", "statistics" },
	  "Remote-access headend counters: TLS, HTTP, login, CSTP", cmd_show_ssl_stats },
	{ { "vpn-sessiondb", "logoff", "name", "<user>" }, LOGOFF_HELP, cmd_sessiondb_logoff },
	{ { "vpn-sessiondb", "logoff", "name", "<user>", "noconfirm" }, LOGOFF_HELP, cmd_sessiondb_logoff },
	{ { "vpn-sessiondb", "logoff", "index", "<index>" }, LOGOFF_HELP, cmd_sessiondb_logoff },
	{ { "vpn-sessiondb", "logoff", "index", "<index>", "noconfirm" }, LOGOFF_HELP, cmd_sessiondb_logoff },
	{ { "clear", "crypto", "ikev2", "sa" }, IKE_CLEAR_HELP, cmd_clear_ikev2_sa },
	{ { "clear", "crypto", "ikev2", "sa", "<addr>" }, IKE_CLEAR_HELP, cmd_clear_ikev2_sa },
	{ { "configure", "terminal" }, "Enter configure mode", cmd_configure },
	{ { "write", "memory" }, WRITE_HELP, cmd_write_memory },
	{ { "copy", "running-config", "startup-config" }, WRITE_HELP, cmd_write_memory },
	{ { "debug", "crypto", "ikev2", "protocol" }, DBG_PROTO_HELP, fp_cli_cmd_debug_ikev2 },
	{ { "debug", "crypto", "ikev2", "protocol", "<level>" }, DBG_PROTO_HELP, fp_cli_cmd_debug_ikev2 },
	{ { "debug", "crypto", "ikev2", "platform" }, DBG_PLAT_HELP, fp_cli_cmd_debug_ikev2 },
	{ { "debug", "crypto", "ikev2", "platform", "<level>" }, DBG_PLAT_HELP, fp_cli_cmd_debug_ikev2 },
	{ { "no", "debug", "crypto", "ikev2", "protocol" }, "Stop IKEv2 protocol debugging", fp_cli_cmd_debug_ikev2 },
	{ { "no", "debug", "crypto", "ikev2", "platform" }, "Stop IKEv2 platform debugging", fp_cli_cmd_debug_ikev2 },
	{ { "no", "debug", "all" }, "Stop every debug", fp_cli_cmd_undebug_all },
	{ { "undebug", "all" }, "Stop every debug", fp_cli_cmd_undebug_all },
	{ { "show", "debug" }, "The debugs on, with their levels", fp_cli_cmd_show_debug },
	{ { "exit" }, "Leave the command line", cmd_exit },
	{ { "quit" }, "Leave the command line", cmd_exit },
	/* the offload engine (show_offload_cmds.c) and captures (capture_cli.c) */
	{ { "show", "flow-offload", "info" }, OFFLOAD_HELP, fp_cli_cmd_show_flow_offload },
	{ { "show", "flow-offload", "info", "detail" }, OFFLOAD_HELP, fp_cli_cmd_show_flow_offload_detail },
	{ { "show", "flow-offload-ipsec", "statistics" }, OFFLOAD_IPSEC_HELP, fp_cli_cmd_show_flow_offload_ipsec },
	{ { "clear", "flow-offload-ipsec", "statistics" }, "Zero the engine pipes' counters", fp_cli_cmd_clear_flow_offload_ipsec },
	{ { "show", "flow-offload-dtls", "statistics" }, "DTLS offload totals of the engine pipes", fp_cli_cmd_show_flow_offload_dtls },
	{ { "clear", "flow-offload-dtls", "statistics" }, "Zero the DTLS offload counters", fp_cli_cmd_clear_flow_offload_dtls },
	{ { "show", "asp", "table", "socket" }, SOCK_HELP, fp_cli_cmd_show_asp_socket },
	{ { "show", "asp", "table", "socket", "offloaded" }, SOCK_HELP, fp_cli_cmd_show_asp_socket },
	{ { "show", "asp", "table", "socket", "<socket>", "detail" }, SOCK_HELP, fp_cli_cmd_show_asp_socket_detail },
	{ { "show", "counters" }, "IPSEC and DTLS offload counters that are not 0", fp_cli_cmd_show_counters },
	{ { "clear", "counters" }, "Zero pipe, slow-path drop and port counters", fp_cli_cmd_clear_counters },
	{ { "show", "npu-accel", "statistics" }, "Worker rings and per-pipe IPsec counters", fp_cli_cmd_show_npu_accel },
	{ { "show", "crypto", "accelerator", "statistics" }, "Crypto layer counters", fp_cli_cmd_show_crypto_accel },
	{ { "show", "tech-support" }, "Every troubleshooting show command", fp_cli_cmd_show_tech },
	{ { "show", "capture" }, "Every capture and its state", fp_cli_cmd_show_capture },
	{ { "show", "capture", "<name>" }, "The packets of a capture", fp_cli_cmd_show_capture_name },
	{ { "show", "capture", "<name>", "count", "<count>" }, "The first packets of a capture",
	  fp_cli_cmd_show_capture_name },
	{ { "show", "capture", "<name>", "packet-number", "<number>" }, "One packet of a capture",
	  fp_cli_cmd_show_capture_name },
	{ { "no", "capture", "<name>" }, "Remove a capture", fp_cli_cmd_no_capture },
	{ { "clear", "capture", "<name>" }, "Empty a capture (/all: every one)", fp_cli_cmd_clear_capture },
	{ { "copy", "/pcap", "<capture:name>", "<file>" }, "Save a capture as a pcap file", fp_cli_cmd_copy_pcap },
	CAPTURE_ROW(CAPW), /* capture NAME + 1..14 words: one row per length */
	CAPTURE_ROW(CAPW, CAPW),
	CAPTURE_ROW(CAPW, CAPW, CAPW),
	CAPTURE_ROW(CAPW, CAPW, CAPW, CAPW),
	CAPTURE_ROW(CAPW, CAPW, CAPW, CAPW, CAPW),
	CAPTURE_ROW(CAPW, CAPW, CAPW, CAPW, CAPW, CAPW),
	CAPTURE_ROW(CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW),
	CAPTURE_ROW(CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW),
	CAPTURE_ROW(CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW),
	CAPTURE_ROW(CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW),
	CAPTURE_ROW(CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW),
	CAPTURE_ROW(CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW),
	CAPTURE_ROW(CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW),
	CAPTURE_ROW(CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW, CAPW),
};
const unsigned fp_cli_n_cmds = sizeof(fp_cli_cmds) / sizeof(fp_cli_cmds[0]);
/* cli.c matches at most its CLI_MAX_CMDS (128) rows: any past it would be dead */
_Static_assert(sizeof(fp_cli_cmds) / sizeof(fp_cli_cmds[0]) <= 128, "command table over 128 rows");

static const struct {
	const char *kw, *help;
} cli_kw_help[] = {
	{ "show", "Show running system information" },
	{ "clear", "Reset functions" },
	{ "crypto", "IPsec and crypto state" },
	{ "ipsec", "IPsec security associations and statistics" },
	{ "sa", "SAs: IPsec (counters, SPIs, transforms, offload state, replay window) or IKEv2" },
	{ "peer", "Only the SAs of one peer" },
	{ "<addr>", "Peer address, A.B.C.D or X:X:X:X::X" },
	{ "stats", "Global IPsec statistics, summed over every SA" },
	{ "counters", "Counters: show lists those not 0, clear zeroes them" },
	{ "asp", "Accelerated security path" },
	{ "drop", "Packets dropped, by reason (engine, software pipe, slow path)" },
	{ "frame", "Frame drops only" },
	{ "flow", "Flow drops only" },
	{ "running-config", "Current operating configuration (keys hidden)" },
	{ "configure", "Configuration mode" },
	{ "terminal", "Configure from the terminal" },
	{ "write", "Write the running configuration" },
	{ "memory", "To the configuration file fpvpnd loaded" },
	{ "copy", "Copy the running configuration or a capture" },
	{ "startup-config", "The configuration file fpvpnd loaded" },
	{ "ikev2", "IKEv2 SAs and statistics" },
	{ "vpn-sessiondb", "VPN sessions" },
	{ "l2l", "LAN-to-LAN sessions (IKEv2)" },
	{ "anyconnect", "Remote-access sessions (AnyConnect, openconnect)" },
	{ "protocol", "Crypto protocol counters" },
	{ "ssl", "The remote-access headend's TLS, HTTP, login and CSTP" },
	{ "logoff", "End sessions" },
	{ "name", "The sessions of one user" },
	{ "index", "The session with this index" },
	{ "<user>", "User name" },
	{ "<index>", "Session index (show vpn-sessiondb anyconnect)" },
	{ "noconfirm", "Without asking (fpvpn never asks)" },
	{ "exit", "Leave the command line" },
	{ "quit", "Leave the command line" },
	{ "flow-offload", "Flow offload engine" },
	{ "info", "Offload state (detail: per pipe packet and CAM counters)" },
	{ "detail", "More: each engine pipe's counters; IKEv2 SPIs, message IDs, NAT-T" },
	{ "flow-offload-ipsec", "IPsec flow offload" },
	{ "flow-offload-dtls", "DTLS flow offload" },
	{ "table", "Accelerated security path tables" },
	{ "socket", "DTLS sockets (listening and one per client)" },
	{ "<socket>", "Socket id, as show asp table socket prints it (hex)" },
	{ "offloaded", "Only the clients whose DTLS rule is in an engine pipe" },
	{ "statistics", "Statistics" },
	{ "npu-accel", "Offload engine rings and pipes" },
	{ "accelerator", "Crypto accelerator" },
	{ "tech-support", "Every troubleshooting show command" },
	{ "capture", "Packet captures" },
	{ "no", "Negate a command" },
	{ "<name>", "Capture name" },
	{ "<capture-arg>", "switch interface IF | switch real-time | ipsec-offload | dtls-offload | interface IF, "
			   "match ..., buffer N, circular-buffer, packet-length N, type raw-data" },
	{ "/pcap", "As a pcap file" },
	{ "<capture:name>", "capture:NAME" },
	{ "<file>", "File to write" },
	{ "<count>", "How many packets, from the first" },
	{ "<number>", "The packet's number in the full listing" },
	{ "debug", "Debugging output into fpvpnd's log" },
	{ "undebug", "Stop debugging" },
	{ "protocol", "IKEv2 protocol: exchanges, states, datagrams" },
	{ "platform", "IKEv2 platform: datagrams' way, SAs into the engine" },
	{ "<level>", "1-255: 1 refusals and SA events (always logged), 2 retransmissions, "
		     "4 states and exchanges, 5 datagrams, 7 payloads" },
	{ "all", "Every debug" },
};

const char *fp_cli_kw_help(const char *kw)
{
	for (unsigned i = 0; i < sizeof(cli_kw_help) / sizeof(cli_kw_help[0]); i++)
		if (strcmp(cli_kw_help[i].kw, kw) == 0)
			return cli_kw_help[i].help;
	return "";
}
