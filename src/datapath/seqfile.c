/* Reading and writing the sequence state file (seqfile.h has the format).
 * A file fpvpnd cannot read exactly is an error, never a fresh start: a
 * fresh start under a key used before is the nonce reuse the file exists
 * to prevent. */
#include "seqfile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomicfile.h"

#define SEQFILE_WORDS_MAX 4
#define SEQFILE_LINE_MAX 512
#define SEQFILE_HEADER "# fpvpnd sequence state (docs/configuration.md, \"set session-key\"): " \
		       "written by fpvpnd, do not edit\n"
/* Version 1 (one line per crypto map entry) lost a key's history when a
 * map was renamed or an entry renumbered: what it says may be below what
 * was sent, so it is not read. */
#define SEQFILE_OLD "no 'version 2' line: written by an older fpvpnd, which could lose a key's " \
		    "history; change the manual keys on both sides, then remove this file"

struct seqfile_parse {
	struct fp_seqfile *sp_sf;
	bool sp_version;              /* the version line was read */
};

struct fp_seqfile_rec *fp_seqfile_find_out(struct fp_seqfile *sf, const uint8_t *key_id)
{
	for (unsigned i = 0; i < sf->sf_n_out; i++)
		if (memcmp(sf->sf_out[i].sr_key_id, key_id, FP_CRYPTO_KEY_ID_LEN) == 0)
			return &sf->sf_out[i];
	return NULL;
}

struct fp_seqfile_rec *fp_seqfile_find_in(struct fp_seqfile *sf, uint32_t spi, const uint8_t *key_id)
{
	for (unsigned i = 0; i < sf->sf_n_in; i++)
		if (sf->sf_in[i].sr_spi == spi &&
		    memcmp(sf->sf_in[i].sr_key_id, key_id, FP_CRYPTO_KEY_ID_LEN) == 0)
			return &sf->sf_in[i];
	return NULL;
}

/* Digits only (no sign, no space), the whole word, no overflow. */
static int seqfile_u64(const char *s, int base, uint64_t max, uint64_t *v)
{
	char *end;
	if (!*s || !((s[0] >= '0' && s[0] <= '9') || (base == 16 && s[0] >= 'a' && s[0] <= 'f')))
		return -1;
	errno = 0;
	unsigned long long x = strtoull(s, &end, base);
	if (errno || *end || x > max)
		return -1;
	*v = x;
	return 0;
}

static int seqfile_key_id(const char *s, uint8_t *id)
{
	if (strlen(s) != 2 * FP_CRYPTO_KEY_ID_LEN)
		return -1;
	for (unsigned i = 0; i < FP_CRYPTO_KEY_ID_LEN; i++) {
		char byte[3] = {s[2 * i], s[2 * i + 1], 0};
		uint64_t v;
		if (seqfile_u64(byte, 16, 0xff, &v) < 0)
			return -1;
		id[i] = (uint8_t)v;
	}
	return 0;
}

/* "KEY-ID SEQ", the words after "out" or after "in SPI". */
static const char *seqfile_key_seq(char **w, struct fp_seqfile_rec *r)
{
	if (seqfile_key_id(w[0], r->sr_key_id) < 0)
		return "bad key id (32 hex digits)";
	if (seqfile_u64(w[1], 10, UINT64_MAX, &r->sr_seq) < 0)
		return "bad sequence number";
	return NULL;
}

/* r after the n records of its kind, if there is room. */
static const char *seqfile_append(struct fp_seqfile_rec *recs, unsigned *n, const struct fp_seqfile_rec *r)
{
	if (*n >= FP_SEQFILE_KEYS)
		return "more lines of one kind than fpvpnd keeps";
	recs[(*n)++] = *r;
	return NULL;
}

/* "out KEY-ID LAST": NULL or what is wrong. */
static const char *seqfile_out(struct fp_seqfile *sf, char **w, unsigned n)
{
	struct fp_seqfile_rec r = {0};
	const char *why;
	if (n != 3)
		return "expected out KEY-ID LAST";
	if ((why = seqfile_key_seq(w + 1, &r)))
		return why;
	if (fp_seqfile_find_out(sf, r.sr_key_id))
		return "outbound key id listed twice";
	return seqfile_append(sf->sf_out, &sf->sf_n_out, &r);
}

