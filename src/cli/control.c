/* The control socket's server: a UNIX stream socket, at most
 * FP_CONTROL_MAX_SESSIONS connections (a newcomer to a full house takes
 * the place of the idlest), everything non-blocking so that the
 * daemon's main thread (which also runs the slow path) never waits on a
 * client. Framing and sessions: control_conn.c. Shaped like OpenBSD
 * iked's control.c: umask around bind, then the mode set explicitly. */
#include "cli/control_conn.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CONTROL_READ 4096u        /* bytes read from one client per poll */
#define CONTROL_BACKLOG 16
#define CONTROL_IDLE_EVICT_NS (60ull * 1000000000ull) /* no command for a minute: idle */

struct fp_control {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;                    /* the socket file we made: close unlinks */
	ino_t ino;                    /* it only if it is still that one */
	struct fp_control_conn conns[FP_CONTROL_MAX_SESSIONS];
	struct fp_control_stats st;
	uint64_t idle_evict_ns;       /* CONTROL_IDLE_EVICT_NS unless a test set it */
};

static void control_err(char *err, size_t errlen, const char *what, const char *path)
{
	snprintf(err, errlen, "control socket %s: %s: %s", path, what, strerror(errno));
}

/* The socket's folder, made 0700 if missing (an existing one is left as
 * it is: it may be /tmp). */
static int control_mkdir(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(dir, sizeof(dir), "%s", path);
	if (mkdir(dirname(dir), 0700) < 0 && errno != EEXIST) {
		control_err(err, errlen, "cannot make its folder", path);
		return -1;
	}
	return 0;
}

static void control_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, strlen(path) + 1);
}

/* A socket left at path: a live daemon's is an error, a dead one's (no
 * one accepts) is removed. Anything else at path is not ours to remove. */
static int control_stale(const char *path, char *err, size_t errlen)
{
	struct stat st;
	struct sockaddr_un sa;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : (control_err(err, errlen, "cannot check", path), -1);
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "control socket %s: exists and is not a socket", path);
		return -1;
	}
	/* non-blocking: a live daemon with a full backlog answers EAGAIN, not never */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return control_err(err, errlen, "socket", path), -1;
	control_addr(&sa, path);
	int live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN;
	int why = errno;
	close(fd);
	if (live) {
		snprintf(err, errlen, "control socket %s: another fpvpnd answers on it", path);
		return -1;
	}
	errno = why;
	if ((why != ECONNREFUSED && why != ENOENT) || (unlink(path) < 0 && errno != ENOENT))
		return control_err(err, errlen, "cannot replace the stale socket", path), -1;
	return 0;
}

long fp_control_owner(const char *path)
{
	struct sockaddr_un sa;
	struct ucred cr = {0};
	socklen_t len = sizeof(cr);
	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return 0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	control_addr(&sa, path);
	/* SO_PEERCRED on a connected stream: the listener's credentials */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		cr.pid = 0;
	close(fd);
	return (long)cr.pid;
}

/* socket, bind with no permission for others even for a moment, 0600,
 * listen. */
static int control_listen(struct fp_control *c, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return control_err(err, errlen, "socket", c->path), -1;
	control_addr(&sa, c->path);
	mode_t old = umask(0177);
	int rc = bind(c->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0)
		return control_err(err, errlen, "bind", c->path), -1;
	if (chmod(c->path, 0600) < 0 || lstat(c->path, &st) < 0)
		return control_err(err, errlen, "chmod", c->path), -1;
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if (listen(c->fd, CONTROL_BACKLOG) < 0)
		return control_err(err, errlen, "listen", c->path), -1;
	return 0;
}

struct fp_control *fp_control_open(const char *path, char *err, size_t errlen)
{
	if (!path || !*path || strlen(path) >= sizeof(((struct fp_control *)0)->path)) {
		snprintf(err, errlen, "control socket path empty or longer than %zu bytes",
			 sizeof(((struct fp_control *)0)->path) - 1);
		return NULL;
	}
	struct fp_control *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "control socket: out of memory");
		return NULL;
	}
	c->fd = -1;
	c->idle_evict_ns = CONTROL_IDLE_EVICT_NS;
	memcpy(c->path, path, strlen(path) + 1);
	for (unsigned i = 0; i < FP_CONTROL_MAX_SESSIONS; i++)
		fp_control_conn_open(&c->conns[i], -1, &c->st);
	if (control_mkdir(path, err, errlen) < 0 || control_stale(path, err, errlen) < 0 ||
	    control_listen(c, err, errlen) < 0) {
		fp_control_close(c);
		return NULL;
	}
	return c;
}

