#!/usr/bin/env bash
# Remote access end to end: iperf3 from an openconnect client through fpvpnd
# (AnyConnect headend, DTLS) and through ocserv, in the same run, the same
# client, the same DTLS suite. Prints one table; never passes or fails on speed.
#
#   bash tests/netns/bench_ra.sh [BUILD_DIR]        (make bench-ra; as root)
#
# Environment:
#   BENCH_SECONDS=3    length of each iperf3 run
#   BENCH_RUNS=3       runs of each cell; the table shows the median
#   BENCH_GWS="ocserv fpvpnd fpvpnd-co"   fpvpnd: flow-offload-dtls (the
#                      engine's rule), fpvpnd-co: the same with --rx-coalesce
#                      BENCH_COALESCE (150 us), fpvpnd-soft: without
#                      flow-offload-dtls (the software pipe)
#   BENCH_TESTS="tcp1 tcp1r udp udpr"   tcp1: 1 TCP stream client -> inside,
#                      udp: -u -b 0 -l BENCH_UDP_LEN; an "r" suffix: iperf3 -R
#                      (inside -> client)
#   BENCH_UDP_LEN=1372 UDP payload, at most the tunnel's MTU - 28 (fpvpnd's
#                      tunnel is 1399 bytes: 1371 there; ocserv's 1434)
#   BENCH_GRO=1        GRO on the headend's outside veth (0: off, a veth's
#                      default); both headends face the same device
#   BENCH_CSTP=0       1: openconnect --no-dtls, the data over the TLS
#                      connection (CSTP) on both headends; TCP tests only (the
#                      UDP rows count records on the veth)
#   BENCH_DTLS12=""    openconnect --dtls12-ciphers (e.g. AES256-GCM-SHA384 for
#                      legacy keying); empty: PSK-NEGOTIATE
#
# Topology: the headend in netns A (outside 198.51.100.1, TCP and UDP 443),
# openconnect in netns B (198.51.100.2, tunnel octun0, route 10.1.0.0/24 into
# it), the iperf3 server in A on 10.1.0.1: for fpvpnd its inside TUN's
# address (tests/netns/lib.sh), for ocserv an address on A's lo that its
# per-client tun (vpns0) delivers to. One headend at a time; each run starts
# it, logs the client in (DTLS checked in openconnect's log), runs the tests,
# logs out and stops it. Same certificate (ac_cert), user alice/secret
# (ocserv: ocpasswd's plain file), pool 10.3.0.0/24, split route 10.1.0.0/24.
#
# CPU per packet: utime+stime of the headend over the run, all threads and
# processes (fpvpnd; ocserv's main, sec-mod and worker), from /proc/PID/stat,
# divided by the packets moved: TCP bytes iperf3 received / MSS (tunnel MTU -
# 52), the ACKs charged to the data; UDP (-b 0 loses most datagrams past the
# slowest stage) the records each side sealed or opened, from its veth's
# packet counters less its DTLS socket's drops. The client (openconnect) the
# same way.
# "busy" is the whole machine's CPU use during the run (/proc/stat), out of
# 100% x CPUs. "via" is DTLS when the CSTP (TLS) connection carried under 5%
# of iperf3's bytes during the run (its bytes_sent + bytes_received in ss),
# else CSTP: such a row measures TLS, not DTLS.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd) # tests/netns/ -> repo root
build=${1:-build}
case $build in /*) ;; *) build=$here/$build ;; esac

SECS=${BENCH_SECONDS:-3}
RUNS=${BENCH_RUNS:-3}
GWS=${BENCH_GWS:-ocserv fpvpnd fpvpnd-co}
COALESCE=${BENCH_COALESCE:-150}
TESTS=${BENCH_TESTS:-tcp1 tcp1r udp udpr}
UDP_LEN=${BENCH_UDP_LEN:-1372}
DTLS12=${BENCH_DTLS12:-}
CSTP=${BENCH_CSTP:-0}
[ "$CSTP" = 1 ] && TESTS=${BENCH_TESTS:-tcp1 tcp1r}
GRO=${BENCH_GRO:-1}

. "$here/tests/netns/lib.sh"
. "$here/tests/netns/anyconnect.sh"
. "$here/tests/netns/bench.sh"
nt_init "$build" bench-ra
nt_require iperf3
nt_require openconnect
nt_require openssl
case " $GWS " in *" ocserv "*) nt_require ocserv && nt_require ocpasswd ocserv ;; esac

CLK_TCK=$(getconf CLK_TCK)
RESULTS=$NT_WORK/results.txt # one line per run: gw test via gbps extra hd_us cl_us hd_pct busy hd_user_us
: >"$RESULTS"
INSIDE_IP=$NT_A_IN_IP # the iperf3 server

# cstp_bytes: what the client's TLS connection to the headend sent and received
cstp_bytes() {
	nt_in b ss -tniH state established dst "$NT_A_OUT_IP:443" 2>/dev/null |
		awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^bytes_(sent|received):/) { split($i, a, ":"); n += a[2] } }
		     END { print n + 0 }'
}

# rcvbuf_errs a|b: UDP datagrams the namespace's kernel dropped on a full socket
# shellcheck disable=SC2016 # awk's own $6
rcvbuf_errs() { nt_in "$1" awk '/^Udp:/ { if (h) print $6; h = 1 }' /proc/net/snmp; }

# dtls_drops a|b: of those, the ones dropped on a DTLS socket (port 443: the
# headend's in A, openconnect's in B), from ss's skmem d counters
dtls_drops() {
	nt_in "$1" ss -uanmH 2>/dev/null | awk '/:443([ \t]|$)/ { f = 1 }
		/skmem:/ { if (f && match($0, /,d[0-9]+\)/)) n += substr($0, RSTART + 2, RLENGTH - 3); f = 0 }
		END { print n + 0 }'
}

# tun_drops: what the headend's TUN (fpvpnd's tun-in, ocserv's vpns0) dropped
# on the way to the headend (a full queue: the headend did not read in time)
tun_drops() {
	nt_in a sh -c 'cat /sys/class/net/'"$NT_TUN"'/statistics/tx_dropped /sys/class/net/vpns*/statistics/tx_dropped 2>/dev/null' |
		awk '{ n += $1 } END { print n + 0 }'
}

