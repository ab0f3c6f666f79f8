/* The configuration parser: a full sample parses to the expected fields;
 * each class of error names its file, line and what was expected (tables:
 * text -> line -> message); IPv6 access-lists; sub-modes; mtu and
 * fragmentation by nameif; the checks across lines of fp_config_validate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

/* 36, 32, 20 and 16 bytes of key in hex. */
#define K16 "00112233445566778899aabbccddeeff"
#define K20 K16 "01020304"
#define K32 K16 K16
#define K36 K32 "01020304"

/* Writes text to a temporary file, loads it; path gets the file's name. */
static int load_text(struct fp_config *c, const char *text, char *path, char *err, size_t n)
{
	snprintf(path, 64, "/tmp/fpvpn-test-config-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	int rc = fp_config_load(c, path, err, n);
	unlink(path);
	return rc;
}

static struct fp_config *load_ok(const char *text)
{
	struct fp_config *c = fp_config_new();
	char path[64], err[1024] = "";
	assert_non_null(c);
	if (load_text(c, text, path, err, sizeof(err)) < 0)
		fail_msg("unexpected error: %s", err);
	return c;
}

static const char sample[] =
	"! a comment\n"
	"# another\n"
	"\n"
	"hostname edge-1\n"
	"interface eth0\n"
	" nameif outside\n"
	" ip address 192.0.2.1 255.255.255.0\n"
	" ipv6 address 2001:db8:f::1/64\n"
	"interface eth1\n"
	"  nameif inside\n"
	"\tip address 10.9.0.1 255.255.0.0\n"
	" shutdown\n"
	"access-list L4 extended permit tcp 10.9.0.0 255.255.0.0 eq 22 host 10.8.0.5 eq https\n"
	"access-list L4 extended deny 47 any4 10.8.0.0/16\n"
	"crypto ipsec ikev2 ipsec-proposal GCM\n"
	" protocol esp encryption aes-gcm-256 aes-256\n"
	" protocol esp integrity null sha-256\n"
	"crypto map M 20 match address L4\n"
	"crypto map M 10 match address L4\n"
	"crypto map M 10 set peer 192.0.2.2\n"
	"crypto map M 10 set ikev2 ipsec-proposal GCM\n"
	"crypto map M 10 set mode transport\n"
	"crypto map M 10 set udp-encapsulation 4500 4501\n"
	"crypto map M 10 set security-association lifetime seconds 3600\n"
	"crypto map M 10 set security-association lifetime kilobytes 100000\n"
	"crypto map M 10 set security-association replay window-size 1024\n"
	"crypto map M 10 set extended-sequence-number\n"
	"crypto map M 10 set session-key inbound esp 0x1000 cipher 0x" K36 "\n"
	"crypto map M 10 set session-key outbound esp 4097 cipher " K36 "\n"
	"crypto map M interface outside\n"
	"crypto ipsec security-association replay window-size 128\n"
	"crypto ipsec security-association replay disable\n"
	"no flow-offload-ipsec egress-optimization\n";

static void test_defaults(void **state)
{
	(void)state;
	struct fp_config *c = fp_config_new();
	assert_string_equal(c->hostname, "fpvpn");
	assert_int_equal(c->replay_window, 64);
	assert_false(c->replay_disabled);
	assert_true(c->offload_ipsec);
	assert_true(c->offload_ipsec_egress);
	assert_int_equal(c->n_ifaces + c->n_acls + c->n_proposals + c->n_entries, 0);
	assert_int_equal(c->n_mtus + c->n_frags, 0);
	assert_int_equal(fp_config_mtu(c, "outside"), 0);
	assert_false(fp_config_post_frag(c, "outside"));
	fp_config_free(c);
	fp_config_free(NULL);
}

static void test_sample_interfaces(void **state)
{
	(void)state;
	struct fp_config *c = load_ok(sample);
	char a[FP_ADDR_STRLEN];
	assert_string_equal(c->hostname, "edge-1");
	assert_int_equal(c->n_ifaces, 2);
	const struct fp_cfg_iface *o = fp_config_iface_by_nameif(c, "outside");
	assert_ptr_equal(o, &c->ifaces[0]);
	assert_string_equal(o->name, "eth0");
	assert_string_equal(fp_addr_str(&o->ip4.addr, a, sizeof(a)), "192.0.2.1");
	assert_int_equal(o->ip4.len, 24);
	assert_string_equal(fp_addr_str(&o->ip6.addr, a, sizeof(a)), "2001:db8:f::1");
	assert_int_equal(o->ip6.len, 64);
	assert_false(o->shutdown);
	const struct fp_cfg_iface *i = fp_config_iface_by_nameif(c, "inside");
	assert_string_equal(i->name, "eth1");
	assert_int_equal(i->ip4.len, 16);
	assert_int_equal(i->ip6.addr.af, FP_AF_NONE);
	assert_true(i->shutdown);
	assert_null(fp_config_iface_by_nameif(c, "dmz"));
	fp_config_free(c);
}

static void test_sample_acl(void **state)
{
	(void)state;
	struct fp_config *c = load_ok(sample);
	char a[FP_ADDR_STRLEN];
	const struct fp_cfg_acl *acl = fp_config_acl(c, "L4");
	assert_non_null(acl);
	assert_null(fp_config_acl(c, "l4")); /* names are case-sensitive */
	assert_int_equal(acl->n_aces, 2);
	const struct fp_cfg_ace *e = &acl->aces[0];
	assert_true(e->permit);
	assert_int_equal(e->proto, 6);
	assert_string_equal(fp_addr_str(&e->src.addr, a, sizeof(a)), "10.9.0.0");
	assert_int_equal(e->src.len, 16);
	assert_int_equal(e->src_port, 22);
	assert_int_equal(e->dst.len, 32);
	assert_int_equal(e->dst_port, 443);
	assert_int_equal(e->line, 13);
	e = &acl->aces[1];
	assert_false(e->permit);
	assert_int_equal(e->proto, 47);
	assert_int_equal(e->src.addr.af, FP_AF_INET); /* any4 */
	assert_int_equal(e->src.len, 0);
	assert_int_equal(e->dst.len, 16);
	fp_config_free(c);
}

static void test_sample_crypto(void **state)
{
	(void)state;
	struct fp_config *c = load_ok(sample);
	const struct fp_cfg_proposal *pr = fp_config_proposal(c, "GCM");
	assert_int_equal(pr->n_enc, 2);
	assert_int_equal(pr->enc[0], FP_CIPHER_AES_GCM_256);
	assert_int_equal(pr->enc[1], FP_CIPHER_AES_CBC_256);
	assert_int_equal(pr->n_integ, 2);
	assert_int_equal(pr->integ[0], FP_INTEG_NONE);
	assert_int_equal(pr->integ[1], FP_INTEG_HMAC_SHA256_128);
	assert_int_equal(c->n_entries, 2); /* sorted: M 10 before M 20 */
	const struct fp_cfg_map_entry *e = &c->entries[0];
	assert_int_equal(e->seq, 10);
	assert_int_equal(c->entries[1].seq, 20);
	assert_string_equal(e->acl, "L4");
	assert_string_equal(e->proposal, "GCM");
	assert_true(e->transport && e->esn);
	assert_int_equal(e->udp_sport, 4500);
	assert_int_equal(e->udp_dport, 4501);
	assert_int_equal(e->life_seconds, 3600);
	assert_int_equal(e->life_kbytes, 100000);
	assert_int_equal(e->replay_window, 1024);
	assert_int_equal(c->entries[1].replay_window, -1);
	assert_int_equal(e->line, 19);
	assert_int_equal(e->n_in, 1);
	assert_int_equal(e->in[0].spi, 0x1000);
	assert_int_equal(e->in[0].cipher_key_len, 36);
	assert_int_equal(e->in[0].cipher_key[0], 0x00);
	assert_int_equal(e->in[0].cipher_key[35], 0x04);
	assert_int_equal(e->in[0].auth_key_len, 0);
	assert_int_equal(e->out[0].spi, 4097);
	assert_ptr_equal(fp_config_map_iface(c, "M"), &c->ifaces[0]);
	assert_null(fp_config_map_iface(c, "N"));
	assert_int_equal(c->replay_window, 128);
	assert_true(c->replay_disabled);
	assert_true(c->offload_ipsec);
	assert_false(c->offload_ipsec_egress);
	fp_config_free(c);
}

static void test_keywords_case_insensitive(void **state)
{
	(void)state;
	struct fp_config *c = load_ok("HOSTNAME Edge\nInterface eth0\n NAMEIF Out\n"
				      " IP Address 192.0.2.1 255.255.255.0\n"
				      "ACCESS-LIST Acl EXTENDED PERMIT IP ANY4 HOST 10.0.0.1\n"
				      "Crypto Map Map1 5 Set Peer 192.0.2.9\nFLOW-OFFLOAD-IPSEC\n");
	assert_string_equal(c->hostname, "Edge");
	assert_string_equal(c->ifaces[0].nameif, "Out");
	assert_non_null(fp_config_acl(c, "Acl"));
	assert_string_equal(c->entries[0].map, "Map1");
	fp_config_free(c);
}

static void test_ipv6_acl(void **state)
{
	(void)state;
	struct fp_config *c = load_ok(
		"access-list V6 extended permit ip 2001:db8:1::/48 2001:db8:2::/64\n"
		"access-list V6 extended permit udp host 2001:db8::5 eq 500 any6 eq isakmp\n"
		"access-list V6 extended deny icmp6 any 2001:db8::/32\n"
		"access-list V6 extended permit esp any6 host 2001:db8::1\n");
	const struct fp_cfg_acl *acl = fp_config_acl(c, "V6");
	char a[FP_ADDR_STRLEN];
	assert_int_equal(acl->n_aces, 4);
	assert_int_equal(acl->aces[0].src.addr.af, FP_AF_INET6);
	assert_string_equal(fp_addr_str(&acl->aces[0].src.addr, a, sizeof(a)), "2001:db8:1::");
	assert_int_equal(acl->aces[0].src.len, 48);
	assert_int_equal(acl->aces[0].dst.len, 64);
	assert_int_equal(acl->aces[1].src.len, 128);
	assert_int_equal(acl->aces[1].src_port, 500);
	assert_int_equal(acl->aces[1].dst.addr.af, FP_AF_INET6);
	assert_int_equal(acl->aces[1].dst.len, 0);
	assert_int_equal(acl->aces[1].dst_port, 500);
	assert_int_equal(acl->aces[2].proto, 58);
	assert_int_equal(acl->aces[2].src.addr.af, FP_AF_NONE);
	assert_int_equal(acl->aces[3].proto, 50);
	fp_config_free(c);
}

/* ASA accepts sub-mode lines without indentation, until a top-level
 * command; CRLF line ends are accepted too. */
static void test_submode(void **state)
{
	(void)state;
	struct fp_config *c = load_ok("interface eth0\r\nnameif outside\r\n"
				      "ip address 192.0.2.1 255.255.255.0\r\nshutdown\r\n"
				      "interface eth1\nnameif inside\nno shutdown\n"
				      "interface eth0\n no shutdown\n"
				      "crypto ipsec ikev2 ipsec-proposal P\nprotocol esp encryption aes\n"
				      "protocol esp integrity sha-1\nhostname h\n");
	assert_int_equal(c->n_ifaces, 2);
	assert_string_equal(c->ifaces[0].nameif, "outside");
	assert_false(c->ifaces[0].shutdown); /* re-entered, then "no shutdown" */
	assert_string_equal(c->ifaces[1].nameif, "inside");
	assert_int_equal(c->proposals[0].n_integ, 1);
	assert_string_equal(c->hostname, "h");
	fp_config_free(c);
}

/* "mtu NAMEIF BYTES" and "crypto ipsec fragmentation ... NAMEIF" may come
 * before the interface they name; a later line for the same nameif
 * replaces the earlier one; names are case-sensitive, keywords are not. */
static void test_mtu_fragmentation(void **state)
{
	(void)state;
	struct fp_config *c = load_ok("mtu outside 1500\n"
				      "crypto ipsec fragmentation after-encryption inside\n"
				      "interface eth0\n nameif outside\n"
				      "interface eth1\n nameif inside\n"
				      "MTU inside 9198\nmtu outside 64\n"
				      "crypto ipsec fragmentation after-encryption outside\n"
				      "Crypto IPsec Fragmentation Before-Encryption inside\n");
	char err[256] = "";
	if (fp_config_validate(c, err, sizeof(err)) < 0)
		fail_msg("refused: %s", err);
	assert_int_equal(c->n_mtus, 2);
	assert_int_equal(fp_config_mtu(c, "outside"), 64);
	assert_int_equal(fp_config_mtu(c, "inside"), 9198);
	assert_int_equal(fp_config_mtu(c, "Outside"), 0);
	assert_int_equal(fp_config_mtu(c, "dmz"), 0);
	assert_int_equal(c->n_frags, 2);
	assert_true(fp_config_post_frag(c, "outside"));
	assert_false(fp_config_post_frag(c, "inside")); /* the last line wins */
	assert_false(fp_config_post_frag(c, "dmz"));
	assert_int_equal(fp_config_parse_line(c, "crypto ipsec fragmentation before-encryption "
					      "outside", "t", 1, err, sizeof(err)), 0);
	assert_false(fp_config_post_frag(c, "outside"));
	assert_int_equal(fp_config_parse_line(c, "mtu outside 1500", "t", 2, err, sizeof(err)), 0);
	assert_int_equal(fp_config_mtu(c, "outside"), 1500);
	assert_int_equal(c->n_mtus, 2);
	fp_config_free(c);
}

struct err_case {
	const char *text;
	unsigned line;
	const char *expect;
};

#define PRE "hostname t\ninterface eth0\n nameif outside\n ip address 192.0.2.1 255.255.255.0\n"
#define GCM "crypto ipsec ikev2 ipsec-proposal P\n protocol esp encryption aes-gcm-256\n" \
	    "crypto map m 1 set ikev2 ipsec-proposal P\n"
#define CBC "crypto ipsec ikev2 ipsec-proposal P\n protocol esp encryption aes-256\n" \
	    " protocol esp integrity sha-1\ncrypto map m 1 set ikev2 ipsec-proposal P\n"
#define KEY "crypto map m 1 set session-key inbound esp "

static const struct err_case parse_errors[] = {
	{ "hostnme x\n", 1, "unknown command 'hostnme'; expected 'hostname', 'interface'" },
	{ "hostname\n", 1, "hostname: incomplete command; usage: hostname NAME" },
	{ "hostname a!b\n", 1, "hostname: the hostname 'a!b' may contain only letters" },
	{ PRE " ip address 10.0.0.1 255.255.0.255\n", 5,
	  "ip address: '255.255.0.255' is not a contiguous mask" },
	{ PRE " ip address 2001:db8::1 255.0.0.0\n", 5, "use 'ipv6 address' for IPv6" },
	{ PRE " ipv6 address 2001:db8::1\n", 5, "ipv6 address: expected ADDRESS/LENGTH" },
	{ PRE " nameiff x\n", 5, "unknown interface sub-command 'nameiff'; expected 'nameif', " },
	{ PRE "interface eth1\n nameif outside\n", 6, "'outside' already names interface eth0" },
	{ "nameif outside\n", 1, "'nameif' is an interface sub-command: it must follow "
				 "'interface DEVICE'" },
	{ "interface eth0\nnameif a\nhostname x\nnameif b\n", 4, "must follow 'interface DEVICE'" },
	{ " protocol esp encryption aes\n", 1, "must follow 'crypto ipsec ikev2 ipsec-proposal" },
	{ "interface eth0123456789abc\n", 1, "is longer than 15 characters" },
	{ "crypto map m 10 sett peer 1.2.3.4\n", 1,
	  "crypto map: expected 'match address', 'set peer', " },
	{ "crypto map m 10 sett peer 1.2.3.4\n", 1, "after the sequence number, got 'sett'" },
	{ "crypto map m sett\n", 1, "expected a sequence number or 'interface' after the map name" },
	{ "crypto map m 10 set peer 1.2.3.4 5.6.7.8\n", 1, "unexpected '5.6.7.8' at the end" },
	{ "crypto map m 10 set peer foo\n", 1, "set peer: expected an IPv4 or IPv6 address" },
	{ "crypto map m 0 set peer 10.0.0.1\n", 1, "sequence number must be a number from 1 to" },
	{ "crypto map m 1 set mode sideways\n", 1, "expected 'tunnel' or 'transport'" },
	{ "crypto map m 1 set udp-encapsulation 0 4500\n", 1, "source port must be a number" },
	{ "crypto map m 1 set security-association lifetime seconds 5\n", 1,
	  "lifetime: seconds must be a number from 120 to 2147483647, got '5'" },
	{ "crypto map m 1 set security-association replay window-size 100\n", 1,
	  "must be 64, 128, 256, 512 or 1024, got 100" },
	{ "crypto ipsec security-association replay window-size 32\n", 1, "from 64 to 1024" },
	{ "crypto map a interface outside\ncrypto map b interface outside\n", 2,
	  "interface outside already has crypto map a" },
	{ "flow-offload-ipsec foo\n", 1, "expected 'egress-optimization' or end of line" },
	{ "access-list A permit ip any any\n", 1, "expected 'extended' or 'standard' after the access-list name" },
	{ "access-list A extended allow ip any any\n", 1, "expected 'permit' or 'deny'" },
	{ "access-list A extended permit ipp any any\n", 1, "expected a protocol" },
	{ "access-list A extended permit 256 any any\n", 1, "protocol number must be a number" },
	{ "access-list A extended permit ip 10.1.0.1 255.255.255.0 any\n", 1,
	  "source: '10.1.0.1 255.255.255.0' has host bits set; the network is 10.1.0.0" },
	{ "access-list A extended permit ip 10.1.0.0 any\n", 1,
	  "source: expected a mask after '10.1.0.0' (A MASK), got 'any'" },
	{ "access-list A extended permit ip any 10.1.0.0 255.0.255.0\n", 1,
	  "'255.0.255.0' is not a contiguous mask" },
	{ "access-list A extended permit ip 10.0.0.0/8 2001:db8::/32\n", 1,
	  "the source is IPv4 but the destination is IPv6" },
	{ "access-list A extended permit ip host 2001:db8::1 any4\n", 1,
	  "the source is IPv6 but the destination is IPv4" },
	{ "access-list A extended permit ip 2001:db8::1/64 any\n", 1,
	  "'2001:db8::1/64' has host bits set; the network is 2001:db8::/64" },
	{ "access-list A extended permit ip 2001:db8::1 any\n", 1, "needs a length" },
	{ "access-list A extended permit ip any any log\n", 1, "unexpected 'log' after the dest" },
	{ "access-list A extended permit icmp any 2001:db8::/32\n", 1, "use icmp6 for IPv6" },
	{ "access-list A extended permit icmp6 10.0.0.0/8 any\n", 1, "use icmp for IPv4" },
	{ "access-list A extended permit ip any eq 80 any\n", 1, "'eq' needs protocol tcp or udp" },
	{ "access-list A extended permit tcp any gt 80 any\n", 1, "only 'eq PORT' is supported" },
	{ "access-list A extended permit tcp any any eq 70000\n", 1, "port must be a number" },
	{ "access-list A extended permit tcp any host\n", 1, "expected an address after 'host'" },
	{ "crypto ipsec ikev2 ipsec-proposal P\n protocol esp encryption aes-192\n", 2,
	  "encryption: 'aes-192' is not supported by fpvpn" },
	{ "crypto ipsec ikev2 ipsec-proposal P\n protocol esp encryption aes-gcm-192\n", 2,
	  "'aes-gcm-192' is not supported" },
	{ "crypto ipsec ikev2 ipsec-proposal P\n protocol esp encryption 3des\n", 2,
	  "'3des' is not supported" },
	{ "crypto ipsec ikev2 ipsec-proposal P\n protocol esp encryption des\n", 2,
	  "'des' is not supported" },
	{ "crypto ipsec ikev2 ipsec-proposal P\n protocol esp integrity md5\n", 2,
	  "integrity: 'md5' is not supported" },
	{ "crypto ipsec ikev2 ipsec-proposal P\n protocol esp integrity sha-1 sha-1\n", 2,
	  "'sha-1' is listed twice" },
	{ "crypto ipsec ikev2 ipsec-proposal P\n protocol esp encryption rot13\n", 2,
	  "unknown algorithm 'rot13'" },
	{ GCM KEY "300 cipher " K32 "\n", 4, "session-key: cipher key must be 36 bytes (32-byte "
					       "key + 4-byte salt) for aes-gcm-256, got 32" },
	{ GCM KEY "300 cipher " K36 " authenticator " K20 "\n", 4,
	  "aes-gcm-256 takes no authenticator" },
	{ CBC KEY "300 cipher " K16 " authenticator " K20 "\n", 5,
	  "cipher key must be 32 bytes for aes-256, got 16" },
	{ CBC KEY "300 cipher " K32 " authenticator " K32 "\n", 5,
	  "authenticator must be 20 bytes for sha-1, got 32" },
	{ CBC KEY "300 cipher " K32 "\n", 5, "authenticator must be 20 bytes for sha-1, got 0" },
	{ KEY "255 cipher " K36 "\n", 1, "SPI 255 is reserved (RFC 4303" },
	{ KEY "4294967296 cipher " K36 "\n", 1, "the SPI must be a number from 0 to 4294967295" },
	{ KEY "300 cipher *****\n", 1, "the cipher key is hidden" },
	{ KEY "300 cipher 0x0g\n", 1, "the cipher key must be hex digits, got 'g'" },
	{ KEY "300 cipher abc\n", 1, "whole number of bytes" },
	{ KEY "300 cipher " K36 "00\n", 1, "the cipher key is 37 bytes; at most 36" },
	{ "crypto map m 1 set session-key inbound ah 300 cipher 00\n", 1, "expected 'esp'" },
	{ "crypto map m 1 set session-key both esp 300 cipher 00\n", 1, "'inbound' or 'outbound'" },
	{ KEY "300 cipher 00 authenticator\n", 1, "expected 'authenticator HEX' after the key" },
	{ KEY "300 key 00\n", 1, "expected 'cipher HEX' or 'authenticator HEX' after the SPI" },
	/* a key typed where a keyword belongs is never quoted back */
	{ KEY "300 " K36 " authenticator 00\n", 1, "got word 10 (not shown: it may be a key)" },
	{ KEY "300 cipher 00 11 22 33 44 55\n", 1, "unexpected word 14 at the end (not shown" },
	{ "hostname a\xc3\xa9\n", 1, "unexpected byte 0xc3 at column 11" },
	{ "mtu outside 63\n", 1, "mtu: the MTU must be a number from 64 to 9198, got '63'" },
	{ "mtu outside 9199\n", 1, "mtu: the MTU must be a number from 64 to 9198, got '9199'" },
	{ "mtu outside big\n", 1, "mtu: the MTU must be a number from 64 to 9198, got 'big'" },
	{ "mtu outside -1500\n", 1, "mtu: the MTU must be a number from 64 to 9198, got '-1500'" },
	{ "mtu outside\n", 1, "mtu: incomplete command; usage: mtu NAMEIF 64-9198" },
	{ "mtu outside 1500 9000\n", 1,
	  "mtu: unexpected '9000' at the end; usage: mtu NAMEIF 64-9198" },
	{ "mtu out!side 1500\n", 1,
	  "mtu: the interface name 'out!side' may contain only letters, digits" },
	{ PRE " mtu 1500\n", 5, "mtu: incomplete command; usage: mtu NAMEIF 64-9198" },
	{ "crypto ipsec fragmentation sideways outside\n", 1,
	  "crypto ipsec fragmentation: expected 'before-encryption' or 'after-encryption' after "
	  "'fragmentation', got 'sideways'" },
	{ "crypto ipsec fragmentation\n", 1,
	  "crypto ipsec fragmentation: expected 'before-encryption' or 'after-encryption' after "
	  "'fragmentation', got end of line" },
	{ "crypto ipsec fragmentation after-encryption\n", 1,
	  "crypto ipsec fragmentation after-encryption: incomplete command; usage: "
	  "crypto ipsec fragmentation after-encryption NAMEIF" },
	{ "crypto ipsec fragmentation before-encryption outside inside\n", 1,
	  "unexpected 'inside' at the end; usage: crypto ipsec fragmentation before-encryption "
	  "NAMEIF" },
	{ "crypto ipsec fragmentation after-encryption a/b\n", 1,
	  "fragmentation: the interface name 'a/b' may contain only letters" },
};

static void check_error(const struct err_case *t, int (*load)(struct fp_config *, const char *,
							      char *, char *, size_t))
{
	struct fp_config *c = fp_config_new();
	char path[64], err[1024] = "", prefix[96];
	if (load(c, t->text, path, err, sizeof(err)) == 0)
		fail_msg("accepted: %s", t->text);
	snprintf(prefix, sizeof(prefix), "%s:%u: ", path, t->line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, t->expect))
		fail_msg("for: %s\n  got: %s\n  want: %s... %s", t->text, err, prefix, t->expect);
	fp_config_free(c);
}

