/* From a crypto map entry to pairs of installed SAs. With manual keys
 * (a test aid beside IKEv2) the proposal's first encryption and
 * integrity transforms are the ones keyed, one pair carries every permit
 * ACE's traffic and the access-list's first permit ACE is its selector.
 * An entry without keys on an interface with "crypto ikev2 enable" becomes
 * one tunnel per permit ACE, as the ASA makes one CHILD_SA per ACE, each
 * without SAs until IKEv2 negotiates its child (ike_gw.c). */
#include <stdio.h>
#include <string.h>

#include "datapath/child.h"
#include "datapath/gateway.h"

static const struct fp_cfg_ace *tunnel_selector_ace(const struct fp_cfg_acl *acl)
{
	for (unsigned i = 0; i < acl->n_aces; i++)
		if (acl->aces[i].permit)
			return &acl->aces[i];
	return NULL;
}

void fp_gw_tunnel_selector(const struct fp_gw_tunnel *t, struct fp_selector *sel)
{
	memset(sel, 0, sizeof(*sel));
	if (t->vti) { /* tunnel mode ipsec ipv4: every IPv4 address both ways */
		sel->local.addr.af = sel->remote.addr.af = FP_AF_INET;
		return;
	}
	const struct fp_cfg_ace *ace = &t->acl->aces[t->ace];
	sel->local = ace->src;
	sel->remote = ace->dst;
	sel->proto = ace->proto;
	sel->local_port = ace->src_port;
	sel->remote_port = ace->dst_port;
}

static void tunnel_key(struct fp_crypto_key *k, const struct fp_cfg_proposal *pr,
		       const struct fp_cfg_session_key *sk)
{
	memset(k, 0, sizeof(*k));
	k->cipher = pr->enc[0];
	k->integ = pr->n_integ ? pr->integ[0] : FP_INTEG_NONE;
	if (fp_cipher_info(k->cipher)->aead)
		k->integ = FP_INTEG_NONE;
	memcpy(k->ckey, sk->cipher_key, sk->cipher_key_len);
	k->ckey_len = sk->cipher_key_len;
	memcpy(k->akey, sk->auth_key, sk->auth_key_len);
	k->akey_len = sk->auth_key_len;
}

uint16_t fp_gw_tunnel_mtu(const struct fp_gw_tunnel *t)
{
	uint16_t link = t->iface->mtu;
	return t->pmtu && (!link || t->pmtu < link) ? (uint16_t)t->pmtu : link;
}

/* Manual keys as the child a negotiation would have produced: the
 * entry's first session keys, mode, ESN, NAT-T ports and lifetimes, the
 * ACL's first permit ACE as the selector. Lifetimes count from when the
 * tunnel was first installed (a move or clear ipsec sa keeps them). */
static void tunnel_child(const struct fp_gw_tunnel *t, uint16_t idx, struct fp_child_sa *c)
{
	const struct fp_cfg_map_entry *e = t->entry;
	memset(c, 0, sizeof(*c));
	c->cs_spi_in = e->in[0].spi;
	c->cs_spi_out = e->out[0].spi;
	c->cs_tunnel = idx;
	c->cs_encap_sport = e->udp_sport;
	c->cs_encap_dport = e->udp_dport;
	c->cs_mode = e->transport ? FP_SA_TRANSPORT : FP_SA_TUNNEL;
	c->cs_esn = e->esn;
	tunnel_key(&c->cs_key_in, t->proposal, &e->in[0]);
	tunnel_key(&c->cs_key_out, t->proposal, &e->out[0]);
	fp_gw_tunnel_selector(t, &c->cs_sel);
	c->cs_life_s = (uint32_t)e->life_seconds; /* manual keys cannot rekey: they expire */
	c->cs_life_kb = e->life_kbytes;
	c->cs_start_ns = t->installed_ns;
	c->cs_tag = t->conn_id;
}

static uint16_t tunnel_index(const struct fp_gw *gw, const struct fp_gw_tunnel *t)
{
	return (uint16_t)(t - gw->tunnels);
}

/* The bound interface's address of the peer's family is the local endpoint. */
static int tunnel_local(struct fp_gw_tunnel *t, char *err, size_t errlen)
{
	const struct fp_cfg_iface *c = t->iface->cfg;
	const struct fp_prefix *ip = t->entry->peer.af == FP_AF_INET ? &c->ip4 : &c->ip6;
	if (ip->addr.af == FP_AF_NONE) {
		snprintf(err, errlen, "crypto map %s %u: interface %s has no address of the peer's family",
			 t->entry->map, t->entry->seq, c->nameif);
		return -1;
	}
	t->local = ip->addr;
	return 0;
}

struct fp_pipe *fp_gw_tunnel_home(const struct fp_gw *gw, const struct fp_gw_tunnel *t)
{
	return gw->cfg->offload_ipsec && t->can_offload ? fp_gw_pipe_for_spi(gw, t->in.spi)
						       : (struct fp_pipe *)&gw->soft;
}

