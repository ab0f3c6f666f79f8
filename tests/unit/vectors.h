/* Reader for the test vector files under tests/vectors (FP_TEST_VECTORS):
 * records of "NAME = hex" lines, separated by blank lines; '#' starts a
 * comment line; an empty value is a zero-length field. Header-only, for
 * the cmocka programs. */
#ifndef FP_TEST_VECTORS_H
#define FP_TEST_VECTORS_H

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FP_VEC_FIELDS 8
#define FP_VEC_MAX_LEN 512

struct fp_vec_field {
	char name[16];
	uint8_t val[FP_VEC_MAX_LEN];
	size_t len;
};

struct fp_vec {
	struct fp_vec_field f[FP_VEC_FIELDS];
	unsigned n;
	unsigned line;          /* where the record starts, for messages */
};

struct fp_vec_file {
	FILE *fp;
	unsigned line;
	char path[512];
};

/* Hex digits to bytes; 0 when done, -1 on a bad digit or overflow. */
static inline int fp_vec_hex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = 0;

	while (*s && !isspace((unsigned char)*s)) {
		unsigned v;

		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) || n == max)
			return -1;
		if (sscanf(s, "%2x", &v) != 1)
			return -1;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	*len = n;
	return 0;
}

/* Open FP_TEST_VECTORS/rel; 0 or -1. */
static inline int fp_vec_open(struct fp_vec_file *vf, const char *rel)
{
	snprintf(vf->path, sizeof(vf->path), "%s/%s", FP_TEST_VECTORS, rel);
	vf->fp = fopen(vf->path, "r");
	vf->line = 0;
	return vf->fp ? 0 : -1;
}

static inline void fp_vec_close(struct fp_vec_file *vf)
{
	if (vf->fp)
		fclose(vf->fp);
	vf->fp = NULL;
}

/* One "NAME = hex" line into the record; -1 if malformed. */
static inline int fp_vec_field_add(struct fp_vec *v, const char *line)
{
	const char *eq = strchr(line, '=');
	struct fp_vec_field *f;
	size_t nlen;

	if (!eq || v->n == FP_VEC_FIELDS)
		return -1;
	nlen = (size_t)(eq - line);
	while (nlen && isspace((unsigned char)line[nlen - 1]))
		nlen--;
	f = &v->f[v->n];
	if (nlen == 0 || nlen >= sizeof(f->name))
		return -1;
	memcpy(f->name, line, nlen);
	f->name[nlen] = 0;
	eq++;
	while (*eq == ' ' || *eq == '\t')
		eq++;
	if (fp_vec_hex(eq, f->val, sizeof(f->val), &f->len) < 0)
		return -1;
	v->n++;
	return 0;
}

/* Next record: 1, 0 at the end, -1 on a malformed line. */
static inline int fp_vec_next(struct fp_vec_file *vf, struct fp_vec *v)
{
	char line[2 * FP_VEC_MAX_LEN + 64];

	v->n = 0;
	while (fgets(line, sizeof(line), vf->fp)) {
		vf->line++;
		if (line[0] == '#')
			continue;
		if (line[0] == '\n' || line[0] == '\r' || line[0] == 0) {
			if (v->n)
				return 1;
			continue;
		}
		if (v->n == 0)
			v->line = vf->line;
		if (fp_vec_field_add(v, line) < 0)
			return -1;
	}
	return v->n ? 1 : 0;
}

/* A field by name, or NULL. */
static inline const struct fp_vec_field *fp_vec_get(const struct fp_vec *v, const char *name)
{
	for (unsigned i = 0; i < v->n; i++)
		if (strcmp(v->f[i].name, name) == 0)
			return &v->f[i];
	return NULL;
}

#endif
