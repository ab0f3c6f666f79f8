/* libFuzzer target: the DTLS record parser and inbound path (dtls_inb.c,
 * dtls_classify.c, crypto/tls_mte.c). The first input byte picks how the
 * rest is used:
 *   bit 3 set: the rest is a whole outer IP packet, classified as it came;
 *   else bits 0-1: 0 / 1: the rest is a UDP payload from the client of the
 *         AES-GCM / AES-CBC-SHA1 rule; 2 / 3: the rest is a record's plain
 *         text, sealed with that rule's real keys under the next sequence
 *         number (bit 2: as an alert), so the fuzzer reaches what runs
 *         after the tag or MAC: AnyConnect header, inner packet, alerts.
 * Every packet must end good, dropped with a reason, or punted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/inet.h"
#include "crypto/tls_mte.h"
#include "offload/dtls.h"
#include "offload/pipe.h"
#include "dtls_keys.h"

#define PORT_GCM 50001
#define PORT_CBC 50002

static struct fp_pipe pipe;
static struct fp_dtlsdb *db;
static struct fp_crypto_sa *seal_gcm;
static struct fp_mte *seal_cbc;
static struct fp_pkt *pkt;
static uint64_t seq;

static void rule_add(uint16_t port, enum fp_cipher c, enum fp_integ i)
{
	struct fp_dtls_params p;
	uint32_t id;
	const char *err;

	memset(&p, 0, sizeof(p));
	fp_addr_parse(&p.local, "203.0.113.5");
	fp_addr_parse(&p.remote, "198.51.100.6");
	fp_addr_parse(&p.inner, "198.18.41.100");
	p.local_port = 443;
	p.remote_port = port;
	p.epoch = 1;
	p.seq_out = 1;
	fuzz_dtls_keys(&p.keys, c, i);
	if (fp_dtls_install(db, &p, &id, &err) < 0)
		abort();
}

static void setup(void)
{
	const char *err;
	uint8_t key[36];

	if (fp_pipe_init(&pipe, 0, false, 4, FP_CRYPTO_AUTO) < 0)
		abort();
	db = fp_dtlsdb_new(4, FP_CRYPTO_AUTO);
	if (!db)
		abort();
	rule_add(PORT_GCM, FP_CIPHER_AES_GCM_128, FP_INTEG_NONE);
	rule_add(PORT_CBC, FP_CIPHER_AES_CBC_128, FP_INTEG_HMAC_SHA1_96);
	struct fp_crypto_key k = { .cipher = FP_CIPHER_AES_GCM_128, .ckey_len = 20 };
	memset(k.ckey, 0x11, 16);
	memset(k.ckey + 16, 0x22, 4);
	seal_gcm = fp_crypto_sa_new(&k, FP_CRYPTO_AUTO, &err);
	memset(key, 0x11, sizeof(key));
	uint8_t mac[48];
	memset(mac, 0x33, sizeof(mac));
	seal_cbc = fp_mte_new(FP_CIPHER_AES_CBC_128, FP_INTEG_HMAC_SHA1_96, key, mac, &err);
	pkt = aligned_alloc(64, sizeof(*pkt));
	if (!seal_gcm || !seal_cbc || !pkt)
		abort();
}

/* IPv4 + UDP from the client's port to 443, around len bytes at d. */
static uint8_t *wrap(uint16_t port, uint32_t len)
{
	uint8_t *h = fp_pkt_put(pkt, 28 + len);
	memset(h, 0, 28);
	h[0] = 0x45, h[8] = 64, h[9] = FP_IPPROTO_UDP;
	fp_put16(h + 2, (uint16_t)(28 + len));
	h[12] = 198, h[13] = 51, h[14] = 100, h[15] = 6;
	h[16] = 203, h[17] = 0, h[18] = 113, h[19] = 5;
	fp_put16(h + 20, port);
	fp_put16(h + 22, 443);
	fp_put16(h + 24, (uint16_t)(8 + len));
	return h + 28;
}

static void rec_header(uint8_t *rec, uint8_t type, uint32_t frag)
{
	rec[0] = type;
	fp_put16(rec + 1, FP_DTLS_V12);
	fp_put16(rec + 3, 1);
	fp_put16(rec + 5, (uint16_t)(seq >> 32));
	fp_put32(rec + 7, (uint32_t)seq);
	fp_put16(rec + 11, (uint16_t)frag);
}

static void aad_fill(uint8_t *aad, const uint8_t *rec, uint32_t len)
{
	memcpy(aad, rec + 3, 8);
	aad[8] = rec[0];
	fp_put16(aad + 9, FP_DTLS_V12);
	fp_put16(aad + 11, (uint16_t)len);
}

static void seal_gcm_rec(const uint8_t *pt, uint32_t len, uint8_t type)
{
	uint8_t *rec = wrap(PORT_GCM, 13 + 8 + len + 16), aad[13];
	struct fp_crypto_op op;
	rec_header(rec, type, 8 + len + 16);
	memcpy(rec + 13, rec + 3, 8);
	memcpy(rec + 21, pt, len);
	aad_fill(aad, rec, len);
	memset(&op, 0, sizeof(op));
	op.iv = rec + 13;
	op.aad = aad;
	op.aad_len = 13;
	op.data = rec + 21;
	op.data_len = len;
	op.icv = rec + 21 + len;
	fp_crypto_encrypt(pipe.ct, seal_gcm, &op, 1);
}

static void seal_cbc_rec(const uint8_t *pt, uint32_t len, uint8_t type)
{
	uint32_t frag = fp_mte_record_len(seal_cbc, len);
	uint8_t *rec = wrap(PORT_CBC, 13 + frag), aad[13], iv[16] = { 7 };
	rec_header(rec, type, frag);
	memcpy(rec + 29, pt, len);
	aad_fill(aad, rec, len);
	fp_mte_seal(seal_cbc, aad, iv, rec + 29, len);
}

static void build(const uint8_t *data, size_t size)
{
	uint8_t mode = data[0];
	data++, size--;
	if (mode & 8) {
		memcpy(fp_pkt_put(pkt, (uint32_t)size), data, size);
		return;
	}
	if (!(mode & 2)) {
		memcpy(wrap(mode & 1 ? PORT_CBC : PORT_GCM, (uint32_t)size), data, size);
		return;
	}
	seq++;
	uint8_t type = mode & 4 ? FP_DTLS_CT_ALERT : FP_DTLS_CT_APP;
	if (mode & 1)
		seal_cbc_rec(data, (uint32_t)size, type);
	else
		seal_gcm_rec(data, (uint32_t)size, type);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!pkt)
		setup();
	if (size < 1 || size > 8000)
		return 0;
	fp_pkt_reset(pkt);
	build(data, size);
	uint64_t drops = pipe.st.drop_pkts, punts = pipe.st.punts;
	if (fp_dtls_classify(db, &pkt, 1) != 1)
		return 0; /* not ours: the slow path's */
	uint16_t good = fp_dtls_inb_process(&pipe, db, &pkt, 1);
	if (good + (pipe.st.drop_pkts - drops) + (pipe.st.punts - punts) != 1)
		abort();
	if (!good && pkt->drop == FP_DROP_NONE)
		abort();
	if (pkt->data < pkt->buf || pkt->data + pkt->len > pkt->buf + FP_PKT_BUF_SIZE)
		abort();
	return 0;
}
