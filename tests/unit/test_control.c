/* The control socket, server and clients in one process: the test drives
 * fp_control_poll() while its client sockets send and read, as fpvpnd's
 * main loop and fpvpn would. Normal commands and the protocol's
 * terminator, errors that keep the session, over-long lines, binary
 * garbage, the 17th session, clients that leave mid-line or with output
 * pending, the output limit, configure terminal, completion, and the
 * socket file's permissions, stale and live sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/control_conn.h"
#include "common/inet.h"
#include "config/config.h"
#include "datapath/gateway.h"
#include "offload/capture.h"

#define K36 "c0ffee030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
#define BIG_ACES 400u             /* in two ACLs: show running-config is about 30 kB */

static const char site_a[] =
	"hostname site-a\n"
	"interface eth0\n nameif outside\n ip address 198.51.100.1 255.255.255.0\n!\n"
	"interface eth1\n nameif inside\n ip address 10.1.0.1 255.255.255.0\n!\n"
	"access-list VPN extended permit ip 10.1.0.0 255.255.255.0 10.2.0.0 255.255.255.0\n"
	"crypto ipsec ikev2 ipsec-proposal GCM\n protocol esp encryption aes-gcm-256\n"
	"crypto map CM 10 match address VPN\n"
	"crypto map CM 10 set peer 198.51.100.2\n"
	"crypto map CM 10 set ikev2 ipsec-proposal GCM\n"
	"crypto map CM 10 set session-key inbound esp 4097 cipher " K36 "\n"
	"crypto map CM 10 set session-key outbound esp 8193 cipher " K36 "\n"
	"crypto map CM interface outside\n";

struct fixture {
	struct fp_gw *gw;
	struct fp_control *c;
	char dir[32], sock[64], conf[64];
};

/* One reply as the client reads it. */
struct reply {
	char *text;               /* the output, NUL-terminated (caller frees) */
	int status;
	char mode[16], prompt[128];
};

static void write_config(const char *path)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(site_a, f);
	for (unsigned i = 0; i < BIG_ACES; i++)
		fprintf(f, "access-list BIG%u extended permit tcp host 10.9.%u.%u eq %u any\n",
			i % 2, i / 250, i % 250 + 1, 1000 + i);
	fclose(f);
}

