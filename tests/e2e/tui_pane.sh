#!/bin/sh
# tui_pane.sh: everything that runs can be read, at 80x24 (and 200x50 where
# the layout differs) in a private tmux server. A finished step's output
# stays with "next: step N — Enter" under it; a narrow pane wraps long
# lines, w cuts them with a mark, Right scrolls them, z zooms the pane;
# search scrolls to the match and n/N go to the next and previous; a
# progress bar's unfinished line shows while it runs; tabs, bad bytes and
# stderr show as a terminal would, stderr marked; the runbook's notes show
# before the run and a step's expected_duration while it runs, and past
# it; the selection stays on screen in a list lengthened by phase headings,
# also after the final banner. Every wait polls with a deadline.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v tmux >/dev/null || skip_all "tmux is not installed"
scratch_dir
# Not in tests/data/tui: the picker test lists that folder on one screen.
PANE_DATA=$top_srcdir/tests/data/pane
STATE=$SCRATCH/state
mkdir -p "$STATE"

# pane_text: the output pane's columns at 80x24 (right of the checklist's
# bar and the stderr gutter), rows joined with spaces gone, so a wrapped
# line reads whole.
pane_text() {
	screen_text | sed -n 's/^[^│]*│.//p' | tr -d ' \n'
}

# pane_shows TEXT WHAT: a check that the pane comes to show TEXT (spaces
# ignored, across wrapped rows).
pane_shows() {
	_want=$(printf '%s' "$1" | tr -d ' ')
	if poll "pane_text | grep -qF -- '$_want'" 10; then
		pass "$2"
	else
		fail "$2: the pane never showed '$1'"
		screen_text | show
	fi
}

# row_matches REGEX WHAT: a check that some screen row comes to match REGEX.
row_matches() {
	if poll "screen_text | grep -qE -- '$1'" 10; then
		pass "$2"
	else
		fail "$2: no row matches /$1/"
		screen_text | show
	fi
}

# A pager that shows it has the file and the terminal, then waits for a
# line typed at it.
cat >"$SCRATCH/pager.sh" <<PAGER_END
#!/bin/sh
cp "\$1" "$SCRATCH/paged"
echo "PAGER-SHOWS \$(wc -l <"\$1") lines"
read -r typed
echo "\$typed" >"$SCRATCH/pager-read"
PAGER_END
chmod +x "$SCRATCH/pager.sh"

TUI_COLS=80 TUI_ROWS=24 tmux_start env PAGER="$SCRATCH/pager.sh" "$DRCONSOLE" --operator pane "$PANE_DATA/pane.yaml"
expect_screen "Start the run" "the first frame: the (empty) params form"
keys Enter
expect_screen "Checklist  0/4" "the run view at 80x24"
INC=$(incident_of "$STATE")
pane_shows "runbook notes: Call the on-call DBA before step two." "the runbook's notes show before the run starts"

# --- a finished step's output stays, read in every way ---

keys Enter
expect_screen "next: step 2 (progress) — Enter" "an ended step says what Enter goes on with"
row_matches '^▶ ✓  1 ' "the selection stays on the ended step"
expect_screen "more filler 39" "its output stays in the pane"

# o: the whole output file in $PAGER; the console runs on meanwhile.
keys o
expect_screen "PAGER-SHOWS" "o gives the terminal to \$PAGER"
if grep -qF "needle two" "$SCRATCH/paged" && grep -qF "more filler 39" "$SCRATCH/paged"; then
	pass "the pager gets the step's whole output file"
else
	fail "the pager got another file"
	show "$SCRATCH/paged"
fi
"$DRCONSOLE" inject --operator facil "$INC" "sent while the pager runs" >"$SCRATCH/inject.out" 2>&1
if grep -qF "journaled by the driving drconsole" "$SCRATCH/inject.out"; then
	pass "while the pager runs the console's loop goes on (it journaled an inject)"
else
	fail "the console did not take the inject while the pager ran"
	show "$SCRATCH/inject.out"
fi
type_text "typed-at-the-pager"
keys Enter
expect_screen "Checklist  1/4" "when the pager ends the console's screen comes back"
if [ "$(cat "$SCRATCH/pager-read" 2>/dev/null)" = "typed-at-the-pager" ]; then
	pass "keys went to the pager, not the console"
else
	fail "the pager did not get the typed line"
fi
if grep -qF "typed-at-the-pager" "$INC/journal.jsonl"; then
	fail "what was typed at the pager reached the console"
else
	pass "nothing typed at the pager reached the console"
fi
keys I
expect_screen "sent while the pager runs" "I reads the inject sent meanwhile"
keys Escape