static void test_parse_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(parse_errors) / sizeof(parse_errors[0]); i++)
		check_error(&parse_errors[i], load_text);
}

/* Keys typed where an SPI, a direction, a sequence number, a name or a
 * keyword belongs (issue 7): the error names the word by its place and
 * holds no run of 16 of the key's hex digits. A hex key and an all-digit
 * one (it passes for a number until the range check). */
#define HEXKEY "5ec7e7a11ce0b0b0c0ffee00deadbeef0123456789abcdef5ec7e7a11ce0b0b0c0ffee99"
#define DIGKEY "314159265358979323846264338327950288419716939937510582097494459230781640"

static bool holds_key_run(const char *text, const char *key)
{
	char run[FP_CFG_KEY_HEX_RUN + 1];
	for (size_t i = 0; i + FP_CFG_KEY_HEX_RUN <= strlen(key); i++) {
		snprintf(run, sizeof(run), "%.*s", (int)FP_CFG_KEY_HEX_RUN, key + i);
		if (strstr(text, run))
			return true;
	}
	return false;
}

static void test_parse_hides_keys(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"%s",
		"crypto %s",
		"crypto map %s 1 set session-key inbound esp 300 cipher 00",
		"crypto map m %s set session-key inbound esp 300 cipher 00",
		"crypto map m 1 %s session-key inbound esp 300 cipher 00",
		"crypto map m 1 set %s inbound esp 300 cipher 00",
		"crypto map m 1 set session-key %s esp 300 cipher 00",
		"crypto map m 1 set session-key inbound %s 300 cipher 00",
		"crypto map m 1 set session-key inbound esp %s cipher 00",
		"crypto map m 1 set session-key inbound esp 300 %s 00",
		"crypto map m 1 set session-key inbound esp 300 cipher 00 %s",
		"crypto map m 1 set peer %s",
		"crypto map m 1 set mode %s",
		"crypto map m 1 match address %s",
		"crypto map m 1 set ikev2 ipsec-proposal %s",
		"crypto map m 1 set security-association lifetime seconds %s",
		"crypto map m 1 set udp-encapsulation %s 4500",
		"crypto map %s interface outside",
		"hostname %s",
		"mtu outside %s",
		"access-list %s extended permit ip any any",
		"access-list A extended %s ip any any",
		"access-list A extended permit %s any any",
		"access-list A extended permit ip %s any",
		"access-list A extended permit ip host %s any",
		"access-list A extended permit ip any any %s",
	};
	static const char *const keys[] = { HEXKEY, DIGKEY };
	for (unsigned k = 0; k < 2; k++)
		for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
			struct fp_config *c = fp_config_new();
			char line[512], err[1024] = "";
			snprintf(line, sizeof(line), lines[i], keys[k]);
			int rc = fp_config_parse_line(c, line, "t", 1, err, sizeof(err));
			if (rc == 0 || holds_key_run(err, keys[k]) || !strstr(err, "not shown"))
				fail_msg("for: %s\n  got (%d): %s", line, rc, err);
			fp_config_free(c);
		}
}

