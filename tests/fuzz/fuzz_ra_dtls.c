/* libFuzzer target: what the engine punts to the headend's slow path for
 * a session whose DTLS channel is under an engine rule (src/ra/ra_dtls.c,
 * the "frozen" channel; docs/dtls-offload.md, Rekeying). Set up once: a
 * headend; then, each the first time an input picks it, two sessions: a
 * client logged in over TLS (ra_rig.h), CONNECT with PSK-NEGOTIATE (the
 * PSK session: PSK-AES256-GCM-SHA384, a full handshake) or with
 * X-DTLS-Master-Secret and X-DTLS12-CipherSuite: AES128-SHA (the legacy
 * session: Cisco's resumption, abbreviated handshakes, CBC with HMAC-SHA1,
 * MAC then encrypt), a libssl DTLS 1.2 client's handshake, the rule taken
 * (ra_dtls_rig.h), the clock 31 s on so a rehandshake may start. A channel
 * the input ended (a fatal alert, a failed rehandshake, DISCONNECT) is
 * keyed again, from a new client port, before the input returns (so it
 * frees about what it allocated: libFuzzer checks for leaks after an input
 * that did not, at a quarter of the speed); a session that ended logs in
 * again.
 *
 * The first byte: bits 0-2 what the rest is, bits 3-4 the clock's step
 * (1 ms, 1 s, 11 s, 31 s), bits 5-6 how many fp_ra_poll turns follow, bit
 * 7 the session (0 PSK, 1 legacy); the other session stays as it was,
 * under its rule (its writes are checked, not carried).
 *   0 a datagram from the client's address and port (fp_ra_dtls_input), as
 *     the engine punts it: a record at the rule's epoch, or garbage;
 *   1 the same, a ClientHello in it naming the session's id (someone
 *     replaying the client's hello on its own tuple);
 *   2 an alert body (fp_ra_dtls_alert_in);
 *   3 a control frame (fp_ra_dtls_control_in);
 *   4 a content type and a plaintext, sealed with the client's keys at the
 *     rule's epoch under its next number: without it libssl drops every
 *     record at its tag, and a captured record opens only under the keys of
 *     the run that captured it. In a ClientHello, renegotiation_info gets
 *     the client's Finished (RFC 5746), which changes with every handshake,
 *     and a 32-byte session id the session's (new at each login);
 *   5 the client's own rehandshake (abbreviated on the legacy session),
 *     carried both ways as the engine would
 *     (its records at the rule's epoch opened and sealed again under the
 *     numbers the harness keeps; ours through env->dtls_hs_out): rest[0]
 *     bit 0 makes env->dtls_rekeyed refuse, bit 1 has the client send a
 *     DPD (bit 2: DISCONNECT) at the new epoch once it is done, before the
 *     rule moves there; rest[1..2] is where in the client's plaintext the
 *     rest starts being XORed in;
 *   6 several records in one datagram, each [type, length (2), plaintext]
 *     sealed as in 4 (GnuTLS packs a flight so);
 *   7 nothing: the turns only.
 * Checks: nothing crashes, leaks or touches freed memory (ASan, UBSan);
 * libssl never writes to the wire itself on the frozen channel; what goes
 * through env->dtls_hs_out fits a datagram and is a handshake, CCS or
 * alert fragment, or a whole record of the next epoch; a control frame
 * out is a DPD answer, as long as the control frame handed in (or within
 * a record's plaintext, for a record libssl read); the update
 * env->dtls_rekeyed gets is the next epoch, with the keys the client
 * derived; what reaches the inside comes from the session's pool address;
 * the session's channel is the frozen one or none.
 * FUZZ_RA_DTLS_STATS=1 prints the headend's DTLS counters at exit. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/inet.h"
#include "datapath/dtls_rule.h"
#include "offload/dtls.h"
#include "ra/ra.h"
#include "ra/ra_dtls.h"
#include "ra/ra_dtls_unseal.h"

/* The unit-test rigs check with cmocka's macros: here a failed check is a
 * broken harness or a finding, and stops the run. */
#define assert_true(c) ((c) ? (void)0 : fz_fail(#c, __LINE__))
#define assert_non_null(p) assert_true((p) != NULL)
#define assert_int_equal(a, b) assert_true((uintmax_t)(a) == (uintmax_t)(b))
#define assert_string_equal(a, b) assert_true(strcmp((a), (b)) == 0)
#define assert_memory_equal(a, b, n) assert_true(memcmp((a), (b), (n)) == 0)
#define fail_msg(...) (fprintf(stderr, __VA_ARGS__), fputc('\n', stderr), abort())

