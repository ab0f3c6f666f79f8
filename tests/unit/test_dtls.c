/* DTLS 1.2 record offload against libssl itself: a real handshake in
 * memory (dtls_pair.h: certificate; PSK, as openconnect's PSK-NEGOTIATE;
 * and the Cisco legacy resumption of a session both sides hold), the
 * record keys derived from the server's SSL object with
 * fp_dtls_rule_keys, a rule installed, and then records that OpenSSL's
 * client wrote are opened by the engine byte for byte, and records the
 * engine protects are read by the client's SSL_read. Run for AES-128-GCM,
 * AES-256-GCM (SHA-384 PRF; ipsec-mb where built in, and OpenSSL), the
 * CBC suites with HMAC-SHA1, SHA-256 and SHA-384, PSK-AES256-GCM-SHA384,
 * and legacy AES256-GCM-SHA384 and AES128-SHA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "common/inet.h"
#include "datapath/dtls_rule.h"
#include "dtls_pair.h"
#include "udp_wrap.h"
#include "offload/dtls.h"
#include "offload/pipe.h"

static const uint8_t OUR_IP[4] = { 203, 0, 113, 5 };
static const uint8_t CLIENT_IP[4] = { 198, 51, 100, 6 };
static const uint8_t POOL_IP[4] = { 198, 18, 41, 100 };
#define CLIENT_PORT 13265

struct fx {
	struct dtls_pair pair;
	struct fp_pipe pp;
	struct fp_dtlsdb *db;
	uint32_t id;
	uint64_t seq_out0;   /* what the rule was installed with */
	struct fp_dtls_params params; /* as installed, keys too (cleansed at teardown) */
	struct fp_pkt *pkts[4];
};

static struct fp_pkt *pkt_new(void)
{
	struct fp_pkt *p = calloc(1, sizeof(*p));
	fp_pkt_reset(p);
	return p;
}

static int fx_setup_full(void **state, const char *cipher, enum fp_crypto_backend be,
			 enum dtls_pair_mode mode, uint16_t suite)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct fp_dtls_params p = { 0 };
	const char *why = NULL;

	assert_int_equal(dtls_pair_open_mode(&f->pair, cipher, mode, suite), 0);
	assert_int_equal(fp_pipe_init(&f->pp, 0, false, 4, be), 0);
	f->db = fp_dtlsdb_new(8, be);
	assert_non_null(f->db);
	dtls_pair_addr4(&p.local, OUR_IP);
	dtls_pair_addr4(&p.remote, CLIENT_IP);
	dtls_pair_addr4(&p.inner, POOL_IP);
	p.local_port = 443;
	p.remote_port = CLIENT_PORT;
	p.epoch = 1;
	p.seq_out = f->seq_out0 = dtls_pair_max_seq(&f->pair.s2c) + 1;
	p.seq_in_any = true;
	p.seq_in_top = dtls_pair_max_seq(&f->pair.c2s);
	if (fp_dtls_rule_keys(f->pair.server, &p.keys, &why) < 0)
		fail_msg("keys: %s", why);
	if (fp_dtls_rule_add(f->db, &p, &f->id, &why) < 0)
		fail_msg("add: %s", why);
	f->params = p;
	fp_tls_keys_cleanse(&p.keys);
	for (unsigned i = 0; i < 4; i++)
		f->pkts[i] = pkt_new();
	*state = f;
	return 0;
}

static int fx_setup(void **state, const char *cipher)
{
	return fx_setup_full(state, cipher, FP_CRYPTO_AUTO, DTLS_PAIR_CERT, 0);
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	fp_tls_keys_cleanse(&f->params.keys);
	fp_dtlsdb_free(f->db);
	fp_pipe_fini(&f->pp);
	dtls_pair_close(&f->pair);
	for (unsigned i = 0; i < 4; i++)
		free(f->pkts[i]);
	free(f);
	return 0;
}

