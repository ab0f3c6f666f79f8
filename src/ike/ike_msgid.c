/* Message IDs with a window of 1 each way (RFC 7296 2.3), as charon and
 * iked run them: one request of ours in flight, retransmitted on
 * charon's schedule (4 s x 1.8^n, 5 retransmissions, then the SA is given
 * up); the peer's last request answered is kept with its response, so a
 * retransmitted request gets the same bytes again and is never processed
 * twice (2.1). No jitter yet: the schedule is exact, which the tests use. */
#include <stdlib.h>
#include <string.h>

#include "ike/ike_sa.h"

void fp_ike_msgid_clear(struct fp_ike_msgid *mi)
{
	fp_ike_free_secret(&mi->mi_req, &mi->mi_req_len);
	fp_ike_free_secret(&mi->mi_resp, &mi->mi_resp_len);
}

/* 4 s x 1.8^tries, in integer nanoseconds. */
static uint64_t msgid_timeout(unsigned tries)
{
	uint64_t t = FP_IKE_RTX_FIRST_NS;
	for (unsigned i = 0; i < tries; i++)
		t = t * 9 / 5;
	return t;
}

void fp_ike_msgid_request(struct fp_ike *ike, struct fp_ike_sarec *s, const uint8_t *b,
			  size_t n, uint64_t now_ns)
{
	struct fp_ike_msgid *mi = &s->s_mid;
	fp_ike_free_secret(&mi->mi_req, &mi->mi_req_len);
	mi->mi_req = fp_ike_dup(b, n);
	mi->mi_req_len = mi->mi_req ? n : 0;
	mi->mi_req_mid = mi->mi_next_send++;
	mi->mi_tries = 0;
	mi->mi_fixed_ns = 0;
	mi->mi_rtx_ns = now_ns + msgid_timeout(0);
	fp_ike_send_raw(ike, s, b, n);
}

void fp_ike_msgid_answered(struct fp_ike_sarec *s)
{
	fp_ike_free_secret(&s->s_mid.mi_req, &s->s_mid.mi_req_len);
}

void fp_ike_msgid_respond(struct fp_ike *ike, struct fp_ike_sarec *s, uint32_t mid,
			  const uint8_t *b, size_t n)
{
	struct fp_ike_msgid *mi = &s->s_mid;
	fp_ike_free_secret(&mi->mi_resp, &mi->mi_resp_len);
	mi->mi_resp = fp_ike_dup(b, n);
	mi->mi_resp_len = mi->mi_resp ? n : 0;
	mi->mi_resp_mid = mid;
	mi->mi_next_recv = mid + 1;
	fp_ike_send_raw(ike, s, b, n);
}

int fp_ike_msgid_check_request(struct fp_ike *ike, struct fp_ike_sarec *s, uint32_t mid)
{
	struct fp_ike_msgid *mi = &s->s_mid;
	if (mid == mi->mi_next_recv)
		return 1;
	if (mi->mi_resp && mid == mi->mi_resp_mid) {
		ike->stats.retransmits++;
		fp_ike_send_raw(ike, s, mi->mi_resp, mi->mi_resp_len);
		return 0;
	}
	ike->stats.refused_msgid++;
	fp_ike_dbg(ike, 2, "(%llu): request MID %u dropped, expected %u",
		   (unsigned long long)s->s_id, mid, mi->mi_next_recv);
	return 0;
}

bool fp_ike_msgid_check_response(struct fp_ike *ike, struct fp_ike_sarec *s, uint32_t mid)
{
	if (s->s_mid.mi_req && mid == s->s_mid.mi_req_mid)
		return true;
	ike->stats.refused_msgid++;
	return false;
}

bool fp_ike_msgid_tick(struct fp_ike *ike, struct fp_ike_sarec *s, uint64_t now_ns)
{
	struct fp_ike_msgid *mi = &s->s_mid;
	if (!mi->mi_req || now_ns < mi->mi_rtx_ns)
		return true;
	if (mi->mi_tries == FP_IKE_RTX_TRIES)
		return false;
	mi->mi_tries++;
	mi->mi_rtx_ns = now_ns + (mi->mi_fixed_ns ? mi->mi_fixed_ns : msgid_timeout(mi->mi_tries));
	ike->stats.retransmits++;
	fp_ike_dbg(ike, 2, "(%llu): retransmitting request MID %u (try %u)",
		   (unsigned long long)s->s_id, mi->mi_req_mid, mi->mi_tries);
	fp_ike_send_raw(ike, s, mi->mi_req, mi->mi_req_len);
	return true;
}
