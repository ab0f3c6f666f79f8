/* A group-policy's remote-access attributes, in its "attributes"
 * sub-mode: vpn-tunnel-protocol, split-tunnel-policy,
 * split-tunnel-network-list value, dns-server value, vpn-idle-timeout,
 * anyconnect ssl dtls, anyconnect dpd-interval client|gateway. */
#include "config/config_parse.h"

#include <string.h>

static const char *const gp_protocols[] = { "ssl-client", "ikev2", "ipsec", "l2tp-ipsec" };
static const char *const gp_split[] = { "", "tunnelall", "tunnelspecified", "excludespecified" };

int fp_cfg_gp_protocol(struct fp_cfg_parse *p)
{
	struct fp_cfg_group_policy *gp = fp_cfg_gp_current(p);
	uint8_t set = 0;
	if (!gp)
		return -1;
	for (unsigned i = p->arg; i < p->ntok; i++) {
		unsigned k = 0;
		while (k < 4 && !fp_cfg_word_is(p->tok[i], gp_protocols[k]))
			k++;
		if (k == 4)
			return fp_cfg_error(p, "expected ssl-client, ikev2, ipsec or l2tp-ipsec, got %s",
					    FP_CFG_SHOWN(p, p->tok[i]));
		set |= (uint8_t)(1u << k);
	}
	gp->ra.protocols = set;
	return 0;
}

const char *fp_config_gp_protocol_name(unsigned bit)
{
	return bit < 4 ? gp_protocols[bit] : "";
}

const char *fp_config_split_name(unsigned policy)
{
	return policy < 4 ? gp_split[policy] : "";
}

int fp_cfg_gp_split_policy(struct fp_cfg_parse *p)
{
	struct fp_cfg_group_policy *gp = fp_cfg_gp_current(p);
	if (!gp)
		return -1;
	for (unsigned k = 1; k < 4; k++)
		if (fp_cfg_word_is(p->tok[p->arg], gp_split[k])) {
			gp->ra.split_policy = (uint8_t)k;
			return 0;
		}
	return fp_cfg_error(p, "expected tunnelall, tunnelspecified or excludespecified, got %s",
			    FP_CFG_SHOWN(p, p->tok[p->arg]));
}

int fp_cfg_gp_split_list(struct fp_cfg_parse *p)
{
	struct fp_cfg_group_policy *gp = fp_cfg_gp_current(p);
	if (!gp)
		return -1;
	return fp_cfg_name(p, p->tok[p->arg], "the access-list name", sizeof(gp->ra.split_acl),
			   gp->ra.split_acl);
}

int fp_cfg_gp_dns(struct fp_cfg_parse *p)
{
	struct fp_cfg_group_policy *gp = fp_cfg_gp_current(p);
	struct fp_addr a[FP_CFG_MAX_GP_DNS];
	if (!gp)
		return -1;
	unsigned n = p->ntok - p->arg;
	for (unsigned i = 0; i < n; i++)
		if (fp_addr_parse(&a[i], p->tok[p->arg + i]) < 0)
			return fp_cfg_error(p, "expected a DNS server's address, got %s",
					    FP_CFG_SHOWN(p, p->tok[p->arg + i]));
	memcpy(gp->ra.dns, a, n * sizeof(a[0]));
	gp->ra.n_dns = (uint8_t)n;
	return 0;
}

/* N within [min, max] or "none" (0 into *none = false). */
static int gp_minutes(struct fp_cfg_parse *p, const char *what, unsigned min, unsigned max,
		      uint16_t *v, bool *none)
{
	uint64_t x;
	if (fp_cfg_word_is(p->tok[p->arg], "none")) {
		*none = true;
		*v = 0;
		return 0;
	}
	if (fp_cfg_uint(p, p->tok[p->arg], what, min, max, &x) < 0)
		return -1;
	*none = false;
	*v = (uint16_t)x;
	return 0;
}

/* vpn-idle-timeout or vpn-session-timeout (word 0 says which). */
int fp_cfg_gp_idle(struct fp_cfg_parse *p)
{
	struct fp_cfg_group_policy *gp = fp_cfg_gp_current(p);
	bool none, idle = fp_cfg_word_is(p->tok[0], "vpn-idle-timeout");
	if (!gp)
		return -1;
	struct fp_cfg_gp_ra *r = &gp->ra;
	if (gp_minutes(p, "the timeout in minutes", 1, 35791, idle ? &r->idle_min : &r->session_min,
		       &none) < 0)
		return -1;
	*(idle ? &r->idle_set : &r->session_set) = none ? FP_CFG_TRI_OFF : FP_CFG_TRI_ON;
	return 0;
}

