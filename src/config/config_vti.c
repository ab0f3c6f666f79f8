/* Route-based tunnels, the ASA's way: "crypto ipsec profile NAME" (its
 * "set" lines are the crypto map's, config_map.c), "interface TunnelN"
 * with its tunnel lines, and "route NAMEIF NET MASK [GATEWAY [METRIC]]".
 * A Tunnel interface is no device: it lives beside the interfaces, never
 * among them, so nothing that opens devices ever sees it. */
#include "config/config_parse.h"

#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>

#define VTI_NUM_MAX 10000u /* the ASA's range for TunnelN */
#define METRIC_MAX 255u

bool fp_cfg_vti_name(const char *dev)
{
	size_t n = strlen("Tunnel");
	if (strncasecmp(dev, "Tunnel", n) != 0 || !dev[n] || strlen(dev + n) > 5)
		return false;
	return strspn(dev + n, "0123456789") == strlen(dev + n) && (unsigned)atoi(dev + n) <= VTI_NUM_MAX;
}

/* Opened by "interface TunnelN" (config_iface.c hands it over). */
int fp_cfg_vti_open(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	char name[FP_NAME_MAX];
	snprintf(name, sizeof(name), "Tunnel%u", (unsigned)atoi(p->tok[p->arg] + strlen("Tunnel")));
	unsigned i = 0;
	while (i < c->n_vtis && strcmp(c->vtis[i].name, name) != 0)
		i++;
	if (i == FP_CFG_MAX_VTIS)
		return fp_cfg_error(p, "too many Tunnel interfaces (limit %u)", FP_CFG_MAX_VTIS);
	if (i == c->n_vtis) {
		memset(&c->vtis[i], 0, sizeof(c->vtis[i]));
		memcpy(c->vtis[i].name, name, sizeof(name));
		c->vtis[i].line = p->lineno;
		c->n_vtis++;
	}
	c->parse_mode = FP_CFG_MODE_VTI;
	c->parse_index = i;
	return 0;
}

static struct fp_cfg_vti *vti_current(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	if (c->parse_mode != FP_CFG_MODE_VTI || c->parse_index >= c->n_vtis) {
		fp_cfg_error(p, "no Tunnel interface is open: start with 'interface TunnelN'");
		return NULL;
	}
	return &c->vtis[c->parse_index];
}

int fp_cfg_vti_nameif(struct fp_cfg_parse *p)
{
	struct fp_cfg_vti *v = vti_current(p);
	char name[FP_NAME_MAX];
	if (!v || fp_cfg_name(p, p->tok[p->arg], "the interface name", sizeof(name), name) < 0)
		return -1;
	const struct fp_cfg_vti *other = fp_config_vti_by_nameif(p->c, name);
	const struct fp_cfg_iface *dev = fp_config_iface_by_nameif(p->c, name);
	if ((other && other != v) || dev)
		return fp_cfg_error(p, "%s already names interface %s",
				    FP_CFG_SHOWN(p, p->tok[p->arg]), dev ? dev->name : other->name);
	memcpy(v->nameif, name, sizeof(name));
	return 0;
}

int fp_cfg_vti_ip(struct fp_cfg_parse *p)
{
	struct fp_cfg_vti *v = vti_current(p);
	const char *a = p->tok[p->arg];
	struct fp_prefix pf;
	memset(&pf, 0, sizeof(pf));
	if (!v)
		return -1;
	if (fp_addr_parse(&pf.addr, a) < 0 || pf.addr.af != FP_AF_INET)
		return fp_cfg_error(p, "expected an IPv4 address, got %s", FP_CFG_SHOWN(p, a));
	if (fp_cfg_mask(p, p->tok[p->arg + 1], &pf.len) < 0)
		return -1;
	v->ip4 = pf;
	return 0;
}

