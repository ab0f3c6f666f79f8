#include "policy.h"

#include "common/inet.h"
#include "datapath/gateway.h"

struct flow {
	uint8_t af;
	const uint8_t *src, *dst;
	uint8_t proto;
	uint16_t sport, dport;
	bool no_ports;                /* TCP/UDP whose ports are not in this packet */
};

#define V6_EXT_MAX 8u             /* extension headers walked before giving up */

/* IPv6: past hop-by-hop, routing, destination options, AH and fragment
 * headers to the upper protocol; *later: a fragment after the first. */
static uint32_t v6_upper(const uint8_t *ip, uint32_t len, uint8_t *proto, bool *later)
{
	uint32_t at = FP_IPV6_HLEN;
	uint8_t nh = ip[6];
	*later = false;
	for (unsigned k = 0; k < V6_EXT_MAX && at + 8 <= len; k++) {
		uint32_t hl;
		if (nh == 0 || nh == 43 || nh == 60)
			hl = ((uint32_t)ip[at + 1] + 1) * 8;
		else if (nh == 51) /* AH */
			hl = ((uint32_t)ip[at + 1] + 2) * 4;
		else if (nh == FP_IPPROTO_FRAG)
			hl = 8, *later |= (fp_get16(ip + at + 2) & 0xfff8) != 0;
		else
			break;
		nh = ip[at];
		at += hl;
	}
	*proto = nh;
	return at;
}

static bool flow_parse(struct flow *f, const uint8_t *ip, uint32_t len)
{
	bool v4 = (ip[0] >> 4) == 4, later;
	if (len < (v4 ? FP_IPV4_HLEN : FP_IPV6_HLEN))
		return false;
	f->af = v4 ? FP_AF_INET : FP_AF_INET6;
	f->src = v4 ? ip + 12 : ip + 8;
	f->dst = v4 ? ip + 16 : ip + 24;
	uint32_t l4 = v4 ? (uint32_t)(ip[0] & 0x0f) * 4 : v6_upper(ip, len, &f->proto, &later);
	if (v4) {
		f->proto = ip[9];
		later = (fp_get16(ip + 6) & 0x1fff) != 0;
	}
	f->sport = f->dport = 0;
	bool l4_ports = f->proto == FP_IPPROTO_TCP || f->proto == FP_IPPROTO_UDP;
	f->no_ports = l4_ports && (later || l4 + 4 > len);
	if (l4_ports && !f->no_ports) {
		f->sport = fp_get16(ip + l4);
		f->dport = fp_get16(ip + l4 + 2);
	}
	return true;
}

/* "any" has no family and matches both; any4/any6 are /0 of one family. */
static bool ace_addr(const struct fp_prefix *p, uint8_t af, const uint8_t *a)
{
	return p->addr.af == FP_AF_NONE || fp_prefix_match(p, af, a);
}

static bool ace_flow(const struct fp_cfg_ace *ace, const struct flow *f, bool reverse)
{
	const uint8_t *src = reverse ? f->dst : f->src, *dst = reverse ? f->src : f->dst;
	uint16_t sport = reverse ? f->dport : f->sport, dport = reverse ? f->sport : f->dport;
	if (ace->proto && ace->proto != f->proto)
		return false;
	if (!ace_addr(&ace->src, f->af, src) || !ace_addr(&ace->dst, f->af, dst))
		return false;
	/* a fragment after the first has no ports: as IOS and the ASA do, a
	 * permit naming ports takes it and a deny passes it on, so a crypto
	 * map protects all of a datagram it protects the first piece of */
	if (f->no_ports && (ace->src_port || ace->dst_port))
		return ace->permit;
	return (!ace->src_port || ace->src_port == sport) && (!ace->dst_port || ace->dst_port == dport);
}

bool fp_ace_match(const struct fp_cfg_ace *ace, const uint8_t *ip, uint32_t len, bool reverse)
{
	struct flow f;
	return flow_parse(&f, ip, len) && ace_flow(ace, &f, reverse);
}

/* The first ACE matching decides; NULL when none does. */
static const struct fp_cfg_ace *acl_first_match(const struct fp_cfg_acl *acl, const struct flow *f,
						bool reverse)
{
	for (unsigned i = 0; i < acl->n_aces; i++)
		if (ace_flow(&acl->aces[i], f, reverse))
			return &acl->aces[i];
	return NULL;
}

bool fp_vpn_filter_permits(const struct fp_cfg_acl *acl, const uint8_t *ip, uint32_t len,
			   bool outbound)
{
	struct flow f;
	if (!flow_parse(&f, ip, len))
		return false;
	const struct fp_cfg_ace *ace = acl_first_match(acl, &f, outbound);
	return ace && ace->permit;
}

/* Does tunnel t carry the flow? The first ACE of its access-list that
 * matches decides; an IKEv2 tunnel carries only its own permit ACE's
 * (one CHILD_SA per ACE), a manual one every permit's. *acl and *ace
 * keep the last access-list walked: the tunnels of one entry share it. */
static bool policy_tunnel(const struct fp_gw_tunnel *t, const struct flow *f,
			  const struct fp_cfg_acl **acl, const struct fp_cfg_ace **ace)
{
	if (!t->acl) /* a VTI: routes only */
		return false;
	if (t->acl != *acl) {
		*acl = t->acl;
		*ace = acl_first_match(t->acl, f, false);
	}
	return *ace && (*ace)->permit && (!t->ace_only || *ace == &t->acl->aces[t->ace]);
}

/* A route into a Tunnel interface first (the ASA routes, then applies the
 * egress interface's protection), then the crypto map entries in order. */
struct fp_gw_tunnel *fp_policy_lookup(struct fp_gw *gw, const uint8_t *ip, uint32_t len)
{
	struct flow f;
	const struct fp_cfg_acl *acl = NULL;
	const struct fp_cfg_ace *ace = NULL;
	if (!flow_parse(&f, ip, len))
		return NULL;
	struct fp_gw_tunnel *vti = fp_gw_vti_route(gw, f.af, f.dst);
	if (vti)
		return vti;
	for (unsigned i = 0; i < gw->n_tunnels; i++)
		if (policy_tunnel(&gw->tunnels[i], &f, &acl, &ace))
			return &gw->tunnels[i];
	return NULL;
}

bool fp_policy_expects_encrypted(const struct fp_gw *gw, const uint8_t *ip, uint32_t len)
{
	struct flow f;
	if (!flow_parse(&f, ip, len))
		return false;
	for (unsigned i = 0; i < gw->n_tunnels; i++) {
		const struct fp_cfg_acl *acl = gw->tunnels[i].acl;
		const struct fp_cfg_ace *ace = acl ? acl_first_match(acl, &f, true) : NULL;
		if (ace && ace->permit)
			return true;
	}
	return false;
}
