/* The aggregate-auth XML of the AnyConnect login (anyconnect-peer.md,
 * section 2). Reading is a bounded search for the few elements the
 * headend needs, not a general XML parser: <config-auth type="...">, and
 * the text of <username>, <password> and <group-select>, with the five
 * named entities and numeric character references decoded; a NUL, a
 * control byte or an element longer than its field refuses the body.
 * Writing makes the auth-request form and the "complete" answer. */
#ifndef FP_RA_XML_H
#define FP_RA_XML_H

#include <stdbool.h>
#include <stddef.h>

#define FP_XML_FIELD_MAX 128u         /* a decoded field, NUL included */

enum fp_xml_type {
	FP_XML_OTHER = 0,
	FP_XML_INIT,                      /* type="init" */
	FP_XML_AUTH_REPLY,                /* type="auth-reply" */
	FP_XML_LOGOUT,                    /* type="logout" */
};

struct fp_xml_auth {
	unsigned type;                    /* enum fp_xml_type */
	char username[FP_XML_FIELD_MAX];
	char password[FP_XML_FIELD_MAX];  /* the caller wipes it */
	char group[FP_XML_FIELD_MAX];     /* <group-select>; "" without */
	bool has_username, has_password;
};

/* 0, or -1 when the body is not an aggregate-auth document or a field
 * does not fit or decode. out is always filled or zeroed. */
int fp_xml_auth_parse(const char *body, size_t n, struct fp_xml_auth *out);

/* The login form: a group list (groups[n_groups], the one chosen
 * selected) when n_groups > 0, the username and password inputs, an
 * error when not NULL ("Login failed."), posted back to action ("/" when
 * NULL). Names come from the configuration and are written escaped. */
struct fp_xml_form {
	const char *const *groups;
	unsigned n_groups;
	const char *chosen, *error, *action;
};
/* The length written, or 0 when out (size cap) is too small. */
size_t fp_xml_auth_request(char *out, size_t cap, const struct fp_xml_form *f);
/* type="complete" with the session token; 0 when cap is too small. */
size_t fp_xml_complete(char *out, size_t cap, const char *token);

#endif
