/* IKE fragmentation (RFC 7383), both ways.
 *
 * Both sides announce IKEV2_FRAGMENTATION_SUPPORTED in IKE_SA_INIT (the
 * responder only when the initiator did); after that either may send an
 * encrypted message as SKF fragments, each sealed on its own (ike_sk.c).
 *
 * Sending: only a message larger than what fits one datagram of
 * "crypto ikev2 fragmentation mtu" (576 by default, the IP and UDP
 * headers and the NAT-T marker taken off) is fragmented; a smaller one
 * goes whole in SK. The fragments lie back to back in the buffer the
 * message-ID code keeps, so a retransmission resends every one.
 *
 * Receiving: one reassembly slot an SA, for the message ID the window
 * expects. A fragment is kept only after its ICV passed (the caller
 * opened it), at most FP_IKE_FRAG_MAX fragments and FP_IKE_FRAG_BYTES
 * bytes a message; a duplicate is dropped; a fragment with a larger
 * total than the slot's restarts it (the peer fragmented again smaller,
 * 2.6.2) and a smaller total is dropped. An incomplete message goes
 * after FP_IKE_FRAG_TIMEOUT_NS. Every drop is counted. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/inet.h"
#include "ike/ike_sa.h"

#define FRAG_IP4_UDP 28   /* IPv4 and UDP headers */
#define FRAG_IP6_UDP 48
#define FRAG_MARKER 4     /* the non-ESP marker on port 4500 */
#define FRAG_FIXED (FP_IKE_HDR_LEN + FP_IKE_GEN_HDR_LEN + 4) /* header, SKF header, numbers */

struct fp_ike_frag {
	uint32_t f_mid;
	bool f_response;
	uint8_t f_first;              /* the inner chain's first type (fragment 1's) */
	uint16_t f_total;
	uint32_t f_have;              /* bit n-1: fragment n kept */
	size_t f_bytes;
	uint64_t f_start_ns;
	uint8_t *f_piece[FP_IKE_FRAG_MAX];
	uint16_t f_len[FP_IKE_FRAG_MAX];
};

void fp_ike_frag_put_notify(struct fp_ike_wr *w)
{
	fp_ike_put_status(w, FP_IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
}

bool fp_ike_frag_offered(const struct fp_ike_chain *c)
{
	struct fp_ike_notify n;
	return fp_ike_find_notify(c, FP_IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, &n);
}

/* The bytes of one IKE datagram of s's path. */
static size_t frag_room(const struct fp_ike *ike, const struct fp_ike_sarec *s)
{
	size_t mtu = ike->frag_mtu ? ike->frag_mtu : FP_IKE_FRAG_MTU_DEFAULT;
	size_t hdr = s->s_remote.af == FP_AF_INET6 ? FRAG_IP6_UDP : FRAG_IP4_UDP;
	if (s->s_lport == FP_IKE_NATT_PORT || s->s_rport == FP_IKE_NATT_PORT)
		hdr += FRAG_MARKER;
	return mtu > hdr ? mtu - hdr : 0;
}

/* The most chain bytes one fragment carries in room bytes; 0 if none. */
static size_t frag_chunk(const struct fp_ike_sk_dir *sd, size_t room)
{
	if (room <= FRAG_FIXED)
		return 0;
	size_t c = room - FRAG_FIXED, body;
	while (c && (!(body = fp_ike_sk_body_len(sd, c, 0)) || body > room - FRAG_FIXED))
		c--;
	return c;
}

size_t fp_ike_frag_seal(struct fp_ike *ike, const struct fp_ike_sarec *s,
			const struct fp_ike_hdr *h, const struct fp_ike_sk_dir *sd, uint8_t first,
			const uint8_t *chain, size_t chain_len, size_t msg_len)
{
	size_t room = frag_room(ike, s), chunk = frag_chunk(sd, room);
	if (!s->s_frag || msg_len <= room || !chunk)
		return 0;
	size_t total = (chain_len + chunk - 1) / chunk, off = 0;
	if (total > UINT16_MAX)
		return 0;
	for (size_t i = 0; i < total; i++) {
		size_t n = i + 1 < total ? chunk : chain_len - i * chunk;
		struct fp_ike_wr w;
		fp_ike_wr_init(&w, ike->out + off, sizeof(ike->out) - off);
		fp_ike_put_hdr(&w, h);
		uint8_t *p = fp_ike_put_skf(&w, i ? 0 : first, (uint16_t)(i + 1), (uint16_t)total,
					    NULL, fp_ike_sk_body_len(sd, n, 0));
		long len = fp_ike_wr_finish(&w);
		if (!p || len < 0 ||
		    fp_ike_sk_seal(sd, ike->out + off, (size_t)len, (size_t)(p - (ike->out + off)),
				   chain + i * chunk, n, NULL) != FP_IKE_SK_E_OK)
			return 0; /* it goes whole, and the peer may still take it */
		off += (size_t)len;
	}
	ike->stats.frag_tx += total;
	ike->stats.frag_msg_tx++;
	return off;
}

void fp_ike_frag_drop(struct fp_ike_sarec *s)
{
	struct fp_ike_frag *r = s->s_frag_rx;
	if (!r)
		return;
	for (unsigned i = 0; i < FP_IKE_FRAG_MAX; i++)
		if (r->f_piece[i]) {
			OPENSSL_cleanse(r->f_piece[i], r->f_len[i]);
			free(r->f_piece[i]);
		}
	free(r);
	s->s_frag_rx = NULL;
}

void fp_ike_frag_tick(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns)
{
	if (s->s_frag_rx && now_ns - s->s_frag_rx->f_start_ns >= FP_IKE_FRAG_TIMEOUT_NS) {
		ike->stats.frag_timeout++;
		fp_ike_frag_drop(s);
	}
}

/* The slot for this fragment: kept, restarted or new; NULL to drop it. */
static struct fp_ike_frag *frag_slot(struct fp_ike *ike, struct fp_ike_sarec *s, uint32_t mid,
				     bool resp, uint16_t total)
{
	struct fp_ike_frag *r = s->s_frag_rx;
	if (r && r->f_mid == mid && r->f_response == resp && total < r->f_total) {
		ike->stats.frag_refused++;
		return NULL;
	}
	if (r && (r->f_mid != mid || r->f_response != resp || total > r->f_total))
		fp_ike_frag_drop(s);
	if (!s->s_frag_rx) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return NULL;
		r->f_mid = mid;
		r->f_response = resp;
		r->f_total = total;
		r->f_start_ns = ike->now_ns;
		s->s_frag_rx = r;
	}
	return s->s_frag_rx;
}

