/* Name tables for the lists of ike_wire.h. The numbers are sparse (notify
 * types reach 16431), so each table is a list of pairs searched in order:
 * these run when a log line or a show command is written, never per packet. */
#include "ike/ike_wire.h"

#include <stddef.h>

struct wire_name {
	unsigned v;
	const char *s;
};

#define FP_IKE_PAIR(n, v, s) {v, s},

static const char *wire_lookup(const struct wire_name *t, size_t n, unsigned v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].s;
	return "unknown";
}

#define WIRE_NAME_FN(fn, list)                                                \
	const char *fn(unsigned v)                                            \
	{                                                                     \
		static const struct wire_name t[] = {list(FP_IKE_PAIR)};      \
		return wire_lookup(t, sizeof(t) / sizeof(t[0]), v);           \
	}

WIRE_NAME_FN(fp_ike_exchange_name, FP_IKE_EXCHANGE_LIST)
WIRE_NAME_FN(fp_ike_payload_name, FP_IKE_PAYLOAD_LIST)
WIRE_NAME_FN(fp_ike_proto_name, FP_IKE_PROTO_LIST)
WIRE_NAME_FN(fp_ike_transform_type_name, FP_IKE_TRANSFORM_TYPE_LIST)
WIRE_NAME_FN(fp_ike_id_name, FP_IKE_ID_LIST)
WIRE_NAME_FN(fp_ike_auth_name, FP_IKE_AUTH_LIST)
WIRE_NAME_FN(fp_ike_notify_name, FP_IKE_NOTIFY_LIST)
