/* Switching flow offload on or off at run time moves each tunnel's SA pair
 * between an engine pipe and the slow path's software pipe, keeping its
 * sequence numbers, replay window and counters, so the peer sees nothing.
 * Every table is written by the thread that owns it: the slow path for the
 * software pipe, a worker for its engine pipe (fp_rt_on_workers). A move
 * goes in three rounds over all moving tunnels at once: install the new
 * pair (not yet used), then on the old pipe's thread take the state and
 * delete the old pair in one step, then give the state to the new pair, and
 * only then point the tunnel at it. No sequence number is sent twice. A
 * packet caught in between is not dropped: outbound, its pipe no longer has
 * the SA and sends it back to the policy (fp_gw_outb_punted); inbound, the
 * new pipe holds its SA's packets from the install to the import (in
 * order, FP_PIPE_HOLD at most), the slow path first runs what was punted
 * before it gives an SA up, and a packet still punted after that is handed
 * to the pipe that owns the SA now. So no packet is decrypted against an
 * empty window, and none overtakes an older one by more than the window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/child.h"
#include "datapath/gateway.h"

enum move_phase { MOVE_INSTALL, MOVE_TAKE, MOVE_IMPORT, MOVE_UNDO };

struct move {
	struct fp_gw_tunnel *t;
	uint32_t child;                   /* the pair's handle in the child table */
	struct fp_pipe *from, *to;
	uint32_t old_in, old_out;
	struct fp_sa_params in, out;      /* keyed: zeroized when done */
	struct fp_sa_state st_in, st_out;
	uint32_t new_in, new_out;
	int failed;
	int installed;                    /* the new pair is in m->to */
	int taken;                        /* the old pair is gone */
};

struct moves {
	struct fp_gw *gw;
	struct move *m;
	unsigned n;
	enum move_phase phase;
	bool hold;                        /* the new pairs wait for the old ones' state */
};

static void move_install(struct move *m, bool hold)
{
	const char *why;
	m->in.held = hold;
	if (fp_child_sa_install(m->to, &m->in, &m->new_in, &why) < 0) {
		m->failed = 1;
		return;
	}
	if (fp_child_sa_install(m->to, &m->out, &m->new_out, &why) < 0) {
		fp_child_sa_remove(m->to, m->new_in);
		m->failed = 1;
		return;
	}
	m->installed = 1;
}

/* The old pair stops in the same breath as its state is taken, so no
 * sequence number is ever sent twice; until the tunnel points at the new
 * pair its packets are dropped (NO_SA, a window of one round). */
static void move_take(struct move *m, struct fp_pipe *pp)
{
	if (fp_sa_export(pp->db, m->old_in, &m->st_in) < 0 ||
	    fp_sa_export(pp->db, m->old_out, &m->st_out) < 0) {
		m->failed = 1;
		return;
	}
	fp_child_sa_remove(pp, m->old_in);
	fp_child_sa_remove(pp, m->old_out);
	m->taken = 1;
}

/* A move that failed after its new pair was installed: that pair goes
 * (and with it what the new pipe held, classified again and punted). */
static void move_undo(struct move *m, struct fp_pipe *pp)
{
	fp_child_sa_remove(pp, m->new_in);
	fp_child_sa_remove(pp, m->new_out);
	m->installed = 0;
}

/* The pipe a phase of a move happens on, and whether it has anything to
 * do there: a failed move only undoes an install. */
static const struct fp_pipe *move_pipe(const struct move *m, enum move_phase ph)
{
	return ph == MOVE_TAKE ? m->from : m->to;
}

static bool move_acts(const struct move *m, enum move_phase ph)
{
	return ph == MOVE_UNDO ? m->failed && m->installed : !m->failed;
}

/* One phase of one move, if pp is the pipe it happens on. */
static void move_step(struct move *m, struct fp_pipe *pp, enum move_phase ph, bool hold)
{
	if (pp != move_pipe(m, ph) || !move_acts(m, ph))
		return;
	switch (ph) {
	case MOVE_INSTALL:
		move_install(m, hold);
		break;
	case MOVE_TAKE:
		move_take(m, pp);
		break;
	case MOVE_IMPORT:
		fp_sa_import(pp->db, m->new_in, &m->st_in);
		fp_sa_import(pp->db, m->new_out, &m->st_out);
		break;
	case MOVE_UNDO:
		move_undo(m, pp);
		break;
	}
}

