/* The ASA-style configuration, parsed: what an operator types in configure
 * mode, held as plain data. The slow path turns crypto map entries into SAs
 * (datapath/gateway.c); show running-config prints this back. */
#ifndef FP_CONFIG_H
#define FP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"
#include "crypto/crypto.h"

#define FP_NAME_MAX 64
#define FP_CFG_PATH_MAX 4096      /* the file's name, kept for errors */
#define FP_CFG_MAX_IFACES 16
#define FP_CFG_MAX_ACLS 64
#define FP_CFG_MAX_ACES 256       /* per access-list */
#define FP_CFG_MAX_PROPOSALS 32
#define FP_CFG_MAX_PROPOSAL_ALGS 8
#define FP_CFG_MAX_MAP_ENTRIES 128
#define FP_CFG_MAX_KEYS 4         /* manual session keys per direction per entry */
#define FP_CFG_MAX_GROUP_POLICIES 32
#define FP_CFG_MAX_TUNNEL_GROUPS 128
#define FP_CFG_DFLT_GROUP_POLICY "DfltGrpPolicy" /* exists without "internal", as on the ASA */

struct fp_cfg_iface {
	char name[FP_NAME_MAX];       /* "interface NAME": a Linux device name */
	char nameif[FP_NAME_MAX];     /* "nameif outside" */
	struct fp_prefix ip4;         /* "ip address A MASK"; af NONE if unset */
	struct fp_prefix ip6;         /* "ipv6 address A/LEN" */
	bool shutdown;
};

/* "access-list NAME extended permit|deny ip SRC DST": SRC/DST are
 * "any", "any4", "any6", "host A", "A MASK" or an IPv6 prefix "A/LEN". */
struct fp_cfg_ace {
	bool permit;
	uint8_t proto;                /* 0 = ip (any); 1 icmp, 6 tcp, 17 udp, 58 icmp6, 50 esp */
	struct fp_prefix src;         /* len 0 and af NONE = any of either family */
	struct fp_prefix dst;
	uint16_t src_port;            /* "eq N"; 0 = any */
	uint16_t dst_port;
	unsigned line;                /* source line, for errors and show */
};

struct fp_cfg_acl {
	char name[FP_NAME_MAX];
	struct fp_cfg_ace aces[FP_CFG_MAX_ACES];
	unsigned n_aces;
};

/* "crypto ipsec ikev2 ipsec-proposal NAME" with its
 * "protocol esp encryption aes-gcm-256 aes-256 ..." and
 * "protocol esp integrity sha-256 sha-1 null ..." lines, in preference order.
 * Encryption names: aes (=aes-128), aes-192 (refused: not offered), aes-256,
 * aes-gcm (=128), aes-gcm-256, chacha20-poly1305, null.
 * Integrity names: sha-1, sha-256, sha-384, sha-512, null. */
struct fp_cfg_proposal {
	char name[FP_NAME_MAX];
	enum fp_cipher enc[FP_CFG_MAX_PROPOSAL_ALGS];
	unsigned n_enc;
	enum fp_integ integ[FP_CFG_MAX_PROPOSAL_ALGS];
	unsigned n_integ;
	unsigned line;                /* where it was first opened */
};

/* "crypto map NAME SEQ set session-key inbound|outbound esp SPI cipher HEX
 * [authenticator HEX]": manual keys until IKEv2 exists. */
struct fp_cfg_session_key {
	uint32_t spi;
	uint8_t cipher_key[36];
	uint8_t cipher_key_len;
	uint8_t auth_key[64];
	uint8_t auth_key_len;         /* 0 when no authenticator was given */
};

struct fp_cfg_map_entry {
	char map[FP_NAME_MAX];        /* crypto map tag */
	unsigned seq;
	char acl[FP_NAME_MAX];        /* "match address ACL" */
	struct fp_addr peer;          /* "set peer ADDR" */
	char proposal[FP_NAME_MAX];   /* "set ikev2 ipsec-proposal NAME" (first one) */
	struct fp_cfg_session_key in[FP_CFG_MAX_KEYS];
	unsigned n_in;
	struct fp_cfg_session_key out[FP_CFG_MAX_KEYS];
	unsigned n_out;
	uint16_t udp_sport, udp_dport; /* "set udp-encapsulation SPORT DPORT"; 0 = raw ESP */
	bool transport;               /* "set mode transport" (default tunnel) */
	uint64_t life_seconds;        /* "set security-association lifetime seconds N"; 0 = none */
	uint64_t life_kbytes;         /* "... lifetime kilobytes N"; 0 = none ("unlimited") */
	int replay_window;            /* "set security-association replay window-size N"; -1 = global */
	bool esn;                     /* "set extended-sequence-number" (fpvpn extension) */
	unsigned line;
};

