/* Route-based tunnels and one tunnel per permit ACE: the configuration
 * lines (crypto ipsec profile, interface TunnelN, route) parse, are
 * written back as typed and parse again to the same; what is missing is
 * refused naming the line; a route into a Tunnel interface picks its
 * tunnel (longest prefix first, before any crypto map), and an IKEv2
 * crypto map entry becomes one tunnel per permit ACE, each carrying only
 * its own ACE's packets, while manual keys keep one pair for them all;
 * what IKE is told (fp_ike_gw_cfg): 0.0.0.0/0 for a VTI, one selector
 * pair per ACE on one peer; show crypto ipsec sa names the interface;
 * configure terminal changes what the next negotiation uses; the examples
 * load. */
#include "gw_fixture.h"

#include <openssl/crypto.h>

#include "cli/session.h"
#include "datapath/child.h"
#include "datapath/ike_gw.h"
#include "datapath/policy.h"

#define IKE_BASE                                                                   \
	"hostname site-a\n"                                                        \
	"interface eth0\n nameif outside\n ip address 198.51.100.1 255.255.255.0\n!\n" \
	"interface eth1\n nameif inside\n ip address 10.1.0.1 255.255.255.0\n!\n"  \
	"crypto ipsec ikev2 ipsec-proposal GCM\n protocol esp encryption aes-gcm-256\n" \
	"crypto ikev2 policy 10\n encryption aes-gcm-256\n integrity null\n group 19\n" \
	"crypto ikev2 enable outside\n"                                            \
	"tunnel-group 198.51.100.2 type ipsec-l2l\n"                               \
	"tunnel-group 198.51.100.2 ipsec-attributes\n"                             \
	" ikev2 remote-authentication pre-shared-key vti-test-key\n"               \
	" ikev2 local-authentication pre-shared-key vti-test-key\n"

static const char vti_conf[] = IKE_BASE
	"crypto ipsec profile PROF\n"
	" set ikev2 ipsec-proposal GCM\n"
	" set pfs group19\n"
	" set security-association lifetime seconds 3600\n"
	" set security-association lifetime kilobytes 102400\n"
	"interface Tunnel1\n"
	" nameif vti\n"
	" ip address 169.254.0.1 255.255.255.252\n"
	" tunnel source interface outside\n"
	" tunnel destination 198.51.100.2\n"
	" tunnel mode ipsec ipv4\n"
	" tunnel protection ipsec profile PROF\n"
	"!\n"
	"route vti 10.2.0.0 255.255.0.0 169.254.0.2 1\n"
	"route vti 10.9.0.0 255.255.255.0\n";

/* The configuration as show running-config writes it (caller frees). */
static char *written(const struct fp_config *c, bool keys)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fp_config_write(c, f, keys);
	fclose(f);
	return buf;
}

static struct fp_config *parse_text(const char *text, char *err, size_t errlen)
{
	struct fp_config *c = fp_config_new();
	char *copy = strdup(text), *save = NULL;
	unsigned lineno = 0;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (fp_config_parse_line(c, l, "t", ++lineno, err, errlen) < 0) {
			fp_config_free(c);
			c = NULL;
			break;
		}
	free(copy);
	if (c && fp_config_validate(c, err, errlen) < 0) {
		fp_config_free(c);
		c = NULL;
	}
	return c;
}

static void test_vti_config_roundtrip(void **state)
{
	(void)state;
	char err[512] = "";
	struct fp_config *c = parse_text(vti_conf, err, sizeof(err));
	if (!c)
		fprintf(stderr, "%s\n", err);
	assert_non_null(c);
	assert_int_equal(c->n_vtis, 1);
	assert_int_equal(c->n_ifaces, 2); /* a Tunnel interface is no device */
	assert_int_equal(c->profiles[0].set.pfs_group, 19);
	assert_int_equal(c->routes[0].metric, 1);
	char *w = written(c, false);
	static const char *const want[] = {
		"crypto ipsec profile PROF\n set ikev2 ipsec-proposal GCM\n set pfs group19\n"
		" set security-association lifetime seconds 3600\n"
		" set security-association lifetime kilobytes 102400\n",
		"interface Tunnel1\n nameif vti\n ip address 169.254.0.1 255.255.255.252\n"
		" tunnel source interface outside\n tunnel destination 198.51.100.2\n"
		" tunnel mode ipsec ipv4\n tunnel protection ipsec profile PROF\n!\n",
		"route vti 10.2.0.0 255.255.0.0 169.254.0.2 1\n",
		"route vti 10.9.0.0 255.255.255.0\n",
		NULL,
	};
	for (unsigned i = 0; want[i]; i++) {
		if (!strstr(w, want[i]))
			fprintf(stderr, "missing:\n%s\nin:\n%s", want[i], w);
		assert_non_null(strstr(w, want[i]));
	}
	struct fp_config *again = parse_text(w, err, sizeof(err)); /* masked keys parse too */
	assert_non_null(again);
	char *w2 = written(again, false);
	assert_string_equal(w, w2);
	free(w);
	free(w2);
	fp_config_free(again);
	fp_config_free(c);
}

