/* show running-config / write memory: written with keys, a configuration
 * parses back to the same struct; written without, no key byte appears.
 * The example site-to-site configurations load, validate and mirror each
 * other's keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

/* Relative to this file's folder (tests/unit). */
#define EXAMPLES "../../examples/"

static const char *const configs[] = {
	EXAMPLES "site-a.conf",
	EXAMPLES "site-b.conf",
	EXAMPLES "site-a-ipv6.conf",
	EXAMPLES "site-b-ipv6.conf",
	"../fuzz/corpus/fuzz_config/valid-everything.conf",
	"../fuzz/corpus/fuzz_config/valid-mtu-fragmentation.conf",
	"../fuzz/corpus/fuzz_config/valid-mtu-ipv6-jumbo.conf",
};
#define N_CONFIGS (sizeof(configs) / sizeof(configs[0]))

static struct fp_config *load_path(const char *rel)
{
	struct fp_config *c = fp_config_new();
	const char *slash = strrchr(__FILE__, '/');
	char path[1024], err[1024];
	snprintf(path, sizeof(path), "%.*s/%s", slash ? (int)(slash - __FILE__) : 1,
		 slash ? __FILE__ : ".", rel);
	if (fp_config_load(c, path, err, sizeof(err)) < 0 ||
	    fp_config_validate(c, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	return c;
}

static char *write_text(const struct fp_config *c, bool with_keys)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	fp_config_write(c, f, with_keys);
	fclose(f);
	return buf;
}

static struct fp_config *parse_text(const char *text)
{
	struct fp_config *c = fp_config_new();
	char *copy = strdup(text), *save = NULL, err[1024];
	unsigned lineno = 0;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (fp_config_parse_line(c, l, "written", ++lineno, err, sizeof(err)) < 0)
			fail_msg("%s\nin:\n%s", err, text);
	free(copy);
	return c;
}

/* Equal but for source line numbers and the parser's sub-mode state. */
static void assert_config_equal(const struct fp_config *a, const struct fp_config *b)
{
	assert_string_equal(a->hostname, b->hostname);
	assert_int_equal(a->n_ifaces, b->n_ifaces);
	assert_memory_equal(a->ifaces, b->ifaces, a->n_ifaces * sizeof(a->ifaces[0]));
	assert_int_equal(a->n_acls, b->n_acls);
	for (unsigned i = 0; i < a->n_acls; i++) {
		const struct fp_cfg_acl *x = &a->acls[i], *y = &b->acls[i];
		assert_string_equal(x->name, y->name);
		assert_int_equal(x->n_aces, y->n_aces);
		for (unsigned k = 0; k < x->n_aces; k++) {
			struct fp_cfg_ace p = x->aces[k], q = y->aces[k];
			p.line = q.line = 0;
			assert_memory_equal(&p, &q, sizeof(p));
		}
	}
	assert_int_equal(a->n_proposals, b->n_proposals);
	for (unsigned i = 0; i < a->n_proposals; i++) {
		struct fp_cfg_proposal p = a->proposals[i], q = b->proposals[i];
		p.line = q.line = 0;
		assert_memory_equal(&p, &q, sizeof(p));
	}
	assert_int_equal(a->n_entries, b->n_entries);
	for (unsigned i = 0; i < a->n_entries; i++) {
		struct fp_cfg_map_entry p = a->entries[i], q = b->entries[i];
		p.line = q.line = 0;
		assert_memory_equal(&p, &q, sizeof(p));
	}
	assert_int_equal(a->n_bindings, b->n_bindings);
	for (unsigned i = 0; i < a->n_bindings; i++) {
		struct fp_cfg_map_binding p = a->bindings[i], q = b->bindings[i];
		p.line = q.line = 0;
		assert_memory_equal(&p, &q, sizeof(p));
	}
	assert_int_equal(a->n_mtus, b->n_mtus);
	for (unsigned i = 0; i < a->n_mtus; i++) {
		struct fp_cfg_mtu p = a->mtus[i], q = b->mtus[i];
		p.line = q.line = 0;
		assert_memory_equal(&p, &q, sizeof(p));
	}
	for (unsigned i = 0; i < a->n_ifaces; i++) /* before-encryption is not written */
		assert_int_equal(fp_config_post_frag(a, a->ifaces[i].nameif),
				 fp_config_post_frag(b, a->ifaces[i].nameif));
	assert_int_equal(a->replay_window, b->replay_window);
	assert_int_equal(a->replay_disabled, b->replay_disabled);
	assert_int_equal(a->offload_ipsec, b->offload_ipsec);
	assert_int_equal(a->offload_ipsec_egress, b->offload_ipsec_egress);
}

static void test_roundtrip(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CONFIGS; i++) {
		struct fp_config *c = load_path(configs[i]);
		char *saved = write_text(c, true);
		struct fp_config *back = parse_text(saved);
		char err[512];
		assert_config_equal(c, back);
		assert_int_equal(fp_config_validate(back, err, sizeof(err)), 0);
		char *again = write_text(back, true);
		assert_string_equal(saved, again);
		free(again);
		free(saved);
		fp_config_free(back);
		fp_config_free(c);
	}
}

