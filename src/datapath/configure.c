/* configure terminal and write memory while fpvpnd runs.
 *
 * A line is parsed into a copy of the running configuration, never into
 * the running one: tunnels, interfaces and the engine's SAs point into
 * gw->cfg, so it is changed in place and only in the settings the
 * gateway can take live (the hostname, the flow-offload-ipsec switches,
 * flow-offload-dtls, mtu and crypto ipsec fragmentation, IKEv2's half-open
 * limit and cookie threshold), and in what IKEv2 reads only when
 * it negotiates (an IKEv2 crypto map entry's proposals, PFS, lifetimes and
 * connection type, ipsec profiles, tunnel-group ipsec-attributes, IKEv2
 * policies, IPsec proposals no manual-key entry uses): the
 * next negotiation uses those, established SAs keep theirs. Route lines
 * are taken too: a route into a Tunnel interface works from the next
 * packet.
 * A line that parses but changes anything else is refused and says so;
 * the operator edits the file and restarts. A line that changes nothing
 * (a comment, a setting typed again as it is) is accepted. */
#include "datapath/dtls_session.h"
#include "datapath/gateway.h"
#include "datapath/ike_gw.h"
#include "datapath/runtime.h"
#include "common/atomicfile.h"
#include "ike/ike.h"

#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CFG_FILE "terminal"       /* how parser errors name a typed line */
#define CFG_LINE 0u               /* a typed line: fp_config_validate names no place */
#define CFG_QUOTE_WORDS 6u        /* words of a refused line quoted back */

/* A deep copy: the struct and its two heap arrays (used part). */
static struct fp_config *cfg_clone(const struct fp_config *c)
{
	struct fp_config *d = fp_config_new();
	if (!d)
		return NULL;
	struct fp_cfg_acl *acls = d->acls;
	struct fp_cfg_map_entry *entries = d->entries;
	memcpy(d, c, sizeof(*d));
	d->acls = acls;
	d->entries = entries;
	memcpy(acls, c->acls, c->n_acls * sizeof(*acls));
	memcpy(entries, c->entries, c->n_entries * sizeof(*entries));
	return d;
}

/* The mtu and crypto ipsec fragmentation lines of src, into dst. */
static void cfg_frag_lines_copy(struct fp_config *dst, const struct fp_config *src)
{
	memcpy(dst->mtus, src->mtus, sizeof(dst->mtus));
	dst->n_mtus = src->n_mtus;
	memcpy(dst->frags, src->frags, sizeof(dst->frags));
	dst->n_frags = src->n_frags;
}

/* Does next differ from run only in what can change live? The parser's
 * sub-mode counts as a change unless it holds only what IKEv2 reads when
 * it negotiates (crypto ipsec profile, tunnel-group ipsec-attributes): a
 * line that opens another ("interface eth0") starts a block whose lines
 * could not be applied either. */
static bool cfg_only_live(const struct fp_config *run, const struct fp_config *next)
{
	struct fp_config *x = cfg_clone(next);
	if (!x)
		return false;
	memcpy(x->hostname, run->hostname, sizeof(x->hostname));
	x->offload_ipsec = run->offload_ipsec;
	x->offload_ipsec_egress = run->offload_ipsec_egress;
	x->ra.offload_dtls = run->ra.offload_dtls;
	x->ra.offload_dtls_egress = run->ra.offload_dtls_egress;
	x->ikev2_max_in_neg = run->ikev2_max_in_neg;
	x->ikev2_cookie_pct = run->ikev2_cookie_pct;
	cfg_frag_lines_copy(x, run);
	fp_config_copy_negotiated(x, run);
	memcpy(x->routes, run->routes, sizeof(x->routes)); /* added or replaced: cfg_apply_routes */
	x->n_routes = run->n_routes;
	bool same = fp_config_mode_negotiated(next) && x->n_acls == run->n_acls &&
		    x->n_entries == run->n_entries &&
		    memcmp(x->acls, run->acls, run->n_acls * sizeof(*run->acls)) == 0 &&
		    memcmp(x->entries, run->entries, run->n_entries * sizeof(*run->entries)) == 0;
	struct fp_cfg_acl *acls = x->acls;
	struct fp_cfg_map_entry *entries = x->entries;
	x->acls = run->acls;
	x->entries = run->entries;
	x->parse_mode = run->parse_mode;
	x->parse_index = run->parse_index;
	same = same && memcmp(x, run, sizeof(*x)) == 0;
	x->acls = acls;
	x->entries = entries;
	fp_config_free(x); /* cleansed: the copy holds the tunnel-groups' pre-shared keys */
	return same;
}