/* Each refusal names the line of what is wrong. */
static void test_vti_config_refused(void **state)
{
	(void)state;
	static const struct {
		const char *extra, *msg;
	} bad[] = {
		{"interface Tunnel2\n nameif t2\n", "needs 'nameif', 'tunnel source interface'"},
		{"interface Tunnel2\n nameif t2\n tunnel source interface nowhere\n"
		 " tunnel destination 198.51.100.9\n tunnel mode ipsec ipv4\n"
		 " tunnel protection ipsec profile PROF\n", "no interface has 'nameif nowhere'"},
		{"interface Tunnel2\n nameif t2\n tunnel source interface outside\n"
		 " tunnel destination 198.51.100.9\n tunnel mode ipsec ipv4\n"
		 " tunnel protection ipsec profile NOPE\n", "ipsec profile NOPE does not exist"},
		{"interface Tunnel2\n nameif t2\n tunnel source interface outside\n"
		 " tunnel destination 198.51.100.9\n tunnel mode ipsec ipv4\n"
		 " tunnel protection ipsec profile PROF\n", "tunnel-group 198.51.100.9 needs"},
		{"route nowhere 10.3.0.0 255.255.0.0\n", ":36: route nowhere: no interface"},
		{"route vti 10.3.0.1 255.255.0.0\n", "host bits set"},
		{"interface Tunnel2\n tunnel mode ipsec ipv6\n", "only 'tunnel mode ipsec ipv4'"},
		{"interface Tunnel2\n nameif inside\n", "'inside' already names interface eth1"},
		{"crypto ipsec profile P2\n set ikev2 ipsec-proposal NOPE\n",
		 "ipsec-proposal NOPE does not exist"},
		{"tunnel destination 198.51.100.9\n", "must follow 'interface TunnelN'"},
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[4096], err[512] = "";
		snprintf(text, sizeof(text), "%s%s", vti_conf, bad[i].extra);
		struct fp_config *c = parse_text(text, err, sizeof(err));
		if (c || !strstr(err, bad[i].msg))
			fprintf(stderr, "case %u: got '%s', want '%s'\n", i, err, bad[i].msg);
		assert_null(c);
		assert_non_null(strstr(err, bad[i].msg));
	}
}

/* An IPv4 packet to dst (a.b.c.d as one number) from 10.1.0.5. */
static uint32_t pkt_to(uint8_t *h, uint32_t dst)
{
	memset(h, 0, 40);
	h[0] = 0x45, h[8] = 64, h[9] = FP_IPPROTO_UDP;
	fp_put16(h + 2, 40);
	h[12] = 10, h[13] = 1, h[15] = 5;
	fp_put32(h + 16, dst);
	return 40;
}

