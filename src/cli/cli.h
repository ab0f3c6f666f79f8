/* The operator's commands: show and clear lines typed as on an ASA, run
 * against a gateway and printed to a stream. The daemon's control socket
 * and the fpvpn command line hand each line they read to fp_cli_exec. */
#ifndef FP_CLI_H
#define FP_CLI_H

#include <stdio.h>

struct fp_gw;

/* Longest line accepted, newline excluded; longer lines are refused. */
#define FP_CLI_LINE_MAX 512u

/* Run one command line ("show crypto ipsec sa", "sh cry ips sa peer
 * 192.0.2.6", "show ?") and write its output to out. Keywords may be
 * abbreviated while they stay unambiguous, in any letter case. A line
 * ending in '?' lists what may come next and runs nothing.
 *
 * Returns 0 when the command ran (or help was printed, or the line was
 * empty); -1 after writing an ASA-style error ("ERROR: % Invalid input
 * detected at '^' marker." under the offending word, or "Ambiguous" /
 * "Incomplete command"). Any bytes are accepted: line need only be a
 * NUL-terminated string. Reads gw except for the clear commands, which
 * zero its counters; the caller serialises calls with the packet path and
 * sets gw->now_ns to the current CLOCK_REALTIME time first (remaining SA
 * lifetimes and "Last clearing" are computed from it). */
int fp_cli_exec(struct fp_gw *gw, const char *line, FILE *out);

#endif