static void fz_fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_ra_dtls.c:%d: %s\n", line, what);
	abort();
}

#include "../unit/ra_dtls_rig.h"

#define FZ_GAP_NS (31 * 1000000000ull) /* past RA_DTLS_REKEY_GAP_NS */
#define FZ_GCM_NONCE 8u
#define FZ_GCM_TAG 16u
#define FZ_CBC_IV 16u
#define FZ_SHA1_LEN 20u
#define FZ_RI_LEN 12u                  /* client verify_data (RFC 5746 §3.2) */
#define FZ_IN_MAX 20000u
#define FZ_PT_MAX 16384u               /* a record's plaintext (RFC 6347 §4.1: 2^14) */
#define FZ_REC_MAX (16384u + 2048u)    /* a record the harness seals: 2^14 plaintext and more */

enum fz_mode { FZ_RAW, FZ_RAW_SID, FZ_ALERT, FZ_CONTROL, FZ_SEALED, FZ_REHANDSHAKE,
	       FZ_SEALED_MULTI, FZ_TURNS };

/* One session as its client sees it. */
struct fz_sess {
	bool legacy;                      /* Master-Secret and AES128-SHA; else PSK-NEGOTIATE */
	struct client tls;
	struct dclient d;
	bool have_tls, have_d;
	uint32_t index;                   /* the session's; 0: none */
	uint16_t port_base, next_port;    /* its client's ports: port_base + 0..9999 */
	const struct fp_ra_dtls *frozen;  /* the channel whose rule we took; NULL once it went */
	bool in_sync;                     /* the client's SSL is where the channel is */
	uint16_t epoch;                   /* the rule's */
	struct fp_tls_keys ck;            /* the client's at epoch: tk_tx its records, tk_rx ours */
	uint8_t finished[FZ_RI_LEN];      /* the client's last Finished */
	uint64_t seq_c, seq_s;            /* the next record numbers, the client's and the rule's */
	uint8_t psk[sizeof(client_psk)];  /* its TLS connection's exporter (the rig keeps one) */
};

static struct fz {
	struct rig r;                     /* first: the rig's hooks take ctx as a struct rig */
	struct fz_sess s[2];              /* PSK, legacy */
	struct fz_sess *cur;              /* the one this input drives */
	bool refuse;                      /* env->dtls_rekeyed says no */
	size_t in_len;                    /* the control frame just handed in; 0: none */
	unsigned rekeyed;
	struct fp_dtls_update upd;
} *fz;

static const struct fp_ra_session *fz_session_of(const struct fz_sess *z)
{
	for (unsigned i = 0; z->index && i < FP_RA_MAX_SESSIONS; i++)
		if (fp_ra_session_at(fz->r.ra, i)->index == z->index)
			return fp_ra_session_at(fz->r.ra, i);
	return NULL;
}

static const struct fp_ra_session *fz_session(void)
{
	return fz_session_of(fz->cur);
}

/* Ours of index, or NULL. */
static struct fz_sess *fz_by_index(uint32_t index)
{
	for (unsigned i = 0; i < 2; i++)
		if (index && fz->s[i].index == index)
			return &fz->s[i];
	return NULL;
}

/* --- the hooks: each checks what the headend hands out --- */

/* From one of the sessions' pool addresses (a record libssl buffered may
 * be read on a turn of the other session's). */
static void fz_to_inside(void *ctx, const uint8_t *ip, size_t n)
{
	const struct fp_ra_session *a = fz_session_of(&fz->s[0]), *b = fz_session_of(&fz->s[1]);
	assert_true(n >= FP_IPV4_HLEN && (ip[0] >> 4) == 4);
	assert_true((a && fp_get32(ip + 12) == a->addr) || (b && fp_get32(ip + 12) == b->addr));
	to_inside(ctx, ip, n);
}

/* A channel not under a rule yet (the one being keyed, or a handshake
 * beside the frozen one) may write; the frozen one never does. Each
 * session's client has ports of its own: the other's datagrams are not
 * carried. */
static void fz_dtls_out(void *ctx, const struct fp_addr *to, uint16_t port, const uint8_t *d,
			size_t n)
{
	assert_true(n <= DQ_MTU);
	for (unsigned i = 0; i < 2; i++) {
		struct fz_sess *z = &fz->s[i];
		const struct fp_ra_session *s = fz_session_of(z);
		if (z->have_d && port == z->d.port)
			assert_true(!z->frozen || !s || s->dtls != z->frozen || s->dtls_next);
	}
	if (port == fz->cur->d.port)
		dtls_out(ctx, to, port, d, n);
}

