/* DTLS channels of the headend (ra_dtls.h): libssl's DTLS server behind
 * a BIO that reads the one datagram handed in and writes through
 * env->dtls_out, watching the sequence numbers on the way (libssl does
 * not tell them, and the engine's rule must start above them). */
#include "ra/ra_dtls.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/inet.h"
#include "datapath/dtls_rule.h"
#include "ra/ra_dtls_unseal.h"
#include "ra/ra_impl.h"

#define RA_DTLS_SID_MIN (FP_RA_DTLS_HELLO_SID_OFF + 1 + FP_RA_DTLS_SID_LEN)
#define RA_DTLS_HS_NS (10 * 1000000000ull) /* a handshake not done by then is dropped */
#define RA_DTLS_EPOCH 1u                   /* a new session's; a rehandshake moves it on */
#define RA_DTLS_REKEY_GAP_NS (30 * 1000000000ull) /* a client's rehandshakes at most this often */
#define RA_DTLS_REC_MAX 2048u              /* a record libssl writes (link MTU 1500) */
#define RA_DTLS_PSK_LEN 32u
#define RA_DTLS_LEGACY_MS 48u

/* A rehandshake under the rule: none; a record that may start one handed
 * to libssl; libssl in it; libssl done, the rule's update waiting. */
enum rekey_state { REKEY_NONE, REKEY_ASKED, REKEY_BEGUN, REKEY_READY };

struct fp_ra_dtls {
	struct fp_ra *ra;
	struct fp_ra_session *s;
	SSL *ssl;
	SSL_SESSION *resume;              /* legacy: the session the client resumes */
	struct fp_addr peer;
	uint16_t peer_port;
	const uint8_t *in;                /* the datagram libssl reads next */
	size_t in_len;
	bool up, frozen;
	bool announced;                   /* env->dtls_up was called */
	bool have_tx, have_rx;
	uint64_t seq_tx, seq_rx;          /* the highest at epoch, sent and received */
	uint16_t epoch;                   /* RA_DTLS_EPOCH, one more after each rehandshake */
	/* a rehandshake under the rule (ra_dtls_unseal.h): libssl's records
	 * go through the engine; the numbers libssl used at epoch + 1 */
	uint8_t rekey;                    /* enum rekey_state */
	uint64_t rekey_ready_poll;        /* the slow path's turn libssl finished in */
	bool have_tx_next, have_rx_next;
	uint64_t seq_tx_next, seq_rx_next;
	uint64_t started_ns, up_ns;       /* up_ns: the channel's last (re)handshake done */
	struct fp_tls_keys keys;          /* the rule's: valid when keys_ok */
	bool keys_ok;
};

/* --- the BIO --- */

/* One record libssl wrote during a rehandshake under the rule: at the
 * rule's epoch opened again and handed to the engine to protect under its
 * own numbers; at the next (its Finished) sent as it is, in order. */
static void rekey_record(struct fp_ra_dtls *t, const uint8_t *rec, size_t n,
			 const struct fp_dtls_hdr *h)
{
	struct fp_ra *ra = t->ra;
	uint8_t buf[RA_DTLS_REC_MAX + 1];
	int k = -1;
	if (h->epoch == t->epoch + 1u) {
		if (!t->have_tx_next || h->seq > t->seq_tx_next)
			t->seq_tx_next = h->seq, t->have_tx_next = true;
		ra->env.dtls_hs_out(ra->env.ctx, t->s->index, rec, n, true);
		return;
	}
	if (h->epoch == t->epoch)
		k = fp_ra_dtls_unseal(&t->keys.tk_tx, rec, n, buf + 1, sizeof(buf) - 1);
	if (k < 0) {
		ra->st.dtls_write_frozen++;
		return;
	}
	buf[0] = rec[0];
	ra->env.dtls_hs_out(ra->env.ctx, t->s->index, buf, (size_t)k + 1, false);
	OPENSSL_cleanse(buf, sizeof(buf));
}

static int rekey_write(struct fp_ra_dtls *t, const uint8_t *d, size_t len)
{
	struct fp_dtls_hdr h;
	for (size_t off = 0; fp_dtls_hdr_parse(d + off, (uint32_t)(len - off), &h) == 0;
	     off += FP_DTLS_HLEN + (size_t)h.length)
		rekey_record(t, d + off, FP_DTLS_HLEN + (size_t)h.length, &h);
	return (int)len;
}