/* "crypto map NAME interface IF" */
struct fp_cfg_map_binding {
	char map[FP_NAME_MAX];
	char nameif[FP_NAME_MAX];
	unsigned line;                /* where it was given or last changed */
};

/* "mtu NAMEIF BYTES": the MTU fpvpnd assumes for the interface when it
 * decides whether an encrypted packet fits (the device's own MTU is never
 * changed; without the line the live daemon reads it at start). */
struct fp_cfg_mtu {
	char nameif[FP_NAME_MAX];
	unsigned mtu;                 /* 64..9198 */
	unsigned line;                /* the line in force */
};

/* "crypto ipsec fragmentation before-encryption|after-encryption NAMEIF".
 * Before (the default) is kept too, so that validation can check its name. */
struct fp_cfg_frag {
	char nameif[FP_NAME_MAX];
	bool post_frag;               /* after-encryption */
	unsigned line;                /* the line in force */
};

/* "group-policy NAME internal" and its "group-policy NAME attributes"
 * sub-mode: "vpn-filter value ACL" or "vpn-filter none". */
enum fp_cfg_vpn_filter {
	FP_CFG_VF_UNSET = 0,          /* inherited from DfltGrpPolicy */
	FP_CFG_VF_VALUE,              /* "vpn-filter value ACL" */
	FP_CFG_VF_NONE,               /* "vpn-filter none": no filter, not inherited */
};

struct fp_cfg_group_policy {
	char name[FP_NAME_MAX];
	uint8_t vpn_filter;           /* enum fp_cfg_vpn_filter */
	char vpn_filter_acl[FP_NAME_MAX]; /* with FP_CFG_VF_VALUE */
	bool internal;                /* "group-policy NAME internal" was given */
	unsigned line;                /* where it was first named */
};

/* "tunnel-group PEER type ipsec-l2l" and its "tunnel-group PEER
 * general-attributes" sub-mode: "default-group-policy NAME". A site-to-site
 * tunnel-group is named by the peer's address. */
struct fp_cfg_tunnel_group {
	char name[FP_NAME_MAX];       /* as typed */
	struct fp_addr peer;          /* the name as an address */
	char group_policy[FP_NAME_MAX]; /* "default-group-policy NAME"; "" = DfltGrpPolicy */
	unsigned line;
};

struct fp_config {
	char hostname[FP_NAME_MAX];   /* default "fpvpn" */
	struct fp_cfg_iface ifaces[FP_CFG_MAX_IFACES];
	unsigned n_ifaces;
	struct fp_cfg_acl *acls;      /* FP_CFG_MAX_ACLS entries, heap */
	unsigned n_acls;
	struct fp_cfg_proposal proposals[FP_CFG_MAX_PROPOSALS];
	unsigned n_proposals;
	struct fp_cfg_map_entry *entries; /* FP_CFG_MAX_MAP_ENTRIES, heap, kept sorted by map then seq */
	unsigned n_entries;
	struct fp_cfg_map_binding bindings[FP_CFG_MAX_IFACES];
	unsigned n_bindings;
	struct fp_cfg_mtu mtus[FP_CFG_MAX_IFACES]; /* one per nameif, in first-line order */
	unsigned n_mtus;
	struct fp_cfg_frag frags[FP_CFG_MAX_IFACES]; /* one per nameif, the last line's */
	unsigned n_frags;
	struct fp_cfg_group_policy group_policies[FP_CFG_MAX_GROUP_POLICIES];
	unsigned n_group_policies;
	struct fp_cfg_tunnel_group tunnel_groups[FP_CFG_MAX_TUNNEL_GROUPS];
	unsigned n_tunnel_groups;
	unsigned replay_window;       /* "crypto ipsec security-association replay window-size N", default 64 */
	bool replay_disabled;         /* "crypto ipsec security-association replay disable" */
	bool offload_ipsec;           /* "flow-offload-ipsec" (default on) */
	bool offload_ipsec_egress;    /* "flow-offload-ipsec egress-optimization" (default on) */
	/* The file fp_config_load read last: fp_config_validate names it with
	 * the line of each entry it refuses ("" = lines given one by one). */
	char file[FP_CFG_PATH_MAX];
	/* Parser state between fp_config_parse_line calls: the sub-mode that
	 * the last "interface", "crypto ipsec ikev2 ipsec-proposal", "group-policy
	 * NAME attributes" or "tunnel-group PEER general-attributes" line opened
	 * (0 = none) and the index of what it opened. */
	uint8_t parse_mode;
	unsigned parse_index;
};

