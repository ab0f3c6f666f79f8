/* SA payload: proposals, their transforms and transform attributes
 * (RFC 7296 3.3). Three nested length-prefixed lists, each with a "more"
 * flag and, for transforms, a count too: every one of them must agree with
 * the bytes actually present, or the payload is refused with the name of
 * the one that did not. */
#include <string.h>

#include "common/inet.h"
#include "ike/ike_payload.h"

#define PROP_HDR_LEN 8
#define XF_HDR_LEN 8
#define ATTR_HDR_LEN 4
#define PROP_MORE 2   /* "Last Substruc" of a proposal that has a successor */
#define XF_MORE 3

/* Attributes of one transform: TV (4 bytes) or TLV (4 + length). */
static enum fp_ike_err prop_attrs(struct fp_ike_xf *xf, const uint8_t *p, uint16_t len)
{
	xf->xf_attrs = len ? p : NULL;
	xf->xf_attrs_len = len;
	for (uint16_t off = 0; off < len;) {
		if (len - off < ATTR_HDR_LEN)
			return FP_IKE_E_ATTR_LENGTH;
		uint16_t type = fp_get16(p + off), val = fp_get16(p + off + 2);
		if (type == (FP_IKE_ATTR_TV | FP_IKE_ATTR_KEY_LENGTH))
			xf->xf_keylen = val;
		else
			xf->xf_unknown_attr = true;
		if (type & FP_IKE_ATTR_TV) {
			off += ATTR_HDR_LEN;
			continue;
		}
		if (val > len - off - ATTR_HDR_LEN)
			return FP_IKE_E_ATTR_LENGTH;
		off = (uint16_t)(off + ATTR_HDR_LEN + val);
	}
	return FP_IKE_E_OK;
}

/* One transform at p (left bytes of its proposal); *used its length. */
static enum fp_ike_err prop_transform(struct fp_ike_sa *sa, const uint8_t *p, size_t left,
				      uint16_t *used)
{
	if (left < XF_HDR_LEN)
		return FP_IKE_E_TRANSFORM_LENGTH;
	uint16_t len = fp_get16(p + 2);
	if (len < XF_HDR_LEN || len > left)
		return FP_IKE_E_TRANSFORM_LENGTH;
	if (p[0] != (len == left ? 0 : XF_MORE))
		return FP_IKE_E_TRANSFORM_LAST;
	if (sa->sa_n_xf == FP_IKE_MAX_TRANSFORMS)
		return FP_IKE_E_SA_TOO_MANY;
	struct fp_ike_xf *xf = &sa->sa_xf[sa->sa_n_xf++];
	memset(xf, 0, sizeof(*xf));
	xf->xf_type = p[4];
	xf->xf_id = fp_get16(p + 6);
	*used = len;
	return prop_attrs(xf, p + XF_HDR_LEN, (uint16_t)(len - XF_HDR_LEN));
}

/* The transforms of pr: exactly n of them, filling the proposal (the
 * "more" flags were checked against the bytes, the count is checked here). */
static enum fp_ike_err prop_transforms(struct fp_ike_sa *sa, struct fp_ike_prop *pr,
				       const uint8_t *p, size_t len, unsigned n)
{
	size_t off = 0;

	pr->pr_first_xf = (uint16_t)sa->sa_n_xf;
	for (unsigned i = 0; i < n; i++) {
		uint16_t used;
		if (off == len)
			return FP_IKE_E_TRANSFORM_COUNT;
		enum fp_ike_err e = prop_transform(sa, p + off, len - off, &used);
		if (e != FP_IKE_E_OK)
			return e;
		off += used;
	}
	if (off != len)
		return FP_IKE_E_TRANSFORM_COUNT;
	pr->pr_n_xf = (uint8_t)n;
	return FP_IKE_E_OK;
}

/* One proposal at p (left bytes of the SA payload); *used its length. */
static enum fp_ike_err prop_one(struct fp_ike_sa *sa, const uint8_t *p, size_t left,
				uint16_t *used)
{
	if (left < PROP_HDR_LEN)
		return FP_IKE_E_PROPOSAL_LENGTH;
	uint16_t len = fp_get16(p + 2);
	uint8_t spi_size = p[6];
	if (len < PROP_HDR_LEN + spi_size || len > left)
		return FP_IKE_E_PROPOSAL_LENGTH;
	if (p[0] != (len == left ? 0 : PROP_MORE))
		return FP_IKE_E_PROPOSAL_LAST;
	if (spi_size != 0 && spi_size != 4 && spi_size != FP_IKE_SPI_LEN)
		return FP_IKE_E_PROPOSAL_SPI;
	if (sa->sa_n_prop == FP_IKE_SA_MAX_PROPOSALS)
		return FP_IKE_E_SA_TOO_MANY;
	struct fp_ike_prop *pr = &sa->sa_prop[sa->sa_n_prop++];
	pr->pr_num = p[4];
	pr->pr_proto = p[5];
	pr->pr_spi_size = spi_size;
	pr->pr_spi = p + PROP_HDR_LEN;
	*used = len;
	uint16_t head = (uint16_t)(PROP_HDR_LEN + spi_size);
	return prop_transforms(sa, pr, p + head, len - head, p[7]);
}

enum fp_ike_err fp_ike_sa_parse(const struct fp_ike_pl *pl, struct fp_ike_sa *sa)
{
	sa->sa_n_prop = 0;
	sa->sa_n_xf = 0;
	if (pl->pl_type != FP_IKE_PL_SA)
		return FP_IKE_E_WRONG_TYPE;
	if (pl->pl_len == 0)
		return FP_IKE_E_SA_EMPTY;
	for (size_t off = 0; off < pl->pl_len;) {
		uint16_t used;
		enum fp_ike_err e = prop_one(sa, pl->pl_body + off, pl->pl_len - off, &used);
		if (e != FP_IKE_E_OK)
			return e;
		off += used;
	}
	return FP_IKE_E_OK;
}
