/* ESP inbound, RFC 4303 §3.4, over a vector of classified packets.
 *
 * Per run of packets on one SA: prepare (bounds, anti-replay check, crypto
 * op), one burst decrypt, then finish (replay commit only after the ICV
 * verified, trailer, inner packet, selectors). Every failure is counted by
 * fp_pipe_drop() under its reason; nothing is allocated. */
#include <string.h>

#include "common/inet.h"
#include "offload/esp.h"
#include "offload/pipe.h"
#include "offload/sadb.h"

static void inb_aead_aad(struct fp_pipe *pp, const struct fp_sa *sa, struct fp_crypto_op *op,
			 const uint8_t *esp, uint16_t k)
{
	if (!sa->sa_esn) {
		op->aad = esp;
		op->aad_len = FP_ESP_HLEN;
		return;
	}
	uint8_t *aad = pp->scr->aad[k]; /* RFC 4106 §5: SPI | seq high | seq low */
	memcpy(aad, esp, 4);
	fp_put32(aad + 4, (uint32_t)(pp->scr->seq[k] >> 32));
	memcpy(aad + 8, esp + 4, 4);
	op->aad = aad;
	op->aad_len = 12;
}

/* With ESN the MAC also covers the high 32 bits, placed right after the
 * cipher text where the ICV was (RFC 4303 §2.2.1): save the ICV first. */
static void inb_hmac_region(struct fp_pipe *pp, const struct fp_sa *sa, struct fp_crypto_op *op,
			    uint8_t *esp, uint16_t k)
{
	op->auth = esp;
	op->auth_len = FP_ESP_HLEN + sa->sa_iv_len + op->data_len;
	if (!sa->sa_esn)
		return;
	memcpy(pp->scr->icv[k], op->icv, sa->sa_icv_len);
	fp_put32(op->icv, (uint32_t)(pp->scr->seq[k] >> 32));
	op->icv = pp->scr->icv[k];
	op->auth_len += 4;
}

static bool inb_prepare(struct fp_pipe *pp, struct fp_sa *sa, struct fp_pkt *p, uint16_t k,
			uint64_t pkts_room)
{
	struct fp_crypto_op *op = &pp->scr->ops[k];
	uint8_t *esp = p->data + p->esp_off;
	uint32_t esp_len = p->len - p->esp_off;
	uint32_t fixed = FP_ESP_HLEN + sa->sa_iv_len + sa->sa_icv_len;

	/* packets only: a packet's inner bytes are known once decrypted, so the
	 * byte limit holds per run inbound */
	if (sa->sa_expired || k >= pkts_room)
		return fp_pipe_drop(pp, sa, p, FP_DROP_SA_EXPIRED), false;
	if (esp_len < fixed + 2) /* at least pad length and next header */
		return fp_pipe_drop(pp, sa, p, FP_DROP_ESP_TRUNCATED), false;
	uint32_t ct_len = esp_len - fixed;
	if (ct_len % sa->sa_block)
		return fp_pipe_drop(pp, sa, p, FP_DROP_ESP_BAD_LENGTH), false;
	/* the high half comes from the committed top only: a packet whose ICV
	 * is not checked yet must not decide how its neighbours are read */
	switch (fp_replay_check(&sa->sa_replay, fp_get32(esp + 4), &pp->scr->seq[k])) {
	case FP_REPLAY_DUP:
		pp->st.anti_replay_drop++;
		return fp_pipe_drop(pp, sa, p, FP_DROP_REPLAY), false;
	case FP_REPLAY_OLD:
		pp->st.anti_replay_drop++;
		return fp_pipe_drop(pp, sa, p, FP_DROP_REPLAY_TOO_OLD), false;
	case FP_REPLAY_OK:
		break;
	}
	op->iv = esp + FP_ESP_HLEN;
	op->data = esp + FP_ESP_HLEN + sa->sa_iv_len;
	op->data_len = ct_len;
	op->icv = op->data + ct_len;
	op->status = FP_CRYPTO_OK;
	if (sa->sa_aead)
		inb_aead_aad(pp, sa, op, esp, k);
	else
		inb_hmac_region(pp, sa, op, esp, k);
	pp->st.in_decrypt_bytes += ct_len;
	pp->st.in_hash_bytes += sa->sa_aead ? op->aad_len + ct_len : op->auth_len;
	return true;
}

