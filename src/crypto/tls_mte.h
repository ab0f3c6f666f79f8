/* TLS 1.2 / DTLS 1.2 block-cipher record protection (RFC 5246 §6.2.3.2):
 * MAC-then-encrypt with AES-CBC and HMAC-SHA1/256/384 at full length, an
 * explicit 16-byte IV per record. The AEAD suites need none of this (they
 * go through crypto.h's burst calls); only the CBC suites openconnect still
 * offers do.
 *
 * Layout both calls work on, in place:
 *     [16 bytes: IV] [content] [MAC] [padding, each byte = pad length] [pad length]
 * The 13 bytes right before the content are scratch while the MAC is
 * computed: the MAC's pseudo-header (seq_num, type, version, length) is put
 * there so the HMAC runs over one contiguous region. They are part of the
 * IV field, which seal writes after the MAC and open has used already.
 *
 * One struct fp_mte is one direction's keys, used by one thread at a time
 * (the pipe that owns the rule). Slow path: new/free; per record: seal/open. */
#ifndef FP_TLS_MTE_H
#define FP_TLS_MTE_H

#include <stdint.h>

#include "crypto/crypto.h"

#define FP_MTE_IV_LEN 16u
#define FP_MTE_BLOCK 16u
#define FP_MTE_MAC_MAX 48u  /* HMAC-SHA-384 */
#define FP_MTE_PSEUDO_LEN 13u

struct fp_mte;

/* cipher: FP_CIPHER_AES_CBC_128/256; integ: FP_INTEG_HMAC_SHA1_96 /
 * SHA256_128 / SHA384_192 name the hash only: TLS sends the whole MAC.
 * key and mac_key lengths follow the tables (16/32; 20/32/48). */
struct fp_mte *fp_mte_new(enum fp_cipher c, enum fp_integ i, const uint8_t *key,
			  const uint8_t *mac_key, const char **err);
void fp_mte_free(struct fp_mte *m);
unsigned fp_mte_mac_len(const struct fp_mte *m);
/* Record bytes (IV .. pad length) for content_len bytes of content. */
uint32_t fp_mte_record_len(const struct fp_mte *m, uint32_t content_len);

/* seq_type_ver: the 11 bytes epoch||seq(8), type, version(2). content is
 * preceded by 16 writable bytes (the IV field) and followed by room for
 * MAC and padding (fp_mte_record_len - 16 - content_len). iv: the 16
 * random bytes to send. Returns FP_CRYPTO_OK or FP_CRYPTO_EFAIL. */
int fp_mte_seal(const struct fp_mte *m, const uint8_t seq_type_ver[11], const uint8_t iv[16],
		uint8_t *content, uint32_t content_len);

/* ct: the record's cipher text (after the IV at ct - 16), ct_len bytes.
 * Decrypts in place, checks padding and MAC with no branch on the padding
 * and the same amount of hashing for every padding of one record length
 * (Lucky 13: AlFardan and Paterson, 2013; see the .c for what is left).
 * Bad padding and bad MAC are one outcome, FP_CRYPTO_EAUTH (RFC 5246:
 * bad_record_mac for both). FP_CRYPTO_EINVAL when ct_len is not a whole
 * number of blocks or too short for a MAC. *content_len on success. */
int fp_mte_open(const struct fp_mte *m, const uint8_t seq_type_ver[11], uint8_t *ct,
		uint32_t ct_len, uint32_t *content_len);

#endif
