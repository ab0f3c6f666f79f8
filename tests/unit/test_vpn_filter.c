/* vpn-filter on a site-to-site tunnel, the ASA way: the group-policy and
 * tunnel-group commands (parse, show running-config round trip, errors),
 * and the gateway: a filtered tunnel stays in the software pipe (not
 * CAN_BE_OFFLOADED), its decrypted traffic and the traffic going into it
 * are checked against the ACL written from the remote side's view.
 *
 *   10.1.0.0/24 -- [A] 198.51.100.1 ====ESP==== 198.51.100.2 [B] -- 10.2.0.0/24
 */
#include "gw_fixture.h"

#include "config/config.h"

/* Site A mirrors site B's (gw_fixture.h) entry 10; entry 20 goes to a peer
 * without a tunnel-group and stays offloadable. */
static const char site_a[] =
	"hostname site-a\n"
	"interface eth0\n nameif outside\n ip address 198.51.100.1 255.255.255.0\n!\n"
	"interface eth1\n nameif inside\n ip address 10.1.0.1 255.255.255.0\n!\n"
	"access-list VPN extended permit ip 10.1.0.0 255.255.255.0 10.2.0.0 255.255.255.0\n"
	"access-list VPN2 extended permit ip 10.1.0.0 255.255.255.0 10.3.0.0 255.255.255.0\n"
	"access-list VF extended permit tcp 10.2.0.0 255.255.255.0 10.1.0.0 255.255.255.0 eq 22\n"
	"access-list VF extended deny ip any any\n"
	"crypto ipsec ikev2 ipsec-proposal GCM\n protocol esp encryption aes-gcm-256\n"
	"crypto map CM 10 match address VPN\n"
	"crypto map CM 10 set peer 198.51.100.2\n"
	"crypto map CM 10 set ikev2 ipsec-proposal GCM\n"
	"crypto map CM 10 set session-key inbound esp 4097 cipher " K36 "\n"
	"crypto map CM 10 set session-key outbound esp 8193 cipher " K36B "\n"
	"crypto map CM 20 match address VPN2\n"
	"crypto map CM 20 set peer 198.51.100.3\n"
	"crypto map CM 20 set ikev2 ipsec-proposal GCM\n"
	"crypto map CM 20 set session-key inbound esp 4098 cipher " K36 "\n"
	"crypto map CM 20 set session-key outbound esp 8194 cipher " K36B "\n"
	"crypto map CM interface outside\n";

static const char filter[] =
	"group-policy GP-SITE-B internal\n"
	"group-policy GP-SITE-B attributes\n"
	" vpn-filter value VF\n"
	"tunnel-group 198.51.100.2 type ipsec-l2l\n"
	"tunnel-group 198.51.100.2 general-attributes\n"
	" default-group-policy GP-SITE-B\n";

/* An IPv4 packet 10.S.0.s:sport -> 10.D.0.d:dport, TCP or UDP. */
static struct fp_pkt *pkt_make(uint8_t proto, uint8_t snet, uint8_t shost, uint16_t sport,
			       uint8_t dnet, uint8_t dhost, uint16_t dport)
{
	struct fp_pkt *p = aligned_alloc(64, sizeof(*p));
	uint32_t l4 = proto == FP_IPPROTO_TCP ? 20 : FP_UDP_HLEN;
	fp_pkt_reset(p);
	uint8_t *h = fp_pkt_put(p, FP_IPV4_HLEN + l4 + 16);
	memset(h, 0, p->len);
	h[0] = 0x45, h[8] = 64, h[9] = proto;
	fp_put16(h + 2, (uint16_t)p->len);
	h[12] = 10, h[13] = snet, h[15] = shost, h[16] = 10, h[17] = dnet, h[19] = dhost;
	fp_ipv4_csum_set(h);
	fp_put16(h + 20, sport), fp_put16(h + 22, dport);
	if (proto == FP_IPPROTO_TCP)
		h[32] = 0x50; /* data offset 5 */
	else
		fp_put16(h + 24, (uint16_t)(l4 + 16));
	return p;
}

/* One packet in from interface ifc of gw; how many came out (into *out). */
static unsigned push(struct fp_gw *gw, const char *ifc, struct fp_pkt *p, struct fp_pkt **out)
{
	struct fp_pkt *sink[3] = { 0 };
	fp_gw_input(gw, (uint16_t)fp_gw_iface_find(gw, ifc), &p, 1, collect, sink);
	if (out)
		*out = sink[0];
	return sink[0] ? 1 : 0;
}

