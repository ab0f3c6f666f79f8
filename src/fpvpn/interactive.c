/* The interactive prompt, through libedit: the prompt is the one the
 * last reply carried ("site-a(config)# "); history; keys as on the ASA:
 *   Tab   completes the word (the candidates come from fpvpnd)
 *   ?     lists what may come next, at once, and keeps the line
 *   ^Z    leaves configure mode (sends `end`)
 *   ^C    drops the line
 *   ^D    leaves fpvpn; so do `exit` and `quit` in exec mode. */
#include <histedit.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fpvpn/client.h"

#define TTY_MAX_CANDIDATES 64u

struct tty {
	struct fpvpn_conn *conn;
	struct fpvpn_reply r;     /* the last reply: prompt and mode */
	bool lost;                /* the connection failed inside a key binding */
};

static struct tty *tty_of(EditLine *el)
{
	void *t = NULL;
	el_get(el, EL_CLIENTDATA, &t);
	return t;
}

static char *tty_prompt(EditLine *el)
{
	return tty_of(el)->r.prompt;
}

/* The line being edited, up to the cursor (to_cursor) or whole, into q. */
static size_t tty_line(EditLine *el, bool to_cursor, char *q, size_t n)
{
	const LineInfo *li = el_line(el);
	size_t len = (size_t)((to_cursor ? li->cursor : li->lastchar) - li->buffer);
	len = len < n ? len : n - 1;
	memcpy(q, li->buffer, len);
	q[len] = '\0';
	return len;
}

/* '?': "LINE?" to fpvpnd, its listing printed under the line. */
static unsigned char tty_help(EditLine *el, int ch)
{
	struct tty *t = tty_of(el);
	char q[FPVPN_LINE_MAX + 2];
	size_t n = tty_line(el, false, q, sizeof(q) - 1);
	(void)ch;
	memcpy(q + n, "?", 2);
	fputs("?\n", stdout);
	if (fpvpn_request(t->conn, q, stdout, &t->r) < 0) {
		t->lost = true;
		return CC_EOF;
	}
	return CC_REDISPLAY;
}

/* The candidates fpvpnd offers for the line up to the cursor; count. */
static int tty_candidates(struct tty *t, const char *line, char **cand, unsigned max)
{
	char q[FPVPN_LINE_MAX + 16], *text = NULL;
	size_t len = 0;
	unsigned n = 0;
	snprintf(q, sizeof(q), "%s%s", FPVPN_COMPLETE, line);
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return 0;
	int rc = fpvpn_request(t->conn, q, f, &t->r);
	fclose(f);
	for (char *save = NULL, *w = strtok_r(rc == 0 ? text : NULL, "\n", &save); w && n < max;
	     w = strtok_r(NULL, "\n", &save))
		cand[n++] = strdup(w);
	free(text);
	t->lost = rc < 0;
	return (int)n;
}

/* How many first characters every candidate shares. */
static size_t tty_common(char **cand, unsigned n)
{
	size_t k = strlen(cand[0]);
	for (unsigned i = 1; i < n; i++)
		for (size_t j = 0; j < k; j++)
			if (cand[i][j] != cand[0][j]) {
				k = j;
				break;
			}
	return k;
}

/* Replace the typed part of the word (typed chars before the cursor)
 * with the first len chars of s, and a blank if whole. */
static void tty_replace(EditLine *el, size_t typed, const char *s, size_t len, bool whole)
{
	char w[FPVPN_LINE_MAX];
	snprintf(w, sizeof(w), "%.*s%s", (int)len, s, whole ? " " : "");
	el_deletestr(el, (int)typed);
	el_insertstr(el, w);
}

static void tty_list(char **cand, unsigned n)
{
	putchar('\n');
	for (unsigned i = 0; i < n; i++)
		printf("%-24s%s", cand[i], i % 3 == 2 || i + 1 == n ? "\n" : "");
}

/* Tab: complete the word before the cursor; if several words fit, as far
 * as they agree, else list them. */
static unsigned char tty_complete(EditLine *el, int ch)
{
	struct tty *t = tty_of(el);
	char line[FPVPN_LINE_MAX + 1], *cand[TTY_MAX_CANDIDATES];
	size_t len = tty_line(el, true, line, sizeof(line));
	size_t start = len;
	unsigned char rc = CC_REFRESH;
	(void)ch;
	while (start && line[start - 1] != ' ' && line[start - 1] != '\t')
		start--;
	int n = tty_candidates(t, line, cand, TTY_MAX_CANDIDATES);
	if (t->lost)
		return CC_EOF;
	size_t common = n ? tty_common(cand, (unsigned)n) : 0;
	if (n == 0)
		rc = CC_REFRESH_BEEP;
	else if (n == 1 || common > len - start)
		tty_replace(el, len - start, cand[0], common, n == 1);
	else {
		tty_list(cand, (unsigned)n);
		rc = CC_REDISPLAY;
	}
	for (int i = 0; i < n; i++)
		free(cand[i]);
	return rc;
}

