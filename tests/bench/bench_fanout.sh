#!/usr/bin/env bash
# bench_fanout.sh: what a fan-out through drconsole costs over plain ssh,
# and what reusing the connections saves.
# Starts N sshd on 127.0.0.1 (tests/e2e/ssh_lib.sh, as root), then runs
#   drconsole run on a runbook of STEPS steps, each `true` on the N hosts,
#   all at once
# alternating with the same fan-out by hand:
#   for h in HOSTS; do ssh -F CONFIG "$h" true & done; wait
# and prints, from the journal's step durations (medians over the rounds):
#   the first step / by hand          (target: at most 1.2): the first step
#     opens every connection, as ssh by hand does;
#   a later step / the first step     (target: at most 0.3): later steps go
#     back to the same hosts over the master connections the first opened.
# Exits 1 when a target is missed, 77 without sshd.
#   usage: tests/bench/bench_fanout.sh [HOSTS] [ROUNDS] [STEPS]  (default 20 7 10)
# Needs a built ./drconsole (or $DRCONSOLE); an optimised build, not one
# with sanitizers, measures what operators get.
set -euo pipefail
N=${1:-20}
ROUNDS=${2:-7}
STEPS=${3:-10}
TARGET=1.2
TARGET_LATER=0.3
top=$(cd "$(dirname "$0")/../.." && pwd)
DRC=${DRCONSOLE:-$top/drconsole}
[ -x "$DRC" ] || { echo "bench: build drconsole first ($DRC)"; exit 1; }
. "$top/tests/e2e/ssh_lib.sh"
ssh_have_tools || { echo "bench: needs sshd and ssh (openssh-server)"; exit 77; }

scratch=$(mktemp -d /tmp/drc-bench-fanout.XXXXXX)
fleet=$scratch/fleet
trap 'ssh_fleet_stop "$fleet"; rm -rf "$scratch"' EXIT
hosts=$(seq -f 'h%02g' 1 "$N" | tr '\n' ' ')
echo "bench: starting $N sshd on 127.0.0.1"
ssh_fleet_start "$fleet" $hosts || { echo "bench: cannot start sshd (run as root)"; exit 77; }

rb=$scratch/fanout.yaml
{
	echo "id: bench-fanout"
	echo "title: Fan-out bench"
	echo "objectives: { rto: 4h, rpo: 15m }"
	echo "hosts:"
	for h in $hosts; do echo "  $h: ~"; done
	echo "steps:"
	for k in $(seq "$STEPS"); do
		echo "  - { id: fan-$k, title: Fan out $k, on: \"$(echo $hosts | tr ' ' ',')\", run: 'true', confirm: no }"
	done
} > "$rb"
export DRCONSOLE_SSH_CONFIG=$fleet/ssh_config DRCONSOLE_SSH_KNOWN_HOSTS=$fleet/known_hosts

by_hand() {
	for h in $hosts; do
		ssh -F "$fleet/ssh_config" "$h" true &
	done
	wait
}

runs=0
through_drconsole() {
	runs=$((runs + 1))
	"$DRC" run --yes --incident-dir "$scratch/incident.$runs" "$rb" < /dev/null > "$scratch/run.out" 2>&1 ||
		{ echo "bench: drconsole run failed:"; cat "$scratch/run.out"; exit 1; }
}

# ms CMD: wall milliseconds of a shell function.
ms() {
	local t0
	t0=$(date +%s%N)
	"$@"
	echo $((($(date +%s%N) - t0) / 1000000))
}

median() {
	tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Warm both paths (page cache, sshd's first exec) before measuring.
by_hand
through_drconsole
# durations: the journal's step.end duration_ms of the last run, in order.
durations() {
	python3 -c 'import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") == "step.end":
        if e.get("status") != "ok":
            sys.exit("bench: step %s ended %s" % (e.get("step"), e.get("status")))
        print(e["duration_ms"])' "$scratch/incident.$runs/journal.jsonl"
}

hand= first= later= wall=
for _ in $(seq "$ROUNDS"); do
	hand="$hand $(ms by_hand)"
	wall="$wall $(ms through_drconsole)"
	d=$(durations) || exit 1
	first="$first $(echo "$d" | head -1)"
	# A later step: the median of steps 2..STEPS of this run.
	[ "$STEPS" -gt 1 ] && later="$later $(echo "$d" | tail -n +2 | median)"
done
mh=$(echo "$hand" | median)
mf=$(echo "$first" | median)
ratio=$(awk -v a="$mf" -v b="$mh" 'BEGIN { printf "%.2f", a / b }')
echo "bench: $N hosts, $STEPS steps of \`true\`, $ROUNDS rounds each (ms):"
echo "bench:   ssh by hand in parallel:$hand  (median $mh)"
echo "bench:   drconsole run, whole:   $wall  (median $(echo "$wall" | median))"
echo "bench:   its first step:         $first  (median $mf)"
echo "bench: ratio first step / by hand = $ratio (target <= $TARGET)"
fail=0
awk -v r="$ratio" -v t="$TARGET" 'BEGIN { exit !(r <= t) }' || { echo "bench: target missed"; fail=1; }
if [ "$STEPS" -gt 1 ]; then
	ml=$(echo "$later" | median)
	lratio=$(awk -v a="$ml" -v b="$mf" 'BEGIN { printf "%.2f", a / b }')
	echo "bench:   a later step:           $later  (median $ml)"
	echo "bench: ratio later step / first step = $lratio (target <= $TARGET_LATER)"
	awk -v r="$lratio" -v t="$TARGET_LATER" 'BEGIN { exit !(r <= t) }' ||
		{ echo "bench: later-step target missed"; fail=1; }
fi
exit $fail
