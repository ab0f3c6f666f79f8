/* Key ids: what the slow path may write down about a key (the sequence
 * state file) to know it again, without writing the key. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/crypto.h"

#define KEY_ID_LABEL "fpvpn key id v1"

void fp_crypto_key_id(const struct fp_crypto_key *k, uint8_t id[FP_CRYPTO_KEY_ID_LEN])
{
	uint8_t key[sizeof(k->ckey) + sizeof(k->akey)];
	uint8_t msg[sizeof(KEY_ID_LABEL) + 2];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;
	size_t key_len = (size_t)k->ckey_len + k->akey_len;

	/* both keys and the transform: a new authenticator is a new key too */
	memcpy(key, k->ckey, k->ckey_len);
	memcpy(key + k->ckey_len, k->akey, k->akey_len);
	memcpy(msg, KEY_ID_LABEL, sizeof(KEY_ID_LABEL));
	msg[sizeof(KEY_ID_LABEL)] = (uint8_t)k->cipher;
	msg[sizeof(KEY_ID_LABEL) + 1] = (uint8_t)k->integ;
	if (!HMAC(EVP_sha256(), key, (int)key_len, msg, sizeof(msg), md, &md_len))
		memset(md, 0, sizeof(md)); /* matches nothing saved: a fresh start */
	memcpy(id, md, FP_CRYPTO_KEY_ID_LEN);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(md, sizeof(md));
}
