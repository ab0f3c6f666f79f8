/* Inside src/cli only: the command table's shape, the request a handler
 * gets, the renderers the handlers call (one file each: show_ipsec_sa.c,
 * show_ipsec_stats.c, show_asp_drop.c) and the helpers they share
 * (cli_tunnel.c). Parsing (cli.c, cli_cmds.c) is kept apart from rendering,
 * as VPP keeps ipsec_cli.c apart from ipsec_format.c. */
#ifndef FP_CLI_IMPL_H
#define FP_CLI_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/cli.h"
#include "common/addr.h"
#include "datapath/gateway.h"
#include "ike/ike.h"
#include "offload/sa.h"

#define FP_CLI_MAX_WORDS 16u      /* words in one command line */
#define FP_CLI_CMD_WORDS FP_CLI_MAX_WORDS /* words in one table entry (capture lines are long) */

/* One line being run. argv[] points into a private copy of the line;
 * col[] is where each word starts in it, for the error marker. */
struct fp_cli_req {
	struct fp_gw *gw;
	FILE *out;
	const char *shown;            /* the line as echoed above a marker */
	char *argv[FP_CLI_MAX_WORDS];
	unsigned col[FP_CLI_MAX_WORDS];
	unsigned argc;
};

/* One command: its keywords, NULL-terminated, "<addr>" for an argument the
 * handler interprets; a line of help; the handler, 0 or -1. */
struct fp_cli_cmd {
	const char *kw[FP_CLI_CMD_WORDS];
	const char *help;
	int (*handle)(struct fp_cli_req *r);
};

extern const struct fp_cli_cmd fp_cli_cmds[];
extern const unsigned fp_cli_n_cmds;

/* The help text of a keyword or placeholder, for '?' listings. */
const char *fp_cli_kw_help(const char *kw);

/* Word w as an error names it: w itself, or "(not shown: it may be a
 * key)" (fp_config_word_may_be_key). */
const char *fp_cli_word_shown(const char *w);
/* Writes the line (words that may be keys masked), a '^' under word i and
 * "ERROR: % <msg>"; returns -1. */
int fp_cli_error_at(const struct fp_cli_req *r, unsigned i, const char *msg);

/* What show crypto ipsec sa prints: every tunnel bound to an interface,
 * or (by_peer) only those whose current peer is peer. */
struct fp_show_sa_ctx {
	const struct fp_gw *gw;
	bool by_peer;
	struct fp_addr peer;
};
void fp_show_ipsec_sa(const struct fp_show_sa_ctx *c, FILE *out);

void fp_show_ipsec_stats(const struct fp_gw *gw, FILE *out);

/* Sections of show asp drop. */
#define FP_ASP_FRAME 0x1u
#define FP_ASP_FLOW 0x2u
void fp_show_asp_drop(const struct fp_gw *gw, unsigned sections, FILE *out);

/* A tunnel's two SAs as the engine counts them now. Both are zeroed when
 * the tunnel has no pipe or an SA id is stale; returns -1 then. */
int fp_cli_tunnel_query(const struct fp_gw_tunnel *t, struct fp_sa_stats *in,
			struct fp_sa_stats *out);
/* The SA's parameters as installed in its pipe now (a NAT-T float moves
 * the remote), else the tunnel's copy from install time. */
const struct fp_sa_params *fp_cli_tunnel_params(const struct fp_gw_tunnel *t,
						enum fp_sa_dir dir);
/* Is the tunnel's SA pair in the offload engine (not the software pipe)? */
bool fp_cli_tunnel_offloaded(const struct fp_gw *gw, const struct fp_gw_tunnel *t);

/* IKEv2 (show_ikev2_sa.c, show_ikev2_stats.c, show_vpn_sessiondb.c, and
 * what they share in cli_ike.c). Each renderer says so when gw->ike is
 * NULL (no "crypto ikev2 enable", or offline). */
struct fp_ike;
void fp_show_ikev2_sa(const struct fp_gw *gw, bool detail, FILE *out);
void fp_show_ikev2_stats(const struct fp_gw *gw, FILE *out);
void fp_show_vpn_sessiondb_l2l(const struct fp_gw *gw, FILE *out);
/* Remote-access sessions (src/ra), ASA layout. */
/* Not const: it asks the pipes for each DTLS rule's counters. */
void fp_show_vpn_sessiondb_anyconnect(struct fp_gw *gw, bool detail, FILE *out);
/* The headend's counters (show_ssl_stats.c). */
void fp_show_ssl_stats(const struct fp_gw *gw, FILE *out);
const char *fp_cli_ike_encr_name(uint16_t encr);
const char *fp_cli_ike_hash_name(uint16_t integ, uint16_t prf);
const char *fp_cli_ike_auth_name(uint8_t method);
void fp_cli_ike_encr_short(uint16_t encr, uint16_t bits, char *buf, size_t n);
void fp_cli_esp_encr(enum fp_cipher c, const char **name, unsigned *bits);
void fp_cli_esp_encr_short(enum fp_cipher c, char *buf, size_t n);
const char *fp_cli_esp_hash_name(enum fp_integ i);
const struct fp_gw_tunnel *fp_cli_child_tunnel(const struct fp_gw *gw, uint64_t h);
bool fp_cli_ike_sa_first_of_peer(const struct fp_ike *ike, unsigned i, unsigned peer);
void fp_cli_duration(uint64_t ns, char *buf, size_t n);

