/* "debug crypto ikev2 protocol LEVEL": the exchange as it happens, into
 * the same log as the syslog-style lines. Each line carries its own
 * severity, IKEv2-PROTO-1 to IKEv2-PROTO-7, and is written when the
 * level set is that number or more (the ASA's 1-255; 0 = off). Severity 1
 * is always written: what an operator must see without debugging, each
 * refusal and each CHILD_SA or IKE SA that came, went or was rekeyed.
 * 2: retransmissions and message-ID trouble; 4: state changes and
 * exchanges started; 5: every datagram; 7: its first payload. What a line may hold: names, SPIs, message IDs,
 * addresses, lengths; never a key, a nonce, a DH value or a PSK. */
#include <stdarg.h>
#include <stdio.h>

#include "ike/ike_sa.h"
#include "ike/ike_wire.h"

void fp_ike_set_debug(struct fp_ike *ike, unsigned level)
{
	ike->dbg_protocol = level > 255 ? 255 : level;
}

unsigned fp_ike_debug_level(const struct fp_ike *ike)
{
	return ike->dbg_protocol;
}

void fp_ike_dbg(struct fp_ike *ike, unsigned sev, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (sev > 1 && ike->dbg_protocol < sev) /* 1: always */
		return;
	int n = snprintf(line, sizeof(line), "IKEv2-PROTO-%u: ", sev);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	fp_ike_log(ike, "%s", line);
}

static void dbg_spi(char *buf, const uint8_t *spi)
{
	for (unsigned i = 0; i < FP_IKE_SPI_LEN; i++)
		snprintf(buf + 2 * i, 3, "%02X", spi[i]);
}

/* One datagram in or out: who, which exchange, which message; the
 * payloads of a plain message (an SK payload hides the rest). */
void fp_ike_dbg_packet(struct fp_ike *ike, bool rx, const struct fp_ike_dgram *d)
{
	struct fp_ike_hdr h;
	char a[FP_ADDR_STRLEN], b[FP_ADDR_STRLEN], si[17], sr[17];

	if (ike->dbg_protocol < 5)
		return;
	enum fp_ike_err e = fp_ike_hdr_parse(&h, d->data, d->len);
	fp_ike_addr_str(rx ? &d->remote : &d->local, a);
	fp_ike_addr_str(rx ? &d->local : &d->remote, b);
	uint16_t pa = rx ? d->rport : d->lport, pb = rx ? d->lport : d->rport;
	if (e != FP_IKE_E_OK) {
		fp_ike_dbg(ike, 5, "%s Packet [From %s:%u/To %s:%u], %u bytes: %s",
			   rx ? "Received" : "Sending", a, pa, b, pb, d->len, fp_ike_err_name(e));
		return;
	}
	dbg_spi(si, h.h_spi_i);
	dbg_spi(sr, h.h_spi_r);
	fp_ike_dbg(ike, 5,
		   "%s Packet [From %s:%u/To %s:%u] Initiator SPI : %s - Responder SPI : %s "
		   "Message id: %u IKEv2 %s Exchange %s%s, %u bytes",
		   rx ? "Received" : "Sending", a, pa, b, pb, si, sr, h.h_msgid,
		   fp_ike_exchange_name(h.h_exchange),
		   h.h_flags & FP_IKE_FLAG_RESPONSE ? "RESPONSE" : "REQUEST",
		   h.h_flags & FP_IKE_FLAG_INITIATOR ? " (from the initiator)" : "", h.h_length);
	fp_ike_dbg(ike, 7, "Next payload: %s, version: %u.%u", fp_ike_payload_name(h.h_next),
		   h.h_version >> 4, h.h_version & 0xf);
}
