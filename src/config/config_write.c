/* show running-config / write memory: the configuration as the lines that
 * parse back to it, in the ASA's order: hostname, interfaces (each closed
 * by "!", Tunnel interfaces last), mtu lines, routes, access-lists,
 * ipsec-proposals, ipsec profiles, crypto map entries,
 * crypto map bindings, trustpoints, ikev2 policies and enable lines,
 * global IPsec settings (fragmentation included), flow-offload switches,
 * group-policies, tunnel-groups (with their ipsec-attributes), users; the
 * remote-access lines (config_write_ra.c) where the ASA puts them. Defaults
 * that no line states are left out, except the flow-offload switches,
 * which are always shown. Session keys and pre-shared keys are "*****"
 * unless with_keys. */
#include "config/config_parse.h"

#include <string.h>

static void write_iface(const struct fp_cfg_iface *ifc, FILE *out)
{
	char a[FP_ADDR_STRLEN], m[FP_ADDR_STRLEN];
	fprintf(out, "interface %s\n", ifc->name);
	if (ifc->nameif[0])
		fprintf(out, " nameif %s\n", ifc->nameif);
	if (ifc->ip4.addr.af == FP_AF_INET)
		fprintf(out, " ip address %s %s\n", fp_addr_str(&ifc->ip4.addr, a, sizeof(a)),
			fp_mask_str(ifc->ip4.len, m, sizeof(m)));
	if (ifc->ip6.addr.af == FP_AF_INET6)
		fprintf(out, " ipv6 address %s/%u\n", fp_addr_str(&ifc->ip6.addr, a, sizeof(a)),
			ifc->ip6.len);
	if (ifc->shutdown)
		fprintf(out, " shutdown\n");
	fprintf(out, "!\n");
}

/* any, any4, any6, host A, A MASK or A/LEN, as the ASA prints them. */
static void write_endpoint(const struct fp_prefix *pf, uint16_t port, FILE *out)
{
	char a[FP_ADDR_STRLEN], m[FP_ADDR_STRLEN];
	uint8_t af = pf->addr.af;
	if (af == FP_AF_NONE)
		fprintf(out, " any");
	else if (pf->len == 0)
		fprintf(out, " %s", af == FP_AF_INET ? "any4" : "any6");
	else if (pf->len == (af == FP_AF_INET ? 32 : 128))
		fprintf(out, " host %s", fp_addr_str(&pf->addr, a, sizeof(a)));
	else if (af == FP_AF_INET)
		fprintf(out, " %s %s", fp_addr_str(&pf->addr, a, sizeof(a)),
			fp_mask_str(pf->len, m, sizeof(m)));
	else
		fprintf(out, " %s/%u", fp_addr_str(&pf->addr, a, sizeof(a)), pf->len);
	if (port)
		fprintf(out, " eq %u", port);
}

static void write_acl(const struct fp_cfg_acl *acl, FILE *out)
{
	for (unsigned i = 0; i < acl->n_aces; i++) {
		const struct fp_cfg_ace *ace = &acl->aces[i];
		const char *proto = fp_cfg_proto_name(ace->proto);
		if (acl->standard) {
			fprintf(out, "access-list %s standard %s", acl->name,
				ace->permit ? "permit" : "deny");
			write_endpoint(&ace->dst, 0, out);
			fprintf(out, "\n");
			continue;
		}
		fprintf(out, "access-list %s extended %s ", acl->name,
			ace->permit ? "permit" : "deny");
		if (proto)
			fprintf(out, "%s", proto);
		else
			fprintf(out, "%u", ace->proto);
		write_endpoint(&ace->src, ace->src_port, out);
		write_endpoint(&ace->dst, ace->dst_port, out);
		fprintf(out, "\n");
	}
}

static void write_proposal(const struct fp_cfg_proposal *pr, FILE *out)
{
	fprintf(out, "crypto ipsec ikev2 ipsec-proposal %s\n", pr->name);
	if (pr->n_enc) {
		fprintf(out, " protocol esp encryption");
		for (unsigned i = 0; i < pr->n_enc; i++)
			fprintf(out, " %s", fp_cfg_cipher_name(pr->enc[i]));
		fprintf(out, "\n");
	}
	if (pr->n_integ) {
		fprintf(out, " protocol esp integrity");
		for (unsigned i = 0; i < pr->n_integ; i++)
			fprintf(out, " %s", fp_cfg_integ_name(pr->integ[i]));
		fprintf(out, "\n");
	}
}

static void write_hex(const uint8_t *b, unsigned n, bool with_keys, FILE *out)
{
	if (!with_keys) {
		fprintf(out, "*****");
		return;
	}
	for (unsigned i = 0; i < n; i++)
		fprintf(out, "%02x", b[i]);
}