/* "in SPI KEY-ID TOP": NULL or what is wrong. */
static const char *seqfile_in(struct fp_seqfile *sf, char **w, unsigned n)
{
	struct fp_seqfile_rec r = {0};
	uint64_t spi;
	const char *why;
	if (n != 4)
		return "expected in SPI KEY-ID TOP";
	if (strncmp(w[1], "0x", 2) != 0 || seqfile_u64(w[1] + 2, 16, UINT32_MAX, &spi) < 0)
		return "bad SPI (0x and hex digits)";
	r.sr_spi = (uint32_t)spi;
	if ((why = seqfile_key_seq(w + 2, &r)))
		return why;
	if (fp_seqfile_find_in(sf, r.sr_spi, r.sr_key_id))
		return "inbound SPI and key id listed twice";
	return seqfile_append(sf->sf_in, &sf->sf_n_in, &r);
}

/* "version 2", before any record. */
static const char *seqfile_version(struct seqfile_parse *p, char **w, unsigned n)
{
	uint64_t v;
	if (strcmp(w[0], "version") != 0)
		return SEQFILE_OLD;
	if (n != 2 || seqfile_u64(w[1], 10, UINT32_MAX, &v) < 0 || v != FP_SEQFILE_VERSION)
		return "not version 2: written by another fpvpnd, this one cannot read it";
	p->sp_version = true;
	return NULL;
}

/* One line, split into words in place; NULL or what is wrong. */
static const char *seqfile_parse(struct seqfile_parse *p, char *line)
{
	char *w[SEQFILE_WORDS_MAX + 1], *save = NULL;
	unsigned n = 0;
	for (char *t = strtok_r(line, " \t", &save); t && n <= SEQFILE_WORDS_MAX; t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	if (n == 0) /* only the caller's blank test keeps this out */
		return "empty line";
	if (!p->sp_version)
		return seqfile_version(p, w, n);
	if (n > SEQFILE_WORDS_MAX)
		return "too many words";
	if (strcmp(w[0], "out") == 0)
		return seqfile_out(p->sp_sf, w, n);
	if (strcmp(w[0], "in") == 0)
		return seqfile_in(p->sp_sf, w, n);
	return "expected 'out' or 'in'";
}

static int seqfile_lines(struct seqfile_parse *p, FILE *f, const char *path, char *err, size_t errlen)
{
	char line[SEQFILE_LINE_MAX];
	unsigned no = 0;
	while (fgets(line, sizeof(line), f)) {
		const char *why = NULL;
		size_t len = strlen(line);
		no++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(f))
			why = "line too long";
		if (!why && line[0] != '#' && line[strspn(line, " \t")] != '\0')
			why = seqfile_parse(p, line);
		if (why) {
			snprintf(err, errlen, "%s:%u: %s", path, no, why);
			return -1;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!p->sp_version) { /* fpvpnd never writes a file without one */
		snprintf(err, errlen, "%s:%u: %s", path, no, SEQFILE_OLD);
		return -1;
	}
	return 0;
}

int fp_seqfile_load(struct fp_seqfile *sf, const char *path, char *err, size_t errlen)
{
	struct seqfile_parse p = {.sp_sf = sf};
	sf->sf_n_out = sf->sf_n_in = 0;
	FILE *f = fopen(path, "re");
	if (!f && errno == ENOENT)
		return 0;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = seqfile_lines(&p, f, path, err, errlen);
	fclose(f);
	if (rc < 0)
		sf->sf_n_out = sf->sf_n_in = 0;
	return rc;
}

static void seqfile_hex(char *out, const uint8_t *id)
{
	for (unsigned i = 0; i < FP_CRYPTO_KEY_ID_LEN; i++)
		sprintf(out + 2 * i, "%02x", id[i]);
}

/* The whole file (fp_atomicfile_fill_fn). */
static int seqfile_write(FILE *f, const void *arg)
{
	const struct fp_seqfile *sf = arg;
	char id[2 * FP_CRYPTO_KEY_ID_LEN + 1];
	if (fprintf(f, SEQFILE_HEADER "version %u\n", FP_SEQFILE_VERSION) < 0)
		return -1;
	for (unsigned i = 0; i < sf->sf_n_out; i++) {
		seqfile_hex(id, sf->sf_out[i].sr_key_id);
		if (fprintf(f, "out %s %" PRIu64 "\n", id, sf->sf_out[i].sr_seq) < 0)
			return -1;
	}
	for (unsigned i = 0; i < sf->sf_n_in; i++) {
		seqfile_hex(id, sf->sf_in[i].sr_key_id);
		if (fprintf(f, "in 0x%08" PRIx32 " %s %" PRIu64 "\n", sf->sf_in[i].sr_spi, id,
			    sf->sf_in[i].sr_seq) < 0)
			return -1;
	}
	return 0;
}

int fp_seqfile_save(const struct fp_seqfile *sf, const char *path, char *err, size_t errlen)
{
	return fp_atomicfile_write(path, seqfile_write, sf, FP_ATOMICFILE_DIR_REQUIRED, err, errlen);
}
