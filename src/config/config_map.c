/* "crypto map NAME SEQ ..." entries and "crypto map NAME interface IF".
 *
 * Each handler reads the map name and sequence number, then its own words,
 * and only when all are good finds or creates the entry (kept sorted by
 * map name, then sequence number) and sets the field. */
#include "config/config_parse.h"

#include <string.h>
#include <strings.h>

#define SEQ_MAX 65535u
#define LIFE_SECONDS_MIN 120u
#define LIFE_KBYTES_MIN 10u
#define LIFE_MAX 2147483647u

int fp_cfg_map_ref_parse(struct fp_cfg_parse *p, struct fp_cfg_map_ref *k)
{
	uint64_t seq;
	if (fp_cfg_name(p, p->tok[2], "the map name", sizeof(k->map), k->map) < 0 ||
	    fp_cfg_uint(p, p->tok[3], "the sequence number", 1, SEQ_MAX, &seq) < 0)
		return -1;
	k->seq = (unsigned)seq;
	return 0;
}

static int map_key_cmp(const struct fp_cfg_map_entry *e, const struct fp_cfg_map_ref *k)
{
	int r = strcmp(e->map, k->map);
	return r ? r : (e->seq > k->seq) - (e->seq < k->seq);
}

struct fp_cfg_map_entry *fp_cfg_map_entry(struct fp_cfg_parse *p,
					  const struct fp_cfg_map_ref *k, bool create)
{
	struct fp_config *c = p->c;
	unsigned i = 0;
	while (i < c->n_entries && map_key_cmp(&c->entries[i], k) < 0)
		i++;
	if (i < c->n_entries && map_key_cmp(&c->entries[i], k) == 0)
		return &c->entries[i];
	if (!create)
		return NULL;
	if (c->n_entries == FP_CFG_MAX_MAP_ENTRIES) {
		fp_cfg_error(p, "too many crypto map entries (limit %u)", FP_CFG_MAX_MAP_ENTRIES);
		return NULL;
	}
	struct fp_cfg_map_entry *e = &c->entries[i];
	memmove(e + 1, e, (c->n_entries - i) * sizeof(*e));
	c->n_entries++;
	memset(e, 0, sizeof(*e));
	memcpy(e->map, k->map, sizeof(e->map));
	e->seq = k->seq;
	e->replay_window = -1;
	e->line = p->lineno;
	return e;
}

/* "crypto ipsec profile NAME" takes some of the same "set" lines in its
 * sub-mode, without the map's name and number: those handlers change the
 * open profile's settings instead of an entry. */
static bool set_in_profile(const struct fp_cfg_parse *p)
{
	return fp_cfg_word_is(p->tok[0], "set");
}

static int set_ref(struct fp_cfg_parse *p, struct fp_cfg_map_ref *k)
{
	return set_in_profile(p) ? 0 : fp_cfg_map_ref_parse(p, k);
}

static struct fp_cfg_map_entry *set_entry(struct fp_cfg_parse *p, const struct fp_cfg_map_ref *k)
{
	return set_in_profile(p) ? fp_cfg_profile_set(p) : fp_cfg_map_entry(p, k, true);
}

int fp_cfg_map_match(struct fp_cfg_parse *p)
{
	struct fp_cfg_map_ref k;
	char acl[FP_NAME_MAX];
	struct fp_cfg_map_entry *e;
	if (fp_cfg_map_ref_parse(p, &k) < 0 ||
	    fp_cfg_name(p, p->tok[p->arg], "the access-list name", sizeof(acl), acl) < 0 ||
	    !(e = fp_cfg_map_entry(p, &k, true)))
		return -1;
	memcpy(e->acl, acl, sizeof(acl));
	return 0;
}

int fp_cfg_map_peer(struct fp_cfg_parse *p)
{
	struct fp_cfg_map_ref k;
	struct fp_addr a;
	struct fp_cfg_map_entry *e;
	static const uint8_t zero[16];
	const char *w = p->tok[p->arg];
	if (fp_cfg_map_ref_parse(p, &k) < 0)
		return -1;
	if (fp_addr_parse(&a, w) < 0)
		return fp_cfg_error(p, "expected an IPv4 or IPv6 address, got %s",
				    FP_CFG_SHOWN(p, w));
	if (memcmp(a.a, zero, sizeof(zero)) == 0)
		return fp_cfg_error(p, "%s is not a peer's address", w);
	if (!(e = fp_cfg_map_entry(p, &k, true)))
		return -1;
	e->peer = a;
	return 0;
}

