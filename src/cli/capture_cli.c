/* The capture commands: capture, no capture, clear capture, show capture,
 * copy /pcap. Parsing of the capture line and rendering of its packets;
 * the captures themselves are offload/capture.c. docs/captures.md has the
 * syntax and sample output.
 *
 *   capture NAME [type raw-data] [buffer N] [circular-buffer] [packet-length N]
 *           { switch { interface IF [match PROTO A B] | real-time }
 *           | ipsec-offload [match spi SPI A B]
 *           | interface IF [match PROTO A B] }
 *   A, B: host ADDR | ADDR | ADDR MASK | ADDR/LEN | any | any4 | any6
 *   PROTO: ip | tcp | udp | icmp | icmp6 | esp | ah | gre | 0-255
 *
 * Options may come before or after the point; keywords may be shortened
 * while they stay unambiguous, as everywhere on the command line. */
#include "cli/cli_impl.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "io/pcapfile.h"
#include "offload/capture.h"

static const char *const invalid = "Invalid input detected at '^' marker.";

/* Until the gateway defines it (struct fp_gw gains its capture set), no
 * gateway has captures: the commands say so. A strong definition, the
 * gateway's or a test's, replaces this one at link time. */
__attribute__((weak)) struct fp_capset **fp_gw_capset(struct fp_gw *gw)
{
	(void)gw;
	return NULL;
}

/* The gateway's capture set, or NULL after an error line. */
static struct fp_capset *cli_capset(struct fp_cli_req *r)
{
	struct fp_capset **pcs = fp_gw_capset(r->gw);
	if (pcs && *pcs)
		return *pcs;
	fprintf(r->out, "ERROR: %% Captures are not available on this gateway\n");
	return NULL;
}

static int cli_incomplete(struct fp_cli_req *r)
{
	fprintf(r->out, "ERROR: %% Incomplete command\n");
	return -1;
}

/* ---- parsing -------------------------------------------------------- */

struct cap_parse {
	struct fp_cli_req *r;
	unsigned i;                  /* next word */
	struct fp_cap_spec spec;
	bool point_set;
};

/* The keyword of list[] that word w selects: the one it spells, else the
 * only one it begins; -1 if none or several. */
static int cap_kw(const char *w, const char *const *list, unsigned n)
{
	int found = -1;
	size_t len = strlen(w);
	for (unsigned k = 0; k < n; k++) {
		if (strcasecmp(list[k], w) == 0)
			return (int)k;
		if (len && len <= strlen(list[k]) && strncasecmp(list[k], w, len) == 0) {
			if (found >= 0)
				return -1;
			found = (int)k;
		}
	}
	return found;
}

#define NKW(list) (unsigned)(sizeof(list) / sizeof(list[0]))

/* The next word, or NULL after "Incomplete command". */
static const char *cap_word(struct cap_parse *cp)
{
	if (cp->i < cp->r->argc)
		return cp->r->argv[cp->i];
	cli_incomplete(cp->r);
	return NULL;
}

/* A decimal (or 0x hex, base 0) number in [lo, hi] filling the word. */
static int cap_number(struct cap_parse *cp, int base, uint64_t lo, uint64_t hi, uint64_t *v)
{
	const char *w = cap_word(cp);
	if (!w)
		return -1;
	char *end;
	unsigned long long n = strtoull(w, &end, base);
	if (*w < '0' || *w > '9' || *end || n < lo || n > hi)
		return fp_cli_error_at(cp->r, cp->i, invalid);
	*v = n;
	cp->i++;
	return 0;
}

static void prefix_host(struct fp_prefix *p, const struct fp_addr *a)
{
	p->addr = *a;
	p->len = a->af == FP_AF_INET ? 32 : 128;
}

/* ADDR [MASK] after the address word: a dotted mask after an IPv4
 * address makes it a network (the ASA's "ADDR MASK"); else a host. */