/* A parsed config that fp_config_validate refuses. */
#define IF4 "interface eth0\n nameif outside\n ip address 192.0.2.1 255.255.255.0\n"
#define ACL "access-list A extended permit ip 10.1.0.0 255.255.255.0 10.2.0.0/24\n"
#define PROP "crypto ipsec ikev2 ipsec-proposal P\n protocol esp encryption aes-gcm-256\n"
#define ENT(seq) "crypto map m " #seq " match address A\ncrypto map m " #seq " set peer " \
	"192.0.2.2\ncrypto map m " #seq " set ikev2 ipsec-proposal P\n"
#define KEYS(seq, in, out) "crypto map m " #seq " set session-key inbound esp " #in " cipher " \
	K36 "\ncrypto map m " #seq " set session-key outbound esp " #out " cipher " K36 "\n"
#define BIND "crypto map m interface outside\n"

/* Each case: the text, the line the error must name after "FILE:" (0:
 * valid) and what it must say. */
static const struct {
	const char *text;
	unsigned line;
	const char *expect;
} validate_errors[] = {
	{ IF4 ACL PROP ENT(1) KEYS(1, 300, 301) BIND, 0, NULL },
	{ IF4 ACL PROP "crypto map m 1 set peer 192.0.2.2\n", 7,
	  "crypto map m 1: no 'match address ACL'" },
	{ IF4 PROP ENT(1) KEYS(1, 300, 301), 6, "crypto map m 1: access-list A does not exist" },
	{ IF4 ACL PROP "crypto map m 1 match address A\n", 7, "no 'set peer ADDRESS'" },
	{ IF4 ACL ENT(1) KEYS(1, 300, 301), 5, "crypto map m 1: ipsec-proposal P does not exist" },
	{ IF4 ACL "crypto ipsec ikev2 ipsec-proposal P\n" ENT(1) KEYS(1, 300, 301), 5,
	  "ipsec-proposal P has no 'protocol esp encryption' (crypto map m 1 uses it)" },
	{ IF4 ACL PROP " protocol esp integrity sha-256\n" ENT(1) KEYS(1, 300, 301), 5,
	  "aes-gcm-256 is used with manual keys and takes integrity null" },
	{ IF4 ACL "crypto ipsec ikev2 ipsec-proposal P\n protocol esp encryption aes\n" ENT(1), 5,
	  "aes needs an integrity algorithm" },
	{ IF4 ACL PROP ENT(1) "crypto map m 1 set session-key inbound esp 300 cipher " K36 "\n",
	  7, "no outbound session-key" },
	{ IF4 ACL ENT(1) KEYS(1, 300, 301) "crypto ipsec ikev2 ipsec-proposal P\n"
	  " protocol esp encryption aes-gcm\n", 5,
	  "session-key inbound esp 300: cipher key must be 20 bytes (16-byte key + 4-byte salt)" },
	{ IF4 ACL PROP ENT(1) KEYS(1, 300, 301) ENT(2) KEYS(2, 300, 302), 12,
	  "crypto map m 2: inbound SPI 300 is also used by crypto map m 1" },
	{ IF4 ACL PROP ENT(1) KEYS(1, 300, 301) "crypto map m interface dmz\n", 12,
	  "crypto map m interface dmz: no interface has 'nameif dmz'" },
	{ IF4 ACL PROP ENT(1) KEYS(1, 300, 301) "crypto map x interface outside\n", 12,
	  "crypto map x interface outside: the map has no entries" },
	{ IF4 ACL PROP ENT(1) KEYS(1, 300, 301) "crypto map m 1 set peer 2001:db8::2\n" BIND, 7,
	  "the peer is IPv6 but interface outside (eth0) has no 'ipv6 address'" },
	{ IF4 ACL PROP ENT(1) KEYS(1, 300, 301) BIND "mtu outside 1400\n"
	  "crypto ipsec fragmentation after-encryption outside\n", 0, NULL },
	{ "mtu outside 1400\n" IF4, 0, NULL },
	{ IF4 "mtu dmz 1400\n", 4, "mtu dmz: no interface has 'nameif dmz'" },
	{ IF4 "mtu dmz 1400\n!\nmtu dmz 1300\n", 6, "mtu dmz: no interface has 'nameif dmz'" },
	{ IF4 "interface eth1\nmtu eth1 1400\n", 5, "mtu eth1: no interface has 'nameif eth1'" },
	{ IF4 "mtu outside 1400\ncrypto ipsec fragmentation after-encryption dmz\n", 5,
	  "crypto ipsec fragmentation after-encryption dmz: no interface has 'nameif dmz'" },
	{ IF4 "crypto ipsec fragmentation before-encryption Outside\n", 4,
	  "crypto ipsec fragmentation before-encryption Outside: no interface has "
	  "'nameif Outside'" },
};

