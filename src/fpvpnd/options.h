/* fpvpnd's command line. */
#ifndef FP_OPTIONS_H
#define FP_OPTIONS_H

#include <stdbool.h>

#define FP_OPT_MAX_FILES 16
#define FP_OPT_MAX_EXEC 32
#define FP_OPT_PATH_MAX 4096 /* an absolute path made for --daemon */

struct fp_opt_file {
	const char *iface;   /* nameif or device name */
	const char *path;
};

struct fp_options {
	const char *config;
	bool offline;
	struct fp_opt_file reads[FP_OPT_MAX_FILES];
	unsigned n_reads;
	struct fp_opt_file writes[FP_OPT_MAX_FILES];
	unsigned n_writes;
	const char *exec[FP_OPT_MAX_EXEC];
	unsigned n_exec;
	unsigned burst;      /* packets handed to the gateway per call */
	unsigned pipes;      /* live: engine pipes (worker threads); 0 = one per CPU */
	const char *socket;  /* live: control socket path */
	const char *state;   /* live: sequence state file; NULL = "<config>.state" */
	bool no_offload_io;  /* live: no TUN TSO/USO, no UDP GSO/GRO */
	bool pin;            /* live: pin worker i to CPU i */
	unsigned rx_coalesce_us; /* live: a worker's wait after a turn that found work */
	bool daemon;         /* live: detach */
	const char *log;     /* live: log file instead of stderr (SIGHUP reopens it) */
	bool allow_core_dumps; /* debugging: stay dumpable (a core then holds the keys) */
};

/* 0 = run, 1 = done (help/version printed), -1 = usage error (printed). */
int fp_options_parse(struct fp_options *o, int argc, char **argv);

#endif
