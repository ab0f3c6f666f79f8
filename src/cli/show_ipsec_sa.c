/* show crypto ipsec sa [peer ADDR]: one block per crypto map entry in the
 * ASA's layout (docs/commands.md has a sample and where each figure comes
 * from). Keys are never read here. */
#include "cli/cli_impl.h"
#include "datapath/ike_gw.h"

#include <inttypes.h>
#include <string.h>

/* The ASA's global defaults ("crypto ipsec security-association lifetime"),
 * shown when the map entry sets no lifetime of its own. */
#define MEDIA_MTU 1500u /* shown while the interface's MTU is unknown (offline, no mtu line) */

#define ESP_HDR 8u      /* SPI + sequence number */
#define ESP_TRAILER 2u  /* pad length + next header */
#define UDP_HDR 8u

/* Both SAs of the tunnel being printed, read once. */
struct sa_view {
	const struct fp_gw *gw;
	const struct fp_gw_tunnel *t;
	const struct fp_sa_params *in, *out;
	struct fp_sa_stats in_st, out_st;
};

static const char *addr_str(const struct fp_addr *a, char *buf, size_t n)
{
	if (a->af != FP_AF_NONE)
		return fp_addr_str(a, buf, n);
	snprintf(buf, n, "0.0.0.0");
	return buf;
}

static const char *proto_name(uint8_t proto, char *buf, size_t n)
{
	switch (proto) {
	case 0: return "ip";
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 50: return "esp";
	case 58: return "icmp6";
	default: snprintf(buf, n, "%u", proto); return buf;
	}
}

/* An ACE address as configured: any, any4, any6, host A, A MASK, A/LEN. */
static void ace_addr(const struct fp_prefix *p, uint16_t port, char *buf, size_t n)
{
	char a[FP_ADDR_STRLEN], m[FP_ADDR_STRLEN], eq[16] = "";
	unsigned max = p->addr.af == FP_AF_INET6 ? 128 : 32;
	if (port)
		snprintf(eq, sizeof(eq), " eq %u", port);
	if (p->addr.af == FP_AF_NONE)
		snprintf(buf, n, "any%s", eq);
	else if (p->len == 0)
		snprintf(buf, n, "any%c%s", p->addr.af == FP_AF_INET6 ? '6' : '4', eq);
	else if (p->len == max)
		snprintf(buf, n, "host %s%s", fp_addr_str(&p->addr, a, sizeof(a)), eq);
	else if (p->addr.af == FP_AF_INET6)
		snprintf(buf, n, "%s/%u%s", fp_addr_str(&p->addr, a, sizeof(a)), p->len, eq);
	else
		snprintf(buf, n, "%s %s%s", fp_addr_str(&p->addr, a, sizeof(a)),
			 fp_mask_str(p->len, m, sizeof(m)), eq);
}

static bool prefix_covers(const struct fp_prefix *ace, const struct fp_prefix *sel)
{
	if (ace->addr.af == FP_AF_NONE)
		return ace->len == 0;
	return ace->len == sel->len && fp_addr_eq(&ace->addr, &sel->addr);
}

/* The ACE this SA was built from: the first permit whose addresses are
 * the selectors, else the first permit. */
static const struct fp_cfg_ace *sa_ace(const struct fp_cfg_acl *acl, const struct fp_selector *s)
{
	const struct fp_cfg_ace *first = NULL;
	for (unsigned i = 0; acl && i < acl->n_aces && i < FP_CFG_MAX_ACES; i++) {
		const struct fp_cfg_ace *e = &acl->aces[i];
		if (!e->permit)
			continue;
		if (prefix_covers(&e->src, &s->local) && prefix_covers(&e->dst, &s->remote))
			return e;
		if (!first)
			first = e;
	}
	return first;
}