/* A DPD answer: to a control frame, as long as it; to a record libssl
 * read (now, or buffered from an earlier input), within a record. */
static void fz_ctrl_out(void *ctx, uint32_t index, const uint8_t *f, size_t n)
{
	struct fz_sess *z = fz_by_index(index);
	(void)ctx;
	assert_true(z && z->frozen && n >= 1 && f[0] == FP_AC_DPD_RESP);
	assert_true((z == fz->cur && fz->in_len) ? n == fz->in_len : n <= FZ_PT_MAX);
}

/* Queued with a first byte 1 when libssl sealed it (ra_rig.h's format),
 * carried to the client only by a rehandshake of its own (FZ_REHANDSHAKE). */
static void fz_hs_out(void *ctx, uint32_t index, const uint8_t *d, size_t n, bool sealed)
{
	struct fz_sess *z = fz_by_index(index);
	struct fp_dtls_hdr h;
	uint8_t b[DQ_MTU + 1];
	(void)ctx;
	assert_true(z && z->frozen && n >= 1 && n <= DQ_MTU);
	if (sealed)
		assert_true(fp_dtls_hdr_parse(d, (uint32_t)n, &h) == 0 &&
			    FP_DTLS_HLEN + (size_t)h.length == n && h.epoch == z->epoch + 1);
	else
		assert_true(d[0] == FP_DTLS_CT_HANDSHAKE || d[0] == FP_DTLS_CT_CCS ||
			    d[0] == FP_DTLS_CT_ALERT);
	if (z != fz->cur)
		return; /* a retransmission to the other client, which reads none */
	b[0] = sealed;
	memcpy(b + 1, d, n);
	dq_push(&fz->r.hs, b, (int)n + 1); /* full: lost, as the engine's ring may */
}

static int fz_rekeyed(void *ctx, uint32_t index, const struct fp_dtls_update *u)
{
	(void)ctx;
	assert_true(index == fz->cur->index && fz->cur->frozen && u->epoch == fz->cur->epoch + 1 &&
		    u->fields == FP_DTLS_UPD_KEYS);
	fz->upd = *u;
	fz->rekeyed++;
	return fz->refuse ? -1 : 0;
}

static void fz_down(void *ctx, uint32_t index)
{
	struct fz_sess *z = fz_by_index(index);
	if (z)
		z->frozen = NULL; /* the channel and its rule are gone */
	dtls_down(ctx, index);
}

/* --- records as the client (tk_tx) or the engine (tk_rx) seal them --- */

/* A DTLS 1.2 record header: type, version, epoch, number, length. */
static void fz_rec_header(uint8_t *rec, uint8_t type, uint16_t epoch, uint64_t seq, size_t frag)
{
	rec[0] = type;
	fp_put16(rec + 1, FP_DTLS_V12);
	fp_put16(rec + 3, epoch);
	fp_put16(rec + 5, (uint16_t)(seq >> 32));
	fp_put32(rec + 7, (uint32_t)seq);
	fp_put16(rec + 11, (uint16_t)frag);
}

/* One AES-GCM record (RFC 5288: the explicit nonce is epoch and number,
 * as libssl writes it) into rec: its length, or 0 when it does not fit. */
static size_t fz_seal_gcm(const struct fp_tls_dir_key *k, uint16_t epoch, uint64_t seq, uint8_t type,
		      const uint8_t *pt, size_t n, uint8_t *rec, size_t cap)
{
	size_t frag = FZ_GCM_NONCE + n + FZ_GCM_TAG;
	uint8_t nonce[FP_TLS_SALT_LEN + FZ_GCM_NONCE], aad[13];
	int k1 = 0, k2 = 0;
	if (FP_DTLS_HLEN + frag > cap)
		return 0;
	fz_rec_header(rec, type, epoch, seq, frag);
	memcpy(rec + FP_DTLS_HLEN, rec + 3, FZ_GCM_NONCE);
	memcpy(nonce, k->tk_salt, FP_TLS_SALT_LEN);
	memcpy(nonce + FP_TLS_SALT_LEN, rec + 3, FZ_GCM_NONCE);
	memcpy(aad, rec + 3, 8);
	memcpy(aad + 8, rec, 3);
	fp_put16(aad + 11, (uint16_t)n);
	uint8_t *ct = rec + FP_DTLS_HLEN + FZ_GCM_NONCE;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	bool ok = c && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
		  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)sizeof(nonce), NULL) == 1 &&
		  EVP_EncryptInit_ex(c, NULL, NULL, k->tk_key, nonce) == 1 &&
		  EVP_EncryptUpdate(c, NULL, &k1, aad, (int)sizeof(aad)) == 1 &&
		  EVP_EncryptUpdate(c, ct, &k1, pt, (int)n) == 1 &&
		  EVP_EncryptFinal_ex(c, ct + k1, &k2) == 1 &&
		  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, FZ_GCM_TAG, ct + n) == 1;
	EVP_CIPHER_CTX_free(c);
	assert_true(ok && k->tk_key_len == 32);
	return FP_DTLS_HLEN + frag;
}