/* Several names as on the ASA, in order: IKEv2 offers every one, manual
 * keys use the first. */
int fp_cfg_map_proposal(struct fp_cfg_parse *p)
{
	struct fp_cfg_map_ref k;
	char names[FP_CFG_MAX_MAP_PROPOSALS][FP_NAME_MAX];
	unsigned n = 0;
	struct fp_cfg_map_entry *e;
	if (set_ref(p, &k) < 0)
		return -1;
	for (unsigned i = p->arg; i < p->ntok; i++, n++) {
		if (fp_cfg_name(p, p->tok[i], "the proposal name", sizeof(names[n]), names[n]) < 0)
			return -1;
		for (unsigned j = 0; j < n; j++)
			if (strcmp(names[j], names[n]) == 0)
				return fp_cfg_error(p, "ipsec-proposal %s is listed twice", names[n]);
	}
	if (!(e = set_entry(p, &k)))
		return -1;
	memcpy(e->proposal, names[0], sizeof(e->proposal));
	memset(e->proposal_more, 0, sizeof(e->proposal_more));
	memcpy(e->proposal_more, names[1], (n - 1) * sizeof(names[0]));
	e->n_proposal_more = n - 1;
	return 0;
}

const char *fp_config_entry_proposal(const struct fp_cfg_map_entry *e, unsigned i)
{
	if (i == 0)
		return e->proposal[0] ? e->proposal : NULL;
	return i <= e->n_proposal_more ? e->proposal_more[i - 1] : NULL;
}

/* "set pfs" alone takes group14: the ASA's default since it dropped the
 * 1024-bit groups (older releases took group2, which fpvpn refuses). */
#define PFS_DEFAULT_GROUP 14u

int fp_cfg_map_pfs(struct fp_cfg_parse *p)
{
	struct fp_cfg_map_ref k;
	struct fp_cfg_map_entry *e;
	uint8_t g = PFS_DEFAULT_GROUP;
	const char *w = p->ntok > p->arg ? p->tok[p->arg] : NULL;
	if (set_ref(p, &k) < 0)
		return -1;
	if (w && strncasecmp(w, "group", 5) != 0)
		return fp_cfg_error(p, "expected groupN (group14, group15, group16, group19, "
				    "group20, group21 or group31), got %s", FP_CFG_SHOWN(p, w));
	if (w && fp_cfg_dh_group(p, w + 5, &g) < 0)
		return -1;
	if (!(e = set_entry(p, &k)))
		return -1;
	e->pfs_group = g;
	return 0;
}

static const char *const conn_type_names[FP_CFG_CONN__COUNT] = {
	[FP_CFG_CONN_BIDIRECTIONAL] = "bidirectional",
	[FP_CFG_CONN_ORIGINATE_ONLY] = "originate-only",
	[FP_CFG_CONN_ANSWER_ONLY] = "answer-only",
};

const char *fp_config_conn_type_name(enum fp_cfg_conn_type t)
{
	return (unsigned)t < FP_CFG_CONN__COUNT ? conn_type_names[t] : "?";
}

int fp_cfg_map_conn_type(struct fp_cfg_parse *p)
{
	struct fp_cfg_map_ref k;
	struct fp_cfg_map_entry *e;
	const char *w = p->tok[p->arg];
	unsigned t = 0;
	if (fp_cfg_map_ref_parse(p, &k) < 0)
		return -1;
	while (t < FP_CFG_CONN__COUNT && !fp_cfg_word_is(w, conn_type_names[t]))
		t++;
	if (t == FP_CFG_CONN__COUNT)
		return fp_cfg_error(p, "expected 'bidirectional', 'originate-only' or "
				    "'answer-only', got %s", FP_CFG_SHOWN(p, w));
	if (!(e = fp_cfg_map_entry(p, &k, true)))
		return -1;
	e->conn_type = (uint8_t)t;
	return 0;
}