static int bio_write(BIO *b, const char *d, int len)
{
	struct fp_ra_dtls *t = BIO_get_data(b);
	uint64_t seq;
	if (t->frozen && t->rekey != REKEY_NONE)
		return rekey_write(t, (const uint8_t *)d, (size_t)len);
	if (t->frozen) { /* the engine owns the sequence numbers now */
		t->ra->st.dtls_write_frozen++;
		return -1;
	}
	if (fp_dtls_rule_max_seq((const uint8_t *)d, (uint32_t)len, t->epoch, &seq) == 0 &&
	    (!t->have_tx || seq > t->seq_tx)) {
		t->seq_tx = seq;
		t->have_tx = true;
	}
	t->ra->env.dtls_out(t->ra->env.ctx, &t->peer, t->peer_port, (const uint8_t *)d, (size_t)len);
	return len;
}

static int bio_read(BIO *b, char *d, int len)
{
	struct fp_ra_dtls *t = BIO_get_data(b);
	BIO_clear_retry_flags(b);
	if (!t->in) {
		BIO_set_retry_read(b);
		return -1;
	}
	size_t n = t->in_len < (size_t)len ? t->in_len : (size_t)len;
	memcpy(d, t->in, n);
	t->in = NULL;
	return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b, (void)num, (void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
	case BIO_CTRL_DGRAM_SET_CONNECTED:
	case BIO_CTRL_DGRAM_SET_PEER:
		return 1;
	case BIO_CTRL_DGRAM_QUERY_MTU:
	case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
		return 1400;
	default:
		return 0;
	}
}

static int bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static BIO_METHOD *bio_method(struct fp_ra *ra)
{
	if (!ra->dtls_bio) {
		ra->dtls_bio = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ra-dtls");
		if (ra->dtls_bio) {
			BIO_meth_set_write(ra->dtls_bio, bio_write);
			BIO_meth_set_read(ra->dtls_bio, bio_read);
			BIO_meth_set_ctrl(ra->dtls_bio, bio_ctrl);
			BIO_meth_set_create(ra->dtls_bio, bio_create);
		}
	}
	return ra->dtls_bio;
}

/* --- keying: libssl asks through these --- */

static unsigned int dtls_psk(SSL *ssl, const char *id, unsigned char *psk, unsigned int max)
{
	struct fp_ra_dtls *t = SSL_get_app_data(ssl);
	if (!t || t->s->dtls_mode != FP_RA_DTLS_PSK || strcmp(id, "psk") != 0 ||
	    max < RA_DTLS_PSK_LEN)
		return 0;
	memcpy(psk, t->s->dtls_secret, RA_DTLS_PSK_LEN);
	return RA_DTLS_PSK_LEN;
}

/* Legacy: the ClientHello names the session id we gave; answer with the
 * session built from the client's master secret. */
static SSL_SESSION *dtls_get_session(SSL *ssl, const unsigned char *id, int len, int *copy)
{
	struct fp_ra_dtls *t = SSL_get_app_data(ssl);
	*copy = 1;
	if (!t || !t->resume || len != FP_RA_DTLS_SID_LEN ||
	    CRYPTO_memcmp(id, t->s->dtls_sid, FP_RA_DTLS_SID_LEN) != 0)
		return NULL;
	return t->resume;
}

/* No certificate: PSK suites for PSK-NEGOTIATE, and the legacy ones,
 * which only a resumed session reaches. No HelloVerifyRequest, no
 * tickets, no encrypt-then-MAC (the engine's CBC is MAC-then-encrypt). */
int fp_ra_dtls_init(struct fp_ra *ra)
{
	static const char suites[] = "PSK-AES256-GCM-SHA384:PSK-AES128-GCM-SHA256:"
				     "PSK-AES256-CBC-SHA:PSK-AES128-CBC-SHA:"
				     "AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-SHA:AES128-SHA";
	SSL_CTX *ctx = SSL_CTX_new(DTLS_server_method());
	if (!ctx)
		return -1;
	ra->dtls_ctx = ctx;
	SSL_CTX_set_min_proto_version(ctx, DTLS1_VERSION);
	SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION);
	/* openconnect's DTLS rekey (X-DTLS-Rekey-Method: ssl) is a renegotiation
	 * the client starts (RFC 5746, which libssl insists on) */
	SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_ENCRYPT_THEN_MAC | SSL_OP_NO_TICKET |
				 SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
	SSL_CTX_sess_set_get_cb(ctx, dtls_get_session);
	SSL_CTX_set_psk_server_callback(ctx, dtls_psk);
	return SSL_CTX_set_cipher_list(ctx, suites) == 1 ? 0 : -1;
}