# A link planted in place of the output file is not followed: o says so
# and no pager starts (the file it points at is never shown).
mv "$INC/output/01-errors.log" "$SCRATCH/errors.log"
echo "SECRET-BEHIND-THE-LINK" >"$SCRATCH/secret"
ln -s "$SCRATCH/secret" "$INC/output/01-errors.log"
rm -f "$SCRATCH/paged"
keys o
expect_screen "a link, not the step's output file: not opened" "o refuses a planted link"
[ ! -e "$SCRATCH/paged" ] && pass "no pager was given the link" || fail "the pager was given the link"
rm "$INC/output/01-errors.log"
mv "$SCRATCH/errors.log" "$INC/output/01-errors.log"

if screen_text | grep -qF "runbook notes:"; then
	fail "the notes still take the pane's rows once the run began"
else
	pass "once a step ran, the notes give the pane back"
fi
keys Tab Home
pane_shows 'FATAL: password authentication failed for user "restore_admin" at the very end' \
	"at 80x24 the long error line wraps: its end is on screen"
row_matches '^ {32}│ col     next$' "a tab goes to the 8th column"
expect_screen "bad � byte" "a byte that is not UTF-8 shows as U+FFFD"
row_matches '│▌on stderr: relation "orders" does not exist' "a stderr line is marked in the gutter"
expect_screen "id | 名前 | n" "wide characters pass"

keys w
row_matches '│ psql: error: connection failed: FATAL: passwo…$' "w cuts long lines, with a mark where they are cut"
keys Right
row_matches 'from column 24' "Right scrolls cut lines: the rule says from which column"
row_matches '│ …failed: FATAL: password authentication faile…$' "the scrolled line is marked on both sides"
keys Left
row_matches '│ psql: error: connection failed: FATAL: passwo…$' "Left scrolls back"

keys z
row_matches '^ psql: error: connection failed: FATAL: password authentication failed for user…$' \
	"z gives the pane the whole width"
if screen_text | grep -qF "Checklist"; then
	fail "zoomed, the checklist still shows"
else
	pass "zoomed, the checklist is gone"
fi
keys z
expect_screen "Checklist  1/4" "z again gives the checklist back"
keys w

# Search: / finds, n the next match, N the previous; n is no note here.
keys /
expect_screen "Search the output" "/ opens the search"
type_text needle
keys Enter
expect_screen "needle one" "the search scrolls to the first match"
keys n
expect_screen "needle two" "n scrolls to the next match"
if screen_text | grep -qF "Add a note"; then
	fail "n in the output pane opened the note dialog"
	keys Escape
else
	pass "n in the output pane is the next match, not a note"
fi
keys N
expect_screen "needle one" "N scrolls back to the previous match"
keys Tab Tab
expect_screen "Checklist  1/4" "Tab goes on to the timeline, and again back to the checklist"

# --- a progress bar shows while it runs ---

keys Enter
expect_screen "37% [#######             ]" "a progress bar's unfinished line shows while it runs"
touch "$INC/go"
expect_screen "100% [####################]" "and its last state once the line ends"
expect_screen "next: step 3 (slow) — Enter" "the progress step's output stays too"

# --- expected_duration ---

keys Enter
expect_screen "PAST its expected 1s" "a step running past its expected duration says so"
# The default theme's rto_over is red: the checklist row's time takes it.
if $TM capture-pane -e -p -t ui | grep -F "A slow step" | grep -qF "$(printf '\033[31m')"; then
	pass "and its time in the checklist turns red"
else
	fail "the overdue step's time is not red"
	$TM capture-pane -e -p -t ui | grep -F "A slow step" | cat -v | show
fi
touch "$INC/go2"
expect_screen "next: step 4 (last) — Enter" "the slow step ended"
keys Down
if poll "! screen_text | grep -qF 'next: step 4'" 10; then
	pass "moving takes the next-step line away"
else
	fail "the next-step line outlived a move"
	screen_text | show
fi
keys Up
expect_screen "slow started" "the ended step's output is there when selected again"

# --- the timeline: a pane of its own; injects hold a banner until read ---

"$DRCONSOLE" inject --operator facil "$INC" \
	"the replica is lagging too: check it before the restore, with more words than any row holds at 80x24 FULL-END" \
	>/dev/null || fail "drconsole inject failed"
