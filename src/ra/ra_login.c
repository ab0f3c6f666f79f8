/* The login (anyconnect-peer.md, section 2): every POST carries an
 * aggregate-auth document. "init", or a reply without both fields, gets
 * the form (group list, username, password); a reply with both is checked
 * against the local users, and a good one gets type="complete" with a new
 * session's cookie. A failure gets the form again with an error. CONNECT
 * goes to ra_tunnel.c; anything else is answered 404. */
#include "ra/ra_impl.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "ra/ra_passwd.h"
#include "ra/ra_xml.h"

#define RA_XML_MAX 8192u

/* Compared against when the user does not exist, so that an unknown name
 * costs the same time as a wrong password (iterations as a real hash). */
static const char ra_dummy_hash[] =
	"$sha256$10000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

void fp_ra_http_respond(struct fp_ra *ra, struct fp_ra_conn *c, const char *status,
			const char *headers, const char *body, size_t n)
{
	char head[1024];
	int k = snprintf(head, sizeof(head),
			 "HTTP/1.1 %s\r\nServer: fpvpn\r\nContent-Length: %zu\r\n%s\r\n", status, n,
			 headers ? headers : "");
	if (k > 0 && (size_t)k < sizeof(head))
		fp_ra_conn_send2(ra, c, head, (size_t)k, body, n);
}

/* The remote-access tunnel-groups whose alias is enabled, for the list. */
static unsigned login_groups(const struct fp_ra *ra, const char **out, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < ra->cfg->n_tunnel_groups && n < max; i++) {
		const struct fp_cfg_tunnel_group *tg = &ra->cfg->tunnel_groups[i];
		if (tg->ra.remote_access && tg->ra.alias[0] && tg->ra.alias_enable)
			out[n++] = tg->ra.alias;
	}
	return n;
}

/* The tunnel-group a login picks: by the alias the client selected (none
 * if that is unknown), else by the URL's path ("https://gw/ALIAS"), else
 * the first one. */
static const struct fp_cfg_tunnel_group *login_group(const struct fp_ra *ra, const char *selected,
						     const char *path)
{
	const char *alias = selected[0] ? selected : path + (path[0] == '/');
	const struct fp_cfg_tunnel_group *first = NULL;
	for (unsigned i = 0; i < ra->cfg->n_tunnel_groups; i++) {
		const struct fp_cfg_tunnel_group *tg = &ra->cfg->tunnel_groups[i];
		if (!tg->ra.remote_access)
			continue;
		if (alias[0] && tg->ra.alias_enable && strcmp(tg->ra.alias, alias) == 0)
			return tg;
		if (!first)
			first = tg;
	}
	return selected[0] ? NULL : first;
}

static void login_form(struct fp_ra *ra, struct fp_ra_conn *c, const char *path,
		       const char *chosen, const char *error)
{
	const char *groups[32];
	char body[RA_XML_MAX];
	struct fp_xml_form f = {.groups = groups, .chosen = chosen, .error = error, .action = path};
	f.n_groups = ra->cfg->ra.webvpn.tg_list ? login_groups(ra, groups, 32) : 0;
	size_t n = fp_xml_auth_request(body, sizeof(body), &f);
	fp_ra_http_respond(ra, c, "200 OK", "Content-Type: text/xml\r\nX-Transcend-Version: 1\r\n",
			   body, n);
}

static bool login_check(const struct fp_ra *ra, const struct fp_xml_auth *a)
{
	const struct fp_cfg_user *u = fp_config_user(ra->cfg, a->username);
	bool ok = fp_ra_passwd_check(u ? u->hash : ra_dummy_hash, a->password, strlen(a->password));
	return u && ok;
}

static void login_complete(struct fp_ra *ra, struct fp_ra_conn *c, const char *user,
			   const struct fp_cfg_tunnel_group *tg, bool by_cert)
{
	struct fp_ra_session *s = fp_ra_session_new(ra, user, tg);
	char hex[FP_RA_COOKIE_LEN * 2 + 1], hdr[256], body[RA_XML_MAX];
	if (!s) {
		fp_ra_http_respond(ra, c, "503 Service Unavailable", "X-Reason: no free session\r\n",
				   "", 0);
		return;
	}
	s->peer = c->peer;
	s->peer_port = c->peer_port;
	s->by_cert = by_cert;
	ra->st.auth_ok++;
	fp_ra_session_cookie_hex(s, hex);
	snprintf(hdr, sizeof(hdr), "Content-Type: text/xml\r\nX-Transcend-Version: 1\r\n"
		 "Set-Cookie: webvpn=%s; Secure; HttpOnly\r\n", hex);
	size_t n = fp_xml_complete(body, sizeof(body), hex);
	fp_ra_http_respond(ra, c, "200 OK", hdr, body, n);
	OPENSSL_cleanse(hdr, sizeof(hdr));
	OPENSSL_cleanse(body, sizeof(body));
	OPENSSL_cleanse(hex, sizeof(hex));
	fprintf(stderr, "fpvpnd: remote access: user %s logged in to tunnel-group %s, session %u\n",
		s->user, tg->name, s->index);
}

