/* "group-policy NAME internal|attributes" with its sub-mode (vpn-filter)
 * and "tunnel-group PEER type ipsec-l2l|general-attributes" (or "tunnel-group
 * NAME type remote-access", named by a word) with its
 * sub-mode (default-group-policy; ipsec-attributes: config_tg_ipsec.c). As on the ASA, a group-policy exists
 * once "internal" created it (DfltGrpPolicy always does), and a
 * tunnel-group once "type" did; the attributes lines then open its
 * sub-mode. A site-to-site tunnel-group is named by the peer's address. */
#include "config/config_parse.h"

#include <string.h>

static bool gp_is_default(const char *name)
{
	return strcmp(name, FP_CFG_DFLT_GROUP_POLICY) == 0;
}

/* The group-policy named by word 1; created when create (NULL and an error
 * at the limit), else NULL with an error when absent. */
static struct fp_cfg_group_policy *gp_find(struct fp_cfg_parse *p, bool create)
{
	struct fp_config *c = p->c;
	char name[FP_NAME_MAX];
	if (fp_cfg_name(p, p->tok[1], "the group-policy name", sizeof(name), name) < 0)
		return NULL;
	struct fp_cfg_group_policy *gp = (struct fp_cfg_group_policy *)fp_config_group_policy(c, name);
	if (gp)
		return gp;
	if (!create) {
		fp_cfg_error(p, "group-policy %s does not exist: create it first with "
			     "'group-policy %s internal'", name, name);
		return NULL;
	}
	if (c->n_group_policies == FP_CFG_MAX_GROUP_POLICIES) {
		fp_cfg_error(p, "too many group-policies (limit %u)", FP_CFG_MAX_GROUP_POLICIES);
		return NULL;
	}
	gp = &c->group_policies[c->n_group_policies++];
	memset(gp, 0, sizeof(*gp));
	memcpy(gp->name, name, sizeof(name));
	gp->line = p->lineno;
	return gp;
}

int fp_cfg_gp_internal(struct fp_cfg_parse *p)
{
	struct fp_cfg_group_policy *gp = gp_find(p, true);
	if (!gp)
		return -1;
	gp->internal = true;
	return 0;
}

int fp_cfg_gp_open(struct fp_cfg_parse *p)
{
	char name[FP_NAME_MAX];
	if (fp_cfg_name(p, p->tok[1], "the group-policy name", sizeof(name), name) < 0)
		return -1;
	struct fp_cfg_group_policy *gp = gp_find(p, gp_is_default(name));
	if (!gp)
		return -1;
	p->c->parse_mode = FP_CFG_MODE_GROUP_POLICY;
	p->c->parse_index = (unsigned)(gp - p->c->group_policies);
	return 0;
}

struct fp_cfg_group_policy *fp_cfg_gp_current(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	if (c->parse_mode != FP_CFG_MODE_GROUP_POLICY || c->parse_index >= c->n_group_policies) {
		fp_cfg_error(p, "no group-policy is open: start with 'group-policy NAME attributes'");
		return NULL;
	}
	return &c->group_policies[c->parse_index];
}

int fp_cfg_gp_filter(struct fp_cfg_parse *p)
{
	struct fp_cfg_group_policy *gp = fp_cfg_gp_current(p);
	char acl[FP_NAME_MAX];
	if (!gp || fp_cfg_name(p, p->tok[p->arg], "the access-list name", sizeof(acl), acl) < 0)
		return -1;
	gp->vpn_filter = FP_CFG_VF_VALUE;
	memcpy(gp->vpn_filter_acl, acl, sizeof(acl));
	return 0;
}

int fp_cfg_gp_filter_none(struct fp_cfg_parse *p)
{
	struct fp_cfg_group_policy *gp = fp_cfg_gp_current(p);
	if (!gp)
		return -1;
	gp->vpn_filter = FP_CFG_VF_NONE;
	memset(gp->vpn_filter_acl, 0, sizeof(gp->vpn_filter_acl));
	return 0;
}

/* Word 1: the peer's address, kept as typed and parsed. */
static int tg_name(struct fp_cfg_parse *p, char *name, struct fp_addr *peer)
{
	static const uint8_t zero[16];
	const char *w = p->tok[1];
	if (strlen(w) >= FP_NAME_MAX || fp_addr_parse(peer, w) < 0)
		return fp_cfg_error(p, "expected the peer's IPv4 or IPv6 address as the "
				    "tunnel-group name, got %s", FP_CFG_SHOWN(p, w));
	if (memcmp(peer->a, zero, sizeof(zero)) == 0)
		return fp_cfg_error(p, "%s is not a peer's address", w);
	memset(name, 0, FP_NAME_MAX);
	memcpy(name, w, strlen(w));
	return 0;
}

