/* The fuzz targets that drive a gateway build it once from configuration
 * lines; a line that does not load is a bug in the target, not a finding. */
#ifndef FP_FUZZ_GW_H
#define FP_FUZZ_GW_H

#include <stdio.h>
#include <stdlib.h>

#include "config/config.h"
#include "datapath/gateway.h"

static struct fp_gw *fuzz_gw_build(struct fp_gw *gw, const char *const *lines, unsigned n,
				   const char *name)
{
	char err[256];
	struct fp_config *c = fp_config_new();
	for (unsigned i = 0; i < n; i++)
		if (fp_config_parse_line(c, lines[i], name, i + 1, err, sizeof(err)) < 0)
			goto fail;
	if (fp_config_validate(c, err, sizeof(err)) < 0 || fp_gw_init(gw, c, err, sizeof(err)) < 0)
		goto fail;
	return gw;
fail:
	fprintf(stderr, "%s: %s\n", name, err);
	abort();
}

#endif
