#!/usr/bin/env bash
# bench_fanout.sh: what a fan-out through drconsole costs over plain ssh.
# Starts N sshd on 127.0.0.1 (tests/e2e/ssh_lib.sh, as root), then times
#   drconsole run on a one-step runbook: `true` on the N hosts, all at once
# against the same fan-out by hand:
#   for h in HOSTS; do ssh -F CONFIG "$h" true & done; wait
# alternating the two, and prints the ratio of the medians (target: at
# most 1.2). Exits 1 when the target is missed, 77 without sshd.
#   usage: tests/bench/bench_fanout.sh [HOSTS] [ROUNDS]     (default 20 7)
# Needs a built ./drconsole (or $DRCONSOLE); an optimised build, not one
# with sanitizers, measures what operators get.
set -euo pipefail
N=${1:-20}
ROUNDS=${2:-7}
TARGET=1.2
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
	echo "  - { id: fan, title: Fan out, on: \"$(echo $hosts | tr ' ' ',')\", run: 'true', confirm: no }"
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
hand= drc=
for _ in $(seq "$ROUNDS"); do
	hand="$hand $(ms by_hand)"
	drc="$drc $(ms through_drconsole)"
done
grep -q '"status":"ok"' "$scratch/incident.$runs/journal.jsonl" ||
	{ echo "bench: the fan-out did not end ok"; exit 1; }
mh=$(echo "$hand" | median)
md=$(echo "$drc" | median)
ratio=$(awk -v a="$md" -v b="$mh" 'BEGIN { printf "%.2f", a / b }')
echo "bench: $N hosts, \`true\`, $ROUNDS rounds each (ms):"
echo "bench:   ssh by hand in parallel:$hand  (median $mh)"
echo "bench:   drconsole run:          $drc  (median $md)"
echo "bench: ratio drconsole / by hand = $ratio (target <= $TARGET)"
awk -v r="$ratio" -v t="$TARGET" 'BEGIN { exit !(r <= t) }' || { echo "bench: target missed"; exit 1; }
