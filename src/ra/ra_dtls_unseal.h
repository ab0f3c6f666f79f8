/* A DTLS rehandshake on a channel whose rule the engine holds: libssl runs
 * it under the current keys but numbers its records from where it stopped
 * when the rule was taken, far below what the client has seen since (its
 * replay window would drop them). So each record libssl writes at the
 * rule's epoch is opened again here, with the same keys, and its content
 * handed to the engine, which protects it under the rule's next sequence
 * number (FP_PKT_F_DTLS_HS). */
#ifndef FP_RA_DTLS_UNSEAL_H
#define FP_RA_DTLS_UNSEAL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/tls_keys.h"

/* One whole record (header included) protected under k, AES-GCM or
 * AES-CBC with HMAC (MAC then encrypt): its content into out (cap bytes),
 * its length returned; -1 when it does not open. */
int fp_ra_dtls_unseal(const struct fp_tls_dir_key *k, const uint8_t *rec, size_t len,
		      uint8_t *out, size_t cap);

#endif
