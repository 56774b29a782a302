#!/usr/bin/env bash
# picker_incidents.sh: the console's list of unfinished incidents reads
# each journal through the fold (runstate.h): an incident whose run has not
# ended is offered with its age, its mode (also for a journal from before
# "mode", a drill marked by "drill" alone) and its runbook's title; a
# finished one, and a folder whose journal is not JSON, are not.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

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

printf 'dump\nquit\n' > "$SCRATCH/script"
XDG_STATE_HOME=$SCRATCH/state "$DRCONSOLE" --script "$SCRATCH/script" --dump "$SCRATCH/dump" \
	"$top_srcdir/tests/data/run" < /dev/null > "$SCRATCH/out" 2>&1 || { show "$SCRATCH/out"; fail "the console failed"; }
has() {
	grep -qF -- "$1" "$SCRATCH/dump" && pass "$2" || { fail "$2: no '$1'"; show "$SCRATCH/dump"; }
}
has "1 unfinished incident" "one incident is offered"
grep -qE 'RESUME 20261207T000003Z-corpus .* ago  drill  Corpus of recorded incidents' "$SCRATCH/dump" &&
	pass "the unfinished drill is offered with its age, its mode (from a journal without \"mode\") and title" ||
	{ fail "the unfinished drill's row is not as expected"; show "$SCRATCH/dump"; }
grep -qF "20261207T000002Z" "$SCRATCH/dump" && fail "a finished incident is offered" ||
	pass "a finished incident is not offered"
grep -qF "20261207T000001Z" "$SCRATCH/dump" && fail "a journal that is not JSON is offered" ||
	pass "a journal that is not JSON is not offered"
finish