/* A negotiated child for tunnel idx, as IKE would hand it over. */
static void vti_child(struct fp_gw *gw, unsigned idx, uint32_t spi_out)
{
	struct fp_child_sa c;
	uint32_t h;
	char err[160];
	memset(&c, 0, sizeof(c));
	assert_int_equal(fp_child_spi_alloc(gw, &c.cs_spi_in), 0);
	c.cs_spi_out = spi_out;
	c.cs_tunnel = (uint16_t)idx;
	c.cs_key_in.cipher = c.cs_key_out.cipher = FP_CIPHER_AES_GCM_256;
	c.cs_key_in.ckey_len = c.cs_key_out.ckey_len = 36;
	memset(c.cs_key_in.ckey, 0x11, 36);
	memset(c.cs_key_out.ckey, 0x22, 36);
	fp_gw_tunnel_selector(&gw->tunnels[idx], &c.cs_sel);
	assert_int_equal(fp_child_add(gw, &c, &h, err, sizeof(err)), 0);
	gw->tunnels[idx].child = h;
}

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static void test_vti_route_lookup(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(vti_conf,
				   "tunnel-group 198.51.100.3 type ipsec-l2l\n"
				   "tunnel-group 198.51.100.3 ipsec-attributes\n"
				   " ikev2 remote-authentication pre-shared-key k2\n"
				   " ikev2 local-authentication pre-shared-key k2\n"
				   "interface Tunnel7\n nameif vti7\n tunnel source interface outside\n"
				   " tunnel destination 198.51.100.3\n tunnel mode ipsec ipv4\n"
				   " tunnel protection ipsec profile PROF\n"
				   "route vti7 10.2.5.0 255.255.255.0\n"
				   "access-list VPN extended permit ip 10.1.0.0 255.255.255.0 10.3.0.0 255.255.255.0\n"
				   "crypto map CM 10 match address VPN\n"
				   "crypto map CM 10 set peer 198.51.100.2\n"
				   "crypto map CM 10 set ikev2 ipsec-proposal GCM\n"
				   "crypto map CM interface outside\n");
	uint8_t h[40];
	assert_int_equal(gw->n_tunnels, 3); /* the crypto map's, then Tunnel1's and Tunnel7's */
	struct fp_gw_tunnel *t1 = &gw->tunnels[1], *t7 = &gw->tunnels[2];
	assert_ptr_equal(t1->vti, &gw->cfg->vtis[0]);
	assert_string_equal(t1->entry->map, "__vti-crypto-map-Tunnel1-0-1");
	assert_int_equal(t1->entry->seq, 65280);
	assert_true(t1->ikev2 && t1->iface->outside);
	assert_ptr_equal(fp_policy_lookup(gw, h, pkt_to(h, IP4(10, 2, 0, 9))), t1);
	assert_ptr_equal(fp_policy_lookup(gw, h, pkt_to(h, IP4(10, 2, 5, 9))), t7); /* longest */
	assert_ptr_equal(fp_policy_lookup(gw, h, pkt_to(h, IP4(10, 9, 0, 1))), t1);
	assert_ptr_equal(fp_policy_lookup(gw, h, pkt_to(h, IP4(10, 3, 0, 1))), &gw->tunnels[0]);
	assert_null(fp_policy_lookup(gw, h, pkt_to(h, IP4(10, 4, 0, 1))));
	/* decrypted VTI traffic is not "expected encrypted" cleartext from outside */
	assert_false(fp_policy_expects_encrypted(gw, h, pkt_to(h, IP4(10, 2, 0, 9))));
	struct fp_selector sel;
	fp_gw_tunnel_selector(t1, &sel);
	assert_int_equal(sel.local.addr.af, FP_AF_INET);
	assert_int_equal(sel.local.len, 0);
	assert_int_equal(sel.remote.len, 0);
	/* with their SAs in, the route sends the packet out ESP on Tunnel7's */
	vti_child(gw, 1, 0x7001);
	vti_child(gw, 2, 0x7007);
	struct fp_pkt *p = inner_make(), *got[4] = {NULL};
	p->data[18] = 5; /* 10.2.5.9 */
	fp_ipv4_csum_set(p->data);
	fp_gw_input(gw, (uint16_t)fp_gw_iface_find(gw, "inside"), &p, 1, collect, got);
	assert_non_null(got[0]);
	assert_int_equal(got[0]->ifc, fp_gw_iface_find(gw, "outside"));
	assert_int_equal(got[0]->data[9], 50); /* ESP */
	assert_int_equal(fp_get32(got[0]->data + 20), 0x7007);
	free(p);
	static const char *const want[] = {
		"interface: vti\n",
		"    Crypto map tag: __vti-crypto-map-Tunnel1-0-1, seq num: 65280, local addr: 198.51.100.1",
		"interface: vti7\n",
		"local ident (addr/mask/prot/port): (0.0.0.0/0.0.0.0/0/0)",
		NULL,
	};
	int rc;
	char *out = run(gw, "show crypto ipsec sa", &rc);
	assert_int_equal(rc, 0);
	for (unsigned i = 0; want[i]; i++)
		if (!strstr(out, want[i]))
			fail_msg("show crypto ipsec sa lacks '%s' in:\n%s", want[i], out);
	free(out);
	gw_free(gw);
}

