/* show running-config's remote-access lines: pools (IPv4, then IPv6, after the mtu lines),
 * "ssl trust-point" and the webvpn block (after the trustpoints), the
 * remote-access attributes of group-policies and tunnel-groups, and the
 * users, whose passwords appear only as their PBKDF2 hash. */
#include "config/config_parse.h"

#include <string.h>

static void write_ip(uint32_t v, FILE *out)
{
	fprintf(out, "%u.%u.%u.%u", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
}

void fp_cfg_write_pools(const struct fp_config *c, FILE *out)
{
	char m[FP_ADDR_STRLEN];
	for (unsigned i = 0; i < c->ra.n_pools; i++) {
		const struct fp_cfg_pool *pl = &c->ra.pools[i];
		fprintf(out, "ip local pool %s ", pl->name);
		write_ip(pl->first, out);
		fprintf(out, "-");
		write_ip(pl->last, out);
		if (pl->mask_len)
			fprintf(out, " mask %s", fp_mask_str(pl->mask_len, m, sizeof(m)));
		fprintf(out, "\n");
	}
	for (unsigned i = 0; i < c->ra.n_pools6; i++) {
		const struct fp_cfg_pool6 *pl = &c->ra.pools6[i];
		struct fp_addr a = { .af = FP_AF_INET6 };
		memcpy(a.a, pl->first, sizeof(a.a));
		fprintf(out, "ipv6 local pool %s %s/%u %u\n", pl->name,
			fp_addr_str(&a, m, sizeof(m)), pl->prefix_len, (unsigned)pl->count);
	}
}

void fp_cfg_write_webvpn(const struct fp_config *c, FILE *out)
{
	const struct fp_cfg_webvpn *w = &c->ra.webvpn;
	for (unsigned i = 0; i < c->ra.n_ssl_tps; i++)
		fprintf(out, "ssl trust-point %s %s\n", c->ra.ssl_tps[i].trustpoint,
			c->ra.ssl_tps[i].nameif);
	if (!w->present)
		return;
	fprintf(out, "webvpn\n");
	for (unsigned i = 0; i < w->n_enable; i++)
		fprintf(out, " enable %s\n", w->enable[i]);
	if (w->dtls_port)
		fprintf(out, " dtls port %u\n", w->dtls_port);
	if (w->anyconnect)
		fprintf(out, " anyconnect enable\n");
	if (w->tg_list)
		fprintf(out, " tunnel-group-list enable\n");
}

static void write_secs(const char *line, uint16_t v, bool none, FILE *out)
{
	if (none)
		fprintf(out, " %s none\n", line);
	else if (v)
		fprintf(out, " %s %u\n", line, v);
}

void fp_cfg_write_gp_ra(const struct fp_cfg_group_policy *gp, FILE *out)
{
	const struct fp_cfg_gp_ra *r = &gp->ra;
	char a[FP_ADDR_STRLEN];
	if (r->protocols) {
		fprintf(out, " vpn-tunnel-protocol");
		for (unsigned k = 0; k < 4; k++)
			if (r->protocols & (1u << k))
				fprintf(out, " %s", fp_config_gp_protocol_name(k));
		fprintf(out, "\n");
	}
	if (r->split_policy)
		fprintf(out, " split-tunnel-policy %s\n", fp_config_split_name(r->split_policy));
	if (r->split_acl[0])
		fprintf(out, " split-tunnel-network-list value %s\n", r->split_acl);
	if (r->n_dns) {
		fprintf(out, " dns-server value");
		for (unsigned i = 0; i < r->n_dns; i++)
			fprintf(out, " %s", fp_addr_str(&r->dns[i], a, sizeof(a)));
		fprintf(out, "\n");
	}
	if (r->idle_set)
		write_secs("vpn-idle-timeout", r->idle_min, r->idle_set == FP_CFG_TRI_OFF, out);
	if (r->session_set)
		write_secs("vpn-session-timeout", r->session_min, r->session_set == FP_CFG_TRI_OFF, out);
	if (r->dtls)
		fprintf(out, " anyconnect ssl dtls %s\n", r->dtls == FP_CFG_TRI_ON ? "enable" : "none");
	write_secs("anyconnect dpd-interval client", r->dpd_client, r->dpd_client_none, out);
	write_secs("anyconnect dpd-interval gateway", r->dpd_gateway, r->dpd_gateway_none, out);
	if (r->banner_none)
		fprintf(out, " banner none\n");
	for (const char *l = r->banner; *l;) {
		size_t k = strcspn(l, "\n");
		fprintf(out, " banner value %.*s\n", (int)k, l);
		l += k + (l[k] == '\n');
	}
	write_secs("anyconnect ssl rekey time", r->rekey_min, r->rekey_time_none, out);
	if (r->rekey_method)
		fprintf(out, " anyconnect ssl rekey method %s\n",
			r->rekey_method == FP_CFG_REKEY_NEW_TUNNEL ? "new-tunnel" :
			r->rekey_method == FP_CFG_REKEY_SSL	   ? "ssl" :
								     "none");
}

void fp_cfg_write_tg_ra(const struct fp_cfg_tunnel_group *tg, FILE *out)
{
	fprintf(out, "tunnel-group %s type remote-access\n", tg->name);
	if (tg->ra.pool[0] || tg->ra.pool6[0] || tg->group_policy[0])
		fprintf(out, "tunnel-group %s general-attributes\n", tg->name);
	if (tg->ra.pool[0])
		fprintf(out, " address-pool %s\n", tg->ra.pool);
	if (tg->ra.pool6[0])
		fprintf(out, " ipv6-address-pool %s\n", tg->ra.pool6);
	if (tg->group_policy[0])
		fprintf(out, " default-group-policy %s\n", tg->group_policy);
	if (!tg->ra.webvpn_line && !tg->ra.alias[0] && !tg->ra.auth)
		return;
	fprintf(out, "tunnel-group %s webvpn-attributes\n", tg->name);
	if (tg->ra.auth)
		fprintf(out, " authentication %s\n", fp_config_ra_auth_name(tg->ra.auth));
	if (tg->ra.alias[0])
		fprintf(out, " group-alias %s %s\n", tg->ra.alias, tg->ra.alias_enable ? "enable" : "disable");
}

void fp_cfg_write_users(const struct fp_config *c, FILE *out)
{
	for (unsigned i = 0; i < c->ra.n_users; i++)
		fprintf(out, "username %s password %s pbkdf2\n", c->ra.users[i].name,
			c->ra.users[i].hash);
}
