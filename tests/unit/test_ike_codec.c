/* IKEv2 message and payload codec (src/ike) against strongSwan 5.9.8's
 * own messages (tests/vectors/ike/README): fields of real IKE_SA_INIT,
 * IKE_AUTH (outer and decrypted), CREATE_CHILD_SA, INFORMATIONAL, COOKIE,
 * INVALID_KE and fragment messages; a byte-identical parse -> build round
 * trip of each; and a table of hostile messages, each refused with the
 * error that names what was wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/inet.h"
#include "ike/ike_build.h"
#include "ike/ike_msg.h"
#include "ike/ike_payload.h"
#include "ike_rebuild.h"

#define MSG_MAX 2048

struct vec {
	uint8_t b[MSG_MAX];
	size_t n;
};

/* tests/vectors/ike/name, whole. */
static void vec_load(struct vec *v, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/ike/%s", FP_TEST_VECTORS, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	v->n = fread(v->b, 1, sizeof(v->b), f);
	fclose(f);
	assert_true(v->n > 0 && v->n < sizeof(v->b));
}

static struct fp_ike_msg msg;
static struct fp_ike_chain inner;
static struct fp_ike_sa sa;

static void msg_load(struct vec *v, const char *name)
{
	vec_load(v, name);
	assert_int_equal(fp_ike_msg_parse(&msg, v->b, v->n), FP_IKE_E_OK);
}

/* A decrypted SK plaintext: first byte = the SK's next payload, then the chain. */
static void inner_load(struct vec *v, const char *name)
{
	vec_load(v, name);
	assert_int_equal(fp_ike_chain_parse(&inner, v->b[0], v->b + 1, v->n - 1, true), FP_IKE_E_OK);
}

