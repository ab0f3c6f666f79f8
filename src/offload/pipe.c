#include "pipe.h"

#include <stdlib.h>
#include <string.h>

#include "offload/dtls.h"
#include "offload/sadb.h"

int fp_pipe_init(struct fp_pipe *pp, unsigned id, bool software, uint32_t max_sa,
		 enum fp_crypto_backend be)
{
	memset(pp, 0, sizeof(*pp));
	pp->id = id;
	pp->software = software;
	pp->encap_ports[0] = FP_NATT_PORT;
	pp->db = fp_sadb_new(max_sa, be);
	pp->dtls = fp_dtlsdb_new(FP_PIPE_DTLS_MAX, be);
	pp->ct = fp_crypto_thread_new();
	pp->scr = aligned_alloc(64, sizeof(*pp->scr));
	pp->hold = calloc(FP_PIPE_HOLD, sizeof(*pp->hold));
	if (!pp->db || !pp->dtls || !pp->ct || !pp->scr || !pp->hold) {
		fp_pipe_fini(pp);
		return -1;
	}
	memset(pp->scr, 0, sizeof(*pp->scr));
	return 0;
}

void fp_pipe_fini(struct fp_pipe *pp)
{
	fp_sadb_free(pp->db);
	fp_dtlsdb_free(pp->dtls);
	fp_crypto_thread_free(pp->ct);
	if (pp->scr)
		fp_crypto_cleanse(pp->scr, sizeof(*pp->scr));
	free(pp->scr);
	free(pp->hold); /* held packets belong to the pool, which goes with the gateway */
	memset(pp, 0, sizeof(*pp));
}

void fp_pipe_stats_clear(struct fp_pipe *pp)
{
	memset(&pp->st, 0, sizeof(pp->st));
}

int fp_pipe_encap_port_add(struct fp_pipe *pp, uint16_t port)
{
	for (unsigned i = 0; i < FP_PIPE_ENCAP_PORTS; i++) {
		if (pp->encap_ports[i] == port)
			return 0;
		if (pp->encap_ports[i] == 0) {
			pp->encap_ports[i] = port;
			return 0;
		}
	}
	return -1;
}

void fp_pipe_drop(struct fp_pipe *pp, struct fp_sa *sa, struct fp_pkt *p, enum fp_drop why)
{
	p->drop = (uint16_t)why;
	pp->st.drops[why]++;
	pp->st.drop_pkts++;
	/* the engine's own failures, not the packet's: show flow-offload info's
	 * "Error Packet count" */
	if (why == FP_DROP_CRYPTO_ERROR || why == FP_DROP_TOO_BIG)
		pp->st.err_pkts++;
	if (sa)
		sa->sa_cnt.drops[why]++;
}

void fp_pipe_punt(struct fp_pipe *pp, struct fp_pkt *p, enum fp_drop why)
{
	p->drop = (uint16_t)why;
	p->flags |= FP_PKT_F_PUNT;
	pp->st.punts++;
}

void fp_pipe_hold(struct fp_pipe *pp, struct fp_sa *sa, struct fp_pkt *p)
{
	if (pp->n_hold == FP_PIPE_HOLD) {
		fp_pipe_drop(pp, sa, p, FP_DROP_SA_MOVING);
		return;
	}
	p->drop = FP_DROP_SA_MOVING; /* not counted: kept, not dropped */
	p->flags |= FP_PKT_F_TAKEN;
	pp->hold[pp->n_hold++] = p;
	pp->st.held++;
}

uint16_t fp_pipe_unhold(struct fp_pipe *pp, struct fp_pkt **out, uint16_t max)
{
	if (fp_sadb_held(pp->db) || fp_dtlsdb_held(pp->dtls))
		return 0;
	uint16_t n = pp->n_hold < max ? pp->n_hold : max;
	memcpy(out, pp->hold, n * sizeof(*out));
	memmove(pp->hold, pp->hold + n, (size_t)(pp->n_hold - n) * sizeof(*out));
	pp->n_hold = (uint16_t)(pp->n_hold - n);
	for (uint16_t i = 0; i < n; i++) {
		out[i]->flags &= ~FP_PKT_F_TAKEN;
		out[i]->drop = FP_DROP_NONE;
	}
	return n;
}

uint16_t fp_vec_partition(struct fp_pipe *pp, struct fp_pkt **pkts, uint16_t n)
{
	struct fp_pkt **bad = pp->scr->tmp;
	uint16_t good = 0, nbad = 0;
	for (uint16_t i = 0; i < n; i++) {
		if (pkts[i]->drop == FP_DROP_NONE)
			pkts[good++] = pkts[i];
		else
			bad[nbad++] = pkts[i];
	}
	memcpy(pkts + good, bad, nbad * sizeof(*bad));
	return good;
}
