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
#include "config/config_ra.h"
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
#define FP_CFG_MAX_IKEV2_POLICIES 20 /* the ASA's limit */
#define FP_CFG_MAX_IKE_ALGS 8     /* transforms on one line of an ikev2 policy */
#define FP_CFG_MAX_MAP_PROPOSALS 11 /* names on one "set ikev2 ipsec-proposal" (ASA) */
#define FP_CFG_PSK_MAX 128        /* pre-shared key characters (ASA) */
#define FP_CFG_MAX_TRUSTPOINTS 8
#define FP_CFG_TP_PATH_MAX 512    /* a trustpoint's file names */
#define FP_CFG_MAX_PROFILES 16    /* crypto ipsec profile */
#define FP_CFG_MAX_VTIS 16        /* interface TunnelN */
#define FP_CFG_MAX_ROUTES 64      /* route NAMEIF NET MASK */
#define FP_CFG_VTI_SEQ 65280u     /* the sequence number the ASA gives a VTI's crypto map */
#define FP_CFG_IKE_FRAG_MTU_MIN 68 /* "crypto ikev2 fragmentation mtu", the ASA's range */
#define FP_CFG_IKE_FRAG_MTU_MAX 1500
#define FP_CFG_IKE_FRAG_MTU_DEFAULT 576

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
	bool standard;                /* "access-list NAME standard": destinations only */
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
 * [authenticator HEX]": manual keys, a test aid beside IKEv2. */
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
	char proposal[FP_NAME_MAX];   /* "set ikev2 ipsec-proposal NAME...": the first */
	/* The names after the first, in order: IKEv2 offers them all. */
	char proposal_more[FP_CFG_MAX_MAP_PROPOSALS - 1][FP_NAME_MAX];
	unsigned n_proposal_more;
	uint8_t pfs_group;            /* "set pfs [groupN]": DH group; 0 = no PFS */
	uint8_t conn_type;            /* enum fp_cfg_conn_type */
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

/* "crypto map NAME SEQ set connection-type ...": who may start IKEv2. */
enum fp_cfg_conn_type {
	FP_CFG_CONN_BIDIRECTIONAL = 0, /* the default: either side */
	FP_CFG_CONN_ORIGINATE_ONLY,
	FP_CFG_CONN_ANSWER_ONLY,
	FP_CFG_CONN__COUNT
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
	struct fp_cfg_gp_ra ra;       /* remote-access attributes (config_gp_ra.c) */
	unsigned line;                /* where it was first named */
};

/* How one side of an IKEv2 tunnel proves who it is ("ikev2
 * remote-authentication" / "ikev2 local-authentication"). */
enum fp_cfg_ike_auth {
	FP_CFG_AUTH_UNSET = 0,
	FP_CFG_AUTH_PSK,              /* "pre-shared-key KEY" */
	FP_CFG_AUTH_CERT,             /* "certificate [TRUSTPOINT]" */
};

/* "tunnel-group PEER type ipsec-l2l" and its sub-modes "tunnel-group PEER
 * general-attributes" (default-group-policy NAME) and "tunnel-group PEER
 * ipsec-attributes" (IKEv2 authentication and DPD). A site-to-site
 * tunnel-group is named by the peer's address. The keys are secrets:
 * shown as *****, wiped with the configuration. */
struct fp_cfg_tunnel_group {
	char name[FP_NAME_MAX];       /* as typed */
	struct fp_addr peer;          /* the name as an address */
	char group_policy[FP_NAME_MAX]; /* "default-group-policy NAME"; "" = DfltGrpPolicy */
	uint8_t auth_remote, auth_local; /* enum fp_cfg_ike_auth */
	char psk_remote[FP_CFG_PSK_MAX + 1]; /* NUL-terminated, zero-padded */
	char psk_local[FP_CFG_PSK_MAX + 1];
	char trustpoint[FP_NAME_MAX]; /* "local-authentication certificate TP" */
	uint16_t dpd_threshold;       /* "isakmp keepalive threshold S retry R"; 0 = default */
	uint8_t dpd_retry;
	bool dpd_disabled;            /* "isakmp keepalive disable" */
	struct fp_cfg_tg_ra ra;       /* "type remote-access": named, not an address */
	unsigned line;
	unsigned ipsec_line;          /* where ipsec-attributes was first opened; 0 = never */
};

