/* Per-SA deadlines, checked from fp_ike_tick (at least every 100 ms): the
 * retransmission of our request in flight, the half-open SA that never
 * got its IKE_AUTH, children's soft (rekey) and hard (delete) lifetimes,
 * the replaced child whose DELETE never completed, the IKE SA's own
 * lifetime, and DPD. With a window of 1, what an SA wants to send waits
 * until its request in flight is answered (fp_ike_timer_next). A walk
 * over the SAs per tick is enough at the numbers fpvpnd runs. */
#include "ike/ike_sa.h"

void fp_ike_timer_next(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns)
{
	if (s->s_mid.mi_req || (s->s_state != FP_IKE_S_READY && s->s_state != FP_IKE_S_DELETING))
		return;
	if (fp_ike_info_next(ike, s, now_ns) || s->s_state != FP_IKE_S_READY)
		return;
	if (s->s_rekey_ns && now_ns >= s->s_rekey_ns && fp_ike_rekey_start(ike, s, now_ns))
		return;
	if (fp_ike_child_next(ike, s, now_ns))
		return;
	fp_ike_info_dpd(ike, s, now_ns);
}

static void timer_children(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns)
{
	for (unsigned i = 0; i < FP_IKE_MAX_CHILDREN; i++) {
		struct fp_ike_childrec *c = &s->s_ch[i];
		if (c->c_state == FP_IKE_CH_OLD && now_ns >= c->c_down_ns)
			fp_ike_child_drop(ike, s, i, "rekeyed");
		else if (c->c_state == FP_IKE_CH_ACTIVE && c->c_expire_ns && now_ns >= c->c_expire_ns)
			fp_ike_info_delete_child(ike, s, i, "lifetime expired");
	}
}

static void timer_sa(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns)
{
	if (s->s_state == FP_IKE_S_DEAD)
		return;
	if (!fp_ike_msgid_tick(ike, s, now_ns)) {
		bool dpd = s->s_pend.p_kind == FP_IKE_P_DPD;
		ike->stats.dpd_dead += dpd;
		fp_ike_sa_delete(ike, s, dpd ? "DPD: peer not responding" : "retransmit limit reached");
		return;
	}
	if (s->s_expire_ns && now_ns >= s->s_expire_ns) {
		fp_ike_sa_delete(ike, s, "Failed to receive the AUTH msg before the timer expired");
		return;
	}
	if (s->s_hard_ns && now_ns >= s->s_hard_ns) {
		fp_ike_sa_delete(ike, s, "lifetime expired");
		return;
	}
	fp_ike_frag_tick(ike, s, now_ns);
	timer_children(ike, s, now_ns);
	fp_ike_natt_keepalive(ike, s, now_ns);
	fp_ike_timer_next(ike, s, now_ns);
}

void fp_ike_timer_run(struct fp_ike *ike, uint64_t now_ns)
{
	for (unsigned i = 0; i < ike->n_sas; i++)
		timer_sa(ike, ike->sas[i], now_ns);
	fp_ike_sa_reap(ike);
}
