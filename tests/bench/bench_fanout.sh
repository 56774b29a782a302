#!/usr/bin/env bash
# bench_fanout.sh: what a fan-out through drconsole costs over plain ssh,
# and what reusing the connections saves.
# Starts N sshd on 127.0.0.1 (tests/e2e/ssh_lib.sh, as root), then, ROUNDS
# times, measures
#   ssh by hand, every host at once, fresh connections:
#     for h in HOSTS; do ssh -F CONFIG "$h" true & done; wait
#   the same by hand over master connections opened just before (what ssh
#     itself can do when it reuses connections: the floor, for reference);
#   drconsole run on a runbook of STEPS steps, each `true` on the N hosts,
#     all at once, read back from the journal's step durations;
# and prints the medians over the rounds, with
#   the first step / ssh by hand        (target: at most 1.2): the first
#     step opens every connection, as ssh by hand does;
#   the mean of the later steps / the first step (target: at most 0.3):
#     later steps go back to the same hosts over the master connections the
#     first opened.
# Each drconsole run must end ok on every host, with exactly one connection
# accepted per host (the reuse is real) and no master left behind.
#
# The hosts are logged into as BENCH_FANOUT_USER, by default a throwaway
# account made for the run with /bin/sh as its login shell, as a service
# account has: a login shell whose startup files run programs (the build
# machine's root runs `pyenv init` from ~/.bashrc, which Debian's bash
# reads under sshd) costs every ssh command, by hand or through drconsole,
# the same, and measures that shell, not the connections.
#   BENCH_FANOUT_USER=root tests/bench/bench_fanout.sh   # as root instead
# Exits 1 when a target is missed or a run goes wrong, 77 without sshd or
# root.
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
[ "$STEPS" -ge 2 ] || { echo "bench: STEPS must be at least 2"; exit 1; }
. "$top/tests/e2e/ssh_lib.sh"
ssh_have_tools || { echo "bench: needs sshd and ssh (openssh-server)"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "bench: sshd needs root"; exit 77; }
command -v python3 > /dev/null || { echo "bench: needs python3 to read the journal"; exit 77; }

