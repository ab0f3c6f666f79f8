/* show ipsec stats (= show crypto ipsec stats): the ASA's "IPsec Global
 * Statistics", summed over every tunnel's SAs in both pipes plus the
 * gateway's drop counters. docs/commands.md says where each line comes
 * from; lines fpvpn has no event for print 0. */
#include "cli/cli_impl.h"

#include <inttypes.h>

/* Inbound drops by the ASA's kinds of failure (fpvpn's mapping). */
#define AUTH_FAILURES FP_DROP_BIT(FP_DROP_ICV_FAIL)
#define DECRYPT_FAILURES (FP_DROP_BIT(FP_DROP_CRYPTO_ERROR) | FP_DROP_BIT(FP_DROP_BAD_PADDING) | \
			  FP_DROP_BIT(FP_DROP_BAD_PAD_LENGTH))
/* Dropped inbound packets: every SA drop but TFC dummies (shown apart);
 * plus, from the drop counters, the ESP packets no SA could take. */
#define IN_DROPPED (FP_DROPS_ALL & ~FP_DROP_BIT(FP_DROP_TFC_DUMMY))
#define NO_SA_DROPS (FP_DROP_BIT(FP_DROP_SPI_UNKNOWN) | FP_DROP_BIT(FP_DROP_BAD_SPI))
/* Malformed ESP or inner packets, wherever they were dropped. */
#define PROTOCOL_FAILURES (FP_DROP_BIT(FP_DROP_ESP_TRUNCATED) | FP_DROP_BIT(FP_DROP_ESP_BAD_LENGTH) | \
			   FP_DROP_BIT(FP_DROP_BAD_NEXT_HEADER) | FP_DROP_BIT(FP_DROP_INNER_MALFORMED) | \
			   FP_DROP_BIT(FP_DROP_BAD_SPI) | FP_DROP_BIT(FP_DROP_BAD_NATT))

struct ipsec_dir_sum {
	uint64_t bytes, pkts, dropped, auths, crypts, auth_fail, crypt_fail, replay, tfc, reasm;
};

struct ipsec_sum {
	uint64_t active;
	struct ipsec_dir_sum in, out;
	struct fp_gw_frag_stats frag;
};

/* One SA into its direction's sums. Authentications count packets of SAs
 * with an ICV (HMAC or AEAD); en/decryptions those with a cipher that is
 * not null, as the ASA counts 0 decryptions for esp-null. */
static void sum_sa(struct ipsec_dir_sum *d, const struct fp_sa_params *p,
		   const struct fp_sa_stats *st, uint64_t dropped)
{
	d->bytes += st->bytes;
	d->pkts += st->pkts;
	d->dropped += fp_cli_drops(st, dropped);
	if (fp_crypto_icv_len(p->key.cipher, p->key.integ))
		d->auths += st->pkts;
	if (p->key.cipher != FP_CIPHER_NULL)
		d->crypts += st->pkts;
	d->auth_fail += fp_cli_drops(st, AUTH_FAILURES);
	d->crypt_fail += fp_cli_drops(st, DECRYPT_FAILURES);
	d->replay += fp_cli_drops(st, FP_DROPS_REPLAY);
	d->tfc += st->tfc;
	d->reasm += st->reasm;
}

static void sum_tunnels(const struct fp_gw *gw, struct ipsec_sum *s)
{
	struct fp_sa_stats in, out;
	for (unsigned i = 0; i < gw->n_tunnels && i < FP_GW_MAX_TUNNELS; i++) {
		const struct fp_gw_tunnel *t = &gw->tunnels[i];
		if (fp_cli_tunnel_query(t, &in, &out) < 0)
			continue;
		s->active++;
		s->frag.prefrag_ok += t->frag.prefrag_ok;
		s->frag.prefrag_fail += t->frag.prefrag_fail;
		s->frag.postfrag_ok += t->frag.postfrag_ok;
		s->frag.postfrag_fail += t->frag.postfrag_fail;
		s->frag.frags_created += t->frag.frags_created;
		s->frag.pmtu_sent += t->frag.pmtu_sent;
		s->frag.pmtu_rcvd += t->frag.pmtu_rcvd;
		sum_sa(&s->in, fp_cli_tunnel_params(t, FP_SA_IN), &in, IN_DROPPED);
		sum_sa(&s->out, fp_cli_tunnel_params(t, FP_SA_OUT), &out, FP_DROPS_ALL);
	}
}

