#ifndef FP_OFFLINE_H
#define FP_OFFLINE_H

#include "datapath/gateway.h"
#include "fpvpnd/options.h"

/* Offline mode: packets from pcap files through the gateway, in timestamp
 * order, what leaves each interface into pcap files, then the --exec
 * commands. Returns the process exit status. */
int fp_offline_run(struct fp_gw *gw, const struct fp_options *o);

#endif
