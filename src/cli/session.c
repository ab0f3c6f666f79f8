/* A command-line session: its mode, and which part of fpvpn runs a line.
 *
 * Exec mode ("site-a# "): every line goes to fp_cli_exec() except
 * `configure terminal`, which the session takes (matched as the command
 * table matches it: "conf t", "CONFIGURE TERM"). Configure mode
 * ("site-a(config)# "): `end` and `exit` leave it; `do LINE` runs an exec
 * line; the exec commands an operator expects there (show, clear, write,
 * copy) run as they are, as on the ASA; a line ending in '?' lists what
 * may follow; every other line is configuration, handed to
 * fp_gw_configure(), which applies it or says why it cannot.
 *
 * Sub-modes: those whose lines can change live, for the next IKEv2
 * negotiation (crypto ipsec profile NAME, tunnel-group PEER
 * ipsec-attributes, crypto ikev2 policy N, crypto ipsec ikev2
 * ipsec-proposal NAME), are kept between lines and named in the prompt
 * ("site-a(config-ipsec-profile)# "); `exit` leaves the sub-mode, `end`
 * configure mode. The lines that would open any other one (interface)
 * cannot change while fpvpnd runs and are refused. */
#include "cli/session.h"

#include <openssl/crypto.h>
#include <string.h>
#include <strings.h>

#include "cli/cli_impl.h"
#include "datapath/gateway.h"

#define SESSION_WORDS 8u          /* words the session itself looks at */
#define SESSION_HELP_MAX 4096u    /* a help line: the control socket's line limit */
#define SESSION_ERR_MAX 1536u     /* fp_gw_configure's messages */

/* The first words of a line, in place: start and length. n counts every
 * word, w[]/len[] hold the first SESSION_WORDS. */
struct session_words {
	const char *w[SESSION_WORDS];
	size_t len[SESSION_WORDS];
	unsigned n;
};

static void session_split(const char *line, struct session_words *sw)
{
	const char *p = line;
	sw->n = 0;
	for (;;) {
		p += strspn(p, " \t\r\n");
		if (!*p)
			return;
		size_t n = strcspn(p, " \t\r\n");
		if (sw->n < SESSION_WORDS) {
			sw->w[sw->n] = p;
			sw->len[sw->n] = n;
		}
		sw->n++;
		p += n;
	}
}

/* Is word i of sw keyword kw, or (abbrev) a beginning of it? */
static bool word_is(const struct session_words *sw, unsigned i, const char *kw, bool abbrev)
{
	if (i >= sw->n || i >= SESSION_WORDS)
		return false;
	size_t n = sw->len[i], k = strlen(kw);
	return n && (abbrev ? n <= k : n == k) && strncasecmp(kw, sw->w[i], n) == 0;
}

/* The exec command table's first keyword that word i selects: the one it
 * spells out, or the only one it begins. NULL if none or ambiguous. */
static const char *exec_first_word(const struct session_words *sw, unsigned i)
{
	const char *found = NULL;
	for (unsigned c = 0; c < fp_cli_n_cmds; c++) {
		const char *kw = fp_cli_cmds[c].kw[0];
		if (word_is(sw, i, kw, false))
			return kw;
		if (word_is(sw, i, kw, true) && found && strcmp(found, kw) != 0)
			return NULL;
		if (word_is(sw, i, kw, true))
			found = kw;
	}
	return found;
}

static bool exec_first_is(const struct session_words *sw, const char *kw)
{
	const char *w = exec_first_word(sw, 0);
	return w && strcmp(w, kw) == 0;
}

/* Does the line end in '?' (a help request)? */
static bool session_wants_help(const char *line)
{
	size_t n = strlen(line);
	while (n && strchr(" \t\r\n", line[n - 1]))
		n--;
	return n && line[n - 1] == '?';
}

static void session_sub_leave(struct fp_session *s)
{
	s->sub[0] = '\0';
	s->sub_mode = 0;
	s->sub_index = 0;
}

static int session_exec_line(struct fp_session *s, struct fp_gw *gw, const char *line, FILE *out)
{
	struct session_words sw;
	session_split(line, &sw);
	if (sw.n == 2 && exec_first_is(&sw, "configure") && word_is(&sw, 1, "terminal", true) &&
	    !session_wants_help(line)) {
		s->mode = FP_SESSION_CONFIG;
		session_sub_leave(s);
		return 0;
	}
	return fp_cli_exec(gw, line, out);
}

/* Exec commands that run in configure mode without `do`, as on the ASA. */
static bool config_runs_exec(const struct session_words *sw)
{
	return exec_first_is(sw, "show") || exec_first_is(sw, "clear") ||
	       exec_first_is(sw, "write") || exec_first_is(sw, "copy");
}