/* p from src's inside through its tunnel, then into dst's outside: how
 * many dst delivered (-1: src did not encrypt it). */
static int cross(struct fp_gw *src, struct fp_gw *dst, struct fp_pkt *p)
{
	struct fp_pkt *esp = NULL;
	int n = -1;
	if (push(src, "inside", p, &esp))
		n = (int)push(dst, "outside", esp, NULL);
	free(p);
	return n;
}

static uint64_t filtered(const struct fp_gw *gw)
{
	return fp_gw_drop_count(gw, FP_DROP_VPN_FILTER);
}

static void test_not_offloaded(void **state)
{
	(void)state;
	struct fp_gw *a = gw_from(site_a, filter);
	assert_non_null(a->tunnels[0].vpn_filter);
	assert_string_equal(a->tunnels[0].vpn_filter->name, "VF");
	assert_null(a->tunnels[1].vpn_filter);
	assert_false(fp_gw_tunnel_offloaded(a, &a->tunnels[0]));
	assert_true(fp_gw_tunnel_offloaded(a, &a->tunnels[1]));
	assert_string_equal(a->tunnels[0].not_offload_why, "vpn-filter on tunneled traffic");
	char *out = expect(a, "show crypto ipsec sa peer 198.51.100.2",
			   (const char *const[]){ "in use settings ={L2L, Tunnel, Manual key, }\n",
						  NULL });
	assert_null(strstr(out, "CAN_BE_OFFLOADED"));
	assert_null(strstr(out, "OFFLOADED"));
	free(out);
	free(expect(a, "show crypto ipsec sa peer 198.51.100.3",
		    (const char *const[]){ "CAN_BE_OFFLOADED, OFFLOADED, }", NULL }));
	gw_free(a);
}

static void test_filter_traffic(void **state)
{
	(void)state;
	struct fp_gw *a = gw_from(site_a, filter), *b = gw_from(site_b, "");
	/* inbound: ssh from B's network to A's passes, the rest is dropped */
	assert_int_equal(cross(b, a, pkt_make(FP_IPPROTO_TCP, 2, 9, 40000, 1, 5, 22)), 1);
	assert_int_equal(filtered(a), 0);
	assert_int_equal(cross(b, a, pkt_make(FP_IPPROTO_UDP, 2, 9, 2000, 1, 5, 1000)), 0);
	assert_int_equal(cross(b, a, pkt_make(FP_IPPROTO_TCP, 2, 9, 40000, 1, 5, 23)), 0);
	assert_int_equal(cross(b, a, pkt_make(FP_IPPROTO_TCP, 2, 9, 22, 1, 5, 40000)), 0);
	assert_int_equal(filtered(a), 3);
	/* outbound: the replies of ssh pass, the rest (the fixture's UDP, ssh
	 * from A's side) is dropped before encryption */
	assert_int_equal(cross(a, b, pkt_make(FP_IPPROTO_TCP, 1, 5, 22, 2, 9, 40000)), 1);
	assert_int_equal(filtered(a), 3);
	struct fp_pkt *esp = NULL, *p = inner_make();
	assert_int_equal(push(a, "inside", p, &esp), 0);
	assert_int_equal(p->drop, FP_DROP_VPN_FILTER);
	free(p);
	assert_int_equal(cross(a, b, pkt_make(FP_IPPROTO_TCP, 1, 5, 40000, 2, 9, 22)), -1);
	assert_int_equal(filtered(a), 5);
	/* the other tunnel has no filter */
	assert_int_equal(cross(a, b, pkt_make(FP_IPPROTO_UDP, 1, 5, 1000, 3, 9, 2000)), 0);
	assert_int_equal(filtered(a), 5);

	char *out = expect(a, "show asp drop", (const char *const[]){
		"Flow drop:\n", "  Denied by the tunnel's vpn-filter (vpn-filter-deny)", NULL });
	const char *line = strstr(out, "  Denied by the tunnel's vpn-filter (vpn-filter-deny)");
	assert_true(strstr(out, "Flow drop:\n") < line);
	assert_int_equal(strtoul(line + strcspn(line, "0123456789"), NULL, 10), 5);
	free(out);
	/* decrypted, then filtered: the SA counted all four inbound packets */
	free(expect(a, "show crypto ipsec sa peer 198.51.100.2", (const char *const[]){
		"#pkts decaps: 4, #pkts decrypt: 4, #pkts verify: 4\n",
		"#pkts encaps: 1, #pkts encrypt: 1, #pkts digest: 1\n", NULL }));
	gw_free(a);
	gw_free(b);
}

