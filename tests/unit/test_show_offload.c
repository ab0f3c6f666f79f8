/* The offload engine's show and clear commands, asserted on their output
 * (strongSwan evaltest style) after real traffic: show flow-offload info
 * [detail], show flow-offload-ipsec statistics, show counters, show
 * npu-accel statistics, show crypto accelerator statistics, show
 * tech-support, and the clears. Site A has an offloadable GCM entry, an
 * offloadable CBC/SHA-1 entry and an IPv6 NAT-T entry with a 1024-packet
 * window (software pipe); site B mirrors entry 10.
 *
 *   10.1.0.0/24 -- [A] 198.51.100.1 ====ESP==== 198.51.100.2 [B] -- 10.2.0.0/24
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/inet.h"
#include "datapath/gateway.h"
#include "datapath/runtime.h"
#include "gw_fixture.h"

#define NOW (1700000000ull * 1000000000ull)

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
	"crypto map CM 30 set ikev2 ipsec-proposal CBC\n"
	"crypto map CM 30 set udp-encapsulation 4500 4500\n"
	"crypto map CM 30 set security-association replay window-size 1024\n"
	"crypto map CM 30 set session-key inbound esp 0x1003 cipher " K32 " authenticator " K20 "\n"
	"crypto map CM 30 set session-key outbound esp 0x2003 cipher " K32 " authenticator " K20 "\n"
	"crypto map CM interface outside\n";


/* A gateway as test_cli loads it, with a fixed clock for the outputs. */
static struct fp_gw *gw_at_now(const char *text, const char *extra)
{
	struct fp_gw *gw = gw_from(text, extra);
	gw->now_ns = NOW;
	return gw;
}




#define EXPECT(gw, line, ...) free(expect(gw, line, (const char *const[]){ __VA_ARGS__, NULL }))

/* Must not contain text. */
static void expect_not(struct fp_gw *gw, const char *line, const char *text)
{
	char *out = run(gw, line, NULL);
	if (strstr(out, text))
		fprintf(stderr, "'%s': unexpected '%s' in:\n%s", line, text, out);
	assert_null(strstr(out, text));
	free(out);
}




/* Five packets A -> B, the first replayed, then one for an unknown SPI. */
static void traffic(struct fp_gw *a, struct fp_gw *b)
{
	struct fp_pkt *dup = aligned_alloc(64, sizeof(*dup)), *sink[2] = { 0 };
	struct fp_pkt *v[1] = { dup };
	uint16_t out = (uint16_t)fp_gw_iface_find(b, "outside");
	assert_int_equal(send_ab(a, b, 5, dup), 5);
	fp_gw_input(b, out, v, 1, collect, sink);
	fp_put32(dup->data + FP_IPV4_HLEN, 0x7777);
	dup->drop = 0, dup->flags = 0, dup->sa = FP_SA_NONE;
	fp_gw_input(b, out, v, 1, collect, sink);
	assert_null(sink[0]);
	free(dup);
}

static void test_info_summary(void **state)
{
	(void)state;
	struct fp_gw *a = gw_at_now(site_a, "");
	EXPECT(a, "show flow-offload info",
	       "Current running state: Enabled\nOffload App: Running\nEgress optimization: Enabled\n"
	       "Engine pipes: 1 (offline)\nOffloaded tunnels: 2 of 3\n");
	expect_not(a, "show flow-offload info", "Packet stats");
	gw_free(a);
	a = gw_at_now(site_a, "no flow-offload-ipsec\n");
	EXPECT(a, "sh flow-offload in",
	       "Current running state: Disabled\nOffload App: Not Running\n",
	       "Offloaded tunnels: 0 of 3\n");
	gw_free(a);
}

/* The offload note's per-pipe blocks, with B's classification and ESP
 * counters after 5 packets, a replay and an unknown SPI. */
static void test_info_detail(void **state)
{
	(void)state;
	struct fp_gw *a = gw_at_now(site_a, ""), *b = gw_at_now(site_b, "");
	traffic(a, b);
	EXPECT(b, "show flow-offload info detail",
	       "Offloaded tunnels: 1 of 1\n\n"
	       "Packet stats of Pipe 0\n"
	       "Rx Packet count : 7\n"
	       "Tx Packet count : 5\n"
	       "Error Packet count : 0\n"
	       "Drop Packet count : 1\n\n"
	       "NOTE: The CAM counters displayed are cumulative counters\n"
	       "for all offload applications and indicates the total packets offloaded\n\n"
	       "CAM stats of Pipe 0\n"
	       "Option ID Table CAM Hit Count : 7\n"
	       "Option ID Table CAM Miss Count : 0\n"
	       "Tunnel Table CAM Hit Count : 0\n"
	       "Tunnel Table CAM Miss Count : 7\n" /* no VTI: every ESP packet misses */
	       "6-Tuple CAM Hit Count : 6\n"
	       "6-Tuple CAM Miss Count : 1\n\n"
	       "NOTE: The counters displayed are cumulative counters\n"
	       "for all offload applications and indicates the total packets offloaded\n");
	/* A's pipe encrypted what its inside sent: rx = packets taken, tx = sent */
	EXPECT(a, "show flow-offload info detail", "Rx Packet count : 5\nTx Packet count : 5\n");
	gw_free(a);
	gw_free(b);
}

