/* The live gateway's main thread: the slow path and the control socket
 * share one poll loop, so a command never races a configuration change or
 * the software pipe. Signals arrive through a signalfd: INT and TERM stop
 * it cleanly, HUP opens the log again and re-reads the configuration file,
 * USR1 writes a status line to the log, USR2 and PIPE are ignored. */
#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli/control.h"
#include "datapath/ra_gw.h"
#include "datapath/ike_gw.h"
#include "datapath/runtime.h"
#include "fpvpnd/log.h"
#include "datapath/seqkeep.h"

#define LIVE_MAX_FDS 24
#define LIVE_TICK_MS 100

static void live_sigset(sigset_t *set)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE};
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(set, sigs[i]);
}

int fp_live_block_signals(void)
{
	sigset_t set;
	live_sigset(&set);
	return pthread_sigmask(SIG_BLOCK, &set, NULL) == 0 ? 0 : -1;
}

/* What fp_live_block_signals held back, read on the main thread. */
static int live_signals(void)
{
	sigset_t set;
	live_sigset(&set);
	sigdelset(&set, SIGPIPE); /* a client that went away is an error on write, not a signal */
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static unsigned live_fds(struct pollfd *pfd, int sigfd, const struct fp_runtime *rt,
			 const struct fp_control *ctl)
{
	int cfds[LIVE_MAX_FDS];
	unsigned n = 0, k = fp_control_fds(ctl, cfds, LIVE_MAX_FDS - 2);
	pfd[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
	pfd[n++] = (struct pollfd){.fd = fp_rt_slow_fd(rt), .events = POLLIN};
	for (unsigned i = 0; i < k; i++)
		pfd[n++] = (struct pollfd){.fd = cfds[i], .events = POLLIN};
	return n;
}

static void live_banner(const struct fp_gw *gw, const struct fp_runtime *rt, const char *sock);

/* SIGHUP: the log first, so that what the reload says lands in the new one. */
static void live_hangup(struct fp_gw *gw)
{
	char err[512];
	fp_log_reopen();
	if (fp_gw_reload(gw, err, sizeof(err)) < 0)
		fprintf(stderr, "fpvpnd: SIGHUP: configuration not reloaded: %s\n", err);
	else
		fprintf(stderr, "fpvpnd: SIGHUP: configuration %s reloaded\n", gw->cfg_path);
}

/* The signals that came; true when one says stop. */
static bool live_signal(struct fp_gw *gw, const struct fp_runtime *rt, int sigfd,
			const char *sock)
{
	struct signalfd_siginfo si;
	while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
		int sig = (int)si.ssi_signo;
		if (sig == SIGINT || sig == SIGTERM) {
			fprintf(stderr, "fpvpnd: %s, stopping\n", strsignal(sig));
			return true;
		}
		if (sig == SIGHUP)
			live_hangup(gw);
		else if (sig == SIGUSR1)
			live_banner(gw, rt, sock);
		else
			fprintf(stderr, "fpvpnd: %s ignored\n", strsignal(sig));
	}
	return false;
}

static int live_loop(struct fp_gw *gw, struct fp_runtime *rt, struct fp_control *ctl, int sigfd,
		     const char *sock, struct fp_seqkeep *keep)
{
	struct pollfd pfd[LIVE_MAX_FDS];
	for (;;) {
		unsigned n = live_fds(pfd, sigfd, rt, ctl);
		if (poll(pfd, n, LIVE_TICK_MS) < 0 && errno != EINTR)
			return -1;
		if ((pfd[0].revents & POLLIN) && live_signal(gw, rt, sigfd, sock))
			return 0;
		fp_rt_slow_poll(rt);
		gw->now_ns = fp_gw_clock();
		fp_seqkeep_tick(keep, gw);
		fp_control_poll(ctl, gw);
	}
}

/* Manual keys go on from the numbers saved beside the configuration
 * (datapath/seqkeep.h): read before the first packet, or no start. */
/* One fpvpnd per state file, for its whole life: two that raced past the
 * port check would otherwise both go on from the same saved numbers under
 * the same keys. A lock on PATH.lock (the state file itself is replaced by
 * rename at every save), holding the owner's pid for the message. */
static int live_lock_state(const char *path)
{
	char lock[4300], pid[24] = "";
	snprintf(lock, sizeof(lock), "%s.lock", path);
	int fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "fpvpnd: sequence state lock %s: %s\n", lock, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t n = read(fd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		fprintf(stderr, "fpvpnd: sequence state %s is in use by another fpvpnd%s%s%s\n", path,
			*pid ? " (pid " : "", pid, *pid ? ")" : "");
		close(fd);
		return -1;
	}
	int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len)
		fprintf(stderr, "fpvpnd: sequence state lock %s: %s\n", lock, strerror(errno));
	return 0; /* fd stays open, and locked, until the process ends */
}

