/* pcap files in and out, through libpcap: the offline mode's interfaces and
 * the format captures are saved in.
 *
 * The reader hands out bare IP packets: it strips the link layer of the
 * capture formats a Linux operator meets (Ethernet with 802.1Q/QinQ tags,
 * raw IP, Linux cooked SLL/SLL2 from `tcpdump -i any`, BSD loopback) and
 * skips, with a counter per reason, what is not an IP packet or does not
 * fit. The writer writes raw IP (LINKTYPE_RAW, IPv4 and IPv6 in one file),
 * readable by tcpdump, tshark and Wireshark.
 *
 * Neither is for the hot path: each call copies one packet and may do I/O. */
#ifndef FP_PCAPFILE_H
#define FP_PCAPFILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/pkt.h"

/* Why the reader skipped a record; every skip is counted under one. */
#define FP_PCAP_SKIP_LIST(_)                                                     \
	_(NOT_IP, "not-ip", "Not an IPv4 or IPv6 packet (ARP, LLDP, ...)")       \
	_(SHORT, "short", "Record shorter than its link-layer header")          \
	_(TRUNCATED, "truncated", "Record cut short (caplen < len, or file ends inside it)") \
	_(TOO_BIG, "too-big", "IP packet larger than a packet buffer")

enum fp_pcap_skip {
#define FP_PCAP_SKIP_ENUM(n, s, d) FP_PCAP_SKIP_##n,
	FP_PCAP_SKIP_LIST(FP_PCAP_SKIP_ENUM)
#undef FP_PCAP_SKIP_ENUM
	FP_PCAP_SKIP__COUNT
};

const char *fp_pcap_skip_name(unsigned s);  /* "not-ip" */
const char *fp_pcap_skip_descr(unsigned s); /* "Not an IPv4 or IPv6 packet ..." */

/* The largest IP packet the reader hands out: a buffer less the headroom. */
#define FP_PCAP_MAX_PKT (FP_PKT_BUF_SIZE - FP_PKT_HEADROOM)

struct fp_pcap_reader;

/* Open a pcap or pcapng file for reading, timestamps at nanosecond
 * precision. Fails (NULL, reason in err) when the file cannot be read or
 * its link type is not one of Ethernet, raw IP (DLT_RAW, LINKTYPE_IPV4,
 * LINKTYPE_IPV6), Linux cooked SLL/SLL2 or DLT_NULL/DLT_LOOP; the message
 * then names the link type. Free with fp_pcap_reader_close(). */
struct fp_pcap_reader *fp_pcap_reader_open(const char *path, char *err, size_t errlen);

/* Read the next IP packet into p: p is reset (fp_pkt_reset), the IP
 * header is copied to p->data with the standard headroom in front, p->len
 * and p->ts_ns (capture time) are set; the caller sets p->ifc.
 * Records that are not IPv4/IPv6, are cut short or do not fit the buffer
 * are skipped and counted (fp_pcap_reader_skipped). Ethernet and SLL
 * padding behind the IP packet is trimmed off.
 * Returns 1 with a packet in p, 0 at the end of the file, -1 on a read
 * error (reason in err). A file that ends inside a record is an end of
 * file, the partial record counted as truncated. */
int fp_pcap_read(struct fp_pcap_reader *r, struct fp_pkt *p, char *err, size_t errlen);

/* Records skipped so far: all of them, or those of one reason. */
uint64_t fp_pcap_reader_skipped(const struct fp_pcap_reader *r);
uint64_t fp_pcap_reader_skipped_by(const struct fp_pcap_reader *r, enum fp_pcap_skip why);

/* The file's link type as libpcap names it ("EN10MB", "RAW", "LINUX_SLL2"). */
const char *fp_pcap_reader_linktype(const struct fp_pcap_reader *r);

/* Close the file and free r; NULL is allowed. */
void fp_pcap_reader_close(struct fp_pcap_reader *r);

struct fp_pcap_writer;

enum fp_pcap_tsprec {
	FP_PCAP_NSEC = 0, /* nanosecond timestamps (magic 0xa1b23c4d) */
	FP_PCAP_USEC = 1, /* microsecond timestamps, for tools that know no other */
};

/* Create (or truncate) path as a LINKTYPE_RAW pcap file with nanosecond
 * timestamps, mode 0600 when created. NULL with the reason in err on
 * failure. Free with fp_pcap_writer_close(). */
struct fp_pcap_writer *fp_pcap_writer_open(const char *path, char *err, size_t errlen);
/* The same with the timestamp precision chosen. */
struct fp_pcap_writer *fp_pcap_writer_open_prec(const char *path, enum fp_pcap_tsprec prec,
						char *err, size_t errlen);
/* fp_pcap_writer_open for a file that must be new (copy /pcap as root into
 * a folder others may write): refused when path exists, a symbolic link
 * (never followed) included, with err saying which; created mode 0600. */
struct fp_pcap_writer *fp_pcap_writer_create(const char *path, char *err, size_t errlen);

/* Append one IP packet (IPv4 or IPv6, starting at its IP header) stamped
 * ts_ns (nanoseconds since the epoch; microsecond files round down).
 * 0 on success, -1 on a write error or an empty packet. */
int fp_pcap_write(struct fp_pcap_writer *w, const uint8_t *pkt, uint32_t len, uint64_t ts_ns);

/* Push buffered records to the file. 0 on success, -1 on a write error
 * (seen here or by an earlier fp_pcap_write). */
int fp_pcap_writer_flush(struct fp_pcap_writer *w);

/* Flush, close the file and free w; NULL is allowed. Call
 * fp_pcap_writer_flush() first to learn about a failed last write. */
void fp_pcap_writer_close(struct fp_pcap_writer *w);

#endif
