/* "crypto ipsec ikev2 ipsec-proposal NAME" and its sub-mode lines
 * "protocol esp encryption ALG..." and "protocol esp integrity ALG...",
 * the transform name tables, and what manual keys each transform needs.
 *
 * With manual keys the proposal's first encryption and first integrity
 * transform are the pair used (IKEv2 will negotiate from the whole list). */
#include "config/config_parse.h"

#include <string.h>

static const struct {
	const char *name;
	enum fp_cipher cipher;
	uint8_t key_len;   /* without salt */
	uint8_t salt_len;  /* RFC 4106 §8.1, RFC 7634 §4: 4 bytes after the key */
} cfg_ciphers[] = {
	{ "aes", FP_CIPHER_AES_CBC_128, 16, 0 },
	{ "aes-256", FP_CIPHER_AES_CBC_256, 32, 0 },
	{ "aes-gcm", FP_CIPHER_AES_GCM_128, 16, 4 },
	{ "aes-gcm-256", FP_CIPHER_AES_GCM_256, 32, 4 },
	{ "chacha20-poly1305", FP_CIPHER_CHACHA20_POLY1305, 32, 4 },
	{ "null", FP_CIPHER_NULL, 0, 0 },
};
#define N_CIPHERS (sizeof(cfg_ciphers) / sizeof(cfg_ciphers[0]))

static const struct {
	const char *name;
	enum fp_integ integ;
	uint8_t key_len;   /* RFC 2404, RFC 4868 §2.1.1: the hash's output size */
} cfg_integs[] = {
	{ "sha-1", FP_INTEG_HMAC_SHA1_96, 20 },
	{ "sha-256", FP_INTEG_HMAC_SHA256_128, 32 },
	{ "sha-384", FP_INTEG_HMAC_SHA384_192, 48 },
	{ "sha-512", FP_INTEG_HMAC_SHA512_256, 64 },
	{ "null", FP_INTEG_NONE, 0 },
};
#define N_INTEGS (sizeof(cfg_integs) / sizeof(cfg_integs[0]))

/* ASA names fpvpn knows but does not offer. */
static const char *const cfg_refused[] = {
	"aes-192", "aes-gcm-192", "aes-gmac", "aes-gmac-192", "aes-gmac-256", "3des", "des", "md5",
};

#define CIPHER_LIST "aes, aes-256, aes-gcm, aes-gcm-256, chacha20-poly1305 or null"
#define INTEG_LIST "sha-1, sha-256, sha-384, sha-512 or null"

const char *fp_cfg_cipher_name(enum fp_cipher c)
{
	for (unsigned i = 0; i < N_CIPHERS; i++)
		if (cfg_ciphers[i].cipher == c)
			return cfg_ciphers[i].name;
	return "?";
}

const char *fp_cfg_integ_name(enum fp_integ i)
{
	for (unsigned k = 0; k < N_INTEGS; k++)
		if (cfg_integs[k].integ == i)
			return cfg_integs[k].name;
	return "?";
}

static unsigned cipher_index(enum fp_cipher c)
{
	unsigned i = 0;
	while (i + 1 < N_CIPHERS && cfg_ciphers[i].cipher != c)
		i++;
	return i;
}

static unsigned integ_index(enum fp_integ g)
{
	unsigned i = 0;
	while (i + 1 < N_INTEGS && cfg_integs[i].integ != g)
		i++;
	return i;
}

bool fp_cfg_cipher_aead(enum fp_cipher c)
{
	return cfg_ciphers[cipher_index(c)].salt_len != 0;
}

enum fp_integ fp_cfg_proposal_integ0(const struct fp_cfg_proposal *pr)
{
	return pr->n_integ ? pr->integ[0] : FP_INTEG_NONE;
}

int fp_cfg_key_check(enum fp_cipher c, enum fp_integ g, const struct fp_cfg_session_key *k,
		     char *msg, size_t n)
{
	unsigned ci = cipher_index(c), gi = integ_index(g);
	unsigned key = cfg_ciphers[ci].key_len, salt = cfg_ciphers[ci].salt_len;
	const char *cn = cfg_ciphers[ci].name, *gn = cfg_integs[gi].name;
	if (salt && k->cipher_key_len != key + salt)
		snprintf(msg, n, "cipher key must be %u bytes (%u-byte key + %u-byte salt) for %s, "
			 "got %u", key + salt, key, salt, cn, k->cipher_key_len);
	else if (salt && k->auth_key_len)
		snprintf(msg, n, "%s takes no authenticator (it authenticates itself)", cn);
	else if (!salt && k->cipher_key_len != key && key)
		snprintf(msg, n, "cipher key must be %u bytes for %s, got %u", key, cn,
			 k->cipher_key_len);
	else if (!salt && k->cipher_key_len && !key)
		snprintf(msg, n, "encryption null takes no cipher key");
	else if (!salt && k->auth_key_len != cfg_integs[gi].key_len)
		snprintf(msg, n, "authenticator must be %u bytes for %s, got %u",
			 cfg_integs[gi].key_len, gn, k->auth_key_len);
	else
		return 0;
	return -1;
}

