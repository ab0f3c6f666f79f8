/* Starting and stopping the live gateway: threads, rings, buffers, ports,
 * and the host changes it makes (inside TUN devices, their addresses, the
 * routes to the remote networks). */
#include "runtime.h"

#include <errno.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/inet.h"
#include "datapath/child.h"
#include "datapath/ike_gw.h"
#include "datapath/steer.h"
#include "datapath/ra_gw.h"
#include "datapath/thread_io.h"
#include "io/icmperr.h"
#include "io/msg.h"
#include "offload/capture.h"
#include "io/netlink.h"

#define RT_BUFFERS_PER_THREAD 2048u

int fp_rt_worker_start(struct fp_worker *w, bool pin);
void fp_rt_worker_stop(struct fp_worker *w);
void fp_rt_on_pipes(struct fp_gw *gw, void (*fn)(struct fp_pipe *pp, void *arg), void *arg);
static void slow_drain(struct fp_gw *gw);

static int rt_rings(struct fp_runtime *rt)
{
	for (unsigned i = 0; i < rt->n_workers; i++) {
		struct fp_worker *w = &rt->w[i];
		w->in = calloc(rt->n_workers + 1, sizeof(*w->in));
		if (!w->in || fp_ring_init(&w->punt, FP_RT_RING) < 0)
			return -1;
		for (unsigned r = 0; r <= rt->n_workers; r++)
			if (fp_ring_init(&w->in[r], FP_RT_RING) < 0)
				return -1;
	}
	return 0;
}

static int rt_threads_io(struct fp_runtime *rt)
{
	unsigned n = rt->n_workers + 1;
	if (fp_thread_io_init(&rt->slow) < 0)
		return -1;
	for (unsigned i = 0; i < rt->n_workers; i++)
		if (fp_thread_io_init(&rt->w[i].io) < 0)
			return -1;
	if (fp_pktpool_init(&rt->pool, RT_BUFFERS_PER_THREAD * n) < 0)
		return -1;
	for (unsigned i = 0; i < rt->n_workers; i++)
		fp_pktcache_init(&rt->w[i].io.cache, &rt->pool);
	fp_pktcache_init(&rt->slow.cache, &rt->pool);
	return 0;
}

/* A raw ESP socket gets a copy of every ESP packet: all but one thread's
 * are for sending only, with a filter that keeps nothing. */
static int rt_tx_only(struct fp_port *port)
{
	return fp_port_keep_none(fp_port_fd(port));
}

static struct fp_thread_io *rt_tio(struct fp_runtime *rt, unsigned t)
{
	return t < rt->n_workers ? &rt->w[t].io : &rt->slow;
}

static int rt_add(struct fp_runtime *rt, unsigned t, struct fp_rt_port *rp, char *err,
		  size_t errlen)
{
	if (fp_thread_io_add(rt_tio(rt, t), rp) == 0)
		return 0;
	fp_port_close(rp->port);
	snprintf(err, errlen, "too many ports for one thread");
	return -1;
}

/* Every thread gets a UDP socket of the group on (address, port); all of
 * them send, the workers' receive. */
static int rt_udp(struct fp_runtime *rt, const struct fp_gw_iface *ifc, const struct fp_addr *a,
		  uint16_t port, bool gro, int (*steer)(int fd, unsigned n_workers), char *err,
		  size_t errlen)
{
	/* bound to the device: our own ESP must leave by it even where the
	 * remote networks (transport mode: the peer itself) route into a TUN */
	struct fp_udp_opts o = {.local = *a, .port = port, .reuseport = true, .gro = gro,
				.device = ifc->cfg->name};
	int first = -1;
	for (unsigned t = 0; t <= rt->n_workers; t++) {
		struct fp_rt_port rp = {.ifc = ifc->id, .af = a->af, .udp_port = port, .rx = true};
		if (fp_port_udp_open(&o, &rp.port, err, errlen) < 0)
			return -1;
		if (first < 0)
			first = fp_port_fd(rp.port);
		if (rt_add(rt, t, &rp, err, errlen) < 0)
			return -1;
	}
	/* the group's sockets joined workers first, the slow path's last: each
	 * ESP packet to the worker of its SA, each DTLS datagram to its
	 * client's (steer.c), none through the main thread */
	if (steer(first, rt->n_workers) < 0) {
		snprintf(err, errlen, "UDP port %u: reuseport steering: %m", port);
		return -1;
	}
	return 0;
}

