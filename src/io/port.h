/* Ports: where packets enter and leave the live gateway. Whatever the
 * device (TUN queue, UDP socket, raw ESP socket), a port hands out and
 * takes full IP packets, exactly as the pcap files of the offline mode do,
 * so classification, the engine and the datapath never know the
 * difference. Calls move bursts: one recvmmsg/sendmmsg (or a TUN read
 * loop) per burst, never one system call per packet where the kernel
 * offers a batch.
 *
 * A port is used by one thread at a time; a thread may own several. */
#ifndef FP_PORT_H
#define FP_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/pkt.h"
#include "common/pktpool.h"

enum fp_port_kind { FP_PORT_TUN, FP_PORT_UDP, FP_PORT_ESP };

/* Counters of one port, for show interface / show npu-accel statistics. */
struct fp_port_stats {
	uint64_t rx_pkts, rx_bytes, rx_batches;
	uint64_t tx_pkts, tx_bytes, tx_batches;
	uint64_t rx_errors, tx_errors;     /* failed system calls, bad vnet headers */
	uint64_t rx_nobuf;                 /* packets left in the kernel: no free buffer */
	uint64_t rx_gso_segs, tx_gso_segs; /* segments made from/into super-packets */
	uint64_t tx_drop_unsendable;       /* not a packet this port can send */
};

struct fp_port;

struct fp_tun_opts {
	const char *name;        /* device name */
	unsigned queues;         /* IFF_MULTI_QUEUE queues (one per worker), >= 1 */
	bool offload;            /* IFF_VNET_HDR + TUNSETOFFLOAD (TSO4/6, USO where the kernel has it) */
	uint32_t mtu;            /* 0 = leave as is */
};

/* Create (or attach to) a TUN device; one port per queue. ports must hold
 * opts->queues entries. The device is brought up; addresses and routes
 * are the caller's (netlink.h). Returns 0, or -1 with err. */
int fp_port_tun_open(const struct fp_tun_opts *opts, struct fp_port **ports, char *err,
		     size_t errlen);

struct fp_udp_opts {
	struct fp_addr local;    /* bind address (the outside interface's) */
	uint16_t port;           /* 4500, 500, or a configured encapsulation port */
	bool reuseport;          /* SO_REUSEPORT: one socket per worker */
	bool gro;                /* UDP_GRO on receive, UDP_SEGMENT on send */
	const char *device;      /* SO_BINDTODEVICE, or NULL */
	int rcvbuf, sndbuf;      /* bytes; 0 = fpvpn's default (8 MiB), forced past rmem_max as root */
};

/* A UDP socket whose packets appear as full IPv4/IPv6 + UDP packets: rx
 * builds the outer headers from the addresses the kernel reports
 * (IP_PKTINFO / IPV6_RECVPKTINFO), tx strips them and sends the payload to
 * the packet's destination address and port from its source port. */
int fp_port_udp_open(const struct fp_udp_opts *opts, struct fp_port **port, char *err,
		     size_t errlen);

/* Raw ESP (IP protocol 50) on the local address: rx yields full packets
 * (for IPv6, the header is rebuilt from the addresses), tx sends the
 * packet as it is (IPv4: IP_HDRINCL; IPv6: payload to the destination). */
int fp_port_esp_open(const struct fp_addr *local, const char *device, struct fp_port **port,
		     char *err, size_t errlen);

/* A socket filter that keeps no packet (a raw socket gets a copy of every
 * packet of its protocol; this one only sends, or only reads errors). */
int fp_port_keep_none(int fd);

/* Datagrams the kernel dropped on this socket since it was opened: its
 * receive buffer was full (SO_MEMINFO's drop count, 32 bits, wraps).
 * 0 for TUN queues (the device counts its own). */
uint64_t fp_port_rx_overflows(const struct fp_port *port);

/* The MTU of network device dev now; 0 if it cannot be read. */
unsigned fp_port_dev_mtu(const char *dev);

void fp_port_close(struct fp_port *port);
enum fp_port_kind fp_port_kind(const struct fp_port *port);
int fp_port_fd(const struct fp_port *port);   /* for epoll: readable = rx has work */
const struct fp_port_stats *fp_port_stats(const struct fp_port *port);
void fp_port_stats_clear(struct fp_port *port);

/* Receive up to max packets into buffers from cache (non-blocking).
 * Super-packets from TUN offload are segmented into MTU-size packets here;
 * UDP GRO batches are split back into datagrams. Returns the count. A call
 * that returns max may leave packets in the port (the rest of a super-packet
 * or GRO batch) where epoll cannot see them: call again before waiting. */
unsigned fp_port_rx(struct fp_port *port, struct fp_pktcache *cache, struct fp_pkt **pkts,
		    unsigned max, uint64_t now_ns);

/* Send n packets; every packet goes back to cache whether or not it was
 * sent (failures are counted). Consecutive equal-size UDP datagrams to the
 * same destination go out as one UDP_SEGMENT send where enabled. Returns
 * how many were sent. */
unsigned fp_port_tx(struct fp_port *port, struct fp_pktcache *cache, struct fp_pkt **pkts,
		    unsigned n);

#endif
