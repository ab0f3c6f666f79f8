/* The show and clear commands, asserted on their output (strongSwan
 * evaltest style: command, then the lines it must print). Site A has three
 * crypto map entries: GCM over IPv4 (offloadable), AES-256/SHA-1 over IPv4,
 * and AES-256/SHA-256 over IPv6 with NAT-T and a 1024-packet window (kept
 * in the software pipe). Site B mirrors entry 10, so packets sent through A
 * and received by B move real counters.
 *
 *   10.1.0.0/24 -- [A] 198.51.100.1 ====ESP==== 198.51.100.2 [B] -- 10.2.0.0/24
 */
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

#include "cli/cli.h"
#include "common/inet.h"
#include "datapath/gateway.h"
#include "gw_fixture.h"


static const char site_a[] =
	"hostname site-a\n"
	"interface eth0\n nameif outside\n ip address 198.51.100.1 255.255.255.0\n"
	" ipv6 address 2001:db8:100::1/64\n!\n"
	"interface eth1\n nameif inside\n ip address 10.1.0.1 255.255.255.0\n"
	" ipv6 address 2001:db8:1::1/64\n!\n"
	"access-list VPN extended permit ip 10.1.0.0 255.255.255.0 10.2.0.0 255.255.255.0\n"
	"access-list VPN2 extended permit ip 10.1.0.0 255.255.255.0 10.3.0.0 255.255.255.0\n"
	"access-list VPN6 extended permit ip 2001:db8:1::/64 2001:db8:2::/64\n"
	"crypto ipsec ikev2 ipsec-proposal GCM\n protocol esp encryption aes-gcm-256\n"
	"crypto ipsec ikev2 ipsec-proposal CBC\n protocol esp encryption aes-256\n"
	" protocol esp integrity sha-1\n"
	"crypto ipsec ikev2 ipsec-proposal CBC256\n protocol esp encryption aes-256\n"
	" protocol esp integrity sha-256\n"
	"crypto map CM 10 match address VPN\n"
	"crypto map CM 10 set peer 198.51.100.2\n"
	"crypto map CM 10 set ikev2 ipsec-proposal GCM\n"
	"crypto map CM 10 set session-key inbound esp 4097 cipher " K36 "\n"
	"crypto map CM 10 set session-key outbound esp 8193 cipher " K36B "\n"
	"crypto map CM 20 match address VPN2\n"
	"crypto map CM 20 set peer 198.51.100.3\n"
	"crypto map CM 20 set ikev2 ipsec-proposal CBC\n"
	"crypto map CM 20 set session-key inbound esp 0x1002 cipher " K32 " authenticator " K20 "\n"
	"crypto map CM 20 set session-key outbound esp 0x2002 cipher " K32 " authenticator " K20 "\n"
	"crypto map CM 30 match address VPN6\n"
	"crypto map CM 30 set peer 2001:db8:100::2\n"
	"crypto map CM 30 set ikev2 ipsec-proposal CBC256\n"
	"crypto map CM 30 set udp-encapsulation 4500 4500\n"
	"crypto map CM 30 set security-association replay window-size 1024\n"
	"crypto map CM 30 set session-key inbound esp 0x1003 cipher " K32 " authenticator " K32 "\n"
	"crypto map CM 30 set session-key outbound esp 0x2003 cipher " K32 " authenticator " K32 "\n"
	"crypto map CM interface outside\n";






