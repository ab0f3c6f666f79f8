/* The ESP side of a CHILD_SA negotiation, shared by IKE_AUTH and
 * CREATE_CHILD_SA (RFC 7296 2.17, 3.3): our proposals from a crypto map
 * entry's ipsec-proposal list, the peer's proposal we pick (our order),
 * and KEYMAT cut per direction into the gateway's child_up. KEYMAT's
 * first half protects the exchange initiator's traffic. A DH transform is
 * offered and required only where the tunnel has PFS and the exchange
 * carries KE (CREATE_CHILD_SA); IKE_AUTH never checks it (charon's "net"
 * child offers one for its later rekeys). */
#include <string.h>

#include <openssl/crypto.h>

#include "common/inet.h"
#include "ike/ike_sa.h"

/* The engine's ESP transforms and their IKEv2 numbers. */
static const struct {
	enum fp_cipher c;
	uint16_t id, bits;
} esp_ciphers[] = {
	{FP_CIPHER_AES_CBC_128, FP_IKE_ENCR_AES_CBC, 128},
	{FP_CIPHER_AES_CBC_256, FP_IKE_ENCR_AES_CBC, 256},
	{FP_CIPHER_AES_GCM_128, FP_IKE_ENCR_AES_GCM_16, 128},
	{FP_CIPHER_AES_GCM_256, FP_IKE_ENCR_AES_GCM_16, 256},
};

static const uint16_t esp_integs[FP_INTEG__COUNT] = {
	[FP_INTEG_NONE] = FP_IKE_INTEG_NONE,
	[FP_INTEG_HMAC_SHA1_96] = FP_IKE_INTEG_HMAC_SHA1_96,
	[FP_INTEG_HMAC_SHA256_128] = FP_IKE_INTEG_HMAC_SHA2_256_128,
	[FP_INTEG_HMAC_SHA384_192] = FP_IKE_INTEG_HMAC_SHA2_384_192,
	[FP_INTEG_HMAC_SHA512_256] = FP_IKE_INTEG_HMAC_SHA2_512_256,
};

static bool esp_suite(const struct fp_ike_esp *e, struct fp_ike_suite *su)
{
	for (size_t i = 0; i < sizeof(esp_ciphers) / sizeof(esp_ciphers[0]); i++)
		if (esp_ciphers[i].c == e->cipher && (unsigned)e->integ < FP_INTEG__COUNT) {
			*su = (struct fp_ike_suite){esp_ciphers[i].id, esp_ciphers[i].bits,
						    esp_integs[e->integ], 0};
			return true;
		}
	return false;
}

static void esp_xfs(struct fp_ike_sa *sa, const struct fp_ike_suite *su, bool esn, uint16_t group)
{
	struct fp_ike_xf *x = &sa->sa_xf[sa->sa_n_xf];
	unsigned n = 0;
	memset(x, 0, 4 * sizeof(*x));
	x[n++] = (struct fp_ike_xf){.xf_type = FP_IKE_XF_ENCR, .xf_id = su->su_encr,
				    .xf_keylen = su->su_encr_bits};
	if (su->su_integ != FP_IKE_INTEG_NONE)
		x[n++] = (struct fp_ike_xf){.xf_type = FP_IKE_XF_INTEG, .xf_id = su->su_integ};
	if (group)
		x[n++] = (struct fp_ike_xf){.xf_type = FP_IKE_XF_DH, .xf_id = group};
	x[n++] = (struct fp_ike_xf){.xf_type = FP_IKE_XF_ESN,
				    .xf_id = esn ? FP_IKE_ESN_YES : FP_IKE_ESN_NO};
	struct fp_ike_prop *pr = &sa->sa_prop[sa->sa_n_prop - 1];
	pr->pr_first_xf = (uint16_t)sa->sa_n_xf;
	pr->pr_n_xf = (uint8_t)n;
	sa->sa_n_xf += n;
}

