#!/bin/sh
# watch_inject.sh: a drill as its facilitator sees it. A real `drconsole run`
# (line mode, no terminal) walks a runbook whose steps wait for marker files,
# so the test sets the pace; `drconsole watch` follows it in a private tmux
# server: statuses and output appear, the selection follows the running
# step, the view reflows at 80x24. `drconsole inject` and the watch's own
# `i` reach the driver's journal as notes marked injected, and its screen;
# and watch never writes to the incident or holds its lock.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v tmux >/dev/null || skip_all "tmux is not installed"
scratch_dir
INC=$SCRATCH/inc
J=$INC/journal.jsonl
RB=$top_srcdir/tests/data/incidents/paced.yaml

"$DRCONSOLE" run --drill --operator alice --incident-dir "$INC" "$RB" \
	</dev/null >"$SCRATCH/run.out" 2>&1 &
DRIVER=$!
track_pid "$DRIVER"
wait_for "grep -q '\"event\":\"step.start\".*\"step\":\"wait-a\"' '$J' 2>/dev/null" 10 ||
	die "the run never reached its waiting step"

tmux_start "$DRCONSOLE" watch --operator obs "$INC"
expect_screen "WATCHING (read-only)" "the first frame says it only watches"
expect_screen "Paced drill for observers" "the top bar shows the runbook title"
expect_screen "DRILL" "the mode badge"
expect_screen "driver alice" "the driver's name"
expect_screen "RTO 0:00:" "the RTO clock runs since run.start"
expect_screen "✓  1 Prepare the stand-in" "step 1 shows as ended ok"
expect_screen "·  3 Wait for marker B" "later steps show as pending"
expect_screen "wait-a running" "the pane follows the running step"
expect_screen "waiting for A" "its output shows as it is written"
expect_screen "Prepare" "phase headings from the runbook"

# The facilitator injects from another terminal; the driver journals it.
"$DRCONSOLE" inject --operator facil "$INC" the replica in us-west-2 is also lagging \
	>"$SCRATCH/inject.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "journaled by the driving drconsole (pid $DRIVER)" "$SCRATCH/inject.out"; then
	pass "inject: the driving console journaled it"
else
	fail "inject exited $rc"
	show "$SCRATCH/inject.out"
fi
if grep '"event":"note"' "$J" | grep '"by":"facil"' | grep -q '"injected":true'; then
	pass "the driver's journal holds it as a note with injected: true"
else
	fail "no injected note by facil in the journal"
	show "$J"
fi
journal_has "$J" "the note's text is journaled" event=note "text=the replica in us-west-2 is also lagging" operator=alice
expect_screen "inject         by facil: the replica in us-west-2 is also lagging" \
	"the watch timeline marks it injected, with its text"
if wait_for "grep -q 'INJECTED by facil: the replica in us-west-2' '$SCRATCH/run.out'" 5; then
	pass "the driver is told at once"
else
	fail "the driver's output never showed the injected event"
	show "$SCRATCH/run.out"
fi

# Injecting from the watch itself: i, the text, Enter. The text is pasted
# over two lines: a paste is text for the field, and does not send it.
keys I
expect_screen "Inject an event" "I opens the inject field"
paste_text "DNS is
flapping
"
expect_screen "> DNS is flapping" "a paste lands in the inject field on one line"
expect_screen "Inject an event" "and does not send it"
keys Enter
expect_screen "by obs: DNS is flapping" "the watch's own injection reaches the timeline"
if grep '"event":"note"' "$J" | grep '"by":"obs"' | grep -q '"text":"DNS is flapping"'; then
	pass "and the journal, by the watch's operator"
else
	fail "the watch's injection is not in the journal"
	show "$J"
fi

# The run moves on: the selection follows; arrows look back.
touch "$INC/go-a"
expect_screen "✓  2 Wait for marker A" "step 2 ends ok"
expect_screen "waiting for B" "the pane follows step 3"
keys Up
expect_screen "got A" "Up selects step 2 and shows its output"
keys f
expect_screen "wait-b running" "f follows the running step again"

$TM resize-window -t ui -x 80 -y 24
if screen_wait "WATCHING (read-only)" && screen_wait "Timeline" && [ "$(screen_text | wc -l)" -eq 24 ] &&
    [ "$(screen_text | wc -L)" -le 80 ]; then
	pass "resized to 80x24, the view reflows"
else
	fail "the view did not reflow to 80x24"
	screen_text | show
