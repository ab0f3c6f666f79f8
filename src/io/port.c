/* Ports: the one dispatch over the three kinds and the counters' public
 * face. The work is in tun.c, udp.c and rawesp.c. */
#include "io/port_impl.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define FP_PORT_BUF_DEFAULT (8 << 20) /* 8 MiB: a burst of 64 KB GSO sends fits many times */

void fp_port_close(struct fp_port *port)
{
	if (!port)
		return;
	switch (port->pt_kind) {
	case FP_PORT_TUN:
		fp_tun_close(port);
		break;
	case FP_PORT_UDP:
		fp_udp_close(port);
		break;
	case FP_PORT_ESP:
		fp_esp_close(port);
		break;
	}
}

enum fp_port_kind fp_port_kind(const struct fp_port *port)
{
	return port->pt_kind;
}

int fp_port_fd(const struct fp_port *port)
{
	return port->pt_fd;
}

const struct fp_port_stats *fp_port_stats(const struct fp_port *port)
{
	return &port->pt_st;
}

void fp_port_stats_clear(struct fp_port *port)
{
	memset(&port->pt_st, 0, sizeof(port->pt_st));
}

unsigned fp_port_rx(struct fp_port *port, struct fp_pktcache *cache, struct fp_pkt **pkts,
		    unsigned max, uint64_t now_ns)
{
	if (max > FP_VEC_MAX)
		max = FP_VEC_MAX;
	switch (port->pt_kind) {
	case FP_PORT_TUN:
		return fp_tun_rx(port, cache, pkts, max, now_ns);
	case FP_PORT_UDP:
		return fp_udp_rx(port, cache, pkts, max, now_ns);
	case FP_PORT_ESP:
		return fp_esp_rx(port, cache, pkts, max, now_ns);
	}
	return 0;
}

/* Bursts longer than the per-port message arrays go out in slices. */
unsigned fp_port_tx(struct fp_port *port, struct fp_pktcache *cache, struct fp_pkt **pkts,
		    unsigned n)
{
	unsigned sent = 0;

	for (unsigned i = 0; i < n; i += FP_VEC_MAX) {
		unsigned k = n - i < FP_VEC_MAX ? n - i : FP_VEC_MAX;
		switch (port->pt_kind) {
		case FP_PORT_TUN:
			sent += fp_tun_tx(port, cache, pkts + i, k);
			break;
		case FP_PORT_UDP:
			sent += fp_udp_tx(port, cache, pkts + i, k);
			break;
		case FP_PORT_ESP:
			sent += fp_esp_tx(port, cache, pkts + i, k);
			break;
		}
	}
	return sent;
}

int fp_port_fail(char *err, size_t errlen, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
	return -1;
}

int fp_port_setopt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val));
}

void fp_port_bufsize(int fd, int rcvbuf, int sndbuf)
{
	rcvbuf = rcvbuf > 0 ? rcvbuf : FP_PORT_BUF_DEFAULT;
	sndbuf = sndbuf > 0 ? sndbuf : FP_PORT_BUF_DEFAULT;
	/* not fatal: a small buffer costs drops under load, not function */
	if (fp_port_setopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf) < 0)
		(void)fp_port_setopt(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf);
	if (fp_port_setopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, sndbuf) < 0)
		(void)fp_port_setopt(fd, SOL_SOCKET, SO_SNDBUF, sndbuf);
}

unsigned fp_port_dev_mtu(const char *dev)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	int r = ioctl(s, SIOCGIFMTU, &ifr);
	close(s);
	return r < 0 || ifr.ifr_mtu < 0 ? 0 : (unsigned)ifr.ifr_mtu;
}

uint64_t fp_port_rx_overflows(const struct fp_port *port)
{
	uint32_t mem[SK_MEMINFO_VARS] = {0};
	socklen_t len = sizeof(mem);
	if (port->pt_kind == FP_PORT_TUN || port->pt_fd < 0 ||
	    getsockopt(port->pt_fd, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0 ||
	    len <= SK_MEMINFO_DROPS * sizeof(mem[0]))
		return 0;
	return mem[SK_MEMINFO_DROPS];
}

int fp_port_keep_none(int fd)
{
	struct sock_filter none = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = {.len = 1, .filter = &none};
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}
