/* Record keys of a TLS 1.2 / DTLS 1.2 session, for the offload engine: the
 * key block (RFC 5246 §6.3) computed with OpenSSL's "TLS1-PRF" KDF from
 * the master secret and the two randoms, cut per suite into the two
 * directions. The engine takes struct fp_tls_keys; only the slow path,
 * which holds the SSL object, calls fp_tls_keys_from_ssl (libssl stays out
 * of the engine: this header names SSL by its struct tag only). */
#ifndef FP_TLS_KEYS_H
#define FP_TLS_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define FP_TLS_KEY_MAX 32u
#define FP_TLS_MAC_MAX 48u
#define FP_TLS_SALT_LEN 4u  /* RFC 5288 §3: the implicit part of the GCM nonce */
#define FP_TLS_RANDOM_LEN 32u

/* One direction. AEAD (AES-GCM): key + salt, integ FP_INTEG_NONE.
 * CBC: key + MAC key; integ names the HMAC hash (SHA1_96 = HMAC-SHA1 and
 * so on: TLS sends the whole MAC, mac_len bytes). */
struct fp_tls_dir_key {
	enum fp_cipher tk_cipher;
	enum fp_integ tk_integ;
	uint8_t tk_key[FP_TLS_KEY_MAX];
	uint8_t tk_key_len;
	uint8_t tk_salt[FP_TLS_SALT_LEN];
	uint8_t tk_mac[FP_TLS_MAC_MAX];
	uint8_t tk_mac_len;
};

struct fp_tls_keys {
	struct fp_tls_dir_key tk_rx;   /* what the peer writes: we decrypt with it */
	struct fp_tls_dir_key tk_tx;   /* what we write */
	uint16_t tk_suite;             /* IANA cipher suite id, 0x009d ... */
};

/* The suite's transforms from its cipher and MAC; -1 for a suite the
 * engine does not take (ChaCha20, 3DES, CCM...). */
int fp_tls_suite_transforms(int cipher_nid, int mac_nid, enum fp_cipher *c, enum fp_integ *i);

/* key block = PRF(master, "key expansion", server_random || client_random)
 * with prf_md (SHA-256, or the suite's SHA-384). 0 or -1. */
int fp_tls_key_block(const char *prf_md, const uint8_t *master, size_t master_len,
		     const uint8_t client_random[FP_TLS_RANDOM_LEN],
		     const uint8_t server_random[FP_TLS_RANDOM_LEN], uint8_t *out, size_t len);

/* Cut a key block into the two directions (mac keys, keys, IVs: RFC 5246
 * §6.3 order) for cipher c / integ i; server picks which is ours. */
int fp_tls_keys_split(const uint8_t *block, size_t len, enum fp_cipher c, enum fp_integ i,
		      bool server, struct fp_tls_keys *k);
/* Bytes of key block the pair needs. */
size_t fp_tls_key_block_len(enum fp_cipher c, enum fp_integ i);

/* After a completed DTLS 1.2 handshake (or a rehandshake): the keys of the
 * SSL object's current epoch, ours and the peer's by SSL_is_server. Refuses
 * (-1, *err) anything but DTLS 1.2, a suite the engine does not take, and a
 * CBC suite unless SSL_OP_NO_ENCRYPT_THEN_MAC is set (RFC 7366 changes the
 * record layout, and libssl does not say whether it was negotiated). The
 * caller cleanses k when done. */
struct ssl_st;
int fp_tls_keys_from_ssl(struct ssl_st *ssl, struct fp_tls_keys *k, const char **err);

void fp_tls_keys_cleanse(struct fp_tls_keys *k);

#endif
