/* show vpn-sessiondb anyconnect: one session per remote-access login
 * (src/ra) in the ASA's layout: the SSL tunnel, and the DTLS tunnel once
 * its handshake is done; bytes and packets are the CSTP ones plus what the
 * session's DTLS rule carried (engine or software pipe).
 * show vpn-sessiondb l2l: one LAN-to-LAN session per IKEv2 peer with a
 * READY IKE SA, in the ASA's layout. The IKEv2 figures come from its IKE
 * SAs (the first READY one names the algorithms), the IPsec ones from the
 * tunnels holding their children now: bytes are the inner bytes the
 * engine counted both ways. docs/commands.md has a sample. */
#include "cli/cli_impl.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "datapath/ra_gw.h"
#include "offload/dtls.h"
#include "ra/ra.h"

/* A session's DTLS channel: up, and what its rule counted (zero without). */
struct ac_dtls {
	bool up;
	struct fp_dtls_rule_stats st;
};

static void ac_dtls_get(struct fp_gw *gw, const struct fp_ra_session *s, struct ac_dtls *d)
{
	memset(d, 0, sizeof(*d));
	d->up = s->dtls_version[0] != '\0';
	if (d->up && fp_gw_ra_dtls_stats(gw, s->index, &d->st) < 0)
		memset(&d->st, 0, sizeof(d->st));
}

/* One peer's session, gathered over its IKE SAs. */
struct l2l_session {
	struct fp_ike_sa_info ike;        /* the first READY IKE SA */
	unsigned n_ike, n_child;
	const struct fp_gw_tunnel *first; /* the first child's tunnel, for its transform */
	uint64_t tx, rx, since_ns;
};

static void gather_children(const struct fp_gw *gw, const struct fp_ike_sa_info *s,
			    struct l2l_session *l)
{
	for (unsigned c = 0; c < s->n_children && c < FP_IKE_MAX_TUNNELS; c++) {
		const struct fp_gw_tunnel *t = fp_cli_child_tunnel(gw, s->children[c]);
		struct fp_sa_stats in, out;
		if (!t)
			continue;
		fp_cli_tunnel_query(t, &in, &out);
		l->tx += out.bytes;
		l->rx += in.bytes;
		l->n_child++;
		if (!l->first)
			l->first = t;
	}
}

/* The READY IKE SAs of peer from SA first on; false when it has none. */
static bool gather(const struct fp_gw *gw, unsigned first, unsigned peer, struct l2l_session *l)
{
	struct fp_ike_sa_info s;
	*l = (struct l2l_session){ 0 };
	for (unsigned j = first; fp_ike_sa_get(gw->ike, j, &s); j++) {
		if (s.peer != peer || s.status != FP_IKE_SA_READY)
			continue;
		if (!l->n_ike++ || s.created_ns < l->since_ns)
			l->since_ns = s.created_ns;
		if (l->n_ike == 1)
			l->ike = s;
		gather_children(gw, &s, l);
	}
	return l->n_ike > 0;
}

static void row2(const char *k1, const char *v1, const char *k2, const char *v2, FILE *out)
{
	fprintf(out, "%-13s: %-22s %-13s: %s\n", k1, v1, k2, v2);
}

/* "10:13:49 UTC Wed Jan 4 2023", as the ASA writes a login time. */
static void login_time(uint64_t ns, char *buf, size_t n)
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm = { 0 };
	char hms[32];
	if (!gmtime_r(&t, &tm) || !strftime(hms, sizeof(hms), "%H:%M:%S UTC %a %b", &tm))
		hms[0] = '\0';
	snprintf(buf, n, "%s %d %d", hms, tm.tm_mday, tm.tm_year + 1900);
}

