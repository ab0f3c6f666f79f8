/* "access-list NAME extended permit|deny PROTOCOL SRC [eq PORT] DST [eq PORT]":
 * one access control entry, appended to its list. The words are read in
 * order with a cursor; the entry is added only when all of them are good.
 *
 * SRC and DST: any (either family), any4, any6, host A, A MASK (IPv4),
 * A/LEN (IPv4 or IPv6). Host bits must be zero, as the ASA requires. */
#include "config/config_parse.h"

#include <string.h>

static const struct {
	const char *name;
	uint8_t proto;
} acl_protos[] = {
	{ "ip", 0 }, { "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "esp", 50 }, { "icmp6", 58 },
};
#define N_PROTOS (sizeof(acl_protos) / sizeof(acl_protos[0]))

/* The ASA's names for the ports a VPN gateway's lists usually name. */
static const struct {
	const char *name;
	uint16_t port;
} acl_ports[] = {
	{ "ssh", 22 }, { "telnet", 23 }, { "smtp", 25 }, { "domain", 53 }, { "www", 80 },
	{ "http", 80 }, { "ntp", 123 }, { "https", 443 }, { "isakmp", 500 },
};

#define ENDPOINT_FORMS "any, any4, any6, host A, A MASK or A/LEN"

const char *fp_cfg_proto_name(uint8_t proto)
{
	for (unsigned i = 0; i < N_PROTOS; i++)
		if (acl_protos[i].proto == proto)
			return acl_protos[i].name;
	return NULL;
}

/* The word at the cursor, or NULL at the end of the line. */
static const char *ace_word(const struct fp_cfg_parse *p, unsigned i)
{
	return i < p->ntok ? p->tok[i] : NULL;
}

static int ace_proto(struct fp_cfg_parse *p, const char *w, uint8_t *proto)
{
	for (unsigned i = 0; i < N_PROTOS; i++)
		if (fp_cfg_word_is(w, acl_protos[i].name)) {
			*proto = acl_protos[i].proto;
			return 0;
		}
	uint64_t v;
	if (strspn(w, "0123456789") != strlen(w))
		return fp_cfg_error(p, "expected a protocol (ip, tcp, udp, icmp, icmp6, esp or "
				    "a number 0-255), got %s", FP_CFG_SHOWN(p, w));
	if (fp_cfg_uint(p, w, "the protocol number", 0, 255, &v) < 0)
		return -1;
	*proto = (uint8_t)v;
	return 0;
}

/* "A MASK": the mask follows; host bits must be zero. */
static int ace_addr_mask(struct fp_cfg_parse *p, unsigned *i, const char *side,
			 struct fp_prefix *out)
{
	const char *a = p->tok[*i], *m = ace_word(p, *i + 1);
	struct fp_addr ma;
	if (!m || fp_addr_parse(&ma, m) < 0 || ma.af != FP_AF_INET)
		return fp_cfg_error(p, "%s: expected a mask after '%s' (A MASK), got %s",
				    side, a, m ? FP_CFG_SHOWN(p, m) : "end of line");
	if (fp_cfg_mask(p, m, &out->len) < 0)
		return -1;
	struct fp_prefix net = *out;
	fp_prefix_normalize(&net);
	if (!fp_addr_eq(&net.addr, &out->addr)) {
		char buf[FP_ADDR_STRLEN];
		return fp_cfg_error(p, "%s: '%s %s' has host bits set; the network is %s",
				    side, a, m, fp_addr_str(&net.addr, buf, sizeof(buf)));
	}
	*i += 2;
	return 0;
}

/* "A/LEN" with host bits zero. */
static int ace_prefix(struct fp_cfg_parse *p, const char *w, const char *side,
		      struct fp_prefix *out)
{
	if (fp_prefix_parse(out, w) == 0)
		return 0;
	if (fp_cfg_addr_len(out, w) < 0)
		return fp_cfg_error(p, "%s: %s is not an address/length", side,
				    FP_CFG_SHOWN(p, w));
	fp_prefix_normalize(out);
	char buf[FP_ADDR_STRLEN];
	return fp_cfg_error(p, "%s: '%s' has host bits set; the network is %s/%u", side, w,
			    fp_addr_str(&out->addr, buf, sizeof(buf)), out->len);
}

static int ace_endpoint(struct fp_cfg_parse *p, unsigned *i, const char *side,
			struct fp_prefix *out)
{
	const char *w = ace_word(p, *i);
	memset(out, 0, sizeof(*out));
	if (!w)
		return fp_cfg_error(p, "expected the %s (" ENDPOINT_FORMS "), got end of line", side);
	if (fp_cfg_word_is(w, "any") || fp_cfg_word_is(w, "any4") || fp_cfg_word_is(w, "any6")) {
		out->addr.af = fp_cfg_word_is(w, "any4") ? FP_AF_INET
			       : fp_cfg_word_is(w, "any6") ? FP_AF_INET6 : FP_AF_NONE;
		*i += 1;
		return 0;
	}
	if (fp_cfg_word_is(w, "host")) {
		const char *a = ace_word(p, *i + 1);
		if (!a || fp_addr_parse(&out->addr, a) < 0)
			return fp_cfg_error(p, "%s: expected an address after 'host', got %s",
					    side, a ? FP_CFG_SHOWN(p, a) : "end of line");
		out->len = out->addr.af == FP_AF_INET ? 32 : 128;
		*i += 2;
		return 0;
	}
	if (strchr(w, '/')) {
		*i += 1;
		return ace_prefix(p, w, side, out);
	}
	if (fp_addr_parse(&out->addr, w) == 0 && out->addr.af == FP_AF_INET)
		return ace_addr_mask(p, i, side, out);
	if (fp_addr_parse(&out->addr, w) == 0)
		return fp_cfg_error(p, "%s: '%s' needs a length (%s/LEN) or 'host' before it",
				    side, w, w);
	return fp_cfg_error(p, "expected the %s (" ENDPOINT_FORMS "), got %s", side,
			    FP_CFG_SHOWN(p, w));
}

static int ace_port_value(struct fp_cfg_parse *p, const char *w, uint16_t *port)
{
	for (unsigned i = 0; i < sizeof(acl_ports) / sizeof(acl_ports[0]); i++)
		if (fp_cfg_word_is(w, acl_ports[i].name)) {
			*port = acl_ports[i].port;
			return 0;
		}
	uint64_t v;
	if (fp_cfg_uint(p, w, "the port", 1, 65535, &v) < 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* Optional "eq PORT" at the cursor, for tcp and udp. */
static int ace_port(struct fp_cfg_parse *p, unsigned *i, uint8_t proto, const char *side,
		    uint16_t *port)
{
	const char *w = ace_word(p, *i);
	static const char *const ops[] = { "lt", "gt", "neq", "range" };
	for (unsigned k = 0; w && k < sizeof(ops) / sizeof(ops[0]); k++)
		if (fp_cfg_word_is(w, ops[k]))
			return fp_cfg_error(p, "%s port: only 'eq PORT' is supported, got '%s'",
					    side, w);
	if (!w || !fp_cfg_word_is(w, "eq"))
		return 0;
	if (proto != 6 && proto != 17)
		return fp_cfg_error(p, "%s port: 'eq' needs protocol tcp or udp", side);
	if (!ace_word(p, *i + 1))
		return fp_cfg_error(p, "%s port: expected a port after 'eq', got end of line", side);
	*i += 2;
	return ace_port_value(p, p->tok[*i - 1], port);
}

/* Both ends of one family, and ICMP of the matching one. */
static int ace_check_family(struct fp_cfg_parse *p, const struct fp_cfg_ace *ace)
{
	uint8_t s = ace->src.addr.af, d = ace->dst.addr.af;
	if (s && d && s != d)
		return fp_cfg_error(p, "the source is IPv%u but the destination is IPv%u: "
				    "one entry matches one family", s, d);
	uint8_t af = s ? s : d;
	if (ace->proto == 1 && af == FP_AF_INET6)
		return fp_cfg_error(p, "icmp matches IPv4; use icmp6 for IPv6");
	if (ace->proto == 58 && af == FP_AF_INET)
		return fp_cfg_error(p, "icmp6 matches IPv6; use icmp for IPv4");
	return 0;
}

/* The words after "extended" into ace; no change to the configuration. */
static int ace_parse(struct fp_cfg_parse *p, struct fp_cfg_ace *ace)
{
	unsigned i = p->arg;
	const char *act = p->tok[i++];
	if (!fp_cfg_word_is(act, "permit") && !fp_cfg_word_is(act, "deny"))
		return fp_cfg_error(p, "expected 'permit' or 'deny' after 'extended', got %s",
				    FP_CFG_SHOWN(p, act));
	ace->permit = fp_cfg_word_is(act, "permit");
	if (ace_proto(p, p->tok[i++], &ace->proto) < 0 ||
	    ace_endpoint(p, &i, "source", &ace->src) < 0 ||
	    ace_port(p, &i, ace->proto, "source", &ace->src_port) < 0 ||
	    ace_endpoint(p, &i, "destination", &ace->dst) < 0 ||
	    ace_port(p, &i, ace->proto, "destination", &ace->dst_port) < 0)
		return -1;
	if (i < p->ntok)
		return fp_cfg_error(p, "unexpected %s after the destination (fpvpn takes no "
				    "options such as log, time-range or inactive)",
				    FP_CFG_SHOWN(p, p->tok[i]));
	return ace_check_family(p, ace);
}

/* The list named name, created if new; NULL (and an error) at the limit. */
struct fp_cfg_acl *fp_cfg_acl_get(struct fp_cfg_parse *p, const char *name)
{
	struct fp_config *c = p->c;
	struct fp_cfg_acl *acl = (struct fp_cfg_acl *)fp_config_acl(c, name);
	if (acl)
		return acl;
	if (c->n_acls == FP_CFG_MAX_ACLS) {
		fp_cfg_error(p, "too many access-lists (limit %u)", FP_CFG_MAX_ACLS);
		return NULL;
	}
	acl = &c->acls[c->n_acls++];
	memset(acl, 0, sizeof(*acl));
	memcpy(acl->name, name, FP_NAME_MAX);
	return acl;
}

int fp_cfg_acl_ace(struct fp_cfg_parse *p)
{
	char name[FP_NAME_MAX];
	struct fp_cfg_ace ace;
	memset(&ace, 0, sizeof(ace));
	if (fp_cfg_name(p, p->tok[1], "the access-list name", sizeof(name), name) < 0 ||
	    ace_parse(p, &ace) < 0)
		return -1;
	const struct fp_cfg_acl *old = fp_config_acl(p->c, name);
	if (old && old->n_aces == FP_CFG_MAX_ACES)
		return fp_cfg_error(p, "%s has too many entries (limit %u)", name,
				    FP_CFG_MAX_ACES);
	struct fp_cfg_acl *acl = fp_cfg_acl_get(p, name);
	if (!acl)
		return -1;
	if (acl->standard)
		return fp_cfg_error(p, "%s is a standard access-list", name);
	ace.line = p->lineno;
	acl->aces[acl->n_aces++] = ace;
	return 0;
}

/* "access-list NAME standard permit|deny DST": the destinations a
 * remote-access group-policy's split-tunnel-network-list pushes. */
int fp_cfg_acl_std(struct fp_cfg_parse *p)
{
	char name[FP_NAME_MAX];
	struct fp_cfg_ace ace = {.line = p->lineno};
	unsigned i = p->arg + 1;
	const char *act = p->tok[p->arg];
	if (fp_cfg_name(p, p->tok[1], "the access-list name", sizeof(name), name) < 0)
		return -1;
	if (!fp_cfg_word_is(act, "permit") && !fp_cfg_word_is(act, "deny"))
		return fp_cfg_error(p, "expected 'permit' or 'deny' after 'standard', got %s",
				    FP_CFG_SHOWN(p, act));
	ace.permit = fp_cfg_word_is(act, "permit");
	if (ace_endpoint(p, &i, "destination", &ace.dst) < 0)
		return -1;
	if (i < p->ntok)
		return fp_cfg_error(p, "unexpected %s after the destination", FP_CFG_SHOWN(p, p->tok[i]));
	if (ace.dst.addr.af == FP_AF_INET6)
		return fp_cfg_error(p, "a standard access-list holds IPv4 destinations");
	struct fp_cfg_acl *acl = fp_cfg_acl_get(p, name);
	if (!acl)
		return -1;
	if (acl->n_aces && !acl->standard)
		return fp_cfg_error(p, "%s is an extended access-list", name);
	if (acl->n_aces == FP_CFG_MAX_ACES)
		return fp_cfg_error(p, "%s has too many entries (limit %u)", name, FP_CFG_MAX_ACES);
	acl->standard = true;
	acl->aces[acl->n_aces++] = ace;
	return 0;
}
