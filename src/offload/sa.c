/* Install, update, delete and query SAs: the slow path's side of the
 * offload boundary. Everything a packet would otherwise recompute (sizes,
 * the outer header, which crypto) is settled here, once. */
#include "sadb.h"

#include <string.h>

static int sa_check_params(const struct fp_sa_params *p, const char **err)
{
	if (p->spi < 256) {
		*err = "SPI values 0-255 are reserved (RFC 4303 §2.1)";
		return -1;
	}
	if (p->dir > FP_SA_OUT || p->mode > FP_SA_TRANSPORT) {
		*err = "bad direction or mode";
		return -1;
	}
	if (p->local.af != p->remote.af || p->local.af == FP_AF_NONE) {
		*err = "local and remote endpoints must be addresses of one family";
		return -1;
	}
	if (p->dir == FP_SA_IN && (p->replay_window > FP_REPLAY_WINDOW_MAX || p->replay_window % 32)) {
		*err = "replay window must be a multiple of 32 up to 1024";
		return -1;
	}
	if ((p->encap_sport == 0) != (p->encap_dport == 0)) {
		*err = "UDP encapsulation needs both ports";
		return -1;
	}
	return 0;
}

/* The outer IPv4/IPv6 header (and UDP header) every packet of an outbound
 * SA starts with; lengths, id and checksums are filled per packet. */
static void sa_build_outer(struct fp_sa *sa)
{
	const struct fp_sa_params *p = &sa->sa_p;
	uint8_t *h = sa->sa_hdr;
	uint8_t ttl = p->ttl ? p->ttl : 64;
	uint8_t proto = sa->sa_encap ? FP_IPPROTO_UDP : FP_IPPROTO_ESP;
	uint8_t ip_len;

	memset(sa->sa_hdr, 0, sizeof(sa->sa_hdr));
	if (sa->sa_outer_af == FP_AF_INET) {
		h[0] = 0x45;
		h[8] = ttl;
		h[9] = proto;
		memcpy(h + 12, p->local.a, 4);
		memcpy(h + 16, p->remote.a, 4);
		ip_len = FP_IPV4_HLEN;
	} else {
		h[0] = 0x60;
		h[6] = proto;
		h[7] = ttl;
		memcpy(h + 8, p->local.a, 16);
		memcpy(h + 24, p->remote.a, 16);
		ip_len = FP_IPV6_HLEN;
	}
	sa->sa_hdr_len = ip_len;
	if (sa->sa_outer_af == FP_AF_INET)
		sa->sa_hdr_sum = fp_csum_partial(h, FP_IPV4_HLEN, 0);
	if (sa->sa_encap) {
		fp_put16(h + ip_len, p->encap_sport);
		fp_put16(h + ip_len + 2, p->encap_dport);
		sa->sa_hdr_len += FP_UDP_HLEN;
	}
}

static uint32_t prefix_mask(uint8_t len)
{
	return len ? 0xffffffffu << (32 - len) : 0;
}

/* Plain IPv4 selectors (no protocol, no ports) get a two-compare test. */
static void sa_selector_fast(struct fp_sa *sa)
{
	const struct fp_selector *sel = &sa->sa_p.sel;
	const struct fp_prefix *pf[2] = {&sel->local, &sel->remote};
	sa->sa_sel_v4 = !sel->proto && !sel->local_port && !sel->remote_port;
	for (int i = 0; i < 2; i++) {
		if (pf[i]->addr.af == FP_AF_INET6)
			sa->sa_sel_v4 = false;
		uint8_t len = pf[i]->addr.af == FP_AF_INET ? pf[i]->len : 0;
		sa->sa_sel_mask[i] = prefix_mask(len);
		sa->sa_sel_net[i] = fp_get32(pf[i]->addr.a) & sa->sa_sel_mask[i];
	}
}

static void sa_set_mtu(struct fp_sa *sa, uint16_t mtu)
{
	const struct fp_sa_params *p = &sa->sa_p;
	sa->sa_p.mtu = mtu;
	sa->sa_mtu = p->dir == FP_SA_OUT && p->mode == FP_SA_TUNNEL ? mtu : 0;
}

/* Tunnel mode: outer IP (+ UDP), ESP header, IV, the inner packet and at
 * least 2 trailer bytes padded to the block, ICV. */
uint32_t fp_sa_inner_mtu(const struct fp_sa_params *p)
{
	const struct fp_cipher_info *ci = fp_cipher_info(p->key.cipher);
	if (!p->mtu || !ci)
		return 0;
	uint32_t block = ci->block < 4 ? 4 : ci->block;
	uint32_t fixed = (p->local.af == FP_AF_INET ? FP_IPV4_HLEN : FP_IPV6_HLEN) +
			 (p->encap_dport ? FP_UDP_HLEN : 0) + FP_ESP_HLEN + ci->iv_len +
			 fp_crypto_icv_len(p->key.cipher, p->key.integ);
	if (p->mtu < fixed + block)
		return 0;
	return ((p->mtu - fixed) & ~(block - 1)) - 2;
}

