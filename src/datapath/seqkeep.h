/* Keeping manual-key SAs' sequence numbers across restarts and crashes.
 * Outbound numbers are reserved in blocks: a block is written to the state
 * file (seqfile.h) and on disk before the engine may use it
 * (fp_sa_seq_reserve), so after a crash the restarted daemon goes on from
 * the end of the last block saved, skipping what was left of it, and never
 * sends a number (an AEAD nonce) twice. Inbound, the replay window starts
 * at the top saved, so the peer's numbers go on being accepted. All of it
 * runs on the main thread; the workers only read the limit. */
#ifndef FP_SEQKEEP_H
#define FP_SEQKEEP_H

#include "datapath/gateway.h"
#include "datapath/seqfile.h"

/* 2^22 numbers: at 14 Mpps (one core's AES-GCM ceiling) the half block
 * left when a new one is reserved lasts 150 ms, more than a 100 ms tick. */
#define FP_SEQKEEP_BLOCK (1ull << 22)
/* Warn at start when fewer blocks than this are left before a 32-bit
 * sequence number space runs out (each crash may skip one). */
#define FP_SEQKEEP_WARN_BLOCKS 64u

/* Inbound tops that moved are saved at least this often, also with no new
 * block due: after a crash, what arrived since the last save could be
 * replayed to the restarted daemon once. */
#define FP_SEQKEEP_IN_EVERY_NS 1000000000ull

struct fp_seqkeep {
	char sk_path[4096];
	uint64_t sk_block;
	/* as on disk: out record i is tunnel i's (no two tunnels share an
	 * outbound key), then the keys no tunnel uses now */
	struct fp_seqfile sk_file;
	unsigned sk_in_of[FP_GW_MAX_TUNNELS]; /* tunnel i's inbound record */
	uint64_t sk_out_from[FP_GW_MAX_TUNNELS]; /* tunnel i's key's LAST at start: never below */
	/* The manual-key tunnels: the first sk_n of gw->tunnels, those built
	 * from the configuration's keys; IKEv2 tunnels come after them and
	 * need none of this (their SAs are fresh per negotiation). */
	unsigned sk_n;
	unsigned sk_continued;            /* tunnels that went on from saved state at start */
	unsigned sk_forgotten;            /* records that fell out of the history at start */
	uint64_t sk_saves, sk_save_failed;
	uint64_t sk_saved_ns;             /* gw->now_ns of the last save */
	bool sk_failing;                  /* the last save failed (logged once until one works) */
};

/* At start, with the tunnels installed and before any packet: read path.
 * Each tunnel's outbound SA goes on above the highest number saved for its
 * key (whatever crypto map, entry or SPI used it before), its inbound SA
 * from the top saved for its SPI and key; then the first block of every
 * tunnel is saved and given to its SA. block 0 means FP_SEQKEEP_BLOCK.
 * -1 with err, and fpvpnd refuses to start rather than risk reusing
 * nonces, when: path is longer than sk_path holds; the file cannot be read
 * (err names the file, and the line when it is corrupt or an older
 * fpvpnd's); two crypto map entries have the same outbound key (err names
 * both: each would send every number under it); the first save fails. */
int fp_seqkeep_start(struct fp_seqkeep *k, struct fp_gw *gw, const char *path, uint64_t block,
		     char *err, size_t errlen);
/* Each tick (gw->now_ns current): every tunnel that has used more than
 * half its block gets the next one, saved before its SA may use it; the
 * inbound tops go with it, and on their own once a second when they moved.
 * Returns how many tunnels got a new block, or -1 when the save failed
 * (their SAs keep the old limit and drop what is past it as
 * ipsec-seq-unreserved; logged once). */
int fp_seqkeep_tick(struct fp_seqkeep *k, struct fp_gw *gw);
/* Clean exit, after the pipes stopped: the exact last numbers, so a clean
 * restart skips nothing. */
int fp_seqkeep_stop(struct fp_seqkeep *k, struct fp_gw *gw, char *err, size_t errlen);

#endif