static void test_ipsec_statistics(void **state)
{
	(void)state;
	struct fp_gw *a = gw_at_now(site_a, ""), *b = gw_at_now(site_b, "");
	traffic(a, b);
	EXPECT(b, "show flow-offload-ipsec statistics",
	       "IPsec Offload Statistics\n------------------------\nOffload: Enabled\n"
	       "Engine pipes: 1\nOffloaded tunnels: 1\n",
	       "Inbound\n    Packets processed: 6\n    Packets succeeded: 5\n"
	       "    Packets dropped: 1\n    Bytes: ",
	       "    Decrypted packets: 5\n    Anti-replay drops: 1\n    Selector drops: 0\n",
	       "Rules\n    Inbound rules installed: 1\n    Outbound rules installed: 1\n",
	       /* one pipe: nothing to steer, nothing handed over */
	       "Held while their SA moved here: 0\nESP handed to another pipe: 0\n");
	EXPECT(a, "show flow-offload-ipsec statistics",
	       "Offloaded tunnels: 2\n",
	       "Outbound\n    Packets processed: 5\n    Packets succeeded: 5\n    Packets dropped: 0\n",
	       "    Encrypted packets: 5\n    Egress-optimized packets: 4\n",
	       "    Inbound rules installed: 2\n    Outbound rules installed: 2\n");
	/* the clear zeroes the pipes only: SA counters and drops stay */
	EXPECT(b, "clear flow-offload-ipsec statistics", "");
	EXPECT(b, "show flow-offload-ipsec statistics", "    Packets processed: 0\n",
	       "    Inbound rules installed: 0\n");
	expect_not(b, "show flow-offload-ipsec statistics", "Anti-replay drops: 1\n");
	expect_not(b, "show flow-offload-ipsec statistics", "Decrypted packets: 5\n");
	EXPECT(b, "show crypto ipsec sa", "#pkts decaps: 5, #pkts decrypt: 5, #pkts verify: 5\n");
	EXPECT(b, "show asp drop", "(ipsec-replay)", "(vpn-handle-not-found)");
	gw_free(a);
	gw_free(b);
}

/* Only counters that are not 0, in the ASA's columns. */
static void test_counters(void **state)
{
	(void)state;
	struct fp_gw *a = gw_at_now(site_a, ""), *b = gw_at_now(site_b, "");
	char *out = run(b, "show counters", NULL);
	assert_string_equal(out, "Protocol     Counter                           Value   Context\n"
				 "IPSEC        OFFLOAD_FLOW_INBOUND_ADD_RULE     1       Summary\n"
				 "IPSEC        OFFLOAD_FLOW_OUTBOUND_ADD_RULE    1       Summary\n");
	free(out);
	traffic(a, b);
	out = run(a, "show counters", NULL);
	assert_string_equal(out, "Protocol     Counter                           Value   Context\n"
				 "IPSEC        OFFLOAD_OB_PKT_PROCESS            5       Summary\n"
				 "IPSEC        OFFLOAD_OB_PKT_PROCESS_SUCCESS    5       Summary\n"
				 "IPSEC        OFFLOAD_EGRESS_OPTIMIZE_PKT       4       Summary\n"
				 "IPSEC        OFFLOAD_FLOW_INBOUND_ADD_RULE     2       Summary\n"
				 "IPSEC        OFFLOAD_FLOW_OUTBOUND_ADD_RULE    2       Summary\n");
	free(out);
	EXPECT(b, "sh cou", "IPSEC        OFFLOAD_IB_PKT_PROCESS            6       Summary\n"
			    "IPSEC        OFFLOAD_IB_PKT_PROCESS_SUCCESS    5       Summary\n");
	expect_not(b, "show counters", "OFFLOAD_OB_PKT_PROCESS");
	/* clear counters: pipes (both), the slow path's drops; show asp drop
	 * notes the time. SA counters are kept. */
	EXPECT(b, "clear counters", "");
	out = run(b, "show counters", NULL);
	assert_string_equal(out, "Protocol     Counter                           Value   Context\n");
	free(out);
	EXPECT(b, "show asp drop", "Frame drop:\n\nLast clearing: 22:13:20 UTC Nov 14 2023 by enable_15\n");
	expect_not(b, "show asp drop", "(vpn-handle-not-found)");
	EXPECT(b, "show crypto ipsec sa", "#pkts decaps: 5,");
	gw_free(a);
	gw_free(b);
}