void fp_ra_dtls_fini(struct fp_ra *ra)
{
	SSL_CTX_free(ra->dtls_ctx);
	BIO_meth_free(ra->dtls_bio);
}

/* --- channels --- */

static void chan_free(struct fp_ra_dtls *t)
{
	SSL_free(t->ssl);
	SSL_SESSION_free(t->resume);
	fp_tls_keys_cleanse(&t->keys);
	OPENSSL_cleanse(t, sizeof(*t));
	free(t);
}

/* The session's channel in use (not a handshake waiting to replace it). */
static void live_free(struct fp_ra *ra, struct fp_ra_session *s)
{
	struct fp_ra_dtls *t = s->dtls;
	if (!t)
		return;
	if (t->up && ra->env.dtls_down)
		ra->env.dtls_down(ra->env.ctx, s->index);
	chan_free(t);
	s->dtls = NULL;
	s->dtls_version[0] = s->dtls_cipher[0] = s->dtls_enc[0] = s->dtls_hash[0] = '\0';
}

static void next_free(struct fp_ra_session *s)
{
	if (s->dtls_next)
		chan_free(s->dtls_next);
	s->dtls_next = NULL;
}

void fp_ra_dtls_free(struct fp_ra *ra, struct fp_ra_session *s)
{
	next_free(s);
	live_free(ra, s);
}

/* The session the legacy client resumes: our session id, its master
 * secret, the suite the CONNECT answer named, its protocol version. */
static SSL_SESSION *legacy_session(SSL *ssl, const struct fp_ra_session *s, uint16_t version)
{
	uint8_t id[2] = { (uint8_t)(s->dtls_suite >> 8), (uint8_t)s->dtls_suite };
	const SSL_CIPHER *c = SSL_CIPHER_find(ssl, id);
	SSL_SESSION *ss = SSL_SESSION_new();
	if (!ss || !c || SSL_SESSION_set_protocol_version(ss, version) != 1 ||
	    SSL_SESSION_set_cipher(ss, c) != 1 ||
	    SSL_SESSION_set1_id(ss, s->dtls_sid, FP_RA_DTLS_SID_LEN) != 1 ||
	    SSL_SESSION_set1_master_key(ss, s->dtls_secret, RA_DTLS_LEGACY_MS) != 1) {
		SSL_SESSION_free(ss);
		return NULL;
	}
	SSL_SESSION_set_time(ss, (long)time(NULL));
	SSL_SESSION_set_timeout(ss, 3600);
	return ss;
}

/* DTLS 1.0 is served (security level 0, which it needs in OpenSSL 3) but
 * a 1.2 client is held to 1.2. */
static int dtls_versions(SSL *ssl, uint16_t version)
{
	if (version == DTLS1_VERSION) {
		SSL_set_security_level(ssl, 0);
		return 0;
	}
	return SSL_set_min_proto_version(ssl, DTLS1_2_VERSION) == 1 ? 0 : -1;
}

static struct fp_ra_dtls *dtls_new(struct fp_ra *ra, struct fp_ra_session *s,
				   const struct fp_addr *from, uint16_t port, uint16_t version)
{
	struct fp_ra_dtls *t = calloc(1, sizeof(*t));
	BIO *b = bio_method(ra) ? BIO_new(ra->dtls_bio) : NULL;
	SSL *ssl = t && b ? SSL_new(ra->dtls_ctx) : NULL;
	if (!ssl) {
		BIO_free(b);
		free(t);
		return NULL;
	}
	*t = (struct fp_ra_dtls){ .ra = ra, .s = s, .ssl = ssl, .peer = *from, .peer_port = port,
				  .started_ns = ra->now_ns, .epoch = RA_DTLS_EPOCH };
	BIO_set_data(b, t);
	SSL_set_bio(t->ssl, b, b);
	SSL_set_app_data(t->ssl, t);
	SSL_set_accept_state(t->ssl);
	DTLS_set_link_mtu(t->ssl, 1500);
	if (s->dtls_mode == FP_RA_DTLS_LEGACY) {
		/* ocserv does the same for these sessions: the client computes no session hash */
		SSL_set_options(t->ssl, SSL_OP_NO_EXTENDED_MASTER_SECRET);
		t->resume = legacy_session(t->ssl, s, version);
	}
	if (dtls_versions(t->ssl, version) < 0 || (s->dtls_mode == FP_RA_DTLS_LEGACY && !t->resume)) {
		SSL_free(t->ssl);
		free(t);
		return NULL;
	}
	if (s->dtls && s->dtls->up) { /* make before break: see dtls_next */
		next_free(s);
		s->dtls_next = t;
	} else {
		fp_ra_dtls_free(ra, s);
		s->dtls = t;
	}
	return t;
}