#define TWO_ACES                                                                          \
	"access-list VPN extended permit ip 10.1.0.0 255.255.255.0 10.2.0.0 255.255.255.0\n" \
	"access-list VPN extended deny ip host 10.11.0.7 10.12.0.0 255.255.255.0\n"          \
	"access-list VPN extended permit ip 10.11.0.0 255.255.255.0 10.12.0.0 255.255.255.0\n" \
	"crypto map CM 10 match address VPN\n"                                              \
	"crypto map CM 10 set peer 198.51.100.2\n"                                          \
	"crypto map CM 10 set ikev2 ipsec-proposal GCM\n"                                   \
	"crypto map CM interface outside\n"

static void test_one_tunnel_per_ace(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(IKE_BASE, TWO_ACES);
	uint8_t h[40];
	assert_int_equal(gw->n_tunnels, 2);
	assert_int_equal(gw->tunnels[0].ace, 0);
	assert_int_equal(gw->tunnels[1].ace, 2);
	assert_ptr_equal(fp_policy_lookup(gw, h, pkt_to(h, IP4(10, 2, 0, 9))), &gw->tunnels[0]);
	pkt_to(h, IP4(10, 12, 0, 9));
	h[13] = 11;
	assert_ptr_equal(fp_policy_lookup(gw, h, 40), &gw->tunnels[1]);
	h[15] = 7; /* the deny ACE before it */
	assert_null(fp_policy_lookup(gw, h, 40));
	h[13] = 1, h[15] = 5; /* 10.1.0.5 -> 10.12.0.9: neither ACE */
	assert_null(fp_policy_lookup(gw, h, 40));

	/* IKE gets one peer with a selector pair per ACE */
	struct fp_ike_cfg cfg;
	struct fp_ike_peer *peers = calloc(FP_IKE_MAX_PEERS, sizeof(*peers));
	char err[256];
	assert_int_equal(fp_ike_gw_cfg(gw, &cfg, peers, err, sizeof(err)), 0);
	assert_int_equal(cfg.n_peers, 1);
	assert_int_equal(peers[0].n_tunnels, 2);
	assert_int_equal(peers[0].tunnels[0].tunnel, 0);
	assert_int_equal(peers[0].tunnels[1].tunnel, 1);
	assert_int_equal(peers[0].tunnels[1].sel.local.addr.a[1], 11);
	assert_int_equal(peers[0].tunnels[1].sel.remote.addr.a[1], 12);
	OPENSSL_cleanse(peers, FP_IKE_MAX_PEERS * sizeof(*peers));
	free(peers);
	gw_free(gw);
}

/* Manual keys: one SA pair, every permit ACE's traffic on it. */
static void test_manual_keys_one_pair(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(site_a_mirror,
				   "access-list VPN extended permit ip 10.11.0.0 255.255.255.0 10.12.0.0 255.255.255.0\n");
	uint8_t h[40];
	assert_int_equal(gw->n_tunnels, 1);
	pkt_to(h, IP4(10, 12, 0, 9));
	h[13] = 11;
	assert_ptr_equal(fp_policy_lookup(gw, h, 40), &gw->tunnels[0]);
	gw_free(gw);
}

/* A VTI's peer in IKE: 0.0.0.0/0 both ways, the profile's settings. */
static void test_vti_ike_cfg(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(vti_conf, "");
	struct fp_ike_cfg cfg;
	struct fp_ike_peer *peers = calloc(FP_IKE_MAX_PEERS, sizeof(*peers));
	char err[256];
	assert_int_equal(fp_ike_gw_cfg(gw, &cfg, peers, err, sizeof(err)), 0);
	assert_int_equal(cfg.n_peers, 1);
	const struct fp_ike_tunnel *it = &peers[0].tunnels[0];
	assert_int_equal(peers[0].n_tunnels, 1);
	assert_int_equal(it->sel.local.addr.af, FP_AF_INET);
	assert_int_equal(it->sel.local.len + it->sel.remote.len, 0);
	assert_int_equal(it->pfs_group, 19);
	assert_int_equal(it->life_s, 3600);
	assert_int_equal(it->life_kb, 102400);
	assert_int_equal(it->n_esp, 1);
	assert_true(it->initiate && it->respond);
	OPENSSL_cleanse(peers, FP_IKE_MAX_PEERS * sizeof(*peers));
	free(peers);
	gw_free(gw);
}

