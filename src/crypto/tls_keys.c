/* TLS 1.2 key expansion for the DTLS offload (tls_keys.h). */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/ssl.h>

#include "crypto/tls_keys.h"

int fp_tls_suite_transforms(int cipher_nid, int mac_nid, enum fp_cipher *c, enum fp_integ *i)
{
	switch (cipher_nid) {
	case NID_aes_128_gcm: *c = FP_CIPHER_AES_GCM_128; break;
	case NID_aes_256_gcm: *c = FP_CIPHER_AES_GCM_256; break;
	case NID_aes_128_cbc: *c = FP_CIPHER_AES_CBC_128; break;
	case NID_aes_256_cbc: *c = FP_CIPHER_AES_CBC_256; break;
	default: return -1;
	}
	if (fp_cipher_info(*c)->aead) {
		*i = FP_INTEG_NONE;
		return 0;
	}
	switch (mac_nid) {
	case NID_sha1: *i = FP_INTEG_HMAC_SHA1_96; return 0;
	case NID_sha256: *i = FP_INTEG_HMAC_SHA256_128; return 0;
	case NID_sha384: *i = FP_INTEG_HMAC_SHA384_192; return 0;
	default: return -1;
	}
}

/* RFC 5288 §3 / RFC 5246 §6.3: GCM has a 4-byte fixed IV; CBC in TLS 1.1+
 * carries its IV in each record, and the block's IV bytes go unused. */
static unsigned keys_salt_len(enum fp_cipher c)
{
	return fp_cipher_info(c)->aead ? FP_TLS_SALT_LEN : 0;
}

size_t fp_tls_key_block_len(enum fp_cipher c, enum fp_integ i)
{
	return 2u * (fp_integ_info(i)->key_len + fp_cipher_info(c)->key_len + keys_salt_len(c));
}

int fp_tls_key_block(const char *prf_md, const uint8_t *master, size_t master_len,
		     const uint8_t client_random[FP_TLS_RANDOM_LEN],
		     const uint8_t server_random[FP_TLS_RANDOM_LEN], uint8_t *out, size_t len)
{
	static const char label[] = "key expansion";
	uint8_t seed[sizeof(label) - 1 + 2 * FP_TLS_RANDOM_LEN];
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	EVP_KDF_CTX *x = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[4];
	int rc = -1;

	memcpy(seed, label, sizeof(label) - 1);
	memcpy(seed + sizeof(label) - 1, server_random, FP_TLS_RANDOM_LEN);
	memcpy(seed + sizeof(label) - 1 + FP_TLS_RANDOM_LEN, client_random, FP_TLS_RANDOM_LEN);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)prf_md, 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)master, master_len);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof(seed));
	p[3] = OSSL_PARAM_construct_end();
	if (x && EVP_KDF_derive(x, out, len, p) == 1)
		rc = 0;
	EVP_KDF_CTX_free(x);
	EVP_KDF_free(kdf);
	return rc;
}

static void keys_dir(struct fp_tls_dir_key *d, enum fp_cipher c, enum fp_integ i,
		     const uint8_t *mac, const uint8_t *key, const uint8_t *salt)
{
	memset(d, 0, sizeof(*d));
	d->tk_cipher = c;
	d->tk_integ = i;
	d->tk_mac_len = fp_integ_info(i)->key_len;
	d->tk_key_len = fp_cipher_info(c)->key_len;
	memcpy(d->tk_mac, mac, d->tk_mac_len);
	memcpy(d->tk_key, key, d->tk_key_len);
	memcpy(d->tk_salt, salt, keys_salt_len(c));
}