static void expect_types(const struct fp_ike_chain *c, const uint8_t *types, unsigned n)
{
	assert_int_equal(c->c_n, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(c->c_pl[i].pl_type, types[i]);
}

static uint16_t notify_type(const struct fp_ike_chain *c, unsigned i, uint16_t *data_len)
{
	struct fp_ike_notify n;
	assert_int_equal(fp_ike_notify_parse(&c->c_pl[i], &n), FP_IKE_E_OK);
	*data_len = n.n_len;
	return n.n_type;
}

static void expect_xf(const struct fp_ike_prop *pr, unsigned k, uint8_t type, uint16_t id,
		      uint16_t keylen)
{
	const struct fp_ike_xf *xf = &sa.sa_xf[pr->pr_first_xf + k];
	assert_int_equal(xf->xf_type, type);
	assert_int_equal(xf->xf_id, id);
	assert_int_equal(xf->xf_keylen, keylen);
	assert_false(xf->xf_unknown_attr);
}

/* charon's IKE_SA_INIT request for proposals aes256-sha256-x25519,
 * aes256gcm16-prfsha384-x25519, aes256-sha256-modp2048. */
static void test_init_request(void **state)
{
	static const uint8_t spi_i[8] = {0x19, 0x68, 0x6a, 0x3c, 0x7a, 0xf5, 0xd7, 0xc7};
	static const uint8_t types[] = {FP_IKE_PL_SA, FP_IKE_PL_KE, FP_IKE_PL_NONCE, FP_IKE_PL_NOTIFY,
					FP_IKE_PL_NOTIFY, FP_IKE_PL_NOTIFY, FP_IKE_PL_NOTIFY, FP_IKE_PL_NOTIFY};
	struct vec v;
	(void)state;
	msg_load(&v, "init-req.bin");
	const struct fp_ike_hdr *h = &msg.m_hdr;
	assert_memory_equal(h->h_spi_i, spi_i, 8);
	assert_memory_equal(h->h_spi_r, (uint8_t[8]){0}, 8);
	assert_int_equal(h->h_exchange, FP_IKE_EX_IKE_SA_INIT);
	assert_int_equal(h->h_flags, FP_IKE_FLAG_INITIATOR);
	assert_int_equal(h->h_msgid, 0);
	assert_int_equal(h->h_length, 320);
	expect_types(&msg.m_chain, types, 8);

	assert_int_equal(fp_ike_sa_parse(&msg.m_chain.c_pl[0], &sa), FP_IKE_E_OK);
	assert_int_equal(sa.sa_n_prop, 3);
	const struct fp_ike_prop *p1 = &sa.sa_prop[0], *p2 = &sa.sa_prop[1], *p3 = &sa.sa_prop[2];
	assert_int_equal(p1->pr_num, 1);
	assert_int_equal(p1->pr_proto, FP_IKE_PROTO_IKE);
	assert_int_equal(p1->pr_spi_size, 0);
	assert_int_equal(p1->pr_n_xf, 4);
	expect_xf(p1, 0, FP_IKE_XF_ENCR, FP_IKE_ENCR_AES_CBC, 256);
	expect_xf(p1, 1, FP_IKE_XF_INTEG, FP_IKE_INTEG_HMAC_SHA2_256_128, 0);
	expect_xf(p1, 2, FP_IKE_XF_PRF, FP_IKE_PRF_HMAC_SHA2_256, 0);
	expect_xf(p1, 3, FP_IKE_XF_DH, FP_IKE_DH_CURVE25519, 0);
	assert_int_equal(p2->pr_num, 2);
	assert_int_equal(p2->pr_n_xf, 3); /* AEAD: no INTEG transform */
	expect_xf(p2, 0, FP_IKE_XF_ENCR, FP_IKE_ENCR_AES_GCM_16, 256);
	expect_xf(p2, 1, FP_IKE_XF_PRF, FP_IKE_PRF_HMAC_SHA2_384, 0);
	assert_int_equal(p3->pr_num, 3);
	expect_xf(p3, 3, FP_IKE_XF_DH, FP_IKE_DH_MODP_2048, 0);

	struct fp_ike_ke ke;
	assert_int_equal(fp_ike_ke_parse(&msg.m_chain.c_pl[1], &ke), FP_IKE_E_OK);
	assert_int_equal(ke.ke_group, FP_IKE_DH_CURVE25519);
	assert_int_equal(ke.ke_len, 32);
	assert_int_equal(msg.m_chain.c_pl[2].pl_len, 32); /* nonce */

	uint16_t len;
	assert_int_equal(notify_type(&msg.m_chain, 3, &len), FP_IKE_N_NAT_DETECTION_SOURCE_IP);
	assert_int_equal(len, 20); /* SHA-1 of SPIs, address, port */
	assert_int_equal(notify_type(&msg.m_chain, 4, &len), FP_IKE_N_NAT_DETECTION_DESTINATION_IP);
	assert_int_equal(len, 20);
	assert_int_equal(notify_type(&msg.m_chain, 5, &len), FP_IKE_N_IKEV2_FRAGMENTATION_SUPPORTED);
	assert_int_equal(len, 0);
	assert_int_equal(notify_type(&msg.m_chain, 6, &len), FP_IKE_N_SIGNATURE_HASH_ALGORITHMS);
	assert_int_equal(len, 8);
	assert_int_equal(notify_type(&msg.m_chain, 7, &len), FP_IKE_N_REDIRECT_SUPPORTED);
	assert_string_equal(fp_ike_notify_name(FP_IKE_N_REDIRECT_SUPPORTED), "REDIRECT_SUPPORTED");
}

/* The responder's answer: its SPI, one proposal with one transform a type. */
static void test_init_response(void **state)
{
	static const uint8_t spi_r[8] = {0xdd, 0x0f, 0xb2, 0x93, 0xe0, 0x66, 0xbc, 0xcd};
	struct vec v;
	uint16_t len;
	(void)state;
	msg_load(&v, "init-resp.bin");
	assert_memory_equal(msg.m_hdr.h_spi_r, spi_r, 8);
	assert_int_equal(msg.m_hdr.h_flags, FP_IKE_FLAG_RESPONSE);
	assert_int_equal(msg.m_chain.c_n, 9);
	assert_int_equal(fp_ike_sa_parse(&msg.m_chain.c_pl[0], &sa), FP_IKE_E_OK);
	assert_int_equal(sa.sa_n_prop, 1);
	assert_int_equal(sa.sa_prop[0].pr_num, 1);
	assert_int_equal(sa.sa_prop[0].pr_n_xf, 4);
	expect_xf(&sa.sa_prop[0], 0, FP_IKE_XF_ENCR, FP_IKE_ENCR_AES_CBC, 256);
	assert_int_equal(notify_type(&msg.m_chain, 7, &len), FP_IKE_N_CHILDLESS_IKEV2_SUPPORTED);
	assert_int_equal(notify_type(&msg.m_chain, 8, &len), FP_IKE_N_MULTIPLE_AUTH_SUPPORTED);
}

/* charon's default offer: 2 proposals, 70 transforms, 13 DH groups each. */
static void test_init_default_offer(void **state)
{
	struct vec v;
	(void)state;
	msg_load(&v, "init-req-default.bin");
	assert_int_equal(fp_ike_sa_parse(&msg.m_chain.c_pl[0], &sa), FP_IKE_E_OK);
	assert_int_equal(sa.sa_n_prop, 2);
	assert_int_equal(sa.sa_n_xf, 70);
	unsigned dh = 0;
	for (unsigned i = 0; i < sa.sa_n_xf; i++)
		dh += sa.sa_xf[i].xf_type == FP_IKE_XF_DH;
	assert_int_equal(dh, 26);
}

/* COOKIE (RFC 7296 2.6) and INVALID_KE_PAYLOAD answers, and the retry
 * that carries the cookie first and the group asked for. */
static void test_cookie_and_invalid_ke(void **state)
{
	struct vec v;
	struct fp_ike_notify n;
	struct fp_ike_ke ke;
	(void)state;
	msg_load(&v, "cookie-resp.bin");
	assert_int_equal(msg.m_chain.c_n, 1);
	assert_int_equal(fp_ike_notify_parse(&msg.m_chain.c_pl[0], &n), FP_IKE_E_OK);
	assert_int_equal(n.n_type, FP_IKE_N_COOKIE);
	assert_int_equal(n.n_len, 24);
	msg_load(&v, "invalid-ke-resp.bin");
	assert_int_equal(fp_ike_notify_parse(&msg.m_chain.c_pl[0], &n), FP_IKE_E_OK);
	assert_int_equal(n.n_type, FP_IKE_N_INVALID_KE_PAYLOAD);
	assert_int_equal(n.n_len, 2);
	assert_int_equal(fp_get16(n.n_data), FP_IKE_DH_MODP_2048);
	msg_load(&v, "init-req-cookie.bin");
	assert_int_equal(msg.m_chain.c_pl[0].pl_type, FP_IKE_PL_NOTIFY);
	assert_int_equal(fp_ike_notify_parse(&msg.m_chain.c_pl[0], &n), FP_IKE_E_OK);
	assert_int_equal(n.n_type, FP_IKE_N_COOKIE);
	const struct fp_ike_pl *pl = fp_ike_chain_find(&msg.m_chain, FP_IKE_PL_KE, NULL);
	assert_non_null(pl);
	assert_int_equal(fp_ike_ke_parse(pl, &ke), FP_IKE_E_OK);
	assert_int_equal(ke.ke_group, FP_IKE_DH_MODP_2048);
	assert_int_equal(ke.ke_len, 256);
}

/* IKE_AUTH on the wire: one SK payload naming IDi inside; and a DPD from
 * the original responder (I flag clear, its own message IDs). */
static void test_encrypted_outer(void **state)
{
	struct vec v;
	struct fp_ike_skf f;
	(void)state;
	msg_load(&v, "auth-req.bin");
	assert_int_equal(msg.m_hdr.h_exchange, FP_IKE_EX_IKE_AUTH);
	assert_int_equal(msg.m_hdr.h_msgid, 1);
	assert_int_equal(msg.m_chain.c_n, 1);
	assert_int_equal(msg.m_chain.c_pl[0].pl_type, FP_IKE_PL_SK);
	assert_int_equal(msg.m_chain.c_pl[0].pl_next, FP_IKE_PL_IDI);
	msg_load(&v, "dpd-req.bin");
	assert_int_equal(msg.m_hdr.h_exchange, FP_IKE_EX_INFORMATIONAL);
	assert_int_equal(msg.m_hdr.h_flags, 0);
	assert_int_equal(msg.m_chain.c_pl[0].pl_next, FP_IKE_PL_NONE);
	msg_load(&v, "auth-req-frag1.bin");
	assert_int_equal(fp_ike_skf_parse(&msg.m_chain.c_pl[0], &f), FP_IKE_E_OK);
	assert_int_equal(f.f_num, 1);
	assert_int_equal(f.f_total, 3);
	assert_int_equal(msg.m_chain.c_pl[0].pl_next, FP_IKE_PL_IDI);
	msg_load(&v, "auth-req-frag2.bin");
	assert_int_equal(fp_ike_skf_parse(&msg.m_chain.c_pl[0], &f), FP_IKE_E_OK);
	assert_int_equal(f.f_num, 2);
	assert_int_equal(msg.m_chain.c_pl[0].pl_next, FP_IKE_PL_NONE);
}

static void expect_ts(const struct fp_ike_pl *pl, uint8_t net)
{
	struct fp_ike_tsp tsp;
	assert_int_equal(fp_ike_ts_parse(pl, &tsp), FP_IKE_E_OK);
	assert_int_equal(tsp.tsp_n, 1);
	const struct fp_ike_ts *ts = &tsp.tsp_ts[0];
	assert_int_equal(ts->ts_type, FP_IKE_TS_IPV4_ADDR_RANGE);
	assert_int_equal(ts->ts_proto, 0);
	assert_int_equal(ts->ts_sport, 0);
	assert_int_equal(ts->ts_eport, 65535);
	assert_memory_equal(ts->ts_start, ((uint8_t[4]){198, 18, net, 0}), 4);
	assert_memory_equal(ts->ts_end, ((uint8_t[4]){198, 18, net, 255}), 4);
}

static void expect_typed(const struct fp_ike_pl *pl, uint8_t kind, const char *data, size_t len)
{
	struct fp_ike_typed t;
	assert_int_equal(fp_ike_typed_parse(pl, &t), FP_IKE_E_OK);
	assert_int_equal(t.t_kind, kind);
	assert_int_equal(t.t_len, len);
	if (data)
		assert_memory_equal(t.t_data, data, len);
}

/* The IKE_AUTH request decrypted with charon's SK_ei: IDs, PSK AUTH, the
 * ESP proposal with its SPI, the selectors. */
static void test_auth_request_inner(void **state)
{
	static const uint8_t types[] = {FP_IKE_PL_IDI, FP_IKE_PL_NOTIFY, FP_IKE_PL_IDR, FP_IKE_PL_AUTH,
					FP_IKE_PL_SA, FP_IKE_PL_TSI, FP_IKE_PL_TSR, FP_IKE_PL_NOTIFY,
					FP_IKE_PL_NOTIFY, FP_IKE_PL_NOTIFY, FP_IKE_PL_NOTIFY, FP_IKE_PL_NOTIFY};
	struct vec v;
	uint16_t len;
	(void)state;
	inner_load(&v, "auth-req.inner");
	expect_types(&inner, types, 12);
	expect_typed(&inner.c_pl[0], FP_IKE_ID_FQDN, "ssa.test", 8);
	assert_int_equal(notify_type(&inner, 1, &len), FP_IKE_N_INITIAL_CONTACT);
	expect_typed(&inner.c_pl[2], FP_IKE_ID_FQDN, "ssb.test", 8);
	expect_typed(&inner.c_pl[3], FP_IKE_AUTH_PSK, NULL, 32);
	assert_int_equal(fp_ike_sa_parse(&inner.c_pl[4], &sa), FP_IKE_E_OK);
	assert_int_equal(sa.sa_n_prop, 1);
	assert_int_equal(sa.sa_prop[0].pr_proto, FP_IKE_PROTO_ESP);
	assert_int_equal(sa.sa_prop[0].pr_spi_size, 4);
	expect_xf(&sa.sa_prop[0], 0, FP_IKE_XF_ENCR, FP_IKE_ENCR_AES_GCM_16, 256);
	expect_xf(&sa.sa_prop[0], 1, FP_IKE_XF_ESN, FP_IKE_ESN_NO, 0);
	expect_ts(&inner.c_pl[5], 11);
	expect_ts(&inner.c_pl[6], 12);
	assert_int_equal(notify_type(&inner, 11, &len), FP_IKE_N_IKEV2_MESSAGE_ID_SYNC_SUPPORTED);
}

/* CREATE_CHILD_SA with PFS (KE inside), a rekey (REKEY_SA names the old
 * inbound SPI) and the INFORMATIONAL that deletes it. */
static void test_child_and_delete_inner(void **state)
{
	static const uint8_t old_spi[4] = {0xe6, 0xa3, 0x1e, 0xa9};
	struct vec v;
	struct fp_ike_notify n;
	struct fp_ike_delete d;
	struct fp_ike_ke ke;
	(void)state;
	inner_load(&v, "child-pfs-req.inner");
	assert_non_null(fp_ike_chain_find(&inner, FP_IKE_PL_NONCE, NULL));
	assert_int_equal(fp_ike_ke_parse(fp_ike_chain_find(&inner, FP_IKE_PL_KE, NULL), &ke), FP_IKE_E_OK);
	assert_int_equal(ke.ke_group, FP_IKE_DH_CURVE25519);
	inner_load(&v, "child-rekey-req.inner");
	assert_int_equal(fp_ike_notify_parse(&inner.c_pl[0], &n), FP_IKE_E_OK);
	assert_int_equal(n.n_type, FP_IKE_N_REKEY_SA);
	assert_int_equal(n.n_proto, FP_IKE_PROTO_ESP);
	assert_int_equal(n.n_spi_size, 4);
	assert_memory_equal(n.n_spi, old_spi, 4);
	assert_null(fp_ike_chain_find(&inner, FP_IKE_PL_KE, NULL));
	inner_load(&v, "delete-req.inner");
	assert_int_equal(fp_ike_delete_parse(&inner.c_pl[0], &d), FP_IKE_E_OK);
	assert_int_equal(d.d_proto, FP_IKE_PROTO_ESP);
	assert_int_equal(d.d_n_spi, 1);
	assert_memory_equal(d.d_spis, old_spi, 4);
}

/* Every vector, parsed and written back through the typed builders, gives
 * the same bytes. */
static void test_round_trip(void **state)
{
	static const char *const outer[] = {"init-req.bin", "init-resp.bin", "init-req-default.bin",
					    "init-req-cookie.bin", "cookie-resp.bin", "invalid-ke-resp.bin",
					    "auth-req.bin", "auth-req-frag1.bin", "auth-req-frag2.bin",
					    "dpd-req.bin"};
	static const char *const in[] = {"auth-req.inner", "auth-resp.inner", "child-pfs-req.inner",
					 "child-rekey-req.inner", "delete-req.inner"};
	static uint8_t out[MSG_MAX];
	struct vec v;
	(void)state;
	for (unsigned i = 0; i < sizeof(outer) / sizeof(outer[0]); i++) {
		msg_load(&v, outer[i]);
		assert_int_equal(ike_rebuild_msg(&msg, out, sizeof(out)), (long)v.n);
		assert_memory_equal(out, v.b, v.n);
	}
	for (unsigned i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct fp_ike_wr w;
		inner_load(&v, in[i]);
		fp_ike_wr_init_inner(&w, out, sizeof(out));
		assert_int_equal(ike_rebuild_chain(&w, &inner), 0);
		assert_int_equal(fp_ike_wr_finish(&w), (long)v.n - 1);
		assert_int_equal(w.w_first, v.b[0]);
		assert_memory_equal(out, v.b + 1, v.n - 1);
	}
}

/* A hostile message: a charon vector with up to two fields overwritten
 * (width 1, 2 or 4 bytes at off) and grow zero bytes appended. */
struct poke {
	uint16_t off;
	uint8_t width;
	uint32_t val;
};

struct hostile {
	const char *what;
	const char *vec;
	struct poke p[2];
	int cut;                 /* datagram length; 0 = as loaded plus grow */
	unsigned grow;
	enum fp_ike_err err;
	uint8_t err_type;
	uint32_t err_off;
};

#define INIT "init-req.bin"
#define SA_AT 28        /* SA payload; its first proposal at 32, first transform at 40 */
#define KE_AT 156
#define NONCE_AT 196
#define NATD_AT 232

static const struct hostile hostile_cases[] = {
	{"header cut", INIT, {{0}}, 27, 0, FP_IKE_E_TRUNCATED, 0, 0},
	{"major version 3", INIT, {{17, 1, 0x30}}, 0, 0, FP_IKE_E_VERSION, 0, 0},
	{"header length past datagram", INIT, {{24, 4, 321}}, 0, 0, FP_IKE_E_LENGTH, 0, 0},
	{"datagram cut inside a payload", INIT, {{0}}, 300, 0, FP_IKE_E_LENGTH, 0, 0},
	{"payload length past message", INIT, {{SA_AT + 2, 2, 512}}, 0, 0, FP_IKE_E_PAYLOAD_LENGTH,
	 FP_IKE_PL_SA, SA_AT},
	{"payload length 3", INIT, {{KE_AT + 2, 2, 3}}, 0, 0, FP_IKE_E_PAYLOAD_LENGTH, FP_IKE_PL_KE, KE_AT},
	{"payload length 0 (would loop)", INIT, {{KE_AT + 2, 2, 0}}, 0, 0, FP_IKE_E_PAYLOAD_LENGTH,
	 FP_IKE_PL_KE, KE_AT},
	{"KE body without its group", INIT, {{KE_AT + 2, 2, 7}}, 0, 0, FP_IKE_E_KE_LENGTH, FP_IKE_PL_KE, KE_AT},
	{"nonce of 15 bytes", INIT, {{NONCE_AT + 2, 2, 19}}, 0, 0, FP_IKE_E_NONCE_LENGTH, FP_IKE_PL_NONCE,
	 NONCE_AT},
	{"proposal length past SA", INIT, {{34, 2, 512}}, 0, 0, FP_IKE_E_PROPOSAL_LENGTH, FP_IKE_PL_SA, SA_AT},
	{"proposal says last, more follow", INIT, {{32, 1, 0}}, 0, 0, FP_IKE_E_PROPOSAL_LAST, FP_IKE_PL_SA,
	 SA_AT},
	{"proposal SPI size 3", INIT, {{38, 1, 3}}, 0, 0, FP_IKE_E_PROPOSAL_SPI, FP_IKE_PL_SA, SA_AT},
	{"5 transforms announced, 4 present", INIT, {{39, 1, 5}}, 0, 0, FP_IKE_E_TRANSFORM_COUNT,
	 FP_IKE_PL_SA, SA_AT},
	{"3 transforms announced, 4 present", INIT, {{39, 1, 3}}, 0, 0, FP_IKE_E_TRANSFORM_COUNT,
	 FP_IKE_PL_SA, SA_AT},
	{"transform length 7", INIT, {{42, 2, 7}}, 0, 0, FP_IKE_E_TRANSFORM_LENGTH, FP_IKE_PL_SA, SA_AT},
	{"transform says last, more follow", INIT, {{40, 1, 0}}, 0, 0, FP_IKE_E_TRANSFORM_LAST,
	 FP_IKE_PL_SA, SA_AT},
	{"TLV attribute of 256 bytes in 4", INIT, {{48, 1, 0x00}}, 0, 0, FP_IKE_E_ATTR_LENGTH, FP_IKE_PL_SA,
	 SA_AT},
	{"notify SPI size past payload", INIT, {{NATD_AT + 5, 1, 200}}, 0, 0, FP_IKE_E_NOTIFY_LENGTH,
	 FP_IKE_PL_NOTIFY, NATD_AT},
	{"unknown critical payload", INIT, {{SA_AT, 1, 200}, {KE_AT + 1, 1, 0x80}}, 0, 0, FP_IKE_E_CRITICAL,
	 200, KE_AT},
	{"unknown payload skipped", INIT, {{SA_AT, 1, 200}}, 0, 0, FP_IKE_E_OK, 0, 0},
	{"bytes after the last payload", INIT, {{24, 4, 324}}, 0, 4, FP_IKE_E_TRAILING, 0, 320},
	{"SK followed by more", "auth-req.bin", {{24, 4, 276}}, 0, 4, FP_IKE_E_SK_NOT_LAST, FP_IKE_PL_SK,
	 SA_AT},
};

static void poke(uint8_t *b, const struct poke *p)
{
	if (p->width == 1)
		b[p->off] = (uint8_t)p->val;
	else if (p->width == 2)
		fp_put16(b + p->off, (uint16_t)p->val);
	else if (p->width == 4)
		fp_put32(b + p->off, p->val);
}

static void test_hostile_table(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(hostile_cases) / sizeof(hostile_cases[0]); i++) {
		const struct hostile *h = &hostile_cases[i];
		struct vec v;
		vec_load(&v, h->vec);
		memset(v.b + v.n, 0, h->grow);
		v.n += h->grow;
		for (unsigned k = 0; k < 2; k++)
			poke(v.b, &h->p[k]);
		size_t n = h->cut ? (size_t)h->cut : v.n;
		enum fp_ike_err e = fp_ike_msg_parse(&msg, v.b, n);
		if (e != h->err)
			fail_msg("%s: %s, expected %s", h->what, fp_ike_err_name(e), fp_ike_err_name(h->err));
		if (h->err_type && (msg.m_chain.c_err_type != h->err_type || msg.m_chain.c_err_off != h->err_off))
			fail_msg("%s: at %s %u, expected %s %u", h->what,
				 fp_ike_payload_name(msg.m_chain.c_err_type), msg.m_chain.c_err_off,
				 fp_ike_payload_name(h->err_type), h->err_off);
		if (h->err_off && !h->err_type)
			assert_int_equal(msg.m_chain.c_err_off, h->err_off);
	}
	/* the skipped one left the rest of the message readable */
	struct vec v;
	vec_load(&v, INIT);
	v.b[SA_AT] = 200;
	assert_int_equal(fp_ike_msg_parse(&msg, v.b, v.n), FP_IKE_E_OK);
	assert_int_equal(msg.m_chain.c_skipped, 1);
	assert_false(msg.m_chain.c_pl[1].pl_known);
	assert_non_null(fp_ike_chain_find(&msg.m_chain, FP_IKE_PL_NONCE, NULL));
}

