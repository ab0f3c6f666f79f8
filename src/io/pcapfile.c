/* pcap files in and out, through libpcap (see pcapfile.h).
 *
 * Reading is two steps, as for any header we parse: find where the IP
 * packet starts in the frame (link_*), then check lengths and copy. */
#include "io/pcapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ETH_HLEN 14u
#define ETH_P_IP 0x0800u
#define ETH_P_IPV6 0x86ddu
#define ETH_P_8021Q 0x8100u
#define ETH_P_8021AD 0x88a8u
#define ETH_P_QINQ_OLD 0x9100u   /* pre-802.1ad QinQ outer tag */
#define VLAN_TAGS_MAX 4u
#define SLL_HLEN 16u             /* protocol at offset 14 */
#define SLL2_HLEN 20u            /* protocol at offset 0 */
#define NULL_HLEN 4u             /* address family, writer's byte order */
#define LINKTYPE_RAW 101
#define DLT_RAW_LINUX 12         /* DLT_RAW everywhere but OpenBSD */
#define DLT_RAW_OPENBSD 14
#define SNAPLEN_MAX 262144       /* libpcap's MAXIMUM_SNAPLEN */

static const char *const skip_names[] = {
#define FP_PCAP_SKIP_NAME(n, s, d) s,
	FP_PCAP_SKIP_LIST(FP_PCAP_SKIP_NAME)
#undef FP_PCAP_SKIP_NAME
};

static const char *const skip_descrs[] = {
#define FP_PCAP_SKIP_DESCR(n, s, d) d,
	FP_PCAP_SKIP_LIST(FP_PCAP_SKIP_DESCR)
#undef FP_PCAP_SKIP_DESCR
};

const char *fp_pcap_skip_name(unsigned s)
{
	return s < FP_PCAP_SKIP__COUNT ? skip_names[s] : "unknown";
}