static void write_key(const struct fp_cfg_map_entry *e, const struct fp_cfg_session_key *k,
		      const char *dir, bool with_keys, FILE *out)
{
	fprintf(out, "crypto map %s %u set session-key %s esp %u", e->map, e->seq, dir, k->spi);
	if (k->cipher_key_len) {
		fprintf(out, " cipher ");
		write_hex(k->cipher_key, k->cipher_key_len, with_keys, out);
	}
	if (k->auth_key_len) {
		fprintf(out, " authenticator ");
		write_hex(k->auth_key, k->auth_key_len, with_keys, out);
	}
	fprintf(out, "\n");
}

/* The "set" lines of one entry whose value differs from the default, each
 * after lead ("crypto map NAME SEQ ", or " " in an ipsec profile). */
static unsigned write_entry_settings(const struct fp_cfg_map_entry *e, const char *lead,
				     FILE *out)
{
	char a[FP_ADDR_STRLEN];
	unsigned n = 0;
#define SET(...) (n++, fprintf(out, "%s", lead), fprintf(out, __VA_ARGS__))
	if (e->acl[0])
		SET("match address %s\n", e->acl);
	if (e->peer.af != FP_AF_NONE)
		SET("set peer %s\n", fp_addr_str(&e->peer, a, sizeof(a)));
	if (e->proposal[0]) {
		SET("set ikev2 ipsec-proposal %s", e->proposal);
		for (unsigned i = 0; i < e->n_proposal_more; i++)
			fprintf(out, " %s", e->proposal_more[i]);
		fprintf(out, "\n");
	}
	if (e->pfs_group)
		SET("set pfs group%u\n", e->pfs_group);
	if (e->conn_type != FP_CFG_CONN_BIDIRECTIONAL)
		SET("set connection-type %s\n", fp_config_conn_type_name(e->conn_type));
	if (e->transport)
		SET("set mode transport\n");
	if (e->udp_sport || e->udp_dport)
		SET("set udp-encapsulation %u %u\n", e->udp_sport, e->udp_dport);
	if (e->life_seconds)
		SET("set security-association lifetime seconds %llu\n",
		    (unsigned long long)e->life_seconds);
	if (e->life_kbytes)
		SET("set security-association lifetime kilobytes %llu\n",
		    (unsigned long long)e->life_kbytes);
	if (e->replay_window >= 0)
		SET("set security-association replay window-size %d\n", e->replay_window);
	if (e->esn)
		SET("set extended-sequence-number\n");
#undef SET
	return n;
}

static void write_entry(const struct fp_cfg_map_entry *e, bool with_keys, FILE *out)
{
	char lead[FP_NAME_MAX + 32];
	snprintf(lead, sizeof(lead), "crypto map %s %u ", e->map, e->seq);
	unsigned n = write_entry_settings(e, lead, out);
	for (unsigned i = 0; i < e->n_in; i++)
		write_key(e, &e->in[i], "inbound", with_keys, out);
	for (unsigned i = 0; i < e->n_out; i++)
		write_key(e, &e->out[i], "outbound", with_keys, out);
	if (n + e->n_in + e->n_out == 0) /* an entry with only defaults still exists */
		fprintf(out, "crypto map %s %u set mode tunnel\n", e->map, e->seq);
}

static void write_vti(const struct fp_cfg_vti *v, FILE *out)
{
	char a[FP_ADDR_STRLEN], m[FP_ADDR_STRLEN];
	fprintf(out, "interface %s\n", v->name);
	if (v->nameif[0])
		fprintf(out, " nameif %s\n", v->nameif);
	if (v->ip4.addr.af == FP_AF_INET)
		fprintf(out, " ip address %s %s\n", fp_addr_str(&v->ip4.addr, a, sizeof(a)),
			fp_mask_str(v->ip4.len, m, sizeof(m)));
	if (v->source[0])
		fprintf(out, " tunnel source interface %s\n", v->source);
	if (v->dest.af != FP_AF_NONE)
		fprintf(out, " tunnel destination %s\n", fp_addr_str(&v->dest, a, sizeof(a)));
	if (v->mode_ipsec4)
		fprintf(out, " tunnel mode ipsec ipv4\n");
	if (v->profile[0])
		fprintf(out, " tunnel protection ipsec profile %s\n", v->profile);
	if (v->shutdown)
		fprintf(out, " shutdown\n");
	fprintf(out, "!\n");
}

