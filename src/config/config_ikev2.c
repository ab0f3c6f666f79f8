/* "crypto ikev2 policy N" with its sub-mode lines (encryption, integrity,
 * group, prf, lifetime seconds) and "crypto ikev2 enable NAMEIF".
 *
 * Each list line replaces the policy's list, in the order typed (the
 * order IKEv2 offers it). What goes with what (null integrity only with
 * AES-GCM) is checked by validation: the lines may come in any order.
 * A policy missing a line takes the ASA's default for it, filled in by
 * fp_config_ikev2_policy_effective() and never written back. */
#include "config/config_parse.h"

#include <string.h>

#define PRIORITY_MAX 65535u
#define LIFE_MIN 120u
#define LIFE_MAX 2147483647u
#define LIFE_DEFAULT 86400u
#define GROUP_DEFAULT 14u

static const char *const ike_encr_names[FP_CFG_IKE_ENCR__COUNT] = {
	[FP_CFG_IKE_AES] = "aes",
	[FP_CFG_IKE_AES_192] = "aes-192",
	[FP_CFG_IKE_AES_256] = "aes-256",
	[FP_CFG_IKE_AES_GCM] = "aes-gcm",
	[FP_CFG_IKE_AES_GCM_192] = "aes-gcm-192",
	[FP_CFG_IKE_AES_GCM_256] = "aes-gcm-256",
};

static const char *const ike_hash_names[FP_CFG_IKE_HASH__COUNT] = {
	[FP_CFG_IKE_NULL] = "null",
	[FP_CFG_IKE_SHA1] = "sha",
	[FP_CFG_IKE_SHA256] = "sha256",
	[FP_CFG_IKE_SHA384] = "sha384",
	[FP_CFG_IKE_SHA512] = "sha512",
};

/* RFC 3526 MODP 14-16, RFC 5903 ECP 19-21, RFC 8031 Curve25519 (31). */
static const uint8_t ike_groups[] = { 14, 15, 16, 19, 20, 21, 31 };

const char *fp_config_ike_encr_name(enum fp_cfg_ike_encr e)
{
	return (unsigned)e < FP_CFG_IKE_ENCR__COUNT ? ike_encr_names[e] : "?";
}

const char *fp_config_ike_hash_name(enum fp_cfg_ike_hash h)
{
	return (unsigned)h < FP_CFG_IKE_HASH__COUNT ? ike_hash_names[h] : "?";
}

static bool encr_gcm(uint8_t e)
{
	return e >= FP_CFG_IKE_AES_GCM && e <= FP_CFG_IKE_AES_GCM_256;
}

int fp_cfg_dh_group(struct fp_cfg_parse *p, const char *word, uint8_t *out)
{
	uint64_t v;
	if (fp_cfg_uint(p, word, "the DH group", 1, 255, &v) < 0)
		return -1;
	for (unsigned i = 0; i < sizeof(ike_groups); i++)
		if (ike_groups[i] == v) {
			*out = (uint8_t)v;
			return 0;
		}
	return fp_cfg_error(p, "DH group %llu is not offered (groups 1, 2, 5 and 24 are too "
			    "weak); expected 14, 15, 16, 19, 20, 21 or 31", (unsigned long long)v);
}

static struct fp_cfg_ikev2_policy *policy_current(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	if (c->parse_mode != FP_CFG_MODE_IKEV2_POLICY || c->parse_index >= c->n_ikev2_policies) {
		fp_cfg_error(p, "no ikev2 policy is open: start with 'crypto ikev2 policy N'");
		return NULL;
	}
	return &c->ikev2_policies[c->parse_index];
}

/* Kept sorted by priority: the order IKEv2 offers them in. */
int fp_cfg_ikev2_policy_open(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	uint64_t prio;
	unsigned i = 0;
	if (fp_cfg_uint(p, p->tok[p->arg], "the priority", 1, PRIORITY_MAX, &prio) < 0)
		return -1;
	while (i < c->n_ikev2_policies && c->ikev2_policies[i].priority < prio)
		i++;
	if (i == c->n_ikev2_policies || c->ikev2_policies[i].priority != prio) {
		if (c->n_ikev2_policies == FP_CFG_MAX_IKEV2_POLICIES)
			return fp_cfg_error(p, "too many ikev2 policies (limit %u)",
					    FP_CFG_MAX_IKEV2_POLICIES);
		struct fp_cfg_ikev2_policy *pol = &c->ikev2_policies[i];
		memmove(pol + 1, pol, (c->n_ikev2_policies - i) * sizeof(*pol));
		c->n_ikev2_policies++;
		memset(pol, 0, sizeof(*pol));
		pol->priority = (unsigned)prio;
		pol->line = p->lineno;
	}
	c->parse_mode = FP_CFG_MODE_IKEV2_POLICY;
	c->parse_index = i;
	return 0;
}

