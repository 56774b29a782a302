#!/bin/sh
# tui_mouse.sh: the mouse at 80x24 in a private tmux server. The console
# asks for mouse reports (tmux's pane flags say so) unless --no-mouse; a
# click on a checklist row selects that step; the wheel over the output pane
# scrolls the pane, over the checklist it moves the selection. Reports are
# sent as a terminal sends them (X10: ESC [ M button x y). Every wait polls
# with a deadline.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v tmux >/dev/null || skip_all "tmux is not installed"
scratch_dir
export TUI_COLS=80 TUI_ROWS=24

# mouse BUTTON X Y: one report at the 0-based cell (X, Y); BUTTON is 0 for
# a press of the first button (its release, 3, follows), 64 and 65 the wheel.
mouse() {
	$TM send-keys -t ui -H 1b 5b 4d "$(printf %x $((32 + $1)))" "$(printf %x $((33 + $2)))" \
		"$(printf %x $((33 + $3)))"
	[ "$1" -eq 0 ] && $TM send-keys -t ui -H 1b 5b 4d 23 "$(printf %x $((33 + $2)))" "$(printf %x $((33 + $3)))"
	return 0
}

# row_of TEXT: the 0-based screen row that shows TEXT.
row_of() {
	screen_text | grep -nF -- "$1" | head -n 1 | cut -d: -f1 | awk '{ print $1 - 1 }'
}

tmux_start "$DRCONSOLE" --operator o --incident-dir "$SCRATCH/inc" "$TUI_DATA/dialogs.yaml"
screen_wait "Start the run" || { screen_text | show; die "the form never showed"; }
keys Enter
expect_screen "Checklist  0/3" "the run view"
[ "$($TM display -p -t ui '#{mouse_any_flag}')" = 1 ] && pass "the console asks for mouse reports" ||
	fail "the console does not ask for mouse reports"
mouse 0 5 "$(row_of '3 A long ordinary')"
expect_screen "sync pending" "a click on step 3's row selects it"
mouse 0 5 "$(row_of '1 Fails and says why')"
expect_screen "refuse pending" "a click on step 1's row selects it"
keys Enter
expect_screen "Step 'refuse' failed" "step 1 ran and failed"
keys Escape
expect_screen "32 lines, following" "its output, following"
mouse 64 50 12
if poll "screen_text | grep -qE 'lines [0-9]+-[0-9]+ of 32'" 10 && ! screen_text | grep -qF "following"; then
	pass "the wheel over the output pane scrolls it back"
else
	fail "the wheel did not scroll the pane"
	screen_text | show
fi
mouse 65 5 5
expect_screen "wipe pending" "the wheel over the checklist moves the selection"
keys q
poll pane_dead 10 || keys y
poll pane_dead 10

tmux_respawn "$DRCONSOLE" --operator o --no-mouse --incident-dir "$SCRATCH/inc2" "$TUI_DATA/dialogs.yaml"
screen_wait "Start the run" || die "the form never showed with --no-mouse"
[ "$($TM display -p -t ui '#{mouse_any_flag}')" = 0 ] &&
	pass "--no-mouse: no mouse reports asked for, the terminal's selection works" ||
	fail "--no-mouse: the console still asks for mouse reports"
keys q
poll pane_dead 10
finish