void fp_gw_tunnel_keyed(const struct fp_gw *gw, const struct fp_gw_tunnel *t,
			struct fp_sa_params *in, struct fp_sa_params *out)
{
	struct fp_child_sa c;
	tunnel_child(t, tunnel_index(gw, t), &c);
	fp_child_params(gw, &c, FP_SA_IN, in);
	fp_child_params(gw, &c, FP_SA_OUT, out);
	fp_crypto_cleanse(&c, sizeof(c));
}

/* CAN_BE_OFFLOADED, or the first reason it is not. */
void fp_gw_tunnel_eligibility(struct fp_gw_tunnel *t)
{
	t->not_offload_why = NULL;
	t->can_offload = fp_sa_can_offload(&t->in, &t->not_offload_why) &&
			 fp_sa_can_offload(&t->out, &t->not_offload_why);
}

/* The params copies keep the transform but no key bytes, installed or not. */
static void tunnel_wipe_keys(struct fp_gw_tunnel *t)
{
	for (int i = 0; i < 2; i++) {
		struct fp_crypto_key *k = i ? &t->out.key : &t->in.key;
		fp_crypto_cleanse(k->ckey, sizeof(k->ckey));
		fp_crypto_cleanse(k->akey, sizeof(k->akey));
	}
}

/* An IKEv2 tunnel before its first negotiation: no SA; its packets go to
 * the slow path, which drops them as ipsec-tun-down and asks IKE. What show
 * prints of it until then: the proposal's first transform, no keys. */
static void tunnel_down(struct fp_gw_tunnel *t)
{
	struct fp_cfg_session_key none = {0};
	tunnel_key(&t->in.key, t->proposal, &none);
	t->out.key = t->in.key;
	t->in.dir = FP_SA_IN;
	t->out.dir = FP_SA_OUT;
	t->in.local = t->out.local = t->local;
	t->in.remote = t->out.remote = t->entry->peer;
	t->route = (uint64_t)t->pipe->id << 32 | FP_SA_NONE;
	fp_gw_tunnel_eligibility(t);
}

static int tunnel_install(struct fp_gw *gw, struct fp_gw_tunnel *t, char *err, size_t errlen)
{
	struct fp_child_sa c;
	char why[160];

	t->installed_ns = gw->now_ns ? gw->now_ns : fp_gw_clock();
	fp_gw_tunnel_keyed(gw, t, &t->in, &t->out);
	tunnel_wipe_keys(t);
	fp_gw_tunnel_eligibility(t);
	for (unsigned i = 0; t->entry->udp_sport && i <= gw->n_pipes; i++)
		fp_pipe_encap_port_add(i < gw->n_pipes ? &gw->pipes[i] : &gw->soft, t->entry->udp_sport);
	tunnel_child(t, tunnel_index(gw, t), &c);
	int rc = fp_child_add(gw, &c, &t->child, why, sizeof(why));
	fp_crypto_cleanse(&c, sizeof(c));
	if (rc < 0) {
		snprintf(err, errlen, "crypto map %s %u: SA not installed: %s", t->entry->map,
			 t->entry->seq, why);
		return -1;
	}
	return 0;
}

int fp_gw_tunnel_add(struct fp_gw *gw, const struct fp_cfg_map_entry *e,
		     const struct fp_cfg_iface *ifc, const struct fp_cfg_vti *vti, unsigned ace,
		     bool ikev2, char *err, size_t errlen)
{
	if (gw->n_tunnels == FP_GW_MAX_TUNNELS) {
		snprintf(err, errlen, "crypto map %s %u: more than %u tunnels (an IKEv2 entry makes "
			 "one per permit ACE)", e->map, e->seq, FP_GW_MAX_TUNNELS);
		return -1;
	}
	struct fp_gw_tunnel *t = &gw->tunnels[gw->n_tunnels];
	memset(t, 0, sizeof(*t));
	t->entry = e;
	t->acl = vti ? NULL : fp_config_acl(gw->cfg, e->acl);
	t->vti = vti;
	t->ace = (uint16_t)ace;
	t->ace_only = ikev2 && !vti;
	t->vpn_filter = fp_config_vpn_filter(gw->cfg, &e->peer);
	t->proposal = fp_config_proposal(gw->cfg, e->proposal);
	t->iface = &gw->ifaces[fp_gw_iface_find(gw, ifc->nameif)];
	t->rule = gw->n_tunnels;
	t->conn_id = 1000 + gw->n_tunnels;
	t->sa_in = t->sa_out = t->child = FP_SA_NONE;
	t->pipe = &gw->soft;
	if (tunnel_local(t, err, errlen) < 0)
		return -1;
	t->ikev2 = ikev2;
	if (ikev2)
		tunnel_down(t);
	else if (tunnel_install(gw, t, err, errlen) < 0)
		return -1;
	gw->n_tunnels++;
	return 0;
}