static void print_inbound(const struct fp_gw *gw, const struct ipsec_dir_sum *d, FILE *out)
{
	fprintf(out, "Inbound\n");
	fprintf(out, "    Bytes: %" PRIu64 "\n", d->bytes);
	fprintf(out, "    Decompressed bytes: %" PRIu64 "\n", d->bytes);
	fprintf(out, "    Packets: %" PRIu64 "\n", d->pkts);
	fprintf(out, "    Dropped packets: %" PRIu64 "\n", d->dropped + fp_cli_gw_drops(gw, NO_SA_DROPS));
	fprintf(out, "    Replay failures: %" PRIu64 "\n", d->replay);
	fprintf(out, "    Authentications: %" PRIu64 "\n", d->auths);
	fprintf(out, "    Authentication failures: %" PRIu64 "\n", d->auth_fail);
	fprintf(out, "    Decryptions: %" PRIu64 "\n", d->crypts);
	fprintf(out, "    Decryption failures: %" PRIu64 "\n", d->crypt_fail);
	fprintf(out, "    TFC Packets: %" PRIu64 "\n", d->tfc);
	fprintf(out, "    Decapsulated fragments needing reassembly: %" PRIu64 "\n", d->reasm);
	fprintf(out, "    Valid ICMP Errors rcvd: 0\n");
	fprintf(out, "    Invalid ICMP Errors rcvd: 0\n");
}

static void print_outbound(const struct ipsec_dir_sum *d, const struct fp_gw_frag_stats *f,
			   FILE *out)
{
	fprintf(out, "Outbound\n");
	fprintf(out, "    Bytes: %" PRIu64 "\n", d->bytes);
	fprintf(out, "    Uncompressed bytes: %" PRIu64 "\n", d->bytes);
	fprintf(out, "    Packets: %" PRIu64 "\n", d->pkts);
	fprintf(out, "    Dropped packets: %" PRIu64 "\n", d->dropped);
	fprintf(out, "    Authentications: %" PRIu64 "\n", d->auths);
	fprintf(out, "    Authentication failures: %" PRIu64 "\n", d->auth_fail);
	fprintf(out, "    Encryptions: %" PRIu64 "\n", d->crypts);
	fprintf(out, "    Encryption failures: %" PRIu64 "\n", d->crypt_fail);
	fprintf(out, "    TFC Packets: 0\n");
	fprintf(out, "    Fragmentation successes: %" PRIu64 "\n", f->prefrag_ok + f->postfrag_ok);
	fprintf(out, "        Pre-fragmentation successes: %" PRIu64 "\n", f->prefrag_ok);
	fprintf(out, "        Post-fragmentation successes: %" PRIu64 "\n", f->postfrag_ok);
	fprintf(out, "    Fragmentation failures: %" PRIu64 "\n", f->prefrag_fail + f->postfrag_fail);
	fprintf(out, "        Pre-fragmentation failures: %" PRIu64 "\n", f->prefrag_fail);
	fprintf(out, "        Post-fragmentation failures: %" PRIu64 "\n", f->postfrag_fail);
	fprintf(out, "    Fragments created: %" PRIu64 "\n", f->frags_created);
	fprintf(out, "    PMTUs sent: %" PRIu64 "\n", f->pmtu_sent);
	fprintf(out, "    PMTUs rcvd: %" PRIu64 "\n", f->pmtu_rcvd);
}

void fp_show_ipsec_stats(const struct fp_gw *gw, FILE *out)
{
	struct ipsec_sum s = { 0 };
	sum_tunnels(gw, &s);
	fprintf(out, "IPsec Global Statistics\n");
	fprintf(out, "-----------------------\n");
	fprintf(out, "Active tunnels: %" PRIu64 "\n", s.active);
	fprintf(out, "Previous tunnels: %" PRIu64 "\n", gw->st.previous_tunnels);
	print_inbound(gw, &s.in, out);
	print_outbound(&s.out, &s.frag, out);
	fprintf(out, "Protocol failures: %" PRIu64 "\n", fp_cli_gw_drops(gw, PROTOCOL_FAILURES));
	fprintf(out, "Missing SA failures: %" PRIu64 "\n", fp_gw_drop_count(gw, FP_DROP_SPI_UNKNOWN));
	fprintf(out, "System capacity failures: %" PRIu64 "\n", fp_gw_drop_count(gw, FP_DROP_TOO_BIG));
}
