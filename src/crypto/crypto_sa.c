/* One direction of one SA's keys: checked against the algorithm tables,
 * expanded once by the chosen backend, zeroized on free. The burst calls
 * jump straight to the functions the backend picked for this SA. */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto_impl.h"

/* ESP needs integrity: an AEAD brings its own, anything else needs an HMAC
 * (RFC 8221 §5 forbids ENCR without integrity; NULL+NULL protects nothing). */
bool fp_crypto_pair_valid(enum fp_cipher c, enum fp_integ i)
{
	const struct fp_cipher_info *ci = fp_cipher_info(c);

	if (!ci || !fp_integ_info(i))
		return false;
	return ci->aead ? i == FP_INTEG_NONE : i != FP_INTEG_NONE;
}

static int sa_key_check(const struct fp_crypto_key *k, const char **err)
{
	const struct fp_cipher_info *ci = fp_cipher_info(k->cipher);
	const struct fp_integ_info *ii = fp_integ_info(k->integ);

	if (!ci || !ii) {
		*err = "unknown cipher or integrity algorithm";
		return -1;
	}
	if (!fp_crypto_pair_valid(k->cipher, k->integ)) {
		*err = ci->aead ? "an AEAD cipher takes no integrity algorithm"
				: "this cipher needs an integrity algorithm";
		return -1;
	}
	if (k->ckey_len != ci->key_len + ci->salt_len) {
		*err = ci->salt_len ? "cipher key length is not key + 4-byte salt"
				    : "cipher key length does not match the cipher";
		return -1;
	}
	if (k->akey_len != ii->key_len) {
		*err = "integrity key length does not match the algorithm";
		return -1;
	}
	return 0;
}

/* AUTO prefers ipsec-mb: 5-6x OpenSSL EVP on small packets
 * (shared notes/crypto-limit.md). */
static int sa_backend_pick(enum fp_crypto_backend be, const char **err)
{
	switch (be) {
	case FP_CRYPTO_AUTO:
		return fp_crypto_have_ipsec_mb() ? FP_CRYPTO_IPSEC_MB : FP_CRYPTO_OPENSSL;
	case FP_CRYPTO_OPENSSL:
		return FP_CRYPTO_OPENSSL;
	case FP_CRYPTO_IPSEC_MB:
		if (fp_crypto_have_ipsec_mb())
			return FP_CRYPTO_IPSEC_MB;
		*err = "intel-ipsec-mb is not available";
		return -1;
	}
	*err = "unknown crypto backend";
	return -1;
}

static struct fp_crypto_sa *sa_alloc(size_t be_size)
{
	size_t size = offsetof(struct fp_crypto_sa, sa_be) + be_size;
	void *p;

	if (posix_memalign(&p, 64, size))
		return NULL;
	memset(p, 0, size);
	((struct fp_crypto_sa *)p)->sa_size = size;
	return p;
}

struct fp_crypto_sa *fp_crypto_sa_new(const struct fp_crypto_key *k,
				      enum fp_crypto_backend be, const char **err)
{
	static const char *dummy;
	struct fp_crypto_sa *sa;
	int which, rc;

	if (!err)
		err = &dummy;
	if (sa_key_check(k, err) < 0)
		return NULL;
	which = sa_backend_pick(be, err);
	if (which < 0)
		return NULL;
	sa = sa_alloc(which == FP_CRYPTO_IPSEC_MB ? fp_imb_sa_size() : fp_ossl_sa_size());
	if (!sa) {
		*err = "out of memory";
		return NULL;
	}
	sa->sa_cipher = k->cipher;
	sa->sa_integ = k->integ;
	sa->sa_icv_len = (uint8_t)fp_crypto_icv_len(k->cipher, k->integ);
	sa->sa_block = k->cipher == FP_CIPHER_NULL ? 1 : fp_cipher_info(k->cipher)->block;
	if (fp_cipher_info(k->cipher)->salt_len)
		memcpy(sa->sa_salt, k->ckey + fp_cipher_info(k->cipher)->key_len,
		       FP_CRYPTO_SALT_LEN);
	rc = which == FP_CRYPTO_IPSEC_MB ? fp_imb_sa_init(sa, k, err)
					 : fp_ossl_sa_init(sa, k, err);
	if (rc < 0) {
		fp_crypto_sa_free(sa);
		return NULL;
	}
	return sa;
}

void fp_crypto_sa_free(struct fp_crypto_sa *sa)
{
	if (!sa)
		return;
	if (sa->sa_release)
		sa->sa_release(sa);
	fp_crypto_cleanse(sa, sa->sa_size);
	free(sa);
}

const char *fp_crypto_sa_backend(const struct fp_crypto_sa *sa)
{
	return sa->sa_backend;
}

unsigned fp_crypto_encrypt(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
			   struct fp_crypto_op *ops, unsigned n)
{
	return sa->sa_encrypt(t, sa, ops, n);
}

unsigned fp_crypto_decrypt(struct fp_crypto_thread *t, const struct fp_crypto_sa *sa,
			   struct fp_crypto_op *ops, unsigned n)
{
	return sa->sa_decrypt(t, sa, ops, n);
}
