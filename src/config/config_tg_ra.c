/* A remote-access tunnel-group's lines: "address-pool POOL" and
 * "ipv6-address-pool POOL" in general-attributes, and the "webvpn-attributes" sub-mode with
 * "group-alias NAME enable|disable" (the name openconnect's --authgroup
 * picks and the login form lists). */
#include "config/config_parse.h"

#include <string.h>

/* The open general-attributes of a remote-access tunnel-group, or NULL
 * after an error naming the command (what) that needs one. */
static struct fp_cfg_tunnel_group *tg_ra_current(struct fp_cfg_parse *p, const char *what)
{
	struct fp_config *c = p->c;
	if (c->parse_mode != FP_CFG_MODE_TUNNEL_GROUP || c->parse_index >= c->n_tunnel_groups) {
		fp_cfg_error(p, "no tunnel-group is open: start with 'tunnel-group NAME "
			     "general-attributes'");
		return NULL;
	}
	struct fp_cfg_tunnel_group *tg = &c->tunnel_groups[c->parse_index];
	if (!tg->ra.remote_access) {
		fp_cfg_error(p, "%s belongs to a remote-access tunnel-group", what);
		return NULL;
	}
	return tg;
}

int fp_cfg_tg_pool(struct fp_cfg_parse *p)
{
	struct fp_cfg_tunnel_group *tg = tg_ra_current(p, "address-pool");
	if (!tg)
		return -1;
	return fp_cfg_name(p, p->tok[p->arg], "the pool name", sizeof(tg->ra.pool), tg->ra.pool);
}

int fp_cfg_tg_pool6(struct fp_cfg_parse *p)
{
	struct fp_cfg_tunnel_group *tg = tg_ra_current(p, "ipv6-address-pool");
	if (!tg)
		return -1;
	return fp_cfg_name(p, p->tok[p->arg], "the pool name", sizeof(tg->ra.pool6), tg->ra.pool6);
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

static struct fp_cfg_tunnel_group *tgw_current(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	if (c->parse_mode != FP_CFG_MODE_TG_WEBVPN || c->parse_index >= c->n_tunnel_groups) {
		fp_cfg_error(p, "no tunnel-group is open: start with 'tunnel-group NAME "
			     "webvpn-attributes'");
		return NULL;
	}
	return &c->tunnel_groups[c->parse_index];
}

int fp_cfg_tgw_alias(struct fp_cfg_parse *p)
{
	const char *w = p->tok[p->arg + 1];
	struct fp_cfg_tunnel_group *tg = tgw_current(p);
	if (!tg)
		return -1;
	if (!fp_cfg_word_is(w, "enable") && !fp_cfg_word_is(w, "disable"))
		return fp_cfg_error(p, "expected 'enable' or 'disable', got %s", FP_CFG_SHOWN(p, w));
	if (fp_cfg_name(p, p->tok[p->arg], "the group alias", sizeof(tg->ra.alias), tg->ra.alias) < 0)
		return -1;
	tg->ra.alias_enable = fp_cfg_word_is(w, "enable");
	return 0;
}

/* "aaa", "certificate" or "aaa certificate" (the ASA's order). */
int fp_cfg_tgw_auth(struct fp_cfg_parse *p)
{
	struct fp_cfg_tunnel_group *tg = tgw_current(p);
	unsigned n = p->ntok - p->arg;
	const char *a = p->tok[p->arg], *b = n == 2 ? p->tok[p->arg + 1] : NULL;
	if (!tg)
		return -1;
	if (n == 1 && fp_cfg_word_is(a, "aaa"))
		tg->ra.auth = FP_CFG_RA_AUTH_AAA;
	else if (n == 1 && fp_cfg_word_is(a, "certificate"))
		tg->ra.auth = FP_CFG_RA_AUTH_CERT;
	else if (n == 2 && fp_cfg_word_is(a, "aaa") && fp_cfg_word_is(b, "certificate"))
		tg->ra.auth = FP_CFG_RA_AUTH_AAA | FP_CFG_RA_AUTH_CERT;
	else
		return fp_cfg_error(p, "expected 'aaa', 'certificate' or 'aaa certificate', got %s",
				    FP_CFG_SHOWN(p, b && fp_cfg_word_is(a, "aaa") ? b : a));
	return 0;
}

const char *fp_config_ra_auth_name(unsigned auth)
{
	return auth == FP_CFG_RA_AUTH_CERT ? "certificate" :
	       auth == (FP_CFG_RA_AUTH_AAA | FP_CFG_RA_AUTH_CERT) ? "aaa certificate" : "aaa";
}

const struct fp_cfg_tunnel_group *fp_config_ra_group(const struct fp_config *c, const char *name)
{
	for (unsigned i = 0; i < c->n_tunnel_groups; i++)
		if (c->tunnel_groups[i].ra.remote_access && strcmp(c->tunnel_groups[i].name, name) == 0)
			return &c->tunnel_groups[i];
	return NULL;
}