static void print_session(const struct fp_gw *gw, unsigned index, const struct l2l_session *l,
			  FILE *out)
{
	char a[FP_ADDR_STRLEN], idx[16], ike_e[32], esp_e[32] = "none", v1[64], v2[64];
	const struct fp_ike_sa_info *s = &l->ike;
	const char *esp_h = "none";
	fp_addr_str(&s->remote, a, sizeof(a));
	snprintf(idx, sizeof(idx), "%u", index);
	fprintf(out, "%-13s: %s\n", "Connection", a);
	row2("Index", idx, "IP Addr", a, out);
	fprintf(out, "%-13s: %s\n", "Protocol", "IKEv2 IPsec");
	fp_cli_ike_encr_short(s->encr, s->encr_bits, ike_e, sizeof(ike_e));
	if (l->first) {
		const struct fp_sa_params *p = fp_cli_tunnel_params(l->first, FP_SA_OUT);
		fp_cli_esp_encr_short(p->key.cipher, esp_e, sizeof(esp_e));
		esp_h = fp_cli_esp_hash_name(p->key.integ);
	}
	fprintf(out, "%-13s: IKEv2: (%u)%s  IPsec: (%u)%s\n", "Encryption", l->n_ike, ike_e,
		l->n_child, esp_e);
	fprintf(out, "%-13s: IKEv2: (%u)%s  IPsec: (%u)%s\n", "Hashing", l->n_ike,
		fp_cli_ike_hash_name(s->integ, s->prf), l->n_child, esp_h);
	snprintf(v1, sizeof(v1), "%" PRIu64, l->tx);
	snprintf(v2, sizeof(v2), "%" PRIu64, l->rx);
	row2("Bytes Tx", v1, "Bytes Rx", v2, out);
	login_time(l->since_ns, v1, sizeof(v1));
	fprintf(out, "%-13s: %s\n", "Login Time", v1);
	fp_cli_duration(gw->now_ns > l->since_ns ? gw->now_ns - l->since_ns : 0, v2, sizeof(v2));
	fprintf(out, "%-13s: %s\n", "Duration", v2);
}

void fp_show_vpn_sessiondb_l2l(const struct fp_gw *gw, FILE *out)
{
	struct fp_ike_sa_info s;
	struct l2l_session l;
	unsigned shown = 0;
	for (unsigned i = 0; gw->ike && fp_ike_sa_get(gw->ike, i, &s); i++) {
		if (!fp_cli_ike_sa_first_of_peer(gw->ike, i, s.peer) || !gather(gw, i, s.peer, &l))
			continue;
		fprintf(out, shown++ ? "\n" : "Session Type: LAN-to-LAN\n\n");
		print_session(gw, s.peer + 1, &l, out);
	}
	if (!shown)
		fprintf(out, "INFO: There are presently no active sessions of the type specified.\n");
}

