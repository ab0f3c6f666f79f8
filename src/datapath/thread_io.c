/* A gateway thread's ports: bursts in, the gateway, bursts out. */
#include "thread_io.h"

#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/inet.h"
#include "datapath/dtls_session.h"
#include "offload/capture.h"

int fp_thread_io_init(struct fp_thread_io *tio)
{
	memset(tio, 0, sizeof(*tio));
	tio->epfd = epoll_create1(EPOLL_CLOEXEC);
	tio->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (tio->epfd < 0 || tio->wakefd < 0)
		return -1;
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
	return epoll_ctl(tio->epfd, EPOLL_CTL_ADD, tio->wakefd, &ev);
}

void fp_thread_io_fini(struct fp_thread_io *tio)
{
	for (unsigned i = 0; i < tio->n_ports; i++)
		fp_port_close(tio->ports[i].port);
	if (tio->epfd >= 0)
		close(tio->epfd);
	if (tio->wakefd >= 0)
		close(tio->wakefd);
	tio->n_ports = 0;
	tio->epfd = tio->wakefd = -1;
}

int fp_thread_io_add(struct fp_thread_io *tio, const struct fp_rt_port *p)
{
	if (tio->n_ports >= FP_RT_MAX_PORTS)
		return -1;
	tio->ports[tio->n_ports] = *p;
	if (p->rx) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tio->n_ports};
		if (epoll_ctl(tio->epfd, EPOLL_CTL_ADD, fp_port_fd(p->port), &ev) < 0)
			return -1;
	}
	tio->n_ports++;
	return 0;
}

void fp_thread_io_wake(struct fp_thread_io *tio)
{
	uint64_t one = 1;
	if (write(tio->wakefd, &one, sizeof(one)) < 0) {
		/* the counter is saturated: the thread is awake anyway */
	}
}

/* The port a packet leaves by: the interface's TUN queue, or the UDP socket
 * bound to the packet's source port, or the raw ESP socket of its family. */
static int tx_port(const struct fp_thread_io *tio, uint16_t ifc, const struct fp_pkt *p)
{
	bool v4 = (p->data[0] >> 4) == 4;
	uint32_t hl = v4 ? (uint32_t)(p->data[0] & 0x0f) * 4 : FP_IPV6_HLEN;
	uint8_t proto = v4 ? p->data[9] : p->data[6];
	uint8_t af = v4 ? FP_AF_INET : FP_AF_INET6;
	uint16_t sport = proto == FP_IPPROTO_UDP && p->len >= hl + 2 ? fp_get16(p->data + hl) : 0;
	for (unsigned i = 0; i < tio->n_ports; i++) {
		const struct fp_rt_port *rp = &tio->ports[i];
		if (rp->ifc != ifc)
			continue;
		if (rp->inside)
			return (int)i;
		if (rp->af != af)
			continue;
		enum fp_port_kind k = fp_port_kind(rp->port);
		if ((k == FP_PORT_UDP && proto == FP_IPPROTO_UDP && rp->udp_port == sport) ||
		    (k == FP_PORT_ESP && proto == FP_IPPROTO_ESP))
			return (int)i;
	}
	return -1;
}

static void txq_flush(struct fp_rt_ctx *c, unsigned i)
{
	struct fp_thread_io *tio = c->tio;
	struct fp_txq *q = &tio->txq[i];
	for (unsigned at = 0; at < q->n; at += FP_VEC_MAX) { /* a port sends FP_VEC_MAX at most */
		unsigned n = q->n - at < FP_VEC_MAX ? q->n - at : FP_VEC_MAX;
		fp_capture_point(c->rt->gw->caps, FP_CAP_SWITCH, c->from, tio->ports[i].ifc, q->p + at,
				 n, fp_gw_clock());
		unsigned sent = fp_port_tx(tio->ports[i].port, &tio->cache, q->p + at, n);
		/* refused by the kernel (EMSGSIZE past the MTU, a full queue): said in show asp drop */
		if (sent < n)
			__atomic_fetch_add(&c->rt->gw->st.drops[FP_DROP_TX_FAILED], n - sent,
					   __ATOMIC_RELAXED);
	}
	q->n = 0;
}

