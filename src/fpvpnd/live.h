#ifndef FP_LIVE_H
#define FP_LIVE_H

#include "datapath/gateway.h"
#include "fpvpnd/options.h"

/* The live gateway in the foreground until SIGINT or SIGTERM: worker
 * threads, the slow path and the control socket on this thread. Returns
 * the process exit status. */
int fp_live_run(struct fp_gw *gw, const struct fp_options *o);

#endif