int fp_cfg_vti_source(struct fp_cfg_parse *p)
{
	struct fp_cfg_vti *v = vti_current(p);
	return v ? fp_cfg_name(p, p->tok[p->arg], "the interface name", sizeof(v->source),
			       v->source) : -1;
}

int fp_cfg_vti_dest(struct fp_cfg_parse *p)
{
	struct fp_cfg_vti *v = vti_current(p);
	const char *w = p->tok[p->arg];
	struct fp_addr a;
	if (!v)
		return -1;
	if (fp_addr_parse(&a, w) < 0 || a.af != FP_AF_INET)
		return fp_cfg_error(p, "expected the peer's IPv4 address, got %s", FP_CFG_SHOWN(p, w));
	v->dest = a;
	return 0;
}

int fp_cfg_vti_mode(struct fp_cfg_parse *p)
{
	struct fp_cfg_vti *v = vti_current(p);
	if (!v)
		return -1;
	if (!fp_cfg_word_is(p->tok[p->arg], "ipv4"))
		return fp_cfg_error(p, "only 'tunnel mode ipsec ipv4' is supported, got %s",
				    FP_CFG_SHOWN(p, p->tok[p->arg]));
	v->mode_ipsec4 = true;
	return 0;
}

int fp_cfg_vti_protection(struct fp_cfg_parse *p)
{
	struct fp_cfg_vti *v = vti_current(p);
	return v ? fp_cfg_name(p, p->tok[p->arg], "the ipsec profile name", sizeof(v->profile),
			       v->profile) : -1;
}

int fp_cfg_vti_shutdown(struct fp_cfg_parse *p)
{
	struct fp_cfg_vti *v = vti_current(p);
	if (v)
		v->shutdown = true;
	return v ? 0 : -1;
}

int fp_cfg_vti_no_shutdown(struct fp_cfg_parse *p)
{
	struct fp_cfg_vti *v = vti_current(p);
	if (v)
		v->shutdown = false;
	return v ? 0 : -1;
}

int fp_cfg_profile_open(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	char name[FP_NAME_MAX];
	if (fp_cfg_name(p, p->tok[p->arg], "the profile name", sizeof(name), name) < 0)
		return -1;
	unsigned i = 0;
	while (i < c->n_profiles && strcmp(c->profiles[i].name, name) != 0)
		i++;
	if (i == FP_CFG_MAX_PROFILES)
		return fp_cfg_error(p, "too many ipsec profiles (limit %u)", FP_CFG_MAX_PROFILES);
	if (i == c->n_profiles) {
		memset(&c->profiles[i], 0, sizeof(c->profiles[i]));
		memcpy(c->profiles[i].name, name, sizeof(name));
		c->profiles[i].set.replay_window = -1;
		c->profiles[i].line = p->lineno;
		c->n_profiles++;
	}
	c->parse_mode = FP_CFG_MODE_PROFILE;
	c->parse_index = i;
	return 0;
}

struct fp_cfg_map_entry *fp_cfg_profile_set(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	if (c->parse_mode != FP_CFG_MODE_PROFILE || c->parse_index >= c->n_profiles) {
		fp_cfg_error(p, "no ipsec profile is open: start with 'crypto ipsec profile NAME'");
		return NULL;
	}
	return &c->profiles[c->parse_index].set;
}

static int route_gateway(struct fp_cfg_parse *p, struct fp_cfg_route *r)
{
	uint64_t metric = 0;
	if (p->ntok <= p->arg + 3)
		return 0;
	const char *w = p->tok[p->arg + 3];
	if (fp_addr_parse(&r->gateway, w) < 0 || r->gateway.af != FP_AF_INET)
		return fp_cfg_error(p, "expected the gateway's IPv4 address, got %s", FP_CFG_SHOWN(p, w));
	if (p->ntok > p->arg + 4 &&
	    fp_cfg_uint(p, p->tok[p->arg + 4], "the metric", 1, METRIC_MAX, &metric) < 0)
		return -1;
	r->metric = (uint8_t)metric;
	return 0;
}

