#!/bin/sh
# run_interrupt.sh: line mode interrupted before its run starts. A secret's
# from_command that hangs is announced ("fetching secret ... at most 30 s")
# and SIGINT ends the wait at once: the command's process is killed, the
# message says it was stopped (not timed out), exit 130, no incident run.
# At a terminal (tmux) a real Ctrl-C does the same during the fetch, and at
# a param's prompt (where it used to crash drconsole) it exits 130.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
scratch_dir
RB=$top_srcdir/tests/data/run/secret-slow.yaml
SLOW_PIDFILE=$SCRATCH/slow.pid
export SLOW_PIDFILE
unset DRCONSOLE_PARAM_pw DRCONSOLE_PARAM_cluster

# gone PID: the process no longer runs (a zombie counts as gone).
gone() {
	! alive "$1"
}

# --- no terminal: SIGINT while the secret is fetched ---

"$DRCONSOLE" run --yes --param cluster=c1 --incident-dir "$SCRATCH/plain" "$RB" < /dev/null \
	> "$SCRATCH/plain.out" 2>&1 &
pid=$!
track_pid $pid
wait_for "[ -s '$SLOW_PIDFILE' ]" 20 || { show "$SCRATCH/plain.out"; die "the secret's command never started"; }
slow=$(cat "$SLOW_PIDFILE")
grep -q "fetching secret 'pw' with sh (at most 30 s)" "$SCRATCH/plain.out" &&
	pass "line mode says what it waits for before it blocks" ||
	{ fail "no word of the secret being fetched"; show "$SCRATCH/plain.out"; }
kill -INT $pid
wait $pid
rc=$?
[ "$rc" -eq 130 ] && pass "SIGINT during the fetch: exit 130" || fail "SIGINT during the fetch: exit $rc"
if grep -q "sh was stopped by an interrupt (killed)" "$SCRATCH/plain.out"; then
	pass "SIGINT ends the wait at once, not at the deadline"
else
	fail "the wait was not stopped by the interrupt"
	show "$SCRATCH/plain.out"
fi
wait_for "gone $slow" 10 && pass "the secret's command is killed" || fail "the secret's command $slow still runs"
[ ! -e "$SCRATCH/plain/journal.jsonl" ] && pass "nothing was started" || fail "a journal was written"

# --- at a terminal: a real Ctrl-C ---

if command -v tmux >/dev/null; then
	rm -f "$SLOW_PIDFILE"
	tmux_start "$DRCONSOLE" run --incident-dir "$SCRATCH/tty" "$RB"
	expect_screen "cluster:" "at a terminal the required param is asked for"
	keys C-c
	if poll pane_dead 10; then
		[ "$(pane_status)" = 130 ] && pass "Ctrl-C at a param's prompt: exit 130" ||
			{ fail "Ctrl-C at a param's prompt: exit $(pane_status)"; screen_text | show; }
	else
		fail "Ctrl-C at a param's prompt did not end the run"
		screen_text | show
	fi
	tmux_respawn "$DRCONSOLE" run --param cluster=c2 --incident-dir "$SCRATCH/tty2" "$RB"
	expect_screen "fetching secret 'pw'" "at a terminal it says what it waits for"
	wait_for "[ -s '$SLOW_PIDFILE' ]" 20 || die "the secret's command never started at the terminal"
	slow=$(cat "$SLOW_PIDFILE")
	keys C-c
	if poll pane_dead 10; then
		[ "$(pane_status)" = 130 ] && pass "Ctrl-C during the fetch: exit 130" ||
			{ fail "Ctrl-C during the fetch: exit $(pane_status)"; screen_text | show; }
	else
		fail "Ctrl-C during the fetch did not end the run"
		screen_text | show
	fi
	expect_screen "stopped by an interrupt" "Ctrl-C during the fetch says it stopped the command"
	wait_for "gone $slow" 10 && pass "Ctrl-C kills the secret's command" || fail "the secret's command $slow still runs"
else
	note "tmux is not installed: Ctrl-C at a terminal is not checked"
fi

finish
