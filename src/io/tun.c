/* TUN ports: the inside interface, one port per queue.
 *
 * With offload, the device is opened with IFF_VNET_HDR and TSO/USO on, as
 * wireguard-go does: the kernel's TCP and UDP sockets then hand over
 * super-packets of up to 64 KB, one read(2) for what would otherwise be
 * forty. rx cuts them into MTU-size packets (gso.c), so the engine never
 * sees one; tx merges runs of TCP segments back into super-packets
 * (gro.c), one writev(2) per run. TUN has no batch read or write, so
 * these offloads are what saves system calls on this side. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/inet.h"
#include "io/gro.h"
#include "io/gso.h"
#include "io/port_impl.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20 /* Linux 6.2; older headers lack it */
#define TUN_F_USO6 0x40
#endif

#define TUN_VNET_HLEN sizeof(struct virtio_net_hdr)
#define TUN_SUPER_MAX 65536u /* the largest super-packet the kernel builds (no BIG TCP) */

struct tun_port {
	struct fp_port base;
	bool tp_vnet;            /* IFF_VNET_HDR: every read and write carries a vnet header */
	bool tp_uso;             /* the kernel takes UDP super-packets (USO, Linux 6.2) */
	uint8_t *tp_super;       /* FP_PORT_PKT_ROOM + TUN_SUPER_MAX: a super-packet, contiguous */
	struct fp_gso tp_gso;    /* the super-packet being cut */
	unsigned tp_gso_next;    /* its next segment; == gs_segs when none is left */
	struct iovec tp_iov[1 + FP_GRO_MAX_SEGS];
};

/* ---- open ---------------------------------------------------------------- */

/* 1 with USO, 0 with TSO only, -1 on failure. */
static int tun_offload_set(int fd, char *err, size_t errlen)
{
	int hlen = (int)TUN_VNET_HLEN;
	unsigned long tso = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

	if (ioctl(fd, TUNSETVNETHDRSZ, &hlen) < 0)
		return fp_port_fail(err, errlen, "TUNSETVNETHDRSZ");
	/* USO needs Linux 6.2; an older kernel refuses the unknown bits */
	if (ioctl(fd, TUNSETOFFLOAD, tso | TUN_F_USO4 | TUN_F_USO6) == 0)
		return 1;
	if (ioctl(fd, TUNSETOFFLOAD, tso) < 0)
		return fp_port_fail(err, errlen, "TUNSETOFFLOAD");
	return 0;
}

static struct fp_port *tun_queue_open(const struct fp_tun_opts *opts, char *err, size_t errlen)
{
	struct ifreq ifr = {0};
	struct tun_port *tp;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return fp_port_fail(err, errlen, "/dev/net/tun"), NULL;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", opts->name);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (opts->queues > 1)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	if (opts->offload)
		ifr.ifr_flags |= IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fp_port_fail(err, errlen, "TUNSETIFF");
		close(fd);
		return NULL;
	}
	int uso = opts->offload ? tun_offload_set(fd, err, errlen) : 0;
	if (uso < 0) {
		close(fd);
		return NULL;
	}
	tp = calloc(1, sizeof(*tp));
	if (tp && opts->offload)
		tp->tp_super = malloc(FP_PORT_PKT_ROOM + TUN_SUPER_MAX);
	if (!tp || (opts->offload && !tp->tp_super)) {
		free(tp);
		close(fd);
		errno = ENOMEM;
		return fp_port_fail(err, errlen, "tun port"), NULL;
	}
	tp->base.pt_kind = FP_PORT_TUN;
	tp->base.pt_fd = fd;
	tp->tp_vnet = opts->offload;
	tp->tp_uso = uso == 1;
	return &tp->base;
}

/* Up, with the MTU asked for; the MTU must fit a packet buffer, since a
 * packet that is not a super-packet is read straight into one. */
