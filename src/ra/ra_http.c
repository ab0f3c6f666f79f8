/* HTTP/1.1 request parsing (ra_http.h): find the blank line within the
 * bound, check every byte and line of the head, then read the fields. */
#include "ra/ra_http.h"

#include <openssl/crypto.h>
#include <string.h>
#include <strings.h>

static const char *const http_err_names[FP_HTTP_E__COUNT] = {
	[FP_HTTP_OK] = "ok",
	[FP_HTTP_E_HEAD_TOO_LONG] = "head-too-long",
	[FP_HTTP_E_BAD_REQUEST_LINE] = "bad-request-line",
	[FP_HTTP_E_BAD_METHOD] = "bad-method",
	[FP_HTTP_E_BAD_VERSION] = "bad-version",
	[FP_HTTP_E_BAD_HEADER] = "bad-header",
	[FP_HTTP_E_TOO_MANY_HEADERS] = "too-many-headers",
	[FP_HTTP_E_BAD_LENGTH] = "bad-content-length",
	[FP_HTTP_E_BODY_TOO_LONG] = "body-too-long",
	[FP_HTTP_E_CHUNKED] = "chunked-body",
};

const char *fp_http_err_name(enum fp_http_err e)
{
	return (unsigned)e < FP_HTTP_E__COUNT ? http_err_names[e] : "?";
}

/* One line of the head: [s, s + n), without its CRLF. */
struct http_line {
	const char *s;
	size_t n;
};

static const struct {
	const char *name;
	uint16_t id;
	uint8_t hdr;                      /* 1: X-DTLS-, 2: X-DTLS12-, 3: both */
} dtls_suites[FP_HTTP_DTLS__COUNT] = {
	[FP_HTTP_DTLS_PSK] = { "PSK-NEGOTIATE", 0, 3 },
	[FP_HTTP_DTLS_OC_AES256_GCM] = { "OC-DTLS1_2-AES256-GCM", 0x009d, 1 },
	[FP_HTTP_DTLS_OC_AES128_GCM] = { "OC-DTLS1_2-AES128-GCM", 0x009c, 1 },
	[FP_HTTP_DTLS_AES256_GCM] = { "AES256-GCM-SHA384", 0x009d, 2 },
	[FP_HTTP_DTLS_AES128_GCM] = { "AES128-GCM-SHA256", 0x009c, 2 },
	[FP_HTTP_DTLS_AES256_SHA] = { "AES256-SHA", 0x0035, 2 },
	[FP_HTTP_DTLS_AES128_SHA] = { "AES128-SHA", 0x002f, 2 },
};

const char *fp_http_dtls_suite_name(unsigned suite)
{
	return suite < FP_HTTP_DTLS__COUNT ? dtls_suites[suite].name : "?";
}

uint16_t fp_http_dtls_suite_id(unsigned suite)
{
	return suite < FP_HTTP_DTLS__COUNT ? dtls_suites[suite].id : 0;
}

bool fp_http_dtls_suite_is12(unsigned suite)
{
	return suite < FP_HTTP_DTLS__COUNT && dtls_suites[suite].hdr == 2;
}

void fp_http_req_cleanse(struct fp_http_req *req)
{
	OPENSSL_cleanse(req->dtls_master, sizeof(req->dtls_master));
}

