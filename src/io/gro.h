/* Coalescing on the way into the TUN device: consecutive TCP segments of
 * one flow leave as one super-packet with GSO metadata, so the kernel
 * takes a 64 KB run in one write(2) instead of forty. The kernel's own
 * GRO rules decide what may merge (tcp_gro_receive): same addresses,
 * ports, ACK, window, options and IP fields, sequence numbers that follow
 * each other, every segment of the first one's size but the last, only
 * ACK/PSH flags and PSH only at the end. UDP datagrams of one flow merge
 * the same way into a USO super-packet (Linux 6.2, udp_gro_receive's
 * rules: same addresses, ports and IP fields, every datagram the first
 * one's size but the last), which the kernel cuts back into datagrams.
 *
 * Pure functions over packets: the TUN port does the write. */
#ifndef FP_GRO_H
#define FP_GRO_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_net.h>

#include "common/pkt.h"

#define FP_GRO_MAX_SEGS 64u   /* per super-packet (the iovec array's size; UDP_MAX_SEGMENTS) */

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5 /* Linux 6.2 headers; older ones lack it */
#endif

/* A run of packets that makes one super-packet. */
struct fp_gro {
	unsigned gr_n;              /* packets in the run, >= 1 */
	uint32_t gr_len;            /* length of the super-packet */
	uint16_t gr_hlen;           /* IP + TCP (or UDP) header bytes of each packet */
	struct virtio_net_hdr gr_vh; /* all zero when gr_n == 1 */
};

/* How many packets from pkts[0] on (at most n) merge into one; fills g.
 * A packet that merges with nothing is a run of one with a zero header.
 * udp: UDP datagrams may merge too (the device takes USO). */
unsigned fp_gro_run(struct fp_pkt *const *pkts, unsigned n, bool udp, struct fp_gro *g);

/* Turn the run's first packet into the super-packet's head: IP length
 * (and IPv4 header checksum), PSH from the last packet (TCP) or the UDP
 * length, and the checksum field set to the pseudo-header sum, as
 * NEEDS_CSUM wants. The payload of every other packet of the run follows
 * at data + gr_hlen. */
void fp_gro_finish(const struct fp_gro *g, struct fp_pkt *first, const struct fp_pkt *last);

#endif
