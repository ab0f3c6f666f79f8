/* One configuration line: the tokenizer (length, bytes, words), then the
 * dispatch table that picks the command by its keywords and checks the
 * number of words after them, then the command's handler, which turns the
 * words into values and only then changes the configuration.
 *
 * Keywords are case-insensitive (as on the ASA); names are not. A line
 * belongs to the sub-mode the last "interface" or "ipsec-proposal" line
 * opened (or "group-policy NAME attributes", "tunnel-group PEER
 * general-attributes|ipsec-attributes", "crypto ikev2 policy N", "crypto ca
 * trustpoint NAME") when the sub-mode knows its first words better than the top level
 * does, indented or not (ASA accepts both); a top-level command ends it. */
#include "config/config_parse.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#define M_TOP FP_CFG_MODE_TOP
#define M_IF FP_CFG_MODE_IFACE
#define M_PR FP_CFG_MODE_PROPOSAL
#define M_GP FP_CFG_MODE_GROUP_POLICY
#define M_TG FP_CFG_MODE_TUNNEL_GROUP
#define M_TGI FP_CFG_MODE_TG_IPSEC
#define M_IKP FP_CFG_MODE_IKEV2_POLICY
#define M_TP FP_CFG_MODE_TRUSTPOINT
#define M_PF FP_CFG_MODE_PROFILE
#define M_VTI FP_CFG_MODE_VTI
#define M_WV FP_CFG_MODE_WEBVPN
#define M_TGW FP_CFG_MODE_TG_WEBVPN
#define M_LAST FP_CFG_MODE__LAST
#define IKE_ALGS FP_CFG_MAX_IKE_ALGS
#define MAP "crypto", "map", "<map>", "<seq>"
#define MAP_USE "crypto map NAME SEQ "

