/* "crypto ca trustpoint NAME" and its sub-mode: "enrollment terminal" (the
 * ASA's way to paste a certificate in) and fpvpn's file-based form of that
 * import, "certificate-file PATH", "private-key-file PATH" and "ca-file
 * PATH". Only names are kept here; validation loads the files
 * (trustpoint.c), so that a file fixed on disk needs no new line. */
#include "config/config_parse.h"

#include <string.h>

int fp_cfg_tp_open(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	char name[FP_NAME_MAX];
	if (fp_cfg_name(p, p->tok[p->arg], "the trustpoint name", sizeof(name), name) < 0)
		return -1;
	const struct fp_cfg_trustpoint *old = fp_config_trustpoint(c, name);
	unsigned i = old ? (unsigned)(old - c->trustpoints) : c->n_trustpoints;
	if (!old) {
		if (c->n_trustpoints == FP_CFG_MAX_TRUSTPOINTS)
			return fp_cfg_error(p, "too many trustpoints (limit %u)",
					    FP_CFG_MAX_TRUSTPOINTS);
		struct fp_cfg_trustpoint *tp = &c->trustpoints[c->n_trustpoints++];
		memset(tp, 0, sizeof(*tp));
		memcpy(tp->name, name, sizeof(name));
		tp->line = p->lineno;
	}
	c->parse_mode = FP_CFG_MODE_TRUSTPOINT;
	c->parse_index = i;
	return 0;
}

static struct fp_cfg_trustpoint *tp_current(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	if (c->parse_mode != FP_CFG_MODE_TRUSTPOINT || c->parse_index >= c->n_trustpoints) {
		fp_cfg_error(p, "no trustpoint is open: start with 'crypto ca trustpoint NAME'");
		return NULL;
	}
	return &c->trustpoints[c->parse_index];
}

int fp_cfg_tp_enroll(struct fp_cfg_parse *p)
{
	struct fp_cfg_trustpoint *tp = tp_current(p);
	const char *w = p->tok[p->arg];
	if (!tp)
		return -1;
	if (!fp_cfg_word_is(w, "terminal"))
		return fp_cfg_error(p, "expected 'terminal' (fpvpn does not enroll over the "
				    "network), got %s", FP_CFG_SHOWN(p, w));
	tp->enroll_terminal = true;
	return 0;
}

/* certificate-file, private-key-file or ca-file (word 0 says which). */
int fp_cfg_tp_file(struct fp_cfg_parse *p)
{
	struct fp_cfg_trustpoint *tp = tp_current(p);
	const char *w = p->tok[p->arg];
	size_t n = strlen(w);
	if (!tp)
		return -1;
	if (n >= FP_CFG_TP_PATH_MAX)
		return fp_cfg_error(p, "the file name is longer than %u characters",
				    FP_CFG_TP_PATH_MAX - 1);
	char *dst = fp_cfg_word_is(p->tok[0], "certificate-file") ? tp->cert_file :
		    fp_cfg_word_is(p->tok[0], "private-key-file") ? tp->key_file : tp->ca_file;
	memset(dst, 0, FP_CFG_TP_PATH_MAX);
	memcpy(dst, w, n);
	return 0;
}