fi
expect_screen "waiting for B" "80x24 still shows the running step's output"
$TM resize-window -t ui -x 60 -y 15
expect_screen "terminal too small" "below the minimum it says so"
$TM resize-window -t ui -x 100 -y 30
expect_screen "Checklist  2/4 ended" "back to 100x30"

touch "$INC/go-b"
expect_screen "RUN COMPLETED in" "the end of the run shows"
if wait_for "! alive $DRIVER" 10 && wait "$DRIVER"; then
	pass "the driven run completed (exit 0)"
else
	fail "the driven run did not complete"
	show "$SCRATCH/run.out"
fi
expect_screen "Checklist  4/4 ended" "every step ended"
expect_screen "all done" "the last step's output"

# With no driver left, a note goes straight in: watch holds no lock.
"$DRCONSOLE" note --operator bob "$INC" "after the run" >"$SCRATCH/note.out" 2>&1
if grep -q "note appended to the journal" "$SCRATCH/note.out"; then
	pass "watch holds no lock: a note is appended directly"
else
	fail "the journal looked locked while only watch had it open"
	show "$SCRATCH/note.out"
fi
expect_screen "after the run" "the watch shows the new note"

# Keys in a watch change nothing on disk.
snapshot() {
	(cd "$INC" && find . -printf '%p %s %T@\n' | sort && cat journal.jsonl) | cksum
}
before=$(snapshot)
keys Tab Up Up PPage Tab Down Home Tab End
keys I
expect_screen "Inject an event" "I opens the field again"
type_text "never sent"
keys Escape
if poll "! screen_text | grep -q 'Inject an event'" 5; then
	pass "Esc backs out of the inject field"
else
	fail "Esc left the inject field open"
	screen_text | show
fi
keys q
if poll pane_dead 10 && [ "$(pane_status)" = 0 ]; then
	pass "q quits with status 0"
else
	fail "q did not quit cleanly (status '$(pane_status)')"
	screen_text | show
fi
if screen_text | grep -q "WATCHING"; then
	fail "the screen was not restored at exit"
	screen_text | show
else
	pass "the terminal is restored at exit"
fi
# Script mode, as the console's: keys from a file, screens to a dump.
cat >"$SCRATCH/watch.script" <<'EOF'
wait-text COMPLETED
dump
key Up
do focus
resize 80x24
dump
do focus
do page-up
do page-up
resize 100x30
dump
wait-step finish ok
quit
EOF
"$DRCONSOLE" watch --script "$SCRATCH/watch.script" --dump "$SCRATCH/watch.dump" "$INC" \
	>"$SCRATCH/script.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "script mode runs without a terminal" || { fail "script mode exited $rc"; show "$SCRATCH/script.out"; }
dump_has "$SCRATCH/watch.dump" 1 "RUN COMPLETED in" "script dump: the run's end"
dump_has "$SCRATCH/watch.dump" 1 "note           after the run" "script dump: the timeline's newest event"
dump_has "$SCRATCH/watch.dump" 1 "Checklist  4/4 ended" "script dump: the checklist"
dump_has "$SCRATCH/watch.dump" 2 "got B" "script dump: Up selects the step before"
grep -q "===== dump 2 80x24 =====" "$SCRATCH/watch.dump" && pass "script dump: resized to 80x24" ||
	fail "script dump 2 is not 80x24"
dump_has "$SCRATCH/watch.dump" 3 "Timeline: event 1 of" "script dump: Tab twice, the timeline's pane, scrolled back to its start"
dump_has "$SCRATCH/watch.dump" 3 "inject         by facil" "script dump: the injected event, with who injected it"
dump_lacks "$SCRATCH/watch.dump" 3 ", following" "script dump: no longer following the newest"
[ "$(snapshot)" = "$before" ] && pass "watch left the incident untouched" ||
	fail "the incident changed while only watch had it open"
[ "$(grep -c 'never sent' "$J")" -eq 0 ] && pass "an injection backed out of is not sent" ||
	fail "the backed-out injection was journaled"
"$DRCONSOLE" verify "$INC" >"$SCRATCH/verify.out" 2>&1 && pass "the journal verifies" ||
	{ fail "verify failed"; show "$SCRATCH/verify.out"; }

# Not an incident: a clear error, nothing created.
"$DRCONSOLE" inject --operator facil "$SCRATCH/nope" text >"$SCRATCH/bad.out" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && [ ! -e "$SCRATCH/nope" ] && grep -q "not an incident directory" "$SCRATCH/bad.out"; then
	pass "inject refuses a directory with no journal"
else
	fail "inject into a non-incident: exit $rc"
	show "$SCRATCH/bad.out"
fi
finish
