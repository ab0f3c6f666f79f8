/* Raw ESP ports: IP protocol 50 on the outside address, for peers that do
 * not encapsulate in UDP.
 *
 * IPv4 raw sockets hand over the whole packet and, with IP_HDRINCL, send
 * the engine's header as it is (the kernel fills only a zero id and the
 * checksum). IPv6 raw sockets never show the IPv6 header: rx rebuilds it
 * (outer.c) from the sender's address and the IPV6_PKTINFO destination,
 * tx sends the payload to the header's destination.
 *
 * A kernel with xfrm ESP still copies every ESP packet to raw sockets
 * first (raw_local_deliver), so the port sees them either way; fpvpn
 * installs no xfrm state, so the kernel's copy finds no SA and is dropped. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/msg.h"
#include "io/outer.h"
#include "io/port_impl.h"

struct esp_port {
	struct fp_port base;
	uint8_t ep_af;              /* 4 or 6 */
	uint8_t ep_laddr[16];
	bool ep_wildcard;           /* bound to the wildcard address */
	struct fp_msgvec ep_mv;
};

static unsigned esp_alen(const struct esp_port *ep)
{
	return ep->ep_af == 4 ? 4 : 16;
}

/* IPv6 rx rebuilds the header in front of the payload; IPv4 gets it. */
static unsigned esp_rx_hoff(const struct esp_port *ep)
{
	return ep->ep_af == 4 ? 0 : FP_IPV6_HLEN;
}

/* ---- open ---------------------------------------------------------------- */

static int esp_socket(struct esp_port *ep, const char *device, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = fp_msg_sockaddr(&ss, ep->ep_af, ep->ep_laddr, 0);
	int fd = socket(ep->ep_af == 4 ? AF_INET : AF_INET6,
			SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP);

	ep->base.pt_fd = fd;
	if (fd < 0)
		return fp_port_fail(err, errlen, "socket(SOCK_RAW, IPPROTO_ESP)");
	if (ep->ep_af == 4 && fp_port_setopt(fd, IPPROTO_IP, IP_HDRINCL, 1) < 0)
		return fp_port_fail(err, errlen, "IP_HDRINCL");
	if (ep->ep_af == 6 && fp_port_setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) < 0)
		return fp_port_fail(err, errlen, "IPV6_RECVPKTINFO");
	if (device && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device,
				 (socklen_t)strlen(device)) < 0)
		return fp_port_fail(err, errlen, "SO_BINDTODEVICE");
	fp_port_bufsize(fd, 0, 0);
	/* bound: only packets to this address reach the socket */
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		return fp_port_fail(err, errlen, "bind");
	return 0;
}

int fp_port_esp_open(const struct fp_addr *local, const char *device, struct fp_port **port,
		     char *err, size_t errlen)
{
	static const uint8_t zero[16];
	struct esp_port *ep;

	if (local->af != FP_AF_INET && local->af != FP_AF_INET6) {
		snprintf(err, errlen, "esp: no local address family");
		return -1;
	}
	ep = calloc(1, sizeof(*ep));
	if (!ep || fp_msgvec_init(&ep->ep_mv) < 0) {
		free(ep);
		errno = ENOMEM;
		return fp_port_fail(err, errlen, "esp port");
	}
	ep->base.pt_kind = FP_PORT_ESP;
	ep->ep_af = local->af;
	memcpy(ep->ep_laddr, local->a, 16);
	ep->ep_wildcard = memcmp(ep->ep_laddr, zero, esp_alen(ep)) == 0;
	if (esp_socket(ep, device, err, errlen) < 0) {
		fp_esp_close(&ep->base);
		return -1;
	}
	*port = &ep->base;
	return 0;
}

void fp_esp_close(struct fp_port *port)
{
	struct esp_port *ep = fp_port_of(port, struct esp_port);

	if (port->pt_fd >= 0)
		close(port->pt_fd);
	fp_msgvec_fini(&ep->ep_mv);
	free(ep);
}

/* ---- rx ------------------------------------------------------------------ */