/* Configure mode's own commands, for '?': what can change live, and how
 * to leave. Other configuration lines parse but are refused (a restart
 * applies them), so they are not offered. */
static const struct {
	const char *kw[4];
	const char *help;
} session_cfg_cmds[] = {
	{ { "hostname", "<name>" }, "Set the name the prompt shows" },
	{ { "flow-offload-ipsec" }, "Offload IPsec SAs to the flow-offload engine" },
	{ { "flow-offload-ipsec", "egress-optimization" },
	  "Offloaded inner flows skip the policy lookup" },
	{ { "no", "flow-offload-ipsec" }, "Keep every IPsec SA in the software pipe" },
	{ { "no", "flow-offload-ipsec", "egress-optimization" },
	  "Every outbound packet gets the policy lookup" },
	{ { "do", "<command>" }, "Run an exec mode command" },
	{ { "show" }, NULL }, { { "clear" }, NULL }, { { "write" }, NULL }, { { "copy" }, NULL },
	{ { "end" }, "Leave configure mode" },
	{ { "exit" }, "Leave configure mode" },
};
#define N_CFG_CMDS (sizeof(session_cfg_cmds) / sizeof(session_cfg_cmds[0]))

static const struct {
	const char *kw, *help;
} session_cfg_kw[] = {
	{ "hostname", "Set the system's network name" },
	{ "flow-offload-ipsec", "Flow offload of IPsec SAs" },
	{ "egress-optimization", "Skip the policy lookup of offloaded inner flows" },
	{ "no", "Negate a command" },
	{ "do", "Run an exec mode command (do show running-config)" },
	{ "end", "Leave configure mode" },
	{ "exit", "Leave configure mode" },
	{ "<name>", "Letters, digits, '_', '-' and '.', up to 63" },
	{ "<command>", "An exec mode command line" },
};

static const char *config_kw_help(const char *kw)
{
	for (unsigned i = 0; i < sizeof(session_cfg_kw) / sizeof(session_cfg_kw[0]); i++)
		if (strcmp(session_cfg_kw[i].kw, kw) == 0)
			return session_cfg_kw[i].help;
	return fp_cli_kw_help(kw);
}

static const char *cfg_kw(unsigned c, unsigned i)
{
	return i < 4 ? session_cfg_cmds[c].kw[i] : NULL;
}

/* Do words [0, n) select command c's keywords (a placeholder takes any)? */
static bool config_cmd_matches(unsigned c, const struct session_words *sw, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const char *kw = cfg_kw(c, i);
		if (!kw || (kw[0] != '<' && !word_is(sw, i, kw, true)))
			return false;
	}
	return true;
}

/* One listing line per keyword, the first time it comes. */
static bool config_help_kw(const char *kw, const char **seen, unsigned *nseen, FILE *out)
{
	for (unsigned k = 0; k < *nseen; k++)
		if (strcmp(seen[k], kw) == 0)
			return false;
	seen[(*nseen)++] = kw;
	fprintf(out, "  %-18s %s\n", kw, config_kw_help(kw));
	return true;
}

/* List what may follow words [0, n) and begins prefix. Returns how many
 * lines were listed. */
static unsigned config_help_list(const struct session_words *sw, unsigned n, const char *prefix,
				 size_t plen, FILE *out)
{
	const char *seen[N_CFG_CMDS];
	unsigned nseen = 0, listed = 0;
	for (unsigned c = 0; c < N_CFG_CMDS; c++) {
		const char *kw = cfg_kw(c, n);
		if (!config_cmd_matches(c, sw, n) || !kw)
			continue;
		if (kw[0] == '<' || (plen <= strlen(kw) && strncasecmp(kw, prefix, plen) == 0))
			listed += config_help_kw(kw, seen, &nseen, out);
	}
	for (unsigned c = 0; c < N_CFG_CMDS && !plen; c++)
		if (config_cmd_matches(c, sw, n) && !cfg_kw(c, n) && session_cfg_cmds[c].help) {
			fprintf(out, "  %-18s %s\n", "<cr>", session_cfg_cmds[c].help);
			return listed + 1;
		}
	return listed;
}

#define HELP_ECHO_WORDS 6u /* words of a line help quotes back at most */

/* "WORDS PREFIX" (the line without its '?') against configure mode's
 * commands; an error marks the word nothing matched. */
