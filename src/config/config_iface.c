/* "interface DEV" and its sub-mode: nameif, ip address, ipv6 address,
 * shutdown. An interface's addresses keep their host bits: they are the
 * gateway's own addresses (the local ends of tunnels), with the prefix
 * length of the attached network.
 *
 * Then the top-level lines that name an interface by its nameif, as on the
 * ASA: "mtu NAMEIF BYTES" and "crypto ipsec fragmentation
 * before-encryption|after-encryption NAMEIF". The interface may come later
 * in the file, so fp_config_validate checks that it exists. */
#include "config/config_parse.h"

#include <string.h>

#define IFNAME_MAX 16 /* Linux IFNAMSIZ, NUL included */
#define MTU_MIN 64u   /* the ASA's range */
#define MTU_MAX 9198u

int fp_cfg_iface_open(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	char name[IFNAME_MAX];
	if (fp_cfg_vti_name(p->tok[p->arg])) /* a route-based tunnel, no device */
		return fp_cfg_vti_open(p);
	if (fp_cfg_name(p, p->tok[p->arg], "the device name", sizeof(name), name) < 0)
		return -1;
	unsigned i = 0;
	while (i < c->n_ifaces && strcmp(c->ifaces[i].name, name) != 0)
		i++;
	if (i == FP_CFG_MAX_IFACES)
		return fp_cfg_error(p, "too many interfaces (limit %u)", FP_CFG_MAX_IFACES);
	if (i == c->n_ifaces) {
		memset(&c->ifaces[i], 0, sizeof(c->ifaces[i]));
		memcpy(c->ifaces[i].name, name, sizeof(name));
		c->n_ifaces++;
	}
	c->parse_mode = FP_CFG_MODE_IFACE;
	c->parse_index = i;
	return 0;
}

/* The interface the sub-mode is in. */
static struct fp_cfg_iface *iface_current(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	if (c->parse_mode != FP_CFG_MODE_IFACE || c->parse_index >= c->n_ifaces) {
		fp_cfg_error(p, "no interface is open: start with 'interface DEVICE'");
		return NULL;
	}
	return &c->ifaces[c->parse_index];
}

int fp_cfg_iface_nameif(struct fp_cfg_parse *p)
{
	struct fp_cfg_iface *ifc = iface_current(p);
	char name[FP_NAME_MAX];
	if (!ifc || fp_cfg_name(p, p->tok[p->arg], "the interface name", sizeof(name), name) < 0)
		return -1;
	const struct fp_cfg_iface *other = fp_config_iface_by_nameif(p->c, name);
	if (other && other != ifc)
		return fp_cfg_error(p, "%s already names interface %s",
				    FP_CFG_SHOWN(p, p->tok[p->arg]), other->name);
	memcpy(ifc->nameif, name, sizeof(name));
	return 0;
}

int fp_cfg_iface_ip(struct fp_cfg_parse *p)
{
	struct fp_cfg_iface *ifc = iface_current(p);
	const char *a = p->tok[p->arg], *m = p->tok[p->arg + 1];
	struct fp_prefix pf;
	memset(&pf, 0, sizeof(pf));
	if (!ifc)
		return -1;
	if (fp_addr_parse(&pf.addr, a) < 0 || pf.addr.af != FP_AF_INET)
		return fp_cfg_error(p, "expected an IPv4 address, got %s%s", FP_CFG_SHOWN(p, a),
				    strchr(a, ':') ? " (use 'ipv6 address' for IPv6)" : "");
	if (fp_cfg_mask(p, m, &pf.len) < 0)
		return -1;
	if (pf.len == 0)
		return fp_cfg_error(p, "mask %s leaves no network", m);
	ifc->ip4 = pf;
	return 0;
}

int fp_cfg_iface_ipv6(struct fp_cfg_parse *p)
{
	struct fp_cfg_iface *ifc = iface_current(p);
	const char *w = p->tok[p->arg];
	struct fp_prefix pf;
	if (!ifc)
		return -1;
	if (fp_cfg_addr_len(&pf, w) < 0 || pf.addr.af != FP_AF_INET6)
		return fp_cfg_error(p, "expected ADDRESS/LENGTH such as 2001:db8::1/64, "
				    "got %s", FP_CFG_SHOWN(p, w));
	if (pf.len == 0)
		return fp_cfg_error(p, "prefix length 0 leaves no network");
	ifc->ip6 = pf;
	return 0;
}

int fp_cfg_iface_shutdown(struct fp_cfg_parse *p)
{
	struct fp_cfg_iface *ifc = iface_current(p);
	if (!ifc)
		return -1;
	ifc->shutdown = true;
	return 0;
}

int fp_cfg_iface_no_shutdown(struct fp_cfg_parse *p)
{
	struct fp_cfg_iface *ifc = iface_current(p);
	if (!ifc)
		return -1;
	ifc->shutdown = false;
	return 0;
}

/* A second line for the same nameif replaces the first. */
int fp_cfg_mtu(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	char nameif[FP_NAME_MAX];
	uint64_t v;
	if (fp_cfg_name(p, p->tok[p->arg], "the interface name", sizeof(nameif), nameif) < 0 ||
	    fp_cfg_uint(p, p->tok[p->arg + 1], "the MTU", MTU_MIN, MTU_MAX, &v) < 0)
		return -1;
	unsigned i = 0;
	while (i < c->n_mtus && strcmp(c->mtus[i].nameif, nameif) != 0)
		i++;
	if (i == FP_CFG_MAX_IFACES)
		return fp_cfg_error(p, "too many mtu lines (limit %u, one per interface)",
				    FP_CFG_MAX_IFACES);
	memcpy(c->mtus[i].nameif, nameif, sizeof(nameif));
	c->mtus[i].mtu = (unsigned)v;
	c->mtus[i].line = p->lineno;
	c->n_mtus += i == c->n_mtus;
	return 0;
}

/* The last line for a nameif wins. Before-encryption, the default, is
 * kept all the same so that fp_config_validate checks the name it gives. */
static int frag_set(struct fp_cfg_parse *p, bool post_frag)
{
	struct fp_config *c = p->c;
	char nameif[FP_NAME_MAX];
	if (fp_cfg_name(p, p->tok[p->arg], "the interface name", sizeof(nameif), nameif) < 0)
		return -1;
	unsigned i = 0;
	while (i < c->n_frags && strcmp(c->frags[i].nameif, nameif) != 0)
		i++;
	if (i == FP_CFG_MAX_IFACES)
		return fp_cfg_error(p, "too many fragmentation lines (limit %u, one per "
				    "interface)", FP_CFG_MAX_IFACES);
	memcpy(c->frags[i].nameif, nameif, sizeof(nameif));
	c->frags[i].post_frag = post_frag;
	c->frags[i].line = p->lineno;
	c->n_frags += i == c->n_frags;
	return 0;
}

int fp_cfg_frag_before(struct fp_cfg_parse *p)
{
	return frag_set(p, false);
}

int fp_cfg_frag_after(struct fp_cfg_parse *p)
{
	return frag_set(p, true);
}