static int rt_esp(struct fp_runtime *rt, const struct fp_gw_iface *ifc, const struct fp_addr *a,
		  char *err, size_t errlen)
{
	/* every worker receives, its filter keeping its own SPIs (steer.c);
	 * the slow path's socket only sends */
	bool steer = rt->n_workers > 1;
	int (*keep)(int, unsigned, unsigned) = a->af == FP_AF_INET6 ? fp_steer_esp6 : fp_steer_esp4;
	for (unsigned t = 0; t <= rt->n_workers; t++) {
		struct fp_rt_port rp = {.ifc = ifc->id, .af = a->af,
					.rx = steer ? t < rt->n_workers : t == 0};
		if (fp_port_esp_open(a, ifc->cfg->name, &rp.port, err, errlen) < 0)
			return -1;
		int fd = fp_port_fd(rp.port);
		if ((!rp.rx && rt_tx_only(rp.port) < 0) ||
		    (rp.rx && steer && keep(fd, t, rt->n_workers) < 0)) {
			fp_port_close(rp.port);
			snprintf(err, errlen, "raw ESP socket filter: %m");
			return -1;
		}
		if (rt_add(rt, t, &rp, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* The UDP ports ESP may arrive on here: 4500 and every udp-encapsulation port. */
static unsigned rt_encap_ports(const struct fp_gw *gw, uint16_t *ports, unsigned max)
{
	unsigned n = 0;
	ports[n++] = 4500;
	for (unsigned i = 0; i < gw->n_tunnels && n < max; i++) {
		uint16_t p = gw->tunnels[i].entry->udp_sport;
		bool seen = false;
		for (unsigned k = 0; k < n; k++)
			seen |= ports[k] == p;
		if (p && !seen)
			ports[n++] = p;
	}
	return n;
}

/* One outside UDP port bound alone, without SO_REUSEPORT, then let go: a
 * port another process holds (another fpvpnd, whose reuseport group a
 * second one of ours would otherwise join) fails here with EADDRINUSE. */
static int rt_port_free(const struct fp_gw_iface *ifc, const struct fp_addr *a, uint16_t port,
			char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = fp_msg_sockaddr(&ss, a->af, a->a, port);
	const char *dev = ifc->cfg->name;
	char as[FP_ADDR_STRLEN];
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = fd < 0 || setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev)) < 0 ||
		 bind(fd, (struct sockaddr *)&ss, sl) < 0 ? -1 : 0;
	int why = errno;
	if (fd >= 0)
		close(fd);
	if (rc == 0 || why != EADDRINUSE)
		return 0; /* a missing device or address: fp_rt_start says so in its words */
	fp_addr_str(a, as, sizeof(as));
	bool v6 = a->af == FP_AF_INET6;
	snprintf(err, errlen, "UDP %s%s%s:%u on %s (%s) is in use by another process",
		 v6 ? "[" : "", as, v6 ? "]" : "", port, ifc->cfg->nameif, dev);
	return -1;
}

/* The DTLS port the workers take: only once the headend has set its
 * hook, so an IPsec-only gateway leaves 443 to whoever wants it. */
static uint16_t rt_dtls_port(const struct fp_gw *gw)
{
	return gw->dtls_punt ? gw->dtls_port : 0;
}

int fp_rt_ports_free(const struct fp_gw *gw, char *err, size_t errlen)
{
	uint16_t ports[10];
	unsigned n = rt_encap_ports(gw, ports, 8); /* as rt_outside_af binds them */
	ports[n++] = FP_IKE_PORT;
	if (rt_dtls_port(gw))
		ports[n++] = rt_dtls_port(gw);
	for (unsigned i = 0; i < gw->n_ifaces; i++) {
		const struct fp_gw_iface *ifc = &gw->ifaces[i];
		const struct fp_prefix *ips[2] = {&ifc->cfg->ip4, &ifc->cfg->ip6};
		for (unsigned k = 0; ifc->outside && k < 2; k++)
			for (unsigned j = 0; ips[k]->addr.af != FP_AF_NONE && j < n; j++)
				if (rt_port_free(ifc, &ips[k]->addr, ports[j], err, errlen) < 0)
					return -1;
	}
	return 0;
}

static int rt_outside_af(struct fp_runtime *rt, const struct fp_gw_iface *ifc,
			 const struct fp_prefix *ip, bool gro, char *err, size_t errlen)
{
	uint16_t ports[8];
	unsigned n = rt_encap_ports(rt->gw, ports, 8);
	if (ip->addr.af == FP_AF_NONE)
		return 0;
	if (fp_netlink_has_addr(rt->nl, ifc->cfg->name, &ip->addr) != 1) {
		char a[FP_ADDR_STRLEN];
		snprintf(err, errlen, "interface %s (%s) does not exist or does not carry %s",
			 ifc->cfg->name, ifc->cfg->nameif, fp_addr_str(&ip->addr, a, sizeof(a)));
		return -1;
	}
	for (unsigned i = 0; i < n; i++)
		if (rt_udp(rt, ifc, &ip->addr, ports[i], gro, fp_steer_udp, err, errlen) < 0)
			return -1;
	/* the headend's DTLS port, once it has registered (dtls_session.h);
	 * with GRO too: a run of one client's records is split back into its
	 * datagrams, one record each */
	if (rt_dtls_port(rt->gw) &&
	    rt_udp(rt, ifc, &ip->addr, rt_dtls_port(rt->gw), gro,
		   ip->addr.af == FP_AF_INET ? fp_steer_dtls4 : fp_steer_dtls6, err, errlen) < 0)
		return -1;
	struct fp_udp_opts ike = {.local = ip->addr, .port = FP_IKE_PORT, .device = ifc->cfg->name};
	struct fp_rt_port rp = {.ifc = ifc->id, .af = ip->addr.af, .udp_port = FP_IKE_PORT, .rx = true};
	if (fp_port_udp_open(&ike, &rp.port, err, errlen) < 0 ||
	    rt_add(rt, rt->n_workers, &rp, err, errlen) < 0)
		return -1;
	return rt_esp(rt, ifc, &ip->addr, err, errlen);
}

/* The remote networks into the inside TUN: what each tunnel's permit ACEs
 * protect (an IKEv2 tunnel its own ACE's) and the routes into Tunnel
 * interfaces, so that the site's host stack hands them to fpvpnd. */
static int rt_inside_routes(struct fp_runtime *rt, const struct fp_gw_iface *ifc, char *err,
			    size_t errlen)
{
	const struct fp_gw *gw = rt->gw;
	for (unsigned i = 0; i < gw->n_tunnels; i++) {
		const struct fp_gw_tunnel *t = &gw->tunnels[i];
		for (unsigned k = 0; t->acl && k < t->acl->n_aces; k++) {
			const struct fp_cfg_ace *ace = &t->acl->aces[k];
			if (!ace->permit || ace->dst.addr.af == FP_AF_NONE || (t->ace_only && k != t->ace))
				continue;
			if (fp_netlink_route_add(rt->nl, ifc->cfg->name, &ace->dst, err, errlen) < 0)
				return -1;
		}
	}
	for (unsigned i = 0; i < gw->routes->n; i++)
		if (fp_netlink_route_add(rt->nl, ifc->cfg->name, &gw->routes->r[i].net, err, errlen) < 0)
			return -1;
	struct fp_prefix pools[2 * FP_CFG_MAX_POOLS];
	unsigned n = rt->gw->ra ? fp_ra_pool_routes(rt->gw->ra, pools, 2 * FP_CFG_MAX_POOLS) : 0;
	for (unsigned i = 0; i < n; i++) /* remote-access clients' addresses */
		if (fp_netlink_route_add(rt->nl, ifc->cfg->name, &pools[i], err, errlen) < 0)
			return -1;
	return 0;
}

int fp_rt_inside_route_add(struct fp_runtime *rt, const struct fp_prefix *net, char *err,
			   size_t errlen)
{
	for (unsigned i = 0; i < rt->gw->n_ifaces; i++) {
		const struct fp_gw_iface *ifc = &rt->gw->ifaces[i];
		if (!ifc->outside && fp_netlink_route_add(rt->nl, ifc->cfg->name, net, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* An inside interface that does not exist becomes a TUN device with one
 * queue per thread, the configured addresses and routes to the remote
 * networks; one that exists must be a TUN device fpvpnd can attach to. */
static int rt_inside(struct fp_runtime *rt, const struct fp_gw_iface *ifc, bool offload,
		     char *err, size_t errlen)
{
	struct fp_port *q[FP_RT_MAX_WORKERS + 1];
	bool created = fp_netlink_ifindex(ifc->cfg->name) == 0;
	struct fp_tun_opts o = {.name = ifc->cfg->name, .queues = rt->n_workers + 1,
				.offload = offload, .mtu = 1400};
	if (fp_port_tun_open(&o, q, err, errlen) < 0)
		return -1;
	for (unsigned t = 0; t <= rt->n_workers; t++) {
		struct fp_rt_port rp = {.port = q[t], .ifc = ifc->id, .rx = true, .inside = true};
		if (rt_add(rt, t, &rp, err, errlen) < 0)
			return -1;
	}
	if (!created)
		return 0;
	const struct fp_prefix *ips[2] = {&ifc->cfg->ip4, &ifc->cfg->ip6};
	for (int i = 0; i < 2; i++)
		if (ips[i]->addr.af != FP_AF_NONE &&
		    fp_netlink_addr_add(rt->nl, ifc->cfg->name, ips[i], err, errlen) < 0)
			return -1;
	if (fp_netlink_link_up(rt->nl, ifc->cfg->name, 1400, err, errlen) < 0)
		return -1;
	return rt_inside_routes(rt, ifc, err, errlen);
}

static int rt_ports(struct fp_runtime *rt, bool offload, char *err, size_t errlen)
{
	for (unsigned i = 0; i < rt->gw->n_ifaces; i++) {
		struct fp_gw_iface *ifc = &rt->gw->ifaces[i];
		unsigned dev = ifc->outside ? fp_port_dev_mtu(ifc->cfg->name) : 0;
		ifc->dev_mtu = (uint16_t)(dev > 65535 ? 65535 : dev);
		if (ifc->dev_mtu && !ifc->mtu) /* no "mtu" line: the device's, as it is at start */
			fp_gw_iface_frag_set(rt->gw, (uint16_t)i, ifc->dev_mtu, ifc->post_frag);
		int r = ifc->outside ? rt_outside_af(rt, ifc, &ifc->cfg->ip4, offload, err, errlen) ||
					       rt_outside_af(rt, ifc, &ifc->cfg->ip6, offload, err, errlen)
				     : rt_inside(rt, ifc, offload, err, errlen);
		if (r)
			return -1;
	}
	return 0;
}

/* A PMTU listener for each family an outside interface has; without one
 * (no CAP_NET_RAW, say) raw ESP just does not learn path MTUs: said once. */
static void rt_pmtu_open(struct fp_runtime *rt)
{
	for (unsigned k = 0; k < 2; k++) {
		uint8_t af = k ? FP_AF_INET6 : FP_AF_INET;
		bool want = false;
		for (unsigned i = 0; i < rt->gw->n_ifaces; i++) {
			const struct fp_gw_iface *ifc = &rt->gw->ifaces[i];
			want |= ifc->outside && (k ? ifc->cfg->ip6.addr.af : ifc->cfg->ip4.addr.af) == af;
		}
		char err[160];
		int fd = want ? fp_icmperr_open(af, err, sizeof(err)) : -1;
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX - 1 - k};
		if (want && fd < 0)
			fprintf(stderr, "fpvpnd: %s: path MTUs are not learned\n", err);
		if (fd >= 0 && epoll_ctl(rt->slow.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			fd = -1;
		}
		rt->icmp_fd[k] = fd;
	}
}

/* PMTU messages the listeners took, then path MTUs that are too old. */
static void rt_pmtu_poll(struct fp_runtime *rt, const bool ready[2], uint64_t now)
{
	struct fp_icmperr e;
	for (unsigned k = 0; k < 2; k++)
		while (ready[k] && rt->icmp_fd[k] >= 0 &&
		       fp_icmperr_read(rt->icmp_fd[k], k ? FP_AF_INET6 : FP_AF_INET, &e))
			fp_gw_pmtu_rcvd(rt->gw, e.af, e.dst, e.spi, e.mtu, now);
	fp_gw_pmtu_age(rt->gw, now);
}

/* What the kernel dropped on our sockets (receive buffers full) goes into
 * show asp drop as rx-socket-overflow, read once a second: the ports were
 * set up before the threads started, and only this thread reads them so. */
static void rt_overflows(struct fp_runtime *rt, uint64_t now)
{
	if (now - rt->ovfl_read_ns < 1000000000ull)
		return;
	rt->ovfl_read_ns = now;
	uint64_t n = 0;
	for (unsigned t = 0; t <= rt->n_workers; t++) {
		struct fp_thread_io *tio = rt_tio(rt, t);
		for (unsigned i = 0; i < tio->n_ports; i++) {
			struct fp_rt_port *rp = &tio->ports[i];
			if (!rp->rx || rp->inside)
				continue;
			uint32_t seen = (uint32_t)fp_port_rx_overflows(rp->port);
			n += (uint32_t)(seen - rp->rx_ovfl_seen);
			rp->rx_ovfl_seen = seen;
		}
	}
	if (n)
		__atomic_fetch_add(&rt->gw->st.drops[FP_DROP_RX_OVERFLOW], n, __ATOMIC_RELAXED);
}

unsigned fp_rt_default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > FP_RT_MAX_WORKERS ? FP_RT_MAX_WORKERS : (unsigned)n;
}

int fp_rt_start(struct fp_runtime *rt, struct fp_gw *gw, const struct fp_rt_opts *opts,
		char *err, size_t errlen)
{
	memset(rt, 0, sizeof(*rt));
	rt->icmp_fd[0] = rt->icmp_fd[1] = -1;
	rt->gw = gw;
	rt->n_workers = gw->n_pipes;
	rt->started_ns = fp_gw_clock();
	rt->w = calloc(rt->n_workers, sizeof(*rt->w));
	if (!rt->w || rt_rings(rt) < 0 || rt_threads_io(rt) < 0) {
		snprintf(err, errlen, "out of memory for %u pipes", rt->n_workers);
		goto fail;
	}
	if (!(rt->nl = fp_netlink_open(err, errlen)) || rt_ports(rt, opts->offload_io, err, errlen) < 0)
		goto fail;
	for (unsigned i = 0; i < rt->n_workers; i++) {
		struct fp_worker *w = &rt->w[i];
		w->id = i;
		w->rt = rt;
		w->pipe = &gw->pipes[i];
		w->rx_coalesce_us = opts->rx_coalesce_us;
		if (fp_rt_worker_start(w, opts->pin) < 0) {
			snprintf(err, errlen, "cannot start worker thread %u", i);
			goto fail;
		}
		w->started = true;
	}
	rt_pmtu_open(rt);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX - 3};
	if (gw->ra && epoll_ctl(rt->slow.epfd, EPOLL_CTL_ADD, fp_ra_fd(gw->ra), &ev) < 0) {
		snprintf(err, errlen, "remote access: epoll: %s", strerror(errno));
		goto fail;
	}
	gw->rt = rt;
	gw->on_pipes = fp_rt_on_pipes;
	gw->slow_drain = slow_drain;
	return 0;
fail:
	fp_rt_stop(rt);
	return -1;
}

void fp_rt_stop(struct fp_runtime *rt)
{
	if (rt->gw) {
		rt->gw->rt = NULL;
		rt->gw->on_pipes = NULL;
		rt->gw->slow_drain = NULL;
	}
	for (unsigned i = 0; rt->w && i < rt->n_workers; i++)
		if (rt->w[i].started)
			fp_rt_worker_stop(&rt->w[i]);
	for (unsigned i = 0; rt->w && i < rt->n_workers; i++) {
		struct fp_worker *w = &rt->w[i];
		fp_thread_io_fini(&w->io);
		for (unsigned r = 0; w->in && r <= rt->n_workers; r++)
			fp_ring_fini(&w->in[r]);
		free(w->in);
		fp_ring_fini(&w->punt);
	}
	for (unsigned k = 0; k < 2; k++)
		if (rt->icmp_fd[k] >= 0)
			close(rt->icmp_fd[k]);
	fp_thread_io_fini(&rt->slow);
	if (rt->nl) {
		fp_netlink_undo(rt->nl);
		fp_netlink_close(rt->nl);
	}
	if (rt->pool.pp_mem)
		fp_pktpool_fini(&rt->pool);
	free(rt->w);
	memset(rt, 0, sizeof(*rt));
}

int fp_rt_slow_fd(const struct fp_runtime *rt)
{
	return rt->slow.epfd;
}

/* The slow path's thread context: one, as there is one such thread. */
static struct fp_rt_ctx slow_ctx;

/* What worker w punted, at most max packets (the ring keeps filling). */
static void slow_punts(struct fp_runtime *rt, unsigned w, uint32_t max)
{
	void *objs[FP_RT_BURST];
	unsigned n;
	while (max && (n = fp_ring_dequeue(&rt->w[w].punt, objs,
					   max < FP_RT_BURST ? max : FP_RT_BURST)) > 0) {
		struct fp_pkt **pkts = (struct fp_pkt **)objs;
		for (unsigned k = 0; k < n; k++)
			pkts[k]->flags &= ~FP_PKT_F_TAKEN;
		rt->slow_punts += n;
		max -= n;
		slow_ctx.gio.now_ns = fp_gw_clock();
		fp_gw_slow_input(rt->gw, &slow_ctx.gio, pkts, (uint16_t)n);
		fp_rt_release(&slow_ctx, pkts, n);
	}
}

/* gw->slow_drain: before the software pipe gives up an SA (an offload
 * switch), what was punted for it runs here, so that none of it reaches
 * the SA's new home after newer packets and falls left of the window. */
static void slow_drain(struct fp_gw *gw)
{
	struct fp_runtime *rt = gw->rt;
	fp_rt_ctx_init(&slow_ctx, rt, &rt->slow, NULL, &gw->soft);
	for (unsigned i = 0; i < rt->n_workers; i++)
		slow_punts(rt, i, fp_ring_count(&rt->w[i].punt));
	if (gw->ra)
		fp_ra_flush(gw->ra); /* CSTP frames it queued: no fp_ra_poll follows here */
	fp_rt_flush(&slow_ctx);
}

/* What the slow thread's epoll set reports ready: its ports (a bit
 * each, as a worker's), the wake-up, the ICMP listeners. Level-triggered:
 * what a turn leaves is reported again, so only these are read (the
 * headend's set is polled by fp_ra_poll itself). */
struct slow_ready {
	uint32_t ports;
	bool woken, icmp[2];
};

static void slow_ready(struct fp_runtime *rt, struct slow_ready *r)
{
	struct epoll_event ev[FP_RT_MAX_PORTS + 4];
	int n = epoll_wait(rt->slow.epfd, ev, FP_RT_MAX_PORTS + 4, 0);
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < n; i++) {
		uint32_t u = ev[i].data.u32;
		if (u == UINT32_MAX)
			r->woken = true;
		else if (u == UINT32_MAX - 1 || u == UINT32_MAX - 2)
			r->icmp[UINT32_MAX - 1 - u] = true;
		else if (u < FP_RT_MAX_PORTS)
			r->ports |= 1u << u;
	}
}

/* What the software pipe held, what the pipes punted, then the slow path's
 * own ports. */
void fp_rt_slow_poll(struct fp_runtime *rt)
{
	struct slow_ready r;
	uint64_t v;
	fp_rt_ctx_init(&slow_ctx, rt, &rt->slow, NULL, &rt->gw->soft);
	slow_ready(rt, &r);
	while (r.woken && read(rt->slow.wakefd, &v, sizeof(v)) > 0)
		;
	if (rt->gw->soft.n_hold)
		fp_rt_rx_held(&slow_ctx);
	uint64_t now = fp_gw_clock();
	rt_pmtu_poll(rt, r.icmp, now);
	rt_overflows(rt, now);
	fp_child_tick(rt->gw, now); /* SA events: lifetimes, sequence exhaustion */
	for (unsigned i = 0; i < rt->n_workers; i++)
		slow_punts(rt, i, UINT32_MAX);
	fp_rt_rx_ready(&slow_ctx, r.ports);
	slow_ctx.gio.now_ns = fp_gw_clock();
	fp_gw_ike_poll(rt->gw, &slow_ctx.gio); /* its answers and timers, out with the rest */
	fp_gw_ra_poll(rt->gw, &slow_ctx.gio);  /* TLS clients: logins, CSTP to the inside */
	fp_rt_flush(&slow_ctx);
	fp_capset_reclaim(rt->gw->caps); /* captures cleared or removed from the CLI */
}