/* Payload bodies the table above cannot reach from charon's messages,
 * written with fp_ike_put_raw into an inner chain. */
struct bad_body {
	const char *what;
	uint8_t type;
	uint8_t body[24];
	uint8_t len;
	enum fp_ike_err err;
};

static const struct bad_body bad_bodies[] = {
	{"TS count 2, one selector", FP_IKE_PL_TSI,
	 {2, 0, 0, 0, 7, 0, 0, 16, 0, 0, 255, 255, 10, 0, 0, 0, 10, 0, 0, 255}, 20, FP_IKE_E_TS_COUNT},
	{"TS type 9", FP_IKE_PL_TSR,
	 {1, 0, 0, 0, 9, 0, 0, 16, 0, 0, 255, 255, 10, 0, 0, 0, 10, 0, 0, 255}, 20, FP_IKE_E_TS_TYPE},
	{"IPv4 TS of length 40", FP_IKE_PL_TSI,
	 {1, 0, 0, 0, 7, 0, 0, 40, 0, 0, 255, 255, 10, 0, 0, 0, 10, 0, 0, 255}, 20, FP_IKE_E_TS_LENGTH},
	{"17 traffic selectors", FP_IKE_PL_TSI, {17}, 4, FP_IKE_E_TS_TOO_MANY},
	{"delete of 2 SPIs carrying 1", FP_IKE_PL_DELETE, {3, 4, 0, 2, 1, 2, 3, 4}, 8, FP_IKE_E_DELETE_LENGTH},
	{"delete of 3 SPIs of size 0", FP_IKE_PL_DELETE, {1, 0, 0, 3}, 4, FP_IKE_E_DELETE_LENGTH},
	{"ID without its type bytes", FP_IKE_PL_IDI, {2, 0}, 2, FP_IKE_E_ID_LENGTH},
	{"AUTH without its method bytes", FP_IKE_PL_AUTH, {2}, 1, FP_IKE_E_AUTH_LENGTH},
	{"empty CERTREQ", FP_IKE_PL_CERTREQ, {0}, 0, FP_IKE_E_CERT_LENGTH},
	{"CP attribute past payload", FP_IKE_PL_CP, {1, 0, 0, 0, 0, 1, 0, 8, 10, 0}, 10, FP_IKE_E_CP_LENGTH},
	{"empty SA", FP_IKE_PL_SA, {0}, 0, FP_IKE_E_SA_EMPTY},
	{"SK inside SK", FP_IKE_PL_SK, {1, 2, 3, 4}, 4, FP_IKE_E_SK_NESTED},
};

