/* Reading and writing the sequence state file (seqfile.h has the format).
 * A file fpvpnd cannot read exactly is an error, never a fresh start: a
 * fresh start under a key used before is the nonce reuse the file exists
 * to prevent. */
#include "seqfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEQFILE_FIELDS 10
#define SEQFILE_LINE_MAX 512
#define SEQFILE_HEADER "# fpvpnd sequence state (docs/configuration.md, \"Manual keys\"): " \
		       "written by fpvpnd, do not edit\n"

struct fp_seqfile_entry *fp_seqfile_find(struct fp_seqfile *sf, const char *map, unsigned map_seq)
{
	for (unsigned i = 0; i < sf->sf_n; i++)
		if (sf->sf_e[i].se_map_seq == map_seq && strcmp(sf->sf_e[i].se_map, map) == 0)
			return &sf->sf_e[i];
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

/* "out|in SPI KEY-ID SEQ" from four words; NULL or what is wrong. */
static const char *seqfile_dir(char **w, const char *name, struct fp_seqfile_dir *d)
{
	uint64_t spi;
	if (strcmp(w[0], name) != 0)
		return strcmp(name, "out") == 0 ? "expected 'out'" : "expected 'in'";
	if (strncmp(w[1], "0x", 2) != 0 || seqfile_u64(w[1] + 2, 16, UINT32_MAX, &spi) < 0)
		return "bad SPI (0x and hex digits)";
	if (seqfile_key_id(w[2], d->sd_key_id) < 0)
		return "bad key id (32 hex digits)";
	if (seqfile_u64(w[3], 10, UINT64_MAX, &d->sd_seq) < 0)
		return "bad sequence number";
	d->sd_spi = (uint32_t)spi;
	return NULL;
}

/* One line, split into words in place; NULL or what is wrong. */
static const char *seqfile_parse(struct fp_seqfile *sf, char *line)
{
	char *w[SEQFILE_FIELDS + 1], *save = NULL;
	unsigned n = 0;
	for (char *t = strtok_r(line, " \t", &save); t && n <= SEQFILE_FIELDS; t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	if (n != SEQFILE_FIELDS)
		return "expected MAP SEQ out SPI KEY-ID LAST in SPI KEY-ID TOP";
	if (sf->sf_n >= FP_SEQFILE_MAX)
		return "too many entries";
	struct fp_seqfile_entry *e = &sf->sf_e[sf->sf_n];
	uint64_t map_seq;
	const char *why;
	if (strlen(w[0]) >= sizeof(e->se_map))
		return "crypto map name too long";
	if (seqfile_u64(w[1], 10, UINT32_MAX, &map_seq) < 0)
		return "bad crypto map sequence number";
	if (fp_seqfile_find(sf, w[0], (unsigned)map_seq))
		return "crypto map entry listed twice";
	memset(e, 0, sizeof(*e));
	snprintf(e->se_map, sizeof(e->se_map), "%s", w[0]);
	e->se_map_seq = (unsigned)map_seq;
	if ((why = seqfile_dir(w + 2, "out", &e->se_out)) || (why = seqfile_dir(w + 6, "in", &e->se_in)))
		return why;
	sf->sf_n++;
	return NULL;
}

static int seqfile_lines(struct fp_seqfile *sf, FILE *f, const char *path, char *err, size_t errlen)
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
			why = seqfile_parse(sf, line);
		if (why) {
			snprintf(err, errlen, "%s:%u: %s", path, no, why);
			return -1;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int fp_seqfile_load(struct fp_seqfile *sf, const char *path, char *err, size_t errlen)
{
	sf->sf_n = 0;
	FILE *f = fopen(path, "re");
	if (!f && errno == ENOENT)
		return 0;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = seqfile_lines(sf, f, path, err, errlen);
	fclose(f);
	if (rc < 0)
		sf->sf_n = 0;
	return rc;
}

static void seqfile_hex(char *out, const uint8_t *id)
{
	for (unsigned i = 0; i < FP_CRYPTO_KEY_ID_LEN; i++)
		sprintf(out + 2 * i, "%02x", id[i]);
}

static int seqfile_write(FILE *f, const struct fp_seqfile *sf)
{
	char out_id[2 * FP_CRYPTO_KEY_ID_LEN + 1], in_id[2 * FP_CRYPTO_KEY_ID_LEN + 1];
	if (fputs(SEQFILE_HEADER, f) < 0)
		return -1;
	for (unsigned i = 0; i < sf->sf_n; i++) {
		const struct fp_seqfile_entry *e = &sf->sf_e[i];
		seqfile_hex(out_id, e->se_out.sd_key_id);
		seqfile_hex(in_id, e->se_in.sd_key_id);
		if (fprintf(f, "%s %u out 0x%08" PRIx32 " %s %" PRIu64 " in 0x%08" PRIx32 " %s %" PRIu64 "\n",
			    e->se_map, e->se_map_seq, e->se_out.sd_spi, out_id, e->se_out.sd_seq,
			    e->se_in.sd_spi, in_id, e->se_in.sd_seq) < 0)
			return -1;
	}
	return 0;
}

/* The rename is only durable once the directory is on disk too. */
static int seqfile_sync_dir(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	int fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* The temporary file, written and on disk: NULL, or the step that failed
 * (errno says why). */
static const char *seqfile_put(const struct fp_seqfile *sf, const char *tmp)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return "open";
	FILE *f = fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL; /* a stale one may be wider */
	if (!f) {
		close(fd);
		return "open";
	}
	const char *why = NULL;
	if (seqfile_write(f, sf) < 0 || fflush(f) != 0)
		why = "write";
	else if (fsync(fd) < 0)
		why = "fsync";
	int saved = errno;
	if (fclose(f) != 0 && !why)
		why = "close", saved = errno;
	errno = saved;
	return why;
}

int fp_seqfile_save(const struct fp_seqfile *sf, const char *path, char *err, size_t errlen)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	const char *why = seqfile_put(sf, tmp);
	if (!why && rename(tmp, path) < 0)
		why = "rename";
	if (why) {
		int e = errno;
		unlink(tmp);
		snprintf(err, errlen, "%s: %s %s: %s", path, why, strcmp(why, "rename") ? tmp : "over it",
			 strerror(e));
		return -1;
	}
	if (seqfile_sync_dir(path) < 0) {
		snprintf(err, errlen, "%s: fsync of its directory: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
