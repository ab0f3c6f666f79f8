/* fpvpnd: load the configuration, build the gateway, run it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "config/config.h"
#include "datapath/gateway.h"
#include "datapath/runtime.h"
#include "fpvpnd/live.h"
#include "fpvpnd/log.h"
#include "fpvpnd/offline.h"
#include "fpvpnd/options.h"

static struct fp_config *load_config(const char *path)
{
	char err[512];
	struct fp_config *cfg = fp_config_new();
	if (!cfg) {
		fprintf(stderr, "fpvpnd: out of memory\n");
		return NULL;
	}
	if (fp_config_load(cfg, path, err, sizeof(err)) < 0 ||
	    fp_config_validate(cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fpvpnd: %s\n", err);
		fp_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* Before the configuration (and its keys) is read: no core dump, and no
 * reading of our memory by a debugger or /proc/PID/mem without
 * CAP_SYS_PTRACE. One switch for every copy of a key, ours and those we
 * cannot place (OpenSSL's contexts, intel-ipsec-mb's schedules, stdio's
 * buffers), where MADV_DONTDUMP would need each in pages of its own. */
static int main_protect_keys(const struct fp_options *o)
{
	if (o->allow_core_dumps) {
		fprintf(stderr, "fpvpnd: warning: --allow-core-dumps: a core dump of this "
			"process holds its session keys\n");
		return 0;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		perror("fpvpnd: prctl(PR_SET_DUMPABLE)");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct fp_gw gw;
	struct fp_options o;
	char err[512];
	int r = fp_options_parse(&o, argc, argv);
	if (r != 0)
		return r > 0 ? 0 : 2;
	if (!o.offline && fp_live_block_signals() < 0) {
		perror("fpvpnd: signals");
		return 1;
	}
	if (main_protect_keys(&o) < 0)
		return 1;
	struct fp_config *cfg = load_config(o.config);
	if (!cfg)
		return 1;
	unsigned pipes = o.offline ? 1 : o.pipes ? o.pipes : fp_rt_default_workers();
	if (fp_gw_init_pipes(&gw, cfg, pipes, err, sizeof(err)) < 0) {
		fprintf(stderr, "fpvpnd: %s\n", err);
		return 1;
	}
	snprintf(gw.cfg_path, sizeof(gw.cfg_path), "%s", o.config);
	if (o.daemon && daemon(0, 0) < 0) {
		perror("fpvpnd: daemon");
		fp_gw_fini(&gw);
		return 1;
	}
	if (o.log && fp_log_open(o.log) < 0) {
		fprintf(stderr, "fpvpnd: log %s: %s\n", o.log, strerror(errno));
		fp_gw_fini(&gw);
		return 1;
	}
	r = o.offline ? fp_offline_run(&gw, &o) : fp_live_run(&gw, &o);
	fp_gw_fini(&gw);
	return r;
}
