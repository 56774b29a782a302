#!/usr/bin/env bash
# console_inject.sh: a facilitator's `drconsole inject` reaches an operator
# in the full-screen console (a notice and the timeline), marked injected,
# and is journaled by the console as a note with injected: true.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
command -v tmux > /dev/null || skip_all "no tmux"
scratch_dir
unset TMUX
export LC_ALL=C.UTF-8
T="tmux -S $SCRATCH/tmux.sock -f /dev/null"
INC=$SCRATCH/inc
screen() { $T capture-pane -p -t ui 2>/dev/null; }
$T start-server \; set -g remain-on-exit on \; new-session -d -s ui -x 100 -y 30 \
	-e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 -e XDG_STATE_HOME="$SCRATCH/state" \
	"$DRCONSOLE --incident-dir $INC $top_srcdir/tests/data/run/basic.yaml" || die "tmux"
trap '$T kill-server 2>/dev/null; _cleanup' EXIT
wait_for "screen | grep -q 'Start'" 10 || { fail "no params form"; screen | show; }
$T send-keys -t ui Enter
wait_for "[ -s '$INC/journal.jsonl' ]" 10 || fail "the run did not start"
"$DRCONSOLE" inject --operator facil "$INC" "the replica in us-west-2 is also lagging" > "$SCRATCH/inject.out" 2>&1 &&
	pass "inject handed the event to the console" || { fail "inject failed"; show "$SCRATCH/inject.out"; }
wait_for "screen | grep -q 'INJECTED by facil: the replica in us-west-2 is also lagging'" 10 &&
	pass "the operator sees the injected event" || { fail "no injected notice on screen"; screen | show; }
grep -q '"event":"note".*"text":"the replica in us-west-2 is also lagging".*"injected":true' "$INC/journal.jsonl" &&
	pass "journaled as a note marked injected" || fail "not journaled as injected"
$T send-keys -t ui q
wait_for "screen | grep -qi 'quit'" 5 && $T send-keys -t ui y
"$DRCONSOLE" verify "$INC" > /dev/null 2>&1 && pass "journal verifies" || fail "journal does not verify"
finish