static void write_route(const struct fp_cfg_route *r, FILE *out)
{
	char a[FP_ADDR_STRLEN], m[FP_ADDR_STRLEN];
	fprintf(out, "route %s %s %s", r->nameif, fp_addr_str(&r->net.addr, a, sizeof(a)),
		fp_mask_str(r->net.len, m, sizeof(m)));
	if (r->gateway.af != FP_AF_NONE)
		fprintf(out, " %s", fp_addr_str(&r->gateway, a, sizeof(a)));
	if (r->metric)
		fprintf(out, " %u", r->metric);
	fprintf(out, "\n");
}

static void write_profile(const struct fp_cfg_ipsec_profile *pr, FILE *out)
{
	fprintf(out, "crypto ipsec profile %s\n", pr->name);
	write_entry_settings(&pr->set, " ", out);
}

static void write_globals(const struct fp_config *c, FILE *out)
{
	if (c->replay_window != 64)
		fprintf(out, "crypto ipsec security-association replay window-size %u\n",
			c->replay_window);
	if (c->replay_disabled)
		fprintf(out, "crypto ipsec security-association replay disable\n");
	for (unsigned i = 0; i < c->n_frags; i++) /* before-encryption is the default */
		if (c->frags[i].post_frag)
			fprintf(out, "crypto ipsec fragmentation after-encryption %s\n",
				c->frags[i].nameif);
	fprintf(out, "%sflow-offload-ipsec\n", c->offload_ipsec ? "" : "no ");
	fprintf(out, "%sflow-offload-ipsec egress-optimization\n",
		c->offload_ipsec_egress ? "" : "no ");
	if (c->ra.offload_dtls) /* off by default: said only when on */
		fprintf(out, "flow-offload-dtls\n");
	if (!c->ra.offload_dtls_egress) /* on by default: said only when off */
		fprintf(out, "no flow-offload-dtls egress-optimization\n");
}

static void write_group_policy(const struct fp_cfg_group_policy *gp, FILE *out)
{
	static const struct fp_cfg_gp_ra none;
	if (gp->internal)
		fprintf(out, "group-policy %s internal\n", gp->name);
	if (gp->vpn_filter == FP_CFG_VF_UNSET && memcmp(&gp->ra, &none, sizeof(none)) == 0)
		return;
	fprintf(out, "group-policy %s attributes\n", gp->name);
	if (gp->vpn_filter == FP_CFG_VF_VALUE)
		fprintf(out, " vpn-filter value %s\n", gp->vpn_filter_acl);
	else if (gp->vpn_filter == FP_CFG_VF_NONE)
		fprintf(out, " vpn-filter none\n");
	fp_cfg_write_gp_ra(gp, out);
}

static void write_tg_auth(const char *side, uint8_t auth, const char *psk, const char *tp,
			  bool with_keys, FILE *out)
{
	if (auth == FP_CFG_AUTH_PSK)
		fprintf(out, " ikev2 %s-authentication pre-shared-key %s\n", side,
			with_keys ? psk : "*****");
	else if (auth == FP_CFG_AUTH_CERT)
		fprintf(out, " ikev2 %s-authentication certificate%s%s\n", side, tp ? " " : "",
			tp ? tp : "");
}

/* The ipsec-attributes block, when a line of it differs from the default. */
static void write_tg_ipsec(const struct fp_cfg_tunnel_group *tg, bool with_keys, FILE *out)
{
	if (!tg->auth_remote && !tg->auth_local && !tg->dpd_threshold && !tg->dpd_disabled)
		return;
	fprintf(out, "tunnel-group %s ipsec-attributes\n", tg->name);
	write_tg_auth("remote", tg->auth_remote, tg->psk_remote, NULL, with_keys, out);
	write_tg_auth("local", tg->auth_local, tg->psk_local, tg->trustpoint, with_keys, out);
	if (tg->dpd_disabled)
		fprintf(out, " isakmp keepalive disable\n");
	else if (tg->dpd_threshold)
		fprintf(out, " isakmp keepalive threshold %u retry %u\n", tg->dpd_threshold,
			tg->dpd_retry);
}

static void write_tunnel_group(const struct fp_cfg_tunnel_group *tg, bool with_keys, FILE *out)
{
	if (tg->ra.remote_access) {
		fp_cfg_write_tg_ra(tg, out);
		return;
	}
	fprintf(out, "tunnel-group %s type ipsec-l2l\n", tg->name);
	if (tg->group_policy[0])
		fprintf(out, "tunnel-group %s general-attributes\n default-group-policy %s\n",
			tg->name, tg->group_policy);
	write_tg_ipsec(tg, with_keys, out);
}

