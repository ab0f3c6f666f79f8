/* Cross-line checks of the remote-access lines: what they name exists.
 * A webvpn interface has a nameif and an "ssl trust-point" with a
 * certificate and key; a tunnel-group's address-pool and ipv6-address-pool
 * exist (as IPv4 and IPv6 pools); a
 * split-tunnel-network-list is a standard access-list. */
#include "config/config_parse.h"

#include <string.h>

static int check_webvpn(const struct fp_config *c, char *err, size_t errlen)
{
	const struct fp_cfg_webvpn *w = &c->ra.webvpn;
	for (unsigned i = 0; i < c->ra.n_ssl_tps; i++) {
		const struct fp_cfg_ssl_tp *t = &c->ra.ssl_tps[i];
		const struct fp_cfg_trustpoint *tp = fp_config_trustpoint(c, t->trustpoint);
		if (!tp)
			return fp_cfg_fail(c, t->line, err, errlen, "ssl trust-point: trustpoint %s "
					   "does not exist", t->trustpoint);
		if (!tp->cert_file[0] || !tp->key_file[0])
			return fp_cfg_fail(c, t->line, err, errlen, "ssl trust-point: trustpoint %s "
					   "has no certificate-file and private-key-file", t->trustpoint);
	}
	for (unsigned i = 0; i < w->n_enable; i++) {
		if (!fp_config_iface_by_nameif(c, w->enable[i]))
			return fp_cfg_fail(c, w->line, err, errlen, "webvpn: enable %s: no interface "
					   "has 'nameif %s'", w->enable[i], w->enable[i]);
		if (!fp_config_ssl_trustpoint(c, w->enable[i]))
			return fp_cfg_fail(c, w->line, err, errlen, "webvpn: enable %s: no 'ssl "
					   "trust-point TRUSTPOINT %s' says which certificate TLS "
					   "presents there", w->enable[i], w->enable[i]);
	}
	return 0;
}

static int check_groups_ra(const struct fp_config *c, char *err, size_t errlen)
{
	for (unsigned i = 0; i < c->n_group_policies; i++) {
		const struct fp_cfg_group_policy *gp = &c->group_policies[i];
		const struct fp_cfg_acl *acl = fp_config_acl(c, gp->ra.split_acl);
		if (gp->ra.split_acl[0] && (!acl || !acl->standard))
			return fp_cfg_fail(c, gp->line, err, errlen, "group-policy %s: "
					   "split-tunnel-network-list: %s is not a standard access-list",
					   gp->name, gp->ra.split_acl);
	}
	for (unsigned i = 0; i < c->n_tunnel_groups; i++) {
		const struct fp_cfg_tunnel_group *tg = &c->tunnel_groups[i];
		if (tg->ra.pool[0] && !fp_config_pool(c, tg->ra.pool))
			return fp_cfg_fail(c, tg->line, err, errlen, "tunnel-group %s: address-pool: "
					   "pool %s does not exist", tg->name, tg->ra.pool);
		if (tg->ra.pool6[0] && !fp_config_pool6(c, tg->ra.pool6))
			return fp_cfg_fail(c, tg->line, err, errlen, "tunnel-group %s: "
					   "ipv6-address-pool: IPv6 pool %s does not exist", tg->name,
					   tg->ra.pool6);
		for (unsigned k = 0; (tg->ra.auth & FP_CFG_RA_AUTH_CERT) && k < c->ra.n_ssl_tps; k++) {
			const struct fp_cfg_trustpoint *tp =
				fp_config_trustpoint(c, c->ra.ssl_tps[k].trustpoint);
			if (tp && !tp->ca_file[0])
				return fp_cfg_fail(c, tg->line, err, errlen, "tunnel-group %s: "
						   "authentication certificate: trustpoint %s (ssl "
						   "trust-point %s) has no ca-file to check clients' "
						   "certificates against", tg->name, tp->name,
						   c->ra.ssl_tps[k].nameif);
		}
	}
	return 0;
}

int fp_cfg_validate_ra(const struct fp_config *c, char *err, size_t errlen)
{
	if (check_webvpn(c, err, errlen) < 0)
		return -1;
	return check_groups_ra(c, err, errlen);
}