static int live_seq_start(struct fp_seqkeep *keep, struct fp_gw *gw, const struct fp_options *o)
{
	char path[4200], err[512];
	snprintf(path, sizeof(path), o->state ? "%s" : "%s.state", o->state ? o->state : o->config);
	if (live_lock_state(path) < 0)
		return -1;
	if (fp_seqkeep_start(keep, gw, path, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "fpvpnd: sequence state: %s\n", err);
		return -1;
	}
	fprintf(stderr, "fpvpnd: sequence state %s: %u of %u tunnel(s) continued from saved state\n",
		path, keep->sk_continued, gw->n_tunnels);
	return 0;
}

static void live_banner(const struct fp_gw *gw, const struct fp_runtime *rt, const char *sock)
{
	unsigned offloaded = 0;
	for (unsigned i = 0; i < gw->n_tunnels; i++)
		offloaded += fp_gw_tunnel_offloaded(gw, &gw->tunnels[i]);
	fprintf(stderr, "fpvpnd: %s running: %u pipe(s), %u tunnel(s) (%u offloaded), control socket %s\n",
		gw->cfg->hostname, rt->n_workers, gw->n_tunnels, offloaded, sock);
}

/* A port in use: say who holds it when an fpvpnd answers on our control
 * socket or the default one. */
static void live_in_use(const char *err, const char *sock)
{
	long pid = fp_control_owner(sock);
	const char *at = sock;
	if (!pid && strcmp(sock, FP_CONTROL_DEFAULT_PATH) != 0)
		pid = fp_control_owner(at = FP_CONTROL_DEFAULT_PATH);
	if (pid)
		fprintf(stderr, "fpvpnd: %s: another fpvpnd (pid %ld) runs with control socket %s\n",
			err, pid, at);
	else
		fprintf(stderr, "fpvpnd: %s\n", err);
}

/* Everything that can refuse a second instance, before anything is bound
 * or attached: the UDP ports, then the control socket (a live one there
 * is an error, a stale one is replaced). */
static struct fp_control *live_claim(const struct fp_gw *gw, const char *sock)
{
	char err[512];
	if (fp_rt_ports_free(gw, err, sizeof(err)) < 0) {
		live_in_use(err, sock);
		return NULL;
	}
	struct fp_control *ctl = fp_control_open(sock, err, sizeof(err));
	if (!ctl) {
		long pid = fp_control_owner(sock);
		if (pid)
			fprintf(stderr, "fpvpnd: %s (pid %ld)\n", err, pid);
		else
			fprintf(stderr, "fpvpnd: %s\n", err);
	}
	return ctl;
}

int fp_live_run(struct fp_gw *gw, const struct fp_options *o)
{
	static struct fp_runtime rt;
	char err[512];
	const char *sock = o->socket ? o->socket : FP_CONTROL_DEFAULT_PATH;
	struct fp_rt_opts ro = {.offload_io = !o->no_offload_io, .pin = o->pin,
				 .rx_coalesce_us = o->rx_coalesce_us};
	int sigfd = live_signals();
	if (sigfd < 0) {
		perror("fpvpnd: signals");
		return 1;
	}
	struct fp_control *ctl = live_claim(gw, sock);
	if (!ctl) {
		close(sigfd);
		return 1;
	}
	static struct fp_seqkeep keep;
	if (live_seq_start(&keep, gw, o) < 0) {
		fp_control_close(ctl);
		close(sigfd);
		return 1;
	}
	if (fp_gw_ike_start(gw, err, sizeof(err)) < 0 || fp_gw_ra_start(gw, err, sizeof(err)) < 0 ||
	    fp_rt_start(&rt, gw, &ro, err, sizeof(err)) < 0) {
		fprintf(stderr, "fpvpnd: %s\n", err);
		fp_gw_ra_stop(gw);
		fp_gw_ike_stop(gw);
		/* nothing was sent: the exact numbers, not a block lost per failed start */
		if (fp_seqkeep_stop(&keep, gw, err, sizeof(err)) < 0)
			fprintf(stderr, "fpvpnd: sequence state: %s\n", err);
		fp_control_close(ctl);
		close(sigfd);
		return 1;
	}
	live_banner(gw, &rt, sock);
	int rc = live_loop(gw, &rt, ctl, sigfd, sock, &keep) < 0 ? 1 : 0;
	fp_control_close(ctl);
	fp_rt_stop(&rt);
	fp_gw_ra_stop(gw);
	fp_gw_ike_stop(gw); /* its children leave the engine, on this thread now */
	if (fp_seqkeep_stop(&keep, gw, err, sizeof(err)) < 0) /* the blocks saved still hold */
		fprintf(stderr, "fpvpnd: sequence state: %s\n", err);
	close(sigfd);
	return rc;
}
