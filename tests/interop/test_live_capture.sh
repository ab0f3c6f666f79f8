#!/bin/bash
# Offload-engine captures on a live gateway (docs/testing.md, docs/captures.md):
#   capture IN  ipsec-offload match spi 0x2001 198.51.100.2 198.51.100.1   (A's inbound SA)
#   capture OUT ipsec-offload match spi 0x1001 198.51.100.1 198.51.100.2   (A's outbound SA)
# then 5 pings each way, `show capture`, `copy /pcap capture:IN FILE`: tshark
# reads the files and finds ESP with exactly that SPI and those addresses,
# at least one packet per ping that crossed the SA. `no capture` removes them.
# Skipped (77) while fpvpnd has no captures.
#   bash tests/interop/test_live_capture.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-capture
nt_require ping iputils-ping
nt_require tshark
nt_sites_up

out=$(nt_cli a capture IN ipsec-offload match spi "$NT_SPI_BA" "$NT_B_OUT_IP" "$NT_A_OUT_IP" 2>&1)
echo "     capture IN ...: ${out:-(no output)}"
if grep -q -E "Invalid input|not available|Incomplete" <<<"$out"; then
	nt_skip "fpvpnd has no ipsec-offload captures yet: $(head -1 <<<"$out")"
fi
nt_check "capture IN accepted" test -z "$(grep ERROR <<<"$out")"
out=$(nt_cli a capture OUT ipsec-offload match spi "$NT_SPI_AB" "$NT_A_OUT_IP" "$NT_B_OUT_IP" 2>&1)
nt_check "capture OUT accepted${out:+: $out}" test -z "$(grep ERROR <<<"$out")"

PINGS=5
nt_ping a $PINGS
nt_check "pings A -> B answered ($(nt_ping_received a)/$PINGS)" test "$(nt_ping_received a)" = $PINGS
nt_ping b $PINGS
nt_check "pings B -> A answered ($(nt_ping_received b)/$PINGS)" test "$(nt_ping_received b)" = $PINGS

nt_cli a show capture | sed 's/^/     /'
for c in IN OUT; do
	spi=$NT_SPI_BA src=$NT_B_OUT_IP dst=$NT_A_OUT_IP
	[ $c = OUT ] && spi=$NT_SPI_AB src=$NT_A_OUT_IP dst=$NT_B_OUT_IP
	f=$NT_WORK/$c.pcap
	shown=$(nt_cli a show capture $c 2>&1)
	n=$(awk '/packets captured/ { print $1; exit }' <<<"$shown")
	echo "     show capture $c: $(head -1 <<<"$shown")"
	nt_check "show capture $c: ${n:-?} packets captured >= $((2 * PINGS))" test "${n:-0}" -ge $((2 * PINGS))
	out=$(nt_cli a copy /pcap "capture:$c" "$f" 2>&1)
	nt_check "copy /pcap capture:$c $f${out:+ ($(head -1 <<<"$out"))}" test -s "$f"
	[ -s "$f" ] || continue
	tshark -n -r "$f" -T fields -e ip.src -e ip.dst -e esp.spi 2>/dev/null >"$f.txt"
	head -3 "$f.txt" | sed 's/^/       /'
	want=$(printf '0x%08x' "$spi")
	total=$(wc -l <"$f.txt")
	match=$(awk -v s="$src" -v d="$dst" -v p="$want" '$1 == s && $2 == d && tolower($3) == p' "$f.txt" | wc -l)
	nt_check "$c.pcap: tshark reads $total packets, >= $((2 * PINGS))" test "$total" -ge $((2 * PINGS))
	nt_check "$c.pcap: every packet is ESP $src -> $dst spi $want ($match of $total)" test "$match" = "$total"
done
for c in IN OUT; do
	out=$(nt_cli a no capture $c 2>&1)
	nt_check "no capture $c${out:+: $out}" test -z "$(grep ERROR <<<"$out")"
done
nt_check "show capture lists neither after 'no capture'" \
	sh -c "! '$NT_PY' '$NT_LIB_DIR/fpctl.py' -s '${NT_SOCK[a]}' show capture | grep -q -w -E 'IN|OUT'"
nt_stop a
nt_stop b
nt_done
