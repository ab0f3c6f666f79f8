# shellcheck shell=bash
# What the live benchmarks (bench_e2e.sh, bench_ra.sh) share: the CPU time
# of processes, the machine's busy share, an iperf3 server waited for.
# Source tests/netns/lib.sh first (NT_PIDS).

# bench_ticks PID...: their summed utime+stime (all threads), in clock ticks;
# a process that is gone adds nothing (the caller says so)
bench_ticks() { bench_ticks_split "$@" | awk '{ print $1 + $2 }'; }

# bench_ticks_split PID...: "UTIME STIME", summed, in clock ticks
bench_ticks_split() {
	local p u=0 s=0 f
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] || continue
		read -r -a f 2>/dev/null <"/proc/$p/stat" || continue
		# fields after the ")" of comm: utime and stime are fields 14 and 15
		local rest=${f[*]}; rest=${rest#*) }; read -r -a f <<<"$rest"
		u=$((u + f[11])) s=$((s + f[12]))
	done
	echo "$u $s"
}

# bench_sysbusy: "BUSY IDLE", the whole machine's jiffies so far (/proc/stat)
bench_sysbusy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; }

# bench_busy_pct "B0 I0" "B1 I1": the machine's CPU use between the two
# bench_sysbusy readings, out of 100% x CPUs
bench_busy_pct() {
	local b0 i0 b1 i1
	read -r b0 i0 <<<"$1"
	read -r b1 i1 <<<"$2"
	echo $(((b1 - b0) * 100 * $(nproc) / (b1 - b0 + i1 - i0 + 1)))
}

# bench_iperf_server NS ADDR: one iperf3 test's server in NS on ADDR, port
# 5201 listening on return; its pid in BENCH_SPID
bench_iperf_server() {
	ip netns exec "$1" iperf3 -s -1 -B "$2" >/dev/null 2>&1 &
	BENCH_SPID=$!
	NT_PIDS+=("$BENCH_SPID")
	for _ in $(seq 50); do
		ip netns exec "$1" ss -ltn 2>/dev/null | grep -q ':5201 ' && break
		sleep 0.1
	done
}
