/* A remote-access tunnel-group's lines: "address-pool POOL" in
 * general-attributes, and the "webvpn-attributes" sub-mode with
 * "group-alias NAME enable|disable" (the name openconnect's --authgroup
 * picks and the login form lists). */
#include "config/config_parse.h"

#include <string.h>

int fp_cfg_tg_pool(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	if (c->parse_mode != FP_CFG_MODE_TUNNEL_GROUP || c->parse_index >= c->n_tunnel_groups)
		return fp_cfg_error(p, "no tunnel-group is open: start with 'tunnel-group NAME "
				    "general-attributes'");
	struct fp_cfg_tunnel_group *tg = &c->tunnel_groups[c->parse_index];
	if (!tg->ra.remote_access)
		return fp_cfg_error(p, "address-pool belongs to a remote-access tunnel-group");
	return fp_cfg_name(p, p->tok[p->arg], "the pool name", sizeof(tg->ra.pool), tg->ra.pool);
}

int fp_cfg_tgw_open(struct fp_cfg_parse *p)
{
	struct fp_cfg_tunnel_group *tg = fp_cfg_tg_find(p);
	if (!tg)
		return -1;
	if (!tg->ra.remote_access)
		return fp_cfg_error(p, "webvpn-attributes belong to a remote-access tunnel-group");
	if (!tg->ra.webvpn_line)
		tg->ra.webvpn_line = p->lineno;
	p->c->parse_mode = FP_CFG_MODE_TG_WEBVPN;
	p->c->parse_index = (unsigned)(tg - p->c->tunnel_groups);
	return 0;
}

int fp_cfg_tgw_alias(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	const char *w = p->tok[p->arg + 1];
	if (c->parse_mode != FP_CFG_MODE_TG_WEBVPN || c->parse_index >= c->n_tunnel_groups)
		return fp_cfg_error(p, "no tunnel-group is open: start with 'tunnel-group NAME "
				    "webvpn-attributes'");
	struct fp_cfg_tunnel_group *tg = &c->tunnel_groups[c->parse_index];
	if (!fp_cfg_word_is(w, "enable") && !fp_cfg_word_is(w, "disable"))
		return fp_cfg_error(p, "expected 'enable' or 'disable', got %s", FP_CFG_SHOWN(p, w));
	if (fp_cfg_name(p, p->tok[p->arg], "the group alias", sizeof(tg->ra.alias), tg->ra.alias) < 0)
		return -1;
	tg->ra.alias_enable = fp_cfg_word_is(w, "enable");
	return 0;
}

const struct fp_cfg_tunnel_group *fp_config_ra_group(const struct fp_config *c, const char *name)
{
	for (unsigned i = 0; i < c->n_tunnel_groups; i++)
		if (c->tunnel_groups[i].ra.remote_access && strcmp(c->tunnel_groups[i].name, name) == 0)
			return &c->tunnel_groups[i];
	return NULL;
}