static int setup_gcm128(void **s) { return fx_setup(s, "ECDHE-ECDSA-AES128-GCM-SHA256"); }
static int setup_gcm256(void **s) { return fx_setup(s, "ECDHE-ECDSA-AES256-GCM-SHA384"); }
static int setup_gcm256_ossl(void **s)
{
	return fx_setup_full(s, "ECDHE-ECDSA-AES256-GCM-SHA384", FP_CRYPTO_OPENSSL, DTLS_PAIR_CERT,
			     0);
}
/* openconnect's PSK-NEGOTIATE suite, and the Cisco legacy resumption */
static int setup_psk(void **s)
{
	return fx_setup_full(s, "PSK-AES256-GCM-SHA384", FP_CRYPTO_AUTO, DTLS_PAIR_PSK, 0);
}
static int setup_legacy(void **s)
{
	return fx_setup_full(s, "AES256-GCM-SHA384", FP_CRYPTO_AUTO, DTLS_PAIR_LEGACY, 0x009d);
}
static int setup_legacy_cbc(void **s)
{
	return fx_setup_full(s, "AES128-SHA", FP_CRYPTO_AUTO, DTLS_PAIR_LEGACY, 0x002f);
}
static int setup_cbc_sha1(void **s) { return fx_setup(s, "ECDHE-ECDSA-AES128-SHA"); }
static int setup_cbc_sha256(void **s) { return fx_setup(s, "ECDHE-ECDSA-AES128-SHA256"); }
static int setup_cbc_sha384(void **s) { return fx_setup(s, "ECDHE-ECDSA-AES256-SHA384"); }

/* An inner IPv4/UDP packet of len bytes from src. */
static void inner_ip(uint8_t *b, uint32_t len, const uint8_t *src)
{
	memset(b, 0, len);
	b[0] = 0x45;
	fp_put16(b + 2, (uint16_t)len);
	b[8] = 64;
	b[9] = FP_IPPROTO_UDP;
	memcpy(b + 12, src, 4);
	b[16] = 198, b[17] = 18, b[18] = 42, b[19] = 1;
	for (uint32_t i = 28; i < len; i++)
		b[i] = (uint8_t)(i * 7);
	fp_ipv4_csum_set(b);
}

/* The client's datagram as it reaches the headend: IPv4 + UDP in front. */
static void wrap(struct fp_pkt *p, const uint8_t *d, uint32_t len)
{
	udp_wrap4(p, d, len, CLIENT_IP, CLIENT_PORT, OUR_IP, 443);
}

/* One SSL_write of the client, taken off the wire. */
static uint32_t client_write(struct fx *f, const uint8_t *msg, int len, uint8_t *dgram)
{
	assert_int_equal(SSL_write(f->pair.client, msg, len), len);
	int n = dq_pop(&f->pair.c2s, dgram);
	assert_true(n > 0);
	assert_int_equal(f->pair.c2s.head, f->pair.c2s.tail); /* one record, one datagram */
	return (uint32_t)n;
}

/* Datagram bytes through classification and the inbound path. */
static uint16_t engine_in(struct fx *f, struct fp_pkt *p, const uint8_t *d, uint32_t len)
{
	wrap(p, d, len);
	assert_int_equal(fp_dtls_classify(f->db, &p, 1), 1);
	assert_int_equal(p->sa, f->id);
	return fp_dtls_inb_process(&f->pp, f->db, &p, 1);
}

static uint32_t ac_data(uint8_t *msg, uint32_t inner_len, const uint8_t *src)
{
	msg[0] = FP_AC_DATA;
	inner_ip(msg + 1, inner_len, src);
	return inner_len + 1;
}

static void test_inbound_data(void **state)
{
	struct fx *f = *state;
	struct fp_pkt *p = f->pkts[0];
	static uint8_t msg[1500], dgram[DQ_MTU];
	static const uint32_t sizes[] = { 20, 84, 1400 };

	for (unsigned i = 0; i < 3; i++) {
		uint32_t mlen = ac_data(msg, sizes[i], POOL_IP);
		uint32_t dlen = client_write(f, msg, (int)mlen, dgram);
		assert_int_equal(engine_in(f, p, dgram, dlen), 1);
		assert_int_equal(p->drop, FP_DROP_NONE);
		assert_int_equal(p->len, sizes[i]);
		assert_memory_equal(p->data, msg + 1, sizes[i]);
	}
	struct fp_dtls_rule_stats st;
	assert_int_equal(fp_dtls_rule_query(f->db, f->id, &st), 0);
	assert_int_equal(st.pkts_decrypt, 3);
	assert_int_equal(st.data_in, 3);
	assert_int_equal(st.inner_bytes_in, 20 + 84 + 1400);
	assert_int_equal(fp_dtlsdb_stats(f->db)->ib_pkt_success, 3);
}

