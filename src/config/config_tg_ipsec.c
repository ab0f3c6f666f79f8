/* "tunnel-group PEER ipsec-attributes" and its sub-mode: how IKEv2
 * authenticates each side ("ikev2 remote-authentication pre-shared-key KEY
 * | certificate", "ikev2 local-authentication pre-shared-key KEY |
 * certificate TRUSTPOINT") and dead peer detection ("isakmp keepalive
 * threshold S retry R | disable").
 *
 * A pre-shared key may be any printable word: no error quotes it (nor any
 * word after "pre-shared-key", config_secret.c), and a key replaced or
 * given up for a certificate is wiped. The last line for a side wins. */
#include "config/config_parse.h"

#include <openssl/crypto.h>
#include <string.h>

#define DPD_THRESHOLD_MIN 10u    /* seconds, the ASA's range */
#define DPD_THRESHOLD_MAX 3600u
#define DPD_RETRY_MIN 2u
#define DPD_RETRY_MAX 10u

int fp_cfg_tgi_open(struct fp_cfg_parse *p)
{
	struct fp_cfg_tunnel_group *tg = fp_cfg_tg_find(p);
	if (!tg)
		return -1;
	if (!tg->ipsec_line)
		tg->ipsec_line = p->lineno;
	p->c->parse_mode = FP_CFG_MODE_TG_IPSEC;
	p->c->parse_index = (unsigned)(tg - p->c->tunnel_groups);
	return 0;
}

static struct fp_cfg_tunnel_group *tgi_current(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	if (c->parse_mode != FP_CFG_MODE_TG_IPSEC || c->parse_index >= c->n_tunnel_groups) {
		fp_cfg_error(p, "no tunnel-group is open: start with 'tunnel-group PEER "
			     "ipsec-attributes'");
		return NULL;
	}
	return &c->tunnel_groups[c->parse_index];
}

/* Word 1 says which side: "remote-authentication" or "local-authentication"
 * (the dispatch table matched one of them). */
static bool tgi_local(const struct fp_cfg_parse *p)
{
	return fp_cfg_word_is(p->tok[1], "local-authentication");
}

int fp_cfg_tgi_psk(struct fp_cfg_parse *p)
{
	struct fp_cfg_tunnel_group *tg = tgi_current(p);
	const char *key = p->tok[p->arg];
	size_t n = strlen(key);
	if (!tg)
		return -1;
	if (n > FP_CFG_PSK_MAX) /* the tokenizer let only printable words through */
		return fp_cfg_error(p, "the pre-shared key has %zu characters (limit %u; not "
				    "shown)", n, FP_CFG_PSK_MAX);
	bool local = tgi_local(p);
	char *psk = local ? tg->psk_local : tg->psk_remote;
	OPENSSL_cleanse(psk, FP_CFG_PSK_MAX + 1);
	memcpy(psk, key, n);
	*(local ? &tg->auth_local : &tg->auth_remote) = FP_CFG_AUTH_PSK;
	if (local)
		memset(tg->trustpoint, 0, sizeof(tg->trustpoint));
	return 0;
}

/* "remote-authentication certificate" takes no word: the peer's
 * certificate chains to a trustpoint's ca-file. */
int fp_cfg_tgi_cert(struct fp_cfg_parse *p)
{
	struct fp_cfg_tunnel_group *tg = tgi_current(p);
	char tp[FP_NAME_MAX] = "";
	if (!tg)
		return -1;
	bool local = tgi_local(p); /* the table gave local one word, remote none */
	if (local && fp_cfg_name(p, p->tok[p->arg], "the trustpoint name", sizeof(tp), tp) < 0)
		return -1;
	char *psk = local ? tg->psk_local : tg->psk_remote;
	OPENSSL_cleanse(psk, FP_CFG_PSK_MAX + 1);
	*(local ? &tg->auth_local : &tg->auth_remote) = FP_CFG_AUTH_CERT;
	if (local)
		memcpy(tg->trustpoint, tp, sizeof(tp));
	return 0;
}

int fp_cfg_tgi_keepalive(struct fp_cfg_parse *p)
{
	struct fp_cfg_tunnel_group *tg = tgi_current(p);
	uint64_t s, r;
	const char *kw = p->tok[p->arg + 1];
	if (!tg ||
	    fp_cfg_uint(p, p->tok[p->arg], "the threshold (seconds)", DPD_THRESHOLD_MIN,
			DPD_THRESHOLD_MAX, &s) < 0)
		return -1;
	if (!fp_cfg_word_is(kw, "retry"))
		return fp_cfg_error(p, "expected 'retry' after the threshold, got %s",
				    FP_CFG_SHOWN(p, kw));
	if (fp_cfg_uint(p, p->tok[p->arg + 2], "the retry interval (seconds)", DPD_RETRY_MIN,
			DPD_RETRY_MAX, &r) < 0)
		return -1;
	tg->dpd_threshold = (uint16_t)s;
	tg->dpd_retry = (uint8_t)r;
	tg->dpd_disabled = false;
	return 0;
}

int fp_cfg_tgi_keepalive_off(struct fp_cfg_parse *p)
{
	struct fp_cfg_tunnel_group *tg = tgi_current(p);
	if (!tg)
		return -1;
	tg->dpd_threshold = 0;
	tg->dpd_retry = 0;
	tg->dpd_disabled = true;
	return 0;
}
