/* Sequence numbers across restarts (seqkeep.h): at start the saved state
 * is matched to the tunnels, each tick the blocks used past half are
 * renewed, at a clean exit the exact numbers are written. The order is
 * the point: a block is on disk before its SA may use it. */
#include "seqkeep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t seqkeep_max(const struct fp_gw_tunnel *t)
{
	return t->out.esn ? UINT64_MAX : UINT32_MAX; /* RFC 4303 §3.3.3 */
}

/* The last number of a block starting after seq. */
static uint64_t seqkeep_block_end(const struct fp_gw_tunnel *t, uint64_t seq, uint64_t block)
{
	uint64_t max = seqkeep_max(t);
	return seq >= max || max - seq < block ? max : seq + block;
}

_Static_assert(FP_SEQFILE_KEYS >= FP_GW_MAX_TUNNELS, "room for every tunnel's keys");

/* What tunnel i's records are found by: its keys' ids, never the keys. */
struct seqkeep_ids {
	uint8_t si_out[FP_CRYPTO_KEY_ID_LEN], si_in[FP_CRYPTO_KEY_ID_LEN];
	uint32_t si_in_spi;
};

static void seqkeep_ids(const struct fp_gw *gw, const struct fp_gw_tunnel *t, struct seqkeep_ids *id)
{
	struct fp_sa_params in, out;
	fp_gw_tunnel_keyed(gw, t, &in, &out);
	fp_crypto_key_id(&out.key, id->si_out);
	fp_crypto_key_id(&in.key, id->si_in);
	id->si_in_spi = in.spi;
	fp_crypto_cleanse(&in, sizeof(in));
	fp_crypto_cleanse(&out, sizeof(out));
}

/* An outbound key that is also an inbound key (the entry's own, or
 * another's) is one the peer sends under too, counting 1, 2, 3... on its
 * own: the same nonce reuse, between the two ends. */
static int seqkeep_key_both_ways(const struct fp_seqkeep *k, const struct fp_gw *gw,
				 const struct seqkeep_ids *ids, char *err, size_t errlen)
{
	for (unsigned i = 0; i < k->sk_n; i++)
		for (unsigned j = 0; j < k->sk_n; j++) {
			if (memcmp(ids[i].si_out, ids[j].si_in, FP_CRYPTO_KEY_ID_LEN) != 0)
				continue;
			const struct fp_cfg_map_entry *a = gw->tunnels[i].entry, *b = gw->tunnels[j].entry;
			snprintf(err, errlen, "crypto map %s %u: its outbound session key is the inbound "
				 "session key of crypto map %s %u: the peer sends under it too, from "
				 "sequence number 1 (nonce reuse); use one key per direction",
				 a->map, a->seq, b->map, b->seq);
			return -1;
		}
	return 0;
}

/* Two entries sending under one key would each send 1, 2, 3... under it:
 * the nonce reuse this file prevents, across tunnels. Refused, naming both. */
static int seqkeep_shared_key(const struct fp_seqkeep *k, const struct fp_gw *gw,
			      const struct seqkeep_ids *ids, char *err, size_t errlen)
{
	for (unsigned i = 0; i < k->sk_n; i++)
		for (unsigned j = 0; j < i; j++) {
			if (memcmp(ids[i].si_out, ids[j].si_out, FP_CRYPTO_KEY_ID_LEN) != 0)
				continue;
			const struct fp_cfg_map_entry *a = gw->tunnels[j].entry, *b = gw->tunnels[i].entry;
			snprintf(err, errlen, "crypto map %s %u and crypto map %s %u have the same outbound "
				 "session key: both would send sequence numbers 1, 2, 3... under it (nonce "
				 "reuse); give each entry its own key", a->map, a->seq, b->map, b->seq);
			return -1;
		}
	return seqkeep_key_both_ways(k, gw, ids, err, errlen);
}

