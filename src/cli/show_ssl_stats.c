/* show crypto protocol ssl statistics: the remote-access headend's
 * counters (src/ra, struct fp_ra_stats), every refusal by name. The ASA's
 * layout of this command is not recalled: the lines are fpvpn's own, one
 * "name: value" each, grouped as the headend meets them (TLS, HTTP and
 * login, tunnel, DTLS). docs/commands.md has a sample. */
#include "cli/cli_impl.h"

#include <inttypes.h>

#include "ra/ra.h"

static void stat_line(FILE *out, const char *name, uint64_t v)
{
	fprintf(out, "  %-32s %" PRIu64 "\n", name, v);
}

static void stats_tls_http(const struct fp_ra_stats *st, FILE *out)
{
	fprintf(out, "TLS:\n");
	stat_line(out, "connections accepted", st->tls_accepted);
	stat_line(out, "refused (table full)", st->tls_refused);
	stat_line(out, "handshakes failed", st->tls_failed);
	stat_line(out, "closed idle before CONNECT", st->idle_closed);
	stat_line(out, "TLS 1.3 key updates sent (rekey ssl)", st->tls_key_updates);
	fprintf(out, "HTTP and login:\n");
	stat_line(out, "requests", st->http_requests);
	for (unsigned e = 1; e < FP_HTTP_E__COUNT; e++)
		stat_line(out, fp_http_err_name((enum fp_http_err)e), st->http_bad[e]);
	stat_line(out, "not-found", st->http_not_found);
	stat_line(out, "bad-xml", st->xml_bad);
	stat_line(out, "logins", st->auth_ok);
	stat_line(out, "logins failed", st->auth_fail);
	stat_line(out, "unknown cookie", st->cookie_bad);
	stat_line(out, "pool exhausted", st->pool_empty);
	stat_line(out, "IPv6 pool exhausted (IPv4 only)", st->pool6_empty);
	stat_line(out, "session table full", st->sessions_full);
	stat_line(out, "sessions since start", st->sessions_total);
}

static void stats_tunnel(const struct fp_ra_stats *st, FILE *out)
{
	fprintf(out, "CSTP:\n");
	for (unsigned e = 1; e < FP_CSTP_E__COUNT; e++)
		stat_line(out, fp_cstp_err_name((enum fp_cstp_err)e), st->cstp_bad[e]);
	stat_line(out, "data frames in", st->cstp_data_rx);
	stat_line(out, "data frames out", st->cstp_data_tx);
	stat_line(out, "DPD requests answered", st->cstp_dpd);
	stat_line(out, "DPD requests sent", st->dpd_sent);
	stat_line(out, "tunnels found dead by DPD", st->dpd_dead);
	stat_line(out, "keepalives and DPD responses", st->cstp_keepalive);
	stat_line(out, "disconnects", st->cstp_disconnect);
	stat_line(out, "other frames", st->cstp_other);
	stat_line(out, "spoofed source", st->spoofed);
	stat_line(out, "not IP of the tunnel's families", st->not_ipv4);
	stat_line(out, "to a pool address, no tunnel", st->no_session);
	stat_line(out, "output queue full", st->tx_overflow);
}

/* Names unique across the blocks: scripts read one line by its name. */
static void stats_dtls(const struct fp_ra_stats *st, FILE *out)
{
	fprintf(out, "DTLS:\n");
	stat_line(out, "bad X-DTLS-Master-Secret", st->dtls_hdr_bad[FP_HTTP_DTLS_E_MASTER]);
	stat_line(out, "bad DTLS cipher suite list", st->dtls_hdr_bad[FP_HTTP_DTLS_E_LIST]);
	stat_line(out, "no DTLS suite in common", st->dtls_no_suite);
	stat_line(out, "datagrams in", st->dtls_rx);
	stat_line(out, "not a ClientHello", st->dtls_not_hello);
	stat_line(out, "unknown session id", st->dtls_no_session);
	stat_line(out, "DTLS 0.9 refused", st->dtls_v09);
	stat_line(out, "DTLS handshakes", st->dtls_hs_ok);
	stat_line(out, "DTLS handshakes failed", st->dtls_hs_fail);
	stat_line(out, "software only (DTLS 1.0, suite)", st->dtls_software_only);
	stat_line(out, "software (no rule taken)", st->dtls_rule_refused);
	stat_line(out, "DTLS alerts from clients", st->dtls_alerts);
	stat_line(out, "DTLS channels closed by an alert", st->dtls_alert_closed);
	stat_line(out, "channels closed or refused", st->dtls_rx_bad);
	stat_line(out, "DTLS data frames in", st->dtls_data_rx);
	stat_line(out, "DTLS data frames out", st->dtls_data_tx);
	stat_line(out, "DTLS DPD requests answered", st->dtls_dpd);
	stat_line(out, "DTLS keepalives and DPD responses", st->dtls_keepalive);
	stat_line(out, "DTLS disconnects", st->dtls_disconnect);
	stat_line(out, "DTLS other frames", st->dtls_other);
	stat_line(out, "writes refused after offload", st->dtls_write_frozen);
	stat_line(out, "DTLS channels replaced", st->dtls_replaced);
	stat_line(out, "DTLS rehandshakes begun", st->dtls_rekey_began);
	stat_line(out, "DTLS rehandshakes done (rule updated)", st->dtls_rekeys);
	stat_line(out, "DTLS rehandshakes failed", st->dtls_rekey_fail);
	stat_line(out, "DTLS rehandshakes too soon, refused", st->dtls_rekey_soon);
}

void fp_show_ssl_stats(const struct fp_gw *gw, FILE *out)
{
	if (!gw->ra) {
		fprintf(out, "INFO: remote access is not running (no 'webvpn' interface is enabled)\n");
		return;
	}
	stats_tls_http(fp_ra_stats(gw->ra), out);
	stats_tunnel(fp_ra_stats(gw->ra), out);
	stats_dtls(fp_ra_stats(gw->ra), out);
}
