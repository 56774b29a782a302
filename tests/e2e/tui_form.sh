#!/bin/sh
# tui_form.sh: the params form at 80x24 in a private tmux server. A prompt
# longer than the label column wraps instead of being cut; help longer than
# a row wraps too; the first key typed into a field holding its default
# replaces the default (later keys append, Backspace edits); the focused
# Start button carries the selection mark. Every wait polls with a deadline.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v tmux >/dev/null || skip_all "tmux is not installed"
scratch_dir

TUI_COLS=80 TUI_ROWS=24 tmux_start "$DRCONSOLE" --operator o --incident-dir "$SCRATCH/inc" \
	"$TUI_DATA/form.yaml"
screen_wait "Start the run" || { screen_text | show; die "the form never showed"; }
expect_screen "(ENDOFLABEL)" "a prompt longer than the label column is shown whole"
keys Up
expect_screen "ENDOFHELP" "the focused field's help is shown whole, over several rows"
type_text "db-replica-2"
expect_screen "db-replica-2" "typing into a field with a default"
lacks() {
	if screen_text | grep -qF -- "$1"; then fail "$2"; screen_text | show; else pass "$2"; fi
}
lacks "db-replica-1db" "the first key replaced the default instead of appending to it"
keys BSpace
type_text "3"
expect_screen "db-replica-3" "after the first key, keys edit the value"
keys Down
type_text "sat 02:00"
keys Down
if poll "screen_text | grep -qE '^▶ +\\[ Start the run \\]'" 10; then
	pass "the focused Start button has the selection mark"
else
	fail "the focused Start button has no mark"
	screen_text | show
fi
keys Enter
expect_screen "Checklist  0/1" "Start opens the run view"
keys Enter
expect_screen "replica=db-replica-3 window=sat 02:00" "the run got the typed values"
keys q
poll pane_dead 10 || keys y
finish