static const struct fp_cfg_cmd cfg_cmds[] = {
	{ M_TOP, { "hostname" }, "hostname", 1, 1,
	  "hostname NAME", fp_cfg_hostname },
	{ M_TOP, { "interface" }, "interface", 1, 1,
	  "interface DEVICE", fp_cfg_iface_open },
	{ M_IF, { "nameif" }, "nameif", 1, 1,
	  "nameif NAME", fp_cfg_iface_nameif },
	{ M_IF, { "ip", "address" }, "ip address", 2, 2,
	  "ip address A.B.C.D MASK", fp_cfg_iface_ip },
	{ M_IF, { "ipv6", "address" }, "ipv6 address", 1, 1,
	  "ipv6 address X:X::X/LEN", fp_cfg_iface_ipv6 },
	{ M_IF, { "shutdown" }, "shutdown", 0, 0,
	  "shutdown", fp_cfg_iface_shutdown },
	{ M_IF, { "no", "shutdown" }, "no shutdown", 0, 0,
	  "no shutdown", fp_cfg_iface_no_shutdown },
	{ M_VTI, { "nameif" }, "nameif", 1, 1,
	  "nameif NAME", fp_cfg_vti_nameif },
	{ M_VTI, { "ip", "address" }, "ip address", 2, 2,
	  "ip address A.B.C.D MASK", fp_cfg_vti_ip },
	{ M_VTI, { "tunnel", "source", "interface" }, "tunnel source", 1, 1,
	  "tunnel source interface NAMEIF", fp_cfg_vti_source },
	{ M_VTI, { "tunnel", "destination" }, "tunnel destination", 1, 1,
	  "tunnel destination A.B.C.D", fp_cfg_vti_dest },
	{ M_VTI, { "tunnel", "mode", "ipsec" }, "tunnel mode", 1, 1,
	  "tunnel mode ipsec ipv4", fp_cfg_vti_mode },
	{ M_VTI, { "tunnel", "protection", "ipsec", "profile" }, "tunnel protection", 1, 1,
	  "tunnel protection ipsec profile NAME", fp_cfg_vti_protection },
	{ M_VTI, { "shutdown" }, "shutdown", 0, 0,
	  "shutdown", fp_cfg_vti_shutdown },
	{ M_VTI, { "no", "shutdown" }, "no shutdown", 0, 0,
	  "no shutdown", fp_cfg_vti_no_shutdown },
	{ M_TOP, { "route" }, "route", 3, 5,
	  "route NAMEIF A.B.C.D MASK [GATEWAY [METRIC]]", fp_cfg_route },
	{ M_TOP, { "mtu" }, "mtu", 2, 2,
	  "mtu NAMEIF 64-9198", fp_cfg_mtu },
	{ M_TOP, { "access-list", "<acl>", "extended" }, "access-list", 4, FP_CFG_MAX_WORDS,
	  "access-list NAME extended permit|deny PROTOCOL SRC [eq PORT] DST [eq PORT]",
	  fp_cfg_acl_ace },
	{ M_TOP, { "crypto", "ipsec", "ikev2", "ipsec-proposal" }, "ipsec-proposal", 1, 1,
	  "crypto ipsec ikev2 ipsec-proposal NAME", fp_cfg_proposal_open },
	{ M_PR, { "protocol", "esp", "encryption" }, "encryption", 1, FP_CFG_MAX_PROPOSAL_ALGS,
	  "protocol esp encryption ALGORITHM...", fp_cfg_proposal_enc },
	{ M_PR, { "protocol", "esp", "integrity" }, "integrity", 1, FP_CFG_MAX_PROPOSAL_ALGS,
	  "protocol esp integrity ALGORITHM...", fp_cfg_proposal_integ },
	{ M_TOP, { "crypto", "ipsec", "profile" }, "ipsec profile", 1, 1,
	  "crypto ipsec profile NAME", fp_cfg_profile_open },
	{ M_PF, { "set", "ikev2", "ipsec-proposal" }, "set ikev2 ipsec-proposal", 1,
	  FP_CFG_MAX_MAP_PROPOSALS, "set ikev2 ipsec-proposal NAME...", fp_cfg_map_proposal },
	{ M_PF, { "set", "pfs" }, "set pfs", 0, 1,
	  "set pfs [group14|group15|group16|group19|group20|group21|group31]", fp_cfg_map_pfs },
	{ M_PF, { "set", "security-association", "lifetime", "seconds" }, "lifetime", 1, 1,
	  "set security-association lifetime seconds 120-2147483647", fp_cfg_map_life_seconds },
	{ M_PF, { "set", "security-association", "lifetime", "kilobytes" }, "lifetime", 1, 1,
	  "set security-association lifetime kilobytes 10-2147483647|unlimited",
	  fp_cfg_map_life_kbytes },
	{ M_TOP, { "group-policy", "<gp>", "internal" }, "group-policy", 0, 0,
	  "group-policy NAME internal", fp_cfg_gp_internal },
	{ M_TOP, { "group-policy", "<gp>", "attributes" }, "group-policy", 0, 0,
	  "group-policy NAME attributes", fp_cfg_gp_open },
	{ M_GP, { "vpn-filter", "value" }, "vpn-filter", 1, 1,
	  "vpn-filter value ACL", fp_cfg_gp_filter },
	{ M_GP, { "vpn-filter", "none" }, "vpn-filter", 0, 0,
	  "vpn-filter none", fp_cfg_gp_filter_none },
	{ M_TOP, { "tunnel-group", "<tg>", "type" }, "tunnel-group", 1, 1,
	  "tunnel-group NAME type ipsec-l2l|remote-access", fp_cfg_tg_type },
	{ M_TOP, { "tunnel-group", "<tg>", "general-attributes" }, "tunnel-group", 0, 0,
	  "tunnel-group PEER general-attributes", fp_cfg_tg_open },
	{ M_TG, { "default-group-policy" }, "default-group-policy", 1, 1,
	  "default-group-policy NAME", fp_cfg_tg_policy },
	{ M_TOP, { "tunnel-group", "<tg>", "ipsec-attributes" }, "tunnel-group", 0, 0,
	  "tunnel-group PEER ipsec-attributes", fp_cfg_tgi_open },
	{ M_TGI, { "ikev2", "remote-authentication", "pre-shared-key" },
	  "remote-authentication", 1, 1,
	  "ikev2 remote-authentication pre-shared-key KEY", fp_cfg_tgi_psk },
	{ M_TGI, { "ikev2", "local-authentication", "pre-shared-key" },
	  "local-authentication", 1, 1,
	  "ikev2 local-authentication pre-shared-key KEY", fp_cfg_tgi_psk },
	{ M_TGI, { "ikev2", "remote-authentication", "certificate" },
	  "remote-authentication", 0, 0,
	  "ikev2 remote-authentication certificate", fp_cfg_tgi_cert },
	{ M_TGI, { "ikev2", "local-authentication", "certificate" },
	  "local-authentication", 1, 1,
	  "ikev2 local-authentication certificate TRUSTPOINT", fp_cfg_tgi_cert },
	{ M_TGI, { "isakmp", "keepalive", "threshold" }, "isakmp keepalive", 3, 3,
	  "isakmp keepalive threshold 10-3600 retry 2-10", fp_cfg_tgi_keepalive },
	{ M_TGI, { "isakmp", "keepalive", "disable" }, "isakmp keepalive", 0, 0,
	  "isakmp keepalive disable", fp_cfg_tgi_keepalive_off },
	{ M_TOP, { "crypto", "ikev2", "policy" }, "ikev2 policy", 1, 1,
	  "crypto ikev2 policy 1-65535", fp_cfg_ikev2_policy_open },
	{ M_IKP, { "encryption" }, "encryption", 1, IKE_ALGS,
	  "encryption aes|aes-192|aes-256|aes-gcm|aes-gcm-192|aes-gcm-256...", fp_cfg_ikev2_encr },
	{ M_IKP, { "integrity" }, "integrity", 1, IKE_ALGS,
	  "integrity sha|sha256|sha384|sha512|null...", fp_cfg_ikev2_integ },
	{ M_IKP, { "group" }, "group", 1, IKE_ALGS,
	  "group 14|15|16|19|20|21|31...", fp_cfg_ikev2_group },
	{ M_IKP, { "prf" }, "prf", 1, IKE_ALGS,
	  "prf sha|sha256|sha384|sha512...", fp_cfg_ikev2_prf },
	{ M_IKP, { "lifetime", "seconds" }, "lifetime", 1, 1,
	  "lifetime seconds 120-2147483647", fp_cfg_ikev2_life },
	{ M_TOP, { "crypto", "ikev2", "enable" }, "ikev2 enable", 1, 1,
	  "crypto ikev2 enable NAMEIF", fp_cfg_ikev2_enable },
	{ M_TOP, { "crypto", "ikev2", "fragmentation", "mtu" }, "ikev2 fragmentation", 1, 1,
	  "crypto ikev2 fragmentation mtu 68-1500", fp_cfg_ikev2_frag_mtu },
	{ M_TOP, { "crypto", "ikev2", "limit", "max-in-negotiation-sa" }, "ikev2 limit", 1, 1,
	  "crypto ikev2 limit max-in-negotiation-sa 1-10000", fp_cfg_ikev2_limit },
	{ M_TOP, { "crypto", "ikev2", "cookie-challenge" }, "cookie-challenge", 1, 1,
	  "crypto ikev2 cookie-challenge 1-100", fp_cfg_ikev2_cookie },
	{ M_TOP, { "crypto", "ca", "trustpoint" }, "trustpoint", 1, 1,
	  "crypto ca trustpoint NAME", fp_cfg_tp_open },
	{ M_TP, { "enrollment" }, "enrollment", 1, 1,
	  "enrollment terminal", fp_cfg_tp_enroll },
	{ M_TP, { "certificate-file" }, "certificate-file", 1, 1,
	  "certificate-file PATH", fp_cfg_tp_file },
	{ M_TP, { "private-key-file" }, "private-key-file", 1, 1,
	  "private-key-file PATH", fp_cfg_tp_file },
	{ M_TP, { "ca-file" }, "ca-file", 1, 1,
	  "ca-file PATH", fp_cfg_tp_file },
	{ M_TOP, { MAP, "match", "address" }, "match address", 1, 1,
	  MAP_USE "match address ACL", fp_cfg_map_match },
	{ M_TOP, { MAP, "set", "peer" }, "set peer", 1, 1,
	  MAP_USE "set peer ADDRESS", fp_cfg_map_peer },
	{ M_TOP, { MAP, "set", "ikev2", "ipsec-proposal" },
	  "set ikev2 ipsec-proposal", 1, FP_CFG_MAX_PROPOSAL_ALGS,
	  MAP_USE "set ikev2 ipsec-proposal NAME...", fp_cfg_map_proposal },
	{ M_TOP, { MAP, "set", "session-key" }, "session-key", 5, 7,
	  MAP_USE "set session-key inbound|outbound esp SPI [cipher HEX] [authenticator HEX]",
	  fp_cfg_map_session_key },
	{ M_TOP, { MAP, "set", "udp-encapsulation" }, "udp-encapsulation", 2, 2,
	  MAP_USE "set udp-encapsulation SOURCE-PORT DESTINATION-PORT", fp_cfg_map_udp },
	{ M_TOP, { MAP, "set", "mode" }, "set mode", 1, 1,
	  MAP_USE "set mode tunnel|transport", fp_cfg_map_mode },
	{ M_TOP, { MAP, "set", "security-association", "lifetime", "seconds" }, "lifetime", 1, 1,
	  MAP_USE "set security-association lifetime seconds 120-2147483647",
	  fp_cfg_map_life_seconds },
	{ M_TOP, { MAP, "set", "security-association", "lifetime", "kilobytes" }, "lifetime", 1, 1,
	  MAP_USE "set security-association lifetime kilobytes 10-2147483647|unlimited",
	  fp_cfg_map_life_kbytes },
	{ M_TOP, { MAP, "set", "security-association", "replay", "window-size" },
	  "replay window-size", 1, 1,
	  MAP_USE "set security-association replay window-size 64|128|256|512|1024",
	  fp_cfg_map_replay },
	{ M_TOP, { MAP, "set", "extended-sequence-number" }, "extended-sequence-number", 0, 0,
	  MAP_USE "set extended-sequence-number", fp_cfg_map_esn },
	{ M_TOP, { MAP, "set", "pfs" }, "set pfs", 0, 1,
	  MAP_USE "set pfs [group14|group15|group16|group19|group20|group21|group31]",
	  fp_cfg_map_pfs },
	{ M_TOP, { MAP, "set", "connection-type" }, "set connection-type", 1, 1,
	  MAP_USE "set connection-type bidirectional|originate-only|answer-only",
	  fp_cfg_map_conn_type },
	{ M_TOP, { "crypto", "map", "<map>", "interface" }, "crypto map interface", 1, 1,
	  "crypto map NAME interface NAMEIF", fp_cfg_map_interface },
	{ M_TOP, { "crypto", "ipsec", "security-association", "replay", "window-size" },
	  "replay window-size", 1, 1,
	  "crypto ipsec security-association replay window-size 64|128|256|512|1024",
	  fp_cfg_replay_window },
	{ M_TOP, { "crypto", "ipsec", "security-association", "replay", "disable" },
	  "replay disable", 0, 0,
	  "crypto ipsec security-association replay disable", fp_cfg_replay_disable },
	{ M_TOP, { "crypto", "ipsec", "fragmentation", "before-encryption" }, "fragmentation",
	  1, 1, "crypto ipsec fragmentation before-encryption NAMEIF", fp_cfg_frag_before },
	{ M_TOP, { "crypto", "ipsec", "fragmentation", "after-encryption" }, "fragmentation",
	  1, 1, "crypto ipsec fragmentation after-encryption NAMEIF", fp_cfg_frag_after },
	{ M_TOP, { "ip", "local", "pool" }, "ip local pool", 2, 4,
	  "ip local pool NAME FIRST-LAST [mask MASK]", fp_cfg_pool },
	{ M_TOP, { "ipv6", "local", "pool" }, "ipv6 local pool", 3, 3,
	  "ipv6 local pool NAME X:X::X/LEN COUNT", fp_cfg_pool6 },
	{ M_TOP, { "access-list", "<acl>", "standard" }, "access-list", 2, 3,
	  "access-list NAME standard permit|deny any4|host A.B.C.D|A.B.C.D MASK", fp_cfg_acl_std },
	{ M_TOP, { "username" }, "username", 3, 4,
	  "username NAME password PASSWORD [pbkdf2]", fp_cfg_user },
	{ M_TOP, { "ssl", "trust-point" }, "ssl trust-point", 2, 2,
	  "ssl trust-point TRUSTPOINT NAMEIF", fp_cfg_ssl_tp },
	{ M_TOP, { "webvpn" }, "webvpn", 0, 0,
	  "webvpn", fp_cfg_webvpn_open },
	{ M_WV, { "enable" }, "enable", 1, 1,
	  "enable NAMEIF", fp_cfg_webvpn_enable },
	{ M_WV, { "dtls", "port" }, "dtls port", 1, 1,
	  "dtls port 1-65535", fp_cfg_webvpn_dtls_port },
	{ M_WV, { "anyconnect", "enable" }, "anyconnect enable", 0, 0,
	  "anyconnect enable", fp_cfg_webvpn_anyconnect },
	{ M_WV, { "tunnel-group-list", "enable" }, "tunnel-group-list", 0, 0,
	  "tunnel-group-list enable", fp_cfg_webvpn_tg_list },
	{ M_GP, { "vpn-tunnel-protocol" }, "vpn-tunnel-protocol", 1, 4,
	  "vpn-tunnel-protocol ssl-client|ikev2|ipsec|l2tp-ipsec...", fp_cfg_gp_protocol },
	{ M_GP, { "split-tunnel-policy" }, "split-tunnel-policy", 1, 1,
	  "split-tunnel-policy tunnelall|tunnelspecified|excludespecified", fp_cfg_gp_split_policy },
	{ M_GP, { "split-tunnel-network-list", "value" }, "split-tunnel-network-list", 1, 1,
	  "split-tunnel-network-list value ACL", fp_cfg_gp_split_list },
	{ M_GP, { "dns-server", "value" }, "dns-server", 1, FP_CFG_MAX_GP_DNS,
	  "dns-server value A.B.C.D [A.B.C.D]", fp_cfg_gp_dns },
	{ M_GP, { "vpn-idle-timeout" }, "vpn-idle-timeout", 1, 1,
	  "vpn-idle-timeout 1-35791|none", fp_cfg_gp_idle },
	{ M_GP, { "vpn-session-timeout" }, "vpn-session-timeout", 1, 1,
	  "vpn-session-timeout 1-35791|none", fp_cfg_gp_idle },
	{ M_GP, { "anyconnect", "ssl", "dtls" }, "anyconnect ssl dtls", 1, 1,
	  "anyconnect ssl dtls enable|none", fp_cfg_gp_dtls },
	{ M_GP, { "banner" }, "banner", 1, FP_CFG_MAX_WORDS - 1, "banner value TEXT | banner none",
	  fp_cfg_gp_banner },
	{ M_GP, { "anyconnect", "ssl", "rekey", "time" }, "anyconnect ssl rekey", 1, 1,
	  "anyconnect ssl rekey time 1-10080|none", fp_cfg_gp_rekey_time },
	{ M_GP, { "anyconnect", "ssl", "rekey", "method" }, "anyconnect ssl rekey", 1, 1,
	  "anyconnect ssl rekey method new-tunnel|none", fp_cfg_gp_rekey_method },
	{ M_GP, { "anyconnect", "dpd-interval", "client" }, "anyconnect dpd-interval", 1, 1,
	  "anyconnect dpd-interval client 5-3600|none", fp_cfg_gp_dpd },
	{ M_GP, { "anyconnect", "dpd-interval", "gateway" }, "anyconnect dpd-interval", 1, 1,
	  "anyconnect dpd-interval gateway 5-3600|none", fp_cfg_gp_dpd },
	{ M_TG, { "address-pool" }, "address-pool", 1, 1,
	  "address-pool POOL", fp_cfg_tg_pool },
	{ M_TG, { "ipv6-address-pool" }, "ipv6-address-pool", 1, 1,
	  "ipv6-address-pool POOL", fp_cfg_tg_pool6 },
	{ M_TOP, { "tunnel-group", "<tg>", "webvpn-attributes" }, "tunnel-group", 0, 0,
	  "tunnel-group NAME webvpn-attributes", fp_cfg_tgw_open },
	{ M_TGW, { "group-alias" }, "group-alias", 2, 2,
	  "group-alias NAME enable|disable", fp_cfg_tgw_alias },
	{ M_TGW, { "authentication" }, "authentication", 1, 2,
	  "authentication aaa|certificate|aaa certificate", fp_cfg_tgw_auth },
	{ M_TOP, { "flow-offload-dtls" }, "flow-offload-dtls", 0, 0,
	  "flow-offload-dtls", fp_cfg_offload_dtls },
	{ M_TOP, { "no", "flow-offload-dtls" }, "no flow-offload-dtls", 0, 0,
	  "no flow-offload-dtls", fp_cfg_offload_dtls },
	{ M_TOP, { "flow-offload-dtls", "egress-optimization" }, "flow-offload-dtls", 0, 0,
	  "flow-offload-dtls egress-optimization", fp_cfg_offload_dtls_egress },
	{ M_TOP, { "no", "flow-offload-dtls", "egress-optimization" }, "no flow-offload-dtls", 0, 0,
	  "no flow-offload-dtls egress-optimization", fp_cfg_offload_dtls_egress },
	{ M_TOP, { "flow-offload-ipsec" }, "flow-offload-ipsec", 0, 0,
	  "flow-offload-ipsec", fp_cfg_offload },
	{ M_TOP, { "flow-offload-ipsec", "egress-optimization" }, "flow-offload-ipsec", 0, 0,
	  "flow-offload-ipsec egress-optimization", fp_cfg_offload_egress },
	{ M_TOP, { "no", "flow-offload-ipsec" }, "no flow-offload-ipsec", 0, 0,
	  "no flow-offload-ipsec", fp_cfg_offload_off },
	{ M_TOP, { "no", "flow-offload-ipsec", "egress-optimization" },
	  "no flow-offload-ipsec", 0, 0,
	  "no flow-offload-ipsec egress-optimization", fp_cfg_offload_egress_off },
};
#define N_CMDS (sizeof(cfg_cmds) / sizeof(cfg_cmds[0]))

