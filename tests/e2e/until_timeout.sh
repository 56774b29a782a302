#!/usr/bin/env bash
# until_timeout.sh: until.on_timeout in line mode: continue goes on past a
# step that ran out of time (whatever on_failure says, journaled as the run
# policy's decision); a message reaches the operator and the step fails; a
# dry run says what happens at the deadline.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
scratch_dir
RB=$top_srcdir/tests/data/run/until-timeout.yaml
export XDG_STATE_HOME=$SCRATCH/state

timeout 120 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/i1" "$RB" </dev/null >"$SCRATCH/out" 2>&1
rc=$?
J=$SCRATCH/i1/journal.jsonl
[ "$rc" -eq 1 ] && pass "the step with a message fails the run: exit 1" || { fail "exit $rc, wanted 1"; show "$SCRATCH/out"; }
[ -e "$SCRATCH/i1/reached" ] && pass "on_timeout: continue goes on to the next step" ||
	{ fail "the run stopped at the step that ran out of time"; show "$SCRATCH/out"; }
grep -qF '"step":"optional-wait"' "$J" && grep -F '"event":"decision"' "$J" | grep -F '"step":"optional-wait"' |
	grep -qF '"decision":"continue (until: on_timeout: continue)"' &&
	pass "the decision is journaled with its reason" || { fail "no on_timeout decision"; show "$J"; }
grep -qF 'within 300ms: Still lagging: promote the standby by hand' "$SCRATCH/out" &&
	pass "the on_timeout message reaches the operator" || { fail "no message"; show "$SCRATCH/out"; }
[ ! -e "$SCRATCH/i1/never" ] && pass "after the message the step failed and the run stopped" ||
	fail "the run went on past a failed step"

timeout 120 "$DRCONSOLE" run --dry-run --incident-dir "$SCRATCH/i2" "$RB" </dev/null >"$SCRATCH/dry" 2>&1
grep -qF 'until: again every 100ms until it succeeds, for at most 300ms; then the run goes on' "$SCRATCH/dry" &&
	pass "a dry run shows on_timeout: continue" || { fail "dry run: no until line"; show "$SCRATCH/dry"; }
grep -qF 'then the step fails, telling the operator:' "$SCRATCH/dry" &&
	pass "a dry run shows the on_timeout message" || { fail "dry run: no message"; show "$SCRATCH/dry"; }
finish