int fp_ra_dtls_hello_sid(const uint8_t *d, size_t n, const uint8_t **sid, uint16_t *version)
{
	if (n < RA_DTLS_SID_MIN || d[0] != FP_DTLS_CT_HANDSHAKE || d[1] != 0xfe ||
	    (d[3] | d[4]) != 0 || d[FP_DTLS_HLEN] != 1 /* client_hello */ ||
	    (d[FP_DTLS_HLEN + 6] | d[FP_DTLS_HLEN + 7] | d[FP_DTLS_HLEN + 8]) != 0 /* offset */ ||
	    d[FP_RA_DTLS_HELLO_SID_OFF] != FP_RA_DTLS_SID_LEN)
		return -1;
	*version = (uint16_t)(d[FP_DTLS_HLEN + 12] << 8 | d[FP_DTLS_HLEN + 13]);
	*sid = d + FP_RA_DTLS_HELLO_SID_OFF + 1;
	return *version == DTLS1_2_VERSION || *version == DTLS1_VERSION ? 0 : -1;
}

void fp_ra_dtls_sid_publish(struct fp_ra *ra, const struct fp_ra_session *s, bool on)
{
	if (ra->env.dtls_sid)
		ra->env.dtls_sid(ra->env.ctx, (unsigned)(s - ra->sessions), on ? s->dtls_sid : NULL);
}

/* Every session with DTLS offered is compared, match or not, so the time
 * says nothing of how much of a guessed id was right. Free slots are not:
 * comparing all of them made each ClientHello of a flood cost 256
 * comparisons however few sessions there were. */
static struct fp_ra_session *session_by_sid(struct fp_ra *ra, const uint8_t *sid)
{
	struct fp_ra_session *hit = NULL;
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++) {
		struct fp_ra_session *s = &ra->sessions[i];
		if (!s->index || s->dtls_mode == FP_RA_DTLS_OFF)
			continue;
		if (CRYPTO_memcmp(s->dtls_sid, sid, FP_RA_DTLS_SID_LEN) == 0)
			hit = s;
	}
	return hit;
}

static bool chan_of(const struct fp_ra_dtls *t, const struct fp_addr *from, uint16_t port)
{
	return t && t->peer_port == port && fp_addr_eq(&t->peer, from);
}

/* The channel a datagram from there belongs to. A handshake waiting to
 * replace a channel on the same address and port takes the handshake
 * records (hs), the channel in use the rest. */
static struct fp_ra_dtls *dtls_by_peer(struct fp_ra *ra, const struct fp_addr *from,
				       uint16_t port, bool hs)
{
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++) {
		struct fp_ra_session *s = &ra->sessions[i];
		bool live = chan_of(s->dtls, from, port), next = chan_of(s->dtls_next, from, port);
		if (!s->index || (!live && !next))
			continue;
		return next && (hs || !live) ? s->dtls_next : s->dtls;
	}
	return NULL;
}

static struct fp_ra_session *dtls_session(struct fp_ra *ra, uint32_t index)
{
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS && index; i++)
		if (ra->sessions[i].index == index)
			return &ra->sessions[i];
	return NULL;
}

/* --- frames --- */

/* One AnyConnect frame to the client on the channel: libssl while in
 * software, the engine once the rule is taken. */
static void dtls_send(struct fp_ra *ra, struct fp_ra_session *s, const uint8_t *f, size_t n)
{
	struct fp_ra_dtls *t = s->dtls;
	if (t && t->frozen && ra->env.dtls_ctrl_out)
		ra->env.dtls_ctrl_out(ra->env.ctx, s->index, f, n);
	else if (t && t->up && !t->frozen)
		SSL_write(t->ssl, f, (int)n);
}

/* false when the session ended (the channel is freed). f is writable:
 * a DPD request becomes its answer in place, echoed byte for byte. */
