/* The headend's DTLS (src/ra/ra_dtls.c) against a libssl DTLS client
 * that behaves as openconnect does (ra_dtls_rig.h, which
 * tests/fuzz/fuzz_ra_dtls.c shares): it logs in over TLS (ra_rig.h), asks
 * CONNECT for DTLS and reads the X-DTLS answer, then puts the session id
 * it was given into its ClientHello. PSK-NEGOTIATE (the PSK from the TLS
 * connection's exporter) and the Cisco legacy resumption (the master
 * secret it sent). Checked: the handshake, the rule's keys equal to the
 * client's and opening the client's records in the engine, the sequence
 * numbers, DPD echoed byte for byte at 1400 bytes, DATA both ways, no
 * libssl write once the rule is taken, DTLS 1.0 kept in software, an
 * unknown session id and a junk flood dropped and counted, the client's
 * header refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>

#include "common/inet.h"
#include "datapath/dtls_rule.h"
#include "offload/pipe.h"
#include "ra/ra_dtls.h"
#include "ra/ra_http.h"

#include "ra_dtls_rig.h"
#include "udp_wrap.h"

static void data_both_ways(struct rig *r, struct dclient *d)
{
	uint8_t msg[64], got[64];
	unsigned before = r->inside_n;
	msg[0] = FP_AC_DATA;
	ip4(msg + 1, 0x0a030064, 0x0a010001);
	assert_int_equal(SSL_write(d->ssl, msg, 29), 29);
	pump(r, d);
	assert_int_equal(r->inside_n, before + 1);
	assert_memory_equal(r->inside, msg + 1, 28);
	ip4(msg + 1, 0x0a010001, 0x0a030064);
	assert_true(fp_ra_to_client(r->ra, msg + 1, 28));
	pump(r, d);
	assert_int_equal(SSL_read(d->ssl, got, sizeof(got)), 29);
	assert_int_equal(got[0], FP_AC_DATA);
	assert_memory_equal(got + 1, msg + 1, 28);
}

/* An engine for the headend's rules: a pipe and a DTLS table with one
 * rule, as the datapath holds it. */
struct eng {
	struct fp_pipe pp;
	struct fp_dtlsdb *db;
	struct fp_pkt *pkt;
	uint32_t id;
};

static const uint8_t eng_ours[4] = { 198, 51, 100, 1 }, eng_theirs[4] = { 198, 51, 100, 2 };

static void eng_new(struct eng *e, struct fp_dtls_params *p)
{
	const char *why = NULL;
	e->db = fp_dtlsdb_new(4, FP_CRYPTO_AUTO);
	e->pkt = calloc(1, sizeof(*e->pkt));
	assert_int_equal(fp_pipe_init(&e->pp, 0, false, 4, FP_CRYPTO_AUTO), 0);
	p->local.af = FP_AF_INET;
	memcpy(p->local.a, eng_ours, 4);
	p->local_port = 443;
	if (fp_dtls_rule_add(e->db, p, &e->id, &why) < 0)
		fail_msg("add: %s", why);
}

static void eng_free(struct eng *e)
{
	fp_dtls_rule_del(e->db, e->id, NULL);
	fp_dtlsdb_free(e->db);
	fp_pipe_fini(&e->pp);
	free(e->pkt);
}

/* DATA from the client, opened by the engine: keys, epoch and the replay
 * window start agree. */
static void eng_opens(struct eng *e, struct dclient *d)
{
	uint8_t msg[29], dg[DQ_MTU];
	msg[0] = FP_AC_DATA;
	ip4(msg + 1, 0x0a030064, 0x0a010001);
	assert_int_equal(SSL_write(d->ssl, msg, 29), 29);
	int n = dq_pop(&d->c2s, dg);
	udp_wrap4(e->pkt, dg, (uint32_t)n, eng_theirs, CLIENT_PORT, eng_ours, 443);
	assert_int_equal(fp_dtls_classify(e->db, &e->pkt, 1), 1);
	assert_int_equal(fp_dtls_inb_process(&e->pp, e->db, &e->pkt, 1), 1);
	assert_int_equal(e->pkt->len, 28);
	assert_memory_equal(e->pkt->data, msg + 1, 28);
}

/* The rule the headend gives opens the client's next record in the
 * engine. */
static void engine_opens(struct dclient *d, struct fp_dtls_params *p)
{
	struct eng e;
	eng_new(&e, p);
	eng_opens(&e, d);
	eng_free(&e);
}

/* The rule: keys as the client's (its tx is our rx), sequence numbers
 * above what libssl used; then no libssl write ever again. */
