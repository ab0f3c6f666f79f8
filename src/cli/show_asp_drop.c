/* show asp drop [frame|flow]: every drop reason with a non-zero count, as
 * fp_gw_drop_count sums it over the offload engine, the software pipe and
 * the slow path, in the ASA's two sections. */
#include "cli/cli_impl.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#define ASP_COUNT_COLUMN 80 /* the count ends here, as on the ASA */

/* "  Description (name)" then the count right-aligned at column 80, or
 * after one blank when the label is longer. */
static void asp_line(unsigned reason, uint64_t n, FILE *out)
{
	char label[192], count[24];
	snprintf(label, sizeof(label), "  %s (%s)", fp_drop_descr(reason), fp_drop_name(reason));
	snprintf(count, sizeof(count), "%" PRIu64, n);
	int pad = ASP_COUNT_COLUMN - (int)strlen(label) - (int)strlen(count);
	fprintf(out, "%s%*s%s\n", label, pad > 1 ? pad : 1, "", count);
}

static void asp_section(const struct fp_gw *gw, bool flow, FILE *out)
{
	fprintf(out, "%s drop:\n", flow ? "Flow" : "Frame");
	for (unsigned r = FP_DROP_NONE + 1; r < FP_DROP__COUNT; r++) {
		uint64_t n = fp_gw_drop_count(gw, r);
		if (n && fp_drop_is_flow(r) == flow)
			asp_line(r, n, out);
	}
}

/* "Last clearing: 10:43:33 UTC Mar 27 2019 by enable_15" (UTC; the user
 * is the ASA's name for the privileged console, fpvpn has no logins),
 * or "Never". */
static void asp_last_clearing(const struct fp_gw *gw, FILE *out)
{
	time_t t = (time_t)(gw->st.last_clear_ns / 1000000000u);
	struct tm tm;
	char when[64];
	if (!gw->st.last_clear_ns || !gmtime_r(&t, &tm) ||
	    !strftime(when, sizeof(when), "%H:%M:%S UTC %b %d %Y", &tm)) {
		fprintf(out, "Last clearing: Never\n");
		return;
	}
	fprintf(out, "Last clearing: %s by enable_15\n", when);
}

void fp_show_asp_drop(const struct fp_gw *gw, unsigned sections, FILE *out)
{
	if (sections & FP_ASP_FRAME) {
		asp_section(gw, false, out);
		fputc('\n', out);
		asp_last_clearing(gw, out);
	}
	if ((sections & FP_ASP_FRAME) && (sections & FP_ASP_FLOW))
		fputc('\n', out);
	if (sections & FP_ASP_FLOW) {
		asp_section(gw, true, out);
		asp_last_clearing(gw, out);
	}
}