static bool dtls_frame(struct fp_ra *ra, struct fp_ra_session *s, uint8_t *f, size_t n)
{
	if (n == 0)
		return true;
	s->last_rx_ns = ra->now_ns;
	switch (f[0]) {
	case FP_AC_DATA:
		if (fp_ra_tunnel_data(ra, s, f + 1, n - 1))
			ra->st.dtls_data_rx++;
		s->data_on_cstp = false;
		return true;
	case FP_AC_DPD_REQ: /* openconnect's MTU probe is one, MTU + 1 bytes long */
		ra->st.dtls_dpd++;
		f[0] = FP_AC_DPD_RESP;
		dtls_send(ra, s, f, n);
		return true;
	case FP_AC_DPD_RESP:
	case FP_AC_KEEPALIVE:
		ra->st.dtls_keepalive++;
		return true;
	case FP_AC_DISCONNECT:
	case FP_AC_TERMINATE:
		ra->st.dtls_disconnect++;
		fp_ra_session_end(ra, s, "the client disconnected");
		return false;
	default:
		ra->st.dtls_other++; /* COMPRESSED: no compression was offered */
		return true;
	}
}

void fp_ra_dtls_control_in(struct fp_ra *ra, uint32_t index, const uint8_t *frame, size_t n)
{
	struct fp_ra_session *s = dtls_session(ra, index);
	if (!s || !s->dtls || n > sizeof(ra->dtls_buf))
		return;
	memcpy(ra->dtls_buf, frame, n);
	dtls_frame(ra, s, ra->dtls_buf, n);
}

void fp_ra_dtls_alert_in(struct fp_ra *ra, uint32_t index, const uint8_t *body, size_t n)
{
	struct fp_ra_session *s = dtls_session(ra, index);
	if (!s || !s->dtls || n < 2)
		return;
	ra->st.dtls_alerts++;
	if (body[0] != SSL3_AL_FATAL && body[1] != SSL3_AD_CLOSE_NOTIFY)
		return;
	ra->st.dtls_alert_closed++;
	fp_ra_dtls_free(ra, s);
}

bool fp_ra_dtls_to_client(struct fp_ra *ra, struct fp_ra_session *s, const uint8_t *ip, size_t n)
{
	struct fp_ra_dtls *t = s->dtls;
	if (!t || !t->up || t->frozen || s->data_on_cstp || n + 1 > sizeof(ra->dtls_buf))
		return false;
	ra->dtls_buf[0] = FP_AC_DATA;
	memcpy(ra->dtls_buf + 1, ip, n);
	if (SSL_write(t->ssl, ra->dtls_buf, (int)n + 1) <= 0)
		return false;
	ra->st.dtls_data_tx++;
	s->pkts_tx++;
	s->bytes_tx += n;
	return true;
}

/* --- the handshake and the records after it --- */

static void dtls_up(struct fp_ra *ra, struct fp_ra_dtls *t)
{
	struct fp_ra_session *s = t->s;
	const char *why;
	t->up = true;
	ra->st.dtls_hs_ok++;
	snprintf(s->dtls_version, sizeof(s->dtls_version), "%s", SSL_get_version(t->ssl));
	snprintf(s->dtls_cipher, sizeof(s->dtls_cipher), "%s", SSL_get_cipher_name(t->ssl));
	fp_ra_cipher_names(SSL_get_current_cipher(t->ssl), s->dtls_enc, sizeof(s->dtls_enc),
			   s->dtls_hash, sizeof(s->dtls_hash));
	s->dtls_peer_port = t->peer_port;
	t->up_ns = ra->now_ns;
	t->keys_ok = SSL_version(t->ssl) == DTLS1_2_VERSION &&
		     fp_dtls_rule_keys(t->ssl, &t->keys, &why) == 0;
	s->dtls_software_only = !t->keys_ok;
	if (!t->keys_ok)
		ra->st.dtls_software_only++;
}

/* The rule may be taken once the client has sent a record at the new
 * epoch: it has our Finished then, so libssl will never have to send it
 * again (a frozen channel could not). */
static void dtls_announce(struct fp_ra *ra, struct fp_ra_dtls *t)
{
	if (t->announced || !t->keys_ok)
		return;
	t->announced = true;
	if (ra->env.dtls_up)
		ra->env.dtls_up(ra->env.ctx, t->s->index);
}

/* The highest sequence number at epoch among the records of the datagram
 * that open under k, the client's key: libssl drops a record with a bad
 * tag and reads on, so one forged record beside a real one must not count. */
