/* show crypto ikev2 sa [detail]: the IKE SAs of fp_ike_sa_get in the
 * ASA's layout, grouped by peer into sessions, each with its CHILD_SAs as
 * the tunnels holding them have them now (selectors, SPIs). detail adds
 * the SPIs, message IDs, windows and NAT-T of each IKE SA and the
 * transform of each child. docs/commands.md has a sample. No key, nonce
 * or shared secret is in struct fp_ike_sa_info: none can be printed. */
#include "cli/cli_impl.h"

#include "ike/ike_wire.h"

#include <inttypes.h>
#include <string.h>

/* As the ASA names certificate authentication: by the key's type, also
 * for RFC 7427's method 14. */
static const char *auth_name(uint8_t method, bool ec)
{
	if (method == FP_IKE_AUTH_DIGITAL_SIG)
		return ec ? "ECDSA" : "RSA";
	return fp_cli_ike_auth_name(method);
}

static const char *status_name(uint8_t s)
{
	switch (s) {
	case FP_IKE_SA_READY: return "READY";
	case FP_IKE_SA_IN_NEG: return "IN-NEG";
	case FP_IKE_SA_DELETING: return "DELETE";
	default: return "UNKNOWN";
	}
}

static uint64_t age_s(const struct fp_gw *gw, uint64_t since_ns)
{
	return gw->now_ns > since_ns ? (gw->now_ns - since_ns) / 1000000000u : 0;
}

/* "Session-id:1, Status:UP-ACTIVE, IKE count:1, CHILD count:1": a session
 * is a peer, its id the peer's number from 1. */
static void print_session(const struct fp_ike *ike, unsigned first, unsigned peer, FILE *out)
{
	struct fp_ike_sa_info o;
	unsigned n_ike = 0, n_child = 0;
	bool up = false;
	for (unsigned j = first; fp_ike_sa_get(ike, j, &o); j++) {
		if (o.peer != peer)
			continue;
		n_ike++;
		n_child += o.n_children;
		up |= o.status == FP_IKE_SA_READY;
	}
	fprintf(out, "Session-id:%u, Status:%s, IKE count:%u, CHILD count:%u\n\n", peer + 1,
		up ? "UP-ACTIVE" : "DOWN-NEGOTIATING", n_ike, n_child);
	fprintf(out, "Tunnel-id                 Local                Remote     Status         Role\n");
}

static void print_ike_sa(const struct fp_gw *gw, const struct fp_ike_sa_info *s, FILE *out)
{
	char l[FP_ADDR_STRLEN + 8], r[FP_ADDR_STRLEN + 8], a[FP_ADDR_STRLEN];
	snprintf(l, sizeof(l), "%s/%u", fp_addr_str(&s->local, a, sizeof(a)), s->lport);
	snprintf(r, sizeof(r), "%s/%u", fp_addr_str(&s->remote, a, sizeof(a)), s->rport);
	fprintf(out, "%9" PRIu64 "%22s%23s%11s%13s\n", s->id, l, r, status_name(s->status),
		s->initiator ? "INITIATOR" : "RESPONDER");
	fprintf(out, "      Encr: %s, keysize: %u, Hash: %s, DH Grp:%u, Auth sign: %s, "
		"Auth verify: %s\n", fp_cli_ike_encr_name(s->encr), s->encr_bits,
		fp_cli_ike_hash_name(s->integ, s->prf), s->group, auth_name(s->auth_sign, s->auth_sign_ec),
		auth_name(s->auth_verify, s->auth_verify_ec));
	fprintf(out, "      Life/Active Time: %" PRIu32 "/%" PRIu64 " sec\n", s->life_s,
		age_s(gw, s->created_ns));
}

/* RFC 7296 2.3: one request outstanding each way, so both windows are 1. */
static void print_ike_detail(const struct fp_ike_sa_info *s, FILE *out)
{
	uint64_t lspi = s->initiator ? s->spi_i : s->spi_r, rspi = s->initiator ? s->spi_r : s->spi_i;
	char col[40];
	fprintf(out, "      Status Description: %s\n", s->status == FP_IKE_SA_READY ?
		"Negotiation done" : s->status == FP_IKE_SA_IN_NEG ? "Negotiation in progress" :
		"Deleting");
	snprintf(col, sizeof(col), "Local spi: %016" PRIX64, lspi);
	fprintf(out, "      %-34sRemote spi: %016" PRIX64 "\n", col, rspi);
	if (s->id_local[0])
		fprintf(out, "      Local id: %s\n", s->id_local);
	if (s->id_remote[0])
		fprintf(out, "      Remote id: %s\n", s->id_remote);
	snprintf(col, sizeof(col), "Local next mess id: %" PRIu32, s->msgid_send);
	fprintf(out, "      %-34sRemote next mess id: %" PRIu32 "\n", col, s->msgid_recv);
	fprintf(out, "      %-34sRemote window: 1\n", "Local window: 1");
	if (s->dpd_s)
		fprintf(out, "      DPD configured for %" PRIu32 " seconds, retry %" PRIu32 "\n", s->dpd_s,
			s->dpd_retry_s ? s->dpd_retry_s : 2);
	else
		fprintf(out, "      DPD disabled\n");
	if (!s->nat_local && !s->nat_remote)
		fprintf(out, "      NAT-T is not detected\n");
	if (s->nat_local)
		fprintf(out, "      NAT-T is detected inside\n");
	if (s->nat_remote)
		fprintf(out, "      NAT-T is detected outside\n");
}