static void write_trustpoint(const struct fp_cfg_trustpoint *tp, FILE *out)
{
	fprintf(out, "crypto ca trustpoint %s\n", tp->name);
	if (tp->enroll_terminal)
		fprintf(out, " enrollment terminal\n");
	if (tp->cert_file[0])
		fprintf(out, " certificate-file %s\n", tp->cert_file);
	if (tp->key_file[0])
		fprintf(out, " private-key-file %s\n", tp->key_file);
	if (tp->ca_file[0])
		fprintf(out, " ca-file %s\n", tp->ca_file);
}

/* " encryption aes-256 aes" and the like; nothing for an empty list. */
static void write_ike_list(const char *kw, const uint8_t *v, unsigned n,
			   const char *(*name)(unsigned), FILE *out)
{
	if (!n)
		return;
	fprintf(out, " %s", kw);
	for (unsigned i = 0; i < n; i++)
		fprintf(out, " %s", name(v[i]));
	fprintf(out, "\n");
}

static const char *encr_name(unsigned v)
{
	return fp_config_ike_encr_name((enum fp_cfg_ike_encr)v);
}

static const char *hash_name(unsigned v)
{
	return fp_config_ike_hash_name((enum fp_cfg_ike_hash)v);
}

static void write_ikev2_policy(const struct fp_cfg_ikev2_policy *pol, FILE *out)
{
	fprintf(out, "crypto ikev2 policy %u\n", pol->priority);
	write_ike_list("encryption", pol->encr, pol->n_encr, encr_name, out);
	write_ike_list("integrity", pol->integ, pol->n_integ, hash_name, out);
	if (pol->n_group) {
		fprintf(out, " group");
		for (unsigned i = 0; i < pol->n_group; i++)
			fprintf(out, " %u", pol->group[i]);
		fprintf(out, "\n");
	}
	write_ike_list("prf", pol->prf, pol->n_prf, hash_name, out);
	if (pol->life_s)
		fprintf(out, " lifetime seconds %u\n", pol->life_s);
}

static void write_ike(const struct fp_config *c, FILE *out)
{
	for (unsigned i = 0; i < c->n_trustpoints; i++)
		write_trustpoint(&c->trustpoints[i], out);
	for (unsigned i = 0; i < c->n_ikev2_policies; i++)
		write_ikev2_policy(&c->ikev2_policies[i], out);
	for (unsigned i = 0; i < c->n_ikev2_enables; i++)
		fprintf(out, "crypto ikev2 enable %s\n", c->ikev2_enables[i].nameif);
	if (c->ikev2_frag_mtu)
		fprintf(out, "crypto ikev2 fragmentation mtu %u\n", c->ikev2_frag_mtu);
	if (c->ikev2_max_in_neg)
		fprintf(out, "crypto ikev2 limit max-in-negotiation-sa %u\n", c->ikev2_max_in_neg);
	if (c->ikev2_cookie_pct)
		fprintf(out, "crypto ikev2 cookie-challenge %u\n", c->ikev2_cookie_pct);
}

void fp_config_write(const struct fp_config *c, FILE *out, bool with_keys)
{
	fprintf(out, "hostname %s\n!\n", c->hostname);
	for (unsigned i = 0; i < c->n_ifaces; i++)
		write_iface(&c->ifaces[i], out);
	for (unsigned i = 0; i < c->n_vtis; i++)
		write_vti(&c->vtis[i], out);
	for (unsigned i = 0; i < c->n_mtus; i++)
		fprintf(out, "mtu %s %u\n", c->mtus[i].nameif, c->mtus[i].mtu);
	for (unsigned i = 0; i < c->n_routes; i++)
		write_route(&c->routes[i], out);
	fp_cfg_write_pools(c, out);
	for (unsigned i = 0; i < c->n_acls; i++)
		write_acl(&c->acls[i], out);
	for (unsigned i = 0; i < c->n_proposals; i++)
		write_proposal(&c->proposals[i], out);
	for (unsigned i = 0; i < c->n_profiles; i++)
		write_profile(&c->profiles[i], out);
	for (unsigned i = 0; i < c->n_entries; i++)
		write_entry(&c->entries[i], with_keys, out);
	for (unsigned i = 0; i < c->n_bindings; i++)
		fprintf(out, "crypto map %s interface %s\n", c->bindings[i].map,
			c->bindings[i].nameif);
	write_ike(c, out);
	fp_cfg_write_webvpn(c, out);
	write_globals(c, out);
	for (unsigned i = 0; i < c->n_group_policies; i++)
		write_group_policy(&c->group_policies[i], out);
	for (unsigned i = 0; i < c->n_tunnel_groups; i++)
		write_tunnel_group(&c->tunnel_groups[i], with_keys, out);
	fp_cfg_write_users(c, out);
}