/* One direction goes on from the saved record, if there is one: true then. */
static bool seqkeep_resume(struct fp_gw_tunnel *t, uint32_t sa, struct fp_seqfile_rec *now,
			   const struct fp_seqfile_rec *saved)
{
	if (!saved)
		return false;
	now->sr_seq = saved->sr_seq;
	fp_sa_seq_resume(t->pipe->db, sa, saved->sr_seq);
	return true;
}

/* Tunnel i's outbound record, out record i: its key's, wherever it was. */
static bool seqkeep_match_out(struct fp_seqkeep *k, struct fp_gw_tunnel *t, unsigned i,
			      const struct seqkeep_ids *id, struct fp_seqfile *old)
{
	struct fp_seqfile_rec *o = &k->sk_file.sf_out[k->sk_file.sf_n_out++];
	memset(o, 0, sizeof(*o));
	memcpy(o->sr_key_id, id->si_out, sizeof(o->sr_key_id));
	bool went_on = seqkeep_resume(t, t->sa_out, o, fp_seqfile_find_out(old, id->si_out));
	k->sk_out_from[i] = o->sr_seq;
	return went_on;
}

/* Tunnel i's inbound record: one another tunnel with the same SPI and key
 * took already (both go on from it), or a new one from the old file's. */
static bool seqkeep_match_in(struct fp_seqkeep *k, struct fp_gw_tunnel *t, unsigned i,
			     const struct seqkeep_ids *id, struct fp_seqfile *old)
{
	struct fp_seqfile *sf = &k->sk_file;
	struct fp_seqfile_rec *r = fp_seqfile_find_in(sf, id->si_in_spi, id->si_in);
	const struct fp_seqfile_rec *saved = r && r->sr_seq ? r : NULL;
	if (!r) {
		r = &sf->sf_in[sf->sf_n_in++];
		memset(r, 0, sizeof(*r));
		r->sr_spi = id->si_in_spi;
		memcpy(r->sr_key_id, id->si_in, sizeof(r->sr_key_id));
		saved = fp_seqfile_find_in(old, id->si_in_spi, id->si_in);
	}
	k->sk_in_of[i] = (unsigned)(r - sf->sf_in);
	return seqkeep_resume(t, t->sa_in, r, saved);
}

/* The old file's records no tunnel took, after the tunnels' (most recently
 * used first) while there is room; the rest is forgotten. */
static void seqkeep_keep_old(struct fp_seqkeep *k, struct fp_seqfile *old)
{
	struct fp_seqfile *sf = &k->sk_file;
	for (unsigned i = 0; i < old->sf_n_out; i++) {
		const struct fp_seqfile_rec *r = &old->sf_out[i];
		if (fp_seqfile_find_out(sf, r->sr_key_id))
			continue;
		if (sf->sf_n_out < FP_SEQFILE_KEYS)
			sf->sf_out[sf->sf_n_out++] = *r;
		else
			k->sk_forgotten++;
	}
	for (unsigned i = 0; i < old->sf_n_in; i++) {
		const struct fp_seqfile_rec *r = &old->sf_in[i];
		if (fp_seqfile_find_in(sf, r->sr_spi, r->sr_key_id))
			continue;
		if (sf->sf_n_in < FP_SEQFILE_KEYS)
			sf->sf_in[sf->sf_n_in++] = *r;
		else
			k->sk_forgotten++;
	}
}

/* The tunnels' records first, then the old file's others. */
static void seqkeep_match(struct fp_seqkeep *k, struct fp_gw *gw, const struct seqkeep_ids *ids,
			  struct fp_seqfile *old)
{
	for (unsigned i = 0; i < k->sk_n; i++) {
		struct fp_gw_tunnel *t = &gw->tunnels[i];
		bool out = seqkeep_match_out(k, t, i, &ids[i], old);
		bool in = seqkeep_match_in(k, t, i, &ids[i], old);
		k->sk_continued += out || in;
	}
	seqkeep_keep_old(k, old);
	if (k->sk_forgotten)
		fprintf(stderr, "fpvpnd: sequence state: %u key record(s) unused the longest dropped "
			"(%u of each direction kept): such a key configured again starts from 1\n",
			k->sk_forgotten, FP_SEQFILE_KEYS);
}