static void rt_emit(void *ctx, uint16_t ifc, struct fp_pkt *p)
{
	struct fp_rt_ctx *c = ctx;
	int i = tx_port(c->tio, ifc, p);
	if (i < 0) {
		__atomic_fetch_add(&c->rt->gw->st.drops[FP_DROP_NO_ROUTE], 1, __ATOMIC_RELAXED);
		return; /* not taken: released with the dropped ones */
	}
	struct fp_txq *q = &c->tio->txq[i];
	if (q->n == FP_RT_TXQ) { /* one burst made more than half a queue: never sent */
		__atomic_fetch_add(&c->rt->gw->st.drops[FP_DROP_TX_FAILED], 1, __ATOMIC_RELAXED);
		return;
	}
	p->flags |= FP_PKT_F_TAKEN;
	q->p[q->n++] = p;
}

/* Tail drops between threads, in show asp drop beside the ring counters
 * of show npu-accel statistics: in the counters of the pipe this thread
 * runs (the slow path's is the software pipe), so no line is shared. */
static void rt_tail_drop(struct fp_rt_ctx *c, enum fp_drop why, unsigned n)
{
	struct fp_pipe *pp = c->w ? c->w->pipe : &c->rt->gw->soft;
	pp->st.drops[why] += n;
}

/* Only after the burst was released: see struct fp_rt_ctx. */
static void stage_flush(struct fp_rt_ctx *c, unsigned to)
{
	unsigned n = c->n_stage[to];
	if (!n) /* a rig without workers has no rings to point into */
		return;
	struct fp_worker *dst = &c->rt->w[to];
	struct fp_ring *r = &dst->in[c->from];
	unsigned ok = fp_ring_enqueue(r, (void *const *)c->stage[to], n);
	if (c->w) {
		c->w->ilk.tx_good += ok;
		c->w->ilk.tx_taildrop += n - ok;
	}
	rt_tail_drop(c, FP_DROP_HANDOFF_FULL, n - ok);
	fp_pkt_free(&c->tio->cache, c->stage[to] + ok, n - ok);
	c->n_stage[to] = 0;
	fp_thread_io_wake(&dst->io);
}

static void rt_handoff(void *ctx, struct fp_pipe *to, struct fp_pkt *p)
{
	struct fp_rt_ctx *c = ctx;
	unsigned id = to->id;
	if (c->n_stage[id] == FP_RT_STAGE) {
		if (c->w)
			c->w->ilk.tx_taildrop++;
		rt_tail_drop(c, FP_DROP_HANDOFF_FULL, 1);
		return; /* not taken: released with the dropped ones */
	}
	p->flags |= FP_PKT_F_TAKEN;
	c->stage[id][c->n_stage[id]++] = p;
}

/* DTLS datagrams punted as they came, unauthenticated (a new client's
 * ClientHello, or a flood of them from anywhere; handshake, other-epoch or
 * multi-record datagrams on a client's address and port, which anyone who
 * saw it can send), may fill half the punt ring at most: the other half
 * stays for what a rule opened and verified (DPD and the other control
 * frames, alerts), which a flood would otherwise crowd out whenever the
 * slow path's thread falls behind. */
static bool punt_unverified_dtls(const struct fp_pkt *p)
{
	return (p->flags & FP_PKT_F_DTLS) &&
	       (p->drop == FP_DROP_DTLS_NO_RULE || p->drop == FP_DROP_DTLS_HANDSHAKE ||
		p->drop == FP_DROP_DTLS_EPOCH || p->drop == FP_DROP_DTLS_MULTI_RECORD);
}

static bool punt_shed(struct fp_rt_ctx *c, const struct fp_pkt *p)
{
	return punt_unverified_dtls(p) && fp_ring_count(&c->w->punt) + c->n_punts >= FP_RT_RING / 2;
}