/* The parser names its input "terminal:0: "; a typed line needs no place. */
static void cfg_err_unplace(char *err)
{
	char prefix[32];
	size_t n = (size_t)snprintf(prefix, sizeof(prefix), "%s:%u: ", CFG_FILE, CFG_LINE);
	if (strncmp(err, prefix, n) == 0)
		memmove(err, err + n, strlen(err + n) + 1);
}

/* "'crypto map CM 10 set peer ...' cannot be changed ...": the first words
 * only, and those that may be keys masked, so that a session key typed on
 * the line is never echoed. */
static int cfg_refuse(const char *line, char *err, size_t errlen)
{
	char q[160];
	size_t used = 0;
	unsigned w = 0;
	const char *p = line + strspn(line, " \t");
	while (*p && w < CFG_QUOTE_WORDS && used < sizeof(q)) {
		size_t n = strcspn(p, " \t\r\n");
		used += (size_t)snprintf(q + used, sizeof(q) - used, "%s%.*s", w ? " " : "",
					 (int)n, p);
		p += n;
		p += strspn(p, " \t\r\n");
		w++;
	}
	fp_config_mask_keys(q);
	snprintf(err, errlen, "'%s%s' cannot be changed while fpvpnd runs: edit the "
		 "configuration file and restart", q, *p ? " ..." : "");
	return -1;
}

/* mtu and fragmentation lines: each interface whose MTU (an mtu line,
 * else what it has: the device's) or policy changed tells its tunnels'
 * SAs. true when a tunnel's eligibility for the engine may have changed. */
static bool cfg_apply_frag(struct fp_gw *gw, const struct fp_config *next)
{
	struct fp_config *run = gw->cfg;
	bool moved = false;
	cfg_frag_lines_copy(run, next);
	for (unsigned i = 0; i < gw->n_ifaces; i++) {
		const struct fp_gw_iface *ifc = &gw->ifaces[i];
		unsigned line = fp_config_mtu(run, ifc->cfg->nameif);
		uint16_t mtu = line ? (uint16_t)line : ifc->mtu;
		bool post = fp_config_post_frag(run, ifc->cfg->nameif);
		if (mtu == ifc->mtu && post == ifc->post_frag)
			continue;
		moved |= post != ifc->post_frag;
		fp_gw_iface_frag_set(gw, (uint16_t)i, mtu, post);
	}
	return moved;
}

/* What cfg_apply_frag changes, to put it back. */
struct frag_was {
	struct fp_cfg_mtu mtus[FP_CFG_MAX_IFACES];
	struct fp_cfg_frag frags[FP_CFG_MAX_IFACES];
	unsigned n_mtus, n_frags;
	uint16_t mtu[FP_GW_MAX_IFACES];
	bool post[FP_GW_MAX_IFACES];
};

static void frag_save(const struct fp_gw *gw, struct frag_was *w)
{
	memcpy(w->mtus, gw->cfg->mtus, sizeof(w->mtus));
	memcpy(w->frags, gw->cfg->frags, sizeof(w->frags));
	w->n_mtus = gw->cfg->n_mtus;
	w->n_frags = gw->cfg->n_frags;
	for (unsigned i = 0; i < gw->n_ifaces; i++) {
		w->mtu[i] = gw->ifaces[i].mtu;
		w->post[i] = gw->ifaces[i].post_frag;
	}
}

/* A fragmentation change whose tunnels could not all move: the lines,
 * the interfaces and the SAs as they were, and the tunnels back (best
 * effort), so that nothing is half applied. */
