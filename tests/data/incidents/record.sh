#!/usr/bin/env bash
# record.sh: records the journal corpus in this folder with the real
# binary: ./record.sh [DRCONSOLE]. Each NAME/ is an incident folder
# (journal.jsonl, journal.head, output/) of corpus.yaml:
#   drill      a drill in staging, with a note and an inject while it held
#   training   a training run
#   dryrun     a dry run (nothing executed)
#   failed     live, risky fails, its on_failure handler runs, the run aborts
#              (flaky retried first)
#   rolledback the console (script mode): risky fails, its handler runs, it is
#              rolled back and skipped
#   resumed    a live run killed -9 mid-step, resumed by another operator
#   v0-*       drill and resumed as journals before the schema (no schema,
#              mode or skip), rewritten and rehashed by v0.py
# tests/unit/test_runstate.c folds them; rerecord when the journal changes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
DRCONSOLE=${1:-$here/../../../drconsole}
RB=$here/corpus.yaml
export DRCONSOLE_SCHEMA_CHECK=1
unset DRCONSOLE_JOURNAL_KEY

fresh() { rm -rf "${here:?}/$1"; }

# held DIR PID: waits for the hold step, then runs the rest of the args.
wait_held() {
	for _ in $(seq 1 500); do [ -e "$1/held" ] && return 0; sleep 0.02; done
	echo "record.sh: hold never started in $1" >&2; exit 1
}

# run_gated NAME FLAGS...: a line-mode run; the gate opens after a note
# and an inject.
run_gated() {
	name=$1; shift
	fresh "$name"
	"$DRCONSOLE" run --yes --operator alice "$@" --incident-dir "$here/$name" "$RB" </dev/null >/dev/null 2>&1 &
	pid=$!
	wait_held "$here/$name"
	"$DRCONSOLE" note "$here/$name" "replica lags 4s" >/dev/null
	"$DRCONSOLE" inject --operator facilitator "$here/$name" "the primary's disk is full" >/dev/null
	touch "$here/$name/gate"
	wait "$pid" || true
}

run_gated drill --drill --environment staging
run_gated training --training
fresh dryrun
"$DRCONSOLE" run --yes --operator alice --dry-run --incident-dir "$here/dryrun" "$RB" </dev/null >/dev/null 2>&1 || true

fresh failed
mkdir -p "$here/failed" && chmod 700 "$here/failed" && touch "$here/failed/gate" "$here/failed/fail-risky"
"$DRCONSOLE" run --yes --operator alice --environment production --incident-dir "$here/failed" "$RB" </dev/null >/dev/null 2>&1 || true

# The console in script mode: risky fails, is rolled back, then skipped.
# The line after a wait-step is read at once, while risky's on_failure
# handler still runs: a key that changes nothing (risky is the last step),
# so that b is read once the engine is idle and the failure is asked about.
fresh rolledback
mkdir -p "$here/rolledback" && chmod 700 "$here/rolledback" && touch "$here/rolledback/gate" "$here/rolledback/fail-risky"
cat > "$here/rolledback.script" <<'SCRIPT'
key Enter
key Enter
wait-step prepare ok
key Enter
wait-step flaky ok
key Enter
wait-step hold ok
key Enter
wait-step dns ok
key Enter
wait-step page ok
key Enter
key Enter
type green on the dashboard
key Enter
wait-step attest ok
key Enter
wait-step risky failed 20
key Down
key b
key y
key s
type rolled back, not needed
key Enter
quit
SCRIPT
"$DRCONSOLE" --operator bob --environment production --script "$here/rolledback.script" \
	--incident-dir "$here/rolledback" "$RB" </dev/null >/dev/null 2>&1 || true
rm -f "$here/rolledback.script"

fresh resumed
"$DRCONSOLE" run --yes --operator alice --environment production --incident-dir "$here/resumed" "$RB" </dev/null >/dev/null 2>&1 &
pid=$!
wait_held "$here/resumed"
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
touch "$here/resumed/gate"
"$DRCONSOLE" run --resume "$here/resumed" --rerun-interrupted --yes --operator carol </dev/null >/dev/null 2>&1 || true

for n in drill resumed; do
	fresh "v0-$n"
	cp -r "$here/$n" "$here/v0-$n"
	python3 "$here/v0.py" "$here/v0-$n/journal.jsonl"
	rm -f "$here/v0-$n/journal.head"
done
# Scratch files of the runs are not part of the corpus.
for d in "$here"/*/; do rm -f "$d"lock "$d"held "$d"gate "$d"count "$d"fail-risky "$d"postmortem.md "$d"recording.cast "$d"scorecard.*; rm -rf "$d"inbox; done
