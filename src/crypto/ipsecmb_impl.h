/* What ipsecmb.c (managers, AEAD) and ipsecmb_etm.c (CBC+HMAC jobs) share.
 * Only included under HAVE_IPSEC_MB. */
#ifndef FP_IPSECMB_IMPL_H
#define FP_IPSECMB_IMPL_H

#include <intel-ipsec-mb.h>

#include "crypto/crypto_impl.h"

/* Jobs in flight per submit round; the ring holds IMB_MAX_JOBS (256), and
 * each round is drained before the next so tag scratch can be reused. */
#define FP_IMB_ROUND 64u

/* The two kinds of manager: init_mb_mgr_auto() (AEAD direct API, most
 * CBC+HMAC) and init_mb_mgr_sse() (CBC+HMAC-SHA-1/256 with the SHA
 * extensions where there is no AVX-512: imb_pick_sse_sha() in ipsecmb.c). */
enum { FP_IMB_AUTO = 0, FP_IMB_SSE = 1 };

struct fp_imb_thread {
	IMB_MGR *it_mgr[2];       /* [FP_IMB_AUTO], [FP_IMB_SSE] */
	alignas(64) struct gcm_context_data it_gctx;
	struct chacha20_poly1305_context_data it_cctx;
	/* Nonces of a round, built before the first call: ipsec-mb reads the
	 * nonce with a masked load, which cannot take the value from a store
	 * still in flight, so a nonce built right before its call stalls it. */
	alignas(16) uint8_t it_nonce[FP_IMB_ROUND][16];
	/* Computed ICVs of a decrypt round, compared with the received ones. */
	alignas(16) uint8_t it_tag[FP_IMB_ROUND][FP_CRYPTO_TAG_MAX];
};

/* CBC + HMAC keys in the job API's form. */
struct imb_etm {
	alignas(16) uint8_t e_enc[16 * 15];    /* AES round keys, up to AES-256 */
	alignas(16) uint8_t e_dec[16 * 15];
	alignas(16) uint8_t e_ipad[64];        /* hash state after key ^ ipad */
	alignas(16) uint8_t e_opad[64];
	IMB_CIPHER_MODE e_cipher;              /* CBC, or NULL for esp-null */
	IMB_HASH_ALG e_hash;
	uint64_t e_key_len;
	uint8_t e_mgr;                         /* FP_IMB_AUTO or FP_IMB_SSE */
};

struct imb_sa {
	union {
		struct {
			/* The header aligns it only when LINUX is defined. */
			alignas(64) struct gcm_key_data key;
		} s_gcm;
		struct {
			uint8_t key[32];
		} s_chapoly;
		struct imb_etm s_etm;
	};
};

static inline const struct imb_sa *imb_sa(const struct fp_crypto_sa *sa)
{
	return (const struct imb_sa *)sa->sa_be;
}

static inline struct imb_sa *imb_sa_mut(struct fp_crypto_sa *sa)
{
	return (struct imb_sa *)sa->sa_be;
}


/* ipsecmb_etm.c */
fp_crypto_burst_fn fp_imb_etm_encrypt;
fp_crypto_burst_fn fp_imb_etm_decrypt;

#endif