/* The offset just past "\r\n\r\n", 0 when absent in the first max bytes. */
static size_t head_end(const uint8_t *buf, size_t len)
{
	size_t lim = len < FP_HTTP_HEAD_MAX ? len : FP_HTTP_HEAD_MAX;
	for (size_t i = 3; i < lim; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r')
			return i + 1;
	return 0;
}

static bool is_token(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* Every byte printable or a tab, and no bare CR or LF. */
static bool line_clean(const struct http_line *l)
{
	for (size_t i = 0; i < l->n; i++) {
		unsigned char ch = (unsigned char)l->s[i];
		if ((ch < 0x20 && ch != '\t') || ch >= 0x7f)
			return false;
	}
	return true;
}

/* "Name: value": name is a token, then a colon. */
static bool header_valid(const struct http_line *l, size_t *colon)
{
	size_t i = 0;
	while (i < l->n && is_token(l->s[i]))
		i++;
	*colon = i;
	return i > 0 && i < l->n && l->s[i] == ':' && line_clean(l);
}

static bool header_is(const struct http_line *l, size_t colon, const char *name)
{
	return strlen(name) == colon && strncasecmp(l->s, name, colon) == 0;
}

/* The value with its surrounding blanks removed. */
static struct http_line header_value(const struct http_line *l, size_t colon)
{
	struct http_line v = {.s = l->s + colon + 1, .n = l->n - colon - 1};
	while (v.n && (v.s[0] == ' ' || v.s[0] == '\t'))
		v.s++, v.n--;
	while (v.n && (v.s[v.n - 1] == ' ' || v.s[v.n - 1] == '\t'))
		v.n--;
	return v;
}

/* Digits only, at most max. */
static bool value_uint(const struct http_line *v, size_t max, size_t *out)
{
	size_t x = 0;
	if (v->n == 0 || v->n > 9)
		return false;
	for (size_t i = 0; i < v->n; i++) {
		if (v->s[i] < '0' || v->s[i] > '9')
			return false;
		x = x * 10 + (size_t)(v->s[i] - '0');
	}
	*out = x;
	return x <= max;
}

/* "a=1; webvpn=TOKEN; b=2": the webvpn cookie's value, when it fits. */
static void cookie_take(const struct http_line *v, struct fp_http_req *req)
{
	const char *s = v->s, *end = v->s + v->n;
	while (s < end) {
		while (s < end && (*s == ' ' || *s == ';'))
			s++;
		const char *e = s;
		while (e < end && *e != ';')
			e++;
		size_t n = (size_t)(e - s);
		if (n > 7 && strncmp(s, "webvpn=", 7) == 0 && n - 7 < sizeof(req->cookie)) {
			memcpy(req->cookie, s + 7, n - 7);
			req->cookie[n - 7] = '\0';
		}
		s = e;
	}
}

static int hex_digit(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
	       ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* X-DTLS-Master-Secret: exactly 96 hex digits, once (a second one, good
 * or not, makes the request's master secret bad: which would it be?). */
static void dtls_master_take(const struct http_line *v, struct fp_http_req *req)
{
	uint8_t ms[FP_HTTP_DTLS_MASTER_LEN];
	bool again = req->has_dtls_master || (req->dtls_bad & (1u << FP_HTTP_DTLS_E_MASTER));
	bool ok = !again && v->n == 2 * sizeof(ms);
	for (size_t i = 0; ok && i < sizeof(ms); i++) {
		int hi = hex_digit(v->s[2 * i]), lo = hex_digit(v->s[2 * i + 1]);
		ok = hi >= 0 && lo >= 0;
		if (ok)
			ms[i] = (uint8_t)(hi << 4 | lo);
	}
	if (ok) {
		memcpy(req->dtls_master, ms, sizeof(ms));
	} else {
		req->dtls_bad |= 1u << FP_HTTP_DTLS_E_MASTER;
		OPENSSL_cleanse(req->dtls_master, sizeof(req->dtls_master));
	}
	req->has_dtls_master = ok;
	OPENSSL_cleanse(ms, sizeof(ms));
}

static unsigned dtls_suite_find(const char *s, size_t n, uint8_t hdr)
{
	for (unsigned i = 0; i < FP_HTTP_DTLS__COUNT; i++)
		if ((dtls_suites[i].hdr & hdr) && strlen(dtls_suites[i].name) == n &&
		    memcmp(dtls_suites[i].name, s, n) == 0)
			return i;
	return FP_HTTP_DTLS__COUNT;
}

/* "NAME:NAME:...": names of letters, digits, '-' and '_'; the known ones
 * become bits of *mask. A malformed list sets nothing. */
static void dtls_list_take(const struct http_line *v, uint8_t hdr, uint32_t *mask,
			   struct fp_http_req *req)
{
	uint32_t m = 0;
	unsigned names = 0;
	for (size_t at = 0; at <= v->n; names++) {
		size_t e = at;
		while (e < v->n && v->s[e] != ':')
			e++;
		for (size_t i = at; i < e; i++)
			if (!is_token(v->s[i]) || strchr("!#$%&'*+.^`|~", v->s[i]))
				e = at; /* a foreign byte: the list is refused below */
		if (e == at || names >= FP_HTTP_DTLS_LIST_MAX) {
			req->dtls_bad |= 1u << FP_HTTP_DTLS_E_LIST;
			return;
		}
		unsigned k = dtls_suite_find(v->s + at, e - at, hdr);
		if (k < FP_HTTP_DTLS__COUNT)
			m |= 1u << k;
		at = e + 1;
	}
	*mask = m;
}

static enum fp_http_err header_take(const struct http_line *l, struct fp_http_req *req,
				    bool *have_len)
{
	size_t colon, x;
	if (!header_valid(l, &colon))
		return FP_HTTP_E_BAD_HEADER;
	struct http_line v = header_value(l, colon);
	if (header_is(l, colon, "Content-Length")) {
		if (!value_uint(&v, SIZE_MAX, &x) || (*have_len && x != req->body_len))
			return FP_HTTP_E_BAD_LENGTH;
		if (x > FP_HTTP_BODY_MAX)
			return FP_HTTP_E_BODY_TOO_LONG;
		req->body_len = x;
		*have_len = true;
	} else if (header_is(l, colon, "Transfer-Encoding")) {
		return FP_HTTP_E_CHUNKED;
	} else if (header_is(l, colon, "Cookie")) {
		cookie_take(&v, req);
	} else if (header_is(l, colon, "Connection")) {
		req->close = v.n == 5 && strncasecmp(v.s, "close", 5) == 0;
	} else if (header_is(l, colon, "User-Agent")) {
		size_t n = v.n < sizeof(req->user_agent) - 1 ? v.n : sizeof(req->user_agent) - 1;
		memcpy(req->user_agent, v.s, n);
		req->user_agent[n] = '\0';
	} else if (header_is(l, colon, "X-CSTP-MTU") && value_uint(&v, 65535, &x)) {
		req->cstp_mtu = (unsigned)x;
	} else if (header_is(l, colon, "X-CSTP-Base-MTU") && value_uint(&v, 65535, &x)) {
		req->base_mtu = (unsigned)x;
	} else if (header_is(l, colon, "X-CSTP-Full-IPv6-Capability")) {
		req->full_ipv6 = v.n == 4 && strncasecmp(v.s, "true", 4) == 0;
	} else if (header_is(l, colon, "X-DTLS-Master-Secret")) {
		dtls_master_take(&v, req);
	} else if (header_is(l, colon, "X-DTLS-CipherSuite")) {
		dtls_list_take(&v, 1, &req->dtls_suites, req);
	} else if (header_is(l, colon, "X-DTLS12-CipherSuite")) {
		dtls_list_take(&v, 2, &req->dtls12_suites, req);
	}
	return FP_HTTP_OK;
}

static enum fp_http_err request_line(const struct http_line *l, struct fp_http_req *req)
{
	static const struct { const char *name; uint8_t m; } methods[] = {
		{ "GET ", FP_HTTP_GET }, { "POST ", FP_HTTP_POST }, { "CONNECT ", FP_HTTP_CONNECT },
	};
	if (!line_clean(l))
		return FP_HTTP_E_BAD_REQUEST_LINE;
	size_t m = 0;
	for (unsigned i = 0; i < 3 && !m; i++)
		if (l->n > strlen(methods[i].name) &&
		    strncmp(l->s, methods[i].name, strlen(methods[i].name)) == 0) {
			req->method = methods[i].m;
			m = strlen(methods[i].name);
		}
	if (!m)
		return FP_HTTP_E_BAD_METHOD;
	const char *sp = memchr(l->s + m, ' ', l->n - m);
	size_t plen = sp ? (size_t)(sp - l->s) - m : 0;
	if (!sp || plen == 0 || plen >= FP_HTTP_PATH_MAX)
		return FP_HTTP_E_BAD_REQUEST_LINE;
	size_t vlen = l->n - m - plen - 1;
	if (vlen != 8 || (strncmp(sp + 1, "HTTP/1.1", 8) && strncmp(sp + 1, "HTTP/1.0", 8)))
		return FP_HTTP_E_BAD_VERSION;
	memcpy(req->path, l->s + m, plen);
	req->path[plen] = '\0';
	req->close = sp[8] == '0';
	return FP_HTTP_OK;
}

/* The next line from *pos within [0, end): false past the end. */
static bool next_line(const uint8_t *buf, size_t end, size_t *pos, struct http_line *l)
{
	const uint8_t *s = buf + *pos, *cr = memchr(s, '\r', end - *pos);
	if (!cr || cr + 1 >= buf + end || cr[1] != '\n')
		return false;
	l->s = (const char *)s;
	l->n = (size_t)(cr - s);
	*pos = (size_t)(cr - buf) + 2;
	return true;
}

static enum fp_http_err head_parse(const uint8_t *buf, size_t end, struct fp_http_req *req)
{
	struct http_line l;
	size_t pos = 0;
	unsigned n = 0;
	bool have_len = false;
	if (!next_line(buf, end, &pos, &l))
		return FP_HTTP_E_BAD_REQUEST_LINE;
	enum fp_http_err e = request_line(&l, req);
	while (e == FP_HTTP_OK && next_line(buf, end, &pos, &l) && l.n > 0)
		e = ++n > FP_HTTP_MAX_HEADERS ? FP_HTTP_E_TOO_MANY_HEADERS : header_take(&l, req, &have_len);
	if (e == FP_HTTP_OK && pos != end) /* a bare CR stopped the walk before the blank line */
		e = FP_HTTP_E_BAD_HEADER;
	return e;
}

long fp_http_parse(const uint8_t *buf, size_t len, struct fp_http_req *req,
		   enum fp_http_err *why)
{
	memset(req, 0, sizeof(*req));
	*why = FP_HTTP_OK;
	size_t end = head_end(buf, len);
	if (!end) {
		if (len >= FP_HTTP_HEAD_MAX)
			*why = FP_HTTP_E_HEAD_TOO_LONG;
		return len >= FP_HTTP_HEAD_MAX ? -1 : 0;
	}
	if ((*why = head_parse(buf, end, req)) != FP_HTTP_OK)
		return -1;
	req->head_len = end;
	if (len - end < req->body_len)
		return 0;
	req->body = buf + end;
	return (long)(end + req->body_len);
}