/* examples/site-{a,b}-vti.conf load, validate, build a gateway with one
 * VTI tunnel each and route each other's network into it. */
static void test_vti_examples(void **state)
{
	(void)state;
	static const char *const files[] = {"site-a-vti.conf", "site-b-vti.conf"};
	for (unsigned i = 0; i < 2; i++) {
		char path[512], err[512] = "";
		snprintf(path, sizeof(path), "%s/../../examples/%s", FP_TEST_VECTORS, files[i]);
		struct fp_config *c = fp_config_new();
		if (fp_config_load(c, path, err, sizeof(err)) < 0 || fp_config_validate(c, err, sizeof(err)) < 0)
			fail_msg("%s", err);
		struct fp_gw *gw = calloc(1, sizeof(*gw));
		if (fp_gw_init(gw, c, err, sizeof(err)) < 0)
			fail_msg("%s", err);
		uint8_t h[40];
		assert_int_equal(gw->n_tunnels, 1);
		assert_non_null(gw->tunnels[0].vti);
		assert_ptr_equal(fp_policy_lookup(gw, h, pkt_to(h, i ? IP4(10, 1, 0, 9) : IP4(10, 2, 0, 9))),
				 &gw->tunnels[0]);
		gw_free(gw);
	}
}

/* One line in session s: its return code, the output checked for want. */
static void sess(struct fp_session *s, struct fp_gw *gw, const char *line, int rc, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int r = fp_session_exec(s, gw, line, out);
	fclose(out);
	if (r != rc || (want && !strstr(buf, want)))
		fail_msg("'%s': rc %d (wanted %d), output '%s' (wanted '%s')", line, r, rc, buf,
			 want ? want : "");
	free(buf);
}

/* configure terminal changes what the next negotiation uses: the
 * profile's settings in its sub-mode (the Tunnel interface's entry
 * follows), a tunnel-group's keys, an IKEv2 crypto map entry's PFS, a
 * route into the Tunnel interface (the next packet takes it); the Tunnel
 * interface itself and new profiles need a restart. */
static void test_vti_configure_terminal(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(vti_conf, TWO_ACES);
	struct fp_session s;
	char prompt[128];
	memset(&s, 0, sizeof(s));
	sess(&s, gw, "configure terminal", 0, NULL);
	sess(&s, gw, "crypto ipsec profile PROF", 0, NULL);
	assert_string_equal(fp_session_prompt(&s, gw, prompt, sizeof(prompt)),
			    "site-a(config-ipsec-profile)# ");
	sess(&s, gw, "set pfs group14", 0, NULL);
	sess(&s, gw, "set security-association lifetime seconds 7200", 0, NULL);
	assert_int_equal(gw->cfg->profiles[0].set.pfs_group, 14);
	unsigned vti = gw->n_tunnels - 1;
	assert_non_null(gw->tunnels[vti].vti);
	assert_int_equal(gw->tunnels[vti].entry->pfs_group, 14);
	assert_int_equal(gw->tunnels[vti].entry->life_seconds, 7200);
	sess(&s, gw, "exit", 0, NULL);
	assert_string_equal(fp_session_prompt(&s, gw, prompt, sizeof(prompt)), "site-a(config)# ");
	sess(&s, gw, "crypto map CM 10 set pfs group20", 0, NULL);
	assert_int_equal(gw->tunnels[0].entry->pfs_group, 20);
	sess(&s, gw, "tunnel-group 198.51.100.2 ipsec-attributes", 0, NULL);
	sess(&s, gw, "ikev2 local-authentication pre-shared-key new-key-1", 0, NULL);
	assert_string_equal(gw->cfg->tunnel_groups[0].psk_local, "new-key-1");
	sess(&s, gw, "hostname site-x", 0, NULL); /* a top-level line ends the sub-mode */
	assert_string_equal(fp_session_prompt(&s, gw, prompt, sizeof(prompt)), "site-x(config)# ");
	sess(&s, gw, "interface Tunnel1", -1, "cannot be changed while fpvpnd runs");
	sess(&s, gw, "crypto ipsec profile OTHER", -1, "cannot be changed while fpvpnd runs");
	uint8_t h[40];
	assert_null(fp_policy_lookup(gw, h, pkt_to(h, IP4(10, 5, 0, 9))));
	sess(&s, gw, "route vti 10.5.0.0 255.255.0.0", 0, NULL); /* from the next packet */
	assert_ptr_equal(fp_policy_lookup(gw, h, pkt_to(h, IP4(10, 5, 0, 9))), &gw->tunnels[vti]);
	assert_ptr_equal(gw->routes, &gw->route_tab[1]);
	sess(&s, gw, "route vti 10.5.5.0 255.255.255.0", 0, NULL);
	assert_ptr_equal(gw->routes, &gw->route_tab[0]);
	assert_int_equal(gw->routes->n, 4);
	sess(&s, gw, "route nowhere 10.6.0.0 255.255.0.0", -1, "no interface has 'nameif nowhere'");
	sess(&s, gw, "crypto map CM 10 set peer 198.51.100.9", -1, "cannot be changed");
	sess(&s, gw, "end", 0, NULL);
	assert_string_equal(fp_session_prompt(&s, gw, prompt, sizeof(prompt)), "site-x# ");
	gw_free(gw);
}

