/* The tunnel (anyconnect-peer.md, sections 3-5): CONNECT with the session
 * cookie gets the address, netmask, split-include routes, DNS, MTU and
 * timers, then the TLS stream carries CSTP frames. DATA goes to the
 * inside when its source is the session's address; DPD requests are
 * echoed with their payload; DISCONNECT ends the session. */
#include "ra/ra_impl.h"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "common/inet.h"

#define RA_MTU_MAX 1399u    /* the inside TUN's 1400, less what CSTP never needs */
#define RA_MTU_MIN 576u
#define RA_KEEPALIVE 20u    /* seconds, the ASA's keepalive default */

static const char *ip_str(uint32_t v, char *buf, size_t n)
{
	snprintf(buf, n, "%u.%u.%u.%u", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
	return buf;
}

static size_t hdr_add(char *h, size_t cap, size_t k, const char *fmt, const char *v)
{
	if (k < cap)
		k += (size_t)snprintf(h + k, cap - k, fmt, v);
	return k;
}

/* X-CSTP-Split-Include for each permit of the split-tunnel list. */
static size_t hdr_split(const struct fp_cfg_group_policy *gp, const struct fp_config *cfg,
			char *h, size_t cap, size_t k)
{
	const struct fp_cfg_acl *acl = gp ? fp_config_acl(cfg, gp->ra.split_acl) : NULL;
	char a[FP_ADDR_STRLEN], m[FP_ADDR_STRLEN], v[2 * FP_ADDR_STRLEN + 2];
	if (!acl || gp->ra.split_policy != FP_CFG_SPLIT_TUNNELSPECIFIED)
		return k;
	for (unsigned i = 0; i < acl->n_aces; i++) {
		const struct fp_cfg_ace *ace = &acl->aces[i];
		if (!ace->permit || ace->dst.addr.af != FP_AF_INET)
			continue;
		snprintf(v, sizeof(v), "%s/%s", fp_addr_str(&ace->dst.addr, a, sizeof(a)),
			 fp_mask_str(ace->dst.len, m, sizeof(m)));
		k = hdr_add(h, cap, k, "X-CSTP-Split-Include: %s\r\n", v);
	}
	return k;
}

/* X-CSTP-Address-IP6 ADDR/LEN, as ocserv answers a client that said it
 * takes IPv6. No IPv6 split list: the client sends all its IPv6 traffic
 * into the tunnel (openconnect's script routes ::/0 there). */
static size_t hdr_addr6(const struct fp_ra_session *s, const struct fp_http_req *req, char *h,
			size_t cap, size_t k)
{
	char a[FP_ADDR_STRLEN], v[FP_ADDR_STRLEN + 8];
	struct fp_addr x = {.af = FP_AF_INET6};
	if (!s->pool6 || !req->full_ipv6)
		return k;
	memcpy(x.a, s->addr6, 16);
	snprintf(v, sizeof(v), "%s/%u", fp_addr_str(&x, a, sizeof(a)), s->pool6->prefix_len);
	return hdr_add(h, cap, k, "X-CSTP-Address-IP6: %s\r\n", v);
}

static size_t hdr_dns(const struct fp_cfg_group_policy *gp, char *h, size_t cap, size_t k)
{
	char a[FP_ADDR_STRLEN];
	for (unsigned i = 0; gp && i < gp->ra.n_dns; i++)
		k = hdr_add(h, cap, k, "X-CSTP-DNS: %s\r\n", fp_addr_str(&gp->ra.dns[i], a, sizeof(a)));
	return k;
}

/* The client's X-CSTP-MTU (or its base MTU) within what the inside takes. */
static unsigned tunnel_mtu(const struct fp_http_req *req)
{
	unsigned mtu = req->cstp_mtu ? req->cstp_mtu : req->base_mtu ? req->base_mtu : RA_MTU_MAX;
	return mtu > RA_MTU_MAX ? RA_MTU_MAX : mtu < RA_MTU_MIN ? RA_MTU_MIN : mtu;
}

#define RA_DTLS_OVERHEAD_GCM 66u  /* IPv4 20, UDP 8, record 13, nonce 8, tag 16, type 1 */
#define RA_DTLS_OVERHEAD_CBC 94u  /* ... IV 16, HMAC-SHA1 20, padding up to 16 */
#define RA_DTLS_PSK_LABEL "EXPORTER-openconnect-psk"

/* Legacy keying: the first of our suites the client named, X-DTLS12-
 * names before OpenConnect's X-DTLS- ones; FP_HTTP_DTLS__COUNT if none. */
static unsigned dtls_legacy_suite(const struct fp_http_req *req)
{
	static const uint8_t order[] = {
		FP_HTTP_DTLS_AES256_GCM, FP_HTTP_DTLS_AES128_GCM, FP_HTTP_DTLS_AES256_SHA,
		FP_HTTP_DTLS_AES128_SHA, FP_HTTP_DTLS_OC_AES256_GCM, FP_HTTP_DTLS_OC_AES128_GCM,
	};
	for (unsigned i = 0; i < sizeof(order); i++)
		if ((req->dtls12_suites | req->dtls_suites) & (1u << order[i]))
			return order[i];
	return FP_HTTP_DTLS__COUNT;
}

/* How the session's DTLS is keyed, from what the client offered (PSK
 * first, as ocserv does); its secret and session id made. */
static bool dtls_keying(struct fp_ra *ra, struct fp_ra_conn *c, struct fp_ra_session *s,
			const struct fp_http_req *req, unsigned *suite)
{
	*suite = FP_HTTP_DTLS__COUNT;
	if ((req->dtls_suites | req->dtls12_suites) & (1u << FP_HTTP_DTLS_PSK)) {
		if (SSL_export_keying_material(c->ssl, s->dtls_secret, 32, RA_DTLS_PSK_LABEL,
					       strlen(RA_DTLS_PSK_LABEL), NULL, 0, 0) != 1)
			return false;
		s->dtls_mode = FP_RA_DTLS_PSK;
		*suite = FP_HTTP_DTLS_PSK;
	} else if (req->has_dtls_master) {
		if ((*suite = dtls_legacy_suite(req)) == FP_HTTP_DTLS__COUNT) {
			ra->st.dtls_no_suite++;
			return false;
		}
		memcpy(s->dtls_secret, req->dtls_master, sizeof(req->dtls_master));
		s->dtls_mode = FP_RA_DTLS_LEGACY;
		s->dtls_suite = fp_http_dtls_suite_id(*suite);
	} else {
		return false;
	}
	if (RAND_bytes(s->dtls_sid, sizeof(s->dtls_sid)) != 1)
		return false;
	fp_ra_dtls_sid_publish(ra, s, true);
	return true;
}

unsigned fp_ra_rekey_secs(const struct fp_cfg_group_policy *gp, enum fp_cfg_rekey_method m)
{
	if (!gp || gp->ra.rekey_method != m || gp->ra.rekey_time_none || !gp->ra.rekey_min)
		return 0;
	return 60u * gp->ra.rekey_min;
}

/* anyconnect ssl rekey method ssl: openconnect rehandshakes its DTLS
 * session when the time is up (a renegotiation under the current keys,
 * ra_dtls.c), and the rule moves to the new epoch in place. Other methods
 * renew the DTLS keys with the tunnel (hdr_rekey). */
static size_t hdr_dtls_rekey(const struct fp_cfg_group_policy *gp, char *h, size_t cap, size_t k)
{
	char num[16];
	unsigned secs = fp_ra_rekey_secs(gp, FP_CFG_REKEY_SSL);
	if (!secs)
		return hdr_add(h, cap, k, "%s", "X-DTLS-Rekey-Method: none\r\n");
	snprintf(num, sizeof(num), "%u", secs);
	k = hdr_add(h, cap, k, "X-DTLS-Rekey-Time: %s\r\n", num);
	return hdr_add(h, cap, k, "%s", "X-DTLS-Rekey-Method: ssl\r\n");
}

/* The X-DTLS headers (anyconnect-peer.md section 4) when DTLS is on for
 * the group-policy (the ASA's default), a UDP transport exists and the
 * client asked with keying we take. */
static size_t hdr_dtls(struct fp_ra *ra, struct fp_ra_conn *c, struct fp_ra_session *s,
		       const struct fp_http_req *req, unsigned dpd, char *h, size_t cap, size_t k)
{
	char sid[2 * FP_RA_DTLS_SID_LEN + 1], num[16];
	unsigned suite, base = req->base_mtu ? req->base_mtu : 1500, over;
	for (unsigned i = 0; i < FP_HTTP_DTLS_E__COUNT; i++)
		ra->st.dtls_hdr_bad[i] += (req->dtls_bad >> i) & 1u;
	if (!ra->env.dtls_out || (s->gp && s->gp->ra.dtls == FP_CFG_TRI_OFF) ||
	    !dtls_keying(ra, c, s, req, &suite)) {
		OPENSSL_cleanse(s->dtls_secret, sizeof(s->dtls_secret));
		s->dtls_mode = FP_RA_DTLS_OFF;
		fp_ra_dtls_sid_publish(ra, s, false);
		return k;
	}
	for (unsigned i = 0; i < FP_RA_DTLS_SID_LEN; i++)
		snprintf(sid + 2 * i, 3, "%02x", s->dtls_sid[i]);
	over = suite == FP_HTTP_DTLS_AES256_SHA || suite == FP_HTTP_DTLS_AES128_SHA ?
	       RA_DTLS_OVERHEAD_CBC : RA_DTLS_OVERHEAD_GCM;
	if (c->peer.af == FP_AF_INET6) /* the outer header is 20 bytes longer */
		over += FP_IPV6_HLEN - FP_IPV4_HLEN;
	s->dtls_mtu = (uint16_t)(base < RA_MTU_MIN + over ? RA_MTU_MIN :
				 base - over > RA_MTU_MAX ? RA_MTU_MAX : base - over);
	snprintf(num, sizeof(num), "%u", ra->cfg->ra.webvpn.dtls_port ? ra->cfg->ra.webvpn.dtls_port :
					 FP_CFG_WEBVPN_DTLS_PORT);
	k = hdr_add(h, cap, k, "X-DTLS-Port: %s\r\n", num);
	k = hdr_add(h, cap, k, s->dtls_mode == FP_RA_DTLS_PSK ? "X-DTLS-App-ID: %s\r\n" :
		    "X-DTLS-Session-ID: %s\r\n", sid);
	k = hdr_add(h, cap, k, fp_http_dtls_suite_is12(suite) ? "X-DTLS12-CipherSuite: %s\r\n" :
		    "X-DTLS-CipherSuite: %s\r\n", fp_http_dtls_suite_name(suite));
	snprintf(num, sizeof(num), "%u", dpd);
	if (dpd)
		k = hdr_add(h, cap, k, "X-DTLS-DPD: %s\r\n", num);
	snprintf(num, sizeof(num), "%u", RA_KEEPALIVE);
	k = hdr_add(h, cap, k, "X-DTLS-Keepalive: %s\r\n", num);
	snprintf(num, sizeof(num), "%u", s->dtls_mtu);
	k = hdr_add(h, cap, k, "X-DTLS-MTU: %s\r\n", num);
	return hdr_dtls_rekey(s->gp, h, cap, k);
}

/* anyconnect ssl rekey method new-tunnel: openconnect closes TLS when the
 * time is up, CONNECTs again with its cookie (the same session and
 * address) and keys a new DTLS session, whose rule replaces the old one.
 * The DTLS channel has no rekey of its own (X-DTLS-Rekey-Method none), so
 * the new tunnel brings the new DTLS keys. */
static size_t hdr_rekey(const struct fp_cfg_group_policy *gp, char *h, size_t cap, size_t k)
{
	char num[16];
	unsigned secs = fp_ra_rekey_secs(gp, FP_CFG_REKEY_NEW_TUNNEL);
	if (!secs)
		return k;
	snprintf(num, sizeof(num), "%u", secs);
	k = hdr_add(h, cap, k, "X-CSTP-Rekey-Time: %s\r\n", num);
	return hdr_add(h, cap, k, "%s", "X-CSTP-Rekey-Method: new-tunnel\r\n");
}

/* X-CSTP-Banner: the group-policy's banner, percent-encoded (openconnect
 * decodes it into CISCO_BANNER for its script); newlines as %0A. */
static size_t hdr_banner(const struct fp_cfg_group_policy *gp, char *h, size_t cap, size_t k)
{
	char enc[3 * FP_CFG_BANNER_MAX + 1];
	size_t n = 0;
	if (!gp || !gp->ra.banner[0])
		return k;
	for (const unsigned char *c = (const unsigned char *)gp->ra.banner; *c; c++) {
		bool plain = (*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') ||
			     (*c >= 'a' && *c <= 'z') || strchr(" .,-_!:()/", *c);
		n += (size_t)snprintf(enc + n, sizeof(enc) - n, plain ? "%c" : "%%%02X", *c);
	}
	return hdr_add(h, cap, k, "X-CSTP-Banner: %s\r\n", enc);
}

static void tunnel_answer(struct fp_ra *ra, struct fp_ra_conn *c, struct fp_ra_session *s,
			  const struct fp_http_req *req)
{
	char h[8192], a[16], m[16], num[16]; /* a 1023-byte banner encodes to 3069 */
	const struct fp_cfg_group_policy *gp = s->gp;
	/* the client's DPD interval (anyconnect dpd-interval client); none: no header */
	unsigned dpd = gp && gp->ra.dpd_client_none ? 0 :
		       gp && gp->ra.dpd_client ? gp->ra.dpd_client : FP_RA_DPD_DEFAULT;
	uint32_t mask = s->pool->mask_len ? 0xffffffffu << (32 - s->pool->mask_len) : 0;
	size_t k = (size_t)snprintf(h, sizeof(h), "HTTP/1.1 200 CONNECTED\r\nX-CSTP-Version: 1\r\n"
				    "X-CSTP-Server-Name: fpvpn\r\n");
	k = hdr_add(h, sizeof(h), k, "X-CSTP-Address: %s\r\n", ip_str(s->addr, a, sizeof(a)));
	k = hdr_add(h, sizeof(h), k, "X-CSTP-Netmask: %s\r\n", ip_str(mask, m, sizeof(m)));
	k = hdr_addr6(s, req, h, sizeof(h), k);
	k = hdr_split(gp, ra->cfg, h, sizeof(h), k);
	k = hdr_dns(gp, h, sizeof(h), k);
	s->mtu = (uint16_t)tunnel_mtu(req);
	snprintf(num, sizeof(num), "%u", s->mtu);
	k = hdr_add(h, sizeof(h), k, "X-CSTP-MTU: %s\r\n", num);
	snprintf(num, sizeof(num), "%u", dpd);
	if (dpd)
		k = hdr_add(h, sizeof(h), k, "X-CSTP-DPD: %s\r\n", num);
	snprintf(num, sizeof(num), "%u", RA_KEEPALIVE);
	k = hdr_add(h, sizeof(h), k, "X-CSTP-Keepalive: %s\r\n", num);
	k = hdr_rekey(gp, h, sizeof(h), k);
	k = hdr_banner(gp, h, sizeof(h), k);
	k = hdr_dtls(ra, c, s, req, dpd, h, sizeof(h), k);
	k = hdr_add(h, sizeof(h), k, "%s", "X-CSTP-Keep: true\r\nX-CSTP-Tunnel-All-DNS: false\r\n"
		    "X-CSTP-Idle-Timeout: none\r\nX-CSTP-Disconnected-Timeout: none\r\n\r\n");
	if (k >= sizeof(h)) {
		fp_ra_http_respond(ra, c, "503 Service Unavailable", "X-Reason: reply too long\r\n", "", 0);
		return;
	}
	fp_ra_conn_send(ra, c, h, k);
}

/* The cipher as the ASA prints a tunnel's: "AES-GCM-256", "SHA384"; the
 * MAC's hash for a CBC suite ("AES128", "SHA1"). */
void fp_ra_cipher_names(const SSL_CIPHER *ciph, char *enc, size_t en, char *hash, size_t hn)
{
	static const struct { int nid; const char *name; } encs[] = {
		{ NID_aes_128_gcm, "AES-GCM-128" }, { NID_aes_256_gcm, "AES-GCM-256" },
		{ NID_aes_128_cbc, "AES128" }, { NID_aes_256_cbc, "AES256" },
		{ NID_chacha20_poly1305, "CHACHA20-POLY1305" },
	};
	int nid = ciph ? SSL_CIPHER_get_cipher_nid(ciph) : NID_undef;
	int mac = ciph ? SSL_CIPHER_get_digest_nid(ciph) : NID_undef;
	const EVP_MD *md = ciph ? SSL_CIPHER_get_handshake_digest(ciph) : NULL;
	snprintf(enc, en, "%s", nid == NID_undef ? "none" : OBJ_nid2sn(nid));
	for (unsigned i = 0; i < sizeof(encs) / sizeof(encs[0]); i++)
		if (encs[i].nid == nid)
			snprintf(enc, en, "%s", encs[i].name);
	snprintf(hash, hn, "%s", mac != NID_undef ? OBJ_nid2sn(mac)
				 : md ? OBJ_nid2sn(EVP_MD_get_type(md)) : "none");
	for (char *p = hash; *p; p++) /* "SHA384", "SHA1" */
		*p = *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
}

void fp_ra_tunnel_connect(struct fp_ra *ra, struct fp_ra_conn *c, const struct fp_http_req *req)
{
	struct fp_ra_session *s = fp_ra_session_by_cookie(ra, req->cookie);
	if (!s) {
		ra->st.cookie_bad++;
		fp_ra_http_respond(ra, c, "401 Unauthorized", NULL, "", 0);
		c->state = RA_CLOSING;
		return;
	}
	if (!fp_ra_session_lease(ra, s)) {
		ra->st.pool_empty++;
		fp_ra_http_respond(ra, c, "503 Service Unavailable",
				   "X-Reason: no address free in the pool\r\n", "", 0);
		c->state = RA_CLOSING;
		return;
	}
	if (s->tg->ra.pool6[0] && req->full_ipv6 && !fp_ra_session_lease6(ra, s))
		ra->st.pool6_empty++; /* the tunnel comes up with IPv4 alone, as the ASA's */
	fp_ra_dtls_free(ra, s); /* a new CONNECT keys a new DTLS session */
	if (s->conn && s->conn != c) { /* a reconnect: the old stream is done */
		s->conn->session = NULL;
		s->conn->state = RA_CLOSING;
	}
	tunnel_answer(ra, c, s, req);
	s->conn = c;
	s->tls_rekey_ns = ra->now_ns; /* the TLS keys' age counts from the tunnel (rekey ssl) */
	s->peer = c->peer;
	s->peer_port = c->peer_port;
	snprintf(s->tls_version, sizeof(s->tls_version), "%s", SSL_get_version(c->ssl));
	snprintf(s->tls_cipher, sizeof(s->tls_cipher), "%s", SSL_get_cipher_name(c->ssl));
	fp_ra_cipher_names(SSL_get_current_cipher(c->ssl), s->tls_enc, sizeof(s->tls_enc),
			   s->tls_hash, sizeof(s->tls_hash));
	snprintf(s->agent, sizeof(s->agent), "%s", req->user_agent);
	s->tunnels++;
	c->session = s;
	c->state = RA_CSTP;
}

/* Whether the packet's source is the session's address of its family. */
static bool tunnel_src_ok(const struct fp_ra_session *s, const uint8_t *ip, size_t n)
{
	if ((ip[0] >> 4) == 4)
		return fp_get32(ip + 12) == s->addr;
	return n >= FP_IPV6_HLEN && memcmp(ip + 8, s->addr6, 16) == 0;
}

bool fp_ra_tunnel_data(struct fp_ra *ra, struct fp_ra_session *s, const uint8_t *ip, size_t n)
{
	bool v4 = n >= FP_IPV4_HLEN && (ip[0] >> 4) == 4;
	if (!v4 && !(s->pool6 && n >= FP_IPV6_HLEN && (ip[0] >> 4) == 6)) {
		ra->st.not_ipv4++; /* IPv6 link-local and the like: no IPv6 address was given */
		return false;
	}
	if (!tunnel_src_ok(s, ip, n)) {
		ra->st.spoofed++;
		return false;
	}
	s->pkts_rx++;
	s->bytes_rx += n;
	ra->env.to_inside(ra->env.ctx, ip, n);
	return true;
}

void fp_ra_tunnel_frame(struct fp_ra *ra, struct fp_ra_conn *c, const struct fp_cstp_frame *f)
{
	struct fp_ra_session *s = c->session;
	uint8_t hdr[FP_CSTP_HLEN];
	if (!s)
		return;
	s->last_rx_ns = ra->now_ns;
	switch (f->type) {
	case FP_CSTP_DATA:
		if (fp_ra_tunnel_data(ra, s, f->payload, f->len))
			ra->st.cstp_data_rx++;
		s->data_on_cstp = true;
		break;
	case FP_CSTP_DPD_REQ: /* echoed byte for byte: openconnect's MTU probe needs it */
		ra->st.cstp_dpd++;
		fp_cstp_header(hdr, FP_CSTP_DPD_RESP, f->len);
		fp_ra_conn_send2(ra, c, hdr, sizeof(hdr), f->payload, f->len);
		break;
	case FP_CSTP_KEEPALIVE:
	case FP_CSTP_DPD_RESP:
		ra->st.cstp_keepalive++;
		break;
	case FP_CSTP_DISCONNECT:
	case FP_CSTP_TERMINATE:
		ra->st.cstp_disconnect++;
		fp_ra_session_end(ra, s, "the client disconnected");
		break;
	default:
		ra->st.cstp_other++; /* COMPRESSED: no compression was offered */
		break;
	}
}
