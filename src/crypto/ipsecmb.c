/* The intel-ipsec-mb backend (1.3): the per-packet path where it is built in.
 *
 * - AES-GCM and ChaCha20-Poly1305 through the direct API on a manager from
 *   init_mb_mgr_auto(): each call completes the packet, with the GCM key
 *   tables expanded once per SA. This is the fastest path measured here
 *   (shared notes/crypto-limit.md): the job and burst APIs add 20-45 ns.
 * - AES-CBC + HMAC (and esp-null + HMAC) through the job API, on the
 *   manager fp_imb_etm_mgr() picks per SA: see ipsecmb_etm.c.
 *
 * A manager is not thread-safe: each worker has its own pair in its
 * struct fp_crypto_thread. Key expansion at SA install uses a process-wide
 * pair under a mutex. GCM key tables differ between architectures, so the
 * workers' auto manager must pick the same one as the install manager,
 * which fp_imb_thread_new() checks. */
#include "crypto/crypto_impl.h"

#ifdef HAVE_IPSEC_MB

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/ipsecmb_impl.h"

static struct {
	pthread_once_t once;
	pthread_mutex_t lock;       /* the two managers below */
	IMB_MGR *mgr[2];            /* [FP_IMB_AUTO], [FP_IMB_SSE] */
	uint32_t arch;              /* what init_mb_mgr_auto() picked */
	bool sse_sha;               /* SHA-1/256 HMAC jobs go to the SSE manager */
	bool ok;
	char version[96];
} imb = { PTHREAD_ONCE_INIT, PTHREAD_MUTEX_INITIALIZER, { NULL, NULL }, 0, false, false, "" };

static const char *imb_arch_name(uint32_t arch)
{
	switch (arch) {
	case IMB_ARCH_NOAESNI:
		return "no-aesni";
	case IMB_ARCH_SSE:
		return "sse";
	case IMB_ARCH_AVX:
		return "avx";
	case IMB_ARCH_AVX2:
		return "avx2";
	case IMB_ARCH_AVX512:
		return "avx512";
	default:
		return "unknown";
	}
}

/* A manager whose self-test ran and failed must not touch packets. */
static bool imb_mgr_ok(IMB_MGR *m)
{
	if (imb_get_errno(m))
		return false;
	if ((m->features & IMB_FEATURE_SELF_TEST) && !(m->features & IMB_FEATURE_SELF_TEST_PASS))
		return false;
	return true;
}

/* A manager of either kind; want_arch 0 takes what init picks, anything
 * else must match. */
static IMB_MGR *imb_mgr_new(int kind, uint32_t want_arch)
{
	IMB_MGR *m = alloc_mb_mgr(0);
	IMB_ARCH arch;

	if (!m)
		return NULL;
	if (kind == FP_IMB_AUTO)
		init_mb_mgr_auto(m, &arch);
	else
		init_mb_mgr_sse(m);
	if (!imb_mgr_ok(m) || (want_arch && m->used_arch != want_arch)) {
		free_mb_mgr(m);
		return NULL;
	}
	return m;
}

/* Which manager runs HMAC-SHA-1/256 jobs. The SSE manager is the only one
 * using the SHA extensions: where the best other is AVX2 (Zen 3), that is
 * 1.4-1.6x faster (notes/crypto-limit.md). The AVX-512 manager's 16-lane
 * SHA beats it: on a Xeon with AVX-512 and SHA-NI, bursts of 32 AES-256-CBC
 * + HMAC-SHA-256 packets of 1424 bytes took 707 ns a packet on AVX-512 and
 * 1193 ns on SSE. SHA-384/512 have no extensions and the SSE manager runs
 * them on 2 lanes (3.9 us against 0.86 us there): always auto. */
static bool imb_pick_sse_sha(void)
{
	return imb.arch != IMB_ARCH_AVX512 &&
	       (imb.mgr[FP_IMB_SSE]->features & IMB_FEATURE_SHANI);
}