static void print_acl(const struct sa_view *v, FILE *out)
{
	const struct fp_cfg_ace *e = sa_ace(v->t->acl, &v->out->sel);
	char pr[8], src[96], dst[96];
	if (!e)
		return;
	ace_addr(&e->src, e->src_port, src, sizeof(src));
	ace_addr(&e->dst, e->dst_port, dst, sizeof(dst));
	fprintf(out, "      access-list %s extended %s %s %s %s\n", v->t->acl->name,
		e->permit ? "permit" : "deny", proto_name(e->proto, pr, sizeof(pr)), src, dst);
}

/* "(10.1.0.0/255.255.255.0/0/0)", IPv6 "(2001:db8:1::/64/0/0)". */
static void ident(const struct fp_prefix *p, uint8_t proto, uint16_t port, char *buf, size_t n)
{
	char a[FP_ADDR_STRLEN], m[FP_ADDR_STRLEN];
	addr_str(&p->addr, a, sizeof(a));
	if (p->addr.af == FP_AF_INET6)
		snprintf(m, sizeof(m), "%u", p->len);
	else
		fp_mask_str(p->len, m, sizeof(m));
	snprintf(buf, n, "(%s/%s/%u/%u)", a, m, proto, port);
}

static void print_idents(const struct sa_view *v, FILE *out)
{
	const struct fp_selector *s = &v->out->sel;
	char l[128], r[128], peer[FP_ADDR_STRLEN];
	ident(&s->local, s->proto, s->local_port, l, sizeof(l));
	ident(&s->remote, s->proto, s->remote_port, r, sizeof(r));
	fprintf(out, "      local ident (addr/mask/prot/port): %s\n", l);
	fprintf(out, "      remote ident (addr/mask/prot/port): %s\n", r);
	fprintf(out, "      current_peer: %s\n\n", addr_str(&v->out->remote, peer, sizeof(peer)));
}

/* Receive errors leave out anti-replay drops (show ipsec stats counts them
 * as replay failures) and TFC dummies (counted as #TFC rcvd). */
#define RECV_ERRORS (FP_DROPS_ALL & ~FP_DROPS_REPLAY & ~FP_DROP_BIT(FP_DROP_TFC_DUMMY))

static void print_counters(const struct sa_view *v, FILE *out)
{
	uint64_t o = v->out_st.pkts, i = v->in_st.pkts;
	fprintf(out, "      #pkts encaps: %" PRIu64 ", #pkts encrypt: %" PRIu64
		", #pkts digest: %" PRIu64 "\n", o, o, o);
	fprintf(out, "      #pkts decaps: %" PRIu64 ", #pkts decrypt: %" PRIu64
		", #pkts verify: %" PRIu64 "\n", i, i, i);
	fprintf(out, "      #pkts compressed: 0, #pkts decompressed: 0\n");
	fprintf(out, "      #pkts not compressed: %" PRIu64
		", #pkts comp failed: 0, #pkts decomp failed: 0\n", o);
	const struct fp_gw_frag_stats *f = &v->t->frag;
	fprintf(out, "      #pre-frag successes: %" PRIu64 ", #pre-frag failures: %" PRIu64
		", #fragments created: %" PRIu64 "\n", f->prefrag_ok, f->prefrag_fail, f->frags_created);
	fprintf(out, "      #PMTUs sent: %" PRIu64 ", #PMTUs rcvd: %" PRIu64
		", #decapsulated frgs needing reassembly: %" PRIu64 "\n", f->pmtu_sent, f->pmtu_rcvd,
		v->in_st.reasm);
	fprintf(out, "      #TFC rcvd: %" PRIu64 ", #TFC sent: 0\n", v->in_st.tfc);
	fprintf(out, "      #Valid ICMP Errors rcvd: 0, #Invalid ICMP Errors rcvd: 0\n");
	if (!fp_cli_tunnel_offloaded(v->gw, v->t))
		fprintf(out, "      #pkts not offload decrypted: %" PRIu64 "\n", v->in_st.soft_pkts);
	fprintf(out, "      #send errors: %" PRIu64 ", #recv errors: %" PRIu64 "\n\n",
		fp_cli_drops(&v->out_st, FP_DROPS_ALL), fp_cli_drops(&v->in_st, RECV_ERRORS));
}