/* Placeholders in keywords: what they match and how errors name them. */
static const struct {
	const char *ph, *the, *a;
	bool digits;
} cfg_placeholders[] = {
	{ "<map>", "the map name", "a map name", false },
	{ "<seq>", "the sequence number", "a sequence number", true },
	{ "<acl>", "the access-list name", "an access-list name", false },
	{ "<gp>", "the group-policy name", "a group-policy name", false },
	{ "<tg>", "the peer's address", "the peer's address", false },
};

/* The opening line of each sub-mode, for "must follow" errors. */
static const char *const cfg_mode_opener[] = {
	[M_IF] = "interface DEVICE",
	[M_PR] = "crypto ipsec ikev2 ipsec-proposal NAME",
	[M_GP] = "group-policy NAME attributes",
	[M_TG] = "tunnel-group PEER general-attributes",
	[M_TGI] = "tunnel-group PEER ipsec-attributes",
	[M_IKP] = "crypto ikev2 policy N",
	[M_TP] = "crypto ca trustpoint NAME",
	[M_PF] = "crypto ipsec profile NAME",
	[M_VTI] = "interface TunnelN",
	[M_WV] = "webvpn",
	[M_TGW] = "tunnel-group NAME webvpn-attributes",
};

int fp_cfg_error(struct fp_cfg_parse *p, const char *fmt, ...)
{
	if (!p->err || !p->errlen)
		return -1;
	int n = snprintf(p->err, p->errlen, "%s:%u: %s%s", p->file, p->lineno,
			 p->ctx ? p->ctx : "", p->ctx ? ": " : "");
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

bool fp_cfg_word_is(const char *word, const char *keyword)
{
	return strcasecmp(word, keyword) == 0;
}

/* Keyword i of cmd; NULL past the last. */
static const char *kw_word(const struct fp_cfg_cmd *cmd, unsigned i)
{
	return i < FP_CFG_MAX_KEYWORDS ? cmd->keywords[i] : NULL;
}

static int placeholder_find(const char *w)
{
	if (w[0] != '<')
		return -1;
	for (unsigned i = 0; i < sizeof(cfg_placeholders) / sizeof(cfg_placeholders[0]); i++)
		if (strcmp(w, cfg_placeholders[i].ph) == 0)
			return (int)i;
	return -1;
}

static bool word_matches(const char *kw, const char *tok)
{
	int ph = placeholder_find(kw);
	if (ph < 0)
		return fp_cfg_word_is(tok, kw);
	return !cfg_placeholders[ph].digits || strspn(tok, "0123456789") == strlen(tok);
}

/* How many leading words of the line match cmd's keywords; *nkw = how
 * many keywords cmd has. */
static unsigned cmd_match(const struct fp_cfg_cmd *cmd, const struct fp_cfg_parse *p,
			  unsigned *nkw)
{
	const char *w;
	unsigned i = 0, m = 0;
	bool all = true;
	for (; (w = kw_word(cmd, i)); i++) {
		all = all && i < p->ntok && word_matches(w, p->tok[i]);
		m += all;
	}
	*nkw = i;
	return m;
}

static unsigned mode_best(const struct fp_cfg_parse *p, uint8_t mode)
{
	unsigned best = 0, n;
	for (unsigned i = 0; i < N_CMDS; i++)
		if (cfg_cmds[i].mode == mode) {
			unsigned m = cmd_match(&cfg_cmds[i], p, &n);
			best = m > best ? m : best;
		}
	return best;
}

/* The phrase cmd expects at keyword d: its keywords up to a placeholder,
 * quoted ("'set peer'"), or the placeholder's description ("a sequence
 * number"). One word only where the whole top level is listed. */
static void cmd_phrase(const struct fp_cfg_cmd *cmd, unsigned d, bool one, char *out, size_t n)
{
	char words[160] = "";
	const char *w;
	size_t used = 0;
	for (unsigned i = d; (w = kw_word(cmd, i)); i++) {
		int ph = placeholder_find(w);
		if (ph >= 0 && i == d) {
			snprintf(out, n, "%s", cfg_placeholders[ph].a);
			return;
		}
		if (ph >= 0 || (one && i > d))
			break;
		used += (size_t)snprintf(words + used, sizeof(words) - used, "%s%s",
					 i == d ? "" : " ", w);
		if (used >= sizeof(words))
			break;
	}
	snprintf(out, n, "'%s'", words);
}

/* "'a', 'b' or 'c'" from the distinct phrases the commands of mode that
 * match the first d words expect next, plus "end of line" if eol. */
static void expect_list(const struct fp_cfg_parse *p, uint8_t mode, unsigned d, bool eol,
			char *out, size_t n)
{
	char alts[N_CMDS + 1][96];
	unsigned na = 0, nkw;
	for (unsigned i = 0; i < N_CMDS; i++) {
		if (cfg_cmds[i].mode != mode || cmd_match(&cfg_cmds[i], p, &nkw) < d || nkw <= d)
			continue;
		cmd_phrase(&cfg_cmds[i], d, mode == M_TOP && d == 0, alts[na], sizeof(alts[na]));
		bool dup = false;
		for (unsigned j = 0; j < na; j++)
			dup = dup || strcmp(alts[j], alts[na]) == 0;
		na += !dup;
	}
	if (eol)
		snprintf(alts[na++], sizeof(alts[0]), "end of line");
	size_t used = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < na && used < n; i++)
		used += (size_t)snprintf(out + used, n - used, "%s%s",
					 i == 0 ? "" : i + 1 == na ? " or " : ", ", alts[i]);
}