expect_screen "INJECTED EVENT by facil: the replica is lagging too" "an inject puts a banner over the run"
row_matches 'inject +by facil: the replica is lagging too' "the timeline types it inject"
keys Tab Tab
expect_screen "Timeline: event" "Tab twice: the timeline takes the output pane's place"
keys Home
row_matches '│ ?[0-9:]+Z +run\.start ' "the timeline pane scrolls back to the run's start"
keys Down Enter
expect_screen "Timeline event" "Enter shows all an event says"
expect_screen "event: step.confirm" "the selected event, field by field"
keys Escape
keys Tab
expect_screen "INJECTED EVENT" "the banner stays until the inject is read"
keys I
expect_screen "Injected event" "I opens the inject"
pane_all=$(screen_text | tr -d ' \n│')
case $pane_all in
*"anyrowholdsat80x24FULL-END"*) pass "its full text shows, past what a row holds" ;;
*) fail "the inject's full text is cut"; screen_text | show ;;
esac
keys Escape
if poll "! screen_text | grep -qF 'INJECTED EVENT'" 10; then
	pass "once read, the banner goes"
else
	fail "the banner outlived I"
	screen_text | show
fi
journal_has "$INC/journal.jsonl" "reading it is journaled" event=decision \
	"decision=inject read: the replica is lagging too: check it before the restore, with more words than any row holds at 80x24 FULL-END"
keys q
expect_screen "Quit?" "q asks"
keys y
poll pane_dead 10 || fail "the console did not quit"

# After a resume the timeline holds the whole run, not only run.resume.
tmux_respawn "$DRCONSOLE" resume "$INC" --operator pane
expect_screen "Checklist  3/4" "the incident resumes"
keys Tab Tab Home
row_matches '│ ?[0-9:]+Z +run\.start ' "after a resume the timeline starts at the run's start"
keys Down Down Down
row_matches '│ ?[0-9:]+Z +step\.end +errors ok' "and holds the steps ended before it"
if screen_text | grep -qF "INJECTED EVENT"; then
	fail "an inject read before the resume holds a banner again"
else
	pass "an inject read before the resume stays read"
fi

# A line longer than the pane renders (3000 bytes) ends in the mark too.
keys Tab
expect_screen "Checklist  3/4" "back to the checklist"
keys Enter
expect_screen "RUN COMPLETED" "the last step runs"
keys Tab w
$TM send-keys -t ui -N 43 Right
row_matches '│ …x{20,}…$' "the end of what a 3000-byte line shows carries the mark"
keys q
poll pane_dead 10 || fail "the console did not quit"

# --- 200x50: lines fit whole and are not wrapped ---

$TM resize-window -t ui -x 200 -y 50
tmux_respawn "$DRCONSOLE" --operator pane "$PANE_DATA/pane.yaml"
expect_screen "Start the run" "the second console starts"
keys Enter
expect_screen "runbook notes: Call the on-call DBA before step two. Runbook notes reach the screen." \
	"at 200x50 the notes show on one row"
keys Enter
expect_screen "next: step 2" "step 1 ran"
keys Tab Home
expect_screen 'for user "restore_admin" at the very end' "at 200x50 the long line shows whole on its row"
expect_screen "next: step 2 (progress) — Enter" "and the next-step line"
keys q
expect_screen "Quit?" "q asks"
keys y
poll pane_dead 10 || fail "the console did not quit"

# --- the selection stays on screen among phase headings ---

$TM resize-window -t ui -x 80 -y 24
tmux_respawn "$DRCONSOLE" --operator pane "$PANE_DATA/phases.yaml"
expect_screen "Start the run" "the phases console starts"
keys Enter
expect_screen "Checklist  0/12" "twelve steps, each under its own heading"
k=1
while [ "$k" -lt 12 ]; do
	keys Down
	k=$((k + 1))
	if ! poll "screen_text | grep -qE '^▶ ·  *$k Step number $k '" 10; then
		fail "step $k selected is off screen"
		screen_text | show
		break
	fi
done
[ "$k" -eq 12 ] && pass "every step selected with Down is on screen"
keys Home
row_matches '^▶ ·  1 Step number 1 ' "Home brings the first step back"
PINC=$(ls -d "$STATE"/drconsole/incidents/*tui-phases | head -n 1)
k=0
while [ "$k" -lt 12 ]; do
	keys Enter
	k=$((k + 1))
	poll "[ \$(journal_count '$PINC/journal.jsonl' event=step.end) -ge $k ]" 10 || break
done
expect_screen "RUN COMPLETED" "the run completes: the final banner shows"
keys End
row_matches '^▶ ✓ 12 Step number 12 ' "after the final banner the last step is selected and on screen"
keys Up
row_matches '^▶ ✓ 11 Step number 11 ' "and the list still moves"
keys q
poll pane_dead 10 || fail "the console did not quit"
finish
