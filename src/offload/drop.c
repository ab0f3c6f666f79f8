#include "drop.h"

static const char *const drop_names[] = {
#define FP_DROP_NAME(n, c, s, d) s,
	FP_DROP_LIST(FP_DROP_NAME)
#undef FP_DROP_NAME
};

static const char *const drop_descrs[] = {
#define FP_DROP_DESCR(n, c, s, d) d,
	FP_DROP_LIST(FP_DROP_DESCR)
#undef FP_DROP_DESCR
};

const char *fp_drop_name(unsigned d)
{
	return d < FP_DROP__COUNT ? drop_names[d] : "unknown";
}

const char *fp_drop_descr(unsigned d)
{
	return d < FP_DROP__COUNT ? drop_descrs[d] : "Unknown drop reason";
}

#define FP_DROP_FRAME false
#define FP_DROP_FLOW true
static const bool drop_flow[] = {
#define FP_DROP_CLASS(n, c, s, d) FP_DROP_##c,
	FP_DROP_LIST(FP_DROP_CLASS)
#undef FP_DROP_CLASS
};

bool fp_drop_is_flow(unsigned d)
{
	return d < FP_DROP__COUNT && drop_flow[d];
}
