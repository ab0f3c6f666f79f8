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

/* The tunnel's entry as it is now: names, SPIs, key ids, numbers 0. */
static void seqkeep_entry(const struct fp_gw *gw, const struct fp_gw_tunnel *t,
			  struct fp_seqfile_entry *e)
{
	struct fp_sa_params in, out;
	memset(e, 0, sizeof(*e));
	snprintf(e->se_map, sizeof(e->se_map), "%s", t->entry->map);
	e->se_map_seq = t->entry->seq;
	fp_gw_tunnel_keyed(gw, t, &in, &out);
	e->se_out.sd_spi = out.spi;
	e->se_in.sd_spi = in.spi;
	fp_crypto_key_id(&out.key, e->se_out.sd_key_id);
	fp_crypto_key_id(&in.key, e->se_in.sd_key_id);
	fp_crypto_cleanse(&in, sizeof(in));
	fp_crypto_cleanse(&out, sizeof(out));
}

/* One direction goes on from the saved number if it is the same SA (SPI
 * and key); true if it did. */
static bool seqkeep_resume(struct fp_gw_tunnel *t, uint32_t sa, struct fp_seqfile_dir *now,
			   const struct fp_seqfile_dir *saved)
{
	if (!saved || saved->sd_spi != now->sd_spi ||
	    memcmp(saved->sd_key_id, now->sd_key_id, sizeof(now->sd_key_id)) != 0)
		return false;
	now->sd_seq = saved->sd_seq;
	fp_sa_seq_resume(t->pipe->db, sa, saved->sd_seq);
	return true;
}

/* Entries i < n_tunnels are the tunnels'; the old file's others follow
 * while there is room, so a tunnel taken out of the configuration and put
 * back with its old key still goes on. */
static void seqkeep_match(struct fp_seqkeep *k, struct fp_gw *gw, struct fp_seqfile *old)
{
	bool taken[FP_SEQFILE_MAX] = {false};
	struct fp_seqfile *sf = &k->sk_file;
	for (unsigned i = 0; i < gw->n_tunnels; i++) {
		struct fp_gw_tunnel *t = &gw->tunnels[i];
		struct fp_seqfile_entry *e = &sf->sf_e[i];
		struct fp_seqfile_entry *saved = fp_seqfile_find(old, t->entry->map, t->entry->seq);
		seqkeep_entry(gw, t, e);
		if (saved)
			taken[saved - old->sf_e] = true;
		bool out = seqkeep_resume(t, t->sa_out, &e->se_out, saved ? &saved->se_out : NULL);
		bool in = seqkeep_resume(t, t->sa_in, &e->se_in, saved ? &saved->se_in : NULL);
		k->sk_continued += out || in;
	}
	sf->sf_n = gw->n_tunnels;
	for (unsigned i = 0; i < old->sf_n && sf->sf_n < FP_SEQFILE_MAX; i++)
		if (!taken[i])
			sf->sf_e[sf->sf_n++] = old->sf_e[i];
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
	for (unsigned i = 0; i < gw->n_tunnels; i++) {
		struct fp_gw_tunnel *t = &gw->tunnels[i];
		if (!renewed || renewed[i])
			fp_sa_seq_reserve(t->pipe->db, t->sa_out, k->sk_file.sf_e[i].se_out.sd_seq);
	}
}

int fp_seqkeep_start(struct fp_seqkeep *k, struct fp_gw *gw, const char *path, uint64_t block,
		     char *err, size_t errlen)
{
	struct fp_seqfile *old = malloc(sizeof(*old));
	memset(k, 0, sizeof(*k));
	snprintf(k->sk_path, sizeof(k->sk_path), "%s", path);
	k->sk_block = block ? block : FP_SEQKEEP_BLOCK;
	if (!old) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = fp_seqfile_load(old, path, err, errlen);
	if (rc == 0) {
		seqkeep_match(k, gw, old);
		for (unsigned i = 0; i < gw->n_tunnels; i++) {
			struct fp_seqfile_dir *d = &k->sk_file.sf_e[i].se_out;
			d->sd_seq = seqkeep_block_end(&gw->tunnels[i], d->sd_seq, k->sk_block);
			seqkeep_warn_low(k, &gw->tunnels[i], d->sd_seq);
		}
		rc = fp_seqfile_save(&k->sk_file, path, err, errlen);
	}
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
	uint64_t reserved = k->sk_file.sf_e[i].se_out.sd_seq;
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
	for (unsigned i = 0; i < gw->n_tunnels; i++) {
		const struct fp_gw_tunnel *t = &gw->tunnels[i];
		uint64_t top = fp_sa_seq_peek(t->pipe->db, t->sa_in);
		struct fp_seqfile_dir *in = &k->sk_file.sf_e[i].se_in;
		moved |= top > in->sd_seq;
		in->sd_seq = top > in->sd_seq ? top : in->sd_seq;
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
		for (unsigned i = 0; i < gw->n_tunnels; i++)
			k->sk_file.sf_e[i].se_out.sd_seq = before[i];
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
	for (unsigned i = 0; i < gw->n_tunnels; i++) {
		struct fp_seqfile_entry *e = &k->sk_file.sf_e[i];
		uint64_t end;
		before[i] = e->se_out.sd_seq;
		renewed[i] = seqkeep_due(k, gw, i, &end);
		if (renewed[i])
			e->se_out.sd_seq = end, n++;
	}
	bool in_moved = seqkeep_in_tops(k, gw);
	if (!n && !(in_moved && gw->now_ns - k->sk_saved_ns >= FP_SEQKEEP_IN_EVERY_NS))
		return 0;
	return seqkeep_save(k, gw, renewed, before) < 0 ? -1 : (int)n;
}

int fp_seqkeep_stop(struct fp_seqkeep *k, struct fp_gw *gw, char *err, size_t errlen)
{
	for (unsigned i = 0; i < gw->n_tunnels; i++) {
		const struct fp_gw_tunnel *t = &gw->tunnels[i];
		struct fp_seqfile_entry *e = &k->sk_file.sf_e[i];
		uint64_t top = fp_sa_seq_peek(t->pipe->db, t->sa_in);
		if (t->sa_out != FP_SA_NONE) /* a pair that could not be installed again keeps its block */
			e->se_out.sd_seq = fp_sa_seq_peek(t->pipe->db, t->sa_out);
		e->se_in.sd_seq = top > e->se_in.sd_seq ? top : e->se_in.sd_seq;
	}
	return fp_seqfile_save(&k->sk_file, k->sk_path, err, errlen);
}
