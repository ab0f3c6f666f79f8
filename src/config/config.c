/* The configuration's life: a new one with defaults, a file read into it
 * line by line, lookups by name, and the end that zeroizes its keys. */
#include "config/config_parse.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

struct fp_config *fp_config_new(void)
{
	struct fp_config *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->acls = calloc(FP_CFG_MAX_ACLS, sizeof(*c->acls));
	c->entries = calloc(FP_CFG_MAX_MAP_ENTRIES, sizeof(*c->entries));
	if (!c->acls || !c->entries) {
		fp_config_free(c);
		return NULL;
	}
	snprintf(c->hostname, sizeof(c->hostname), "fpvpn");
	c->replay_window = 64;
	c->offload_ipsec = true;
	c->offload_ipsec_egress = true;
	c->ra.offload_dtls_egress = true;
	return c;
}

void fp_config_free(struct fp_config *c)
{
	if (!c)
		return;
	if (c->entries)
		OPENSSL_cleanse(c->entries, FP_CFG_MAX_MAP_ENTRIES * sizeof(*c->entries));
	free(c->entries);
	free(c->acls);
	OPENSSL_cleanse(c, sizeof(*c)); /* the tunnel-groups' pre-shared keys */
	free(c);
}

/* One line into buf (cap bytes): its length, newline included, 0 at the
 * end of the file or on a read error (ferror tells). A line that fills
 * buf without a newline is cut there: nothing here grows with the input,
 * so an endless file (-c /dev/zero) costs no memory. */
static size_t read_line(FILE *f, char *buf, size_t cap)
{
	size_t n = 0;
	int ch;
	while (n < cap && (ch = getc_unlocked(f)) != EOF) {
		buf[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	return n;
}

/* One line, NUL-terminated after its n bytes, to the parser (which also
 * refuses it when too long). A NUL inside is refused here: the parser
 * sees C strings, so the rest of the line would silently vanish. */
static int load_line(struct fp_config *c, const char *line, size_t n, const char *path,
		     unsigned lineno, char *err, size_t errlen)
{
	const char *nul = memchr(line, '\0', n);
	if (nul) {
		snprintf(err, errlen, "%s:%u: NUL byte at column %zu", path, lineno,
			 (size_t)(nul - line) + 1);
		return -1;
	}
	return fp_config_parse_line(c, line, path, lineno, err, errlen);
}

/* The whole file, within FP_CFG_FILE_MAX bytes and FP_CFG_FILE_LINES lines;
 * a read error is an error, never the lines before it taken for the file. */
static int load_lines(struct fp_config *c, FILE *f, const char *path, char *err, size_t errlen)
{
	char line[FP_CFG_LINE_MAX + 4]; /* room to see that a line is too long, and a NUL */
	size_t n, total = 0;
	unsigned lineno = 0;
	int rc = 0;
	while (rc == 0 && (n = read_line(f, line, sizeof(line) - 1)) > 0 && !ferror(f)) {
		line[n] = '\0';
		total += n;
		if (++lineno > FP_CFG_FILE_LINES)
			rc = -1, snprintf(err, errlen, "%s:%u: more than %u lines in the file", path,
					  lineno, FP_CFG_FILE_LINES);
		else if (total > FP_CFG_FILE_MAX)
			rc = -1, snprintf(err, errlen, "%s:%u: the file is longer than %u bytes",
					  path, lineno, FP_CFG_FILE_MAX);
		else
			rc = load_line(c, line, n, path, lineno, err, errlen);
	}
	if (rc == 0 && ferror(f))
		rc = -1, snprintf(err, errlen, "%s:%u: read error: %s", path, lineno + 1,
				  strerror(errno));
	OPENSSL_cleanse(line, sizeof(line)); /* it held session keys */
	return rc;
}

int fp_config_load(struct fp_config *c, const char *path, char *err, size_t errlen)
{
	char iobuf[8192];
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf)); /* ours, so that it can be wiped */
	c->parse_mode = FP_CFG_MODE_TOP; /* a file never continues another's sub-mode */
	snprintf(c->file, sizeof(c->file), "%s", path);
	int rc = load_lines(c, f, path, err, errlen);
	fclose(f);
	OPENSSL_cleanse(iobuf, sizeof(iobuf));
	return rc;
}