/* The verified client certificate's common name, when it is one a user
 * name may be (letters, digits, "._-@"). */
static bool login_cert_user(const struct fp_ra_conn *c, char *user, size_t n)
{
	X509 *x = SSL_get0_peer_certificate(c->ssl);
	if (!x || SSL_get_verify_result(c->ssl) != X509_V_OK)
		return false;
	int k = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, user, (int)n);
	return k > 0 && (size_t)k < n &&
	       strspn(user, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@") == (size_t)k;
}

static void login_fail(struct fp_ra *ra, struct fp_ra_conn *c, const struct fp_http_req *req,
		       const struct fp_cfg_tunnel_group *tg, const char *why)
{
	ra->st.auth_fail++;
	fprintf(stderr, "fpvpnd: remote access: login to tunnel-group %s failed: %s\n", tg->name, why);
	login_form(ra, c, req->path, tg->ra.alias, "Login failed.");
}

/* A tunnel-group with "authentication certificate" takes the certificate
 * alone, at the first request; "aaa certificate" wants both. */
static void login_auth(struct fp_ra *ra, struct fp_ra_conn *c, const struct fp_http_req *req,
		       const struct fp_xml_auth *a, const struct fp_cfg_tunnel_group *tg)
{
	unsigned auth = tg->ra.auth ? tg->ra.auth : FP_CFG_RA_AUTH_AAA;
	char cn[FP_CFG_RA_NAME_MAX];
	bool cert = (auth & FP_CFG_RA_AUTH_CERT) && login_cert_user(c, cn, sizeof(cn));
	if (auth == FP_CFG_RA_AUTH_CERT)
		cert ? login_complete(ra, c, cn, tg, true) :
		       login_fail(ra, c, req, tg, "no valid client certificate");
	else if (a->type != FP_XML_AUTH_REPLY || !a->has_username || !a->has_password)
		login_form(ra, c, req->path, tg->ra.alias, NULL);
	else if (!login_check(ra, a))
		login_fail(ra, c, req, tg, "wrong user name or password");
	else if ((auth & FP_CFG_RA_AUTH_CERT) && !cert)
		login_fail(ra, c, req, tg, "no valid client certificate");
	else
		login_complete(ra, c, a->username, tg, false);
}

static void login_post(struct fp_ra *ra, struct fp_ra_conn *c, const struct fp_http_req *req)
{
	struct fp_xml_auth a;
	if (fp_xml_auth_parse((const char *)req->body, req->body_len, &a) < 0) {
		ra->st.xml_bad++;
		fp_ra_http_respond(ra, c, "400 Bad Request", NULL, "", 0);
		return;
	}
	const struct fp_cfg_tunnel_group *tg = login_group(ra, a.group, req->path);
	if (a.type == FP_XML_LOGOUT) {
		struct fp_ra_session *s = fp_ra_session_by_cookie(ra, req->cookie);
		if (s)
			fp_ra_session_end(ra, s, "logout");
		fp_ra_http_respond(ra, c, "200 OK", NULL, "", 0);
	} else if (!tg) {
		login_form(ra, c, req->path, NULL, NULL);
	} else {
		login_auth(ra, c, req, &a, tg);
	}
	OPENSSL_cleanse(&a, sizeof(a));
}

void fp_ra_http_request(struct fp_ra *ra, struct fp_ra_conn *c, const struct fp_http_req *req)
{
	ra->st.http_requests++;
	if (req->method == FP_HTTP_CONNECT && strcmp(req->path, "/CSCOSSLC/tunnel") == 0)
		fp_ra_tunnel_connect(ra, c, req);
	else if (req->method == FP_HTTP_POST)
		login_post(ra, c, req);
	else {
		ra->st.http_not_found++;
		fp_ra_http_respond(ra, c, "404 Not Found", NULL, "", 0);
	}
	if (req->close && c->state == RA_HTTP)
		c->state = RA_CLOSING;
}