static void imb_init(void)
{
	imb.mgr[FP_IMB_AUTO] = imb_mgr_new(FP_IMB_AUTO, 0);
	imb.mgr[FP_IMB_SSE] = imb_mgr_new(FP_IMB_SSE, 0);
	if (!imb.mgr[FP_IMB_AUTO] || !imb.mgr[FP_IMB_SSE]) {
		fputs("intel-ipsec-mb: manager initialisation failed, using OpenSSL\n", stderr);
		for (int kind = 0; kind < 2; kind++)
			if (imb.mgr[kind])
				free_mb_mgr(imb.mgr[kind]);
		return;
	}
	imb.arch = imb.mgr[FP_IMB_AUTO]->used_arch;
	imb.sse_sha = imb_pick_sse_sha();
	snprintf(imb.version, sizeof(imb.version), "%s (%s%s)", imb_get_version_str(),
		 imb_arch_name(imb.arch), imb.sse_sha ? "; sse with sha-ni for sha1/sha256" : "");
	imb.ok = true;
}

bool fp_crypto_have_ipsec_mb(void)
{
	pthread_once(&imb.once, imb_init);
	return imb.ok;
}

const char *fp_crypto_ipsec_mb_version(void)
{
	return fp_crypto_have_ipsec_mb() ? imb.version : "unavailable";
}

struct fp_imb_thread *fp_imb_thread_new(void)
{
	struct fp_imb_thread *it;
	void *p;

	if (!fp_crypto_have_ipsec_mb())
		return NULL;
	if (posix_memalign(&p, 64, sizeof(*it)))
		return NULL;
	it = memset(p, 0, sizeof(*it));
	it->it_mgr[FP_IMB_AUTO] = imb_mgr_new(FP_IMB_AUTO, imb.arch);
	it->it_mgr[FP_IMB_SSE] = imb_mgr_new(FP_IMB_SSE, 0);
	if (!it->it_mgr[FP_IMB_AUTO] || !it->it_mgr[FP_IMB_SSE]) {
		fp_imb_thread_free(it);
		return NULL;
	}
	return it;
}

void fp_imb_thread_free(struct fp_imb_thread *it)
{
	if (!it)
		return;
	for (int kind = 0; kind < 2; kind++)
		if (it->it_mgr[kind])
			free_mb_mgr(it->it_mgr[kind]);
	fp_crypto_cleanse(it, sizeof(*it));
	free(it);
}

size_t fp_imb_sa_size(void)
{
	return sizeof(struct imb_sa);
}

/* GCM: nonce = salt || IV, tag 16 bytes, everything in place. The two
 * helpers are instantiated per key size so that the manager's function
 * pointer is read once per burst, not per packet. Nonces are built a round
 * ahead (see it_nonce). */
static inline void gcm_nonces(struct fp_imb_thread *it, const struct fp_crypto_sa *sa,
			      const struct fp_crypto_op *ops, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		fp_crypto_nonce(it->it_nonce[i], sa->sa_salt, ops[i].iv);
}

static inline void gcm_seal_round(aes_gcm_enc_dec_t enc, struct fp_imb_thread *it,
				  const struct fp_crypto_sa *sa, struct fp_crypto_op *ops,
				  unsigned n)
{
	const struct gcm_key_data *k = &imb_sa(sa)->s_gcm.key;

	gcm_nonces(it, sa, ops, n);
	for (unsigned i = 0; i < n; i++) {
		struct fp_crypto_op *op = &ops[i];

		enc(k, &it->it_gctx, op->data, op->data, op->data_len, it->it_nonce[i],
		    op->aad, op->aad_len, op->icv, 16);
		op->status = FP_CRYPTO_OK;
	}
}