/* The same nameif and network again replaces the route (a new gateway). */
int fp_cfg_route(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	struct fp_cfg_route r;
	const char *a = p->tok[p->arg + 1];
	memset(&r, 0, sizeof(r));
	if (fp_cfg_name(p, p->tok[p->arg], "the interface name", sizeof(r.nameif), r.nameif) < 0)
		return -1;
	if (fp_addr_parse(&r.net.addr, a) < 0 || r.net.addr.af != FP_AF_INET)
		return fp_cfg_error(p, "expected an IPv4 network, got %s", FP_CFG_SHOWN(p, a));
	if (fp_cfg_mask(p, p->tok[p->arg + 2], &r.net.len) < 0 || route_gateway(p, &r) < 0)
		return -1;
	struct fp_prefix clean = r.net;
	fp_prefix_normalize(&clean);
	if (!fp_addr_eq(&clean.addr, &r.net.addr))
		return fp_cfg_error(p, "%s has host bits set for mask %s", a, p->tok[p->arg + 2]);
	unsigned i = 0;
	while (i < c->n_routes && (strcmp(c->routes[i].nameif, r.nameif) ||
				   c->routes[i].net.len != r.net.len ||
				   !fp_addr_eq(&c->routes[i].net.addr, &r.net.addr)))
		i++;
	if (i == FP_CFG_MAX_ROUTES)
		return fp_cfg_error(p, "too many routes (limit %u)", FP_CFG_MAX_ROUTES);
	r.line = p->lineno;
	c->routes[i] = r;
	c->n_routes += i == c->n_routes;
	return 0;
}

const struct fp_cfg_ipsec_profile *fp_config_profile(const struct fp_config *c,
						       const char *name)
{
	for (unsigned i = 0; i < c->n_profiles; i++)
		if (strcmp(c->profiles[i].name, name) == 0)
			return &c->profiles[i];
	return NULL;
}

const struct fp_cfg_vti *fp_config_vti_by_nameif(const struct fp_config *c, const char *nameif)
{
	for (unsigned i = 0; i < c->n_vtis; i++)
		if (c->vtis[i].nameif[0] && strcmp(c->vtis[i].nameif, nameif) == 0)
			return &c->vtis[i];
	return NULL;
}

void fp_config_vti_entry(const struct fp_config *c, const struct fp_cfg_vti *v,
			 struct fp_cfg_map_entry *out)
{
	const struct fp_cfg_ipsec_profile *pr = fp_config_profile(c, v->profile);
	memset(out, 0, sizeof(*out));
	if (pr)
		*out = pr->set;
	snprintf(out->map, sizeof(out->map), "__vti-crypto-map-%.16s-0-1", v->name);
	out->seq = FP_CFG_VTI_SEQ;
	out->acl[0] = '\0';
	out->peer = v->dest;
	out->replay_window = -1;
	out->line = v->line;
}

#define VTI_FAIL(v, ...) fp_cfg_fail(c, (v)->line, err, errlen, __VA_ARGS__)

/* Each of the profile's proposals exists and can be offered. */
static int check_profile(const struct fp_config *c, const struct fp_cfg_ipsec_profile *pr,
			 char *err, size_t errlen)
{
	char msg[200];
	const char *name;
	if (!pr->set.proposal[0])
		return fp_cfg_fail(c, pr->line, err, errlen, "crypto ipsec profile %s: no 'set ikev2 "
				   "ipsec-proposal'", pr->name);
	for (unsigned i = 0; (name = fp_config_entry_proposal(&pr->set, i)) != NULL; i++) {
		const struct fp_cfg_proposal *esp = fp_config_proposal(c, name);
		if (!esp)
			return fp_cfg_fail(c, pr->line, err, errlen, "crypto ipsec profile %s: "
					   "ipsec-proposal %s does not exist", pr->name, name);
		if (fp_cfg_esp_proposal_check(esp, msg, sizeof(msg)) < 0)
			return fp_cfg_fail(c, esp->line, err, errlen, "%s (ipsec profile %s uses it)",
					   msg, pr->name);
	}
	return 0;
}