const char *fp_pcap_skip_descr(unsigned s)
{
	return s < FP_PCAP_SKIP__COUNT ? skip_descrs[s] : "Unknown skip reason";
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static inline uint16_t get_be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t get_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint32_t get_le32(const uint8_t *b)
{
	return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

/* ---- link layers: where the IP packet starts ---- */

enum link_kind { LINK_ETH, LINK_SLL, LINK_SLL2, LINK_NULL, LINK_RAW, LINK_IPV4, LINK_IPV6 };

/* What the link layer says about one frame. */
struct link_view {
	uint32_t off;  /* first byte of the IP header */
	int family;    /* 4, 6, or 0 when not IP */
	bool padded;   /* the link may pad short frames: trim to the IP length */
};

/* Returns a skip reason, or -1 when v describes an IP packet. */
typedef int (*link_fn)(const uint8_t *f, uint32_t caplen, struct link_view *v);

static int family_of_ethertype(uint16_t type)
{
	if (type == ETH_P_IP)
		return 4;
	return type == ETH_P_IPV6 ? 6 : 0;
}

static bool ethertype_is_vlan(uint16_t type)
{
	return type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ_OLD;
}

static int link_eth(const uint8_t *f, uint32_t caplen, struct link_view *v)
{
	uint32_t off = ETH_HLEN - 2; /* the first ethertype or TPID */
	unsigned tags = 0;
	uint16_t type;

	if (caplen < ETH_HLEN)
		return FP_PCAP_SKIP_SHORT;
	type = get_be16(f + off);
	while (ethertype_is_vlan(type) && tags++ < VLAN_TAGS_MAX) {
		off += 4;
		if (caplen < off + 2)
			return FP_PCAP_SKIP_SHORT;
		type = get_be16(f + off);
	}
	v->off = off + 2;
	v->family = family_of_ethertype(type);
	v->padded = true;
	return -1;
}

static int link_sll(const uint8_t *f, uint32_t caplen, struct link_view *v)
{
	if (caplen < SLL_HLEN)
		return FP_PCAP_SKIP_SHORT;
	v->off = SLL_HLEN;
	v->family = family_of_ethertype(get_be16(f + 14));
	v->padded = true;
	return -1;
}

static int link_sll2(const uint8_t *f, uint32_t caplen, struct link_view *v)
{
	if (caplen < SLL2_HLEN)
		return FP_PCAP_SKIP_SHORT;
	v->off = SLL2_HLEN;
	v->family = family_of_ethertype(get_be16(f));
	v->padded = true;
	return -1;
}

/* BSD loopback: a 4-byte address family in the writing host's byte order
 * (DLT_NULL) or network order (DLT_LOOP). AF_INET is 2 everywhere; AF_INET6
 * is 10 (Linux), 24 (NetBSD, OpenBSD), 28 (FreeBSD) or 30 (macOS). */
static int link_null(const uint8_t *f, uint32_t caplen, struct link_view *v)
{
	uint32_t af;

	if (caplen < NULL_HLEN)
		return FP_PCAP_SKIP_SHORT;
	af = get_le32(f);
	if (af > 0xffff)
		af = get_be32(f);
	v->off = NULL_HLEN;
	v->family = af == 2 ? 4 : (af == 10 || af == 24 || af == 28 || af == 30) ? 6 : 0;
	v->padded = false;
	return -1;
}

static int link_raw(const uint8_t *f, uint32_t caplen, struct link_view *v)
{
	unsigned ver;

	if (caplen < 1)
		return FP_PCAP_SKIP_SHORT;
	ver = f[0] >> 4;
	v->off = 0;
	v->family = ver == 4 || ver == 6 ? (int)ver : 0;
	v->padded = false;
	return -1;
}

static int link_ipv4(const uint8_t *f, uint32_t caplen, struct link_view *v)
{
	int rc = link_raw(f, caplen, v);

	if (rc < 0 && v->family != 4)
		v->family = 0;
	return rc;
}

static int link_ipv6(const uint8_t *f, uint32_t caplen, struct link_view *v)
{
	int rc = link_raw(f, caplen, v);

	if (rc < 0 && v->family != 6)
		v->family = 0;
	return rc;
}

/* The reader for a DLT, NULL when the link type is not supported. */
static link_fn link_for_dlt(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
		return link_eth;
	case DLT_LINUX_SLL:
		return link_sll;
	case DLT_LINUX_SLL2:
		return link_sll2;
	case DLT_NULL:
	case DLT_LOOP:
		return link_null;
	case DLT_RAW_LINUX:
	case DLT_RAW_OPENBSD:
	case LINKTYPE_RAW:
		return link_raw;
	case DLT_IPV4:
		return link_ipv4;
	case DLT_IPV6:
		return link_ipv6;
	default:
		return NULL;
	}
}

/* Ethernet pads frames to 60 bytes: the IP header's length is the truth
 * when it says less than what is left (IPv6 jumbograms say 0: keep all). */
static uint32_t ip_trim(const uint8_t *ip, uint32_t len, int family)
{
	uint32_t want;

	if (family == 4 && len >= 4) {
		want = get_be16(ip + 2);
		return want >= 20 && want < len ? want : len;
	}
	if (family == 6 && len >= 6) {
		want = get_be16(ip + 4);
		return want && want + 40 < len ? want + 40 : len;
	}
	return len;
}

/* ---- reader ---- */

struct fp_pcap_reader {
	pcap_t *pr_pcap;
	link_fn pr_link;
	int pr_dlt;
	bool pr_eof;
	uint64_t pr_skips[FP_PCAP_SKIP__COUNT];
};

struct fp_pcap_reader *fp_pcap_reader_open(const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct fp_pcap_reader *r;
	const char *name;
	pcap_t *pc;

	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!pc) {
		set_err(err, errlen, "%s: %s", path, ebuf);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		set_err(err, errlen, "%s: out of memory", path);
		pcap_close(pc);
		return NULL;
	}
	r->pr_pcap = pc;
	r->pr_dlt = pcap_datalink(pc);
	r->pr_link = link_for_dlt(r->pr_dlt);
	if (!r->pr_link) {
		name = pcap_datalink_val_to_name(r->pr_dlt);
		set_err(err, errlen,
			"%s: link type %s (%d) is not supported: want Ethernet, raw IP, "
			"Linux cooked (SLL, SLL2) or loopback (NULL, LOOP)",
			path, name ? name : "unknown", r->pr_dlt);
		fp_pcap_reader_close(r);
		return NULL;
	}
	return r;
}