static struct fp_gw *load_gw(const char *path)
{
	char err[256];
	struct fp_config *c = fp_config_new();
	struct fp_gw *gw = calloc(1, sizeof(*gw));
	if (fp_config_load(c, path, err, sizeof(err)) < 0 ||
	    fp_config_validate(c, err, sizeof(err)) < 0 || fp_gw_init(gw, c, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	snprintf(gw->cfg_path, sizeof(gw->cfg_path), "%s", path);
	return gw;
}

/* The socket goes in a folder of the temporary one that does not exist
 * yet: fp_control_open makes it. */
static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	char err[256];
	snprintf(x->dir, sizeof(x->dir), "/tmp/test_control_XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->sock, sizeof(x->sock), "%s/run/fpvpnd.sock", x->dir);
	snprintf(x->conf, sizeof(x->conf), "%s/fpvpn.conf", x->dir);
	write_config(x->conf);
	x->gw = load_gw(x->conf);
	x->c = fp_control_open(x->sock, err, sizeof(err));
	if (!x->c)
		fail_msg("%s", err);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;
	char run[160];
	fp_control_close(x->c);
	snprintf(run, sizeof(run), "%s/run", x->dir);
	assert_int_equal(access(x->sock, F_OK), -1); /* close unlinked it */
	rmdir(run);
	unlink(x->conf);
	assert_int_equal(rmdir(x->dir), 0);
	fp_gw_fini(x->gw);
	free(x->gw);
	free(x);
	return 0;
}

static int client(struct fixture *x)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", x->sock);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void send_all(int fd, const void *data, size_t n)
{
	assert_int_equal(send(fd, data, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void pump(struct fixture *x, unsigned times)
{
	for (unsigned i = 0; i < times; i++)
		fp_control_poll(x->c, x->gw);
}

/* Read what fd has now into buf (grown); -1 at the end of the stream. */
static int client_read(int fd, char **buf, size_t *len, size_t *cap)
{
	if (*cap - *len < 65536) {
		*cap = *cap * 2 + 65536;
		*buf = realloc(*buf, *cap);
	}
	ssize_t n = recv(fd, *buf + *len, *cap - *len - 1, MSG_DONTWAIT);
	if (n == 0)
		return -1;
	*len += n > 0 ? (size_t)n : 0;
	(*buf)[*len] = '\0';
	return 0;
}

/* How many complete terminators (NUL ... '\n') buf holds; *last = the
 * NUL of the last one. */
static unsigned terminators(const char *buf, size_t len, const char **last)
{
	unsigned n = 0;
	for (const char *p = buf; (p = memchr(p, '\0', len - (size_t)(p - buf)));) {
		const char *nl = memchr(p, '\n', len - (size_t)(p - buf));
		if (!nl)
			break;
		*last = p;
		n++;
		p = nl + 1;
	}
	return n;
}

/* Drive the server until fd has had `count` replies: output, NUL,
 * "<status> <mode> <prompt>\n"; r gets the last one's status and prompt
 * and all the bytes. */
static void replies_read(struct fixture *x, int fd, unsigned count, struct reply *r)
{
	char *buf = NULL;
	const char *last = NULL;
	size_t len = 0, cap = 0;
	unsigned n = 0;
	for (unsigned i = 0; i < 100000 && n < count; i++) {
		fp_control_poll(x->c, x->gw);
		assert_int_equal(client_read(fd, &buf, &len, &cap), 0);
		n = terminators(buf, len, &last);
	}
	assert_int_equal(n, count);
	assert_int_equal(sscanf(last + 1, "%d %15s", &r->status, r->mode), 2);
	const char *prompt = strchr(strchr(last + 1, ' ') + 1, ' ') + 1;
	snprintf(r->prompt, sizeof(r->prompt), "%.*s", (int)strcspn(prompt, "\n"), prompt);
	assert_ptr_equal(strchr(prompt, '\n') + 1, buf + len); /* nothing after */
	r->text = buf;
}

static void reply_read(struct fixture *x, int fd, struct reply *r)
{
	replies_read(x, fd, 1, r);
}

/* Send a line (with its '\n'), check status and that the output holds
 * want; returns the output (caller frees). */
static char *ask(struct fixture *x, int fd, const char *line, int status, const char *want)
{
	struct reply r;
	send_all(fd, line, strlen(line));
	send_all(fd, "\n", 1);
	reply_read(x, fd, &r);
	if (r.status != status || (want && !strstr(r.text, want)))
		fprintf(stderr, "'%s': status %d, wanted %d and '%s':\n%s", line, r.status,
			status, want ? want : "", r.text);
	assert_int_equal(r.status, status);
	if (want)
		assert_non_null(strstr(r.text, want));
	return r.text;
}

static void ask_prompt(struct fixture *x, int fd, const char *line, const char *mode,
		       const char *prompt)
{
	struct reply r;
	send_all(fd, line, strlen(line));
	send_all(fd, "\n", 1);
	reply_read(x, fd, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.mode, mode);
	assert_string_equal(r.prompt, prompt);
	free(r.text);
}

static unsigned sessions(const struct fixture *x)
{
	int fds[64];
	return fp_control_fds(x->c, fds, 64) - 1;
}

static void test_socket_file(void **state)
{
	struct fixture *x = *state;
	struct stat st;
	char run[160], err[256];
	snprintf(run, sizeof(run), "%s/run", x->dir);
	assert_int_equal(stat(run, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(lstat(x->sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	/* a second daemon on a live socket: refused, the socket stays */
	assert_null(fp_control_open(x->sock, err, sizeof(err)));
	assert_non_null(strstr(err, "another fpvpnd answers on it"));
	assert_int_equal(access(x->sock, F_OK), 0);
	int fds[4];
	assert_int_equal(fp_control_fds(x->c, fds, 4), 1);
}

/* A dead daemon's socket is replaced; a file that is not a socket is
 * left alone. */
static void test_stale_socket(void **state)
{
	struct fixture *x = *state;
	char err[256], path[64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(path, sizeof(path), "%s/stale.sock", x->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	struct fp_control *c = fp_control_open(path, err, sizeof(err));
	assert_non_null(c);
	fp_control_close(c);
	assert_int_equal(access(path, F_OK), -1);
	FILE *f = fopen(path, "w");
	fclose(f);
	assert_null(fp_control_open(path, err, sizeof(err)));
	assert_non_null(strstr(err, "exists and is not a socket"));
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
}

static void test_commands(void **state)
{
	struct fixture *x = *state;
	int fd = client(x);
	ask_prompt(x, fd, "", "exec", "site-a# ");
	free(ask(x, fd, "show running-config", 0, "hostname site-a\n"));
	free(ask(x, fd, "sh cry ips sa", 0, "current_peer: 198.51.100.2\n"));
	free(ask(x, fd, "show ?", 0, "  running-config "));
	/* errors keep the session */
	free(ask(x, fd, "bogus", 1, "ERROR: % Invalid input detected at '^' marker.\n"));
	free(ask(x, fd, "show", 1, "ERROR: % Incomplete command\n"));
	free(ask(x, fd, "show running-config\r", 0, "hostname site-a\n"));
	/* a line in pieces */
	send_all(fd, "show run", 8);
	pump(x, 3);
	free(ask(x, fd, "ning-config", 0, "crypto map CM interface outside\n"));
	assert_int_equal(sessions(x), 1);
	close(fd);
	pump(x, 2);
	assert_int_equal(sessions(x), 0);
	const struct fp_control_stats *st = fp_control_stats(x->c);
	assert_int_equal(st->accepted, 1);
	assert_int_equal(st->lines, 8);
	assert_int_equal(st->closed_peer, 1);
}

/* Lines in one write get one reply each, in order. */
static void test_pipelined(void **state)
{
	struct fixture *x = *state;
	struct reply r;
	int fd = client(x);
	send_all(fd, "conf t\nhostname piped\nend\n", 26);
	replies_read(x, fd, 3, &r);
	assert_string_equal(r.prompt, "piped# ");
	assert_string_equal(r.mode, "exec");
	assert_int_equal(memcmp(r.text, "\0" "0 config site-a(config)# \n"
				"\0" "0 config piped(config)# \n" "\0" "0 exec piped# \n", 67), 0);
	free(r.text);
	close(fd);
	pump(x, 2);
}

static void test_long_line(void **state)
{
	struct fixture *x = *state;
	char *line = malloc(10001);
	memset(line, 'a', 10000);
	line[10000] = '\0';
	int fd = client(x);
	free(ask(x, fd, line, 1, "ERROR: % line too long (max 4096)\n"));
	free(ask(x, fd, "show running-config", 0, "hostname site-a\n"));
	/* 4096 bytes are a line (too long for the command table, not for the socket) */
	line[4096] = '\0';
	char *out = ask(x, fd, line, 1, "ERROR: % Input line longer than 512 characters\n");
	assert_null(strstr(out, "line too long"));
	free(out);
	line[4097] = '\0';
	line[4096] = 'a';
	free(ask(x, fd, line, 1, "ERROR: % line too long (max 4096)\n"));
	assert_int_equal(fp_control_stats(x->c)->too_long, 2);
	free(line);
	close(fd);
	pump(x, 2);
}

static void test_binary(void **state)
{
	struct fixture *x = *state;
	struct reply r;
	int fd = client(x);
	send_all(fd, "sh\0ow run\n", 10);
	reply_read(x, fd, &r);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.text, "ERROR: % unexpected byte 0x00 at column 3: a command line "
			    "is printable ASCII\n");
	free(r.text);
	send_all(fd, "\xff\xfe\x01\x1b[A\n", 7);
	reply_read(x, fd, &r);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.text, "unexpected byte 0xff at column 1"));
	free(r.text);
	free(ask(x, fd, "show running-config", 0, "hostname site-a\n"));
	assert_int_equal(fp_control_stats(x->c)->bad_bytes, 2);
	close(fd);
	pump(x, 2);
}

/* 16 sessions that sent only blank lines (no command) and a short idle
 * limit: the 17th client takes the slot of one of them. */
static void test_idle_evicted(void **state)
{
	struct fixture *x = *state;
	int fd[FP_CONTROL_MAX_SESSIONS + 1];
	for (unsigned i = 0; i < FP_CONTROL_MAX_SESSIONS; i++) {
		fd[i] = client(x);
		ask_prompt(x, fd[i], "", "exec", "site-a# ");
	}
	fp_control_set_idle_evict(x->c, 0);
	fd[16] = client(x);
	free(ask(x, fd[16], "show running-config", 0, "hostname site-a\n"));
	assert_int_equal(fp_control_stats(x->c)->evicted_idle, 1);
	assert_int_equal(sessions(x), 16);
	for (unsigned i = 0; i <= FP_CONTROL_MAX_SESSIONS; i++)
		close(fd[i]);
}

/* Has the server closed fd, after saying why (and nothing else pending)? */
static bool closed_by_server(struct fixture *x, int fd)
{
	static const char why[] = "ERROR: % session closed: a new client needed its place";
	char buf[256];
	pump(x, 2);
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strncmp(buf, why, sizeof(why) - 1) == 0 &&
	       recv(fd, buf, sizeof(buf), MSG_DONTWAIT) == 0;
}

/* A full house of sessions that each ran a command, within the idle limit:
 * a 17th client still gets in, in the place of the session whose last
 * command is the oldest; the others go on. */
static void test_full_house(void **state)
{
	struct fixture *x = *state;
	int fd[FP_CONTROL_MAX_SESSIONS + 1];
	for (unsigned i = 0; i < FP_CONTROL_MAX_SESSIONS; i++) {
		fd[i] = client(x);
		free(ask(x, fd[i], "show running-config", 0, "hostname site-a\n"));
	}
	free(ask(x, fd[0], "show ipsec stats", 0, "IPsec Global Statistics")); /* 1 is oldest now */
	fd[16] = client(x);
	free(ask(x, fd[16], "show running-config", 0, "hostname site-a\n"));
	assert_true(closed_by_server(x, fd[1]));
	assert_int_equal(fp_control_stats(x->c)->evicted_idle, 1);
	assert_int_equal(sessions(x), 16);
	for (unsigned i = 0; i <= FP_CONTROL_MAX_SESSIONS; i++)
		if (i != 1)
			free(ask(x, fd[i], "show running-config", 0, "hostname site-a\n"));
	for (unsigned i = 0; i <= FP_CONTROL_MAX_SESSIONS; i++)
		close(fd[i]);
	pump(x, 2);
	assert_int_equal(sessions(x), 0);
}

#define TRICKLE_ROUNDS 5
#define TRICKLE_MS 20

/* Each of fds[0, n) sends one byte of a line it never ends, every
 * TRICKLE_MS, TRICKLE_ROUNDS times, with the server polling meanwhile. */
static void trickle(struct fixture *x, const int *fds, unsigned n)
{
	for (unsigned r = 0; r < TRICKLE_ROUNDS; r++) {
		for (unsigned i = 0; i < n; i++)
			send_all(fds[i], "s", 1);
		pump(x, 2);
		usleep(TRICKLE_MS * 1000);
	}
}

/* 16 sessions trickling bytes (the lock-out of issue 7: each byte used to
 * count as activity) and the default idle limit of a minute: a new client
 * is answered at once, in the place of one of them. */
static void test_trickle_no_lockout(void **state)
{
	struct fixture *x = *state;
	int fd[FP_CONTROL_MAX_SESSIONS + 1];
	for (unsigned i = 0; i < FP_CONTROL_MAX_SESSIONS; i++)
		fd[i] = client(x);
	pump(x, 2);
	trickle(x, fd, FP_CONTROL_MAX_SESSIONS);
	fd[16] = client(x);
	free(ask(x, fd[16], "show running-config", 0, "hostname site-a\n"));
	assert_int_equal(fp_control_stats(x->c)->evicted_idle, 1);
	assert_true(closed_by_server(x, fd[0])); /* never a command: the oldest goes */
	for (unsigned i = 0; i <= FP_CONTROL_MAX_SESSIONS; i++)
		close(fd[i]);
}

/* The operator's session ran a command before 15 tricklers came:
 * newcomers replace tricklers, never the session that completes commands.
 * Past the idle limit without a command, it goes before fresh tricklers. */
static void test_commands_outrank_bytes(void **state)
{
	struct fixture *x = *state;
	int op = client(x), fd[FP_CONTROL_MAX_SESSIONS - 1], k[3];
	free(ask(x, op, "show ipsec stats", 0, "IPsec Global Statistics"));
	for (unsigned i = 0; i < FP_CONTROL_MAX_SESSIONS - 1; i++)
		fd[i] = client(x);
	pump(x, 2);
	trickle(x, fd, FP_CONTROL_MAX_SESSIONS - 1);
	for (unsigned n = 0; n < 3; n++) { /* three newcomers, each runs a command */
		k[n] = client(x);
		free(ask(x, k[n], "show running-config", 0, "hostname site-a\n"));
		assert_true(closed_by_server(x, fd[n]));
	}
	assert_int_equal(fp_control_stats(x->c)->evicted_idle, 3);
	free(ask(x, op, "show ipsec stats", 0, "IPsec Global Statistics"));
	for (unsigned n = 0; n < 3; n++)
		close(k[n]);
	for (unsigned i = 0; i < FP_CONTROL_MAX_SESSIONS - 1; i++)
		close(fd[i]);
	pump(x, 2);
	fp_control_set_idle_evict(x->c, 300ull * 1000000);
	usleep(400 * 1000); /* op: no command for longer than the limit */
	for (unsigned i = 0; i < FP_CONTROL_MAX_SESSIONS - 1; i++)
		fd[i] = client(x);
	pump(x, 2);
	trickle(x, fd, FP_CONTROL_MAX_SESSIONS - 1);
	k[0] = client(x);
	free(ask(x, k[0], "show running-config", 0, "hostname site-a\n"));
	assert_true(closed_by_server(x, op));
	close(k[0]);
	close(op);
	for (unsigned i = 0; i < FP_CONTROL_MAX_SESSIONS - 1; i++)
		close(fd[i]);
}

/* Half a line, then gone: the session ends, the next one works. */
static void test_half_line(void **state)
{
	struct fixture *x = *state;
	int fd = client(x);
	send_all(fd, "show runn", 9);
	pump(x, 3);
	close(fd);
	pump(x, 3);
	assert_int_equal(sessions(x), 0);
	fd = client(x);
	free(ask(x, fd, "show running-config", 0, "hostname site-a\n"));
	close(fd);
	pump(x, 2);
}

/* Many large replies asked for, then the client leaves without reading. */
static void test_gone_with_output(void **state)
{
	struct fixture *x = *state;
	int fd = client(x);
	ask_prompt(x, fd, "", "exec", "site-a# ");
	for (unsigned i = 0; i < 60; i++)
		send_all(fd, "show running-config\n", 20);
	pump(x, 3);
	close(fd);
	pump(x, 5);
	assert_int_equal(sessions(x), 0);
	assert_int_equal(fp_control_stats(x->c)->closed_peer, 1);
	assert_int_equal(fp_control_stats(x->c)->closed_output, 0);
}

/* A client that asks and never reads: its output stops at the limit and
 * the session is closed, counted; the server never waits. */
static void test_output_limit(void **state)
{
	struct fixture *x = *state;
	int fd = client(x);
	char *one = ask(x, fd, "show running-config", 0, "hostname site-a\n");
	size_t size = strlen(one), lines = FP_CONTROL_OUT_MAX / size + 20;
	free(one);
	assert_true(lines * 20 < 4096); /* one read takes them all */
	char *many = malloc(lines * 20);
	for (size_t i = 0; i < lines; i++)
		memcpy(many + i * 20, "show running-config\n", 20);
	send_all(fd, many, lines * 20);
	free(many);
	pump(x, 5);
	assert_int_equal(sessions(x), 0);
	assert_int_equal(fp_control_stats(x->c)->closed_output, 1);
	close(fd);
}

/* One reply too large to send (show capture of a big buffer): cut at
 * FP_CONTROL_REPLY_MAX after whole lines, said, status 1; the session
 * stays and smaller questions still get whole answers. */
static void test_output_cut(void **state)
{
	struct fixture *x = *state;
	int fd = client(x);
	free(ask(x, fd, "capture BIG interface inside buffer 16000000", 0, NULL));
	struct fp_pkt *p = aligned_alloc(64, sizeof(*p));
	fp_pkt_reset(p);
	uint8_t *h = fp_pkt_put(p, 1400);
	memset(h, 0x5a, 1400);
	h[0] = 0x45;
	fp_put16(h + 2, 1400);
	p->ifc = (uint16_t)fp_gw_iface_find(x->gw, "inside");
	for (unsigned i = 0; i < 1000; i++) /* ~3.6 KB of text each */
		fp_capture_point(x->gw->caps, FP_CAP_DATAPATH, 0, FP_CAP_IFC_PKT, &p, 1, i);
	free(p);
	char *out = ask(x, fd, "show capture BIG", 1, "ERROR: % output cut at 2 MiB");
	assert_true(strlen(out) <= FP_CONTROL_REPLY_MAX);
	assert_non_null(strstr(out, "1000 packets captured\n"));
	free(out);
	free(ask(x, fd, "show capture BIG packet-number 1000", 0, "1 packet shown\n"));
	assert_int_equal(sessions(x), 1);
	assert_int_equal(fp_control_stats(x->c)->closed_output, 0);
	close(fd);
}

static void test_configure(void **state)
{
	struct fixture *x = *state;
	int fd = client(x);
	ask_prompt(x, fd, "conf t", "config", "site-a(config)# ");
	ask_prompt(x, fd, "hostname site-b", "config", "site-b(config)# ");
	ask_prompt(x, fd, "no flow-offload-ipsec", "config", "site-b(config)# ");
	assert_false(x->gw->cfg->offload_ipsec);
	free(ask(x, fd, "crypto map CM 10 set peer 192.0.2.9", 1,
		 "ERROR: % 'crypto map CM 10 set peer ...' cannot be changed while fpvpnd runs: "
		 "edit the configuration file and restart\n"));
	free(ask(x, fd, "do show running-config", 0, "no flow-offload-ipsec\n"));
	free(ask(x, fd, "write memory", 0, "[OK]\n"));
	ask_prompt(x, fd, "end", "exec", "site-b# ");
	/* another session sees the new name */
	int fd2 = client(x);
	ask_prompt(x, fd2, "", "exec", "site-b# ");
	close(fd2);
	/* what was written loads back as the running configuration */
	struct fp_gw *back = load_gw(x->conf);
	assert_string_equal(back->cfg->hostname, "site-b");
	assert_false(back->cfg->offload_ipsec);
	assert_int_equal(back->cfg->acls[1].n_aces + back->cfg->acls[2].n_aces, BIG_ACES);
	fp_gw_fini(back);
	free(back);
	close(fd);
	pump(x, 2);
}

/* "\x01complete LINE": the words that may complete LINE, one a line. */
static void test_complete(void **state)
{
	struct fixture *x = *state;
	int fd = client(x);
	char *out = ask(x, fd, FP_CONTROL_COMPLETE "sh", 0, NULL);
	assert_string_equal(out, "show\n");
	free(out);
	out = ask(x, fd, FP_CONTROL_COMPLETE "show cr", 0, NULL);
	assert_string_equal(out, "crypto\n");
	free(out);
	out = ask(x, fd, FP_CONTROL_COMPLETE "show crypto ipsec sa ", 0, NULL);
	assert_string_equal(out, "peer\n");
	free(out);
	out = ask(x, fd, FP_CONTROL_COMPLETE "co", 0, NULL);
	assert_string_equal(out, "configure\ncopy\n");
	free(out);
	out = ask(x, fd, FP_CONTROL_COMPLETE "zz", 0, NULL);
	assert_string_equal(out, "");
	free(out);
	out = ask(x, fd, FP_CONTROL_COMPLETE "sh\x01", 0, NULL);
	assert_string_equal(out, "");
	free(out);
	ask_prompt(x, fd, "conf t", "config", "site-a(config)# ");
	out = ask(x, fd, FP_CONTROL_COMPLETE "no ", 0, NULL);
	assert_string_equal(out, "flow-offload-ipsec\n");
	free(out);
	out = ask(x, fd, FP_CONTROL_COMPLETE "do show running", 0, NULL);
	assert_string_equal(out, "running-config\n");
	free(out);
	/* completion runs nothing and leaves the mode */
	out = ask(x, fd, FP_CONTROL_COMPLETE "end", 0, NULL);
	assert_string_equal(out, "end\n");
	free(out);
	ask_prompt(x, fd, "", "config", "site-a(config)# ");
	close(fd);
	pump(x, 2);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_socket_file), T(test_stale_socket), T(test_commands), T(test_pipelined),
		T(test_long_line), T(test_binary), T(test_full_house),
		T(test_trickle_no_lockout), T(test_commands_outrank_bytes), T(test_idle_evicted),
		T(test_half_line),
		T(test_gone_with_output), T(test_output_limit), T(test_output_cut),
		T(test_configure),
		T(test_complete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
