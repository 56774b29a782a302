#!/bin/sh
# on_failure_run.sh: on_failure: { run, then }: once a step has failed for
# good (after its retries, not before) its handler runs once, its output in
# the step's output folder (ID.on_failure.log) and its start and end in the
# journal (step.on_failure, with its exit), and then the failure is decided
# as 'then' says, by the run policy: line mode and the console alike. A
# hostile param value reaches the handler as data. A dry run shows it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
scratch_dir
RB=$top_srcdir/tests/data/run/on-failure-run.yaml
export XDG_STATE_HOME=$SCRATCH/state
HOSTILE='$(touch '"$SCRATCH"'/pwned); `touch '"$SCRATCH"'/pwned2`'
mkdir -p "$SCRATCH/l" "$SCRATCH/c"

timeout 120 "$DRCONSOLE" run --param "out=$SCRATCH/l" --param "reason=$HOSTILE" --incident-dir "$SCRATCH/il" \
	"$RB" </dev/null >"$SCRATCH/l.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && [ -e "$SCRATCH/l/after" ] && pass "then: continue: the run goes on past the failure" ||
	{ fail "line mode: exit $rc"; show "$SCRATCH/l.out"; }
[ "$(wc -l <"$SCRATCH/l/attempts")" -eq 2 ] && [ "$(wc -l <"$SCRATCH/l/handled")" -eq 1 ] &&
	pass "the handler runs once, after the last attempt" || fail "attempts $(wc -l <"$SCRATCH/l/attempts"), handled $(cat "$SCRATCH/l/handled")"
grep -qxF -- "$(sed -n 1p "$SCRATCH/il/output/01-flaky.on_failure.log" | cut -d' ' -f1) out handler saw: $HOSTILE" \
	"$SCRATCH/il/output/01-flaky.on_failure.log" &&
	pass "its output is in the step's output folder, the hostile value as data" ||
	{ fail "handler output"; show "$SCRATCH/il/output/01-flaky.on_failure.log"; }
[ ! -e "$SCRATCH/pwned" ] && [ ! -e "$SCRATCH/pwned2" ] && pass "the hostile value ran nothing" || fail "the hostile value ran"
J=$SCRATCH/il/journal.jsonl
journal_has "$J" "the handler's start is journaled" event=step.on_failure step=flaky phase=start
grep -F '"event":"step.on_failure"' "$J" | grep -F '"phase":"end"' | grep -F '"exit_code":5' | grep -qF '"status":"failed"' &&
	pass "its end is journaled with its exit" || { fail "no handler end"; show "$J"; }
seq_of() { grep -F "$1" "$J" | head -1 | sed 's/^{"seq":\([0-9]*\).*/\1/'; }
[ "$(seq_of '"event":"step.on_failure"')" -lt "$(seq_of '"decision":"continue (on_failure: continue)"')" ] &&
	pass "the handler runs before the failure is decided" || { fail "order"; show "$J"; }
grep -F '"event":"step.end"' "$J" | grep -F '"step":"flaky"' | tail -1 | grep -qF '"exit_code":3' &&
	grep -qF "failed after" "$SCRATCH/l.out" && grep -qF "exited 3" "$SCRATCH/l.out" &&
	pass "the step keeps its own exit, not the handler's" || { fail "step exit"; show "$SCRATCH/l.out"; }

# The console: the same policy after the handler.
printf '%s\n' 'key Enter' 'key Enter' 'wait-step flaky failed 60' dump 'key Enter' 'wait-step after ok 60' dump quit \
	>"$SCRATCH/script"
: >"$SCRATCH/dump"
timeout 120 "$DRCONSOLE" --script "$SCRATCH/script" --dump "$SCRATCH/dump" --param "out=$SCRATCH/c" "$RB" \
	>"$SCRATCH/tui.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && pass "the console's run ends failed (a step failed), exit 1" || { fail "console exit $rc"; show "$SCRATCH/tui.out"; }
[ "$(wc -l <"$SCRATCH/c/handled" 2>/dev/null)" = 1 ] && [ -e "$SCRATCH/c/after" ] &&
	pass "the console runs the handler once and goes on" || { fail "console"; show "$SCRATCH/dump"; }
INC=$(incident_of "$XDG_STATE_HOME")
journal_has "$INC/journal.jsonl" "the console journals the handler" event=step.on_failure step=flaky phase=start

timeout 120 "$DRCONSOLE" run --dry-run --param "out=$SCRATCH" --incident-dir "$SCRATCH/d" "$RB" </dev/null \
	>"$SCRATCH/dry" 2>&1
grep -qF 'on failure, runs then continues: $ echo "handler saw: disk full"' "$SCRATCH/dry" &&
	pass "a dry run shows the handler and what follows it" || { fail "dry run"; show "$SCRATCH/dry"; }
finish