const struct fp_cfg_acl *fp_config_acl(const struct fp_config *c, const char *name)
{
	for (unsigned i = 0; i < c->n_acls; i++)
		if (strcmp(c->acls[i].name, name) == 0)
			return &c->acls[i];
	return NULL;
}

const struct fp_cfg_proposal *fp_config_proposal(const struct fp_config *c, const char *name)
{
	for (unsigned i = 0; i < c->n_proposals; i++)
		if (strcmp(c->proposals[i].name, name) == 0)
			return &c->proposals[i];
	return NULL;
}

const struct fp_cfg_iface *fp_config_iface_by_nameif(const struct fp_config *c,
						     const char *nameif)
{
	for (unsigned i = 0; i < c->n_ifaces; i++)
		if (c->ifaces[i].nameif[0] && strcmp(c->ifaces[i].nameif, nameif) == 0)
			return &c->ifaces[i];
	return NULL;
}

const struct fp_cfg_iface *fp_config_map_iface(const struct fp_config *c, const char *map)
{
	for (unsigned i = 0; i < c->n_bindings; i++)
		if (strcmp(c->bindings[i].map, map) == 0)
			return fp_config_iface_by_nameif(c, c->bindings[i].nameif);
	return NULL;
}

unsigned fp_config_mtu(const struct fp_config *c, const char *nameif)
{
	for (unsigned i = 0; i < c->n_mtus; i++)
		if (strcmp(c->mtus[i].nameif, nameif) == 0)
			return c->mtus[i].mtu;
	return 0;
}

bool fp_config_post_frag(const struct fp_config *c, const char *nameif)
{
	for (unsigned i = 0; i < c->n_frags; i++)
		if (strcmp(c->frags[i].nameif, nameif) == 0)
			return c->frags[i].post_frag;
	return false;
}

const struct fp_cfg_group_policy *fp_config_group_policy(const struct fp_config *c,
							 const char *name)
{
	for (unsigned i = 0; i < c->n_group_policies; i++)
		if (strcmp(c->group_policies[i].name, name) == 0)
			return &c->group_policies[i];
	return NULL;
}

const struct fp_cfg_tunnel_group *fp_config_tunnel_group(const struct fp_config *c,
							 const struct fp_addr *peer)
{
	for (unsigned i = 0; i < c->n_tunnel_groups; i++)
		if (c->tunnel_groups[i].peer.af != FP_AF_NONE &&
		    fp_addr_eq(&c->tunnel_groups[i].peer, peer))
			return &c->tunnel_groups[i];
	return NULL;
}

const struct fp_cfg_trustpoint *fp_config_trustpoint(const struct fp_config *c,
						     const char *name)
{
	for (unsigned i = 0; i < c->n_trustpoints; i++)
		if (strcmp(c->trustpoints[i].name, name) == 0)
			return &c->trustpoints[i];
	return NULL;
}

const struct fp_cfg_acl *fp_config_vpn_filter(const struct fp_config *c,
					      const struct fp_addr *peer)
{
	const struct fp_cfg_tunnel_group *tg = fp_config_tunnel_group(c, peer);
	const char *name = tg && tg->group_policy[0] ? tg->group_policy : FP_CFG_DFLT_GROUP_POLICY;
	const struct fp_cfg_group_policy *gp = fp_config_group_policy(c, name);
	if (!gp || gp->vpn_filter == FP_CFG_VF_UNSET)
		gp = fp_config_group_policy(c, FP_CFG_DFLT_GROUP_POLICY);
	if (!gp || gp->vpn_filter != FP_CFG_VF_VALUE)
		return NULL;
	return fp_config_acl(c, gp->vpn_filter_acl);
}
