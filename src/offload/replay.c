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

static bool replay_has(const struct fp_replay *r, uint64_t seq)
{
	if (seq == 0 || seq > r->top || r->top - seq >= r->window)
		return false;
	return (r->bits[(seq / 64) % r->nwords] >> (seq % 64)) & 1;
}

void fp_replay_resume(struct fp_replay *r, uint64_t top)
{
	if (top <= r->top)
		return; /* never backwards */
	unsigned bit = (unsigned)(top % 64);
	for (uint32_t i = 0; i < r->nwords; i++)
		r->bits[i] = ~0ull; /* the older words: all seen */
	/* the newest word holds numbers above top too: those are still to come */
	r->bits[(top / 64) % r->nwords] = bit == 63 ? ~0ull : (1ull << (bit + 1)) - 1;
	r->top = top;
}

void fp_replay_snapshot(const struct fp_replay *r, uint64_t *out, unsigned nwords)
{
	memset(out, 0, nwords * sizeof(*out));
	for (uint64_t i = 0; i < (uint64_t)nwords * 64 && i < r->top; i++)
		if (replay_has(r, r->top - i))
			out[i / 64] |= 1ull << (i % 64);
}
