#!/usr/bin/env bash
# crash_resume.sh: kill -9 the line-mode console at many points of a real run.
# Every time the journal must verify, hold every event written before the
# kill, and resume must pick up, flagging a step that was running.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
scratch_dir
RB=$top_srcdir/tests/data/run/crash.yaml
steps=6

for n in 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18; do
	dir=$SCRATCH/inc-$n
	"$DRCONSOLE" run --incident-dir "$dir" "$RB" < /dev/null > "$SCRATCH/run-$n.out" 2>&1 &
	pid=$!
	track_pid $pid
	# Kill once the journal holds at least n lines (or the run ended).
	wait_for "[ \$( (wc -l < '$dir/journal.jsonl') 2>/dev/null || echo 0) -ge $n ] || ! kill -0 $pid 2>/dev/null" 20 ||
		fail "kill point $n: the journal never reached $n lines"
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	before=$(wc -l < "$dir/journal.jsonl")
	cp "$dir/journal.jsonl" "$SCRATCH/before-$n.jsonl"

	if "$DRCONSOLE" verify "$dir" > "$SCRATCH/verify-$n.out" 2>&1; then
		pass "kill at line $n: journal verifies ($before lines)"
	else
		fail "kill at line $n: verify failed"; show "$SCRATCH/verify-$n.out"
	fi
	started=$(grep -c '"event":"step.start"' "$dir/journal.jsonl")
	ended=$(grep -c '"event":"step.end"' "$dir/journal.jsonl")

	"$DRCONSOLE" run --resume "$dir" --rerun-interrupted --operator bob < /dev/null > "$SCRATCH/resume-$n.out" 2>&1
	rc=$?
	if ! grep -q '"event":"run.end"' "$SCRATCH/before-$n.jsonl"; then
		[ "$rc" -eq 0 ] && pass "kill at line $n: resume finished the run" ||
			{ fail "kill at line $n: resume exit $rc"; show "$SCRATCH/resume-$n.out"; }
	fi
	# Nothing written before the kill is lost or changed by the resume.
	if cmp -s "$SCRATCH/before-$n.jsonl" <(head -n "$before" "$dir/journal.jsonl"); then
		pass "kill at line $n: every event before the kill is still there"
	else
		fail "kill at line $n: events before the kill changed"
	fi
	if [ "$started" -gt "$ended" ]; then
		grep -q '"event":"run.resume".*"interrupted_step"' "$dir/journal.jsonl" &&
			pass "kill at line $n: the running step was flagged interrupted" ||
			fail "kill at line $n: no interrupted step recorded"
	fi
	grep -q '"event":"handoff".*"to":"bob"' "$dir/journal.jsonl" &&
		pass "kill at line $n: handoff to the new operator journaled" || fail "kill at line $n: no handoff"
	ok=$(grep '"event":"step.end"' "$dir/journal.jsonl" | grep -c '"status":"ok"')
	[ "$ok" -ge "$steps" ] && pass "kill at line $n: every step ended ok" || fail "kill at line $n: only $ok steps ok"
	"$DRCONSOLE" verify "$dir" > /dev/null 2>&1 && pass "kill at line $n: verifies after resume" ||
		fail "kill at line $n: verify after resume failed"
done

# Without a terminal, an interrupted step needs a decision on the command line.
dir=$SCRATCH/inc-undecided
"$DRCONSOLE" run --incident-dir "$dir" "$RB" < /dev/null > /dev/null 2>&1 &
pid=$!
track_pid $pid
wait_for "grep -q '\"event\":\"step.start\".*\"step\":\"s2\"' '$dir/journal.jsonl' 2>/dev/null" 20 || fail "s2 never started"
kill -KILL $pid; wait $pid 2>/dev/null
"$DRCONSOLE" run --resume "$dir" < /dev/null > "$SCRATCH/undecided.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && pass "interrupted step without a decision: exit 1" || fail "exit $rc"
grep -q 'rerun-interrupted or --skip-interrupted' "$SCRATCH/undecided.out" && pass "says what to give" ||
	{ fail "no advice"; show "$SCRATCH/undecided.out"; }
"$DRCONSOLE" run --resume "$dir" --skip-interrupted < /dev/null > "$SCRATCH/skip.out" 2>&1
grep -q '"status":"skipped".*"was":"interrupted"\|"was":"interrupted".*"status":"skipped"' "$dir/journal.jsonl" &&
	pass "--skip-interrupted journals the skip" || fail "no skip of the interrupted step"

# A second console cannot drive an incident another one holds.
dir=$SCRATCH/inc-locked
"$DRCONSOLE" run --incident-dir "$dir" "$RB" < /dev/null > /dev/null 2>&1 &
pid=$!
track_pid $pid
wait_for "[ -s '$dir/journal.jsonl' ]" 10
"$DRCONSOLE" run --resume "$dir" --rerun-interrupted < /dev/null > "$SCRATCH/locked.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q 'another drconsole' "$SCRATCH/locked.out" && pass "second driver refused" ||
	{ fail "second driver was not refused (exit $rc)"; show "$SCRATCH/locked.out"; }

# Held, the lock is the answer even while the holder's journal is caught
# between a line and its head (here: no head at all): the resume says who
# drives it, not that the chain does not verify.
dir=$SCRATCH/inc-held
cp -r "$SCRATCH/inc-undecided" "$dir"
rm -f "$dir/journal.head"
flock -x "$dir/journal.jsonl" sleep 30 &
holder=$!
track_pid $holder
wait_for "! flock -n -x '$dir/journal.jsonl' true" 10
"$DRCONSOLE" run --resume "$dir" --rerun-interrupted < /dev/null > "$SCRATCH/held.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q 'being driven by another drconsole' "$SCRATCH/held.out" &&
	! grep -q 'does not verify' "$SCRATCH/held.out" && pass "a held incident is refused as driven, first" ||
	{ fail "held incident: exit $rc, not refused as driven"; show "$SCRATCH/held.out"; }
kill $holder 2>/dev/null; wait $holder 2>/dev/null
wait $pid
finish
