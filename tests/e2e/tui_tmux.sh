#!/bin/sh
# tui_tmux.sh: the real console in a private tmux server: first frame,
# resizing, cancelling a running step with c and with Ctrl-C, keys that
# still move the selection while a step floods output, a note, quitting
# while a step runs (cancel, and leave it running), and `drconsole resume`
# showing the state; checked on capture-pane text and on journal.jsonl.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v tmux >/dev/null || skip_all "tmux is not installed"
scratch_dir
STATE=$SCRATCH/state
mkdir -p "$STATE"

tmux_start "$DRCONSOLE" --operator tmuxer "$TUI_DATA/live.yaml"
expect_screen "Start the run" "the first frame: the (empty) params form"
keys Enter
expect_screen "Checklist  0/5" "Start opens the run view"
INC=$(incident_of "$STATE")
J=$INC/journal.jsonl
keys Enter
expect_screen "next: step 2 (long-sleep) — Enter" "after step 1 ends ok its output stays and says what is next"
keys Down
expect_screen "▶ ·  2 A long sleep" "Down moves the selection to step 2"

$TM resize-window -t ui -x 80 -y 24
if screen_wait "of 30m" && [ "$(screen_text | wc -l)" -eq 24 ] &&
    [ "$(screen_text | wc -L)" -le 80 ]; then
	pass "resized to 80x24, the view reflows"
else
	fail "the view did not reflow to 80x24"
	screen_text | show
fi
$TM resize-window -t ui -x 60 -y 15
expect_screen "terminal too small: need at least 70x20, now 60x15" "below the minimum it says so"
$TM resize-window -t ui -x 100 -y 30
expect_screen "Timeline (local / UTC)" "back to 100x30"

keys Enter
expect_screen "sleeping now" "step 2 runs and its output shows"
keys c
expect_screen "Cancel 'long-sleep'?" "c asks before it cancels"
keys c
expect_screen "long-sleep cancelled: cancelled by the operator" "c again cancels the running sleep"
expect_screen "Step 'long-sleep' cancelled" "the cancel asks what to do next"
keys s
type_text "cancelled on purpose"
keys Enter
expect_screen "▶ ·  3 A step flooding" "the skip moves the selection on"

keys Enter
expect_screen "flood line" "the flood step streams output"
t0=$(now_ms)
keys Down
if screen_wait "▶ ·  4 A step to leave" 5; then
	pass "Down moves the selection while output floods ($(( $(now_ms) - t0 )) ms)"
else
	fail "the selection did not move while output floods"
	screen_text | show
fi
keys Up
expect_screen "lines, following" "back on the flood step the pane follows the output"
[ "$(journal_count "$J" event=step.end step=flood)" -eq 0 ] &&
	pass "the flood step was still running meanwhile" || fail "the flood step ended by itself"
keys C-c
expect_screen "Cancel 'flood'?" "Ctrl-C asks before it cancels"
keys C-c
expect_screen "Step 'flood' cancelled" "Ctrl-C again cancels the running step"
if [ "$($TM display -p -t ui '#{pane_dead}')" = 1 ]; then fail "Ctrl-C killed the console"; else pass "Ctrl-C leaves the console running"; fi
keys s
type_text "enough output"
keys Enter

keys n
expect_screen "Add a note to the journal" "n opens the note dialog"
type_text "checked the dashboards"
keys Enter
expect_screen "checked the dashboards" "the note shows on the timeline"

expect_screen "▶ ·  4 A step to leave" "the selection is on step 4"
keys Enter
expect_screen "napping" "step 4 runs"
keys q
expect_screen "Quit while a step runs?" "q while a step runs asks"
keys c
if poll pane_dead 10 && [ "$(pane_status)" = 0 ]; then
	pass "cancel and quit: the console exits with status 0"
else
	fail "cancel and quit did not exit cleanly (status '$(pane_status)')"
	screen_text | show
