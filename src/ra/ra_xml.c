/* Aggregate-auth XML (ra_xml.h). */
#include "ra/ra_xml.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first occurrence of s (len sn) in [h, h + hn); NULL if none. */
static const char *find(const char *h, size_t hn, const char *s)
{
	size_t sn = strlen(s);
	return sn <= hn ? memmem(h, hn, s, sn) : NULL;
}

/* One "&...;" at s (n bytes left) into *ch; its length, 0 if malformed. */
static size_t entity(const char *s, size_t n, char *ch)
{
	static const struct { const char *e; char c; } named[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' },
	};
	for (unsigned i = 0; i < 5; i++) {
		size_t k = strlen(named[i].e);
		if (n >= k && memcmp(s, named[i].e, k) == 0) {
			*ch = named[i].c;
			return k;
		}
	}
	const char *semi = n > 3 && s[1] == '#' ? memchr(s, ';', n < 8 ? n : 8) : NULL;
	if (!semi)
		return 0;
	bool hex = s[2] == 'x';
	unsigned long v = 0;
	for (const char *d = s + 2 + hex; d < semi; d++) {
		int x = *d >= '0' && *d <= '9' ? *d - '0' : hex && (*d | 0x20) >= 'a' && (*d | 0x20) <= 'f' ? (*d | 0x20) - 'a' + 10 : -1;
		if (x < 0)
			return 0;
		v = v * (hex ? 16 : 10) + (unsigned long)x;
	}
	if (semi == s + 2 + hex || v < 0x20 || v >= 0x7f) /* printable ASCII only */
		return 0;
	*ch = (char)v;
	return (size_t)(semi - s) + 1;
}

/* The text of <tag>...</tag> into out; 1 found, 0 absent, -1 malformed. */
static int element(const char *b, size_t n, const char *tag, char *out)
{
	char open[40], close[40];
	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	const char *s = find(b, n, open);
	if (!s)
		return 0;
	s += strlen(open);
	const char *e = find(s, (size_t)(b + n - s), close);
	if (!e)
		return -1;
	size_t k = 0;
	for (const char *p = s; p < e; k++) {
		size_t used = 1;
		if (k + 1 >= FP_XML_FIELD_MAX || *p == '<')
			return -1;
		if (*p == '&' && !(used = entity(p, (size_t)(e - p), &out[k])))
			return -1;
		if (*p != '&')
			out[k] = *p;
		p += used;
	}
	out[k] = '\0';
	return 1;
}

/* type="..." of the <config-auth ...> tag. */
static int auth_type(const char *b, size_t n, unsigned *type)
{
	static const struct { const char *attr; unsigned t; } types[] = {
		{ "type=\"init\"", FP_XML_INIT },
		{ "type=\"auth-reply\"", FP_XML_AUTH_REPLY },
		{ "type=\"logout\"", FP_XML_LOGOUT },
	};
	const char *s = find(b, n, "<config-auth");
	const char *e = s ? memchr(s, '>', (size_t)(b + n - s)) : NULL;
	if (!e)
		return -1;
	*type = FP_XML_OTHER;
	for (unsigned i = 0; i < 3; i++)
		if (find(s, (size_t)(e - s), types[i].attr))
			*type = types[i].t;
	return 0;
}

static bool body_clean(const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)b[i];
		if ((ch < 0x20 && ch != '\t' && ch != '\r' && ch != '\n') || ch == 0x7f)
			return false;
	}
	return true;
}

int fp_xml_auth_parse(const char *body, size_t n, struct fp_xml_auth *out)
{
	memset(out, 0, sizeof(*out));
	int u, pw, g;
	if (!body_clean(body, n) || auth_type(body, n, &out->type) < 0 ||
	    (u = element(body, n, "username", out->username)) < 0 ||
	    (pw = element(body, n, "password", out->password)) < 0 ||
	    (g = element(body, n, "group-select", out->group)) < 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->has_username = u == 1;
	out->has_password = pw == 1;
	return 0;
}

/* s escaped for XML text and attributes. */
static void escape(char *out, size_t cap, const char *s)
{
	size_t k = 0;
	for (; *s && k + 7 < cap; s++) {
		const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" :
				*s == '"' ? "&quot;" : NULL;
		if (e) {
			memcpy(out + k, e, strlen(e));
			k += strlen(e);
		} else {
			out[k++] = *s;
		}
	}
	out[k] = '\0';
}

#define XML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define XML_VERSION "<version who=\"sg\">9.20(1)</version>"

/* The group list's <select>, or "" without groups. */
static void group_select(char *out, size_t cap, const char *const *groups, unsigned n,
			 const char *chosen)
{
	size_t k = 0;
	char e[FP_XML_FIELD_MAX * 6];
	out[0] = '\0';
	if (!n)
		return;
	k += (size_t)snprintf(out, cap, "<select name=\"group_list\" label=\"GROUP:\">");
	for (unsigned i = 0; i < n && k < cap; i++) {
		escape(e, sizeof(e), groups[i]);
		k += (size_t)snprintf(out + k, cap - k, "<option%s>%s</option>",
				      chosen && strcmp(chosen, groups[i]) == 0 ? " selected=\"true\"" : "", e);
	}
	if (k < cap)
		snprintf(out + k, cap - k, "</select>");
}

size_t fp_xml_auth_request(char *out, size_t cap, const struct fp_xml_form *f)
{
	char sel[4096], err[384] = "", action[FP_XML_FIELD_MAX * 6];
	group_select(sel, sizeof(sel), f->groups, f->n_groups, f->chosen);
	escape(action, sizeof(action), f->action ? f->action : "/");
	if (f->error) {
		char e[256];
		escape(e, sizeof(e), f->error);
		snprintf(err, sizeof(err), "<error id=\"88\" param1=\"%s\" param2=\"\">Login failed.</error>", e);
	}
	int n = snprintf(out, cap,
			 XML_HEAD "<config-auth client=\"vpn\" type=\"auth-request\" aggregate-auth-version=\"2\">"
			 XML_VERSION
			 "<auth id=\"main\"><title>Login</title>"
			 "<message>Please enter your username and password.</message>%s"
			 "<form method=\"post\" action=\"%s\">%s"
			 "<input type=\"text\" name=\"username\" label=\"Username:\"></input>"
			 "<input type=\"password\" name=\"password\" label=\"Password:\"></input>"
			 "</form></auth></config-auth>\n", err, action, sel);
	return n > 0 && (size_t)n < cap && strlen(sel) < sizeof(sel) - 1 ? (size_t)n : 0;
}

size_t fp_xml_complete(char *out, size_t cap, const char *token)
{
	int n = snprintf(out, cap,
			 XML_HEAD "<config-auth client=\"vpn\" type=\"complete\" aggregate-auth-version=\"2\">"
			 XML_VERSION "<auth id=\"success\"><title>SSL VPN Service</title>"
			 "<message id=\"0\" param1=\"\" param2=\"\"></message></auth>"
			 "<session-token>%s</session-token></config-auth>\n", token);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}