static int cap_addr_bare(struct cap_parse *cp, struct fp_prefix *p, const char *w)
{
	struct fp_addr a;
	uint8_t len;
	if (strchr(w, '/')) {
		if (fp_prefix_parse(p, w) < 0)
			return fp_cli_error_at(cp->r, cp->i, invalid);
		cp->i++;
		return 0;
	}
	if (fp_addr_parse(&a, w) < 0)
		return fp_cli_error_at(cp->r, cp->i, invalid);
	prefix_host(p, &a);
	cp->i++;
	if (a.af == FP_AF_INET && cp->i < cp->r->argc && strchr(cp->r->argv[cp->i], '.') &&
	    fp_mask_parse(&len, cp->r->argv[cp->i]) == 0) {
		p->len = len;
		fp_prefix_normalize(p);
		cp->i++;
	}
	return 0;
}

/* host ADDR | ADDR [MASK] | ADDR/LEN | any | any4 | any6 */
static int cap_addr(struct cap_parse *cp, struct fp_prefix *p)
{
	static const char *const kws[] = { "host", "any", "any4", "any6" };
	const char *w = cap_word(cp);
	if (!w)
		return -1;
	memset(p, 0, sizeof(*p));
	int k = isdigit((unsigned char)*w) || strchr(w, ':') ? -1 : cap_kw(w, kws, NKW(kws));
	if (k < 0)
		return cap_addr_bare(cp, p, w);
	cp->i++;
	if (k == 2 || k == 3)
		p->addr.af = k == 2 ? FP_AF_INET : FP_AF_INET6;
	if (k != 0)
		return 0;
	struct fp_addr a;
	if (!(w = cap_word(cp)))
		return -1;
	if (fp_addr_parse(&a, w) < 0)
		return fp_cli_error_at(cp->r, cp->i, invalid);
	prefix_host(p, &a);
	cp->i++;
	return 0;
}