static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_ipsec_sa_layout(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a, "");
	static const char *const want[] = {
		"interface: outside\n    Crypto map tag: CM, seq num: 10, local addr: 198.51.100.1\n\n",
		"      access-list VPN extended permit ip 10.1.0.0 255.255.255.0 10.2.0.0 255.255.255.0\n",
		"      local ident (addr/mask/prot/port): (10.1.0.0/255.255.255.0/0/0)\n",
		"      remote ident (addr/mask/prot/port): (10.2.0.0/255.255.255.0/0/0)\n",
		"      current_peer: 198.51.100.2\n\n",
		"      #pkts encaps: 0, #pkts encrypt: 0, #pkts digest: 0\n",
		"      #send errors: 0, #recv errors: 0\n\n",
		"      local crypto endpt.: 198.51.100.1/500, remote crypto endpt.: 198.51.100.2/500\n",
		"      path mtu 1500, ipsec overhead 58(36), media mtu 1500\n",
		"      current outbound spi: 00002001\n      current inbound spi : 00001001\n\n",
		"    inbound esp sas:\n      spi: 0x00001001 (4097)\n         SA State: active\n",
		"         transform: esp-aes-gcm-256 esp-null-hmac no compression\n",
		"         in use settings ={L2L, Tunnel, Manual key, CAN_BE_OFFLOADED, OFFLOADED, }\n",
		"         slot: 0, conn_id: 1000, crypto-map: CM\n",
		"         sa timing: remaining key lifetime (kB/sec): (unlimited/unlimited)\n",
		"         IV size: 8 bytes\n         replay detection support: Y\n",
		"         Anti replay bitmap:\n          0x00000000 0x00000000\n    outbound esp sas:\n",
		"      spi: 0x00002001 (8193)\n",
		"          0x00000000 0x00000001\n\n    Crypto map tag: CM, seq num: 20",
		/* AES-256/SHA-1 over IPv4: the ASA's own figures */
		"      path mtu 1500, ipsec overhead 74(44), media mtu 1500\n",
		"         transform: esp-aes-256 esp-sha-hmac no compression\n",
		"         IV size: 16 bytes\n",
		NULL,
	};
	free(expect(gw, "show crypto ipsec sa", want));
	gw_free(gw);
}

/* Entry 30: IPv6 idents and endpoints, NAT-T ports, a window the engine
 * does not take (software pipe, not CAN_BE_OFFLOADED), 32-word bitmap. */
static void test_ipsec_sa_ipv6_soft(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a, "");
	static const char *const want[] = {
		"    Crypto map tag: CM, seq num: 30, local addr: 2001:db8:100::1\n",
		"      access-list VPN6 extended permit ip 2001:db8:1::/64 2001:db8:2::/64\n",
		"      local ident (addr/mask/prot/port): (2001:db8:1::/64/0/0)\n",
		"      remote ident (addr/mask/prot/port): (2001:db8:2::/64/0/0)\n",
		"      #pkts not offload decrypted: 0\n",
		"      local crypto endpt.: 2001:db8:100::1/4500, remote crypto endpt.: 2001:db8:100::2/4500\n",
		"      path mtu 1500, ipsec overhead 106(72), media mtu 1500\n",
		"         in use settings ={L2L, Tunnel, NAT-T-Encaps, Manual key, }\n",
		"         Anti replay bitmap:\n"
		"          0x00000000 0x00000000 0x00000000 0x00000000\n",
		NULL,
	};
	char *out = expect(gw, "show crypto ipsec sa", want);
	/* 1024 bits = 32 words = 8 lines for the inbound SA, 1 for outbound */
	assert_int_equal(count(out, "          0x00000000 0x00000000 0x00000000 0x00000000\n"), 8);
	assert_int_equal(count(out, "#pkts not offload decrypted"), 1);
	assert_null(strstr(out, "K36"));
	free(out);
	gw_free(gw);
}

/* With "no flow-offload-ipsec" every SA is in the software pipe: it still
 * qualifies (CAN_BE_OFFLOADED) but is not OFFLOADED. */
static void test_no_flow_offload(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a, "no flow-offload-ipsec\n");
	static const char *const want[] = {
		"         in use settings ={L2L, Tunnel, Manual key, CAN_BE_OFFLOADED, }\n",
		"      #pkts not offload decrypted: 0\n",
		NULL,
	};
	char *out = expect(gw, "show crypto ipsec sa", want);
	assert_null(strstr(out, " OFFLOADED"));
	assert_int_equal(count(out, "#pkts not offload decrypted"), 3);
	free(out);
	gw_free(gw);
}

static void test_peer_filter(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a, "");
	static const char *const want[] = {
		"peer address: 198.51.100.3\n    Crypto map tag: CM, seq num: 20, local addr: 198.51.100.1\n",
		NULL,
	};
	char *out = expect(gw, "show crypto ipsec sa peer 198.51.100.3", want);
	assert_null(strstr(out, "seq num: 10"));
	assert_null(strstr(out, "interface:"));
	assert_int_equal(count(out, "Crypto map tag"), 1);
	free(out);
	static const char *const want6[] = { "peer address: 2001:db8:100::2\n", "seq num: 30", NULL };
	free(expect(gw, "sh cry ips sa pe 2001:db8:100::2", want6));
	static const char *const none[] = { "There are no ipsec sas\n", NULL };
	free(expect(gw, "show crypto ipsec sa peer 192.0.2.99", none));
	int rc;
	out = run(gw, "show crypto ipsec sa peer 300.1.1.1", &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(out, "show crypto ipsec sa peer 300.1.1.1\n"
				 "                          ^\n"
				 "ERROR: % Invalid input detected at '^' marker.\n");
	free(out);
	gw_free(gw);
}