static void test_hostile_bodies(void **state)
{
	static uint8_t buf[256];
	(void)state;
	for (unsigned i = 0; i < sizeof(bad_bodies) / sizeof(bad_bodies[0]); i++) {
		const struct bad_body *b = &bad_bodies[i];
		struct fp_ike_wr w;
		fp_ike_wr_init_inner(&w, buf, sizeof(buf));
		fp_ike_put_raw(&w, b->type, false, b->body, b->len);
		long n = fp_ike_wr_finish(&w);
		assert_true(n > 0);
		enum fp_ike_err e = fp_ike_chain_parse(&inner, w.w_first, buf, (size_t)n, true);
		if (e != b->err || inner.c_err_type != b->type)
			fail_msg("%s: %s, expected %s", b->what, fp_ike_err_name(e), fp_ike_err_name(b->err));
	}
}

/* A fragment numbered 0, and a later fragment that names an inner chain. */
static void test_hostile_fragments(void **state)
{
	static uint8_t buf[128];
	static const uint8_t data[16] = {1};
	struct fp_ike_hdr h = {.h_version = FP_IKE_VERSION, .h_exchange = FP_IKE_EX_IKE_AUTH};
	struct fp_ike_wr w;
	(void)state;
	static const struct { uint8_t inner; uint16_t num, total; enum fp_ike_err err; } f[] = {
		{FP_IKE_PL_IDI, 0, 3, FP_IKE_E_SKF_NUMBER},
		{FP_IKE_PL_IDI, 4, 3, FP_IKE_E_SKF_NUMBER},
		{FP_IKE_PL_IDI, 2, 3, FP_IKE_E_SKF_NUMBER},
		{FP_IKE_PL_NONE, 2, 3, FP_IKE_E_OK},
	};
	for (unsigned i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		fp_ike_wr_init(&w, buf, sizeof(buf));
		fp_ike_put_hdr(&w, &h);
		assert_non_null(fp_ike_put_skf(&w, f[i].inner, f[i].num, f[i].total, data, sizeof(data)));
		long n = fp_ike_wr_finish(&w);
		assert_int_equal(fp_ike_msg_parse(&msg, buf, (size_t)n), f[i].err);
	}
}