/* "crypto ikev2 policy N" (1-65535, lower first) and its sub-mode. Empty
 * lists take the ASA's defaults (fp_config_ikev2_policy_effective). */
enum fp_cfg_ike_encr {
	FP_CFG_IKE_AES = 0,           /* AES-CBC-128 */
	FP_CFG_IKE_AES_192,
	FP_CFG_IKE_AES_256,
	FP_CFG_IKE_AES_GCM,           /* RFC 5282, 16-byte ICV */
	FP_CFG_IKE_AES_GCM_192,
	FP_CFG_IKE_AES_GCM_256,
	FP_CFG_IKE_ENCR__COUNT
};
/* Integrity (HMAC) and PRF both: "sha" is SHA-1. */
enum fp_cfg_ike_hash {
	FP_CFG_IKE_NULL = 0,          /* integrity with AES-GCM only */
	FP_CFG_IKE_SHA1,
	FP_CFG_IKE_SHA256,
	FP_CFG_IKE_SHA384,
	FP_CFG_IKE_SHA512,
	FP_CFG_IKE_HASH__COUNT
};

struct fp_cfg_ikev2_policy {
	unsigned priority;
	uint8_t encr[FP_CFG_MAX_IKE_ALGS];  /* enum fp_cfg_ike_encr, preference order */
	uint8_t integ[FP_CFG_MAX_IKE_ALGS]; /* enum fp_cfg_ike_hash */
	uint8_t prf[FP_CFG_MAX_IKE_ALGS];   /* enum fp_cfg_ike_hash, never null */
	uint8_t group[FP_CFG_MAX_IKE_ALGS]; /* DH group numbers: 14-16, 19-21, 31 */
	uint8_t n_encr, n_integ, n_prf, n_group;
	uint32_t life_s;              /* "lifetime seconds S"; 0 = default 86400 */
	unsigned line;
};

/* "crypto ikev2 enable NAMEIF" */
struct fp_cfg_ikev2_enable {
	char nameif[FP_NAME_MAX];
	unsigned line;
};

/* "crypto ca trustpoint NAME" and its sub-mode: "enrollment terminal" and
 * fpvpn's file-based form of the ASA's import (PEM files). Loaded by
 * trustpoint.h, which IKEv2 and the remote-access headend share. */
struct fp_cfg_trustpoint {
	char name[FP_NAME_MAX];
	bool enroll_terminal;
	char cert_file[FP_CFG_TP_PATH_MAX]; /* the gateway's certificate, then its chain */
	char key_file[FP_CFG_TP_PATH_MAX];  /* its private key, mode 0600 or stricter */
	char ca_file[FP_CFG_TP_PATH_MAX];   /* CAs trusted for peers */
	unsigned line;
};

/* "crypto ipsec profile NAME" and its sub-mode: the "set" lines a crypto
 * map entry takes, for route-based tunnels (set ikev2 ipsec-proposal,
 * set pfs, set security-association lifetime), kept as an entry's fields
 * so that a VTI negotiates exactly as a crypto map entry would. */
struct fp_cfg_ipsec_profile {
	char name[FP_NAME_MAX];
	struct fp_cfg_map_entry set;  /* only the fields above are used */
	unsigned line;
};

/* "interface TunnelN" (N 0-10000) and its sub-mode: a route-based tunnel
 * (VTI). No device: what a route sends into it is encrypted with the SA
 * IKEv2 negotiates with its destination (0.0.0.0/0 selectors). */
struct fp_cfg_vti {
	char name[FP_NAME_MAX];       /* "Tunnel1" */
	char nameif[FP_NAME_MAX];
	struct fp_prefix ip4;         /* "ip address A MASK"; af NONE if unset */
	char source[FP_NAME_MAX];     /* "tunnel source interface NAMEIF" */
	struct fp_addr dest;          /* "tunnel destination ADDR" */
	bool mode_ipsec4;             /* "tunnel mode ipsec ipv4" */
	char profile[FP_NAME_MAX];    /* "tunnel protection ipsec profile NAME" */
	bool shutdown;
	unsigned line;                /* where it was first opened */
};