static void take_rule(struct rig *r, struct dclient *d, uint64_t sent, uint64_t received)
{
	const struct fp_ra_session *s = only_session(r);
	struct fp_dtls_params p;
	struct fp_tls_keys ck;
	const char *why = NULL;
	assert_int_equal(r->up_index, s->index);
	assert_true(fp_ra_dtls_software(r->ra, s->index));
	if (fp_ra_dtls_rule(r->ra, s->index, &p, &why) < 0)
		fail_msg("rule: %s", why);
	assert_int_equal(fp_dtls_rule_keys(d->ssl, &ck, &why), 0);
	keys_equal(&ck.tk_tx, &p.keys.tk_rx);
	keys_equal(&ck.tk_rx, &p.keys.tk_tx);
	assert_int_equal(ck.tk_suite, p.keys.tk_suite);
	assert_int_equal(p.epoch, 1);
	assert_int_equal(p.seq_out, sent);
	assert_true(p.seq_in_any);
	assert_int_equal(p.seq_in_top, received);
	assert_int_equal(p.remote_port, CLIENT_PORT);
	assert_int_equal(p.tag, s->index);
	assert_int_equal(p.inner.a[3], 100);
	engine_opens(d, &p);
	fp_tls_keys_cleanse(&ck);
	fp_tls_keys_cleanse(&p.keys);
	assert_false(fp_ra_dtls_software(r->ra, s->index));
	assert_int_equal(fp_ra_dtls_rule(r->ra, s->index, &p, &why), -1);

	/* the engine's now: a packet for the client takes CSTP here, what
	 * the client sends on the old tuple is not libssl's, a punted DPD is
	 * answered through the engine */
	uint64_t tx = fp_ra_stats(r->ra)->dtls_data_tx;
	uint8_t ip[28], dpd[1400];
	ip4(ip, 0x0a010001, 0x0a030064);
	assert_true(fp_ra_to_client(r->ra, ip, sizeof(ip)));
	assert_int_equal(fp_ra_stats(r->ra)->dtls_data_tx, tx);
	memset(dpd, 0x5a, sizeof(dpd));
	dpd[0] = FP_AC_DPD_REQ;
	fp_ra_dtls_control_in(r->ra, s->index, dpd, sizeof(dpd));
	assert_int_equal(r->ctrl_len, sizeof(dpd));
	assert_int_equal(r->ctrl[0], FP_AC_DPD_RESP);
	assert_memory_equal(r->ctrl + 1, dpd + 1, sizeof(dpd) - 1);
	assert_int_equal(r->udp.head, r->udp.tail);
	assert_int_equal(fp_ra_stats(r->ra)->dtls_write_frozen, 0);
}

static void test_psk(void **state)
{
	struct rig *r = *state;
	struct client c;
	struct dclient d = { 0 };
	connect_dtls(r, &c, &d,
		     "X-DTLS-Master-Secret: " MASTER_HEX "\r\n"
		     "X-DTLS-CipherSuite: PSK-NEGOTIATE:OC-DTLS1_2-AES256-GCM:AES256-SHA\r\n"
		     "X-DTLS12-CipherSuite: ECDHE-RSA-AES256-GCM-SHA384:AES256-GCM-SHA384\r\n",
		     "X-DTLS-App-ID: ");
	assert_string_equal(d.suite, "PSK-NEGOTIATE");
	assert_null(strstr((char *)c.buf, "X-DTLS-Session-ID"));
	dclient_new(&d, "PSK-AES256-GCM-SHA384:PSK-AES128-GCM-SHA256", 0x00a9, DTLS1_2_VERSION);
	assert_true(dclient_handshake(r, &d));
	assert_string_equal(SSL_get_cipher_name(d.ssl), "PSK-AES256-GCM-SHA384");
	assert_int_equal(fp_ra_stats(r->ra)->dtls_hs_ok, 1);
	assert_string_equal(only_session(r)->dtls_version, "DTLSv1.2");
	assert_false(only_session(r)->dtls_software_only);
	/* not before the client's first record: our Finished may still be lost */
	assert_int_equal(r->up_index, 0);
	dpd_echo(r, &d, 1400);
	assert_int_equal(r->up_index, only_session(r)->index);
	dpd_echo(r, &d, 1);
	data_both_ways(r, &d);
	/* ours: Finished 0, DPD answers 1-2, DATA 3; theirs: Finished 0, DPD 1-2, DATA 3 */
	take_rule(r, &d, 4, 3);
	dclient_free(&d);
	client_close(&c);
}

/* Legacy keying: the client's master secret, the suite we chose from its
 * list, an abbreviated handshake; GCM and CBC. */
static void legacy(struct rig *r, const char *offer, const char *want, const char *cipher,
		   uint16_t suite)
{
	char ask[512];
	struct client c;
	struct dclient d = { 0 };
	snprintf(ask, sizeof(ask), "X-DTLS-Master-Secret: %s\r\nX-DTLS12-CipherSuite: %s\r\n",
		 MASTER_HEX, offer);
	connect_dtls(r, &c, &d, ask, "X-DTLS-Session-ID: ");
	assert_non_null(strstr((char *)c.buf, "X-DTLS12-CipherSuite: "));
	assert_string_equal(d.suite, want);
	dclient_new(&d, cipher, suite, DTLS1_2_VERSION);
	assert_true(dclient_handshake(r, &d));
	assert_true(SSL_session_reused(d.ssl));
	dpd_echo(r, &d, 1400);
	data_both_ways(r, &d);
	/* ours: Finished 0, DPD 1, DATA 2; theirs: Finished 0, DPD 1, DATA 2 */
	take_rule(r, &d, 3, 2);
	dclient_free(&d);
	client_close(&c);
}

