/* The settings IKEv2 reads only when it negotiates: configure terminal
 * and a SIGHUP reload may change them while fpvpnd runs, and the next
 * negotiation uses them (datapath/configure.c decides what is live;
 * this file knows which fields those are). */
#include "config/config_parse.h"

#include <string.h>

static void entry_copy(struct fp_cfg_map_entry *d, const struct fp_cfg_map_entry *s)
{
	if (d->n_in || d->n_out || s->n_in || s->n_out || strcmp(d->map, s->map) || d->seq != s->seq)
		return; /* manual keys are installed from the configuration: not live */
	memcpy(d->proposal, s->proposal, sizeof(d->proposal));
	memcpy(d->proposal_more, s->proposal_more, sizeof(d->proposal_more));
	d->n_proposal_more = s->n_proposal_more;
	d->pfs_group = s->pfs_group;
	d->conn_type = s->conn_type;
	d->life_seconds = s->life_seconds;
	d->life_kbytes = s->life_kbytes;
}

static void tg_copy(struct fp_cfg_tunnel_group *d, const struct fp_cfg_tunnel_group *s)
{
	if (strcmp(d->name, s->name) != 0)
		return;
	d->auth_remote = s->auth_remote;
	d->auth_local = s->auth_local;
	memcpy(d->psk_remote, s->psk_remote, sizeof(d->psk_remote));
	memcpy(d->psk_local, s->psk_local, sizeof(d->psk_local));
	memcpy(d->trustpoint, s->trustpoint, sizeof(d->trustpoint));
	d->dpd_threshold = s->dpd_threshold;
	d->dpd_retry = s->dpd_retry;
	d->dpd_disabled = s->dpd_disabled;
	d->ipsec_line = s->ipsec_line;
}

/* An IPsec proposal a manual-key entry uses is installed from the
 * configuration with that entry's keys: not live. */
static bool proposal_manual(const struct fp_config *c, const char *name)
{
	for (unsigned i = 0; i < c->n_entries; i++) {
		const struct fp_cfg_map_entry *e = &c->entries[i];
		if (!e->n_in && !e->n_out)
			continue;
		if (strcmp(e->proposal, name) == 0)
			return true;
		for (unsigned k = 0; k < e->n_proposal_more; k++)
			if (strcmp(e->proposal_more[k], name) == 0)
				return true;
	}
	return false;
}

/* The proposals but those of manual-key entries, the whole table (the
 * parser only appends: an index names one proposal for good, and one
 * added is copied with the count), and every IKEv2 policy. */
static void proposals_copy(struct fp_config *dst, const struct fp_config *src)
{
	for (unsigned i = 0; i < FP_CFG_MAX_PROPOSALS; i++) {
		if (i < dst->n_proposals && proposal_manual(dst, dst->proposals[i].name))
			continue;
		dst->proposals[i] = src->proposals[i];
	}
	dst->n_proposals = src->n_proposals;
	memcpy(dst->ikev2_policies, src->ikev2_policies, sizeof(dst->ikev2_policies));
	dst->n_ikev2_policies = src->n_ikev2_policies;
}

void fp_config_copy_negotiated(struct fp_config *dst, const struct fp_config *src)
{
	proposals_copy(dst, src);
	for (unsigned i = 0; i < dst->n_entries && i < src->n_entries; i++)
		entry_copy(&dst->entries[i], &src->entries[i]);
	for (unsigned i = 0; i < dst->n_profiles && i < src->n_profiles; i++)
		if (strcmp(dst->profiles[i].name, src->profiles[i].name) == 0)
			dst->profiles[i].set = src->profiles[i].set;
	for (unsigned i = 0; i < dst->n_tunnel_groups && i < src->n_tunnel_groups; i++)
		tg_copy(&dst->tunnel_groups[i], &src->tunnel_groups[i]);
}

bool fp_config_mode_negotiated(const struct fp_config *c)
{
	return c->parse_mode == FP_CFG_MODE_TOP || c->parse_mode == FP_CFG_MODE_PROFILE ||
	       c->parse_mode == FP_CFG_MODE_TG_IPSEC || c->parse_mode == FP_CFG_MODE_PROPOSAL ||
	       c->parse_mode == FP_CFG_MODE_IKEV2_POLICY;
}

const char *fp_config_mode_prompt(uint8_t mode)
{
	static const char *const names[FP_CFG_MODE__LAST + 1] = {
		[FP_CFG_MODE_IFACE] = "config-if",
		[FP_CFG_MODE_PROPOSAL] = "config-ipsec-proposal",
		[FP_CFG_MODE_GROUP_POLICY] = "config-group-policy",
		[FP_CFG_MODE_TUNNEL_GROUP] = "config-tunnel-general",
		[FP_CFG_MODE_TG_IPSEC] = "config-tunnel-ipsec",
		[FP_CFG_MODE_IKEV2_POLICY] = "config-ikev2-policy",
		[FP_CFG_MODE_TRUSTPOINT] = "config-ca-trustpoint",
		[FP_CFG_MODE_PROFILE] = "config-ipsec-profile",
		[FP_CFG_MODE_VTI] = "config-if",
		[FP_CFG_MODE_WEBVPN] = "config-webvpn",
		[FP_CFG_MODE_TG_WEBVPN] = "config-tunnel-webvpn",
	};
	return mode <= FP_CFG_MODE__LAST ? names[mode] : NULL;
}