static void test_no_tunnels(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from("interface eth0\n nameif outside\n ip address 192.0.2.1 255.255.255.0\n", "");
	static const char *const want[] = { "There are no ipsec sas\n", NULL };
	free(expect(gw, "show crypto ipsec sa", want));
	static const char *const stats[] = { "Active tunnels: 0\n", NULL };
	free(expect(gw, "show ipsec stats", stats));
	gw_free(gw);
}

/* Errors: the line, a marker under the word, the ASA's message, -1. */
static void test_errors(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a, "");
	static const struct {
		const char *line, *out;
	} cases[] = {
		{ "show foo", "show foo\n     ^\nERROR: % Invalid input detected at '^' marker.\n" },
		{ "  sh  crypto ipsex sa", "  sh  crypto ipsex sa\n"
					"             ^\nERROR: % Invalid input detected at '^' marker.\n" },
		{ "sh cry ips s", "sh cry ips s\n"
				"           ^\nERROR: % Ambiguous command:  \"sh cry ips s\"\n" },
		/* ipsec or ikev2 */
		{ "sh cry i s", "sh cry i s\n"
			      "       ^\nERROR: % Ambiguous command:  \"sh cry i s\"\n" },
		{ "show crypto ipsec sa bogus", "show crypto ipsec sa bogus\n"
					       "                     ^\n"
					       "ERROR: % Invalid input detected at '^' marker.\n" },
		{ "show", "ERROR: % Incomplete command\n" },
		{ "clear crypto", "ERROR: % Incomplete command\n" },
		{ "s\x01\xff", "s??\n^\nERROR: % Invalid input detected at '^' marker.\n" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;
		char *out = run(gw, cases[i].line, &rc);
		assert_int_equal(rc, -1);
		assert_string_equal(out, cases[i].out);
		free(out);
	}
	gw_free(gw);
}

/* Lines the dispatcher must refuse without crashing. */
static void test_garbage(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a, "");
	char line[4 * FP_CLI_LINE_MAX];
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	int rc;
	free(run(gw, line, &rc));
	assert_int_equal(rc, -1);
	/* exactly the limit, plus a line end: accepted */
	memset(line, ' ', FP_CLI_LINE_MAX);
	memcpy(line, "show ipsec stats", 16);
	memcpy(line + FP_CLI_LINE_MAX, "\r\n", 3);
	free(run(gw, line, &rc));
	assert_int_equal(rc, 0);
	line[FP_CLI_LINE_MAX] = 'x';
	free(run(gw, line, &rc));
	assert_int_equal(rc, -1);
	char words[FP_CLI_LINE_MAX];
	snprintf(words, sizeof(words), "show ");
	for (unsigned i = 0; i < 40; i++)
		strcat(words, "sa ");
	free(run(gw, words, &rc));
	assert_int_equal(rc, -1);
	free(run(gw, "", &rc));
	assert_int_equal(rc, 0);
	free(run(gw, " \t\r\n", &rc));
	assert_int_equal(rc, 0);
	free(run(gw, "?????", &rc));
	assert_int_equal(rc, -1);
	free(run(gw, "show crypto ipsec sa peer", &rc));
	assert_int_equal(rc, -1);
	for (unsigned b = 1; b < 256; b++) {
		char s[8] = { 's', 'h', ' ', (char)b, '?', 0 };
		free(run(gw, s, NULL));
	}
	gw_free(gw);
}