static void seqkeep_warn_low(const struct fp_seqkeep *k, const struct fp_gw_tunnel *t, uint64_t end)
{
	uint64_t left = seqkeep_max(t) - end;
	if (left / k->sk_block >= FP_SEQKEEP_WARN_BLOCKS)
		return;
	fprintf(stderr, "fpvpnd: warning: crypto map %s %u: %llu outbound sequence numbers left "
		"(a crash skips up to %llu): change the keys on both sides before they run out\n",
		t->entry->map, t->entry->seq, (unsigned long long)left, (unsigned long long)k->sk_block);
}

/* Blocks saved: now the SAs may use them. */
static void seqkeep_limits(const struct fp_seqkeep *k, struct fp_gw *gw, const bool *renewed)
{
	for (unsigned i = 0; i < k->sk_n; i++) {
		struct fp_gw_tunnel *t = &gw->tunnels[i];
		if (!renewed || renewed[i])
			fp_sa_seq_reserve(t->pipe->db, t->sa_out, k->sk_file.sf_out[i].sr_seq);
	}
}

/* The old file matched to the tunnels, their first blocks reserved (not
 * saved yet). */
static int seqkeep_plan(struct fp_seqkeep *k, struct fp_gw *gw, struct fp_seqfile *old, char *err,
			size_t errlen)
{
	static struct seqkeep_ids ids[FP_GW_MAX_TUNNELS]; /* the main thread's, at start */
	for (unsigned i = 0; i < k->sk_n; i++)
		seqkeep_ids(gw, &gw->tunnels[i], &ids[i]);
	if (seqkeep_shared_key(k, gw, ids, err, errlen) < 0)
		return -1;
	seqkeep_match(k, gw, ids, old);
	for (unsigned i = 0; i < k->sk_n; i++) {
		struct fp_seqfile_rec *out = &k->sk_file.sf_out[i];
		out->sr_seq = seqkeep_block_end(&gw->tunnels[i], out->sr_seq, k->sk_block);
		seqkeep_warn_low(k, &gw->tunnels[i], out->sr_seq);
	}
	return 0;
}

int fp_seqkeep_start(struct fp_seqkeep *k, struct fp_gw *gw, const char *path, uint64_t block,
		     char *err, size_t errlen)
{
	memset(k, 0, sizeof(*k));
	if (strlen(path) >= sizeof(k->sk_path)) {
		snprintf(err, errlen, "state file name too long (%zu bytes, at most %zu)", strlen(path),
			 sizeof(k->sk_path) - 1);
		return -1;
	}
	snprintf(k->sk_path, sizeof(k->sk_path), "%s", path);
	k->sk_block = block ? block : FP_SEQKEEP_BLOCK;
	k->sk_n = fp_gw_manual_tunnels(gw);
	struct fp_seqfile *old = malloc(sizeof(*old));
	if (!old) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = fp_seqfile_load(old, path, err, errlen);
	if (rc == 0)
		rc = seqkeep_plan(k, gw, old, err, errlen);
	if (rc == 0)
		rc = fp_seqfile_save(&k->sk_file, path, err, errlen);
	free(old);
	if (rc < 0)
		return -1;
	k->sk_saves++;
	k->sk_saved_ns = gw->now_ns;
	seqkeep_limits(k, gw, NULL);
	return 0;
}

/* Why the save failed, once until one works again. */
static void seqkeep_save_failed(struct fp_seqkeep *k, const char *err)
{
	k->sk_save_failed++;
	if (!k->sk_failing)
		fprintf(stderr, "fpvpnd: sequence state: %s: packets past the numbers saved are "
			"dropped (ipsec-seq-unreserved) until it can be written\n", err);
	k->sk_failing = true;
}

