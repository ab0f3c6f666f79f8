/* What ESP inbound and outbound share: inner packet checks and the
 * selector test, kept out of the per-direction files. */
#ifndef FP_ESP_H
#define FP_ESP_H

#include <stdbool.h>
#include <stdint.h>

#include "common/inet.h"
#include "offload/sa.h"

/* Length of the IPv4/IPv6 packet at h, checked against at most len bytes
 * and against the expected version (4 or 6); 0 if malformed. */
uint32_t fp_esp_inner_len(const uint8_t *h, uint32_t len, uint8_t version);

/* Does the inner packet at h (a checked IP packet) travel from src_sel to
 * dst_sel with the selector's protocol and ports? */
bool fp_esp_selector_match(const struct fp_selector *sel, const uint8_t *h, uint32_t len,
			   bool inbound);

#endif
