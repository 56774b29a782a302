#!/bin/sh
# interactive.sh: interactive steps. In the console under a private tmux:
# a attaches the keyboard to the running step, what is typed reaches it
# and its answer shows in the pane (escape sequences stripped), its
# terminal takes the pane's size, C-] detaches, c stops it (stop_ok: ok),
# Ctrl-C typed while attached interrupts the step itself, and the journal
# has each attach and detach. In line mode on a real terminal (tmux): the
# step gets the terminal, answers, Ctrl-] stops it, and the terminal comes
# back as it was, also after Ctrl-C and SIGTERM. Without a terminal an
# interactive step is refused unless --yes and stop_ok.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v tmux >/dev/null || skip_all "tmux is not installed"
scratch_dir
D=$top_srcdir/tests/data/interactive
SECRET=Zx9-not-for-eyes

# expect_re REGEX WHAT: a check that the pane comes to match REGEX.
expect_re() {
	if poll "screen_text | grep -qE -- '$1'" 10; then
		pass "$2"
	else
		fail "$2: the screen never matched /$1/"
		screen_text | show
	fi
}

# lacks_screen TEXT WHAT: a check that the pane does not show TEXT now.
lacks_screen() {
	if screen_text | grep -qF -- "$1"; then
		fail "$2: the screen shows '$1'"
		screen_text | show
	else
		pass "$2"
	fi
}

# --- the console ---

INC=$SCRATCH/console
J=$INC/journal.jsonl
tmux_start "$DRCONSOLE" --operator typist --incident-dir "$INC" "$D/console.yaml"
screen_wait "Start the run" || { screen_text | show; die "the console never showed its first frame"; }
keys Enter
expect_screen "Checklist  0/3" "the run view"
lacks_screen "a attach" "no attach key while nothing runs"
keys Enter
expect_re "│ Name\\?$" "the step's prompt shows before it ends its line, and alone"
expect_screen "a attach" "the key bar offers attach while an interactive step runs"
lacks_screen "1;32m" "colour escapes do not reach the pane"
lacks_screen "drc42" "the title-setting escape does not reach the pane"
keys a
expect_screen "ATTACHED to step 1 (ask): keys go to it, C-] detaches" "attached: the top bar says so"
expect_screen "ATTACHED: typing goes to 'ask'   C-] detach" "attached: the key bar says so, with the detach key"
type_text "Adx"
keys BSpace
type_text "a"
expect_screen "Name? Ada" "typing echoes live, backspace included"
keys Enter
expect_screen "got Ada" "Enter ends the line: the step answers"
keys Up
expect_screen "^[OA" "the step asked for application cursor keys: Up is sent as ESC O A"
keys Enter
type_text "one"
keys Enter
# At 100 columns the pane's text is 58 wide (the checklist takes 2/5).
expect_re "size [0-9]+ 58 after one" "the step's terminal has the pane's width"
# A paste goes to the attached step as typed, its line end included.
paste_text "pasted s y
"
expect_re "size [0-9]+ 58 after pasted s y" "attached, a paste goes to the step"
$TM resize-window -t ui -x 120 -y 30
expect_screen "ATTACHED to step 1" "still attached after a resize"
type_text "two"
keys Enter
expect_re "size [0-9]+ 70 after two" "a resize gives the step's terminal the new width"
type_text "sq"
expect_re "│ sq$" "s and q go to the step, not to the console"
lacks_screen "Skip 'ask'" "attached, s opens no skip dialog"
keys BSpace BSpace C-]
expect_screen "detached from 'ask' (C-])" "C-] detaches"
lacks_screen "ATTACHED" "detached: the bars no longer say ATTACHED"
keys c c
expect_screen "ask ok: stopped by the operator" "c stops the step: stop_ok makes it ok"
expect_screen "Checklist  1/3" "the stopped step counts as ended"
journal_has "$J" "the attach is journaled" event=decision step=ask decision=attached
journal_has "$J" "the detach is journaled" event=decision step=ask decision=detached
journal_has "$J" "the step ended ok" event=step.end step=ask status=ok
grep -q "got Ada" "$INC"/output/01-ask.log && pass "the output file has the step's answer" ||
	fail "the output file lacks the step's answer"
if grep -q '1;32m' "$INC"/output/01-ask.log; then
	pass "the output file keeps the output as it came"
else
	fail "the output file lost the escapes"
fi

expect_screen "next: step 2 (after) — Enter" "the ended step's output stays; Enter goes on with step 2"
keys Enter
expect_screen "after ok" "the next step runs"
expect_screen "next: step 3 (interrupt) — Enter" "and then with step 3"
keys Enter
expect_screen "waiting for Ctrl-C" "an interactive step without stop_ok runs"
keys a
expect_screen "ATTACHED to step 3 (interrupt)" "attached to it"
keys C-c
expect_screen "Step 'interrupt' failed" "Ctrl-C typed while attached interrupts the step, not the console"
expect_screen "killed by signal 2" "the step died of SIGINT"
expect_screen "detached from 'interrupt' (the step ended)" "its end detaches the keyboard"
journal_has "$J" "that detach is journaled too" event=decision step=interrupt decision=detached
keys a
expect_screen "RUN ABORTED" "abort ends the run"
if grep -q "Ada" "$J"; then fail "what was typed is in the journal"; else pass "nothing typed is in the journal"; fi
[ "$(journal_count "$J" event=decision decision=attached)" -eq 2 ] && pass "two attaches journaled" ||
	fail "attaches journaled: $(journal_count "$J" event=decision decision=attached), wanted 2"