static void esp_prop(struct fp_ike_sa *sa, uint8_t num, const uint8_t *spi,
		     const struct fp_ike_suite *su, bool esn, uint16_t group)
{
	struct fp_ike_prop *pr = &sa->sa_prop[sa->sa_n_prop++];
	*pr = (struct fp_ike_prop){.pr_spi = spi, .pr_num = num, .pr_proto = FP_IKE_PROTO_ESP,
				   .pr_spi_size = 4};
	esp_xfs(sa, su, esn, group);
}

void fp_ike_esp_offer(struct fp_ike_sa *sa, const struct fp_ike_tunnel *t, const uint8_t *spi,
		      uint16_t group)
{
	sa->sa_n_prop = sa->sa_n_xf = 0;
	for (unsigned e = 0; e < t->n_esp && e < FP_IKE_MAX_PROPOSALS; e++) {
		struct fp_ike_suite su;
		if (esp_suite(&t->esp[e], &su))
			esp_prop(sa, (uint8_t)(sa->sa_n_prop + 1), spi, &su, t->esn, group);
	}
}

void fp_ike_esp_answer(struct fp_ike_sa *sa, const struct fp_ike_esp_pick *p, const uint8_t *spi,
		       uint16_t group)
{
	sa->sa_n_prop = sa->sa_n_xf = 0;
	esp_prop(sa, p->ep_num, spi, &p->ep_su, p->ep_esn, group);
}

/* PFS: the proposal offers exactly our group, or none when we have none. */
static bool esp_group_ok(const struct fp_ike_sa *sa, const struct fp_ike_prop *pr,
			 uint16_t group)
{
	if (group)
		return fp_ike_prop_offers(sa, pr, FP_IKE_XF_DH, group, 0);
	return !fp_ike_prop_has(sa, pr, FP_IKE_XF_DH);
}

/* Does the peer's proposal pr carry our ESP transform e? */
static bool esp_match(const struct fp_ike_sa *sa, const struct fp_ike_prop *pr,
		      const struct fp_ike_tunnel *t, unsigned e, struct fp_ike_esp_pick *out)
{
	struct fp_ike_suite su;
	if (pr->pr_proto != FP_IKE_PROTO_ESP || pr->pr_spi_size != 4 ||
	    !esp_suite(&t->esp[e], &su) ||
	    !fp_ike_prop_offers(sa, pr, FP_IKE_XF_ENCR, su.su_encr, su.su_encr_bits))
		return false;
	if (su.su_integ == FP_IKE_INTEG_NONE ? fp_ike_prop_has(sa, pr, FP_IKE_XF_INTEG)
					     : !fp_ike_prop_offers(sa, pr, FP_IKE_XF_INTEG,
								   su.su_integ, 0))
		return false;
	bool yes = fp_ike_prop_offers(sa, pr, FP_IKE_XF_ESN, FP_IKE_ESN_YES, 0);
	bool no = fp_ike_prop_offers(sa, pr, FP_IKE_XF_ESN, FP_IKE_ESN_NO, 0) ||
		  !fp_ike_prop_has(sa, pr, FP_IKE_XF_ESN);
	if (!(t->esn && yes) && !no)
		return false;
	*out = (struct fp_ike_esp_pick){t->esp[e], su, t->esn && yes, pr->pr_num,
					fp_get32(pr->pr_spi)};
	return true;
}

bool fp_ike_esp_select(const struct fp_ike_sa *sa, const struct fp_ike_tunnel *t,
		       uint16_t group, bool check_group, struct fp_ike_esp_pick *out)
{
	for (unsigned e = 0; e < t->n_esp; e++)
		for (unsigned i = 0; i < sa->sa_n_prop; i++)
			if ((!check_group || esp_group_ok(sa, &sa->sa_prop[i], group)) &&
			    esp_match(sa, &sa->sa_prop[i], t, e, out))
				return true;
	return false;
}