static int seq_opened(struct fp_ra *ra, const struct fp_tls_dir_key *k, const uint8_t *d,
		      size_t n, uint16_t epoch, uint64_t *seq)
{
	struct fp_dtls_hdr h;
	int found = -1;
	while (fp_dtls_hdr_parse(d, (uint32_t)n, &h) == 0 && (h.version >> 8) == 0xfe) {
		size_t len = FP_DTLS_HLEN + h.length;
		if (h.epoch == epoch && (found < 0 || h.seq > *seq) &&
		    fp_ra_dtls_unseal(k, d, len, ra->dtls_check, sizeof(ra->dtls_check)) >= 0) {
			*seq = h.seq;
			found = 0;
		}
		d += len, n -= len;
	}
	OPENSSL_cleanse(ra->dtls_check, sizeof(ra->dtls_check));
	return found;
}

/* The client's records libssl has read: the highest number at the rule's
 * epoch (and, once a rehandshake is done, at the next) that opens under
 * its keys, where the rule's replay window will start. A forged sequence
 * number must not move it: the engine would take the client's real
 * records for replays. Channels the engine cannot take keep no count. */
static void seen_rx(struct fp_ra_dtls *t, const uint8_t *d, size_t n)
{
	struct fp_ra *ra = t->ra;
	struct fp_tls_keys next;
	const char *why;
	uint64_t seq;
	if (!t->keys_ok)
		return;
	if (seq_opened(ra, &t->keys.tk_rx, d, n, t->epoch, &seq) == 0 &&
	    (!t->have_rx || seq > t->seq_rx)) {
		t->seq_rx = seq;
		t->have_rx = true;
	}
	if (t->rekey == REKEY_NONE || SSL_in_init(t->ssl) ||
	    fp_dtls_rule_keys(t->ssl, &next, &why) < 0)
		return; /* the next epoch's keys: only once libssl has them all */
	if (seq_opened(ra, &next.tk_rx, d, n, t->epoch + 1u, &seq) == 0 &&
	    (!t->have_rx_next || seq > t->seq_rx_next)) {
		t->seq_rx_next = seq;
		t->have_rx_next = true;
	}
	fp_tls_keys_cleanse(&next);
}

/* A handshake that failed: a new one waiting leaves the channel in use
 * as it was. */
static void dtls_fail(struct fp_ra *ra, struct fp_ra_dtls *t)
{
	struct fp_ra_session *s = t->s;
	ERR_clear_error();
	ra->st.dtls_hs_fail++;
	if (t == s->dtls_next)
		next_free(s);
	else
		fp_ra_dtls_free(ra, s);
}

/* A new handshake done: it is the session's channel now, the old one
 * (and the rule taken for it) goes. */
static void dtls_promote(struct fp_ra *ra, struct fp_ra_dtls *t)
{
	struct fp_ra_session *s = t->s;
	if (t != s->dtls_next)
		return;
	s->dtls_next = NULL;
	live_free(ra, s);
	s->dtls = t;
	ra->st.dtls_replaced++;
}

/* Each record of the datagram through SSL_read: false when the channel
 * or its session is gone. */
static bool dtls_records(struct fp_ra *ra, struct fp_ra_dtls *t, const uint8_t *d, size_t n)
{
	struct fp_ra_session *s = t->s;
	for (;;) {
		int k = SSL_read(t->ssl, ra->dtls_buf, (int)sizeof(ra->dtls_buf));
		if (k > 0) {
			seen_rx(t, d, n);
			if (!dtls_frame(ra, s, ra->dtls_buf, (size_t)k))
				return false;
			dtls_announce(ra, t);
			continue;
		}
		int e = SSL_get_error(t->ssl, k);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return true;
		ERR_clear_error();
		ra->st.dtls_rx_bad++; /* close_notify or a fatal alert: the channel is done */
		live_free(ra, s);
		return false;
	}
}

static int dtls_feed(struct fp_ra *ra, struct fp_ra_dtls *t, const uint8_t *d, size_t n)
{
	t->in = d;
	t->in_len = n;
	if (!t->up) {
		int r = SSL_do_handshake(t->ssl);
		if (r != 1) {
			int e = SSL_get_error(t->ssl, r);
			t->in = NULL;
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
				return 0;
			dtls_fail(ra, t);
			return -1;
		}
		dtls_promote(ra, t);
		dtls_up(ra, t); /* the keys first: the client's Finished must open under them */
		seen_rx(t, d, n);
	}
	bool alive = dtls_records(ra, t, d, n);
	if (alive)
		t->in = NULL;
	return 0;
}

