/* Socket message batches and their ancillary data (msg.h). */
#include "io/msg.h"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

int fp_msgvec_init(struct fp_msgvec *mv)
{
	memset(mv, 0, sizeof(*mv));
	mv->mv_hdr = calloc(FP_VEC_MAX, sizeof(*mv->mv_hdr));
	mv->mv_iov = calloc(FP_VEC_MAX, sizeof(*mv->mv_iov));
	mv->mv_name = calloc(FP_VEC_MAX, sizeof(*mv->mv_name));
	mv->mv_ctl = aligned_alloc(alignof(struct cmsghdr), FP_VEC_MAX * FP_MSG_CTL);
	if (!mv->mv_hdr || !mv->mv_iov || !mv->mv_name || !mv->mv_ctl) {
		fp_msgvec_fini(mv);
		return -1;
	}
	return 0;
}

void fp_msgvec_fini(struct fp_msgvec *mv)
{
	free(mv->mv_hdr);
	free(mv->mv_iov);
	free(mv->mv_name);
	free(mv->mv_ctl);
	memset(mv, 0, sizeof(*mv));
}

void fp_msg_rx_prep(struct fp_msgvec *mv, unsigned i, void *buf, size_t len)
{
	struct msghdr *m = &mv->mv_hdr[i].msg_hdr;

	mv->mv_iov[i].iov_base = buf;
	mv->mv_iov[i].iov_len = len;
	m->msg_name = &mv->mv_name[i];
	m->msg_namelen = sizeof(mv->mv_name[i]);
	m->msg_iov = &mv->mv_iov[i];
	m->msg_iovlen = 1;
	/* the kernel shrinks these to what it wrote: reset every time */
	m->msg_control = mv->mv_ctl + (size_t)i * FP_MSG_CTL;
	m->msg_controllen = FP_MSG_CTL;
	m->msg_flags = 0;
}

void fp_msg_tx_prep(struct fp_msgvec *mv, unsigned i, unsigned iov, unsigned iovcnt,
		    uint8_t af, const uint8_t *addr, uint16_t port)
{
	struct msghdr *m = &mv->mv_hdr[i].msg_hdr;

	m->msg_name = &mv->mv_name[i];
	m->msg_namelen = fp_msg_sockaddr(&mv->mv_name[i], af, addr, port);
	m->msg_iov = &mv->mv_iov[iov];
	m->msg_iovlen = iovcnt;
	m->msg_control = mv->mv_ctl + (size_t)i * FP_MSG_CTL;
	m->msg_controllen = 0;
	m->msg_flags = 0;
}

socklen_t fp_msg_sockaddr(struct sockaddr_storage *ss, uint8_t af, const uint8_t *addr,
			  uint16_t port)
{
	if (af == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		memset(s4, 0, sizeof(*s4));
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, addr, 4);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	memset(s6, 0, sizeof(*s6));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, addr, 16);
	return sizeof(*s6);
}

const uint8_t *fp_msg_sockaddr_addr(const struct sockaddr_storage *ss, uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		*port = ntohs(s4->sin_port);
		return (const uint8_t *)&s4->sin_addr;
	}
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
	*port = ntohs(s6->sin6_port);
	return (const uint8_t *)&s6->sin6_addr;
}

const uint8_t *fp_msg_pktinfo_dst(struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
			return (const uint8_t *)&((struct in_pktinfo *)CMSG_DATA(c))->ipi_addr;
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)
			return (const uint8_t *)&((struct in6_pktinfo *)CMSG_DATA(c))->ipi6_addr;
	}
	return NULL;
}

uint16_t fp_msg_gro_size(struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
			int v;
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			return v > 0 && v <= 0xffff ? (uint16_t)v : 0;
		}
	}
	return 0;
}

/* Append one cmsg to m's control buffer (room checked by FP_MSG_CTL). */
static void *msg_put(struct msghdr *m, int level, int type, size_t len)
{
	struct cmsghdr *c = (struct cmsghdr *)((uint8_t *)m->msg_control + m->msg_controllen);

	memset(c, 0, CMSG_SPACE(len));
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	m->msg_controllen += CMSG_SPACE(len);
	return CMSG_DATA(c);
}

void fp_msg_put_pktinfo(struct msghdr *m, uint8_t af, const uint8_t *src)
{
	if (af == 4) {
		struct in_pktinfo *pi = msg_put(m, IPPROTO_IP, IP_PKTINFO, sizeof(*pi));
		memcpy(&pi->ipi_spec_dst, src, 4);
	} else {
		struct in6_pktinfo *pi = msg_put(m, IPPROTO_IPV6, IPV6_PKTINFO, sizeof(*pi));
		memcpy(&pi->ipi6_addr, src, 16);
	}
}

void fp_msg_put_segment(struct msghdr *m, uint16_t gso_size)
{
	uint16_t *v = msg_put(m, SOL_UDP, UDP_SEGMENT, sizeof(*v));

	*v = gso_size;
}