/* For the commands of mode matching the first d words: ctx = their
 * keywords before the first placeholder ("crypto map"), after = how word
 * d-1 is named ("the sequence number", "'set'"). */
static void expect_context(const struct fp_cfg_parse *p, uint8_t mode, unsigned d,
			   char *ctx, size_t n, char *after, size_t an)
{
	const char *w;
	unsigned nkw;
	size_t used = 0;
	bool stop = false;
	ctx[0] = after[0] = '\0';
	for (unsigned i = 0; i < N_CMDS; i++) {
		if (cfg_cmds[i].mode != mode || cmd_match(&cfg_cmds[i], p, &nkw) < d)
			continue;
		for (unsigned k = 0; k < d && (w = kw_word(&cfg_cmds[i], k)); k++) {
			int ph = placeholder_find(w);
			if (k + 1 == d && ph >= 0)
				snprintf(after, an, "%s", cfg_placeholders[ph].the);
			else if (k + 1 == d)
				snprintf(after, an, "'%s'", w);
			stop = stop || ph >= 0;
			if (!stop && used < n)
				used += (size_t)snprintf(ctx + used, n - used, "%s%s", k ? " " : "", w);
		}
		return;
	}
}

static const char *const cfg_mode_name[] = {
	[M_TOP] = "", [M_IF] = "interface", [M_PR] = "ipsec-proposal",
	[M_GP] = "group-policy", [M_TG] = "tunnel-group", [M_TGI] = "ipsec-attributes",
	[M_IKP] = "ikev2 policy", [M_TP] = "trustpoint", [M_PF] = "ipsec profile",
	[M_VTI] = "Tunnel interface",
	[M_WV] = "webvpn",
	[M_TGW] = "webvpn-attributes",
};