/* Bytes ESP adds before the inner packet: outer IP header (tunnel mode),
 * UDP (NAT-T), ESP header, IV. The figure in parentheses. */
static unsigned overhead_fixed(const struct fp_sa_params *p)
{
	const struct fp_cipher_info *ci = fp_cipher_info(p->key.cipher);
	unsigned ip = p->mode == FP_SA_TRANSPORT ? 0 : p->local.af == FP_AF_INET6 ? 40 : 20;
	return ip + (p->encap_sport ? UDP_HDR : 0) + ESP_HDR + (ci ? ci->iv_len : 0);
}

/* All of it at worst: plus a full block of padding, the trailer and the
 * ICV. AES-256-CBC/SHA-1 over IPv4: 44 + 16 + 2 + 12 = 74, the ASA's
 * "74(44)"; esp-null/SHA-1: 28 + 4 + 2 + 12 = 46, its "46(28)". */
static unsigned overhead_max(const struct fp_sa_params *p)
{
	const struct fp_cipher_info *ci = fp_cipher_info(p->key.cipher);
	return overhead_fixed(p) + (ci ? ci->block : 4) + ESP_TRAILER +
	       fp_crypto_icv_len(p->key.cipher, p->key.integ);
}

/* Raw ESP shows the IKE port 500, as the ASA does; NAT-T its UDP ports. */
static void print_endpoints(const struct sa_view *v, FILE *out)
{
	const struct fp_sa_params *p = v->out;
	char l[FP_ADDR_STRLEN], r[FP_ADDR_STRLEN];
	fprintf(out, "      local crypto endpt.: %s/%u, remote crypto endpt.: %s/%u\n",
		addr_str(&p->local, l, sizeof(l)), p->encap_sport ? p->encap_sport : 500u,
		addr_str(&p->remote, r, sizeof(r)), p->encap_dport ? p->encap_dport : 500u);
	unsigned media = v->t->iface->mtu ? v->t->iface->mtu : MEDIA_MTU;
	unsigned path = fp_gw_tunnel_mtu(v->t);
	uint64_t now = v->gw->now_ns, until = v->t->pmtu ? v->t->pmtu_until : 0;
	fprintf(out, "      path mtu %u, ipsec overhead %u(%u), media mtu %u\n", path ? path : media,
		overhead_max(p), overhead_fixed(p), media);
	fprintf(out, "      PMTU time remaining (sec): %" PRIu64 ", DF policy: copy-df\n",
		until > now ? (until - now) / 1000000000u : 0);
	fprintf(out, "      ICMP error validation: disabled, TFC packets: disabled\n");
	fprintf(out, "      current outbound spi: %08" PRIX32 "\n", v->out->spi);
	fprintf(out, "      current inbound spi : %08" PRIX32 "\n\n", v->in->spi);
}

/* "{L2L, Tunnel, NAT-T-Encaps, Manual key, CAN_BE_OFFLOADED, OFFLOADED, }":
 * keys from IKEv2 say "PFS Group N, IKEv2" (the group only when the
 * current child used one) where manual ones say "Manual key";
 * CAN_BE_OFFLOADED when the SA qualifies, OFFLOADED when the engine has it
 * (not with "no flow-offload-ipsec"). */
static void settings(const struct sa_view *v, const struct fp_sa_params *p, char *buf, size_t n)
{
	char keys[32] = "Manual key, ";
	if (v->t->ikev2 && v->t->pfs_group)
		snprintf(keys, sizeof(keys), "PFS Group %u, IKEv2, ", v->t->pfs_group);
	else if (v->t->ikev2)
		snprintf(keys, sizeof(keys), "IKEv2, ");
	snprintf(buf, n, "{L2L, %s, %s%s%s%s}",
		 p->mode == FP_SA_TRANSPORT ? "Transport" : "Tunnel",
		 p->encap_sport ? "NAT-T-Encaps, " : "", keys,
		 v->t->can_offload ? "CAN_BE_OFFLOADED, " : "",
		 fp_cli_tunnel_offloaded(v->gw, v->t) ? "OFFLOADED, " : "");
}