/* "10.1.0.0/0 - 10.1.0.255/65535": the prefix as an address range, the
 * port or every port. */
static void sel_range(const struct fp_prefix *p, uint16_t port, char *buf, size_t n)
{
	struct fp_addr lo = p->addr, hi = p->addr;
	char a[FP_ADDR_STRLEN], b[FP_ADDR_STRLEN];
	if (lo.af == FP_AF_NONE)
		lo.af = hi.af = FP_AF_INET;
	unsigned bits = lo.af == FP_AF_INET6 ? 128 : 32, len = p->len < bits ? p->len : bits;
	for (unsigned i = len; i < bits; i++)
		hi.a[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	snprintf(buf, n, "%s/%u - %s/%u", fp_addr_str(&lo, a, sizeof(a)), port,
		 fp_addr_str(&hi, b, sizeof(b)), port ? port : 65535u);
}

static void print_child_detail(const struct fp_gw_tunnel *t, FILE *out)
{
	const struct fp_sa_params *p = fp_cli_tunnel_params(t, FP_SA_OUT);
	const char *name;
	unsigned bits;
	fp_cli_esp_encr(p->key.cipher, &name, &bits);
	fprintf(out, "          Encr: %s, keysize: %u, esp_hmac: %s\n", name, bits,
		p->key.integ == FP_INTEG_NONE ? "N/A" : fp_cli_esp_hash_name(p->key.integ));
	fprintf(out, "          ah_hmac: None, comp: IPCOMP_NONE, mode %s\n",
		p->mode == FP_SA_TRANSPORT ? "transport" : "tunnel");
	if (t->pfs_group)
		fprintf(out, "          PFS Group: %u\n", t->pfs_group);
}

static void print_child(const struct fp_gw *gw, uint64_t h, bool detail, FILE *out)
{
	const struct fp_gw_tunnel *t = fp_cli_child_tunnel(gw, h);
	char l[2 * FP_ADDR_STRLEN + 24], r[2 * FP_ADDR_STRLEN + 24];
	if (!t)
		return; /* replaced by a rekey, waiting for its DELETE */
	const struct fp_sa_params *in = fp_cli_tunnel_params(t, FP_SA_IN);
	const struct fp_sa_params *o = fp_cli_tunnel_params(t, FP_SA_OUT);
	sel_range(&o->sel.local, o->sel.local_port, l, sizeof(l));
	sel_range(&o->sel.remote, o->sel.remote_port, r, sizeof(r));
	fprintf(out, "Child sa: local selector  %s\n", l);
	fprintf(out, "          remote selector %s\n", r);
	fprintf(out, "          ESP spi in/out: 0x%08" PRIx32 "/0x%08" PRIx32 "\n", in->spi, o->spi);
	if (detail)
		print_child_detail(t, out);
}

void fp_show_ikev2_sa(const struct fp_gw *gw, bool detail, FILE *out)
{
	struct fp_ike_sa_info s;
	if (!gw->ike) {
		fprintf(out, "IKEv2 is not running: no interface has \"crypto ikev2 enable\"\n");
		return;
	}
	if (!fp_ike_sa_get(gw->ike, 0, &s)) {
		fprintf(out, "There are no IKEv2 SAs\n");
		return;
	}
	fprintf(out, "IKEv2 SAs:\n\n");
	for (unsigned i = 0; fp_ike_sa_get(gw->ike, i, &s); i++) {
		if (!fp_cli_ike_sa_first_of_peer(gw->ike, i, s.peer))
			continue;
		print_session(gw->ike, i, s.peer, out);
		struct fp_ike_sa_info o;
		for (unsigned j = i; fp_ike_sa_get(gw->ike, j, &o); j++) {
			if (o.peer != s.peer)
				continue;
			print_ike_sa(gw, &o, out);
			if (detail)
				print_ike_detail(&o, out);
			for (unsigned c = 0; c < o.n_children && c < FP_IKE_MAX_TUNNELS; c++)
				print_child(gw, o.children[c], detail, out);
		}
		fputc('\n', out);
	}
}
