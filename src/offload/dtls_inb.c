/* DTLS inbound (RFC 6347 §4.1, §4.1.2.6): records of classified datagrams.
 *
 * Per run of packets on one rule: prepare (header, what to punt, epoch,
 * anti-replay check, crypto op), one burst open for AES-GCM (CBC opens
 * each record in turn), then finish (replay commit only once the record
 * verified, AnyConnect header, inner packet). Application data of the
 * rule's epoch stays here; everything the SSL object must see (handshake,
 * change_cipher_spec, other epochs) is punted as it came; alerts and
 * AnyConnect control frames are punted verified and decrypted. */
#include <string.h>

#include "offload/dtls_db.h"
#include "offload/esp.h"

int fp_dtls_hdr_parse(const uint8_t *rec, uint32_t len, struct fp_dtls_hdr *h)
{
	if (len < FP_DTLS_HLEN)
		return -1;
	h->type = rec[0];
	h->version = fp_get16(rec + 1);
	h->epoch = fp_get16(rec + 3);
	h->seq = (uint64_t)fp_get16(rec + 5) << 32 | fp_get32(rec + 7);
	h->length = fp_get16(rec + 11);
	return FP_DTLS_HLEN + (uint32_t)h->length <= len ? 0 : -1;
}

/* What the engine does with a record before any crypto: NONE to open it
 * here, a punt reason, or a drop reason. */
static enum fp_drop inb_triage(const struct fp_dtls_rule *r, const struct fp_dtls_hdr *h,
			       uint32_t avail)
{
	if (h->type == FP_DTLS_CT_HANDSHAKE || h->type == FP_DTLS_CT_CCS)
		return FP_DROP_DTLS_HANDSHAKE;
	if (h->type != FP_DTLS_CT_APP && h->type != FP_DTLS_CT_ALERT)
		return FP_DROP_DTLS_BAD_HEADER;
	if (h->epoch != r->dr_epoch)
		return FP_DROP_DTLS_EPOCH;
	if (h->version != FP_DTLS_V12)
		return FP_DROP_DTLS_BAD_HEADER;
	if (FP_DTLS_HLEN + (uint32_t)h->length != avail) /* RFC 6347 §4.1.1: several may share one */
		return FP_DROP_DTLS_MULTI_RECORD;
	return FP_DROP_NONE;
}

static bool inb_is_punt(enum fp_drop why)
{
	return why == FP_DROP_DTLS_HANDSHAKE || why == FP_DROP_DTLS_EPOCH ||
	       why == FP_DROP_DTLS_MULTI_RECORD;
}

static enum fp_drop inb_replay_why(enum fp_replay_verdict v)
{
	switch (v) {
	case FP_REPLAY_DUP:
		return FP_DROP_DTLS_REPLAY;
	case FP_REPLAY_OLD:
		return FP_DROP_DTLS_REPLAY_TOO_OLD;
	default:
		return FP_DROP_NONE;
	}
}

/* The fragment's layout: AEAD nonce || cipher text || tag; CBC IV ||
 * whole blocks (MAC and padding are checked inside). */
static enum fp_drop inb_layout(struct fp_dtlsdb *db, const struct fp_dtls_rule *r,
			       uint8_t *rec, const struct fp_dtls_hdr *h, uint16_t k)
{
	struct fp_crypto_op *op = &db->db_scr->ops[k];
	uint8_t *aad = db->db_scr->aad[k];
	uint32_t frag = h->length;

	if (frag < r->dr_ovh + (r->dr_aead ? 0 : FP_MTE_BLOCK))
		return FP_DROP_DTLS_TRUNCATED;
	if (!r->dr_aead && (frag - FP_MTE_IV_LEN) % FP_MTE_BLOCK)
		return FP_DROP_DTLS_BAD_LENGTH;
	op->iv = rec + FP_DTLS_HLEN;
	op->data = rec + FP_DTLS_HLEN + (r->dr_aead ? FP_DTLS_AEAD_NONCE : FP_MTE_IV_LEN);
	op->data_len = frag - r->dr_ovh;
	op->icv = op->data + op->data_len;
	op->status = FP_CRYPTO_OK;
	memcpy(aad, rec + 3, 8);
	aad[8] = h->type;
	fp_put16(aad + 9, h->version);
	fp_put16(aad + 11, (uint16_t)op->data_len); /* AEAD: the plaintext's length */
	op->aad = aad;
	op->aad_len = FP_DTLS_AAD_LEN;
	return FP_DROP_NONE;
}

