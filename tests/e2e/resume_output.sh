#!/usr/bin/env bash
# resume_output.sh: after a resume, the steps that ran before it show their
# output and real line counts (the bug: "0 lines" although the output files
# were there). A live run of the corpus runbook is killed -9 while its third
# step holds; `drconsole resume` in script mode then shows step 1's four
# lines (stdout, and stderr marked ▌ in the gutter) and step 2's two attempts in the pane.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
scratch_dir
RB=$top_srcdir/tests/data/incidents/corpus.yaml
D=$SCRATCH/incident

"$DRCONSOLE" run --yes --operator alice --environment production --incident-dir "$D" "$RB" \
	< /dev/null > "$SCRATCH/first.out" 2>&1 &
pid=$!
track_pid $pid
wait_for "[ -e '$D/held' ] || ! alive $pid" 20 || die "the hold step never started"
alive $pid || { show "$SCRATCH/first.out"; die "the run ended before the kill"; }
kill -KILL $pid
wait $pid 2> /dev/null
touch "$D/gate"

# The form asks for the optional secret again; the interrupted step's
# question is put aside; then step 1, then step 2.
cat > "$SCRATCH/script" <<'SCRIPT'
key Down
key Enter
key Esc
key Home
dump
key Down
dump
quit
SCRIPT
"$DRCONSOLE" resume "$D" --script "$SCRATCH/script" --dump "$SCRATCH/dump" \
	< /dev/null > "$SCRATCH/resume.out" 2>&1 ||
	{ show "$SCRATCH/resume.out"; fail "the resume failed"; }
row() { awk -v n="$1" '/^===== dump /{ k++ } k == n' "$SCRATCH/dump"; }
row 1 | grep -qF '4 lines' && pass "step 1 shows its 4 lines after the resume" ||
	{ fail "step 1 does not show 4 lines"; row 1 | show; }
for t in one two three warn; do
	row 1 | grep -qE "│[ ▌]$t *\$" && pass "step 1's line '$t' is in the pane" || fail "step 1's line '$t' is missing"
done
row 2 | grep -qF 'attempt 1' && row 2 | grep -qF 'attempt 2' &&
	pass "step 2 shows both attempts' output" || { fail "step 2's output is missing"; row 2 | show; }
row 2 | grep -qF '0 lines' && fail "step 2 says 0 lines" || pass "step 2 does not say 0 lines"
finish