static void ac_ip(uint32_t v, char *buf, size_t n)
{
	snprintf(buf, n, "%u.%u.%u.%u", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
}

/* "Assigned IPv6: ADDR" when the session has one (indent: a detail
 * block's row). */
static void ac_ip6(const struct fp_ra_session *s, const char *indent, FILE *out)
{
	char a[FP_ADDR_STRLEN];
	struct fp_addr x = {.af = FP_AF_INET6};
	if (!s->pool6)
		return;
	memcpy(x.a, s->addr6, 16);
	fprintf(out, "%s%-13s: %s\n", indent, "Assigned IPv6", fp_addr_str(&x, a, sizeof(a)));
}

/* An indented "Key : value   Key : value" row of a detail block; k2 NULL:
 * one pair. */
static void row2d(const char *k1, const char *v1, const char *k2, const char *v2, FILE *out)
{
	if (k2)
		fprintf(out, "  %-13s: %-22s %-13s: %s\n", k1, v1, k2, v2);
	else
		fprintf(out, "  %-13s: %s\n", k1, v1);
}

static void row_u64(const char *k1, uint64_t a, const char *k2, uint64_t b, bool indent, FILE *out)
{
	char v1[24], v2[24];
	snprintf(v1, sizeof(v1), "%" PRIu64, a);
	snprintf(v2, sizeof(v2), "%" PRIu64, b);
	(indent ? row2d : row2)(k1, v1, k2, v2, out);
}

/* The group-policy's vpn-idle-timeout in minutes, 30 by default, 0: none. */
static unsigned ac_idle_min(const struct fp_ra_session *s)
{
	if (!s->gp || !s->gp->ra.idle_set)
		return 30;
	return s->gp->ra.idle_set == FP_CFG_TRI_ON ? s->gp->ra.idle_min : 0;
}

/* "Idle Time Out: 30 Minutes   Idle TO Left : 29 Minutes" */
static void ac_idle(const struct fp_gw *gw, const struct fp_ra_session *s, FILE *out)
{
	char v1[32], v2[32];
	unsigned idle = ac_idle_min(s);
	uint64_t quiet = gw->now_ns > s->last_rx_ns ? (gw->now_ns - s->last_rx_ns) / 60000000000ull : 0;
	snprintf(v1, sizeof(v1), idle ? "%u Minutes" : "none", idle);
	snprintf(v2, sizeof(v2), idle ? "%" PRIu64 " Minutes" : "none", idle > quiet ? idle - quiet : 0);
	row2d("Idle Time Out", v1, "Idle TO Left", v2, out);
}

static void ac_parent(const struct fp_gw *gw, const struct fp_ra_session *s, FILE *out)
{
	char v1[64], v2[64];
	fprintf(out, "AnyConnect-Parent:\n");
	snprintf(v1, sizeof(v1), "%u.1", s->index);
	row2d("Tunnel ID", v1, NULL, NULL, out);
	row2d("Public IP", fp_addr_str(&s->peer, v1, sizeof(v1)), NULL, NULL, out);
	row2d("Encryption", "none", "Hashing", "none", out);
	snprintf(v1, sizeof(v1), "%u", s->peer_port);
	snprintf(v2, sizeof(v2), "%u", FP_RA_PORT);
	row2d("TCP Src Port", v1, "TCP Dst Port", v2, out);
	row2d("Auth Mode", s->by_cert ? "Certificate" : "userPassword", NULL, NULL, out);
	ac_idle(gw, s, out);
	row2d("Client Type", "AnyConnect", NULL, NULL, out);
	row2d("Client Ver", s->agent[0] ? s->agent : "unknown", NULL, NULL, out);
}

static void ac_ssl(const struct fp_gw *gw, const struct fp_ra_session *s, FILE *out)
{
	char v1[64], v2[64];
	fprintf(out, "\nSSL-Tunnel:\n");
	snprintf(v1, sizeof(v1), "%u.%u", s->index, s->tunnels + 1);
	row2d("Tunnel ID", v1, NULL, NULL, out);
	ac_ip(s->addr, v1, sizeof(v1));
	row2d("Assigned IP", v1, "Public IP", fp_addr_str(&s->peer, v2, sizeof(v2)), out);
	ac_ip6(s, "  ", out);
	row2d("Encryption", s->tls_enc, "Hashing", s->tls_hash, out);
	row2d("Ciphersuite", s->tls_cipher, NULL, NULL, out);
	snprintf(v2, sizeof(v2), "%u", s->peer_port);
	row2d("Encapsulation", s->tls_version, "TCP Src Port", v2, out);
	snprintf(v1, sizeof(v1), "%u", FP_RA_PORT);
	row2d("TCP Dst Port", v1, "Auth Mode", s->by_cert ? "Certificate" : "userPassword", out);
	ac_idle(gw, s, out);
	snprintf(v1, sizeof(v1), "%u", s->mtu);
	row2d("Client Type", "SSL VPN Client", "MTU", v1, out);
	row2d("Client Ver", s->agent[0] ? s->agent : "unknown", NULL, NULL, out);
	row_u64("Bytes Tx", s->bytes_tx, "Bytes Rx", s->bytes_rx, true, out);
	row_u64("Pkts Tx", s->pkts_tx, "Pkts Rx", s->pkts_rx, true, out);
}

static void ac_dtls_block(const struct fp_gw *gw, const struct fp_ra_session *s,
			  const struct ac_dtls *d, FILE *out)
{
	char v1[64], v2[64];
	fprintf(out, "\nDTLS-Tunnel:\n");
	snprintf(v1, sizeof(v1), "%u.%u", s->index, s->tunnels + 2);
	row2d("Tunnel ID", v1, NULL, NULL, out);
	ac_ip(s->addr, v1, sizeof(v1));
	row2d("Assigned IP", v1, "Public IP", fp_addr_str(&s->peer, v2, sizeof(v2)), out);
	ac_ip6(s, "  ", out);
	row2d("Encryption", s->dtls_enc, "Hashing", s->dtls_hash, out);
	snprintf(v2, sizeof(v2), "%u", s->dtls_peer_port);
	row2d("Encapsulation", s->dtls_version, "UDP Src Port", v2, out);
	snprintf(v1, sizeof(v1), "%u", gw->dtls_port);
	row2d("UDP Dst Port", v1, "Auth Mode", s->by_cert ? "Certificate" : "userPassword", out);
	ac_idle(gw, s, out);
	row2d("Client Type", "DTLS VPN Client", NULL, NULL, out);
	row2d("Client Ver", s->agent[0] ? s->agent : "unknown", NULL, NULL, out);
	row_u64("Bytes Tx", d->st.inner_bytes_out, "Bytes Rx", d->st.inner_bytes_in, true, out);
	row_u64("Pkts Tx", d->st.data_out, "Pkts Rx", d->st.data_in, true, out);
}

static void print_ac(struct fp_gw *gw, const struct fp_ra_session *s, bool detail, FILE *out)
{
	char v1[64], v2[64];
	bool up = s->conn != NULL;
	struct ac_dtls d;
	ac_dtls_get(gw, s, &d);
	snprintf(v1, sizeof(v1), "%u", s->index);
	row2("Username", s->user, "Index", v1, out);
	ac_ip(s->addr, v1, sizeof(v1));
	row2("Assigned IP", s->addr ? v1 : "0.0.0.0", "Public IP", fp_addr_str(&s->peer, v2, sizeof(v2)), out);
	ac_ip6(s, "", out);
	fprintf(out, "%-13s: %s%s\n", "Protocol", up ? "AnyConnect-Parent SSL-Tunnel" : "AnyConnect-Parent",
		d.up ? " DTLS-Tunnel" : "");
	fprintf(out, "%-13s: %s\n", "License", "AnyConnect Premium");
	fprintf(out, "%-13s: AnyConnect-Parent: (1)none  SSL-Tunnel: (%u)%s", "Encryption", up,
		up ? s->tls_enc : "none");
	fprintf(out, d.up ? "  DTLS-Tunnel: (1)%s\n" : "\n", s->dtls_enc);
	fprintf(out, "%-13s: AnyConnect-Parent: (1)none  SSL-Tunnel: (%u)%s", "Hashing", up,
		up ? s->tls_hash : "none");
	fprintf(out, d.up ? "  DTLS-Tunnel: (1)%s\n" : "\n", s->dtls_hash);
	row_u64("Bytes Tx", s->bytes_tx + d.st.inner_bytes_out, "Bytes Rx",
		s->bytes_rx + d.st.inner_bytes_in, false, out);
	if (detail)
		row_u64("Pkts Tx", s->pkts_tx + d.st.data_out, "Pkts Rx", s->pkts_rx + d.st.data_in,
			false, out);
	row2("Group Policy", s->gp ? s->gp->name : FP_CFG_DFLT_GROUP_POLICY, "Tunnel Group",
	     s->tg ? s->tg->name : "", out);
	login_time(s->login_ns, v1, sizeof(v1));
	fprintf(out, "%-13s: %s\n", "Login Time", v1);
	fp_cli_duration(gw->now_ns > s->login_ns ? gw->now_ns - s->login_ns : 0, v2, sizeof(v2));
	fprintf(out, "%-13s: %s\n", "Duration", v2);
	fp_cli_duration(gw->now_ns > s->last_rx_ns ? gw->now_ns - s->last_rx_ns : 0, v2, sizeof(v2));
	fprintf(out, "%-13s: %s\n", "Inactivity", v2);
	row2("VLAN Mapping", "N/A", "VLAN", "none", out);
	row2("Security Grp", "none", "Tunnel Zone", "0", out);
	if (!detail)
		return;
	fprintf(out, "\nAnyConnect-Parent Tunnels: 1\nSSL-Tunnel Tunnels: %u\n", up);
	if (d.up)
		fprintf(out, "DTLS-Tunnel Tunnels: 1\n");
	fprintf(out, "\n");
	ac_parent(gw, s, out);
	if (up)
		ac_ssl(gw, s, out);
	if (d.up)
		ac_dtls_block(gw, s, &d, out);
}

void fp_show_vpn_sessiondb_anyconnect(struct fp_gw *gw, bool detail, FILE *out)
{
	unsigned shown = 0;
	for (unsigned i = 0; gw->ra && i < FP_RA_MAX_SESSIONS; i++) {
		const struct fp_ra_session *s = fp_ra_session_at(gw->ra, i);
		if (!s->index)
			continue;
		if (!shown++)
			fprintf(out, "Session Type: AnyConnect%s\n\n", detail ? " Detailed" : "");
		else
			fprintf(out, detail ? "\n\n" : "\n");
		print_ac(gw, s, detail, out);
	}
	if (!shown)
		fprintf(out, "INFO: There are presently no active sessions of the type specified.\n");
}
