/* Crypto ACL matching (policy.c) for packets whose ports are not where a
 * plain parse looks: IPv4 fragments after the first, IPv6 behind extension
 * headers, IPv6 fragments. A permit that names ports takes a fragment
 * without ports and a deny passes it on (IOS/ASA), so a crypto map that
 * protects a datagram's first piece protects the rest; extension headers
 * are walked to the ports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "common/inet.h"
#include "datapath/policy.h"

static uint8_t pkt[200];

static struct fp_cfg_ace ace(bool permit, int af, uint16_t dport)
{
	struct fp_cfg_ace a;
	memset(&a, 0, sizeof(a));
	a.permit = permit;
	a.proto = FP_IPPROTO_UDP;
	assert_int_equal(fp_prefix_parse(&a.src, af == 4 ? "10.1.0.0/24" : "2001:db8:1::/64"), 0);
	assert_int_equal(fp_prefix_parse(&a.dst, af == 4 ? "10.2.0.0/24" : "2001:db8:2::/64"), 0);
	a.dst_port = dport;
	return a;
}

/* UDP 10.1.0.5:1000 -> 10.2.0.9:5060; frag: the fragment field. */
static uint32_t udp4(uint16_t frag)
{
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x45, pkt[8] = 64, pkt[9] = FP_IPPROTO_UDP;
	fp_put16(pkt + 2, 100);
	fp_put16(pkt + 6, frag);
	pkt[12] = 10, pkt[13] = 1, pkt[15] = 5, pkt[16] = 10, pkt[17] = 2, pkt[19] = 9;
	fp_put16(pkt + 20, 1000), fp_put16(pkt + 22, 5060);
	return 100;
}

/* UDP 2001:db8:1::5 -> 2001:db8:2::9 port 5060 behind a hop-by-hop header
 * and, with frag_off >= 0, a fragment header. */
static uint32_t udp6(int frag_off)
{
	uint32_t at = FP_IPV6_HLEN;
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x60, pkt[6] = 0 /* hop-by-hop */, pkt[7] = 64;
	pkt[8] = 0x20, pkt[9] = 0x01, pkt[10] = 0x0d, pkt[11] = 0xb8, pkt[13] = 1, pkt[23] = 5;
	pkt[24] = 0x20, pkt[25] = 0x01, pkt[26] = 0x0d, pkt[27] = 0xb8, pkt[29] = 2, pkt[39] = 9;
	pkt[at] = frag_off >= 0 ? FP_IPPROTO_FRAG : FP_IPPROTO_UDP; /* 8 bytes of options */
	at += 8;
	if (frag_off >= 0) {
		pkt[at] = FP_IPPROTO_UDP;
		fp_put16(pkt + at + 2, (uint16_t)frag_off);
		at += 8;
	}
	fp_put16(pkt + at, 1000), fp_put16(pkt + at + 2, 5060);
	fp_put16(pkt + 4, (uint16_t)(120 - FP_IPV6_HLEN));
	return 120;
}

static void test_ipv4_fragments(void **state)
{
	(void)state;
	struct fp_cfg_ace sip = ace(true, 4, 5060), dns = ace(true, 4, 53), no_sip = ace(false, 4, 5060);
	uint32_t n = udp4(0);
	assert_true(fp_ace_match(&sip, pkt, n, false));
	assert_false(fp_ace_match(&dns, pkt, n, false));
	n = udp4(0x2000); /* the first fragment has its ports */
	assert_false(fp_ace_match(&dns, pkt, n, false));
	n = udp4(100); /* a later one has none */
	assert_true(fp_ace_match(&sip, pkt, n, false));
	assert_true(fp_ace_match(&dns, pkt, n, false));
	assert_false(fp_ace_match(&no_sip, pkt, n, false));
}

static void test_ipv6_extension_headers(void **state)
{
	(void)state;
	struct fp_cfg_ace sip = ace(true, 6, 5060), dns = ace(true, 6, 53), no_sip = ace(false, 6, 5060);
	uint32_t n = udp6(-1);
	assert_true(fp_ace_match(&sip, pkt, n, false));
	assert_false(fp_ace_match(&dns, pkt, n, false));
	n = udp6(0); /* first fragment: ports behind two headers */
	assert_true(fp_ace_match(&sip, pkt, n, false));
	assert_false(fp_ace_match(&dns, pkt, n, false));
	n = udp6(800); /* a later fragment */
	assert_true(fp_ace_match(&dns, pkt, n, false));
	assert_false(fp_ace_match(&no_sip, pkt, n, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv6_extension_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