static void test_legacy_gcm(void **state)
{
	legacy(*state, "ECDHE-RSA-AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-GCM-SHA384",
	       "AES256-GCM-SHA384", "AES256-GCM-SHA384", 0x009d);
}

static void test_legacy_cbc(void **state)
{
	legacy(*state, "DHE-RSA-AES128-SHA:AES128-SHA", "AES128-SHA", "AES128-SHA", 0x002f);
}

/* The datapath took no rule (no room, no interface): thawed, the channel
 * goes on in software with libssl's own numbers, both ways; counted. */
static void test_rule_refused(void **state)
{
	struct rig *r = *state;
	struct client c;
	struct dclient d = { 0 };
	struct fp_dtls_params p;
	const char *why = NULL;
	connect_dtls(r, &c, &d, "X-DTLS-CipherSuite: PSK-NEGOTIATE\r\n", "X-DTLS-App-ID: ");
	dclient_new(&d, "PSK-AES256-GCM-SHA384", 0x00a9, DTLS1_2_VERSION);
	assert_true(dclient_handshake(r, &d));
	dpd_echo(r, &d, 64);
	const struct fp_ra_session *s = only_session(r);
	if (fp_ra_dtls_rule(r->ra, s->index, &p, &why) < 0)
		fail_msg("rule: %s", why);
	fp_tls_keys_cleanse(&p.keys);
	assert_false(fp_ra_dtls_software(r->ra, s->index));
	fp_ra_dtls_thaw(r->ra, s->index);
	assert_true(fp_ra_dtls_software(r->ra, s->index));
	assert_int_equal(fp_ra_stats(r->ra)->dtls_rule_refused, 1);
	dpd_echo(r, &d, 1400);
	data_both_ways(r, &d);
	assert_int_equal(fp_ra_stats(r->ra)->dtls_write_frozen, 0);
	fp_ra_dtls_thaw(r->ra, s->index); /* not frozen: nothing to do */
	assert_int_equal(fp_ra_stats(r->ra)->dtls_rule_refused, 1);
	dclient_free(&d);
	client_close(&c);
}

/* Alerts the engine punted: a warning is counted, a close_notify ends the
 * channel (dtls_down takes the rule) while the session stays on CSTP. */
static void test_alerts(void **state)
{
	struct rig *r = *state;
	struct client c;
	struct dclient d = { 0 };
	connect_dtls(r, &c, &d, "X-DTLS-CipherSuite: PSK-NEGOTIATE\r\n", "X-DTLS-App-ID: ");
	dclient_new(&d, "PSK-AES256-GCM-SHA384", 0x00a9, DTLS1_2_VERSION);
	assert_true(dclient_handshake(r, &d));
	dpd_echo(r, &d, 64);
	take_rule(r, &d, 2, 1);
	const struct fp_ra_session *s = only_session(r);
	uint32_t index = s->index;
	static const uint8_t warning[2] = { 1, 100 }, close_notify[2] = { 1, 0 };
	fp_ra_dtls_alert_in(r->ra, index, warning, 1); /* too short: nothing */
	fp_ra_dtls_alert_in(r->ra, index, warning, sizeof(warning));
	assert_int_equal(fp_ra_stats(r->ra)->dtls_alerts, 1);
	assert_non_null(s->dtls);
	assert_int_equal(r->down_index, 0);
	fp_ra_dtls_alert_in(r->ra, index, close_notify, sizeof(close_notify));
	assert_int_equal(fp_ra_stats(r->ra)->dtls_alert_closed, 1);
	assert_null(s->dtls);
	assert_int_equal(r->down_index, index);
	assert_int_equal(only_session(r)->index, index); /* the session goes on */
	uint8_t ip[28];
	ip4(ip, 0x0a010001, 0x0a030064);
	assert_true(fp_ra_to_client(r->ra, ip, sizeof(ip))); /* by CSTP */
	dclient_free(&d);
	client_close(&c);
}

/* What the headend handed the engine, sent to the client: re-protected
 * under the rule's numbers, or (sealed) as libssl made it. */
static void eng_send_hs(struct rig *r, struct eng *e, struct dclient *d)
{
	uint8_t b[DQ_MTU];
	int n;
	while ((n = dq_pop(&r->hs, b)) >= 0) {
		struct fp_pkt *p = e->pkt;
		fp_pkt_reset(p);
		memcpy(p->data, b + 1, (size_t)n - 1);
		p->len = (uint32_t)n - 1;
		p->sa = e->id;
		p->flags = b[0] ? FP_PKT_F_DTLS_SEALED : FP_PKT_F_DTLS_HS;
		assert_int_equal(fp_dtls_outb_process(&e->pp, e->db, &p, 1), 1);
		assert_true(dq_push(&d->s2c, p->data + 28, (int)p->len - 28));
	}
}


/* A rehandshake the client starts under the rule (openconnect's
 * X-DTLS-Rekey-Method: ssl), with libssl's records re-protected by the
 * engine: refused sooner than 30 s after the handshake, a forged one
 * changes nothing, the real one ends in an update to epoch 2 whose keys
 * and numbers carry data both ways; libssl never writes to the wire. */
