/* The command line's dispatcher: one line is split into words, matched
 * word by word against the command table (cli_cmds.c) the way the ASA
 * matches it, then handed to the one command it names.
 *
 * Matching: a word selects the keywords it begins, in any letter case
 * ("sh" -> show). An exact keyword wins over longer ones it begins; two
 * different keywords left make the word ambiguous. A placeholder ("<addr>")
 * takes any word no keyword takes; its handler checks it. Errors print the
 * line with '^' under the word that failed, as the ASA does. */
#include "cli/cli_impl.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <string.h>
#include <strings.h>

#define CLI_MAX_CMDS 128u

/* The candidates still matching after some words: one flag per command. */
struct cli_match {
	bool cand[CLI_MAX_CMDS];
	unsigned n;
};

static bool kw_is_placeholder(const char *kw)
{
	return kw[0] == '<';
}

/* Does word begin keyword kw (case-insensitive)? */
static bool kw_begins(const char *kw, const char *word)
{
	size_t n = strlen(word);
	return n && n <= strlen(kw) && strncasecmp(kw, word, n) == 0;
}

static const char *cmd_kw(unsigned c, unsigned i)
{
	return i < FP_CLI_CMD_WORDS ? fp_cli_cmds[c].kw[i] : NULL;
}

static int cli_error_col(const struct fp_cli_req *r, unsigned col, const char *msg)
{
	fprintf(r->out, "%s\n%*s^\nERROR: %% %s\n", r->shown, (int)col, "", msg);
	return -1;
}

int fp_cli_error_at(const struct fp_cli_req *r, unsigned i, const char *msg)
{
	return cli_error_col(r, i < r->argc ? r->col[i] : (unsigned)strlen(r->shown), msg);
}

/* Split buf in place at blanks. -1 with the column of the first word past
 * the limit in *extra. */
static int cli_split(struct fp_cli_req *r, char *buf, unsigned *extra)
{
	char *p = buf;
	r->argc = 0;
	for (;;) {
		p += strspn(p, " \t\r\n");
		if (!*p)
			return 0;
		if (r->argc == FP_CLI_MAX_WORDS) {
			*extra = (unsigned)(p - buf);
			return -1;
		}
		r->col[r->argc] = (unsigned)(p - buf);
		r->argv[r->argc++] = p;
		p += strcspn(p, " \t\r\n");
		if (*p)
			*p++ = '\0';
	}
}

static void match_all(struct cli_match *m)
{
	m->n = 0;
	for (unsigned c = 0; c < fp_cli_n_cmds && c < CLI_MAX_CMDS; c++) {
		m->cand[c] = true;
		m->n++;
	}
}

/* How word w at position i relates to candidate c's keyword there:
 * 2 exact keyword, 1 keyword begun, 0 placeholder taken, -1 no match. */
static int word_rank(unsigned c, unsigned i, const char *w)
{
	const char *kw = cmd_kw(c, i);
	if (!kw)
		return -1;
	if (kw_is_placeholder(kw))
		return 0;
	if (strcasecmp(kw, w) == 0)
		return 2;
	return kw_begins(kw, w) ? 1 : -1;
}

/* The number of different keywords candidates hold at position i: more
 * than one after a word means the word was ambiguous. */
static unsigned match_distinct(const struct cli_match *m, unsigned i)
{
	const char *seen[CLI_MAX_CMDS];
	unsigned n = 0;
	for (unsigned c = 0; c < fp_cli_n_cmds && c < CLI_MAX_CMDS; c++) {
		const char *kw = m->cand[c] ? cmd_kw(c, i) : NULL;
		unsigned k = 0;
		while (kw && k < n && strcasecmp(seen[k], kw) != 0)
			k++;
		if (kw && k == n)
			seen[n++] = kw;
	}
	return n;
}

/* Keep the candidates whose keyword i the word matches best. Returns the
 * number of different keywords kept; placeholders count as one. */
static unsigned match_word(struct cli_match *m, unsigned i, const char *w)
{
	int best = -1;
	for (unsigned c = 0; c < fp_cli_n_cmds && c < CLI_MAX_CMDS; c++)
		if (m->cand[c] && word_rank(c, i, w) > best)
			best = word_rank(c, i, w);
	m->n = 0;
	for (unsigned c = 0; c < fp_cli_n_cmds && c < CLI_MAX_CMDS; c++) {
		m->cand[c] = m->cand[c] && best >= 0 && word_rank(c, i, w) == best;
		m->n += m->cand[c];
	}
	if (!m->n)
		return 0;
	return best == 0 ? 1 : match_distinct(m, i);
}

/* Match words [0, n). 0 with m filled, or -1 after the error. */
static int match_words(struct fp_cli_req *r, struct cli_match *m, unsigned n)
{
	match_all(m);
	for (unsigned i = 0; i < n; i++) {
		unsigned distinct = match_word(m, i, r->argv[i]);
		if (!m->n)
			return fp_cli_error_at(r, i, "Invalid input detected at '^' marker.");
		if (distinct > 1) {
			char msg[FP_CLI_LINE_MAX + 32];
			snprintf(msg, sizeof(msg), "Ambiguous command:  \"%s\"", r->shown);
			return fp_cli_error_at(r, i, msg);
		}
	}
	return 0;
}