/* One AES-CBC record with HMAC-SHA1, MAC then encrypt (RFC 5246
 * §6.2.3.2; no encrypt_then_mac: the client turns it off), done here with
 * libcrypto rather than the engine's tls_mte: an explicit IV (from epoch
 * and number, as good as random here), the MAC over seq_num, type,
 * version, length and the plaintext, the least padding, as libssl writes. */
static size_t fz_seal_cbc(const struct fp_tls_dir_key *k, uint16_t epoch, uint64_t seq,
			  uint8_t type, const uint8_t *pt, size_t n, uint8_t *rec, size_t cap)
{
	static uint8_t mac_in[13 + FZ_REC_MAX], body[FZ_REC_MAX];
	size_t padded = (n + FZ_SHA1_LEN + 1 + 15) / 16 * 16, frag = FZ_CBC_IV + padded;
	unsigned mac_len = 0;
	int k1 = 0, k2 = 0;
	assert_true(k->tk_key_len == 16 && k->tk_mac_len == FZ_SHA1_LEN);
	if (FP_DTLS_HLEN + frag > cap || padded > sizeof(body))
		return 0;
	fz_rec_header(rec, type, epoch, seq, frag);
	uint8_t *iv = rec + FP_DTLS_HLEN;
	memcpy(iv, rec + 3, 8);
	for (unsigned i = 8; i < FZ_CBC_IV; i++)
		iv[i] = (uint8_t)(iv[i - 8] ^ 0xa5);
	memcpy(mac_in, rec + 3, 8);
	memcpy(mac_in + 8, rec, 3);
	fp_put16(mac_in + 11, (uint16_t)n);
	memcpy(mac_in + 13, pt, n);
	memcpy(body, pt, n);
	assert_non_null(HMAC(EVP_sha1(), k->tk_mac, FZ_SHA1_LEN, mac_in, 13 + n, body + n, &mac_len));
	assert_true(mac_len == FZ_SHA1_LEN);
	memset(body + n + FZ_SHA1_LEN, (int)(padded - n - FZ_SHA1_LEN - 1), padded - n - FZ_SHA1_LEN);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	bool ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), NULL, k->tk_key, iv) == 1 &&
		  EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
		  EVP_EncryptUpdate(c, iv + FZ_CBC_IV, &k1, body, (int)padded) == 1 &&
		  EVP_EncryptFinal_ex(c, iv + FZ_CBC_IV + k1, &k2) == 1 &&
		  (size_t)(k1 + k2) == padded;
	EVP_CIPHER_CTX_free(c);
	assert_true(ok);
	return FP_DTLS_HLEN + frag;
}

/* A record under k: GCM for the PSK session, CBC for the legacy one. */
static size_t fz_seal(const struct fp_tls_dir_key *k, uint16_t epoch, uint64_t seq, uint8_t type,
		      const uint8_t *pt, size_t n, uint8_t *rec, size_t cap)
{
	bool gcm = k->tk_cipher == FP_CIPHER_AES_GCM_128 || k->tk_cipher == FP_CIPHER_AES_GCM_256;
	return gcm ? fz_seal_gcm(k, epoch, seq, type, pt, n, rec, cap)
		   : fz_seal_cbc(k, epoch, seq, type, pt, n, rec, cap);
}

/* The client's record under its next number. */
static size_t fz_seal_client(uint8_t type, const uint8_t *pt, size_t n, uint8_t *rec, size_t cap)
{
	struct fz_sess *z = fz->cur;
	size_t len = fz_seal(&z->ck.tk_tx, z->epoch, z->seq_c, type, pt, n, rec, cap);
	z->seq_c += len > 0;
	return len;
}

/* --- the session, the channel, the clock --- */

static void fz_turns(unsigned n, uint64_t step_ns)
{
	for (unsigned i = 0; i < n; i++) {
		fz->r.now += step_ns;
		fp_ra_poll(fz->r.ra, fz->r.now);
	}
}