/* No command of mode matches the line past word d (or one does but takes
 * no more words, eol): say what was expected there. */
static int expect_error(struct fp_cfg_parse *p, uint8_t mode, unsigned d, bool eol)
{
	char list[1024], ctx[128], after[64], got[80];
	expect_list(p, mode, d, eol, list, sizeof(list));
	expect_context(p, mode, d, ctx, sizeof(ctx), after, sizeof(after));
	if (d < p->ntok)
		fp_cfg_shown(p, p->tok[d], got, sizeof(got));
	else
		snprintf(got, sizeof(got), "end of line");
	if (d == 0 && mode == M_TOP)
		return fp_cfg_error(p, "unknown command %s; expected %s", got, list);
	if (d == 0)
		return fp_cfg_error(p, "unknown %s sub-command %s; expected %s",
				    cfg_mode_name[mode], got, list);
	return fp_cfg_error(p, "%s: expected %s after %s, got %s", ctx, list, after, got);
}

/* The command matched but the words after its keywords are too few or
 * too many. */
static int usage_error(struct fp_cfg_parse *p, const struct fp_cfg_cmd *cmd, unsigned nkw)
{
	char ctx[128], after[64];
	expect_context(p, cmd->mode, nkw, ctx, sizeof(ctx), after, sizeof(after));
	if (p->ntok - nkw < cmd->min_args)
		return fp_cfg_error(p, "%s: incomplete command; usage: %s", ctx, cmd->usage);
	/* a key or password typed with blanks: no word quoted */
	if (cmd->handle == fp_cfg_map_session_key || cmd->handle == fp_cfg_user)
		return fp_cfg_error(p, "%s: unexpected word %u at the end (not shown: it may be a "
				    "key); usage: %s", ctx, nkw + cmd->max_args + 1, cmd->usage);
	return fp_cfg_error(p, "%s: unexpected %s at the end; usage: %s", ctx,
			    FP_CFG_SHOWN(p, p->tok[nkw + cmd->max_args]), cmd->usage);
}