static void hex(const uint8_t *b, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* No key, nor its first 8 bytes, in show's output. */
static void assert_no_key(const char *shown, const struct fp_cfg_session_key *k)
{
	char h[2 * 64 + 1];
	if (k->cipher_key_len >= 8) {
		hex(k->cipher_key, 8, h);
		assert_null(strstr(shown, h));
	}
	if (k->auth_key_len >= 8) {
		hex(k->auth_key, 8, h);
		assert_null(strstr(shown, h));
	}
}

static void test_show_hides_keys(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CONFIGS; i++) {
		struct fp_config *c = load_path(configs[i]);
		char *shown = write_text(c, false);
		assert_non_null(strstr(shown, " *****\n"));
		for (unsigned e = 0; e < c->n_entries; e++) {
			for (unsigned k = 0; k < c->entries[e].n_in; k++)
				assert_no_key(shown, &c->entries[e].in[k]);
			for (unsigned k = 0; k < c->entries[e].n_out; k++)
				assert_no_key(shown, &c->entries[e].out[k]);
		}
		free(shown);
		fp_config_free(c);
	}
}

/* Each of the n strings occurs in shown, in this order. */
static void assert_in_order(const char *shown, const char *const *order, size_t n)
{
	const char *at = shown;
	for (size_t i = 0; i < n; i++) {
		const char *next = strstr(at, order[i]);
		if (!next)
			fail_msg("missing or out of order: %s\nin:\n%s", order[i], shown);
		at = next;
	}
}

static void test_write_order(void **state)
{
	(void)state;
	struct fp_config *c = load_path(EXAMPLES "site-a.conf");
	char *shown = write_text(c, false);
	const char *const order[] = {
		"hostname site-a\n!\n", "interface eth0\n nameif outside\n", "!\ninterface eth1\n",
		("access-list OUTSIDE_CRYPTOMAP_10 extended permit ip 10.1.0.0 255.255.255.0 "
		 "10.2.0.0 255.255.255.0\n"),
		"crypto ipsec ikev2 ipsec-proposal GCM256\n protocol esp encryption aes-gcm-256\n",
		"crypto map outside_map 10 match address OUTSIDE_CRYPTOMAP_10\n",
		"crypto map outside_map 10 set session-key inbound esp 8193 cipher *****\n",
		"crypto map outside_map interface outside\n",
		"flow-offload-ipsec\nflow-offload-ipsec egress-optimization\n",
	};
	assert_in_order(shown, order, sizeof(order) / sizeof(order[0]));
	assert_null(strstr(shown, "mtu "));
	assert_null(strstr(shown, "fragmentation"));
	free(shown);
	fp_config_free(c);
}

