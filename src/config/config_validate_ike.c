/* Validation of what IKEv2 uses: the ikev2 policies (encryption and
 * integrity that go together), "crypto ikev2 enable" naming an interface,
 * each tunnel-group's authentication (a trustpoint with a certificate for
 * local certificate authentication, one with a ca-file for the peer's),
 * every trustpoint's files loaded with OpenSSL, and for a crypto map entry
 * without session keys everything a negotiation needs. Errors name the
 * line of what is refused, as config_validate.c does. */
#include "config/config_parse.h"
#include "config/trustpoint.h"

#include <string.h>

#define IKE_ENTRY_FAIL(e, ...) fp_cfg_fail(c, (e)->line, err, errlen, __VA_ARGS__)

static int check_policies(const struct fp_config *c, char *err, size_t errlen)
{
	char msg[160];
	for (unsigned i = 0; i < c->n_ikev2_policies; i++) {
		const struct fp_cfg_ikev2_policy *pol = &c->ikev2_policies[i];
		if (fp_cfg_ikev2_policy_check(pol, msg, sizeof(msg)) < 0)
			return fp_cfg_fail(c, pol->line, err, errlen, "crypto ikev2 policy %u: %s",
					   pol->priority, msg);
	}
	for (unsigned i = 0; i < c->n_ikev2_enables; i++) {
		const struct fp_cfg_ikev2_enable *en = &c->ikev2_enables[i];
		if (!fp_config_iface_by_nameif(c, en->nameif))
			return fp_cfg_fail(c, en->line, err, errlen, "crypto ikev2 enable %s: no "
					   "interface has 'nameif %s'", en->nameif, en->nameif);
	}
	return 0;
}

static bool any_ca_file(const struct fp_config *c)
{
	for (unsigned i = 0; i < c->n_trustpoints; i++)
		if (c->trustpoints[i].ca_file[0])
			return true;
	return false;
}

/* The line of the tunnel-group's ipsec-attributes, else of its type line. */
static unsigned tg_line(const struct fp_cfg_tunnel_group *tg)
{
	return tg->ipsec_line ? tg->ipsec_line : tg->line;
}

static int check_tg_auth(const struct fp_config *c, const struct fp_cfg_tunnel_group *tg,
			 char *err, size_t errlen)
{
	const struct fp_cfg_trustpoint *tp = fp_config_trustpoint(c, tg->trustpoint);
	if (tg->auth_local == FP_CFG_AUTH_CERT && !tp)
		return fp_cfg_fail(c, tg_line(tg), err, errlen, "tunnel-group %s: "
				   "local-authentication certificate: trustpoint %s does not exist",
				   tg->name, tg->trustpoint);
	if (tg->auth_local == FP_CFG_AUTH_CERT && !tp->cert_file[0])
		return fp_cfg_fail(c, tg_line(tg), err, errlen, "tunnel-group %s: trustpoint %s "
				   "has no certificate-file to authenticate with", tg->name,
				   tg->trustpoint);
	if (tg->auth_remote == FP_CFG_AUTH_CERT && !any_ca_file(c))
		return fp_cfg_fail(c, tg_line(tg), err, errlen, "tunnel-group %s: "
				   "remote-authentication certificate needs a trustpoint with a "
				   "ca-file", tg->name);
	return 0;
}

/* Each trustpoint's files load; the objects are dropped at once. */
static int check_trustpoints(const struct fp_config *c, char *err, size_t errlen)
{
	char why[640];
	for (unsigned i = 0; i < c->n_trustpoints; i++) {
		const struct fp_cfg_trustpoint *tp = &c->trustpoints[i];
		struct fp_trustpoint t;
		if (fp_trustpoint_load(tp, &t, why, sizeof(why)) < 0)
			return fp_cfg_fail(c, tp->line, err, errlen, "crypto ca trustpoint %s: %s",
					   tp->name, why);
		fp_trustpoint_free(&t);
	}
	return 0;
}