static uint64_t left(uint64_t total, uint64_t used)
{
	return used < total ? total - used : 0;
}

static void print_timing(const struct sa_view *v, const struct fp_sa_stats *st, FILE *out)
{
	const struct fp_cfg_map_entry *e = v->t->entry;
	uint64_t kb = e ? e->life_kbytes : 0, sec = e ? e->life_seconds : 0;
	if (v->t->ikev2 && !sec) /* what ike_cfg.c gives IKE when the entry sets none */
		sec = FP_IKE_GW_CHILD_LIFE_S;
	uint64_t age = v->gw->now_ns > v->t->installed_ns ? v->gw->now_ns - v->t->installed_ns : 0;
	char kbs[24] = "unlimited", secs[24] = "unlimited"; /* manual keys: none unless configured */
	if (kb)
		snprintf(kbs, sizeof(kbs), "%" PRIu64, left(kb, st->life_bytes / 1024));
	if (sec)
		snprintf(secs, sizeof(secs), "%" PRIu64, left(sec, age / 1000000000u));
	fprintf(out, "         sa timing: remaining key lifetime (kB/sec): (%s/%s)\n", kbs, secs);
}

/* 32-bit words, most significant first, four a line: the last word
 * printed holds the highest sequence number received in its bit 0. */
static void print_bitmap(const uint64_t *bm, unsigned window, FILE *out)
{
	unsigned words = (window + 31) / 32;
	if (words > FP_REPLAY_WINDOW_MAX / 32)
		words = FP_REPLAY_WINDOW_MAX / 32;
	fprintf(out, "         Anti replay bitmap:\n");
	for (unsigned k = words, col = 0; k-- > 0; col++) {
		uint32_t w = (uint32_t)(bm[k / 2] >> (32 * (k % 2)));
		fprintf(out, "%s0x%08" PRIX32, col % 4 ? " " : "          ", w);
		if (col % 4 == 3 || k == 0)
			fputc('\n', out);
	}
}

static const char *integ_name(enum fp_integ i)
{
	const struct fp_integ_info *ii = fp_integ_info(i);
	return ii && ii->name && *ii->name ? ii->name : "esp-null-hmac";
}

static void print_sa(const struct sa_view *v, const struct fp_sa_params *p,
		     const struct fp_sa_stats *st, FILE *out)
{
	const struct fp_cipher_info *ci = fp_cipher_info(p->key.cipher);
	unsigned window = v->in->replay_window;
	char set[128];
	settings(v, p, set, sizeof(set));
	fprintf(out, "      spi: 0x%08" PRIX32 " (%" PRIu32 ")\n", p->spi, p->spi);
	fprintf(out, "         SA State: active\n");
	fprintf(out, "         transform: %s %s no compression\n", ci ? ci->name : "esp-unknown",
		integ_name(p->key.integ));
	fprintf(out, "         in use settings =%s\n", set);
	fprintf(out, "         slot: 0, conn_id: %" PRIu32 ", crypto-map: %s\n", v->t->conn_id,
		v->t->entry ? v->t->entry->map : "");
	print_timing(v, st, out);
	fprintf(out, "         IV size: %u bytes\n", ci ? ci->iv_len : 0u);
	fprintf(out, "         replay detection support: %c\n", window ? 'Y' : 'N');
	if (!window)
		return;
	static const uint64_t outbound_bitmap[FP_REPLAY_WINDOW_MAX / 64] = { 1 };
	print_bitmap(p->dir == FP_SA_IN ? st->bitmap : outbound_bitmap,
		     p->dir == FP_SA_IN ? window : 64u, out);
}

