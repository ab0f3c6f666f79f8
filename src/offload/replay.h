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

/* Reconstruct the full sequence number from the 32 bits on the wire
 * (RFC 4304 A.2) and check it. *seq gets the full number either way. */
enum fp_replay_verdict fp_replay_check(const struct fp_replay *r, uint32_t seq_lo,
				       uint64_t *seq);
/* The same within a burst: checks of a whole burst come before its
 * commits, so the high half is inferred from top, the highest number seen
 * so far in the burst (or the committed top if that is higher). */
enum fp_replay_verdict fp_replay_check_burst(const struct fp_replay *r, uint64_t top,
					     uint32_t seq_lo, uint64_t *seq);
/* Mark seq received (it passed the check and the ICV). Returns the same
 * verdict as a fresh check, so a duplicate within one burst is caught. */
enum fp_replay_verdict fp_replay_commit(struct fp_replay *r, uint64_t seq);

/* The window relative to top for show output: out[0] bit 0 is top, bit i
 * of out[k] is top - (64k + i). Fills window/64 words (at least one). */
void fp_replay_snapshot(const struct fp_replay *r, uint64_t *out, unsigned nwords);

#endif
