/* CSTP framing on the TLS stream after CONNECT (anyconnect-peer.md,
 * section 5): "STF" 0x01, the payload length (big-endian, 2 bytes), the
 * type, a zero byte, the payload. Frames arrive joined and split across
 * reads: the parser looks at the start of what is buffered and says how
 * many bytes one whole frame takes, or that more are needed. */
#ifndef FP_RA_CSTP_H
#define FP_RA_CSTP_H

#include <stddef.h>
#include <stdint.h>

#define FP_CSTP_HLEN 8u
#define FP_CSTP_PAYLOAD_MAX 16384u    /* openconnect's largest; an IP packet fits */

enum fp_cstp_type {
	FP_CSTP_DATA = 0x00,
	FP_CSTP_DPD_REQ = 0x03,
	FP_CSTP_DPD_RESP = 0x04,
	FP_CSTP_DISCONNECT = 0x05,
	FP_CSTP_KEEPALIVE = 0x07,
	FP_CSTP_COMPRESSED = 0x08,
	FP_CSTP_TERMINATE = 0x09,
};

enum fp_cstp_err {
	FP_CSTP_OK = 0,
	FP_CSTP_E_MAGIC,                  /* not "STF\x01" */
	FP_CSTP_E_RESERVED,               /* byte 7 not zero */
	FP_CSTP_E_TOO_LONG,               /* payload over FP_CSTP_PAYLOAD_MAX */
	FP_CSTP_E__COUNT
};

struct fp_cstp_frame {
	uint8_t type;
	const uint8_t *payload;
	size_t len;
};

/* The frame at the start of buf: its whole length (> 0), 0 when more
 * bytes are needed, -1 with *why when the stream is broken. */
long fp_cstp_parse(const uint8_t *buf, size_t n, struct fp_cstp_frame *f, enum fp_cstp_err *why);
/* The 8-byte header of a frame of type with len payload bytes. */
void fp_cstp_header(uint8_t hdr[FP_CSTP_HLEN], uint8_t type, size_t len);
const char *fp_cstp_err_name(enum fp_cstp_err e);

#endif
