/* What the IKEv2 renderers share (show_ikev2_sa.c, show_ikev2_stats.c,
 * show_vpn_sessiondb.c): the ASA's names for negotiated algorithms, the
 * tunnel that holds an IKE SA's child, and its peer's sessions. The names
 * are the ASA's display names, not IANA's (ike_wire.h has those). */
#include "cli/cli_impl.h"

#include "ike/ike_wire.h"

#include <stdio.h>

const char *fp_cli_ike_encr_name(uint16_t encr)
{
	switch (encr) {
	case FP_IKE_ENCR_AES_CBC: return "AES-CBC";
	case FP_IKE_ENCR_AES_CTR: return "AES-CTR";
	case FP_IKE_ENCR_AES_GCM_8:
	case FP_IKE_ENCR_AES_GCM_12:
	case FP_IKE_ENCR_AES_GCM_16: return "AES-GCM";
	case FP_IKE_ENCR_CHACHA20_POLY1305: return "CHACHA20-POLY1305";
	default: return "unknown";
	}
}

/* The ASA calls HMAC-SHA1-96 "SHA96". With an AEAD (no integrity
 * transform) the hash shown is the PRF's, as the ASA's GCM output has one. */
const char *fp_cli_ike_hash_name(uint16_t integ, uint16_t prf)
{
	switch (integ) {
	case FP_IKE_INTEG_HMAC_SHA1_96: return "SHA96";
	case FP_IKE_INTEG_HMAC_SHA2_256_128: return "SHA256";
	case FP_IKE_INTEG_HMAC_SHA2_384_192: return "SHA384";
	case FP_IKE_INTEG_HMAC_SHA2_512_256: return "SHA512";
	case FP_IKE_INTEG_NONE: break;
	default: return "unknown";
	}
	switch (prf) {
	case FP_IKE_PRF_HMAC_SHA1: return "SHA1";
	case FP_IKE_PRF_HMAC_SHA2_256: return "SHA256";
	case FP_IKE_PRF_HMAC_SHA2_384: return "SHA384";
	case FP_IKE_PRF_HMAC_SHA2_512: return "SHA512";
	default: return "unknown";
	}
}

const char *fp_cli_ike_auth_name(uint8_t method)
{
	switch (method) {
	case FP_IKE_AUTH_RSA_SIG: return "RSA";
	case FP_IKE_AUTH_ECDSA_256:
	case FP_IKE_AUTH_ECDSA_384:
	case FP_IKE_AUTH_ECDSA_521: return "ECDSA";
	default: return fp_ike_auth_name(method);
	}
}

/* show vpn-sessiondb's short form: "AES256", "AES-GCM-256". */
void fp_cli_ike_encr_short(uint16_t encr, uint16_t bits, char *buf, size_t n)
{
	if (encr == FP_IKE_ENCR_AES_CBC)
		snprintf(buf, n, "AES%u", bits);
	else
		snprintf(buf, n, "%s-%u", fp_cli_ike_encr_name(encr), bits);
}

/* An ESP transform as the ASA names it in show crypto ikev2 sa detail
 * ("AES-CBC", keysize 256) and in show vpn-sessiondb ("AES256"). */
void fp_cli_esp_encr(enum fp_cipher c, const char **name, unsigned *bits)
{
	static const struct {
		const char *name;
		unsigned bits;
	} t[FP_CIPHER__COUNT] = {
		[FP_CIPHER_NULL] = { "NULL", 0 },
		[FP_CIPHER_AES_CBC_128] = { "AES-CBC", 128 },
		[FP_CIPHER_AES_CBC_256] = { "AES-CBC", 256 },
		[FP_CIPHER_AES_GCM_128] = { "AES-GCM", 128 },
		[FP_CIPHER_AES_GCM_256] = { "AES-GCM", 256 },
		[FP_CIPHER_CHACHA20_POLY1305] = { "CHACHA20-POLY1305", 256 },
	};
	bool ok = (unsigned)c < FP_CIPHER__COUNT && t[c].name;
	*name = ok ? t[c].name : "unknown";
	*bits = ok ? t[c].bits : 0;
}

void fp_cli_esp_encr_short(enum fp_cipher c, char *buf, size_t n)
{
	const char *name;
	unsigned bits;
	fp_cli_esp_encr(c, &name, &bits);
	if (c == FP_CIPHER_AES_CBC_128 || c == FP_CIPHER_AES_CBC_256)
		snprintf(buf, n, "AES%u", bits);
	else if (bits && c != FP_CIPHER_CHACHA20_POLY1305)
		snprintf(buf, n, "%s-%u", name, bits);
	else
		snprintf(buf, n, "%s", name);
}

/* "SHA1", "SHA256", ... or "none" with an AEAD. */
const char *fp_cli_esp_hash_name(enum fp_integ i)
{
	switch (i) {
	case FP_INTEG_HMAC_SHA1_96: return "SHA1";
	case FP_INTEG_HMAC_SHA256_128: return "SHA256";
	case FP_INTEG_HMAC_SHA384_192: return "SHA384";
	case FP_INTEG_HMAC_SHA512_256: return "SHA512";
	default: return "none";
	}
}

/* The tunnel whose current child is handle h (a child being replaced by
 * a rekey is no tunnel's current one any more: NULL). */
const struct fp_gw_tunnel *fp_cli_child_tunnel(const struct fp_gw *gw, uint64_t h)
{
	for (unsigned i = 0; i < gw->n_tunnels && i < FP_GW_MAX_TUNNELS; i++) {
		const struct fp_gw_tunnel *t = &gw->tunnels[i];
		if (t->ikev2 && t->child != FP_SA_NONE && t->child == h)
			return t;
	}
	return NULL;
}

/* Is SA i the first of its peer's (the head of its session)? */
bool fp_cli_ike_sa_first_of_peer(const struct fp_ike *ike, unsigned i, unsigned peer)
{
	struct fp_ike_sa_info o;
	for (unsigned j = 0; j < i && fp_ike_sa_get(ike, j, &o); j++)
		if (o.peer == peer)
			return false;
	return true;
}

/* "23h:59m:32s" */
void fp_cli_duration(uint64_t ns, char *buf, size_t n)
{
	uint64_t s = ns / 1000000000u;
	snprintf(buf, n, "%uh:%02um:%02us", (unsigned)(s / 3600), (unsigned)(s / 60 % 60),
		 (unsigned)(s % 60));
}
