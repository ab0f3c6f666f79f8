/* Inside src/config only: the parser's line context, the command table's
 * shape, the word -> value helpers and the name tables the concept files
 * (config_iface.c, config_acl.c, config_proposal.c, config_map.c, ...)
 * share. Nothing outside src/config includes this. */
#ifndef FP_CONFIG_PARSE_H
#define FP_CONFIG_PARSE_H

#include "config/config.h"

#define FP_CFG_LINE_MAX 4096      /* characters in one line, newline excluded */
#define FP_CFG_MAX_WORDS 32       /* words in one command */
/* A whole file: far above what the table limits let a configuration hold
 * (64 access-lists of 256 lines, 128 map entries), low enough that an
 * endless file (a FIFO, "yes") is refused at once. */
#define FP_CFG_FILE_MAX (16u << 20)   /* bytes */
#define FP_CFG_FILE_LINES (1u << 18)  /* lines, comments and blank ones included */

/* Sub-modes a line can belong to (struct fp_config.parse_mode). */
enum fp_cfg_mode {
	FP_CFG_MODE_TOP = 0,
	FP_CFG_MODE_IFACE,        /* after "interface DEV" */
	FP_CFG_MODE_PROPOSAL,     /* after "crypto ipsec ikev2 ipsec-proposal NAME" */
	FP_CFG_MODE_GROUP_POLICY, /* after "group-policy NAME attributes" */
	FP_CFG_MODE_TUNNEL_GROUP, /* after "tunnel-group PEER general-attributes" */
	FP_CFG_MODE_TG_IPSEC,     /* after "tunnel-group PEER ipsec-attributes" */
	FP_CFG_MODE_IKEV2_POLICY, /* after "crypto ikev2 policy N" */
	FP_CFG_MODE_TRUSTPOINT,   /* after "crypto ca trustpoint NAME" */
	FP_CFG_MODE_PROFILE,      /* after "crypto ipsec profile NAME" */
	FP_CFG_MODE_VTI,          /* after "interface TunnelN" */
	FP_CFG_MODE_WEBVPN,       /* after "webvpn" */
	FP_CFG_MODE_TG_WEBVPN,    /* after "tunnel-group NAME webvpn-attributes" */
	FP_CFG_MODE__LAST = FP_CFG_MODE_TG_WEBVPN,
};

/* One line being interpreted. tok[] points into a private copy of the
 * line; arg is the index of the first word after the command's keywords. */
struct fp_cfg_parse {
	struct fp_config *c;
	const char *file;
	unsigned lineno;
	char *err;
	size_t errlen;
	char *tok[FP_CFG_MAX_WORDS];
	unsigned ntok;
	unsigned arg;
	const char *ctx;          /* the command's name, prefixed to its errors */
};

/* One command: its keywords (placeholders in <>: <seq> matches digits,
 * the others any word), the name its errors start with, how many words
 * may follow the keywords, the usage line printed when they don't, and the
 * handler that interprets them. */
#define FP_CFG_MAX_KEYWORDS 8

struct fp_cfg_cmd {
	uint8_t mode;             /* enum fp_cfg_mode */
	const char *keywords[FP_CFG_MAX_KEYWORDS]; /* NULL after the last */
	const char *name;
	unsigned min_args, max_args;
	const char *usage;
	int (*handle)(struct fp_cfg_parse *p);
};

