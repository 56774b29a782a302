#!/bin/bash
# tui_features.sh: the console with the engine's newer step kinds, in a
# private tmux server: a wait step's live countdown in the checklist row and
# the pane, cut short with c; a two-person approval whose dialog shows the
# command to run, and which starts the step by itself once another login
# approves (root only: runuser); and a remote step on a loopback sshd fleet
# (ssh_lib.sh; skipped without sshd): per-host status in the row and the
# pane, and h picking one host's lines at a time. Checked on capture-pane
# text and on journal.jsonl; every wait polls with a deadline.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"
. "$top_srcdir/tests/e2e/ssh_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v tmux >/dev/null || skip_all "tmux is not installed"
scratch_dir
STATE=$SCRATCH/state
mkdir -p "$STATE"

# --- a wait step: the countdown ticks, c cuts it short ---

tmux_start "$DRCONSOLE" --operator driver "$TUI_DATA/features.yaml"
expect_screen "Start the run" "the first frame: the params form"
keys Enter
expect_screen "Checklist  0/2" "Start opens the run view"
INC=$(incident_of "$STATE")
J=$INC/journal.jsonl
keys Enter
expect_screen "Run this step?" "Enter on the wait step asks first"
keys y
expect_screen "c cuts it short" "the pane shows the countdown and how to cut it short"
expect_screen "waiting: 4:5" "the pane counts down from 5:00"
expect_screen " left of 5:00" "the pane says the countdown is the time left"
expect_screen "settle 4:5" "the checklist row counts down too"
expect_screen " left │" "the checklist row says it is the time left"
first=$(screen_text | grep -o 'waiting: [0-9]*:[0-9]* left of 5:00' | head -n 1)
if poll "screen_text | grep -o 'waiting: [0-9]*:[0-9]* left of 5:00' | grep -vqF -- '$first'" 5; then
	pass "the countdown ticks ($first, then $(screen_text | grep -o 'waiting: [0-9]*:[0-9]*' | head -n 1))"
else
	fail "the countdown stayed at '$first'"
	screen_text | show
fi
# A watcher sees the same countdown, from the runbook and the journal.
printf 'wait-text left 10\ndump\nquit\n' >"$SCRATCH/watch-wait.script"
"$DRCONSOLE" watch --script "$SCRATCH/watch-wait.script" --dump "$SCRATCH/watch-wait.dump" "$INC" \
	>"$SCRATCH/watch-wait.out" 2>&1 || { fail "watch of the waiting run failed"; show "$SCRATCH/watch-wait.out"; }
dump_has "$SCRATCH/watch-wait.dump" 1 " left of 5:00" "watch: the pane counts the wait down"
dump_lacks "$SCRATCH/watch-wait.dump" 1 "c cuts it short" "watch: and offers no c to cut it"
keys c
expect_screen "Cut short the wait of 'settle'?" "c asks before it cuts the wait short"
keys y
expect_screen "was cut short" "y: the wait was cut short"
if poll "grep -q '\"step.end\".*\"step\":\"settle\".*cut short by the operator' '$J'" 5; then
	pass "the journal says the wait was cut short by the operator"
else
	fail "no step.end 'cut short by the operator' for settle"
	show "$J"
fi
journal_has "$J" "a wait cut short ends ok" event=step.end step=settle status=ok

# --- two-person approval ---

expect_screen "▶ ·  2 Drop the old primary" "the selection moves to the approval step"
keys Enter
expect_screen "Waiting for a second operator's approval" "Enter opens the approval dialog"
expect_screen "drconsole approve" "the dialog shows the command to run"
# The dialog wraps the command: read it with the frame and the wrapping gone.
if screen_text | sed 's/│//g' | tr -d '\n ' | grep -qF -- "drconsoleapprove$(echo "$INC" | tr -d ' ')drop-old"; then
	pass "the command names this incident and this step"
else
	fail "the approve command is not 'drconsole approve $INC drop-old'"
	screen_text | show
fi
if screen_text | grep -qF "needs a second operator's approval: from"; then
	fail "the engine's 'needs approval' error showed"; screen_text | show
else
	pass "no engine error: the console waits instead"
fi
keys Escape
expect_screen "needs a second operator: drconsole approve" "Esc backs out; the pane still says what it waits for"
[ "$(journal_count "$J" event=step.start step=drop-old)" -eq 0 ] && pass "nothing started on Esc" ||
	fail "the step started without an approval"
keys Enter
expect_screen "Waiting for a second operator's approval" "Enter opens the dialog again"

