/* The IKE SA record: creation, lookup by SPI, the one state-change
 * function with its transition table, deletion (children first) and the
 * freeing of dead records once the call that killed them returns. Also
 * the small helpers every exchange file needs (log, random, copies). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/inet.h"
#include "ike/ike_sa.h"

FP_IKE_ERR_NAME_FN(fp_ike_state_name, FP_IKE_STATE_LIST, FP_IKE_S__COUNT)

#define TO(s) (1u << FP_IKE_S_##s)

/* Which states each state may move to. A retry of IKE_SA_INIT (cookie,
 * INVALID_KE) stays in INIT_SENT. */
static const unsigned sa_moves[FP_IKE_S__COUNT] = {
	/* NEW -> READY: the SA a rekey made (keys from the old one's SK_d) */
	[FP_IKE_S_NEW] = TO(INIT_SENT) | TO(INIT_DONE) | TO(READY) | TO(DEAD),
	[FP_IKE_S_INIT_SENT] = TO(INIT_SENT) | TO(AUTH_SENT) | TO(DELETING) | TO(DEAD),
	[FP_IKE_S_INIT_DONE] = TO(READY) | TO(DELETING) | TO(DEAD),
	[FP_IKE_S_AUTH_SENT] = TO(READY) | TO(DELETING) | TO(DEAD),
	[FP_IKE_S_READY] = TO(DELETING) | TO(DEAD),
	[FP_IKE_S_DELETING] = TO(DEAD),
	[FP_IKE_S_DEAD] = 0,
};

void fp_ike_log(struct fp_ike *ike, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (ike->env.log)
		ike->env.log(ike->env.ctx, line);
	else
		fprintf(stderr, "%s\n", line);
}

const char *fp_ike_addr_str(const struct fp_addr *a, char *buf)
{
	if (!inet_ntop(a->af == FP_AF_INET6 ? AF_INET6 : AF_INET, a->a, buf, FP_ADDR_STRLEN))
		snprintf(buf, FP_ADDR_STRLEN, "?");
	return buf;
}

void fp_ike_random(struct fp_ike *ike, uint8_t *out, size_t n)
{
	if (ike->env.random)
		ike->env.random(ike->env.ctx, out, n);
	else if (RAND_bytes(out, (int)n) != 1)
		abort(); /* no randomness: nothing here may go on */
}

uint8_t *fp_ike_dup(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	if (c)
		memcpy(c, p, n);
	return c;
}

void fp_ike_free_secret(uint8_t **p, size_t *n)
{
	if (*p)
		OPENSSL_cleanse(*p, *n);
	free(*p);
	*p = NULL;
	*n = 0;
}

static void sa_half_open(struct fp_ike *ike, unsigned from, unsigned to)
{
	if (from == FP_IKE_S_INIT_DONE)
		ike->stats.half_open--;
	if (to == FP_IKE_S_INIT_DONE && ++ike->stats.half_open > ike->stats.half_open_max)
		ike->stats.half_open_max = ike->stats.half_open;
}

int fp_ike_sa_state(struct fp_ike *ike, struct fp_ike_sarec *s, enum fp_ike_state to)
{
	unsigned from = s->s_state;
	if (!(sa_moves[from] & (1u << to))) {
		ike->stats.refused_state++;
		fp_ike_dbg(ike, 1, "(%llu): refused state change %s -> %s",
			   (unsigned long long)s->s_id, fp_ike_state_name(from),
			   fp_ike_state_name(to));
		return -1;
	}
	s->s_state = (uint8_t)to;
	sa_half_open(ike, from, to);
	if (from != to)
		fp_ike_dbg(ike, 4, "(%llu): %s -> %s", (unsigned long long)s->s_id,
			   fp_ike_state_name(from), fp_ike_state_name(to));
	return 0;
}

struct fp_ike_sarec *fp_ike_sa_new(struct fp_ike *ike, bool initiator, uint64_t now_ns)
{
	if (ike->n_sas == ike->cap_sas) {
		unsigned cap = ike->cap_sas ? 2 * ike->cap_sas : 16;
		struct fp_ike_sarec **a = realloc(ike->sas, cap * sizeof(*a));
		if (!a)
			return NULL;
		ike->sas = a;
		ike->cap_sas = cap;
	}
	struct fp_ike_sarec *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->s_id = ++ike->next_id;
	s->s_initiator = initiator;
	s->s_created_ns = now_ns;
	fp_ike_random(ike, initiator ? s->s_spi_i : s->s_spi_r, FP_IKE_SPI_LEN);
	ike->sas[ike->n_sas++] = s;
	return s;
}

void fp_ike_sa_delete(struct fp_ike *ike, struct fp_ike_sarec *s, const char *reason)
{
	if (s->s_state == FP_IKE_S_DEAD)
		return;
	for (unsigned i = 0; i < FP_IKE_MAX_CHILDREN; i++)
		if (s->s_ch[i].c_state != FP_IKE_CH_FREE)
			fp_ike_child_drop(ike, s, i, reason);
	if (s->s_pend.p_spi && ike->env.spi_release)
		ike->env.spi_release(ike->env.ctx, s->s_pend.p_spi);
	s->s_pend.p_spi = 0;
	if (s->s_child_spi && ike->env.spi_release)
		ike->env.spi_release(ike->env.ctx, s->s_child_spi);
	s->s_child_spi = 0;
	if (s->s_state == FP_IKE_S_READY || s->s_state == FP_IKE_S_DELETING)
		fp_ike_log(ike, "%%ASA-5-750007: Local:%u Remote:%u IKEv2 SA DOWN. Reason: %s",
			   s->s_lport, s->s_rport, reason);
	else
		fp_ike_log(ike, "%%ASA-4-750003: IKEv2 Negotiation aborted due to ERROR: %s",
			   reason);
	ike->stats.deleted++;
	fp_ike_sa_state(ike, s, FP_IKE_S_DEAD);
}

