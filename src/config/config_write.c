/* show running-config / write memory: the configuration as the lines that
 * parse back to it, in the ASA's order: hostname, interfaces (each closed
 * by "!"), mtu lines, access-lists, ipsec-proposals, crypto map entries,
 * crypto map bindings, global IPsec settings (fragmentation included),
 * flow-offload switches, group-policies, tunnel-groups. Defaults that no
 * line states are left out, except the flow-offload switches, which are
 * always shown. Session keys are "*****" unless with_keys. */
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

/* The "set" lines of one entry whose value differs from the default. */
static unsigned write_entry_settings(const struct fp_cfg_map_entry *e, FILE *out)
{
	char a[FP_ADDR_STRLEN];
	unsigned n = 0;
#define SET(...) (n++, fprintf(out, "crypto map %s %u ", e->map, e->seq), fprintf(out, __VA_ARGS__))
	if (e->acl[0])
		SET("match address %s\n", e->acl);
	if (e->peer.af != FP_AF_NONE)
		SET("set peer %s\n", fp_addr_str(&e->peer, a, sizeof(a)));
	if (e->proposal[0])
		SET("set ikev2 ipsec-proposal %s\n", e->proposal);
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
	unsigned n = write_entry_settings(e, out);
	for (unsigned i = 0; i < e->n_in; i++)
		write_key(e, &e->in[i], "inbound", with_keys, out);
	for (unsigned i = 0; i < e->n_out; i++)
		write_key(e, &e->out[i], "outbound", with_keys, out);
	if (n + e->n_in + e->n_out == 0) /* an entry with only defaults still exists */
		fprintf(out, "crypto map %s %u set mode tunnel\n", e->map, e->seq);
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
}

static void write_group_policy(const struct fp_cfg_group_policy *gp, FILE *out)
{
	if (gp->internal)
		fprintf(out, "group-policy %s internal\n", gp->name);
	if (gp->vpn_filter == FP_CFG_VF_UNSET)
		return;
	fprintf(out, "group-policy %s attributes\n", gp->name);
	if (gp->vpn_filter == FP_CFG_VF_VALUE)
		fprintf(out, " vpn-filter value %s\n", gp->vpn_filter_acl);
	else
		fprintf(out, " vpn-filter none\n");
}

static void write_tunnel_group(const struct fp_cfg_tunnel_group *tg, FILE *out)
{
	fprintf(out, "tunnel-group %s type ipsec-l2l\n", tg->name);
	if (tg->group_policy[0])
		fprintf(out, "tunnel-group %s general-attributes\n default-group-policy %s\n",
			tg->name, tg->group_policy);
}

void fp_config_write(const struct fp_config *c, FILE *out, bool with_keys)
{
	fprintf(out, "hostname %s\n!\n", c->hostname);
	for (unsigned i = 0; i < c->n_ifaces; i++)
		write_iface(&c->ifaces[i], out);
	for (unsigned i = 0; i < c->n_mtus; i++)
		fprintf(out, "mtu %s %u\n", c->mtus[i].nameif, c->mtus[i].mtu);
	for (unsigned i = 0; i < c->n_acls; i++)
		write_acl(&c->acls[i], out);
	for (unsigned i = 0; i < c->n_proposals; i++)
		write_proposal(&c->proposals[i], out);
	for (unsigned i = 0; i < c->n_entries; i++)
		write_entry(&c->entries[i], with_keys, out);
	for (unsigned i = 0; i < c->n_bindings; i++)
		fprintf(out, "crypto map %s interface %s\n", c->bindings[i].map,
			c->bindings[i].nameif);
	write_globals(c, out);
	for (unsigned i = 0; i < c->n_group_policies; i++)
		write_group_policy(&c->group_policies[i], out);
	for (unsigned i = 0; i < c->n_tunnel_groups; i++)
		write_tunnel_group(&c->tunnel_groups[i], out);
}