static void rt_punt(void *ctx, struct fp_pkt *p)
{
	struct fp_rt_ctx *c = ctx;
	if (c->n_punts == FP_RT_STAGE || punt_shed(c, p)) {
		c->w->punt_taildrop++;
		rt_tail_drop(c, FP_DROP_PUNT_FULL, 1);
		return;
	}
	p->flags |= FP_PKT_F_TAKEN;
	c->punts[c->n_punts++] = p;
}

static void punt_flush(struct fp_rt_ctx *c)
{
	if (!c->n_punts)
		return;
	unsigned ok = fp_ring_enqueue(&c->w->punt, (void *const *)c->punts, c->n_punts);
	c->w->punt_taildrop += c->n_punts - ok;
	rt_tail_drop(c, FP_DROP_PUNT_FULL, c->n_punts - ok);
	fp_pkt_free(&c->tio->cache, c->punts + ok, c->n_punts - ok);
	c->n_punts = 0;
	fp_thread_io_wake(&c->rt->slow);
}

static unsigned rt_alloc(void *ctx, struct fp_pkt **out, unsigned n)
{
	struct fp_rt_ctx *c = ctx;
	return fp_pkt_alloc(&c->tio->cache, out, n);
}

static void rt_free(void *ctx, struct fp_pkt **pkts, unsigned n)
{
	struct fp_rt_ctx *c = ctx;
	fp_pkt_free(&c->tio->cache, pkts, n);
}

void fp_rt_ctx_init(struct fp_rt_ctx *c, struct fp_runtime *rt, struct fp_thread_io *tio,
		    struct fp_worker *w, struct fp_pipe *pipe)
{
	memset(c, 0, sizeof(*c));
	c->rt = rt;
	c->tio = tio;
	c->w = w;
	c->from = w ? w->id : rt->n_workers;
	c->gio.pipe = pipe;
	c->gio.emit = rt_emit;
	c->gio.punt = w ? rt_punt : NULL;
	c->gio.handoff = rt->n_workers > 1 || !w ? rt_handoff : NULL;
	c->gio.alloc = rt_alloc;
	c->gio.free = rt_free;
	c->gio.ctx = c;
}

void fp_rt_release(struct fp_rt_ctx *c, struct fp_pkt **pkts, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!(pkts[i]->flags & FP_PKT_F_TAKEN))
			fp_pkt_free(&c->tio->cache, &pkts[i], 1);
	for (unsigned i = 0; i < c->rt->n_workers; i++)
		stage_flush(c, i);
	if (c->w)
		punt_flush(c);
	for (unsigned i = 0; i < c->tio->n_ports; i++) /* the burst is done with them */
		if (c->tio->txq[i].n >= FP_RT_TXQ / 2)
			txq_flush(c, i);
}

void fp_rt_flush(struct fp_rt_ctx *c)
{
	for (unsigned i = 0; i < c->tio->n_ports; i++)
		txq_flush(c, i);
}

static void rx_burst(struct fp_rt_ctx *c, const struct fp_rt_port *rp, struct fp_pkt **pkts,
		     unsigned n)
{
	/* bigger than the link carries: the kernel reassembled it from fragments
	 * before the socket saw it (ip_local_deliver), so for the SA's counters
	 * it is a reassembled packet all the same */
	uint32_t mtu = rp->inside ? 0 : c->rt->gw->ifaces[rp->ifc].dev_mtu;
	for (unsigned i = 0; i < n; i++)
		pkts[i]->flags = mtu && pkts[i]->len > mtu ? FP_PKT_F_REASM : 0;
	c->gio.now_ns = fp_gw_clock();
	fp_capture_point(c->rt->gw->caps, FP_CAP_SWITCH, c->from, rp->ifc, pkts, n, c->gio.now_ns);
	if (rp->inside)
		fp_gw_rx_inside(c->rt->gw, &c->gio, rp->ifc, pkts, (uint16_t)n);
	else
		fp_gw_rx_outside(c->rt->gw, &c->gio, rp->ifc, pkts, (uint16_t)n);
	fp_rt_release(c, pkts, n);
}