keys q
poll pane_dead 10 || fail "q did not end the console"

# --- line mode on a terminal ---

# line_run NAME: `drconsole run` on line.yaml in the pane, the terminal's
# settings saved before and after, its status in NAME.rc.
line_run() {
	rm -f "$SCRATCH/$1".*
	$TM respawn-pane -k -t ui "stty -g >'$SCRATCH/$1.before';
	    DRCONSOLE_PARAM_token=$SECRET '$DRCONSOLE' run --kill-grace 1s --incident-dir '$SCRATCH/$1' '$D/line.yaml';
	    echo \$? >'$SCRATCH/$1.rc'; stty -g >'$SCRATCH/$1.after'" || die "tmux respawn failed"
}

# line_done NAME RC WHAT: the run ended with RC and the terminal as it was.
line_done() {
	if poll "[ -s '$SCRATCH/$1.after' ]" 10 && [ "$(cat "$SCRATCH/$1.rc")" = "$2" ]; then
		pass "$3: exit $2"
	else
		fail "$3: exit '$(cat "$SCRATCH/$1.rc" 2>/dev/null)', wanted $2"
		screen_text | show
	fi
	if cmp -s "$SCRATCH/$1.before" "$SCRATCH/$1.after"; then
		pass "$3: the terminal is restored"
	else
		fail "$3: the terminal's settings changed"
	fi
}

line_run l1
expect_re "^Name\\?" "line mode: the step's prompt shows as it comes"
expect_re "^token \\*\\*\\*\\*$" "line mode: a secret it prints is masked"
lacks_screen "$SECRET" "line mode: the secret never shows"
type_text "Ada"
keys Enter
expect_screen "got Ada" "line mode: typing reaches the step"
expect_screen "size $($TM display -p -t ui '#{pane_height} #{pane_width}')" \
	"line mode: the step's terminal has our terminal's size"
type_text "hello"
keys Enter
expect_screen "echo: hello" "line mode: its answers show raw, not prefixed"
keys C-]
expect_screen "drconsole: Ctrl-]: stopping 'greet'" "line mode: Ctrl-] stops the step"
expect_screen "| done ok" "line mode: stopped, stop_ok, the run goes on"
line_done l1 0 "line mode: Ctrl-], then the run completes"
journal_has "$SCRATCH/l1/journal.jsonl" "line mode: the hand-over is journaled" event=decision step=greet decision=attached
journal_has "$SCRATCH/l1/journal.jsonl" "line mode: and its end" event=decision step=greet decision=detached
journal_has "$SCRATCH/l1/journal.jsonl" "line mode: the stopped step is ok" event=step.end step=greet status=ok

line_run l2
expect_re "^Name\\?" "line mode again"
keys C-c
expect_screen "killed by signal 2" "line mode: Ctrl-C goes to the step, not to drconsole"
expect_screen "[r]etry / [s]kip / [a]bort" "line mode: the terminal is ours again to ask what now"
type_text "a"
keys Enter
line_done l2 1 "line mode: Ctrl-C, then abort"

line_run l3
expect_re "^Name\\?" "line mode a third time"
RUNNER=$(pgrep -x -P "$($TM display -p -t ui '#{pane_pid}')" drconsole | head -n 1)
kill -TERM "$RUNNER"
line_done l3 130 "line mode: SIGTERM while the step has the terminal"
journal_has "$SCRATCH/l3/journal.jsonl" "line mode: SIGTERM detaches, journaled" event=decision step=greet decision=detached

# --- line mode without a terminal ---

"$DRCONSOLE" run --incident-dir "$SCRATCH/n1" "$D/console.yaml" </dev/null >"$SCRATCH/n1.out" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -qF "step 'ask' is interactive and there is no terminal to type into it" "$SCRATCH/n1.out"; then
	pass "no terminal: an interactive step is refused, exit 1"
else
	fail "no terminal: exit $rc"
	show "$SCRATCH/n1.out"
fi
grep -q "got" "$SCRATCH/n1.out" && fail "no terminal: the refused step ran" || pass "no terminal: the refused step did not run"

"$DRCONSOLE" run --yes --incident-dir "$SCRATCH/n2" "$D/unattended.yaml" </dev/null >"$SCRATCH/n2.out" 2>&1
rc=$?
if grep -q '^  | tick 3$' "$SCRATCH/n2.out" && grep -qF "step 'prompt' is interactive" "$SCRATCH/n2.out" &&
    ! grep -q "never here" "$SCRATCH/n2.out" && [ "$rc" -eq 1 ]; then
	pass "--yes: a stop_ok step runs without input, one without stop_ok is still refused"
else
	fail "--yes without a terminal: exit $rc"
	show "$SCRATCH/n2.out"
fi
journal_has "$SCRATCH/n2/journal.jsonl" "--yes: running without input is journaled" event=decision step=tail \
	"decision=run without input (no terminal; --yes and stop_ok)"
journal_has "$SCRATCH/n2/journal.jsonl" "--yes: the refusal is journaled" event=decision step=prompt \
	"decision=abort (interactive step, no terminal)"
finish
