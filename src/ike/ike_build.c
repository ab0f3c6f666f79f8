/* IKEv2 message writer (see ike_build.h). Every put asks wr_begin() for
 * its whole length first, so a payload is either written entire or not at
 * all and the overflow flag is set. */
#include "ike/ike_build.h"

#include <string.h>

#include "common/inet.h"

#define WR_HDR ((size_t)-1)   /* previous "payload" is the IKE header */
#define WR_NONE ((size_t)-2)  /* inner chain, nothing written yet */
#define PROP_MORE 2
#define XF_MORE 3

void fp_ike_wr_init(struct fp_ike_wr *w, uint8_t *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->w_buf = buf;
	w->w_cap = cap;
	w->w_prev = WR_HDR;
}

void fp_ike_wr_init_inner(struct fp_ike_wr *w, uint8_t *buf, size_t cap)
{
	fp_ike_wr_init(w, buf, cap);
	w->w_prev = WR_NONE;
}

/* memcpy that takes NULL with a zero length (views of empty fields). */
static void wr_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	if (n)
		memcpy(dst, src, n);
}

/* n bytes at the end of the message, or NULL (and overflow) if they do
 * not fit. */
static uint8_t *wr_take(struct fp_ike_wr *w, size_t n)
{
	if (w->w_overflow || w->w_closed || n > w->w_cap - w->w_len) {
		w->w_overflow = true;
		return NULL;
	}
	uint8_t *p = w->w_buf + w->w_len;
	memset(p, 0, n);
	w->w_len += n;
	return p;
}

void fp_ike_put_hdr(struct fp_ike_wr *w, const struct fp_ike_hdr *h)
{
	uint8_t *p = wr_take(w, FP_IKE_HDR_LEN);
	if (!p)
		return;
	w->w_hdr = true;
	memcpy(p, h->h_spi_i, FP_IKE_SPI_LEN);
	memcpy(p + 8, h->h_spi_r, FP_IKE_SPI_LEN);
	p[17] = h->h_version;
	p[18] = h->h_exchange;
	p[19] = h->h_flags;
	fp_put32(p + 20, h->h_msgid);
}

/* A payload of body_len bytes linked into the chain: its body, or NULL. */
static uint8_t *wr_begin(struct fp_ike_wr *w, uint8_t type, bool critical, size_t body_len)
{
	if (body_len > UINT16_MAX - FP_IKE_GEN_HDR_LEN) {
		w->w_overflow = true;
		return NULL;
	}
	size_t at = w->w_len;
	uint8_t *p = wr_take(w, FP_IKE_GEN_HDR_LEN + body_len);
	if (!p)
		return NULL;
	if (w->w_prev == WR_NONE)
		w->w_first = type;
	else
		w->w_buf[w->w_prev == WR_HDR ? 16 : w->w_prev] = type;
	w->w_prev = at;
	p[1] = critical ? FP_IKE_CRITICAL : 0;
	fp_put16(p + 2, (uint16_t)(FP_IKE_GEN_HDR_LEN + body_len));
	return p + FP_IKE_GEN_HDR_LEN;
}

long fp_ike_wr_finish(struct fp_ike_wr *w)
{
	if (w->w_overflow)
		return -1;
	if (w->w_hdr)
		fp_put32(w->w_buf + 24, (uint32_t)w->w_len);
	return (long)w->w_len;
}

void fp_ike_put_raw(struct fp_ike_wr *w, uint8_t type, bool critical, const uint8_t *body,
		    size_t len)
{
	uint8_t *p = wr_begin(w, type, critical, len);
	if (p)
		wr_copy(p, body, len);
}

static size_t sa_xf_len(const struct fp_ike_xf *xf)
{
	if (xf->xf_attrs)
		return 8 + xf->xf_attrs_len;
	return xf->xf_keylen ? 12 : 8;
}

static uint8_t *sa_put_xf(uint8_t *p, const struct fp_ike_xf *xf, bool last)
{
	size_t len = sa_xf_len(xf);
	p[0] = last ? 0 : XF_MORE;
	fp_put16(p + 2, (uint16_t)len);
	p[4] = xf->xf_type;
	fp_put16(p + 6, xf->xf_id);
	if (xf->xf_attrs) {
		wr_copy(p + 8, xf->xf_attrs, xf->xf_attrs_len);
	} else if (xf->xf_keylen) {
		fp_put16(p + 8, FP_IKE_ATTR_TV | FP_IKE_ATTR_KEY_LENGTH);
		fp_put16(p + 10, xf->xf_keylen);
	}
	return p + len;
}

static size_t sa_prop_len(const struct fp_ike_sa *sa, const struct fp_ike_prop *pr)
{
	size_t len = 8 + pr->pr_spi_size;
	for (unsigned i = 0; i < pr->pr_n_xf; i++)
		len += sa_xf_len(&sa->sa_xf[pr->pr_first_xf + i]);
	return len;
}

