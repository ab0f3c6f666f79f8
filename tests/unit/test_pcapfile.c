/* pcap file reader and writer: round trips, every input link type made
 * with libpcap's own pcap_dump, and the records the reader must skip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "io/pcapfile.h"

#define TS0 1700000000123456789ull /* a timestamp with all nine digits */

struct frame {
	const uint8_t *data;
	uint32_t caplen;
	uint32_t len;  /* 0 = caplen */
};

static char path[64];
static struct fp_pkt pkt;

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/test_pcapfile.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* A minimal IPv4 header + payload of n bytes (total length set). */
static size_t make_ip4(uint8_t *b, size_t n, uint8_t tag)
{
	memset(b, tag, 20 + n);
	b[0] = 0x45;
	b[1] = 0;
	b[2] = (uint8_t)((20 + n) >> 8);
	b[3] = (uint8_t)(20 + n);
	b[9] = 17;
	return 20 + n;
}

static size_t make_ip6(uint8_t *b, size_t n, uint8_t tag)
{
	memset(b, tag, 40 + n);
	b[0] = 0x60;
	b[1] = b[2] = b[3] = 0;
	b[4] = (uint8_t)(n >> 8);
	b[5] = (uint8_t)n;
	b[6] = 17;
	return 40 + n;
}

/* Write frames with libpcap itself, as tcpdump would. */
static void dump_frames(int dlt, const struct frame *f, size_t n)
{
	pcap_t *pc = pcap_open_dead_with_tstamp_precision(dlt, 262144, PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d;
	struct pcap_pkthdr h;

	assert_non_null(pc);
	d = pcap_dump_open(pc, path);
	assert_non_null(d);
	for (size_t i = 0; i < n; i++) {
		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = 1700000000 + (time_t)i;
		h.ts.tv_usec = 42;
		h.caplen = f[i].caplen;
		h.len = f[i].len ? f[i].len : f[i].caplen;
		pcap_dump((u_char *)d, &h, f[i].data);
	}
	pcap_dump_close(d);
	pcap_close(pc);
}

/* Overwrite the link type in the pcap file header (offset 20, host order
 * as pcap_dump wrote it): for link types libpcap maps on write. */
static void patch_linktype(uint32_t lt)
{
	FILE *f = fopen(path, "r+b");

	assert_non_null(f);
	assert_int_equal(fseek(f, 20, SEEK_SET), 0);
	assert_int_equal(fwrite(&lt, 4, 1, f), 1);
	fclose(f);
}

static struct fp_pcap_reader *open_ok(void)
{
	char err[256] = "";
	struct fp_pcap_reader *r = fp_pcap_reader_open(path, err, sizeof(err));

	if (!r)
		fail_msg("open: %s", err);
	return r;
}

/* Read the next packet and compare it with want. */
static void expect_pkt(struct fp_pcap_reader *r, const uint8_t *want, size_t len)
{
	char err[256] = "";

	assert_int_equal(fp_pcap_read(r, &pkt, err, sizeof(err)), 1);
	assert_int_equal(pkt.len, len);
	assert_memory_equal(pkt.data, want, len);
	assert_int_equal(fp_pkt_headroom(&pkt), FP_PKT_HEADROOM);
}

static void expect_eof(struct fp_pcap_reader *r)
{
	char err[256] = "";

	assert_int_equal(fp_pcap_read(r, &pkt, err, sizeof(err)), 0);
	assert_int_equal(fp_pcap_read(r, &pkt, err, sizeof(err)), 0);
}

static void test_write_read_roundtrip(void **state)
{
	uint8_t a[1500], b[1500];
	size_t la = make_ip4(a, 1000, 0xa1), lb = make_ip6(b, 0, 0xb2);
	char err[256] = "";
	struct fp_pcap_writer *w = fp_pcap_writer_open(path, err, sizeof(err));
	struct fp_pcap_reader *r;

	(void)state;
	assert_non_null(w);
	assert_int_equal(fp_pcap_write(w, a, (uint32_t)la, TS0), 0);
	assert_int_equal(fp_pcap_write(w, b, (uint32_t)lb, TS0 + 1), 0);
	assert_int_equal(fp_pcap_write(w, a, 0, TS0), -1);
	assert_int_equal(fp_pcap_writer_flush(w), 0);
	fp_pcap_writer_close(w);

	r = open_ok();
	assert_string_equal(fp_pcap_reader_linktype(r), "RAW");
	expect_pkt(r, a, la);
	assert_int_equal(pkt.ts_ns, TS0);
	expect_pkt(r, b, lb);
	assert_int_equal(pkt.ts_ns, TS0 + 1);
	expect_eof(r);
	assert_int_equal(fp_pcap_reader_skipped(r), 0);
	fp_pcap_reader_close(r);
}

static void test_write_usec(void **state)
{
	uint8_t a[100];
	size_t la = make_ip4(a, 8, 1);
	char err[256] = "";
	struct fp_pcap_writer *w = fp_pcap_writer_open_prec(path, FP_PCAP_USEC, err, sizeof(err));
	struct fp_pcap_reader *r;
	FILE *f;
	uint32_t magic = 0;

	(void)state;
	assert_non_null(w);
	assert_int_equal(fp_pcap_write(w, a, (uint32_t)la, TS0), 0);
	fp_pcap_writer_close(w);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(&magic, 4, 1, f), 1);
	fclose(f);
	assert_int_equal(magic, 0xa1b2c3d4u);
	r = open_ok();
	expect_pkt(r, a, la);
	assert_int_equal(pkt.ts_ns, TS0 / 1000 * 1000);
	fp_pcap_reader_close(r);
}

