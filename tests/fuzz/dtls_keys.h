/* Fixed DTLS record keys for the fuzz targets: real transforms, known
 * bytes, so a target can seal what the engine must open. */
#ifndef FP_FUZZ_DTLS_KEYS_H
#define FP_FUZZ_DTLS_KEYS_H

#include <string.h>

#include "crypto/tls_keys.h"

static void fuzz_dtls_keys(struct fp_tls_keys *k, enum fp_cipher c, enum fp_integ i)
{
	memset(k, 0, sizeof(*k));
	k->tk_rx.tk_cipher = k->tk_tx.tk_cipher = c;
	k->tk_rx.tk_integ = k->tk_tx.tk_integ = i;
	k->tk_rx.tk_key_len = k->tk_tx.tk_key_len = fp_cipher_info(c)->key_len;
	k->tk_rx.tk_mac_len = k->tk_tx.tk_mac_len = fp_integ_info(i)->key_len;
	memset(k->tk_rx.tk_key, 0x11, FP_TLS_KEY_MAX);
	memset(k->tk_rx.tk_salt, 0x22, FP_TLS_SALT_LEN);
	memset(k->tk_rx.tk_mac, 0x33, FP_TLS_MAC_MAX);
}

#endif
