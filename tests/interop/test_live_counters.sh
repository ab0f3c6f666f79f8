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

flood() { nt_in b "$NT_PY" "$NT_LIB_DIR/udp_flood.py" "$NT_A_OUT_IP" "$NT_SPI_BA" "$1"; }

nt_ping a 5
nt_check "before: 5 pings cross" test "$(nt_ping_received a)" = 5
nt_cli a clear asp drop >/dev/null
dev0=$(nt_dev_dropped a)

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
dev=$(($(nt_dev_dropped a) - dev0))
total=$(nt_asp a)
nt_cli a show asp drop | sed 's/^/     /'
echo "     sent $sent, dropped by the device $dev, in show asp drop $total"
nt_check "every datagram that reached A is counted once ($((sent - dev)) = $total)" test "$((sent - dev))" = "$total"
nt_check "the stopped sockets overflowed: rx-socket-overflow > 0" test "$(nt_asp a rx-socket-overflow)" -gt 0
encap=$(($(awk '$1 == "encap" { print $2 }' "$NT_WORK/flood1.txt") + $(awk '$1 == "encap" { print $2 }' "$NT_WORK/flood2.txt")))
nt_check "the raw SA's SPI in UDP: ipsec-encap-mismatch ($(nt_asp a ipsec-encap-mismatch) of $encap sent)" \
	test "$(nt_asp a ipsec-encap-mismatch)" -gt 0
nt_check "and never an ICV failure" test "$(nt_asp a ipsec-auth-fail)" = 0
nt_check "fpvpnd alive" nt_alive a
nt_ping a 5
nt_check "after: 5 pings cross" test "$(nt_ping_received a)" = 5
nt_stop a
nt_stop b
nt_done