other=nobody
if [ "$(id -u)" -eq 0 ] && id "$other" >/dev/null 2>&1 && command -v runuser >/dev/null && fresh_session; then
	if (cd / && runuser -u "$other" -- "$DRCONSOLE" approve "$INC" drop-old) >"$SCRATCH/approve.out" 2>&1; then
		pass "another login approves from its own terminal"
	else
		fail "drconsole approve as $other failed"; show "$SCRATCH/approve.out"
	fi
	expect_screen "approved by $other" "the console says who approved"
	expect_screen "dropped-by-approval" "the step started by itself and its output shows"
	if poll "grep -q '\"step.end\".*\"step\":\"drop-old\".*\"status\":\"ok\"' '$J'" 10; then
		pass "the approved step ran to ok"
	else
		fail "the approved step did not end ok"; show "$J"
	fi
	journal_has "$J" "the journal says the step was confirmed by the approval" event=step.confirm \
		step=drop-old how=approved
	expect_screen "RUN COMPLETED" "the run completes"
else
	note "not root (or no $other, or the audit login uid cannot be unset): the cross-user approval needs a second person; skipped"
fi

# --- a remote step: per-host status and the host picker ---

FLEET=$SCRATCH/fleet
if ! ssh_have_tools; then
	note "no sshd or ssh: the remote part is skipped"
	finish
fi
trap 'ssh_fleet_stop "$FLEET"; tui_cleanup' EXIT
ssh_fleet_start "$FLEET" db1 db2 down1
case $? in
0) ;;
*) note "cannot start sshd here: the remote part is skipped"; finish ;;
esac
ssh_fleet_watch "$FLEET" $$
ssh_host_down "$FLEET" down1
tmux_respawn env DRCONSOLE_SSH_CONFIG="$FLEET/ssh_config" DRCONSOLE_SSH_KNOWN_HOSTS="$FLEET/known_hosts" \
	"$DRCONSOLE" --operator driver "$TUI_DATA/fleet.yaml"
expect_screen "Start the run" "the fleet runbook opens"
keys Enter
expect_screen "Checklist  0/1" "its run view"
keys Enter
expect_screen "Run this step?" "the remote step asks first"
keys y
expect_screen "2/3 ok, 1 unreachable" "the checklist row gives the hosts' status" 20
expect_screen "all 3 hosts (h: one)" "the pane shows every host's lines"
if screen_text | grep -q "down1 *unreachable" && screen_text | grep -q "db1 *ok *exit 0"; then
	pass "the pane lists each host with status and exit"
else
	fail "no per-host list in the pane"; screen_text | show
fi
expect_screen "db2 | line-of-db2" "all hosts: db2's line shows"
keys Tab
expect_screen "h hosts" "with the output pane focused the key bar offers h"
keys h
expect_screen "host db1 only (1 of 3" "h picks db1"
if screen_text | grep -qF "db1 | line-of-db1" && ! screen_text | grep -qF "db2 | line-of-db2"; then
	pass "only db1's lines show"
else
	fail "the pane is not filtered to db1"; screen_text | show
fi
keys h
expect_screen "host db2 only (2 of 3" "h again picks db2"
if screen_text | grep -qF "db2 | line-of-db2" && ! screen_text | grep -qF "db1 | line-of-db1"; then
	pass "only db2's lines show"
else
	fail "the pane is not filtered to db2"; screen_text | show
fi
keys h h
expect_screen "all 3 hosts (h: one)" "h cycles back to all hosts"

# The same incident watched: the hosts come from the step's journaled
# evidence, the pane and h are the console's own.
FINC=$(ls -dt "$STATE"/drconsole/incidents/*fleet* 2>/dev/null | head -n 1)
printf 'key Tab\ndump\nkey h\ndump\nquit\n' >"$SCRATCH/watch-fleet.script"
"$DRCONSOLE" watch --script "$SCRATCH/watch-fleet.script" --dump "$SCRATCH/watch-fleet.dump" "$FINC" \
	>"$SCRATCH/watch-fleet.out" 2>&1 || { fail "watch of the fleet incident failed"; show "$SCRATCH/watch-fleet.out"; }
dump_has "$SCRATCH/watch-fleet.dump" 1 "2/3 ok, 1 unreachable" "watch: the row gives the hosts' status"
dump_has "$SCRATCH/watch-fleet.dump" 1 "all 3 hosts (h: one)" "watch: the pane shows every host's lines"
dump_has "$SCRATCH/watch-fleet.dump" 1 "h hosts" "watch: the key bar offers h"
dump_has "$SCRATCH/watch-fleet.dump" 2 "host db1 only (1 of 3" "watch: h picks db1"
dump_has "$SCRATCH/watch-fleet.dump" 2 "db1 | line-of-db1" "watch: db1's lines show"
dump_lacks "$SCRATCH/watch-fleet.dump" 2 "db2 | line-of-db2" "watch: db2's do not"
finish
