/* UDP ports: IKE, ESP in UDP and encapsulation ports on the outside.
 *
 * The engine wants full packets, so rx writes a synthetic IP + UDP header
 * (outer.c) in front of every datagram, from the sender's address and the
 * destination IP_PKTINFO reports; tx reads the engine's header to learn
 * where the payload goes and sends only the payload. One recvmmsg and one
 * sendmmsg per burst.
 *
 * With GRO, the kernel hands over runs of same-size datagrams of one flow
 * as one message (UDP_GRO, up to 64 KB) and takes runs of them as one
 * message with UDP_SEGMENT: fewer trips through the stack both ways. Such
 * messages are received into the port's own 64 KB slots and split into
 * packet buffers by copying; without GRO datagrams land in packet buffers
 * directly.
 *
 * The message arrays (up_mv) serve rx and tx alike and are rewritten by
 * every recvmmsg and sendmmsg, so nothing outlives the call that filled
 * them: what the split of a GRO message needs over several fp_port_rx
 * calls (its length, UDP_GRO size, addresses) is copied out of them into
 * up_grom right after the recvmmsg. The gateway sends on the same socket
 * between those calls. */
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/msg.h"
#include "io/outer.h"
#include "io/port_impl.h"

#define UDP_GRO_BATCH 32u        /* messages per recvmmsg with GRO: 2 MiB of slots */
#define UDP_GRO_SLOT 65536u      /* one GRO message */
#define UDP_GSO_MAX_SEGS 64u     /* UDP_MAX_SEGMENTS before Linux 6.9 */
#define UDP_GSO_MAX_BYTES (0xffffu - FP_IPV6_HLEN - FP_UDP_HLEN)

/* A received GRO message, as the split needs it until its last datagram is
 * out: a copy, since a send on the port rewrites the message arrays. */
struct udp_gro_msg {
	uint32_t gm_len;            /* bytes in the slot */
	uint32_t gm_seg;            /* datagram size: the UDP_GRO size, or gm_len */
	bool gm_bad;                /* truncated, or a datagram larger than a buffer */
	uint16_t gm_sport;          /* sender's port, host order */
	uint8_t gm_src[16], gm_dst[16];
};

struct udp_port {
	struct fp_port base;
	uint8_t up_af;              /* 4 or 6 */
	uint16_t up_hlen;           /* synthetic header bytes: 28 or 48 */
	uint16_t up_lport;          /* bound port, host order */
	uint8_t up_laddr[16];
	bool up_wildcard;           /* bound to 0.0.0.0 or ::: the source goes with each send */
	bool up_gro;                /* UDP_GRO on receive */
	bool up_gso;                /* UDP_SEGMENT on send (off for good after an EIO) */
	struct fp_msgvec up_mv;
	uint16_t up_first[FP_VEC_MAX], up_segs[FP_VEC_MAX]; /* tx: packets of each message */
	uint8_t *up_slots;          /* GRO rx: UDP_GRO_BATCH slots of UDP_GRO_SLOT bytes */
	struct udp_gro_msg up_grom[UDP_GRO_BATCH]; /* GRO rx: what each slot holds */
	unsigned up_pend_msg;       /* GRO rx: next message to split ... */
	unsigned up_pend_n;         /* ... of this many received */
	uint32_t up_pend_off;       /* its next datagram */
};

static unsigned udp_alen(const struct udp_port *up)
{
	return up->up_af == 4 ? 4 : 16;
}

/* ---- open ---------------------------------------------------------------- */

static int udp_sockopts(int fd, const struct fp_udp_opts *opts, char *err, size_t errlen)
{
	bool v4 = opts->local.af == FP_AF_INET;

	if (opts->reuseport && fp_port_setopt(fd, SOL_SOCKET, SO_REUSEPORT, 1) < 0)
		return fp_port_fail(err, errlen, "SO_REUSEPORT");
	if (opts->device && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, opts->device,
				       (socklen_t)strlen(opts->device)) < 0)
		return fp_port_fail(err, errlen, "SO_BINDTODEVICE");
	/* DF off: ESP in UDP is not ours to fragment-check; the path may need
	 * fragments (RFC 3948 leaves it to the sender's IP layer) */
	if ((v4 && (fp_port_setopt(fd, IPPROTO_IP, IP_PKTINFO, 1) < 0 ||
		    fp_port_setopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT) < 0)) ||
	    (!v4 && (fp_port_setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) < 0 ||
		     fp_port_setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) < 0 ||
		     fp_port_setopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DONT) < 0)))
		return fp_port_fail(err, errlen, "PKTINFO/MTU_DISCOVER");
	fp_port_bufsize(fd, opts->rcvbuf, opts->sndbuf);
	return 0;
}