static void moves_on_pipe(struct fp_pipe *pp, void *arg)
{
	struct moves *mv = arg;
	for (unsigned i = 0; i < mv->n; i++)
		move_step(&mv->m[i], pp, mv->phase, mv->hold);
}

/* Does the phase have work on an engine pipe? A round over the workers
 * costs each of them a turn, and the new pipes hold packets meanwhile. */
static bool moves_need_workers(const struct moves *mv, enum move_phase ph)
{
	for (unsigned i = 0; i < mv->n; i++)
		if (move_acts(&mv->m[i], ph) && !move_pipe(&mv->m[i], ph)->software)
			return true;
	return false;
}

/* Run a phase everywhere: here for the software pipe, on the workers'
 * threads for engine pipes (or here, offline). Before the software pipe
 * gives its SAs up, the slow path runs what was punted to it until now
 * (their new pipes hold what comes after); before the engine pipes give
 * theirs up, so that nothing punted is sent back to the policy while the
 * tunnels still point at their old pipes. It runs the backlog once before
 * the install too: the new pipes hold from the install to the import, and
 * that backlog (a few thousand packets at full rate) would overflow them. */
static void moves_phase(struct moves *mv, enum move_phase ph)
{
	struct fp_gw *gw = mv->gw;
	mv->phase = ph;
	if ((ph == MOVE_TAKE || ph == MOVE_INSTALL) && gw->slow_drain)
		gw->slow_drain(gw);
	if (moves_need_workers(mv, ph))
		fp_gw_on_every_pipe(gw, moves_on_pipe, mv);
	else
		moves_on_pipe(&gw->soft, mv);
}

/* Manual-key tunnels to move; with all, every one, to where it is now
 * (clear ipsec sa installs them again from the configuration). */
static unsigned plan_manual(struct fp_gw *gw, struct move *m, bool all)
{
	unsigned n = 0;
	for (unsigned i = 0; i < fp_gw_manual_tunnels(gw); i++) {
		struct fp_gw_tunnel *t = &gw->tunnels[i];
		struct fp_pipe *home = all ? t->pipe : fp_gw_tunnel_home(gw, t);
		if (home == t->pipe && !all)
			continue;
		memset(&m[n], 0, sizeof(m[n]));
		m[n].t = t;
		m[n].child = t->child;
		m[n].from = t->pipe;
		m[n].to = home;
		m[n].old_in = t->sa_in;
		m[n].old_out = t->sa_out;
		fp_gw_tunnel_keyed(gw, t, &m[n].in, &m[n].out);
		n++;
	}
	return n;
}

/* Negotiated children (IKEv2) whose home changed, with the keys their
 * records keep (the engine holds only key schedules). Every installed
 * child of a tunnel moves, the one a rekey is replacing and the one
 * waiting for its outbound turn too, so each SPI stays on the pipe it
 * maps to. */
static unsigned plan_negotiated(struct fp_gw *gw, struct move *m, unsigned room)
{
	unsigned n = 0;
	struct fp_child_loc loc;
	for (uint32_t h = 0; h < FP_CHILD_MAX && n < room; h++) {
		struct move *mv = &m[n];
		memset(mv, 0, sizeof(*mv));
		if (!fp_child_keyed(gw, h, &mv->in, &mv->out, &loc))
			continue;
		mv->to = fp_child_home(gw, &mv->in, &mv->out);
		if (mv->to == loc.cl_pipe) {
			fp_crypto_cleanse(mv, sizeof(*mv));
			continue;
		}
		mv->t = &gw->tunnels[loc.cl_tunnel];
		mv->child = h;
		mv->from = loc.cl_pipe;
		mv->old_in = loc.cl_sa_in;
		mv->old_out = loc.cl_sa_out;
		n++;
	}
	return n;
}

static unsigned moves_switch(struct moves *mv)
{
	unsigned failed = 0;
	for (unsigned i = 0; i < mv->n; i++) {
		struct move *m = &mv->m[i];
		if (m->failed) {
			failed++;
			continue;
		}
		fp_child_place(mv->gw, m->child, m->to, m->new_in, m->new_out);
	}
	return failed;
}