scratch=$(mktemp -d /tmp/drc-bench-fanout.XXXXXX)
fleet=$scratch/fleet
# The by-hand reuse's masters, in a private folder of the scratch.
MUX=(-o ControlMaster=auto -o "ControlPath=$scratch/mux/%C" -o ControlPersist=60)
made_user=
cleanup() {
	close_masters 2> /dev/null || :
	ssh_fleet_stop "$fleet"
	[ -z "$made_user" ] || userdel "$made_user" 2> /dev/null || :
	rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
hosts=$(seq -f 'h%02g' 1 "$N" | tr '\n' ' ')

# The account on the hosts: sshd opens the fleet's authorized_keys as that
# user, so the folders on the way let it through (but not list them).
if [ -z "${BENCH_FANOUT_USER:-}" ]; then
	made_user=drcbench$$
	made_user=${made_user:0:31}
	mkdir "$scratch/home"
	useradd -M -d "$scratch/home" -s /bin/sh -p '*' "$made_user" ||
		{ made_user=; echo "bench: cannot make an account for the hosts (useradd)"; exit 77; }
	chown "$made_user" "$scratch/home"
	BENCH_FANOUT_USER=$made_user
fi
chmod 711 "$scratch"
export SSH_FLEET_USER=$BENCH_FANOUT_USER
echo "bench: starting $N sshd on 127.0.0.1, logging in as $BENCH_FANOUT_USER ($(getent passwd "$BENCH_FANOUT_USER" | cut -d: -f7))"
ssh_fleet_start "$fleet" $hosts || { echo "bench: cannot start sshd"; exit 77; }

rb=$scratch/fanout.yaml
on=$(echo $hosts | tr ' ' ',')
{
	echo "id: bench-fanout"
	echo "title: Fan-out bench"
	echo "objectives: { rto: 4h, rpo: 15m }"
	echo "hosts:"
	for h in $hosts; do echo "  $h: ~"; done
	echo "steps:"
	for k in $(seq "$STEPS"); do
		echo "  - { id: fan-$k, title: Fan out $k, on: \"$on\", run: 'true', confirm: no }"
	done
} > "$rb"
export DRCONSOLE_SSH_CONFIG=$fleet/ssh_config DRCONSOLE_SSH_KNOWN_HOSTS=$fleet/known_hosts

# by_hand [SSH OPTION...]: `ssh HOST true` on every host at once; fails
# unless every one succeeded.
by_hand() {
	local h pid pids= bad=0
	for h in $hosts; do
		ssh -F "$fleet/ssh_config" "$@" "$h" true < /dev/null &
		pids="$pids $!"
	done
	for pid in $pids; do
		wait "$pid" || bad=$((bad + 1))
	done
	[ "$bad" -eq 0 ] || { echo "bench: ssh by hand failed on $bad of $N hosts"; return 1; }
}

mkdir -m 700 "$scratch/mux"
close_masters() {
	local h
	for h in $hosts; do
		ssh -F "$fleet/ssh_config" "${MUX[@]}" -O exit "$h" > /dev/null 2>&1 || :
	done
}

# accepted: connections the whole fleet has accepted so far.
accepted() {
	cat "$fleet"/h*/sshd.log | grep -c 'Accepted publickey' || :
}

runs=0
# through_drconsole: one run; checks it ended ok, took one connection per
# host and left no master behind.
through_drconsole() {
	local before
	runs=$((runs + 1))
	before=$(accepted)
	"$DRC" run --yes --incident-dir "$scratch/incident.$runs" "$rb" < /dev/null > "$scratch/run.out" 2>&1 ||
		{ echo "bench: drconsole run $runs failed:"; tail -20 "$scratch/run.out"; return 1; }
	[ "$(($(accepted) - before))" -eq "$N" ] ||
		{ echo "bench: run $runs opened $(($(accepted) - before)) connections to $N hosts"; return 1; }
	[ ! -e "$scratch/incident.$runs/ssh" ] ||
		{ echo "bench: run $runs left its masters' folder"; ls -la "$scratch/incident.$runs/ssh"; return 1; }
}

# timed VAR FUNCTION...: runs it in this shell; VAR gets its wall ms.
timed() {
	local var=$1 t0
	shift
	t0=$(date +%s%N)
	"$@"
	printf -v "$var" %d $((($(date +%s%N) - t0) / 1000000))
}

# steps_of_last_run: "FIRST LATER_MEAN" from the last run's journal, ms;
# fails unless every step ended ok on every host.
steps_of_last_run() {
	python3 - "$scratch/incident.$runs/journal.jsonl" "$N" <<-'EOF'
	import json, sys
	d = []
	for line in open(sys.argv[1]):
	    e = json.loads(line)
	    if e.get("event") != "step.end":
	        continue
	    hosts = e.get("evidence", {}).get("hosts", [])
	    ok = sum(1 for h in hosts if h.get("status") == "ok")
	    if e.get("status") != "ok" or ok != int(sys.argv[2]):
	        sys.exit("bench: step %s ended %s, %d hosts ok" % (e.get("step"), e.get("status"), ok))
	    d.append(e["duration_ms"])
	print(d[0], "%.1f" % (sum(d[1:]) / len(d[1:])))
	EOF
}

median() {
	tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

load() { cut -d' ' -f1-3 /proc/loadavg; }

load_start=$(load)
# Warm both paths (page cache, sshd's first exec) before measuring.
by_hand
through_drconsole
hand= reused= first= later= wall=
for _ in $(seq "$ROUNDS"); do
	timed t by_hand
	hand="$hand $t"
	by_hand "${MUX[@]}"
	timed t by_hand "${MUX[@]}"
	reused="$reused $t"
	close_masters
	timed t through_drconsole
	wall="$wall $t"
	read -r f l < <(steps_of_last_run)
	[ -n "${l:-}" ] || exit 1
	first="$first $f"
	later="$later $l"
done
mh=$(echo "$hand" | median)
mr=$(echo "$reused" | median)
mf=$(echo "$first" | median)
ml=$(echo "$later" | median)
ratio=$(awk -v a="$mf" -v b="$mh" 'BEGIN { printf "%.2f", a / b }')
lratio=$(awk -v a="$ml" -v b="$mf" 'BEGIN { printf "%.2f", a / b }')
echo "bench: $N hosts, $STEPS steps of \`true\`, $ROUNDS rounds (ms); load $load_start at the start, $(load) at the end"
echo "bench:   ssh by hand, fresh connections:  $hand  (median $mh)"
echo "bench:   ssh by hand, reused connections: $reused  (median $mr, for reference)"
echo "bench:   drconsole run, whole:            $wall  (median $(echo "$wall" | median))"
echo "bench:   its first step:                  $first  (median $mf)"
echo "bench:   its later steps, mean per run:   $later  (median $ml)"
fail=0
echo "bench: first step / ssh by hand = $ratio (target <= $TARGET)"
awk -v r="$ratio" -v t="$TARGET" 'BEGIN { exit !(r <= t) }' || { echo "bench: target missed"; fail=1; }
echo "bench: later step / first step = $lratio (target <= $TARGET_LATER)"
awk -v r="$lratio" -v t="$TARGET_LATER" 'BEGIN { exit !(r <= t) }' || { echo "bench: later-step target missed"; fail=1; }
exit $fail