unsigned fp_rt_rx_ready(struct fp_rt_ctx *c, uint32_t ready)
{
	struct fp_pkt *pkts[FP_RT_BURST];
	unsigned total = 0;
	for (unsigned i = 0; i < c->tio->n_ports; i++) {
		const struct fp_rt_port *rp = &c->tio->ports[i];
		if (!rp->rx || !(ready & (1u << i)))
			continue;
		/* a full burst may leave packets inside the port that epoll cannot
		 * see (a GRO batch being split): read again, a bounded number of times */
		for (unsigned round = 0; round < FP_RT_RX_ROUNDS; round++) {
			unsigned n = fp_port_rx(rp->port, &c->tio->cache, pkts, FP_RT_BURST, fp_gw_clock());
			if (n)
				rx_burst(c, rp, pkts, n);
			total += n;
			if (n < FP_RT_BURST)
				break;
		}
	}
	return total;
}

void fp_rt_rx_held(struct fp_rt_ctx *c)
{
	struct fp_pkt *pkts[FP_RT_BURST];
	unsigned n;
	while ((n = fp_pipe_unhold(c->gio.pipe, pkts, FP_RT_BURST)) > 0) {
		c->gio.now_ns = fp_gw_clock();
		fp_gw_rx_held(c->rt->gw, &c->gio, pkts, (uint16_t)n);
		fp_rt_release(c, pkts, n);
	}
}

/* Outbound packets whose SA is ours go straight to ESP; the others came
 * from an outside port of another thread and are classified here. */
void fp_rt_rx_handoff(struct fp_rt_ctx *c, struct fp_pkt **pkts, unsigned n)
{
	struct fp_pkt *out[FP_RT_BURST], *in[FP_RT_BURST], *dtls[FP_RT_BURST];
	unsigned n_out = 0, n_in = 0, n_dtls = 0;
	c->gio.now_ns = fp_gw_clock();
	for (unsigned i = 0; i < n; i++) {
		pkts[i]->flags &= ~FP_PKT_F_TAKEN; /* ours now */
		if ((pkts[i]->flags & FP_PKT_F_OUTBOUND) && (pkts[i]->flags & FP_PKT_F_DTLS))
			dtls[n_dtls++] = pkts[i];
		else if (pkts[i]->flags & FP_PKT_F_OUTBOUND)
			out[n_out++] = pkts[i];
		else
			in[n_in++] = pkts[i];
	}
	if (n_out) {
		struct fp_pipe *pp = c->gio.pipe;
		pp->now_ns = c->gio.now_ns;
		uint16_t good = fp_esp_outb_process(pp, out, (uint16_t)n_out);
		fp_capture_point(c->rt->gw->caps, FP_CAP_OFFLOAD, c->from, FP_CAP_IFC_PKT, out, good,
				 c->gio.now_ns);
		for (uint16_t i = 0; i < good; i++)
			rt_emit(c, out[i]->ifc, out[i]);
		fp_gw_outb_punted(c->rt->gw, &c->gio, out + good, (uint16_t)(n_out - good));
		fp_rt_release(c, out, n_out);
	}
	if (n_dtls) { /* to a headend client (dtls_session.h) */
		fp_gw_dtls_outbound(c->rt->gw, &c->gio, c->gio.pipe, dtls, (uint16_t)n_dtls);
		fp_rt_release(c, dtls, n_dtls);
	}
	for (unsigned i = 0; i < n_in; i++) {
		in[i]->flags &= FP_PKT_F_RESTEER | FP_PKT_F_REASM; /* a second miss is final */
		fp_gw_rx_outside(c->rt->gw, &c->gio, in[i]->ifc, &in[i], 1);
	}
	fp_rt_release(c, in, n_in);
}
