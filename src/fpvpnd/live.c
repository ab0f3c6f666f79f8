/* The live gateway's main thread: the slow path and the control socket
 * share one poll loop, so a command never races a configuration change or
 * the software pipe. Signals arrive through a signalfd. */
#include "live.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli/control.h"
#include "datapath/runtime.h"
#include "datapath/seqkeep.h"

#define LIVE_MAX_FDS 24
#define LIVE_TICK_MS 100

static int live_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGPIPE);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
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

static int live_loop(struct fp_gw *gw, struct fp_runtime *rt, struct fp_control *ctl, int sigfd,
		     struct fp_seqkeep *keep)
{
	struct pollfd pfd[LIVE_MAX_FDS];
	for (;;) {
		unsigned n = live_fds(pfd, sigfd, rt, ctl);
		if (poll(pfd, n, LIVE_TICK_MS) < 0 && errno != EINTR)
			return -1;
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof(si)) == sizeof(si))
				fprintf(stderr, "fpvpnd: %s, stopping\n", strsignal((int)si.ssi_signo));
			return 0;
		}
		fp_rt_slow_poll(rt);
		gw->now_ns = fp_gw_clock();
		fp_seqkeep_tick(keep, gw);
		fp_control_poll(ctl, gw);
	}
}

/* Manual keys go on from the numbers saved beside the configuration
 * (datapath/seqkeep.h): read before the first packet, or no start. */
static int live_seq_start(struct fp_seqkeep *keep, struct fp_gw *gw, const struct fp_options *o)
{
	char path[4200], err[512];
	snprintf(path, sizeof(path), o->state ? "%s" : "%s.state", o->state ? o->state : o->config);
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

int fp_live_run(struct fp_gw *gw, const struct fp_options *o)
{
	static struct fp_runtime rt;
	char err[512];
	const char *sock = o->socket ? o->socket : FP_CONTROL_DEFAULT_PATH;
	struct fp_rt_opts ro = {.offload_io = !o->no_offload_io, .pin = o->pin};
	int sigfd = live_signals();
	if (sigfd < 0) {
		perror("fpvpnd: signals");
		return 1;
	}
	static struct fp_seqkeep keep;
	if (live_seq_start(&keep, gw, o) < 0) {
		close(sigfd);
		return 1;
	}
	if (fp_rt_start(&rt, gw, &ro, err, sizeof(err)) < 0) {
		fprintf(stderr, "fpvpnd: %s\n", err);
		close(sigfd);
		return 1;
	}
	struct fp_control *ctl = fp_control_open(sock, err, sizeof(err));
	if (!ctl) {
		fprintf(stderr, "fpvpnd: %s\n", err);
		fp_rt_stop(&rt);
		close(sigfd);
		return 1;
	}
	live_banner(gw, &rt, sock);
	int rc = live_loop(gw, &rt, ctl, sigfd, &keep) < 0 ? 1 : 0;
	fp_control_close(ctl);
	fp_rt_stop(&rt);
	if (fp_seqkeep_stop(&keep, gw, err, sizeof(err)) < 0) /* the blocks saved still hold */
		fprintf(stderr, "fpvpnd: sequence state: %s\n", err);
	close(sigfd);
	return rc;
}