/* 65 empty unknown payloads: skipped, yet bounded by FP_IKE_MAX_PAYLOADS. */
static void test_hostile_many_payloads(void **state)
{
	static uint8_t buf[1024];
	struct fp_ike_hdr h = {.h_version = FP_IKE_VERSION, .h_exchange = FP_IKE_EX_INFORMATIONAL};
	struct fp_ike_wr w;
	(void)state;
	for (unsigned n = FP_IKE_MAX_PAYLOADS; n <= FP_IKE_MAX_PAYLOADS + 1; n++) {
		fp_ike_wr_init(&w, buf, sizeof(buf));
		fp_ike_put_hdr(&w, &h);
		for (unsigned i = 0; i < n; i++)
			fp_ike_put_raw(&w, 250, false, NULL, 0);
		long len = fp_ike_wr_finish(&w);
		assert_int_equal(len, FP_IKE_HDR_LEN + 4 * n);
		enum fp_ike_err e = fp_ike_msg_parse(&msg, buf, (size_t)len);
		assert_int_equal(e, n > FP_IKE_MAX_PAYLOADS ? FP_IKE_E_TOO_MANY : FP_IKE_E_OK);
	}
	assert_int_equal(msg.m_chain.c_err_off, FP_IKE_HDR_LEN + 4 * FP_IKE_MAX_PAYLOADS);
}

