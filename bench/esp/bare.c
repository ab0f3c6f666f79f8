/* Bare intel-ipsec-mb calls, the ceiling the engine is measured against:
 * what any ESP implementation on this CPU must at least spend. */
#include "bare.h"

#include <stdlib.h>
#include <string.h>

#ifdef HAVE_IPSEC_MB
#include <intel-ipsec-mb.h>

struct bare {
	IMB_MGR *m;
	enum fp_cipher cipher;
	enum fp_integ integ;
	struct gcm_key_data gk __attribute__((aligned(64)));
	struct gcm_context_data gctx;
	uint8_t enc[16 * 15] __attribute__((aligned(16)));
	uint8_t dec[16 * 15] __attribute__((aligned(16)));
	uint8_t ipad[64], opad[64];
	uint8_t iv[16], aad[12], tag[32];
	unsigned icv_len;
};

const char *bare_name(void)
{
	return "intel-ipsec-mb " IMB_VERSION_STR;
}

static void bare_hmac_pads(struct bare *b, const struct fp_crypto_key *k)
{
	uint8_t blk[2][64];
	memset(blk[0], 0x36, 64);
	memset(blk[1], 0x5c, 64);
	for (unsigned j = 0; j < k->akey_len; j++) {
		blk[0][j] ^= k->akey[j];
		blk[1][j] ^= k->akey[j];
	}
	IMB_SHA256_ONE_BLOCK(b->m, blk[0], b->ipad);
	IMB_SHA256_ONE_BLOCK(b->m, blk[1], b->opad);
}

struct bare *bare_new(const struct fp_crypto_key *k)
{
	bool gcm = k->cipher == FP_CIPHER_AES_GCM_128 || k->cipher == FP_CIPHER_AES_GCM_256;
	bool cbc = k->cipher == FP_CIPHER_AES_CBC_256 && k->integ == FP_INTEG_HMAC_SHA256_128;
	struct bare *b;
	if ((!gcm && !cbc) || !(b = aligned_alloc(64, sizeof(*b))))
		return NULL;
	memset(b, 0, sizeof(*b));
	b->m = alloc_mb_mgr(0);
	if (!b->m) {
		free(b);
		return NULL;
	}
	/* The fastest manager: auto (AVX-512 where present) for GCM and for
	 * HMAC on AVX-512 CPUs; without AVX-512 the SSE manager, the only one
	 * using the SHA extensions (the same choice src/crypto makes). */
	IMB_ARCH arch;
	init_mb_mgr_auto(b->m, &arch);
	if (!gcm && arch != IMB_ARCH_AVX512)
		init_mb_mgr_sse(b->m);
	b->cipher = k->cipher;
	b->integ = k->integ;
	b->icv_len = 16;
	if (k->cipher == FP_CIPHER_AES_GCM_128)
		IMB_AES128_GCM_PRE(b->m, k->ckey, &b->gk);
	else if (k->cipher == FP_CIPHER_AES_GCM_256)
		IMB_AES256_GCM_PRE(b->m, k->ckey, &b->gk);
	else {
		IMB_AES_KEYEXP_256(b->m, k->ckey, b->enc, b->dec);
		bare_hmac_pads(b, k);
	}
	return b;
}

void bare_free(struct bare *b)
{
	if (!b)
		return;
	free_mb_mgr(b->m);
	free(b);
}

static void bare_gcm(struct bare *b, uint8_t *p, uint32_t len, bool enc)
{
	uint8_t *tag = enc ? p + len : b->tag;
	if (b->cipher == FP_CIPHER_AES_GCM_128 && enc)
		IMB_AES128_GCM_ENC(b->m, &b->gk, &b->gctx, p, p, len, b->iv, b->aad, 8, tag, 16);
	else if (b->cipher == FP_CIPHER_AES_GCM_128)
		IMB_AES128_GCM_DEC(b->m, &b->gk, &b->gctx, p, p, len, b->iv, b->aad, 8, tag, 16);
	else if (enc)
		IMB_AES256_GCM_ENC(b->m, &b->gk, &b->gctx, p, p, len, b->iv, b->aad, 8, tag, 16);
	else
		IMB_AES256_GCM_DEC(b->m, &b->gk, &b->gctx, p, p, len, b->iv, b->aad, 8, tag, 16);
	if (!enc)
		b->tag[0] ^= (uint8_t)(fp_crypto_memcmp(b->tag, p + len, 16) != 0);
}

/* p - 24 is the ESP header and IV: the HMAC covers them, as in ESP. */
static void bare_cbc_job(struct bare *b, uint8_t *p, uint32_t len, bool enc)
{
	IMB_JOB *job = IMB_GET_NEXT_JOB(b->m);
	job->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->cipher_mode = IMB_CIPHER_CBC;
	job->enc_keys = b->enc;
	job->dec_keys = b->dec;
	job->key_len_in_bytes = 32;
	job->src = p - 24;
	job->dst = p;
	job->cipher_start_src_offset_in_bytes = 24;
	job->msg_len_to_cipher_in_bytes = len;
	job->iv = p - 16;
	job->iv_len_in_bytes = 16;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = 24 + len;
	job->hash_alg = IMB_AUTH_HMAC_SHA_256;
	job->auth_tag_output = enc ? p + len : b->tag;
	job->auth_tag_output_len_in_bytes = 16;
	job->u.HMAC._hashed_auth_key_xor_ipad = b->ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = b->opad;
	for (job = IMB_SUBMIT_JOB(b->m); job; job = IMB_GET_COMPLETED_JOB(b->m))
		;
}

static void bare_run(struct bare *b, uint8_t **buf, const uint32_t *len, unsigned n, bool enc)
{
	bool gcm = b->cipher != FP_CIPHER_AES_CBC_256;
	for (unsigned i = 0; i < n; i++) {
		if (gcm)
			bare_gcm(b, buf[i], len[i], enc);
		else
			bare_cbc_job(b, buf[i], len[i], enc);
	}
	if (!gcm)
		while (IMB_FLUSH_JOB(b->m) != NULL) /* never IMB_FLUSH_BURST in 1.3 */
			;
}

void bare_encrypt(struct bare *b, uint8_t **buf, const uint32_t *len, unsigned n)
{
	bare_run(b, buf, len, n, true);
}

void bare_decrypt(struct bare *b, uint8_t **buf, const uint32_t *len, unsigned n)
{
	bare_run(b, buf, len, n, false);
}

#else

const char *bare_name(void)
{
	return "none (built without intel-ipsec-mb)";
}

struct bare *bare_new(const struct fp_crypto_key *k)
{
	(void)k;
	return NULL;
}

void bare_free(struct bare *b)
{
	(void)b;
}

void bare_encrypt(struct bare *b, uint8_t **buf, const uint32_t *len, unsigned n)
{
	(void)b, (void)buf, (void)len, (void)n;
}

void bare_decrypt(struct bare *b, uint8_t **buf, const uint32_t *len, unsigned n)
{
	(void)b, (void)buf, (void)len, (void)n;
}

#endif
