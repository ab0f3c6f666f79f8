#include "replay.h"

#include <string.h>

int fp_replay_init(struct fp_replay *r, uint32_t window, bool esn)
{
	if (window > FP_REPLAY_WINDOW_MAX || window % 32)
		return -1;
	memset(r, 0, sizeof(*r));
	r->window = window;
	r->nwords = (window + 63) / 64 + 1;
	r->esn = esn;
	return 0;
}

/* RFC 4304 A.2: pick the high half that puts seq_lo in or right of the window. */
static uint64_t replay_infer(const struct fp_replay *r, uint64_t top, uint32_t seq_lo)
{
	uint32_t w = r->window ? r->window : 64;
	uint32_t tl = (uint32_t)top;
	uint32_t th = (uint32_t)(top >> 32);
	uint32_t bottom = tl - w + 1; /* wraps on purpose when tl < w - 1 */
	uint32_t sh;

	if (!r->esn)
		return seq_lo;
	if (tl >= w - 1)
		sh = seq_lo >= bottom ? th : th + 1;
	else
		sh = seq_lo >= bottom && th > 0 ? th - 1 : th;
	return (uint64_t)sh << 32 | seq_lo;
}

static inline uint64_t *replay_word(struct fp_replay *r, uint64_t seq)
{
	return &r->bits[(seq / 64) % r->nwords];
}

static enum fp_replay_verdict replay_test(const struct fp_replay *r, uint64_t seq)
{
	if (seq == 0)
		return FP_REPLAY_OLD; /* sequence numbers start at 1 */
	if (!r->window || seq > r->top)
		return FP_REPLAY_OK;
	if (r->top - seq >= r->window)
		return FP_REPLAY_OLD;
	uint64_t w = r->bits[(seq / 64) % r->nwords];
	return (w >> (seq % 64)) & 1 ? FP_REPLAY_DUP : FP_REPLAY_OK;
}

enum fp_replay_verdict fp_replay_check(const struct fp_replay *r, uint32_t seq_lo,
				       uint64_t *seq)
{
	return fp_replay_check_burst(r, r->top, seq_lo, seq);
}

enum fp_replay_verdict fp_replay_check_burst(const struct fp_replay *r, uint64_t top,
					     uint32_t seq_lo, uint64_t *seq)
{
	*seq = replay_infer(r, top > r->top ? top : r->top, seq_lo);
	return replay_test(r, *seq);
}

/* Clear the ring words that the window slides over when top moves to seq. */
static void replay_advance(struct fp_replay *r, uint64_t seq)
{
	uint64_t from = r->top / 64, to = seq / 64;
	uint64_t steps = to - from;
	if (steps > r->nwords)
		steps = r->nwords;
	for (uint64_t i = 1; i <= steps; i++)
		r->bits[(from + i) % r->nwords] = 0;
	r->top = seq;
}

enum fp_replay_verdict fp_replay_commit(struct fp_replay *r, uint64_t seq)
{
	enum fp_replay_verdict v = replay_test(r, seq);
	if (v != FP_REPLAY_OK)
		return v;
	if (seq > r->top) {
		if (r->window)
			replay_advance(r, seq);
		else
			r->top = seq;
	}
	if (r->window)
		*replay_word(r, seq) |= 1ull << (seq % 64);
	return FP_REPLAY_OK;
}

static bool replay_has(const struct fp_replay *r, uint64_t seq)
{
	if (seq == 0 || seq > r->top || r->top - seq >= r->window)
		return false;
	return (r->bits[(seq / 64) % r->nwords] >> (seq % 64)) & 1;
}

void fp_replay_snapshot(const struct fp_replay *r, uint64_t *out, unsigned nwords)
{
	memset(out, 0, nwords * sizeof(*out));
	for (uint64_t i = 0; i < (uint64_t)nwords * 64 && i < r->top; i++)
		if (replay_has(r, r->top - i))
			out[i / 64] |= 1ull << (i % 64);
}