/* The writer never passes its buffer: a message too big for it reports
 * -1 at finish, and nothing after SK is written. */
static void test_writer_bounds(void **state)
{
	static uint8_t out[MSG_MAX + 1];
	struct vec v;
	(void)state;
	msg_load(&v, INIT);
	for (size_t cap = 0; cap < v.n; cap += 7) {
		memset(out, 0xa5, sizeof(out));
		assert_int_equal(ike_rebuild_msg(&msg, out, cap), -1);
		for (size_t i = cap; i < sizeof(out); i++)
			assert_int_equal(out[i], 0xa5);
	}
	struct fp_ike_wr w;
	fp_ike_wr_init(&w, out, sizeof(out));
	fp_ike_put_hdr(&w, &msg.m_hdr);
	fp_ike_put_sk(&w, FP_IKE_PL_IDI, NULL, 32);
	fp_ike_put_raw(&w, FP_IKE_PL_NONCE, false, v.b, 16);
	assert_int_equal(fp_ike_wr_finish(&w), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_request),
		cmocka_unit_test(test_init_response),
		cmocka_unit_test(test_init_default_offer),
		cmocka_unit_test(test_cookie_and_invalid_ke),
		cmocka_unit_test(test_encrypted_outer),
		cmocka_unit_test(test_auth_request_inner),
		cmocka_unit_test(test_child_and_delete_inner),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_hostile_table),
		cmocka_unit_test(test_hostile_bodies),
		cmocka_unit_test(test_hostile_fragments),
		cmocka_unit_test(test_hostile_many_payloads),
		cmocka_unit_test(test_writer_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