/* --- a rehandshake on a channel the engine holds (ra_dtls_unseal.h) --- */

/* Its first record: a handshake record at the rule's epoch (a ClientHello
 * under the current keys; libssl decides whether it is one). */
static bool rekey_starts(const struct fp_ra_dtls *t, const uint8_t *d, size_t n)
{
	return n >= FP_DTLS_HLEN && d[0] == FP_DTLS_CT_HANDSHAKE && fp_get16(d + 3) == t->epoch;
}

static void rekey_end(struct fp_ra_dtls *t)
{
	t->rekey = REKEY_NONE;
	t->have_tx_next = t->have_rx_next = false;
	t->seq_tx_next = t->seq_rx_next = 0;
}

/* libssl is done: the rule moves to the new epoch, keys and numbers, in
 * place (env->dtls_rekeyed); whatever fails ends the channel, and the
 * client keys a new one. Called a turn of the slow path after libssl
 * finished (fp_ra_dtls_tick): our last records under the old keys (the
 * change_cipher_spec) leave this thread only when its turn ends, and the
 * engine must send them before it has the new keys. */
static void rekey_done(struct fp_ra *ra, struct fp_ra_dtls *t)
{
	struct fp_ra_session *s = t->s;
	struct fp_tls_keys keys;
	const char *why;
	if (fp_dtls_rule_keys(t->ssl, &keys, &why) < 0 || !ra->env.dtls_rekeyed) {
		fp_tls_keys_cleanse(&keys);
		ra->st.dtls_rekey_fail++;
		fp_ra_dtls_free(ra, s);
		return;
	}
	fp_tls_keys_cleanse(&t->keys);
	t->keys = keys;
	fp_tls_keys_cleanse(&keys);
	t->epoch++;
	t->have_tx = t->have_tx_next, t->seq_tx = t->seq_tx_next;
	t->have_rx = t->have_rx_next, t->seq_rx = t->seq_rx_next;
	t->up_ns = ra->now_ns;
	rekey_end(t);
	struct fp_dtls_update u = {.fields = FP_DTLS_UPD_KEYS, .epoch = t->epoch,
				   .seq_out = t->have_tx ? t->seq_tx + 1 : 0,
				   .seq_in_any = t->have_rx, .seq_in_top = t->seq_rx, .keys = t->keys};
	int rc = ra->env.dtls_rekeyed(ra->env.ctx, s->index, &u);
	fp_tls_keys_cleanse(&u.keys);
	if (rc < 0) {
		ra->st.dtls_rekey_fail++;
		fp_ra_dtls_free(ra, s);
		return;
	}
	ra->st.dtls_rekeys++;
}

/* A record the engine punted on a channel it holds: a rehandshake's, or
 * one of the epoch it brings before the rule moves there (read here). */
static int rekey_feed(struct fp_ra *ra, struct fp_ra_dtls *t, const uint8_t *d, size_t n)
{
	if (t->rekey == REKEY_NONE) {
		if (!rekey_starts(t, d, n) || !ra->env.dtls_hs_out) {
			ra->st.dtls_rx_bad++;
			return -1;
		}
		if (ra->now_ns - t->up_ns < RA_DTLS_REKEY_GAP_NS) {
			ra->st.dtls_rekey_soon++;
			return -1;
		}
		t->rekey = REKEY_ASKED;
		t->started_ns = ra->now_ns;
	}
	t->in = d;
	t->in_len = n;
	if (!dtls_records(ra, t, d, n))
		return 0; /* the channel is gone */
	t->in = NULL;
	if (SSL_in_init(t->ssl)) {
		if (t->rekey == REKEY_ASKED) {
			ra->st.dtls_rekey_began++;
			t->rekey = REKEY_BEGUN;
		}
	} else if (t->rekey == REKEY_BEGUN) {
		seen_rx(t, d, n); /* the client's Finished, at the new epoch */
		t->rekey = REKEY_READY;
		t->rekey_ready_poll = ra->polls;
	} else if (t->rekey == REKEY_ASKED) {
		rekey_end(t); /* libssl took it for no ClientHello (forged, or not one) */
		ra->st.dtls_rx_bad++;
	}
	return 0;
}