/* Trailer (RFC 4303 §2.4-2.6): pad length, next header, and padding that
 * must read 1, 2, 3, ... as the default padding scheme requires. */
static enum fp_drop inb_trailer(const uint8_t *pt, uint32_t ct_len, uint32_t *payload,
				uint8_t *nh)
{
	uint8_t pad = pt[ct_len - 2];
	*nh = pt[ct_len - 1];
	if ((uint32_t)pad + 2 > ct_len)
		return FP_DROP_BAD_PAD_LENGTH;
	*payload = ct_len - 2 - pad;
	const uint8_t *padding = pt + *payload;
	for (unsigned i = 0; i < pad; i++)
		if (padding[i] != i + 1)
			return FP_DROP_BAD_PADDING;
	return *nh == FP_IPPROTO_NONE ? FP_DROP_TFC_DUMMY : FP_DROP_NONE;
}

/* Tunnel mode: the payload is the inner packet; TFC padding after it
 * (RFC 4303 §2.7) is trimmed by trusting the inner IP length. */
static enum fp_drop inb_tunnel(struct fp_pkt *p, uint8_t *pt, uint32_t payload, uint8_t nh)
{
	if (nh != FP_IPPROTO_IPIP && nh != FP_IPPROTO_IPV6)
		return FP_DROP_BAD_NEXT_HEADER;
	uint32_t len = fp_esp_inner_len(pt, payload, nh == FP_IPPROTO_IPIP ? 4 : 6);
	if (!len)
		return FP_DROP_INNER_MALFORMED;
	p->data = pt;
	p->len = len;
	return FP_DROP_NONE;
}

/* Transport mode: the outer IP header moves up against the payload and
 * takes the next header as its protocol. IPv6 extension headers between
 * the fixed header and ESP are not supported. */
static enum fp_drop inb_transport(struct fp_sa *sa, struct fp_pkt *p, uint8_t *pt,
				  uint32_t payload, uint8_t nh)
{
	uint32_t hl = p->esp_off - (sa->sa_encap ? FP_UDP_HLEN : 0);
	bool v4 = sa->sa_outer_af == FP_AF_INET;
	if (!v4 && hl != FP_IPV6_HLEN)
		return FP_DROP_INNER_MALFORMED;
	uint8_t *h = memmove(pt - hl, p->data, hl);
	if (v4) {
		h[9] = nh;
		fp_put16(h + 2, (uint16_t)(hl + payload));
		fp_ipv4_csum_set(h);
	} else {
		h[6] = nh;
		fp_put16(h + 4, (uint16_t)payload);
	}
	p->data = h;
	p->len = hl + payload;
	return FP_DROP_NONE;
}

/* Commit after the ICV verified. A packet that passed the check can
 * still fail here when an earlier packet of the same burst took its number
 * or moved the window past it. */
static inline enum fp_drop inb_commit(struct fp_sa *sa, uint64_t seq)
{
	switch (fp_replay_commit(&sa->sa_replay, seq)) {
	case FP_REPLAY_DUP:
		return FP_DROP_REPLAY;
	case FP_REPLAY_OLD:
		return FP_DROP_REPLAY_TOO_OLD;
	default:
		return FP_DROP_NONE;
	}
}

/* Inbound: from the remote selector to the local one. */
static inline bool inb_selector(const struct fp_sa *sa, const struct fp_pkt *p)
{
	if (sa->sa_sel_v4 && (p->data[0] >> 4) == 4) {
		uint32_t src = fp_get32(p->data + 12), dst = fp_get32(p->data + 16);
		return (src & sa->sa_sel_mask[1]) == sa->sa_sel_net[1] &&
		       (dst & sa->sa_sel_mask[0]) == sa->sa_sel_net[0];
	}
	return fp_esp_selector_match(&sa->sa_p.sel, p->data, p->len, true);
}