static bool inb_prepare(struct fp_pipe *pp, struct fp_dtlsdb *db, struct fp_dtls_rule *r,
			struct fp_pkt *p, uint16_t k)
{
	struct fp_dtls_hdr h;
	uint8_t *rec = p->data + p->esp_off;
	uint32_t avail = p->len > p->esp_off ? p->len - p->esp_off : 0;
	enum fp_drop why;

	r->dr_cnt.pkts_in++;
	r->dr_cnt.bytes_in += avail;
	db->db_st.in_byte_count += avail;
	why = fp_dtls_hdr_parse(rec, avail, &h) < 0 ? FP_DROP_DTLS_TRUNCATED : inb_triage(r, &h, avail);
	if (why == FP_DROP_DTLS_HANDSHAKE)
		db->db_st.handshake_in_pkt++;
	if (inb_is_punt(why))
		return fp_dtls_punt(pp, r, p, why), false;
	if (why == FP_DROP_NONE)
		why = inb_replay_why(fp_replay_test(&r->dr_replay, h.seq + 1));
	if (why == FP_DROP_NONE)
		why = inb_layout(db, r, rec, &h, k);
	if (why == FP_DROP_DTLS_REPLAY || why == FP_DROP_DTLS_REPLAY_TOO_OLD) {
		r->dr_cnt.replay_fail++;
		db->db_st.anti_drop_cnt++;
	}
	if (why != FP_DROP_NONE)
		return fp_dtls_drop(pp, r, p, why), false;
	db->db_scr->idx[k] = h.seq + 1;
	db->db_scr->type[k] = h.type;
	return true;
}

static void inb_open(struct fp_pipe *pp, struct fp_dtlsdb *db, struct fp_dtls_rule *r,
		     uint16_t k)
{
	struct fp_crypto_op *ops = db->db_scr->ops;

	if (r->dr_aead) {
		fp_crypto_decrypt(pp->ct, r->dr_rx_cs, ops, k);
		for (uint16_t i = 0; i < k; i++)
			db->db_scr->inner_len[i] = ops[i].data_len;
		return;
	}
	for (uint16_t i = 0; i < k; i++)
		ops[i].status = fp_mte_open(r->dr_rx_mte, db->db_scr->aad[i], ops[i].data,
					    ops[i].data_len, &db->db_scr->inner_len[i]);
}

static enum fp_drop inb_commit(struct fp_dtls_rule *r, const struct fp_crypto_op *op,
			       uint64_t idx)
{
	if (op->status == FP_CRYPTO_EAUTH || op->status == FP_CRYPTO_EINVAL)
		return FP_DROP_DTLS_AUTH_FAIL;
	if (op->status != FP_CRYPTO_OK)
		return FP_DROP_CRYPTO_ERROR;
	/* again: a duplicate within the burst */
	return inb_replay_why(fp_replay_commit(&r->dr_replay, idx));
}

/* The client may only send from the addresses the pool gave it. */
static bool inb_inner_src_ok(const struct fp_dtls_rule *r, const uint8_t *ip)
{
	uint8_t version = ip[0] >> 4;
	if (r->dr_inner_af == FP_AF_NONE)
		return true;
	if (version == 6 && r->dr_inner6_set)
		return !memcmp(ip + 8, r->dr_inner6, 16);
	if (version != r->dr_inner_af)
		return false;
	return version == 4 ? !memcmp(ip + 12, r->dr_inner, 4) : !memcmp(ip + 8, r->dr_inner, 16);
}

