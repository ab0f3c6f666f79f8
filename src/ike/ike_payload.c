/* Typed parsers of the payloads other than SA (ike_proposal.c): KE,
 * nonce, notify, delete, the one-kind-byte payloads, traffic selectors
 * and the fragment header. Each checks its lengths before it reads. */
#include "ike/ike_payload.h"

#include <string.h>

#include "common/inet.h"

#define TS_HDR_LEN 8          /* type, proto, length, start and end port */
#define TS_V4_LEN (TS_HDR_LEN + 2 * 4)
#define TS_V6_LEN (TS_HDR_LEN + 2 * 16)
#define CP_ATTR_HDR_LEN 4

enum fp_ike_err fp_ike_ke_parse(const struct fp_ike_pl *pl, struct fp_ike_ke *ke)
{
	if (pl->pl_type != FP_IKE_PL_KE)
		return FP_IKE_E_WRONG_TYPE;
	if (pl->pl_len < 4)
		return FP_IKE_E_KE_LENGTH;
	ke->ke_group = fp_get16(pl->pl_body);
	ke->ke_data = pl->pl_body + 4;
	ke->ke_len = (uint16_t)(pl->pl_len - 4);
	return FP_IKE_E_OK;
}

enum fp_ike_err fp_ike_nonce_parse(const struct fp_ike_pl *pl)
{
	if (pl->pl_type != FP_IKE_PL_NONCE)
		return FP_IKE_E_WRONG_TYPE;
	if (pl->pl_len < FP_IKE_NONCE_MIN || pl->pl_len > FP_IKE_NONCE_MAX)
		return FP_IKE_E_NONCE_LENGTH;
	return FP_IKE_E_OK;
}

enum fp_ike_err fp_ike_notify_parse(const struct fp_ike_pl *pl, struct fp_ike_notify *n)
{
	if (pl->pl_type != FP_IKE_PL_NOTIFY)
		return FP_IKE_E_WRONG_TYPE;
	if (pl->pl_len < 4 || pl->pl_len - 4 < pl->pl_body[1])
		return FP_IKE_E_NOTIFY_LENGTH;
	n->n_proto = pl->pl_body[0];
	n->n_spi_size = pl->pl_body[1];
	n->n_type = fp_get16(pl->pl_body + 2);
	n->n_spi = pl->pl_body + 4;
	n->n_data = n->n_spi + n->n_spi_size;
	n->n_len = (uint16_t)(pl->pl_len - 4 - n->n_spi_size);
	return FP_IKE_E_OK;
}

enum fp_ike_err fp_ike_delete_parse(const struct fp_ike_pl *pl, struct fp_ike_delete *d)
{
	if (pl->pl_type != FP_IKE_PL_DELETE)
		return FP_IKE_E_WRONG_TYPE;
	if (pl->pl_len < 4)
		return FP_IKE_E_DELETE_LENGTH;
	d->d_proto = pl->pl_body[0];
	d->d_spi_size = pl->pl_body[1];
	d->d_n_spi = fp_get16(pl->pl_body + 2);
	d->d_spis = pl->pl_body + 4;
	/* an IKE SA delete has no SPI and says so: a count of zero-size SPIs
	 * would be a loop over nothing */
	if ((uint32_t)d->d_spi_size * d->d_n_spi != (uint32_t)pl->pl_len - 4 ||
	    (d->d_spi_size == 0 && d->d_n_spi != 0))
		return FP_IKE_E_DELETE_LENGTH;
	return FP_IKE_E_OK;
}

/* The smallest body of a one-kind-byte payload and the error if shorter:
 * a kind byte and three reserved ones, but certificates have no reserved. */
static enum fp_ike_err typed_min(uint8_t type, uint16_t *min)
{
	*min = 4;
	switch (type) {
	case FP_IKE_PL_IDI:
	case FP_IKE_PL_IDR:
		return FP_IKE_E_ID_LENGTH;
	case FP_IKE_PL_AUTH:
		return FP_IKE_E_AUTH_LENGTH;
	case FP_IKE_PL_CP:
		return FP_IKE_E_CP_LENGTH;
	case FP_IKE_PL_CERT:
	case FP_IKE_PL_CERTREQ:
		*min = 1;
		return FP_IKE_E_CERT_LENGTH;
	default:
		*min = UINT16_MAX;
		return FP_IKE_E_WRONG_TYPE;
	}
}

/* CP attributes (RFC 7296 3.15.1): type, length, value, filling the body. */
static enum fp_ike_err typed_cp_attrs(const uint8_t *p, uint16_t len)
{
	for (uint16_t off = 0; off < len;) {
		if (len - off < CP_ATTR_HDR_LEN || fp_get16(p + off + 2) > len - off - CP_ATTR_HDR_LEN)
			return FP_IKE_E_CP_LENGTH;
		off = (uint16_t)(off + CP_ATTR_HDR_LEN + fp_get16(p + off + 2));
	}
	return FP_IKE_E_OK;
}

