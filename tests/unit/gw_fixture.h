/* What the gateway-level tests share: a gateway loaded from configuration
 * text the way fpvpnd loads a file, commands run into a string, and
 * packets pushed from site A's inside through the tunnel to site B. */
#ifndef FP_TEST_GW_FIXTURE_H
#define FP_TEST_GW_FIXTURE_H

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

#define K36 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
#define K36B "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3"
#define K32 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define K20 "0102030405060708090a0b0c0d0e0f1011121314"

/* Site B mirrors site A's crypto map entry 10:
 *   10.1.0.0/24 -- [A] 198.51.100.1 ====ESP==== 198.51.100.2 [B] -- 10.2.0.0/24 */
static const char __attribute__((unused)) site_b[] =
	"hostname site-b\n"
	"interface eth0\n nameif outside\n ip address 198.51.100.2 255.255.255.0\n!\n"
	"interface eth1\n nameif inside\n ip address 10.2.0.1 255.255.255.0\n!\n"
	"access-list VPN extended permit ip 10.2.0.0 255.255.255.0 10.1.0.0 255.255.255.0\n"
	"crypto ipsec ikev2 ipsec-proposal GCM\n protocol esp encryption aes-gcm-256\n"
	"crypto map CM 10 match address VPN\n"
	"crypto map CM 10 set peer 198.51.100.1\n"
	"crypto map CM 10 set ikev2 ipsec-proposal GCM\n"
	"crypto map CM 10 set session-key inbound esp 8193 cipher " K36B "\n"
	"crypto map CM 10 set session-key outbound esp 4097 cipher " K36 "\n"
	"crypto map CM interface outside\n";

/* Site A, the mirror of site B: entry 10 only. */
static const char __attribute__((unused)) site_a_mirror[] =
	"hostname site-a\n"
	"interface eth0\n nameif outside\n ip address 198.51.100.1 255.255.255.0\n!\n"
	"interface eth1\n nameif inside\n ip address 10.1.0.1 255.255.255.0\n!\n"
	"access-list VPN extended permit ip 10.1.0.0 255.255.255.0 10.2.0.0 255.255.255.0\n"
	"crypto ipsec ikev2 ipsec-proposal GCM\n protocol esp encryption aes-gcm-256\n"
	"crypto map CM 10 match address VPN\n"
	"crypto map CM 10 set peer 198.51.100.2\n"
	"crypto map CM 10 set ikev2 ipsec-proposal GCM\n"
	"crypto map CM 10 set session-key inbound esp 4097 cipher " K36 "\n"
	"crypto map CM 10 set session-key outbound esp 8193 cipher " K36B "\n"
	"crypto map CM interface outside\n";

/* A gateway from configuration text plus extra lines, via a file as the
 * daemon loads it, with n_pipes engine pipes (the live gateway's one per
 * worker; offline, fp_gw_input runs pipe 0). */
static __attribute__((unused)) struct fp_gw *gw_from_pipes(const char *text, const char *extra,
							  unsigned n_pipes)
{
	char path[] = "/tmp/test_cli_XXXXXX", err[256] = "";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "%s%s", text, extra);
	fclose(f);
	struct fp_config *c = fp_config_new();
	int rc = fp_config_load(c, path, err, sizeof(err));
	unlink(path);
	if (rc == 0)
		rc = fp_config_validate(c, err, sizeof(err));
	if (rc)
		fprintf(stderr, "config: %s\n", err);
	assert_int_equal(rc, 0);
	struct fp_gw *gw = calloc(1, sizeof(*gw));
	rc = fp_gw_init_pipes(gw, c, n_pipes, err, sizeof(err));
	if (rc)
		fprintf(stderr, "gateway: %s\n", err);
	assert_int_equal(rc, 0);
	return gw;
}

static __attribute__((unused)) struct fp_gw *gw_from(const char *text, const char *extra)
{
	return gw_from_pipes(text, extra, 1);
}

static __attribute__((unused)) void gw_free(struct fp_gw *gw)
{
	fp_gw_fini(gw);
	free(gw);
}

/* Run a line; the output (caller frees) and the return code. */
static __attribute__((unused)) char *run(struct fp_gw *gw, const char *line, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int r = fp_cli_exec(gw, line, out);
	fclose(out);
	if (rc)
		*rc = r;
	return buf;
}

/* Run a line that must succeed and contain every one of the lines. */
static __attribute__((unused)) char *expect(struct fp_gw *gw, const char *line, const char *const *want)
{
	int rc;
	char *out = run(gw, line, &rc);
	assert_int_equal(rc, 0);
	for (unsigned i = 0; want[i]; i++) {
		if (!strstr(out, want[i]))
			fprintf(stderr, "'%s': missing '%s' in:\n%s", line, want[i], out);
		assert_non_null(strstr(out, want[i]));
	}
	return out;
}

static __attribute__((unused)) void collect(void *ctx, uint16_t ifc, struct fp_pkt *p)
{
	struct fp_pkt **v = ctx;
	(void)ifc;
	while (*v)
		v++;
	*v = p;
}

/* An inner UDP packet 10.1.0.5 -> 10.2.0.9. */
static __attribute__((unused)) struct fp_pkt *inner_make(void)
{
	struct fp_pkt *p = aligned_alloc(64, sizeof(*p));
	fp_pkt_reset(p);
	uint8_t *h = fp_pkt_put(p, FP_IPV4_HLEN + FP_UDP_HLEN + 32);
	memset(h, 0, p->len);
	h[0] = 0x45, h[8] = 64, h[9] = FP_IPPROTO_UDP;
	fp_put16(h + 2, (uint16_t)p->len);
	h[12] = 10, h[13] = 1, h[15] = 5, h[16] = 10, h[17] = 2, h[19] = 9;
	fp_ipv4_csum_set(h);
	fp_put16(h + 20, 1000), fp_put16(h + 22, 2000), fp_put16(h + 24, FP_UDP_HLEN + 32);
	return p;
}

/* n packets from A's inside through the tunnel to B's outside; returns how
 * many B delivered. Keeps a copy of the first ESP packet in *replay. */
static __attribute__((unused)) unsigned send_ab(struct fp_gw *a, struct fp_gw *b, unsigned n, struct fp_pkt *replay)
{
	struct fp_pkt *in[8] = { 0 }, *esp[9] = { 0 }, *clear[9] = { 0 };
	for (unsigned i = 0; i < n; i++)
		in[i] = inner_make();
	fp_gw_input(a, (uint16_t)fp_gw_iface_find(a, "inside"), in, (uint16_t)n, collect, esp);
	unsigned m = 0;
	while (esp[m])
		m++;
	assert_int_equal(m, n);
	if (replay) {
		*replay = *esp[0];
		replay->data = replay->buf + (esp[0]->data - esp[0]->buf);
		replay->drop = 0, replay->flags = 0, replay->sa = FP_SA_NONE;
	}
	fp_gw_input(b, (uint16_t)fp_gw_iface_find(b, "outside"), esp, (uint16_t)m, collect, clear);
	for (unsigned i = 0; i < n; i++)
		free(in[i]);
	m = 0;
	while (clear[m])
		m++;
	return m;
}

#endif
