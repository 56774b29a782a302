#!/bin/sh
# tui_unseen.sh: nothing acts unseen, at 80x24 in a private tmux server.
# Below the minimum size only a resize, Ctrl-L and q (whose question is
# drawn on the small screen) act: Enter, a typed id and s run nothing. A
# paste (tmux paste-buffer -p: bracketed, as a terminal sends it) is text
# for the open field, and dropped with no field open: its s and y act not.
# c and Ctrl-C ask before cancelling (c c, Ctrl-C Ctrl-C cancel); Enter on
# a step ahead of pending ones names them and asks.
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

# gone TEXT WHAT: a check that the pane comes to not show TEXT.
gone() {
	if poll "! screen_text | grep -qF -- \"$1\"" 10; then
		pass "$2"
	else
		fail "$2: the screen still shows '$1'"
		screen_text | show
	fi
}

# ended STEP STATUS: how many step.end lines STEP has with STATUS.
ended() {
	journal_count "$J" event=step.end "step=$1" "status=$2"
}

# After the console, cat shows what a paste sends once the console is gone.
TUI_COLS=80 TUI_ROWS=24 tmux_start sh -c \
	"\"$DRCONSOLE\" --operator unseen \"$TUI_DATA/unseen.yaml\"; echo console-gone; exec cat >\"$SCRATCH/after\""
expect_screen "Start the run" "the first frame: the (empty) params form"
keys Enter
expect_screen "Checklist  0/6" "Start opens the run view at 80x24"
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
expect_screen "Checklist  0/6" "back at 80x24 the checklist shows"
if screen_text | grep -qF -e "Run this step" -e "DESTRUCTIVE" -e "Skip '" -e "Add a note" -e "Quit?"; then
	fail "a dialog was opened while the terminal was too small"
	screen_text | show
else
	pass "no dialog was opened while the terminal was too small"
fi
no_journal step.start "still nothing ran"
no_journal decision "no decision was journaled"

# --- a paste is text, never keys ---

keys n
expect_screen "Add a note to the journal" "n opens the note dialog"
# Three lines of a log: the second starts with s (skip), the third with y.
LOG="ERROR: replica lag 30s
s then skipped
y for yes
"
paste_text "$LOG"
expect_screen "> ERROR: replica lag 30s s then skipped y for yes" \
	"the pasted lines land in the note's field as one line"
expect_screen "Add a note to the journal" "the paste's line ends did not submit the note"
keys Enter
if poll "[ \"\$(journal_count '$J' event=note)\" -gt 0 ]" 10; then
	pass "Enter submits the note"
else
	fail "no note was journaled"
fi
journal_has "$J" "the journal holds the paste as one note" event=note \
	"text=ERROR: replica lag 30s s then skipped y for yes"
[ "$(journal_count "$J" event=note)" -eq 1 ] && pass "exactly one note" ||
	fail "the paste made $(journal_count "$J" event=note) notes"
no_journal step.start "the paste's y ran nothing"
no_journal step.end "the paste's s skipped nothing"

paste_text "s
y

"
expect_screen "a paste (5 bytes) was dropped: it goes only into a text field" \
	"a paste with no text field open is dropped, and the status line says so"
if screen_text | grep -qF -e "Skip '" -e "Run this step"; then
	fail "the paste opened a dialog"
	screen_text | show
else
	pass "the paste opened no dialog"
fi
no_journal step.start "the dropped paste ran nothing"
no_journal step.end "the dropped paste skipped nothing"

# A pasted text that carries its own end marker (terminals pass it through)
# cannot smuggle keys out: what came with the paste is dropped.
paste_text "$(printf 'tail\033[201~sy')"
expect_screen "right behind the paste dropped: a paste is text, never keys" \
	"keys behind a smuggled end marker are dropped, and the status line says so"
if screen_text | grep -qF "Skip '"; then
	fail "the smuggled s opened the skip dialog"
	screen_text | show
else
	pass "the smuggled s opened nothing"
fi
no_journal step.end "the smuggled keys skipped nothing"

# A paste longer than the field is cut on a character's boundary, and the
# status line says how much was taken (the field holds 255 bytes: 127 é).
keys n
expect_screen "Add a note to the journal" "n opens the note dialog again"
paste_text "$(awk 'BEGIN { for (i = 0; i < 300; i++) printf "é" }')"
expect_screen "the paste was cut to fit: 254 of 600 bytes taken" "an overlong paste is cut to fit the field"
expect_screen "> ééééé" "what fits is in the field"
keys Escape
gone "Add a note to the journal" "Esc backs out of the note"

# --- one key does not do too much: c and Ctrl-C ask, Enter ahead asks ---