static void fz_input(const uint8_t *d, size_t n)
{
	struct fp_addr from;
	from_addr(&from);
	fp_ra_dtls_input(fz->r.ra, &from, fz->cur->d.port, d, n);
}

/* A login and CONNECT with DTLS offered: PSK-NEGOTIATE, or the client's
 * master secret and AES128-SHA (the session id comes back for it). */
static void fz_login(void)
{
	struct fz_sess *z = fz->cur;
	if (z->have_tls)
		client_close(&z->tls);
	if (z->legacy) {
		connect_dtls(&fz->r, &z->tls, &z->d,
			     "X-DTLS-Master-Secret: " MASTER_HEX "\r\n"
			     "X-DTLS12-CipherSuite: AES128-SHA\r\n",
			     "X-DTLS-Session-ID: ");
		assert_string_equal(z->d.suite, "AES128-SHA");
	} else {
		connect_dtls(&fz->r, &z->tls, &z->d, "X-DTLS-CipherSuite: PSK-NEGOTIATE\r\n",
			     "X-DTLS-App-ID: ");
	}
	z->have_tls = true;
	memcpy(z->psk, client_psk, sizeof(z->psk));
	z->index = 0;
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++) {
		const struct fp_ra_session *s = fp_ra_session_at(fz->r.ra, i);
		if (s->index && !memcmp(s->dtls_sid, z->d.sid, sizeof(z->d.sid)))
			z->index = s->index;
	}
	assert_true(z->index != 0 && z->index != fz->s[z == &fz->s[0]].index); /* not the other's */
}

/* Where the client's SSL is now, for sealing: its keys, its Finished. */
static void fz_client_keys(void)
{
	struct fz_sess *z = fz->cur;
	const char *why = NULL;
	fp_tls_keys_cleanse(&z->ck);
	assert_true(fp_dtls_rule_keys(z->d.ssl, &z->ck, &why) == 0);
	assert_true(SSL_get_finished(z->d.ssl, z->finished, FZ_RI_LEN) == FZ_RI_LEN);
	z->in_sync = true;
}

/* A DTLS handshake from a new port (a channel of the old one's tuple
 * could be a leftover handshake's), its first record so that env->dtls_up
 * comes, then the rule. The legacy client resumes the session the
 * master secret makes (abbreviated, AES128-SHA). */
static void fz_channel_new(void)
{
	struct fz_sess *z = fz->cur;
	struct fp_dtls_params p;
	const char *why = NULL;
	if (z->have_d)
		dclient_free(&z->d);
	z->d.c2s.head = z->d.c2s.tail = z->d.s2c.head = z->d.s2c.tail = 0;
	fz->r.udp.head = fz->r.udp.tail = fz->r.hs.head = fz->r.hs.tail = 0;
	z->d.port = (uint16_t)(z->port_base + z->next_port++ % 10000);
	if (z->legacy)
		dclient_new(&z->d, "AES128-SHA", 0x002f, DTLS1_2_VERSION);
	else
		dclient_new(&z->d, "PSK-AES256-GCM-SHA384", 0x00a9, DTLS1_2_VERSION);
	z->have_d = true;
	fz->r.up_index = 0;
	assert_true(dclient_handshake(&fz->r, &z->d));
	assert_true(!z->legacy || SSL_session_reused(z->d.ssl));
	dpd_echo(&fz->r, &z->d, 64);
	assert_int_equal(fz->r.up_index, z->index);
	if (fp_ra_dtls_rule(fz->r.ra, z->index, &p, &why) < 0)
		fail_msg("rule: %s", why);
	z->frozen = fz_session()->dtls;
	z->epoch = p.epoch;
	z->seq_s = p.seq_out;
	z->seq_c = p.seq_in_top + 1;
	fz_client_keys();
	keys_equal(&z->ck.tk_tx, &p.keys.tk_rx);
	keys_equal(&z->ck.tk_rx, &p.keys.tk_tx);
	fp_tls_keys_cleanse(&p.keys);
	fz_turns(1, FZ_GAP_NS);
}

/* A close_notify: the channel, any handshake beside it, the rule go. */
static void fz_channel_end(void)
{
	static const uint8_t close_notify[2] = { 1, 0 };
	fp_ra_dtls_alert_in(fz->r.ra, fz->cur->index, close_notify, sizeof(close_notify));
	fz->cur->frozen = NULL;
}