enum fp_ike_err fp_ike_typed_parse(const struct fp_ike_pl *pl, struct fp_ike_typed *t)
{
	uint16_t min;
	enum fp_ike_err short_err = typed_min(pl->pl_type, &min);
	if (pl->pl_len < min)
		return short_err;
	t->t_kind = pl->pl_body[0];
	t->t_data = pl->pl_body + min;
	t->t_len = (uint16_t)(pl->pl_len - min);
	if (pl->pl_type == FP_IKE_PL_CP)
		return typed_cp_attrs(t->t_data, t->t_len);
	return FP_IKE_E_OK;
}

/* One selector at p (left bytes of the payload); *used its length. */
static enum fp_ike_err ts_one(struct fp_ike_ts *ts, const uint8_t *p, size_t left, uint16_t *used)
{
	if (left < 4)
		return FP_IKE_E_TS_LENGTH;
	uint16_t len = fp_get16(p + 2);
	if (p[0] != FP_IKE_TS_IPV4_ADDR_RANGE && p[0] != FP_IKE_TS_IPV6_ADDR_RANGE)
		return FP_IKE_E_TS_TYPE;
	unsigned alen = p[0] == FP_IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
	if (len != TS_HDR_LEN + 2 * alen || len > left)
		return FP_IKE_E_TS_LENGTH;
	memset(ts, 0, sizeof(*ts));
	ts->ts_type = p[0];
	ts->ts_proto = p[1];
	ts->ts_sport = fp_get16(p + 4);
	ts->ts_eport = fp_get16(p + 6);
	memcpy(ts->ts_start, p + TS_HDR_LEN, alen);
	memcpy(ts->ts_end, p + TS_HDR_LEN + alen, alen);
	*used = len;
	return FP_IKE_E_OK;
}

enum fp_ike_err fp_ike_ts_parse(const struct fp_ike_pl *pl, struct fp_ike_tsp *tsp)
{
	tsp->tsp_n = 0;
	if (pl->pl_type != FP_IKE_PL_TSI && pl->pl_type != FP_IKE_PL_TSR)
		return FP_IKE_E_WRONG_TYPE;
	if (pl->pl_len < 4)
		return FP_IKE_E_TS_LENGTH;
	unsigned n = pl->pl_body[0];
	if (n > FP_IKE_MAX_TS)
		return FP_IKE_E_TS_TOO_MANY;
	size_t off = 4;
	for (unsigned i = 0; i < n; i++) {
		uint16_t used;
		if (off == pl->pl_len)
			return FP_IKE_E_TS_COUNT;
		enum fp_ike_err e = ts_one(&tsp->tsp_ts[i], pl->pl_body + off, pl->pl_len - off, &used);
		if (e != FP_IKE_E_OK)
			return e;
		off += used;
	}
	if (off != pl->pl_len)
		return FP_IKE_E_TS_COUNT;
	tsp->tsp_n = n;
	return FP_IKE_E_OK;
}

enum fp_ike_err fp_ike_skf_parse(const struct fp_ike_pl *pl, struct fp_ike_skf *f)
{
	if (pl->pl_type != FP_IKE_PL_SKF)
		return FP_IKE_E_WRONG_TYPE;
	if (pl->pl_len <= 4)
		return FP_IKE_E_SK_LENGTH;
	f->f_num = fp_get16(pl->pl_body);
	f->f_total = fp_get16(pl->pl_body + 2);
	f->f_data = pl->pl_body + 4;
	f->f_len = (uint16_t)(pl->pl_len - 4);
	/* RFC 7383 2.5: numbers start at 1; only the first names the inner chain */
	if (f->f_num == 0 || f->f_num > f->f_total || (f->f_num > 1 && pl->pl_next != 0))
		return FP_IKE_E_SKF_NUMBER;
	return FP_IKE_E_OK;
}

bool fp_ike_payload_known(uint8_t type)
{
	return (type >= FP_IKE_PL_SA && type <= FP_IKE_PL_CP) || type == FP_IKE_PL_SKF;
}

enum fp_ike_err fp_ike_payload_check(const struct fp_ike_pl *pl)
{
	union {
		struct fp_ike_ke ke;
		struct fp_ike_notify n;
		struct fp_ike_delete d;
		struct fp_ike_typed t;
		struct fp_ike_tsp tsp;
		struct fp_ike_skf f;
	} v;
	static _Thread_local struct fp_ike_sa sa; /* 6 KiB: not on the stack */

	switch (pl->pl_type) {
	case FP_IKE_PL_SA:
		return fp_ike_sa_parse(pl, &sa);
	case FP_IKE_PL_KE:
		return fp_ike_ke_parse(pl, &v.ke);
	case FP_IKE_PL_NONCE:
		return fp_ike_nonce_parse(pl);
	case FP_IKE_PL_NOTIFY:
		return fp_ike_notify_parse(pl, &v.n);
	case FP_IKE_PL_DELETE:
		return fp_ike_delete_parse(pl, &v.d);
	case FP_IKE_PL_TSI:
	case FP_IKE_PL_TSR:
		return fp_ike_ts_parse(pl, &v.tsp);
	case FP_IKE_PL_SK:
		return pl->pl_len ? FP_IKE_E_OK : FP_IKE_E_SK_LENGTH;
	case FP_IKE_PL_SKF:
		return fp_ike_skf_parse(pl, &v.f);
	case FP_IKE_PL_VENDOR:
		return FP_IKE_E_OK;
	default:
		return fp_ike_typed_parse(pl, &v.t);
	}
}