static int sa_fill(struct fp_sadb *db, struct fp_sa *sa, const struct fp_sa_params *p,
		   const char **err)
{
	const struct fp_cipher_info *ci = fp_cipher_info(p->key.cipher);
	memset(sa, 0, sizeof(*sa));
	sa->sa_p = *p;
	if (!ci) {
		*err = "unknown cipher";
		return -1;
	}
	sa->sa_cs = fp_crypto_sa_new(&p->key, db->db_be, err);
	if (!sa->sa_cs)
		return -1;
	sa->sa_spi = p->spi;
	sa->sa_rule = p->rule_id;
	sa->sa_dir = p->dir;
	sa->sa_mode = p->mode;
	sa->sa_outer_af = p->local.af;
	sa->sa_encap = p->encap_dport != 0;
	sa->sa_aead = ci->aead;
	sa->sa_esn = p->esn;
	sa->sa_iv_len = ci->iv_len;
	sa->sa_icv_len = (uint8_t)fp_crypto_icv_len(p->key.cipher, p->key.integ);
	sa->sa_block = ci->block < 4 ? 4 : ci->block;
	sa->sa_seq = p->seq;
	sa_set_mtu(sa, p->mtu);
	sa->sa_seq_max = p->esn ? UINT64_MAX : UINT32_MAX;
	sa->sa_seq_limit = p->seq_limit && p->seq_limit < sa->sa_seq_max ? p->seq_limit : sa->sa_seq_max;
	fp_replay_init(&sa->sa_replay, p->dir == FP_SA_IN ? p->replay_window : 0, p->esn);
	sa_build_outer(sa);
	sa_selector_fast(sa);
	/* the copy in sa_p is what show and query see: keys are not kept twice */
	fp_crypto_cleanse(&sa->sa_p.key.ckey, sizeof(sa->sa_p.key.ckey));
	fp_crypto_cleanse(&sa->sa_p.key.akey, sizeof(sa->sa_p.key.akey));
	return 0;
}

int fp_sa_install(struct fp_sadb *db, const struct fp_sa_params *p, uint32_t *id,
		  const char **err)
{
	if (sa_check_params(p, err) < 0)
		return -1;
	if (p->dir == FP_SA_IN && fp_sadb_lookup_in(db, p->spi, NULL) != FP_SA_NONE) {
		*err = "inbound SPI already installed";
		return -1;
	}
	if (p->dir == FP_SA_OUT && fp_sadb_lookup_out(db, p->rule_id) != FP_SA_NONE) {
		*err = "outbound rule already has an SA";
		return -1;
	}
	uint32_t i = db->db_count < db->db_cap ? fp_sadb_free_slot(db) : FP_SA_NONE;
	if (i == FP_SA_NONE) {
		*err = "SA database full";
		return -1;
	}
	if (sa_fill(db, &db->db_sa[i], p, err) < 0) {
		fp_crypto_cleanse(&db->db_sa[i], sizeof(db->db_sa[i])); /* the keys sa_fill copied */
		return -1;
	}
	if (p->dir == FP_SA_IN)
		fp_sadb_table_add(db, FP_SA_IN, (uint64_t)p->spi + 1, i);
	else
		fp_sadb_table_add(db, FP_SA_OUT, (uint64_t)p->rule_id + 1, i);
	db->db_sa[i].sa_live = true;
	db->db_sa[i].sa_held = p->held && p->dir == FP_SA_IN;
	db->db_held += db->db_sa[i].sa_held;
	db->db_count++;
	*id = i;
	return 0;
}

static void sa_update_remote(struct fp_sa *sa, const struct fp_sa_update *u)
{
	sa->sa_p.remote = u->remote;
	sa->sa_p.encap_sport = u->encap_sport;
	sa->sa_p.encap_dport = u->encap_dport;
	sa->sa_encap = u->encap_dport != 0;
	sa_build_outer(sa);
}