/* Word w as one of n names; -1 when none. */
static int name_index(const char *const *names, unsigned n, const char *w)
{
	for (unsigned i = 0; i < n; i++)
		if (names[i] && fp_cfg_word_is(w, names[i]))
			return (int)i;
	return -1;
}

/* The words after the keywords as a list of distinct values, through one
 * of the three word readers below. */
typedef int (*list_word_fn)(struct fp_cfg_parse *p, const char *w, uint8_t *out);

static int list_parse(struct fp_cfg_parse *p, list_word_fn word, uint8_t *out, uint8_t *n)
{
	uint8_t v[FP_CFG_MAX_IKE_ALGS];
	unsigned k = 0;
	for (unsigned i = p->arg; i < p->ntok; i++, k++) {
		if (word(p, p->tok[i], &v[k]) < 0)
			return -1;
		for (unsigned j = 0; j < k; j++)
			if (v[j] == v[k])
				return fp_cfg_error(p, "%s is listed twice", FP_CFG_SHOWN(p, p->tok[i]));
	}
	memcpy(out, v, k);
	*n = (uint8_t)k;
	return 0;
}

static int encr_word(struct fp_cfg_parse *p, const char *w, uint8_t *out)
{
	int i = name_index(ike_encr_names, FP_CFG_IKE_ENCR__COUNT, w);
	if (i < 0)
		return fp_cfg_error(p, "expected aes, aes-192, aes-256, aes-gcm, aes-gcm-192 or "
				    "aes-gcm-256, got %s (des and 3des are not offered)",
				    FP_CFG_SHOWN(p, w));
	*out = (uint8_t)i;
	return 0;
}

static int hash_word(struct fp_cfg_parse *p, const char *w, uint8_t *out, bool null_ok)
{
	int i = name_index(ike_hash_names, FP_CFG_IKE_HASH__COUNT, w);
	if (i < 0 || (i == FP_CFG_IKE_NULL && !null_ok))
		return fp_cfg_error(p, "expected sha, sha256, sha384, sha512%s, got %s (md5 is "
				    "not offered)", null_ok ? " or null" : "", FP_CFG_SHOWN(p, w));
	*out = (uint8_t)i;
	return 0;
}

static int integ_word(struct fp_cfg_parse *p, const char *w, uint8_t *out)
{
	return hash_word(p, w, out, true);
}

static int prf_word(struct fp_cfg_parse *p, const char *w, uint8_t *out)
{
	return hash_word(p, w, out, false);
}

int fp_cfg_ikev2_encr(struct fp_cfg_parse *p)
{
	struct fp_cfg_ikev2_policy *pol = policy_current(p);
	return pol ? list_parse(p, encr_word, pol->encr, &pol->n_encr) : -1;
}

int fp_cfg_ikev2_integ(struct fp_cfg_parse *p)
{
	struct fp_cfg_ikev2_policy *pol = policy_current(p);
	return pol ? list_parse(p, integ_word, pol->integ, &pol->n_integ) : -1;
}

int fp_cfg_ikev2_group(struct fp_cfg_parse *p)
{
	struct fp_cfg_ikev2_policy *pol = policy_current(p);
	return pol ? list_parse(p, fp_cfg_dh_group, pol->group, &pol->n_group) : -1;
}

int fp_cfg_ikev2_prf(struct fp_cfg_parse *p)
{
	struct fp_cfg_ikev2_policy *pol = policy_current(p);
	return pol ? list_parse(p, prf_word, pol->prf, &pol->n_prf) : -1;
}

int fp_cfg_ikev2_life(struct fp_cfg_parse *p)
{
	struct fp_cfg_ikev2_policy *pol = policy_current(p);
	uint64_t v;
	if (!pol || fp_cfg_uint(p, p->tok[p->arg], "seconds", LIFE_MIN, LIFE_MAX, &v) < 0)
		return -1;
	pol->life_s = (uint32_t)v;
	return 0;
}

/* The IP packet size IKE fragments (RFC 7383) fit in; the ASA's range.
 * Not written back at the default. */
int fp_cfg_ikev2_frag_mtu(struct fp_cfg_parse *p)
{
	uint64_t v;
	if (fp_cfg_uint(p, p->tok[p->arg], "the MTU", FP_CFG_IKE_FRAG_MTU_MIN,
			FP_CFG_IKE_FRAG_MTU_MAX, &v) < 0)
		return -1;
	p->c->ikev2_frag_mtu = v == FP_CFG_IKE_FRAG_MTU_DEFAULT ? 0 : (uint16_t)v;
	return 0;
}