static void fz_stats(void)
{
	const struct fp_ra_stats *st = fp_ra_stats(fz->r.ra);
	fprintf(stderr,
		"fuzz_ra_dtls: rx %llu rx_bad %llu hs_ok %llu hs_fail %llu rekey_began %llu "
		"rekeys %llu rekey_fail %llu rekey_soon %llu alerts %llu alert_closed %llu dpd %llu "
		"disconnect %llu write_frozen %llu sessions %llu\n",
		(unsigned long long)st->dtls_rx, (unsigned long long)st->dtls_rx_bad,
		(unsigned long long)st->dtls_hs_ok, (unsigned long long)st->dtls_hs_fail,
		(unsigned long long)st->dtls_rekey_began, (unsigned long long)st->dtls_rekeys,
		(unsigned long long)st->dtls_rekey_fail, (unsigned long long)st->dtls_rekey_soon,
		(unsigned long long)st->dtls_alerts, (unsigned long long)st->dtls_alert_closed,
		(unsigned long long)st->dtls_dpd, (unsigned long long)st->dtls_disconnect,
		(unsigned long long)st->dtls_write_frozen, (unsigned long long)st->sessions_total);
}

/* No session timeout, idle timeout or gateway DPD: the clock runs far
 * ahead, and the TLS client never answers. */
static void fz_setup(void)
{
	fz = calloc(1, sizeof(*fz));
	assert_non_null(fz);
	fz->r.login_quick = true;
	struct fp_ra_env env = {.ctx = &fz->r, .to_inside = fz_to_inside, .no_sockets = true,
				.dtls_out = fz_dtls_out, .dtls_up = dtls_up, .dtls_down = fz_down,
				.dtls_ctrl_out = fz_ctrl_out, .dtls_hs_out = fz_hs_out,
				.dtls_rekeyed = fz_rekeyed};
	rig_open(&fz->r, " vpn-session-timeout none\n vpn-idle-timeout none\n"
		 " anyconnect dpd-interval gateway none\n", &env);
	rig_rmfiles(&fz->r);
	fz->s[1].legacy = true;
	fz->s[0].port_base = 40000;
	fz->s[1].port_base = 50000;
	if (getenv("FUZZ_RA_DTLS_STATS"))
		atexit(fz_stats);
}

/* A session and a frozen channel, whatever the last input left. */
static void fz_ready(void)
{
	if (!fz_session()) {
		fz_login();
		fz->cur->frozen = NULL;
	}
	memcpy(client_psk, fz->cur->psk, sizeof(client_psk)); /* psk_cb's, for its handshakes */
	if (!fz->cur->frozen)
		fz_channel_new();
	fz->r.hs.head = fz->r.hs.tail = 0;
}

/* --- the inputs --- */

/* Mode 1: a ClientHello of the session (the id travels in clear). */
static void fz_raw_sid(const uint8_t *d, size_t n)
{
	static uint8_t b[FZ_IN_MAX];
	const uint8_t *sid;
	uint16_t version;
	memcpy(b, d, n);
	if (fp_ra_dtls_hello_sid(b, n, &sid, &version) == 0)
		memcpy(b + FP_RA_DTLS_HELLO_SID_OFF + 1, fz->cur->d.sid, FP_RA_DTLS_SID_LEN);
	fz_input(b, n);
}

/* renegotiation_info (type ff01, length 13, verify_data 12 bytes) gets
 * the client's last Finished, which only the client's handshakes make. */
static void fz_fix_ri(uint8_t *pt, size_t n)
{
	static const uint8_t ri[] = { 0xff, 0x01, 0x00, 0x0d, 0x0c };
	uint8_t *at = memmem(pt, n, ri, sizeof(ri));
	if (at && (size_t)(at - pt) + sizeof(ri) + FZ_RI_LEN <= n)
		memcpy(at + sizeof(ri), fz->cur->finished, FZ_RI_LEN);
}

/* A ClientHello with a 32-byte session id gets the session's (the legacy
 * client resumes under the one CONNECT gave it, new at each login). */
static void fz_fix_sid(uint8_t *pt, size_t n)
{
	size_t off = FP_RA_DTLS_HELLO_SID_OFF - FP_DTLS_HLEN; /* its length byte */
	if (n > off + FP_RA_DTLS_SID_LEN && pt[0] == 1 && pt[off] == FP_RA_DTLS_SID_LEN)
		memcpy(pt + off + 1, fz->cur->d.sid, FP_RA_DTLS_SID_LEN);
}

/* A record of the input sealed as the client's, renegotiation_info and
 * session id fixed. */