static inline unsigned gcm_seal_burst(aes_gcm_enc_dec_t enc, struct fp_imb_thread *it,
				      const struct fp_crypto_sa *sa,
				      struct fp_crypto_op *ops, unsigned n)
{
	for (unsigned i = 0; i < n; i += FP_IMB_ROUND)
		gcm_seal_round(enc, it, sa, ops + i, n - i < FP_IMB_ROUND ? n - i : FP_IMB_ROUND);
	return n;
}

/* The direct API decrypts while it computes the tag. On a mismatch the
 * same call over the now-plain text applies the key stream again and gives
 * back the received bytes: a dropped packet leaves as it came. */
static inline unsigned gcm_open_round(aes_gcm_enc_dec_t dec, struct fp_imb_thread *it,
				      const struct fp_crypto_sa *sa,
				      struct fp_crypto_op *ops, unsigned n)
{
	const struct gcm_key_data *k = &imb_sa(sa)->s_gcm.key;
	unsigned good = 0;

	gcm_nonces(it, sa, ops, n);
	for (unsigned i = 0; i < n; i++) {
		struct fp_crypto_op *op = &ops[i];
		uint8_t tag[16];

		dec(k, &it->it_gctx, op->data, op->data, op->data_len, it->it_nonce[i],
		    op->aad, op->aad_len, tag, 16);
		if (fp_crypto_memcmp(tag, op->icv, 16) == 0) {
			op->status = FP_CRYPTO_OK;
			good++;
			continue;
		}
		dec(k, &it->it_gctx, op->data, op->data, op->data_len, it->it_nonce[i],
		    op->aad, op->aad_len, tag, 16);
		op->status = FP_CRYPTO_EAUTH;
	}
	return good;
}

static inline unsigned gcm_open_burst(aes_gcm_enc_dec_t dec, struct fp_imb_thread *it,
				      const struct fp_crypto_sa *sa,
				      struct fp_crypto_op *ops, unsigned n)
{
	unsigned good = 0;

	for (unsigned i = 0; i < n; i += FP_IMB_ROUND)
		good += gcm_open_round(dec, it, sa, ops + i,
				       n - i < FP_IMB_ROUND ? n - i : FP_IMB_ROUND);
	return good;
}

static unsigned imb_gcm128_encrypt(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
				   struct fp_crypto_op *ops, unsigned n)
{
	return gcm_seal_burst(t->t_imb->it_mgr[FP_IMB_AUTO]->gcm128_enc, t->t_imb, sa, ops, n);
}

static unsigned imb_gcm256_encrypt(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
				   struct fp_crypto_op *ops, unsigned n)
{
	return gcm_seal_burst(t->t_imb->it_mgr[FP_IMB_AUTO]->gcm256_enc, t->t_imb, sa, ops, n);
}

static unsigned imb_gcm128_decrypt(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
				   struct fp_crypto_op *ops, unsigned n)
{
	return gcm_open_burst(t->t_imb->it_mgr[FP_IMB_AUTO]->gcm128_dec, t->t_imb, sa, ops, n);
}

static unsigned imb_gcm256_decrypt(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
				   struct fp_crypto_op *ops, unsigned n)
{
	return gcm_open_burst(t->t_imb->it_mgr[FP_IMB_AUTO]->gcm256_dec, t->t_imb, sa, ops, n);
}

/* ChaCha20-Poly1305 (RFC 7634) through the direct init/update/finalize
 * API; the key needs no expansion. */
static inline void chapoly_run(IMB_MGR *m, struct fp_imb_thread *it, const struct fp_crypto_sa *sa,
			       struct fp_crypto_op *op, bool enc, uint8_t *tag)
{
	const uint8_t *key = imb_sa(sa)->s_chapoly.key;
	uint8_t nonce[FP_CRYPTO_NONCE_LEN];