static void test_inbound_control(void **state)
{
	struct fx *f = *state;
	struct fp_pkt *p = f->pkts[0];
	uint8_t dgram[DQ_MTU], dpd[64] = { FP_AC_DPD_REQ, 1, 2, 3, 4 };

	uint32_t dlen = client_write(f, dpd, sizeof(dpd), dgram);
	assert_int_equal(engine_in(f, p, dgram, dlen), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_CONTROL_IN);
	assert_true(p->flags & FP_PKT_F_PUNT);
	assert_int_equal(p->len, sizeof(dpd));
	assert_memory_equal(p->data, dpd, sizeof(dpd)); /* verified and decrypted */
	assert_int_equal(fp_dtlsdb_stats(f->db)->control_in_pkt, 1);
	assert_int_equal(fp_dtlsdb_stats(f->db)->in_drop_pkt_count, 0);
}

static void test_inbound_replay_tamper(void **state)
{
	struct fx *f = *state;
	struct fp_pkt *p = f->pkts[0];
	uint8_t msg[200], dgram[DQ_MTU], copy[DQ_MTU];
	uint32_t mlen = ac_data(msg, 100, POOL_IP);

	uint32_t dlen = client_write(f, msg, (int)mlen, dgram);
	assert_int_equal(engine_in(f, p, dgram, dlen), 1);
	assert_int_equal(engine_in(f, p, dgram, dlen), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_REPLAY);
	assert_false(p->flags & FP_PKT_F_PUNT);

	/* a flipped bit in the cipher text, then in the CBC padding's block:
	 * refused, and the window did not move, so the true record passes */
	dlen = client_write(f, msg, (int)mlen, dgram);
	memcpy(copy, dgram, dlen);
	copy[FP_DTLS_HLEN + 20] ^= 0x01;
	assert_int_equal(engine_in(f, p, copy, dlen), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_AUTH_FAIL);
	memcpy(copy, dgram, dlen);
	copy[dlen - 1] ^= 0x80;
	assert_int_equal(engine_in(f, p, copy, dlen), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_AUTH_FAIL);
	assert_int_equal(engine_in(f, p, dgram, dlen), 1);

	/* a record older than the 64-record window */
	uint8_t old[DQ_MTU];
	uint32_t olen = client_write(f, msg, (int)mlen, old);
	for (int i = 0; i < 70; i++) {
		dlen = client_write(f, msg, (int)mlen, dgram);
		assert_int_equal(engine_in(f, p, dgram, dlen), 1);
	}
	assert_int_equal(engine_in(f, p, old, olen), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_REPLAY_TOO_OLD);

	struct fp_dtls_rule_stats st;
	fp_dtls_rule_query(f->db, f->id, &st);
	assert_int_equal(st.replay_fail, 2);
	assert_int_equal(st.rcv_fail, 2);
	assert_int_equal(st.drops[FP_DROP_DTLS_AUTH_FAIL], 2);
	assert_int_equal(fp_dtlsdb_stats(f->db)->anti_drop_cnt, 2);
	assert_int_equal(fp_dtlsdb_stats(f->db)->in_drop_pkt_count, 4);
	assert_int_equal(f->pp.st.drops[FP_DROP_DTLS_REPLAY], 1);
}