static size_t fz_seal_input(uint8_t type, const uint8_t *d, size_t n, uint8_t *rec, size_t cap)
{
	static uint8_t pt[FZ_IN_MAX];
	memcpy(pt, d, n);
	if (type == FP_DTLS_CT_HANDSHAKE) {
		fz_fix_ri(pt, n);
		fz_fix_sid(pt, n);
	}
	return fz_seal_client(type, pt, n, rec, cap);
}

/* Mode 4: rest[0] the content type, the plaintext after it. */
static void fz_sealed(const uint8_t *d, size_t n)
{
	static uint8_t rec[FZ_REC_MAX];
	size_t len = n ? fz_seal_input(d[0], d + 1, n - 1, rec, sizeof(rec)) : 0;
	if (len)
		fz_input(rec, len);
}

/* Mode 6: [type, length (2), plaintext] records, the last one cut to
 * what is left; sealed one after another into one datagram. */
static void fz_sealed_multi(const uint8_t *d, size_t n)
{
	static uint8_t dg[FZ_REC_MAX];
	size_t off = 0, len = 0;
	while (off + 3 <= n) {
		size_t k = fp_get16(d + off + 1), take = k < n - off - 3 ? k : n - off - 3;
		size_t w = fz_seal_input(d[off], d + off + 3, take, dg + len, sizeof(dg) - len);
		if (!w)
			break;
		len += w;
		off += 3 + take;
	}
	if (len)
		fz_input(dg, len);
}

/* The client's datagrams to the headend: each record at the rule's epoch
 * opened, the rehandshake's XOR stream applied from *pos, sealed again
 * under the harness's number (the engine punts what the client sent under
 * the numbers the rule expects); records of the next epoch as they are. */
static void fz_carry_client(size_t *pos, size_t at, const uint8_t *x, size_t xn)
{
	static uint8_t dg[DQ_MTU], out[DQ_MTU], pt[DQ_MTU];
	struct fz_sess *z = fz->cur;
	struct fp_dtls_hdr h;
	int n;
	while ((n = dq_pop(&z->d.c2s, dg)) >= 0) {
		size_t off = 0, len = 0;
		for (size_t rl; fp_dtls_hdr_parse(dg + off, (uint32_t)(n - off), &h) == 0; off += rl) {
			rl = FP_DTLS_HLEN + (size_t)h.length;
			int k = h.epoch == z->epoch ? fp_ra_dtls_unseal(&z->ck.tk_tx, dg + off, rl, pt,
									sizeof(pt)) : -1;
			if (k < 0) {
				memcpy(out + len, dg + off, rl);
				len += rl;
				continue;
			}
			for (int i = 0; i < k; i++, (*pos)++)
				if (*pos >= at && *pos - at < xn)
					pt[i] ^= x[*pos - at];
			len += fz_seal_client(h.type, pt, (size_t)k, out + len, sizeof(out) - len);
		}
		fz_input(out, len);
	}
}

/* What the headend handed the engine, to the client: fragments sealed
 * under the rule's next number, libssl's own records as they are. */
static void fz_carry_headend(void)
{
	static uint8_t b[DQ_MTU + 1], rec[DQ_MTU];
	struct fz_sess *z = fz->cur;
	int n;
	while ((n = dq_pop(&fz->r.hs, b)) >= 0) {
		if (b[0]) {
			dq_push(&z->d.s2c, b + 1, n - 1);
			continue;
		}
		size_t len = fz_seal(&z->ck.tk_rx, z->epoch, z->seq_s++, b[1], b + 2,
				     (size_t)n - 2, rec, sizeof(rec));
		if (len)
			dq_push(&z->d.s2c, rec, (int)len);
	}
}

/* After the client's rehandshake: both at the new epoch with the keys the
 * client derived; or the channel ends and the client keys a new one, as
 * openconnect does once its DTLS goes quiet. (Kept, a half-done handshake
 * holds what libssl buffered: libFuzzer took that for a possible leak and
 * checked after each such input, at a quarter of the speed.) */
static void fz_rehandshake_end(unsigned rekeyed, bool done)
{
	struct fz_sess *z = fz->cur;
	if (!z->frozen)
		return;
	if (!done || fz->rekeyed == rekeyed) {
		fz_channel_end();
		return;
	}
	z->epoch = fz->upd.epoch;
	z->seq_s = fz->upd.seq_out;
	z->seq_c = fz->upd.seq_in_top + 1;
	fz_client_keys();
	keys_equal(&z->ck.tk_tx, &fz->upd.keys.tk_rx);
	keys_equal(&z->ck.tk_rx, &fz->upd.keys.tk_tx);
	fp_tls_keys_cleanse(&fz->upd.keys);
}