/* pump, with a forged record (a huge sequence number, no valid tag) after
 * the client's records in every datagram that holds one at epoch: libssl
 * drops it and reads on; the rule's replay window must not start there. */
static void pump_forged(struct rig *r, struct dclient *d, uint16_t epoch)
{
	uint8_t b[DQ_MTU + 64];
	struct fp_addr from;
	uint64_t seq;
	int n;
	from_addr(&from);
	while ((n = dq_pop(&d->c2s, b)) >= 0) {
		if (fp_dtls_rule_max_seq(b, (uint32_t)n, epoch, &seq) == 0) {
			static const uint8_t junk[FP_DTLS_HLEN + 40] = {
				FP_DTLS_CT_HANDSHAKE, 0xfe, 0xfd, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 40,
			};
			memcpy(b + n, junk, sizeof(junk));
			fp_put16(b + n + 3, epoch);
			n += (int)sizeof(junk);
		}
		fp_ra_dtls_input(r->ra, &from, CLIENT_PORT, b, (size_t)n);
	}
	while ((n = dq_pop(&r->udp, b)) >= 0)
		dq_push(&d->s2c, b, n);
}

static void rehandshake(struct rig *r, const char *ask, const char *sid_hdr,
			const char *ciphers, uint16_t suite, bool resume, bool forge)
{
	struct client c;
	struct dclient d = { 0 };
	struct eng e;
	uint8_t hello[DQ_MTU], got[64];
	connect_dtls(r, &c, &d, ask, sid_hdr);
	dclient_new(&d, ciphers, suite, DTLS1_2_VERSION);
	assert_true(dclient_handshake(r, &d));
	dpd_echo(r, &d, 64);
	struct fp_dtls_params p;
	const char *why = NULL;
	if (fp_ra_dtls_rule(r->ra, only_session(r)->index, &p, &why) < 0)
		fail_msg("rule: %s", why);
	eng_new(&e, &p);
	fp_tls_keys_cleanse(&p.keys);
	const struct fp_ra_stats *st = fp_ra_stats(r->ra);
	unsigned wire = r->udp.tail;

	/* a record of type handshake at epoch 1 that is no one's */
	uint8_t forged[80] = { FP_DTLS_CT_HANDSHAKE, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 99, 0, 67 };
	struct fp_addr from;
	from_addr(&from);
	r->now += 31000000000ull;
	fp_ra_poll(r->ra, r->now);
	uint64_t bad = st->dtls_rx_bad;
	fp_ra_dtls_input(r->ra, &from, CLIENT_PORT, forged, sizeof(forged));
	assert_int_equal(st->dtls_rekey_began, 0);
	assert_int_equal(st->dtls_rx_bad, bad + 1); /* libssl dropped it: counted here */
	assert_non_null(only_session(r)->dtls);
	r->now -= 31000000000ull; /* the handshake is new again: too soon */
	fp_ra_poll(r->ra, r->now);

	/* legacy keying: the headend has no certificate, the session resumes
	 * (openconnect's GnuTLS does the same) */
	assert_int_equal(resume ? SSL_renegotiate_abbreviated(d.ssl) : SSL_renegotiate(d.ssl), 1);
	assert_true(SSL_do_handshake(d.ssl) <= 0);
	int n = dq_pop(&d.c2s, hello);
	assert_true(n > 0);
	fp_ra_dtls_input(r->ra, &from, CLIENT_PORT, hello, (size_t)n);
	assert_int_equal(st->dtls_rekey_soon, 1);
	assert_int_equal(r->hs.tail, 0);

	r->now += 31000000000ull;
	fp_ra_poll(r->ra, r->now);
	fp_ra_dtls_input(r->ra, &from, CLIENT_PORT, hello, (size_t)n);
	assert_int_equal(st->dtls_rekey_began, 1);
	for (int i = 0; i < 10 && !r->upd_n; i++) {
		eng_send_hs(r, &e, &d);
		SSL_do_handshake(d.ssl);
		if (forge)
			pump_forged(r, &d, 2);
		else
			pump(r, &d); /* the client's datagrams, punted by the engine as they came */
		fp_ra_poll(r->ra, r->now); /* the update waits a turn of the slow path */
	}
	eng_send_hs(r, &e, &d);
	assert_int_equal(SSL_do_handshake(d.ssl), 1);
	assert_int_equal(r->upd_n, 1);
	assert_int_equal(st->dtls_rekeys, 1);
	assert_int_equal(r->upd.epoch, 2);
	assert_int_equal(r->upd.fields, FP_DTLS_UPD_KEYS);
	assert_true(r->upd.seq_in_any);
	assert_true(r->upd.seq_in_top < 16); /* the client's Finished, not a forged number */
	if (fp_dtls_update(e.db, e.id, &r->upd, &why) < 0)
		fail_msg("update: %s", why);
	assert_int_equal(r->udp.tail, wire); /* nothing from libssl to the wire itself */

	eng_opens(&e, &d); /* the client's next record, at epoch 2 */
	uint8_t ip[29];
	ip4(ip + 1, 0x0a010001, 0x0a030064);
	fp_pkt_reset(e.pkt);
	memcpy(e.pkt->data, ip + 1, 28);
	e.pkt->len = 28;
	e.pkt->sa = e.id;
	e.pkt->flags = 0;
	assert_int_equal(fp_dtls_outb_process(&e.pp, e.db, &e.pkt, 1), 1);
	assert_int_equal(fp_get16(e.pkt->data + 28 + 3), 2);
	assert_true(dq_push(&d.s2c, e.pkt->data + 28, (int)e.pkt->len - 28));
	assert_int_equal(SSL_read(d.ssl, got, sizeof(got)), 29);
	assert_int_equal(got[0], FP_AC_DATA);
	assert_memory_equal(got + 1, ip + 1, 28);
	eng_free(&e);
	dclient_free(&d);
	client_close(&c);
}