/* Room for every move: each manual tunnel, each installed child. */
static size_t moves_room(const struct fp_gw *gw)
{
	return fp_gw_manual_tunnels(gw) + FP_CHILD_MAX;
}

int fp_gw_reoffload(struct fp_gw *gw, char *err, size_t errlen)
{
	struct moves mv = {.gw = gw, .hold = true};
	size_t room = moves_room(gw);
	mv.m = calloc(room, sizeof(*mv.m));
	if (!mv.m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	mv.n = plan_manual(gw, mv.m, false);
	mv.n += plan_negotiated(gw, mv.m + mv.n, (unsigned)(room - mv.n));
	moves_phase(&mv, MOVE_INSTALL);
	moves_phase(&mv, MOVE_TAKE);
	moves_phase(&mv, MOVE_IMPORT);
	unsigned failed = moves_switch(&mv);
	if (failed)
		moves_phase(&mv, MOVE_UNDO);
	fp_gw_policy_changed(gw); /* cached flows point at tunnels that moved */
	fp_crypto_cleanse(mv.m, sizeof(*mv.m) * room);
	free(mv.m);
	if (failed)
		snprintf(err, errlen, "%u SA pair(s) could not move and stay where they were", failed);
	return failed ? -1 : 0;
}

/* What clear ipsec sa keeps of a pair: the keys are the same (manual
 * keys, the configuration's), so the sequence number must go on (an AEAD
 * nonce is the sequence number: starting over would reuse nonces under the
 * key) and the window too (a recorded packet would be accepted again);
 * the key's lifetime use goes on with it. Counters start over. */
static void clear_keep(struct move *m)
{
	struct fp_sa_state *st[2] = {&m->st_in, &m->st_out};
	for (int i = 0; i < 2; i++) {
		st[i]->pkts = st[i]->bytes = st[i]->outer_bytes = 0;
		st[i]->tfc = st[i]->reasm = st[i]->soft_pkts = st[i]->last_used_ns = 0;
		memset(st[i]->drops, 0, sizeof(st[i]->drops));
	}
	/* from the install on, not only from the import: the new SA may get
	 * the old one's slot, which the tunnel's route still names */
	m->out.seq = m->st_out.seq;
	m->out.seq_limit = m->st_out.seq_limit;
}

/* A pair taken but not installed again: the tunnel has no SA now, and says
 * so, rather than naming slots another tunnel's SAs may get. */
static void clear_lost(struct fp_gw *gw, struct move *m)
{
	if (m->failed && m->taken)
		fp_child_place(gw, m->child, &gw->soft, FP_SA_NONE, FP_SA_NONE);
}

/* clear ipsec sa: every pair deleted and installed again from the
 * configuration, with its sequence numbers and replay window (same keys)
 * and zeroed counters; its new inbound SA holds packets until then. */
int fp_gw_clear_sas(struct fp_gw *gw, char *err, size_t errlen)
{
	struct moves mv = {.gw = gw, .hold = true};
	size_t bytes = sizeof(*mv.m) * (gw->n_tunnels ? gw->n_tunnels : 1);
	mv.m = calloc(1, bytes);
	if (!mv.m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	mv.n = plan_manual(gw, mv.m, true);
	moves_phase(&mv, MOVE_TAKE); /* the SPIs must be free before they are installed again */
	for (unsigned i = 0; i < mv.n; i++)
		if (mv.m[i].taken)
			clear_keep(&mv.m[i]);
	moves_phase(&mv, MOVE_INSTALL);
	moves_phase(&mv, MOVE_IMPORT);
	unsigned failed = moves_switch(&mv);
	for (unsigned i = 0; i < mv.n; i++)
		clear_lost(gw, &mv.m[i]);
	fp_gw_policy_changed(gw);
	gw->st.previous_tunnels += mv.n - failed;
	for (unsigned i = 0; i < gw->n_tunnels; i++) /* new pairs: new counters */
		memset(&gw->tunnels[i].frag, 0, sizeof(gw->tunnels[i].frag));
	fp_crypto_cleanse(mv.m, bytes);
	free(mv.m);
	if (failed)
		snprintf(err, errlen, "%u tunnel(s) could not be installed again", failed);
	return failed ? -1 : 0;
}

int fp_gw_offload_changed(struct fp_gw *gw, char *err, size_t errlen)
{
	return fp_gw_reoffload(gw, err, errlen);
}
