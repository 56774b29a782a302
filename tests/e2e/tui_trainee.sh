#!/bin/sh
# tui_trainee.sh: a trainee's sandbox at 80x24 in a private tmux server. Its
# generated practice password is kept in INCIDENT/sandbox/credentials
# (0600), so a resume neither asks for it nor fails: the step after the
# resume logs in with the same password. Leaving the console prints the
# incident folder and the command that stops the sandbox; after the run's
# end, where the postmortem is. Every wait polls with a deadline.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v tmux >/dev/null || skip_all "tmux is not installed"
scratch_dir
INC=$SCRATCH/inc
export TUI_COLS=80 TUI_ROWS=24

tmux_start "$DRCONSOLE" --operator trainee --training --incident-dir "$INC" "$TUI_DATA/trainee.yaml"
screen_wait "Start the run" || { screen_text | show; die "the form never showed"; }
expect_screen "(generated)" "the practice password is generated"
keys Enter
expect_screen "Checklist  0/2" "the run view"
keys Enter
expect_screen "Checklist  1/2" "the first step ran"
C=$INC/sandbox/credentials
if [ "$(stat -c %a "$C" 2>/dev/null)" = 600 ] && grep -q '"practice_pw"' "$C"; then
	pass "the practice password is kept in the sandbox folder, mode 0600"
else
	fail "no credentials file (or not 0600): $(ls -l "$C" 2>&1)"
fi
# What the console printed after it left the screen, history included.
printed() {
	$TM capture-pane -p -J -t ui -S -100
}

keys q
expect_screen "The incident stays open" "q asks, the incident staying open"
keys y
if poll pane_dead 10 && printed | grep -qxF "incident: $INC" &&
	printed | grep -qF "stop them with: sh $INC/sandbox/bin/cleanup.sh"; then
	pass "on quit: the incident folder and the sandbox's cleanup command"
else
	fail "on quit, the incident or the cleanup command is not printed"
	printed | show
fi

tmux_respawn "$DRCONSOLE" resume "$INC" --operator trainee
expect_screen "Checklist  1/2" "resume opens the run at once: nothing to give again"
keys Enter
expect_screen "same password as before" "after the resume the step logs in with the kept password"
expect_screen "RUN COMPLETED" "the run completes"
keys q
poll pane_dead 10 || keys y
if poll pane_dead 10 && printed | grep -qxF "postmortem: $INC/postmortem.md" && [ -s "$INC/postmortem.md" ]; then
	pass "after the run's end: where the postmortem is"
else
	fail "the postmortem's place is not printed"
	printed | show
fi
pw=$(sed -n 's/.*"practice_pw": "\(.*\)".*/\1/p' "$C")
if [ -z "$pw" ] || grep -qF "$pw" "$INC/journal.jsonl"; then
	fail "the kept practice password is missing, or it reached the journal"
else
	pass "the journal still masks the practice password"
fi
finish