/* What IKEv2 needs to negotiate the tunnel's SA. */
static int check_vti_ike(const struct fp_config *c, const struct fp_cfg_vti *v, char *err,
			 size_t errlen)
{
	char a[FP_ADDR_STRLEN];
	const struct fp_cfg_tunnel_group *tg = fp_config_tunnel_group(c, &v->dest);
	fp_addr_str(&v->dest, a, sizeof(a));
	if (!fp_config_ikev2_enabled(c, v->source))
		return VTI_FAIL(v, "interface %s: IKEv2 is not enabled on %s (add 'crypto ikev2 "
				"enable %s')", v->name, v->source, v->source);
	if (!c->n_ikev2_policies)
		return VTI_FAIL(v, "interface %s: no 'crypto ikev2 policy' to negotiate with", v->name);
	if (!tg || tg->auth_local == FP_CFG_AUTH_UNSET || tg->auth_remote == FP_CFG_AUTH_UNSET)
		return VTI_FAIL(v, "interface %s: tunnel-group %s needs 'ikev2 local-authentication' "
				"and 'ikev2 remote-authentication' in its ipsec-attributes", v->name, a);
	return 0;
}

static int check_vti(const struct fp_config *c, const struct fp_cfg_vti *v, char *err,
		     size_t errlen)
{
	const struct fp_cfg_iface *src = fp_config_iface_by_nameif(c, v->source);
	if (!v->nameif[0] || !v->source[0] || v->dest.af == FP_AF_NONE || !v->mode_ipsec4 ||
	    !v->profile[0])
		return VTI_FAIL(v, "interface %s needs 'nameif', 'tunnel source interface', 'tunnel "
				"destination', 'tunnel mode ipsec ipv4' and 'tunnel protection ipsec "
				"profile'", v->name);
	if (fp_config_iface_by_nameif(c, v->nameif))
		return VTI_FAIL(v, "interface %s: nameif %s names interface %s too", v->name,
				v->nameif, fp_config_iface_by_nameif(c, v->nameif)->name);
	if (!src)
		return VTI_FAIL(v, "interface %s: tunnel source interface %s: no interface has "
				"'nameif %s'", v->name, v->source, v->source);
	if (src->ip4.addr.af != FP_AF_INET)
		return VTI_FAIL(v, "interface %s: tunnel source %s has no 'ip address'", v->name,
				v->source);
	for (const struct fp_cfg_vti *o = c->vtis; o < v; o++)
		if (fp_addr_eq(&o->dest, &v->dest))
			return VTI_FAIL(v, "interface %s: %s already has tunnel destination %s", v->name,
					o->name, "the same peer");
	if (!fp_config_profile(c, v->profile))
		return VTI_FAIL(v, "interface %s: ipsec profile %s does not exist", v->name, v->profile);
	return check_vti_ike(c, v, err, errlen);
}

int fp_cfg_validate_vti(const struct fp_config *c, char *err, size_t errlen)
{
	for (unsigned i = 0; i < c->n_profiles; i++)
		if (check_profile(c, &c->profiles[i], err, errlen) < 0)
			return -1;
	for (unsigned i = 0; i < c->n_vtis; i++)
		if (!c->vtis[i].shutdown && check_vti(c, &c->vtis[i], err, errlen) < 0)
			return -1;
	for (unsigned i = 0; i < c->n_routes; i++) {
		const struct fp_cfg_route *r = &c->routes[i];
		if (!fp_config_iface_by_nameif(c, r->nameif) && !fp_config_vti_by_nameif(c, r->nameif))
			return fp_cfg_fail(c, r->line, err, errlen, "route %s: no interface has "
					   "'nameif %s'", r->nameif, r->nameif);
	}
	return 0;
}
