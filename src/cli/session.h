/* A command-line session: exec mode ("site-a#") or configure mode
 * ("site-a(config)#", entered by `configure terminal`, left by `end` or
 * `exit`). The control socket keeps one per connection; fpvpnd --offline
 * --exec uses one too. */
#ifndef FP_SESSION_H
#define FP_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct fp_gw;

enum fp_session_mode { FP_SESSION_EXEC = 0, FP_SESSION_CONFIG };

struct fp_session {
	enum fp_session_mode mode;
	char sub[64];          /* open configuration sub-mode ("config-if"), "" if none */
	uint8_t sub_mode;      /* the parser's sub-mode for the next line (fp_gw_cfg_sub) */
	unsigned sub_index;
};

/* Run one line in the session's mode: exec commands through fp_cli_exec(),
 * configuration lines through fp_gw_configure(). Returns 0 or -1 (the
 * error was printed to out, ASA style). */
int fp_session_exec(struct fp_session *s, struct fp_gw *gw, const char *line, FILE *out);
/* The prompt for the session's mode: "site-a# " or "site-a(config)# ". */
const char *fp_session_prompt(const struct fp_session *s, const struct fp_gw *gw, char *buf,
			      size_t n);

#endif
