/* "username NAME password PASSWORD" keeps only a salted PBKDF2 hash
 * (ra/ra_passwd.h); the running configuration says "username NAME password
 * HASH pbkdf2", which parses back to the same hash. The password is never
 * quoted in an error (config_secret.c masks what follows "password"). */
#include "config/config_parse.h"

#include <openssl/crypto.h>
#include <string.h>

#include "ra/ra_passwd.h"

/* The hash word for the line's password: given (pbkdf2), or made now. */
static int user_hash(struct fp_cfg_parse *p, char *hash, size_t n)
{
	const char *pw = p->tok[p->arg + 2];
	size_t len = strlen(pw);
	if (p->ntok == p->arg + 4) {
		if (!fp_cfg_word_is(p->tok[p->arg + 3], "pbkdf2"))
			return fp_cfg_error(p, "expected 'pbkdf2' after the password hash");
		if (!fp_ra_passwd_valid(pw))
			return fp_cfg_error(p, "the password hash is malformed (expected "
					    "$sha256$ITERATIONS$SALT$HASH)");
		memcpy(hash, pw, len + 1);
		return 0;
	}
	if (len > FP_CFG_USER_PASSWORD_MAX || strchr(pw, '?'))
		return fp_cfg_error(p, "a password has 1-%u printable characters without '?'",
				    FP_CFG_USER_PASSWORD_MAX);
	const struct fp_cfg_user *old = p->c->prev ? fp_config_user(p->c->prev, p->tok[p->arg]) : NULL;
	if (old && fp_ra_passwd_check(old->hash, pw, len)) {
		memcpy(hash, old->hash, sizeof(old->hash) < n ? sizeof(old->hash) : n);
		return 0;
	}
	if (fp_ra_passwd_hash(pw, len, hash, n) < 0)
		return fp_cfg_error(p, "cannot hash the password (OpenSSL)");
	return 0;
}

int fp_cfg_user(struct fp_cfg_parse *p)
{
	struct fp_config *c = p->c;
	struct fp_cfg_user u = {.line = p->lineno};
	if (fp_cfg_name(p, p->tok[p->arg], "the user name", sizeof(u.name), u.name) < 0)
		return -1;
	if (!fp_cfg_word_is(p->tok[p->arg + 1], "password"))
		return fp_cfg_error(p, "expected 'password' after the user name");
	if (user_hash(p, u.hash, sizeof(u.hash)) < 0)
		return -1;
	struct fp_cfg_user *old = (struct fp_cfg_user *)fp_config_user(c, u.name);
	if (!old && c->ra.n_users == FP_CFG_MAX_USERS)
		return fp_cfg_error(p, "too many users (limit %u)", FP_CFG_MAX_USERS);
	*(old ? old : &c->ra.users[c->ra.n_users++]) = u;
	return 0;
}

const struct fp_cfg_user *fp_config_user(const struct fp_config *c, const char *name)
{
	for (unsigned i = 0; i < c->ra.n_users; i++)
		if (strcmp(c->ra.users[i].name, name) == 0)
			return &c->ra.users[i];
	return NULL;
}
