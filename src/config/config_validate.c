/* Checks that need the whole configuration: what a crypto map entry names
 * exists, its manual keys fit its proposal's first transform pair (an
 * entry without keys goes to config_validate_ike.c), SPIs
 * are unique where packets are looked up by them, and every binding names
 * an interface with an address of the peers' family; every mtu and
 * fragmentation line names an interface; a vpn-filter's
 * access-list and a default-group-policy's group-policy exist. The first problem
 * found is reported as "FILE:LINE: " and what is wrong, LINE being the
 * line of what is refused (a map entry's first line): the file was read
 * whole before these checks, so the parser's place is long gone. */
#include "config/config_parse.h"

#include <stdarg.h>
#include <string.h>

/* Line 0 is a line typed at the terminal: no place in a file to name. */
int fp_cfg_fail(const struct fp_config *c, unsigned line, char *err, size_t errlen,
		const char *fmt, ...)
{
	int n = 0;
	if (!err || !errlen)
		return -1;
	if (line)
		n = snprintf(err, errlen, "%s:%u: ", c->file[0] ? c->file : "-", line);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

#define ENTRY_FAIL(e, fmt, ...) \
	fp_cfg_fail(c, (e)->line, err, errlen, "crypto map %s %u: " fmt, (e)->map, (e)->seq, __VA_ARGS__)

/* The first transform pair of a proposal must protect: an AEAD alone (with
 * integrity null or none), or a cipher (null included) with an HMAC. RFC
 * 8221 §5: no encryption without authentication. */
static int check_proposal(const struct fp_cfg_proposal *pr, char *msg, size_t n)
{
	enum fp_integ g = fp_cfg_proposal_integ0(pr);
	if (!pr->n_enc)
		snprintf(msg, n, "ipsec-proposal %s has no 'protocol esp encryption'", pr->name);
	else if (fp_cfg_cipher_aead(pr->enc[0]) && g != FP_INTEG_NONE)
		snprintf(msg, n, "ipsec-proposal %s: %s is used with manual keys and takes "
			 "integrity null (or none), not %s", pr->name,
			 fp_cfg_cipher_name(pr->enc[0]), fp_cfg_integ_name(g));
	else if (!fp_cfg_cipher_aead(pr->enc[0]) && g == FP_INTEG_NONE)
		snprintf(msg, n, "ipsec-proposal %s: %s needs an integrity algorithm "
			 "(RFC 8221: no encryption without authentication)", pr->name,
			 fp_cfg_cipher_name(pr->enc[0]));
	else
		return 0;
	return -1;
}

static int check_keys(const struct fp_config *c, const struct fp_cfg_map_entry *e,
		      const struct fp_cfg_proposal *pr, char *err, size_t errlen)
{
	char msg[160];
	if (!e->n_in || !e->n_out)
		return ENTRY_FAIL(e, "no %s session-key (manual keys need both directions)",
				  e->n_in ? "outbound" : "inbound");
	for (unsigned i = 0; i < e->n_in + e->n_out; i++) {
		const struct fp_cfg_session_key *k = i < e->n_in ? &e->in[i] : &e->out[i - e->n_in];
		if (fp_cfg_key_check(pr->enc[0], fp_cfg_proposal_integ0(pr), k, msg,
				     sizeof(msg)) < 0)
			return ENTRY_FAIL(e, "session-key %s esp %u: %s",
					  i < e->n_in ? "inbound" : "outbound", k->spi, msg);
	}
	return 0;
}

static int check_entry(const struct fp_config *c, const struct fp_cfg_map_entry *e,
		       char *err, size_t errlen)
{
	const struct fp_cfg_proposal *pr = fp_config_proposal(c, e->proposal);
	char msg[200];
	if (!e->acl[0])
		return ENTRY_FAIL(e, "%s", "no 'match address ACL'");
	if (!fp_config_acl(c, e->acl))
		return ENTRY_FAIL(e, "access-list %s does not exist", e->acl);
	if (e->peer.af == FP_AF_NONE)
		return ENTRY_FAIL(e, "%s", "no 'set peer ADDRESS'");
	if (!e->proposal[0])
		return ENTRY_FAIL(e, "%s", "no 'set ikev2 ipsec-proposal NAME'");
	for (unsigned i = 0; fp_config_entry_proposal(e, i); i++)
		if (!fp_config_proposal(c, fp_config_entry_proposal(e, i)))
			return ENTRY_FAIL(e, "ipsec-proposal %s does not exist",
					  fp_config_entry_proposal(e, i));
	if (!e->n_in && !e->n_out) /* no manual keys: IKEv2 negotiates them */
		return fp_cfg_validate_ike_entry(c, e, err, errlen);
	if (check_proposal(pr, msg, sizeof(msg)) < 0)
		return fp_cfg_fail(c, pr->line, err, errlen, "%s (crypto map %s %u uses it)", msg, e->map,
			    e->seq);
	return check_keys(c, e, pr, err, errlen);
}

/* Inbound packets find their SA by SPI: no two inbound keys share one. */
static int check_spis(const struct fp_config *c, char *err, size_t errlen)
{
	for (unsigned i = 0; i < c->n_entries; i++) {
		const struct fp_cfg_map_entry *e = &c->entries[i];
		for (unsigned k = 0; k < e->n_in; k++)
			for (unsigned j = 0; j <= i; j++) {
				const struct fp_cfg_map_entry *o = &c->entries[j];
				for (unsigned l = 0; l < (j == i ? k : o->n_in); l++)
					if (o->in[l].spi == e->in[k].spi)
						return ENTRY_FAIL(e, "inbound SPI %u is also used "
								  "by crypto map %s %u", e->in[k].spi,
								  o->map, o->seq);
			}
	}
	return 0;
}

static bool map_has_entries(const struct fp_config *c, const char *map)
{
	for (unsigned i = 0; i < c->n_entries; i++)
		if (strcmp(c->entries[i].map, map) == 0)
			return true;
	return false;
}

/* A bound map's interface exists and has an address of each peer's family. */
static int check_binding(const struct fp_config *c, const struct fp_cfg_map_binding *b,
			 char *err, size_t errlen)
{
	const struct fp_cfg_iface *ifc = fp_config_iface_by_nameif(c, b->nameif);
	if (!ifc)
		return fp_cfg_fail(c, b->line, err, errlen, "crypto map %s interface %s: no interface "
			    "has 'nameif %s'", b->map, b->nameif, b->nameif);
	if (!map_has_entries(c, b->map))
		return fp_cfg_fail(c, b->line, err, errlen, "crypto map %s interface %s: the map has "
			    "no entries", b->map, b->nameif);
	for (unsigned i = 0; i < c->n_entries; i++) {
		const struct fp_cfg_map_entry *e = &c->entries[i];
		uint8_t af = e->peer.af;
		if (strcmp(e->map, b->map) != 0)
			continue;
		if ((af == FP_AF_INET && ifc->ip4.addr.af != FP_AF_INET) ||
		    (af == FP_AF_INET6 && ifc->ip6.addr.af != FP_AF_INET6))
			return ENTRY_FAIL(e, "the peer is IPv%u but interface %s (%s) has no %s",
					  af, b->nameif, ifc->name,
					  af == FP_AF_INET ? "'ip address'" : "'ipv6 address'");
	}
	return 0;
}

/* "mtu NAMEIF" and "crypto ipsec fragmentation ... NAMEIF" name an
 * interface: a mistyped name would otherwise leave the real one at its
 * default without a word. */
static int check_nameif_lines(const struct fp_config *c, char *err, size_t errlen)
{
	for (unsigned i = 0; i < c->n_mtus; i++)
		if (!fp_config_iface_by_nameif(c, c->mtus[i].nameif))
			return fp_cfg_fail(c, c->mtus[i].line, err, errlen, "mtu %s: no interface has "
				    "'nameif %s'", c->mtus[i].nameif, c->mtus[i].nameif);
	for (unsigned i = 0; i < c->n_frags; i++) {
		const struct fp_cfg_frag *f = &c->frags[i];
		if (!fp_config_iface_by_nameif(c, f->nameif))
			return fp_cfg_fail(c, f->line, err, errlen, "crypto ipsec fragmentation %s %s: no "
				    "interface has 'nameif %s'", f->post_frag ? "after-encryption" :
				    "before-encryption", f->nameif, f->nameif);
	}
	return 0;
}

/* A vpn-filter names an access-list; a default-group-policy a group-policy. */
static int check_groups(const struct fp_config *c, char *err, size_t errlen)
{
	for (unsigned i = 0; i < c->n_group_policies; i++) {
		const struct fp_cfg_group_policy *gp = &c->group_policies[i];
		if (gp->vpn_filter == FP_CFG_VF_VALUE && !fp_config_acl(c, gp->vpn_filter_acl))
			return fp_cfg_fail(c, gp->line, err, errlen, "group-policy %s: vpn-filter: "
				    "access-list %s does not exist", gp->name, gp->vpn_filter_acl);
	}
	for (unsigned i = 0; i < c->n_tunnel_groups; i++) {
		const struct fp_cfg_tunnel_group *tg = &c->tunnel_groups[i];
		if (tg->group_policy[0] && strcmp(tg->group_policy, FP_CFG_DFLT_GROUP_POLICY) &&
		    !fp_config_group_policy(c, tg->group_policy))
			return fp_cfg_fail(c, tg->line, err, errlen, "tunnel-group %s: default-group-policy: "
				    "group-policy %s does not exist", tg->name, tg->group_policy);
	}
	return 0;
}

int fp_config_validate(const struct fp_config *c, char *err, size_t errlen)
{
	for (unsigned i = 0; i < c->n_entries; i++)
		if (check_entry(c, &c->entries[i], err, errlen) < 0)
			return -1;
	if (check_spis(c, err, errlen) < 0)
		return -1;
	for (unsigned i = 0; i < c->n_bindings; i++)
		if (check_binding(c, &c->bindings[i], err, errlen) < 0)
			return -1;
	if (check_nameif_lines(c, err, errlen) < 0 || check_groups(c, err, errlen) < 0 ||
	    fp_cfg_validate_vti(c, err, errlen) < 0 ||
	    fp_cfg_validate_ra(c, err, errlen) < 0)
		return -1;
	return fp_cfg_validate_ike(c, err, errlen);
}
