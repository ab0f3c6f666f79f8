/* Packet buffers and vectors: what the engine and the slow path hand each other.
 *
 * A packet is one fixed-size buffer with headroom, so ESP encapsulation
 * prepends outer headers in place and never copies or allocates. Buffers are
 * owned by a pool (pktpool.h); the engine only moves pointers. */
#ifndef FP_PKT_H
#define FP_PKT_H

#include <stddef.h>
#include <stdint.h>

#define FP_PKT_HEADROOM 192u   /* outer IPv6 (40) + UDP (8) + ESP (8) + IV (16), rounded up */
#define FP_PKT_BUF_SIZE 10240u /* jumbo inner packets + headroom + ESP trailer */
#define FP_VEC_MAX 256u        /* largest burst one call handles */

struct fp_pkt {
	uint8_t *data;     /* first byte of the packet (an IP header) */
	uint32_t len;      /* bytes from data */
	uint16_t ifc;      /* interface id the packet came in on or leaves by */
	uint16_t drop;     /* enum fp_drop: why it was dropped, FP_DROP_NONE if not */
	uint32_t sa;       /* SA index chosen by classification, FP_SA_NONE if none */
	uint32_t flags;    /* FP_PKT_F_* */
	uint16_t esp_off;  /* inbound: offset of the ESP header, set by classification */
	uint8_t in_pool;   /* set while the buffer sits in a pool (double-free check) */
	uint32_t rule;     /* outbound: the policy rule (tunnel) that chose pkt->sa */
	uint64_t ts_ns;    /* arrival time, CLOCK_REALTIME, for captures */
	uint8_t buf[FP_PKT_BUF_SIZE] __attribute__((aligned(64)));
};

#define FP_PKT_F_PUNT 0x1u     /* engine hands it to the slow path, not a drop */
#define FP_PKT_F_OUTBOUND 0x2u /* punted from inside: to be encrypted (pkt->sa set) */
#define FP_PKT_F_REASM 0x8u    /* reassembled from fragments: by the slow path, or the kernel */
#define FP_PKT_F_RESTEER 0x10u /* outbound packet whose SA moved, sent back to the policy once */
#define FP_PKT_F_TAKEN 0x4u    /* emitted, punted or handed off: no longer the caller's */
#define FP_PKT_F_FILTERED 0x20u /* outbound piece of a packet that passed the vpn-filter */
#define FP_PKT_F_RA 0x40u       /* from the inside to a remote-access pool address */
#define FP_PKT_F_DTLS_CTRL 0x100u  /* outbound DTLS: an AnyConnect control frame, not an IP packet */
#define FP_PKT_F_DTLS_ALERT 0x200u /* outbound DTLS: an alert body (level, description) */
/* outbound DTLS, a rehandshake's: a handshake or change_cipher_spec
 * fragment, its content type first, protected at the rule's epoch */
#define FP_PKT_F_DTLS_HS 0x1000u
/* outbound DTLS: a whole record libssl protected at the next epoch (before
 * the rule has its keys), sent as it is, in order with the rule's own */
#define FP_PKT_F_DTLS_SEALED 0x2000u
/* what the slow path builds for a rule: never an IP packet */
#define FP_PKT_F_DTLS_SLOW (FP_PKT_F_DTLS_CTRL | FP_PKT_F_DTLS_ALERT | FP_PKT_F_DTLS_HS | \
			    FP_PKT_F_DTLS_SEALED)
/* a DTLS datagram (inbound) or a packet to a DTLS client (with
 * FP_PKT_F_OUTBOUND) on its way to the pipe or slow path that owns its rule */
#define FP_PKT_F_DTLS 0x400u
/* to a DTLS client, found by the pipe itself (egress optimization): never
 * through the slow path */
#define FP_PKT_F_EGRESS_OPT 0x800u

static inline size_t fp_pkt_headroom(const struct fp_pkt *p)
{
	return (size_t)(p->data - p->buf);
}

static inline size_t fp_pkt_tailroom(const struct fp_pkt *p)
{
	return FP_PKT_BUF_SIZE - fp_pkt_headroom(p) - p->len;
}

/* Grow at the front; the caller has checked fp_pkt_headroom(). */
static inline uint8_t *fp_pkt_push(struct fp_pkt *p, uint32_t n)
{
	p->data -= n;
	p->len += n;
	return p->data;
}

/* Strip n bytes from the front; the caller has checked len >= n. */
static inline uint8_t *fp_pkt_pull(struct fp_pkt *p, uint32_t n)
{
	p->data += n;
	p->len -= n;
	return p->data;
}

/* Grow at the end and return the first new byte; caller checked tailroom. */
static inline uint8_t *fp_pkt_put(struct fp_pkt *p, uint32_t n)
{
	uint8_t *t = p->data + p->len;
	p->len += n;
	return t;
}

/* Reset to an empty packet with the standard headroom. */
static inline void fp_pkt_reset(struct fp_pkt *p)
{
	p->data = p->buf + FP_PKT_HEADROOM;
	p->len = 0;
	p->ifc = 0;
	p->drop = 0;
	p->sa = UINT32_MAX;
	p->flags = 0;
	p->esp_off = 0;
	p->rule = 0;
	p->ts_ns = 0;
}

#endif
