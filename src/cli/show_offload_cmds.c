/* Handlers of the offload engine's show and clear commands: each checks
 * nothing more than the table did and calls its renderer (show_offload.c,
 * show_counters.c, show_npu.c, show_crypto_accel.c, show_tech.c). The
 * capture commands have their own parser (capture_cli.c). */
#include "cli/cli_impl.h"

int fp_cli_cmd_show_flow_offload(struct fp_cli_req *r)
{
	fp_show_flow_offload_info(r->gw, false, r->out);
	return 0;
}

int fp_cli_cmd_show_flow_offload_detail(struct fp_cli_req *r)
{
	fp_show_flow_offload_info(r->gw, true, r->out);
	return 0;
}

int fp_cli_cmd_show_flow_offload_ipsec(struct fp_cli_req *r)
{
	fp_show_flow_offload_ipsec_stats(r->gw, r->out);
	return 0;
}

/* The engine pipes' counters (every show above reads them); SA counters,
 * drop counters by reason (show asp drop) and port counters are kept. */
int fp_cli_cmd_clear_flow_offload_ipsec(struct fp_cli_req *r)
{
	fp_cli_pipes_clear(r->gw, false, false);
	return 0;
}

int fp_cli_cmd_show_counters(struct fp_cli_req *r)
{
	fp_show_counters(r->gw, r->out);
	return 0;
}

int fp_cli_cmd_clear_counters(struct fp_cli_req *r)
{
	fp_clear_counters(r->gw);
	return 0;
}

int fp_cli_cmd_show_npu_accel(struct fp_cli_req *r)
{
	fp_show_npu_accel(r->gw, r->out);
	return 0;
}

int fp_cli_cmd_show_crypto_accel(struct fp_cli_req *r)
{
	fp_show_crypto_accel(r->gw, r->out);
	return 0;
}

int fp_cli_cmd_show_tech(struct fp_cli_req *r)
{
	fp_show_tech(r->gw, r->out);
	return 0;
}
