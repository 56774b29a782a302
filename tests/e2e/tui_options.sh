#!/bin/sh
# tui_options.sh: the console's terminal and option edges, at 80x24 in a
# private tmux server (and script mode for the ASCII marks). TERM=dumb and
# no terminal point to `drconsole run` and exit 2; --theme with an unknown
# name is an error naming the themes; NO_COLOR set, even empty, turns
# colour off; TERM=vt100 (no colours) shows the selection in reverse video;
# --ascii marks a skipped step apart from the selection; ESCDELAY from the
# environment is honoured; an aborted run is not said to be within its RTO;
# ? shows the keys of where the operator is, in straight columns.
# (A wait step's countdown saying it is time left: tui_features.sh.)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v tmux >/dev/null || skip_all "tmux is not installed"
scratch_dir
STATE=$SCRATCH/state
mkdir -p "$STATE"
RB=$TUI_DATA/dialogs.yaml
export TUI_COLS=80 TUI_ROWS=24

# ended_with CODE TEXT WHAT: the pane's program exited with CODE and left
# TEXT on the screen.
ended_with() {
	if poll pane_dead 10 && [ "$(pane_status)" = "$1" ] && screen_text | tr -d '\n' | grep -qF -- "$2"; then
		pass "$3"
	else
		fail "$3: exit $(pane_status), screen:"
		screen_text | show
	fi
}

# --- no usable terminal ---

tmux_start env TERM=dumb "$DRCONSOLE" --operator o "$RB"
ended_with 2 "use \`drconsole run\` instead" "TERM=dumb: the console says to use drconsole run and exits 2"
tmux_respawn env -u TERM "$DRCONSOLE" --operator o "$RB"
ended_with 2 "use \`drconsole run\` instead" "no TERM: the same"
"$DRCONSOLE" --operator o "$RB" </dev/null >"$SCRATCH/out" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -qF 'drconsole run' "$SCRATCH/out" && pass "no terminal: exit 2, pointing to drconsole run" ||
	{ fail "no terminal: exit $rc"; show "$SCRATCH/out"; }

# --- themes ---

tmux_respawn "$DRCONSOLE" --operator o --theme nosuch "$RB"
ended_with 2 "dark, default, high-contrast or monochrome" "--theme nosuch: an error naming the themes, exit 2"

# colour_sgr: the screen's escapes set a foreground or background colour.
colour_sgr() {
	$TM capture-pane -e -p -t ui | grep -qE '\[([0-9;]*;)?(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;[0-9;]*)?m'
}

tmux_respawn "$DRCONSOLE" --operator o "$RB"
screen_wait "Start the run" || die "the console never showed its form"
colour_sgr && pass "by default the console draws in colour" || fail "no colour by default (the check cannot see colour)"
keys q
poll pane_dead 10
tmux_respawn env NO_COLOR= "$DRCONSOLE" --operator o "$RB"
screen_wait "Start the run" || die "the console never showed its form with NO_COLOR="
colour_sgr && { fail "NO_COLOR set empty: colours drawn"; $TM capture-pane -e -p -t ui | show; } ||
	pass "NO_COLOR set empty: no colour"
keys q
poll pane_dead 10

tmux_respawn env TERM=vt100 "$DRCONSOLE" --operator o --incident-dir "$SCRATCH/vt" "$RB"
screen_wait "Start the run" || die "the console never showed its form under vt100"
keys Enter
expect_screen "Checklist  0/3" "vt100: the run view"
if $TM capture-pane -e -p -t ui | grep -E 'Fails and says why' | grep -qE '\[([0-9;]*;)?7(;[0-9;]*)?m'; then
	pass "TERM=vt100: the selected step is drawn in reverse video"
else
	fail "TERM=vt100: the selection is not visible"
	$TM capture-pane -e -p -t ui | show
fi

# --- an aborted run and the RTO ---