/* Every fragment in: the chain joined on the heap, the slot gone. */
static bool frag_join(struct fp_ike *ike, struct fp_ike_sarec *s, uint8_t **buf, size_t *len,
		      uint8_t *first)
{
	struct fp_ike_frag *r = s->s_frag_rx;
	uint8_t *b = malloc(r->f_bytes ? r->f_bytes : 1);
	size_t off = 0;
	for (unsigned i = 0; b && i < r->f_total; i++) {
		memcpy(b + off, r->f_piece[i], r->f_len[i]);
		off += r->f_len[i];
	}
	*first = r->f_first;
	fp_ike_frag_drop(s);
	if (!b)
		return false;
	*buf = b;
	*len = off;
	ike->stats.frag_msg_rx++;
	return true;
}

/* The piece of fragment num kept in r; false (slot dropped if too big). */
static bool frag_keep(struct fp_ike *ike, struct fp_ike_sarec *s, struct fp_ike_frag *r,
		      uint16_t num, const uint8_t *piece, size_t piece_len)
{
	if (r->f_bytes + piece_len > FP_IKE_FRAG_BYTES) {
		ike->stats.frag_refused++;
		fp_ike_frag_drop(s);
		return false;
	}
	/* an empty piece still marks its fragment as kept */
	r->f_piece[num - 1] = piece_len ? fp_ike_dup(piece, piece_len) : calloc(1, 1);
	if (!r->f_piece[num - 1])
		return false;
	r->f_len[num - 1] = (uint16_t)piece_len;
	r->f_bytes += piece_len;
	r->f_have |= 1u << (num - 1);
	return true;
}

bool fp_ike_frag_take(struct fp_ike *ike, struct fp_ike_sarec *s, const struct fp_ike_msg *m,
		      const uint8_t *piece, size_t piece_len, uint8_t **buf, size_t *len,
		      uint8_t *first)
{
	const struct fp_ike_pl *skf = m->m_chain.c_n ? &m->m_chain.c_pl[m->m_chain.c_n - 1] : NULL;
	struct fp_ike_skf f;
	if (!skf || fp_ike_skf_parse(skf, &f) != FP_IKE_E_OK)
		return false;
	ike->stats.frag_rx++;
	if (f.f_total > FP_IKE_FRAG_MAX || piece_len > FP_IKE_FRAG_BYTES) {
		ike->stats.frag_refused++;
		fp_ike_dbg(ike, 2, "(%llu): fragment %u of %u refused: more than %u "
				"fragments", (unsigned long long)s->s_id, f.f_num, f.f_total,
			   FP_IKE_FRAG_MAX);
		return false;
	}
	struct fp_ike_frag *r = frag_slot(ike, s, m->m_hdr.h_msgid,
					  m->m_hdr.h_flags & FP_IKE_FLAG_RESPONSE, f.f_total);
	if (r && (r->f_have & (1u << (f.f_num - 1)))) {
		ike->stats.frag_dup++;
		return false;
	}
	if (!r || !frag_keep(ike, s, r, f.f_num, piece, piece_len))
		return false;
	if (f.f_num == 1)
		r->f_first = skf->pl_next;
	if (r->f_have != (r->f_total == 32 ? UINT32_MAX : (1u << r->f_total) - 1))
		return false;
	return frag_join(ike, s, buf, len, first);
}
