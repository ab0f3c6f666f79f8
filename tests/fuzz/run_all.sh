#!/usr/bin/env bash
# Every libFuzzer target of BUILD_FUZZ, JOBS at a time (the Makefile's
# test-fuzz and fuzz-long): each with its corpus in BUILD_FUZZ/corpus/NAME
# and the seeds of tests/fuzz/corpus/NAME, its log in BUILD_FUZZ/NAME.log.
# The first failing target's log tail is printed and the exit is 1.
#   bash tests/fuzz/run_all.sh BUILD_FUZZ JOBS WHAT LIBFUZZER-ARGS...
set -u
build=$1 jobs=$2 what=$3
shift 3
cd "$(dirname "$0")/../.." || exit 1
fail=""
# one NAME: the target, quietly; its tail once done
one() {
	local n=$1 rc
	shift
	mkdir -p "$build/corpus/$n"
	"$build/tests/$n" "$@" -timeout=10 -print_final_stats=1 "$build/corpus/$n" \
		"tests/fuzz/corpus/$n" >"$build/$n.log" 2>&1
	rc=$?
	{ echo "fuzzed $n: $what"; tail -n 12 "$build/$n.log"; } >"$build/$n.tail"
	return $rc
}
declare -A pid_of
for f in tests/fuzz/fuzz_*.c; do
	n=$(basename "$f" .c)
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
	one "$n" "$@" &
	pid_of[$n]=$!
done
for f in tests/fuzz/fuzz_*.c; do # in order, each once it is done
	n=$(basename "$f" .c)
	wait "${pid_of[$n]}" || fail="$fail $n"
	cat "$build/$n.tail"
done
if [ -n "$fail" ]; then
	for n in $fail; do echo "$n: libFuzzer failed (crash input: see $build/$n.log)"; done
	exit 1
fi
