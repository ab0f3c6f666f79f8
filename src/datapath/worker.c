/* A worker thread: one engine pipe, its ports, its rings. Each turn of the
 * loop runs a posted call from the slow path (rule changes happen here, on
 * the owning thread), takes what other threads handed over, reads its
 * ports, sends, and counts one quiescent state. */
#include <errno.h>
#include <stdio.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "datapath/thread_io.h"

#define WORKER_IDLE_MS 50
#define WORKER_DENSE_NS 1000000u /* busy turns closer than this: a stream, worth waiting for */

static void worker_call(struct fp_worker *w)
{
	if (atomic_load_explicit(&w->call_state, memory_order_acquire) != 1)
		return;
	w->call_fn(w, w->call_arg);
	atomic_store_explicit(&w->call_state, 2, memory_order_release);
}

static unsigned worker_rings(struct fp_worker *w, struct fp_rt_ctx *c)
{
	void *objs[FP_RT_BURST];
	unsigned total = 0;
	for (unsigned r = 0; r <= w->rt->n_workers; r++) {
		unsigned n = fp_ring_dequeue(&w->in[r], objs, FP_RT_BURST);
		if (!n)
			continue;
		w->ilk.rx_good += n;
		fp_rt_rx_handoff(c, (struct fp_pkt **)objs, n);
		total += n;
	}
	return total;
}

static void worker_drain_wake(struct fp_worker *w)
{
	uint64_t v;
	while (read(w->io.wakefd, &v, sizeof(v)) > 0)
		;
}

/* Interrupt moderation, as a NIC's adaptive rx-usecs: while packets
 * come as a stream (this turn and the last busy one less than
 * WORKER_DENSE_NS apart), a turn that found work but not a full vector is
 * followed by a wait, and what arrives meanwhile is read in one go: one
 * recvmmsg, one GRO write into the TUN and one wake-up serve several
 * packets where a client sending one record at a time would cost all
 * three per packet. Sparse traffic (a ping, its answer) is never held. */
static void worker_coalesce(struct fp_worker *w, uint64_t *last_busy_ns, unsigned busy)
{
	if (!w->rx_coalesce_us || !busy)
		return;
	uint64_t now = fp_gw_clock();
	bool dense = now - *last_busy_ns < WORKER_DENSE_NS;
	*last_busy_ns = now;
	if (!dense || busy >= FP_RT_BURST)
		return;
	struct timespec ts = {0, (long)w->rx_coalesce_us * 1000};
	nanosleep(&ts, NULL);
}

static void *worker_main(void *arg)
{
	struct fp_worker *w = arg;
	static __thread struct fp_rt_ctx ctx;
	struct epoll_event ev[16];
	unsigned busy = 0;
	uint64_t last_busy_ns = 0;

	fp_rt_ctx_init(&ctx, w->rt, &w->io, w, w->pipe);
	if (w->rx_coalesce_us) /* the default 50 us slack would double a short wait */
		prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	while (!atomic_load_explicit(&w->stop, memory_order_acquire)) {
		/* sleep only when a turn found nothing to do (busy: a look
		 * without sleeping); either way only what epoll reports is read
		 * (bench-ra: 10-25% less CPU a packet than reading every port
		 * each turn) */
		int n = epoll_wait(w->io.epfd, ev, 16, busy ? 0 : WORKER_IDLE_MS);
		if (n < 0 && errno != EINTR)
			break;
		uint32_t ready = 0;
		bool woken = false;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u32 == UINT32_MAX)
				woken = true;
			else
				ready |= 1u << ev[i].data.u32;
		}
		if (woken)
			worker_drain_wake(w);
		worker_call(w);
		if (w->pipe->n_hold) /* older than anything the rings or ports have */
			fp_rt_rx_held(&ctx);
		busy = worker_rings(w, &ctx);
		busy += fp_rt_rx_ready(&ctx, ready);
		fp_rt_flush(&ctx);
		atomic_fetch_add_explicit(&w->loops, 1, memory_order_release);
		worker_coalesce(w, &last_busy_ns, busy);
	}
	return NULL;
}

int fp_rt_worker_start(struct fp_worker *w, bool pin)
{
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return -1;
	char name[16];
	snprintf(name, sizeof(name), "fpvpn-pipe%u", w->id);
	pthread_setname_np(w->thread, name);
	if (pin) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(w->id % (unsigned)CPU_SETSIZE, &set);
		pthread_setaffinity_np(w->thread, sizeof(set), &set);
	}
	return 0;
}

void fp_rt_worker_stop(struct fp_worker *w)
{
	atomic_store_explicit(&w->stop, true, memory_order_release);
	fp_thread_io_wake(&w->io);
	pthread_join(w->thread, NULL);
}

struct pipe_call {
	void (*fn)(struct fp_pipe *pp, void *arg);
	void *arg;
};

static void pipe_call_run(struct fp_worker *w, void *arg)
{
	struct pipe_call *pc = arg;
	pc->fn(w->pipe, pc->arg);
}

/* gw->on_pipes of the live gateway: each engine pipe's own thread runs fn. */
void fp_rt_on_pipes(struct fp_gw *gw, void (*fn)(struct fp_pipe *pp, void *arg), void *arg)
{
	struct pipe_call pc = {.fn = fn, .arg = arg};
	fp_rt_on_workers(gw->rt, pipe_call_run, &pc);
}

int fp_rt_on_workers(struct fp_runtime *rt, void (*fn)(struct fp_worker *w, void *arg), void *arg)
{
	for (unsigned i = 0; i < rt->n_workers; i++) {
		struct fp_worker *w = &rt->w[i];
		w->call_fn = fn;
		w->call_arg = arg;
		atomic_store_explicit(&w->call_state, 1, memory_order_release);
		fp_thread_io_wake(&w->io);
	}
	for (unsigned i = 0; i < rt->n_workers; i++) {
		struct fp_worker *w = &rt->w[i];
		while (atomic_load_explicit(&w->call_state, memory_order_acquire) != 2)
			sched_yield();
		atomic_store_explicit(&w->call_state, 0, memory_order_relaxed);
	}
	return 0;
}
