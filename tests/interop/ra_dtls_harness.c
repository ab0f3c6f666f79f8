/* fpvpnd's DTLS wiring (src/datapath/ra_gw.c) in one thread, for
 * test_live_anyconnect_dtls.sh (docs/remote-access.md, DTLS): the
 * headend of src/ra (its own TCP 443 listener) with a plain UDP socket on
 * port 443 of the same address feeding fp_ra_dtls_input, env->dtls_out
 * sending with sendto, and the inside played by an ICMP echo answerer
 * (a client's echo request to any inside address comes back as the reply
 * through fp_ra_to_client), so openconnect's pings cross DTLS with no TUN.
 * With "engine", the datapath's part is played too: when the headend
 * says a channel may go to the engine (env->dtls_up), the harness takes
 * its rule (fp_ra_dtls_rule) into a DTLS rule table and from then on the
 * client's datagrams go through fp_dtls_classify/fp_dtls_inb_process,
 * ping replies and the headend's control frames through
 * fp_dtls_outb_process: libssl's keys against the client's, live.
 * On SIGTERM it prints the DTLS counters (and the rule's), each session's
 * DTLS version and cipher, then exits 0.
 *   ra_dtls_harness CONFIG_FILE [engine] */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/inet.h"
#include "config/config.h"
#include "datapath/dtls_rule.h"
#include "offload/pipe.h"
#include "ra/ra.h"
#include "ra/ra_dtls.h"

#include "../unit/udp_wrap.h"

static volatile sig_atomic_t stop;
static int udp = -1;
static struct fp_ra *ra;
static struct fp_addr local;          /* our address (UDP 443) */

/* engine mode: one rule at a time */
static struct fp_pipe pp;
static struct fp_dtlsdb *db;
static struct fp_pkt pkt;
static uint32_t rule = FP_DTLS_NONE, rule_index;
static struct fp_dtls_params rule_p;
static struct fp_dtls_rule_stats rule_last;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void dtls_out(void *ctx, const struct fp_addr *to, uint16_t port, const uint8_t *d, size_t n)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	(void)ctx;
	memcpy(&sin.sin_addr, to->a, 4);
	sendto(udp, d, n, 0, (struct sockaddr *)&sin, sizeof(sin));
}

/* A packet (flags: 0 an IP packet, FP_PKT_F_DTLS_CTRL a frame) protected
 * by the engine and sent without its outer IPv4 and UDP headers. */
static void engine_send(const uint8_t *d, size_t n, uint32_t flags)
{
	struct fp_pkt *p = &pkt;
	fp_pkt_reset(p);
	memcpy(p->data, d, n);
	p->len = (uint32_t)n;
	p->sa = rule;
	p->flags = flags;
	if (fp_dtls_outb_process(&pp, db, &p, 1) == 1 && p->len > 28)
		dtls_out(NULL, &rule_p.remote, rule_p.remote_port, p->data + 28, p->len - 28);
}

static void dtls_up(void *ctx, uint32_t index)
{
	const char *why = NULL;
	(void)ctx;
	if (!db || rule != FP_DTLS_NONE || fp_ra_dtls_rule(ra, index, &rule_p, &why) < 0) {
		fprintf(stderr, "harness: no rule for session %u: %s\n", index, why ? why : "-");
		return;
	}
	rule_p.local = local;
	rule_p.local_port = FP_RA_PORT;
	if (fp_dtls_rule_add(db, &rule_p, &rule, &why) < 0) {
		fprintf(stderr, "harness: rule refused: %s\n", why);
		rule = FP_DTLS_NONE;
		return;
	}
	rule_index = index;
	fprintf(stderr, "harness: session %u's DTLS in the engine, seq_out %llu\n", index,
		(unsigned long long)rule_p.seq_out);
}

static void dtls_down(void *ctx, uint32_t index)
{
	(void)ctx;
	if (rule == FP_DTLS_NONE || index != rule_index)
		return;
	fp_dtls_rule_del(db, rule, &rule_last);
	fp_tls_keys_cleanse(&rule_p.keys);
	rule = FP_DTLS_NONE;
}

static void dtls_ctrl_out(void *ctx, uint32_t index, const uint8_t *f, size_t n)
{
	(void)ctx, (void)index;
	engine_send(f, n, FP_PKT_F_DTLS_CTRL);
}