static void test_inbound_punts_and_bad(void **state)
{
	struct fx *f = *state;
	struct fp_pkt *p = f->pkts[0];
	uint8_t msg[200], dgram[DQ_MTU];
	uint32_t mlen = ac_data(msg, 100, POOL_IP);

	/* another epoch: the SSL object's business, handed over as it came */
	uint32_t dlen = client_write(f, msg, (int)mlen, dgram);
	fp_put16(dgram + 3, 2);
	assert_int_equal(engine_in(f, p, dgram, dlen), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_EPOCH);
	assert_true(p->flags & FP_PKT_F_PUNT);
	assert_memory_equal(p->data + p->esp_off, dgram, dlen);

	/* handshake (a new ClientHello, DTLS 1.0 record version) and CCS */
	uint8_t hs[40] = { FP_DTLS_CT_HANDSHAKE, 0xfe, 0xff };
	fp_put16(hs + 11, sizeof(hs) - FP_DTLS_HLEN);
	assert_int_equal(engine_in(f, p, hs, sizeof(hs)), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_HANDSHAKE);
	hs[0] = FP_DTLS_CT_CCS;
	assert_int_equal(engine_in(f, p, hs, sizeof(hs)), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_HANDSHAKE);
	assert_int_equal(fp_dtlsdb_stats(f->db)->handshake_in_pkt, 2);

	/* length field past the datagram; a second record behind the first */
	dlen = client_write(f, msg, (int)mlen, dgram);
	assert_int_equal(engine_in(f, p, dgram, dlen - 1), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_TRUNCATED);
	dgram[dlen] = 0;
	assert_int_equal(engine_in(f, p, dgram, dlen + 1), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_MULTI_RECORD);
	/* unknown content type, and DTLS 1.0 application data */
	hs[0] = 99;
	assert_int_equal(engine_in(f, p, hs, sizeof(hs)), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_BAD_HEADER);
	hs[0] = FP_DTLS_CT_APP;
	fp_put16(hs + 3, 1);
	assert_int_equal(engine_in(f, p, hs, sizeof(hs)), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_BAD_HEADER);

	/* an inner packet from an address the pool did not give */
	static const uint8_t other[4] = { 10, 9, 9, 9 };
	mlen = ac_data(msg, 100, other);
	dlen = client_write(f, msg, (int)mlen, dgram);
	assert_int_equal(engine_in(f, p, dgram, dlen), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_INNER_SPOOF);
	/* DATA that is no IP packet */
	msg[1] = 0x00;
	dlen = client_write(f, msg, (int)mlen, dgram);
	assert_int_equal(engine_in(f, p, dgram, dlen), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_INNER_MALFORMED);

	/* the client's close_notify: verified, decrypted, punted */
	assert_true(SSL_shutdown(f->pair.client) >= 0);
	int n = dq_pop(&f->pair.c2s, dgram);
	assert_true(n > 0);
	assert_int_equal(engine_in(f, p, dgram, (uint32_t)n), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_RX_ALERT);
	assert_int_equal(p->len, 2);
	assert_int_equal(p->data[0], 1);  /* warning */
	assert_int_equal(p->data[1], 0);  /* close_notify */
	assert_int_equal(fp_dtlsdb_stats(f->db)->rx_alert, 1);
	struct fp_dtls_rule_stats st;
	fp_dtls_rule_query(f->db, f->id, &st);
	assert_int_equal(st.alerts_in, 1);
	assert_int_equal(st.punts, 5); /* epoch, handshake, CCS, two records, alert */
	assert_int_equal(st.ctrl_in, 0);
	assert_int_equal(st.pkts_in, fp_dtlsdb_stats(f->db)->in_pkt_count);
	assert_int_equal(st.bytes_in, fp_dtlsdb_stats(f->db)->in_byte_count);
}

/* The engine's datagram: outer headers checked, then given to the client. */
static void to_client(struct fx *f, const struct fp_pkt *p, uint64_t *seq)
{
	const uint8_t *h = p->data, *u = h + 20;
	assert_int_equal(h[0], 0x45);
	assert_int_equal(fp_get16(h + 2), p->len);
	assert_int_equal(fp_csum_fold(fp_csum_partial(h, 20, 0)), 0);
	assert_memory_equal(h + 12, OUR_IP, 4);
	assert_memory_equal(h + 16, CLIENT_IP, 4);
	assert_int_equal(fp_get16(u), 443);
	assert_int_equal(fp_get16(u + 2), CLIENT_PORT);
	assert_int_equal(fp_get16(u + 4), p->len - 20);
	assert_int_equal(fp_dtls_rule_max_seq(u + 8, p->len - 28, 1, seq), 0);
	assert_true(dq_push(&f->pair.s2c, u + 8, (int)(p->len - 28)));
}

static uint16_t engine_out(struct fx *f, struct fp_pkt *p, const uint8_t *d, uint32_t len,
			   uint32_t flags)
{
	fp_pkt_reset(p);
	memcpy(p->data, d, len);
	p->len = len;
	p->sa = f->id;
	p->flags = flags;
	return fp_dtls_outb_process(&f->pp, f->db, &p, 1);
}

static void client_reads(struct fx *f, const uint8_t *want, int len)
{
	uint8_t got[2048];
	assert_int_equal(SSL_read(f->pair.client, got, sizeof(got)), len);
	assert_memory_equal(got, want, (size_t)len);
}

