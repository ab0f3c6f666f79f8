#!/usr/bin/env bash
# End-to-end throughput: iperf3 between two sites through two fpvpnd, beside
# two strongSwan charons (kernel-libipsec) with the same ESP transform, in
# the same run. Prints one table; never passes or fails on speed.
#
#   bash tests/netns/bench_e2e.sh [BUILD_DIR]        (make bench-e2e; as root)
#
# Environment:
#   BENCH_SECONDS=2    length of each iperf3 run
#   BENCH_RUNS=3       runs of each cell; the table shows the median
#   BENCH_XFORMS="gcm128 cbc256sha256"
#   BENCH_NOIO_XFORMS="gcm128"   transforms also run with fpvpnd --no-offload-io
#   BENCH_RAW_XFORMS="gcm128"    transforms also run with raw ESP (fpvpnd only; libipsec cannot)
#   BENCH_TESTS="tcp1 tcp4 udp"  tcp1: 1 TCP stream, tcp4: -P 4, udp: -u -b 0 -l BENCH_UDP_LEN
#   BENCH_UDP_LEN=1372 UDP payload: 1400-byte inner MTU - 28 (1400 would fragment every datagram)
#   BENCH_PIPES=""     fpvpnd --pipes N (default: one per CPU)
#   BENCH_ONLY=strongswan|fpvpnd   one side only
#
# Topology (docs/testing.md): fpvpnd sites in netns fpa/fpb (inside TUN
# 10.1.0.1 <-> 10.2.0.1, outside veth 198.51.100.1 <-> .2); strongSwan in
# netns ssa/ssb (LANs 198.18.11.1 <-> 198.18.12.1 on lo, outside 198.18.10.1
# <-> .2). Both carry ESP in UDP/4500 (libipsec cannot do raw ESP), both
# inner MTUs are 1400. iperf3 client in site A, server in site B.
#
# CPU per packet: utime+stime of both gateway processes (all threads; for
# strongSwan the two charons) over the run, from /proc/PID/stat, divided by
# the packets iperf3 moved: TCP bytes received / MSS (inner MTU - 52), UDP
# datagrams received. One packet costs one encryption and one decryption;
# the TCP ACKs going back are charged to the data packets. "busy" is the
# whole machine's CPU use during the run (/proc/stat), out of 100% x CPUs:
# near the top, everything (iperf3, kernel, both gateways) shares too few
# cores and the figure says more about the machine than the gateway.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd) # tests/netns/ -> repo root
build=${1:-build}
case $build in /*) ;; *) build=$here/$build ;; esac

SECS=${BENCH_SECONDS:-2}
RUNS=${BENCH_RUNS:-3}
XFORMS=${BENCH_XFORMS:-gcm128 cbc256sha256}
NOIO_XFORMS=${BENCH_NOIO_XFORMS-gcm128}
RAW_XFORMS=${BENCH_RAW_XFORMS-gcm128}
TESTS=${BENCH_TESTS:-tcp1 tcp4 udp}
UDP_LEN=${BENCH_UDP_LEN:-1372}
ONLY=${BENCH_ONLY:-}

[ "$ONLY" = strongswan ] && export NT_NO_FPVPND=1
. "$here/tests/netns/lib.sh"
. "$here/tests/netns/strongswan.sh"
. "$here/tests/netns/bench.sh"
nt_init "$build" bench-e2e
nt_require iperf3
[ "$ONLY" = fpvpnd ] || ss_require

CLK_TCK=$(getconf CLK_TCK)
RESULTS=$NT_WORK/results.txt # one line per run: xform gw test gbps extra cpu_us_per_pkt cpu_pct busy_pct
: >"$RESULTS"

# cell XFORM GW TEST NS_FROM NS_TO SRC DST MTU PIDS...: one iperf3 run.
cell() {
	local xf=$1 gw=$2 test=$3 from=$4 to=$5 src=$6 dst=$7 mtu=$8; shift 8
	local opts=() json=$NT_WORK/iperf-$gw-$xf-$test.json
	case $test in
	tcp1) opts=() ;;
	tcp4) opts=(-P 4) ;;
	udp) opts=(-u -b 0 -l "$UDP_LEN") ;;
	esac
	bench_iperf_server "$to" "$dst"
	local t0 t1 w0 w1 s0 s1
	t0=$(bench_ticks "$@"); w0=$(date +%s%N); s0=$(bench_sysbusy)
	ip netns exec "$from" timeout $((SECS + 8)) iperf3 -c "$dst" -B "$src" -t "$SECS" -J "${opts[@]}" >"$json" 2>/dev/null
	t1=$(bench_ticks "$@"); w1=$(date +%s%N); s1=$(bench_sysbusy)
	local busy; busy=$(bench_busy_pct "$s0" "$s1")
	nt_wait_pid "$BENCH_SPID" 30 || kill "$BENCH_SPID" 2>/dev/null
	local gbps extra mn n bytes
	read -r gbps extra mn n bytes <<<"$(nt_iperf_summary "$json")"
	local pkts
	if [ "$test" = udp ]; then pkts=$((bytes / UDP_LEN)); else pkts=$((bytes / (mtu - 52))); fi
	local cpu_s cpu_us cpu_pct
	cpu_s=$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.3f", d / hz }')
	cpu_us=$(awk -v c="$cpu_s" -v p="$pkts" 'BEGIN { printf "%.2f", p ? c * 1e6 / p : 0 }')
	cpu_pct=$(awk -v c="$cpu_s" -v w=$(((w1 - w0) / 1000000)) 'BEGIN { printf "%.0f", w ? c * 1e5 / w : 0 }')
	local p dead=""
	for p in "$@"; do kill -0 "$p" 2>/dev/null || dead="$dead $p"; done
	if [ -n "$dead" ]; then
		echo "  !! $gw: gateway process(es)$dead died during $xf $test"
		echo "$xf $gw $test" >>"$NT_WORK/died.txt"
	fi
	echo "$xf $gw $test ${gbps:-0} ${extra:-0} ${cpu_us:-0} ${cpu_pct:-0} ${busy:-0}" >>"$RESULTS"
	printf '  %-13s %-22s %-5s %7s Gbit/s  %s %-8s  CPU %6s us/pkt %4s%%  busy %3s%%\n' "$xf" "$gw" "$test" "$gbps" \
		"$([ "$test" = udp ] && echo "lost%" || echo "retr")" "$extra" "$cpu_us" "$cpu_pct" "$busy"
}

mtu_of() { ip -n "$1" link show "$2" 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "mtu") print $(i+1) }'; }

run_ss() { # XFORM
	local child=$1
	ss_terminate a
	ss_initiate "$child" a
	local mtu; mtu=$(mtu_of "$SS_A" ipsec0); mtu=${mtu:-1400}
	local t
	for t in $TESTS; do
		cell "$1" strongswan "$t" "$SS_A" "$SS_B" "$SS_A_LAN" "$SS_B_LAN" "$mtu" "${SS_PID[a]}" "${SS_PID[b]}"
	done
}

run_fp() { # XFORM GWNAME ENCAP [fpvpnd options]
	local xf=$1 gw=$2 encap=$3; shift 3
	NT_XFORM=$xf NT_ENCAP=$encap nt_conf a "$NT_WORK/a.conf"
	NT_XFORM=$xf NT_ENCAP=$encap nt_conf b "$NT_WORK/b.conf"
	local popt=()
	[ -n "${BENCH_PIPES:-}" ] && popt=(--pipes "$BENCH_PIPES")
	nt_start a "$NT_WORK/a.conf" "${popt[@]}" "$@"
	nt_start b "$NT_WORK/b.conf" "${popt[@]}" "$@"
	nt_ping a 3 >/dev/null || { nt_stop a; nt_stop b; echo "  $gw $xf: no ping through the tunnel, skipped"; return; }
	local mtu; mtu=$(mtu_of "$NT_A" "$NT_TUN"); mtu=${mtu:-1400}
	local t
	for t in $TESTS; do
		if ! nt_alive a || ! nt_alive b; then
			echo "  $gw $xf: a gateway died, $t not run"
			continue
		fi
		cell "$xf" "$gw" "$t" "$NT_A" "$NT_B" "$NT_A_IN_IP" "$NT_B_IN_IP" "$mtu" \
			"${NT_FPVPND_PID[a]}" "${NT_FPVPND_PID[b]}"
	done
	local s
	for s in a b; do
		nt_alive $s && continue
		echo "  !! fpvpnd $s died; its log ends:"
		tail -n 5 "${NT_LOG[$s]}" | sed 's/^/     /'
	done
	nt_stop a >/dev/null
	nt_stop b >/dev/null
}

child_of() { case $1 in gcm128) echo gcm128 ;; gcm256) echo gcm256 ;; cbc256sha256) echo cbc256sha256 ;; cbc256sha384) echo cbc256sha384 ;; *) echo "" ;; esac; }

nt_say "end-to-end benchmark: $RUNS runs of ${SECS}s per cell; $(nproc) CPUs; $(uname -r)"
if [ "$ONLY" != strongswan ]; then
	nt_topo_up
	echo "fpvpnd: $("$NT_FPVPND" --version 2>/dev/null) from $build"
fi
if [ "$ONLY" != fpvpnd ]; then
	ss_topo_up
	ss_start a
	ss_start b
	echo "strongSwan: $($SS_CHARON --version 2>/dev/null | head -1 || dpkg-query -W -f='${Version}' strongswan-charon)"
fi
start=$(date +%s)
for run in $(seq "$RUNS"); do
	nt_say "run $run of $RUNS"
	for xf in $XFORMS; do
		if [ "$ONLY" != fpvpnd ]; then
			if [ -n "$(child_of "$xf")" ]; then run_ss "$xf"; else echo "  strongSwan: no child for $xf"; fi
		fi
		[ "$ONLY" = strongswan ] && continue
		run_fp "$xf" fpvpnd "4500 4500"
		case " $NOIO_XFORMS " in *" $xf "*) run_fp "$xf" fpvpnd-no-offload-io "4500 4500" --no-offload-io ;; esac
		case " $RAW_XFORMS " in *" $xf "*) run_fp "$xf" fpvpnd-raw-esp "" ;; esac
	done
done
elapsed=$(($(date +%s) - start))

nt_say "medians of $RUNS runs (${SECS}s each; measured in ${elapsed}s)"
"$NT_PY" - "$RESULTS" "$RUNS" <<'PY'
import sys, statistics
from collections import defaultdict, OrderedDict
rows = OrderedDict()
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) != 8:
        continue
    xf, gw, test = f[:3]
    try:
        v = tuple(float(x) for x in f[3:])
    except ValueError:
        continue
    rows.setdefault((xf, gw, test), []).append(v)
names = {"gcm128": "AES-GCM-128", "gcm256": "AES-GCM-256", "cbc256sha256": "AES-256-CBC/SHA-256",
         "cbc256sha384": "AES-256-CBC/SHA-384"}
tests = {"tcp1": "TCP, 1 stream", "tcp4": "TCP, 4 streams", "udp": "UDP -b 0"}
med = lambda v: statistics.median(v)
def cell(k):
    r = rows.get(k)
    if not r:
        return None
    return (med([x[0] for x in r]), min(x[0] for x in r), max(x[0] for x in r),
            med([x[1] for x in r]), med([x[2] for x in r]), med([x[3] for x in r]), med([x[4] for x in r]))
hdr = "| transform | test | gateway | Gbit/s | range | retr / lost% | CPU us/pkt | gw CPU % | busy % | vs strongSwan |"
print(hdr)
print("|" + "---|" * (hdr.count("|") - 1))
order = []
for (xf, gw, test) in rows:
    if (xf, test) not in order:
        order.append((xf, test))
for xf, test in sorted(order, key=lambda k: (list(names).index(k[0]) if k[0] in names else 9, list(tests).index(k[1]))):
    ss = cell((xf, "strongswan", test))
    for gw in ["strongswan", "fpvpnd", "fpvpnd-no-offload-io", "fpvpnd-raw-esp"]:
        c = cell((xf, gw, test))
        if not c:
            continue
        ratio = ("%.1fx" % (c[0] / ss[0])) if ss and ss[0] > 0 and gw != "strongswan" else ""
        extra = ("%.1f%%" % c[3]) if test == "udp" else "%d" % c[3]
        print("| %s | %s | %s | %.2f | %.2f-%.2f | %s | %.2f | %.0f | %.0f | %s |" % (
            names.get(xf, xf), tests.get(test, test), gw, c[0], c[1], c[2], extra, c[4], c[5], c[6], ratio))
PY
echo
echo "Gbit/s: iperf3 receiver, inner bytes. CPU us/pkt and gw CPU %: both gateways together (encrypt + decrypt)."
echo "busy %: the whole machine, out of $((100 * $(nproc)))%. vs strongSwan: Gbit/s ratio, same transform and test."
[ -s "$NT_WORK/died.txt" ] && echo "A gateway died during: $(sort -u "$NT_WORK/died.txt" | tr '\n' ';') (its cells are 0 or low)."
echo "Goal: fpvpnd >= 10x strongSwan. All processes share the same $(nproc) CPUs: compare only within one run."
