#!/bin/bash
# Keys in fpvpnd's memory (docs/architecture.md "Secrets in memory"):
#   1. configure terminal with session-key lines carrying fresh keys, well
#      placed and misplaced (SPI, direction, sequence number, map name,
#      command word), show KEY, '?' and completion with a key: no reply
#      quotes a key, and none of the typed hex text (no run of 16 of its
#      digits) is left anywhere in the daemon's memory (/proc/PID/mem);
#   2. the daemon is not dumpable (prctl(PR_GET_DUMPABLE) asked inside it
#      through gdb; a plain process answers 1, so the question works): the
#      kernel writes no core of it, and only CAP_SYS_PTRACE reads its memory;
#   3. --allow-core-dumps (debugging) leaves it dumpable.
#
#  netns A: fpvpnd (default)          netns B: fpvpnd --allow-core-dumps
#   control socket <- keyscan.py       (no traffic needed)
#
#   bash tests/interop/test_live_secrets.sh BUILD_DIR     (exit 77 = skipped)
. "$(dirname "$0")/../netns/lib.sh"
nt_init "${1:?usage: $0 BUILD_DIR}" live-secrets
nt_topo_up
nt_conf a "$NT_WORK/a.conf"
nt_conf b "$NT_WORK/b.conf"
nt_start a "$NT_WORK/a.conf"
nt_start b "$NT_WORK/b.conf" --allow-core-dumps

# dumpable PID: PR_GET_DUMPABLE as PID itself sees it (0 or 1), by gdb.
# Nothing outside the process tells it: /proc/PID/environ stays readable
# to root either way, /proc/PID/mem needs CAP_SYS_PTRACE either way.
dumpable() {
	timeout 30 gdb -p "$1" -batch -nx \
		-ex 'print ((int (*)(int, long, long, long, long))prctl)(3, 0, 0, 0, 0)' 2>/dev/null |
		sed -n 's/^\$1 = //p'
}

nt_say "1. typed keys: replies and memory"
"$NT_PY" "$NT_ROOT/tests/interop/keyscan.py" "${NT_SOCK[a]}" "${NT_FPVPND_PID[a]}" \
	"$NT_WORK/a.conf" >"$NT_WORK/scan.txt" 2>&1
rc=$?
sed 's/^/     /' "$NT_WORK/scan.txt"
nt_check "no typed key in a reply or in fpvpnd's memory (keyscan exit $rc)" test $rc = 0
nt_check "fpvpnd a alive after the session" nt_alive a

nt_say "2. not dumpable"
if command -v gdb >/dev/null; then
	sleep 30 &
	sleeper=$!
	NT_PIDS+=("$sleeper")
	d=$(dumpable "$sleeper")
	if [ -z "$d" ]; then
		# seen on some machines: gdb 13 cannot call a function in the
		# inferior ("Couldn't write extended state status") and leaves it
		# broken; asking fpvpnd so would kill it
		echo "SKIP parts 2-3 (dumpable or not): gdb cannot call a function in a process on this" \
			"machine (the control process gave no answer)"
	else
		nt_check "control: a plain process says it is dumpable (got '$d')" test "$d" = 1
		d=$(dumpable "${NT_FPVPND_PID[a]}")
		nt_check "fpvpnd a is not dumpable (got '$d')" test "$d" = 0
		d=$(dumpable "${NT_FPVPND_PID[b]}")
		nt_check "fpvpnd b (--allow-core-dumps) is dumpable (got '$d')" test "$d" = 1
	fi
else
	echo "SKIP parts 2-3 (dumpable or not): gdb not installed (apt-get install gdb)"
fi

nt_say "3. --allow-core-dumps"
nt_check "fpvpnd b warned that a core holds its keys" \
	grep -q "allow-core-dumps: a core dump of this process holds its session keys" "${NT_LOG[b]}"

nt_stop a
nt_stop b
nt_done