static void test_outbound(void **state)
{
	struct fx *f = *state;
	struct fp_pkt *p = f->pkts[1];
	uint8_t inner[1400], ac[1401], dpd[1435] = { FP_AC_DPD_RESP, 0xde, 0xad };
	uint64_t s0, s1, s2, s3;

	inner_ip(inner, sizeof(inner), OUR_IP);
	ac[0] = FP_AC_DATA;
	memcpy(ac + 1, inner, sizeof(inner));
	assert_int_equal(engine_out(f, p, inner, sizeof(inner), 0), 1);
	to_client(f, p, &s0);
	client_reads(f, ac, sizeof(ac));
	/* the slow path's DPD response (MTU probe size) goes through the
	 * engine too, and takes the next number */
	assert_int_equal(engine_out(f, p, dpd, sizeof(dpd), FP_PKT_F_DTLS_CTRL), 1);
	to_client(f, p, &s1);
	client_reads(f, dpd, sizeof(dpd));
	assert_int_equal(engine_out(f, p, inner, 84, 0), 0); /* length field says 1400 */
	assert_int_equal(p->drop, FP_DROP_IP_MALFORMED);
	inner_ip(inner, 84, OUR_IP);
	assert_int_equal(engine_out(f, p, inner, 84, 0), 1);
	to_client(f, p, &s2);
	ac[0] = FP_AC_DATA;
	memcpy(ac + 1, inner, 84);
	client_reads(f, ac, 85);
	assert_int_equal(s0, f->seq_out0);
	assert_int_equal(s1, s0 + 1);
	assert_int_equal(s2, s1 + 1);

	struct fp_dtls_rule_stats st;
	fp_dtls_rule_query(f->db, f->id, &st);
	assert_int_equal(st.pkts_encrypt, 3);
	assert_int_equal(st.data_out, 2);
	assert_int_equal(st.ctrl_out, 1);
	assert_int_equal(st.inner_bytes_out, 1400 + 84);
	assert_int_equal(st.seq_out, s2 + 1);
	assert_int_equal(fp_dtlsdb_stats(f->db)->ob_pkt_success, 3);
	assert_int_equal(fp_dtlsdb_stats(f->db)->out_drop_pkt_count, 1);

	/* close_notify from the engine ends the client's session cleanly */
	static const uint8_t bye[2] = { 1, 0 };
	assert_int_equal(engine_out(f, p, bye, 2, FP_PKT_F_DTLS_ALERT), 1);
	to_client(f, p, &s3);
	assert_int_equal(s3, s2 + 1);
	uint8_t got[16];
	assert_true(SSL_read(f->pair.client, got, sizeof(got)) <= 0);
	assert_int_equal(SSL_get_error(f->pair.client, 0), SSL_ERROR_ZERO_RETURN);
	fp_dtls_rule_query(f->db, f->id, &st);
	assert_int_equal(st.alerts_out, 1);
	assert_int_equal(st.pkts_out, 4);
	const struct fp_dtls_stats *ts = fp_dtlsdb_stats(f->db);
	assert_int_equal(ts->control_out_pkt, 2); /* the DPD response and the alert */
	assert_int_equal(ts->out_pkt_count, 4);
	assert_int_equal(ts->ob_pkt_process, 5);
	assert_true(ts->out_byte_count > 1400 + 1435);
	assert_int_equal(st.bytes_out, ts->out_byte_count - 4 * 28); /* UDP payloads */
}

