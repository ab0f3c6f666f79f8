/* From the ASA-style configuration to what src/ike negotiates with
 * (struct fp_ike_cfg): the "crypto ikev2 policy" lines as IKE proposals,
 * and one peer per tunnel-group that IKEv2 tunnels name with "set peer",
 * each with its pre-shared keys or trustpoints and its tunnels (selectors, ESP
 * proposals, PFS, lifetimes, who may start). src/ike never sees src/config. */
#include "datapath/ike_gw.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "config/trustpoint.h"
#include "ike/ike_wire.h"

static const uint16_t ike_encr[FP_CFG_IKE_ENCR__COUNT][2] = {
	[FP_CFG_IKE_AES] = {FP_IKE_ENCR_AES_CBC, 128},
	[FP_CFG_IKE_AES_192] = {FP_IKE_ENCR_AES_CBC, 192},
	[FP_CFG_IKE_AES_256] = {FP_IKE_ENCR_AES_CBC, 256},
	[FP_CFG_IKE_AES_GCM] = {FP_IKE_ENCR_AES_GCM_16, 128},
	[FP_CFG_IKE_AES_GCM_192] = {FP_IKE_ENCR_AES_GCM_16, 192},
	[FP_CFG_IKE_AES_GCM_256] = {FP_IKE_ENCR_AES_GCM_16, 256},
};

static const uint16_t ike_integ[FP_CFG_IKE_HASH__COUNT] = {
	[FP_CFG_IKE_NULL] = FP_IKE_INTEG_NONE,
	[FP_CFG_IKE_SHA1] = FP_IKE_INTEG_HMAC_SHA1_96,
	[FP_CFG_IKE_SHA256] = FP_IKE_INTEG_HMAC_SHA2_256_128,
	[FP_CFG_IKE_SHA384] = FP_IKE_INTEG_HMAC_SHA2_384_192,
	[FP_CFG_IKE_SHA512] = FP_IKE_INTEG_HMAC_SHA2_512_256,
};

static const uint16_t ike_prf[FP_CFG_IKE_HASH__COUNT] = {
	[FP_CFG_IKE_SHA1] = FP_IKE_PRF_HMAC_SHA1,
	[FP_CFG_IKE_SHA256] = FP_IKE_PRF_HMAC_SHA2_256,
	[FP_CFG_IKE_SHA384] = FP_IKE_PRF_HMAC_SHA2_384,
	[FP_CFG_IKE_SHA512] = FP_IKE_PRF_HMAC_SHA2_512,
};

static void ike_cfg_policy(const struct fp_cfg_ikev2_policy *c, struct fp_ike_policy *p)
{
	struct fp_cfg_ikev2_policy e;
	fp_config_ikev2_policy_effective(c, &e);
	memset(p, 0, sizeof(*p));
	p->priority = e.priority;
	p->life_s = e.life_s;
	for (unsigned i = 0; i < e.n_encr && i < FP_IKE_MAX_ALGS; i++) {
		p->encr[p->n_encr] = ike_encr[e.encr[i]][0];
		p->encr_bits[p->n_encr++] = ike_encr[e.encr[i]][1];
	}
	for (unsigned i = 0; i < e.n_integ && i < FP_IKE_MAX_ALGS; i++)
		p->integ[p->n_integ++] = ike_integ[e.integ[i]];
	for (unsigned i = 0; i < e.n_prf && i < FP_IKE_MAX_ALGS; i++)
		p->prf[p->n_prf++] = ike_prf[e.prf[i]];
	for (unsigned i = 0; i < e.n_group && i < FP_IKE_MAX_ALGS; i++)
		p->group[p->n_group++] = e.group[i];
}

/* Every (encryption, integrity) pair of every proposal the entry names,
 * in the order given; integrity none with an AEAD. */
static void ike_cfg_esp(const struct fp_config *cfg, const struct fp_cfg_map_entry *e,
			struct fp_ike_tunnel *t)
{
	const char *name;
	for (unsigned k = 0; (name = fp_config_entry_proposal(e, k)) != NULL; k++) {
		const struct fp_cfg_proposal *pr = fp_config_proposal(cfg, name);
		for (unsigned i = 0; pr && i < pr->n_enc; i++) {
			bool aead = fp_cipher_info(pr->enc[i])->aead;
			unsigned n_integ = aead || !pr->n_integ ? 1 : pr->n_integ;
			for (unsigned j = 0; j < n_integ && t->n_esp < FP_IKE_MAX_PROPOSALS; j++) {
				enum fp_integ integ = aead ? FP_INTEG_NONE : pr->integ[j];
				if (!aead && integ == FP_INTEG_NONE)
					continue; /* a cipher without integrity is never offered */
				t->esp[t->n_esp++] = (struct fp_ike_esp){pr->enc[i], integ};
			}
		}
	}
}

static void ike_cfg_tunnel(const struct fp_gw *gw, unsigned idx, struct fp_ike_tunnel *it)
{
	const struct fp_gw_tunnel *t = &gw->tunnels[idx];
	const struct fp_cfg_map_entry *e = t->entry;
	memset(it, 0, sizeof(*it));
	it->tunnel = idx;
	fp_gw_tunnel_selector(t, &it->sel);
	ike_cfg_esp(gw->cfg, e, it);
	it->pfs_group = e->pfs_group;
	it->life_s = (uint32_t)(e->life_seconds ? e->life_seconds : FP_IKE_GW_CHILD_LIFE_S);
	it->life_kb = e->life_kbytes;
	it->esn = e->esn;
	it->transport = e->transport;
	it->initiate = e->conn_type != FP_CFG_CONN_ANSWER_ONLY;
	it->respond = e->conn_type != FP_CFG_CONN_ORIGINATE_ONLY;
}

