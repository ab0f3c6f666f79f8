/* HMAC (RFC 2104) for the OpenSSL backend, with the keyed inner and outer
 * hash states computed once per SA: a packet costs two struct copies and
 * the hashing, with no allocation.
 *
 * Why libcrypto's low-level SHA*_CTX (deprecated since OpenSSL 3.0) and not
 * EVP: in OpenSSL 3.0 every per-packet re-key goes through
 * EVP_MD_CTX_copy_ex(), which frees and mallocs the provider context
 * (dupctx); EVP_MAC_init() and HMAC_Init_ex() do the same underneath. The
 * plain SHA contexts are structs that copy by assignment. Measured (one
 * core, median): HMAC-SHA-256 of an 88-byte region 222 ns this way, 366 ns
 * with EVP_MD_CTX_copy_ex of pre-keyed contexts (1444 bytes: 1299 / 1400);
 * shared notes/crypto-limit.md has 1.6x over EVP_MAC for a whole 64-byte
 * CBC+HMAC packet. The hashing itself is the same libcrypto code either way. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "crypto/crypto_impl.h"

typedef void hmac_fn(const struct fp_hmac *h, const uint8_t *msg, size_t len, uint8_t *md);

union hmac_state {
	SHA_CTX s1;
	SHA256_CTX s256;
	SHA512_CTX s512;   /* SHA-384 too */
};

struct fp_hmac {
	hmac_fn *h_fn;
	union hmac_state h_in;    /* after (key ^ ipad) */
	union hmac_state h_out;   /* after (key ^ opad) */
};

size_t fp_hmac_size(void)
{
	return sizeof(struct fp_hmac);
}

static void hmac_sha1(const struct fp_hmac *h, const uint8_t *msg, size_t len, uint8_t *md)
{
	SHA_CTX c = h->h_in.s1;

	SHA1_Update(&c, msg, len);
	SHA1_Final(md, &c);
	c = h->h_out.s1;
	SHA1_Update(&c, md, SHA_DIGEST_LENGTH);
	SHA1_Final(md, &c);
}

static void hmac_sha256(const struct fp_hmac *h, const uint8_t *msg, size_t len, uint8_t *md)
{
	SHA256_CTX c = h->h_in.s256;

	SHA256_Update(&c, msg, len);
	SHA256_Final(md, &c);
	c = h->h_out.s256;
	SHA256_Update(&c, md, SHA256_DIGEST_LENGTH);
	SHA256_Final(md, &c);
}

static void hmac_sha384(const struct fp_hmac *h, const uint8_t *msg, size_t len, uint8_t *md)
{
	SHA512_CTX c = h->h_in.s512;

	SHA384_Update(&c, msg, len);
	SHA384_Final(md, &c);
	c = h->h_out.s512;
	SHA384_Update(&c, md, SHA384_DIGEST_LENGTH);
	SHA384_Final(md, &c);
}

static void hmac_sha512(const struct fp_hmac *h, const uint8_t *msg, size_t len, uint8_t *md)
{
	SHA512_CTX c = h->h_in.s512;

	SHA512_Update(&c, msg, len);
	SHA512_Final(md, &c);
	c = h->h_out.s512;
	SHA512_Update(&c, md, SHA512_DIGEST_LENGTH);
	SHA512_Final(md, &c);
}

/* One block of key ^ pad; keys are never longer than the block here
 * (the tables allow 20..64 bytes, blocks are 64 or 128). */
static void hmac_pad(uint8_t *blk, unsigned bs, const uint8_t *key, unsigned klen, uint8_t pad)
{
	memset(blk, pad, bs);
	for (unsigned i = 0; i < klen; i++)
		blk[i] ^= key[i];
}

static int hmac_init_sha1(struct fp_hmac *h, const uint8_t *ipad, const uint8_t *opad)
{
	h->h_fn = hmac_sha1;
	return SHA1_Init(&h->h_in.s1) && SHA1_Update(&h->h_in.s1, ipad, SHA_CBLOCK) &&
	       SHA1_Init(&h->h_out.s1) && SHA1_Update(&h->h_out.s1, opad, SHA_CBLOCK);
}

static int hmac_init_sha256(struct fp_hmac *h, const uint8_t *ipad, const uint8_t *opad)
{
	h->h_fn = hmac_sha256;
	return SHA256_Init(&h->h_in.s256) && SHA256_Update(&h->h_in.s256, ipad, SHA256_CBLOCK) &&
	       SHA256_Init(&h->h_out.s256) && SHA256_Update(&h->h_out.s256, opad, SHA256_CBLOCK);
}

static int hmac_init_sha384(struct fp_hmac *h, const uint8_t *ipad, const uint8_t *opad)
{
	h->h_fn = hmac_sha384;
	return SHA384_Init(&h->h_in.s512) && SHA384_Update(&h->h_in.s512, ipad, SHA512_CBLOCK) &&
	       SHA384_Init(&h->h_out.s512) && SHA384_Update(&h->h_out.s512, opad, SHA512_CBLOCK);
}

static int hmac_init_sha512(struct fp_hmac *h, const uint8_t *ipad, const uint8_t *opad)
{
	h->h_fn = hmac_sha512;
	return SHA512_Init(&h->h_in.s512) && SHA512_Update(&h->h_in.s512, ipad, SHA512_CBLOCK) &&
	       SHA512_Init(&h->h_out.s512) && SHA512_Update(&h->h_out.s512, opad, SHA512_CBLOCK);
}

int fp_hmac_init(struct fp_hmac *h, enum fp_integ i, const uint8_t *key, unsigned key_len)
{
	unsigned bs = i == FP_INTEG_HMAC_SHA384_192 || i == FP_INTEG_HMAC_SHA512_256 ?
		      SHA512_CBLOCK : SHA256_CBLOCK;
	uint8_t ipad[SHA512_CBLOCK], opad[SHA512_CBLOCK];
	int ok = 0;

	if (key_len > bs)
		return -1;
	hmac_pad(ipad, bs, key, key_len, 0x36);
	hmac_pad(opad, bs, key, key_len, 0x5c);
	switch (i) {
	case FP_INTEG_HMAC_SHA1_96:
		ok = hmac_init_sha1(h, ipad, opad);
		break;
	case FP_INTEG_HMAC_SHA256_128:
		ok = hmac_init_sha256(h, ipad, opad);
		break;
	case FP_INTEG_HMAC_SHA384_192:
		ok = hmac_init_sha384(h, ipad, opad);
		break;
	case FP_INTEG_HMAC_SHA512_256:
		ok = hmac_init_sha512(h, ipad, opad);
		break;
	default:
		break;
	}
	OPENSSL_cleanse(ipad, sizeof(ipad));
	OPENSSL_cleanse(opad, sizeof(opad));
	return ok ? 0 : -1;
}

void fp_hmac(const struct fp_hmac *h, const uint8_t *msg, size_t len, uint8_t *md)
{
	h->h_fn(h, msg, len, md);
}
