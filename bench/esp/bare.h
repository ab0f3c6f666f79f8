/* The bare-crypto baseline of bench/esp: intel-ipsec-mb called directly on
 * the same buffers the engine uses (direct GCM API with a precomputed key;
 * the SSE manager's jobs for CBC+HMAC), so the ratio printed is the share
 * of the machine's crypto ceiling the engine reaches. */
#ifndef FP_BENCH_BARE_H
#define FP_BENCH_BARE_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/crypto.h"

struct bare;

/* NULL when ipsec-mb is not built in or the transform is not one it does. */
struct bare *bare_new(const struct fp_crypto_key *k);
void bare_free(struct bare *b);
/* Encrypt (or verify and decrypt) n regions in place, as one burst. */
void bare_encrypt(struct bare *b, uint8_t **buf, const uint32_t *len, unsigned n);
void bare_decrypt(struct bare *b, uint8_t **buf, const uint32_t *len, unsigned n);
const char *bare_name(void);

#endif
