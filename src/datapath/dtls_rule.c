/* The DTLS rule API (dtls_rule.h): table calls plus the rule counters. */
#include <string.h>

#include "crypto/tls_keys.h"
#include "datapath/dtls_rule.h"

int fp_dtls_rule_add(struct fp_dtlsdb *db, const struct fp_dtls_params *p, uint32_t *id,
		     const char **why)
{
	struct fp_dtls_stats *st = fp_dtlsdb_stats(db);

	if (fp_dtls_install(db, p, id, why) < 0) {
		st->flow_rule_fail++;
		return -1;
	}
	st->flow_ib_add_rule++;
	st->flow_ob_add_rule++;
	return 0;
}

int fp_dtls_rule_update(struct fp_dtlsdb *db, uint32_t id, const struct fp_dtls_update *u,
			const char **why)
{
	struct fp_dtls_stats *st = fp_dtlsdb_stats(db);

	if (fp_dtls_update(db, id, u, why) < 0) {
		st->flow_rule_fail++;
		return -1;
	}
	st->flow_ib_update_success++;
	st->flow_ob_update_success += (u->fields & FP_DTLS_UPD_KEYS) != 0;
	return 0;
}

int fp_dtls_rule_del(struct fp_dtlsdb *db, uint32_t id, struct fp_dtls_rule_stats *last)
{
	struct fp_dtls_stats *st = fp_dtlsdb_stats(db);

	if (last && fp_dtls_query(db, id, last) < 0)
		memset(last, 0, sizeof(*last));
	if (fp_dtls_delete(db, id) < 0)
		return -1;
	st->flow_ib_del_rule++;
	st->flow_ob_del_rule++;
	return 0;
}

int fp_dtls_rule_query(const struct fp_dtlsdb *db, uint32_t id, struct fp_dtls_rule_stats *st)
{
	return fp_dtls_query(db, id, st);
}

int fp_dtls_rule_keys(struct ssl_st *ssl, struct fp_tls_keys *keys, const char **why)
{
	return fp_tls_keys_from_ssl(ssl, keys, why);
}

int fp_dtls_rule_max_seq(const uint8_t *dgram, uint32_t len, uint16_t epoch, uint64_t *seq)
{
	struct fp_dtls_hdr h;
	int found = -1;

	while (fp_dtls_hdr_parse(dgram, len, &h) == 0 && (h.version >> 8) == 0xfe) {
		if (h.epoch == epoch && (found < 0 || h.seq > *seq)) {
			*seq = h.seq;
			found = 0;
		}
		dgram += FP_DTLS_HLEN + h.length;
		len -= FP_DTLS_HLEN + h.length;
	}
	return found;
}