/* The one candidate with no keyword after n words, or -1. */
static int match_complete(const struct cli_match *m, unsigned n)
{
	for (unsigned c = 0; c < fp_cli_n_cmds && c < CLI_MAX_CMDS; c++)
		if (m->cand[c] && !cmd_kw(c, n))
			return (int)c;
	return -1;
}

/* One line of a '?' listing, once per distinct keyword. */
static void help_line(FILE *out, const char *kw, const char **seen, unsigned *nseen)
{
	for (unsigned k = 0; k < *nseen; k++)
		if (strcmp(seen[k], kw) == 0)
			return;
	if (*nseen < CLI_MAX_CMDS)
		seen[(*nseen)++] = kw;
	fprintf(out, "  %-18s %s\n", kw, fp_cli_kw_help(kw));
}

/* "show crypto ?" lists the keywords that may follow; "show cr?" those
 * "cr" begins. Returns how many lines were listed, or -1 after an error
 * in the words before. */
static int cli_help(struct fp_cli_req *r, const char *prefix)
{
	struct cli_match m;
	if (match_words(r, &m, r->argc) < 0)
		return -1;
	const char *seen[CLI_MAX_CMDS];
	unsigned nseen = 0;
	for (unsigned c = 0; c < fp_cli_n_cmds && c < CLI_MAX_CMDS; c++) {
		const char *kw = m.cand[c] ? cmd_kw(c, r->argc) : NULL;
		if (kw && (kw_is_placeholder(kw) || kw_begins(kw, prefix) || !*prefix))
			help_line(r->out, kw, seen, &nseen);
	}
	int c = *prefix ? -1 : match_complete(&m, r->argc);
	if (c >= 0) {
		fprintf(r->out, "  %-18s %s\n", "<cr>", fp_cli_cmds[c].help);
		nseen++;
	}
	return (int)nseen;
}

/* A line ending in '?': the word it ends is a prefix to complete ("cr?"),
 * or nothing ("?" alone); the words before must match. */
static int cli_help_line(struct fp_cli_req *r)
{
	char *last = r->argv[--r->argc];
	last[strlen(last) - 1] = '\0';
	int n = cli_help(r, last);
	if (n == 0)
		return cli_error_col(r, r->col[r->argc], "Invalid input detected at '^' marker.");
	return n < 0 ? -1 : 0;
}

static int cli_dispatch(struct fp_cli_req *r)
{
	struct cli_match m;
	if (match_words(r, &m, r->argc) < 0)
		return -1;
	int c = match_complete(&m, r->argc);
	if (c < 0) {
		fprintf(r->out, "ERROR: %% Incomplete command\n");
		return -1;
	}
	return fp_cli_cmds[c].handle(r);
}

static bool cli_wants_help(const struct fp_cli_req *r)
{
	const char *last = r->argv[r->argc - 1];
	return last[strlen(last) - 1] == '?';
}

/* The line as echoed above a marker: without its line end, with bytes
 * that are not printable as '?' and words that may be keys as '*', so the
 * marker stays under its word on any terminal (one byte, one column) and
 * a key typed where a command word belongs never comes back. */
static void cli_shown(char *shown, size_t n, const char *line)
{
	snprintf(shown, n, "%s", line);
	size_t len = strlen(shown);
	while (len && (shown[len - 1] == '\n' || shown[len - 1] == '\r'))
		shown[--len] = '\0';
	for (char *s = shown; *s; s++)
		if (!isprint((unsigned char)*s))
			*s = '?';
	fp_config_mask_keys(shown);
}

const char *fp_cli_word_shown(const char *w)
{
	return fp_config_word_may_be_key(w, strlen(w)) ? "(not shown: it may be a key)" : w;
}

/* Characters in the line without its line end; past the limit, any count
 * over it. */
static size_t cli_line_len(const char *line)
{
	size_t len = strnlen(line, FP_CLI_LINE_MAX + 3);
	while (len && len <= FP_CLI_LINE_MAX + 2 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	return len;
}

int fp_cli_exec(struct fp_gw *gw, const char *line, FILE *out)
{
	char buf[FP_CLI_LINE_MAX + 1], shown[FP_CLI_LINE_MAX + 1];
	struct fp_cli_req r = { .gw = gw, .out = out, .shown = shown };
	if (!gw || !line || !out)
		return -1;
	if (cli_line_len(line) > FP_CLI_LINE_MAX) {
		fprintf(out, "ERROR: %% Input line longer than %u characters\n", FP_CLI_LINE_MAX);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", line);
	cli_shown(shown, sizeof(shown), line);
	unsigned extra = 0;
	int rc = 0;
	if (cli_split(&r, buf, &extra) < 0)
		rc = cli_error_col(&r, extra, "Invalid input detected at '^' marker.");
	else if (r.argc)
		rc = cli_wants_help(&r) ? cli_help_line(&r) : cli_dispatch(&r);
	OPENSSL_cleanse(buf, sizeof(buf)); /* a key may have been typed here */
	OPENSSL_cleanse(shown, sizeof(shown));
	return rc;
}