static void test_npu_accel(void **state)
{
	(void)state;
	struct fp_gw *a = gw_at_now(site_a, ""), *b = gw_at_now(site_b, "");
	traffic(a, b);
	/* offline: no rings, their lines read 0 */
	EXPECT(b, "show npu-accel statistics",
	       "ilk_tx_good_pkt_cnt = 0\nilk_rx_good_pkt_cnt = 0\nilk_tx_err_pkt_cnt = 0\n"
	       "ilk_tx_taildrop_pkt_cnt = 0\nilk_tx_fifo_sbit_err_cnt = 0\n"
	       "ilk_tx_fifo_dbit_err_cnt = 0\nilk_rx_fifo_sbit_err_cnt = 0\n"
	       "ilk_rx_fifo_dbit_err_cnt = 0\nilk_rx_err_pkt_cnt = 0\n"
	       "ilk_rx_seg_sop_cnt = 0\nilk_rx_seg_eop_cnt = 0\n\n"
	       "module: nvppu, pipe: 0\nnvppu_ipsec_in_pkt_count = 6\n",
	       "nvppu_ipsec_in_decrypt_pkt_count = 5\n",
	       "nvppu_ipsec_in_hash_pkt_count = 5\n",
	       "nvppu_ipsec_out_pkt_count = 0\n",
	       "nvppu_ipsec_drop_pkt_count = 1\nnvppu_filtering_total_cnt = 5\n"
	       "nvppu_tfc_drop_cnt = 0\nnvppu_filtering_drop_cnt = 0\nnvppu_anti_drop_cnt = 1\n");
	EXPECT(a, "show npu-accel statistics", "nvppu_ipsec_out_pkt_count = 5\n",
	       "nvppu_ipsec_out_encrypt_pkt_count = 5\n", "nvppu_ipsec_out_hash_pkt_count = 5\n");
	expect_not(a, "show npu-accel statistics", "dtls");
	gw_free(a);
	gw_free(b);
}

/* A live-looking gateway: a runtime with two workers' ring counters, and
 * on_pipes, which the clears must go through. */
static unsigned on_pipes_calls;

static void fake_on_pipes(struct fp_gw *gw, void (*fn)(struct fp_pipe *pp, void *arg), void *arg)
{
	on_pipes_calls++;
	for (unsigned i = 0; i < gw->n_pipes; i++)
		fn(&gw->pipes[i], arg);
}

static void test_live_figures(void **state)
{
	(void)state;
	struct fp_gw *a = gw_at_now(site_a, ""), *b = gw_at_now(site_b, "");
	struct fp_runtime *rt = calloc(1, sizeof(*rt));
	struct fp_worker *w = calloc(2, sizeof(*w));
	traffic(a, b);
	rt->n_workers = 2;
	rt->w = w;
	rt->started_ns = NOW - 90ull * 1000000000ull;
	w[0].ilk = (struct fp_ilk_stats){ .tx_good = 10, .rx_good = 7, .tx_taildrop = 1 };
	w[1].ilk = (struct fp_ilk_stats){ .tx_good = 5, .rx_good = 8, .tx_taildrop = 0 };
	w[1].punt_taildrop = 2;
	b->rt = rt;
	b->on_pipes = fake_on_pipes;
	EXPECT(b, "show npu-accel statistics", "ilk_tx_good_pkt_cnt = 15\nilk_rx_good_pkt_cnt = 15\n",
	       "ilk_tx_taildrop_pkt_cnt = 3\n", "ilk_rx_seg_sop_cnt = 15\nilk_rx_seg_eop_cnt = 15\n");
	EXPECT(b, "show flow-offload info", "Engine pipes: 1 (one per worker thread)\n");
	EXPECT(b, "show crypto accelerator statistics", "   Active time: 90 seconds\n");
	on_pipes_calls = 0;
	EXPECT(b, "clear flow-offload-ipsec statistics", "");
	assert_int_equal(on_pipes_calls, 1);
	EXPECT(b, "show flow-offload info detail", "Rx Packet count : 0\n");
	EXPECT(b, "clear counters", "");
	assert_int_equal(on_pipes_calls, 2);
	b->rt = NULL;
	b->on_pipes = NULL;
	free(w);
	free(rt);
	gw_free(a);
	gw_free(b);
}

