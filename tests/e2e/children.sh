#!/usr/bin/env bash
# children.sh: no child outlives its step. A child in its own session and a
# double-forked grandchild are stopped with their step (a timeout, a normal
# end); detach: true leaves a daemon running and journals its pid; and a
# reader that goes away (`| head -1`) does not kill the run.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
scratch_dir
D=$top_srcdir/tests/data/children
OUT=$SCRATCH/out
mkdir -p "$OUT"

timeout 60 "$DRCONSOLE" run --yes --kill-grace 1s --param "out=$OUT" --incident-dir "$SCRATCH/i1" \
	"$D/escape.yaml" < /dev/null > "$SCRATCH/run.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && pass "the run ends (exit 1: the timed-out step)" || { fail "exit $rc"; show "$SCRATCH/run.out"; }
for f in setsid double daemon; do
	[ -s "$OUT/$f.pid" ] || fail "no $f.pid: the step did not start its child"
	track_pid "$(cat "$OUT/$f.pid" 2> /dev/null)"
done
# What the next step saw, right after: no waiting, no grace in between.
grep -qx '  | setsid gone' "$SCRATCH/run.out" && pass "a setsid child is gone when its step times out" ||
	{ fail "the setsid child outlived its step's timeout"; show "$SCRATCH/run.out"; }
grep -qx '  | double gone' "$SCRATCH/run.out" && pass "a double-forked grandchild is gone when its step ends" ||
	{ fail "the double-forked grandchild outlived its step"; show "$SCRATCH/run.out"; }
grep -qx '  | daemon alive' "$SCRATCH/run.out" && pass "detach: true leaves the daemon running" ||
	{ fail "the detached daemon was stopped"; show "$SCRATCH/run.out"; }
daemon=$(cat "$OUT/daemon.pid")
alive "$daemon" && pass "the daemon outlives drconsole" || fail "the daemon died with drconsole"
check_journal "$SCRATCH/i1/journal.jsonl" "ends['daemon']['left_running'] == [$daemon]" \
	"step.end journals the daemon's pid as left_running"
check_journal "$SCRATCH/i1/journal.jsonl" "ends['setsid-timeout']['status'] == 'timeout'" "the first step timed out"
"$DRCONSOLE" verify "$SCRATCH/i1" > /dev/null && pass "the journal verifies" || fail "verify failed"
kill "$daemon" 2> /dev/null

# A reader that stops reading: the run goes on, journals all, and exits
# with its own status (1: the last step fails), not 141.
cat > "$SCRATCH/pipe.yaml" <<'YAML'
id: e2e-pipe
title: Much output, then a failure
objectives: { rto: 1h, rpo: 15m }
steps:
  - { id: flood, title: Floods, confirm: no, run: "seq 1 200000" }
  - { id: last, title: Fails, confirm: no, run: "echo last; exit 3" }
YAML
timeout 60 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/i2" "$SCRATCH/pipe.yaml" < /dev/null 2> "$SCRATCH/pipe.err" |
	head -1 > "$SCRATCH/pipe.out"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 1 ] && pass "| head -1: exit 1, the run's status" || { fail "| head -1: exit $rc"; show "$SCRATCH/pipe.err"; }
check_journal "$SCRATCH/i2/journal.jsonl" "[e['event'] for e in events][-1] == 'run.end'" \
	"| head -1: the run went on to its end"
check_journal "$SCRATCH/i2/journal.jsonl" "ends['last']['status'] == 'failed'" "| head -1: the step after the closed pipe ran"
[ "$(grep -c . "$SCRATCH/i2/output/01-flood.log")" -ge 2 ] && pass "| head -1: the output file has the flood" ||
	fail "| head -1: the output file is short"
finish