static void test_rule_lifecycle(void **state)
{
	struct fx *f = *state;
	struct fp_pkt *p = f->pkts[0];
	struct fp_dtls_update u = { .fields = FP_DTLS_UPD_KEYS, .epoch = 1 };
	const struct fp_dtls_stats *st = fp_dtlsdb_stats(f->db);
	const char *why = NULL;
	uint8_t msg[200], dgram[DQ_MTU];

	assert_int_equal(st->flow_ib_add_rule, 1);
	assert_int_equal(st->flow_ob_add_rule, 1);
	/* a second rule for the same 6-tuple is refused and counted */
	struct fp_dtls_params dup = { 0 };
	dtls_pair_addr4(&dup.local, OUR_IP);
	dtls_pair_addr4(&dup.remote, CLIENT_IP);
	dup.local_port = 443;
	dup.remote_port = CLIENT_PORT;
	dup.epoch = 1;
	assert_int_equal(fp_dtls_rule_keys(f->pair.server, &dup.keys, &why), 0);
	uint32_t id2;
	assert_int_equal(fp_dtls_rule_add(f->db, &dup, &id2, &why), -1);
	assert_int_equal(st->flow_rule_fail, 1);
	/* the same keys again must come with a higher epoch */
	u.keys = dup.keys;
	assert_int_equal(fp_dtls_rule_update(f->db, f->id, &u, &why), -1);
	assert_int_equal(st->flow_rule_fail, 2);
	u.epoch = 2;
	assert_int_equal(fp_dtls_rule_update(f->db, f->id, &u, &why), 0);
	assert_int_equal(st->flow_ib_update_success, 1);
	assert_int_equal(st->flow_ob_update_success, 1);
	/* the client still at epoch 1: its records go to the slow path */
	uint32_t mlen = ac_data(msg, 60, POOL_IP);
	uint32_t dlen = client_write(f, msg, (int)mlen, dgram);
	assert_int_equal(engine_in(f, p, dgram, dlen), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_EPOCH);
	/* all or nothing: a new port with unusable keys changes neither */
	struct fp_dtls_update bad = u;
	bad.fields = FP_DTLS_UPD_KEYS | FP_DTLS_UPD_PEER;
	bad.epoch = 3;
	bad.keys.tk_tx.tk_cipher = FP_CIPHER_CHACHA20_POLY1305;
	dtls_pair_addr4(&bad.remote, CLIENT_IP);
	bad.remote_port = 40001;
	assert_int_equal(fp_dtls_rule_update(f->db, f->id, &bad, &why), -1);
	fp_tls_keys_cleanse(&bad.keys);
	struct fp_addr cl, ours;
	dtls_pair_addr4(&cl, CLIENT_IP);
	dtls_pair_addr4(&ours, OUR_IP);
	assert_int_equal(fp_dtls_lookup(f->db, &cl, CLIENT_PORT, &ours, 443), f->id);
	struct fp_dtls_rule_stats now;
	fp_dtls_rule_query(f->db, f->id, &now);
	assert_int_equal(now.epoch, 2);
	/* NAT rebinding: the rule follows the client's new port */
	struct fp_dtls_update mv = { .fields = FP_DTLS_UPD_PEER, .remote_port = 40000 };
	dtls_pair_addr4(&mv.remote, CLIENT_IP);
	assert_int_equal(fp_dtls_rule_update(f->db, f->id, &mv, &why), 0);
	struct fp_addr c, o;
	dtls_pair_addr4(&c, CLIENT_IP);
	dtls_pair_addr4(&o, OUR_IP);
	assert_int_equal(fp_dtls_lookup(f->db, &c, 40000, &o, 443), f->id);
	assert_int_equal(fp_dtls_lookup(f->db, &c, CLIENT_PORT, &o, 443), FP_DTLS_NONE);
	/* a new DTLS session of the same client (new keys) starts at epoch 1 again */
	u.epoch = 1;
	u.keys.tk_tx.tk_key[0] ^= 1;
	u.keys.tk_rx.tk_key[0] ^= 1;
	assert_int_equal(fp_dtls_rule_update(f->db, f->id, &u, &why), 0);
	assert_int_equal(st->flow_ib_update_success, 3); /* with the move */
	assert_int_equal(st->flow_rule_fail, 3);
	fp_tls_keys_cleanse(&u.keys);
	fp_tls_keys_cleanse(&dup.keys);
	/* delete: gone from the CAM and from queries; counters kept by the caller */
	struct fp_dtls_rule_stats last;
	assert_int_equal(fp_dtls_rule_del(f->db, f->id, &last), 0);
	assert_int_equal(last.epoch, 1);
	assert_int_equal(st->flow_ib_del_rule, 1);
	assert_int_equal(fp_dtls_rule_query(f->db, f->id, &last), -1);
	assert_int_equal(fp_dtlsdb_count(f->db), 0);
	assert_string_equal(fp_dtls_counter_name(FP_DTLS_CNT_flow_ib_update_success),
			    "DTLS_OFFLOAD_FLOW_IB_UPDATE_SUCCESS");
	assert_int_equal(fp_dtls_counter_get(st, FP_DTLS_CNT_rx_alert), 0);
}

