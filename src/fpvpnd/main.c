/* fpvpnd: load the configuration, build the gateway, run it. */
#include <stdio.h>
#include <stdlib.h>

#include "config/config.h"
#include "datapath/gateway.h"
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

int main(int argc, char **argv)
{
	static struct fp_gw gw;
	struct fp_options o;
	char err[512];
	int r = fp_options_parse(&o, argc, argv);
	if (r != 0)
		return r > 0 ? 0 : 2;
	if (!o.offline) {
		fprintf(stderr, "fpvpnd: only --offline is available in this version; "
				"the live gateway (interfaces, pipes, control socket) is not built yet\n");
		return 2;
	}
	struct fp_config *cfg = load_config(o.config);
	if (!cfg)
		return 1;
	if (fp_gw_init(&gw, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "fpvpnd: %s\n", err);
		return 1;
	}
	snprintf(gw.cfg_path, sizeof(gw.cfg_path), "%s", o.config);
	r = fp_offline_run(&gw, &o);
	fp_gw_fini(&gw);
	return r;
}
