/* libFuzzer target: the offline mode's pcap reader (pcapfile.h), a parser
 * of capture files the operator hands in: libpcap reads the file format
 * (pcap in either byte order, micro- or nanosecond, pcapng), pcapfile.c
 * strips the link layer. The input is a whole capture file, put in a memfd
 * and opened through /proc/self/fd, so no run touches the disk; every
 * record is read until the reader reports the end or an error. Oracle:
 * a failed open or read comes with a message; every packet handed out is
 * not empty, starts at the standard headroom and fits the buffer
 * (FP_PCAP_MAX_PKT); on the raw IP link types, where the reader reads the
 * version itself, it starts with an IP version the link type allows; the
 * end of the file stays the end. The packets then go through the pcap
 * writer into a second memfd (micro- or nanosecond, by the input's size)
 * and are read back: those that start with an IPv4 or IPv6 version come
 * back byte for byte, in order, with their timestamps (rounded down to the
 * microsecond in a microsecond file), and the others are skipped as not
 * IP. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io/pcapfile.h"

struct copy {
	uint8_t *data;
	uint32_t len;
	uint64_t ts_ns;
};

static struct fp_pkt *pkt;
static struct copy *copies;
static size_t n_copies, cap_copies;

static void setup(void)
{
	if (pkt)
		return;
	pkt = aligned_alloc(64, sizeof(*pkt));
	if (!pkt)
		abort();
}

/* A memfd holding data, its /proc path in path. -1 when none can be made. */
static int memfd_with(const uint8_t *data, size_t size, char *path, size_t pathlen)
{
	int fd = memfd_create("fuzz_pcap", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	for (size_t off = 0; off < size;) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

static int ip_version(const struct fp_pkt *p)
{
	return p->data[0] >> 4;
}

static void check_pkt(const struct fp_pcap_reader *r, const struct fp_pkt *p)
{
	const char *lt = fp_pcap_reader_linktype(r);
	int v = ip_version(p);

	if (p->data != p->buf + FP_PKT_HEADROOM || p->len == 0 || p->len > FP_PCAP_MAX_PKT ||
	    p->data + p->len > p->buf + sizeof(p->buf))
		abort();
	if ((!strcmp(lt, "RAW") && v != 4 && v != 6) || (!strcmp(lt, "IPV4") && v != 4) ||
	    (!strcmp(lt, "IPV6") && v != 6))
		abort();
}

static void keep(const struct fp_pkt *p)
{
	if (n_copies == cap_copies) {
		cap_copies = cap_copies ? 2 * cap_copies : 16;
		copies = realloc(copies, cap_copies * sizeof(*copies));
		if (!copies)
			abort();
	}
	struct copy *c = &copies[n_copies++];
	c->data = malloc(p->len);
	if (!c->data)
		abort();
	memcpy(c->data, p->data, p->len);
	c->len = p->len;
	c->ts_ns = p->ts_ns;
}

static void drop_copies(void)
{
	for (size_t i = 0; i < n_copies; i++)
		free(copies[i].data);
	n_copies = 0;
}

/* Read r to its end: every packet checked and kept. 0 at the end of the
 * file, -1 on a read error. */
static int read_all(struct fp_pcap_reader *r)
{
	char err[256];
	int rc;

	for (;;) {
		err[0] = '\0';
		rc = fp_pcap_read(r, pkt, err, sizeof(err));
		if (rc != 1)
			break;
		check_pkt(r, pkt);
		keep(pkt);
	}
	if (rc < 0 && !err[0])
		abort();
	if (rc == 0 && fp_pcap_read(r, pkt, err, sizeof(err)) != 0)
		abort();
	uint64_t sum = 0;
	for (unsigned i = 0; i < FP_PCAP_SKIP__COUNT; i++)
		sum += fp_pcap_reader_skipped_by(r, (enum fp_pcap_skip)i);
	if (sum != fp_pcap_reader_skipped(r))
		abort();
	return rc;
}

/* Write the kept packets to a memfd and read them back. */
static void round_trip(enum fp_pcap_tsprec prec)
{
	char path[64], err[256] = "";
	int fd = memfd_with(NULL, 0, path, sizeof(path));
	if (fd < 0)
		return;
	struct fp_pcap_writer *w = fp_pcap_writer_open_prec(path, prec, err, sizeof(err));
	if (!w)
		abort();
	for (size_t i = 0; i < n_copies; i++)
		if (fp_pcap_write(w, copies[i].data, copies[i].len, copies[i].ts_ns) < 0)
			abort();
	if (fp_pcap_writer_flush(w) < 0)
		abort();
	fp_pcap_writer_close(w);

	struct fp_pcap_reader *r = fp_pcap_reader_open(path, err, sizeof(err));
	if (!r)
		abort();
	size_t n_in = n_copies, n_ip = 0;
	for (size_t i = 0; i < n_in; i++) {
		const struct copy *c = &copies[i];
		int v = c->data[0] >> 4;
		if (v != 4 && v != 6)
			continue;
		n_ip++;
		err[0] = '\0';
		if (fp_pcap_read(r, pkt, err, sizeof(err)) != 1)
			abort();
		check_pkt(r, pkt);
		uint64_t ts = prec == FP_PCAP_USEC ? c->ts_ns / 1000u * 1000u : c->ts_ns;
		/* the file keeps seconds in a signed 32-bit field */
		bool ts_fits = c->ts_ns / 1000000000u <= INT32_MAX;
		if (pkt->len != c->len || memcmp(pkt->data, c->data, c->len) != 0 ||
		    (ts_fits && pkt->ts_ns != ts))
			abort();
	}
	if (fp_pcap_read(r, pkt, err, sizeof(err)) != 0 ||
	    fp_pcap_reader_skipped(r) != n_in - n_ip ||
	    fp_pcap_reader_skipped_by(r, FP_PCAP_SKIP_NOT_IP) != n_in - n_ip)
		abort();
	fp_pcap_reader_close(r);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[256] = "";

	setup();
	int fd = memfd_with(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	struct fp_pcap_reader *r = fp_pcap_reader_open(path, err, sizeof(err));
	close(fd); /* libpcap holds its own open file */
	if (!r) {
		if (!err[0])
			abort();
		return 0;
	}
	if (!fp_pcap_reader_linktype(r))
		abort();
	read_all(r);
	fp_pcap_reader_close(r);
	round_trip(size & 1 ? FP_PCAP_USEC : FP_PCAP_NSEC);
	drop_copies();
	return 0;
}