/* The same session over IPv6: a second rule with the same keys (its own
 * window and numbers), the client's records wrapped in IPv6 + UDP, and
 * the engine's datagrams with a valid UDP checksum. */
static void test_ipv6(void **state)
{
	struct fx *f = *state;
	struct fp_pkt *p = f->pkts[2];
	struct fp_dtls_params v6 = { 0 };
	const char *why = NULL;
	uint32_t id;
	uint8_t msg[200], dgram[DQ_MTU];

	fp_addr_parse(&v6.local, "2001:db8::5");
	fp_addr_parse(&v6.remote, "2001:db8:1::6");
	v6.local_port = 443;
	v6.remote_port = CLIENT_PORT;
	v6.epoch = 1;
	v6.seq_out = 1000; /* past what the IPv4 rule sends: the client checks replay too */
	assert_int_equal(fp_dtls_rule_keys(f->pair.server, &v6.keys, &why), 0);
	assert_int_equal(fp_dtls_rule_add(f->db, &v6, &id, &why), 0);
	fp_tls_keys_cleanse(&v6.keys);

	uint32_t mlen = ac_data(msg, 100, POOL_IP);
	uint32_t dlen = client_write(f, msg, (int)mlen, dgram);
	fp_pkt_reset(p);
	uint8_t *h = p->data;
	memset(h, 0, 48);
	h[0] = 0x60;
	fp_put16(h + 4, (uint16_t)(8 + dlen));
	h[6] = FP_IPPROTO_UDP;
	h[7] = 64;
	memcpy(h + 8, v6.remote.a, 16);
	memcpy(h + 24, v6.local.a, 16);
	fp_put16(h + 40, CLIENT_PORT);
	fp_put16(h + 42, 443);
	fp_put16(h + 44, (uint16_t)(8 + dlen));
	memcpy(h + 48, dgram, dlen);
	p->len = 48 + dlen;
	assert_int_equal(fp_dtls_classify(f->db, &p, 1), 1);
	assert_int_equal(p->sa, id);
	assert_int_equal(fp_dtls_inb_process(&f->pp, f->db, &p, 1), 1);
	assert_memory_equal(p->data, msg + 1, 100);

	fp_pkt_reset(p);
	memcpy(p->data, msg + 1, 100);
	p->len = 100;
	p->sa = id;
	assert_int_equal(fp_dtls_outb_process(&f->pp, f->db, &p, 1), 1);
	h = p->data;
	assert_int_equal(h[0] >> 4, 6);
	assert_int_equal(fp_get16(h + 4), p->len - 40);
	uint8_t *u = h + 40;
	uint16_t sum = fp_get16(u + 6);
	u[6] = u[7] = 0;
	assert_int_equal(fp_udp6_csum(h, u, p->len - 40), sum);
	assert_true(dq_push(&f->pair.s2c, u + 8, (int)(p->len - 48)));
	client_reads(f, msg, (int)mlen);
}

/* flow-offload-dtls off: the rule moves to the slow path's software pipe
 * with its state; the client sees nothing: numbers go on, and a record
 * the engine took before the move is still a replay after it. */
