#!/usr/bin/env bash
# end_run.sh: end_run: { when, outcome } ends a run early, completed, when
# the condition shows the incident is over: in line mode and in the console
# (both through runpolicy_end_run), journaled as a decision with the outcome,
# the steps not started skipped with it; a condition that does not hold
# changes nothing; a dry run shows it and takes nothing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"
scratch_dir
RB=$top_srcdir/tests/data/run/end-run.yaml
export XDG_STATE_HOME=$SCRATCH/state
OUTCOME='the replica is healthy: no failover needed'

timeout 120 "$DRCONSOLE" run --incident-dir "$SCRATCH/i1" "$RB" </dev/null >"$SCRATCH/out1" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "a run ended by end_run completes: exit 0" || { fail "exit $rc"; show "$SCRATCH/out1"; }
grep -qF "the run ends here (end_run): $OUTCOME" "$SCRATCH/out1" && pass "line mode states the outcome" ||
	{ fail "no outcome shown"; show "$SCRATCH/out1"; }
[ ! -e "$SCRATCH/i1/failed-over" ] && [ ! -e "$SCRATCH/i1/told" ] && pass "no later step ran" ||
	fail "a step after end_run ran"
journal_has "$SCRATCH/i1/journal.jsonl" "the decision is journaled with the outcome" event=decision \
	"decision=end the run (end_run): $OUTCOME"
grep -F '"event":"step.end"' "$SCRATCH/i1/journal.jsonl" | grep -F '"step":"failover"' |
	grep -qF "\"reason\":\"end_run after 'check-replica': $OUTCOME\"" &&
	pass "the later steps are skipped with the outcome" || { fail "no skip with the outcome"; show "$SCRATCH/i1/journal.jsonl"; }
journal_has "$SCRATCH/i1/journal.jsonl" "the run ends completed" event=run.end status=completed

timeout 120 "$DRCONSOLE" run --param lag=40 --incident-dir "$SCRATCH/i2" "$RB" </dev/null >"$SCRATCH/out2" 2>&1
rc=$?
[ "$rc" -eq 0 ] && [ -e "$SCRATCH/i2/failed-over" ] && [ -e "$SCRATCH/i2/told" ] &&
	pass "a condition that does not hold changes nothing" || { fail "lag=40: exit $rc"; show "$SCRATCH/out2"; }
[ "$(journal_count "$SCRATCH/i2/journal.jsonl" event=decision)" -eq 0 ] && pass "and journals no decision" ||
	fail "a decision was journaled though the condition was false"

# The console, through the same policy.
printf '%s\n' 'key Enter' 'key Enter' dump quit >"$SCRATCH/script"
: >"$SCRATCH/dump"
timeout 120 "$DRCONSOLE" --script "$SCRATCH/script" --dump "$SCRATCH/dump" "$RB" >"$SCRATCH/tui.out" 2>&1 ||
	{ fail "the console walk failed"; show "$SCRATCH/tui.out"; }
dump_has "$SCRATCH/dump" 1 "RUN COMPLETED" "the console ends the run completed"
INC=$(incident_of "$XDG_STATE_HOME")
[ -n "$INC" ] && [ ! -e "$INC/failed-over" ] && pass "the console ran no step after end_run" ||
	fail "the console ran a step after end_run"
journal_has "$INC/journal.jsonl" "the console journals the same decision" event=decision \
	"decision=end the run (end_run): $OUTCOME"

timeout 120 "$DRCONSOLE" run --dry-run --incident-dir "$SCRATCH/i3" "$RB" </dev/null >"$SCRATCH/dry" 2>&1
grep -qF "end_run: when lag_seen < 10 after it, the run ends: $OUTCOME" "$SCRATCH/dry" &&
	pass "a dry run shows end_run" || { fail "dry run: no end_run line"; show "$SCRATCH/dry"; }
grep -qF '[3/3] Tell the team' "$SCRATCH/dry" && pass "a dry run takes no end_run: every step shown" ||
	{ fail "the dry run stopped"; show "$SCRATCH/dry"; }
finish
