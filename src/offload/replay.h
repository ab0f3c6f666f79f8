/* Anti-replay window, RFC 4303 §3.4.3, with extended sequence numbers
 * (RFC 4304 Appendix A). The bitmap is a ring of 64-bit words (RFC 6479),
 * so advancing the window clears words instead of shifting the whole map.
 *
 * Use: fp_replay_check() before decryption, fp_replay_commit() only after
 * the ICV verified, so a forged packet never moves the window. */
#ifndef FP_REPLAY_H
#define FP_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "offload/sa.h"

#define FP_REPLAY_WORDS (FP_REPLAY_WINDOW_MAX / 64 + 1) /* one spare word for the ring */

struct fp_replay {
	uint64_t top;        /* highest sequence number accepted, 64-bit with ESN */
	uint32_t window;     /* W in packets; 0 = anti-replay off */
	uint32_t nwords;     /* ring words in use: ceil(W / 64) + 1 */
	bool esn;
	uint64_t bits[FP_REPLAY_WORDS];
};

enum fp_replay_verdict { FP_REPLAY_OK = 0, FP_REPLAY_DUP, FP_REPLAY_OLD };

/* window: 0 or a multiple of 32 up to FP_REPLAY_WINDOW_MAX. -1 if not. */
int fp_replay_init(struct fp_replay *r, uint32_t window, bool esn);


/* fp_replay_check(r, seq_lo, &seq): reconstruct the full sequence number
 * from the 32 bits on the wire (RFC 4304 A.2) and check it; *seq gets the
 * full number either way. The high half comes from the committed top
 * only, also for the later packets of a burst (whose checks all come
 * before its commits): A.2 already reads a burst across 2^32 right, and a
 * packet not yet authenticated must not steer how the next are read.
 * fp_replay_commit(r, seq): mark seq received once its ICV verified;
 * returns the verdict of a fresh check, so a duplicate within one burst is
 * caught. Both are inline below: they run per packet. */

/* A window that takes every number up to top as received already: where
 * a restarted daemon resumes (seqkeep.c), so nothing it may have accepted
 * before is accepted again. */
void fp_replay_resume(struct fp_replay *r, uint64_t top);

/* The window relative to top for show output: out[0] bit 0 is top, bit i
 * of out[k] is top - (64k + i). Fills window/64 words (at least one). */
void fp_replay_snapshot(const struct fp_replay *r, uint64_t *out, unsigned nwords);

/* RFC 4304 A.2: pick the high half that puts seq_lo in or right of the window. */
static inline uint64_t fp_replay_infer(const struct fp_replay *r, uint64_t top, uint32_t seq_lo)
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

static inline uint64_t *fp_replay_word(struct fp_replay *r, uint64_t seq)
{
	return &r->bits[(seq / 64) % r->nwords];
}

static inline enum fp_replay_verdict fp_replay_test(const struct fp_replay *r, uint64_t seq)
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

static inline enum fp_replay_verdict fp_replay_check(const struct fp_replay *r, uint32_t seq_lo,
				       uint64_t *seq)
{
	*seq = fp_replay_infer(r, r->top, seq_lo);
	return fp_replay_test(r, *seq);
}

/* Clear the ring words that the window slides over when top moves to seq. */
static inline void fp_replay_advance(struct fp_replay *r, uint64_t seq)
{
	uint64_t from = r->top / 64, to = seq / 64;
	uint64_t steps = to - from;
	if (steps > r->nwords)
		steps = r->nwords;
	for (uint64_t i = 1; i <= steps; i++)
		r->bits[(from + i) % r->nwords] = 0;
	__atomic_store_n(&r->top, seq, __ATOMIC_RELAXED); /* the slow path peeks at it */
}

static inline enum fp_replay_verdict fp_replay_commit(struct fp_replay *r, uint64_t seq)
{
	enum fp_replay_verdict v = fp_replay_test(r, seq);
	if (v != FP_REPLAY_OK)
		return v;
	if (seq > r->top) {
		if (r->window)
			fp_replay_advance(r, seq);
		else
			__atomic_store_n(&r->top, seq, __ATOMIC_RELAXED);
	}
	if (r->window)
		*fp_replay_word(r, seq) |= 1ull << (seq % 64);
	return FP_REPLAY_OK;
}


#endif
