/* One worker's crypto scratch: the ipsec-mb managers (not thread-safe, so
 * one set per worker) and a pool of random bytes for CBC IVs, so that the
 * per-packet path never calls into the DRBG for 16 bytes at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "crypto/crypto_impl.h"

struct fp_crypto_thread *fp_crypto_thread_new(void)
{
	struct fp_crypto_thread *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->t_rnd_pos = sizeof(t->t_rnd);        /* empty: filled on first use */
	if (fp_crypto_have_ipsec_mb()) {
		t->t_imb = fp_imb_thread_new();
		if (!t->t_imb) {
			free(t);
			return NULL;
		}
	}
	return t;
}

void fp_crypto_thread_free(struct fp_crypto_thread *t)
{
	if (!t)
		return;
	fp_imb_thread_free(t->t_imb);
	fp_crypto_cleanse(t, sizeof(*t));
	free(t);
}

/* A failed DRBG leaves no safe IV to send (RFC 3602 §2.4 wants them
 * unpredictable), and the call has no error path: stop. OpenSSL 3's DRBG
 * only fails when it cannot be seeded at all. */
static void random_refill(struct fp_crypto_thread *t)
{
	if (RAND_bytes(t->t_rnd, (int)sizeof(t->t_rnd)) != 1) {
		fputs("fp_crypto_random: RAND_bytes failed\n", stderr);
		abort();
	}
	t->t_rnd_pos = 0;
}

void fp_crypto_random(struct fp_crypto_thread *t, uint8_t *out, unsigned n)
{
	while (n) {
		unsigned left, chunk;

		if (t->t_rnd_pos == sizeof(t->t_rnd))
			random_refill(t);
		left = (unsigned)sizeof(t->t_rnd) - t->t_rnd_pos;
		chunk = n < left ? n : left;
		memcpy(out, t->t_rnd + t->t_rnd_pos, chunk);
		t->t_rnd_pos += chunk;
		out += chunk;
		n -= chunk;
	}
}