static void print_tunnel(const struct sa_view *v, FILE *out)
{
	char local[FP_ADDR_STRLEN];
	const struct fp_cfg_map_entry *e = v->t->entry;
	fprintf(out, "    Crypto map tag: %s, seq num: %u, local addr: %s\n\n", e ? e->map : "",
		e ? e->seq : 0u, addr_str(&v->t->local, local, sizeof(local)));
	print_acl(v, out);
	print_idents(v, out);
	print_counters(v, out);
	print_endpoints(v, out);
	fprintf(out, "    inbound esp sas:\n");
	print_sa(v, v->in, &v->in_st, out);
	fprintf(out, "    outbound esp sas:\n");
	print_sa(v, v->out, &v->out_st, out);
}

/* Read tunnel t; false when it has no SAs to show or is filtered out. */
static bool view_load(struct sa_view *v, const struct fp_show_sa_ctx *c, const struct fp_gw_tunnel *t)
{
	v->gw = c->gw;
	v->t = t;
	if (!t->iface || fp_cli_tunnel_query(t, &v->in_st, &v->out_st) < 0)
		return false;
	v->in = fp_cli_tunnel_params(t, FP_SA_IN);
	v->out = fp_cli_tunnel_params(t, FP_SA_OUT);
	return !c->by_peer || fp_addr_eq(&v->out->remote, &c->peer);
}

static const char *iface_name(const struct fp_gw_iface *ifc)
{
	if (!ifc->cfg)
		return "";
	return ifc->cfg->nameif[0] ? ifc->cfg->nameif : ifc->cfg->name;
}

/* Is t listed under interface ifc (a crypto map's bound interface) or vti
 * (a Tunnel interface's own heading, as the ASA prints it)? Both NULL:
 * every tunnel. */
static bool tunnel_under(const struct fp_gw_tunnel *t, const struct fp_gw_iface *ifc,
			 const struct fp_cfg_vti *vti)
{
	if (vti)
		return t->vti == vti;
	return !ifc || (!t->vti && t->iface == ifc);
}

/* The tunnels under ifc or vti (tunnel_under), each after a blank line or
 * the heading. Returns how many it printed. */
static unsigned show_tunnels(const struct fp_show_sa_ctx *c, const struct fp_gw_iface *ifc,
			     const struct fp_cfg_vti *vti, const char *heading, unsigned shown,
			     FILE *out)
{
	struct sa_view v;
	unsigned n = 0;
	for (unsigned i = 0; i < c->gw->n_tunnels && i < FP_GW_MAX_TUNNELS; i++) {
		if (!tunnel_under(&c->gw->tunnels[i], ifc, vti) || !view_load(&v, c, &c->gw->tunnels[i]))
			continue;
		if (n == 0)
			fprintf(out, "%s%s\n", shown ? "\n" : "", heading);
		else
			fputc('\n', out);
		print_tunnel(&v, out);
		n++;
	}
	return n;
}

void fp_show_ipsec_sa(const struct fp_show_sa_ctx *c, FILE *out)
{
	char heading[FP_NAME_MAX + FP_ADDR_STRLEN + 16], a[FP_ADDR_STRLEN];
	unsigned shown = 0;
	if (c->by_peer) {
		snprintf(heading, sizeof(heading), "peer address: %s", addr_str(&c->peer, a, sizeof(a)));
		shown = show_tunnels(c, NULL, NULL, heading, 0, out);
	}
	for (unsigned i = 0; !c->by_peer && i < c->gw->n_ifaces && i < FP_GW_MAX_IFACES; i++) {
		const struct fp_gw_iface *ifc = &c->gw->ifaces[i];
		snprintf(heading, sizeof(heading), "interface: %s", iface_name(ifc));
		shown += show_tunnels(c, ifc, NULL, heading, shown, out);
	}
	for (unsigned i = 0; !c->by_peer && i < c->gw->cfg->n_vtis && i < FP_CFG_MAX_VTIS; i++) {
		const struct fp_cfg_vti *vti = &c->gw->cfg->vtis[i];
		snprintf(heading, sizeof(heading), "interface: %s", vti->nameif);
		shown += show_tunnels(c, NULL, vti, heading, shown, out);
	}
	if (!shown)
		fprintf(out, "There are no ipsec sas\n");
}