/* Offloaded and software-pipe shares apart. */
static void test_crypto_accelerator(void **state)
{
	(void)state;
	struct fp_gw *a = gw_at_now(site_a, "no flow-offload-ipsec\n"), *b = gw_at_now(site_b, "");
	traffic(a, b);
	EXPECT(b, "show crypto accelerator statistics",
	       "Crypto Accelerator Status\n-------------------------\n[Capability]\n",
	       "   Supports hardware crypto: False\n", "   Crypto library: ",
	       "   Encryption algorithms: esp-null esp-aes esp-aes-256 esp-aes-gcm esp-aes-gcm-256",
	       "[Global Statistics]\n   Number of active accelerators: 1\n"
	       "   Number of non-operational accelerators: 0\n   Input packets: 6\n",
	       "[Accelerator 0]\n   Status: Active\n   Software crypto engine\n   Slot: 0\n"
	       "   Active time: n/a (offline)\n   Total crypto transforms: 2\n"
	       "   Total dropped packets: 1\n",
	       "   [Input statistics]\n      Input packets: 6\n",
	       "      Decrypted packets: 5\n",
	       "   [Offloaded statistics]\n      Input packets: 6\n      Decrypted packets: 5\n",
	       "   [Software pipe statistics]\n      Input packets: 0\n");
	/* A with offload off: its packets went through the software pipe */
	EXPECT(a, "show crypto accelerator statistics",
	       "   [Output statistics]\n      Output packets: 5\n",
	       "   [Offloaded statistics]\n      Input packets: 0\n      Decrypted packets: 0\n"
	       "      Output packets: 0\n",
	       "   [Software pipe statistics]\n      Input packets: 0\n      Decrypted packets: 0\n"
	       "      Output packets: 5\n      Encrypted packets: 5\n",
	       "   Total crypto transforms: 6\n");
	gw_free(a);
	gw_free(b);
}

static void test_tech_support(void **state)
{
	(void)state;
	struct fp_gw *a = gw_at_now(site_a, ""), *b = gw_at_now(site_b, "");
	traffic(a, b);
	static const char *const heads[] = {
		"show running-config", "show crypto ipsec sa", "show ipsec stats", "show asp drop",
		"show flow-offload info detail", "show flow-offload-ipsec statistics", "show counters",
		"show npu-accel statistics", "show crypto accelerator statistics", "show capture",
	};
	char *out = run(a, "show tech-support", NULL);
	const char *at = out;
	for (unsigned i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		char h[128];
		snprintf(h, sizeof(h), "\n------------------ %s ------------------\n\n", heads[i]);
		const char *p = strstr(at, h);
		if (!p)
			fprintf(stderr, "missing or out of order: %s", h);
		assert_non_null(p);
		at = p + strlen(h);
	}
	assert_non_null(strstr(out, "hostname site-a\n"));
	assert_non_null(strstr(out, "Packet stats of Pipe 0\n"));
	assert_non_null(strstr(out, "IPSEC        OFFLOAD_OB_PKT_PROCESS            5       Summary\n"));
	assert_null(strstr(out, K36));
	assert_null(strstr(out, K32));
	free(out);
	gw_free(a);
	gw_free(b);
}

/* The new words fit the ASA's matching: abbreviations, help, ambiguity. */
static void test_command_line(void **state)
{
	(void)state;
	struct fp_gw *a = gw_at_now(site_a, "");
	EXPECT(a, "show ?", "  flow-offload ", "  flow-offload-ipsec ", "  counters ", "  npu-accel ",
	       "  tech-support ", "  capture ");
	EXPECT(a, "show flow-offload ?", "  info ");
	EXPECT(a, "show flow-offload info ?", "  detail ", "  <cr> ");
	EXPECT(a, "clear ?", "  counters ", "  flow-offload-ipsec ", "  capture ");
	EXPECT(a, "sh flow-offload in det", "CAM stats of Pipe 0\n");
	EXPECT(a, "SH FLOW-OFFLOAD-IPSEC STAT", "IPsec Offload Statistics\n");
	EXPECT(a, "sh npu st", "module: nvppu, pipe: 0\n");
	EXPECT(a, "sh cry acc st", "[Accelerator 0]\n");
	EXPECT(a, "sh cry ips sa", "Crypto map tag: CM, seq num: 10");
	int rc;
	char *out = run(a, "sh flow x", &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(out, "sh flow x\n   ^\nERROR: % Ambiguous command:  \"sh flow x\"\n");
	free(out);
	out = run(a, "show flow-offload", &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(out, "ERROR: % Incomplete command\n");
	free(out);
	gw_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_summary),
		cmocka_unit_test(test_info_detail),
		cmocka_unit_test(test_ipsec_statistics),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_npu_accel),
		cmocka_unit_test(test_live_figures),
		cmocka_unit_test(test_crypto_accelerator),
		cmocka_unit_test(test_tech_support),
		cmocka_unit_test(test_command_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
