/* Socket message batches, shared by the UDP and raw ESP ports: the
 * mmsghdr/iovec/sockaddr/control arrays one recvmmsg or sendmmsg needs,
 * allocated once per port, and the few ancillary data items the ports
 * read (IP_PKTINFO/IPV6_PKTINFO, UDP_GRO) and write (PKTINFO source,
 * UDP_SEGMENT). */
#ifndef FP_MSG_H
#define FP_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/pkt.h"

#define FP_MSG_CTL 128u /* per message: PKTINFO (v6: 40) + UDP_GRO/UDP_SEGMENT (24), and room */

/* Scratch for one system call: a port's rx and tx share one msgvec, and
 * each recvmmsg/sendmmsg (and its prep) rewrites lengths, names and control
 * data. Whatever must outlive the call (a GRO message being split over
 * several fp_port_rx calls) is copied out of it first. */

struct fp_msgvec {
	struct mmsghdr *mv_hdr;            /* FP_VEC_MAX messages */
	struct iovec *mv_iov;              /* FP_VEC_MAX: one per packet, gathered on tx */
	struct sockaddr_storage *mv_name;  /* FP_VEC_MAX */
	uint8_t *mv_ctl;                   /* FP_VEC_MAX * FP_MSG_CTL, cmsghdr aligned */
};

int fp_msgvec_init(struct fp_msgvec *mv);   /* 0, or -1 (ENOMEM) */
void fp_msgvec_fini(struct fp_msgvec *mv);

/* Message i receives into buf[0..len) with room for a name and PKTINFO. */
void fp_msg_rx_prep(struct fp_msgvec *mv, unsigned i, void *buf, size_t len);

/* Message i sends iovcnt iovecs from mv_iov[iov] to (af, addr, port), with
 * no ancillary data yet (fp_msg_put_* adds). */
void fp_msg_tx_prep(struct fp_msgvec *mv, unsigned i, unsigned iov, unsigned iovcnt,
		    uint8_t af, const uint8_t *addr, uint16_t port);

/* Fill a sockaddr_in/in6 for af (4 or 6); returns its length. */
socklen_t fp_msg_sockaddr(struct sockaddr_storage *ss, uint8_t af, const uint8_t *addr,
			  uint16_t port);
/* The address bytes and port (host order) of a sockaddr_in/in6. */
const uint8_t *fp_msg_sockaddr_addr(const struct sockaddr_storage *ss, uint16_t *port);

/* Received ancillary data: the packet's destination address from
 * PKTINFO (NULL if absent), the UDP_GRO segment size (0 if absent). */
const uint8_t *fp_msg_pktinfo_dst(struct msghdr *m);
uint16_t fp_msg_gro_size(struct msghdr *m);

/* Ancillary data to send: the source address (for a socket bound to the
 * wildcard address), the UDP_SEGMENT size. */
void fp_msg_put_pktinfo(struct msghdr *m, uint8_t af, const uint8_t *src);
void fp_msg_put_segment(struct msghdr *m, uint16_t gso_size);

#endif
