/* The control socket: how `fpvpn` (one-shot or interactive) talks to a
 * running fpvpnd. A UNIX stream socket, mode 0600, owned by root; one
 * session per connection, each with its own mode (exec or configure).
 * The daemon's main thread owns it: fp_control_poll() is called from its
 * event loop and runs command lines through fp_cli_session_exec(), so
 * commands never race with configuration changes. */
#ifndef FP_CONTROL_H
#define FP_CONTROL_H

#include <stddef.h>
#include <stdio.h>

struct fp_gw;
struct fp_control;

#define FP_CONTROL_DEFAULT_PATH "/run/fpvpn/fpvpnd.sock"

/* Listen on path (its directory is created 0700 if missing; a stale
 * socket left by a dead daemon is replaced, a live one is an error).
 * Returns NULL with err. */
struct fp_control *fp_control_open(const char *path, char *err, size_t errlen);
/* The pid of the process listening on path, if one answers there; 0 if
 * none does (or it cannot be told). */
long fp_control_owner(const char *path);
/* Close every session and the listener; unlink the socket. */
void fp_control_close(struct fp_control *c);

/* Descriptors the caller's event loop waits on (listener + sessions);
 * returns how many were written to fds (at most max). */
unsigned fp_control_fds(const struct fp_control *c, int *fds, unsigned max);
/* Accept, read and answer whatever is ready, without blocking. */
void fp_control_poll(struct fp_control *c, struct fp_gw *gw);

#endif