keys Enter
expect_screen "next: step 2 (long) — Enter" "step 1 ran: Enter goes on with step 2"
keys Enter
expect_screen "long step sleeping" "step 2 runs"
keys c
expect_screen "Cancel 'long'?" "c asks before it cancels"
expect_screen "c again or y: cancel it" "the question says how to answer"
keys Enter
expect_screen "Enter does not answer this" "Enter does not answer it"
keys Escape
gone "Cancel 'long'?" "Esc lets the step run"
keys C-c
expect_screen "Cancel 'long'?" "a single Ctrl-C asks too"
keys Escape
gone "Cancel 'long'?" "Esc again"
[ "$(journal_count "$J" event=step.end step=long)" -eq 0 ] && pass "one c, one Ctrl-C: nothing cancelled" ||
	fail "the step was cancelled without being asked"
keys c c
expect_screen "Step 'long' cancelled" "c c cancels the step"
[ "$(ended long cancelled)" -eq 1 ] && pass "the cancel is journaled" || fail "no step.end cancelled for long"
keys r
if poll "[ \"\$(journal_count '$J' event=step.start step=long)\" -eq 2 ]" 10; then
	pass "r runs it again"
else
	fail "r did not start the step again"
	screen_text | show
fi
keys C-c C-c
if poll "[ \"\$(ended long cancelled)\" -eq 2 ]" 10; then
	pass "Ctrl-C Ctrl-C cancels it"
else
	fail "Ctrl-C Ctrl-C did not cancel"
	screen_text | show
fi
expect_screen "Step 'long' cancelled" "the failure dialog asks what now"
keys s
type_text "cancelled on purpose"
keys Enter
expect_screen "▶ ·  3 A destructive step" "the skip moves the selection to step 3"

keys Down Down
expect_screen "▶ ·  5 The last step" "the selection is on step 5"
keys Enter
expect_screen "Step 5 is ahead of the checklist" "Enter on step 5 asks first"
expect_screen "steps 3–4 are still pending." "and names the steps still pending"
keys Enter
expect_screen "Enter does not answer this" "a second Enter does not answer it"
keys Escape
gone "ahead of the checklist" "Esc backs out"
[ "$(journal_count "$J" event=step.start step=last)" -eq 0 ] && pass "step 5 did not run" ||
	fail "step 5 ran without being asked"
keys Enter
expect_screen "Step 5 is ahead of the checklist" "Enter asks again"
keys y
if poll "[ \"\$(ended last ok)\" -eq 1 ]" 10; then
	pass "y goes on: step 5 runs"
else
	fail "step 5 did not run after y"
	screen_text | show
fi
journal_has "$J" "running ahead is journaled, with what was pending" event=decision step=last \
	"decision=run ahead: steps 3-4 are still pending"

# A cancel question whose step ends by itself goes away: a late c or y
# then cancels nothing.
expect_screen "next: step 6 (gate) — Enter" "after step 5 Enter goes on with step 6"
keys Enter
expect_screen "Step 6 is ahead of the checklist" "step 6 is ahead too"
keys y
expect_screen "gate open" "step 6 runs"
keys c
expect_screen "Cancel 'gate'?" "c asks"
touch "$INC/go"
expect_screen "'gate' ended before the cancel was answered" "the step ended: the question goes, and the status line says why"
gone "Cancel 'gate'?" "the cancel question is gone"
journal_has "$J" "the step ended by itself, ok" event=step.end step=gate status=ok

expect_screen "next: step 3 (drop-it) — Enter" "then Enter goes back to step 3"
keys Enter
expect_screen "DESTRUCTIVE STEP: type its id to run it" "step 3 asks for its id, and only that"
paste_text "drop-it
"
expect_screen "> drop-it" "a pasted id lands in the field"
expect_screen "DESTRUCTIVE STEP" "and does not submit it"
[ "$(journal_count "$J" event=step.start step=drop-it)" -eq 0 ] && pass "the pasted id ran nothing by itself" ||
	fail "the pasted id ran the destructive step"
keys Escape
gone "DESTRUCTIVE STEP" "Esc backs out of it"

# --- the terminal gets its plain paste back at exit ---

keys q
expect_screen "Quit?" "q asks"
keys y
if screen_wait "console-gone"; then
	paste_text "after the console"
	keys Enter
	if poll "grep -q 'after the console' '$SCRATCH/after'" 10 && ! grep -q '200~' "$SCRATCH/after"; then
		pass "after the console quit a paste is plain text again (bracketed paste turned off)"
	else
		fail "the terminal was left in bracketed paste mode"
		show "$SCRATCH/after"
	fi
else
	fail "the console did not quit"
	screen_text | show
fi

# --- a paste into the params form ---

tmux_respawn "$DRCONSOLE" --operator unseen "$TUI_DATA/basic.yaml"
expect_screen "▶* Restore to (UTC)" "the form opens on its first required field"
paste_text "2026-11-23T15:00:00Z
"
expect_screen "▶* Restore to (UTC)                 2026-11-23T15:00:00Z" \
	"a paste fills the field, and its line end does not move to the next"
keys Up
expect_screen "▶  Region to fail over" "Up: a choice field"
paste_text "us-east"
expect_screen "a paste (7 bytes) was dropped: it goes only into a text field" \
	"a choice field takes no paste"
expect_screen "< eu-west >" "the choice is unchanged"

finish
