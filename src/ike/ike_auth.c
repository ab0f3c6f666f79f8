/* AUTH with a pre-shared key (RFC 7296 2.15): the signed octets are the
 * signer's IKE_SA_INIT message as sent, the other side's nonce and
 * prf(SK_p, ID') where ID' is the ID payload body (type, reserved, data);
 * AUTH = prf(prf(PSK, "Key Pad for IKEv2"), octets). The check compares in
 * constant time. Signatures over the same octets are ike_sig.c's. */
#include <string.h>

#include <openssl/crypto.h>

#include "ike/ike_sa.h"

static const char auth_pad[] = "Key Pad for IKEv2";

int fp_ike_auth_octets(const struct fp_ike_sarec *s, bool of_initiator, const uint8_t *id_body,
		       size_t id_len, uint8_t *mac_id, struct fp_ike_iov oct[3])
{
	const struct fp_ike_keys *k = &s->s_keys;
	struct fp_ike_iov idv = {id_body, id_len};
	oct[0] = (struct fp_ike_iov){of_initiator ? s->s_init_req : s->s_init_resp,
				     of_initiator ? s->s_init_req_len : s->s_init_resp_len};
	oct[1] = (struct fp_ike_iov){of_initiator ? s->s_nr : s->s_ni,
				     of_initiator ? s->s_nr_len : s->s_ni_len};
	oct[2] = (struct fp_ike_iov){mac_id, k->k_prf_len};
	if (!oct[0].v_p)
		return -1;
	return fp_ike_prf(k->k_suite.su_prf, of_initiator ? k->k_pi : k->k_pr, k->k_prf_len, &idv,
			  1, mac_id);
}

int fp_ike_auth_psk(const struct fp_ike_sarec *s, bool of_initiator, const uint8_t *psk,
		    size_t psk_len, const uint8_t *id_body, size_t id_len, uint8_t *out,
		    size_t *out_len)
{
	const struct fp_ike_keys *k = &s->s_keys;
	uint16_t prf = k->k_suite.su_prf;
	uint8_t mac_id[FP_IKE_PRF_MAX], key[FP_IKE_PRF_MAX];
	struct fp_ike_iov pad = {(const uint8_t *)auth_pad, sizeof(auth_pad) - 1};
	struct fp_ike_iov oct[3];
	int rc = -1;

	if (psk_len && !fp_ike_auth_octets(s, of_initiator, id_body, id_len, mac_id, oct) &&
	    !fp_ike_prf(prf, psk, psk_len, &pad, 1, key) &&
	    !fp_ike_prf(prf, key, k->k_prf_len, oct, 3, out)) {
		*out_len = k->k_prf_len;
		rc = 0;
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(mac_id, sizeof(mac_id));
	return rc;
}

bool fp_ike_auth_psk_verify(const struct fp_ike_sarec *s, bool of_initiator,
			    const uint8_t *psk, size_t psk_len, const uint8_t *id_body,
			    size_t id_len, const uint8_t *auth, size_t auth_len)
{
	uint8_t want[FP_IKE_PRF_MAX];
	size_t n;
	bool ok = !fp_ike_auth_psk(s, of_initiator, psk, psk_len, id_body, id_len, want, &n) &&
		  n == auth_len && CRYPTO_memcmp(want, auth, n) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

static const char *const authf_names[FP_IKE_AUTHF__COUNT] = {
	[FP_IKE_AUTHF_OK] = "ok",
#define FP_IKE_X(n, s) [FP_IKE_AUTHF_##n] = s,
	FP_IKE_AUTHF_LIST(FP_IKE_X)
#undef FP_IKE_X
};

const char *fp_ike_authf_name(unsigned why)
{
	return why < FP_IKE_AUTHF__COUNT ? authf_names[why] : "?";
}