# wire a|b rx|tx: packets through the side's outside veth
wire() {
	local dev=$NT_AOUT
	[ "$1" = b ] && dev=$NT_BOUT
	nt_in "$1" cat "/sys/class/net/$dev/statistics/$2_packets"
}

# cl_tun_rx: the packets openconnect wrote into its tunnel (octun0 in B), one
# per record it opened. A veth counts a UDP_SEGMENT (GSO) send as one
# packet, so records to the client are counted where they come out.
cl_tun_rx() { nt_in b cat /sys/class/net/octun0/statistics/rx_packets; }
b_rx_dropped() { nt_in b cat "/sys/class/net/$NT_BOUT/statistics/rx_dropped"; }

tun_mtu() { ip -n "$NT_B" link show octun0 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "mtu") print $(i+1) }'; }

# cell GW TEST MTU "HEADEND PIDS" CLIENT_PID: one iperf3 run.
cell() {
	local gw=$1 test=$2 mtu=$3 hd=$4 cl=$5
	local opts=() json=$NT_WORK/iperf-$gw-$test.json len=$UDP_LEN
	[ "$len" -gt $((mtu - 28)) ] && len=$((mtu - 28)) # one datagram, one record
	case $test in
	tcp1) opts=() ;;
	tcp1r) opts=(-R) ;;
	udp) opts=(-u -b 0 -l "$len") ;;
	udpr) opts=(-u -b 0 -l "$len" -R) ;;
	esac
	bench_iperf_server "$NT_A" "$INSIDE_IP"
	local h0 h1 c0 c1 w0 w1 y0 y1 s0 s1 ra0 rb0 da0 db0 war0 wbt0 wbd0 ct0 td0
	ra0=$(rcvbuf_errs a) rb0=$(rcvbuf_errs b) da0=$(dtls_drops a) db0=$(dtls_drops b)
	war0=$(wire a rx) wbt0=$(wire b tx) wbd0=$(b_rx_dropped) ct0=$(cl_tun_rx) td0=$(tun_drops)
	local asp0=0
	case $gw in fpvpnd*) asp0=$(nt_asp a) ;; esac
	# shellcheck disable=SC2086 # HEADEND PIDS: a list
	h0=$(bench_ticks_split $hd); c0=$(bench_ticks "$cl"); s0=$(cstp_bytes); w0=$(date +%s%N); y0=$(bench_sysbusy)
	ip netns exec "$NT_B" timeout $((SECS + 8)) iperf3 -c "$INSIDE_IP" -t "$SECS" -J "${opts[@]}" >"$json" 2>/dev/null
	# shellcheck disable=SC2086
	h1=$(bench_ticks_split $hd); c1=$(bench_ticks "$cl"); s1=$(cstp_bytes); w1=$(date +%s%N); y1=$(bench_sysbusy)
	local busy; busy=$(bench_busy_pct "$y0" "$y1")
	nt_wait_pid "$BENCH_SPID" 30 || kill "$BENCH_SPID" 2>/dev/null
	local gbps extra mn n bytes hd_pkts cl_pkts da db
	read -r gbps extra mn n bytes <<<"$(nt_iperf_summary "$json")"
	da=$(($(dtls_drops a) - da0)) db=$(($(dtls_drops b) - db0))
	# TCP: the data packets iperf3 received (the ACKs charged to them). UDP -b 0
	# loses most datagrams past the slowest stage (the client, mostly): each
	# side is charged for the records it sealed or opened: up, as the veth of
	# the sender (openconnect, one datagram a send) counted them, less what
	# the headend's DTLS socket dropped before reading; down, what the client
	# opened, plus what its socket and veth dropped for the headend's
	case $test in
	udp) hd_pkts=$(($(wire a rx) - war0 - da)) cl_pkts=$(($(wire b tx) - wbt0)) ;;
	udpr) cl_pkts=$(($(cl_tun_rx) - ct0))
	      hd_pkts=$((cl_pkts + db + $(b_rx_dropped) - wbd0)) ;;
	*) hd_pkts=$((bytes / (mtu - 52))) cl_pkts=$hd_pkts ;;
	esac
	local ms=$(((w1 - w0) / 1000000)) hd_us hd_user_us cl_us hd_pct via=DTLS hu0 hs0 hu1 hs1
	read -r hu0 hs0 <<<"$h0"
	read -r hu1 hs1 <<<"$h1"
	h0=$((hu0 + hs0)) h1=$((hu1 + hs1))
	hd_us=$(awk -v d=$((h1 - h0)) -v hz="$CLK_TCK" -v p="$hd_pkts" 'BEGIN { printf "%.2f", p ? d / hz * 1e6 / p : 0 }')
	hd_user_us=$(awk -v d=$((hu1 - hu0)) -v hz="$CLK_TCK" -v p="$hd_pkts" 'BEGIN { printf "%.2f", p ? d / hz * 1e6 / p : 0 }')
	cl_us=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v p="$cl_pkts" 'BEGIN { printf "%.2f", p ? d / hz * 1e6 / p : 0 }')
	hd_pct=$(awk -v d=$((h1 - h0)) -v hz="$CLK_TCK" -v w="$ms" 'BEGIN { printf "%.0f", w ? d / hz * 1e5 / w : 0 }')
	[ $((s1 - s0)) -gt $((bytes / 20)) ] && via=CSTP
	echo "$gw $test $via ${gbps:-0} ${extra:-0} $hd_us $cl_us $hd_pct $busy $hd_user_us" >>"$RESULTS"
	local more="CSTP $((s1 - s0)) B"
	case $test in udp*) more="-l $len, $more" ;; esac
	# where UDP was lost: a full socket in A or B (of them, on the DTLS sockets)
	more="$more, full sockets A $(($(rcvbuf_errs a) - ra0)) (DTLS $da) B $(($(rcvbuf_errs b) - rb0)) (DTLS $db)"
	more="$more, headend's TUN dropped $(($(tun_drops) - td0))"
	case $gw in fpvpnd*) more="$more, show asp drop +$(($(nt_asp a) - asp0))" ;; esac
	case $test in udp*) more="$more, records headend $hd_pkts client $cl_pkts" ;; esac
	printf '  %-12s %-6s %-4s %7s Gbit/s  %s %-7s headend %6s us/pkt (user %s) %4s%%  client %6s us/pkt  busy %3s%%  %s\n' \
		"$gw" "$test" "$via" "$gbps" "$(case $test in udp*) echo "lost%" ;; *) echo "retr" ;; esac)" "$extra" \
		"$hd_us" "$hd_user_us" "$hd_pct" "$cl_us" "$busy" "$more"
}