int fp_tls_keys_split(const uint8_t *block, size_t len, enum fp_cipher c, enum fp_integ i,
		      bool server, struct fp_tls_keys *k)
{
	size_t mac = fp_integ_info(i)->key_len, key = fp_cipher_info(c)->key_len;
	size_t salt = keys_salt_len(c);

	if (len < fp_tls_key_block_len(c, i))
		return -1;
	/* client MAC, server MAC, client key, server key, client IV, server IV */
	const uint8_t *cm = block, *sm = cm + mac, *ck = sm + mac, *sk = ck + key;
	const uint8_t *ci = sk + key, *si = ci + salt;
	keys_dir(server ? &k->tk_rx : &k->tk_tx, c, i, cm, ck, ci);
	keys_dir(server ? &k->tk_tx : &k->tk_rx, c, i, sm, sk, si);
	return 0;
}

/* The suite, checked against what the engine takes. */
static int keys_suite(SSL *ssl, enum fp_cipher *c, enum fp_integ *i, const char **prf,
		      const char **err)
{
	const SSL_CIPHER *sc = SSL_get_current_cipher(ssl);
	const EVP_MD *md = sc ? SSL_CIPHER_get_handshake_digest(sc) : NULL;

	if (SSL_version(ssl) != DTLS1_2_VERSION) {
		*err = "not DTLS 1.2: served in software";
		return -1;
	}
	if (!sc || !md || fp_tls_suite_transforms(SSL_CIPHER_get_cipher_nid(sc),
						  SSL_CIPHER_get_digest_nid(sc), c, i) < 0) {
		*err = "cipher suite not offloaded";
		return -1;
	}
	if (!fp_cipher_info(*c)->aead && !(SSL_get_options(ssl) & SSL_OP_NO_ENCRYPT_THEN_MAC)) {
		*err = "CBC suite without SSL_OP_NO_ENCRYPT_THEN_MAC: encrypt-then-MAC may be on";
		return -1;
	}
	/* suites older than TLS 1.2 report their TLS 1.0 handshake hash,
	 * MD5+SHA1; TLS 1.2 runs their PRF on SHA-256 (RFC 5246 §5) */
	*prf = EVP_MD_get_type(md) == NID_md5_sha1 ? "SHA256" : EVP_MD_get0_name(md);
	return 0;
}

int fp_tls_keys_from_ssl(struct ssl_st *ssl, struct fp_tls_keys *k, const char **err)
{
	uint8_t master[SSL_MAX_MASTER_KEY_LENGTH], crand[FP_TLS_RANDOM_LEN];
	uint8_t srand[FP_TLS_RANDOM_LEN], block[2 * (FP_TLS_MAC_MAX + FP_TLS_KEY_MAX + 4)];
	SSL_SESSION *s = SSL_get_session(ssl);
	enum fp_cipher c;
	enum fp_integ i;
	const char *prf;
	int rc = -1;

	memset(k, 0, sizeof(*k));
	if (!s || keys_suite(ssl, &c, &i, &prf, err) < 0)
		return *err = s ? *err : "no session", -1;
	size_t mlen = SSL_SESSION_get_master_key(s, master, sizeof(master));
	size_t blen = fp_tls_key_block_len(c, i);
	if (mlen == 0 || SSL_get_client_random(ssl, crand, sizeof(crand)) != sizeof(crand) ||
	    SSL_get_server_random(ssl, srand, sizeof(srand)) != sizeof(srand))
		*err = "master secret or randoms unavailable";
	else if (fp_tls_key_block(prf, master, mlen, crand, srand, block, blen) < 0)
		*err = "TLS1-PRF failed";
	else
		rc = fp_tls_keys_split(block, blen, c, i, SSL_is_server(ssl), k);
	k->tk_suite = (uint16_t)(SSL_CIPHER_get_id(SSL_get_current_cipher(ssl)) & 0xffff);
	fp_crypto_cleanse(master, sizeof(master));
	fp_crypto_cleanse(block, sizeof(block));
	return rc;
}

void fp_tls_keys_cleanse(struct fp_tls_keys *k)
{
	fp_crypto_cleanse(k, sizeof(*k));
}