static void frag_restore(struct fp_gw *gw, const struct frag_was *w)
{
	char scratch[128];
	memcpy(gw->cfg->mtus, w->mtus, sizeof(w->mtus));
	memcpy(gw->cfg->frags, w->frags, sizeof(w->frags));
	gw->cfg->n_mtus = w->n_mtus;
	gw->cfg->n_frags = w->n_frags;
	for (unsigned i = 0; i < gw->n_ifaces; i++)
		if (gw->ifaces[i].mtu != w->mtu[i] || gw->ifaces[i].post_frag != w->post[i])
			fp_gw_iface_frag_set(gw, (uint16_t)i, w->mtu[i], w->post[i]);
	fp_gw_offload_changed(gw, scratch, sizeof(scratch));
}

/* What IKEv2 reads when it negotiates (fp_config_copy_negotiated): into
 * the running configuration in place, the Tunnel interfaces' entries made
 * again from their profiles, the tunnels' first proposals looked up again
 * (what show prints before a negotiation), and IKE told. Established SAs
 * keep what they were negotiated with. */
static int cfg_apply_negotiated(struct fp_gw *gw, const struct fp_config *next, char *err,
				size_t errlen)
{
	struct fp_config *run = gw->cfg;
	fp_config_copy_negotiated(run, next);
	for (unsigned i = fp_gw_manual_tunnels(gw); i < gw->n_tunnels; i++) {
		struct fp_gw_tunnel *t = &gw->tunnels[i];
		if (t->vti)
			fp_config_vti_entry(run, t->vti, &gw->vti_entries[t->vti - run->vtis]);
		t->proposal = fp_config_proposal(run, t->entry->proposal);
	}
	return fp_gw_ike_reconfigure(gw, err, errlen);
}

/* The route lines (the language only adds or replaces one): into the
 * running configuration, the table the workers read made again, and each
 * network routed into a Tunnel interface routed into the inside TUN
 * devices as at start. */
static int cfg_apply_routes(struct fp_gw *gw, const struct fp_config *next, char *err,
			    size_t errlen)
{
	struct fp_config *run = gw->cfg;
	if (run->n_routes == next->n_routes &&
	    !memcmp(run->routes, next->routes, next->n_routes * sizeof(*next->routes)))
		return 0;
	memcpy(run->routes, next->routes, sizeof(run->routes));
	run->n_routes = next->n_routes;
	fp_gw_vti_routes_update(gw);
	for (unsigned i = 0; gw->rt && i < gw->routes->n; i++)
		if (fp_rt_inside_route_add(gw->rt, &gw->routes->r[i].net, err, errlen) < 0)
			return -1;
	return 0;
}

/* flow-offload-dtls switched: every DTLS rule to the pipe it now chooses.
 * A rule that neither pipe takes falls back to CSTP (dtls_session.h); the
 * setting is the one asked for either way, as the pipes now follow it. */
static int cfg_apply_dtls(struct fp_gw *gw, const struct fp_config *next, char *err,
			  size_t errlen)
{
	/* the workers read it per packet: no rule moves */
	gw->cfg->ra.offload_dtls_egress = next->ra.offload_dtls_egress;
	if (gw->cfg->ra.offload_dtls == next->ra.offload_dtls)
		return 0;
	gw->cfg->ra.offload_dtls = next->ra.offload_dtls;
	return fp_gw_dtls_offload_set(gw, next->ra.offload_dtls, err, errlen);
}

/* Make next's live settings the running ones: MTUs and fragmentation, the
 * offload switches, then the hostname. fp_gw_offload_changed() (reoffload.c)
 * moves the tunnels the switches (or post-fragmentation) now put
 * elsewhere; when some cannot move, the settings are put back and the
 * tunnels that did move go back (best effort), so that the configuration
 * still says where the tunnels are. */
