/* What the slow path does with a tunnel's packets that are too big for the
 * outside link once encrypted (frag.h): the engine punts them
 * (FP_DROP_PREFRAG) and they come here. IPv4 with DF clear is cut before
 * encryption and each piece goes through the tunnel's pipe like any inner
 * packet; anything else is answered with a PMTU message to its sender,
 * through the inside interface, telling the inner size that fits. With
 * crypto ipsec fragmentation after-encryption the tunnel is in the software
 * pipe, which sends its raw ESP packets cut to the link's MTU instead
 * (ESP in UDP is cut by the kernel's UDP socket). */
#include <stdlib.h>
#include <string.h>

#include "common/inet.h"
#include "datapath/frag.h"
#include "datapath/gateway.h"
#include "datapath/policy.h"

static unsigned io_alloc(const struct fp_gw_io *io, struct fp_pkt **out, unsigned n)
{
	if (io->alloc)
		return io->alloc(io->ctx, out, n);
	for (unsigned i = 0; i < n; i++) {
		if (!(out[i] = aligned_alloc(64, sizeof(struct fp_pkt))))
			return i;
		fp_pkt_reset(out[i]);
	}
	return n;
}

static void io_free(const struct fp_gw_io *io, struct fp_pkt **pkts, unsigned n)
{
	if (io->free)
		io->free(io->ctx, pkts, n);
	else
		for (unsigned i = 0; i < n; i++)
			free(pkts[i]);
}

/* The pieces nobody took: dropped on the way (and counted), or, offline,
 * already written out by emit. */
static void io_free_untaken(const struct fp_gw_io *io, struct fp_pkt **pkts, unsigned n)
{
	struct fp_pkt *left[FP_FRAG_MAX];
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++)
		if (!(pkts[i]->flags & FP_PKT_F_TAKEN))
			left[k++] = pkts[i];
	io_free(io, left, k);
}

/* n empty packets, or none */
static bool pieces_get(const struct fp_gw_io *io, struct fp_pkt **out, unsigned n)
{
	unsigned got = io_alloc(io, out, n);
	if (got == n)
		return true;
	io_free(io, out, got);
	return false;
}

static bool prefragment(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_gw_tunnel *t,
			struct fp_pkt *p, uint32_t room)
{
	struct fp_pkt *piece[FP_FRAG_MAX];
	unsigned n = fp_ipv4_frag_count(p, room);
	/* one piece would be the packet again: the SA's MTU and the tunnel's
	 * disagree (never, as they change together), and it would come back */
	if (n < 2 || !pieces_get(io, piece, n))
		return false;
	fp_ipv4_fragment(p, room, piece, n);
	for (unsigned i = 0; i < n; i++) /* the original passed the tunnel's vpn-filter */
		piece[i]->flags = FP_PKT_F_FILTERED;
	t->frag.frags_created += n;
	fp_gw_tunnel_send(gw, io, t, piece, (uint16_t)n);
	io_free_untaken(io, piece, n);
	return true;
}

/* The inside interface that leads back to src, else the first inside one
 * with an address of the family (the PMTU message's source). */
static const uint8_t *inside_addr(const struct fp_gw *gw, bool v4, const uint8_t *src)
{
	const uint8_t *first = NULL;
	uint8_t af = v4 ? FP_AF_INET : FP_AF_INET6;
	for (unsigned i = 0; i < gw->n_ifaces; i++) {
		const struct fp_prefix *ip = v4 ? &gw->ifaces[i].cfg->ip4 : &gw->ifaces[i].cfg->ip6;
		if (gw->ifaces[i].outside || ip->addr.af != af)
			continue;
		if (fp_prefix_match(ip, af, src))
			return ip->addr.a;
		if (!first)
			first = ip->addr.a;
	}
	return first;
}

/* From the inside interface's address, unless that is the sender itself
 * (a TUN inside: the host and the gateway share it, and the host's kernel
 * drops a packet from its own address as a martian); then from the
 * packet's destination, on the side where the packet could not go. */
static void pmtu_send(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_gw_tunnel *t,
		      struct fp_pkt *p, uint32_t room)
{
	bool v4 = (p->data[0] >> 4) == 4;
	const uint8_t *sender = p->data + (v4 ? 12 : 8), *dst = p->data + (v4 ? 16 : 24);
	const uint8_t *from = inside_addr(gw, v4, sender);
	uint8_t addr[16];
	if (from && memcmp(from, sender, v4 ? 4 : 16) == 0)
		from = dst;
	if (from) /* the builders write over the packet it points into */
		from = memcpy(addr, from, v4 ? 4 : 16);
	fp_gw_count_drop(gw, FP_DROP_DF_TOO_BIG);
	if (!from || !(v4 ? fp_icmp4_frag_needed(p, from, (uint16_t)room)
			  : fp_icmp6_too_big(p, from, room)))
		return;
	t->frag.pmtu_sent++;
	p->flags = 0;
	fp_gw_emit_routed(gw, io, p, true);
}

void fp_gw_too_big(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_pkt *p)
{
	struct fp_gw_tunnel *t = fp_policy_lookup(gw, p->data, p->len);
	uint32_t room = t ? fp_sa_inner_mtu(&t->out) : 0;
	p->flags &= ~(FP_PKT_F_PUNT | FP_PKT_F_OUTBOUND);
	p->drop = FP_DROP_NONE;
	if (!room) { /* the tunnel went, or its MTU leaves no room at all */
		fp_gw_drop(gw, p, FP_DROP_PREFRAG);
		return;
	}
	t->frag.prefrag_fail++; /* undone below when the pieces go */
	if ((p->data[0] >> 4) != 4 || (fp_get16(p->data + 6) & 0x4000)) {
		pmtu_send(gw, io, t, p, room);
	} else if (prefragment(gw, io, t, p, room)) {
		t->frag.prefrag_fail--;
		t->frag.prefrag_ok++; /* the original is released, not counted: its pieces went on */
	} else { /* no buffers, more than FP_FRAG_MAX pieces, bad options */
		fp_gw_drop(gw, p, FP_DROP_PREFRAG);
	}
}

bool fp_gw_post_frag(struct fp_gw *gw, const struct fp_gw_io *io, struct fp_gw_tunnel *t,
		     struct fp_pkt *p)
{
	const struct fp_gw_iface *ifc = &gw->ifaces[p->ifc];
	struct fp_pkt *piece[FP_FRAG_MAX];
	if (!ifc->post_frag || !ifc->mtu || p->len <= ifc->mtu || (p->data[0] >> 4) != 4 ||
	    p->data[9] != FP_IPPROTO_ESP)
		return false; /* fits, or ESP in UDP, or IPv6: the kernel's sockets cut those */
	unsigned n = fp_ipv4_frag_count(p, ifc->mtu);
	if (n < 2 || !pieces_get(io, piece, n)) {
		if (t)
			t->frag.postfrag_fail++;
		return false; /* sent whole: the link refuses it, counted as send-failed */
	}
	if (!fp_get16(p->data + 4)) /* the engine's first id: the kernel would give each piece its own */
		fp_put16(p->data + 4, 0x8000);
	fp_ipv4_fragment(p, ifc->mtu, piece, n);
	for (unsigned i = 0; i < n; i++)
		io->emit(io->ctx, p->ifc, piece[i]);
	io_free_untaken(io, piece, n);
	if (t) {
		t->frag.postfrag_ok++;
		t->frag.frags_created += n;
	}
	return true;
}
