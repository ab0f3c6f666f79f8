/* An ID payload as show prints it (the ASA's "Local id: 10.1.0.1",
 * "Remote id: CN=site-b,O=Example"): addresses in their notation, names
 * and mail addresses as text with anything unprintable as '?', a DN by
 * OpenSSL in RFC 2253 order, a key id in hex. Never longer than out. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

#include "ike/ike_sa.h"
#include "ike/ike_wire.h"

static void id_text(const uint8_t *d, size_t n, char *out, size_t outn)
{
	size_t k = 0;
	for (; k < n && k + 1 < outn; k++)
		out[k] = d[k] >= 0x20 && d[k] < 0x7f ? (char)d[k] : '?';
	out[k] = 0;
}

static void id_dn(const uint8_t *d, size_t n, char *out, size_t outn)
{
	const unsigned char *p = d;
	X509_NAME *nm = d2i_X509_NAME(NULL, &p, (long)n);
	BIO *b = nm ? BIO_new(BIO_s_mem()) : NULL;
	int len = b && X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0
			  ? BIO_read(b, out, (int)outn - 1)
			  : -1;
	if (len < 0)
		snprintf(out, outn, "(a DN that does not parse, %zu bytes)", n);
	else
		out[len] = 0;
	BIO_free(b);
	X509_NAME_free(nm);
}

void fp_ike_id_str(uint8_t type, const uint8_t *d, size_t n, char *out, size_t outn)
{
	if (!outn)
		return;
	out[0] = 0;
	switch (type) {
	case FP_IKE_ID_IPV4_ADDR:
	case FP_IKE_ID_IPV6_ADDR:
		if (n == (type == FP_IKE_ID_IPV4_ADDR ? 4u : 16u) && outn >= INET6_ADDRSTRLEN)
			inet_ntop(n == 4 ? AF_INET : AF_INET6, d, out, (socklen_t)outn);
		break;
	case FP_IKE_ID_FQDN:
	case FP_IKE_ID_RFC822_ADDR:
		id_text(d, n, out, outn);
		break;
	case FP_IKE_ID_DER_ASN1_DN:
		id_dn(d, n, out, outn);
		break;
	default:
		for (size_t k = 0; k < n && 2 * k + 2 < outn; k++)
			snprintf(out + 2 * k, 3, "%02x", d[k]);
	}
}
