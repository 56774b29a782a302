#!/bin/sh
# confirm_refused.sh: in line mode, on a terminal (tmux at 80x24), a wrong
# id typed at a destructive step's question runs nothing, is said, and is
# journaled as confirm.refused (what was typed, masked and cut); the right
# id then runs the step. The console's side is in tui_script.sh.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v tmux >/dev/null || skip_all "tmux is not installed"
scratch_dir
INC=$SCRATCH/incident
J=$INC/journal.jsonl

TUI_COLS=80 TUI_ROWS=24 tmux_start "$DRCONSOLE" run --incident-dir "$INC" "$top_srcdir/tests/data/run/destructive.yaml"
expect_screen "Run it?" "the safe step asks first"
type_text y
keys Enter
expect_screen "Type the step id (drop)" "the destructive step asks for its id"
type_text "dorp; rm -rf /"
keys Enter
expect_screen "That is not 'drop': nothing ran." "a wrong id is refused on screen"
if poll "[ \"\$(journal_count '$J' event=confirm.refused step=drop)\" -eq 1 ]" 10; then
	pass "the wrong id is journaled as confirm.refused"
else
	fail "no confirm.refused in the journal"
	show "$J"
fi
journal_has "$J" "the journal keeps what was typed, as data" event=confirm.refused step=drop "typed=dorp; rm -rf /"
[ ! -e "$INC/dropped" ] && pass "nothing ran after the wrong id" || fail "the step ran after a wrong id"
type_text drop
keys Enter
if poll "[ -e '$INC/dropped' ]" 20; then
	pass "the right id runs the step"
else
	fail "the right id did not run the step"
	screen_text | show
fi
journal_has "$J" "the right id is journaled as typed" event=step.confirm step=drop how=typed
poll pane_dead 20 && [ "$(pane_status)" = 0 ] && pass "the run completes, status 0" ||
	fail "the run did not complete: status $(pane_status)"
finish
