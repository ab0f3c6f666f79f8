/* Fuzz the configuration parser. The input is a configuration file: each
 * line goes to fp_config_parse_line (an error does not stop the feed, so
 * the state left after a refused line is exercised too), then
 * fp_config_validate and fp_config_write run on the result.
 *
 * Oracle beyond "no crash": when the result validates, the running-config
 * written with keys must parse back, validate, and write the same text. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

/* Feeds every line of data to c; returns how many were refused. */
static unsigned feed(struct fp_config *c, const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	char err[512];
	unsigned lineno = 0, refused = 0;
	if (!line)
		abort();
	for (size_t at = 0; at < size;) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t n = nl ? (size_t)(nl - (data + at)) : size - at;
		memcpy(line, data + at, n);
		line[n] = '\0';
		refused += fp_config_parse_line(c, line, "fuzz", ++lineno, err, sizeof(err)) < 0;
		at += n + 1;
	}
	free(line);
	return refused;
}

static char *write_text(const struct fp_config *c, bool with_keys, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		abort();
	fp_config_write(c, f, with_keys);
	fclose(f);
	return buf;
}

static void check_roundtrip(const char *saved, size_t len)
{
	struct fp_config *c = fp_config_new();
	char err[512];
	size_t len2;
	if (!c)
		abort();
	if (feed(c, (const uint8_t *)saved, len) != 0 || fp_config_validate(c, err, sizeof(err)))
		abort(); /* write memory produced a file that does not load */
	char *again = write_text(c, true, &len2);
	if (len2 != len || memcmp(again, saved, len) != 0)
		abort(); /* and what it loads into is not what was written */
	free(again);
	fp_config_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_config *c = fp_config_new();
	char err[512];
	size_t len;
	if (!c)
		return 0;
	feed(c, data, size);
	bool valid = fp_config_validate(c, err, sizeof(err)) == 0;
	free(write_text(c, false, &len));
	char *saved = write_text(c, true, &len);
	if (valid)
		check_roundtrip(saved, len);
	free(saved);
	fp_config_free(c);
	return 0;
}