/* "route NAMEIF NET MASK [GATEWAY [METRIC]]": a static route. One whose
 * nameif is a Tunnel interface's sends the network into that tunnel. */
struct fp_cfg_route {
	char nameif[FP_NAME_MAX];
	struct fp_prefix net;         /* host bits clear */
	struct fp_addr gateway;       /* af NONE when not given */
	uint8_t metric;               /* 1-255, 0 when not given */
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
	struct fp_cfg_ikev2_policy ikev2_policies[FP_CFG_MAX_IKEV2_POLICIES]; /* by priority */
	unsigned n_ikev2_policies;
	struct fp_cfg_ikev2_enable ikev2_enables[FP_CFG_MAX_IFACES];
	unsigned n_ikev2_enables;
	unsigned ikev2_max_in_neg;    /* "crypto ikev2 limit max-in-negotiation-sa N"; 0 = none typed */
	unsigned ikev2_cookie_pct;    /* "crypto ikev2 cookie-challenge PERCENT"; 0 = none typed */
	struct fp_cfg_trustpoint trustpoints[FP_CFG_MAX_TRUSTPOINTS];
	unsigned n_trustpoints;
	struct fp_cfg_ipsec_profile profiles[FP_CFG_MAX_PROFILES];
	unsigned n_profiles;
	struct fp_cfg_vti vtis[FP_CFG_MAX_VTIS];
	unsigned n_vtis;
	struct fp_cfg_route routes[FP_CFG_MAX_ROUTES];
	unsigned n_routes;
	uint16_t ikev2_frag_mtu;      /* "crypto ikev2 fragmentation mtu N"; 0 = 576 */
	struct fp_cfg_ra ra;          /* pools, users, ssl, webvpn (config_ra.h) */
	unsigned replay_window;       /* "crypto ipsec security-association replay window-size N", default 64 */
	bool replay_disabled;         /* "crypto ipsec security-association replay disable" */
	bool offload_ipsec;           /* "flow-offload-ipsec" (default on) */
	bool offload_ipsec_egress;    /* "flow-offload-ipsec egress-optimization" (default on) */
	/* The file fp_config_load read last: fp_config_validate names it with
	 * the line of each entry it refuses ("" = lines given one by one). */
	char file[FP_CFG_PATH_MAX];
	/* Parser state between fp_config_parse_line calls: the sub-mode that
	 * the last "interface", "crypto ipsec ikev2 ipsec-proposal", "group-policy
	 * NAME attributes", "tunnel-group PEER general-attributes|ipsec-attributes",
	 * "crypto ikev2 policy N" or "crypto ca trustpoint NAME" line opened
	 * (0 = none) and the index of what it opened. */
	uint8_t parse_mode;
	unsigned parse_index;
	/* While a reload reads the file again: the running configuration, so
	 * that a typed password that did not change keeps its hash (a new
	 * random salt would make every reload differ). NULL otherwise. */
	const struct fp_config *prev;
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
 * the proposal's first transform (or, without keys, IKEv2 is enabled on
 * its interface and its peer's tunnel-group says how both sides
 * authenticate), ikev2 policies are coherent, each trustpoint's files load
 * (trustpoint.h), the bound interface exists, the
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
const struct fp_cfg_trustpoint *fp_config_trustpoint(const struct fp_config *c,
						     const char *name);
const struct fp_cfg_ipsec_profile *fp_config_profile(const struct fp_config *c,
						       const char *name);
const struct fp_cfg_vti *fp_config_vti_by_nameif(const struct fp_config *c, const char *nameif);
/* A Tunnel interface as the crypto map entry the ASA makes of it
 * ("__vti-crypto-map-Tunnel1-0-1", seq FP_CFG_VTI_SEQ): its profile's
 * settings, the destination as the peer, no access-list. */
void fp_config_vti_entry(const struct fp_config *c, const struct fp_cfg_vti *v,
			 struct fp_cfg_map_entry *out);