static void test_rehandshake_psk(void **state)
{
	rehandshake(*state, "X-DTLS-CipherSuite: PSK-NEGOTIATE\r\n", "X-DTLS-App-ID: ",
		    "PSK-AES256-GCM-SHA384", 0x00a9, false, false);
}

/* The same with a forged record beside the client's Finished: the rule's
 * window at the new epoch starts at the Finished's number all the same. */
static void test_rehandshake_forged_seq(void **state)
{
	rehandshake(*state, "X-DTLS-CipherSuite: PSK-NEGOTIATE\r\n", "X-DTLS-App-ID: ",
		    "PSK-AES256-GCM-SHA384", 0x00a9, false, true);
}

/* Legacy keying with CBC: an abbreviated rehandshake (our change_cipher_spec
 * and Finished first), the MAC-then-encrypt way of opening again. */
static void test_rehandshake_legacy_cbc(void **state)
{
	rehandshake(*state, "X-DTLS-Master-Secret: " MASTER_HEX "\r\nX-DTLS12-CipherSuite: AES128-SHA\r\n",
		    "X-DTLS-Session-ID: ", "AES128-SHA", 0x002f, true, false);
}

/* DTLS 1.0 (PSK, CBC): served, never offered to the engine. */
static void test_dtls10_software(void **state)
{
	struct rig *r = *state;
	struct client c;
	struct dclient d = { 0 };
	const char *why = NULL;
	struct fp_dtls_params p;
	connect_dtls(r, &c, &d, "X-DTLS-CipherSuite: PSK-NEGOTIATE\r\n", "X-DTLS-App-ID: ");
	dclient_new(&d, "PSK-AES256-CBC-SHA", 0x008d, DTLS1_VERSION);
	assert_true(dclient_handshake(r, &d));
	const struct fp_ra_session *s = only_session(r);
	assert_string_equal(s->dtls_version, "DTLSv1");
	assert_true(s->dtls_software_only);
	assert_int_equal(fp_ra_stats(r->ra)->dtls_software_only, 1);
	assert_int_equal(r->up_index, 0);
	assert_int_equal(fp_ra_dtls_rule(r->ra, s->index, &p, &why), -1);
	dpd_echo(r, &d, 1400);
	data_both_ways(r, &d);
	dclient_free(&d);
	client_close(&c);
}

/* A ClientHello whose session id no session gave: nothing answers; a
 * flood of junk from many ports, and junk on a live channel's tuple,
 * changes nothing; the live channel still answers; DISCONNECT ends. */
static void test_unknown_and_junk(void **state)
{
	struct rig *r = *state;
	struct client c;
	struct dclient d = { 0 }, stranger = { 0 };
	uint8_t b[DQ_MTU];
	struct fp_addr from;
	connect_dtls(r, &c, &d, "X-DTLS-CipherSuite: PSK-NEGOTIATE\r\n", "X-DTLS-App-ID: ");
	memcpy(stranger.sid, d.sid, 32);
	stranger.sid[31] ^= 1;
	dclient_new(&stranger, "PSK-AES256-GCM-SHA384", 0x00a9, DTLS1_2_VERSION);
	assert_int_equal(SSL_do_handshake(stranger.ssl), -1);
	int n = dq_pop(&stranger.c2s, b);
	uint8_t hello[DQ_MTU];
	assert_true(n > 0);
	memcpy(hello, b, (size_t)n);
	pump(r, &stranger);
	from_addr(&from);
	assert_int_equal(fp_ra_dtls_input(r->ra, &from, 1, hello, (size_t)n), -1);
	assert_int_equal(fp_ra_stats(r->ra)->dtls_no_session, 1);
	assert_int_equal(r->udp.tail, 0);
	dclient_free(&stranger);

	srand(7);
	for (unsigned i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand() % 200);
		for (size_t k = 0; k < len; k++)
			b[k] = (uint8_t)rand();
		if (i % 2) /* a ClientHello's shape, a random id */
			memcpy(b, hello, len < (size_t)n ? len : (size_t)n), memset(b + 60, (int)i, 8);
		fp_ra_dtls_input(r->ra, &from, (uint16_t)(1000 + i % 5000), b, len);
	}
	const struct fp_ra_stats *st = fp_ra_stats(r->ra);
	assert_int_equal(st->dtls_not_hello + st->dtls_no_session + st->dtls_v09, 20001);
	assert_int_equal(r->udp.tail, 0);
	assert_null(only_session(r)->dtls);

	dclient_new(&d, "PSK-AES256-GCM-SHA384", 0x00a9, DTLS1_2_VERSION);
	assert_true(dclient_handshake(r, &d));
	for (unsigned i = 0; i < 2000; i++) {
		size_t len = 13 + (size_t)(rand() % 100);
		for (size_t k = 0; k < len; k++)
			b[k] = (uint8_t)rand();
		b[0] = (uint8_t)(20 + i % 4), b[1] = 0xfe, b[2] = 0xfd;
		fp_ra_dtls_input(r->ra, &from, CLIENT_PORT, b, len);
	}
	assert_non_null(only_session(r)->dtls);
	dpd_echo(r, &d, 1400);
	uint8_t bye[] = { FP_AC_DISCONNECT, 0xb0 };
	assert_int_equal(SSL_write(d.ssl, bye, 2), 2);
	pump(r, &d);
	assert_int_equal(fp_ra_stats(r->ra)->dtls_disconnect, 1);
	for (unsigned i = 0; i < FP_RA_MAX_SESSIONS; i++)
		assert_int_equal(fp_ra_session_at(r->ra, i)->index, 0);
	assert_int_not_equal(r->down_index, 0);
	dclient_free(&d);
	client_close(&c);
}

