#!/bin/sh
# tui_picker.sh: the picker in an outage, at 80x24 in a private tmux server,
# over the bundled runbooks and two unfinished incidents. Incidents come
# first, one compact row each with age and mode; then the production
# runbooks sorted by scenario; the training sandboxes only with t or
# --training, in their own section; cut text ends in an ellipsis; marks say
# when the list goes on above or below. x dismisses an incident with a
# reason, journaled as run.end "dismissed" on the hash chain (verify passes),
# and it is offered no more. Every wait polls with a deadline.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v tmux >/dev/null || skip_all "tmux is not installed"
scratch_dir
STATE=$SCRATCH/state
mkdir -p "$STATE"

# Two incidents left open: the run view reached, then quit.
printf '%s\n' 'key Enter' quit >"$SCRATCH/open"
for n in 1 2; do
	XDG_STATE_HOME=$STATE timeout 120 "$DRCONSOLE" --script "$SCRATCH/open" --operator o \
		--incident-dir "$STATE/drconsole/incidents/2026120${n}T000000Z-tui-dialogs" \
		"$TUI_DATA/dialogs.yaml" >"$SCRATCH/out" 2>&1 || { show "$SCRATCH/out"; die "cannot leave incident $n open"; }
done

# row_of TEXT: the screen row (1-based) that first shows TEXT, or 99.
row_of() {
	screen_text | grep -nF -- "$1" | head -n 1 | cut -d: -f1 | grep . || echo 99
}

# check COND WHAT: a check on a shell condition, the screen shown if not.
check() {
	if eval "$1"; then
		pass "$2"
	else
		fail "$2"
		screen_text | show
	fi
}

TUI_COLS=80 TUI_ROWS=24 tmux_start env DRCONSOLE_RUNBOOKS="$top_srcdir/runbooks" "$DRCONSOLE" --operator picker
screen_wait "pick a scenario" || { screen_text | show; die "the picker never showed"; }
expect_screen "Unfinished incidents (2)" "the incidents' section comes first, counted"
check "[ \$(screen_text | grep -c 'RESUME 2026120[12]T000000Z-tui-dialogs  [0-9].* ago  live  Dialogs') -eq 2 ]" \
	"each incident is one row: folder, age, mode and title"
check "[ \$(row_of 'RESUME 20261202') -lt \$(row_of 'RESUME 20261201') ]" "the newest incident first"
check "[ \$(row_of 'RESUME') -lt \$(row_of 'Runbooks (7)') ] && [ \$(row_of 'Runbooks (7)') -lt \$(row_of '[A] ') ]" \
	"then the production runbooks"
check "[ \$(row_of '[A] ') -lt \$(row_of '[B] ') ] && [ \$(row_of '[B] ') -lt \$(row_of '[C] ') ]" \
	"sorted by the scenario they serve"
check "! screen_text | grep -qF '[TRAIN]'" "no training sandbox among them"
expect_screen "3 training sandboxes hidden: t shows" "the hidden sandboxes are counted, with the key that shows them"
expect_screen "more below" "a mark says the list goes on below the screen"
check "screen_text | grep -q 'trigger: .*…\$'" "a cut trigger ends in an ellipsis"
check "screen_text | grep -q 'RTO 4h  RPO 15m  [0-9]* steps  Mission Critical  executor: Ops Lead / DBA'" \
	"a runbook's row shows its classification and executing role"

keys t
keys End
expect_screen "Training sandboxes (3)" "t shows the training sandboxes in their own section"
expect_screen "more above" "at the end, a mark says the list goes on above"
check "screen_text | grep -q '▶ \\[TRAIN\\] .*… '" "a cut title ends in an ellipsis"
check "[ \$(row_of '[T] ') -lt \$(row_of 'Training sandboxes') ]" "training after every production runbook"

# --- dismissing a stale incident ---

keys Home
keys x
expect_screen "Dismiss this unfinished incident?" "x on an incident asks why"
keys Enter
expect_screen "required" "a reason is required"
type_text "stale: the drill of last week"
keys Enter
expect_screen "dismissed 20261202T000000Z-tui-dialogs" "the dismissal is confirmed"
expect_screen "Unfinished incidents (1)" "one incident left"
check "! screen_text | grep -qF 'RESUME 20261202'" "the dismissed incident is listed no more"
J=$STATE/drconsole/incidents/20261202T000000Z-tui-dialogs/journal.jsonl
journal_has "$J" "the dismissal is journaled with its reason and operator" event=run.end status=dismissed \
	"reason=stale: the drill of last week" operator=picker
"$DRCONSOLE" verify "$STATE/drconsole/incidents/20261202T000000Z-tui-dialogs" >"$SCRATCH/verify" 2>&1 &&
	pass "the journal still verifies" || { fail "verify fails after the dismissal"; show "$SCRATCH/verify"; }
keys Down Down
if poll "screen_text | grep -qF '▶ [B]' && ! screen_text | tail -n 1 | grep -qF 'x dismiss'" 5; then
	pass "on a runbook the key bar does not offer x"; else
	fail "x in the key bar on a runbook"; screen_text | show; fi
keys x
expect_screen "x dismisses an unfinished incident" "x on a runbook dismisses nothing"
keys Up Up
if poll "screen_text | tail -n 1 | grep -qF 'x dismiss'" 5; then pass "on an incident the key bar offers x"; else
	fail "no x in the key bar on an incident"; screen_text | show; fi
keys q
poll pane_dead 10

tmux_respawn env DRCONSOLE_RUNBOOKS="$top_srcdir/runbooks" "$DRCONSOLE" --operator picker --training
screen_wait "pick a scenario" || die "the picker never showed with --training"
keys End
expect_screen "Training sandboxes (3)" "--training lists the sandboxes at once"
check "! screen_text | grep -qF 'RESUME 20261202'" "the dismissed incident stays dismissed"
keys q
poll pane_dead 10
finish
