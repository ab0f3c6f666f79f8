/* The remote-access part of the configuration (docs/remote-access.md):
 * address pools, local users, "ssl trust-point", the "webvpn" block, the
 * remote-access attributes of group-policies and tunnel-groups, and
 * "flow-offload-dtls". Included by config.h; parsed by config_pool.c,
 * config_user.c, config_webvpn.c, config_gp_ra.c, config_tg_ra.c. */
#ifndef FP_CONFIG_RA_H
#define FP_CONFIG_RA_H

#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"

#define FP_CFG_RA_NAME_MAX 64
#define FP_CFG_MAX_POOLS 16
#define FP_CFG_POOL_MAX_SIZE 65536u  /* addresses in one pool */
#define FP_CFG_MAX_USERS 64
#define FP_CFG_USER_HASH_MAX 128      /* "$sha256$ITER$SALT$DK" */
#define FP_CFG_USER_PASSWORD_MAX 127  /* characters of a typed password */
#define FP_CFG_MAX_GP_DNS 2
#define FP_CFG_WEBVPN_DTLS_PORT 443   /* "dtls port" default */

/* "ip local pool NAME FIRST-LAST [mask MASK]" (IPv4). */
struct fp_cfg_pool {
	char name[FP_CFG_RA_NAME_MAX];
	uint32_t first, last;             /* host order, first <= last */
	uint8_t mask_len;                 /* 0: none given (the class's, as the ASA) */
	unsigned line;
};

/* "ipv6 local pool NAME ADDR/LEN COUNT": COUNT addresses from ADDR up,
 * each given to its client with the prefix length LEN, as the ASA. */
struct fp_cfg_pool6 {
	char name[FP_CFG_RA_NAME_MAX];
	uint8_t first[16];                /* network order */
	uint8_t prefix_len;               /* 1-128 */
	uint32_t count;                   /* 1-FP_CFG_POOL_MAX_SIZE, within the prefix */
	unsigned line;
};

/* "username NAME password ...": only the PBKDF2 hash is ever kept. */
struct fp_cfg_user {
	char name[FP_CFG_RA_NAME_MAX];
	char hash[FP_CFG_USER_HASH_MAX];  /* ra_passwd.h's word */
	unsigned line;
};

/* "ssl trust-point TP NAMEIF" */
struct fp_cfg_ssl_tp {
	char trustpoint[FP_CFG_RA_NAME_MAX];
	char nameif[FP_CFG_RA_NAME_MAX];
	unsigned line;
};

/* "webvpn" and its sub-mode. */
struct fp_cfg_webvpn {
	bool present;                     /* the "webvpn" line was given */
	char enable[4][FP_CFG_RA_NAME_MAX]; /* "enable NAMEIF" */
	unsigned n_enable;
	uint16_t dtls_port;               /* "dtls port N"; 0 = default 443 */
	bool anyconnect;                  /* "anyconnect enable" */
	bool tg_list;                     /* "tunnel-group-list enable" */
	unsigned line;
};

enum fp_cfg_split_policy {
	FP_CFG_SPLIT_UNSET = 0,
	FP_CFG_SPLIT_TUNNELALL,
	FP_CFG_SPLIT_TUNNELSPECIFIED,
	FP_CFG_SPLIT_EXCLUDESPECIFIED,
};

#define FP_CFG_PROTO_SSL_CLIENT 0x1u
#define FP_CFG_PROTO_IKEV2 0x2u
#define FP_CFG_PROTO_IPSEC 0x4u
#define FP_CFG_PROTO_L2TP 0x8u

/* A tri-state: 0 unset (inherited), 1 on, 2 off. */
#define FP_CFG_TRI_ON 1
#define FP_CFG_TRI_OFF 2

/* A group-policy's remote-access attributes. */
#define FP_CFG_BANNER_MAX 1024u     /* the banner's lines together, newlines included */

struct fp_cfg_gp_ra {
	uint8_t protocols;                /* FP_CFG_PROTO_*; 0 = unset */
	uint8_t split_policy;             /* enum fp_cfg_split_policy */
	char split_acl[FP_CFG_RA_NAME_MAX]; /* "split-tunnel-network-list value ACL" */
	struct fp_addr dns[FP_CFG_MAX_GP_DNS]; /* "dns-server value A [B]" */
	uint8_t n_dns;
	uint8_t dtls;                     /* "anyconnect ssl dtls enable|none": FP_CFG_TRI_* */
	uint8_t idle_set;                 /* FP_CFG_TRI_ON: idle_min; _OFF: "none" */
	uint16_t idle_min;                /* "vpn-idle-timeout N" (1-35791 minutes) */
	uint8_t session_set;              /* "vpn-session-timeout": FP_CFG_TRI_ON: session_min; _OFF: none */
	uint16_t session_min;             /* the longest a session lasts (1-35791 minutes) */
	uint16_t dpd_client, dpd_gateway; /* "anyconnect dpd-interval client|gateway N"; 0 unset */
	bool dpd_client_none, dpd_gateway_none;
	/* "anyconnect ssl rekey time N|none" (minutes) and "... method
	 * new-tunnel|none": the client builds a new tunnel (TLS, CONNECT with
	 * its cookie, a new DTLS session) every N minutes */
	uint16_t rekey_min;
	bool rekey_time_none;
	uint8_t rekey_method;             /* enum fp_cfg_rekey_method; 0 = unset */
	/* "banner value TEXT" lines, joined by newlines; "banner none" */
	char banner[FP_CFG_BANNER_MAX];
	bool banner_none;
};

enum fp_cfg_rekey_method { FP_CFG_REKEY_UNSET, FP_CFG_REKEY_NONE, FP_CFG_REKEY_NEW_TUNNEL,
			   FP_CFG_REKEY_SSL };

/* "authentication aaa | certificate | aaa certificate": what a login must
 * show (a password, a client certificate, both). */
#define FP_CFG_RA_AUTH_AAA 0x1u
#define FP_CFG_RA_AUTH_CERT 0x2u

/* A tunnel-group's remote-access attributes. */
struct fp_cfg_tg_ra {
	bool remote_access;               /* "type remote-access" */
	char pool[FP_CFG_RA_NAME_MAX];    /* "address-pool NAME" */
	char pool6[FP_CFG_RA_NAME_MAX];   /* "ipv6-address-pool NAME" */
	char alias[FP_CFG_RA_NAME_MAX];   /* "group-alias NAME enable" */
	bool alias_enable;
	uint8_t auth;                     /* "authentication ...": FP_CFG_RA_AUTH_*; 0 = aaa */
	unsigned webvpn_line;             /* webvpn-attributes first opened; 0 = never */
};

struct fp_cfg_ra {
	struct fp_cfg_pool pools[FP_CFG_MAX_POOLS];
	unsigned n_pools;
	struct fp_cfg_pool6 pools6[FP_CFG_MAX_POOLS];
	unsigned n_pools6;
	struct fp_cfg_user users[FP_CFG_MAX_USERS];
	unsigned n_users;
	struct fp_cfg_ssl_tp ssl_tps[4];
	unsigned n_ssl_tps;
	struct fp_cfg_webvpn webvpn;
	bool offload_dtls;                /* "flow-offload-dtls" (default off) */
	bool offload_dtls_egress;         /* "flow-offload-dtls egress-optimization" (default on) */
};

#endif