static struct fp_cfg_tunnel_group *tg_new(struct fp_cfg_parse *p, const char *name)
{
	struct fp_config *c = p->c;
	if (c->n_tunnel_groups == FP_CFG_MAX_TUNNEL_GROUPS) {
		fp_cfg_error(p, "too many tunnel-groups (limit %u)", FP_CFG_MAX_TUNNEL_GROUPS);
		return NULL;
	}
	struct fp_cfg_tunnel_group *tg = &c->tunnel_groups[c->n_tunnel_groups++];
	memset(tg, 0, sizeof(*tg));
	memcpy(tg->name, name, FP_NAME_MAX);
	tg->line = p->lineno;
	return tg;
}

/* "tunnel-group NAME type remote-access": named by a word, not an address. */
static int tg_type_ra(struct fp_cfg_parse *p)
{
	char name[FP_NAME_MAX];
	struct fp_addr a;
	if (fp_cfg_name(p, p->tok[1], "the tunnel-group name", sizeof(name), name) < 0)
		return -1;
	if (fp_addr_parse(&a, name) == 0)
		return fp_cfg_error(p, "a remote-access tunnel-group is named by a word, not an "
				    "address (%s)", name);
	if (fp_config_ra_group(p->c, name))
		return 0;
	struct fp_cfg_tunnel_group *tg = tg_new(p, name);
	if (!tg)
		return -1;
	tg->ra.remote_access = true;
	return 0;
}

int fp_cfg_tg_type(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	char name[FP_NAME_MAX];
	struct fp_addr peer;
	const char *w = p->tok[p->arg];
	if (fp_cfg_word_is(w, "remote-access"))
		return tg_type_ra(p);
	if (!fp_cfg_word_is(w, "ipsec-l2l"))
		return fp_cfg_error(p, "expected 'ipsec-l2l' (site-to-site) or 'remote-access', "
				    "got %s", FP_CFG_SHOWN(p, w));
	if (tg_name(p, name, &peer) < 0)
		return -1;
	const struct fp_cfg_tunnel_group *old = fp_config_tunnel_group(c, &peer);
	if (old && strcmp(old->name, name) != 0)
		return fp_cfg_error(p, "tunnel-group %s already names peer %s", old->name, name);
	if (old)
		return 0;
	struct fp_cfg_tunnel_group *tg = tg_new(p, name);
	if (!tg)
		return -1;
	tg->peer = peer;
	return 0;
}

struct fp_cfg_tunnel_group *fp_cfg_tg_find(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	char name[FP_NAME_MAX];
	struct fp_addr peer;
	const struct fp_cfg_tunnel_group *ra = fp_config_ra_group(c, p->tok[1]);
	if (ra)
		return &c->tunnel_groups[ra - c->tunnel_groups];
	if (tg_name(p, name, &peer) < 0)
		return NULL;
	const struct fp_cfg_tunnel_group *tg = fp_config_tunnel_group(c, &peer);
	if (!tg) {
		fp_cfg_error(p, "tunnel-group %s does not exist: create it first with "
			     "'tunnel-group %s type ipsec-l2l'", name, name);
		return NULL;
	}
	return &c->tunnel_groups[tg - c->tunnel_groups];
}

int fp_cfg_tg_open(struct fp_cfg_parse *p)
{
	struct fp_cfg_tunnel_group *tg = fp_cfg_tg_find(p);
	if (!tg)
		return -1;
	p->c->parse_mode = FP_CFG_MODE_TUNNEL_GROUP;
	p->c->parse_index = (unsigned)(tg - p->c->tunnel_groups);
	return 0;
}

int fp_cfg_tg_policy(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	char name[FP_NAME_MAX];
	if (c->parse_mode != FP_CFG_MODE_TUNNEL_GROUP || c->parse_index >= c->n_tunnel_groups)
		return fp_cfg_error(p, "no tunnel-group is open: start with 'tunnel-group PEER "
				    "general-attributes'");
	if (fp_cfg_name(p, p->tok[p->arg], "the group-policy name", sizeof(name), name) < 0)
		return -1;
	memcpy(c->tunnel_groups[c->parse_index].group_policy, name, sizeof(name));
	return 0;
}