static int map_udp_port(struct fp_cfg_parse *p, const char *w, const char *what, uint16_t *out)
{
	uint64_t v;
	if (fp_cfg_uint(p, w, what, 1, 65535, &v) < 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* fpvpn extension: RFC 3948 ESP-in-UDP with fixed ports, for manual keys
 * (IKEv2 picks them itself when it detects NAT). */
int fp_cfg_map_udp(struct fp_cfg_parse *p)
{
	struct fp_cfg_map_ref k;
	uint16_t sport, dport;
	struct fp_cfg_map_entry *e;
	if (fp_cfg_map_ref_parse(p, &k) < 0 ||
	    map_udp_port(p, p->tok[p->arg], "the source port", &sport) < 0 ||
	    map_udp_port(p, p->tok[p->arg + 1], "the destination port", &dport) < 0 ||
	    !(e = fp_cfg_map_entry(p, &k, true)))
		return -1;
	e->udp_sport = sport;
	e->udp_dport = dport;
	return 0;
}

int fp_cfg_map_mode(struct fp_cfg_parse *p)
{
	struct fp_cfg_map_ref k;
	struct fp_cfg_map_entry *e;
	const char *w = p->tok[p->arg];
	if (fp_cfg_map_ref_parse(p, &k) < 0)
		return -1;
	if (!fp_cfg_word_is(w, "tunnel") && !fp_cfg_word_is(w, "transport"))
		return fp_cfg_error(p, "expected 'tunnel' or 'transport', got %s",
				    FP_CFG_SHOWN(p, w));
	if (!(e = fp_cfg_map_entry(p, &k, true)))
		return -1;
	e->transport = fp_cfg_word_is(w, "transport");
	return 0;
}

int fp_cfg_map_life_seconds(struct fp_cfg_parse *p)
{
	struct fp_cfg_map_ref k;
	uint64_t v;
	struct fp_cfg_map_entry *e;
	if (set_ref(p, &k) < 0 ||
	    fp_cfg_uint(p, p->tok[p->arg], "seconds", LIFE_SECONDS_MIN, LIFE_MAX, &v) < 0 ||
	    !(e = set_entry(p, &k)))
		return -1;
	e->life_seconds = v;
	return 0;
}

int fp_cfg_map_life_kbytes(struct fp_cfg_parse *p)
{
	struct fp_cfg_map_ref k;
	uint64_t v = 0;
	struct fp_cfg_map_entry *e;
	const char *w = p->tok[p->arg];
	if (set_ref(p, &k) < 0)
		return -1;
	if (!fp_cfg_word_is(w, "unlimited") &&
	    fp_cfg_uint(p, w, "kilobytes", LIFE_KBYTES_MIN, LIFE_MAX, &v) < 0)
		return -1;
	if (!(e = set_entry(p, &k)))
		return -1;
	e->life_kbytes = v;
	return 0;
}

int fp_cfg_map_replay(struct fp_cfg_parse *p)
{
	struct fp_cfg_map_ref k;
	unsigned v = 0;
	struct fp_cfg_map_entry *e;
	if (fp_cfg_map_ref_parse(p, &k) < 0 || fp_cfg_replay_size(p, p->tok[p->arg], &v) < 0 ||
	    !(e = fp_cfg_map_entry(p, &k, true)))
		return -1;
	e->replay_window = (int)v;
	return 0;
}

/* fpvpn extension: RFC 4304 extended sequence numbers with manual keys. */
int fp_cfg_map_esn(struct fp_cfg_parse *p)
{
	struct fp_cfg_map_ref k;
	struct fp_cfg_map_entry *e;
	if (fp_cfg_map_ref_parse(p, &k) < 0 || !(e = fp_cfg_map_entry(p, &k, true)))
		return -1;
	e->esn = true;
	return 0;
}

int fp_cfg_map_interface(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	char map[FP_NAME_MAX], nameif[FP_NAME_MAX];
	if (fp_cfg_name(p, p->tok[2], "the map name", sizeof(map), map) < 0 ||
	    fp_cfg_name(p, p->tok[p->arg], "the interface name", sizeof(nameif), nameif) < 0)
		return -1;
	unsigned i = 0;
	for (unsigned k = 0; k < c->n_bindings; k++)
		if (strcmp(c->bindings[k].nameif, nameif) == 0 && strcmp(c->bindings[k].map, map))
			return fp_cfg_error(p, "interface %s already has crypto map %s (one map "
					    "per interface)", nameif, c->bindings[k].map);
	while (i < c->n_bindings && strcmp(c->bindings[i].map, map) != 0)
		i++;
	if (i == FP_CFG_MAX_IFACES)
		return fp_cfg_error(p, "too many crypto map bindings (limit %u)", FP_CFG_MAX_IFACES);
	if (i == c->n_bindings || strcmp(c->bindings[i].nameif, nameif) != 0)
		c->bindings[i].line = p->lineno; /* typed again as it is: no change */
	memcpy(c->bindings[i].map, map, sizeof(map));
	memcpy(c->bindings[i].nameif, nameif, sizeof(nameif));
	c->n_bindings += i == c->n_bindings;
	return 0;
}
