#!/usr/bin/env bash
# bench_fold.sh [N]: how fast every reader of an N-event journal (default
# 1,000,000) reads it, against `jq -c . journal.jsonl > /dev/null` on the
# same file, and their peak RSS: the fold alone (bench_fold), `drconsole
# replay --instant`, `drconsole report` (markdown) and `drconsole watch`
# (its --script mode, waiting until the run's end is on its screen, then
# quitting). Target (issue #13): each at most 0.5x jq's CPU time, under
# 64 MiB. Timings depend on the machine: read them, never assert them in
# make check.
#   make tests/bench/bench_fold && tests/bench/bench_fold.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=${top_builddir:-$here/../..}
N=${1:-1000000}
DRCONSOLE=${DRCONSOLE:-$top/drconsole}
FOLD=$top/tests/bench/bench_fold
command -v jq > /dev/null || { echo "bench_fold: jq is not installed"; exit 77; }
[ -x /usr/bin/time ] || { echo "bench_fold: /usr/bin/time is not installed"; exit 77; }
[ -x "$FOLD" ] || { echo "bench_fold: build it first: make tests/bench/bench_fold"; exit 2; }
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/drconsole-bench-fold-$N}
if [ ! -s "$dir/journal.jsonl" ] || [ ! -s "$dir/journal.head" ]; then
	echo "generating $N events in $dir ..."
	python3 "$here/gen_journal.py" "$N" "$dir"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/drconsole-bench-fold.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "journal: $dir/journal.jsonl, $(wc -l < "$dir/journal.jsonl") lines, $(du -h "$dir/journal.jsonl" | cut -f1)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
cat "$dir/journal.jsonl" > /dev/null	# warm the page cache for all of them

# watch reads the journal as it does live, a poll at a time, and its
# script waits until the run's end shows on its screen ("completed", the
# status gen_journal.py ends the run with), then quits: the whole journal
# was read. A script that fails (the screen changed) says so; it is then
# not measured rather than measured wrong.
printf 'wait-text completed 3600\nquit\n' > "$work/watch.script"

# measure NAME CMD...: the CPU seconds (user + system: on a shared machine
# the wall clock measures the neighbours too), wall seconds and peak RSS
# (KiB) of CMD, into $secs $rss; its stdout and stderr go to $work/out.NAME.
# A command that fails is reported and leaves secs empty.
measure() {
	name=$1; shift
	secs='' rss=''
	if ! /usr/bin/time -f '%U %S %e %M' -o "$work/time.$name" "$@" > "$work/out.$name" 2>&1; then
		printf '%-8s FAILED (%s): %s\n' "$name" "$(tail -n 1 "$work/time.$name" | cut -c1-60)" \
		    "$(grep -v '^Command exited' "$work/out.$name" | tail -n 1 | cut -c1-200)"
		return 0
	fi
	read -r user sys wall rss < "$work/time.$name"
	secs=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	printf '%-8s %7.2fs CPU  %7.2fs wall  %6d MiB\n' "$name" "$secs" "$wall" $((rss / 1024))
}

# ratio NAME: one line, NAME's CPU time against jq's and its peak RSS.
ratio() {
	eval "s=\${secs_$1:-} r=\${rss_$1:-}"
	if [ -z "$s" ]; then
		printf '%-10s  not measured (it failed, see above)\n' "$1/jq:"
		return
	fi
	awk -v n="$1/jq:" -v j="$jq_s" -v s="$s" -v r="$r" 'BEGIN {
		printf "%-10s %5.2f (target <= 0.50): %s; RSS %d MiB (target < 64): %s\n", n, s / j,
		    s / j <= 0.5 ? "ok" : "MISSED", r / 1024, r < 65536 ? "ok" : "MISSED"
	}'
}

measure jq jq -c . "$dir/journal.jsonl"
jq_s=$secs
[ -n "$jq_s" ] || exit 1
measure fold "$FOLD" "$dir"
secs_fold=$secs rss_fold=$rss
measure replay "$DRCONSOLE" replay --instant "$dir"
secs_replay=$secs rss_replay=$rss
measure report "$DRCONSOLE" report "$dir"
secs_report=$secs rss_report=$rss
measure watch "$DRCONSOLE" watch --script "$work/watch.script" "$dir"
secs_watch=$secs rss_watch=$rss
[ -z "$secs_fold" ] || tail -n 1 "$work/out.fold"
[ -z "$secs_replay" ] || tail -n 1 "$work/out.replay"
[ -z "$secs_report" ] || grep -m 1 '^- Journal:' "$work/out.report" || true
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "CPU time ratios:"
for reader in fold replay report watch; do
	ratio "$reader"
done