# ---------------------------------------------------------------- ocserv

# oc_files: ocserv's configuration (ocserv.conf) and password file in NT_WORK
oc_files() {
	printf 'secret\nsecret\n' | ocpasswd -c "$NT_WORK/ocpasswd" alice || nt_die "ocpasswd failed"
	cat >"$NT_WORK/ocserv.conf" <<CONF
auth = "plain[passwd=$NT_WORK/ocpasswd]"
listen-host = $NT_A_OUT_IP
tcp-port = 443
udp-port = 443
socket-file = $NT_WORK/ocserv-socket
use-occtl = false
pid-file = $NT_WORK/ocserv.pid
server-cert = $NT_WORK/headend.crt
server-key = $NT_WORK/headend.key
isolate-workers = false
max-clients = 16
max-same-clients = 4
keepalive = 32400
dpd = 90
try-mtu-discovery = false
tls-priorities = "NORMAL:%SERVER_PRECEDENCE:%COMPAT:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1:-VERS-TLS1.3"
auth-timeout = 240
cookie-timeout = 300
device = vpns
predictable-ips = true
ipv4-network = 10.3.0.0
ipv4-netmask = 255.255.255.0
route = 10.1.0.0/255.255.255.0
cisco-client-compat = true
dtls-legacy = true
log-level = 1
CONF
}