/* Copy the IP packet of one record into p, or say why it is skipped:
 * -1 when p holds a packet, else an enum fp_pcap_skip. */
static int reader_take(struct fp_pcap_reader *r, const struct pcap_pkthdr *h,
		       const uint8_t *frame, struct fp_pkt *p)
{
	struct link_view v;
	uint32_t len;
	int why;

	if (h->caplen < h->len)
		return FP_PCAP_SKIP_TRUNCATED;
	why = r->pr_link(frame, h->caplen, &v);
	if (why >= 0)
		return why;
	if (!v.family)
		return FP_PCAP_SKIP_NOT_IP;
	len = h->caplen - v.off;
	if (v.padded)
		len = ip_trim(frame + v.off, len, v.family);
	if (len == 0)
		return FP_PCAP_SKIP_SHORT;
	if (len > FP_PCAP_MAX_PKT)
		return FP_PCAP_SKIP_TOO_BIG;
	fp_pkt_reset(p);
	memcpy(p->data, frame + v.off, len);
	p->len = len;
	p->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
	return -1;
}

/* A file cut inside a record (a killed tcpdump) ends there; libpcap says
 * so only in its message ("truncated dump file; ...", also for pcapng). */
static int reader_error(struct fp_pcap_reader *r, char *err, size_t errlen)
{
	const char *msg = pcap_geterr(r->pr_pcap);

	if (!strncmp(msg, "truncated", 9)) {
		r->pr_skips[FP_PCAP_SKIP_TRUNCATED]++;
		r->pr_eof = true;
		return 0;
	}
	set_err(err, errlen, "pcap read: %s", msg);
	return -1;
}

int fp_pcap_read(struct fp_pcap_reader *r, struct fp_pkt *p, char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *frame;
	int rc, why;

	while (!r->pr_eof) {
		rc = pcap_next_ex(r->pr_pcap, &h, &frame);
		if (rc == PCAP_ERROR_BREAK) {
			r->pr_eof = true;
			break;
		}
		if (rc == PCAP_ERROR)
			return reader_error(r, err, errlen);
		if (rc != 1)
			continue;
		why = reader_take(r, h, frame, p);
		if (why < 0)
			return 1;
		r->pr_skips[why]++;
	}
	return 0;
}

uint64_t fp_pcap_reader_skipped(const struct fp_pcap_reader *r)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < FP_PCAP_SKIP__COUNT; i++)
		n += r->pr_skips[i];
	return n;
}

uint64_t fp_pcap_reader_skipped_by(const struct fp_pcap_reader *r, enum fp_pcap_skip why)
{
	return (unsigned)why < FP_PCAP_SKIP__COUNT ? r->pr_skips[why] : 0;
}

const char *fp_pcap_reader_linktype(const struct fp_pcap_reader *r)
{
	const char *name;

	if (r->pr_link == link_raw)
		return "RAW";
	name = pcap_datalink_val_to_name(r->pr_dlt);
	return name ? name : "unknown";
}

void fp_pcap_reader_close(struct fp_pcap_reader *r)
{
	if (!r)
		return;
	if (r->pr_pcap)
		pcap_close(r->pr_pcap);
	free(r);
}

/* ---- writer ---- */

