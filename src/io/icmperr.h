/* PMTU messages about the raw ESP packets fpvpnd sends: a router on the way
 * to the peer that cannot forward one answers with ICMP "fragmentation
 * needed" (ICMPv6 "packet too big"), and the kernel queues it on every raw
 * ESP socket that asked (IP_RECVERR, raw_icmp_error). The workers' sockets
 * do not ask, so a pending error never fails their batches; one listening
 * socket per family does, takes no packets (a filter refuses them all)
 * and is read by the slow path. ESP in UDP needs none of this: with DF off
 * the kernel cuts those datagrams to the path MTU it learned itself. */
#ifndef FP_ICMPERR_H
#define FP_ICMPERR_H

#include <stddef.h>
#include <stdint.h>

struct fp_icmperr {
	uint8_t af;                 /* FP_AF_INET / FP_AF_INET6 */
	uint8_t dst[16];            /* the ESP packet's destination: the peer */
	uint32_t spi;               /* its SPI */
	uint32_t mtu;               /* the MTU the router said it can forward */
};

/* The listening socket of family af (FP_AF_*): an fd to poll, or -1 and err. */
int fp_icmperr_open(uint8_t af, char *err, size_t errlen);
/* The next PMTU message queued on fd, skipping other errors: 1 with *e, 0
 * when none is left. Never blocks. */
int fp_icmperr_read(int fd, uint8_t af, struct fp_icmperr *e);

#endif
