/* The synthetic outer headers of the socket ports (io/outer.c): what rx
 * writes in front of a datagram, field by field, and what tx accepts as a
 * packet to send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "io/outer.h"

static const uint8_t src4[4] = { 198, 51, 100, 7 }, dst4[4] = { 192, 0, 2, 1 };
static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 1, [15] = 1 };
static uint8_t pkt[2048];

static uint16_t sum16(const uint8_t *p, unsigned n)
{
	uint32_t s = 0;
	for (unsigned i = 0; i < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void test_ipv4_udp(void **state)
{
	struct fp_outer o = {
		.ou_af = 4, .ou_proto = FP_IPPROTO_UDP, .ou_sport = 4500, .ou_dport = 4501,
		.ou_plen = 100, .ou_src = src4, .ou_dst = dst4,
	}, back;

	(void)state;
	memset(pkt, 0xaa, sizeof(pkt));
	assert_int_equal(fp_outer_hlen(4, FP_IPPROTO_UDP), 28);
	fp_outer_write(pkt, &o);
	assert_int_equal(pkt[0], 0x45);
	assert_int_equal(pkt[1], 0);
	assert_int_equal(fp_get16(pkt + 2), 128);
	assert_int_equal(fp_get16(pkt + 4), 0);      /* id */
	assert_int_equal(fp_get16(pkt + 6), 0);      /* no DF, no fragment */
	assert_int_equal(pkt[8], 64);
	assert_int_equal(pkt[9], FP_IPPROTO_UDP);
	assert_int_equal(sum16(pkt, 20), 0xffff);    /* header checksum valid */
	assert_memory_equal(pkt + 12, src4, 4);
	assert_memory_equal(pkt + 16, dst4, 4);
	assert_int_equal(fp_get16(pkt + 20), 4500);
	assert_int_equal(fp_get16(pkt + 22), 4501);
	assert_int_equal(fp_get16(pkt + 24), 108);
	assert_int_equal(fp_get16(pkt + 26), 0);     /* no UDP checksum */
	assert_int_equal(pkt[28], 0xaa);             /* payload untouched */

	assert_true(fp_outer_parse(pkt, 128, FP_IPPROTO_UDP, &back));
	assert_int_equal(back.ou_af, 4);
	assert_int_equal(back.ou_hlen, 28);
	assert_int_equal(back.ou_plen, 100);
	assert_int_equal(back.ou_sport, 4500);
	assert_int_equal(back.ou_dport, 4501);
	assert_ptr_equal(back.ou_src, pkt + 12);
	assert_ptr_equal(back.ou_dst, pkt + 16);
}

static void test_ipv6_udp(void **state)
{
	struct fp_outer o = {
		.ou_af = 6, .ou_proto = FP_IPPROTO_UDP, .ou_sport = 500, .ou_dport = 500,
		.ou_plen = 1000, .ou_src = src6, .ou_dst = dst6,
	}, back;

	(void)state;
	memset(pkt, 0xaa, sizeof(pkt));
	assert_int_equal(fp_outer_hlen(6, FP_IPPROTO_UDP), 48);
	fp_outer_write(pkt, &o);
	assert_memory_equal(pkt, "\x60\x00\x00\x00", 4);
	assert_int_equal(fp_get16(pkt + 4), 1008);
	assert_int_equal(pkt[6], FP_IPPROTO_UDP);
	assert_int_equal(pkt[7], 64);
	assert_memory_equal(pkt + 8, src6, 16);
	assert_memory_equal(pkt + 24, dst6, 16);
	assert_int_equal(fp_get16(pkt + 44), 1008);
	assert_int_equal(fp_get16(pkt + 46), 0);
	assert_true(fp_outer_parse(pkt, 1048, FP_IPPROTO_UDP, &back));
	assert_int_equal(back.ou_af, 6);
	assert_int_equal(back.ou_hlen, 48);
	assert_int_equal(back.ou_plen, 1000);
	assert_ptr_equal(back.ou_dst, pkt + 24);
}

static void test_ipv6_esp(void **state)
{
	struct fp_outer o = {
		.ou_af = 6, .ou_proto = FP_IPPROTO_ESP, .ou_plen = 88,
		.ou_src = src6, .ou_dst = dst6,
	}, back;

	(void)state;
	assert_int_equal(fp_outer_hlen(6, FP_IPPROTO_ESP), 40);
	fp_outer_write(pkt, &o);
	assert_int_equal(fp_get16(pkt + 4), 88);
	assert_int_equal(pkt[6], FP_IPPROTO_ESP);
	assert_true(fp_outer_parse(pkt, 128, FP_IPPROTO_ESP, &back));
	assert_int_equal(back.ou_hlen, 40);
	assert_int_equal(back.ou_plen, 88);
	assert_false(fp_outer_parse(pkt, 128, FP_IPPROTO_UDP, &back));
}

