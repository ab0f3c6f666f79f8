/* Responder cookies (RFC 7296 2.6) and the half-open bound. While fewer
 * half-open SAs than the threshold wait for their IKE_AUTH, a new
 * IKE_SA_INIT request goes straight on. From the threshold on, a request
 * must echo a cookie we gave its source address: one without (or with a
 * stale or forged one) gets a fresh COOKIE notify and leaves no state and
 * no Diffie-Hellman work behind, so a flood from spoofed addresses costs
 * one HMAC a request. A request with a valid cookie proves it can read
 * what is sent to its address; it still gets state only while the total
 * and its source's share of half-open SAs have room.
 *
 * cookie = version | HMAC-SHA-256(secret, Ni | IPi | SPIi). The secret is
 * made at the first cookie and replaced every FP_IKE_COOKIE_ROTATE_NS; the
 * version octet says which secret made a cookie, so the previous one is
 * still accepted for FP_IKE_COOKIE_GRACE_NS past its time (an initiator
 * whose retry crossed a rotation is not sent round again). */
#include <string.h>

#include <openssl/crypto.h>

#include "ike/ike_sa.h"

#define COOKIE_LEN (1 + 32)                          /* version, HMAC-SHA-256 */
#define FP_IKE_COOKIE_ROTATE_NS 60000000000ull       /* a new secret each minute */
#define FP_IKE_COOKIE_GRACE_NS 30000000000ull        /* the old one's cookies 30 s more */

void fp_ike_half_open_limits(struct fp_ike *ike, unsigned half_open_max, unsigned cookie_pct)
{
	unsigned max = half_open_max ? half_open_max : FP_IKE_HALF_OPEN_DEFAULT;
	if (max > FP_IKE_HALF_OPEN_LIMIT)
		max = FP_IKE_HALF_OPEN_LIMIT;
	unsigned pct = cookie_pct && cookie_pct <= 100 ? cookie_pct : FP_IKE_COOKIE_PCT_DEFAULT;
	ike->half_open_max = max;
	ike->cookie_at = (unsigned)(((uint64_t)max * pct + 99) / 100); /* at least 1 */
	ike->stats.half_open_limit = max;
	ike->stats.cookie_threshold = ike->cookie_at;
}

/* A new secret when the current one is due (or there is none yet). */
static void cookie_rotate(struct fp_ike *ike, uint64_t now_ns)
{
	struct fp_ike_cookie *k = &ike->cookie;
	if (k->ck_born_ns && now_ns - k->ck_born_ns < FP_IKE_COOKIE_ROTATE_NS)
		return;
	memcpy(k->ck_prev, k->ck_secret, sizeof(k->ck_prev));
	k->ck_prev_until_ns =
		k->ck_born_ns ? k->ck_born_ns + FP_IKE_COOKIE_ROTATE_NS + FP_IKE_COOKIE_GRACE_NS : 0;
	k->ck_version++;
	fp_ike_random(ike, k->ck_secret, sizeof(k->ck_secret));
	k->ck_born_ns = now_ns ? now_ns : 1;
}

/* The cookie of (Ni, source address, SPIi) under one secret. */
static int cookie_make(const uint8_t *secret, uint8_t version, const struct fp_ike_pl *no,
		       const struct fp_addr *ip, const uint8_t *spi_i, uint8_t out[COOKIE_LEN])
{
	struct fp_ike_iov in[3] = {
		{no->pl_body, no->pl_len},
		{ip->a, ip->af == FP_AF_INET6 ? 16 : 4},
		{spi_i, FP_IKE_SPI_LEN},
	};
	out[0] = version;
	return fp_ike_prf(FP_IKE_PRF_HMAC_SHA2_256, secret, FP_IKE_COOKIE_SECRET_LEN, in, 3,
			  out + 1);
}

/* The echoed cookie n against the secret its version names, in constant time. */
static bool cookie_valid(struct fp_ike *ike, const struct fp_ike_notify *n,
			 const struct fp_ike_pl *no, const struct fp_ike_dgram *d, uint64_t now_ns)
{
	const struct fp_ike_cookie *k = &ike->cookie;
	const uint8_t *secret = NULL;
	uint8_t want[COOKIE_LEN];
	if (n->n_len != COOKIE_LEN)
		return false;
	if (n->n_data[0] == k->ck_version)
		secret = k->ck_secret;
	else if (n->n_data[0] == (uint8_t)(k->ck_version - 1) && now_ns < k->ck_prev_until_ns)
		secret = k->ck_prev;
	if (!secret)
		return false;
	bool ok = !cookie_make(secret, n->n_data[0], no, &d->remote, ike->msg.m_hdr.h_spi_i, want) &&
		  !CRYPTO_memcmp(want, n->n_data, COOKIE_LEN);
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

static void cookie_send(struct fp_ike *ike, const struct fp_ike_dgram *d,
			const struct fp_ike_pl *no)
{
	uint8_t c[COOKIE_LEN];
	if (cookie_make(ike->cookie.ck_secret, ike->cookie.ck_version, no, &d->remote,
			ike->msg.m_hdr.h_spi_i, c))
		return;
	ike->stats.cookies_sent++;
	fp_ike_init_notify(ike, d, FP_IKE_N_COOKIE, c, sizeof(c));
}

bool fp_ike_cookie_gate(struct fp_ike *ike, const struct fp_ike_dgram *d,
			const struct fp_ike_pl *no, uint64_t now_ns)
{
	struct fp_ike_notify n;
	bool has = fp_ike_find_notify(&ike->msg.m_chain, FP_IKE_N_COOKIE, &n);
	bool need = ike->stats.half_open >= ike->cookie_at;
	if (!has && !need)
		return true;
	cookie_rotate(ike, now_ns);
	if (has) {
		if (cookie_valid(ike, &n, no, d, now_ns))
			return true;
		ike->stats.cookies_bad++;
	}
	if (!need)
		return true; /* a cookie nobody asks for any more: as if none came */
	cookie_send(ike, d, no);
	return false;
}

bool fp_ike_half_open_room(struct fp_ike *ike, const struct fp_ike_dgram *d)
{
	if (ike->stats.half_open >= ike->half_open_max) {
		ike->stats.refused_half_open++;
		return false;
	}
	unsigned from_src = 0;
	for (unsigned i = 0; i < ike->n_sas; i++) {
		const struct fp_ike_sarec *s = ike->sas[i];
		from_src += s->s_state == FP_IKE_S_INIT_DONE &&
			    !memcmp(&s->s_remote, &d->remote, sizeof(d->remote));
	}
	if (from_src >= FP_IKE_HALF_OPEN_PER_SRC) {
		ike->stats.refused_half_open_src++;
		return false;
	}
	return true;
}
