/* NAT traversal for IKE (RFC 7296 2.23, RFC 3948): the NAT_DETECTION
 * hashes both ways, the "NAT seen" flags, the move to UDP 4500 after
 * IKE_SA_INIT, and the ESP-in-UDP ports the child gets. charon with
 * encap = yes sends a random NATD_S_IP, so against it both sides float. */
#include <string.h>

#include <openssl/evp.h>

#include "common/inet.h"
#include "ike/ike_build.h"
#include "ike/ike_sa.h"

void fp_ike_natd_hash(const uint8_t *spi_i, const uint8_t *spi_r, const struct fp_addr *a,
		      uint16_t port, uint8_t out[FP_IKE_NATD_LEN])
{
	uint8_t in[2 * FP_IKE_SPI_LEN + 16 + 2];
	size_t alen = a->af == FP_AF_INET6 ? 16 : 4;
	unsigned olen = 0;

	memcpy(in, spi_i, FP_IKE_SPI_LEN);
	memcpy(in + FP_IKE_SPI_LEN, spi_r, FP_IKE_SPI_LEN);
	memcpy(in + 2 * FP_IKE_SPI_LEN, a->a, alen);
	fp_put16(in + 2 * FP_IKE_SPI_LEN + alen, port);
	if (!EVP_Digest(in, 2 * FP_IKE_SPI_LEN + alen + 2, out, &olen, EVP_sha1(), NULL))
		memset(out, 0, FP_IKE_NATD_LEN);
}

void fp_ike_natd_put(struct fp_ike_wr *w, const struct fp_ike_sarec *s, const uint8_t *spi_r)
{
	uint8_t h[FP_IKE_NATD_LEN];
	fp_ike_natd_hash(s->s_spi_i, spi_r, &s->s_local, s->s_lport, h);
	fp_ike_put_status(w, FP_IKE_N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	fp_ike_natd_hash(s->s_spi_i, spi_r, &s->s_remote, s->s_rport, h);
	fp_ike_put_status(w, FP_IKE_N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
}

/* Whether any notify of type carries hash h (several NATD_S_IP may come). */
static bool natd_any(const struct fp_ike_chain *c, uint16_t type, const uint8_t *h, bool *seen)
{
	unsigned at = 0;
	const struct fp_ike_pl *pl;
	while ((pl = fp_ike_chain_find(c, FP_IKE_PL_NOTIFY, &at))) {
		struct fp_ike_notify n;
		if (fp_ike_notify_parse(pl, &n) != FP_IKE_E_OK || n.n_type != type)
			continue;
		*seen = true;
		if (n.n_len == FP_IKE_NATD_LEN && !memcmp(n.n_data, h, FP_IKE_NATD_LEN))
			return true;
	}
	return false;
}

void fp_ike_natd_check(struct fp_ike *ike, struct fp_ike_sarec *s, const struct fp_ike_chain *c,
		       const struct fp_ike_dgram *d)
{
	static const uint8_t zero[FP_IKE_SPI_LEN];
	/* in the request the responder's SPI was still zero */
	const uint8_t *spi_r = s->s_initiator ? s->s_spi_r : zero;
	uint8_t h[FP_IKE_NATD_LEN];
	bool src_seen = false, dst_seen = false;

	fp_ike_natd_hash(s->s_spi_i, spi_r, &d->remote, d->rport, h);
	bool src_ok = natd_any(c, FP_IKE_N_NAT_DETECTION_SOURCE_IP, h, &src_seen);
	fp_ike_natd_hash(s->s_spi_i, spi_r, &d->local, d->lport, h);
	bool dst_ok = natd_any(c, FP_IKE_N_NAT_DETECTION_DESTINATION_IP, h, &dst_seen);
	s->s_nat_remote = src_seen && !src_ok;
	s->s_nat_local = dst_seen && !dst_ok;
	if (s->s_nat_remote || s->s_nat_local)
		fp_ike_dbg(ike, 4, "(%llu): NAT detected:%s%s",
			   (unsigned long long)s->s_id, s->s_nat_local ? " local" : "",
			   s->s_nat_remote ? " remote" : "");
}

void fp_ike_natt_float(struct fp_ike_sarec *s)
{
	if (!s->s_nat_local && !s->s_nat_remote)
		return;
	s->s_lport = FP_IKE_NATT_PORT;
	s->s_rport = FP_IKE_NATT_PORT;
}

void fp_ike_natt_child_ports(const struct fp_ike_sarec *s, uint16_t *sport, uint16_t *dport)
{
	bool nat = s->s_nat_local || s->s_nat_remote;
	*sport = nat ? s->s_lport : 0;
	*dport = nat ? s->s_rport : 0;
}

static bool natt_same(const struct fp_ike_sarec *s, const struct fp_ike_dgram *d)
{
	return !memcmp(&s->s_remote, &d->remote, sizeof(d->remote)) && s->s_rport == d->rport &&
	       !memcmp(&s->s_local, &d->local, sizeof(d->local)) && s->s_lport == d->lport;
}

void fp_ike_natt_peer_moved(struct fp_ike *ike, struct fp_ike_sarec *s,
			    const struct fp_ike_dgram *d)
{
	char was[FP_ADDR_STRLEN], now[FP_ADDR_STRLEN];
	if (natt_same(s, d))
		return;
	bool moved = memcmp(&s->s_remote, &d->remote, sizeof(d->remote)) || s->s_rport != d->rport;
	/* the move to 4500 after IKE_SA_INIT is NAT-T's own, not a new mapping */
	bool to_4500 = s->s_rport == FP_IKE_PORT && d->lport == FP_IKE_NATT_PORT &&
		       !memcmp(&s->s_remote, &d->remote, sizeof(d->remote));
	if (to_4500)
		fp_ike_dbg(ike, 4, "(%llu): on %u now (NAT-T)", (unsigned long long)s->s_id, d->rport);
	else if (moved)
		fp_ike_dbg(ike, 1, "(%llu): peer moved from %s:%u to %s:%u%s",
			   (unsigned long long)s->s_id, fp_ike_addr_str(&s->s_remote, was), s->s_rport,
			   fp_ike_addr_str(&d->remote, now), d->rport,
			   s->s_nat_remote ? " (its NAT mapping changed): the SAs follow" : "");
	s->s_local = d->local;
	s->s_remote = d->remote;
	s->s_lport = d->lport;
	s->s_rport = d->rport;
	/* without a NAT in front of the peer its ESP is not in UDP, and an
	 * address change is MOBIKE's, which is not negotiated */
	if (!moved || !s->s_nat_remote || !ike->env.child_moved)
		return;
	for (unsigned i = 0; i < FP_IKE_MAX_CHILDREN; i++)
		if (s->s_ch[i].c_state != FP_IKE_CH_FREE)
			ike->env.child_moved(ike->env.ctx, s->s_ch[i].c_handle, &s->s_remote,
					     s->s_rport);
}

void fp_ike_natt_keepalive(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns)
{
	static const uint8_t ka = FP_IKE_NATT_KEEPALIVE;
	if (!s->s_nat_local || s->s_state != FP_IKE_S_READY)
		return;
	if (!s->s_ka_ns)
		s->s_ka_ns = now_ns + FP_IKE_NATT_KEEPALIVE_NS;
	if (now_ns < s->s_ka_ns)
		return;
	s->s_ka_ns = now_ns + FP_IKE_NATT_KEEPALIVE_NS;
	fp_ike_dbg(ike, 4, "(%llu): NAT-T keepalive", (unsigned long long)s->s_id);
	fp_ike_send_raw(ike, s, &ka, 1);
}