/* Abbreviations and letter case select the same command. */
static void test_abbreviations(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a, "");
	char *full = run(gw, "show crypto ipsec sa", NULL);
	static const char *const lines[] = { "sh cry ipsec sa", "SH CRY IPS SA", "show ipsec sa",
					     "sh ip sa", "show\tcrypto  ipsec sa\n" };
	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		int rc;
		char *out = run(gw, lines[i], &rc);
		assert_int_equal(rc, 0);
		assert_string_equal(out, full);
		free(out);
	}
	free(full);
	full = run(gw, "show ipsec stats", NULL);
	char *out = run(gw, "sh cry ipsec st", NULL);
	assert_string_equal(out, full);
	free(out);
	free(full);
	gw_free(gw);
}

static void test_help(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a, "");
	static const char *const show[] = { "  crypto ", "  ipsec ", "  asp ", "  running-config ", NULL };
	char *out = expect(gw, "show ?", show);
	assert_null(strstr(out, "<cr>"));
	/* show counters lists counters: its help must not promise to zero them */
	assert_non_null(strstr(out, "  counters "));
	assert_null(strstr(out, "Zero the counters"));
	free(out);
	static const char *const cr[] = { "  crypto ", NULL };
	out = expect(gw, "sh cr?", cr);
	assert_null(strstr(out, "running-config"));
	free(out);
	static const char *const sa[] = { "  peer ", "  <cr> ", NULL };
	free(expect(gw, "show crypto ipsec sa ?", sa));
	static const char *const top[] = { "  show ", "  clear ", NULL };
	free(expect(gw, "?", top));
	int rc;
	free(run(gw, "show zz?", &rc));
	assert_int_equal(rc, -1);
	gw_free(gw);
}

static void test_running_config(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a, "");
	static const char *const want[] = { "hostname site-a\n", "crypto map CM 10 set peer 198.51.100.2\n",
					     "*****", NULL };
	char *out = expect(gw, "show running-config", want);
	assert_null(strstr(out, K36));
	assert_null(strstr(out, K32));
	free(out);
	gw_free(gw);
}




/* Real traffic: counters, the replay bitmap, replay and SPI failures in
 * show ipsec stats, show asp drop and both clear commands. */
static void test_counters(void **state)
{
	(void)state;
	struct fp_gw *a = gw_from(site_a, ""), *b = gw_from(site_b, "");
	struct fp_pkt *dup = aligned_alloc(64, sizeof(*dup));
	assert_int_equal(send_ab(a, b, 5, dup), 5);
	static const char *const a_sa[] = { "#pkts encaps: 5, #pkts encrypt: 5, #pkts digest: 5\n",
					    "#pkts not compressed: 5,", NULL };
	free(expect(a, "show crypto ipsec sa peer 198.51.100.2", a_sa));
	static const char *const b_sa[] = { "#pkts decaps: 5, #pkts decrypt: 5, #pkts verify: 5\n",
					    "          0x00000000 0x0000001F\n", NULL };
	free(expect(b, "show crypto ipsec sa", b_sa));

	struct fp_pkt *v[2] = { dup, NULL }, *sink[2] = { 0 };
	fp_gw_input(b, (uint16_t)fp_gw_iface_find(b, "outside"), v, 1, collect, sink);
	assert_null(sink[0]);
	static const char *const b_replay[] = { "#send errors: 0, #recv errors: 0\n", NULL };
	free(expect(b, "show crypto ipsec sa", b_replay));
	static const char *const b_stats[] = {
		"IPsec Global Statistics\n-----------------------\nActive tunnels: 1\n",
		"Inbound\n    Bytes: ", "    Packets: 5\n    Dropped packets: 1\n    Replay failures: 1\n"
		"    Authentications: 5\n    Authentication failures: 0\n    Decryptions: 5\n",
		"Missing SA failures: 0\n", NULL,
	};
	free(expect(b, "show ipsec stats", b_stats));

	/* an unknown SPI: a missing SA, a flow drop */
	fp_put32(dup->data + FP_IPV4_HLEN, 0x7777);
	dup->drop = 0, dup->flags = 0, dup->sa = FP_SA_NONE;
	fp_gw_input(b, (uint16_t)fp_gw_iface_find(b, "outside"), v, 1, collect, sink);
	static const char *const b_miss[] = { "Missing SA failures: 1\n", NULL };
	free(expect(b, "show crypto ipsec stats", b_miss));
	char *out = expect(b, "show asp drop", (const char *const[]){ "Frame drop:\n", "Flow drop:\n",
		"Last clearing: Never\n", NULL });
	const char *line = strstr(out, "  VPN handle not found (vpn-handle-not-found)");
	assert_non_null(line);
	assert_true(strstr(out, "Flow drop:\n") < line);
	assert_int_equal(strcspn(line, "\n"), 80);
	assert_non_null(strstr(out, "(ipsec-replay)"));
	assert_true(strstr(out, "(ipsec-replay)") < strstr(out, "Flow drop:\n"));
	free(out);

	free(expect(b, "clear crypto ipsec sa counters", (const char *const[]){ NULL }));
	free(expect(b, "show crypto ipsec sa", (const char *const[]){
		"#pkts decaps: 0, #pkts decrypt: 0, #pkts verify: 0\n", NULL }));
	b->now_ns = 1700000000ull * 1000000000ull;
	free(expect(b, "clear asp drop", (const char *const[]){ NULL }));
	out = expect(b, "show asp drop", (const char *const[]){
		"Frame drop:\n\nLast clearing: 22:13:20 UTC Nov 14 2023 by enable_15\n\n"
		"Flow drop:\nLast clearing: 22:13:20 UTC Nov 14 2023 by enable_15\n", NULL });
	free(out);
	free(dup);
	gw_free(a);
	gw_free(b);
}

