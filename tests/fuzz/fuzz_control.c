/* Fuzz the control socket's framing and sessions without a socket: the
 * input is the byte stream a client sends, cut into reads at points the
 * input chooses, fed to one connection (fp_control_conn_input) on a
 * gateway built once; the output goes nowhere. configure terminal,
 * completion requests and binary garbage are all in reach.
 *
 * Oracles beyond "no crash": every '\n' the client sent is answered by
 * exactly one terminator (NUL, "0|1 exec|config PROMPT\n") unless the
 * connection was closed for its output; the session keys never appear
 * in the output unless the input typed them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/control_conn.h"
#include "config/config.h"
#include "datapath/gateway.h"
#include "fuzz_gw.h"

#define KEY_GCM "c0ffee030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
#define KEY_CBC "c0ffee030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY_SHA "5ec4e7030405060708090a0b0c0d0e0f10111213"
#define MAP "crypto map CM "

static const char *const fuzz_config[] = {
	"hostname site-a",
	"interface eth0", " nameif outside", " ip address 198.51.100.1 255.255.255.0",
	"interface eth1", " nameif inside", " ip address 10.1.0.1 255.255.255.0",
	"access-list VPN extended permit ip 10.1.0.0 255.255.255.0 10.2.0.0 255.255.255.0",
	"access-list VPN2 extended permit tcp host 10.1.0.5 eq 22 10.3.0.0 255.255.0.0",
	"crypto ipsec ikev2 ipsec-proposal GCM", " protocol esp encryption aes-gcm-256",
	"crypto ipsec ikev2 ipsec-proposal CBC", " protocol esp encryption aes-256",
	" protocol esp integrity sha-1",
	MAP "10 match address VPN", MAP "10 set peer 198.51.100.2",
	MAP "10 set ikev2 ipsec-proposal GCM",
	MAP "10 set session-key inbound esp 4097 cipher " KEY_GCM,
	MAP "10 set session-key outbound esp 8193 cipher " KEY_GCM,
	MAP "20 match address VPN2", MAP "20 set peer 198.51.100.3",
	MAP "20 set ikev2 ipsec-proposal CBC",
	MAP "20 set session-key inbound esp 4098 cipher " KEY_CBC " authenticator " KEY_SHA,
	MAP "20 set session-key outbound esp 8194 cipher " KEY_CBC " authenticator " KEY_SHA,
	"crypto map CM interface outside",
};

/* Built once; write memory has no file to write (cfg_path empty). */
static struct fp_gw *fuzz_gw(void)
{
	static struct fp_gw gw;
	static struct fp_gw *built;
	if (!built)
		built = fuzz_gw_build(&gw, fuzz_config, sizeof(fuzz_config) / sizeof(fuzz_config[0]),
				      "fuzz_control");
	return built;
}

/* What an earlier input changed live goes back, so each input starts
 * from the same gateway. */
static void fuzz_reset(struct fp_gw *gw)
{
	snprintf(gw->cfg->hostname, sizeof(gw->cfg->hostname), "site-a");
	gw->cfg->offload_ipsec = true;
	gw->cfg->offload_ipsec_egress = true;
}

static unsigned count_byte(const uint8_t *p, size_t n, uint8_t b)
{
	unsigned k = 0;
	for (size_t i = 0; i < n; i++)
		k += p[i] == b;
	return k;
}

static bool has(const uint8_t *p, size_t n, const char *s)
{
	return memmem(p, n, s, strlen(s)) != NULL;
}

/* The output of one read: a terminator per line ended, and no key. */
static void check_output(const struct fp_control_conn *k, unsigned lines, bool typed_key)
{
	size_t n = fp_control_conn_pending(k);
	const uint8_t *out = n ? (const uint8_t *)k->out + k->out_sent : (const uint8_t *)"";
	if (count_byte(out, n, '\0') != lines || (n && out[n - 1] != '\n')) {
		fprintf(stderr, "fuzz_control: %u lines, %u terminators\n", lines,
			count_byte(out, n, '\0'));
		abort();
	}
	if (!typed_key && (has(out, n, "c0ffee") || has(out, n, "5ec4e7"))) {
		fprintf(stderr, "fuzz_control: a session key in the output\n");
		abort();
	}
}

/* The first byte sets the read size (1-256); the rest is the stream. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_gw *gw = fuzz_gw();
	struct fp_control_stats st = { 0 };
	struct fp_control_conn k;
	if (size < 1)
		return 0;
	size_t chunk = (size_t)data[0] + 1;
	data++, size--;
	bool typed_key = has(data, size, "c0ffee") || has(data, size, "5ec4e7");
	fuzz_reset(gw);
	fp_control_conn_open(&k, -1, &st);
	for (size_t at = 0; at < size; at += chunk) {
		size_t n = size - at < chunk ? size - at : chunk;
		if (fp_control_conn_input(&k, gw, (const char *)data + at, n) < 0)
			break;
		check_output(&k, count_byte(data + at, n, '\n'), typed_key);
		fp_control_conn_sent(&k, fp_control_conn_pending(&k)); /* to /dev/null */
	}
	fp_control_conn_close(&k);
	return 0;
}
