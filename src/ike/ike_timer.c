/* Per-SA deadlines, checked from fp_ike_tick (at least every 100 ms): the
 * retransmission of our request in flight and the half-open SA that never
 * got its IKE_AUTH. A walk over the SAs per tick is enough at the numbers
 * slices 1-2 run; the min-heap of docs/ike.md comes with DPD and rekeys. */
#include "ike/ike_sa.h"

static void timer_sa(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns)
{
	if (s->s_state == FP_IKE_S_DEAD)
		return;
	if (!fp_ike_msgid_tick(ike, s, now_ns)) {
		fp_ike_sa_delete(ike, s, "retransmit limit reached");
		return;
	}
	if (s->s_expire_ns && now_ns >= s->s_expire_ns)
		fp_ike_sa_delete(ike, s, "Failed to receive the AUTH msg before the timer expired");
}

void fp_ike_timer_run(struct fp_ike *ike, uint64_t now_ns)
{
	for (unsigned i = 0; i < ike->n_sas; i++)
		timer_sa(ike, ike->sas[i], now_ns);
	fp_ike_sa_reap(ike);
}
