/* show tech-support: every show command an offload case asks for, one
 * after the other, each under the ASA's "------------------ show X
 * ------------------" heading. Keys stay hidden (running-config prints
 * them as *****). */
#include "cli/cli_impl.h"

#include "offload/capture.h"

static void tech_heading(FILE *out, const char *cmd)
{
	fprintf(out, "\n------------------ %s ------------------\n\n", cmd);
}

void fp_show_tech(struct fp_gw *gw, FILE *out)
{
	struct fp_show_sa_ctx sa = { .gw = gw };
	struct fp_capset **cs = fp_gw_capset(gw);
	tech_heading(out, "show running-config");
	if (gw->cfg)
		fp_config_write(gw->cfg, out, false);
	tech_heading(out, "show crypto ipsec sa");
	fp_show_ipsec_sa(&sa, out);
	tech_heading(out, "show ipsec stats");
	fp_show_ipsec_stats(gw, out);
	tech_heading(out, "show asp drop");
	fp_show_asp_drop(gw, FP_ASP_FRAME | FP_ASP_FLOW, out);
	tech_heading(out, "show flow-offload info detail");
	fp_show_flow_offload_info(gw, true, out);
	tech_heading(out, "show flow-offload-ipsec statistics");
	fp_show_flow_offload_ipsec_stats(gw, out);
	tech_heading(out, "show counters");
	fp_show_counters(gw, out);
	tech_heading(out, "show npu-accel statistics");
	fp_show_npu_accel(gw, out);
	tech_heading(out, "show crypto accelerator statistics");
	fp_show_crypto_accel(gw, out);
	tech_heading(out, "show capture");
	if (cs && *cs)
		fp_show_capture_list(gw, *cs, out);
}
