/* The sequence state file: for each manual-key tunnel, how far its
 * sequence numbers went, so a restarted fpvpnd goes on from there instead
 * of from 1 (an AEAD's nonce is the sequence number: starting over under
 * the same key would reuse nonces, and the peer would drop everything as
 * replay). One line per crypto map entry, written by fpvpnd only:
 *
 *   MAP SEQ out SPI KEY-ID LAST in SPI KEY-ID TOP
 *   CM 10 out 0x00001001 5d1f...(32 hex digits) 4194304 in 0x00002001 9c0e... 1533
 *
 * out LAST: no number above it was sent (the end of the block reserved
 * before its numbers were used, or the exact last one after a clean exit);
 * in TOP: the highest number received when the line was written. KEY-ID
 * is fp_crypto_key_id() of the direction's key, never the key: a changed
 * key starts from 1 again. Lines starting with '#' are comments. */
#ifndef FP_SEQFILE_H
#define FP_SEQFILE_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "crypto/crypto.h"

/* Every tunnel of a configuration, and as many more that left it (kept,
 * so that one coming back with its old key goes on too). */
#define FP_SEQFILE_MAX (2 * FP_CFG_MAX_MAP_ENTRIES)

struct fp_seqfile_dir {
	uint32_t sd_spi;
	uint8_t sd_key_id[FP_CRYPTO_KEY_ID_LEN];
	uint64_t sd_seq;              /* out: the last that may have been sent; in: the top received */
};

struct fp_seqfile_entry {
	char se_map[FP_NAME_MAX];
	unsigned se_map_seq;
	struct fp_seqfile_dir se_out, se_in;
};

struct fp_seqfile {
	struct fp_seqfile_entry sf_e[FP_SEQFILE_MAX];
	unsigned sf_n;
};

/* Read path into sf. A missing file is an empty one (a first start): 0.
 * Anything else that cannot be read, or a line that is not exactly as
 * fp_seqfile_save writes it: -1 with "PATH:LINE: what" in err. */
int fp_seqfile_load(struct fp_seqfile *sf, const char *path, char *err, size_t errlen);
/* Write sf to path: a temporary file beside it (mode 0600), fsync, rename
 * over path, fsync the directory. After a crash path holds the old
 * contents or the new, whole. 0, or -1 with err. */
int fp_seqfile_save(const struct fp_seqfile *sf, const char *path, char *err, size_t errlen);
/* The entry of crypto map MAP SEQ, or NULL. */
struct fp_seqfile_entry *fp_seqfile_find(struct fp_seqfile *sf, const char *map, unsigned map_seq);

#endif