/* Remaining lifetime: seconds since install, kB used; none configured = unlimited. */
static void test_lifetime(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a,
				   "crypto map CM 20 set security-association lifetime seconds 3600\n"
				   "crypto map CM 20 set security-association lifetime kilobytes 100000\n");
	for (unsigned i = 0; i < gw->n_tunnels; i++)
		gw->tunnels[i].installed_ns = 1000000000ull;
	gw->now_ns = 62ull * 1000000000ull;
	static const char *const want[] = {
		"(kB/sec): (unlimited/unlimited)\n",
		"(kB/sec): (100000/3539)\n",
		NULL,
	};
	free(expect(gw, "show crypto ipsec sa", want));
	gw_free(gw);
}

/* Offload switched off then on under traffic: the SA pair moves to the
 * software pipe and back with its sequence numbers and counters, so the
 * peer accepts every packet and the counters keep counting. */
static void test_reoffload(void **state)
{
	(void)state;
	char err[256];
	struct fp_gw *a = gw_from(site_a, ""), *b = gw_from(site_b, "");
	assert_int_equal(send_ab(a, b, 5, NULL), 5);
	a->cfg->offload_ipsec = false;
	assert_int_equal(fp_gw_reoffload(a, err, sizeof(err)), 0);
	assert_false(fp_gw_tunnel_offloaded(a, &a->tunnels[0]));
	assert_int_equal(send_ab(a, b, 5, NULL), 5);
	a->cfg->offload_ipsec = true;
	assert_int_equal(fp_gw_reoffload(a, err, sizeof(err)), 0);
	assert_true(fp_gw_tunnel_offloaded(a, &a->tunnels[0]));
	assert_int_equal(send_ab(a, b, 5, NULL), 5);
	static const char *const want[] = {
		"#pkts encaps: 15, #pkts encrypt: 15, #pkts digest: 15\n",
		"CAN_BE_OFFLOADED, OFFLOADED, }", NULL,
	};
	free(expect(a, "show crypto ipsec sa peer 198.51.100.2", want));
	static const char *const want_b[] = {"#pkts decaps: 15,", "#recv errors: 0\n", NULL};
	free(expect(b, "show crypto ipsec sa", want_b));
	gw_free(a);
	gw_free(b);
}

/* debug crypto ikev2 protocol|platform [LEVEL] and their undoing, as
 * show debug lists them; a level outside 1-255 is refused at its word. */
static void test_debug_ikev2(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a, "");
	int rc;
	free(run(gw, "debug crypto ikev2 protocol 127", &rc));
	assert_int_equal(rc, 0);
	free(run(gw, "deb cry ikev2 pl", &rc));
	assert_int_equal(rc, 0);
	free(expect(gw, "show debug", (const char *const[]){
		"debug crypto ikev2 protocol enabled at level 127\n",
		"debug crypto ikev2 platform enabled at level 1\n", NULL}));
	char *out = run(gw, "debug crypto ikev2 protocol 256", &rc);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(out, "a level is 1-255"));
	free(out);
	free(run(gw, "no debug crypto ikev2 protocol", &rc));
	assert_int_equal(rc, 0);
	out = run(gw, "show debug", &rc);
	assert_null(strstr(out, "protocol"));
	free(out);
	free(run(gw, "undebug all", &rc));
	out = run(gw, "show debug", &rc);
	assert_string_equal(out, "");
	free(out);
	gw_free(gw);
}

