/* libFuzzer target: DTLS packets through the gateway (datapath/dtls_fwd.c,
 * dtls_session.c): which outside datagrams are DTLS, steering, the
 * headend's hooks, inside packets to a client's pool address. One gateway
 * with one client whose AES-GCM rule is installed. The first input byte
 * picks how the rest is used:
 *   bits 0-1: 0: the rest is a UDP payload from the client to our DTLS
 *             port; 1: a whole packet on the outside interface; 2: a whole
 *             packet on the inside interface; 3: a UDP payload from a
 *             client with no rule;
 *   bit 2:    flow-offload-dtls switched first (the rule moves);
 *   bit 3:    the hooks say they did not take the packet (dropped).
 * Oracle: what a datagram to the DTLS port yields goes to the inside (from
 * the client's pool addresses only, IPv4 and IPv6) or to the hooks, never out; an inside
 * packet to the pool address never leaves in clear. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/inet.h"
#include "datapath/dtls_session.h"
#include "dtls_keys.h"
#include "fuzz_gw.h"

static const char *const fuzz_config[] = {
	"interface eth0", " nameif outside", " ip address 198.51.100.1 255.255.255.0",
	"interface eth1", " nameif inside", " ip address 10.1.0.1 255.255.255.0",
	"access-list VPN extended permit ip 10.1.0.0 255.255.255.0 10.2.0.0 255.255.255.0",
	"crypto ipsec ikev2 ipsec-proposal GCM", " protocol esp encryption aes-gcm-256",
	"crypto map CM 10 match address VPN", "crypto map CM 10 set peer 198.51.100.2",
	"crypto map CM 10 set ikev2 ipsec-proposal GCM",
	"crypto map CM 10 set session-key inbound esp 4097 cipher "
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223",
	"crypto map CM 10 set session-key outbound esp 8193 cipher "
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223",
	"crypto map CM interface outside",
};

static const uint8_t GW_IP[4] = { 198, 51, 100, 1 };
static const uint8_t CLIENT_IP[4] = { 203, 0, 113, 50 };
static const uint8_t POOL_IP[4] = { 10, 9, 0, 5 };
static const uint8_t POOL6_IP[16] = { 0xfd, 0, 0, 0x41, [15] = 5 };
#define CLIENT_PORT 40000

static struct fp_gw gw;
static struct fp_pkt *pkt;
static bool hooks_take;
static uint8_t mode;

static bool hook(struct fp_gw *g, const struct fp_gw_io *io, uint32_t tag, struct fp_pkt *p)
{
	(void)g, (void)io, (void)tag, (void)p;
	return hooks_take;
}

static void emit(void *ctx, uint16_t ifc, struct fp_pkt *p)
{
	(void)ctx;
	const uint8_t *h = p->data;
	bool v4 = p->len >= FP_IPV4_HLEN && (h[0] >> 4) == 4;
	if (mode == 3 || (mode == 0 && ifc == 0))
		abort(); /* a datagram to the DTLS port goes to the inside or the headend */
	bool v6 = p->len >= FP_IPV6_HLEN && (h[0] >> 4) == 6;
	if (mode == 0 && !(v4 && memcmp(h + 12, POOL_IP, 4) == 0) &&
	    !(v6 && memcmp(h + 8, POOL6_IP, 16) == 0))
		abort(); /* from the client's records: only its own addresses */
	if (mode == 2 && ifc == 0 && ((v4 && memcmp(h + 16, POOL_IP, 4) == 0) ||
				      (v6 && memcmp(h + 24, POOL6_IP, 16) == 0)))
		abort(); /* to the pool in clear */
}

static void addr4(struct fp_addr *a, const uint8_t *b)
{
	memset(a, 0, sizeof(*a));
	a->af = FP_AF_INET;
	memcpy(a->a, b, 4);
}

static void setup(void)
{
	struct fp_dtls_params p;
	struct fp_addr pool, pool6 = {.af = FP_AF_INET6};
	const char *why;
	char err[128];
	uint32_t h;
	fuzz_gw_build(&gw, fuzz_config, sizeof(fuzz_config) / sizeof(fuzz_config[0]), "fuzz_dtls_gw");
	gw.dtls_punt = hook;
	gw.dtls_to_cstp = hook;
	addr4(&pool, POOL_IP);
	memcpy(pool6.a, POOL6_IP, 16);
	memset(&p, 0, sizeof(p));
	addr4(&p.local, GW_IP);
	addr4(&p.remote, CLIENT_IP);
	p.local_port = 443;
	p.remote_port = CLIENT_PORT;
	p.epoch = 1;
	p.seq_out = 1;
	fuzz_dtls_keys(&p.keys, FP_CIPHER_AES_GCM_128, FP_INTEG_NONE);
	if (fp_gw_dtls_offload_set(&gw, true, err, sizeof(err)) < 0 ||
	    fp_gw_dtls_open(&gw, &pool, &pool6, 7, &h, &why) < 0 || fp_gw_dtls_rule_set(&gw, h, &p, &why) < 0)
		abort();
	pkt = aligned_alloc(64, sizeof(*pkt));
	if (!pkt)
		abort();
}

/* IPv4 + UDP from src:sport to our DTLS port around len bytes at d. */
static void dgram(const uint8_t *src, uint16_t sport, const uint8_t *d, size_t len)
{
	uint8_t *h = fp_pkt_put(pkt, (uint32_t)(28 + len));
	memset(h, 0, 28);
	h[0] = 0x45, h[8] = 64, h[9] = FP_IPPROTO_UDP;
	fp_put16(h + 2, (uint16_t)(28 + len));
	memcpy(h + 12, src, 4);
	memcpy(h + 16, GW_IP, 4);
	fp_ipv4_csum_set(h);
	fp_put16(h + 20, sport);
	fp_put16(h + 22, 443);
	fp_put16(h + 24, (uint16_t)(8 + len));
	memcpy(h + 28, d, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t STRANGER[4] = { 192, 0, 2, 77 };
	char err[128];
	if (!pkt)
		setup();
	if (size < 1 || size > 9000)
		return 0;
	mode = data[0] & 3;
	hooks_take = !(data[0] & 8);
	if (data[0] & 4)
		fp_gw_dtls_offload_set(&gw, !gw.offload_dtls, err, sizeof(err));
	fp_pkt_reset(pkt);
	if (mode == 0 || mode == 3)
		dgram(mode ? STRANGER : CLIENT_IP, CLIENT_PORT, data + 1, size - 1);
	else
		memcpy(fp_pkt_put(pkt, (uint32_t)(size - 1)), data + 1, size - 1);
	struct fp_pkt *v[1] = { pkt };
	fp_gw_input(&gw, mode == 2 ? 1 : 0, v, 1, emit, NULL);
	return 0;
}
