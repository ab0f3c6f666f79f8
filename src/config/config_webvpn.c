/* "ssl trust-point TP NAMEIF" (the certificate TLS on that interface
 * presents), the "webvpn" block ("enable NAMEIF", "dtls port N",
 * "anyconnect enable", "tunnel-group-list enable") and "[no]
 * flow-offload-dtls": what the remote-access headend listens with. */
#include "config/config_parse.h"

#include <string.h>

int fp_cfg_ssl_tp(struct fp_cfg_parse *p)
{
	struct fp_cfg_ra *ra = &p->c->ra;
	struct fp_cfg_ssl_tp t = {.line = p->lineno};
	if (fp_cfg_name(p, p->tok[p->arg], "the trustpoint name", sizeof(t.trustpoint),
			t.trustpoint) < 0 ||
	    fp_cfg_name(p, p->tok[p->arg + 1], "the interface name", sizeof(t.nameif), t.nameif) < 0)
		return -1;
	for (unsigned i = 0; i < ra->n_ssl_tps; i++)
		if (strcmp(ra->ssl_tps[i].nameif, t.nameif) == 0) {
			ra->ssl_tps[i] = t;
			return 0;
		}
	if (ra->n_ssl_tps == sizeof(ra->ssl_tps) / sizeof(ra->ssl_tps[0]))
		return fp_cfg_error(p, "too many 'ssl trust-point' lines (limit %zu)",
				    sizeof(ra->ssl_tps) / sizeof(ra->ssl_tps[0]));
	ra->ssl_tps[ra->n_ssl_tps++] = t;
	return 0;
}

int fp_cfg_webvpn_open(struct fp_cfg_parse *p)
{
	struct fp_cfg_webvpn *w = &p->c->ra.webvpn;
	if (!w->present)
		w->line = p->lineno;
	w->present = true;
	p->c->parse_mode = FP_CFG_MODE_WEBVPN;
	p->c->parse_index = 0;
	return 0;
}

static struct fp_cfg_webvpn *webvpn_current(struct fp_cfg_parse *p)
{
	if (p->c->parse_mode != FP_CFG_MODE_WEBVPN) {
		fp_cfg_error(p, "no webvpn block is open: start with 'webvpn'");
		return NULL;
	}
	return &p->c->ra.webvpn;
}

int fp_cfg_webvpn_enable(struct fp_cfg_parse *p)
{
	struct fp_cfg_webvpn *w = webvpn_current(p);
	char nameif[FP_CFG_RA_NAME_MAX];
	if (!w || fp_cfg_name(p, p->tok[p->arg], "the interface name", sizeof(nameif), nameif) < 0)
		return -1;
	if (fp_config_webvpn_enabled(p->c, nameif))
		return 0;
	if (w->n_enable == sizeof(w->enable) / sizeof(w->enable[0]))
		return fp_cfg_error(p, "too many 'enable' lines (limit %zu)",
				    sizeof(w->enable) / sizeof(w->enable[0]));
	memcpy(w->enable[w->n_enable++], nameif, sizeof(nameif));
	return 0;
}

int fp_cfg_webvpn_dtls_port(struct fp_cfg_parse *p)
{
	struct fp_cfg_webvpn *w = webvpn_current(p);
	uint64_t v;
	if (!w || fp_cfg_uint(p, p->tok[p->arg], "the DTLS port", 1, 65535, &v) < 0)
		return -1;
	w->dtls_port = (uint16_t)v;
	return 0;
}

int fp_cfg_webvpn_anyconnect(struct fp_cfg_parse *p)
{
	struct fp_cfg_webvpn *w = webvpn_current(p);
	if (!w)
		return -1;
	w->anyconnect = true;
	return 0;
}

int fp_cfg_webvpn_tg_list(struct fp_cfg_parse *p)
{
	struct fp_cfg_webvpn *w = webvpn_current(p);
	if (!w)
		return -1;
	w->tg_list = true;
	return 0;
}

int fp_cfg_offload_dtls(struct fp_cfg_parse *p)
{
	p->c->ra.offload_dtls = !fp_cfg_word_is(p->tok[0], "no");
	return 0;
}

int fp_cfg_offload_dtls_egress(struct fp_cfg_parse *p)
{
	p->c->ra.offload_dtls_egress = !fp_cfg_word_is(p->tok[0], "no");
	return 0;
}

bool fp_config_webvpn_enabled(const struct fp_config *c, const char *nameif)
{
	const struct fp_cfg_webvpn *w = &c->ra.webvpn;
	for (unsigned i = 0; i < w->n_enable; i++)
		if (strcmp(w->enable[i], nameif) == 0)
			return true;
	return false;
}

const struct fp_cfg_trustpoint *fp_config_ssl_trustpoint(const struct fp_config *c,
							 const char *nameif)
{
	for (unsigned i = 0; i < c->ra.n_ssl_tps; i++)
		if (strcmp(c->ra.ssl_tps[i].nameif, nameif) == 0)
			return fp_config_trustpoint(c, c->ra.ssl_tps[i].trustpoint);
	return NULL;
}