/* mtu lines follow the interfaces, one per nameif with its last value;
 * only after-encryption is written (before is the default), with the
 * global IPsec settings, before the flow-offload switches. */
static void test_write_mtu_fragmentation(void **state)
{
	(void)state;
	struct fp_config *c = load_path("../fuzz/corpus/fuzz_config/valid-mtu-ipv6-jumbo.conf");
	char *shown = write_text(c, false);
	const char *const order[] = {
		("interface eth1\n nameif inside\n ipv6 address 2001:db8:2::1/64\n!\n"
		 "mtu outside 1400\nmtu inside 9198\naccess-list VPN6 "),
		"crypto map outside_map interface outside\n",
		"crypto ipsec fragmentation after-encryption inside\nflow-offload-ipsec\n",
	};
	assert_in_order(shown, order, sizeof(order) / sizeof(order[0]));
	assert_null(strstr(shown, "before-encryption"));
	assert_null(strstr(shown, "after-encryption outside"));
	assert_int_equal(fp_config_mtu(c, "outside"), 1400);
	assert_false(fp_config_post_frag(c, "outside"));
	assert_true(fp_config_post_frag(c, "inside"));
	free(shown);
	fp_config_free(c);
}

static void assert_key_equal(const struct fp_cfg_session_key *x,
			     const struct fp_cfg_session_key *y)
{
	assert_int_equal(x->spi, y->spi);
	assert_memory_equal(x, y, sizeof(*x));
}

/* Site A's outbound SA is site B's inbound one and back; the selectors
 * and peers mirror too. */
static void check_mirrored(const char *a_path, const char *b_path)
{
	struct fp_config *a = load_path(a_path), *b = load_path(b_path);
	const struct fp_cfg_map_entry *ea = &a->entries[0], *eb = &b->entries[0];
	assert_int_equal(ea->n_in + ea->n_out + eb->n_in + eb->n_out, 4);
	assert_key_equal(&ea->out[0], &eb->in[0]);
	assert_key_equal(&ea->in[0], &eb->out[0]);
	assert_true(ea->in[0].spi != ea->out[0].spi);
	const struct fp_cfg_ace *xa = &fp_config_acl(a, ea->acl)->aces[0];
	const struct fp_cfg_ace *xb = &fp_config_acl(b, eb->acl)->aces[0];
	assert_memory_equal(&xa->src, &xb->dst, sizeof(xa->src));
	assert_memory_equal(&xa->dst, &xb->src, sizeof(xa->dst));
	const struct fp_cfg_iface *oa = fp_config_map_iface(a, ea->map);
	const struct fp_cfg_iface *ob = fp_config_map_iface(b, eb->map);
	const struct fp_prefix *pa = ea->peer.af == FP_AF_INET ? &ob->ip4 : &ob->ip6;
	const struct fp_prefix *pb = eb->peer.af == FP_AF_INET ? &oa->ip4 : &oa->ip6;
	assert_true(fp_addr_eq(&ea->peer, &pa->addr));
	assert_true(fp_addr_eq(&eb->peer, &pb->addr));
	assert_true(a->offload_ipsec && b->offload_ipsec);
	fp_config_free(a);
	fp_config_free(b);
}

static void test_examples_mirrored(void **state)
{
	(void)state;
	check_mirrored(EXAMPLES "site-a.conf", EXAMPLES "site-b.conf");
	check_mirrored(EXAMPLES "site-a-ipv6.conf", EXAMPLES "site-b-ipv6.conf");
	struct fp_config *a = load_path(EXAMPLES "site-a.conf");
	const struct fp_cfg_proposal *pr = fp_config_proposal(a, a->entries[0].proposal);
	assert_int_equal(pr->enc[0], FP_CIPHER_AES_GCM_256);
	assert_int_equal(a->entries[0].in[0].cipher_key_len, 36);
	fp_config_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_show_hides_keys),
		cmocka_unit_test(test_write_order),
		cmocka_unit_test(test_write_mtu_fragmentation),
		cmocka_unit_test(test_examples_mirrored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