static int cfg_apply(struct fp_gw *gw, const struct fp_config *next, char *err, size_t errlen)
{
	struct fp_config *run = gw->cfg;
	static struct frag_was was_frag; /* the slow path's thread only */
	frag_save(gw, &was_frag);
	if (cfg_apply_frag(gw, next) && fp_gw_offload_changed(gw, err, errlen) < 0) {
		frag_restore(gw, &was_frag);
		return -1;
	}
	bool was = run->offload_ipsec, was_egress = run->offload_ipsec_egress;
	run->offload_ipsec = next->offload_ipsec;
	run->offload_ipsec_egress = next->offload_ipsec_egress;
	bool moved = was != run->offload_ipsec || was_egress != run->offload_ipsec_egress;
	if (moved && fp_gw_offload_changed(gw, err, errlen) < 0) {
		/* a reload may change both at once: neither stays */
		run->offload_ipsec = was;
		run->offload_ipsec_egress = was_egress;
		frag_restore(gw, &was_frag);
		return -1;
	}
	if (cfg_apply_dtls(gw, next, err, errlen) < 0) {
		frag_restore(gw, &was_frag);
		return -1;
	}
	memcpy(run->hostname, next->hostname, sizeof(run->hostname));
	run->ikev2_max_in_neg = next->ikev2_max_in_neg;
	run->ikev2_cookie_pct = next->ikev2_cookie_pct;
	if (gw->ike) /* the next IKE_SA_INIT request sees them */
		fp_ike_half_open_limits(gw->ike, run->ikev2_max_in_neg, run->ikev2_cookie_pct);
	if (cfg_apply_routes(gw, next, err, errlen) < 0)
		return -1;
	return cfg_apply_negotiated(gw, next, err, errlen);
}

int fp_gw_configure_sub(struct fp_gw *gw, struct fp_gw_cfg_sub *sub, const char *line, char *err,
			size_t errlen)
{
	if (!gw || !gw->cfg || !line) {
		snprintf(err, errlen, "no running configuration");
		return -1;
	}
	struct fp_config *next = cfg_clone(gw->cfg);
	if (!next) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc;
	next->parse_mode = sub ? sub->mode : 0; /* the session's sub-mode, else the top level */
	next->parse_index = sub ? sub->index : 0;
	if ((rc = fp_config_parse_line(next, line, CFG_FILE, CFG_LINE, err, errlen)) < 0)
		cfg_err_unplace(err);
	else if (!cfg_only_live(gw->cfg, next))
		rc = cfg_refuse(line, err, errlen);
	else if ((rc = fp_config_validate(next, err, errlen)) == 0)
		rc = cfg_apply(gw, next, err, errlen);
	if (rc == 0 && sub) {
		sub->mode = next->parse_mode;
		sub->index = next->parse_index;
	}
	fp_config_free(next);
	return rc;
}

int fp_gw_configure(struct fp_gw *gw, const char *line, char *err, size_t errlen)
{
	return fp_gw_configure_sub(gw, NULL, line, err, errlen);
}

/* Where each part came from in its file: two readings of one
 * configuration differ there when a line was added above, nowhere else. */
static void cfg_lines_forget(struct fp_config *c)
{
#define LINES_FORGET(a, n) for (unsigned i = 0; i < c->n; i++) c->a[i].line = 0
	for (unsigned i = 0; i < c->n_acls; i++)
		for (unsigned k = 0; k < c->acls[i].n_aces; k++)
			c->acls[i].aces[k].line = 0;
	for (unsigned i = 0; i < c->n_tunnel_groups; i++)
		c->tunnel_groups[i].line = c->tunnel_groups[i].ipsec_line = 0;
	LINES_FORGET(entries, n_entries);
	LINES_FORGET(proposals, n_proposals);
	LINES_FORGET(bindings, n_bindings);
	LINES_FORGET(group_policies, n_group_policies);
	LINES_FORGET(ikev2_policies, n_ikev2_policies);
	LINES_FORGET(ikev2_enables, n_ikev2_enables);
	LINES_FORGET(trustpoints, n_trustpoints);
	LINES_FORGET(profiles, n_profiles);
	LINES_FORGET(vtis, n_vtis);
	LINES_FORGET(routes, n_routes);
	for (unsigned i = 0; i < c->n_tunnel_groups; i++)
		c->tunnel_groups[i].ra.webvpn_line = 0;
	for (unsigned i = 0; i < c->ra.n_pools; i++)
		c->ra.pools[i].line = 0;
	for (unsigned i = 0; i < c->ra.n_pools6; i++)
		c->ra.pools6[i].line = 0;
	for (unsigned i = 0; i < c->ra.n_users; i++)
		c->ra.users[i].line = 0;
	for (unsigned i = 0; i < c->ra.n_ssl_tps; i++)
		c->ra.ssl_tps[i].line = 0;
	c->ra.webvpn.line = 0;
#undef LINES_FORGET
}