int fp_cfg_validate_ike(const struct fp_config *c, char *err, size_t errlen)
{
	if (check_policies(c, err, errlen) < 0)
		return -1;
	for (unsigned i = 0; i < c->n_tunnel_groups; i++)
		if (check_tg_auth(c, &c->tunnel_groups[i], err, errlen) < 0)
			return -1;
	return check_trustpoints(c, err, errlen);
}

/* What IKEv2 can offer from a proposal: every (encryption, integrity)
 * pair that protects. A CBC or null cipher needs an HMAC in the list
 * (RFC 8221: no encryption without authentication). */
int fp_cfg_esp_proposal_check(const struct fp_cfg_proposal *pr, char *msg, size_t n)
{
	bool hmac = false;
	for (unsigned i = 0; i < pr->n_integ; i++)
		hmac = hmac || pr->integ[i] != FP_INTEG_NONE;
	if (!pr->n_enc) {
		snprintf(msg, n, "ipsec-proposal %s has no 'protocol esp encryption'", pr->name);
		return -1;
	}
	for (unsigned i = 0; i < pr->n_enc; i++)
		if (!fp_cfg_cipher_aead(pr->enc[i]) && !hmac) {
			snprintf(msg, n, "ipsec-proposal %s: %s needs an integrity algorithm other "
				 "than null (RFC 8221)", pr->name, fp_cfg_cipher_name(pr->enc[i]));
			return -1;
		}
	return 0;
}

/* The peer's tunnel-group says how both sides authenticate. */
static int check_entry_peer(const struct fp_config *c, const struct fp_cfg_map_entry *e,
			    char *err, size_t errlen)
{
	const struct fp_cfg_tunnel_group *tg = fp_config_tunnel_group(c, &e->peer);
	char a[FP_ADDR_STRLEN];
	fp_addr_str(&e->peer, a, sizeof(a));
	if (!tg)
		return IKE_ENTRY_FAIL(e, "crypto map %s %u: no session keys and no tunnel-group "
				      "%s for IKEv2 (add 'tunnel-group %s type ipsec-l2l' and its "
				      "ipsec-attributes)", e->map, e->seq, a, a);
	if (tg->auth_local == FP_CFG_AUTH_UNSET || tg->auth_remote == FP_CFG_AUTH_UNSET)
		return IKE_ENTRY_FAIL(e, "crypto map %s %u: tunnel-group %s has no 'ikev2 %s' "
				      "line in its ipsec-attributes", e->map, e->seq, tg->name,
				      tg->auth_local == FP_CFG_AUTH_UNSET ? "local-authentication"
				      : "remote-authentication");
	return 0;
}

/* Proposals first: a bad one is a mistake whatever else is missing. */
int fp_cfg_validate_ike_entry(const struct fp_config *c, const struct fp_cfg_map_entry *e,
			      char *err, size_t errlen)
{
	const struct fp_cfg_iface *ifc = fp_config_map_iface(c, e->map);
	char msg[200];
	for (unsigned i = 0; fp_config_entry_proposal(e, i); i++) {
		const struct fp_cfg_proposal *pr =
			fp_config_proposal(c, fp_config_entry_proposal(e, i));
		if (fp_cfg_esp_proposal_check(pr, msg, sizeof(msg)) < 0)
			return fp_cfg_fail(c, pr->line, err, errlen, "%s (crypto map %s %u uses it)",
					   msg, e->map, e->seq);
	}
	if (!ifc)
		return IKE_ENTRY_FAIL(e, "crypto map %s %u: no session keys, and crypto map %s is "
				      "bound to no interface for IKEv2 to negotiate on", e->map,
				      e->seq, e->map);
	if (!fp_config_ikev2_enabled(c, ifc->nameif))
		return IKE_ENTRY_FAIL(e, "crypto map %s %u: no session keys, and IKEv2 is not "
				      "enabled on %s (add 'crypto ikev2 enable %s')", e->map, e->seq,
				      ifc->nameif, ifc->nameif);
	if (!c->n_ikev2_policies)
		return IKE_ENTRY_FAIL(e, "crypto map %s %u: no session keys, and no 'crypto ikev2 "
				      "policy' to negotiate with", e->map, e->seq);
	return check_entry_peer(c, e, err, errlen);
}