/* The IKEv2 policies and the IPsec proposals change live too, in their
 * sub-modes (the next negotiation offers them), a new proposal included;
 * a proposal a manual-key entry uses does not (its SAs were keyed with it). */
static void test_policy_proposal_live(void **state)
{
	(void)state;
	struct fp_gw *gw = gw_from(IKE_BASE, TWO_ACES);
	struct fp_session s;
	char prompt[128];
	memset(&s, 0, sizeof(s));
	sess(&s, gw, "configure terminal", 0, NULL);
	sess(&s, gw, "crypto ikev2 policy 20", 0, NULL);
	assert_string_equal(fp_session_prompt(&s, gw, prompt, sizeof(prompt)),
			    "site-a(config-ikev2-policy)# ");
	sess(&s, gw, "encryption aes-256", 0, NULL);
	sess(&s, gw, "integrity sha384", 0, NULL);
	sess(&s, gw, "group 20", 0, NULL);
	assert_int_equal(gw->cfg->n_ikev2_policies, 2);
	sess(&s, gw, "exit", 0, NULL);
	sess(&s, gw, "crypto ipsec ikev2 ipsec-proposal GCM", 0, NULL);
	assert_string_equal(fp_session_prompt(&s, gw, prompt, sizeof(prompt)),
			    "site-a(config-ipsec-proposal)# ");
	sess(&s, gw, "protocol esp integrity null sha-256", 0, NULL); /* before CBC needs it */
	sess(&s, gw, "protocol esp encryption aes-gcm-256 aes-256", 0, NULL);
	assert_int_equal(fp_config_proposal(gw->cfg, "GCM")->n_enc, 2);
	assert_int_equal(gw->tunnels[0].proposal->n_enc, 2);
	sess(&s, gw, "crypto ipsec ikev2 ipsec-proposal CBC", 0, NULL);
	sess(&s, gw, "protocol esp integrity sha-512", 0, NULL);
	sess(&s, gw, "protocol esp encryption aes-256", 0, NULL);
	assert_non_null(fp_config_proposal(gw->cfg, "CBC"));
	sess(&s, gw, "end", 0, NULL);
	gw_free(gw);
	/* manual keys: site B's entry is keyed with GCM */
	gw = gw_from(site_b, "");
	memset(&s, 0, sizeof(s));
	sess(&s, gw, "configure terminal", 0, NULL);
	sess(&s, gw, "crypto ipsec ikev2 ipsec-proposal GCM", 0, NULL);
	sess(&s, gw, "protocol esp encryption aes-256", -1, "cannot be changed while fpvpnd runs");
	sess(&s, gw, "end", 0, NULL);
	gw_free(gw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vti_config_roundtrip),
		cmocka_unit_test(test_vti_config_refused),
		cmocka_unit_test(test_vti_route_lookup),
		cmocka_unit_test(test_one_tunnel_per_ace),
		cmocka_unit_test(test_manual_keys_one_pair),
		cmocka_unit_test(test_vti_ike_cfg),
		cmocka_unit_test(test_vti_configure_terminal),
		cmocka_unit_test(test_policy_proposal_live),
		cmocka_unit_test(test_vti_examples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