/* The inside: an ICMP echo request becomes its reply, back to the client. */
static void to_inside(void *ctx, const uint8_t *ip, size_t n)
{
	uint8_t p[2048];
	size_t hl = (size_t)(ip[0] & 0xf) * 4;
	(void)ctx;
	if (n > sizeof(p) || n < hl + 8 || ip[9] != 1 || ip[hl] != 8)
		return;
	memcpy(p, ip, n);
	memcpy(p + 12, ip + 16, 4);
	memcpy(p + 16, ip + 12, 4);
	p[hl] = 0;
	fp_put16(p + hl + 2, 0);
	fp_put16(p + hl + 2, fp_csum_fold(fp_csum_partial(p + hl, (uint32_t)(n - hl), 0)));
	if (rule != FP_DTLS_NONE)
		engine_send(p, n, 0); /* the engine's outbound, by pool address in fpvpnd */
	else
		fp_ra_to_client(ra, p, n);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int udp_open(const struct fp_config *cfg)
{
	const struct fp_cfg_iface *ifc = fp_config_iface_by_nameif(cfg, cfg->ra.webvpn.enable[0]);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(FP_RA_PORT) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (!ifc || fd < 0)
		return -1;
	memcpy(&sin.sin_addr, ifc->ip4.addr.a, 4);
	local = ifc->ip4.addr;
	return bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 ? fd : -1;
}

/* A datagram on the rule's 6-tuple: the engine opens it; what it punts
 * goes to the headend (control frames decrypted, the rest as it came). */
static void engine_in(const struct fp_addr *from, uint16_t port, const uint8_t *d, size_t n)
{
	struct fp_pkt *p = &pkt;
	udp_wrap4(p, d, (uint32_t)n, from->a, port, local.a, FP_RA_PORT);
	fp_dtls_classify(db, &p, 1);
	if (fp_dtls_inb_process(&pp, db, &p, 1) == 1)
		to_inside(NULL, p->data, p->len);
	else if (p->drop == FP_DROP_DTLS_CONTROL_IN)
		fp_ra_dtls_control_in(ra, rule_index, p->data, p->len);
	else if (p->flags & FP_PKT_F_PUNT)
		fp_ra_dtls_input(ra, from, port, d, n);
}

static void udp_drain(void)
{
	uint8_t d[65536];
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	ssize_t n;
	while ((n = recvfrom(udp, d, sizeof(d), 0, (struct sockaddr *)&sin, &sl)) > 0) {
		struct fp_addr from = { .af = FP_AF_INET };
		memcpy(from.a, &sin.sin_addr, 4);
		if (rule != FP_DTLS_NONE &&
		    fp_dtls_lookup(db, &from, ntohs(sin.sin_port), &local, FP_RA_PORT) == rule)
			engine_in(&from, ntohs(sin.sin_port), d, (size_t)n);
		else
			fp_ra_dtls_input(ra, &from, ntohs(sin.sin_port), d, (size_t)n);
		sl = sizeof(sin);
	}
}

static void report(void)
{
	const struct fp_ra_stats *st = fp_ra_stats(ra);
	printf("dtls_rx %llu\ndtls_hs_ok %llu\ndtls_hs_fail %llu\ndtls_no_session %llu\n"
	       "dtls_not_hello %llu\ndtls_data_rx %llu\ndtls_data_tx %llu\ndtls_dpd %llu\n"
	       "dtls_software_only %llu\ndtls_write_frozen %llu\ncstp_data_rx %llu\n",
	       (unsigned long long)st->dtls_rx, (unsigned long long)st->dtls_hs_ok,
	       (unsigned long long)st->dtls_hs_fail, (unsigned long long)st->dtls_no_session,
	       (unsigned long long)st->dtls_not_hello, (unsigned long long)st->dtls_data_rx,
	       (unsigned long long)st->dtls_data_tx, (unsigned long long)st->dtls_dpd,
	       (unsigned long long)st->dtls_software_only, (unsigned long long)st->dtls_write_frozen,
	       (unsigned long long)st->cstp_data_rx);
	if (rule != FP_DTLS_NONE)
		fp_dtls_rule_query(db, rule, &rule_last);
	printf("engine_data_in %llu\nengine_data_out %llu\nengine_ctrl_in %llu\n"
	       "engine_ctrl_out %llu\nengine_replay_fail %llu\nengine_rcv_fail %llu\n",
	       (unsigned long long)rule_last.data_in, (unsigned long long)rule_last.data_out,
	       (unsigned long long)rule_last.ctrl_in, (unsigned long long)rule_last.ctrl_out,
	       (unsigned long long)rule_last.replay_fail, (unsigned long long)rule_last.rcv_fail);
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++) {
		const struct fp_ra_session *s = fp_ra_session_at(ra, i);
		if (s->index)
			printf("session %u %s dtls %s %s\n", s->index, s->user,
			       s->dtls_version[0] ? s->dtls_version : "-",
			       s->dtls_cipher[0] ? s->dtls_cipher : "-");
	}
}

int main(int argc, char **argv)
{
	char err[512];
	struct fp_config *cfg = fp_config_new();
	struct fp_ra_env env = { .to_inside = to_inside, .dtls_out = dtls_out, .dtls_up = dtls_up,
				 .dtls_down = dtls_down, .dtls_ctrl_out = dtls_ctrl_out };
	if (argc == 3 && strcmp(argv[2], "engine") == 0) {
		if (fp_pipe_init(&pp, 0, false, 4, FP_CRYPTO_AUTO) < 0 ||
		    !(db = fp_dtlsdb_new(4, FP_CRYPTO_AUTO)))
			return 1;
		argc--;
	}
	if (argc != 2 || fp_config_load(cfg, argv[1], err, sizeof(err)) < 0 ||
	    fp_config_validate(cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "usage: %s CONFIG (%s)\n", argv[0], argc == 2 ? err : "");
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	if (!(ra = fp_ra_new(cfg, &env, err, sizeof(err))) || (udp = udp_open(cfg)) < 0) {
		fprintf(stderr, "ra_dtls_harness: %s\n", ra ? strerror(errno) : err);
		return 1;
	}
	while (!stop) {
		struct pollfd p[2] = { { fp_ra_fd(ra), POLLIN, 0 }, { udp, POLLIN, 0 } };
		poll(p, 2, 20);
		udp_drain();
		fp_ra_poll(ra, now_ns());
	}
	report();
	fp_ra_free(ra);
	fp_config_free(cfg);
	close(udp);
	if (db) {
		fp_dtlsdb_free(db);
		fp_pipe_fini(&pp);
	}
	return 0;
}