struct fp_pcap_writer {
	pcap_t *pw_pcap;          /* a dead handle: link type and precision */
	pcap_dumper_t *pw_dump;
	bool pw_nsec;
	bool pw_failed;           /* a write error was seen */
};

/* The writer on fd (closed on failure), which was opened on path. */
static struct fp_pcap_writer *writer_fdopen(int fd, const char *path, enum fp_pcap_tsprec prec,
					    char *err, size_t errlen)
{
	struct fp_pcap_writer *w = calloc(1, sizeof(*w));
	u_int tsp = prec == FP_PCAP_USEC ? PCAP_TSTAMP_PRECISION_MICRO : PCAP_TSTAMP_PRECISION_NANO;
	FILE *f = fdopen(fd, "w");

	if (!w || !f) {
		set_err(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	w->pw_nsec = prec != FP_PCAP_USEC;
	w->pw_pcap = pcap_open_dead_with_tstamp_precision(DLT_RAW_LINUX, SNAPLEN_MAX, tsp);
	if (!w->pw_pcap) {
		set_err(err, errlen, "%s: pcap_open_dead failed", path);
		goto fail;
	}
	w->pw_dump = pcap_dump_fopen(w->pw_pcap, f);
	if (!w->pw_dump) {
		/* the header did not go: libpcap closed f (its other refusal,
		 * an unknown link type, cannot happen with ours) */
		set_err(err, errlen, "%s: %s", path, pcap_geterr(w->pw_pcap));
		fp_pcap_writer_close(w);
		return NULL;
	}
	return w;
fail:
	if (f)
		fclose(f);
	else
		close(fd);
	fp_pcap_writer_close(w);
	return NULL;
}

/* Packets written hold what crossed the inside interfaces in clear: the
 * file is made 0600. */
struct fp_pcap_writer *fp_pcap_writer_open_prec(const char *path, enum fp_pcap_tsprec prec,
						char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	return writer_fdopen(fd, path, prec, err, errlen);
}

struct fp_pcap_writer *fp_pcap_writer_open(const char *path, char *err, size_t errlen)
{
	return fp_pcap_writer_open_prec(path, FP_PCAP_NSEC, err, errlen);
}

/* O_EXCL refuses any name that exists, a link (dangling too) included, and
 * never follows it; lstat only picks the words. */
struct fp_pcap_writer *fp_pcap_writer_create(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0)
		return writer_fdopen(fd, path, FP_PCAP_NSEC, err, errlen);
	if (errno == EEXIST && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		set_err(err, errlen, "%s is a symbolic link: not followed, nothing written", path);
	else if (errno == EEXIST)
		set_err(err, errlen, "%s already exists: not overwritten", path);
	else
		set_err(err, errlen, "%s: %s", path, strerror(errno));
	return NULL;
}

int fp_pcap_write(struct fp_pcap_writer *w, const uint8_t *pkt, uint32_t len, uint64_t ts_ns)
{
	struct pcap_pkthdr h;
	uint64_t frac = ts_ns % 1000000000u;

	if (!len)
		return -1;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(ts_ns / 1000000000u);
	h.ts.tv_usec = (suseconds_t)(w->pw_nsec ? frac : frac / 1000u);
	h.caplen = len;
	h.len = len;
	pcap_dump((u_char *)w->pw_dump, &h, pkt);
	if (ferror(pcap_dump_file(w->pw_dump)))
		w->pw_failed = true;
	return w->pw_failed ? -1 : 0;
}

int fp_pcap_writer_flush(struct fp_pcap_writer *w)
{
	if (pcap_dump_flush(w->pw_dump) < 0)
		w->pw_failed = true;
	return w->pw_failed ? -1 : 0;
}

void fp_pcap_writer_close(struct fp_pcap_writer *w)
{
	if (!w)
		return;
	if (w->pw_dump)
		pcap_dump_close(w->pw_dump);
	if (w->pw_pcap)
		pcap_close(w->pw_pcap);
	free(w);
}
