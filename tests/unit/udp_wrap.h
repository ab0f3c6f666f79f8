/* A UDP datagram as it reaches the gateway: IPv4 + UDP in front of the
 * payload in a packet buffer, for tests that feed the engine records a
 * libssl client wrote (test_dtls, test_ra_dtls). Header-only. */
#ifndef FP_TEST_UDP_WRAP_H
#define FP_TEST_UDP_WRAP_H

#include <stdint.h>
#include <string.h>

#include "common/inet.h"
#include "common/pkt.h"

static inline void udp_wrap4(struct fp_pkt *p, const uint8_t *d, uint32_t len, const uint8_t src[4],
			     uint16_t sport, const uint8_t dst[4], uint16_t dport)
{
	fp_pkt_reset(p);
	uint8_t *h = p->data;
	memset(h, 0, 28);
	h[0] = 0x45;
	fp_put16(h + 2, (uint16_t)(28 + len));
	h[8] = 64;
	h[9] = FP_IPPROTO_UDP;
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	fp_ipv4_csum_set(h);
	fp_put16(h + 20, sport);
	fp_put16(h + 22, dport);
	fp_put16(h + 24, (uint16_t)(8 + len));
	memcpy(h + 28, d, len);
	p->len = 28 + len;
}

#endif