int fp_cfg_proposal_open(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	char name[FP_NAME_MAX];
	if (fp_cfg_name(p, p->tok[p->arg], "the proposal name", sizeof(name), name) < 0)
		return -1;
	const struct fp_cfg_proposal *old = fp_config_proposal(c, name);
	unsigned i = old ? (unsigned)(old - c->proposals) : c->n_proposals;
	if (i == FP_CFG_MAX_PROPOSALS)
		return fp_cfg_error(p, "too many ipsec-proposals (limit %u)", FP_CFG_MAX_PROPOSALS);
	if (!old) {
		memset(&c->proposals[i], 0, sizeof(c->proposals[i]));
		memcpy(c->proposals[i].name, name, sizeof(name));
		c->proposals[i].line = p->lineno;
		c->n_proposals++;
	}
	c->parse_mode = FP_CFG_MODE_PROPOSAL;
	c->parse_index = i;
	return 0;
}

static struct fp_cfg_proposal *proposal_current(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	if (c->parse_mode != FP_CFG_MODE_PROPOSAL || c->parse_index >= c->n_proposals) {
		fp_cfg_error(p, "no ipsec-proposal is open");
		return NULL;
	}
	return &c->proposals[c->parse_index];
}

static bool name_refused(const char *w)
{
	for (unsigned i = 0; i < sizeof(cfg_refused) / sizeof(cfg_refused[0]); i++)
		if (fp_cfg_word_is(w, cfg_refused[i]))
			return true;
	return false;
}

/* The words after the keywords as indexes into a name table (the
 * algorithms in order of preference), each named at most once. */
static int alg_list(struct fp_cfg_parse *p, bool cipher, unsigned *out, unsigned *n)
{
	*n = 0;
	for (unsigned i = p->arg; i < p->ntok; i++) {
		const char *w = p->tok[i];
		unsigned k = 0, nt = cipher ? N_CIPHERS : N_INTEGS;
		while (k < nt && !fp_cfg_word_is(w, cipher ? cfg_ciphers[k].name : cfg_integs[k].name))
			k++;
		if (k == nt && name_refused(w))
			return fp_cfg_error(p, "'%s' is not supported by fpvpn; use %s", w,
					    cipher ? CIPHER_LIST : INTEG_LIST);
		if (k == nt)
			return fp_cfg_error(p, "unknown algorithm %s; expected %s", FP_CFG_SHOWN(p, w),
					    cipher ? CIPHER_LIST : INTEG_LIST);
		for (unsigned j = 0; j < *n; j++)
			if (out[j] == k)
				return fp_cfg_error(p, "'%s' is listed twice", w);
		out[(*n)++] = k;
	}
	return 0;
}

int fp_cfg_proposal_enc(struct fp_cfg_parse *p)
{
	struct fp_cfg_proposal *pr = proposal_current(p);
	unsigned idx[FP_CFG_MAX_PROPOSAL_ALGS], n;
	if (!pr || alg_list(p, true, idx, &n) < 0)
		return -1;
	memset(pr->enc, 0, sizeof(pr->enc));
	for (unsigned i = 0; i < n; i++)
		pr->enc[i] = cfg_ciphers[idx[i]].cipher;
	pr->n_enc = n;
	return 0;
}

int fp_cfg_proposal_integ(struct fp_cfg_parse *p)
{
	struct fp_cfg_proposal *pr = proposal_current(p);
	unsigned idx[FP_CFG_MAX_PROPOSAL_ALGS], n;
	if (!pr || alg_list(p, false, idx, &n) < 0)
		return -1;
	memset(pr->integ, 0, sizeof(pr->integ));
	for (unsigned i = 0; i < n; i++)
		pr->integ[i] = cfg_integs[idx[i]].integ;
	pr->n_integ = n;
	return 0;
}
