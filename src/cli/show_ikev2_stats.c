/* show crypto ikev2 stats: fp_ike_stats in the layout of the ASA's
 * "Global IKEv2 Statistics" for the counters that mean the same thing,
 * then fpvpn's own: the exchanges, half-open SAs, the messages refused by
 * reason, IKE fragments, the authentication failures by reason and the
 * error notifies sent and received by name. Counters the
 * ASA has and fpvpn does not keep are left out rather than shown as 0. */
#include "cli/cli_impl.h"

#include "ike/ike_wire.h"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#define N_NOTIFY 64 /* struct fp_ike_stats counts error notifies 0..63 */

static void line(const char *label, uint64_t v, FILE *out)
{
	fprintf(out, " %-34s%12" PRIu64 "\n", label, v);
}

static unsigned ready_sas(const struct fp_ike *ike)
{
	struct fp_ike_sa_info s;
	unsigned n = 0;
	for (unsigned i = 0; fp_ike_sa_get(ike, i, &s); i++)
		n += s.status == FP_IKE_SA_READY;
	return n;
}

static uint64_t sum(const uint64_t *v, unsigned n)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < n; i++)
		t += v[i];
	return t;
}

static uint64_t refused(const struct fp_ike_stats *st)
{
	return st->refused_parse + st->refused_icv + st->refused_spi + st->refused_msgid +
	       st->refused_state;
}

static void print_global(const struct fp_ike *ike, const struct fp_ike_stats *st, FILE *out)
{
	fprintf(out, "                      Global IKEv2 Statistics\n");
	line("Active Tunnels:", ready_sas(ike), out);
	line("Previous Tunnels:", st->deleted, out);
	line("In Packets:", st->rx, out);
	line("In Drop Packets:", refused(st), out);
	line("In Notifys:", sum(st->notify_rx, N_NOTIFY), out);
	line("Out Packets:", st->tx, out);
	line("Out Notifys:", sum(st->notify_tx, N_NOTIFY), out);
	line("Authentication Failures:", st->auth_fail, out);
	line("Hash Failures:", st->refused_icv, out);
	line("Invalid SPI:", st->refused_spi, out);
}

/* fpvpn's own counters, in the order printed; HEAD: a heading line. */
#define OWN(label, field) { label, offsetof(struct fp_ike_stats, field), false }
#define HEAD(text) { text, 0, true }
static const struct {
	const char *label;
	size_t off;
	bool head;
} own[] = {
	OWN("Retransmissions:", retransmits),
	OWN("IKE_SA_INIT received:", sa_init_rx),
	OWN("IKE_SA_INIT sent:", sa_init_tx),
	OWN("Authentications:", auth_ok),
	OWN("SAs established:", established),
	OWN("CHILD_SA rekeys we started:", child_rekeys),
	OWN("IKE SA rekeys we started:", ike_rekeys),
	OWN("Peers found dead (DPD):", dpd_dead),
	OWN("Half-open SAs:", half_open),
	OWN("Half-open SAs, most at once:", half_open_max),
	OWN("Half-open limit:", half_open_limit),
	OWN("Cookies required from half-open:", cookie_threshold),
	OWN("Cookies sent:", cookies_sent),
	OWN("IKE_SA_INIT with a bad cookie:", cookies_bad),
	OWN("IKE_SA_INIT dropped, at the limit:", refused_half_open),
	OWN("IKE_SA_INIT dropped, per address:", refused_half_open_src),
	HEAD("Messages refused"),
	OWN("Malformed:", refused_parse),
	OWN("Integrity check failed:", refused_icv),
	OWN("Unknown IKE SPI:", refused_spi),
	OWN("Message ID outside the window:", refused_msgid),
	OWN("Not expected in this state:", refused_state),
	HEAD("IKE fragments (RFC 7383)"),
	OWN("Fragments sent:", frag_tx),
	OWN("Messages sent in fragments:", frag_msg_tx),
	OWN("Fragments received:", frag_rx),
	OWN("Messages reassembled:", frag_msg_rx),
	OWN("Dropped, duplicate:", frag_dup),
	OWN("Dropped, over bounds or unasked:", frag_refused),
	OWN("Dropped, incomplete in 30 s:", frag_timeout),
};

static void print_own(const struct fp_ike_stats *st, FILE *out)
{
	fprintf(out, "\nfpvpn IKEv2 counters\n");
	for (unsigned i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		uint64_t v;
		if (own[i].head) {
			fprintf(out, "%s\n", own[i].label);
			continue;
		}
		memcpy(&v, (const char *)st + own[i].off, sizeof(v));
		line(own[i].label, v, out);
	}
}

/* Only the notify types that were sent or received, by name. */
static void print_notifies(const struct fp_ike_stats *st, FILE *out)
{
	if (!sum(st->notify_tx, N_NOTIFY) && !sum(st->notify_rx, N_NOTIFY)) {
		fprintf(out, "Error notifies: none sent or received\n");
		return;
	}
	fprintf(out, "Error notifies                          sent    received\n");
	for (unsigned i = 0; i < N_NOTIFY; i++)
		if (st->notify_tx[i] || st->notify_rx[i])
			fprintf(out, " %-32s%10" PRIu64 "%12" PRIu64 "\n", fp_ike_notify_name(i),
				st->notify_tx[i], st->notify_rx[i]);
}

/* Only the reasons that happened, by name (enum fp_ike_authf). */
static void print_auth_fails(const struct fp_ike_stats *st, FILE *out)
{
	if (!sum(st->auth_fail_by, FP_IKE_AUTHF__COUNT))
		return;
	fprintf(out, "Authentication failures by reason\n");
	for (unsigned i = 1; i < FP_IKE_AUTHF__COUNT; i++)
		if (st->auth_fail_by[i])
			fprintf(out, " %-62s%8" PRIu64 "\n", fp_ike_authf_name(i), st->auth_fail_by[i]);
}

void fp_show_ikev2_stats(const struct fp_gw *gw, FILE *out)
{
	if (!gw->ike) {
		fprintf(out, "IKEv2 is not running: no interface has \"crypto ikev2 enable\"\n");
		return;
	}
	const struct fp_ike_stats *st = fp_ike_stats(gw->ike);
	print_global(gw->ike, st, out);
	print_own(st, out);
	print_auth_fails(st, out);
	print_notifies(st, out);
}