static void ike_cfg_psk(uint8_t *dst, uint16_t *len, const char *psk)
{
	size_t n = strnlen(psk, FP_IKE_PSK_MAX);
	memcpy(dst, psk, n);
	*len = (uint16_t)n;
}

/* The trustpoint (its index: the cred's) whose CAs a peer's certificate
 * must chain to: the local one's ca-file when it has one, else the first
 * ca-file configured (validation made sure one exists). */
static uint8_t ike_cfg_ca_tp(const struct fp_config *c, const struct fp_cfg_trustpoint *local)
{
	if (local && local->ca_file[0])
		return (uint8_t)(local - c->trustpoints);
	for (unsigned i = 0; i < c->n_trustpoints; i++)
		if (c->trustpoints[i].ca_file[0])
			return (uint8_t)i;
	return 0;
}

static void ike_cfg_certs(const struct fp_config *c, const struct fp_cfg_tunnel_group *tg,
			  struct fp_ike_peer *p)
{
	const struct fp_cfg_trustpoint *tp =
		tg->auth_local == FP_CFG_AUTH_CERT ? fp_config_trustpoint(c, tg->trustpoint) : NULL;
	if (tp) {
		p->cert_local = true;
		p->cred_local = (uint8_t)(tp - c->trustpoints);
	}
	if (tg->auth_remote == FP_CFG_AUTH_CERT) {
		p->cert_remote = true;
		p->cred_remote = ike_cfg_ca_tp(c, tp);
	}
}

/* The peer of tunnel idx, added on its first tunnel. */
static struct fp_ike_peer *ike_cfg_peer(const struct fp_gw *gw, const struct fp_gw_tunnel *t,
					struct fp_ike_peer *peers, unsigned *n)
{
	for (unsigned i = 0; i < *n; i++)
		if (fp_addr_eq(&peers[i].addr, &t->entry->peer))
			return &peers[i];
	if (*n == FP_IKE_MAX_PEERS)
		return NULL;
	struct fp_ike_peer *p = &peers[(*n)++];
	const struct fp_cfg_tunnel_group *tg = fp_config_tunnel_group(gw->cfg, &t->entry->peer);
	memset(p, 0, sizeof(*p));
	p->addr = t->entry->peer;
	p->local = t->local;
	p->ifc = t->iface->id;
	if (tg && tg->auth_local == FP_CFG_AUTH_PSK)
		ike_cfg_psk(p->psk_local, &p->psk_local_len, tg->psk_local);
	if (tg && tg->auth_remote == FP_CFG_AUTH_PSK)
		ike_cfg_psk(p->psk_remote, &p->psk_remote_len, tg->psk_remote);
	if (tg)
		ike_cfg_certs(gw->cfg, tg, p);
	bool dpd = tg && !tg->dpd_disabled;
	p->dpd_s = dpd ? (tg->dpd_threshold ? tg->dpd_threshold : 10) : 0;
	p->dpd_retry_s = dpd ? (tg->dpd_retry ? tg->dpd_retry : 2) : 0;
	return p;
}

int fp_ike_gw_creds(const struct fp_config *cfg, struct fp_ike_gw_tps *t, char *err,
		    size_t errlen)
{
	memset(t, 0, sizeof(*t));
	for (; t->n < cfg->n_trustpoints && t->n < FP_CFG_MAX_TRUSTPOINTS; t->n++) {
		struct fp_trustpoint *tp = &t->tp[t->n];
		if (fp_trustpoint_load(&cfg->trustpoints[t->n], tp, err, errlen) < 0) {
			fp_ike_gw_creds_free(t);
			return -1;
		}
		t->cred[t->n] = (struct fp_ike_cred){tp->cert, tp->chain, tp->key, tp->cas};
	}
	return 0;
}

void fp_ike_gw_creds_free(struct fp_ike_gw_tps *t)
{
	for (unsigned i = 0; i < t->n; i++)
		fp_trustpoint_free(&t->tp[i]);
	memset(t, 0, sizeof(*t));
}

int fp_ike_gw_cfg(const struct fp_gw *gw, struct fp_ike_cfg *out, struct fp_ike_peer *peers,
		  char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	const struct fp_config *cfg = gw->cfg;
	out->frag_mtu = cfg->ikev2_frag_mtu;
	for (unsigned i = 0; i < cfg->n_ikev2_policies && out->n_policies < FP_IKE_MAX_PROPOSALS; i++)
		ike_cfg_policy(&cfg->ikev2_policies[i], &out->policies[out->n_policies++]);
	out->peers = peers;
	out->half_open_max = cfg->ikev2_max_in_neg;
	out->cookie_pct = cfg->ikev2_cookie_pct;
	for (unsigned i = fp_gw_manual_tunnels(gw); i < gw->n_tunnels; i++) {
		struct fp_gw_tunnel *t = (struct fp_gw_tunnel *)&gw->tunnels[i];
		struct fp_ike_peer *p = ike_cfg_peer(gw, t, peers, &out->n_peers);
		if (!p || p->n_tunnels == FP_IKE_MAX_TUNNELS) {
			snprintf(err, errlen, "crypto map %s %u: more IKEv2 peers or tunnels to one peer "
				 "than fpvpnd negotiates (%u, %u)", t->entry->map, t->entry->seq,
				 FP_IKE_MAX_PEERS, FP_IKE_MAX_TUNNELS);
			return -1;
		}
		t->ike_peer = (uint16_t)(p - peers);
		ike_cfg_tunnel(gw, i, &p->tunnels[p->n_tunnels++]);
	}
	return 0;
}