/* Replace the line with s and enter it at once, shown as echo on the
 * terminal (what libedit's own newline does: the '\n' ends the buffer). */
static unsigned char tty_enter(EditLine *el, const char *echo, const char *s)
{
	char line[16];
	const LineInfo *li = el_line(el);
	snprintf(line, sizeof(line), "%s\n", s);
	el_cursor(el, (int)(li->lastchar - li->cursor));
	el_deletestr(el, (int)(li->lastchar - li->buffer));
	el_insertstr(el, line);
	printf("%s\n", echo);
	return CC_NEWLINE;
}

/* ^Z: `end` in configure mode (fpvpn turns the terminal's suspend key
 * off while it edits a line). */
static unsigned char tty_ctrl_z(EditLine *el, int ch)
{
	(void)ch;
	return tty_of(el)->r.config ? tty_enter(el, "^Z", "end") : CC_REFRESH_BEEP;
}

/* ^C: drop the line, as the ASA does. */
static unsigned char tty_ctrl_c(EditLine *el, int ch)
{
	(void)ch;
	return tty_enter(el, "^C", "");
}

static void tty_setup(EditLine *el, History *h, struct tty *t)
{
	el_set(el, EL_CLIENTDATA, t);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_SIGNAL, 1);
	el_set(el, EL_PROMPT, tty_prompt);
	el_set(el, EL_HIST, history, h);
	el_set(el, EL_SETTY, "-d", "-isig", NULL);
	/* el_wset: el_set's EL_ADDFN copies the names and never frees them */
	el_wset(el, EL_ADDFN, L"fpvpn-complete", L"Complete the word", tty_complete);
	el_wset(el, EL_ADDFN, L"fpvpn-help", L"List what may follow", tty_help);
	el_wset(el, EL_ADDFN, L"fpvpn-end", L"Leave configure mode", tty_ctrl_z);
	el_wset(el, EL_ADDFN, L"fpvpn-cancel", L"Drop the line", tty_ctrl_c);
	el_set(el, EL_BIND, "^I", "fpvpn-complete", NULL);
	el_set(el, EL_BIND, "?", "fpvpn-help", NULL);
	el_set(el, EL_BIND, "^Z", "fpvpn-end", NULL);
	el_set(el, EL_BIND, "^C", "fpvpn-cancel", NULL);
}

/* `exit`, `quit` or `logout` alone, in exec mode: leave fpvpn. */
static bool tty_leaves(const struct tty *t, const char *line)
{
	char w[16];
	if (t->r.config || sscanf(line, " %15s", w) != 1)
		return false;
	size_t n = strspn(line, " \t") + strlen(w);
	return line[n + strspn(line + n, " \t")] == '\0' &&
	       (!strcasecmp(w, "exit") || !strcasecmp(w, "quit") || !strcasecmp(w, "logout"));
}

static int tty_loop(EditLine *el, History *h, struct tty *t)
{
	HistEvent ev;
	const char *s;
	int n;
	while (!t->lost && (s = el_gets(el, &n)) != NULL) {
		char *line = strdup(s);
		if (!line)
			return FPVPN_EXIT_FAILED;
		line[strcspn(line, "\r\n")] = '\0';
		bool blank = line[strspn(line, " \t")] == '\0';
		if (!blank)
			history(h, &ev, H_ENTER, line);
		bool leave = tty_leaves(t, line);
		if (!blank && !leave && fpvpn_request(t->conn, line, stdout, &t->r) < 0)
			t->lost = true;
		free(line);
		if (leave)
			return FPVPN_EXIT_OK;
	}
	if (!t->lost)
		putchar('\n');
	return t->lost ? FPVPN_EXIT_CONNECT : FPVPN_EXIT_OK;
}

int fpvpn_interactive(struct fpvpn_conn *c)
{
	struct tty t = { .conn = c };
	HistEvent ev;
	if (fpvpn_request(c, "", NULL, &t.r) < 0)
		return FPVPN_EXIT_CONNECT;
	EditLine *el = el_init("fpvpn", stdin, stdout, stderr);
	History *h = history_init();
	if (!el || !h) {
		fprintf(stderr, "fpvpn: cannot start the line editor\n");
		return FPVPN_EXIT_FAILED;
	}
	history(h, &ev, H_SETSIZE, 1000);
	history(h, &ev, H_SETUNIQUE, 1);
	tty_setup(el, h, &t);
	int rc = tty_loop(el, h, &t);
	history_end(h);
	el_end(el);
	return rc;
}
