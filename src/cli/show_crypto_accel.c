/* show crypto accelerator statistics: the crypto layer seen as the ASA's
 * accelerator. fpvpn has one, in software: intel-ipsec-mb for the
 * per-packet work where it is built in, OpenSSL for the rest. Figures are
 * the pipes' crypto counters, all pipes together, then the offloaded
 * (engine pipes) and software-pipe shares apart, which is what the
 * offload note means by "separate Offloaded statistics added". The layout
 * is the recalled ASA one and is UNVERIFIED (docs/commands.md). */
#include "cli/cli_impl.h"

#include <inttypes.h>
#include <openssl/crypto.h>

#include "datapath/runtime.h"

static void acc_line(FILE *out, unsigned indent, const char *label, uint64_t v)
{
	fprintf(out, "%*s%s: %" PRIu64 "\n", (int)indent, "", label, v);
}

static void acc_capability(const struct fp_gw *gw, FILE *out)
{
	fprintf(out, "[Capability]\n");
	fprintf(out, "   Supports hardware crypto: False\n");
	fprintf(out, "   Supports modular hardware crypto: False\n");
	if (fp_crypto_have_ipsec_mb())
		fprintf(out, "   Crypto library: intel-ipsec-mb %s\n", fp_crypto_ipsec_mb_version());
	else
		fprintf(out, "   Crypto library: %s\n", OpenSSL_version(OPENSSL_VERSION));
	fprintf(out, "   Fallback library: %s\n", OpenSSL_version(OPENSSL_VERSION));
	fprintf(out, "   Encryption algorithms:");
	for (unsigned c = 0; c < FP_CIPHER__COUNT; c++)
		fprintf(out, " %s", fp_cipher_info((enum fp_cipher)c)->name);
	fprintf(out, "\n   Integrity algorithms:");
	for (unsigned i = FP_INTEG_NONE + 1; i < FP_INTEG__COUNT; i++)
		fprintf(out, " %s", fp_integ_info((enum fp_integ)i)->name);
	fprintf(out, "\n   Max accelerators: 1\n");
	fprintf(out, "   Engine pipes: %u, software pipes: 1\n", gw->n_pipes);
}

static void acc_global(const struct fp_pipe_stats *all, FILE *out)
{
	fprintf(out, "[Global Statistics]\n");
	fprintf(out, "   Number of active accelerators: 1\n");
	fprintf(out, "   Number of non-operational accelerators: 0\n");
	acc_line(out, 3, "Input packets", all->in_pkts);
	acc_line(out, 3, "Input bytes", all->in_bytes);
	acc_line(out, 3, "Output packets", all->out_pkts);
	acc_line(out, 3, "Output error packets", all->ob_process - all->ob_success);
	acc_line(out, 3, "Output bytes", all->out_bytes);
}

static void acc_input(const char *title, const struct fp_pipe_stats *s, FILE *out)
{
	fprintf(out, "   [%s]\n", title);
	acc_line(out, 6, "Input packets", s->in_pkts);
	acc_line(out, 6, "Input bytes", s->in_bytes);
	acc_line(out, 6, "Input hashed packets", s->in_hash_pkts);
	acc_line(out, 6, "Input hashed bytes", s->in_hash_bytes);
	acc_line(out, 6, "Decrypted packets", s->in_decrypt_pkts);
	acc_line(out, 6, "Decrypted bytes", s->in_decrypt_bytes);
}

static void acc_output(const char *title, const struct fp_pipe_stats *s, FILE *out)
{
	fprintf(out, "   [%s]\n", title);
	acc_line(out, 6, "Output packets", s->out_pkts);
	acc_line(out, 6, "Output bad packets", s->ob_process - s->ob_success);
	acc_line(out, 6, "Output bytes", s->out_bytes);
	acc_line(out, 6, "Output hashed packets", s->out_hash_pkts);
	acc_line(out, 6, "Output hashed bytes", s->out_hash_bytes);
	acc_line(out, 6, "Encrypted packets", s->out_encrypt_pkts);
	acc_line(out, 6, "Encrypted bytes", s->out_encrypt_bytes);
}

/* One share (offloaded or software) in four lines. */
static void acc_share(const char *title, const struct fp_pipe_stats *s, FILE *out)
{
	fprintf(out, "   [%s]\n", title);
	acc_line(out, 6, "Input packets", s->in_pkts);
	acc_line(out, 6, "Decrypted packets", s->in_decrypt_pkts);
	acc_line(out, 6, "Output packets", s->out_pkts);
	acc_line(out, 6, "Encrypted packets", s->out_encrypt_pkts);
}

static void acc_zero(FILE *out)
{
	static const char *const blocks[][4] = {
		{ "Diffie-Hellman statistics", "Keys generated", "Secret keys derived", NULL },
		{ "RSA statistics", "Keys generated", "Signatures", "Verifications" },
	};
	for (unsigned b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
		fprintf(out, "   [%s]\n", blocks[b][0]);
		for (unsigned i = 1; i < 4 && blocks[b][i]; i++)
			acc_line(out, 6, blocks[b][i], 0);
	}
}

static void acc_accelerator(const struct fp_gw *gw, const struct fp_pipe_stats *all, FILE *out)
{
	struct fp_pipe_stats eng, soft;
	unsigned sas = 0;
	for (unsigned i = 0; i < gw->n_tunnels && i < FP_GW_MAX_TUNNELS; i++)
		sas += gw->tunnels[i].pipe ? 2 : 0;
	fp_cli_pipes_sum(gw, FP_CLI_PIPES_ENGINE, &eng);
	fp_cli_pipes_sum(gw, FP_CLI_PIPES_SOFT, &soft);
	fprintf(out, "[Accelerator 0]\n");
	fprintf(out, "   Status: Active\n");
	fprintf(out, "   Software crypto engine\n");
	fprintf(out, "   Slot: 0\n");
	if (gw->rt && gw->now_ns >= gw->rt->started_ns)
		fprintf(out, "   Active time: %" PRIu64 " seconds\n",
			(gw->now_ns - gw->rt->started_ns) / 1000000000u);
	else
		fprintf(out, "   Active time: n/a (offline)\n");
	acc_line(out, 3, "Total crypto transforms", sas);
	acc_line(out, 3, "Total dropped packets", all->drop_pkts);
	acc_input("Input statistics", all, out);
	acc_output("Output statistics", all, out);
	acc_share("Offloaded statistics", &eng, out);
	acc_share("Software pipe statistics", &soft, out);
	acc_zero(out);
}

void fp_show_crypto_accel(const struct fp_gw *gw, FILE *out)
{
	struct fp_pipe_stats all;
	fp_cli_pipes_sum(gw, FP_CLI_PIPES_ENGINE | FP_CLI_PIPES_SOFT, &all);
	fprintf(out, "Crypto Accelerator Status\n");
	fprintf(out, "-------------------------\n");
	acc_capability(gw, out);
	acc_global(&all, out);
	acc_accelerator(gw, &all, out);
}
