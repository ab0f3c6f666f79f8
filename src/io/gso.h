/* Segmentation of the TUN device's super-packets (TSO/USO offload), done
 * in user space the way the kernel's tcp_gso_segment/__udp_gso_segment
 * would: the kernel hands over one TCP or UDP packet of up to 64 KB with
 * a virtio_net_hdr saying how to cut it, and the engine wants packets of
 * at most MTU size.
 *
 * Pure functions over buffers: no port, no system call, so unit tests can
 * drive them with handmade super-packets. */
#ifndef FP_GSO_H
#define FP_GSO_H

#include <stdint.h>

#include <linux/virtio_net.h>

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5 /* USO, Linux 6.2; older headers lack it */
#endif

/* A super-packet, checked and ready to be cut. */
struct fp_gso {
	const uint8_t *gs_pkt;  /* first byte of the IP header */
	uint32_t gs_len;        /* bytes of the whole super-packet */
	uint16_t gs_l4;         /* offset of the TCP/UDP header (csum_start) */
	uint16_t gs_hlen;       /* IP + TCP/UDP header bytes, repeated in every segment */
	uint16_t gs_mss;        /* payload bytes per segment (gso_size); the last may be less */
	uint16_t gs_segs;       /* segments it makes */
	uint8_t gs_af;          /* 4 or 6 */
	uint8_t gs_proto;       /* FP_IPPROTO_TCP or FP_IPPROTO_UDP */
};

/* Check a super-packet against its vnet header (gso_type other than
 * NONE). Returns 0, or -1 when the header and the packet disagree (wrong
 * family, lengths, offsets, a zero gso_size, no payload). */
int fp_gso_init(struct fp_gso *g, const struct virtio_net_hdr *vh, const uint8_t *pkt,
		uint32_t len);

/* Write segment i (0 <= i < gs_segs) to out, which has room for
 * gs_hlen + gs_mss bytes: headers copied, IP length (and IPv4 id + i,
 * header checksum), TCP sequence number, FIN/PSH on the last segment only
 * and CWR on the first only, UDP length, and a full TCP/UDP checksum.
 * Returns the segment's length. */
uint32_t fp_gso_segment(const struct fp_gso *g, unsigned i, uint8_t *out);

/* NEEDS_CSUM without GSO: the kernel left the transport checksum partial
 * (the pseudo-header sum in the checksum field); finish it over
 * [csum_start, len) into csum_start + csum_offset. -1 if out of bounds. */
int fp_gso_csum_complete(uint8_t *pkt, uint32_t len, uint16_t csum_start,
			 uint16_t csum_offset);

/* One's complement sum of the pseudo-header of the IP packet at ip (its
 * addresses, proto and the transport length l4len), not folded. */
uint32_t fp_gso_pseudo_sum(const uint8_t *ip, uint8_t proto, uint32_t l4len);

/* The full TCP/UDP checksum of the transport segment at ip + l4 (its
 * checksum field is ignored), ready to store (UDP: 0 sent as 0xffff). */
uint16_t fp_gso_l4_csum(const uint8_t *ip, uint32_t l4, uint8_t proto, uint32_t l4len);

#endif