# oc_pids: ocserv's processes in A (main, sec-mod, the client's worker)
oc_pids() {
	local p
	for p in $(ip netns pids "$NT_A" 2>/dev/null); do
		case $(cat "/proc/$p/comm" 2>/dev/null) in ocserv*) echo "$p" ;; esac
	done | tr '\n' ' '
}

# ---------------------------------------------------------------- one headend

# login GW: openconnect logs in (log GW-runN.log); OC_PID, MTU set
login() {
	local name=$1 opts=()
	[ -n "$DTLS12" ] && opts=(--dtls12-ciphers="$DTLS12")
	[ "$CSTP" = 1 ] && opts+=(--no-dtls)
	AC_NODTLS=$CSTP ac_up "$name" 30 "${opts[@]}" >"$NT_WORK/$name.checks"
	sed 's/^/  /' "$NT_WORK/$name.checks"
	# the script sets octun0's MTU and address after openconnect forks
	for _ in $(seq 50); do
		nt_in b ip -4 addr show octun0 2>/dev/null | grep -q inet && break
		sleep 0.1
	done
	MTU=$(tun_mtu)
	grep -o 'Established DTLS connection.*' "$NT_WORK/$name.log" | head -1 >"$NT_WORK/$name.suite"
	[ "$CSTP" = 1 ] && grep -q 'DTLS disabled' "$NT_WORK/$name.log" &&
		grep -o 'Connected to HTTPS.*with ciphersuite.*' "$NT_WORK/$name.log" | head -1 >"$NT_WORK/$name.suite"
}

logout() {
	[ -n "${OC_PID:-}" ] || return 0
	kill "$OC_PID" 2>/dev/null
	nt_wait_pid "$OC_PID" 50 || kill -KILL "$OC_PID" 2>/dev/null
	OC_PID=""
}

cells() { # GW "HEADEND PIDS"
	local t
	for t in $TESTS; do
		cell "$1" "$t" "${MTU:-1400}" "$2" "$OC_PID"
	done
}

