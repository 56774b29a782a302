#!/bin/sh
# tui_vterm.sh: an interactive step is a terminal, emulated in the pane
# (libvterm), at 80x24 in a private tmux server. `less` on a 100-line file
# shows the file's first screen in the pane's rows (its terminal has the
# pane's size from the start), pages down and back, keeps its screen while
# detached, and redraws for the new size after a resize (SIGWINCH). `vi`
# draws at the cursor positions it asks for: an edit at the end of line 3
# shows on line 3. A pty step (not interactive) starts with the pane's
# size. Every wait polls with a deadline.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v less >/dev/null || skip_all "less is not installed"
command -v vi >/dev/null || skip_all "vi is not installed"
scratch_dir

# pane_text: the output pane's rows (below its rule, above the timeline),
# without the checklist beside them.
pane_text() {
	screen_text | awk '/─ [0-9]+ lines?,/ { f = 1; next } /^── Timeline/ { f = 0 } f' |
		sed 's/^[^│]*│ \{0,1\}//'
}

# pager_at N: the pane is exactly less's screen from line N: every row but
# the last holds the next line of the file, the last row is less's prompt.
pager_at() {
	pane_text | awk -v n="$1" '
		{ row[NR] = $0 }
		END {
			if (NR < 3) exit 1
			for (i = 1; i < NR; i++)
				if (row[i] != sprintf("line %03d", n + i - 1)) exit 1
			exit row[NR] ~ /^(:|.*tmp.*|\(END\))/ ? 0 : 1
		}'
}

# expect_pager N WHAT
expect_pager() {
	if poll "pager_at $1" 10; then
		pass "$2"
	else
		fail "$2: the pane is not less's screen from line $1"
		screen_text | show
	fi
}

TUI_COLS=80 TUI_ROWS=24 tmux_start "$DRCONSOLE" --operator typist --incident-dir "$SCRATCH/inc" \
	"$top_srcdir/tests/data/interactive/vterm.yaml"
screen_wait "Start the run" || { screen_text | show; die "the console never showed its first frame"; }
keys Enter
expect_screen "Checklist  0/3" "the run view"
keys Enter
expect_pager 1 "less starts on a screen of the pane's size: its first screen fills the pane"
rows=$(pane_text | wc -l)
keys a
expect_screen "ATTACHED to step 1 (pager)" "attached to less"
keys Space
expect_pager "$rows" "Space pages down: the next screenful, from the line after the last shown"
keys b
expect_pager 1 "b pages back: the first screen again, drawn in place"
keys Space
expect_pager "$rows" "paged down again"
keys C-]
expect_screen "detached from 'pager'" "C-] detaches"
expect_pager "$rows" "detached, the pane keeps less's screen"
$TM resize-window -t ui -x 80 -y 30
if poll "pager_at $rows && [ \$(pane_text | wc -l) -gt $rows ]" 10; then
	pass "a resize reaches less: it redraws for the taller pane"
else
	fail "a resize reaches less: the pane did not grow into less's screen"
	screen_text | show
fi
$TM resize-window -t ui -x 80 -y 24
keys a
expect_screen "ATTACHED to step 1 (pager)" "attached again"
keys q
expect_screen "pager ok" "q ends less: the step ends ok"

keys Enter
expect_screen "editor running" "vi runs"
keys a
expect_screen "ATTACHED to step 2 (editor)" "attached to vi"
if poll "pane_text | sed -n 4p | grep -qx '~'" 10; then
	pass "vi marks the rows after the file's end with ~"
else
	fail "vi's ~ rows are not where vi drew them"
	screen_text | show
fi
keys j j A
type_text "XY"
keys Escape
if poll "pane_text | sed -n 3p | grep -qx gammaXY" 10; then
	pass "vi's edit at the end of line 3 shows on the pane's row 3"
else
	fail "vi's edit is not on row 3"
	screen_text | show
fi
pane_text | sed -n 1,2p | tr '\n' ' ' | grep -qx 'alpha beta ' && pass "rows 1 and 2 are untouched" ||
	{ fail "rows 1 and 2 changed"; screen_text | show; }
type_text ":wq"
keys Enter
expect_screen "editor ok" "the step ends ok"
grep -q "saved: gammaXY" "$SCRATCH"/inc/output/02-editor.log && pass "vi wrote the file: the step's next line says so" ||
	fail "vi did not write the edit"
keys Enter
expect_screen "sized ok" "the pty step ran"
# The pane's text is as wide as its rule, less the rule's first column.
cols=$(screen_text | python3 -c 'import sys
for l in sys.stdin:
    if "\u2502\u2500 " in l:
        print(len(l.rstrip("\n").split("\u2502", 1)[1]) - 1); break')
if screen_text | grep -qE "terminal [0-9]+ $cols here" && [ "$cols" -lt 78 ]; then
	pass "a pty step's terminal has the pane's width ($cols), not 80"
else
	fail "a pty step's terminal is not the pane's width ($cols)"
	screen_text | show
fi
keys q
poll pane_dead 10 || keys y
finish