/* openconnect starts DTLS again from a new socket (its DPD found the
 * channel dead, or a NAT moved it): the same session id from another
 * port makes a new channel, the old one goes (env->dtls_down), and the
 * old port is nobody's. DATA over CSTP moves the answers to CSTP. */
static void test_new_port(void **state)
{
	struct rig *r = *state;
	struct client c;
	struct dclient d = { 0 }, again = { 0 };
	uint8_t dpd[] = { FP_AC_DPD_REQ, 1, 2, 3 }, got[16];
	connect_dtls(r, &c, &d, "X-DTLS-CipherSuite: PSK-NEGOTIATE\r\n", "X-DTLS-App-ID: ");
	memcpy(again.sid, d.sid, sizeof(d.sid));
	dclient_new(&d, "PSK-AES256-GCM-SHA384", 0x00a9, DTLS1_2_VERSION);
	assert_true(dclient_handshake(r, &d));
	dpd_echo(r, &d, 1400);
	uint32_t index = only_session(r)->index;
	again.port = CLIENT_PORT + 1;
	dclient_new(&again, "PSK-AES256-GCM-SHA384", 0x00a9, DTLS1_2_VERSION);
	assert_true(dclient_handshake(r, &again));
	assert_int_equal(r->down_index, index);
	assert_int_equal(fp_ra_stats(r->ra)->dtls_hs_ok, 2);
	assert_int_equal(fp_ra_stats(r->ra)->dtls_replaced, 1);
	dpd_echo(r, &again, 1400);
	assert_int_equal(SSL_write(d.ssl, dpd, sizeof(dpd)), (int)sizeof(dpd));
	pump(r, &d);
	assert_int_equal(SSL_read(d.ssl, got, sizeof(got)), -1); /* no answer on the old port */
	assert_int_equal(fp_ra_stats(r->ra)->dtls_not_hello, 1);
	data_both_ways(r, &again);

	/* the client sends on CSTP (its DTLS looks dead to it): answers go
	 * there until DATA comes over DTLS again */
	uint8_t ip[28];
	ip4(ip, 0x0a030064, 0x0a010001);
	frame(r, &c, FP_CSTP_DATA, ip, sizeof(ip));
	uint64_t cstp_tx = fp_ra_stats(r->ra)->cstp_data_tx, dtls_tx = fp_ra_stats(r->ra)->dtls_data_tx;
	ip4(ip, 0x0a010001, 0x0a030064);
	assert_true(fp_ra_to_client(r->ra, ip, sizeof(ip)));
	assert_int_equal(fp_ra_stats(r->ra)->cstp_data_tx, cstp_tx + 1);
	assert_int_equal(fp_ra_stats(r->ra)->dtls_data_tx, dtls_tx);
	data_both_ways(r, &again);
	assert_int_equal(fp_ra_stats(r->ra)->dtls_data_tx, dtls_tx + 1);
	dclient_free(&d);
	dclient_free(&again);
	client_close(&c);
}

/* The client's ClientHello sent again by someone else (the session id
 * travels in clear), from another port and from the client's own, while
 * the channel is up and its rule taken: the channel and the rule stay
 * (no env->dtls_down), a DPD the engine punts is still answered; the
 * handshake it started waits beside the channel, one at a time, and goes
 * when it stalls. Before, the first such datagram ended the channel and
 * its rule (test_live_anyconnect_hostile.sh: openconnect's pings were
 * lost until its DPD found DTLS dead and it connected DTLS again). */