/* Offload switched off and on: the filtered pair stays in the software
 * pipe and is still filtered, once per packet. */
static void test_filter_reoffload(void **state)
{
	(void)state;
	char err[256];
	struct fp_gw *a = gw_from(site_a, filter), *b = gw_from(site_b, "");
	a->cfg->offload_ipsec = false;
	assert_int_equal(fp_gw_reoffload(a, err, sizeof(err)), 0);
	a->cfg->offload_ipsec = true;
	assert_int_equal(fp_gw_reoffload(a, err, sizeof(err)), 0);
	assert_false(fp_gw_tunnel_offloaded(a, &a->tunnels[0]));
	assert_true(fp_gw_tunnel_offloaded(a, &a->tunnels[1]));
	assert_int_equal(cross(b, a, pkt_make(FP_IPPROTO_UDP, 2, 9, 2000, 1, 5, 1000)), 0);
	assert_int_equal(cross(a, b, pkt_make(FP_IPPROTO_UDP, 1, 5, 1000, 2, 9, 2000)), -1);
	assert_int_equal(cross(b, a, pkt_make(FP_IPPROTO_TCP, 2, 9, 40000, 1, 5, 22)), 1);
	assert_int_equal(cross(a, b, pkt_make(FP_IPPROTO_TCP, 1, 5, 22, 2, 9, 40000)), 1);
	assert_int_equal(filtered(a), 2);
	free(expect(a, "clear crypto ipsec sa", (const char *const[]){ NULL }));
	assert_false(fp_gw_tunnel_offloaded(a, &a->tunnels[0]));
	assert_int_equal(cross(a, b, pkt_make(FP_IPPROTO_UDP, 1, 5, 1000, 2, 9, 2000)), -1);
	assert_int_equal(filtered(a), 3);
	gw_free(a);
	gw_free(b);
}

/* ASA inheritance: no tunnel-group or no vpn-filter in its group-policy =
 * DfltGrpPolicy's; "vpn-filter none" stops it. */
static void test_inheritance(void **state)
{
	(void)state;
	struct fp_gw *a = gw_from(site_a, "group-policy DfltGrpPolicy attributes\n"
				  " vpn-filter value VF\n"
				  "group-policy GP internal\n"
				  "tunnel-group 198.51.100.2 type ipsec-l2l\n"
				  "tunnel-group 198.51.100.2 general-attributes\n"
				  " default-group-policy GP\n");
	assert_non_null(a->tunnels[0].vpn_filter);
	assert_non_null(a->tunnels[1].vpn_filter);
	gw_free(a);
	a = gw_from(site_a, "group-policy DfltGrpPolicy attributes\n"
		    " vpn-filter value VF\n"
		    "group-policy GP internal\n"
		    "group-policy GP attributes\n"
		    " vpn-filter none\n"
		    "tunnel-group 198.51.100.3 type ipsec-l2l\n"
		    "tunnel-group 198.51.100.3 general-attributes\n"
		    " default-group-policy GP\n");
	assert_non_null(a->tunnels[0].vpn_filter);
	assert_null(a->tunnels[1].vpn_filter);
	assert_true(fp_gw_tunnel_offloaded(a, &a->tunnels[1]));
	gw_free(a);
}

static struct fp_config *load(const char *text, char *err, size_t n, int *rc)
{
	char path[] = "/tmp/test_vpn_filter_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct fp_config *c = fp_config_new();
	*rc = fp_config_load(c, path, err, n);
	unlink(path);
	return c;
}

static char *written(const struct fp_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	fp_config_write(c, out, true);
	fclose(out);
	return buf;
}

