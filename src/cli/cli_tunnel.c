/* What the renderers ask of a tunnel: its SAs' counters and parameters as
 * the pipe holding them has them now, and sums of drop counters. */
#include "cli/cli_impl.h"

#include <string.h>

_Static_assert(FP_DROP__COUNT < 64, "drop reasons must fit a 64-bit set");

int fp_cli_tunnel_query(const struct fp_gw_tunnel *t, struct fp_sa_stats *in,
			struct fp_sa_stats *out)
{
	const struct fp_sadb *db = t->pipe ? t->pipe->db : NULL;
	if (db && fp_sa_query(db, t->sa_in, in) == 0 && fp_sa_query(db, t->sa_out, out) == 0)
		return 0;
	memset(in, 0, sizeof(*in));
	memset(out, 0, sizeof(*out));
	return -1;
}

const struct fp_sa_params *fp_cli_tunnel_params(const struct fp_gw_tunnel *t,
						enum fp_sa_dir dir)
{
	const struct fp_sadb *db = t->pipe ? t->pipe->db : NULL;
	uint32_t id = dir == FP_SA_IN ? t->sa_in : t->sa_out;
	const struct fp_sa_params *p = db ? fp_sa_params_get(db, id) : NULL;
	if (p)
		return p;
	return dir == FP_SA_IN ? &t->in : &t->out;
}

bool fp_cli_tunnel_offloaded(const struct fp_gw *gw, const struct fp_gw_tunnel *t)
{
	return fp_gw_tunnel_offloaded(gw, t);
}

uint64_t fp_cli_drops(const struct fp_sa_stats *s, uint64_t reasons)
{
	uint64_t n = 0;
	for (unsigned r = 0; r < FP_DROP__COUNT; r++)
		if (reasons & FP_DROP_BIT(r))
			n += s->drops[r];
	return n;
}

uint64_t fp_cli_gw_drops(const struct fp_gw *gw, uint64_t reasons)
{
	uint64_t n = 0;
	for (unsigned r = 0; r < FP_DROP__COUNT; r++)
		if (reasons & FP_DROP_BIT(r))
			n += fp_gw_drop_count(gw, r);
	return n;
}
