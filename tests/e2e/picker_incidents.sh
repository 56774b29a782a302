#!/usr/bin/env bash
# picker_incidents.sh: the console's list of unfinished incidents reads
# each journal through the fold (runstate.h): an incident whose run has not
# ended is offered with its age, its mode (also for a journal from before
# "mode", a drill marked by "drill" alone) and its runbook's title; a
# finished one, and a folder whose journal is not JSON, are not. One that
# another console drives now is offered to watch, and Enter watches it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
scratch_dir
INC=$SCRATCH/state/drconsole/incidents
mkdir -p "$INC"
chmod -R 700 "$SCRATCH/state"
corpus=$top_srcdir/tests/data/incidents

# A drill before the schema, cut before its run.end: unfinished.
mkdir -m 700 "$INC/20261207T000003Z-corpus"
head -n -1 "$corpus/v0-drill/journal.jsonl" > "$INC/20261207T000003Z-corpus/journal.jsonl"
# A training run that ended: not offered.
mkdir -m 700 "$INC/20261207T000002Z-corpus"
cp "$corpus/training/journal.jsonl" "$INC/20261207T000002Z-corpus/"
# A journal with a line that is not JSON: not offered.
mkdir -m 700 "$INC/20261207T000001Z-corpus"
{ head -n 3 "$corpus/drill/journal.jsonl"; echo 'not json'; } > "$INC/20261207T000001Z-corpus/journal.jsonl"

# The same drill, driven now by another console (its lock held).
DRIVEN=$INC/20261207T000004Z-corpus
mkdir -m 700 "$DRIVEN"
cp "$INC/20261207T000003Z-corpus/journal.jsonl" "$DRIVEN/"
flock -x "$DRIVEN/journal.jsonl" sleep 60 &
holder=$!
track_pid $holder
wait_for "! flock -n -x '$DRIVEN/journal.jsonl' true" 10 || die "could not hold the lock"

printf 'dump\nkey Enter\ndump\nquit\n' > "$SCRATCH/script"
XDG_STATE_HOME=$SCRATCH/state "$DRCONSOLE" --script "$SCRATCH/script" --dump "$SCRATCH/dump" \
	"$top_srcdir/tests/data/run" < /dev/null > "$SCRATCH/out" 2>&1 || { show "$SCRATCH/out"; fail "the console failed"; }
has() {
	grep -qF -- "$1" "$SCRATCH/dump" && pass "$2" || { fail "$2: no '$1'"; show "$SCRATCH/dump"; }
}
has "2 unfinished incidents" "two incidents are offered"
grep -qE 'WATCH  20261207T000004Z-corpus .* ago  drill' "$SCRATCH/dump" &&
	pass "an incident another console drives is offered to watch, not to resume" ||
	{ fail "the driven incident's row does not say WATCH"; show "$SCRATCH/dump"; }
has "another drconsole drives it: drconsole watch $(echo "$DRIVEN" | cut -c1-40)" \
	"in script mode (no terminal to hand over) Enter says how to watch it"
grep -qE 'RESUME 20261207T000003Z-corpus .* ago  drill  Corpus of recorded incidents' "$SCRATCH/dump" &&
	pass "the unfinished drill is offered with its age, its mode (from a journal without \"mode\") and title" ||
	{ fail "the unfinished drill's row is not as expected"; show "$SCRATCH/dump"; }
grep -qF "20261207T000002Z" "$SCRATCH/dump" && fail "a finished incident is offered" ||
	pass "a finished incident is not offered"
grep -qF "20261207T000001Z" "$SCRATCH/dump" && fail "a journal that is not JSON is offered" ||
	pass "a journal that is not JSON is not offered"

# With a terminal, Enter on it is `drconsole watch`: read-only, the lock untouched.
if command -v tmux > /dev/null; then
	tmux_start env XDG_STATE_HOME="$SCRATCH/state" "$DRCONSOLE" --operator obs "$top_srcdir/tests/data/run"
	expect_screen "WATCH  20261207T000004Z-corpus" "the picker offers the driven incident to watch"
	keys Enter
	expect_screen "WATCHING (read-only)" "Enter opens it read-only, as drconsole watch"
	expect_screen "Corpus of recorded incidents" "the watched run's title"
	keys q
	if poll pane_dead 10 && [ "$(pane_status)" = 0 ]; then pass "q leaves the watch (status 0)"; else
		fail "q did not leave the watch"; screen_text | show; fi
	alive $holder && pass "the driver's lock was never taken" || fail "the holder died"
else
	note "no tmux: the terminal part is skipped"
fi
finish
