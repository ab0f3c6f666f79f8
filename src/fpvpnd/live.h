#ifndef FP_LIVE_H
#define FP_LIVE_H

#include "datapath/gateway.h"
#include "fpvpnd/options.h"

/* Block the signals the live gateway reads through its signalfd (INT,
 * TERM, HUP, USR1, USR2, PIPE): first thing in main, so that a SIGHUP
 * while the configuration loads (a reload right after a start) cannot kill
 * it, and every thread started later inherits the mask. 0 or -1. */
int fp_live_block_signals(void);

/* The live gateway in the foreground until SIGINT or SIGTERM: worker
 * threads, the slow path and the control socket on this thread. Returns
 * the process exit status. */
int fp_live_run(struct fp_gw *gw, const struct fp_options *o);

#endif
