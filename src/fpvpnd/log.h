/* fpvpnd's log: stderr (journald under systemd), or a file named with
 * --log that SIGHUP opens again, so that logrotate can move it away. */
#ifndef FP_LOG_H
#define FP_LOG_H

/* Make path stderr (appended to, created 0600). Returns 0, or -1 with
 * errno and stderr as it was. */
int fp_log_open(const char *path);
/* Open the --log file again (a no-op without one); on failure the old
 * file stays and the reason goes to it. */
void fp_log_reopen(void);

#endif
