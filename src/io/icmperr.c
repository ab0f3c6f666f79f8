/* The PMTU listener (icmperr.h). */
#include "io/icmperr.h"

#include <errno.h>
#include <stdbool.h>
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/inet.h"
#include "io/port.h"

#define ICMP_DEST_UNREACH 3
#define ICMP_FRAG_NEEDED 4
#define ICMP6_PACKET_TOO_BIG 2

int fp_icmperr_open(uint8_t af, char *err, size_t errlen)
{
	bool v4 = af == FP_AF_INET;
	int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			IPPROTO_ESP);
	int one = 1;
	/* every ESP packet would be copied here too: the filter keeps none */
	if (fd < 0 || fp_port_keep_none(fd) < 0 ||
	    setsockopt(fd, v4 ? IPPROTO_IP : IPPROTO_IPV6, v4 ? IP_RECVERR : IPV6_RECVERR, &one,
		       sizeof(one)) < 0) {
		snprintf(err, errlen, "PMTU listener (raw ESP, %s): %s", v4 ? "IPv4" : "IPv6",
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static bool is_pmtu(const struct sock_extended_err *ee, bool v4)
{
	if (v4)
		return ee->ee_origin == SO_EE_ORIGIN_ICMP && ee->ee_type == ICMP_DEST_UNREACH &&
		       ee->ee_code == ICMP_FRAG_NEEDED;
	return ee->ee_origin == SO_EE_ORIGIN_ICMP6 && ee->ee_type == ICMP6_PACKET_TOO_BIG;
}

static const struct sock_extended_err *ext_err(struct msghdr *m, bool v4)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c))
		if ((v4 && c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
		    (!v4 && c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR))
			return (const struct sock_extended_err *)(const void *)CMSG_DATA(c);
	return NULL;
}

int fp_icmperr_read(int fd, uint8_t af, struct fp_icmperr *e)
{
	bool v4 = af == FP_AF_INET;
	for (;;) {
		uint8_t payload[64], ctl[256];
		struct sockaddr_storage to;
		struct iovec iov = {payload, sizeof(payload)};
		struct msghdr m = {.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
				   .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
		ssize_t n = recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (n < 0)
			return 0; /* EAGAIN: nothing queued */
		const struct sock_extended_err *ee = ext_err(&m, v4);
		/* the payload is what followed the quoted IP header: the ESP header */
		if (!ee || !is_pmtu(ee, v4) || n < 4 || m.msg_namelen < (v4 ? sizeof(struct sockaddr_in)
									   : sizeof(struct sockaddr_in6)))
			continue;
		memset(e, 0, sizeof(*e));
		e->af = af;
		if (v4)
			memcpy(e->dst, &((const struct sockaddr_in *)(const void *)&to)->sin_addr, 4);
		else
			memcpy(e->dst, &((const struct sockaddr_in6 *)(const void *)&to)->sin6_addr, 16);
		e->spi = fp_get32(payload);
		e->mtu = ee->ee_info;
		return 1;
	}
}