/* Writes "FILE:LINE: NAME: " and the message into p->err; returns -1. */
int fp_cfg_error(struct fp_cfg_parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Word -> value. Each returns 0, or -1 after fp_cfg_error() naming what
 * (e.g. "the access-list name") and what was expected. */
int fp_cfg_name(struct fp_cfg_parse *p, const char *word, const char *what,
		size_t max, char *out);
int fp_cfg_uint(struct fp_cfg_parse *p, const char *word, const char *what,
		uint64_t min, uint64_t max, uint64_t *out);
int fp_cfg_hex(struct fp_cfg_parse *p, const char *word, const char *what,
	       uint8_t *out, size_t max, uint8_t *len);
int fp_cfg_mask(struct fp_cfg_parse *p, const char *word, uint8_t *len);
/* "A.B.C.D/LEN" or "X:X::X/LEN" with host bits allowed (an interface's
 * own address): -1 when not that shape, no error written. */
int fp_cfg_addr_len(struct fp_prefix *out, const char *word);
/* An anti-replay window size: 64, 128, 256, 512 or 1024 packets. */
int fp_cfg_replay_size(struct fp_cfg_parse *p, const char *word, unsigned *out);
bool fp_cfg_word_is(const char *word, const char *keyword);
/* How an error names word w of the line (config_secret.c): quoted, 64
 * characters at most ("'esp'"), or by its place when it may be a key
 * ("word 9 (not shown: it may be a key)"). Written into buf (n bytes,
 * FP_CFG_SHOWN_MAX is enough), returned. */
#define FP_CFG_SHOWN_MAX 80
const char *fp_cfg_shown(const struct fp_cfg_parse *p, const char *w, char *buf, size_t n);
/* The same with a buffer that lives as long as the enclosing block: for
 * use inside the fp_cfg_error() call ("got %s", FP_CFG_SHOWN(p, w)). */
#define FP_CFG_SHOWN(p, w) fp_cfg_shown((p), (w), (char[FP_CFG_SHOWN_MAX]){ 0 }, FP_CFG_SHOWN_MAX)

/* Handlers, one per command, by file. */
int fp_cfg_hostname(struct fp_cfg_parse *p);
int fp_cfg_replay_window(struct fp_cfg_parse *p);
int fp_cfg_replay_disable(struct fp_cfg_parse *p);
int fp_cfg_offload(struct fp_cfg_parse *p);
int fp_cfg_offload_off(struct fp_cfg_parse *p);
int fp_cfg_offload_egress(struct fp_cfg_parse *p);
int fp_cfg_offload_egress_off(struct fp_cfg_parse *p);

int fp_cfg_iface_open(struct fp_cfg_parse *p);
int fp_cfg_iface_nameif(struct fp_cfg_parse *p);
int fp_cfg_iface_ip(struct fp_cfg_parse *p);
int fp_cfg_iface_ipv6(struct fp_cfg_parse *p);
int fp_cfg_iface_shutdown(struct fp_cfg_parse *p);
int fp_cfg_iface_no_shutdown(struct fp_cfg_parse *p);
int fp_cfg_mtu(struct fp_cfg_parse *p);
int fp_cfg_frag_before(struct fp_cfg_parse *p);
int fp_cfg_frag_after(struct fp_cfg_parse *p);

int fp_cfg_acl_ace(struct fp_cfg_parse *p);
/* The access-list named name, created if new; NULL (and an error) at the limit. */
struct fp_cfg_acl *fp_cfg_acl_get(struct fp_cfg_parse *p, const char *name);

int fp_cfg_proposal_open(struct fp_cfg_parse *p);
int fp_cfg_proposal_enc(struct fp_cfg_parse *p);
int fp_cfg_proposal_integ(struct fp_cfg_parse *p);

int fp_cfg_gp_internal(struct fp_cfg_parse *p);
int fp_cfg_gp_open(struct fp_cfg_parse *p);
int fp_cfg_gp_filter(struct fp_cfg_parse *p);
int fp_cfg_gp_filter_none(struct fp_cfg_parse *p);
int fp_cfg_tg_type(struct fp_cfg_parse *p);
int fp_cfg_tg_open(struct fp_cfg_parse *p);
int fp_cfg_tg_policy(struct fp_cfg_parse *p);
/* The tunnel-group named by word 1 (an address), or NULL after an error
 * saying how to create it. */
struct fp_cfg_tunnel_group *fp_cfg_tg_find(struct fp_cfg_parse *p);

int fp_cfg_tgi_open(struct fp_cfg_parse *p);
int fp_cfg_tgi_psk(struct fp_cfg_parse *p);
int fp_cfg_tgi_cert(struct fp_cfg_parse *p);
int fp_cfg_tgi_keepalive(struct fp_cfg_parse *p);
int fp_cfg_tgi_keepalive_off(struct fp_cfg_parse *p);

int fp_cfg_ikev2_policy_open(struct fp_cfg_parse *p);
int fp_cfg_ikev2_encr(struct fp_cfg_parse *p);
int fp_cfg_ikev2_integ(struct fp_cfg_parse *p);
int fp_cfg_ikev2_group(struct fp_cfg_parse *p);
int fp_cfg_ikev2_prf(struct fp_cfg_parse *p);
int fp_cfg_ikev2_life(struct fp_cfg_parse *p);
int fp_cfg_ikev2_enable(struct fp_cfg_parse *p);
int fp_cfg_ikev2_frag_mtu(struct fp_cfg_parse *p);
int fp_cfg_ikev2_limit(struct fp_cfg_parse *p);
int fp_cfg_ikev2_cookie(struct fp_cfg_parse *p);
/* Encryption and integrity of one ikev2 policy that do not go together:
 * the reason into msg, -1. */
int fp_cfg_ikev2_policy_check(const struct fp_cfg_ikev2_policy *pol, char *msg, size_t n);

int fp_cfg_tp_open(struct fp_cfg_parse *p);
int fp_cfg_tp_enroll(struct fp_cfg_parse *p);
int fp_cfg_tp_file(struct fp_cfg_parse *p);

/* Route-based tunnels (config_vti.c). */
bool fp_cfg_vti_name(const char *dev);  /* "TunnelN": a VTI, not a device */
int fp_cfg_vti_open(struct fp_cfg_parse *p);
int fp_cfg_vti_nameif(struct fp_cfg_parse *p);
int fp_cfg_vti_ip(struct fp_cfg_parse *p);
int fp_cfg_vti_source(struct fp_cfg_parse *p);
int fp_cfg_vti_dest(struct fp_cfg_parse *p);
int fp_cfg_vti_mode(struct fp_cfg_parse *p);
int fp_cfg_vti_protection(struct fp_cfg_parse *p);
int fp_cfg_vti_shutdown(struct fp_cfg_parse *p);
int fp_cfg_vti_no_shutdown(struct fp_cfg_parse *p);
int fp_cfg_profile_open(struct fp_cfg_parse *p);
int fp_cfg_route(struct fp_cfg_parse *p);
/* The open profile's settings, or NULL after an error. */
struct fp_cfg_map_entry *fp_cfg_profile_set(struct fp_cfg_parse *p);
/* Tunnel interfaces, their profiles and routes name what exists. */
int fp_cfg_validate_vti(const struct fp_config *c, char *err, size_t errlen);
/* An ipsec-proposal IKEv2 can offer: encryption, and integrity for a
 * cipher that is no AEAD; else the reason into msg, -1. */
int fp_cfg_esp_proposal_check(const struct fp_cfg_proposal *pr, char *msg, size_t n);
/* Remote access (config_pool.c, config_user.c, config_webvpn.c,
 * config_gp_ra.c, config_tg_ra.c, config_acl.c). */
int fp_cfg_pool(struct fp_cfg_parse *p);
int fp_cfg_pool6(struct fp_cfg_parse *p);
int fp_cfg_user(struct fp_cfg_parse *p);
int fp_cfg_acl_std(struct fp_cfg_parse *p);
int fp_cfg_ssl_tp(struct fp_cfg_parse *p);
int fp_cfg_webvpn_open(struct fp_cfg_parse *p);
int fp_cfg_webvpn_enable(struct fp_cfg_parse *p);
int fp_cfg_webvpn_dtls_port(struct fp_cfg_parse *p);
int fp_cfg_webvpn_anyconnect(struct fp_cfg_parse *p);
int fp_cfg_webvpn_tg_list(struct fp_cfg_parse *p);
int fp_cfg_offload_dtls(struct fp_cfg_parse *p);
int fp_cfg_offload_dtls_egress(struct fp_cfg_parse *p);
int fp_cfg_gp_protocol(struct fp_cfg_parse *p);
int fp_cfg_gp_split_policy(struct fp_cfg_parse *p);
int fp_cfg_gp_split_list(struct fp_cfg_parse *p);
int fp_cfg_gp_dns(struct fp_cfg_parse *p);
int fp_cfg_gp_idle(struct fp_cfg_parse *p);
int fp_cfg_gp_dtls(struct fp_cfg_parse *p);
int fp_cfg_gp_dpd(struct fp_cfg_parse *p);
int fp_cfg_gp_rekey_time(struct fp_cfg_parse *p);
int fp_cfg_gp_banner(struct fp_cfg_parse *p);
int fp_cfg_gp_rekey_method(struct fp_cfg_parse *p);
int fp_cfg_tg_pool(struct fp_cfg_parse *p);
int fp_cfg_tg_pool6(struct fp_cfg_parse *p);
int fp_cfg_tgw_open(struct fp_cfg_parse *p);
int fp_cfg_tgw_alias(struct fp_cfg_parse *p);
int fp_cfg_tgw_auth(struct fp_cfg_parse *p);
/* The open group-policy (attributes sub-mode); NULL with an error. */
struct fp_cfg_group_policy *fp_cfg_gp_current(struct fp_cfg_parse *p);
/* show running-config's remote-access lines (config_write_ra.c). */
void fp_cfg_write_pools(const struct fp_config *c, FILE *out);
void fp_cfg_write_webvpn(const struct fp_config *c, FILE *out);
void fp_cfg_write_gp_ra(const struct fp_cfg_group_policy *gp, FILE *out);
void fp_cfg_write_tg_ra(const struct fp_cfg_tunnel_group *tg, FILE *out);
void fp_cfg_write_users(const struct fp_config *c, FILE *out);
/* Cross-line checks of the remote-access lines (config_validate_ra.c). */
int fp_cfg_validate_ra(const struct fp_config *c, char *err, size_t errlen);

int fp_cfg_map_match(struct fp_cfg_parse *p);
int fp_cfg_map_peer(struct fp_cfg_parse *p);
int fp_cfg_map_proposal(struct fp_cfg_parse *p);
int fp_cfg_map_session_key(struct fp_cfg_parse *p);
int fp_cfg_map_udp(struct fp_cfg_parse *p);
int fp_cfg_map_mode(struct fp_cfg_parse *p);
int fp_cfg_map_life_seconds(struct fp_cfg_parse *p);
int fp_cfg_map_life_kbytes(struct fp_cfg_parse *p);
int fp_cfg_map_replay(struct fp_cfg_parse *p);
int fp_cfg_map_esn(struct fp_cfg_parse *p);
int fp_cfg_map_pfs(struct fp_cfg_parse *p);
int fp_cfg_map_conn_type(struct fp_cfg_parse *p);
int fp_cfg_map_interface(struct fp_cfg_parse *p);

/* A crypto map entry's name and sequence number, from words 2 and 3. */
struct fp_cfg_map_ref {
	char map[FP_NAME_MAX];
	unsigned seq;
};
int fp_cfg_map_ref_parse(struct fp_cfg_parse *p, struct fp_cfg_map_ref *r);
/* The entry r names; if absent, created in its sorted place when create
 * (NULL and an error at the limit), else NULL. */
struct fp_cfg_map_entry *fp_cfg_map_entry(struct fp_cfg_parse *p,
					  const struct fp_cfg_map_ref *r, bool create);

/* Transform names as the configuration spells them, and the keying
 * material each needs with manual keys (config_proposal.c). */
const char *fp_cfg_cipher_name(enum fp_cipher c);
const char *fp_cfg_integ_name(enum fp_integ i);
bool fp_cfg_cipher_aead(enum fp_cipher c);
/* Checks one session key against a cipher/integrity pair; on a mismatch
 * writes the reason ("cipher key must be 36 bytes ...") into msg and
 * returns -1. */
int fp_cfg_key_check(enum fp_cipher c, enum fp_integ i,
		     const struct fp_cfg_session_key *k, char *msg, size_t n);

/* A proposal's first transform pair: what manual keys are used with. */
enum fp_integ fp_cfg_proposal_integ0(const struct fp_cfg_proposal *pr);

/* A DH group as "set pfs" and "group" take it: 14-16, 19-21 or 31, with
 * an error naming what fpvpn refuses (1, 2, 5, 24: too weak). */
int fp_cfg_dh_group(struct fp_cfg_parse *p, const char *word, uint8_t *out);

/* Validation (config_validate*.c): writes "FILE:LINE: " (no place for
 * line 0, a typed line) and the message into err; returns -1. */
int fp_cfg_fail(const struct fp_config *c, unsigned line, char *err, size_t errlen,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The IKEv2 checks (config_validate_ike.c): ikev2 policies, enable lines,
 * tunnel-group authentication, trustpoints. */
int fp_cfg_validate_ike(const struct fp_config *c, char *err, size_t errlen);
/* A crypto map entry without session keys: what IKEv2 needs to
 * negotiate it. */
int fp_cfg_validate_ike_entry(const struct fp_config *c, const struct fp_cfg_map_entry *e,
			      char *err, size_t errlen);

/* ACE protocol names ("ip", "tcp", ...): NULL when only a number. */
const char *fp_cfg_proto_name(uint8_t proto);

#endif