static bool inb_finish(struct fp_pipe *pp, struct fp_sa *sa, struct fp_pkt *p, uint16_t k)
{
	struct fp_crypto_op *op = &pp->scr->ops[k];
	uint32_t payload;
	uint8_t nh;
	enum fp_drop why;

	if (op->status != FP_CRYPTO_OK && sa->sa_esn && !sa->sa_aead) /* put back the ICV's head */
		memcpy(op->data + op->data_len, pp->scr->icv[k], 4);
	if (op->status != FP_CRYPTO_OK)
		why = op->status == FP_CRYPTO_EAUTH ? FP_DROP_ICV_FAIL : FP_DROP_CRYPTO_ERROR;
	else
		why = inb_commit(sa, pp->scr->seq[k]);
	if (why == FP_DROP_NONE)
		why = inb_trailer(op->data, op->data_len, &payload, &nh);
	if (why == FP_DROP_NONE)
		why = sa->sa_mode == FP_SA_TUNNEL ? inb_tunnel(p, op->data, payload, nh)
						  : inb_transport(sa, p, op->data, payload, nh);
	if (why == FP_DROP_NONE && sa->sa_mode == FP_SA_TUNNEL) {
		pp->st.filtering_total++;
		if (!inb_selector(sa, p)) {
			pp->st.filtering_drop++;
			why = FP_DROP_SELECTOR_MISMATCH; /* ASA 402116 */
		}
	}
	if (why == FP_DROP_TFC_DUMMY)
		sa->sa_cnt.tfc++;
	if (why == FP_DROP_REPLAY || why == FP_DROP_REPLAY_TOO_OLD)
		pp->st.anti_replay_drop++;
	if (why != FP_DROP_NONE)
		return fp_pipe_drop(pp, sa, p, why), false;
	return true;
}

static void inb_run(struct fp_pipe *pp, uint32_t id, struct fp_pkt **pkts, uint16_t n)
{
	struct fp_sa *sa = fp_sadb_sa(pp->db, id);
	struct fp_pkt **mine = pp->scr->tmp;
	if (sa)
		fp_sa_clock(pp->db, id, pp->now_ns);
	uint64_t outer = 0, inner = 0, pkts_room = sa ? fp_sa_room(sa).pkts : 0;
	uint16_t k = 0, ok = 0;

	for (uint16_t i = 0; i < n; i++) {
		pp->st.in_bytes += pkts[i]->len;
		if (!sa)
			fp_pipe_drop(pp, NULL, pkts[i], FP_DROP_NO_SA);
		else if (inb_prepare(pp, sa, pkts[i], k, pkts_room))
			mine[k++] = pkts[i];
	}
	if (!k)
		return;
	pp->st.in_decrypt_pkts += k;
	pp->st.in_hash_pkts += k;
	fp_crypto_decrypt(pp->ct, sa->sa_cs, pp->scr->ops, k);
	for (uint16_t i = 0; i < k; i++) {
		uint32_t outer_len = mine[i]->len;
		if (!inb_finish(pp, sa, mine[i], i))
			continue;
		sa->sa_cnt.reasm += (mine[i]->flags & FP_PKT_F_REASM) != 0;
		outer += outer_len;
		inner += mine[i]->len;
		ok++;
	}
	sa->sa_cnt.outer_bytes += outer;
	sa->sa_cnt.last_used_ns = pp->now_ns;
	sa->sa_cnt.soft_pkts += pp->software ? ok : 0;
	pp->st.ib_success += ok;
	fp_sa_account(pp->db, id, ok, inner);
}

uint16_t fp_esp_inb_process(struct fp_pipe *pp, struct fp_pkt **pkts, uint16_t n)
{
	pp->st.ib_process += n;
	pp->st.in_pkts += n;
	return fp_esp_runs(pp, pkts, n, inb_run);
}
