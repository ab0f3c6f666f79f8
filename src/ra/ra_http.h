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

/* The DTLS keying names a client may offer (X-DTLS-CipherSuite,
 * X-DTLS12-CipherSuite): a fixed list; any other name is passed over.
 * FP_HTTP_DTLS_* are bit numbers in fp_http_req's masks. */
enum fp_http_dtls_suite {
	FP_HTTP_DTLS_PSK = 0,             /* "PSK-NEGOTIATE" (either header) */
	FP_HTTP_DTLS_OC_AES256_GCM,       /* "OC-DTLS1_2-AES256-GCM" (X-DTLS-) */
	FP_HTTP_DTLS_OC_AES128_GCM,       /* "OC-DTLS1_2-AES128-GCM" (X-DTLS-) */
	FP_HTTP_DTLS_AES256_GCM,          /* "AES256-GCM-SHA384" (X-DTLS12-) */
	FP_HTTP_DTLS_AES128_GCM,          /* "AES128-GCM-SHA256" (X-DTLS12-) */
	FP_HTTP_DTLS_AES256_SHA,          /* "AES256-SHA" (X-DTLS12-) */
	FP_HTTP_DTLS_AES128_SHA,          /* "AES128-SHA" (X-DTLS12-) */
	FP_HTTP_DTLS__COUNT
};
#define FP_HTTP_DTLS_MASTER_LEN 48u   /* X-DTLS-Master-Secret: 96 hex digits */
#define FP_HTTP_DTLS_LIST_MAX 32u     /* names in one suite list */

/* Why a client's DTLS header was passed over (the request still goes on:
 * DTLS is simply not offered from it). */
enum fp_http_dtls_err {
	FP_HTTP_DTLS_OK = 0,
	FP_HTTP_DTLS_E_MASTER,            /* not 96 hex digits */
	FP_HTTP_DTLS_E_LIST,              /* a name with other bytes, empty, too many */
	FP_HTTP_DTLS_E__COUNT
};

struct fp_http_req {
	uint8_t method;                   /* enum fp_http_method */
	char path[FP_HTTP_PATH_MAX];
	char cookie[FP_HTTP_COOKIE_MAX];  /* "Cookie: webvpn=VALUE"; "" without */
	bool close;                       /* "Connection: close" or HTTP/1.0 */
	unsigned cstp_mtu;                /* X-CSTP-MTU; 0 without */
	unsigned base_mtu;                /* X-CSTP-Base-MTU; 0 without */
	bool full_ipv6;                   /* "X-CSTP-Full-IPv6-Capability: true": takes an IPv6 address */
	char user_agent[FP_HTTP_AGENT_MAX]; /* cut to fit; "" without */
	/* DTLS: the client's master secret (legacy keying), the suites it
	 * named per header (bits of enum fp_http_dtls_suite); a bad header
	 * leaves its field unset and says why in dtls_bad (bits of
	 * enum fp_http_dtls_err) */
	bool has_dtls_master;
	uint8_t dtls_master[FP_HTTP_DTLS_MASTER_LEN];
	uint32_t dtls_suites, dtls12_suites;
	uint8_t dtls_bad;
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
/* The suite's name as the client sends it and as the answer repeats it,
 * its IANA id (0 for PSK-NEGOTIATE), whether it belongs in X-DTLS12-. */
const char *fp_http_dtls_suite_name(unsigned suite);
uint16_t fp_http_dtls_suite_id(unsigned suite);
bool fp_http_dtls_suite_is12(unsigned suite);
/* Wipe the request's secret (the master secret) once used. */
void fp_http_req_cleanse(struct fp_http_req *req);

#endif
