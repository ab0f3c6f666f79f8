/* Words to values: names, numbers, hex keys, masks. Each helper checks the
 * whole word and, when it is wrong, writes an error naming what the word
 * was meant to be and what it may look like. */
#include "config/config_parse.h"

#include <string.h>

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

int fp_cfg_name(struct fp_cfg_parse *p, const char *word, const char *what,
		size_t max, char *out)
{
	size_t n = strlen(word);
	if (n >= max)
		return fp_cfg_error(p, "%s %s is longer than %zu characters", what,
				    FP_CFG_SHOWN(p, word), max - 1);
	if (strspn(word, NAME_CHARS) != n)
		return fp_cfg_error(p, "%s %s may contain only letters, digits, '_', '-' "
				    "and '.'", what, FP_CFG_SHOWN(p, word));
	memset(out, 0, max);
	memcpy(out, word, n);
	return 0;
}

/* Decimal, or hexadecimal after "0x". */
static int uint_parse(const char *s, uint64_t *out)
{
	unsigned base = 10;
	const char *digits = "0123456789";
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		digits = "0123456789abcdefABCDEF";
		s += 2;
	}
	size_t n = strlen(s);
	if (n == 0 || strspn(s, digits) != n)
		return -1;
	uint64_t v = 0;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int fp_cfg_uint(struct fp_cfg_parse *p, const char *word, const char *what,
		uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	if (uint_parse(word, &v) < 0 || v < min || v > max)
		return fp_cfg_error(p, "%s must be a number from %llu to %llu, got %s",
				    what, (unsigned long long)min, (unsigned long long)max,
				    FP_CFG_SHOWN(p, word));
	*out = v;
	return 0;
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)(ch | 0x20);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

int fp_cfg_hex(struct fp_cfg_parse *p, const char *word, const char *what,
	       uint8_t *out, size_t max, uint8_t *len)
{
	if (strspn(word, "*") == strlen(word))
		return fp_cfg_error(p, "%s is hidden ('%s' as show running-config prints it); "
				    "give the key in hex", what, word);
	if (word[0] == '0' && (word[1] == 'x' || word[1] == 'X'))
		word += 2;
	size_t n = strlen(word);
	for (size_t i = 0; i < n; i++)
		if (hex_digit(word[i]) < 0)
			return fp_cfg_error(p, "%s must be hex digits, got '%c'", what, word[i]);
	if (n == 0 || n % 2)
		return fp_cfg_error(p, "%s must be a whole number of bytes in hex, got %zu "
				    "hex digits", what, n);
	if (n / 2 > max)
		return fp_cfg_error(p, "%s is %zu bytes; at most %zu are used", what, n / 2, max);
	for (size_t i = 0; i < n / 2; i++)
		out[i] = (uint8_t)(hex_digit(word[2 * i]) << 4 | hex_digit(word[2 * i + 1]));
	*len = (uint8_t)(n / 2);
	return 0;
}

int fp_cfg_mask(struct fp_cfg_parse *p, const char *word, uint8_t *len)
{
	struct fp_addr a;
	if (fp_addr_parse(&a, word) < 0 || a.af != FP_AF_INET)
		return fp_cfg_error(p, "expected an IPv4 mask (255.255.255.0), got %s",
				    FP_CFG_SHOWN(p, word));
	if (fp_mask_parse(len, word) < 0)
		return fp_cfg_error(p, "'%s' is not a contiguous mask", word);
	return 0;
}

int fp_cfg_addr_len(struct fp_prefix *out, const char *word)
{
	char buf[FP_ADDR_STRLEN];
	const char *slash = strchr(word, '/');
	if (!slash || (size_t)(slash - word) >= sizeof(buf))
		return -1;
	memcpy(buf, word, (size_t)(slash - word));
	buf[slash - word] = '\0';
	struct fp_prefix pf;
	memset(&pf, 0, sizeof(pf));
	uint64_t len;
	const char *digits = slash + 1;
	if (fp_addr_parse(&pf.addr, buf) < 0 || strlen(digits) > 3 ||
	    strspn(digits, "0123456789") != strlen(digits) || uint_parse(digits, &len) < 0)
		return -1;
	if (len > (pf.addr.af == FP_AF_INET ? 32u : 128u))
		return -1;
	pf.len = (uint8_t)len;
	*out = pf;
	return 0;
}