int fp_ra_dtls_input(struct fp_ra *ra, const struct fp_addr *from, uint16_t from_port,
		     const uint8_t *d, size_t n)
{
	const uint8_t *sid;
	uint16_t version;
	ra->st.dtls_rx++;
	bool hello = fp_ra_dtls_hello_sid(d, n, &sid, &version) == 0;
	bool hs = n && (d[0] == FP_DTLS_CT_HANDSHAKE || d[0] == FP_DTLS_CT_CCS);
	struct fp_ra_dtls *t = dtls_by_peer(ra, from, from_port, hs);
	if (t && (!hello || !t->up)) { /* a record of the channel, or a hello sent again */
		if (!t->frozen)
			return dtls_feed(ra, t, d, n);
		return rekey_feed(ra, t, d, n); /* the engine's: what it punts as it came */
	}
	if (!hello) {
		if (n >= 3 && d[0] == FP_DTLS_CT_HANDSHAKE && d[1] == 0x01 && d[2] == 0x00)
			ra->st.dtls_v09++; /* Cisco's pre-standard DTLS 0.9: libssl serves no such server */
		else
			ra->st.dtls_not_hello++;
		return -1;
	}
	struct fp_ra_session *s = session_by_sid(ra, sid);
	if (!s) {
		ra->st.dtls_no_session++;
		return -1;
	}
	if (!(t = dtls_new(ra, s, from, from_port, version))) {
		ra->st.dtls_hs_fail++;
		return -1;
	}
	return dtls_feed(ra, t, d, n);
}

int fp_ra_dtls_rule(struct fp_ra *ra, uint32_t index, struct fp_dtls_params *p,
		    const char **why)
{
	struct fp_ra_session *s = dtls_session(ra, index);
	struct fp_ra_dtls *t = s ? s->dtls : NULL;
	if (!t || !t->up) {
		*why = "no DTLS channel up for the session";
		return -1;
	}
	if (!t->keys_ok || t->frozen) {
		*why = t->frozen ? "the rule was taken already" : "DTLS in software only";
		return -1;
	}
	memset(p, 0, sizeof(*p));
	p->remote = t->peer;
	p->remote_port = t->peer_port;
	p->epoch = t->epoch;
	p->seq_out = t->have_tx ? t->seq_tx + 1 : 0;
	p->seq_in_any = t->have_rx;
	p->seq_in_top = t->seq_rx;
	p->keys = t->keys;
	p->inner.af = FP_AF_INET;
	for (unsigned i = 0; i < 4; i++)
		p->inner.a[i] = (uint8_t)(s->addr >> (24 - 8 * i));
	p->tag = s->index;
	t->frozen = true;
	return 0;
}

void fp_ra_dtls_thaw(struct fp_ra *ra, uint32_t index)
{
	struct fp_ra_session *s = dtls_session(ra, index);
	if (!s || !s->dtls || !s->dtls->frozen)
		return;
	s->dtls->frozen = false;
	ra->st.dtls_rule_refused++;
}

bool fp_ra_dtls_software(const struct fp_ra *ra, uint32_t index)
{
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS && index; i++) {
		const struct fp_ra_session *s = &ra->sessions[i];
		if (s->index == index)
			return s->dtls && s->dtls->up && !s->dtls->frozen;
	}
	return false;
}

static void hs_tick(struct fp_ra *ra, struct fp_ra_dtls *t, uint64_t now_ns)
{
	if (now_ns - t->started_ns <= RA_DTLS_HS_NS && DTLSv1_handle_timeout(t->ssl) >= 0)
		return;
	if (t->rekey != REKEY_NONE) { /* the channel's keys stay where libssl left them: it ends */
		ra->st.dtls_rekey_fail++;
		fp_ra_dtls_free(ra, t->s);
		return;
	}
	dtls_fail(ra, t);
}

/* Retransmissions of a handshake in flight; one that stalls is dropped. */
void fp_ra_dtls_tick(struct fp_ra *ra, uint64_t now_ns)
{
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++) {
		struct fp_ra_session *s = &ra->sessions[i];
		if (!s->index)
			continue;
		if (s->dtls && s->dtls->rekey == REKEY_READY && ra->polls > s->dtls->rekey_ready_poll + 1)
			rekey_done(ra, s->dtls);
		else if (s->dtls && (!s->dtls->up || s->dtls->rekey != REKEY_NONE))
			hs_tick(ra, s->dtls, now_ns);
		if (s->dtls_next) /* NULL if the handshake above failed: both went */
			hs_tick(ra, s->dtls_next, now_ns);
	}
}
