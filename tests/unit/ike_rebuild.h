/* Writes a parsed IKEv2 chain back through the typed parsers and the
 * writer, payload by payload: the codec's own consistency check, shared
 * by test_ike_codec.c (byte-identical on charon's messages) and
 * tests/fuzz/fuzz_ike.c (what was built parses again the same).
 * Header-only, for the test programs. */
#ifndef FP_TEST_IKE_REBUILD_H
#define FP_TEST_IKE_REBUILD_H

#include "ike/ike_build.h"

/* One parsed payload into w; -1 if its typed parser refuses it. */
static inline int ike_rebuild_one(struct fp_ike_wr *w, const struct fp_ike_pl *pl)
{
	static struct fp_ike_sa sa;
	struct fp_ike_ke ke;
	struct fp_ike_notify n;
	struct fp_ike_delete d;
	struct fp_ike_typed t;
	struct fp_ike_tsp tsp;
	struct fp_ike_skf f;

	switch (pl->pl_known ? pl->pl_type : 0) {
	case FP_IKE_PL_SA:
		if (fp_ike_sa_parse(pl, &sa) != FP_IKE_E_OK)
			return -1;
		fp_ike_put_sa(w, &sa);
		return 0;
	case FP_IKE_PL_KE:
		if (fp_ike_ke_parse(pl, &ke) != FP_IKE_E_OK)
			return -1;
		fp_ike_put_ke(w, &ke);
		return 0;
	case FP_IKE_PL_NOTIFY:
		if (fp_ike_notify_parse(pl, &n) != FP_IKE_E_OK)
			return -1;
		fp_ike_put_notify(w, &n);
		return 0;
	case FP_IKE_PL_DELETE:
		if (fp_ike_delete_parse(pl, &d) != FP_IKE_E_OK)
			return -1;
		fp_ike_put_delete(w, &d);
		return 0;
	case FP_IKE_PL_IDI:
	case FP_IKE_PL_IDR:
	case FP_IKE_PL_AUTH:
	case FP_IKE_PL_CERT:
	case FP_IKE_PL_CERTREQ:
	case FP_IKE_PL_CP:
		if (fp_ike_typed_parse(pl, &t) != FP_IKE_E_OK)
			return -1;
		fp_ike_put_typed(w, pl->pl_type, &t);
		return 0;
	case FP_IKE_PL_TSI:
	case FP_IKE_PL_TSR:
		if (fp_ike_ts_parse(pl, &tsp) != FP_IKE_E_OK)
			return -1;
		fp_ike_put_ts(w, pl->pl_type, &tsp);
		return 0;
	case FP_IKE_PL_SK:
		fp_ike_put_sk(w, pl->pl_next, pl->pl_body, pl->pl_len);
		return 0;
	case FP_IKE_PL_SKF:
		if (fp_ike_skf_parse(pl, &f) != FP_IKE_E_OK)
			return -1;
		fp_ike_put_skf(w, pl->pl_next, f.f_num, f.f_total, f.f_data, f.f_len);
		return 0;
	default: /* nonce, vendor ID, unknown: bytes as they came */
		fp_ike_put_raw(w, pl->pl_type, pl->pl_critical, pl->pl_body, pl->pl_len);
		return 0;
	}
}

static inline int ike_rebuild_chain(struct fp_ike_wr *w, const struct fp_ike_chain *c)
{
	for (unsigned i = 0; i < c->c_n; i++)
		if (ike_rebuild_one(w, &c->c_pl[i]) < 0)
			return -1;
	return 0;
}

/* A parsed message into buf; its length, or -1. */
static inline long ike_rebuild_msg(const struct fp_ike_msg *m, uint8_t *buf, size_t cap)
{
	struct fp_ike_wr w;
	fp_ike_wr_init(&w, buf, cap);
	fp_ike_put_hdr(&w, &m->m_hdr);
	if (ike_rebuild_chain(&w, &m->m_chain) < 0)
		return -1;
	return fp_ike_wr_finish(&w);
}

#endif
