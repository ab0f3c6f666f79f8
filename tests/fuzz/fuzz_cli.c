/* Fuzz the command line. The input is lines typed at the prompt; each goes
 * to fp_cli_exec on one gateway built once (three tunnels: GCM, CBC/SHA-1,
 * IPv6 NAT-T in the software pipe), clear commands included.
 *
 * Oracle beyond "no crash": a command that fails says so with an
 * "ERROR: % " line, one that succeeds never does, and the output of one
 * that succeeds never carries the session keys (an error echoes the line
 * typed, which may be anything). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config/config.h"
#include "datapath/gateway.h"
#include "fuzz_gw.h"

#define KEY_GCM "c0ffee030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
#define KEY_CBC "c0ffee030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY_SHA "5ec4e7030405060708090a0b0c0d0e0f10111213"
#define MAP "crypto map CM "

static const char *const fuzz_config[] = {
	"interface eth0", " nameif outside", " ip address 198.51.100.1 255.255.255.0",
	" ipv6 address 2001:db8:100::1/64",
	"interface eth1", " nameif inside", " ip address 10.1.0.1 255.255.255.0",
	"access-list VPN extended permit ip 10.1.0.0 255.255.255.0 10.2.0.0 255.255.255.0",
	"access-list VPN2 extended permit tcp host 10.1.0.5 eq 22 10.3.0.0 255.255.0.0",
	"access-list VPN6 extended permit ip 2001:db8:1::/64 2001:db8:2::/64",
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
	MAP "30 match address VPN6", MAP "30 set peer 2001:db8:100::2",
	MAP "30 set ikev2 ipsec-proposal CBC", MAP "30 set udp-encapsulation 4500 4500",
	MAP "30 set security-association replay window-size 1024",
	MAP "30 set session-key inbound esp 4099 cipher " KEY_CBC " authenticator " KEY_SHA,
	MAP "30 set session-key outbound esp 8195 cipher " KEY_CBC " authenticator " KEY_SHA,
	"crypto map CM interface outside",
};

static struct fp_gw *fuzz_gw(void)
{
	static struct fp_gw gw;
	static struct fp_gw *built;
	if (!built)
		built = fuzz_gw_build(&gw, fuzz_config, sizeof(fuzz_config) / sizeof(fuzz_config[0]),
				      "fuzz_cli");
	return built;
}

static void check_output(const char *line, int rc, const char *out)
{
	int says_error = strstr(out, "ERROR: % ") != NULL;
	/* 32 of a key's hex digits in a row: what fpvpnd never prints. Only
	 * typed words are echoed, and the longest that lives on between
	 * inputs, a capture's name, holds 31 characters: libFuzzer learns the
	 * strings strstr looks for and types them into one (a shorter piece
	 * was found that way twice). */
	int says_key = rc == 0 && (strstr(out, "c0ffee030405060708090a0b0c0d0e0f") ||
				   strstr(out, "5ec4e7030405060708090a0b0c0d0e0f"));
	if ((rc < 0) != says_error || says_key) {
		fprintf(stderr, "fuzz_cli: rc %d for '%s':\n%s", rc, line, out);
		abort();
	}
}

static void run_line(struct fp_gw *gw, const char *line)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		abort();
	int rc = fp_cli_exec(gw, line, f);
	fclose(f);
	check_output(line, rc, out);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_gw *gw = fuzz_gw();
	char *line = malloc(size + 1);
	if (!line)
		abort();
	for (size_t at = 0; at < size;) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t n = nl ? (size_t)(nl - (data + at)) : size - at;
		memcpy(line, data + at, n);
		line[n] = '\0';
		run_line(gw, line);
		at += n + 1;
	}
	free(line);
	return 0;
}
