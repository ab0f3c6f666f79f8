/* "crypto map NAME SEQ set session-key inbound|outbound esp SPI
 *  cipher HEX [authenticator HEX]" (or "... esp SPI authenticator HEX" with
 * encryption null): manual keys, as on the ASA's manual crypto maps, until
 * IKEv2 derives them.
 *
 * For AES-GCM and ChaCha20-Poly1305 "cipher" is the key followed by the
 * 4-byte salt (RFC 4106 §8.1, RFC 7634 §4); for AES-CBC it is the bare key
 * and "authenticator" the HMAC key. A key line for an SPI the direction
 * already has replaces that key; an entry holds FP_CFG_MAX_KEYS a direction
 * (old and new during a manual rekey). */
#include "config/config_parse.h"

#include <openssl/crypto.h>
#include <string.h>

#define SPI_MIN 256u /* RFC 4303 §2.1: 1-255 are reserved by IANA, 0 is local use */

static int key_spi(struct fp_cfg_parse *p, const char *w, uint32_t *spi)
{
	uint64_t v;
	if (fp_cfg_uint(p, w, "the SPI", 0, UINT32_MAX, &v) < 0)
		return -1;
	if (v < SPI_MIN)
		return fp_cfg_error(p, "SPI %llu is reserved (RFC 4303 section 2.1); use %u or "
				    "more", (unsigned long long)v, SPI_MIN);
	*spi = (uint32_t)v;
	return 0;
}

/* "cipher HEX", "authenticator HEX" or both, in that order, from word i. */
static int key_material(struct fp_cfg_parse *p, unsigned i, struct fp_cfg_session_key *k)
{
	bool cipher = false, auth = false;
	for (; i < p->ntok; i += 2) {
		const char *w = p->tok[i], *hex = i + 1 < p->ntok ? p->tok[i + 1] : NULL;
		if (fp_cfg_word_is(w, "cipher") && !cipher && !auth && hex) {
			cipher = true;
			if (fp_cfg_hex(p, hex, "the cipher key", k->cipher_key,
				       sizeof(k->cipher_key), &k->cipher_key_len) < 0)
				return -1;
		} else if (fp_cfg_word_is(w, "authenticator") && !auth && hex) {
			auth = true;
			if (fp_cfg_hex(p, hex, "the authenticator", k->auth_key,
				       sizeof(k->auth_key), &k->auth_key_len) < 0)
				return -1;
		} else {
			/* the word is not quoted: a key typed where a keyword belongs */
			return fp_cfg_error(p, "expected %s after %s, got word %u%s (not shown: it "
					    "may be a key)",
					    auth ? "end of line" : cipher ? "'authenticator HEX'"
					    : "'cipher HEX' or 'authenticator HEX'",
					    auth || cipher ? "the key" : "the SPI", i + 1,
					    hex ? "" : " at the end");
		}
	}
	return 0;
}

static int key_parse(struct fp_cfg_parse *p, bool *inbound, struct fp_cfg_session_key *k)
{
	const char *dir = p->tok[p->arg], *proto = p->tok[p->arg + 1];
	if (!fp_cfg_word_is(dir, "inbound") && !fp_cfg_word_is(dir, "outbound"))
		return fp_cfg_error(p, "expected 'inbound' or 'outbound', got %s",
				    FP_CFG_SHOWN(p, dir));
	*inbound = fp_cfg_word_is(dir, "inbound");
	if (!fp_cfg_word_is(proto, "esp"))
		return fp_cfg_error(p, "expected 'esp' after '%s', got %s (fpvpn has no AH)",
				    dir, FP_CFG_SHOWN(p, proto));
	if (key_spi(p, p->tok[p->arg + 2], &k->spi) < 0)
		return -1;
	return key_material(p, p->arg + 3, k);
}

/* Against the proposal's first transforms, when the entry has one that is
 * already defined (fp_config_validate checks the rest). */
static int key_check_proposal(struct fp_cfg_parse *p, const struct fp_cfg_map_entry *e,
			      const struct fp_cfg_session_key *k)
{
	const struct fp_cfg_proposal *pr = e ? fp_config_proposal(p->c, e->proposal) : NULL;
	char msg[160];
	if (!pr || !pr->n_enc)
		return 0;
	if (fp_cfg_key_check(pr->enc[0], fp_cfg_proposal_integ0(pr), k, msg, sizeof(msg)) < 0)
		return fp_cfg_error(p, "%s", msg);
	return 0;
}

static int key_store(struct fp_cfg_parse *p, struct fp_cfg_map_entry *e, bool inbound,
		     const struct fp_cfg_session_key *k)
{
	struct fp_cfg_session_key *keys = inbound ? e->in : e->out;
	unsigned *n = inbound ? &e->n_in : &e->n_out;
	unsigned i = 0;
	while (i < *n && keys[i].spi != k->spi)
		i++;
	if (i == FP_CFG_MAX_KEYS)
		return fp_cfg_error(p, "too many %s keys in crypto map %s %u (limit %u)",
				    inbound ? "inbound" : "outbound", e->map, e->seq,
				    FP_CFG_MAX_KEYS);
	OPENSSL_cleanse(&keys[i], sizeof(keys[i]));
	keys[i] = *k;
	*n += i == *n;
	return 0;
}

int fp_cfg_map_session_key(struct fp_cfg_parse *p)
{
	struct fp_cfg_map_ref r;
	struct fp_cfg_session_key k;
	struct fp_cfg_map_entry *e;
	bool inbound = false;
	int rc = -1;
	memset(&k, 0, sizeof(k));
	if (fp_cfg_map_ref_parse(p, &r) == 0 && key_parse(p, &inbound, &k) == 0 &&
	    key_check_proposal(p, fp_cfg_map_entry(p, &r, false), &k) == 0 &&
	    (e = fp_cfg_map_entry(p, &r, true)))
		rc = key_store(p, e, inbound, &k);
	OPENSSL_cleanse(&k, sizeof(k));
	return rc;
}