static void esp_key(struct fp_crypto_key *k, const struct fp_ike_esp *e, const uint8_t *ek,
		    const uint8_t *ak, const struct fp_ike_child_keys *ck)
{
	memset(k, 0, sizeof(*k));
	k->cipher = e->cipher;
	k->integ = e->integ;
	memcpy(k->ckey, ek, ck->ck_e_len);
	k->ckey_len = ck->ck_e_len;
	memcpy(k->akey, ak, ck->ck_a_len);
	k->akey_len = ck->ck_a_len;
}

static int esp_free_slot(const struct fp_ike_sarec *s)
{
	for (unsigned i = 0; i < FP_IKE_MAX_CHILDREN; i++)
		if (s->s_ch[i].c_state == FP_IKE_CH_FREE)
			return (int)i;
	return -1;
}

/* The record of a child just installed. */
static void esp_record(struct fp_ike *ike, struct fp_ike_childrec *r, unsigned tunnel,
		       const struct fp_ike_child *c, const struct fp_ike_esp_pick *p, bool we_init)
{
	uint64_t now = ike->now_ns;
	*r = (struct fp_ike_childrec){.c_state = FP_IKE_CH_ACTIVE, .c_tunnel = (uint8_t)tunnel,
				      .c_initiator = we_init, .c_spi_in = c->spi_in,
				      .c_spi_out = c->spi_out, .c_esp = *p, .c_sel = c->sel};
	/* the child's initiator rekeys it; both sides expire it */
	if (we_init)
		r->c_rekey_ns = fp_ike_child_soft_ns(ike, c->life_s, now);
	r->c_expire_ns = c->life_s ? now + (uint64_t)c->life_s * 1000000000ull : 0;
}

int fp_ike_esp_install(struct fp_ike *ike, struct fp_ike_sarec *s, unsigned tunnel,
		       const struct fp_ike_esp_pick *p, const struct fp_selector *sel,
		       uint32_t spi_in, const struct fp_ike_kin *in, bool we_init, uint64_t old)
{
	const struct fp_ike_tunnel *tun = &ike->peers[s->s_peer].tunnels[tunnel];
	struct fp_ike_child_keys ck;
	struct fp_ike_child c = {.peer = s->s_peer, .tunnel = tun->tunnel, .spi_in = spi_in,
				 .spi_out = p->ep_peer_spi, .sel = *sel, .local = s->s_local,
				 .remote = s->s_remote, .esn = p->ep_esn,
				 .transport = tun->transport, .life_s = tun->life_s,
				 .life_kb = tun->life_kb, .pfs_group = in->ki_gir ? tun->pfs_group : 0,
				 .ike_sa = s->s_id, .initiator = we_init};
	uint64_t h = 0;
	int slot = esp_free_slot(s), rc = -1;

	fp_ike_natt_child_ports(s, &c.encap_sport, &c.encap_dport);
	if (slot >= 0 && !fp_ike_child_keys_derive(&ck, &s->s_keys, &p->ep_su, in)) {
		/* the initiator of this exchange sends with the first half */
		esp_key(&c.key_out, &p->ep_esp, we_init ? ck.ck_ei : ck.ck_er,
			we_init ? ck.ck_ai : ck.ck_ar, &ck);
		esp_key(&c.key_in, &p->ep_esp, we_init ? ck.ck_er : ck.ck_ei,
			we_init ? ck.ck_ar : ck.ck_ai, &ck);
		rc = ike->env.child_up ? ike->env.child_up(ike->env.ctx, &c, old, &h) : -1;
	}
	fp_ike_child_keys_wipe(&ck);
	if (!rc) {
		esp_record(ike, &s->s_ch[slot], tunnel, &c, p, we_init);
		s->s_ch[slot].c_handle = h;
		fp_ike_dbg(ike, 1, "(%llu): CHILD_SA established, tunnel %u, SPI in "
				"0x%08x out 0x%08x%s",
			   (unsigned long long)s->s_id, tun->tunnel, spi_in, p->ep_peer_spi,
			   old == UINT64_MAX ? "" : " (rekey)");
	}
	OPENSSL_cleanse(&c, sizeof(c));
	return rc ? -1 : slot;
}