	fp_crypto_nonce(nonce, sa->sa_salt, op->iv);
	IMB_CHACHA20_POLY1305_INIT(m, key, &it->it_cctx, nonce, op->aad, op->aad_len);
	if (enc)
		IMB_CHACHA20_POLY1305_ENC_UPDATE(m, key, &it->it_cctx, op->data, op->data,
						 op->data_len);
	else
		IMB_CHACHA20_POLY1305_DEC_UPDATE(m, key, &it->it_cctx, op->data, op->data,
						 op->data_len);
	IMB_CHACHA20_POLY1305_ENC_FINALIZE(m, &it->it_cctx, tag, 16);
}

static unsigned imb_chapoly_encrypt(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
				    struct fp_crypto_op *ops, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		chapoly_run(t->t_imb->it_mgr[FP_IMB_AUTO], t->t_imb, sa, &ops[i], true, ops[i].icv);
		ops[i].status = FP_CRYPTO_OK;
	}
	return n;
}

/* Same restore as GCM: a second decrypt pass gives back the cipher text. */
static unsigned imb_chapoly_decrypt(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
				    struct fp_crypto_op *ops, unsigned n)
{
	unsigned good = 0;

	for (unsigned i = 0; i < n; i++) {
		uint8_t tag[16];

		chapoly_run(t->t_imb->it_mgr[FP_IMB_AUTO], t->t_imb, sa, &ops[i], false, tag);
		if (fp_crypto_memcmp(tag, ops[i].icv, 16) == 0) {
			ops[i].status = FP_CRYPTO_OK;
			good++;
			continue;
		}
		chapoly_run(t->t_imb->it_mgr[FP_IMB_AUTO], t->t_imb, sa, &ops[i], false, tag);
		ops[i].status = FP_CRYPTO_EAUTH;
	}
	return good;
}

static void imb_sa_init_gcm(struct fp_crypto_sa *sa, const struct fp_crypto_key *k)
{
	struct gcm_key_data *gk = &imb_sa_mut(sa)->s_gcm.key;

	pthread_mutex_lock(&imb.lock);
	if (k->cipher == FP_CIPHER_AES_GCM_128)
		IMB_AES128_GCM_PRE(imb.mgr[FP_IMB_AUTO], k->ckey, gk);
	else
		IMB_AES256_GCM_PRE(imb.mgr[FP_IMB_AUTO], k->ckey, gk);
	pthread_mutex_unlock(&imb.lock);
	sa->sa_encrypt = k->cipher == FP_CIPHER_AES_GCM_128 ? imb_gcm128_encrypt : imb_gcm256_encrypt;
	sa->sa_decrypt = k->cipher == FP_CIPHER_AES_GCM_128 ? imb_gcm128_decrypt : imb_gcm256_decrypt;
}

/* HMAC ipad/opad the way ipsec-mb 1.3 documents it (its own tests do the
 * same; imb_hmac_ipad_opad() only came in 1.4): one block of key ^ pad
 * through the one-block hash gives the state the job continues from. */
static void imb_hmac_pads(IMB_MGR *m, enum fp_integ i, const uint8_t *key, unsigned klen,
			  uint8_t *ipad, uint8_t *opad)
{
	unsigned bs = i == FP_INTEG_HMAC_SHA384_192 || i == FP_INTEG_HMAC_SHA512_256 ? 128 : 64;
	uint8_t blk[2][128];

	memset(blk[0], 0x36, bs);
	memset(blk[1], 0x5c, bs);
	for (unsigned j = 0; j < klen; j++) {
		blk[0][j] ^= key[j];
		blk[1][j] ^= key[j];
	}
	for (int p = 0; p < 2; p++) {
		uint8_t *out = p ? opad : ipad;

		switch (i) {
		case FP_INTEG_HMAC_SHA1_96:
			IMB_SHA1_ONE_BLOCK(m, blk[p], out);
			break;
		case FP_INTEG_HMAC_SHA256_128:
			IMB_SHA256_ONE_BLOCK(m, blk[p], out);
			break;
		case FP_INTEG_HMAC_SHA384_192:
			IMB_SHA384_ONE_BLOCK(m, blk[p], out);
			break;
		default:
			IMB_SHA512_ONE_BLOCK(m, blk[p], out);
			break;
		}
	}
	fp_crypto_cleanse(blk, sizeof(blk));
}

