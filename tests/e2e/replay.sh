#!/bin/sh
# replay.sh: `drconsole replay` of a recorded drill. The steps, commands and
# output lines a replay shows must be the journal's and the output files'
# (worked out here independently, with python3's json), in their order: all
# at once, at 100x (which must take the recorded gap's hundredth), and step
# by step from a pipe of newlines (q stops). A long gap is shortened and
# says so; a broken chain is warned about first.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v python3 >/dev/null || skip_all "python3 is not installed"
scratch_dir
export LC_ALL=C.UTF-8
unset NO_COLOR DRCONSOLE_FAKE_NOW
INC=$SCRATCH/inc
J=$INC/journal.jsonl

# The recording: a drill whose markers are already there, an injected event,
# and a note two minutes (by the journal's clock) after the run.
# (An incident directory that exists must be private: 0700.)
mkdir -p -m 700 "$INC" && touch "$INC/go-a" "$INC/go-b"
"$DRCONSOLE" run --drill --operator alice --incident-dir "$INC" \
	"$top_srcdir/tests/data/incidents/paced.yaml" </dev/null >"$SCRATCH/run.out" 2>&1 ||
	{ show "$SCRATCH/run.out"; die "the recorded run failed"; }
"$DRCONSOLE" inject --operator facil "$INC" "the replica is lagging too" >/dev/null ||
	die "inject failed"