/* Egress optimization: the first packet of a flow walks the policy, the
 * next ones hit the pipe's 6-tuple table; off, every packet walks it. */
static void test_egress_optimization(void **state)
{
	(void)state;
	char err[256];
	struct fp_gw *a = gw_from(site_a, ""), *b = gw_from(site_b, "");
	assert_int_equal(send_ab(a, b, 5, NULL), 5);
	assert_true(a->pipes[0].st.egress_optimize == 4);
	a->cfg->offload_ipsec = false; /* moved to the slow path: no optimization there */
	assert_int_equal(fp_gw_reoffload(a, err, sizeof(err)), 0);
	assert_int_equal(send_ab(a, b, 5, NULL), 5);
	a->cfg->offload_ipsec = true;
	assert_int_equal(fp_gw_reoffload(a, err, sizeof(err)), 0);
	a->cfg->offload_ipsec_egress = false;
	assert_int_equal(send_ab(a, b, 5, NULL), 5);
	assert_true(a->pipes[0].st.egress_optimize == 4);
	gw_free(a);
	gw_free(b);
}

/* One IPv4 fragment of the packet src: payload bytes [off, off + len). */
static struct fp_pkt *fragment(const struct fp_pkt *src, uint32_t off, uint32_t len, bool more)
{
	struct fp_pkt *p = aligned_alloc(64, sizeof(*p));
	fp_pkt_reset(p);
	uint8_t *h = fp_pkt_put(p, FP_IPV4_HLEN + len);
	memcpy(h, src->data, FP_IPV4_HLEN);
	memcpy(h + FP_IPV4_HLEN, src->data + FP_IPV4_HLEN + off, len);
	fp_put16(h + 2, (uint16_t)p->len);
	fp_put16(h + 4, 0x4242);
	fp_put16(h + 6, (uint16_t)((off / 8) | (more ? 0x2000 : 0)));
	fp_ipv4_csum_set(h);
	return p;
}

/* A router split an ESP packet: B's slow path reassembles it (fragments in
 * any order), decapsulates it and counts it; overlapping fragments drop
 * the datagram. */
static void test_reassembly(void **state)
{
	(void)state;
	struct fp_gw *a = gw_from(site_a, ""), *b = gw_from(site_b, "");
	struct fp_pkt *in[2] = {inner_make(), inner_make()}, *esp[3] = {0}, *clear[4] = {0};
	fp_gw_input(a, (uint16_t)fp_gw_iface_find(a, "inside"), in, 2, collect, esp);
	uint32_t plen = esp[0]->len - FP_IPV4_HLEN;
	struct fp_pkt *f[3] = {fragment(esp[0], 24, plen - 24, false), fragment(esp[0], 0, 16, true),
			       fragment(esp[0], 16, 8, true)};
	uint16_t out = (uint16_t)fp_gw_iface_find(b, "outside");
	for (int i = 0; i < 3; i++)
		fp_gw_input(b, out, &f[i], 1, collect, clear);
	assert_non_null(clear[0]);
	assert_int_equal(clear[0]->len, FP_IPV4_HLEN + FP_UDP_HLEN + 32); /* the inner packet */
	/* overlapping: the second packet's datagram is dropped whole */
	plen = esp[1]->len - FP_IPV4_HLEN;
	struct fp_pkt *g[2] = {fragment(esp[1], 0, 24, true), fragment(esp[1], 16, plen - 16, false)};
	for (int i = 0; i < 2; i++)
		fp_gw_input(b, out, &g[i], 1, collect, clear);
	assert_null(clear[1]);
	assert_true(fp_gw_drop_count(b, FP_DROP_FRAG_INVALID) == 1);
	static const char *const want[] = {"#decapsulated frgs needing reassembly: 1\n", NULL};
	free(expect(b, "show crypto ipsec sa", want));
	for (int i = 0; i < 3; i++)
		free(f[i]);
	free(g[0]), free(g[1]), free(in[0]), free(in[1]);
	gw_free(a);
	gw_free(b);
}

