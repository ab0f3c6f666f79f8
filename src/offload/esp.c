#include "esp.h"

static bool sel_addr(const struct fp_prefix *p, uint8_t af, const uint8_t *a)
{
	return p->addr.af == FP_AF_NONE || fp_prefix_match(p, af, a);
}

/* Protocol and transport ports; IPv6 extension headers are not walked:
 * a selector with ports only matches packets whose first header is L4. */
static bool sel_l4(const struct fp_selector *sel, const uint8_t *h, uint32_t len, bool v4,
		   bool inbound)
{
	uint32_t l4 = v4 ? (uint32_t)(h[0] & 0x0f) * 4 : FP_IPV6_HLEN;
	uint8_t proto = v4 ? h[9] : h[6];
	if (sel->proto && sel->proto != proto)
		return false;
	if (!sel->local_port && !sel->remote_port)
		return true;
	if ((proto != FP_IPPROTO_TCP && proto != FP_IPPROTO_UDP) || l4 + 4 > len)
		return false;
	uint16_t sport = fp_get16(h + l4), dport = fp_get16(h + l4 + 2);
	uint16_t lport = inbound ? dport : sport, rport = inbound ? sport : dport;
	return (!sel->local_port || sel->local_port == lport) &&
	       (!sel->remote_port || sel->remote_port == rport);
}

bool fp_esp_selector_match(const struct fp_selector *sel, const uint8_t *h, uint32_t len,
			   bool inbound)
{
	bool v4 = (h[0] >> 4) == 4;
	uint8_t af = v4 ? FP_AF_INET : FP_AF_INET6;
	const uint8_t *src = v4 ? h + 12 : h + 8;
	const uint8_t *dst = v4 ? h + 16 : h + 24;
	const struct fp_prefix *from = inbound ? &sel->remote : &sel->local;
	const struct fp_prefix *to = inbound ? &sel->local : &sel->remote;
	return sel_addr(from, af, src) && sel_addr(to, af, dst) &&
	       sel_l4(sel, h, len, v4, inbound);
}