int fp_cfg_gp_dtls(struct fp_cfg_parse *p)
{
	struct fp_cfg_group_policy *gp = fp_cfg_gp_current(p);
	const char *w = p->tok[p->arg];
	if (!gp)
		return -1;
	if (!fp_cfg_word_is(w, "enable") && !fp_cfg_word_is(w, "none"))
		return fp_cfg_error(p, "expected 'enable' or 'none', got %s", FP_CFG_SHOWN(p, w));
	gp->ra.dtls = fp_cfg_word_is(w, "enable") ? FP_CFG_TRI_ON : FP_CFG_TRI_OFF;
	return 0;
}

/* "banner value TEXT": one more line of the banner the client shows at
 * login (words joined by one space); "banner none": no banner. */
int fp_cfg_gp_banner(struct fp_cfg_parse *p)
{
	struct fp_cfg_group_policy *gp = fp_cfg_gp_current(p);
	if (!gp)
		return -1;
	struct fp_cfg_gp_ra *r = &gp->ra;
	if (fp_cfg_word_is(p->tok[p->arg], "none") && p->ntok == p->arg + 1) {
		r->banner[0] = '\0';
		r->banner_none = true;
		return 0;
	}
	if (!fp_cfg_word_is(p->tok[p->arg], "value") || p->ntok == p->arg + 1)
		return fp_cfg_error(p, "expected 'value TEXT' or 'none'");
	char line[FP_CFG_BANNER_MAX] = "";
	size_t n = 0;
	for (unsigned i = p->arg + 1; i < p->ntok && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", n ? " " : "", p->tok[i]);
	size_t have = strlen(r->banner);
	if (n >= sizeof(line) || have + (have ? 1 : 0) + n >= sizeof(r->banner))
		return fp_cfg_error(p, "the banner is longer than %u characters", FP_CFG_BANNER_MAX - 1);
	snprintf(r->banner + have, sizeof(r->banner) - have, "%s%s", have ? "\n" : "", line);
	r->banner_none = false;
	return 0;
}

/* The ASA takes 4-10080 minutes; a lab may want a rekey sooner. */
int fp_cfg_gp_rekey_time(struct fp_cfg_parse *p)
{
	struct fp_cfg_group_policy *gp = fp_cfg_gp_current(p);
	if (!gp)
		return -1;
	return gp_minutes(p, "the rekey interval in minutes", 1, 10080, &gp->ra.rekey_min,
			  &gp->ra.rekey_time_none);
}

/* new-tunnel: the client's new TLS connection brings a new DTLS session;
 * ssl: the DTLS session is rehandshaken in place (its rule updated to the
 * new epoch), TLS 1.3 keys updated by the headend (docs/remote-access.md). */
int fp_cfg_gp_rekey_method(struct fp_cfg_parse *p)
{
	struct fp_cfg_group_policy *gp = fp_cfg_gp_current(p);
	const char *w = p->tok[p->arg];
	if (!gp)
		return -1;
	if (fp_cfg_word_is(w, "new-tunnel"))
		gp->ra.rekey_method = FP_CFG_REKEY_NEW_TUNNEL;
	else if (fp_cfg_word_is(w, "none"))
		gp->ra.rekey_method = FP_CFG_REKEY_NONE;
	else if (fp_cfg_word_is(w, "ssl"))
		gp->ra.rekey_method = FP_CFG_REKEY_SSL;
	else
		return fp_cfg_error(p, "expected 'new-tunnel', 'ssl' or 'none', got %s",
				    FP_CFG_SHOWN(p, w));
	return 0;
}

int fp_cfg_gp_dpd(struct fp_cfg_parse *p)
{
	struct fp_cfg_group_policy *gp = fp_cfg_gp_current(p);
	if (!gp)
		return -1;
	bool gw = fp_cfg_word_is(p->tok[2], "gateway");
	return gp_minutes(p, "the DPD interval in seconds", 5, 3600,
			  gw ? &gp->ra.dpd_gateway : &gp->ra.dpd_client,
			  gw ? &gp->ra.dpd_gateway_none : &gp->ra.dpd_client_none);
}
