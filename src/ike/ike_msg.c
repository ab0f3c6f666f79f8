/* IKEv2 header and generic payload chain: lengths first, meaning after
 * (RFC 7296 3.1-3.2). See ike_msg.h for the contract. */
#include "ike/ike_msg.h"

#include <string.h>

#include "common/inet.h"
#include "ike/ike_payload.h"

const char *fp_ike_err_name(unsigned e)
{
	static const char *const names[] = {
#define FP_IKE_X(n, s) s,
		FP_IKE_ERR_LIST(FP_IKE_X)
#undef FP_IKE_X
	};
	return e < FP_IKE_E__COUNT ? names[e] : "unknown";
}

enum fp_ike_err fp_ike_hdr_parse(struct fp_ike_hdr *h, const uint8_t *buf, size_t len)
{
	if (len < FP_IKE_HDR_LEN)
		return FP_IKE_E_TRUNCATED;
	memcpy(h->h_spi_i, buf, FP_IKE_SPI_LEN);
	memcpy(h->h_spi_r, buf + 8, FP_IKE_SPI_LEN);
	h->h_next = buf[16];
	h->h_version = buf[17];
	h->h_exchange = buf[18];
	h->h_flags = buf[19];
	h->h_msgid = fp_get32(buf + 20);
	h->h_length = fp_get32(buf + 24);
	/* a higher major version is answered INVALID_MAJOR_VERSION; the
	 * minor one is ignored (RFC 7296 3.1) */
	if ((h->h_version >> 4) != (FP_IKE_VERSION >> 4))
		return FP_IKE_E_VERSION;
	return FP_IKE_E_OK;
}

static bool chain_is_sk(uint8_t type)
{
	return type == FP_IKE_PL_SK || type == FP_IKE_PL_SKF;
}

/* One generic header at buf[off]: its bounds, then its body's. */
static enum fp_ike_err chain_one(struct fp_ike_chain *c, uint8_t type, const uint8_t *buf,
				 size_t len, size_t off, bool inner)
{
	if (len - off < FP_IKE_GEN_HDR_LEN)
		return FP_IKE_E_PAYLOAD_TRUNCATED;
	uint16_t plen = fp_get16(buf + off + 2);
	if (plen < FP_IKE_GEN_HDR_LEN || plen > len - off)
		return FP_IKE_E_PAYLOAD_LENGTH;
	struct fp_ike_pl pl = {
		.pl_body = buf + off + FP_IKE_GEN_HDR_LEN,
		.pl_len = (uint16_t)(plen - FP_IKE_GEN_HDR_LEN),
		.pl_type = type,
		.pl_next = buf[off],
		.pl_critical = buf[off + 1] & FP_IKE_CRITICAL,
		.pl_known = fp_ike_payload_known(type),
	};
	if (chain_is_sk(type) && inner)
		return FP_IKE_E_SK_NESTED;
	if (chain_is_sk(type) && off + plen != len)
		return FP_IKE_E_SK_NOT_LAST;
	if (!pl.pl_known && pl.pl_critical)
		return FP_IKE_E_CRITICAL;
	if (c->c_n == FP_IKE_MAX_PAYLOADS)
		return FP_IKE_E_TOO_MANY;
	enum fp_ike_err e = pl.pl_known ? fp_ike_payload_check(&pl) : FP_IKE_E_OK;
	if (e != FP_IKE_E_OK)
		return e;
	c->c_skipped += !pl.pl_known;
	c->c_pl[c->c_n++] = pl;
	return FP_IKE_E_OK;
}

enum fp_ike_err fp_ike_chain_parse(struct fp_ike_chain *c, uint8_t first, const uint8_t *buf,
				   size_t len, bool inner)
{
	size_t off = 0;
	uint8_t type = first;

	c->c_n = 0;
	c->c_skipped = 0;
	c->c_err_type = FP_IKE_PL_NONE;
	c->c_err_off = 0;
	while (type != FP_IKE_PL_NONE) {
		enum fp_ike_err e = chain_one(c, type, buf, len, off, inner);
		if (e != FP_IKE_E_OK) {
			c->c_err_type = type;
			c->c_err_off = (uint32_t)off;
			return e;
		}
		const struct fp_ike_pl *pl = &c->c_pl[c->c_n - 1];
		off += FP_IKE_GEN_HDR_LEN + pl->pl_len;
		/* SK's next field names the inner chain, not one after it */
		type = chain_is_sk(type) ? FP_IKE_PL_NONE : pl->pl_next;
	}
	if (off != len) {
		c->c_err_off = (uint32_t)off;
		return FP_IKE_E_TRAILING;
	}
	return FP_IKE_E_OK;
}

enum fp_ike_err fp_ike_msg_parse(struct fp_ike_msg *m, const uint8_t *buf, size_t len)
{
	m->m_buf = buf;
	m->m_len = (uint32_t)len;
	m->m_chain.c_n = 0;
	enum fp_ike_err e = fp_ike_hdr_parse(&m->m_hdr, buf, len);
	if (e != FP_IKE_E_OK)
		return e;
	if (m->m_hdr.h_length != len)
		return FP_IKE_E_LENGTH;
	e = fp_ike_chain_parse(&m->m_chain, m->m_hdr.h_next, buf + FP_IKE_HDR_LEN,
			       len - FP_IKE_HDR_LEN, false);
	if (e != FP_IKE_E_OK)
		m->m_chain.c_err_off += FP_IKE_HDR_LEN; /* from the datagram's start */
	return e;
}

const struct fp_ike_pl *fp_ike_chain_find(const struct fp_ike_chain *c, uint8_t type,
					  unsigned *at)
{
	for (unsigned i = at ? *at : 0; i < c->c_n; i++) {
		if (c->c_pl[i].pl_type != type)
			continue;
		if (at)
			*at = i + 1;
		return &c->c_pl[i];
	}
	return NULL;
}