static const IMB_HASH_ALG imb_hash_alg[FP_INTEG__COUNT] = {
	[FP_INTEG_HMAC_SHA1_96] = IMB_AUTH_HMAC_SHA_1,
	[FP_INTEG_HMAC_SHA256_128] = IMB_AUTH_HMAC_SHA_256,
	[FP_INTEG_HMAC_SHA384_192] = IMB_AUTH_HMAC_SHA_384,
	[FP_INTEG_HMAC_SHA512_256] = IMB_AUTH_HMAC_SHA_512,
};

static void imb_sa_init_etm(struct fp_crypto_sa *sa, const struct fp_crypto_key *k)
{
	struct imb_etm *e = &imb_sa_mut(sa)->s_etm;
	IMB_MGR *m;

	e->e_hash = imb_hash_alg[k->integ];
	e->e_cipher = k->cipher == FP_CIPHER_NULL ? IMB_CIPHER_NULL : IMB_CIPHER_CBC;
	e->e_key_len = fp_cipher_info(k->cipher)->key_len;
	e->e_mgr = imb.sse_sha && (k->integ == FP_INTEG_HMAC_SHA1_96 ||
				   k->integ == FP_INTEG_HMAC_SHA256_128) ? FP_IMB_SSE : FP_IMB_AUTO;
	m = imb.mgr[e->e_mgr];
	pthread_mutex_lock(&imb.lock);
	if (k->cipher == FP_CIPHER_AES_CBC_128)
		IMB_AES_KEYEXP_128(m, k->ckey, e->e_enc, e->e_dec);
	else if (k->cipher == FP_CIPHER_AES_CBC_256)
		IMB_AES_KEYEXP_256(m, k->ckey, e->e_enc, e->e_dec);
	imb_hmac_pads(m, k->integ, k->akey, k->akey_len, e->e_ipad, e->e_opad);
	pthread_mutex_unlock(&imb.lock);
	sa->sa_encrypt = fp_imb_etm_encrypt;
	sa->sa_decrypt = fp_imb_etm_decrypt;
}

int fp_imb_sa_init(struct fp_crypto_sa *sa, const struct fp_crypto_key *k, const char **err)
{
	sa->sa_backend = "intel-ipsec-mb";
	switch (k->cipher) {
	case FP_CIPHER_AES_GCM_128:
	case FP_CIPHER_AES_GCM_256:
		imb_sa_init_gcm(sa, k);
		return 0;
	case FP_CIPHER_CHACHA20_POLY1305:
		memcpy(imb_sa_mut(sa)->s_chapoly.key, k->ckey, 32);
		sa->sa_encrypt = imb_chapoly_encrypt;
		sa->sa_decrypt = imb_chapoly_decrypt;
		return 0;
	case FP_CIPHER_NULL:
	case FP_CIPHER_AES_CBC_128:
	case FP_CIPHER_AES_CBC_256:
		imb_sa_init_etm(sa, k);
		return 0;
	default:
		*err = "cipher not supported by intel-ipsec-mb";
		return -1;
	}
}

#else /* !HAVE_IPSEC_MB: OpenSSL does everything. */

bool fp_crypto_have_ipsec_mb(void)
{
	return false;
}

const char *fp_crypto_ipsec_mb_version(void)
{
	return "not built in";
}

struct fp_imb_thread *fp_imb_thread_new(void)
{
	return NULL;
}

void fp_imb_thread_free(struct fp_imb_thread *it)
{
	(void)it;
}

size_t fp_imb_sa_size(void)
{
	return 0;
}

int fp_imb_sa_init(struct fp_crypto_sa *sa, const struct fp_crypto_key *k, const char **err)
{
	(void)sa;
	(void)k;
	*err = "intel-ipsec-mb is not built in";
	return -1;
}

#endif
