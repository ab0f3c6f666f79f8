/* DTLS outbound (RFC 6347 §4.1, RFC 5246 §6.2.3): packets of one rule
 * become records under its next sequence numbers, then UDP datagrams to
 * the client. Per run: prepare (payload, AnyConnect header, record header,
 * nonce or IV, outer header), one burst seal for AES-GCM (CBC seals each
 * record as it is prepared), then finish (IPv6 UDP checksum, counters). */
#include <string.h>

#include "offload/dtls_db.h"
#include "offload/esp.h"

void fp_dtls_hdr_template(struct fp_dtls_rule *r, uint8_t ttl)
{
	const struct fp_dtls_tuple *t = &r->dr_tuple;
	uint8_t *h = r->dr_hdr, *u;

	memset(r->dr_hdr, 0, sizeof(r->dr_hdr));
	ttl = ttl ? ttl : 64;
	if (r->dr_af == FP_AF_INET) {
		h[0] = 0x45;
		h[8] = ttl;
		h[9] = FP_IPPROTO_UDP;
		memcpy(h + 12, t->t_local, 4);
		memcpy(h + 16, t->t_remote, 4);
		u = h + FP_IPV4_HLEN;
	} else {
		h[0] = 0x60;
		h[6] = FP_IPPROTO_UDP;
		h[7] = ttl;
		memcpy(h + 8, t->t_local, 16);
		memcpy(h + 24, t->t_remote, 16);
		u = h + FP_IPV6_HLEN;
	}
	fp_put16(u, t->t_lport);
	fp_put16(u + 2, t->t_rport);
	r->dr_hdr_len = (uint8_t)(u + FP_UDP_HLEN - h);
	r->dr_hdr_sum = fp_csum_partial(h, FP_IPV4_HLEN, 0);
}

/* Where the record goes, worked out from the payload's place. */
struct outb_rec {
	uint8_t *payload;   /* the record's plaintext: AnyConnect frame or alert */
	uint32_t plen;
	uint32_t inner;     /* inner IP bytes, 0 for control */
	uint8_t type;       /* content type */
	uint8_t *rec;       /* record header */
	uint32_t frag;      /* record length field */
	uint8_t *outer;
	uint32_t total;
};

/* A rehandshake's fragment (or libssl's alert during one): its content
 * type first, then the fragment. */
static enum fp_drop outb_hs(struct fp_pkt *p, struct outb_rec *o)
{
	if (p->len < 2 || (p->data[0] != FP_DTLS_CT_HANDSHAKE && p->data[0] != FP_DTLS_CT_CCS &&
			   p->data[0] != FP_DTLS_CT_ALERT))
		return FP_DROP_DTLS_BAD_LENGTH;
	o->type = p->data[0];
	o->payload = p->data + 1;
	o->plen = p->len - 1;
	return FP_DROP_NONE;
}

/* An inner IP packet gets AnyConnect's DATA byte in front; control frames
 * and alerts go as they are. */
static enum fp_drop outb_payload(struct fp_pkt *p, struct outb_rec *o)
{
	o->payload = p->data;
	o->plen = p->len;
	o->inner = 0;
	if (p->flags & FP_PKT_F_DTLS_HS)
		return outb_hs(p, o);
	o->type = (p->flags & FP_PKT_F_DTLS_ALERT) ? FP_DTLS_CT_ALERT : FP_DTLS_CT_APP;
	if (p->flags & FP_PKT_F_DTLS_ALERT)
		return p->len == 2 ? FP_DROP_NONE : FP_DROP_DTLS_BAD_LENGTH;
	if (p->flags & FP_PKT_F_DTLS_CTRL)
		return p->len ? FP_DROP_NONE : FP_DROP_DTLS_BAD_LENGTH;
	uint8_t version = p->len ? p->data[0] >> 4 : 0;
	if (version != 4 && version != 6)
		return FP_DROP_NOT_IP;
	o->inner = fp_esp_inner_len(p->data, p->len, version);
	if (!o->inner || p->data == p->buf)
		return FP_DROP_IP_MALFORMED;
	o->payload = p->data - 1;
	o->payload[0] = FP_AC_DATA;
	o->plen = o->inner + 1;
	return FP_DROP_NONE;
}

static enum fp_drop outb_place(const struct fp_dtls_rule *r, const struct fp_pkt *p,
			       struct outb_rec *o)
{
	uint32_t lead = r->dr_aead ? FP_DTLS_AEAD_NONCE : FP_MTE_IV_LEN;
	o->frag = r->dr_aead ? FP_DTLS_AEAD_NONCE + o->plen + FP_DTLS_AEAD_TAG
			     : fp_mte_record_len(r->dr_tx_mte, o->plen);
	o->rec = o->payload - lead - FP_DTLS_HLEN;
	o->outer = o->rec - r->dr_hdr_len;
	o->total = r->dr_hdr_len + FP_DTLS_HLEN + o->frag;
	if (o->outer < p->buf || o->outer + o->total > p->buf + FP_PKT_BUF_SIZE ||
	    o->total > 65535)
		return FP_DROP_TOO_BIG;
	return FP_DROP_NONE;
}

