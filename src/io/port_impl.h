/* What the port files share: the common part of every port and each
 * kind's entry points. Not for users of port.h.
 *
 * Each kind embeds struct fp_port first in its own struct (tun.c,
 * udp.c, rawesp.c); port.c dispatches on pt_kind and owns the counters'
 * public face. */
#ifndef FP_PORT_IMPL_H
#define FP_PORT_IMPL_H

#include <stddef.h>

#include "io/port.h"

struct fp_port {
	enum fp_port_kind pt_kind;
	int pt_fd;
	struct fp_port_stats pt_st;
};

/* The largest packet a buffer holds: what is left after the headroom. */
#define FP_PORT_PKT_ROOM (FP_PKT_BUF_SIZE - FP_PKT_HEADROOM)

#define fp_port_of(ptr, type) ((type *)(void *)((char *)(ptr) - offsetof(type, base)))

unsigned fp_tun_rx(struct fp_port *port, struct fp_pktcache *cache, struct fp_pkt **pkts,
		   unsigned max, uint64_t now_ns);
unsigned fp_tun_tx(struct fp_port *port, struct fp_pktcache *cache, struct fp_pkt **pkts,
		   unsigned n);
void fp_tun_close(struct fp_port *port);

unsigned fp_udp_rx(struct fp_port *port, struct fp_pktcache *cache, struct fp_pkt **pkts,
		   unsigned max, uint64_t now_ns);
unsigned fp_udp_tx(struct fp_port *port, struct fp_pktcache *cache, struct fp_pkt **pkts,
		   unsigned n);
void fp_udp_close(struct fp_port *port);

unsigned fp_esp_rx(struct fp_port *port, struct fp_pktcache *cache, struct fp_pkt **pkts,
		   unsigned max, uint64_t now_ns);
unsigned fp_esp_tx(struct fp_port *port, struct fp_pktcache *cache, struct fp_pkt **pkts,
		   unsigned n);
void fp_esp_close(struct fp_port *port);

/* Slow-path helpers for the open functions. */

/* Format "what: strerror(errno)" into err; returns -1. */
int fp_port_fail(char *err, size_t errlen, const char *what);
/* setsockopt of an int; 0 or -1 (errno set). */
int fp_port_setopt(int fd, int level, int name, int val);
/* Socket buffer size: the FORCE variant as root (past rmem_max/wmem_max),
 * else the capped one. */
void fp_port_bufsize(int fd, int rcvbuf, int sndbuf);

#endif