static void write_v4_udp(uint32_t plen)
{
	struct fp_outer o = {
		.ou_af = 4, .ou_proto = FP_IPPROTO_UDP, .ou_sport = 1, .ou_dport = 2,
		.ou_plen = plen, .ou_src = src4, .ou_dst = dst4,
	};
	fp_outer_write(pkt, &o);
}

/* Link layers pad: the IP length rules, never past what is there. */
static void test_parse_lengths(void **state)
{
	struct fp_outer back;

	(void)state;
	write_v4_udp(50);
	assert_true(fp_outer_parse(pkt, 200, FP_IPPROTO_UDP, &back));
	assert_int_equal(back.ou_plen, 50);
	assert_false(fp_outer_parse(pkt, 77, FP_IPPROTO_UDP, &back));  /* cut short */
	fp_put16(pkt + 24, 57);                                         /* UDP length disagrees */
	assert_false(fp_outer_parse(pkt, 78, FP_IPPROTO_UDP, &back));
	write_v4_udp(0);
	assert_true(fp_outer_parse(pkt, 28, FP_IPPROTO_UDP, &back));    /* empty datagram */
	assert_int_equal(back.ou_plen, 0);
	assert_false(fp_outer_parse(pkt, 0, FP_IPPROTO_UDP, &back));
	assert_false(fp_outer_parse(pkt, 10, FP_IPPROTO_UDP, &back));
}

static void test_parse_refuses(void **state)
{
	struct fp_outer back;

	(void)state;
	write_v4_udp(50);
	pkt[6] = 0x20;                                                 /* more fragments */
	assert_false(fp_outer_parse(pkt, 78, FP_IPPROTO_UDP, &back));
	write_v4_udp(50);
	pkt[0] = 0x44;                                                 /* IHL 4 */
	assert_false(fp_outer_parse(pkt, 78, FP_IPPROTO_UDP, &back));
	write_v4_udp(50);
	pkt[0] = 0x55;                                                 /* version 5 */
	assert_false(fp_outer_parse(pkt, 78, FP_IPPROTO_UDP, &back));
	struct fp_outer o = {
		.ou_af = 6, .ou_proto = FP_IPPROTO_UDP, .ou_plen = 10,
		.ou_src = src6, .ou_dst = dst6,
	};
	fp_outer_write(pkt, &o);
	pkt[6] = 0;                                                    /* hop-by-hop header */
	assert_false(fp_outer_parse(pkt, 58, FP_IPPROTO_UDP, &back));
	assert_false(fp_outer_parse(pkt, 39, FP_IPPROTO_ESP, &back));
}

/* An IPv4 ESP fragment can go out a raw socket as it is; a UDP one
 * cannot go out a UDP socket. */
static void test_parse_esp_fragment(void **state)
{
	struct fp_outer back;

	(void)state;
	memset(pkt, 0, 64);
	pkt[0] = 0x45;
	fp_put16(pkt + 2, 20 + 40);
	fp_put16(pkt + 6, 185);                                        /* offset 1480 */
	pkt[9] = FP_IPPROTO_ESP;
	assert_true(fp_outer_parse(pkt, 60, FP_IPPROTO_ESP, &back));
	assert_int_equal(back.ou_plen, 40);
	pkt[6] = 0x20;                                                 /* MF, offset 0 */
	pkt[7] = 0;
	assert_true(fp_outer_parse(pkt, 60, FP_IPPROTO_ESP, &back));
}

/* IPv4 options stay in front of the payload: the header is IHL long. */
static void test_parse_ipv4_options(void **state)
{
	struct fp_outer back;

	(void)state;
	memset(pkt, 0, 64);
	pkt[0] = 0x46;
	fp_put16(pkt + 2, 24 + 8 + 16);
	pkt[9] = FP_IPPROTO_ESP;
	assert_true(fp_outer_parse(pkt, 48, FP_IPPROTO_ESP, &back));
	assert_int_equal(back.ou_hlen, 24);
	assert_int_equal(back.ou_plen, 24);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_udp),
		cmocka_unit_test(test_ipv6_udp),
		cmocka_unit_test(test_ipv6_esp),
		cmocka_unit_test(test_parse_lengths),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_parse_esp_fragment),
		cmocka_unit_test(test_parse_ipv4_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