run_ocserv() { # RUN
	local name=ocserv-run$1
	ip -n "$NT_A" addr add "$INSIDE_IP/32" dev lo
	nt_bg a "$NT_WORK/$name-ocserv.log" ocserv -f -c "$NT_WORK/ocserv.conf"
	local pid=$NT_LAST_PID
	for _ in $(seq 50); do nt_in a ss -lun 2>/dev/null | grep -q "$NT_A_OUT_IP:443 " && break; sleep 0.1; done
	login "$name"
	if [ -s "$NT_WORK/$name.suite" ]; then
		cells ocserv "$(oc_pids)"
	else
		echo "  ocserv: no DTLS, not measured (see $name.log)"
	fi
	logout
	kill "$pid" 2>/dev/null
	nt_wait_pid "$pid" 50 || kill -KILL "$pid" 2>/dev/null
	for _ in $(seq 50); do [ -z "$(oc_pids)" ] && break; sleep 0.1; done
	ip -n "$NT_A" addr del "$INSIDE_IP/32" dev lo
}

run_fpvpnd() { # RUN GW
	local name=$2-run$1 line="" args=()
	[ "$2" != fpvpnd-soft ] && line=flow-offload-dtls
	[ "$2" = fpvpnd-co ] && args=(--rx-coalesce "$COALESCE")
	ac_conf "$line" >"$NT_WORK/$name.conf"
	nt_start a "$NT_WORK/$name.conf" "${args[@]}"
	nt_cli a clear flow-offload-dtls statistics >/dev/null
	nt_cli a clear asp drop >/dev/null
	login "$name"
	sleep 0.3 # the rule follows the client's first record at the new epoch
	if [ -s "$NT_WORK/$name.suite" ]; then
		cells "$2" "${NT_FPVPND_PID[a]}"
	else
		echo "  $2: no DTLS, not measured (see $name.log)"
	fi
	nt_alive a || { echo "  !! fpvpnd died; its log ends:"; tail -n 5 "${NT_LOG[a]}" | sed 's/^/     /'; }
	nt_cli a show flow-offload-dtls statistics >"$NT_WORK/$name-dtls.txt" 2>&1
	nt_cli a show asp drop >"$NT_WORK/$name-drop.txt" 2>&1
	logout
	nt_stop a >/dev/null
}

# ---------------------------------------------------------------- the run

nt_say "remote-access benchmark: $RUNS runs of ${SECS}s per cell; $(nproc) CPUs; $(uname -r); load $(cut -d' ' -f1-3 /proc/loadavg)"
nt_topo_up
# GRO on the headend's outside device, as a NIC has it by default (a veth
# has it off): a socket that asks for UDP_GRO gets runs of one client's
# records in one read; one that does not (ocserv's) gets them one by one
if [ "$GRO" = 1 ]; then
	nt_require ethtool
	nt_in a ethtool -K "$NT_AOUT" gro on >/dev/null || nt_die "ethtool -K $NT_AOUT gro on"
fi
echo "GRO on the headend's outside veth: $(nt_in a ethtool -k "$NT_AOUT" 2>/dev/null | awk '/^generic-receive-offload/ { print $2 }')"
ac_cert
ac_script
echo "fpvpnd: $("$NT_FPVPND" --version 2>/dev/null) from $build"
echo "openconnect: $(openconnect --version 2>/dev/null | head -1)"
case " $GWS " in *" ocserv "*)
	oc_files
	echo "ocserv: $(ocserv --version 2>&1 | head -1)" ;;
esac
echo "DTLS: ${DTLS12:+legacy $DTLS12}${DTLS12:-PSK-NEGOTIATE}"
start=$(date +%s)
for run in $(seq "$RUNS"); do
	nt_say "run $run of $RUNS"
	for gw in $GWS; do
		case $gw in
		ocserv) run_ocserv "$run" ;;
		fpvpnd | fpvpnd-soft | fpvpnd-co) run_fpvpnd "$run" "$gw" ;;
		*) echo "  unknown gateway $gw" ;;
		esac
	done
done
elapsed=$(($(date +%s) - start))