void fp_ike_put_sa(struct fp_ike_wr *w, const struct fp_ike_sa *sa)
{
	size_t len = 0;
	for (unsigned i = 0; i < sa->sa_n_prop; i++)
		len += sa_prop_len(sa, &sa->sa_prop[i]);
	if (len > UINT16_MAX) {
		w->w_overflow = true;
		return;
	}
	uint8_t *p = wr_begin(w, FP_IKE_PL_SA, false, len);
	for (unsigned i = 0; p && i < sa->sa_n_prop; i++) {
		const struct fp_ike_prop *pr = &sa->sa_prop[i];
		p[0] = i + 1 < sa->sa_n_prop ? PROP_MORE : 0;
		fp_put16(p + 2, (uint16_t)sa_prop_len(sa, pr));
		p[4] = pr->pr_num;
		p[5] = pr->pr_proto;
		p[6] = pr->pr_spi_size;
		p[7] = pr->pr_n_xf;
		wr_copy(p + 8, pr->pr_spi, pr->pr_spi_size);
		p += 8 + pr->pr_spi_size;
		for (unsigned k = 0; k < pr->pr_n_xf; k++)
			p = sa_put_xf(p, &sa->sa_xf[pr->pr_first_xf + k], k + 1 == pr->pr_n_xf);
	}
}

void fp_ike_put_ke(struct fp_ike_wr *w, const struct fp_ike_ke *ke)
{
	uint8_t *p = wr_begin(w, FP_IKE_PL_KE, false, 4 + (size_t)ke->ke_len);
	if (!p)
		return;
	fp_put16(p, ke->ke_group);
	wr_copy(p + 4, ke->ke_data, ke->ke_len);
}

void fp_ike_put_notify(struct fp_ike_wr *w, const struct fp_ike_notify *n)
{
	uint8_t *p = wr_begin(w, FP_IKE_PL_NOTIFY, false, 4 + (size_t)n->n_spi_size + n->n_len);
	if (!p)
		return;
	p[0] = n->n_proto;
	p[1] = n->n_spi_size;
	fp_put16(p + 2, n->n_type);
	wr_copy(p + 4, n->n_spi, n->n_spi_size);
	wr_copy(p + 4 + n->n_spi_size, n->n_data, n->n_len);
}

void fp_ike_put_delete(struct fp_ike_wr *w, const struct fp_ike_delete *d)
{
	size_t n = (size_t)d->d_spi_size * d->d_n_spi;
	uint8_t *p = wr_begin(w, FP_IKE_PL_DELETE, false, 4 + n);
	if (!p)
		return;
	p[0] = d->d_proto;
	p[1] = d->d_spi_size;
	fp_put16(p + 2, d->d_n_spi);
	wr_copy(p + 4, d->d_spis, n);
}

void fp_ike_put_typed(struct fp_ike_wr *w, uint8_t type, const struct fp_ike_typed *t)
{
	/* certificates have no reserved bytes after their encoding */
	size_t head = type == FP_IKE_PL_CERT || type == FP_IKE_PL_CERTREQ ? 1 : 4;
	uint8_t *p = wr_begin(w, type, false, head + t->t_len);
	if (!p)
		return;
	p[0] = t->t_kind;
	wr_copy(p + head, t->t_data, t->t_len);
}

void fp_ike_put_ts(struct fp_ike_wr *w, uint8_t type, const struct fp_ike_tsp *tsp)
{
	size_t len = 4;
	for (unsigned i = 0; i < tsp->tsp_n; i++)
		len += tsp->tsp_ts[i].ts_type == FP_IKE_TS_IPV4_ADDR_RANGE ? 16 : 40;
	uint8_t *p = wr_begin(w, type, false, len);
	if (!p)
		return;
	p[0] = (uint8_t)tsp->tsp_n;
	p += 4;
	for (unsigned i = 0; i < tsp->tsp_n; i++) {
		const struct fp_ike_ts *ts = &tsp->tsp_ts[i];
		unsigned alen = ts->ts_type == FP_IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
		p[0] = ts->ts_type;
		p[1] = ts->ts_proto;
		fp_put16(p + 2, (uint16_t)(8 + 2 * alen));
		fp_put16(p + 4, ts->ts_sport);
		fp_put16(p + 6, ts->ts_eport);
		memcpy(p + 8, ts->ts_start, alen);
		memcpy(p + 8 + alen, ts->ts_end, alen);
		p += 8 + 2 * alen;
	}
}

/* SK and SKF: the next field is the inner chain's first type, and the
 * outer chain ends here. */
static uint8_t *wr_sk(struct fp_ike_wr *w, uint8_t type, uint8_t inner, size_t head,
		      const uint8_t *body, size_t len)
{
	uint8_t *p = wr_begin(w, type, false, head + len);
	if (!p)
		return NULL;
	p[-FP_IKE_GEN_HDR_LEN] = inner;
	if (body)
		wr_copy(p + head, body, len);
	w->w_closed = true;
	return p;
}

uint8_t *fp_ike_put_sk(struct fp_ike_wr *w, uint8_t inner, const uint8_t *body, size_t len)
{
	return wr_sk(w, FP_IKE_PL_SK, inner, 0, body, len);
}

uint8_t *fp_ike_put_skf(struct fp_ike_wr *w, uint8_t inner, uint16_t num, uint16_t total,
			const uint8_t *body, size_t len)
{
	uint8_t *p = wr_sk(w, FP_IKE_PL_SKF, inner, 4, body, len);
	if (!p)
		return NULL;
	fp_put16(p, num);
	fp_put16(p + 2, total);
	return p + 4;
}
