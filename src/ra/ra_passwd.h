/* Local users' passwords: only a salted PBKDF2-HMAC-SHA256 hash is kept,
 * as one configuration word "$sha256$ITERATIONS$SALT$HASH" (salt 16 and
 * hash 32 bytes, base64), what "username NAME password HASH pbkdf2"
 * carries. A typed password is hashed at once; checking one recomputes
 * the hash and compares it in constant time. */
#ifndef FP_RA_PASSWD_H
#define FP_RA_PASSWD_H

#include <stdbool.h>
#include <stddef.h>

#define FP_RA_PASSWD_ITER_MIN 1000u
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define FP_RA_PASSWD_ITER FP_RA_PASSWD_ITER_MIN /* fuzz_config hashes every username line */
#else
#define FP_RA_PASSWD_ITER 10000u      /* iterations of a new hash */
#endif
#define FP_RA_PASSWD_ITER_MAX 10000000u
#define FP_RA_PASSWD_SALT 16u
#define FP_RA_PASSWD_DK 32u
#define FP_RA_PASSWD_WORD_MAX 96u     /* the word with its NUL */

/* A new random salt, the hash of pw (n bytes), the word into out (at least
 * FP_RA_PASSWD_WORD_MAX bytes). 0, or -1 when OpenSSL fails. */
int fp_ra_passwd_hash(const char *pw, size_t n, char *out, size_t outlen);
/* Whether word has the hash's shape (iterations within bounds). */
bool fp_ra_passwd_valid(const char *word);
/* Whether pw (n bytes) is the password word was made from. A malformed
 * word matches nothing. Constant time in the password's bytes. */
bool fp_ra_passwd_check(const char *word, const char *pw, size_t n);

#endif