/* type, version, epoch, 48-bit sequence number, length (RFC 6347 §4.1) */
static void outb_rec_header(const struct fp_dtls_rule *r, const struct outb_rec *o,
			    uint64_t seq)
{
	o->rec[0] = o->type;
	fp_put16(o->rec + 1, FP_DTLS_V12);
	fp_put16(o->rec + 3, r->dr_epoch);
	fp_put16(o->rec + 5, (uint16_t)(seq >> 32));
	fp_put32(o->rec + 7, (uint32_t)seq);
	fp_put16(o->rec + 11, (uint16_t)o->frag);
}

/* seq_num(8) type version [length]: the AEAD's AAD, the MAC's pseudo-header. */
static void outb_aad(const struct outb_rec *o, uint8_t *aad)
{
	memcpy(aad, o->rec + 3, 8);
	aad[8] = o->type;
	fp_put16(aad + 9, FP_DTLS_V12);
	fp_put16(aad + 11, (uint16_t)o->plen);
}

/* RFC 5288 §3: the explicit nonce is epoch || sequence number, unique
 * per key as long as sequence numbers never repeat. */
static void outb_seal_op(struct fp_dtlsdb *db, const struct outb_rec *o, uint16_t k)
{
	struct fp_crypto_op *op = &db->db_scr->ops[k];
	memcpy(o->rec + FP_DTLS_HLEN, o->rec + 3, FP_DTLS_AEAD_NONCE);
	outb_aad(o, db->db_scr->aad[k]);
	op->iv = o->rec + FP_DTLS_HLEN;
	op->aad = db->db_scr->aad[k];
	op->aad_len = FP_DTLS_AAD_LEN;
	op->data = o->payload;
	op->data_len = o->plen;
	op->icv = o->payload + o->plen;
	op->status = FP_CRYPTO_OK;
}

static void outb_seal_cbc(struct fp_pipe *pp, struct fp_dtlsdb *db, struct fp_dtls_rule *r,
			  const struct outb_rec *o, uint16_t k)
{
	uint8_t iv[FP_MTE_IV_LEN];
	fp_crypto_random(pp->ct, iv, sizeof(iv)); /* RFC 5246 §6.2.3.2: unpredictable */
	outb_aad(o, db->db_scr->aad[k]);
	db->db_scr->ops[k].status = fp_mte_seal(r->dr_tx_mte, db->db_scr->aad[k], iv, o->payload,
						o->plen);
}

/* The template, then lengths, identification and the checksum from the
 * template's sum (copies of a constant size: a variable one costs more
 * than the rest of the header). */
static void outb_outer(struct fp_dtls_rule *r, const struct outb_rec *o)
{
	uint8_t *h = o->outer;
	uint16_t total = (uint16_t)o->total;
	if (r->dr_af == FP_AF_INET) {
		uint16_t id = r->dr_ip_id++;
		memcpy(h, r->dr_hdr, FP_IPV4_HLEN + FP_UDP_HLEN);
		fp_put16(h + 2, total);
		fp_put16(h + 4, id);
		fp_put16(h + 10, fp_csum_fold(r->dr_hdr_sum + total + id));
		fp_put16(h + FP_IPV4_HLEN + 4, (uint16_t)(total - FP_IPV4_HLEN));
	} else {
		memcpy(h, r->dr_hdr, FP_IPV6_HLEN + FP_UDP_HLEN);
		fp_put16(h + 4, (uint16_t)(total - FP_IPV6_HLEN));
		fp_put16(h + FP_IPV6_HLEN + 4, (uint16_t)(total - FP_IPV6_HLEN));
	}
}

static bool outb_prepare(struct fp_pipe *pp, struct fp_dtlsdb *db, struct fp_dtls_rule *r,
			 struct fp_pkt *p, uint16_t k)
{
	struct outb_rec o;
	enum fp_drop why = FP_DROP_NONE;

