#!/bin/sh
# tui_unseen.sh: nothing acts unseen, at 80x24 in a private tmux server.
# Below the minimum size only a resize, Ctrl-L and q (whose question is
# drawn on the small screen) act: Enter, a typed id and s run nothing.
# Checked on capture-pane text and on journal.jsonl; every wait polls
# with a deadline.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v tmux >/dev/null || skip_all "tmux is not installed"
scratch_dir
STATE=$SCRATCH/state
mkdir -p "$STATE"

# no_journal EVENT WHAT: a check that the journal has no line of EVENT.
no_journal() {
	if [ "$(journal_count "$J" "event=$1")" -eq 0 ]; then
		pass "$2"
	else
		fail "$2: the journal has $1"
		show "$J"
	fi
}

TUI_COLS=80 TUI_ROWS=24 tmux_start "$DRCONSOLE" --operator unseen "$TUI_DATA/unseen.yaml"
expect_screen "Start the run" "the first frame: the (empty) params form"
keys Enter
expect_screen "Checklist  0/5" "Start opens the run view at 80x24"
INC=$(incident_of "$STATE")
J=$INC/journal.jsonl

# --- too small: keys that would act unseen do nothing ---

$TM resize-window -t ui -x 60 -y 20
expect_screen "terminal too small: need at least 70x20, now 60x20" "at 60x20 the console says it is too small"
expect_screen "only q (quit) and Ctrl-L (redraw) work" "and which keys still work"
keys Enter Enter
type_text "drop-it"
keys Enter s n x
# Keys are taken in order: once x has been refused, so were the others.
expect_screen "the key x did nothing" "a refused key says so on the small screen"
no_journal step.start "Enter, Enter and the typed id ran nothing while too small"
no_journal note "n opened no hidden note dialog"
keys C-l
if poll "! screen_text | grep -qF 'the key x did nothing'" 10 && ! screen_text | grep -qF "did nothing"; then
	pass "Ctrl-L acts on the small screen: it redraws it"
else
	fail "Ctrl-L was refused or did not redraw"
	screen_text | show
fi
keys q
expect_screen "Quit?" "q asks on the small screen itself"
expect_screen "[y] quit, leave the incident open" "its answers are on the small screen"
screen_text >"$SCRATCH/small-quit.txt"
keys Escape
expect_screen "only q (quit) and Ctrl-L (redraw) work" "Esc stays"
$TM resize-window -t ui -x 80 -y 24
expect_screen "Checklist  0/5" "back at 80x24 the checklist shows"
if screen_text | grep -qF -e "Run this step" -e "DESTRUCTIVE" -e "Skip '" -e "Add a note" -e "Quit?"; then
	fail "a dialog was opened while the terminal was too small"
	screen_text | show
else
	pass "no dialog was opened while the terminal was too small"
fi
no_journal step.start "still nothing ran"
no_journal decision "no decision was journaled"

finish