static const struct {
	const char *name;
	uint8_t proto;
} cap_protos[] = {
	{ "ip", 0 }, { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmp6", 58 },
	{ "esp", 50 }, { "ah", 51 }, { "gre", 47 },
};

static int cap_proto(struct cap_parse *cp, uint8_t *proto)
{
	const char *names[NKW(cap_protos)];
	for (unsigned k = 0; k < NKW(cap_protos); k++)
		names[k] = cap_protos[k].name;
	const char *w = cap_word(cp);
	if (!w)
		return -1;
	if (*w >= '0' && *w <= '9') {
		uint64_t v;
		if (cap_number(cp, 10, 0, 255, &v) < 0)
			return -1;
		*proto = (uint8_t)v;
		return 0;
	}
	int k = cap_kw(w, names, NKW(names));
	if (k < 0)
		return fp_cli_error_at(cp->r, cp->i, invalid);
	*proto = cap_protos[k].proto;
	cp->i++;
	return 0;
}

/* [eq PORT] after an address */
static int cap_port(struct cap_parse *cp, uint16_t *port)
{
	static const char *const eq_kw[] = { "eq" };
	uint64_t v;
	*port = 0;
	if (cp->i >= cp->r->argc || cap_kw(cp->r->argv[cp->i], eq_kw, 1) != 0)
		return 0;
	cp->i++;
	if (cap_number(cp, 10, 1, 65535, &v) < 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* match PROTO A [eq P] B [eq P], or at the offload point: match spi SPI A B */
static int cap_match(struct cap_parse *cp)
{
	struct fp_cap_match *m = &cp->spec.match;
	static const char *const spi_kw[] = { "spi" };
	if (!cp->point_set || cp->spec.has_match)
		return fp_cli_error_at(cp->r, cp->i - 1, invalid);
	cp->spec.has_match = true;
	if (cp->spec.point == FP_CAP_OFFLOAD) {
		uint64_t spi;
		const char *w = cap_word(cp);
		if (!w)
			return -1;
		if (cap_kw(w, spi_kw, 1) != 0)
			return fp_cli_error_at(cp->r, cp->i, invalid);
		cp->i++;
		if (cap_number(cp, 0, 1, UINT32_MAX, &spi) < 0)
			return -1;
		m->by_spi = true;
		m->spi = (uint32_t)spi;
	} else if (cap_proto(cp, &m->proto) < 0) {
		return -1;
	}
	if (cap_addr(cp, &m->a) < 0 || cap_port(cp, &m->port_a) < 0 || cap_addr(cp, &m->b) < 0 ||
	    cap_port(cp, &m->port_b) < 0)
		return -1;
	return 0;
}

static int cap_iface(struct cap_parse *cp)
{
	const char *w = cap_word(cp);
	if (!w)
		return -1;
	int ifc = fp_gw_iface_find(cp->r->gw, w);
	if (ifc < 0)
		return fp_cli_error_at(cp->r, cp->i, invalid);
	cp->spec.ifc = (uint16_t)ifc;
	cp->i++;
	return 0;
}

/* A capture point keyword; word i-1 was it. */
static int cap_point(struct cap_parse *cp, enum fp_cap_point pt)
{
	static const char *const sw_kw[] = { "interface", "real-time" };
	if (cp->point_set)
		return fp_cli_error_at(cp->r, cp->i - 1, invalid);
	cp->point_set = true;
	cp->spec.point = pt;
	if (pt == FP_CAP_DATAPATH)
		return cap_iface(cp);
	if (pt == FP_CAP_OFFLOAD || pt == FP_CAP_DTLS_OFFLOAD) {
		cp->spec.all_ifaces = true;
		return 0;
	}
	const char *w = cap_word(cp);
	if (!w)
		return -1;
	int k = cap_kw(w, sw_kw, NKW(sw_kw));
	if (k < 0)
		return fp_cli_error_at(cp->r, cp->i, invalid);
	cp->i++;
	if (k == 0)
		return cap_iface(cp);
	cp->spec.all_ifaces = cp->spec.realtime = true;
	return 0;
}

enum { KW_TYPE, KW_BUFFER, KW_CIRCULAR, KW_PKTLEN, KW_SWITCH, KW_OFFLOAD, KW_IFACE, KW_MATCH, KW_DTLS };

static int cap_option(struct cap_parse *cp, int k)
{
	static const char *const raw[] = { "raw-data" };
	uint64_t v;
	const char *w;
	switch (k) {
	case KW_TYPE:
		if (!(w = cap_word(cp)))
			return -1;
		if (cap_kw(w, raw, 1) != 0)
			return fp_cli_error_at(cp->r, cp->i, invalid);
		cp->i++;
		return 0;
	case KW_BUFFER:
		if (cap_number(cp, 10, FP_CAPTURE_BUFFER_MIN, FP_CAPTURE_BUFFER_MAX, &v) < 0)
			return -1;
		cp->spec.buffer = (uint32_t)v;
		return 0;
	case KW_CIRCULAR:
		cp->spec.circular = true;
		return 0;
	case KW_PKTLEN:
		if (cap_number(cp, 10, FP_CAPTURE_SNAP_MIN, FP_CAPTURE_SNAP_MAX, &v) < 0)
			return -1;
		cp->spec.snaplen = (uint32_t)v;
		return 0;
	case KW_SWITCH:
		return cap_point(cp, FP_CAP_SWITCH);
	case KW_OFFLOAD:
		return cap_point(cp, FP_CAP_OFFLOAD);
	case KW_IFACE:
		return cap_point(cp, FP_CAP_DATAPATH);
	case KW_DTLS:
		return cap_point(cp, FP_CAP_DTLS_OFFLOAD);
	default:
		return cap_match(cp);
	}
}

static int cap_parse_line(struct cap_parse *cp)
{
	static const char *const kws[] = { "type", "buffer", "circular-buffer", "packet-length",
					   "switch", "ipsec-offload", "interface", "match", "dtls-offload" };
	while (cp->i < cp->r->argc) {
		int k = cap_kw(cp->r->argv[cp->i], kws, NKW(kws));
		if (k < 0)
			return fp_cli_error_at(cp->r, cp->i, invalid);
		cp->i++;
		if (cap_option(cp, k) < 0)
			return -1;
	}
	return cp->point_set ? 0 : cli_incomplete(cp->r);
}

/* capture NAME ...: words 2.. are parsed here (the table lets any through). */
int fp_cli_cmd_capture(struct fp_cli_req *r)
{
	struct cap_parse cp = { .r = r, .i = 2 };
	char err[256];
	struct fp_capset *cs = cli_capset(r);
	if (!cs)
		return -1;
	if (strlen(r->argv[1]) >= FP_CAPTURE_NAME_MAX)
		return fp_cli_error_at(r, 1, invalid);
	fp_cap_spec_init(&cp.spec, r->argv[1], FP_CAP_DATAPATH);
	if (cap_parse_line(&cp) < 0)
		return -1;
	if (fp_capture_add(cs, &cp.spec, err, sizeof(err)) < 0) {
		fprintf(r->out, "ERROR: %% %s\n", err);
		return -1;
	}
	return 0;
}

/* ---- no / clear ----------------------------------------------------- */

static int cap_not_found(struct fp_cli_req *r, const char *name)
{
	fprintf(r->out, "ERROR: %% Capture %s does not exist\n", fp_cli_word_shown(name));
	return -1;
}

/* no capture NAME */
int fp_cli_cmd_no_capture(struct fp_cli_req *r)
{
	struct fp_capset *cs = cli_capset(r);
	if (!cs)
		return -1;
	if (fp_capture_remove(cs, r->argv[2]) < 0)
		return cap_not_found(r, r->argv[2]);
	return 0;
}

/* clear capture NAME | /all: the packets go, the captures stay. */
int fp_cli_cmd_clear_capture(struct fp_cli_req *r)
{
	struct fp_capset *cs = cli_capset(r);
	if (!cs)
		return -1;
	if (strcasecmp(r->argv[2], "/all") == 0) {
		for (unsigned i = 0; i < fp_capture_count(cs); i++)
			fp_capture_clear(cs, fp_capture_spec(cs, i)->name);
		return 0;
	}
	if (fp_capture_find(cs, r->argv[2]) < 0)
		return cap_not_found(r, r->argv[2]);
	if (fp_capture_clear(cs, r->argv[2]) < 0) {
		fprintf(r->out, "ERROR: %% Out of memory emptying capture %s\n", r->argv[2]);
		return -1;
	}
	return 0;
}

/* ---- show capture --------------------------------------------------- */

static const char *proto_name(uint8_t proto, char *buf, size_t n)
{
	for (unsigned k = 0; k < NKW(cap_protos); k++)
		if (cap_protos[k].proto == proto)
			return cap_protos[k].name;
	snprintf(buf, n, "%u", proto);
	return buf;
}

/* As typed back: any, any4/any6, host A, A MASK, A/LEN. */
static void addr_spec(const struct fp_prefix *p, FILE *out)
{
	char a[FP_ADDR_STRLEN], m[FP_ADDR_STRLEN];
	unsigned full = p->addr.af == FP_AF_INET ? 32 : 128;
	if (p->addr.af == FP_AF_NONE)
		fprintf(out, "any");
	else if (p->len == 0)
		fprintf(out, "any%c", p->addr.af == FP_AF_INET ? '4' : '6');
	else if (p->len == full)
		fprintf(out, "host %s", fp_addr_str(&p->addr, a, sizeof(a)));
	else if (p->addr.af == FP_AF_INET)
		fprintf(out, "%s %s", fp_addr_str(&p->addr, a, sizeof(a)), fp_mask_str(p->len, m, sizeof(m)));
	else
		fprintf(out, "%s/%u", fp_addr_str(&p->addr, a, sizeof(a)), p->len);
}

static void cap_match_line(const struct fp_cap_spec *s, FILE *out)
{
	char b[8];
	if (!s->has_match)
		return;
	if (s->match.by_spi)
		fprintf(out, "  match spi 0x%08X ", s->match.spi);
	else
		fprintf(out, "  match %s ", proto_name(s->match.proto, b, sizeof(b)));
	addr_spec(&s->match.a, out);
	if (s->match.port_a)
		fprintf(out, " eq %u", s->match.port_a);
	fputc(' ', out);
	addr_spec(&s->match.b, out);
	if (s->match.port_b)
		fprintf(out, " eq %u", s->match.port_b);
	fputc('\n', out);
}

static const char *iface_name(const struct fp_gw *gw, uint16_t ifc)
{
	return ifc < gw->n_ifaces ? gw->ifaces[ifc].cfg->nameif : "?";
}

/* "capture NAME [switch|ipsec-offload] type raw-data [options] WHERE [state - N bytes]" */
static void cap_list_one(const struct fp_gw *gw, struct fp_capset *cs, unsigned i, FILE *out)
{
	const struct fp_cap_spec *s = fp_capture_spec(cs, i);
	uint64_t bytes;
	bool full;
	fp_capture_usage(cs, i, &bytes, &full);
	fprintf(out, "capture %s%s type raw-data", s->name,
		s->point == FP_CAP_SWITCH ? " switch"
		: s->point == FP_CAP_OFFLOAD ? " ipsec-offload"
		: s->point == FP_CAP_DTLS_OFFLOAD ? " dtls-offload" : "");
	if (s->buffer != FP_CAPTURE_BUFFER_DEFAULT)
		fprintf(out, " buffer %" PRIu32, s->buffer);
	if (s->circular)
		fprintf(out, " circular-buffer");
	if (s->snaplen != FP_CAPTURE_SNAP_DEFAULT)
		fprintf(out, " packet-length %" PRIu32, s->snaplen);
	if (s->realtime)
		fprintf(out, " real-time");
	else if (!s->all_ifaces)
		fprintf(out, " interface %s", iface_name(gw, s->ifc));
	fprintf(out, " [%s - %" PRIu64 " bytes]\n", full ? "Buffer Full" : "Capturing", bytes);
	cap_match_line(s, out);
}

void fp_show_capture_list(const struct fp_gw *gw, struct fp_capset *cs, FILE *out)
{
	for (unsigned i = 0; i < fp_capture_count(cs); i++)
		cap_list_one(gw, cs, i, out);
}

/* 16 bytes a line as 8 groups of 4 hex digits (the offload note's dump). */
static void cap_hex(const uint8_t *d, uint32_t n, FILE *out)
{
	for (uint32_t i = 0; i < n; i += 16) {
		uint32_t end = i + 16 < n ? i + 16 : n;
		for (uint32_t k = i; k < end; k += 2) {
			if (k > i)
				fputc(' ', out);
			if (k + 1 < end)
				fprintf(out, "%02x%02x", d[k], d[k + 1]);
			else
				fprintf(out, "%02x", d[k]);
		}
		fputc('\n', out);
	}
}

/* Source and destination of the captured bytes, or "-" when they do not
 * hold them. */
static void rec_addrs(const struct fp_cap_rec *c, char *src, char *dst, size_t n)
{
	struct fp_addr a = { 0 };
	unsigned v = c->caplen ? c->data[0] >> 4 : 0;
	unsigned alen = v == 4 ? 4 : 16, off = v == 4 ? 12 : 8, need = v == 4 ? 20 : 40;
	snprintf(src, n, "-");
	snprintf(dst, n, "-");
	if ((v != 4 && v != 6) || c->caplen < need)
		return;
	a.af = v == 4 ? FP_AF_INET : FP_AF_INET6;
	memcpy(a.a, c->data + off, alen);
	fp_addr_str(&a, src, n);
	memcpy(a.a, c->data + off + alen, alen);
	fp_addr_str(&a, dst, n);
}

/* "1: 13:54:40.883758 SRC DST 0x0800 Length: 202" then the dump. The
 * time is UTC; the ethertype is the packet's IP version's. */
static void cap_packet(unsigned no, const struct fp_cap_rec *c, FILE *out)
{
	char src[FP_ADDR_STRLEN], dst[FP_ADDR_STRLEN], hms[16] = "??:??:??";
	time_t t = (time_t)(c->ts_ns / 1000000000u);
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	rec_addrs(c, src, dst, sizeof(src));
	unsigned v = c->caplen ? c->data[0] >> 4 : 0;
	fprintf(out, "%u: %s.%06u %s %s 0x%04x Length: %" PRIu32 "\n", no, hms,
		(unsigned)(c->ts_ns % 1000000000u / 1000u), src, dst,
		v == 4 ? 0x0800u : v == 6 ? 0x86ddu : 0u, c->len);
	cap_hex(c->data, c->caplen, out);
}

static const char *packets(unsigned n)
{
	return n == 1 || n == 0 ? "packet" : "packets";
}

void fp_show_capture_packets(const struct fp_cap_snap *s, unsigned first, unsigned count,
			     FILE *out)
{
	unsigned shown = 0;
	fprintf(out, "%u %s captured\n\n", s->n, packets(s->n));
	for (unsigned k = first; k < s->n && shown < count; k++, shown++)
		cap_packet(k + 1, &s->recs[k], out);
	fprintf(out, "%u %s shown\n", shown, packets(shown));
}

/* show capture: every capture, one line each (plus its match). */
int fp_cli_cmd_show_capture(struct fp_cli_req *r)
{
	struct fp_capset *cs = cli_capset(r);
	if (!cs)
		return -1;
	fp_show_capture_list(r->gw, cs, r->out);
	return 0;
}

/* A snapshot of capture name, or -1 after the error line. */
static int cap_snapshot(struct fp_cli_req *r, struct fp_capset *cs, const char *name,
			struct fp_cap_snap *s)
{
	int i = fp_capture_find(cs, name);
	if (i < 0) {
		memset(s, 0, sizeof(*s));
		return cap_not_found(r, name);
	}
	if (fp_capture_snapshot(cs, (unsigned)i, s) < 0) {
		fp_cap_snap_free(s);
		fprintf(r->out, "ERROR: %% Out of memory reading capture %s\n", name);
		return -1;
	}
	return 0;
}

/* The NUMBER after "count" or "packet-number": 1 to 2^31-1. */
static int show_number(struct fp_cli_req *r, const char *word, const char *what, unsigned *n)
{
	char *end;
	unsigned long v = strtoul(word, &end, 10);
	if (word[0] < '0' || word[0] > '9' || *end || v < 1 || v > 0x7fffffffUL) {
		fprintf(r->out, "ERROR: %% %s must be a number from 1 to 2147483647, got '%s'\n", what,
			fp_cli_word_shown(word));
		return -1;
	}
	*n = (unsigned)v;
	return 0;
}

/* show capture NAME [count N | packet-number N]: all packets, the first N,
 * or packet N alone (numbered as in the full listing). */
int fp_cli_cmd_show_capture_name(struct fp_cli_req *r)
{
	struct fp_cap_snap s;
	unsigned first = 0, count = UINT_MAX, n = 0;
	struct fp_capset *cs = cli_capset(r);
	/* the word may be abbreviated; the table let only these two through */
	bool by_count = r->argc == 5 && r->argv[3][0] == 'c';
	if (r->argc == 5 &&
	    show_number(r, r->argv[4], by_count ? "count" : "packet-number", &n) < 0)
		return -1;
	if (by_count)
		count = n;
	else if (r->argc == 5)
		first = n - 1, count = 1;
	if (!cs || cap_snapshot(r, cs, r->argv[2], &s) < 0)
		return -1;
	fp_show_capture_packets(&s, first, count, r->out);
	fp_cap_snap_free(&s);
	return 0;
}

/* ---- copy /pcap capture:NAME FILE ----------------------------------- */

static int cap_pcap_write(struct fp_cli_req *r, const struct fp_cap_snap *s, const char *path)
{
	char err[256];
	struct fp_pcap_writer *w = fp_pcap_writer_create(path, err, sizeof(err));
	if (!w) {
		fprintf(r->out, "ERROR: %% %s\n", err);
		return -1;
	}
	int rc = 0;
	for (unsigned k = 0; k < s->n && rc == 0; k++)
		rc = fp_pcap_write(w, s->recs[k].data, s->recs[k].caplen, s->recs[k].ts_ns);
	if (rc == 0)
		rc = fp_pcap_writer_flush(w);
	fp_pcap_writer_close(w);
	if (rc < 0)
		fprintf(r->out, "ERROR: %% Write to %s failed\n", path);
	return rc;
}

static double cli_secs(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The packets as a raw-IP pcap file (LINKTYPE_RAW, ns timestamps):
 * tcpdump, tshark and Wireshark read it. A packet cut by packet-length is
 * written as captured. */
int fp_cli_cmd_copy_pcap(struct fp_cli_req *r)
{
	static const char prefix[] = "capture:";
	const char *src = r->argv[2];
	struct fp_cap_snap s;
	if (strncasecmp(src, prefix, sizeof(prefix) - 1) != 0 || !src[sizeof(prefix) - 1])
		return fp_cli_error_at(r, 2, invalid);
	struct fp_capset *cs = cli_capset(r);
	double t0 = cli_secs();
	if (!cs || cap_snapshot(r, cs, src + sizeof(prefix) - 1, &s) < 0)
		return -1;
	int rc = cap_pcap_write(r, &s, r->argv[3]);
	if (rc == 0)
		fprintf(r->out, "%u %s copied in %.1f secs\n", s.n, packets(s.n), cli_secs() - t0);
	fp_cap_snap_free(&s);
	return rc;
}
