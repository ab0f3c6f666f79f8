/* debug crypto ikev2 protocol|platform [LEVEL], no debug ..., undebug all,
 * show debug: run-time switches, as on the ASA, never in the
 * configuration. The lines go to fpvpnd's log (stderr, or --log FILE),
 * not to the session that asked: a control session is not a terminal
 * monitor. Protocol lines are IKE's (src/ike/ike_debug.c), platform
 * lines the gateway's (datapath/ike_gw.c). */
#include <stdlib.h>

#include "cli/cli_impl.h"

static const char *const bad_level = "Invalid input detected at '^' marker: a level is 1-255";

/* The level word (1-255), or 1 when there is none: the ASA's default. */
static int debug_level(struct fp_cli_req *r, unsigned i, unsigned *level)
{
	char *end;
	if (r->argc <= i) {
		*level = 1;
		return 0;
	}
	unsigned long v = strtoul(r->argv[i], &end, 10);
	if (*end || end == r->argv[i] || v < 1 || v > 255)
		return fp_cli_error_at(r, i, bad_level);
	*level = (unsigned)v;
	return 0;
}

static void debug_apply(struct fp_gw *gw)
{
	if (gw->ike)
		fp_ike_set_debug(gw->ike, gw->debug_ikev2_protocol);
}

/* Words may be abbreviated ("deb cry ikev2 pl 127"): "no" and "debug"
 * differ in their first letter, "protocol" and "platform" in their second. */
int fp_cli_cmd_debug_ikev2(struct fp_cli_req *r)
{
	bool no = r->argv[0][0] == 'n';
	unsigned what = no ? 4 : 3, level = 0;
	if (!no && debug_level(r, 4, &level) < 0)
		return -1;
	if (r->argv[what][1] == 'r')
		r->gw->debug_ikev2_protocol = level;
	else
		r->gw->debug_ikev2_platform = level;
	debug_apply(r->gw);
	return 0;
}

int fp_cli_cmd_undebug_all(struct fp_cli_req *r)
{
	r->gw->debug_ikev2_protocol = r->gw->debug_ikev2_platform = 0;
	debug_apply(r->gw);
	return 0;
}

int fp_cli_cmd_show_debug(struct fp_cli_req *r)
{
	if (r->gw->debug_ikev2_protocol)
		fprintf(r->out, "debug crypto ikev2 protocol enabled at level %u\n",
			r->gw->debug_ikev2_protocol);
	if (r->gw->debug_ikev2_platform)
		fprintf(r->out, "debug crypto ikev2 platform enabled at level %u\n",
			r->gw->debug_ikev2_platform);
	return 0;
}
