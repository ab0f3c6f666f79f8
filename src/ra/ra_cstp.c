/* CSTP frames (ra_cstp.h). */
#include "ra/ra_cstp.h"

#include <string.h>

static const uint8_t cstp_magic[4] = { 'S', 'T', 'F', 0x01 };

long fp_cstp_parse(const uint8_t *buf, size_t n, struct fp_cstp_frame *f, enum fp_cstp_err *why)
{
	*why = FP_CSTP_OK;
	size_t have = n < sizeof(cstp_magic) ? n : sizeof(cstp_magic);
	if (memcmp(buf, cstp_magic, have) != 0)
		*why = FP_CSTP_E_MAGIC;
	else if (n < FP_CSTP_HLEN)
		return 0;
	else if (buf[7] != 0)
		*why = FP_CSTP_E_RESERVED;
	else if (((size_t)buf[4] << 8 | buf[5]) > FP_CSTP_PAYLOAD_MAX)
		*why = FP_CSTP_E_TOO_LONG;
	if (*why != FP_CSTP_OK)
		return -1;
	size_t len = (size_t)buf[4] << 8 | buf[5];
	if (n < FP_CSTP_HLEN + len)
		return 0;
	f->type = buf[6];
	f->payload = buf + FP_CSTP_HLEN;
	f->len = len;
	return (long)(FP_CSTP_HLEN + len);
}

void fp_cstp_header(uint8_t hdr[FP_CSTP_HLEN], uint8_t type, size_t len)
{
	memcpy(hdr, cstp_magic, sizeof(cstp_magic));
	hdr[4] = (uint8_t)(len >> 8);
	hdr[5] = (uint8_t)len;
	hdr[6] = type;
	hdr[7] = 0;
}

const char *fp_cstp_err_name(enum fp_cstp_err e)
{
	static const char *const names[FP_CSTP_E__COUNT] = {
		[FP_CSTP_OK] = "ok", [FP_CSTP_E_MAGIC] = "bad-magic",
		[FP_CSTP_E_RESERVED] = "bad-reserved-byte", [FP_CSTP_E_TOO_LONG] = "too-long",
	};
	return (unsigned)e < FP_CSTP_E__COUNT ? names[e] : "?";
}