/* Pick the command of mode whose keywords all match (the longest), check
 * its word count, run it. */
static int cfg_dispatch(struct fp_cfg_parse *p, uint8_t mode)
{
	const struct fp_cfg_cmd *full = NULL;
	unsigned full_n = 0, deepest = 0, nkw;
	bool longer = false; /* another command goes on past full's keywords */
	for (unsigned i = 0; i < N_CMDS; i++) {
		if (cfg_cmds[i].mode != mode)
			continue;
		unsigned m = cmd_match(&cfg_cmds[i], p, &nkw);
		deepest = m > deepest ? m : deepest;
		if (m == nkw && (!full || nkw > full_n))
			full = &cfg_cmds[i], full_n = nkw;
	}
	if (!full)
		return expect_error(p, mode, deepest, false);
	unsigned nargs = p->ntok - full_n;
	if (nargs >= full->min_args && nargs <= full->max_args) {
		p->arg = full_n;
		p->ctx = full->name;
		return full->handle(p);
	}
	for (unsigned i = 0; i < N_CMDS; i++)
		if (cfg_cmds[i].mode == mode && cmd_match(&cfg_cmds[i], p, &nkw) >= full_n &&
		    nkw > full_n)
			longer = true;
	if (nargs > full->max_args && full->max_args == 0 && longer)
		return expect_error(p, mode, full_n, true);
	return usage_error(p, full, full_n);
}

