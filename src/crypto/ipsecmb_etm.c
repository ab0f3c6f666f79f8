/* AES-CBC + HMAC (encrypt-then-MAC, RFC 4303 §3.4.3) through ipsec-mb's job
 * API on the worker's manager the SA names (SSE for SHA-1/256 where that
 * means the SHA extensions, else auto): one chained job per packet, CIPHER_HASH
 * on encrypt and HASH_CIPHER on decrypt, the multi-buffer HMAC working on
 * several packets of the burst at once.
 *
 * Jobs go in by IMB_SUBMIT_JOB and come back by IMB_GET_COMPLETED_JOB and
 * IMB_FLUSH_JOB. Never IMB_FLUSH_BURST or IMB_QUEUE_SIZE: in 1.3 they
 * miscount once the 256-job ring has wrapped with jobs in flight and hand
 * back jobs twice (shared notes/crypto-limit.md). */
#include "crypto/crypto_impl.h"

#ifdef HAVE_IPSEC_MB

#include "crypto/ipsecmb_impl.h"

/* The job reads the auth region from src and ciphers the payload at
 * data - auth inside it, in place (dst is the payload itself). */
static void etm_job_fill(IMB_JOB *job, const struct fp_crypto_sa *sa,
			 struct fp_crypto_op *op, bool enc, uint8_t *tag)
{
	const struct imb_etm *e = &imb_sa(sa)->s_etm;

	job->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	/* A zero-length payload has nothing to cipher, and CBC jobs refuse it. */
	job->cipher_mode = op->data_len ? e->e_cipher : IMB_CIPHER_NULL;
	job->enc_keys = e->e_enc;
	job->dec_keys = e->e_dec;
	job->key_len_in_bytes = e->e_key_len;
	job->src = op->auth;
	job->dst = op->data;
	job->cipher_start_src_offset_in_bytes = op->data_len ? (uint64_t)(op->data - op->auth) : 0;
	job->msg_len_to_cipher_in_bytes = op->data_len;
	job->iv = op->iv;
	job->iv_len_in_bytes = 16;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = op->auth_len;
	job->hash_alg = e->e_hash;
	job->auth_tag_output = tag;
	job->auth_tag_output_len_in_bytes = sa->sa_icv_len;
	job->u.HMAC._hashed_auth_key_xor_ipad = e->e_ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = e->e_opad;
	job->user_data = op;
}

/* On encrypt the tag went straight to icv: the HMAC writes it only once
 * the whole auth region is hashed, so icv may overlap the region's tail
 * (ESN high bits). On decrypt it went to scratch, compared here. */
static void etm_job_done(const IMB_JOB *job, bool enc)
{
	struct fp_crypto_op *op = job->user_data;

	if (job->status != IMB_STATUS_COMPLETED)
		op->status = FP_CRYPTO_EFAIL;
	else if (!enc && fp_crypto_memcmp(job->auth_tag_output, op->icv,
					  job->auth_tag_output_len_in_bytes))
		op->status = FP_CRYPTO_EAUTH;
	else
		op->status = FP_CRYPTO_OK;
}

static void etm_drain(IMB_MGR *m, IMB_JOB *job, bool enc)
{
	while (job) {
		etm_job_done(job, enc);
		job = IMB_GET_COMPLETED_JOB(m);
	}
}

/* Up to FP_IMB_ROUND packets, all returned before the next round. */
static void etm_round(struct fp_imb_thread *it, const struct fp_crypto_sa *sa,
		      struct fp_crypto_op *ops, unsigned n, bool enc)
{
	IMB_MGR *m = it->it_mgr[imb_sa(sa)->s_etm.e_mgr];
	IMB_JOB *job;

	for (unsigned i = 0; i < n; i++) {
		if (!fp_crypto_etm_op_ok(&ops[i], sa->sa_block)) {
			ops[i].status = FP_CRYPTO_EINVAL;
			continue;
		}
		etm_job_fill(IMB_GET_NEXT_JOB(m), sa, &ops[i], enc,
			     enc ? ops[i].icv : it->it_tag[i]);
		etm_drain(m, IMB_SUBMIT_JOB(m), enc);
	}
	while ((job = IMB_FLUSH_JOB(m)) != NULL)
		etm_job_done(job, enc);
}

/* HASH_CIPHER decrypts whatever the tag says. A packet that failed is put
 * back by CBC-encrypting its plain text with the same IV, which yields
 * the received cipher text exactly; a dropped packet leaves as it came.
 * Rare (forgeries, corruption), so one job at a time. */
static void etm_restore(IMB_MGR *m, const struct fp_crypto_sa *sa, struct fp_crypto_op *op)
{
	const struct imb_etm *e = &imb_sa(sa)->s_etm;
	IMB_JOB *job = IMB_GET_NEXT_JOB(m);

	job->chain_order = IMB_ORDER_CIPHER_HASH;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->cipher_mode = IMB_CIPHER_CBC;
	job->hash_alg = IMB_AUTH_NULL;
	job->enc_keys = e->e_enc;
	job->dec_keys = e->e_dec;
	job->key_len_in_bytes = e->e_key_len;
	job->src = op->data;
	job->dst = op->data;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = op->data_len;
	job->iv = op->iv;
	job->iv_len_in_bytes = 16;
	job->user_data = NULL;
	IMB_SUBMIT_JOB(m);
	while (IMB_FLUSH_JOB(m) != NULL)
		;
}

static unsigned etm_burst(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
			  struct fp_crypto_op *ops, unsigned n, bool enc)
{
	struct fp_imb_thread *it = t->t_imb;
	unsigned good = 0;

	for (unsigned i = 0; i < n; i += FP_IMB_ROUND)
		etm_round(it, sa, ops + i, n - i < FP_IMB_ROUND ? n - i : FP_IMB_ROUND, enc);
	for (unsigned i = 0; i < n; i++) {
		if (ops[i].status == FP_CRYPTO_OK)
			good++;
		else if (ops[i].status == FP_CRYPTO_EAUTH && ops[i].data_len &&
			 imb_sa(sa)->s_etm.e_cipher == IMB_CIPHER_CBC)
			etm_restore(it->it_mgr[imb_sa(sa)->s_etm.e_mgr], sa, &ops[i]);
	}
	return good;
}

unsigned fp_imb_etm_encrypt(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
			    struct fp_crypto_op *ops, unsigned n)
{
	return etm_burst(t, sa, ops, n, true);
}

unsigned fp_imb_etm_decrypt(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
			    struct fp_crypto_op *ops, unsigned n)
{
	return etm_burst(t, sa, ops, n, false);
}

#endif
