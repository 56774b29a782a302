#!/bin/sh
# tui_dialogs.sh: a dialog shows all of what it confirms, at 80x24 in a
# private tmux server. A 21-line command does not fit: the dialog says
# "↓ N more lines", scrolls (arrows, PgUp/PgDn, j/k where no text is
# typed), keeps the timeout and the keys' line on screen, and neither y,
# Enter nor the typed id runs the step until the command's last line has
# been on screen. A failure dialog shows the step's own last lines (made
# safe for the terminal), where the reason usually is; left unanswered, the
# failed step is not passed by when the steps after it are done.
# Checked on capture-pane text and on journal.jsonl; every wait polls
# with a deadline.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v tmux >/dev/null || skip_all "tmux is not installed"
scratch_dir
STATE=$SCRATCH/state
mkdir -p "$STATE"

# started STEP: how many step.start lines STEP has.
started() {
	journal_count "$J" event=step.start "step=$1"
}

# shows_not TEXT WHAT: a check that the pane does not show TEXT now.
shows_not() {
	if screen_text | grep -qF -- "$1"; then
		fail "$2: the screen shows '$1'"
		screen_text | show
	else
		pass "$2"
	fi
}

# none_started STEP WHAT: a check that STEP has not started.
none_started() {
	if [ "$(started "$1")" -eq 0 ]; then
		pass "$2"
	else
		fail "$2: the journal has step.start for $1"
		show "$J"
	fi
}

TUI_COLS=80 TUI_ROWS=24 tmux_start "$DRCONSOLE" --operator dialogs "$TUI_DATA/dialogs.yaml"
expect_screen "Start the run" "the first frame: the (empty) params form"
keys Enter
expect_screen "Checklist  0/3" "Start opens the run view at 80x24"
INC=$(incident_of "$STATE")
J=$INC/journal.jsonl

# --- the failure dialog shows why ---

keys Enter
expect_screen "Step 'refuse' failed" "the failing step opens the failure dialog"
expect_screen "exited 1, expected 0" "it says how the step ended"
# The dialog's own row: the text, then blanks up to its right border (the
# pane behind it is narrower and has no border there).
if poll "screen_text | grep -qE 'writes are not stopped: refusing to restore +│'" 10; then
	pass "the failure dialog shows the step's last output line"
else
	fail "the failure dialog does not show the step's last line"
	screen_text | show
fi
if screen_text | grep -qE 'checking writes 30 +│'; then
	pass "and the lines before it"
else
	fail "the failure dialog lacks the lines before the last"
	screen_text | show
fi
expect_screen "[a] abort the run" "its choices are all on screen"
if screen_text | grep -qE 'hidden title +│'; then
	pass "an output line with an escape sequence is shown without it"
else
	fail "the line with an escape sequence is not in the dialog as text"
	screen_text | show
fi
shows_not "pwned" "what the escape sequence carried never reaches the screen"
# Left failed, unanswered: the steps after it run ahead of it.
keys Escape
gone_dialog() { ! screen_text | grep -qF "Step 'refuse' failed"; }
if poll gone_dialog 10; then
	pass "Esc leaves the failure unanswered"
else
	fail "Esc did not close the failure dialog"
	screen_text | show
fi
keys Down
expect_screen "▶ ·  2 A long destructive" "Down selects step 2"

# --- a typed confirmation longer than the screen ---

keys Enter
expect_screen "Step 2 is ahead of the checklist" "the failed step 1 still counts as pending"
keys y
expect_screen "DESTRUCTIVE STEP: type its id to run it" "step 2 asks for its id"
expect_screen "more lines" "a cut command says how much is below"
expect_screen "scroll to the end to confirm" "and that it must be read to its end"
expect_screen "PgUp scroll" "the key bar offers to scroll"
shows_not "LAST-LINE-21" "the command's last line is not on screen yet"
expect_screen "timeout 7m, retries 0" "the timeout stays on screen"
expect_screen "Type the step id exactly, then Enter" "the line saying what to type stays on screen"
type_text "wipe"
expect_screen "> wipe" "the id goes into the field"
keys Enter
expect_screen "nothing ran: scroll to the end first" "Enter with the right id is refused unread, and says why"
none_started wipe "the typed id ran nothing while the command was cut"
keys Down
expect_screen "wipe line 01" "Down scrolls the command a line"
keys Enter
expect_screen "nothing ran: scroll to the end first" "a line down is not the end: refused again"
none_started wipe "still nothing ran"
keys NPage
expect_screen "LAST-LINE-21" "PgDn scrolls to the command's last line"
expect_screen "this is the end" "the dialog says it is the end"
expect_screen "timeout 7m, retries 0" "the timeout is still on screen"
expect_screen "> wipe" "the typed id is still in the field"
keys Enter
if poll "[ \"\$(started wipe)\" -eq 1 ]" 10; then
	pass "once the last line has been on screen, the typed id runs the step"
else
	fail "the typed id did not run the step after scrolling to the end"
	screen_text | show
fi
if poll "[ \"\$(journal_count '$J' event=step.end step=wipe status=ok)\" -eq 1 ]" 10; then
	pass "wipe ended ok"
else
	fail "wipe did not end ok"
	show "$J"
fi

# --- a y/n confirmation longer than the screen ---

expect_screen "next: step 3 (sync) — Enter" "Enter goes on with step 3"
keys Enter
expect_screen "Step 3 is ahead of the checklist" "step 1 is still pending"
keys y
expect_screen "Run this step?" "step 3 asks y/n"
expect_screen "more lines" "its cut command says so"
expect_screen "timeout 3m, retries 0" "its timeout is on screen"
expect_screen "y / Enter: run it" "and its keys"
keys y
expect_screen "nothing ran: scroll to the end first" "y is refused unread"
keys Enter
none_started sync "neither y nor Enter ran it"
keys j j j j j j j j j j
expect_screen "sync LAST-LINE-21" "j scrolls to the end"
keys k
gone_last() { ! screen_text | grep -qF "sync LAST-LINE-21"; }
if poll gone_last 10; then
	pass "k scrolls back up"
else
	fail "k did not scroll back"
	screen_text | show
fi
keys y
if poll "[ \"\$(started sync)\" -eq 1 ]" 10; then
	pass "once read to the end, y runs it (even scrolled back up)"
else
	fail "y did not run the step after its end was on screen"
	screen_text | show
fi
if poll "[ \"\$(journal_count '$J' event=step.end step=sync status=ok)\" -eq 1 ]" 10; then
	pass "sync ended ok"
else
	fail "sync did not end ok"
	show "$J"
fi
# No step is pending after it: the selection goes back to the one still
# failed instead of passing it by.
expect_screen "next: step 1 (refuse) — Enter" "what is next is the step still failed"

finish