/* AnyConnect DATA: the inner IP packet, trimmed to its own length. */
static enum fp_drop inb_data(struct fp_dtls_rule *r, struct fp_pkt *p, uint8_t *pt, uint32_t len)
{
	uint8_t *ip = pt + 1;
	uint32_t ilen = len - 1;
	uint8_t version = ilen ? ip[0] >> 4 : 0;
	uint32_t tot = version == 4 || version == 6 ? fp_esp_inner_len(ip, ilen, version) : 0;
	if (!tot)
		return FP_DROP_DTLS_INNER_MALFORMED;
	if (!inb_inner_src_ok(r, ip))
		return FP_DROP_DTLS_INNER_SPOOF;
	p->data = ip;
	p->len = tot;
	r->dr_cnt.data_in++;
	r->dr_cnt.inner_bytes_in += tot;
	return FP_DROP_NONE;
}

static void inb_finish(struct fp_pipe *pp, struct fp_dtlsdb *db, struct fp_dtls_rule *r,
		       struct fp_pkt *p, uint16_t k)
{
	const struct fp_crypto_op *op = &db->db_scr->ops[k];
	uint32_t len = db->db_scr->inner_len[k];
	enum fp_drop why = inb_commit(r, op, db->db_scr->idx[k]);

	if (why == FP_DROP_DTLS_AUTH_FAIL)
		r->dr_cnt.rcv_fail++;
	if (why == FP_DROP_DTLS_REPLAY || why == FP_DROP_DTLS_REPLAY_TOO_OLD) {
		r->dr_cnt.replay_fail++;
		db->db_st.anti_drop_cnt++;
	}
	if (why != FP_DROP_NONE)
		return fp_dtls_drop(pp, r, p, why);
	r->dr_cnt.pkts_decrypt++;
	if (db->db_scr->type[k] == FP_DTLS_CT_ALERT || (len && op->data[0] != FP_AC_DATA)) {
		bool alert = db->db_scr->type[k] == FP_DTLS_CT_ALERT;
		p->data = op->data;
		p->len = len;
		r->dr_cnt.alerts_in += alert;
		r->dr_cnt.ctrl_in += !alert;
		db->db_st.rx_alert += alert;
		db->db_st.control_in_pkt += !alert;
		return fp_dtls_punt(pp, r, p, alert ? FP_DROP_DTLS_RX_ALERT : FP_DROP_DTLS_CONTROL_IN);
	}
	why = len ? inb_data(r, p, op->data, len) : FP_DROP_DTLS_BAD_LENGTH;
	if (why != FP_DROP_NONE)
		fp_dtls_drop(pp, r, p, why);
}

static void inb_run(struct fp_pipe *pp, struct fp_dtlsdb *db, uint32_t id, struct fp_pkt **pkts,
		    uint16_t n)
{
	struct fp_dtls_rule *r = fp_dtls_rule_get(db, id);
	struct fp_pkt **mine = db->db_scr->tmp;
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (!r)
			fp_dtls_drop(pp, NULL, pkts[i], FP_DROP_DTLS_NO_RULE);
		else if (inb_prepare(pp, db, r, pkts[i], k))
			mine[k++] = pkts[i];
	}
	if (!k)
		return;
	inb_open(pp, db, r, k);
	for (uint16_t i = 0; i < k; i++)
		inb_finish(pp, db, r, mine[i], i);
}

uint16_t fp_dtls_inb_process(struct fp_pipe *pp, struct fp_dtlsdb *db, struct fp_pkt **pkts,
			     uint16_t n)
{
	db->db_st.ib_pkt_process += n;
	db->db_st.in_pkt_count += n;
	uint16_t good = fp_dtls_runs(pp, db, pkts, n, inb_run);
	uint16_t dropped = 0;
	for (uint16_t i = good; i < n; i++)
		dropped += !(pkts[i]->flags & FP_PKT_F_PUNT);
	db->db_st.ib_pkt_success += good;
	db->db_st.in_drop_pkt_count += dropped;
	return good;
}