/* Bind, then learn the port the kernel gave (opts->port 0: any). */
static int udp_bind(int fd, struct udp_port *up, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = fp_msg_sockaddr(&ss, up->up_af, up->up_laddr, port);

	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		return fp_port_fail(err, errlen, "bind");
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return fp_port_fail(err, errlen, "getsockname");
	fp_msg_sockaddr_addr(&ss, &up->up_lport);
	return 0;
}

static struct udp_port *udp_port_new(const struct fp_udp_opts *opts)
{
	static const uint8_t zero[16];
	struct udp_port *up = calloc(1, sizeof(*up));

	if (!up)
		return NULL;
	up->base.pt_kind = FP_PORT_UDP;
	up->base.pt_fd = -1;
	up->up_af = opts->local.af;
	up->up_hlen = fp_outer_hlen(up->up_af, FP_IPPROTO_UDP);
	memcpy(up->up_laddr, opts->local.a, 16);
	up->up_wildcard = memcmp(up->up_laddr, zero, udp_alen(up)) == 0;
	if (fp_msgvec_init(&up->up_mv) < 0) {
		free(up);
		return NULL;
	}
	return up;
}

/* UDP_GRO needs Linux 5.0; without it the port still works, unbatched. */
static void udp_gro_enable(struct udp_port *up, int fd)
{
	if (fp_port_setopt(fd, SOL_UDP, UDP_GRO, 1) < 0)
		return;
	up->up_slots = malloc((size_t)UDP_GRO_BATCH * UDP_GRO_SLOT);
	up->up_gro = up->up_slots != NULL;
	if (!up->up_gro) /* batches would arrive truncated into packet buffers */
		fp_port_setopt(fd, SOL_UDP, UDP_GRO, 0);
}

