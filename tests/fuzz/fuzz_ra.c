/* libFuzzer target: what a remote-access client sends on TLS (src/ra).
 * The input is the decrypted stream of one connection: HTTP requests
 * (fp_http_parse) one after another, each POST body through the
 * aggregate-auth reader (fp_xml_auth_parse), and from a CONNECT on, CSTP
 * frames (fp_cstp_parse), as ra_conn.c walks it. Checks: a request or
 * frame never claims more bytes than it was given, a body lies inside
 * the input, decoded fields are NUL-terminated within their size, and
 * the whole input parsed as XML and as CSTP on its own also holds. The
 * client's DTLS headers (X-DTLS-Master-Secret, the suite lists) come
 * through the same parse: only known suite bits, a master secret only
 * when no refusal says otherwise. The whole input is also a UDP datagram
 * for the ClientHello reader that matches a DTLS channel to its session
 * (fp_ra_dtls_hello_sid): the id it points at lies inside the input, and
 * a record to open again during a rehandshake under a rule
 * (fp_ra_dtls_unseal, AES-GCM and CBC keys): -1 or a length that fits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ra/ra.h"
#include "ra/ra_cstp.h"
#include "ra/ra_dtls.h"
#include "ra/ra_dtls_unseal.h"
#include "ra/ra_http.h"
#include "ra/ra_xml.h"

static void check_xml(const uint8_t *b, size_t n)
{
	struct fp_xml_auth a;
	if (fp_xml_auth_parse((const char *)b, n, &a) < 0)
		return;
	if (strnlen(a.username, sizeof(a.username)) == sizeof(a.username) ||
	    strnlen(a.password, sizeof(a.password)) == sizeof(a.password) ||
	    strnlen(a.group, sizeof(a.group)) == sizeof(a.group) || a.type > FP_XML_LOGOUT)
		abort();
}

/* HTTP requests until CONNECT; the offset where CSTP starts (or n). */
static size_t walk_http(const uint8_t *d, size_t n)
{
	size_t off = 0;
	struct fp_http_req r;
	enum fp_http_err why;
	long k;
	while (off < n && (k = fp_http_parse(d + off, n - off, &r, &why)) > 0) {
		if ((size_t)k > n - off || r.head_len + r.body_len != (size_t)k ||
		    r.body != d + off + r.head_len || strnlen(r.path, sizeof(r.path)) == sizeof(r.path))
			abort();
		if ((r.dtls_suites | r.dtls12_suites) >> FP_HTTP_DTLS__COUNT ||
		    (r.has_dtls_master && (r.dtls_bad & (1u << FP_HTTP_DTLS_E_MASTER))) ||
		    r.dtls_bad >> FP_HTTP_DTLS_E__COUNT)
			abort();
		if (r.method == FP_HTTP_POST)
			check_xml(r.body, r.body_len);
		off += (size_t)k;
		if (r.method == FP_HTTP_CONNECT)
			return off;
	}
	return n;
}

static void walk_cstp(const uint8_t *d, size_t n)
{
	struct fp_cstp_frame f;
	enum fp_cstp_err why;
	long k;
	for (size_t off = 0; off < n && (k = fp_cstp_parse(d + off, n - off, &f, &why)) > 0;
	     off += (size_t)k)
		if ((size_t)k > n - off || f.len + FP_CSTP_HLEN != (size_t)k ||
		    f.payload != d + off + FP_CSTP_HLEN)
			abort();
}

static void check_hello(const uint8_t *d, size_t n)
{
	const uint8_t *sid;
	uint16_t version;
	if (fp_ra_dtls_hello_sid(d, n, &sid, &version) < 0)
		return;
	if (sid != d + FP_RA_DTLS_HELLO_SID_OFF + 1 || sid + FP_RA_DTLS_SID_LEN > d + n ||
	    (version != 0xfefd && version != 0xfeff))
		abort();
}

static void check_unseal(const uint8_t *d, size_t n)
{
	static const struct fp_tls_dir_key keys[] = {
		{ .tk_cipher = FP_CIPHER_AES_GCM_256, .tk_integ = FP_INTEG_NONE, .tk_key_len = 32 },
		{ .tk_cipher = FP_CIPHER_AES_CBC_128, .tk_integ = FP_INTEG_HMAC_SHA1_96,
		  .tk_key_len = 16, .tk_mac_len = 20 },
	};
	static uint8_t out[2048];
	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		int k = fp_ra_dtls_unseal(&keys[i], d, n, out, sizeof(out));
		if (k < -1 || k > (int)sizeof(out) || (k >= 0 && (size_t)k > n))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_hello(data, size);
	check_unseal(data, size);
	size_t cstp = walk_http(data, size);
	walk_cstp(data + cstp, size - cstp);
	check_xml(data, size);
	walk_cstp(data, size);
	return 0;
}
