#!/bin/sh
# policy_parity.sh: line mode and the console follow one run policy
# (runpolicy.c). The same runbook, driven through the same choices in each
# (both in a private tmux server, so line mode has a terminal too), leaves
# the same decisions, step ends, rollbacks and run.end in the journal: a
# false `when:` skips, on_failure: continue goes on, a failure asks, its
# rollback leaves the step rolled back (and offers no second rollback),
# a skip needs a reason, and the run ends failed with exit 1.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v tmux >/dev/null || skip_all "tmux is not installed"
command -v python3 >/dev/null || skip_all "python3 is not installed"
scratch_dir
RB=$top_srcdir/tests/data/run/policy.yaml
LINE=$SCRATCH/line
CONS=$SCRATCH/cons

# What the policy decided, one line an event: decisions, step ends,
# rollback ends and the run's end (no times, no attempts' output).
decisions() {
	python3 - "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    ev = e["event"]
    if ev == "decision":
        print("decision", e.get("step", "-"), e["decision"])
    elif ev == "step.end":
        print("end", e["step"], e["status"], e.get("reason", "") if e["status"] == "skipped" else "")
    elif ev == "step.rollback" and e.get("phase") == "end":
        print("rollback", e["step"], e["status"], e.get("command", ""))
    elif ev == "step.rollback":
        print("rollback-start", e["step"], e.get("command", ""))
    elif ev == "run.end":
        print("run.end", e["status"])
PY
}

# --- line mode, at a terminal ---
tmux_start "$DRCONSOLE" run --operator parity --incident-dir "$LINE" "$RB"
expect_screen "region" "line mode asks for the params"
keys Enter
expect_screen "roll[b]ack" "line mode: a failure offers the rollback"
keys b Enter
expect_screen "rollback ok" "line mode: the rollback ran"
if screen_wait "[r]etry / [s]kip / [a]bort:" && ! screen_text | grep . | tail -n 1 | grep -qF "roll[b]ack"; then
	pass "line mode: a rolled-back step offers no second rollback"
else
	fail "line mode: the prompt after the rollback"
	screen_text | show
fi
keys s Enter
expect_screen "Reason for skipping" "line mode: a skip asks why"
type_text "undone, not needed"
keys Enter
poll pane_dead 20 || { screen_text | show; die "line mode did not end"; }
[ "$(pane_status)" = 1 ] && pass "line mode: the run ends failed (exit 1)" || fail "line mode exit $(pane_status)"
line_text=$(screen_text)

# --- the console ---
tmux_respawn "$DRCONSOLE" --operator parity --incident-dir "$CONS" "$RB"
expect_screen "Start the run" "the console opens its params form"
keys Enter
expect_screen "Checklist  0/5" "the console opens the run view"
keys Enter
expect_screen "next: step 2 (not-here) — Enter" "step 1 ran"
keys Enter
expect_screen "▶ ·  3 Shaky" "step 2 is skipped by its condition"
keys Enter
expect_screen "▶ ·  4 Undo me" "step 3 failed and on_failure: continue went on"
keys Enter
expect_screen "Step 'undo-me' failed" "the console: a failure asks"
keys b
expect_screen "Step 'undo-me' was rolled back" "the console: after the rollback it asks again"
if screen_text | grep -qF "run its rollback"; then
	fail "the console offers a second rollback"; screen_text | show
else pass "the console: a rolled-back step offers no second rollback"; fi
keys s
expect_screen "Skip 'undo-me': why?" "the console: a skip asks why"
type_text "undone, not needed"
keys Enter
expect_screen "▶ ·  5 Last" "the skip moves on"
keys Enter
expect_screen "run.end        run failed" "the run ends, failed (the timeline words it as watch does)"
keys q
poll pane_dead 10 || { screen_text | show; die "the console did not quit"; }
[ "$(pane_status)" = 1 ] && pass "the console: the run ends failed (exit 1)" || fail "console exit $(pane_status)"

# --- the same decisions ---
decisions "$LINE/journal.jsonl" > "$SCRATCH/line.dec"
decisions "$CONS/journal.jsonl" > "$SCRATCH/cons.dec"
if cmp -s "$SCRATCH/line.dec" "$SCRATCH/cons.dec"; then
	pass "line mode and the console journal the same decisions"
else
	fail "the front ends decided differently"
	diff "$SCRATCH/line.dec" "$SCRATCH/cons.dec" | show
fi
grep -q '^end not-here skipped condition is false' "$SCRATCH/line.dec" && pass "the false condition is a journaled skip" ||
	{ fail "no skip of not-here"; show "$SCRATCH/line.dec"; }
grep -qx "decision shaky continue (on_failure: continue)" "$SCRATCH/line.dec" &&
	pass "on_failure: continue is journaled in the table's words" || fail "no continue decision"
grep -qx "rollback-start undo-me echo undone us-west-2" "$SCRATCH/cons.dec" &&
	pass "the rollback journals its command expanded" || { fail "rollback command"; show "$SCRATCH/cons.dec"; }
grep -qx "run.end failed" "$SCRATCH/cons.dec" && pass "run.end says failed" || fail "run.end"
printf '%s\n' "$line_text" | grep -q "rolled_back\|skipped" && pass "line mode's summary lists the ends" ||
	{ fail "line mode summary"; printf '%s\n' "$line_text" | show; }
finish