static void sa_free(struct fp_ike_sarec *s)
{
	fp_ike_dh_free(&s->s_dh);
	fp_ike_dh_free(&s->s_pend.p_dh);
	fp_ike_keys_wipe(&s->s_keys);
	fp_ike_free_secret(&s->s_init_req, &s->s_init_req_len);
	fp_ike_free_secret(&s->s_init_resp, &s->s_init_resp_len);
	fp_ike_msgid_clear(&s->s_mid);
	fp_ike_frag_drop(s);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

void fp_ike_sa_reap(struct fp_ike *ike)
{
	unsigned kept = 0;
	for (unsigned i = 0; i < ike->n_sas; i++) {
		if (ike->sas[i]->s_state == FP_IKE_S_DEAD)
			sa_free(ike->sas[i]);
		else
			ike->sas[kept++] = ike->sas[i];
	}
	ike->n_sas = kept;
}

struct fp_ike_sarec *fp_ike_sa_find(struct fp_ike *ike, const uint8_t *spi_i,
				    const uint8_t *spi_r, bool we_initiated)
{
	for (unsigned i = 0; i < ike->n_sas; i++) {
		struct fp_ike_sarec *s = ike->sas[i];
		if (s->s_state == FP_IKE_S_DEAD || s->s_initiator != we_initiated)
			continue;
		const uint8_t *ours = we_initiated ? spi_i : spi_r;
		if (memcmp(ours, we_initiated ? s->s_spi_i : s->s_spi_r, FP_IKE_SPI_LEN))
			continue;
		/* the peer's SPI is known once IKE_SA_INIT is answered */
		if (we_initiated && s->s_state == FP_IKE_S_INIT_SENT)
			return s;
		if (!memcmp(we_initiated ? spi_r : spi_i, we_initiated ? s->s_spi_r : s->s_spi_i,
			    FP_IKE_SPI_LEN))
			return s;
	}
	return NULL;
}

struct fp_ike_sarec *fp_ike_sa_find_half(struct fp_ike *ike, const uint8_t *spi_i,
					 const struct fp_addr *remote, uint16_t rport)
{
	for (unsigned i = 0; i < ike->n_sas; i++) {
		struct fp_ike_sarec *s = ike->sas[i];
		if (!s->s_initiator && s->s_state != FP_IKE_S_DEAD && s->s_rport == rport &&
		    !memcmp(s->s_spi_i, spi_i, FP_IKE_SPI_LEN) &&
		    !memcmp(&s->s_remote, remote, sizeof(*remote)))
			return s;
	}
	return NULL;
}

static uint64_t sa_spi64(const uint8_t *spi)
{
	return ((uint64_t)fp_get32(spi) << 32) | fp_get32(spi + 4);
}

bool fp_ike_sa_get(const struct fp_ike *ike, unsigned i, struct fp_ike_sa_info *out)
{
	if (i >= ike->n_sas)
		return false;
	const struct fp_ike_sarec *s = ike->sas[i];
	memset(out, 0, sizeof(*out));
	out->id = s->s_id;
	out->peer = s->s_peer;
	out->local = s->s_local;
	out->remote = s->s_remote;
	out->lport = s->s_lport;
	out->rport = s->s_rport;
	out->status = s->s_state == FP_IKE_S_READY      ? FP_IKE_SA_READY
		      : s->s_state >= FP_IKE_S_DELETING ? FP_IKE_SA_DELETING
							: FP_IKE_SA_IN_NEG;
	out->initiator = s->s_initiator;
	out->encr = s->s_encr;
	out->encr_bits = s->s_encr_bits;
	out->integ = s->s_integ;
	out->prf = s->s_prf;
	out->group = s->s_group;
	out->auth_sign = s->s_auth_method ? s->s_auth_method : FP_IKE_AUTH_PSK;
	out->auth_verify = s->s_auth_peer ? s->s_auth_peer : FP_IKE_AUTH_PSK;
	out->auth_sign_ec = s->s_auth_ec;
	out->auth_verify_ec = s->s_auth_peer_ec;
	out->spi_i = sa_spi64(s->s_spi_i);
	out->spi_r = sa_spi64(s->s_spi_r);
	out->created_ns = s->s_created_ns;
	out->life_s = s->s_life_s;
	for (unsigned c = 0; c < FP_IKE_MAX_CHILDREN; c++)
		if (s->s_ch[c].c_state == FP_IKE_CH_ACTIVE && out->n_children < FP_IKE_MAX_TUNNELS)
			out->children[out->n_children++] = s->s_ch[c].c_handle;
	out->msgid_send = s->s_mid.mi_next_send;
	out->msgid_recv = s->s_mid.mi_next_recv;
	out->nat_local = s->s_nat_local;
	out->nat_remote = s->s_nat_remote;
	memcpy(out->id_local, s->s_id_local, sizeof(out->id_local));
	memcpy(out->id_remote, s->s_id_remote, sizeof(out->id_remote));
	if (s->s_has_peer && s->s_peer < ike->n_peers) {
		out->dpd_s = ike->peers[s->s_peer].dpd_s;
		out->dpd_retry_s = ike->peers[s->s_peer].dpd_retry_s;
	}
	return true;
}