/* Every refusal names the file and the line of what it refuses. */
static void test_validate_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(validate_errors) / sizeof(validate_errors[0]); i++) {
		struct fp_config *c = load_ok(validate_errors[i].text);
		char err[1024] = "", prefix[FP_CFG_PATH_MAX + 16];
		int rc = fp_config_validate(c, err, sizeof(err));
		const char *want = validate_errors[i].expect;
		snprintf(prefix, sizeof(prefix), "%s:%u: ", c->file, validate_errors[i].line);
		if (!want && rc != 0)
			fail_msg("case %zu refused: %s", i, err);
		if (want && (rc == 0 || strncmp(err, prefix, strlen(prefix)) != 0 ||
			     !strstr(err, want)))
			fail_msg("case %zu\n  got: %s\n  want: %s%s", i, rc ? err : "(valid)", prefix,
				 want);
		fp_config_free(c);
	}
}

/* A second file loaded into the same configuration does not continue the
 * first one's sub-mode. */
static void test_load_resets_submode(void **state)
{
	(void)state;
	struct fp_config *c = load_ok("interface eth0\n");
	char path[64], err[512];
	assert_int_equal(load_text(c, " nameif outside\n", path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: 'nameif' is an interface sub-command"));
	fp_config_free(c);
}

static void test_load_missing_file(void **state)
{
	(void)state;
	struct fp_config *c = fp_config_new();
	char err[256];
	assert_int_equal(fp_config_load(c, "/nonexistent/fpvpn.conf", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/fpvpn.conf: cannot open"));
	fp_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_sample_interfaces),
		cmocka_unit_test(test_sample_acl),
		cmocka_unit_test(test_sample_crypto),
		cmocka_unit_test(test_keywords_case_insensitive),
		cmocka_unit_test(test_ipv6_acl),
		cmocka_unit_test(test_submode),
		cmocka_unit_test(test_mtu_fragmentation),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_hides_keys),
		cmocka_unit_test(test_validate_errors),
		cmocka_unit_test(test_load_resets_submode),
		cmocka_unit_test(test_load_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