/* Drop reasons as a bit set, to sum the counters of several. */
#define FP_DROP_BIT(r) (UINT64_C(1) << (r))
#define FP_DROPS_ALL ((FP_DROP_BIT(FP_DROP__COUNT) - 1) & ~FP_DROP_BIT(FP_DROP_NONE))
#define FP_DROPS_REPLAY (FP_DROP_BIT(FP_DROP_REPLAY) | FP_DROP_BIT(FP_DROP_REPLAY_TOO_OLD))
uint64_t fp_cli_drops(const struct fp_sa_stats *s, uint64_t reasons);
uint64_t fp_cli_gw_drops(const struct fp_gw *gw, uint64_t reasons);

/* The offload engine's commands (show_offload.c, show_counters.c,
 * show_npu.c, show_crypto_accel.c, show_tech.c; thin handlers in
 * show_offload_cmds.c) and the capture commands (capture_cli.c). */
#define FP_CLI_PIPES_ENGINE 0x1u
#define FP_CLI_PIPES_SOFT 0x2u
/* The counters of the engine pipes and/or the software pipe, summed. */
void fp_cli_pipes_sum(const struct fp_gw *gw, unsigned which, struct fp_pipe_stats *sum);
unsigned fp_cli_tunnels_offloaded(const struct fp_gw *gw);
/* Zero the engine pipes' counters on their own threads: all, or all but
 * the drops by reason (show asp drop's); with ports, the ports' too. */
void fp_cli_pipes_clear(struct fp_gw *gw, bool all, bool ports);
void fp_show_flow_offload_info(const struct fp_gw *gw, bool detail, FILE *out);
void fp_show_flow_offload_ipsec_stats(const struct fp_gw *gw, FILE *out);
void fp_show_counters(const struct fp_gw *gw, FILE *out);
/* DTLS offload (show_dtls.c) */
void fp_show_flow_offload_dtls_stats(const struct fp_gw *gw, FILE *out);
void fp_show_counters_dtls(const struct fp_gw *gw, FILE *out,
			   void (*row)(FILE *, const char *, const char *, uint64_t, const char *));
void fp_show_flow_offload_dtls_summary(const struct fp_gw *gw, FILE *out);
void fp_show_flow_offload_dtls_pipe(const struct fp_gw *gw, const struct fp_pipe *pp, FILE *out);
int fp_cli_cmd_show_flow_offload_dtls(struct fp_cli_req *r);
int fp_cli_cmd_clear_flow_offload_dtls(struct fp_cli_req *r);
int fp_cli_cmd_show_asp_socket(struct fp_cli_req *r);
int fp_cli_cmd_show_asp_socket_detail(struct fp_cli_req *r);
void fp_clear_counters(struct fp_gw *gw);
void fp_show_npu_accel(const struct fp_gw *gw, FILE *out);
void fp_show_crypto_accel(const struct fp_gw *gw, FILE *out);
void fp_show_tech(struct fp_gw *gw, FILE *out);
struct fp_capset;
struct fp_cap_snap;
void fp_show_capture_list(const struct fp_gw *gw, struct fp_capset *cs, FILE *out);
/* Packets first .. first + count - 1 (numbered from 1 as in the whole list). */
void fp_show_capture_packets(const struct fp_cap_snap *s, unsigned first, unsigned count,
			     FILE *out);
int fp_cli_cmd_show_flow_offload(struct fp_cli_req *r);
int fp_cli_cmd_show_flow_offload_detail(struct fp_cli_req *r);
int fp_cli_cmd_show_flow_offload_ipsec(struct fp_cli_req *r);
int fp_cli_cmd_clear_flow_offload_ipsec(struct fp_cli_req *r);
int fp_cli_cmd_show_counters(struct fp_cli_req *r);
int fp_cli_cmd_clear_counters(struct fp_cli_req *r);
int fp_cli_cmd_show_npu_accel(struct fp_cli_req *r);
int fp_cli_cmd_show_crypto_accel(struct fp_cli_req *r);
int fp_cli_cmd_show_tech(struct fp_cli_req *r);
int fp_cli_cmd_capture(struct fp_cli_req *r);
int fp_cli_cmd_no_capture(struct fp_cli_req *r);
int fp_cli_cmd_clear_capture(struct fp_cli_req *r);
int fp_cli_cmd_show_capture(struct fp_cli_req *r);
int fp_cli_cmd_show_capture_name(struct fp_cli_req *r);
int fp_cli_cmd_copy_pcap(struct fp_cli_req *r);
/* debug_cli.c */
int fp_cli_cmd_debug_ikev2(struct fp_cli_req *r);
int fp_cli_cmd_undebug_all(struct fp_cli_req *r);
int fp_cli_cmd_show_debug(struct fp_cli_req *r);

#endif