keys Enter
expect_screen "Step 'refuse' failed" "the failing step opens the failure dialog"
keys a
poll "screen_text | grep -qF 'RUN ABORTED'" 10 || keys y
expect_screen "RUN ABORTED" "abort ends the run"
if screen_text | grep -F "RUN ABORTED" | grep -qF "RTO"; then
	fail "an aborted run is said to be within (or past) the RTO"
	screen_text | show
else
	pass "an aborted run says nothing of the RTO it did not meet"
fi
keys q
poll pane_dead 10 || keys y

# --- ESCDELAY ---

tmux_respawn env ESCDELAY=60000 DRCONSOLE_RUNBOOKS="$TUI_DATA" "$DRCONSOLE" --operator o
screen_wait "pick a scenario" || die "the picker never showed"
keys /
type_text "dial"
expect_screen "filter: dial_" "filtering"
keys Escape
# A minute's ESCDELAY: a lone Escape is not a key yet, a second later.
if poll "! screen_text | grep -qF 'filter: dial_'" 1; then
	fail "ESCDELAY=60000 ignored: the lone Escape acted at once"
else
	pass "ESCDELAY from the environment: a lone Escape waits for it"
fi
keys x
expect_screen "/ filters the list" "the next key completes the Escape: the filter is cleared"
keys q
poll pane_dead 10

# --- help, per context and aligned ---

# help_aligned: the description of "up" and its wrapped second row start
# in the same column.
help_aligned() {
	screen_text | awk '
		/Up \/ k +up +move/ { col = index($0, "move"); getline; if (col > 0 && substr($0, col - 1, 2) ~ /^ [^ ]/ && substr($0, 1, col - 1) ~ /^[^a-z]*$/) ok = 1 }
		END { exit ok ? 0 : 1 }'
}

tmux_respawn env DRCONSOLE_RUNBOOKS="$TUI_DATA" "$DRCONSOLE" --operator o --incident-dir "$SCRATCH/help"
screen_wait "pick a scenario" || die "the picker never showed"
keys ?
expect_screen "Scenario list" "? in the picker shows the picker's keys"
if screen_text | grep -qF "Checklist"; then fail "the picker's help lists the run view's keys"; screen_text | show
else pass "the picker's help leaves out the run view's keys"; fi
help_aligned && pass "the help's columns are aligned: a wrapped description stays in its column" ||
	{ fail "the help's wrapped descriptions leave their column"; screen_text | show; }
keys Escape
keys q
poll pane_dead 10

tmux_respawn "$DRCONSOLE" --operator o --incident-dir "$SCRATCH/help2" "$RB"
screen_wait "Start the run" || die "the form never showed"
keys Enter
expect_screen "Checklist  0/3" "the run view"
keys ?
if poll "screen_text | grep -qE '│ Checklist +│'" 10; then
	pass "? in the run view shows the run view's keys"
else
	fail "? in the run view does not show the checklist's keys"
	screen_text | show
fi
if screen_text | grep -qF "Scenario list"; then fail "the run view's help lists the picker's keys"; screen_text | show
else pass "the run view's help leaves out the picker's keys"; fi
keys Escape
keys q
poll pane_dead 10 || keys y
poll pane_dead 10

# --- --ascii marks ---

printf '%s\n' 'key Enter' 'key s' 'type not now' 'key Enter' dump quit >"$SCRATCH/skip"
: >"$SCRATCH/dump"
XDG_STATE_HOME=$STATE timeout 120 "$DRCONSOLE" --script "$SCRATCH/skip" --dump "$SCRATCH/dump" --ascii \
	--operator o "$RB" >"$SCRATCH/out" 2>&1 || { fail "the --ascii walk failed"; show "$SCRATCH/out"; }
dump_has "$SCRATCH/dump" 1 "  s  1 Fails and says why" "--ascii: the skipped step is marked s"
dump_has "$SCRATCH/dump" 1 "> .  2 A long destructive" "--ascii: the selection is marked >, apart from skipped"
finish