static void test_hello_replayed(void **state)
{
	struct rig *r = *state;
	struct client c;
	struct dclient d = { 0 }, spy = { 0 };
	struct fp_dtls_params p;
	const char *why = NULL;
	connect_dtls(r, &c, &d, "X-DTLS-CipherSuite: PSK-NEGOTIATE\r\n", "X-DTLS-App-ID: ");
	memcpy(spy.sid, d.sid, sizeof(d.sid));
	dclient_new(&d, "PSK-AES256-GCM-SHA384", 0x00a9, DTLS1_2_VERSION);
	assert_true(dclient_handshake(r, &d));
	dpd_echo(r, &d, 1400);
	const struct fp_ra_session *s = only_session(r);
	const struct fp_ra_dtls *live = s->dtls;
	assert_int_equal(fp_ra_dtls_rule(r->ra, s->index, &p, &why), 0);
	fp_tls_keys_cleanse(&p.keys);
	/* the ClientHello as it was on the wire */
	uint8_t hello[DQ_MTU];
	struct fp_addr from;
	dclient_new(&spy, "PSK-AES256-GCM-SHA384", 0x00a9, DTLS1_2_VERSION);
	assert_int_equal(SSL_do_handshake(spy.ssl), -1);
	int n = dq_pop(&spy.c2s, hello);
	assert_true(n > 0);
	from_addr(&from);
	uint64_t fails = fp_ra_stats(r->ra)->dtls_hs_fail;
	fp_ra_dtls_input(r->ra, &from, CLIENT_PORT + 7, hello, (size_t)n);
	fp_ra_dtls_input(r->ra, &from, CLIENT_PORT, hello, (size_t)n);
	assert_int_equal(r->down_index, 0);
	assert_ptr_equal(s->dtls, live);
	assert_non_null(s->dtls_next);
	uint8_t dpd[64];
	memset(dpd, 0x33, sizeof(dpd));
	dpd[0] = FP_AC_DPD_REQ;
	fp_ra_dtls_control_in(r->ra, s->index, dpd, sizeof(dpd));
	assert_int_equal(r->ctrl_len, sizeof(dpd));
	assert_int_equal(r->ctrl[0], FP_AC_DPD_RESP);
	/* the stalled handshake goes after 10 s, the channel stays */
	r->now += 11000000000ull;
	fp_ra_poll(r->ra, r->now);
	assert_int_equal(fp_ra_stats(r->ra)->dtls_hs_fail, fails + 1);
	assert_null(s->dtls_next);
	assert_ptr_equal(s->dtls, live);
	assert_int_equal(r->down_index, 0);
	assert_int_equal(fp_ra_stats(r->ra)->dtls_replaced, 0);
	dclient_free(&spy);
	dclient_free(&d);
	client_close(&c);
}

/* What a client may say in its DTLS headers: bad ones passed over and
 * counted, DTLS not offered from them. */
static void test_headers(void **state)
{
	struct rig *r = *state;
	struct fp_http_req q;
	enum fp_http_err why;
	static const char ok[] = "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\n"
				 "X-DTLS-CipherSuite: OC2-DTLS1_2-CHACHA20-POLY1305:PSK-NEGOTIATE\r\n"
				 "X-DTLS12-CipherSuite: AES128-SHA:PSK-NEGOTIATE:OC-DTLS1_2-AES256-GCM\r\n\r\n";
	assert_true(fp_http_parse((const uint8_t *)ok, strlen(ok), &q, &why) > 0);
	assert_int_equal(q.dtls_suites, 1u << FP_HTTP_DTLS_PSK);
	assert_int_equal(q.dtls12_suites, 1u << FP_HTTP_DTLS_PSK | 1u << FP_HTTP_DTLS_AES128_SHA);
	assert_int_equal(q.dtls_bad, 0);
	static const char *const bad[] = {
		"X-DTLS-Master-Secret: 0011\r\n", "X-DTLS-Master-Secret: %095dZ\r\n",
		"X-DTLS12-CipherSuite: AES128-SHA::AES256-SHA\r\n", "X-DTLS12-CipherSuite: AES128-SHA;x\r\n",
		"X-DTLS12-CipherSuite: AES128-SHA:\r\n", "X-DTLS-CipherSuite: \r\n",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[160], req[512];
		snprintf(line, sizeof(line), bad[i], 0);
		snprintf(req, sizeof(req), "CONNECT / HTTP/1.1\r\n%s\r\n", line);
		assert_true(fp_http_parse((const uint8_t *)req, strlen(req), &q, &why) > 0);
		assert_int_not_equal(q.dtls_bad, 0);
		assert_false(q.has_dtls_master);
		assert_int_equal(q.dtls_suites | q.dtls12_suites, 0);
	}
	char many[1024] = "CONNECT / HTTP/1.1\r\nX-DTLS12-CipherSuite: A";
	for (unsigned i = 0; i < FP_HTTP_DTLS_LIST_MAX; i++)
		strcat(many, ":A");
	strcat(many, "\r\n\r\n");
	assert_true(fp_http_parse((const uint8_t *)many, strlen(many), &q, &why) > 0);
	assert_int_equal(q.dtls_bad, 1u << FP_HTTP_DTLS_E_LIST);

	struct client c;
	tunnel_up_with(r, &c, "X-DTLS-Master-Secret: 00\r\nX-DTLS12-CipherSuite: AES256-GCM-SHA384\r\n");
	assert_null(strstr((char *)c.buf, "X-DTLS"));
	assert_int_equal(fp_ra_stats(r->ra)->dtls_hdr_bad[FP_HTTP_DTLS_E_MASTER], 1);
	client_close(&c);
}