later=$(python3 -c '
import json, sys, datetime
last = [json.loads(l) for l in open(sys.argv[1])][-1]
t = datetime.datetime.strptime(last["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
print(int(t.timestamp() * 1000) + 120000)' "$J")
DRCONSOLE_FAKE_NOW=$later "$DRCONSOLE" note --operator bob "$INC" "two minutes later" >/dev/null ||
	die "note failed"

# What a replay must show, in order, from the journal and output files.
python3 - "$INC" >"$SCRATCH/expected" <<'EOF'
import json, sys
inc = sys.argv[1]
seen = None
for ev in (json.loads(l) for l in open(inc + "/journal.jsonl")):
    e = ev["event"]
    if e == "step.start":
        if ev["step"] != seen:
            print("step", ev["step"])
            seen = ev["step"]
        print("$", ev["command"].split("\n")[0])
        suffix = "" if ev["attempt"] <= 1 else ".%d" % ev["attempt"]
        path = "%s/output/%02d-%s%s.log" % (inc, ev["index"], ev["step"], suffix)
        # "TS out TEXT", or a "TS out:N" header and N raw lines.
        left, stream = 0, None
        for line in open(path, encoding="utf-8", newline="\n"):
            line = line.rstrip("\n")
            if left > 0:
                left -= 1
                print(stream, line[:-1] if line.endswith("\r") else line)
                continue
            ts, rest = line.split(" ", 1)
            head, _, count = rest.partition(":")
            if count.isdigit() and " " not in head:
                left, stream = int(count), head
                continue
            stream, _, text = rest.partition(" ")
            print(stream, text)
    elif e == "note":
        who = ev.get("by") if ev.get("injected") else ev["operator"]
        print("injected" if ev.get("injected") else "note", who, ev["text"])
EOF

# The same items picked out of a replay's output, its time column dropped.
items() {
	sed -E 's/^[0-9-]{2}:[0-9-]{2}:[0-9-]{2}Z +//' "$1" | sed -nE \
		-e 's/^\[[0-9]+(\/[0-9]+)?\] .* \(([^)]*)\)$/step \2/p' \
		-e 's/^(attempt [0-9]+ )?\$ (.*)$/$ \2/p' \
		-e 's/^\| (.*)$/out \1/p' -e 's/^! (.*)$/err \1/p' \
		-e 's/^note INJECTED by ([^:]*): (.*)$/injected \1 \2/p' \
		-e 's/^note by ([^:]*): (.*)$/note \1 \2/p'
}

# same_items OUT WHAT: a check that OUT shows exactly the expected items.
same_items() {
	items "$1" >"$1.items"
	if cmp -s "$SCRATCH/expected" "$1.items"; then
		pass "$2"
	else
		fail "$2"
		diff "$SCRATCH/expected" "$1.items" | show
	fi
}

[ "$(grep -c '^step ' "$SCRATCH/expected")" -eq 4 ] && [ "$(grep -c '^out ' "$SCRATCH/expected")" -ge 6 ] ||
	die "the recording is not what this test expects"

t0=$(now_ms)
"$DRCONSOLE" replay "$INC" --instant >"$SCRATCH/instant.out" 2>"$SCRATCH/instant.err"
rc=$?
t1=$(now_ms)
[ "$rc" -eq 0 ] && pass "--instant exits 0" || { fail "--instant exited $rc"; show "$SCRATCH/instant.err"; }
same_items "$SCRATCH/instant.out" "--instant shows every step, command, output line and note in order"
[ $((t1 - t0)) -lt 2000 ] && pass "--instant does not wait ($((t1 - t0)) ms)" || fail "--instant took $((t1 - t0)) ms"
grep -q "chain intact" "$SCRATCH/instant.out" && pass "the chain is checked first" || fail "no chain verdict"
grep -q "ok in" "$SCRATCH/instant.out" && pass "outcomes are shown" || fail "no outcome shown"
if grep -q "$(printf '\033')" "$SCRATCH/instant.out"; then fail "colours written to a file"; else pass "no colours off a terminal"; fi

# Colours on a terminal only, and never with NO_COLOR.
if command -v script >/dev/null; then
	esc=$(printf '\033')
	script -qc "'$DRCONSOLE' replay --instant '$INC'" /dev/null </dev/null >"$SCRATCH/tty.out" 2>&1
	grep -q "$esc" "$SCRATCH/tty.out" && pass "colours on a terminal" || fail "no colours on a terminal"
	NO_COLOR=1 script -qc "'$DRCONSOLE' replay --instant '$INC'" /dev/null </dev/null >"$SCRATCH/nc.out" 2>&1
	if grep -q "$esc" "$SCRATCH/nc.out" || ! grep -q "Replay of" "$SCRATCH/nc.out"; then
		fail "NO_COLOR: colours written (or no replay)"
	else
		pass "NO_COLOR turns colours off on a terminal"
	fi
fi

t0=$(now_ms)
"$DRCONSOLE" replay --speed 100 "$INC" >"$SCRATCH/speed.out" 2>&1
rc=$?
t1=$(now_ms)
[ "$rc" -eq 0 ] && pass "--speed 100 exits 0" || fail "--speed 100 exited $rc"
same_items "$SCRATCH/speed.out" "--speed 100 shows the same, in the same order"
if [ $((t1 - t0)) -ge 1100 ] && [ $((t1 - t0)) -lt 4500 ]; then
	pass "--speed 100 keeps the pace: the 2-minute gap took $((t1 - t0)) ms"
else
	fail "--speed 100 took $((t1 - t0)) ms for a 2-minute gap (wanted about 1200)"
fi

printf '\n\n\n' | "$DRCONSOLE" replay --step "$INC" >"$SCRATCH/step.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "--step from a pipe exits 0" || fail "--step exited $rc"
same_items "$SCRATCH/step.out" "--step with a newline per step shows everything"
if grep -q "Enter: next step" "$SCRATCH/step.out"; then fail "--step prompts when stdin is no terminal"; else pass "no prompt without a terminal"; fi

printf '\nq\n' | "$DRCONSOLE" replay --step "$INC" >"$SCRATCH/stop.out" 2>&1
items "$SCRATCH/stop.out" >"$SCRATCH/stop.items"
sed '/^step wait-b$/,$d' "$SCRATCH/expected" >"$SCRATCH/stop.expected"
if cmp -s "$SCRATCH/stop.expected" "$SCRATCH/stop.items" && grep -q "(stopped)" "$SCRATCH/stop.out"; then
	pass "--step: q after the second step stops there"
else
	fail "--step did not stop at q"
	diff "$SCRATCH/stop.expected" "$SCRATCH/stop.items" | show
fi

# At real pace the 2-minute gap is shortened to 5 s, and says so first.
"$DRCONSOLE" replay "$INC" >"$SCRATCH/real.out" 2>&1 &
REPLAY=$!
track_pid "$REPLAY"
if wait_for "grep -q 'pass here (shortened to 5s)' '$SCRATCH/real.out'" 5 &&
    ! grep -q "two minutes later" "$SCRATCH/real.out" && alive "$REPLAY"; then
	pass "a long gap is shortened, and the replay says so while it waits"
else
	fail "no shortened gap at real pace"
	show "$SCRATCH/real.out"
fi
stop_pid "$REPLAY"

# A journal edited after the fact: warned about before the replay.
cp -r "$INC" "$SCRATCH/bad"
sed -i 's/all done/ALL DONE/' "$SCRATCH/bad/journal.jsonl"
"$DRCONSOLE" replay --instant "$SCRATCH/bad" >"$SCRATCH/bad.out" 2>"$SCRATCH/bad.err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q "WARNING: the journal of .* is BROKEN at line" "$SCRATCH/bad.err" &&
    grep -q "chain BROKEN" "$SCRATCH/bad.out" && grep -q '\$ echo "ALL DONE"' "$SCRATCH/bad.out"; then
	pass "a broken chain is warned about, replayed as written, exit 1"
else
	fail "broken chain: exit $rc"
	show "$SCRATCH/bad.err"
fi

for args in "--speed 0 $INC" "--instant --step $INC" "--speed fast $INC" "" "--bogus $INC"; do
	# shellcheck disable=SC2086
	"$DRCONSOLE" replay $args >/dev/null 2>"$SCRATCH/usage.err"
	rc=$?
	[ "$rc" -eq 2 ] && grep -q "usage: drconsole replay" "$SCRATCH/usage.err" &&
		pass "usage error: replay $args" || fail "replay $args exited $rc"
done
"$DRCONSOLE" replay --instant "$SCRATCH/nope" >/dev/null 2>&1
[ $? -eq 2 ] && pass "no such incident: exit 2" || fail "a missing incident did not exit 2"
finish