int fp_gw_tunnel_build(struct fp_gw *gw, const struct fp_cfg_map_entry *e, char *err,
		       size_t errlen)
{
	const struct fp_cfg_iface *ifc = fp_config_map_iface(gw->cfg, e->map);
	bool ikev2 = ifc && !e->n_in && !e->n_out && fp_config_ikev2_enabled(gw->cfg, ifc->nameif);
	if (!ifc || (!ikev2 && (!e->n_in || !e->n_out)))
		return 0; /* not bound, or no keys yet: nothing to install */
	const struct fp_cfg_acl *acl = fp_config_acl(gw->cfg, e->acl);
	const struct fp_cfg_proposal *pr = fp_config_proposal(gw->cfg, e->proposal);
	const struct fp_cfg_ace *first = acl ? tunnel_selector_ace(acl) : NULL;
	if (!first || !pr || !pr->n_enc) {
		snprintf(err, errlen, "crypto map %s %u: needs an access-list with a permit ACE and an ipsec-proposal",
			 e->map, e->seq);
		return -1;
	}
	if (!ikev2) /* one pair of keys: one tunnel for the whole access-list */
		return fp_gw_tunnel_add(gw, e, ifc, NULL, (unsigned)(first - acl->aces), false, err,
					errlen);
	for (unsigned i = 0; i < acl->n_aces; i++)
		if (acl->aces[i].permit && fp_gw_tunnel_add(gw, e, ifc, NULL, i, true, err, errlen) < 0)
			return -1;
	return 0;
}

/* The tunnels of interface ifc, or the one tunnel only. */
struct frag_update {
	struct fp_gw *gw;
	uint16_t ifc;
	const struct fp_gw_tunnel *only;
};

static void frag_update_pipe(struct fp_pipe *pp, void *arg)
{
	const struct frag_update *fu = arg;
	const char *why;
	for (unsigned i = 0; i < fu->gw->n_tunnels; i++) {
		const struct fp_gw_tunnel *t = &fu->gw->tunnels[i];
		struct fp_sa_update u = {.fields = FP_SA_UPD_MTU, .mtu = t->out.mtu,
					 .post_frag = t->out.post_frag};
		if ((fu->only ? t != fu->only : t->iface->id != fu->ifc) || t->pipe != pp)
			continue;
		fp_child_sa_update(pp, t->sa_out, &u, &why);
	}
}

void fp_gw_iface_frag_set(struct fp_gw *gw, uint16_t ifc, uint16_t mtu, bool post_frag)
{
	struct frag_update fu = {.gw = gw, .ifc = ifc};
	gw->ifaces[ifc].mtu = mtu;
	gw->ifaces[ifc].post_frag = post_frag;
	for (unsigned i = 0; i < gw->n_tunnels; i++) {
		struct fp_gw_tunnel *t = &gw->tunnels[i];
		if (t->iface->id != ifc)
			continue;
		t->out.mtu = fp_gw_tunnel_mtu(t);
		t->in.post_frag = t->out.post_frag = post_frag;
		fp_gw_tunnel_eligibility(t);
	}
	fp_gw_on_every_pipe(gw, frag_update_pipe, &fu);
}

/* The tunnel's SAs learn its MTU now (a path MTU told or forgotten). */
static void tunnel_mtu_push(struct fp_gw *gw, struct fp_gw_tunnel *t)
{
	struct frag_update fu = {.gw = gw, .only = t};
	t->out.mtu = fp_gw_tunnel_mtu(t);
	fp_gw_on_every_pipe(gw, frag_update_pipe, &fu);
}

static bool tunnel_to(const struct fp_gw_tunnel *t, uint8_t af, const uint8_t *dst, uint32_t spi)
{
	return t->out.spi == spi && t->out.remote.af == af &&
	       memcmp(t->out.remote.a, dst, af == FP_AF_INET ? 4 : 16) == 0;
}

void fp_gw_pmtu_rcvd(struct fp_gw *gw, uint8_t af, const uint8_t *dst, uint32_t spi,
		     uint32_t mtu, uint64_t now_ns)
{
	/* the least each family must carry (RFC 791's 576 is what Linux takes
	 * too, RFC 8200's 1280): a forged message cannot shrink it further */
	uint32_t floor = af == FP_AF_INET ? 576 : 1280;
	for (unsigned i = 0; i < gw->n_tunnels; i++) {
		struct fp_gw_tunnel *t = &gw->tunnels[i];
		if (!tunnel_to(t, af, dst, spi))
			continue;
		t->frag.pmtu_rcvd++;
		mtu = mtu < floor ? floor : mtu;
		if (t->iface->mtu && mtu >= t->iface->mtu)
			return; /* nothing smaller than the link */
		bool changed = mtu != t->pmtu;
		t->pmtu = mtu;
		t->pmtu_until = now_ns + FP_GW_PMTU_AGE_NS;
		if (changed)
			tunnel_mtu_push(gw, t);
		return;
	}
}

void fp_gw_pmtu_age(struct fp_gw *gw, uint64_t now_ns)
{
	for (unsigned i = 0; i < gw->n_tunnels; i++) {
		struct fp_gw_tunnel *t = &gw->tunnels[i];
		if (!t->pmtu || now_ns < t->pmtu_until)
			continue;
		t->pmtu = 0;
		t->pmtu_until = 0;
		tunnel_mtu_push(gw, t);
	}
}