static void test_move_to_software(void **state)
{
	struct fx *f = *state;
	struct fp_pkt *p = f->pkts[0];
	struct fp_pipe soft;
	struct fp_dtlsdb *sdb = fp_dtlsdb_new(4, FP_CRYPTO_OPENSSL);
	struct fp_dtls_state st;
	const char *why = NULL;
	uint8_t msg[200], dgram[DQ_MTU], inner[84];
	uint64_t s0, s1;
	uint32_t id;

	assert_int_equal(fp_pipe_init(&soft, 9, true, 4, FP_CRYPTO_OPENSSL), 0);
	uint32_t mlen = ac_data(msg, 100, POOL_IP);
	uint32_t dlen = client_write(f, msg, (int)mlen, dgram);
	assert_int_equal(engine_in(f, p, dgram, dlen), 1);
	inner_ip(inner, sizeof(inner), OUR_IP);
	assert_int_equal(engine_out(f, p, inner, sizeof(inner), 0), 1);
	to_client(f, p, &s0);
	assert_int_equal(SSL_read(f->pair.client, msg + 100, 100), 85);

	assert_int_equal(fp_dtls_export(f->db, f->id, &st), 0);
	assert_int_equal(fp_dtls_rule_del(f->db, f->id, NULL), 0);
	assert_int_equal(fp_dtls_rule_add(sdb, &f->params, &id, &why), 0);
	assert_int_equal(fp_dtls_import(sdb, id, &st), 0);

	wrap(p, dgram, dlen); /* the record the engine took: still a replay */
	assert_int_equal(fp_dtls_classify(sdb, &p, 1), 1);
	assert_int_equal(fp_dtls_inb_process(&soft, sdb, &p, 1), 0);
	assert_int_equal(p->drop, FP_DROP_DTLS_REPLAY);
	dlen = client_write(f, msg, (int)mlen, dgram);
	wrap(p, dgram, dlen);
	assert_int_equal(fp_dtls_classify(sdb, &p, 1), 1);
	assert_int_equal(fp_dtls_inb_process(&soft, sdb, &p, 1), 1);
	fp_pkt_reset(p);
	memcpy(p->data, inner, sizeof(inner));
	p->len = sizeof(inner);
	p->sa = id;
	assert_int_equal(fp_dtls_outb_process(&soft, sdb, &p, 1), 1);
	to_client(f, p, &s1);
	assert_int_equal(s1, s0 + 1);
	assert_int_equal(SSL_read(f->pair.client, msg + 100, 100), 85);

	struct fp_dtls_rule_stats rs;
	assert_int_equal(fp_dtls_rule_query(sdb, id, &rs), 0);
	assert_int_equal(rs.pkts_decrypt, 2); /* the counters came along */
	assert_int_equal(rs.pkts_encrypt, 2);
	st.epoch = 2;
	assert_int_equal(fp_dtls_import(sdb, id, &st), -1);
	fp_dtlsdb_free(sdb);
	fp_pipe_fini(&soft);
}

/* Suites the engine does not take stay in software. */
static void test_keys_refused(void **state)
{
	struct dtls_pair pair;
	struct fp_tls_keys k;
	const char *why = NULL;
	(void)state;

	assert_int_equal(dtls_pair_open(&pair, "ECDHE-ECDSA-CHACHA20-POLY1305"), 0);
	assert_int_equal(fp_dtls_rule_keys(pair.server, &k, &why), -1);
	assert_string_equal(why, "cipher suite not offloaded");
	dtls_pair_close(&pair);
	/* CBC where encrypt-then-MAC may have been negotiated */
	assert_int_equal(dtls_pair_open(&pair, "ECDHE-ECDSA-AES128-SHA"), 0);
	SSL_clear_options(pair.server, SSL_OP_NO_ENCRYPT_THEN_MAC);
	assert_int_equal(fp_dtls_rule_keys(pair.server, &k, &why), -1);
	assert_non_null(strstr(why, "SSL_OP_NO_ENCRYPT_THEN_MAC"));
	dtls_pair_close(&pair);
}

#define SUITE_TESTS(setup)                                                                     \
	cmocka_unit_test_setup_teardown(test_inbound_data, setup, fx_teardown),                \
	cmocka_unit_test_setup_teardown(test_inbound_control, setup, fx_teardown),             \
	cmocka_unit_test_setup_teardown(test_inbound_replay_tamper, setup, fx_teardown),       \
	cmocka_unit_test_setup_teardown(test_inbound_punts_and_bad, setup, fx_teardown),       \
	cmocka_unit_test_setup_teardown(test_outbound, setup, fx_teardown),                    \
	cmocka_unit_test_setup_teardown(test_rule_lifecycle, setup, fx_teardown),              \
	cmocka_unit_test_setup_teardown(test_ipv6, setup, fx_teardown),                        \
	cmocka_unit_test_setup_teardown(test_move_to_software, setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		SUITE_TESTS(setup_gcm128),
		SUITE_TESTS(setup_gcm256),
		SUITE_TESTS(setup_gcm256_ossl),
		SUITE_TESTS(setup_psk),
		SUITE_TESTS(setup_legacy),
		SUITE_TESTS(setup_legacy_cbc),
		SUITE_TESTS(setup_cbc_sha1),
		SUITE_TESTS(setup_cbc_sha256),
		SUITE_TESTS(setup_cbc_sha384),
		cmocka_unit_test(test_keys_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