/* What IKEv2 reads only when it negotiates, and so may change while
 * fpvpnd runs (the next negotiation uses it): an IKEv2 crypto map entry's
 * (no session keys) proposals, PFS group, lifetimes and connection type,
 * every ipsec profile's settings, every tunnel-group's ipsec-attributes.
 * Copies those of src into dst where both have the same entries, profiles
 * and tunnel-groups (by index). */
void fp_config_copy_negotiated(struct fp_config *dst, const struct fp_config *src);
/* Whether the parser's open sub-mode holds only such settings (crypto
 * ipsec profile, tunnel-group ipsec-attributes) or none is open. */
bool fp_config_mode_negotiated(const struct fp_config *c);
/* The ASA's prompt word for a parser sub-mode ("config-ipsec-profile");
 * NULL for the top level. */
const char *fp_config_mode_prompt(uint8_t mode);
/* Remote access (config_ra.h): a pool, a user, a remote-access
 * tunnel-group by name; whether "webvpn" enables nameif; the trustpoint
 * "ssl trust-point" names for nameif (NULL: none). */
const struct fp_cfg_pool *fp_config_pool(const struct fp_config *c, const char *name);
const struct fp_cfg_pool6 *fp_config_pool6(const struct fp_config *c, const char *name);
const struct fp_cfg_user *fp_config_user(const struct fp_config *c, const char *name);
const struct fp_cfg_tunnel_group *fp_config_ra_group(const struct fp_config *c, const char *name);
/* Names as the configuration spells them: vpn-tunnel-protocol bit i
 * ("ssl-client"), split-tunnel-policy ("tunnelspecified"). */
const char *fp_config_gp_protocol_name(unsigned bit);
const char *fp_config_split_name(unsigned policy);
/* A remote-access tunnel-group's "authentication" words ("aaa certificate"). */
const char *fp_config_ra_auth_name(unsigned auth);
bool fp_config_webvpn_enabled(const struct fp_config *c, const char *nameif);
const struct fp_cfg_trustpoint *fp_config_ssl_trustpoint(const struct fp_config *c,
							 const char *nameif);
/* Whether "crypto ikev2 enable NAMEIF" names nameif. */
bool fp_config_ikev2_enabled(const struct fp_config *c, const char *nameif);
/* The ikev2 policy with every empty list and the lifetime filled with the
 * ASA's defaults: encryption aes-256; integrity sha256 (null when every
 * encryption is AES-GCM); prf = the integrity list (sha256 with AES-GCM);
 * group 14; lifetime 86400 seconds. */
void fp_config_ikev2_policy_effective(const struct fp_cfg_ikev2_policy *pol,
				      struct fp_cfg_ikev2_policy *out);
/* Name i of a crypto map entry's "set ikev2 ipsec-proposal" list (0 = the
 * first); NULL past the last. */
const char *fp_config_entry_proposal(const struct fp_cfg_map_entry *e, unsigned i);
/* Names as the configuration spells them ("aes-gcm-256", "sha256"). */
const char *fp_config_ike_encr_name(enum fp_cfg_ike_encr e);
const char *fp_config_ike_hash_name(enum fp_cfg_ike_hash h);
const char *fp_config_conn_type_name(enum fp_cfg_conn_type t);

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
 * default is not written). Session keys and pre-shared keys are printed
 * as "*****" unless with_keys (write memory keeps them, show never does). */
void fp_config_write(const struct fp_config *c, FILE *out, bool with_keys);

/* Words that may be keys (config_secret.c): a run of FP_CFG_KEY_HEX_RUN
 * hex digits or more (8 key bytes; the shortest key, AES-128's, has 32).
 * Error messages and echoed lines never quote such a word: a key typed
 * where an SPI, a name or a keyword belongs must not come back, nor reach
 * a log. */
#define FP_CFG_KEY_HEX_RUN 16u
bool fp_config_word_may_be_key(const char *word, size_t n);
/* Each word of line that may be a key becomes as many '*': the line keeps
 * its columns (an error marker stays under its word). A pre-shared key has
 * any shape, so every word after "pre-shared-key" is masked too. */
void fp_config_mask_keys(char *line);

#endif