int fp_sa_update(struct fp_sadb *db, uint32_t id, const struct fp_sa_update *u,
		 const char **err)
{
	struct fp_sa *sa = fp_sadb_sa(db, id);
	if (!sa) {
		*err = "no such SA";
		return -1;
	}
	if ((u->fields & FP_SA_UPD_REMOTE) && u->remote.af != sa->sa_outer_af) {
		*err = "the peer cannot change address family";
		return -1;
	}
	if ((u->fields & FP_SA_UPD_RULE) && sa->sa_dir != FP_SA_OUT) {
		*err = "only outbound SAs belong to a rule";
		return -1;
	}
	if (u->fields & FP_SA_UPD_REMOTE)
		sa_update_remote(sa, u);
	if (u->fields & FP_SA_UPD_LIFETIME) {
		sa->sa_p.life_bytes_soft = u->life_bytes_soft;
		sa->sa_p.life_bytes_hard = u->life_bytes_hard;
		sa->sa_p.life_pkts_soft = u->life_pkts_soft;
		sa->sa_p.life_pkts_hard = u->life_pkts_hard;
		sa->sa_p.life_soft_ns = u->life_soft_ns;
		sa->sa_p.life_hard_ns = u->life_hard_ns;
	}
	if (u->fields & FP_SA_UPD_MTU) {
		sa->sa_p.post_frag = u->post_frag;
		sa_set_mtu(sa, u->mtu);
	}
	if (u->fields & FP_SA_UPD_RULE) {
		/* rekey: the new SA takes the rule, the old one keeps only its counters */
		uint32_t old = fp_sadb_lookup_out(db, u->rule_id);
		if (old != FP_SA_NONE)
			fp_sadb_table_del(db, FP_SA_OUT, (uint64_t)u->rule_id + 1);
		fp_sadb_table_del(db, FP_SA_OUT, (uint64_t)sa->sa_p.rule_id + 1);
		sa->sa_p.rule_id = u->rule_id;
		sa->sa_rule = u->rule_id;
		fp_sadb_table_add(db, FP_SA_OUT, (uint64_t)u->rule_id + 1, id);
	}
	return 0;
}

int fp_sa_delete(struct fp_sadb *db, uint32_t id)
{
	struct fp_sa *sa = fp_sadb_sa(db, id);
	if (!sa)
		return -1;
	if (sa->sa_dir == FP_SA_IN)
		fp_sadb_table_del(db, FP_SA_IN, (uint64_t)sa->sa_spi + 1);
	else if (fp_sadb_lookup_out(db, sa->sa_p.rule_id) == id)
		fp_sadb_table_del(db, FP_SA_OUT, (uint64_t)sa->sa_p.rule_id + 1);
	db->db_held -= sa->sa_held;
	fp_crypto_sa_free(sa->sa_cs);
	fp_crypto_cleanse(sa, sizeof(*sa));
	db->db_count--;
	return 0;
}

int fp_sa_query(const struct fp_sadb *db, uint32_t id, struct fp_sa_stats *out)
{
	const struct fp_sa *sa = fp_sadb_sa(db, id);
	if (!sa)
		return -1;
	memset(out, 0, sizeof(*out));
	out->pkts = sa->sa_cnt.pkts;
	out->bytes = sa->sa_cnt.bytes;
	out->outer_bytes = sa->sa_cnt.outer_bytes;
	out->tfc = sa->sa_cnt.tfc;
	out->reasm = sa->sa_cnt.reasm;
	out->soft_pkts = sa->sa_cnt.soft_pkts;
	out->last_used_ns = sa->sa_cnt.last_used_ns;
	out->life_bytes = sa->sa_life_bytes;
	out->life_pkts = sa->sa_life_pkts;
	memcpy(out->drops, sa->sa_cnt.drops, sizeof(out->drops));
	out->seq = sa->sa_dir == FP_SA_OUT ? sa->sa_seq : sa->sa_replay.top;
	out->replay_window = (uint16_t)sa->sa_replay.window;
	unsigned words = sa->sa_replay.window ? (sa->sa_replay.window + 63) / 64 : 1;
	fp_replay_snapshot(&sa->sa_replay, out->bitmap, words);
	return 0;
}

int fp_sa_export(const struct fp_sadb *db, uint32_t id, struct fp_sa_state *st)
{
	const struct fp_sa *sa = fp_sadb_sa(db, id);
	if (!sa)
		return -1;
	memset(st, 0, sizeof(*st));
	st->seq = sa->sa_seq;
	st->seq_limit = __atomic_load_n(&sa->sa_seq_limit, __ATOMIC_RELAXED);
	st->replay_top = sa->sa_replay.top;
	memcpy(st->replay_bits, sa->sa_replay.bits, sizeof(st->replay_bits));
	st->pkts = sa->sa_cnt.pkts;
	st->bytes = sa->sa_cnt.bytes;
	st->outer_bytes = sa->sa_cnt.outer_bytes;
	st->tfc = sa->sa_cnt.tfc;
	st->reasm = sa->sa_cnt.reasm;
	st->soft_pkts = sa->sa_cnt.soft_pkts;
	st->last_used_ns = sa->sa_cnt.last_used_ns;
	memcpy(st->drops, sa->sa_cnt.drops, sizeof(st->drops));
	st->life_bytes = sa->sa_life_bytes;
	st->life_pkts = sa->sa_life_pkts;
	st->ip_id = sa->sa_ip_id;
	st->soft_sent = sa->sa_soft_sent;
	st->expired = sa->sa_expired;
	return 0;
}

