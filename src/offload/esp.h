/* What ESP inbound and outbound share: inner packet checks and the
 * selector test, kept out of the per-direction files. */
#ifndef FP_ESP_H
#define FP_ESP_H

#include <stdbool.h>
#include <stdint.h>

#include "common/inet.h"
#include "common/pkt.h"
#include "offload/pipe.h"
#include "offload/sa.h"

typedef void (*fp_esp_run_fn)(struct fp_pipe *pp, uint32_t sa, struct fp_pkt **pkts, uint16_t n);

/* Cut a vector into runs of consecutive packets on the same SA, hand each
 * to run(), then put the good packets first. Inline so run() is a direct
 * call. Returns the good count. */
static inline uint16_t fp_esp_runs(struct fp_pipe *pp, struct fp_pkt **pkts, uint16_t n,
				   fp_esp_run_fn run)
{
	uint16_t i = 0;
	while (i < n) {
		uint16_t j = i + 1;
		while (j < n && pkts[j]->sa == pkts[i]->sa)
			j++;
		run(pp, pkts[i]->sa, pkts + i, (uint16_t)(j - i));
		i = j;
	}
	uint16_t good = fp_vec_partition(pp, pkts, n);
	pp->st.tx_pkts += good;
	return good;
}

/* Length of the IPv4/IPv6 packet at h, checked against at most len bytes
 * and against the expected version (4 or 6); 0 if malformed. */
static inline uint32_t fp_esp_inner_len(const uint8_t *h, uint32_t len, uint8_t version)
{
	if (len < 1 || (h[0] >> 4) != version)
		return 0;
	if (version == 4) {
		uint32_t hl = (uint32_t)(h[0] & 0x0f) * 4;
		if (len < FP_IPV4_HLEN || hl < FP_IPV4_HLEN)
			return 0;
		uint32_t tot = fp_get16(h + 2);
		return tot >= hl && tot <= len ? tot : 0;
	}
	if (len < FP_IPV6_HLEN)
		return 0;
	uint32_t tot = FP_IPV6_HLEN + fp_get16(h + 4);
	return tot <= len ? tot : 0;
}

/* Does the inner packet at h (a checked IP packet) travel from src_sel to
 * dst_sel with the selector's protocol and ports? */
bool fp_esp_selector_match(const struct fp_selector *sel, const uint8_t *h, uint32_t len,
			   bool inbound);

#endif
