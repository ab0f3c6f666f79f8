#include "drop.h"

static const char *const drop_names[] = {
#define FP_DROP_NAME(n, s, d) s,
	FP_DROP_LIST(FP_DROP_NAME)
#undef FP_DROP_NAME
};

static const char *const drop_descrs[] = {
#define FP_DROP_DESCR(n, s, d) d,
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