int fp_sa_import(struct fp_sadb *db, uint32_t id, const struct fp_sa_state *st)
{
	struct fp_sa *sa = fp_sadb_sa(db, id);
	if (!sa)
		return -1;
	/* never backwards: a number this SA already sent must not come again */
	sa->sa_seq = st->seq > sa->sa_seq ? st->seq : sa->sa_seq;
	/* nor a limit: a block reserved for this SA since the state was taken stays */
	uint64_t limit = __atomic_load_n(&sa->sa_seq_limit, __ATOMIC_RELAXED);
	if (st->seq_limit > limit)
		__atomic_store_n(&sa->sa_seq_limit, st->seq_limit < sa->sa_seq_max ? st->seq_limit : sa->sa_seq_max,
				 __ATOMIC_RELAXED);
	sa->sa_replay.top = st->replay_top;
	memcpy(sa->sa_replay.bits, st->replay_bits, sizeof(sa->sa_replay.bits));
	sa->sa_cnt.pkts = st->pkts;
	sa->sa_cnt.bytes = st->bytes;
	sa->sa_cnt.outer_bytes = st->outer_bytes;
	sa->sa_cnt.tfc = st->tfc;
	sa->sa_cnt.reasm = st->reasm;
	sa->sa_cnt.soft_pkts = st->soft_pkts;
	sa->sa_cnt.last_used_ns = st->last_used_ns;
	for (unsigned i = 0; i < FP_DROP__COUNT; i++) /* plus what it dropped while held */
		sa->sa_cnt.drops[i] += st->drops[i];
	sa->sa_life_bytes = st->life_bytes;
	sa->sa_life_pkts = st->life_pkts;
	sa->sa_ip_id = st->ip_id;
	sa->sa_soft_sent = st->soft_sent;
	sa->sa_expired = st->expired;
	db->db_held -= sa->sa_held;
	sa->sa_held = false;
	return 0;
}

int fp_sa_seq_resume(struct fp_sadb *db, uint32_t id, uint64_t seq)
{
	struct fp_sa *sa = fp_sadb_sa(db, id);
	if (!sa)
		return -1;
	if (sa->sa_dir == FP_SA_IN)
		fp_replay_resume(&sa->sa_replay, seq);
	else if (seq > sa->sa_seq)
		sa->sa_seq = seq < sa->sa_seq_max ? seq : sa->sa_seq_max;
	return 0;
}

int fp_sa_seq_reserve(struct fp_sadb *db, uint32_t id, uint64_t last)
{
	struct fp_sa *sa = fp_sadb_sa(db, id);
	if (!sa || sa->sa_dir != FP_SA_OUT)
		return -1;
	last = last < sa->sa_seq_max ? last : sa->sa_seq_max;
	__atomic_store_n(&sa->sa_seq_limit, last, __ATOMIC_RELAXED);
	return 0;
}

uint64_t fp_sa_seq_peek(const struct fp_sadb *db, uint32_t id)
{
	const struct fp_sa *sa = fp_sadb_sa(db, id);
	if (!sa)
		return 0;
	return sa->sa_dir == FP_SA_OUT ? __atomic_load_n(&sa->sa_seq, __ATOMIC_RELAXED)
				       : __atomic_load_n(&sa->sa_replay.top, __ATOMIC_RELAXED);
}

uint32_t fp_sadb_held(const struct fp_sadb *db)
{
	return db->db_held;
}

const struct fp_sa_params *fp_sa_params_get(const struct fp_sadb *db, uint32_t id)
{
	const struct fp_sa *sa = fp_sadb_sa(db, id);
	return sa ? &sa->sa_p : NULL;
}

void fp_sa_stats_clear(struct fp_sadb *db, uint32_t id)
{
	struct fp_sa *sa = fp_sadb_sa(db, id);
	if (sa)
		memset(&sa->sa_cnt, 0, sizeof(sa->sa_cnt));
}

bool fp_sa_can_offload(const struct fp_sa_params *p, const char **why)
{
	if (p->ikev1)
		*why = "IKEv1";
	else if (p->mode == FP_SA_TRANSPORT)
		*why = "transport mode";
	else if (p->compression)
		*why = "compression";
	else if (p->post_frag)
		*why = "post-fragmentation";
	else if (p->dir == FP_SA_IN && p->replay_window != FP_REPLAY_WINDOW_OFFLOAD)
		*why = "anti-replay window other than 64 packets";
	else if (p->vpn_filter)
		*why = "vpn-filter on tunneled traffic";
	else
		return true;
	return false;
}