static int config_help_words(const char *buf, FILE *out)
{
	struct session_words sw;
	size_t len = strlen(buf);
	bool fresh = !len || strchr(" \t", buf[len - 1]);
	session_split(buf, &sw);
	unsigned n = fresh || !sw.n ? sw.n : sw.n - 1;
	bool has_prefix = n < sw.n && n < SESSION_WORDS;
	const char *prefix = has_prefix ? sw.w[n] : "";
	if (n <= SESSION_WORDS &&
	    config_help_list(&sw, n, prefix, has_prefix ? sw.len[n] : 0, out))
		return 0;
	/* echoed up to the word the marker points at and never past the
	 * sixth word: a key typed on the line must not come back */
	size_t mark = has_prefix ? (size_t)(prefix - buf) : len;
	size_t shown = mark + strcspn(buf + mark, " \t"), six = 0;
	for (unsigned w = 0; w < HELP_ECHO_WORDS && buf[six]; w++) {
		six += strspn(buf + six, " \t");
		six += strcspn(buf + six, " \t");
	}
	if (shown <= six) {
		fprintf(out, "%.*s\n%*s^\nERROR: %% Invalid input detected at '^' marker.\n",
			(int)shown, buf, (int)mark, "");
		return -1;
	}
	fprintf(out, "%.*s ...\nERROR: %% Invalid input detected after the words shown.\n",
		(int)six, buf);
	return -1;
}

/* '?' in configure mode: "do ...?" and "show ...?" are exec help; the
 * rest lists configure mode's commands ("no ?", "flow?"). */
static int config_help(struct fp_gw *gw, const char *line, FILE *out)
{
	char buf[SESSION_HELP_MAX + 1];
	struct session_words sw;
	session_split(line, &sw);
	if (sw.n > 1 && word_is(&sw, 0, "do", false))
		return fp_cli_exec(gw, sw.w[1], out);
	if (sw.n > 1 && config_runs_exec(&sw))
		return fp_cli_exec(gw, line, out);
	if (strlen(line) > SESSION_HELP_MAX) {
		fprintf(out, "ERROR: %% Input line longer than %u characters\n", SESSION_HELP_MAX);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", line);
	*strrchr(buf, '?') = '\0';
	fp_config_mask_keys(buf); /* the words echoed with the marker */
	int rc = config_help_words(buf, out);
	OPENSSL_cleanse(buf, sizeof(buf)); /* the line may hold a key */
	return rc;
}

static int config_apply(struct fp_session *s, struct fp_gw *gw, const char *line, FILE *out)
{
	char err[SESSION_ERR_MAX];
	struct fp_gw_cfg_sub sub = {.mode = s->sub_mode, .index = s->sub_index};
	int rc = fp_gw_configure_sub(gw, &sub, line, err, sizeof(err));
	if (rc < 0) {
		fprintf(out, "ERROR: %% %s\n", err);
	} else {
		const char *name = fp_config_mode_prompt(sub.mode);
		s->sub_mode = sub.mode;
		s->sub_index = sub.index;
		snprintf(s->sub, sizeof(s->sub), "%s", name ? name : "");
	}
	OPENSSL_cleanse(err, sizeof(err));
	return rc < 0 ? -1 : 0;
}

static int session_config_line(struct fp_session *s, struct fp_gw *gw, const char *line,
			       FILE *out)
{
	struct session_words sw;
	session_split(line, &sw);
	if (!sw.n)
		return 0;
	if (session_wants_help(line))
		return config_help(gw, line, out);
	if (sw.n == 1 && (word_is(&sw, 0, "end", false) || word_is(&sw, 0, "exit", false))) {
		if (!s->sub_mode || word_is(&sw, 0, "end", false)) /* exit leaves a sub-mode only */
			s->mode = FP_SESSION_EXEC;
		session_sub_leave(s);
		return 0;
	}
	if (word_is(&sw, 0, "do", false)) {
		if (sw.n > 1)
			return session_exec_line(s, gw, sw.w[1], out);
		fprintf(out, "ERROR: %% Incomplete command\n");
		return -1;
	}
	if (config_runs_exec(&sw))
		return fp_cli_exec(gw, line, out);
	return config_apply(s, gw, line, out);
}

int fp_session_exec(struct fp_session *s, struct fp_gw *gw, const char *line, FILE *out)
{
	if (!s || !gw || !line || !out)
		return -1;
	gw->now_ns = fp_gw_clock();
	if (s->mode == FP_SESSION_CONFIG)
		return session_config_line(s, gw, line, out);
	return session_exec_line(s, gw, line, out);
}

const char *fp_session_prompt(const struct fp_session *s, const struct fp_gw *gw, char *buf,
			      size_t n)
{
	const char *host = gw && gw->cfg ? gw->cfg->hostname : "fpvpn";
	if (s->mode == FP_SESSION_EXEC)
		snprintf(buf, n, "%s# ", host);
	else
		snprintf(buf, n, "%s(%s)# ", host, s->sub[0] ? s->sub : "config");
	return buf;
}