/* Does tunnel i need a new block? Its end is in *end then. */
static bool seqkeep_due(const struct fp_seqkeep *k, struct fp_gw *gw, unsigned i, uint64_t *end)
{
	const struct fp_gw_tunnel *t = &gw->tunnels[i];
	uint64_t reserved = k->sk_file.sf_out[i].sr_seq;
	uint64_t used = fp_sa_seq_peek(t->pipe->db, t->sa_out);
	uint64_t left = used < reserved ? reserved - used : 0;
	if (left > k->sk_block / 2 || reserved >= seqkeep_max(t))
		return false;
	*end = seqkeep_block_end(t, used, k->sk_block);
	return true;
}

/* Inbound tops as they are now; true if one moved since the last save. */
static bool seqkeep_in_tops(struct fp_seqkeep *k, struct fp_gw *gw)
{
	bool moved = false;
	for (unsigned i = 0; i < k->sk_n; i++) {
		const struct fp_gw_tunnel *t = &gw->tunnels[i];
		uint64_t top = fp_sa_seq_peek(t->pipe->db, t->sa_in);
		struct fp_seqfile_rec *in = &k->sk_file.sf_in[k->sk_in_of[i]];
		moved |= top > in->sr_seq;
		in->sr_seq = top > in->sr_seq ? top : in->sr_seq;
	}
	return moved;
}

/* The new blocks (renewed[i]) and inbound tops to disk; then the SAs may
 * use the blocks. On failure what is on disk is still the old. */
static int seqkeep_save(struct fp_seqkeep *k, struct fp_gw *gw, const bool *renewed,
			const uint64_t *before)
{
	char err[512];
	if (fp_seqfile_save(&k->sk_file, k->sk_path, err, sizeof(err)) < 0) {
		for (unsigned i = 0; i < k->sk_n; i++)
			k->sk_file.sf_out[i].sr_seq = before[i];
		seqkeep_save_failed(k, err);
		return -1;
	}
	if (k->sk_failing)
		fprintf(stderr, "fpvpnd: sequence state: %s written again\n", k->sk_path);
	k->sk_failing = false;
	k->sk_saves++;
	k->sk_saved_ns = gw->now_ns;
	seqkeep_limits(k, gw, renewed);
	return 0;
}

int fp_seqkeep_tick(struct fp_seqkeep *k, struct fp_gw *gw)
{
	bool renewed[FP_GW_MAX_TUNNELS];
	uint64_t before[FP_GW_MAX_TUNNELS];
	unsigned n = 0;
	for (unsigned i = 0; i < k->sk_n; i++) {
		struct fp_seqfile_rec *out = &k->sk_file.sf_out[i];
		uint64_t end;
		before[i] = out->sr_seq;
		renewed[i] = seqkeep_due(k, gw, i, &end);
		if (renewed[i]) {
			out->sr_seq = end;
			n++;
		}
	}
	bool in_moved = seqkeep_in_tops(k, gw);
	if (!n && !(in_moved && gw->now_ns - k->sk_saved_ns >= FP_SEQKEEP_IN_EVERY_NS))
		return 0;
	return seqkeep_save(k, gw, renewed, before) < 0 ? -1 : (int)n;
}

int fp_seqkeep_stop(struct fp_seqkeep *k, struct fp_gw *gw, char *err, size_t errlen)
{
	seqkeep_in_tops(k, gw);
	for (unsigned i = 0; i < k->sk_n; i++) {
		const struct fp_gw_tunnel *t = &gw->tunnels[i];
		uint64_t last = fp_sa_seq_peek(t->pipe->db, t->sa_out);
		/* a pair that could not be installed again keeps its block; an SA
		 * that could not go on (its space is smaller) never lowers the key's */
		if (t->sa_out != FP_SA_NONE)
			k->sk_file.sf_out[i].sr_seq = last > k->sk_out_from[i] ? last : k->sk_out_from[i];
	}
	return fp_seqfile_save(&k->sk_file, k->sk_path, err, errlen);
}
