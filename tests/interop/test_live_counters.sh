#!/bin/bash
# Counters that add up under a flood (docs/testing.md, "Hostile cases covered"):
# site B floods A's UDP 4500 with six classes of bad datagrams (unknown and
# reserved SPIs, keepalives, truncated ESP, IKE with IKEv2 off, the SPI of
# A's raw-ESP SA in UDP), first while A runs, then while A is stopped
# (SIGSTOP) so that its receive buffers overflow. Every datagram that
# reached A's interface must be in one counter of `show asp drop`: what
# the kernel dropped on fpvpnd's full sockets as rx-socket-overflow, what
# the pipes could not queue to the slow path as dispatch-queue-limit, the
# rest under its own reason; the SPI in the wrong encapsulation is
# ipsec-encap-mismatch, never an ICV failure. Pings cross all along.
#   bash tests/interop/test_live_counters.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-counters
nt_require ping iputils-ping
nt_sites_up
PID=${NT_FPVPND_PID[a]}

# asp_total: every count of show asp drop on A, added up
asp_total() { nt_cli a show asp drop | awk '/\([a-z0-9-]+\)/ { n += $NF } END { print n + 0 }'; }
asp() { nt_cli a show asp drop | awk -v k="($1)" 'index($0, k) { n += $NF } END { print n + 0 }'; }
# veth_rx_dropped: what A's outside device itself dropped (before any socket)
veth_rx_dropped() { nt_in a cat /sys/class/net/"$NT_AOUT"/statistics/rx_dropped; }
flood() { nt_in b "$NT_PY" "$NT_LIB_DIR/udp_flood.py" "$NT_A_OUT_IP" "$NT_SPI_BA" "$1"; }

nt_ping a 5
nt_check "before: 5 pings cross" test "$(nt_ping_received a)" = 5
nt_cli a clear asp drop >/dev/null
dev0=$(veth_rx_dropped)

nt_say "1. 60000 bad datagrams while A runs, pings beside them"
nt_bg a "$NT_WORK/ping-during.txt" ping -n -q -c 40 -i 0.05 -W 2 -I "$NT_A_IN_IP" "$NT_B_IN_IP"
ping_pid=$NT_LAST_PID
flood 60000 >"$NT_WORK/flood1.txt"
sed 's/^/     sent /' "$NT_WORK/flood1.txt"
wait "$ping_pid"
got=$(awk '/received/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^received/) print $i }' "$NT_WORK/ping-during.txt")
echo "     pings during the flood: $got of 40"
nt_check "pings cross during the flood (>= 36 of 40: got $got)" test "${got:-0}" -ge 36

nt_say "2. 40000 more while A is stopped: its receive buffers overflow"
kill -STOP "$PID"
flood 40000 >"$NT_WORK/flood2.txt"
kill -CONT "$PID"
sed 's/^/     sent /' "$NT_WORK/flood2.txt"
sleep 2.5 # the punt rings drain; the sockets' drop counts are read once a second

sent=$(($(awk '$1 == "total" { print $2 }' "$NT_WORK/flood1.txt") + $(awk '$1 == "total" { print $2 }' "$NT_WORK/flood2.txt")))
dev=$(($(veth_rx_dropped) - dev0))
total=$(asp_total)
nt_cli a show asp drop | sed 's/^/     /'
echo "     sent $sent, dropped by the device $dev, in show asp drop $total"
nt_check "every datagram that reached A is counted once ($((sent - dev)) = $total)" test "$((sent - dev))" = "$total"
nt_check "the stopped sockets overflowed: rx-socket-overflow > 0" test "$(asp rx-socket-overflow)" -gt 0
encap=$(($(awk '$1 == "encap" { print $2 }' "$NT_WORK/flood1.txt") + $(awk '$1 == "encap" { print $2 }' "$NT_WORK/flood2.txt")))
nt_check "the raw SA's SPI in UDP: ipsec-encap-mismatch ($(asp ipsec-encap-mismatch) of $encap sent)" \
	test "$(asp ipsec-encap-mismatch)" -gt 0
nt_check "and never an ICV failure" test "$(asp ipsec-auth-fail)" = 0
nt_check "fpvpnd alive" nt_alive a
nt_ping a 5
nt_check "after: 5 pings cross" test "$(nt_ping_received a)" = 5
nt_stop a
nt_stop b
nt_done