/* Typed again as it is: no change (the line of the first stays). */
int fp_cfg_ikev2_enable(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	char nameif[FP_NAME_MAX];
	if (fp_cfg_name(p, p->tok[p->arg], "the interface name", sizeof(nameif), nameif) < 0)
		return -1;
	if (fp_config_ikev2_enabled(c, nameif))
		return 0;
	if (c->n_ikev2_enables == FP_CFG_MAX_IFACES)
		return fp_cfg_error(p, "too many 'crypto ikev2 enable' lines (limit %u)",
				    FP_CFG_MAX_IFACES);
	struct fp_cfg_ikev2_enable *en = &c->ikev2_enables[c->n_ikev2_enables++];
	memcpy(en->nameif, nameif, sizeof(nameif));
	en->line = p->lineno;
	return 0;
}

/* A global "crypto ikev2 ..." number from 1 to max into *out. */
static int ikev2_number(struct fp_cfg_parse *p, const char *what, unsigned max, unsigned *out)
{
	uint64_t v;
	if (fp_cfg_uint(p, p->tok[p->arg], what, 1, max, &v) < 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* The half-open SAs kept at once (src/ike/ike.h: FP_IKE_HALF_OPEN_LIMIT at most). */
int fp_cfg_ikev2_limit(struct fp_cfg_parse *p)
{
	return ikev2_number(p, "the number of SAs in negotiation", 10000, &p->c->ikev2_max_in_neg);
}

/* The share of max-in-negotiation-sa from which a COOKIE is required. */
int fp_cfg_ikev2_cookie(struct fp_cfg_parse *p)
{
	return ikev2_number(p, "the percentage", 100, &p->c->ikev2_cookie_pct);
}

bool fp_config_ikev2_enabled(const struct fp_config *c, const char *nameif)
{
	for (unsigned i = 0; i < c->n_ikev2_enables; i++)
		if (strcmp(c->ikev2_enables[i].nameif, nameif) == 0)
			return true;
	return false;
}

/* The integrity list without null, as the PRF list: the ASA's default
 * PRF follows the integrity algorithm. */
static void prf_from_integ(struct fp_cfg_ikev2_policy *out)
{
	out->n_prf = 0;
	for (unsigned i = 0; i < out->n_integ; i++)
		if (out->integ[i] != FP_CFG_IKE_NULL)
			out->prf[out->n_prf++] = out->integ[i];
	if (!out->n_prf)
		out->prf[out->n_prf++] = FP_CFG_IKE_SHA256;
}

void fp_config_ikev2_policy_effective(const struct fp_cfg_ikev2_policy *pol,
				      struct fp_cfg_ikev2_policy *out)
{
	*out = *pol;
	if (!out->n_encr)
		out->encr[out->n_encr++] = FP_CFG_IKE_AES_256;
	if (!out->n_integ)
		out->integ[out->n_integ++] = encr_gcm(out->encr[0]) ? FP_CFG_IKE_NULL
								     : FP_CFG_IKE_SHA256;
	if (!out->n_prf)
		prf_from_integ(out);
	if (!out->n_group)
		out->group[out->n_group++] = GROUP_DEFAULT;
	if (!out->life_s)
		out->life_s = LIFE_DEFAULT;
}

/* A policy mixes AES-GCM with CBC (the ASA refuses it: one needs an
 * integrity algorithm, the other none), or pairs them wrongly with
 * integrity: a message into msg, -1. */
int fp_cfg_ikev2_policy_check(const struct fp_cfg_ikev2_policy *pol, char *msg, size_t n)
{
	struct fp_cfg_ikev2_policy e;
	unsigned gcm = 0, has_null = 0;
	fp_config_ikev2_policy_effective(pol, &e);
	for (unsigned i = 0; i < e.n_encr; i++)
		gcm += encr_gcm(e.encr[i]);
	for (unsigned i = 0; i < e.n_integ; i++)
		has_null += e.integ[i] == FP_CFG_IKE_NULL;
	if (gcm && gcm != e.n_encr)
		snprintf(msg, n, "AES-GCM and AES-CBC cannot share a policy: put them in two");
	else if (gcm && (has_null != e.n_integ))
		snprintf(msg, n, "AES-GCM authenticates itself: integrity must be null");
	else if (!gcm && has_null)
		snprintf(msg, n, "integrity null is only for AES-GCM (RFC 8221: no encryption "
			 "without authentication)");
	else
		return 0;
	return -1;
}