/* The first part of next that differs from run, for the log. */
static const char *cfg_first_change(const struct fp_config *run, const struct fp_config *next)
{
#define CFG_SAME(a, n) (run->n == next->n && !memcmp(run->a, next->a, run->n * sizeof(*run->a)))
	if (!CFG_SAME(ifaces, n_ifaces))
		return "interfaces";
	if (!CFG_SAME(acls, n_acls))
		return "access-lists";
	if (!CFG_SAME(proposals, n_proposals))
		return "IPsec proposals";
	if (!CFG_SAME(entries, n_entries))
		return "crypto map entries";
	if (!CFG_SAME(bindings, n_bindings))
		return "crypto map interface bindings";
	if (!CFG_SAME(group_policies, n_group_policies) ||
	    !CFG_SAME(tunnel_groups, n_tunnel_groups))
		return "group-policies or tunnel-groups";
	if (memcmp(&run->ra, &next->ra, sizeof(run->ra)) != 0)
		return "remote-access settings (pools, users, webvpn)";
#undef CFG_SAME
	return "global settings";
}

int fp_gw_reload(struct fp_gw *gw, char *err, size_t errlen)
{
	struct fp_config *next = fp_config_new(), *run = cfg_clone(gw->cfg);
	int rc = -1;
	if (!next || !run)
		snprintf(err, errlen, "out of memory");
	else if ((next->prev = gw->cfg) && fp_config_load(next, gw->cfg_path, err, errlen) == 0 &&
		 fp_config_validate(next, err, errlen) == 0) {
		next->parse_mode = 0;
		next->prev = NULL;
		cfg_lines_forget(next);
		cfg_lines_forget(run);
		if (!cfg_only_live(run, next))
			snprintf(err, errlen, "%s: its %s differ from the running ones and cannot "
				 "change while fpvpnd runs: nothing applied (restart to apply)",
				 gw->cfg_path, cfg_first_change(run, next));
		else
			rc = cfg_apply(gw, next, err, errlen);
	}
	fp_config_free(next);
	fp_config_free(run);
	return rc;
}

/* The configuration with its keys (fp_atomicfile_fill_fn). */
static int cfg_fill(FILE *f, const void *c)
{
	fp_config_write(c, f, true);
	return ferror(f) ? -1 : 0;
}

/* The file write memory replaces: path, or the file a symbolic link at
 * path leads to (through any chain of links), so that the link stays a
 * link and the new file is made beside the one it replaces (rename works
 * only within a filesystem). A link to nothing is an error. */
static int cfg_target(const char *path, char *out, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode)) { /* a missing file is created */
		snprintf(out, PATH_MAX, "%s", path);
		return 0;
	}
	if (realpath(path, out))
		return 0;
	snprintf(err, errlen, "cannot follow the link %s: %s", path, strerror(errno));
	return -1;
}

/* A crash leaves the old file or the new one, never half of one
 * (common/atomicfile.h). The directory's fsync is best effort: the file
 * itself is on disk, and at worst the old name survives a crash. */
static int cfg_save(const struct fp_config *c, const char *link, char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (cfg_target(link, path, err, errlen) < 0)
		return -1;
	return fp_atomicfile_write(path, cfg_fill, c, FP_ATOMICFILE_DIR_BEST_EFFORT, err, errlen);
}

int fp_gw_write_memory(struct fp_gw *gw, char *err, size_t errlen)
{
	if (!gw || !gw->cfg || !gw->cfg_path[0]) {
		snprintf(err, errlen, "no configuration file to write to "
			 "(fpvpnd did not load one)");
		return -1;
	}
	return cfg_save(gw->cfg, gw->cfg_path, err, errlen);
}