static void test_writer_open_fails(void **state)
{
	char err[256] = "";

	(void)state;
	assert_null(fp_pcap_writer_open("/nonexistent-dir/x.pcap", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent-dir/x.pcap"));
}

static void test_reader_open_missing(void **state)
{
	char err[256] = "";

	(void)state;
	assert_null(fp_pcap_reader_open("/nonexistent-dir/x.pcap", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent-dir/x.pcap"));
}

/* Ethernet: untagged with padding, 802.1Q, QinQ (88a8 + 8100), ARP, runt,
 * and a snapped record (caplen < len). */
static void test_ethernet_vlan(void **state)
{
	uint8_t ip4[64], ip6[200], f1[80], f2[300], f3[100], arp[60], runt[10];
	size_t l4 = make_ip4(ip4, 8, 0x44), l6 = make_ip6(ip6, 100, 0x66);
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	struct fp_pcap_reader *r;

	(void)state;
	memset(f1, 0, sizeof(f1));
	memcpy(f1, macs, 12);
	f1[12] = 0x08, f1[13] = 0x00;
	memcpy(f1 + 14, ip4, l4); /* 28 bytes, padded to 60 */
	memcpy(f2, macs, 12);
	f2[12] = 0x81, f2[13] = 0x00, f2[14] = 0x00, f2[15] = 0x64;
	f2[16] = 0x86, f2[17] = 0xdd;
	memcpy(f2 + 18, ip6, l6);
	memcpy(f3, macs, 12);
	f3[12] = 0x88, f3[13] = 0xa8, f3[14] = 0, f3[15] = 10;
	f3[16] = 0x81, f3[17] = 0x00, f3[18] = 0, f3[19] = 20;
	f3[20] = 0x08, f3[21] = 0x00;
	memcpy(f3 + 22, ip4, l4);
	memset(arp, 0, sizeof(arp));
	memcpy(arp, macs, 12);
	arp[12] = 0x08, arp[13] = 0x06;
	memset(runt, 0xff, sizeof(runt));

	struct frame fr[] = {
		{ arp, 60, 0 },
		{ f1, 60, 0 },
		{ runt, 10, 0 },
		{ f2, (uint32_t)(18 + l6), 0 },
		{ f1, 30, 60 },
		{ f3, (uint32_t)(22 + l4), 0 },
	};
	dump_frames(DLT_EN10MB, fr, 6);
	r = open_ok();
	assert_string_equal(fp_pcap_reader_linktype(r), "EN10MB");
	expect_pkt(r, ip4, l4);
	assert_int_equal(pkt.ts_ns, 1700000001000000042ull);
	expect_pkt(r, ip6, l6);
	expect_pkt(r, ip4, l4);
	expect_eof(r);
	assert_int_equal(fp_pcap_reader_skipped_by(r, FP_PCAP_SKIP_NOT_IP), 1);
	assert_int_equal(fp_pcap_reader_skipped_by(r, FP_PCAP_SKIP_SHORT), 1);
	assert_int_equal(fp_pcap_reader_skipped_by(r, FP_PCAP_SKIP_TRUNCATED), 1);
	assert_int_equal(fp_pcap_reader_skipped(r), 3);
	fp_pcap_reader_close(r);
}

/* Linux cooked v1: protocol at offset 14 of a 16-byte header. */
static void test_sll(void **state)
{
	uint8_t ip4[64], ip6[100], f1[100], f2[200], f3[60];
	size_t l4 = make_ip4(ip4, 20, 4), l6 = make_ip6(ip6, 30, 6);
	struct fp_pcap_reader *r;

	(void)state;
	memset(f1, 0, 16);
	f1[1] = 4; /* outgoing */
	f1[14] = 0x08, f1[15] = 0x00;
	memcpy(f1 + 16, ip4, l4);
	memset(f2, 0, 16);
	f2[14] = 0x86, f2[15] = 0xdd;
	memcpy(f2 + 16, ip6, l6);
	memset(f3, 0, sizeof(f3));
	f3[14] = 0x88, f3[15] = 0xcc; /* LLDP */

	struct frame fr[] = {
		{ f1, (uint32_t)(16 + l4), 0 },
		{ f3, 60, 0 },
		{ f2, (uint32_t)(16 + l6), 0 },
		{ f3, 15, 0 },
	};
	dump_frames(DLT_LINUX_SLL, fr, 4);
	r = open_ok();
	assert_string_equal(fp_pcap_reader_linktype(r), "LINUX_SLL");
	expect_pkt(r, ip4, l4);
	expect_pkt(r, ip6, l6);
	expect_eof(r);
	assert_int_equal(fp_pcap_reader_skipped_by(r, FP_PCAP_SKIP_NOT_IP), 1);
	assert_int_equal(fp_pcap_reader_skipped_by(r, FP_PCAP_SKIP_SHORT), 1);
	fp_pcap_reader_close(r);
}

/* Linux cooked v2 (tcpdump -i any since libpcap 1.10): protocol first. */
static void test_sll2(void **state)
{
	uint8_t ip4[64], ip6[100], f1[100], f2[200], f3[60];
	size_t l4 = make_ip4(ip4, 20, 4), l6 = make_ip6(ip6, 30, 6);
	struct fp_pcap_reader *r;

	(void)state;
	memset(f1, 0, 20);
	f1[0] = 0x08, f1[1] = 0x00;
	memcpy(f1 + 20, ip4, l4);
	memset(f2, 0, 20);
	f2[0] = 0x86, f2[1] = 0xdd;
	memcpy(f2 + 20, ip6, l6);
	memset(f3, 0, sizeof(f3));
	f3[0] = 0x08, f3[1] = 0x06;

	struct frame fr[] = {
		{ f3, 48, 0 },
		{ f1, (uint32_t)(20 + l4), 0 },
		{ f2, (uint32_t)(20 + l6), 0 },
	};
	dump_frames(DLT_LINUX_SLL2, fr, 3);
	r = open_ok();
	expect_pkt(r, ip4, l4);
	expect_pkt(r, ip6, l6);
	expect_eof(r);
	assert_int_equal(fp_pcap_reader_skipped_by(r, FP_PCAP_SKIP_NOT_IP), 1);
	fp_pcap_reader_close(r);
}

/* BSD loopback: the address family in either byte order, AF_INET6 as
 * Linux, the BSDs and macOS number it. */
static void test_loopback(void **state)
{
	uint8_t ip4[64], ip6[100], f1[100], f2[200], f3[200], f4[100];
	size_t l4 = make_ip4(ip4, 20, 4), l6 = make_ip6(ip6, 30, 6);
	struct fp_pcap_reader *r;

	(void)state;
	memcpy(f1, "\x02\x00\x00\x00", 4);
	memcpy(f1 + 4, ip4, l4);
	memcpy(f2, "\x00\x00\x00\x1e", 4); /* 30, big-endian writer */
	memcpy(f2 + 4, ip6, l6);
	memcpy(f3, "\x0a\x00\x00\x00", 4);
	memcpy(f3 + 4, ip6, l6);
	memcpy(f4, "\x07\x00\x00\x00", 4);
	memcpy(f4 + 4, ip4, l4);

	struct frame fr[] = {
		{ f1, (uint32_t)(4 + l4), 0 },
		{ f2, (uint32_t)(4 + l6), 0 },
		{ f4, (uint32_t)(4 + l4), 0 },
		{ f3, (uint32_t)(4 + l6), 0 },
	};
	dump_frames(DLT_NULL, fr, 4);
	r = open_ok();
	expect_pkt(r, ip4, l4);
	expect_pkt(r, ip6, l6);
	expect_pkt(r, ip6, l6);
	expect_eof(r);
	assert_int_equal(fp_pcap_reader_skipped_by(r, FP_PCAP_SKIP_NOT_IP), 1);
	fp_pcap_reader_close(r);
}

/* Raw IP under each number it goes by: 12 and 14 (DLT_RAW), 101
 * (LINKTYPE_RAW), 228/229 (one family only). */
static void test_raw_linktypes(void **state)
{
	static const uint32_t lts[] = { 12, 14, 101, 228, 229 };
	uint8_t ip4[64], ip6[100], junk[8] = { 0x20 };
	size_t l4 = make_ip4(ip4, 20, 4), l6 = make_ip6(ip6, 30, 6);
	struct frame fr[] = {
		{ ip4, (uint32_t)l4, 0 },
		{ junk, sizeof(junk), 0 },
		{ ip6, (uint32_t)l6, 0 },
	};
	struct fp_pcap_reader *r;

	(void)state;
	for (size_t i = 0; i < sizeof(lts) / sizeof(lts[0]); i++) {
		dump_frames(DLT_RAW, fr, 3);
		patch_linktype(lts[i]);
		r = open_ok();
		if (lts[i] != 229)
			expect_pkt(r, ip4, l4);
		if (lts[i] != 228)
			expect_pkt(r, ip6, l6);
		expect_eof(r);
		assert_int_equal(fp_pcap_reader_skipped_by(r, FP_PCAP_SKIP_NOT_IP),
				 lts[i] >= 228 ? 2 : 1);
		fp_pcap_reader_close(r);
	}
}

static void test_unsupported_linktype(void **state)
{
	uint8_t f[30] = { 0 };
	struct frame fr[] = { { f, sizeof(f), 0 } };
	char err[256] = "";

	(void)state;
	dump_frames(DLT_IEEE802_11, fr, 1);
	assert_null(fp_pcap_reader_open(path, err, sizeof(err)));
	assert_non_null(strstr(err, "IEEE802_11"));
	assert_non_null(strstr(err, "(105)"));
	assert_non_null(strstr(err, path));
}

/* A record bigger than a packet buffer is skipped; one that just fits is not. */
static void test_too_big(void **state)
{
	static uint8_t big[FP_PCAP_MAX_PKT + 1];
	struct frame fr[] = {
		{ big, FP_PCAP_MAX_PKT + 1, 0 },
		{ big, FP_PCAP_MAX_PKT, 0 },
	};
	struct fp_pcap_reader *r;

	(void)state;
	make_ip6(big, FP_PCAP_MAX_PKT + 1 - 40, 9);
	big[4] = big[5] = 0; /* jumbo: length 0, nothing to trim by */
	dump_frames(DLT_RAW, fr, 2);
	r = open_ok();
	expect_pkt(r, big, FP_PCAP_MAX_PKT);
	expect_eof(r);
	assert_int_equal(fp_pcap_reader_skipped_by(r, FP_PCAP_SKIP_TOO_BIG), 1);
	fp_pcap_reader_close(r);
}

/* A file cut inside the last record's data, then inside its header: the
 * whole records before come out, then the end, the cut one counted. */
static void test_truncated_file(void **state)
{
	uint8_t a[200], b[200];
	size_t la = make_ip4(a, 100, 1), lb = make_ip4(b, 100, 2);
	struct frame fr[] = { { a, (uint32_t)la, 0 }, { b, (uint32_t)lb, 0 } };
	off_t full = 24 + 2 * (16 + 120);
	struct fp_pcap_reader *r;

	(void)state;
	for (int cut = 0; cut < 2; cut++) {
		dump_frames(DLT_RAW, fr, 2);
		assert_int_equal(truncate(path, cut ? full - 120 - 8 : full - 7), 0);
		r = open_ok();
		expect_pkt(r, a, la);
		expect_eof(r);
		assert_int_equal(fp_pcap_reader_skipped_by(r, FP_PCAP_SKIP_TRUNCATED), 1);
		fp_pcap_reader_close(r);
	}
}

static void test_skip_names(void **state)
{
	(void)state;
	assert_string_equal(fp_pcap_skip_name(FP_PCAP_SKIP_NOT_IP), "not-ip");
	assert_string_equal(fp_pcap_skip_name(FP_PCAP_SKIP_TOO_BIG), "too-big");
	assert_string_equal(fp_pcap_skip_name(FP_PCAP_SKIP__COUNT), "unknown");
	assert_non_null(fp_pcap_skip_descr(FP_PCAP_SKIP_TRUNCATED));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_read_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_usec, setup, teardown),
		cmocka_unit_test(test_writer_open_fails),
		cmocka_unit_test(test_reader_open_missing),
		cmocka_unit_test_setup_teardown(test_ethernet_vlan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sll2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_linktypes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsupported_linktype, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_file, setup, teardown),
		cmocka_unit_test(test_skip_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
