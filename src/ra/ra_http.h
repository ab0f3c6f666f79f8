/* The HTTP/1.1 requests an AnyConnect client sends: POST with an XML body
 * (the login), CONNECT /CSCOSSLC/tunnel (the tunnel), GET (anything else,
 * answered 404). The whole head is checked before any field is read:
 * request line, header names (token characters), values (printable),
 * count and size bounds, Content-Length (digits only, one value, bounded);
 * Transfer-Encoding is refused. Only the fields the headend uses are kept. */
#ifndef FP_RA_HTTP_H
#define FP_RA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FP_HTTP_HEAD_MAX 8192u        /* request line and headers */
#define FP_HTTP_BODY_MAX 32768u
#define FP_HTTP_MAX_HEADERS 64u
#define FP_HTTP_PATH_MAX 256u
#define FP_HTTP_COOKIE_MAX 128u       /* the webvpn cookie's value */
#define FP_HTTP_AGENT_MAX 64u         /* the User-Agent kept for show (cut) */

enum fp_http_method { FP_HTTP_GET = 1, FP_HTTP_POST, FP_HTTP_CONNECT };

/* Why a request was refused (show counters name them). */
enum fp_http_err {
	FP_HTTP_OK = 0,
	FP_HTTP_E_HEAD_TOO_LONG,
	FP_HTTP_E_BAD_REQUEST_LINE,
	FP_HTTP_E_BAD_METHOD,
	FP_HTTP_E_BAD_VERSION,
	FP_HTTP_E_BAD_HEADER,
	FP_HTTP_E_TOO_MANY_HEADERS,
	FP_HTTP_E_BAD_LENGTH,
	FP_HTTP_E_BODY_TOO_LONG,
	FP_HTTP_E_CHUNKED,
	FP_HTTP_E__COUNT
};

struct fp_http_req {
	uint8_t method;                   /* enum fp_http_method */
	char path[FP_HTTP_PATH_MAX];
	char cookie[FP_HTTP_COOKIE_MAX];  /* "Cookie: webvpn=VALUE"; "" without */
	bool close;                       /* "Connection: close" or HTTP/1.0 */
	unsigned cstp_mtu;                /* X-CSTP-MTU; 0 without */
	unsigned base_mtu;                /* X-CSTP-Base-MTU; 0 without */
	char user_agent[FP_HTTP_AGENT_MAX]; /* cut to fit; "" without */
	size_t head_len;                  /* bytes up to and with the blank line */
	const uint8_t *body;              /* into the caller's buffer */
	size_t body_len;                  /* Content-Length */
};

/* Parse the request at the start of buf (len bytes). Returns the bytes it
 * takes, head and body (> 0), 0 when more bytes are needed, or -1 with
 * *why set. */
long fp_http_parse(const uint8_t *buf, size_t len, struct fp_http_req *req,
		   enum fp_http_err *why);
const char *fp_http_err_name(enum fp_http_err e);

#endif
