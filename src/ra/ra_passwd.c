/* PBKDF2 password hashes (ra_passwd.h), with OpenSSL's PKCS5_PBKDF2_HMAC. */
#include "ra/ra_passwd.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B64_SALT 24u /* base64 characters of 16 and 32 bytes */
#define B64_DK 44u
#define PREFIX "$sha256$"

struct passwd_parts {
	unsigned iter;
	uint8_t salt[FP_RA_PASSWD_SALT];
	uint8_t dk[FP_RA_PASSWD_DK];
};

static bool b64_decode(const char *s, size_t n, size_t want, size_t enc, uint8_t *out)
{
	uint8_t buf[64];
	if (n != enc || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") < n)
		return false;
	int got = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
	if (got < 0 || (size_t)got < want)
		return false;
	memcpy(out, buf, want);
	return true;
}

/* "$sha256$ITER$SALT$DK" into pp; false when anything is off. */
static bool passwd_parse(const char *w, struct passwd_parts *pp)
{
	size_t pl = sizeof(PREFIX) - 1;
	if (strnlen(w, FP_RA_PASSWD_WORD_MAX) >= FP_RA_PASSWD_WORD_MAX || strncmp(w, PREFIX, pl) != 0)
		return false;
	const char *it = w + pl, *salt = strchr(it, '$');
	size_t digits = strspn(it, "0123456789");
	if (!salt || digits == 0 || digits > 8 || it + digits != salt)
		return false;
	pp->iter = (unsigned)strtoul(it, NULL, 10);
	const char *dk = strchr(++salt, '$');
	if (!dk || pp->iter < FP_RA_PASSWD_ITER_MIN || pp->iter > FP_RA_PASSWD_ITER_MAX)
		return false;
	dk++;
	return b64_decode(salt, (size_t)(dk - 1 - salt), FP_RA_PASSWD_SALT, B64_SALT, pp->salt) &&
	       b64_decode(dk, strlen(dk), FP_RA_PASSWD_DK, B64_DK, pp->dk);
}

static int passwd_derive(const char *pw, size_t n, const struct passwd_parts *pp,
			 uint8_t dk[FP_RA_PASSWD_DK])
{
	return PKCS5_PBKDF2_HMAC(pw, (int)n, pp->salt, sizeof(pp->salt), (int)pp->iter, EVP_sha256(),
				 FP_RA_PASSWD_DK, dk) == 1 ? 0 : -1;
}

int fp_ra_passwd_hash(const char *pw, size_t n, char *out, size_t outlen)
{
	struct passwd_parts pp = {.iter = FP_RA_PASSWD_ITER};
	char salt[B64_SALT + 1], dk[B64_DK + 1];
	if (outlen < FP_RA_PASSWD_WORD_MAX || RAND_bytes(pp.salt, sizeof(pp.salt)) != 1 ||
	    passwd_derive(pw, n, &pp, pp.dk) < 0)
		return -1;
	EVP_EncodeBlock((unsigned char *)salt, pp.salt, sizeof(pp.salt));
	EVP_EncodeBlock((unsigned char *)dk, pp.dk, sizeof(pp.dk));
	snprintf(out, outlen, PREFIX "%u$%s$%s", pp.iter, salt, dk);
	OPENSSL_cleanse(&pp, sizeof(pp));
	return 0;
}

bool fp_ra_passwd_valid(const char *word)
{
	struct passwd_parts pp;
	return passwd_parse(word, &pp);
}

bool fp_ra_passwd_check(const char *word, const char *pw, size_t n)
{
	struct passwd_parts pp;
	uint8_t dk[FP_RA_PASSWD_DK];
	bool ok = passwd_parse(word, &pp) && passwd_derive(pw, n, &pp, dk) == 0 &&
		  CRYPTO_memcmp(dk, pp.dk, sizeof(dk)) == 0;
	OPENSSL_cleanse(dk, sizeof(dk));
	return ok;
}
