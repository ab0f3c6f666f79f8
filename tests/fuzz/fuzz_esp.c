/* libFuzzer target: ESP decapsulation. The first input byte picks how the
 * rest is used:
 *   even: the rest is an outer packet (IPv4/IPv6, raw ESP or ESP in UDP)
 *         handed to classification and ESP inbound as it came;
 *   odd:  the rest is the plain text of an ESP payload (trailer included),
 *         sealed with the SA's real key so the fuzzer reaches what runs
 *         after the ICV: padding, next header, inner packet, selectors.
 * Every packet must end either decapsulated or under a named drop. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/inet.h"
#include "offload/pipe.h"
#include "offload/sadb.h"

#define SPI_GCM 0x1001u
#define SPI_CBC 0x1002u

static struct fp_pipe pipe;
static struct fp_crypto_sa *seal;
static struct fp_pkt *pkt;
static uint32_t seq;

static void sa_add(uint32_t spi, enum fp_cipher c, enum fp_integ i, uint8_t klen, uint8_t alen,
		   bool esn, uint16_t sport)
{
	struct fp_sa_params p;
	uint32_t id;
	const char *err;
	memset(&p, 0, sizeof(p));
	p.spi = spi;
	p.dir = FP_SA_IN;
	p.esn = esn;
	p.replay_window = 64;
	p.key.cipher = c;
	p.key.integ = i;
	p.key.ckey_len = klen;
	p.key.akey_len = alen;
	memset(p.key.ckey, 0x11, sizeof(p.key.ckey));
	memset(p.key.akey, 0x22, sizeof(p.key.akey));
	p.encap_sport = p.encap_dport = sport;
	fp_addr_parse(&p.local, "198.51.100.1");
	fp_addr_parse(&p.remote, "198.51.100.2");
	fp_prefix_parse(&p.sel.local, "10.1.0.0/24");
	fp_prefix_parse(&p.sel.remote, "10.2.0.0/24");
	if (fp_sa_install(pipe.db, &p, &id, &err) < 0)
		abort();
	if (spi == SPI_GCM)
		seal = fp_crypto_sa_new(&p.key, FP_CRYPTO_AUTO, &err);
}

static void setup(void)
{
	if (fp_pipe_init(&pipe, 0, false, 8, FP_CRYPTO_AUTO) < 0)
		abort();
	sa_add(SPI_GCM, FP_CIPHER_AES_GCM_128, FP_INTEG_NONE, 20, 0, false, 0);
	sa_add(SPI_CBC, FP_CIPHER_AES_CBC_128, FP_INTEG_HMAC_SHA256_128, 16, 32, false, 0);
	sa_add(0x1003, FP_CIPHER_CHACHA20_POLY1305, FP_INTEG_NONE, 36, 0, true, 4500);
	pkt = aligned_alloc(64, sizeof(*pkt));
	if (!seal || !pkt)
		abort();
}

/* Outer IPv4 + ESP header + IV + plain text + ICV, sealed in place. */
static void build_sealed(const uint8_t *pt, size_t len)
{
	struct fp_crypto_op op;
	len &= ~(size_t)3;
	uint8_t *h = fp_pkt_put(pkt, (uint32_t)(FP_IPV4_HLEN + FP_ESP_HLEN + 8 + len + 16));
	memset(h, 0, FP_IPV4_HLEN);
	h[0] = 0x45, h[8] = 64, h[9] = FP_IPPROTO_ESP;
	fp_put16(h + 2, (uint16_t)pkt->len);
	h[12] = 198, h[13] = 51, h[14] = 100, h[15] = 2;
	h[16] = 198, h[17] = 51, h[18] = 100, h[19] = 1;
	uint8_t *esp = h + FP_IPV4_HLEN;
	fp_put32(esp, SPI_GCM);
	fp_put32(esp + 4, ++seq);
	fp_put64(esp + 8, seq);
	memcpy(esp + 16, pt, len);
	memset(&op, 0, sizeof(op));
	op.iv = esp + 8;
	op.aad = esp;
	op.aad_len = 8;
	op.data = esp + 16;
	op.data_len = (uint32_t)len;
	op.icv = esp + 16 + len;
	fp_crypto_encrypt(pipe.ct, seal, &op, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!pkt)
		setup();
	if (size < 1 || size > 9000)
		return 0;
	fp_pkt_reset(pkt);
	if (data[0] & 1) {
		build_sealed(data + 1, size - 1);
	} else {
		memcpy(fp_pkt_put(pkt, (uint32_t)(size - 1)), data + 1, size - 1);
	}
	uint64_t drops = pipe.st.drop_pkts, punts = pipe.st.punts;
	uint16_t hit = fp_classify_inb(&pipe, &pkt, 1);
	uint16_t good = fp_esp_inb_process(&pipe, &pkt, hit);
	/* exactly one outcome, and a drop always has its reason */
	if (good + (pipe.st.drop_pkts - drops) + (pipe.st.punts - punts) != 1)
		abort();
	if (!good && pkt->drop == FP_DROP_NONE)
		abort();
	if (good && (pkt->data < pkt->buf || pkt->data + pkt->len > pkt->buf + FP_PKT_BUF_SIZE))
		abort();
	return 0;
}