int fp_port_udp_open(const struct fp_udp_opts *opts, struct fp_port **port, char *err,
		     size_t errlen)
{
	struct udp_port *up;
	int fd;

	if (opts->local.af != FP_AF_INET && opts->local.af != FP_AF_INET6) {
		snprintf(err, errlen, "udp: no local address family");
		return -1;
	}
	up = udp_port_new(opts);
	if (!up) {
		errno = ENOMEM;
		return fp_port_fail(err, errlen, "udp port");
	}
	fd = socket(up->up_af == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	up->base.pt_fd = fd;
	if (fd < 0)
		fp_port_fail(err, errlen, "socket");
	if (fd < 0 || udp_sockopts(fd, opts, err, errlen) < 0 ||
	    udp_bind(fd, up, opts->port, err, errlen) < 0) {
		fp_udp_close(&up->base);
		return -1;
	}
	if (opts->gro)
		udp_gro_enable(up, fd);
	up->up_gso = opts->gro;
	*port = &up->base;
	return 0;
}

void fp_udp_close(struct fp_port *port)
{
	struct udp_port *up = fp_port_of(port, struct udp_port);

	if (port->pt_fd >= 0)
		close(port->pt_fd);
	fp_msgvec_fini(&up->up_mv);
	free(up->up_slots);
	free(up);
}

/* ---- rx ------------------------------------------------------------------ */

/* The synthetic IP + UDP header in front of a datagram of plen bytes
 * already at p->data + up_hlen, from src:sport to dst. */
static void udp_rx_header(struct udp_port *up, const uint8_t *src, uint16_t sport,
			  const uint8_t *dst, struct fp_pkt *p, uint32_t plen, uint64_t now_ns)
{
	struct fp_outer o = {
		.ou_af = up->up_af,
		.ou_proto = FP_IPPROTO_UDP,
		.ou_sport = sport,
		.ou_dport = up->up_lport,
		.ou_plen = plen,
		.ou_src = src,
		.ou_dst = dst,
	};

	fp_outer_write(p->data, &o);
	p->len = up->up_hlen + plen;
	p->ts_ns = now_ns;
	up->base.pt_st.rx_bytes += p->len;
}

/* The addresses of a received message: the sender's, and the destination
 * PKTINFO reports (the bound address if it is missing). */
static const uint8_t *udp_rx_addrs(const struct udp_port *up, struct msghdr *m,
				   uint16_t *sport, const uint8_t **dst)
{
	*dst = fp_msg_pktinfo_dst(m);
	if (!*dst)
		*dst = up->up_laddr;
	return fp_msg_sockaddr_addr(m->msg_name, sport);
}

/* Without GRO: datagrams straight into packet buffers, behind the room
 * their synthetic header will take. */
static unsigned udp_rx_direct(struct udp_port *up, struct fp_pktcache *cache,
			      struct fp_pkt **pkts, unsigned max, uint64_t now_ns)
{
	struct fp_msgvec *mv = &up->up_mv;
	struct fp_port_stats *st = &up->base.pt_st;
	unsigned k = fp_pkt_alloc(cache, pkts, max), n = 0;

	if (!k) {
		st->rx_nobuf++;
		return 0;
	}
	for (unsigned i = 0; i < k; i++)
		fp_msg_rx_prep(mv, i, pkts[i]->data + up->up_hlen, FP_PORT_PKT_ROOM - up->up_hlen);
	int r = recvmmsg(up->base.pt_fd, mv->mv_hdr, k, MSG_DONTWAIT, NULL);
	if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		st->rx_errors++;
	for (int i = 0; i < r; i++) {
		struct msghdr *m = &mv->mv_hdr[i].msg_hdr;
		if (m->msg_flags & MSG_TRUNC) { /* larger than a buffer: not ESP we could take */
			st->rx_errors++;
			continue;
		}
		const uint8_t *dst;
		uint16_t sport;
		const uint8_t *src = udp_rx_addrs(up, m, &sport, &dst);
		udp_rx_header(up, src, sport, dst, pkts[i], mv->mv_hdr[i].msg_len, now_ns);
		struct fp_pkt *t = pkts[n];
		pkts[n++] = pkts[i];
		pkts[i] = t;
	}
	st->rx_batches += r > 0;
	fp_pkt_free(cache, pkts + n, k - n);
	return n;
}

/* Next datagram of the received GRO messages into its own buffer. False
 * when none is left or no buffer is free. */
static bool udp_gro_next(struct udp_port *up, struct fp_pktcache *cache, struct fp_pkt **pp,
			 uint64_t now_ns)
{
	struct fp_port_stats *st = &up->base.pt_st;
	const struct udp_gro_msg *gm = &up->up_grom[up->up_pend_msg];
	uint32_t len = gm->gm_len, seg = gm->gm_seg;
	const uint8_t *slot = up->up_slots + (size_t)up->up_pend_msg * UDP_GRO_SLOT;
	uint32_t chunk = len - up->up_pend_off < seg ? len - up->up_pend_off : seg;
	bool bad = gm->gm_bad;
	if (!bad && !fp_pkt_alloc(cache, pp, 1)) {
		st->rx_nobuf++;
		return false;
	}
	if (bad) {
		st->rx_errors++;
		*pp = NULL;
		up->up_pend_off = len;
	} else {
		memcpy((*pp)->data + up->up_hlen, slot + up->up_pend_off, chunk);
		udp_rx_header(up, gm->gm_src, gm->gm_sport, gm->gm_dst, *pp, chunk, now_ns);
		up->up_pend_off += chunk;
		st->rx_gso_segs += seg < len;
	}
	if (up->up_pend_off >= len) {
		up->up_pend_msg++;
		up->up_pend_off = 0;
	}
	return true;
}

static unsigned udp_gro_split(struct udp_port *up, struct fp_pktcache *cache,
			      struct fp_pkt **pkts, unsigned max, uint64_t now_ns)
{
	unsigned n = 0;

	while (n < max && up->up_pend_msg < up->up_pend_n) {
		if (!udp_gro_next(up, cache, &pkts[n], now_ns))
			break;
		n += pkts[n] != NULL;
	}
	return n;
}

/* What the split needs of received message i, copied out of the message
 * arrays before anything else can use them. */
static void udp_gro_keep(struct udp_port *up, unsigned i)
{
	struct mmsghdr *mh = &up->up_mv.mv_hdr[i];
	struct udp_gro_msg *gm = &up->up_grom[i];
	const uint8_t *src, *dst;
	uint32_t len = mh->msg_len, seg = fp_msg_gro_size(&mh->msg_hdr);

	if (!seg || seg > len)
		seg = len;
	gm->gm_len = len;
	gm->gm_seg = seg;
	gm->gm_bad = (mh->msg_hdr.msg_flags & MSG_TRUNC) || len > UDP_GRO_SLOT ||
		     up->up_hlen + seg > FP_PORT_PKT_ROOM;
	src = udp_rx_addrs(up, &mh->msg_hdr, &gm->gm_sport, &dst);
	memcpy(gm->gm_src, src, udp_alen(up));
	memcpy(gm->gm_dst, dst, udp_alen(up));
}

/* One recvmmsg into the slots; the number of messages, 0 when none. */
static unsigned udp_gro_recv(struct udp_port *up)
{
	struct fp_msgvec *mv = &up->up_mv;

	for (unsigned i = 0; i < UDP_GRO_BATCH; i++)
		fp_msg_rx_prep(mv, i, up->up_slots + (size_t)i * UDP_GRO_SLOT, UDP_GRO_SLOT);
	int r = recvmmsg(up->base.pt_fd, mv->mv_hdr, UDP_GRO_BATCH, MSG_DONTWAIT, NULL);
	if (r <= 0) {
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			up->base.pt_st.rx_errors++;
		return 0;
	}
	up->base.pt_st.rx_batches++;
	for (int i = 0; i < r; i++)
		udp_gro_keep(up, (unsigned)i);
	up->up_pend_msg = 0;
	up->up_pend_n = (unsigned)r;
	up->up_pend_off = 0;
	return (unsigned)r;
}

/* Receive only with a buffer to put the first datagram in. */
static bool udp_have_buf(struct fp_pktcache *cache)
{
	if (!cache->pc_n)
		fp_pktcache_refill(cache);
	return cache->pc_n > 0;
}

/* With GRO: what is left of the last batch first, then recvmmsg into the
 * slots once they are all split, until max packets or the socket is
 * empty (a batch of single datagrams is only UDP_GRO_BATCH long). */
static unsigned udp_rx_gro(struct udp_port *up, struct fp_pktcache *cache,
			   struct fp_pkt **pkts, unsigned max, uint64_t now_ns)
{
	unsigned n = udp_gro_split(up, cache, pkts, max, now_ns);

	while (n < max && up->up_pend_msg == up->up_pend_n) {
		if (!udp_have_buf(cache)) {
			up->base.pt_st.rx_nobuf++;
			break;
		}
		unsigned r = udp_gro_recv(up);
		n += udp_gro_split(up, cache, pkts + n, max - n, now_ns);
		if (r < UDP_GRO_BATCH)
			break;
	}
	return n;
}

unsigned fp_udp_rx(struct fp_port *port, struct fp_pktcache *cache, struct fp_pkt **pkts,
		   unsigned max, uint64_t now_ns)
{
	struct udp_port *up = fp_port_of(port, struct udp_port);
	unsigned n = up->up_gro ? udp_rx_gro(up, cache, pkts, max, now_ns) :
				  udp_rx_direct(up, cache, pkts, max, now_ns);

	port->pt_st.rx_pkts += n;
	return n;
}

/* ---- tx ------------------------------------------------------------------ */

/* An IP + UDP packet this socket can send: its family, from its port
 * (and its address, unless bound to the wildcard), to a real port. */
static bool udp_tx_parse(const struct udp_port *up, const struct fp_pkt *p, struct fp_outer *o)
{
	return fp_outer_parse(p->data, p->len, FP_IPPROTO_UDP, o) && o->ou_af == up->up_af &&
	       o->ou_sport == up->up_lport && o->ou_dport != 0 &&
	       (up->up_wildcard || memcmp(o->ou_src, up->up_laddr, udp_alen(up)) == 0);
}

/* How many packets after the one described by o (at most n) ride in its
 * UDP_SEGMENT message: same addresses and ports, o's payload size, the
 * last one possibly shorter. Their payloads go to iov. */
static unsigned udp_tx_group(const struct udp_port *up, struct fp_pkt **pkts, unsigned n,
			     const struct fp_outer *o, struct iovec *iov)
{
	uint32_t total = o->ou_plen, prev = o->ou_plen;
	unsigned k = 0, alen = udp_alen(up);
	struct fp_outer c;

	while (k < n && k + 1 < UDP_GSO_MAX_SEGS && prev == o->ou_plen &&
	       udp_tx_parse(up, pkts[k], &c) && c.ou_plen <= o->ou_plen && c.ou_plen > 0 &&
	       total + c.ou_plen <= UDP_GSO_MAX_BYTES && c.ou_dport == o->ou_dport &&
	       memcmp(c.ou_dst, o->ou_dst, alen) == 0 && memcmp(c.ou_src, o->ou_src, alen) == 0) {
		iov[k] = (struct iovec){ pkts[k]->data + c.ou_hlen, c.ou_plen };
		total += c.ou_plen;
		prev = c.ou_plen;
		k++;
	}
	return k;
}

/* Lay out the messages of one sendmmsg; returns their count. Packets the
 * socket cannot send are counted here and left out. */
static unsigned udp_tx_plan(struct udp_port *up, struct fp_pkt **pkts, unsigned n)
{
	struct fp_msgvec *mv = &up->up_mv;
	unsigned m = 0, iov = 0, i = 0;
	struct fp_outer o;

	while (i < n) {
		if (!udp_tx_parse(up, pkts[i], &o)) {
			up->base.pt_st.tx_drop_unsendable++;
			i++;
			continue;
		}
		mv->mv_iov[iov] = (struct iovec){ pkts[i]->data + o.ou_hlen, o.ou_plen };
		unsigned segs = 1;
		if (up->up_gso && o.ou_plen > 0)
			segs += udp_tx_group(up, pkts + i + 1, n - i - 1, &o, &mv->mv_iov[iov + 1]);
		fp_msg_tx_prep(mv, m, iov, segs, up->up_af, o.ou_dst, o.ou_dport);
		struct msghdr *h = &mv->mv_hdr[m].msg_hdr;
		if (up->up_wildcard)
			fp_msg_put_pktinfo(h, up->up_af, o.ou_src);
		if (segs > 1)
			fp_msg_put_segment(h, (uint16_t)o.ou_plen);
		up->up_first[m] = (uint16_t)i;
		up->up_segs[m] = (uint16_t)segs;
		m++;
		iov += segs;
		i += segs;
	}
	return m;
}

/* A UDP_SEGMENT message the kernel refused goes again one datagram at a
 * time (EIO: the route's device cannot checksum for GSO; stop asking). */
static unsigned udp_tx_ungroup(struct udp_port *up, unsigned msg)
{
	struct msghdr h = up->up_mv.mv_hdr[msg].msg_hdr;
	struct iovec *iov = h.msg_iov;
	unsigned sent = 0, segs = up->up_segs[msg];

	if (errno == EIO)
		up->up_gso = false;
	h.msg_iovlen = 1;
	/* keep the PKTINFO source (put first), drop the UDP_SEGMENT after it */
	h.msg_controllen = !up->up_wildcard ? 0 :
			   up->up_af == 4 ? CMSG_SPACE(sizeof(struct in_pktinfo)) :
					    CMSG_SPACE(sizeof(struct in6_pktinfo));
	for (unsigned k = 0; k < segs; k++) {
		h.msg_iov = &iov[k];
		sent += sendmsg(up->base.pt_fd, &h, MSG_DONTWAIT) >= 0;
	}
	up->base.pt_st.tx_batches += segs;
	return sent;
}

static void udp_tx_account(struct udp_port *up, struct fp_pkt **pkts, unsigned msg,
			   unsigned sent)
{
	struct fp_port_stats *st = &up->base.pt_st;
	unsigned first = up->up_first[msg], segs = up->up_segs[msg];

	for (unsigned k = 0; k < sent; k++)
		st->tx_bytes += pkts[first + k]->len;
	st->tx_pkts += sent;
	st->tx_errors += segs - sent;
	if (segs > 1 && sent == segs)
		st->tx_gso_segs += segs;
}

unsigned fp_udp_tx(struct fp_port *port, struct fp_pktcache *cache, struct fp_pkt **pkts,
		   unsigned n)
{
	struct udp_port *up = fp_port_of(port, struct udp_port);
	unsigned m = udp_tx_plan(up, pkts, n), done = 0, sent = 0;

	while (done < m) {
		int r = sendmmsg(port->pt_fd, up->up_mv.mv_hdr + done, m - done, MSG_DONTWAIT);
		port->pt_st.tx_batches++;
		for (int k = 0; k < r; k++, done++) {
			udp_tx_account(up, pkts, done, up->up_segs[done]);
			sent += up->up_segs[done];
		}
		if (r > 0)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
			for (; done < m; done++)
				udp_tx_account(up, pkts, done, 0); /* socket full: dropped */
			break;
		}
		unsigned ok = up->up_segs[done] > 1 ? udp_tx_ungroup(up, done) : 0;
		udp_tx_account(up, pkts, done++, ok);
		sent += ok;
	}
	fp_pkt_free(cache, pkts, n);
	return sent;
}
