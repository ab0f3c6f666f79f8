/* Device-wide commands: hostname, the global anti-replay window, and the
 * flow-offload switches. */
#include "config/config_parse.h"

#include <string.h>

int fp_cfg_hostname(struct fp_cfg_parse *p)
{
	char name[FP_NAME_MAX];
	if (fp_cfg_name(p, p->tok[p->arg], "the hostname", sizeof(name), name) < 0)
		return -1;
	memcpy(p->c->hostname, name, sizeof(name));
	return 0;
}

/* RFC 4303 §3.4.3 leaves the size to the receiver; these are the ASA's. */
int fp_cfg_replay_size(struct fp_cfg_parse *p, const char *word, unsigned *out)
{
	uint64_t v;
	if (fp_cfg_uint(p, word, "the window size", 64, 1024, &v) < 0)
		return -1;
	if (v & (v - 1))
		return fp_cfg_error(p, "the window size must be 64, 128, 256, 512 or 1024, "
				    "got %llu", (unsigned long long)v);
	*out = (unsigned)v;
	return 0;
}

int fp_cfg_replay_window(struct fp_cfg_parse *p)
{
	unsigned v = 0;
	if (fp_cfg_replay_size(p, p->tok[p->arg], &v) < 0)
		return -1;
	p->c->replay_window = v;
	return 0;
}

int fp_cfg_replay_disable(struct fp_cfg_parse *p)
{
	p->c->replay_disabled = true;
	return 0;
}

int fp_cfg_offload(struct fp_cfg_parse *p)
{
	p->c->offload_ipsec = true;
	return 0;
}

int fp_cfg_offload_off(struct fp_cfg_parse *p)
{
	p->c->offload_ipsec = false;
	return 0;
}

int fp_cfg_offload_egress(struct fp_cfg_parse *p)
{
	p->c->offload_ipsec_egress = true;
	return 0;
}

int fp_cfg_offload_egress_off(struct fp_cfg_parse *p)
{
	p->c->offload_ipsec_egress = false;
	return 0;
}