static int setup_dtls_none(void **state)
{
	return setup_with(state, " anyconnect ssl dtls none\n", true);
}

static int setup_no_udp(void **state)
{
	return setup_with(state, "", false);
}

/* "anyconnect ssl dtls none", or no UDP transport (fpvpnd until the
 * datapath carries DTLS): the client's ask gets no X-DTLS header. */
static void test_not_offered(void **state)
{
	struct rig *r = *state;
	struct client c;
	tunnel_up_with(r, &c, "X-DTLS-Master-Secret: " MASTER_HEX "\r\n"
		       "X-DTLS-CipherSuite: PSK-NEGOTIATE:OC-DTLS1_2-AES256-GCM\r\n"
		       "X-DTLS12-CipherSuite: AES256-GCM-SHA384\r\n");
	assert_non_null(strstr((char *)c.buf, "X-CSTP-MTU: "));
	assert_null(strstr((char *)c.buf, "X-DTLS"));
	assert_int_equal(only_session(r)->dtls_mode, FP_RA_DTLS_OFF);
	client_close(&c);
}

static int setup_rekey(void **state)
{
	return setup_with(state, " anyconnect ssl rekey time 5\n anyconnect ssl rekey method new-tunnel\n"
			  " banner value Hello, world: 100% mine\n banner value line 2\n", true);
}

/* anyconnect ssl rekey method new-tunnel: the time in seconds, the method
 * for CSTP; DTLS renews its keys with the new tunnel (its own method none). */
static void test_rekey_headers(void **state)
{
	struct rig *r = *state;
	struct client c;
	tunnel_up_with(r, &c, "X-DTLS-CipherSuite: PSK-NEGOTIATE\r\n");
	static const char *const want[] = { "X-CSTP-Rekey-Time: 300\r\n",
					    "X-CSTP-Rekey-Method: new-tunnel\r\n",
					    "X-DTLS-Rekey-Method: none\r\n",
					    "X-CSTP-Banner: Hello, world: 100%25 mine%0Aline 2\r\n" };
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr((char *)c.buf, want[i]))
			fail_msg("no %s in:\n%s", want[i], c.buf);
	client_close(&c);
}

static int setup_rekey_ssl(void **state)
{
	return setup_with(state, " anyconnect ssl rekey time 1\n anyconnect ssl rekey method ssl\n",
			  true);
}

/* anyconnect ssl rekey method ssl: the DTLS session is rehandshaken in
 * place when the time is up (the client's), the TLS connection's keys
 * updated by the headend (a TLS 1.3 KeyUpdate, once an interval), after
 * which the tunnel still answers a DPD. */
static void test_rekey_ssl_headers(void **state)
{
	struct rig *r = *state;
	struct client c;
	tunnel_up_with(r, &c, "X-DTLS-CipherSuite: PSK-NEGOTIATE\r\n");
	static const char *const want[] = { "X-DTLS-Rekey-Time: 60\r\n",
					    "X-DTLS-Rekey-Method: ssl\r\n" };
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr((char *)c.buf, want[i]))
			fail_msg("no %s in:\n%s", want[i], c.buf);
	assert_null(strstr((char *)c.buf, "X-CSTP-Rekey"));
	assert_int_equal(SSL_version(c.ssl), TLS1_3_VERSION);
	const struct fp_ra_stats *st = fp_ra_stats(r->ra);
	r->now += 59000000000ull; /* before the gateway's DPD would find it silent */
	turn(r);
	assert_int_equal(st->tls_key_updates, 0);
	r->now += 2000000000ull;
	turn(r);
	turn(r);
	assert_int_equal(st->tls_key_updates, 1);
	uint8_t resp[FP_CSTP_HLEN + 4];
	frame(r, &c, FP_CSTP_DPD_REQ, (const uint8_t *)"abcd", 4);
	fp_cstp_header(resp, FP_CSTP_DPD_RESP, 4);
	memcpy(resp + FP_CSTP_HLEN, "abcd", 4);
	/* (after the gateway's own DPD requests of the silent minute) */
	for (int i = 0; i < 50 && !memmem(c.buf, c.len, resp, sizeof(resp)); i++)
		client_wait(r, &c, NULL, c.len + 1);
	assert_non_null(memmem(c.buf, c.len, resp, sizeof(resp)));
	client_close(&c);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_psk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legacy_gcm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legacy_cbc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alerts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dtls10_software, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_junk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hello_replayed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_offered, setup_dtls_none, teardown),
		cmocka_unit_test_setup_teardown(test_not_offered, setup_no_udp, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_headers, setup_rekey, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_ssl_headers, setup_rekey_ssl, teardown),
		cmocka_unit_test_setup_teardown(test_rehandshake_psk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rehandshake_legacy_cbc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rehandshake_forged_seq, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