nt_say "DTLS as openconnect logged it (run 1)"
for gw in $GWS; do echo "  $gw: $(cat "$NT_WORK/$gw-run1.suite" 2>/dev/null)"; done
nt_say "fpvpnd's counters after its last run (drops and engine records)"
for gw in $GWS; do
	case $gw in fpvpnd*) ;; *) continue ;; esac
	last=$NT_WORK/$gw-run$RUNS
	echo "  $gw: $(grep -E 'Offloaded sessions|DTLS_OFFLOAD_(IB|OB)_PKT_SUCCESS|drop|anti' "$last-dtls.txt" |
		awk -F': *' '$NF != 0 || /Offloaded/ { gsub(/^ +/, ""); printf "%s; ", $0 }')"
	echo "  $gw show asp drop: $(awk '/\(/ && $NF != 0 { printf "%s; ", $0 }' "$last-drop.txt")"
done

nt_say "medians of $RUNS runs (${SECS}s each; measured in ${elapsed}s; load $(cut -d' ' -f1-3 /proc/loadavg))"
"$NT_PY" - "$RESULTS" <<'PY'
import sys, statistics
from collections import OrderedDict
rows = OrderedDict()
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) != 10:
        continue
    gw, test, via = f[:3]
    try:
        v = tuple(float(x) for x in f[3:])
    except ValueError:
        continue
    rows.setdefault((gw, test), []).append((via, v))
tests = {"tcp1": "TCP, client -> inside", "tcp1r": "TCP, inside -> client",
         "udp": "UDP -b 0, client -> inside", "udpr": "UDP -b 0, inside -> client"}
med = statistics.median
def cell(k):
    r = rows.get(k)
    if not r:
        return None
    v = [x[1] for x in r]
    vias = sorted(set(x[0] for x in r))
    return ("/".join(vias), med([x[0] for x in v]), min(x[0] for x in v), max(x[0] for x in v),
            med([x[1] for x in v]), med([x[2] for x in v]), med([x[3] for x in v]),
            med([x[4] for x in v]), med([x[5] for x in v]), med([x[6] for x in v]))
hdr = ("| test | headend | via | Gbit/s | range | retr / lost% | headend us/pkt | of it user | client us/pkt"
       " | headend CPU % | busy % | Gbit/s vs ocserv | CPU/pkt ocserv / this | user ocserv / this"
       " | bound: ocserv / this's system part |")
print(hdr)
print("|" + "---|" * (hdr.count("|") - 1))
order = [t for t in tests if any(k[1] == t for k in rows)]
order += [t for (_, t) in rows if t not in order]
for test in order:
    oc = cell(("ocserv", test))
    for gw in ["ocserv", "fpvpnd", "fpvpnd-co", "fpvpnd-soft"]:
        c = cell((gw, test))
        if not c:
            continue
        ratio = cpu = user = bound = ""
        if oc and gw != "ocserv":
            bound = "%.1fx" % (oc[5] / (c[5] - c[9])) if c[5] > c[9] else ""
            ratio = "%.2fx" % (c[1] / oc[1]) if oc[1] > 0 else ""
            cpu = "%.1fx" % (oc[5] / c[5]) if c[5] > 0 else ""
            user = "%.1fx" % (oc[9] / c[9]) if c[9] > 0 else ""
        extra = ("%.1f%%" % c[4]) if test.startswith("udp") else "%d" % c[4]
        print("| %s | %s | %s | %.2f | %.2f-%.2f | %s | %.2f | %.2f | %.2f | %.0f | %.0f | %s | %s | %s | %s |" % (
            tests.get(test, test), gw, c[0], c[1], c[2], c[3], extra, c[5], c[9], c[6], c[7], c[8], ratio, cpu, user,
            bound))
PY
echo
echo "Gbit/s: iperf3 receiver, inner bytes. us/pkt: CPU time (utime+stime, all threads and processes) per"
echo "data packet; one packet = one DTLS record opened or sealed by the headend, the TCP ACKs charged to it."
echo "of it user: the headend's own code (utime); the rest is its system calls, and the kernel work they"
echo "run on the way (the inside TCP/UDP stack behind a TUN write, the veth peer's receive behind a send)."
echo "busy %: the whole machine, out of $((100 * $(nproc)))%. via: DTLS unless the TLS connection carried the data."
echo "bound: the CPU ratio this headend would reach if its own code took no time at all (ocserv's"
echo "us/pkt over this one's system part): the kernel work of its calls alone caps the ratio there."
echo "Goal (issue 9): fpvpnd's CPU per packet >= 7x less than ocserv's. Compare only within one run."