/* tunnel.c's builder; gateway.c declares it for itself the same way */
int fp_gw_tunnel_build(struct fp_gw *gw, const struct fp_cfg_map_entry *e, char *err,
		       size_t errlen);

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* An SA install that fails leaves no key behind: not in the tunnel's
 * params copies, nor in half a pair (its inbound SA is deleted, key
 * schedule and all). Entry 10 again with its inbound SPI fails at the
 * inbound SA; with a new SPI but tunnel 0's rule (n_tunnels rewound: a
 * test-only way to make the outbound fail) it fails at the outbound. */
static void test_install_fails_wipes_keys(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a, "");
	struct fp_cfg_map_entry e = gw->cfg->entries[0];
	struct fp_sadb *db = gw->tunnels[0].pipe->db;
	uint32_t sas = fp_sadb_count(db);
	unsigned n = gw->n_tunnels;
	char err[256];
	e.seq = 40;
	assert_int_equal(fp_gw_tunnel_build(gw, &e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is in use"));
	struct fp_gw_tunnel *t = &gw->tunnels[n];
	assert_true(all_zero(t->in.key.ckey, sizeof(t->in.key.ckey)));
	assert_true(all_zero(t->out.key.ckey, sizeof(t->out.key.ckey)));
	assert_int_equal(fp_sadb_count(db), sas);
	e.in[0].spi = 0x1004; /* 0x1003 is entry 30's (software pipe): taken across pipes too */
	gw->n_tunnels = 0;
	assert_int_equal(fp_gw_tunnel_build(gw, &e, err, sizeof(err)), -1);
	gw->n_tunnels = n;
	assert_non_null(strstr(err, "outbound rule already has an SA"));
	assert_int_equal(fp_sadb_count(db), sas);
	assert_true(all_zero(gw->tunnels[0].in.key.ckey, sizeof(gw->tunnels[0].in.key.ckey)));
	assert_true(all_zero(gw->tunnels[0].out.key.ckey, sizeof(gw->tunnels[0].out.key.ckey)));
	gw_free(gw);
}

/* clear ipsec sa installs every pair again with zeroed counters but its
 * sequence numbers and window: the keys are the same (manual keys), so
 * starting over would reuse AES-GCM nonces and accept recorded packets.
 * A clear on one side only does not break the tunnel. */
static void test_clear_ipsec_sa(void **state)
{
	(void)state;
	struct fp_gw *a = gw_from(site_a, ""), *b = gw_from(site_b, "");
	struct fp_pkt replay, *rp = &replay, *out[2] = {NULL};
	assert_int_equal(send_ab(a, b, 5, &replay), 5);
	free(expect(a, "clear ipsec sa", (const char *const[]){NULL}));
	free(expect(b, "clear crypto ipsec sa", (const char *const[]){NULL}));
	assert_int_equal(send_ab(a, b, 3, NULL), 3); /* A goes on at 6, B takes it */
	free(expect(a, "show crypto ipsec sa peer 198.51.100.2",
		    (const char *const[]){"#pkts encaps: 3,", NULL}));
	fp_gw_input(b, (uint16_t)fp_gw_iface_find(b, "outside"), &rp, 1, collect, out);
	assert_null(out[0]); /* sequence 1, recorded before the clear: a replay still */
	assert_int_equal(fp_gw_drop_count(b, FP_DROP_REPLAY_TOO_OLD) +
			 fp_gw_drop_count(b, FP_DROP_REPLAY), 1);
	static const char *const want[] = {"Previous tunnels: 3\n", NULL};
	free(expect(a, "show ipsec stats", want));
	gw_free(a);
	gw_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipsec_sa_layout),
		cmocka_unit_test(test_ipsec_sa_ipv6_soft),
		cmocka_unit_test(test_no_flow_offload),
		cmocka_unit_test(test_peer_filter),
		cmocka_unit_test(test_no_tunnels),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_abbreviations),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_running_config),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_lifetime),
		cmocka_unit_test(test_reoffload),
		cmocka_unit_test(test_debug_ikev2),
		cmocka_unit_test(test_egress_optimization),
		cmocka_unit_test(test_reassembly),
		cmocka_unit_test(test_clear_ipsec_sa),
		cmocka_unit_test(test_install_fails_wipes_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
