/* Which words of a line may be session keys, so that errors and echoed
 * lines never quote them. The test is on the word's shape, not its place:
 * a key is typed where the SPI, a map name or a keyword belongs as easily
 * as where it belongs, and a key with a typo (a 'g', a missing digit) is
 * still mostly a key. Longest run rather than count of hex digits, so that
 * an IPv6 address (groups of 4) is still quoted. A pre-shared key is the
 * exception: any printable word can be one, so what follows the keyword
 * "pre-shared-key" is never quoted, whatever its shape; so is a user's
 * password, after the keyword "password". */
#include "config/config_parse.h"

#include <string.h>
#include <strings.h>

#define PSK_KEYWORD "pre-shared-key"
#define PASSWORD_KEYWORD "password"

static bool secret_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f');
}

bool fp_config_word_may_be_key(const char *word, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		run = secret_hex(word[i]) ? run + 1 : 0;
		if (run >= FP_CFG_KEY_HEX_RUN)
			return true;
	}
	return false;
}

static bool secret_is_psk_keyword(const char *word, size_t n)
{
	return (n == sizeof(PSK_KEYWORD) - 1 && strncasecmp(word, PSK_KEYWORD, n) == 0) ||
	       (n == sizeof(PASSWORD_KEYWORD) - 1 && strncasecmp(word, PASSWORD_KEYWORD, n) == 0);
}

void fp_config_mask_keys(char *line)
{
	bool after_psk = false;
	for (char *p = line; *(p += strspn(p, " \t\r\n"));) {
		size_t n = strcspn(p, " \t\r\n");
		bool psk = secret_is_psk_keyword(p, n);
		if (after_psk || fp_config_word_may_be_key(p, n))
			memset(p, '*', n);
		after_psk = after_psk || psk;
		p += n;
	}
}

/* Word i of the line if w is one of them (1-based), else 0. */
static unsigned secret_position(const struct fp_cfg_parse *p, const char *w)
{
	for (unsigned i = 0; i < p->ntok; i++)
		if (p->tok[i] == w)
			return i + 1;
	return 0;
}

/* Does a "pre-shared-key" word come before word pos (1-based)? */
static bool secret_after_psk(const struct fp_cfg_parse *p, unsigned pos)
{
	for (unsigned i = 0; i + 1 < pos; i++)
		if (secret_is_psk_keyword(p->tok[i], strlen(p->tok[i])))
			return true;
	return false;
}

const char *fp_cfg_shown(const struct fp_cfg_parse *p, const char *w, char *buf, size_t n)
{
	size_t len = strlen(w);
	unsigned pos = secret_position(p, w);
	if (!fp_config_word_may_be_key(w, len) && !secret_after_psk(p, pos))
		snprintf(buf, n, "'%.*s%s'", (int)(len > 64 ? 64 : len), w, len > 64 ? "..." : "");
	else if (pos)
		snprintf(buf, n, "word %u (not shown: it may be a key)", pos);
	else
		snprintf(buf, n, "a word not shown (it may be a key)");
	return buf;
}
