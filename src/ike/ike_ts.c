/* Traffic selectors (RFC 7296 2.9, 3.13): a crypto map entry's selector
 * (one ACL permit: two prefixes, a protocol, ports) as TSi/TSr address
 * ranges, and back. As responder the proposal is narrowed to the first
 * tunnel that overlaps it, the way the ASA keeps one CHILD_SA per permit
 * entry: the result is our prefix when the peer's range covers it, or the
 * peer's when it is a prefix inside ours. As initiator the answer must be
 * a prefix inside what was offered. */
#include <string.h>

#include "ike/ike_sa.h"

static size_t ts_alen(uint8_t af)
{
	return af == FP_AF_INET6 ? 16 : 4;
}

/* Host bits of a prefix set (end) or clear (start). */
static void ts_bound(const struct fp_prefix *p, uint8_t *out, bool end)
{
	size_t n = ts_alen(p->addr.af);
	memcpy(out, p->addr.a, n);
	for (size_t i = 0; i < n; i++) {
		unsigned keep = p->len >= 8 * (i + 1) ? 8 : p->len > 8 * i ? p->len - 8 * i : 0;
		uint8_t host = (uint8_t)(0xffu >> keep);
		out[i] = end ? (uint8_t)(out[i] | host) : (uint8_t)(out[i] & ~host);
	}
}

void fp_ike_ts_from_prefix(struct fp_ike_tsp *tsp, const struct fp_prefix *p, uint8_t proto,
			   uint16_t port)
{
	struct fp_ike_ts *ts = &tsp->tsp_ts[0];
	memset(tsp, 0, sizeof(*tsp));
	tsp->tsp_n = 1;
	ts->ts_type = p->addr.af == FP_AF_INET6 ? FP_IKE_TS_IPV6_ADDR_RANGE
						: FP_IKE_TS_IPV4_ADDR_RANGE;
	ts->ts_proto = proto;
	ts->ts_sport = port;
	ts->ts_eport = port ? port : 0xffff;
	ts_bound(p, ts->ts_start, false);
	ts_bound(p, ts->ts_end, true);
}

/* The range as a prefix, if it is one. */
static bool ts_to_prefix(const struct fp_ike_ts *ts, struct fp_prefix *p)
{
	uint8_t af = ts->ts_type == FP_IKE_TS_IPV6_ADDR_RANGE ? FP_AF_INET6 : FP_AF_INET;
	size_t n = ts_alen(af);
	memset(p, 0, sizeof(*p));
	p->addr.af = af;
	memcpy(p->addr.a, ts->ts_start, n);
	for (unsigned len = 0; len <= 8 * n; len++) {
		uint8_t s[16], e[16];
		p->len = (uint8_t)len;
		ts_bound(p, s, false);
		ts_bound(p, e, true);
		if (!memcmp(s, ts->ts_start, n) && !memcmp(e, ts->ts_end, n))
			return true;
	}
	return false;
}

/* a inside b (as ranges, same family). */
static bool ts_inside(const uint8_t *as, const uint8_t *ae, const uint8_t *bs,
		      const uint8_t *be, size_t n)
{
	return memcmp(bs, as, n) <= 0 && memcmp(ae, be, n) <= 0;
}

/* One side: our prefix ours against the peer's range ts, narrowed into
 * *out; false if they do not nest. */
static bool ts_narrow_addr(const struct fp_prefix *ours, const struct fp_ike_ts *ts,
			   struct fp_prefix *out)
{
	uint8_t s[16], e[16];
	size_t n = ts_alen(ours->addr.af);
	uint8_t want = ours->addr.af == FP_AF_INET6 ? FP_IKE_TS_IPV6_ADDR_RANGE
						    : FP_IKE_TS_IPV4_ADDR_RANGE;
	if (ts->ts_type != want)
		return false;
	ts_bound(ours, s, false);
	ts_bound(ours, e, true);
	if (ts_inside(s, e, ts->ts_start, ts->ts_end, n)) {
		*out = *ours;
		return true;
	}
	return ts_inside(ts->ts_start, ts->ts_end, s, e, n) && ts_to_prefix(ts, out);
}

/* Protocol and port: ours (0 = any) against the peer's. */
static bool ts_narrow_port(uint8_t proto, uint16_t port, const struct fp_ike_ts *ts,
			   uint8_t *out_proto, uint16_t *out_port)
{
	if (proto && ts->ts_proto && proto != ts->ts_proto)
		return false;
	*out_proto = proto ? proto : ts->ts_proto;
	if (port) {
		*out_port = port;
		return ts->ts_sport <= port && port <= ts->ts_eport;
	}
	*out_port = ts->ts_sport == ts->ts_eport ? ts->ts_sport : 0;
	return ts->ts_sport == ts->ts_eport || (ts->ts_sport == 0 && ts->ts_eport == 0xffff);
}

/* sel (local = ours) narrowed by the peer's pair: ts_peer is the peer's
 * side, ts_ours ours. */
static bool ts_narrow(const struct fp_selector *sel, const struct fp_ike_ts *ts_peer,
		      const struct fp_ike_ts *ts_ours, struct fp_selector *out)
{
	uint8_t p1, p2;
	memset(out, 0, sizeof(*out));
	if (!ts_narrow_addr(&sel->local, ts_ours, &out->local) ||
	    !ts_narrow_addr(&sel->remote, ts_peer, &out->remote) ||
	    !ts_narrow_port(sel->proto, sel->local_port, ts_ours, &p1, &out->local_port) ||
	    !ts_narrow_port(sel->proto, sel->remote_port, ts_peer, &p2, &out->remote_port))
		return false;
	out->proto = p1;
	return p1 == p2;
}

int fp_ike_ts_select(const struct fp_ike_peer *peer, const struct fp_ike_tsp *tsi,
		     const struct fp_ike_tsp *tsr, struct fp_selector *sel)
{
	for (unsigned t = 0; t < peer->n_tunnels; t++) {
		if (!peer->tunnels[t].respond)
			continue;
		for (unsigned i = 0; i < tsi->tsp_n; i++)
			for (unsigned r = 0; r < tsr->tsp_n; r++)
				if (ts_narrow(&peer->tunnels[t].sel, &tsi->tsp_ts[i],
					      &tsr->tsp_ts[r], sel))
					return (int)t;
	}
	return -1;
}

int fp_ike_ts_accept(const struct fp_ike_tunnel *t, const struct fp_ike_tsp *tsi,
		     const struct fp_ike_tsp *tsr, struct fp_selector *sel)
{
	struct fp_prefix l, r;
	if (tsi->tsp_n != 1 || tsr->tsp_n != 1 || !ts_to_prefix(&tsi->tsp_ts[0], &l) ||
	    !ts_to_prefix(&tsr->tsp_ts[0], &r) || !ts_narrow(&t->sel, &tsr->tsp_ts[0],
							     &tsi->tsp_ts[0], sel))
		return -1;
	/* the responder may only narrow: its answer is what we install */
	if (sel->local.len > l.len || sel->remote.len > r.len)
		return -1;
	sel->local = l;
	sel->remote = r;
	return 0;
}