struct fp_config *fp_config_new(void);   /* defaults filled in */
void fp_config_free(struct fp_config *c);  /* zeroizes key material */

/* Parse a whole file / one line into c. On error returns -1 and writes
 * "FILE:LINE: what was expected" into err. Parsing a file starts from the
 * current contents of c (defaults). */
int fp_config_load(struct fp_config *c, const char *path, char *err, size_t errlen);
int fp_config_parse_line(struct fp_config *c, const char *line, const char *file,
			 unsigned lineno, char *err, size_t errlen);
/* Checks across lines: a map entry's ACL and proposal exist, keys match
 * the proposal's first transform, the bound interface exists, the
 * interface an mtu or fragmentation line names exists, a vpn-filter's ACL
 * and a default-group-policy exist. An error starts "FILE:LINE: " with the
 * line of what it refuses (the entry's first line for a map entry), but
 * for a line typed at the terminal (line 0). */
int fp_config_validate(const struct fp_config *c, char *err, size_t errlen);

/* Lookups. NULL when absent. */
const struct fp_cfg_acl *fp_config_acl(const struct fp_config *c, const char *name);
const struct fp_cfg_proposal *fp_config_proposal(const struct fp_config *c, const char *name);
const struct fp_cfg_iface *fp_config_iface_by_nameif(const struct fp_config *c, const char *nameif);
const struct fp_cfg_group_policy *fp_config_group_policy(const struct fp_config *c,
							  const char *name);
const struct fp_cfg_tunnel_group *fp_config_tunnel_group(const struct fp_config *c,
							 const struct fp_addr *peer);
/* The vpn-filter access-list of the tunnels to peer, as the ASA picks it:
 * the peer's tunnel-group (DfltGrpPolicy when none or without
 * default-group-policy), its vpn-filter, else DfltGrpPolicy's. NULL: none. */
const struct fp_cfg_acl *fp_config_vpn_filter(const struct fp_config *c,
					      const struct fp_addr *peer);
/* The interface a crypto map is bound to; NULL if unbound. */
const struct fp_cfg_iface *fp_config_map_iface(const struct fp_config *c, const char *map);
/* The MTU "mtu NAMEIF BYTES" sets; 0 when no mtu line names nameif (the
 * device's MTU then applies). */
unsigned fp_config_mtu(const struct fp_config *c, const char *nameif);
/* Whether "crypto ipsec fragmentation after-encryption NAMEIF" is in force:
 * ESP packets too big for the interface are fragmented after encryption
 * rather than the inner packet before (the default). */
bool fp_config_post_frag(const struct fp_config *c, const char *nameif);

/* show running-config: the configuration as lines that parse back to the
 * same struct (but for "fragmentation before-encryption" lines: the
 * default is not written). Session keys are printed as "*****" unless
 * with_keys (write memory keeps them, show never does). */
void fp_config_write(const struct fp_config *c, FILE *out, bool with_keys);

/* Words that may be keys (config_secret.c): a run of FP_CFG_KEY_HEX_RUN
 * hex digits or more (8 key bytes; the shortest key, AES-128's, has 32).
 * Error messages and echoed lines never quote such a word: a key typed
 * where an SPI, a name or a keyword belongs must not come back, nor reach
 * a log. */
#define FP_CFG_KEY_HEX_RUN 16u
bool fp_config_word_may_be_key(const char *word, size_t n);
/* Each word of line that may be a key becomes as many '*': the line keeps
 * its columns (an error marker stays under its word). */
void fp_config_mask_keys(char *line);

#endif