static void test_round_trip(void **state)
{
	(void)state;
	char err[512] = "", text[8192];
	int rc;
	snprintf(text, sizeof(text), "%s%s%s", site_a, filter,
		 "group-policy DfltGrpPolicy attributes\n vpn-filter none\n"
		 "tunnel-group 2001:db8::2 type ipsec-l2l\n");
	struct fp_config *c = load(text, err, sizeof(err), &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(fp_config_validate(c, err, sizeof(err)), 0);
	assert_int_equal(c->n_group_policies, 2);
	assert_int_equal(c->n_tunnel_groups, 2);
	assert_string_equal(c->group_policies[0].vpn_filter_acl, "VF");
	assert_string_equal(c->tunnel_groups[0].group_policy, "GP-SITE-B");
	char *one = written(c);
	static const char *const want[] = {
		"group-policy GP-SITE-B internal\ngroup-policy GP-SITE-B attributes\n"
		" vpn-filter value VF\n",
		"group-policy DfltGrpPolicy attributes\n vpn-filter none\n",
		"tunnel-group 198.51.100.2 type ipsec-l2l\ntunnel-group 198.51.100.2 "
		"general-attributes\n default-group-policy GP-SITE-B\n",
		"tunnel-group 2001:db8::2 type ipsec-l2l\n", NULL,
	};
	for (unsigned i = 0; want[i]; i++)
		if (!strstr(one, want[i]))
			fail_msg("missing '%s' in:\n%s", want[i], one);
	struct fp_config *d = load(one, err, sizeof(err), &rc);
	assert_int_equal(rc, 0);
	char *two = written(d);
	assert_string_equal(one, two);
	free(one);
	free(two);
	fp_config_free(c);
	fp_config_free(d);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *expect;
	} parse[] = {
		{ "group-policy G attributes\n", ":1: group-policy: group-policy G does not exist" },
		{ "group-policy G external\n", ":1: group-policy: expected 'internal' or "
		  "'attributes' after the group-policy name, got 'external'" },
		{ "group-policy G internal extra\n", ":1: group-policy: unexpected 'extra'" },
		{ "group-policy G internal\ngroup-policy G attributes\n vpn-filter value\n",
		  ":3: vpn-filter value: incomplete command; usage: vpn-filter value ACL" },
		{ "group-policy G internal\ngroup-policy G attributes\n vpn-filter VF\n",
		  ":3: vpn-filter: expected 'value' or 'none' after 'vpn-filter', got 'VF'" },
		{ " vpn-filter value VF\n", ":1: 'vpn-filter value' is a group-policy sub-command: "
		  "it must follow 'group-policy NAME attributes'" },
		{ "tunnel-group peer-b type ipsec-l2l\n", ":1: tunnel-group: expected the peer's "
		  "IPv4 or IPv6 address as the tunnel-group name, got 'peer-b'" },
		{ "tunnel-group 192.0.2.2 type remote-access\n", ":1: tunnel-group: a remote-access "
		  "tunnel-group is named by a word, not an address (192.0.2.2)" },
		{ "tunnel-group 192.0.2.2 type site\n", ":1: tunnel-group: expected "
		  "'ipsec-l2l' (site-to-site) or 'remote-access', got 'site'" },
		{ "tunnel-group 192.0.2.2 general-attributes\n", ":1: tunnel-group: tunnel-group "
		  "192.0.2.2 does not exist" },
		{ " default-group-policy G\n", ":1: 'default-group-policy' is a tunnel-group "
		  "sub-command: it must follow 'tunnel-group PEER general-attributes'" },
		{ "tunnel-group 192.0.2.2 type ipsec-l2l\ntunnel-group 192.0.2.2 general-attributes\n"
		  " default-group-policy\n", ":3: default-group-policy: incomplete command" },
	};
	char err[512];
	int rc;
	for (unsigned i = 0; i < sizeof(parse) / sizeof(parse[0]); i++) {
		err[0] = '\0';
		struct fp_config *c = load(parse[i].text, err, sizeof(err), &rc);
		if (rc == 0 || !strstr(err, parse[i].expect) || strncmp(err, "/tmp/", 5) != 0)
			fail_msg("case %u\n  got: %s\n  want: ...%s", i, rc ? err : "(accepted)",
				 parse[i].expect);
		fp_config_free(c);
	}
	static const struct {
		const char *extra, *expect;
	} valid[] = {
		{ "tunnel-group 198.51.100.2 type ipsec-l2l\n"
		  "tunnel-group 198.51.100.2 general-attributes\n default-group-policy NOPE\n",
		  ":27: tunnel-group 198.51.100.2: default-group-policy: group-policy NOPE "
		  "does not exist" },
		{ "group-policy G internal\ngroup-policy G attributes\n vpn-filter value NOPE\n",
		  ":27: group-policy G: vpn-filter: access-list NOPE does not exist" },
	};
	for (unsigned i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		char text[8192];
		snprintf(text, sizeof(text), "%s%s", site_a, valid[i].extra);
		err[0] = '\0';
		struct fp_config *c = load(text, err, sizeof(err), &rc);
		assert_int_equal(rc, 0);
		rc = fp_config_validate(c, err, sizeof(err));
		if (rc == 0 || !strstr(err, valid[i].expect))
			fail_msg("case %u\n  got: %s\n  want: %s", i, rc ? err : "(valid)",
				 valid[i].expect);
		fp_config_free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_offloaded),
		cmocka_unit_test(test_filter_traffic),
		cmocka_unit_test(test_filter_reoffload),
		cmocka_unit_test(test_inheritance),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
