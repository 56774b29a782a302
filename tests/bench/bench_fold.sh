#!/usr/bin/env bash
# bench_fold.sh [N]: how fast the fold (runstate.h) and `drconsole replay
# --instant` read an N-event journal (default 1,000,000), against
# `jq -c . journal.jsonl > /dev/null` on the same file, and their peak RSS.
# Target: each at most 0.5x jq's time, under 64 MiB. Timings depend on the
# machine: read them, never assert them in make check.
#   make tests/bench/bench_fold && tests/bench/bench_fold.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=${top_builddir:-$here/../..}
N=${1:-1000000}
DRCONSOLE=${DRCONSOLE:-$top/drconsole}
FOLD=$top/tests/bench/bench_fold
command -v jq > /dev/null || { echo "bench_fold: jq is not installed"; exit 77; }
[ -x "$FOLD" ] || { echo "bench_fold: build it first: make tests/bench/bench_fold"; exit 2; }
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/drconsole-bench-fold-$N}
if [ ! -s "$dir/journal.jsonl" ]; then
	echo "generating $N events in $dir ..."
	python3 "$here/gen_journal.py" "$N" "$dir"
fi
echo "journal: $dir/journal.jsonl, $(wc -l < "$dir/journal.jsonl") lines, $(du -h "$dir/journal.jsonl" | cut -f1)"
cat "$dir/journal.jsonl" > /dev/null	# warm the page cache for all three

# measure NAME CMD...: the CPU seconds (user + system: on a shared machine
# the wall clock measures the neighbours too), wall seconds and peak RSS
# (KiB) of CMD, into $secs $wall $rss.
measure() {
	name=$1; shift
	/usr/bin/time -f '%U %S %e %M' -o "$dir/time.$name" "$@" > "$dir/out.$name" 2>&1 || true
	read -r user sys wall rss < "$dir/time.$name"
	secs=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	printf '%-8s %7.2fs CPU  %7.2fs wall  %6d MiB\n' "$name" "$secs" "$wall" $((rss / 1024))
}
measure jq jq -c . "$dir/journal.jsonl"
jq_s=$secs
measure fold "$FOLD" "$dir"
fold_s=$secs fold_rss=$rss
measure replay "$DRCONSOLE" replay --instant "$dir"
replay_s=$secs replay_rss=$rss
tail -n 1 "$dir/out.fold"
tail -n 1 "$dir/out.replay"
awk -v j="$jq_s" -v f="$fold_s" -v r="$replay_s" -v fm="$fold_rss" -v rm="$replay_rss" 'BEGIN {
	printf "CPU time ratios:\n"
	printf "fold/jq:   %.2f (target <= 0.50): %s; RSS %d MiB (target < 64): %s\n", f / j,
	    f / j <= 0.5 ? "ok" : "MISSED", fm / 1024, fm < 65536 ? "ok" : "MISSED"
	printf "replay/jq: %.2f (target <= 0.50): %s; RSS %d MiB (target < 64): %s\n", r / j,
	    r / j <= 0.5 ? "ok" : "MISSED", rm / 1024, rm < 65536 ? "ok" : "MISSED"
}'