static int tun_link_setup(const char *name, uint32_t mtu, char *err, size_t errlen)
{
	struct ifreq ifr = {0};
	int rc = -1;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return fp_port_fail(err, errlen, "socket");
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_mtu = (int)mtu;
	if (mtu && ioctl(s, SIOCSIFMTU, &ifr) < 0)
		fp_port_fail(err, errlen, "SIOCSIFMTU");
	else if (ioctl(s, SIOCGIFMTU, &ifr) < 0)
		fp_port_fail(err, errlen, "SIOCGIFMTU");
	else if ((uint32_t)ifr.ifr_mtu > FP_PORT_PKT_ROOM)
		snprintf(err, errlen, "%s: MTU %d larger than a packet buffer (%u)", name,
			 ifr.ifr_mtu, FP_PORT_PKT_ROOM);
	else if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		fp_port_fail(err, errlen, "SIOCGIFFLAGS");
	else if (ifr.ifr_flags |= IFF_UP, ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		fp_port_fail(err, errlen, "SIOCSIFFLAGS");
	else
		rc = 0;
	close(s);
	return rc;
}

/* A device created here is not persistent (TUNSETIFF alone never makes
 * it so): it goes away with the last queue's close. One that existed
 * before is the operator's, and stays as it was. */
int fp_port_tun_open(const struct fp_tun_opts *opts, struct fp_port **ports, char *err,
		     size_t errlen)
{
	unsigned q;

	if (!opts->name || !*opts->name || strlen(opts->name) >= IFNAMSIZ || opts->queues < 1) {
		snprintf(err, errlen, "tun: bad device name or queue count");
		return -1;
	}
	if (opts->mtu > FP_PORT_PKT_ROOM) {
		snprintf(err, errlen, "%s: MTU %u larger than a packet buffer (%u)", opts->name,
			 opts->mtu, FP_PORT_PKT_ROOM);
		return -1;
	}
	for (q = 0; q < opts->queues; q++) {
		ports[q] = tun_queue_open(opts, err, errlen);
		if (!ports[q])
			goto fail;
	}
	if (tun_link_setup(opts->name, opts->mtu, err, errlen) == 0)
		return 0;
fail:
	while (q-- > 0)
		fp_port_close(ports[q]);
	return -1;
}

void fp_tun_close(struct fp_port *port)
{
	struct tun_port *tp = fp_port_of(port, struct tun_port);

	close(port->pt_fd);
	free(tp->tp_super);
	free(tp);
}

/* ---- rx ------------------------------------------------------------------ */

/* Hand out segments of the pending super-packet, up to max. A buffer
 * shortage halfway drops the rest of it (counted once). */
static unsigned tun_gso_drain(struct tun_port *tp, struct fp_pktcache *cache,
			      struct fp_pkt **pkts, unsigned max)
{
	struct fp_gso *g = &tp->tp_gso;
	unsigned n = 0;

	while (n < max && tp->tp_gso_next < g->gs_segs) {
		if (!fp_pkt_alloc(cache, &pkts[n], 1)) {
			tp->base.pt_st.rx_nobuf++;
			tp->tp_gso_next = g->gs_segs;
			break;
		}
		pkts[n]->len = fp_gso_segment(g, tp->tp_gso_next++, pkts[n]->data);
		n++;
	}
	tp->base.pt_st.rx_gso_segs += n;
	return n;
}

/* Will every segment find a buffer? The cache holds them or takes a
 * batch from the pool (a super-packet cut into more than a batch, with a
 * gso_size under 256 bytes, is refused unless the cache holds that many). */
static bool tun_gso_bufs(struct fp_pktcache *cache, unsigned segs)
{
	if (cache->pc_n < segs)
		fp_pktcache_refill(cache);
	return cache->pc_n >= segs;
}

/* Take over the super-packet just read (p holds its first bytes, the
 * rest is in tp_super behind them): make it contiguous, check it, and
 * make sure its segments will all find a buffer. p goes back either way. */
static void tun_gso_load(struct tun_port *tp, struct fp_pktcache *cache, struct fp_pkt *p,
			 const struct virtio_net_hdr *vh, uint32_t len)
{
	struct fp_gso *g = &tp->tp_gso;
	struct fp_port_stats *st = &tp->base.pt_st;

	memcpy(tp->tp_super, p->data, len < FP_PORT_PKT_ROOM ? len : FP_PORT_PKT_ROOM);
	fp_pkt_free(cache, &p, 1);
	tp->tp_gso_next = 0;
	if (fp_gso_init(g, vh, tp->tp_super, len) < 0 ||
	    (uint32_t)g->gs_hlen + g->gs_mss > FP_PORT_PKT_ROOM) {
		st->rx_errors++;
		g->gs_segs = 0; /* refused: nothing to cut */
	} else if (!tun_gso_bufs(cache, g->gs_segs)) {
		st->rx_nobuf++;
		g->gs_segs = 0;
	}
}

/* FAILED: the read call itself failed (the device went away: EBADFD on
 * every later read), so the caller stops rather than read again at once */
enum tun_read { TUN_READ_EMPTY, TUN_READ_PKT, TUN_READ_SUPER, TUN_READ_BAD, TUN_READ_FAILED };

/* A packet with a vnet header: complete a partial checksum, or take a
 * super-packet over for cutting. */
static enum tun_read tun_rx_vnet(struct tun_port *tp, struct fp_pktcache *cache,
				 struct fp_pkt *p, const struct virtio_net_hdr *vh, uint32_t len)
{
	if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		tun_gso_load(tp, cache, p, vh, len);
		return TUN_READ_SUPER;
	}
	if (len > FP_PORT_PKT_ROOM || ((vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    fp_gso_csum_complete(p->data, len, vh->csum_start, vh->csum_offset) < 0)) {
		fp_pkt_free(cache, &p, 1);
		return TUN_READ_BAD;
	}
	p->len = len;
	return TUN_READ_PKT;
}

static enum tun_read tun_read_fail(struct fp_pktcache *cache, struct fp_pkt *p, ssize_t r)
{
	fp_pkt_free(cache, &p, 1);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return TUN_READ_EMPTY;
	return TUN_READ_FAILED;
}

/* One read(2): a packet into p, a super-packet into tp_super, or nothing.
 * The vnet header and a super-packet's tail are scattered by readv, so a
 * packet of ordinary size lands in its buffer without a copy. */
static enum tun_read tun_read_one(struct tun_port *tp, struct fp_pktcache *cache,
				  struct fp_pkt *p)
{
	struct virtio_net_hdr vh;
	ssize_t r;

	if (!tp->tp_vnet) {
		r = read(tp->base.pt_fd, p->data, FP_PORT_PKT_ROOM);
		if (r <= 0)
			return tun_read_fail(cache, p, r);
		p->len = (uint32_t)r;
		return TUN_READ_PKT;
	}
	struct iovec iov[3] = {
		{ &vh, TUN_VNET_HLEN },
		{ p->data, FP_PORT_PKT_ROOM },
		{ tp->tp_super + FP_PORT_PKT_ROOM, TUN_SUPER_MAX },
	};
	r = readv(tp->base.pt_fd, iov, 3);
	if (r < (ssize_t)TUN_VNET_HLEN)
		return tun_read_fail(cache, p, r);
	return tun_rx_vnet(tp, cache, p, &vh, (uint32_t)r - TUN_VNET_HLEN);
}

unsigned fp_tun_rx(struct fp_port *port, struct fp_pktcache *cache, struct fp_pkt **pkts,
		   unsigned max, uint64_t now_ns)
{
	struct tun_port *tp = fp_port_of(port, struct tun_port);
	struct fp_port_stats *st = &port->pt_st;
	unsigned n = 0;

	while (n < max) {
		if (tp->tp_gso_next < tp->tp_gso.gs_segs) {
			n += tun_gso_drain(tp, cache, pkts + n, max - n);
			continue;
		}
		struct fp_pkt *p;
		if (!fp_pkt_alloc(cache, &p, 1)) {
			st->rx_nobuf++;
			break;
		}
		enum tun_read r = tun_read_one(tp, cache, p);
		if (r == TUN_READ_EMPTY)
			break;
		st->rx_batches++;
		if (r == TUN_READ_BAD || r == TUN_READ_FAILED)
			st->rx_errors++;
		if (r == TUN_READ_FAILED)
			break;
		else if (r == TUN_READ_PKT)
			pkts[n++] = p;
	}
	for (unsigned i = 0; i < n; i++) {
		pkts[i]->ts_ns = now_ns;
		st->rx_bytes += pkts[i]->len;
	}
	st->rx_pkts += n;
	return n;
}

/* ---- tx ------------------------------------------------------------------ */

static bool tun_sendable(const struct fp_pkt *p)
{
	return p->len >= 1 && ((p->data[0] >> 4) == 4 || (p->data[0] >> 4) == 6);
}

/* One run from fp_gro_run, one writev(2): the vnet header, the first
 * packet whole, the payload of the others. */
static bool tun_write_run(struct tun_port *tp, struct fp_pkt **pkts, struct fp_gro *g)
{
	struct iovec *iov = tp->tp_iov;

	fp_gro_finish(g, pkts[0], pkts[g->gr_n - 1]);
	iov[0] = (struct iovec){ &g->gr_vh, TUN_VNET_HLEN };
	iov[1] = (struct iovec){ pkts[0]->data, pkts[0]->len };
	for (unsigned k = 1; k < g->gr_n; k++)
		iov[k + 1] = (struct iovec){ pkts[k]->data + g->gr_hlen,
					     pkts[k]->len - g->gr_hlen };
	return writev(tp->base.pt_fd, iov, (int)g->gr_n + 1) >= 0;
}

/* How many packets from pkts[0] one write takes, and whether it went. */
static unsigned tun_write(struct tun_port *tp, struct fp_pkt **pkts, unsigned n, bool *ok)
{
	struct fp_gro g;

	if (!tp->tp_vnet) {
		*ok = write(tp->base.pt_fd, pkts[0]->data, pkts[0]->len) >= 0;
		return 1;
	}
	fp_gro_run(pkts, n, tp->tp_uso, &g);
	uint8_t head[FP_IPV6_HLEN + FP_UDP_HLEN];
	bool uso = g.gr_vh.gso_type == VIRTIO_NET_HDR_GSO_UDP_L4;
	if (uso) /* the head is rewritten for the run: kept to send them one by one */
		memcpy(head, pkts[0]->data, g.gr_hlen);
	*ok = tun_write_run(tp, pkts, &g);
	if (!*ok && errno == EINVAL && uso) {
		/* a kernel that took the USO bits but not the packet: this run
		 * goes as it came, the later ones are not merged */
		tp->tp_uso = false;
		memcpy(pkts[0]->data, head, g.gr_hlen);
		struct fp_gro one = {.gr_n = 1};
		*ok = true;
		for (unsigned k = 0; k < g.gr_n; k++)
			*ok &= tun_write_run(tp, pkts + k, &one);
		return g.gr_n;
	}
	if (*ok && g.gr_n > 1)
		tp->base.pt_st.tx_gso_segs += g.gr_n;
	return g.gr_n;
}

unsigned fp_tun_tx(struct fp_port *port, struct fp_pktcache *cache, struct fp_pkt **pkts,
		   unsigned n)
{
	struct tun_port *tp = fp_port_of(port, struct tun_port);
	struct fp_port_stats *st = &port->pt_st;
	unsigned sent = 0, run;
	bool ok;

	for (unsigned i = 0; i < n; i += run) {
		if (!tun_sendable(pkts[i])) {
			st->tx_drop_unsendable++;
			run = 1;
			continue;
		}
		uint64_t bytes = 0;
		run = tun_write(tp, pkts + i, n - i, &ok);
		for (unsigned k = 0; k < run; k++)
			bytes += pkts[i + k]->len;
		st->tx_batches++;
		if (!ok) {
			st->tx_errors += run;
			continue;
		}
		sent += run;
		st->tx_bytes += bytes;
	}
	st->tx_pkts += sent;
	fp_pkt_free(cache, pkts, n);
	return sent;
}