void fp_control_close(struct fp_control *c)
{
	struct stat st;
	if (!c)
		return;
	for (unsigned i = 0; i < FP_CONTROL_MAX_SESSIONS; i++)
		fp_control_conn_close(&c->conns[i]);
	if (c->fd >= 0 && lstat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino)
		unlink(c->path);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

unsigned fp_control_fds(const struct fp_control *c, int *fds, unsigned max)
{
	unsigned n = 0;
	if (n < max && c->fd >= 0)
		fds[n++] = c->fd;
	for (unsigned i = 0; i < FP_CONTROL_MAX_SESSIONS && n < max; i++)
		if (c->conns[i].fd >= 0)
			fds[n++] = c->conns[i].fd;
	return n;
}

void fp_control_set_idle_evict(struct fp_control *c, uint64_t ns)
{
	c->idle_evict_ns = ns;
}

const struct fp_control_stats *fp_control_stats(const struct fp_control *c)
{
	return &c->st;
}

static uint64_t control_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char evicted[] = "ERROR: % session closed: a new client needed its place "
			       "(16 sessions at most; this one had been idle longest)\n";

/* Which of two sessions a full house closes first to let a newcomer in:
 * one with no command for idle_evict_ns, then one that never completed a
 * command (a client trickling bytes, or holding the socket open), then
 * the one whose last command is the oldest. Bytes that end no line count
 * for nothing, so a trickle of them keeps no session. */
static bool control_evict_first(const struct fp_control *c, const struct fp_control_conn *a,
				const struct fp_control_conn *b, uint64_t now)
{
	bool a_idle = now - a->last_ns >= c->idle_evict_ns;
	bool b_idle = now - b->last_ns >= c->idle_evict_ns;
	if (a_idle != b_idle)
		return a_idle;
	if (!a->commands != !b->commands)
		return !a->commands;
	return a->last_ns < b->last_ns;
}

/* A free slot; when all are taken, the slot of the session to close first
 * (control_evict_first): a new client always gets in, so that sessions
 * left open, or kept busy by a trickle of bytes, never lock the operator
 * out. */
static struct fp_control_conn *control_free_slot(struct fp_control *c)
{
	struct fp_control_conn *victim = NULL;
	uint64_t now = control_now();
	for (unsigned i = 0; i < FP_CONTROL_MAX_SESSIONS; i++) {
		struct fp_control_conn *k = &c->conns[i];
		if (k->fd < 0)
			return k;
		if (!victim || control_evict_first(c, k, victim, now))
			victim = k;
	}
	c->st.evicted_idle++;
	if (!fp_control_conn_pending(victim)) /* one try: it may not be reading */
		(void)send(victim->fd, evicted, sizeof(evicted) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	fp_control_conn_close(victim);
	return victim;
}

/* Every pending connection gets a session. */
static void control_accept(struct fp_control *c)
{
	int fd;
	while ((fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct fp_control_conn *k = control_free_slot(c);
		fp_control_conn_open(k, fd, &c->st);
		k->last_ns = control_now();
		c->st.accepted++;
	}
}

/* Send what the socket takes now. -1: the client is gone. */
static int control_flush(struct fp_control_conn *k)
{
	while (fp_control_conn_pending(k)) {
		ssize_t n = send(k->fd, k->out + k->out_sent, fp_control_conn_pending(k),
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		fp_control_conn_sent(k, (size_t)n);
	}
	return 0;
}

/* One read from the client and the lines it completes. -1: close it. */
static int control_read(struct fp_control_conn *k, struct fp_gw *gw)
{
	char buf[CONTROL_READ];
	ssize_t n = recv(k->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	int rc = fp_control_conn_input(k, gw, buf, (size_t)n);
	OPENSSL_cleanse(buf, (size_t)n); /* a configure line may have carried a key */
	return rc;
}

/* A connection the poll reported on. Input is read only once its
 * replies are sent: a client that does not read is not read either. */
static void control_serve(struct fp_control *c, struct fp_control_conn *k, short revents,
			  struct fp_gw *gw)
{
	uint64_t over = c->st.closed_output, commands = k->commands;
	int rc = control_flush(k);
	if (rc == 0 && !fp_control_conn_pending(k) && (revents & (POLLIN | POLLHUP | POLLERR)))
		rc = control_read(k, gw);
	if (k->commands != commands)
		k->last_ns = control_now();
	if (rc == 0)
		rc = control_flush(k);
	if (rc < 0) {
		c->st.closed_peer += c->st.closed_output == over;
		fp_control_conn_close(k);
	}
}

void fp_control_poll(struct fp_control *c, struct fp_gw *gw)
{
	struct pollfd pfd[1 + FP_CONTROL_MAX_SESSIONS];
	struct fp_control_conn *of[1 + FP_CONTROL_MAX_SESSIONS];
	nfds_t n = 0;
	pfd[n++] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
	for (unsigned i = 0; i < FP_CONTROL_MAX_SESSIONS; i++) {
		struct fp_control_conn *k = &c->conns[i];
		if (k->fd < 0)
			continue;
		of[n] = k;
		pfd[n++] = (struct pollfd){
			.fd = k->fd, .events = fp_control_conn_pending(k) ? POLLOUT : POLLIN,
		};
	}
	if (poll(pfd, n, 0) <= 0)
		return;
	for (nfds_t i = 1; i < n; i++)
		if (pfd[i].revents)
			control_serve(c, of[i], pfd[i].revents, gw);
	if (pfd[0].revents & POLLIN)
		control_accept(c);
}
