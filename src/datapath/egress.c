#include "egress.h"

#include <string.h>

#include "common/inet.h"
#include "datapath/gateway.h"

void fp_egress_key(struct fp_egress_key *k, const struct fp_pkt *p, uint16_t ifc)
{
	const uint8_t *h = p->data;
	bool v4 = (h[0] >> 4) == 4;
	uint32_t l4 = v4 ? (uint32_t)(h[0] & 0x0f) * 4 : FP_IPV6_HLEN;
	memset(k, 0, sizeof(*k));
	k->af = v4 ? FP_AF_INET : FP_AF_INET6;
	k->ifc = ifc;
	k->proto = v4 ? h[9] : h[6];
	memcpy(k->src, v4 ? h + 12 : h + 8, v4 ? 4 : 16);
	memcpy(k->dst, v4 ? h + 16 : h + 24, v4 ? 4 : 16);
	bool first = !v4 || (fp_get16(h + 6) & 0x1fff) == 0;
	if ((k->proto == FP_IPPROTO_TCP || k->proto == FP_IPPROTO_UDP) && first && l4 + 4 <= p->len) {
		k->sport = fp_get16(h + l4);
		k->dport = fp_get16(h + l4 + 2);
	}
}

static uint32_t egress_hash(const struct fp_egress_key *k)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a over the key */
	const uint8_t *b = (const uint8_t *)k;
	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32)) & (FP_EGRESS_SLOTS - 1);
}

struct fp_gw_tunnel *fp_egress_find(struct fp_egress *e, struct fp_gw *gw,
				    const struct fp_egress_key *k)
{
	struct fp_egress_slot *s = &e->slot[egress_hash(k)];
	uint32_t gen = __atomic_load_n(&gw->policy_gen, __ATOMIC_ACQUIRE);
	if (s->gen != gen || memcmp(&s->key, k, sizeof(*k)) != 0 || s->tunnel >= gw->n_tunnels) {
		e->misses++;
		return NULL;
	}
	e->hits++;
	return &gw->tunnels[s->tunnel];
}

void fp_egress_add(struct fp_egress *e, const struct fp_gw *gw, const struct fp_egress_key *k,
		   const struct fp_gw_tunnel *t)
{
	struct fp_egress_slot *s = &e->slot[egress_hash(k)];
	s->key = *k;
	s->tunnel = (uint32_t)(t - gw->tunnels);
	s->gen = __atomic_load_n(&gw->policy_gen, __ATOMIC_ACQUIRE);
	e->inserts++;
}
