/* The sequence state file: how far each manual key's sequence numbers
 * went, so a restarted fpvpnd goes on from there instead of from 1 (an
 * AEAD's nonce is the sequence number: starting over under a key used
 * before reuses nonces, and the peer drops everything as replay).
 * Written by fpvpnd only:
 *
 *   version 2
 *   out KEY-ID LAST
 *   in SPI KEY-ID TOP
 *   out 5d1f...(32 hex digits) 4194304
 *   in 0x00002001 9c0e... 1533
 *
 * out: keyed by the key alone (KEY-ID is fp_crypto_key_id(), never the
 * key), whatever crypto map, entry or SPI uses it: a renamed map, a
 * renumbered entry, a new SPI or a key that comes back (K1, K2, K1 again)
 * goes on above LAST. No number above LAST was sent under the key (the
 * end of the block reserved before its numbers were used, or the exact
 * last one after a clean exit).
 * in: keyed by SPI and key, what a packet is authenticated under (the SPI
 * is in the ICV's or the AEAD's associated data, RFC 4303 §3.3.4, RFC 4106
 * §5): TOP is the highest number received, and a packet at or below it is
 * a replay. The crypto map name and entry are not in the packet, so they
 * are not in the key either: renaming a map does not open the window again.
 * Lines of each kind are in order of last use, most recent first; at most
 * FP_SEQFILE_KEYS of each are kept, and the least recently used falls out
 * (seqkeep.c logs it). Lines starting with '#' are comments. */
#ifndef FP_SEQFILE_H
#define FP_SEQFILE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define FP_SEQFILE_VERSION 2u
/* Records of each kind kept: every tunnel's, then the keys no tunnel uses
 * now, most recently used first. A key that falls out and comes back
 * starts from 1 again: change keys rather than cycle through 1024. */
#define FP_SEQFILE_KEYS 1024u

struct fp_seqfile_rec {
	uint32_t sr_spi;              /* in only (out: 0) */
	uint8_t sr_key_id[FP_CRYPTO_KEY_ID_LEN];
	uint64_t sr_seq;              /* out: the last that may have been sent; in: the top received */
};

struct fp_seqfile {
	struct fp_seqfile_rec sf_out[FP_SEQFILE_KEYS], sf_in[FP_SEQFILE_KEYS];
	unsigned sf_n_out, sf_n_in;
};

/* Read path into sf. A missing file is an empty one (a first start): 0.
 * Anything else that cannot be read, a file without "version 2" before
 * its first record (an older fpvpnd's: refused, see the message), or a
 * line that is not exactly as fp_seqfile_save writes it: -1 with
 * "PATH:LINE: what" in err. */
int fp_seqfile_load(struct fp_seqfile *sf, const char *path, char *err, size_t errlen);
/* Write sf to path whole (common/atomicfile.h; a failed fsync of the
 * directory is an error too). After a crash path holds the old contents
 * or the new. 0, or -1 with err. */
int fp_seqfile_save(const struct fp_seqfile *sf, const char *path, char *err, size_t errlen);
/* The outbound record of key id, the inbound one of SPI and key id: NULL
 * when there is none. */
struct fp_seqfile_rec *fp_seqfile_find_out(struct fp_seqfile *sf, const uint8_t *key_id);
struct fp_seqfile_rec *fp_seqfile_find_in(struct fp_seqfile *sf, uint32_t spi, const uint8_t *key_id);

#endif
