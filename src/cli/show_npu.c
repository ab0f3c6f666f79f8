/* show npu-accel statistics: the FXOS view of the offload hardware. The
 * "ilk" (interlaken) lines are the rings between the worker threads (a
 * packet read by one worker for another pipe's tunnel crosses one), the
 * per-pipe "nvppu" lines each engine pipe's IPsec counters. Offline there
 * are no rings: their lines read 0. DTLS lines are left out (no DTLS yet). */
#include "cli/cli_impl.h"

#include <inttypes.h>

#include "datapath/runtime.h"
#include "offload/capture.h"

_Static_assert(FP_CAPTURE_MAX_THREADS > FP_RT_MAX_WORKERS,
	       "capture thread ids: every worker plus the slow path");

struct npu_ilk {
	uint64_t tx_good, rx_good, tx_taildrop;
};

/* Sums over the workers; a punt ring that was full counts as a tail drop
 * too (the packet never reached the slow path). */
static void npu_ilk_sum(const struct fp_gw *gw, struct npu_ilk *s)
{
	const struct fp_runtime *rt = gw->rt;
	*s = (struct npu_ilk){ 0 };
	for (unsigned i = 0; rt && i < rt->n_workers; i++) {
		s->tx_good += rt->w[i].ilk.tx_good;
		s->rx_good += rt->w[i].ilk.rx_good;
		s->tx_taildrop += rt->w[i].ilk.tx_taildrop + rt->w[i].punt_taildrop;
	}
}

static void npu_line(FILE *out, const char *name, uint64_t v)
{
	fprintf(out, "%s = %" PRIu64 "\n", name, v);
}

/* Rings cannot corrupt a packet or lose half of one: the error, FIFO
 * parity and segment counters are constants (errors 0; one segment, SOP
 * and EOP, per packet received). */
static void npu_ilk(const struct fp_gw *gw, FILE *out)
{
	struct npu_ilk s;
	npu_ilk_sum(gw, &s);
	npu_line(out, "ilk_tx_good_pkt_cnt", s.tx_good);
	npu_line(out, "ilk_rx_good_pkt_cnt", s.rx_good);
	npu_line(out, "ilk_tx_err_pkt_cnt", 0);
	npu_line(out, "ilk_tx_taildrop_pkt_cnt", s.tx_taildrop);
	npu_line(out, "ilk_tx_fifo_sbit_err_cnt", 0);
	npu_line(out, "ilk_tx_fifo_dbit_err_cnt", 0);
	npu_line(out, "ilk_rx_fifo_sbit_err_cnt", 0);
	npu_line(out, "ilk_rx_fifo_dbit_err_cnt", 0);
	npu_line(out, "ilk_rx_err_pkt_cnt", 0);
	npu_line(out, "ilk_rx_seg_sop_cnt", s.rx_good);
	npu_line(out, "ilk_rx_seg_eop_cnt", s.rx_good);
}

static void npu_pipe(const struct fp_pipe *pp, FILE *out)
{
	const struct fp_pipe_stats *s = &pp->st;
	fprintf(out, "\nmodule: nvppu, pipe: %u\n", pp->id);
	npu_line(out, "nvppu_ipsec_in_pkt_count", s->in_pkts);
	npu_line(out, "nvppu_ipsec_in_byte_count", s->in_bytes);
	npu_line(out, "nvppu_ipsec_in_decrypt_pkt_count", s->in_decrypt_pkts);
	npu_line(out, "nvppu_ipsec_in_decrypt_byte_count", s->in_decrypt_bytes);
	npu_line(out, "nvppu_ipsec_in_hash_pkt_count", s->in_hash_pkts);
	npu_line(out, "nvppu_ipsec_in_hash_byte_count", s->in_hash_bytes);
	npu_line(out, "nvppu_ipsec_out_pkt_count", s->out_pkts);
	npu_line(out, "nvppu_ipsec_out_byte_count", s->out_bytes);
	npu_line(out, "nvppu_ipsec_out_encrypt_pkt_count", s->out_encrypt_pkts);
	npu_line(out, "nvppu_ipsec_out_encrypt_byte_count", s->out_encrypt_bytes);
	npu_line(out, "nvppu_ipsec_out_hash_pkt_count", s->out_hash_pkts);
	npu_line(out, "nvppu_ipsec_out_hash_byte_count", s->out_hash_bytes);
	npu_line(out, "nvppu_ipsec_drop_pkt_count", s->drop_pkts);
	npu_line(out, "nvppu_filtering_total_cnt", s->filtering_total);
	npu_line(out, "nvppu_tfc_drop_cnt", s->drops[FP_DROP_TFC_DUMMY]);
	npu_line(out, "nvppu_filtering_drop_cnt", s->filtering_drop);
	npu_line(out, "nvppu_anti_drop_cnt", s->anti_replay_drop);
}

void fp_show_npu_accel(const struct fp_gw *gw, FILE *out)
{
	npu_ilk(gw, out);
	for (unsigned i = 0; i < gw->n_pipes; i++)
		npu_pipe(&gw->pipes[i], out);
}