/* Which mode's commands the line is: the sub-mode's when they match more
 * of its first words than the top level's (or as many, indented). A
 * sub-command with no sub-mode open says which line it must follow. */
static int cfg_dispatch_line(struct fp_cfg_parse *p, bool indented)
{
	struct fp_config *c = p->c;
	unsigned top = mode_best(p, M_TOP);
	if (c->parse_mode > M_LAST)
		c->parse_mode = M_TOP;
	if (c->parse_mode != M_TOP) {
		unsigned sub = mode_best(p, c->parse_mode);
		if (sub > top || (sub == top && indented))
			return cfg_dispatch(p, c->parse_mode);
		c->parse_mode = M_TOP;
	}
	for (uint8_t m = M_IF; m <= M_LAST; m++) {
		unsigned sub = mode_best(p, m);
		if (sub > top)
			return fp_cfg_error(p, "'%s%s%s' is %s %s sub-command: it must follow '%s'",
					    p->tok[0], sub > 1 ? " " : "", sub > 1 ? p->tok[1] : "",
					    strchr("aeiou", cfg_mode_name[m][0]) ? "an" : "a",
					    cfg_mode_name[m], cfg_mode_opener[m]);
	}
	return cfg_dispatch(p, M_TOP);
}

/* Check the line's length and bytes, copy it into buf (FP_CFG_LINE_MAX + 3
 * bytes) and split it into words. Comments and blank lines give none. */