/* A frame from the client at its new epoch: the engine punts it until
 * the rule moves there, and libssl reads it. */
static void fz_client_says(uint8_t type)
{
	uint8_t f[16] = { type };
	assert_int_equal(SSL_write(fz->cur->d.ssl, f, sizeof(f)), sizeof(f));
}

/* Mode 5: rest[0] bit 0 refuses the update, bits 1-2 what the client says
 * once done; rest[1..2] where the XOR stream (rest[3..]) starts in the
 * client's plaintext. The legacy client resumes (as openconnect's GnuTLS
 * does: the headend has no certificate): our CCS and Finished come first. */
static void fz_rehandshake(const uint8_t *d, size_t n)
{
	struct fz_sess *z = fz->cur;
	size_t pos = 0, at = n >= 3 ? (size_t)fp_get16(d + 1) : 0;
	unsigned rekeyed = fz->rekeyed;
	bool done = false, say = n && (d[0] & 2);
	if (!z->in_sync) { /* the headend is in a rehandshake the client never began */
		fz_channel_end();
		fz_channel_new();
	}
	fz->refuse = n && (d[0] & 1);
	z->in_sync = false;
	assert_int_equal(z->legacy ? SSL_renegotiate_abbreviated(z->d.ssl) : SSL_renegotiate(z->d.ssl),
			 1);
	for (int i = 0; i < 12 && z->frozen && fz->rekeyed == rekeyed; i++) {
		done = SSL_do_handshake(z->d.ssl) == 1;
		if (done && say)
			fz_client_says(d[0] & 4 ? FP_AC_DISCONNECT : FP_AC_DPD_REQ), say = false;
		fz_carry_client(&pos, at, d + 3, n > 3 ? n - 3 : 0);
		fz_carry_headend();
		fz_turns(1, 1000000);
	}
	if (fz->rekeyed != rekeyed && !done) /* our Finished may wait in its queue */
		done = SSL_do_handshake(z->d.ssl) == 1;
	fz->refuse = false;
	fz_rehandshake_end(rekeyed, done);
}

static void fz_one(enum fz_mode mode, const uint8_t *d, size_t n)
{
	uint64_t began = fp_ra_stats(fz->r.ra)->dtls_rekey_began;
	fz->in_len = 0;
	switch (mode) {
	case FZ_RAW:
		fz_input(d, n);
		break;
	case FZ_RAW_SID:
		fz_raw_sid(d, n);
		break;
	case FZ_ALERT:
		fp_ra_dtls_alert_in(fz->r.ra, fz->cur->index, d, n);
		break;
	case FZ_CONTROL:
		fz->in_len = n;
		fp_ra_dtls_control_in(fz->r.ra, fz->cur->index, d, n);
		break;
	case FZ_SEALED:
		fz_sealed(d, n);
		break;
	case FZ_REHANDSHAKE:
		fz_rehandshake(d, n);
		return;
	case FZ_SEALED_MULTI:
		fz_sealed_multi(d, n);
		break;
	case FZ_TURNS:
		break;
	}
	if (fp_ra_stats(fz->r.ra)->dtls_rekey_began != began)
		fz->cur->in_sync = false; /* libssl is in a rehandshake the client knows nothing of */
}

/* Each session's channel is the frozen one (still under its rule) or none. */
static void fz_check(void)
{
	const struct fp_ra_stats *st = fp_ra_stats(fz->r.ra);
	for (unsigned i = 0; i < 2; i++) {
		const struct fz_sess *z = &fz->s[i];
		const struct fp_ra_session *s = fz_session_of(z);
		if (s && z->frozen)
			assert_true(s->dtls == z->frozen && !fp_ra_dtls_software(fz->r.ra, z->index));
	}
	assert_true(st->dtls_rekeys <= st->dtls_rekey_began &&
		    st->dtls_alert_closed <= st->dtls_alerts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t step_ns[4] = { 1000000ull, 1000000000ull, 11000000000ull, FZ_GAP_NS };
	if (size < 1 || size > FZ_IN_MAX)
		return 0;
	if (!fz)
		fz_setup();
	fz->cur = &fz->s[data[0] >> 7];
	fz_ready();
	fz_one((enum fz_mode)(data[0] & 7), data + 1, size - 1);
	fz_turns(data[0] >> 5 & 3, step_ns[data[0] >> 3 & 3]);
	fz_check();
	fz_ready();
	return 0;
}