fi
journal_has "$J" "the cancel by c is journaled" event=step.end step=long-sleep status=cancelled
journal_has "$J" "the skip reason is journaled" event=step.end step=long-sleep status=skipped "reason=cancelled on purpose"
journal_has "$J" "Ctrl-C's cancel is journaled" event=step.end step=flood status=cancelled
journal_has "$J" "the note is journaled" event=note "text=checked the dashboards"
journal_has "$J" "the quit decision is journaled" event=decision step=nap "decision=quit: cancel the running step"
journal_has "$J" "the step cancelled at quit" event=step.end step=nap status=cancelled
[ "$(journal_count "$J" event=run.end)" -eq 0 ] && pass "the incident stays open" || fail "quit ended the run"

# Resume: the state comes back from the journal.
tmux_respawn "$DRCONSOLE" resume "$INC"
expect_screen "Checklist  4/5" "resume shows the steps already ended"
expect_screen "nap cancelled" "resume selects the cancelled step"
expect_screen "»  2 A long sleep" "the skipped step shows as skipped"
journal_has "$J" "run.resume is journaled" event=run.resume

# Leave a step running at quit: the child lives on, resume calls it interrupted.
rm -f "$INC/nap.pid"
keys r
expect_screen "napping" "r retries the cancelled step"
poll "[ -s '$INC/nap.pid' ]" 5 || fail "the nap step wrote no pid"
NAP=$(cat "$INC/nap.pid" 2>/dev/null)
keys q
expect_screen "leave it running and quit" "the quit dialog offers to leave it running"
keys l
if poll pane_dead 10 && [ -n "$NAP" ] && kill -0 "$NAP" 2>/dev/null; then
	pass "leave it running: the console exits, the step's process lives on"
else
	fail "leave it running: the console did not exit, or the step (pid '$NAP') was killed"
	screen_text | show
fi
journal_has "$J" "the leave decision is journaled" event=decision "decision=quit: leave the step running"
tmux_respawn "$DRCONSOLE" resume "$INC"
expect_screen "Interrupted step: outcome unknown" "resume asks about the interrupted step"
keys d
type_text "saw it in ps"
keys Enter
expect_screen "next: step 5 (last) — Enter" "marked done after the resume, its output stays and says what is next"
journal_has "$J" "mark done is journaled with its note" event=step.end step=nap status=ok "note=saw it in ps"
[ -n "$NAP" ] && kill "$NAP" 2>/dev/null
keys Enter
expect_screen "RUN COMPLETED" "the last step completes the run"
keys q
poll pane_dead 10 && [ "$(pane_status)" = 0 ] && pass "q after the end exits 0" || fail "q after the end: status $(pane_status)"
journal_has "$J" "run.end completed" event=run.end status=completed

# SIGTERM while a step runs: the step is cancelled and journaled, the
# terminal restored, the incident left open; exit status 130.
INC2=$SCRATCH/incident2
tmux_respawn "$DRCONSOLE" --incident-dir "$INC2" "$TUI_DATA/live.yaml"
expect_screen "Start the run" "a second run starts"
keys Enter
expect_screen "Checklist  0/5" "its run view shows"
keys Down Enter
expect_screen "Step 2 is ahead of the checklist" "step 2 ahead of step 1 asks first"
keys y
if poll "grep -q '\"event\":\"step.start\".*\"step\":\"long-sleep\"' '$INC2/journal.jsonl'" 10; then
	pass "y: its long step runs"
else
	fail "the long step did not start"
	screen_text | show
fi
CONSOLE=$(pgrep -P "$($TM display -p -t ui '#{pane_pid}')" | head -n 1)
kill -TERM "$CONSOLE"
if poll pane_dead 15 && [ "$(pane_status)" = 130 ]; then
	pass "SIGTERM: the console exits with status 130"
else
	fail "SIGTERM: status '$(pane_status)'"
fi
if screen_text | grep -q "Checklist"; then
	fail "SIGTERM: the screen was not restored"
	screen_text | show
else
	pass "SIGTERM: the terminal is restored"
fi
journal_has "$INC2/journal.jsonl" "SIGTERM: the running step was cancelled" event=step.end step=long-sleep status=cancelled
journal_has "$INC2/journal.jsonl" "SIGTERM: the decision is journaled" event=decision step=long-sleep \
	"decision=SIGTERM: cancel the running step and exit, incident left open"
finish