static int cfg_tokenize(struct fp_cfg_parse *p, const char *line, char *buf, size_t *len,
			bool *indented)
{
	size_t n = strnlen(line, FP_CFG_LINE_MAX + 3);
	if (n == FP_CFG_LINE_MAX + 3)
		return fp_cfg_error(p, "line is longer than %u characters", FP_CFG_LINE_MAX);
	for (unsigned k = 0; k < 2 && n && (line[n - 1] == '\n' || line[n - 1] == '\r'); k++)
		n--;
	if (n > FP_CFG_LINE_MAX)
		return fp_cfg_error(p, "line is longer than %u characters", FP_CFG_LINE_MAX);
	memcpy(buf, line, n);
	buf[n] = '\0';
	*len = n;
	size_t lead = strspn(buf, " \t");
	*indented = lead > 0;
	if (buf[lead] == '!' || buf[lead] == '#' || buf[lead] == '\0')
		return 0;
	for (size_t i = lead; i < n; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if ((ch < 0x20 && ch != '\t') || ch >= 0x7f)
			return fp_cfg_error(p, "unexpected byte 0x%02x at column %zu: outside "
					    "comments only printable ASCII is allowed", ch, i + 1);
	}
	for (char *save = NULL, *w = strtok_r(buf, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (p->ntok == FP_CFG_MAX_WORDS)
			return fp_cfg_error(p, "more than %u words in one command", FP_CFG_MAX_WORDS);
		p->tok[p->ntok++] = w;
	}
	return 0;
}

int fp_config_parse_line(struct fp_config *c, const char *line, const char *file,
			 unsigned lineno, char *err, size_t errlen)
{
	struct fp_cfg_parse p = {
		.c = c, .file = file ? file : "-", .lineno = lineno,
		.err = err, .errlen = errlen,
	};
	char buf[FP_CFG_LINE_MAX + 3];
	size_t len = 0;
	bool indented = false;
	int rc = cfg_tokenize(&p, line, buf, &len, &indented);
	if (rc == 0 && p.ntok > 0)
		rc = cfg_dispatch_line(&p, indented);
	OPENSSL_cleanse(buf, len); /* session keys were in it */
	return rc;
}