/* A received message into a full packet; false if it cannot be one. */
static bool esp_rx_one(struct esp_port *ep, struct mmsghdr *mh, struct fp_pkt *p)
{
	struct msghdr *m = &mh->msg_hdr;
	uint16_t port;

	if (m->msg_flags & MSG_TRUNC)
		return false;
	if (ep->ep_af == 4) {
		p->len = mh->msg_len;
		return p->len >= FP_IPV4_HLEN;
	}
	struct fp_outer o = {
		.ou_af = 6,
		.ou_proto = FP_IPPROTO_ESP,
		.ou_plen = mh->msg_len,
		.ou_src = fp_msg_sockaddr_addr(m->msg_name, &port),
		.ou_dst = fp_msg_pktinfo_dst(m),
	};
	if (!o.ou_dst)
		o.ou_dst = ep->ep_laddr;
	fp_outer_write(p->data, &o);
	p->len = FP_IPV6_HLEN + mh->msg_len;
	return true;
}

unsigned fp_esp_rx(struct fp_port *port, struct fp_pktcache *cache, struct fp_pkt **pkts,
		   unsigned max, uint64_t now_ns)
{
	struct esp_port *ep = fp_port_of(port, struct esp_port);
	struct fp_msgvec *mv = &ep->ep_mv;
	struct fp_port_stats *st = &port->pt_st;
	unsigned hoff = esp_rx_hoff(ep), k = fp_pkt_alloc(cache, pkts, max), n = 0;

	if (!k) {
		st->rx_nobuf++;
		return 0;
	}
	for (unsigned i = 0; i < k; i++)
		fp_msg_rx_prep(mv, i, pkts[i]->data + hoff, FP_PORT_PKT_ROOM - hoff);
	int r = recvmmsg(port->pt_fd, mv->mv_hdr, k, MSG_DONTWAIT, NULL);
	if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		st->rx_errors++;
	for (int i = 0; i < r; i++) {
		if (!esp_rx_one(ep, &mv->mv_hdr[i], pkts[i])) {
			st->rx_errors++;
			continue;
		}
		pkts[i]->ts_ns = now_ns;
		st->rx_bytes += pkts[i]->len;
		struct fp_pkt *t = pkts[n];
		pkts[n++] = pkts[i];
		pkts[i] = t;
	}
	st->rx_batches += r > 0;
	st->rx_pkts += n;
	fp_pkt_free(cache, pkts + n, k - n);
	return n;
}

/* ---- tx ------------------------------------------------------------------ */

/* Message m for packet p, or false if this socket cannot send it: not
 * ESP of the socket's family, or from another address than the bound one. */
static bool esp_tx_prep(struct esp_port *ep, unsigned m, const struct fp_pkt *p)
{
	struct fp_msgvec *mv = &ep->ep_mv;
	struct fp_outer o;

	if (!fp_outer_parse(p->data, p->len, FP_IPPROTO_ESP, &o) || o.ou_af != ep->ep_af ||
	    (!ep->ep_wildcard && memcmp(o.ou_src, ep->ep_laddr, esp_alen(ep)) != 0))
		return false;
	if (ep->ep_af == 4) /* IP_HDRINCL: the header goes too */
		mv->mv_iov[m] = (struct iovec){ p->data, o.ou_hlen + o.ou_plen };
	else
		mv->mv_iov[m] = (struct iovec){ p->data + o.ou_hlen, o.ou_plen };
	fp_msg_tx_prep(mv, m, m, 1, ep->ep_af, o.ou_dst, 0);
	if (ep->ep_af == 6 && ep->ep_wildcard)
		fp_msg_put_pktinfo(&mv->mv_hdr[m].msg_hdr, 6, o.ou_src);
	return true;
}

unsigned fp_esp_tx(struct fp_port *port, struct fp_pktcache *cache, struct fp_pkt **pkts,
		   unsigned n)
{
	struct esp_port *ep = fp_port_of(port, struct esp_port);
	struct fp_port_stats *st = &port->pt_st;
	struct fp_pkt *msg_pkt[FP_VEC_MAX];
	unsigned m = 0, done = 0, sent = 0;

	for (unsigned i = 0; i < n; i++) {
		if (esp_tx_prep(ep, m, pkts[i]))
			msg_pkt[m++] = pkts[i];
		else
			st->tx_drop_unsendable++;
	}
	while (done < m) {
		int r = sendmmsg(port->pt_fd, ep->ep_mv.mv_hdr + done, m - done, MSG_DONTWAIT);
		st->tx_batches++;
		for (int k = 0; k < r; k++)
			st->tx_bytes += msg_pkt[done++]->len;
		if (r > 0) {
			sent += (unsigned)r;
			continue;
		}
		bool full = errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS;
		unsigned lost = full ? m - done : 1; /* a full socket drops the rest */
		st->tx_errors += lost;
		done += lost;
	}
	st->tx_pkts += sent;
	fp_pkt_free(cache, pkts, n);
	return sent;
}