	if (r->dr_seq_out > FP_DTLS_SEQ_MAX) /* RFC 6347 §4.1: never wrap; rehandshake */
		why = FP_DROP_DTLS_SEQ_EXHAUSTED;
	if (why == FP_DROP_NONE)
		why = outb_payload(p, &o);
	if (why == FP_DROP_NONE)
		why = outb_place(r, p, &o);
	if (why != FP_DROP_NONE)
		return fp_dtls_drop(pp, r, p, why), false;
	uint64_t seq = r->dr_seq_out++;
	outb_rec_header(r, &o, seq);
	if (r->dr_aead)
		outb_seal_op(db, &o, k);
	else
		outb_seal_cbc(pp, db, r, &o, k);
	outb_outer(r, &o);
	p->data = o.outer;
	p->len = o.total;
	db->db_scr->inner_len[k] = o.inner;
	db->db_scr->type[k] = (p->flags & FP_PKT_F_DTLS_SLOW) ? 1 : 0;
	return true;
}

static void outb_finish(struct fp_dtls_rule *r, struct fp_pkt *p, uint32_t inner, bool ctrl)
{
	if (r->dr_af == FP_AF_INET6) {
		uint8_t *u = p->data + FP_IPV6_HLEN;
		fp_put16(u + 6, fp_udp6_csum(p->data, u, p->len - FP_IPV6_HLEN));
	}
	r->dr_cnt.pkts_out++;
	r->dr_cnt.bytes_out += p->len - r->dr_hdr_len;
	r->dr_cnt.data_out += !ctrl;
	r->dr_cnt.ctrl_out += ctrl && !(p->flags & FP_PKT_F_DTLS_ALERT);
	r->dr_cnt.alerts_out += (p->flags & FP_PKT_F_DTLS_ALERT) != 0;
	r->dr_cnt.inner_bytes_out += inner;
}

/* A record of the next epoch, protected by libssl: the rule's outer
 * header in front, no sequence number taken (it has its own epoch's). */
static void outb_sealed(struct fp_pipe *pp, struct fp_dtlsdb *db, struct fp_dtls_rule *r,
			struct fp_pkt *p)
{
	struct outb_rec o = {.rec = p->data, .total = r->dr_hdr_len + p->len};
	o.outer = o.rec - r->dr_hdr_len;
	if (p->len < FP_DTLS_HLEN || o.outer < p->buf || o.total > 65535)
		return fp_dtls_drop(pp, r, p, p->len < FP_DTLS_HLEN ? FP_DROP_DTLS_BAD_LENGTH :
								       FP_DROP_TOO_BIG);
	outb_outer(r, &o);
	p->data = o.outer;
	p->len = o.total;
	outb_finish(r, p, 0, true);
	db->db_st.control_out_pkt++;
	db->db_st.out_byte_count += p->len;
	db->db_st.ob_pkt_success++;
	db->db_st.out_pkt_count++;
}

static void outb_run(struct fp_pipe *pp, struct fp_dtlsdb *db, uint32_t id, struct fp_pkt **pkts,
		     uint16_t n)
{
	struct fp_dtls_rule *r = fp_dtls_rule_get(db, id);
	struct fp_pkt **mine = db->db_scr->tmp;
	uint16_t k = 0, ok = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (!r)
			fp_dtls_drop(pp, NULL, pkts[i], FP_DROP_DTLS_NO_RULE);
		else if (pkts[i]->flags & FP_PKT_F_DTLS_SEALED)
			outb_sealed(pp, db, r, pkts[i]);
		else if (outb_prepare(pp, db, r, pkts[i], k))
			mine[k++] = pkts[i];
	}
	if (!k)
		return;
	if (r->dr_aead)
		fp_crypto_encrypt(pp->ct, r->dr_tx_cs, db->db_scr->ops, k);
	for (uint16_t i = 0; i < k; i++) {
		if (db->db_scr->ops[i].status != FP_CRYPTO_OK) {
			r->dr_cnt.send_fail++;
			fp_dtls_drop(pp, r, mine[i], FP_DROP_CRYPTO_ERROR);
			continue;
		}
		r->dr_cnt.pkts_encrypt++;
		outb_finish(r, mine[i], db->db_scr->inner_len[i], db->db_scr->type[i]);
		db->db_st.control_out_pkt += db->db_scr->type[i];
		db->db_st.out_byte_count += mine[i]->len;
		ok++;
	}
	db->db_st.ob_pkt_success += ok;
	db->db_st.out_pkt_count += ok;
}

uint16_t fp_dtls_outb_process(struct fp_pipe *pp, struct fp_dtlsdb *db, struct fp_pkt **pkts,
			      uint16_t n)
{
	db->db_st.ob_pkt_process += n;
	for (uint16_t j = 0; j < n; j++) {
		pkts[j]->drop = FP_DROP_NONE;
		pkts[j]->flags &= ~FP_PKT_F_PUNT;
	}
	uint16_t good = fp_dtls_runs(pp, db, pkts, n, outb_run);
	db->db_st.out_drop_pkt_count += (uint64_t)(n - good);
	return good;
}
