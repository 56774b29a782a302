#!/usr/bin/env bash
# run_line.sh: `drconsole run` end to end on small runbooks, with no terminal
# (as in CI and cron): output, exit codes, confirmation rules, secrets,
# hostile params, signals, and what lands in the incident directory.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
scratch_dir
D=$top_srcdir/tests/data/run
export XDG_STATE_HOME=$SCRATCH/state

run() {	# run NAME ARGS...: output in $SCRATCH/NAME.out, status in $rc
	local name=$1; shift
	timeout 60 "$DRCONSOLE" run --kill-grace 1s "$@" < /dev/null > "$SCRATCH/$name.out" 2>&1
	rc=$?
}
expect_rc() {	# expect_rc WANT WHAT
	if [ "$rc" -eq "$1" ]; then pass "$2: exit $1"; else fail "$2: exit $rc, wanted $1"; show "$SCRATCH/$3.out"; fi
}
has() {		# has FILE REGEX WHAT
	if grep -qE -- "$2" "$1"; then pass "$3"; else fail "$3 (no /$2/ in $1)"; show "$1"; fi
}
hasnt() {
	if grep -qE -- "$2" "$1"; then fail "$3 (/$2/ found in $1)"; show "$1"; else pass "$3"; fi
}
verified() {
	if "$DRCONSOLE" verify "$1" > "$SCRATCH/verify.out" 2>&1; then pass "verify $2"; else fail "verify $2"; show "$SCRATCH/verify.out"; fi
}

# A good run: output streamed with stream markers, a journal that verifies,
# a postmortem, and the secret nowhere in the incident directory.
DRCONSOLE_PARAM_pw='Zx9-very-secret' run basic --incident-dir "$SCRATCH/i1" "$D/basic.yaml"
expect_rc 0 "basic run" basic
has "$SCRATCH/basic.out" '^  \| hello world$' "stdout line shown after |"
has "$SCRATCH/basic.out" '^  ! to stderr$' "stderr line shown after !"
has "$SCRATCH/basic.out" '^  \| pw is \*\*\*\*$' "secret masked in output"
has "$SCRATCH/basic.out" '^  \| \*\*\*\*$' "secret from env masked in output"
hasnt "$SCRATCH/basic.out" 'Zx9-very-secret' "secret never printed"
has "$SCRATCH/basic.out" 'Summary: E2E basic run \(completed\)' "summary"
[ -f "$SCRATCH/i1/marker" ] && pass "step ran in order" || fail "marker missing"
if grep -rq 'Zx9-very-secret' "$SCRATCH/i1"; then fail "secret written in the incident dir"; else pass "secret nowhere on disk"; fi
verified "$SCRATCH/i1" "basic run"
if python3 - "$SCRATCH/i1/recording.cast" > "$SCRATCH/cast.txt" 2>&1 <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
head = json.loads(lines[0])
assert head["version"] == 2 and head["width"] > 0 and head["height"] > 0, head
events = [json.loads(l) for l in lines[1:]]
times = [e[0] for e in events]
assert all(isinstance(e, list) and len(e) == 3 and e[1] in ("o", "m") for e in events)
assert times == sorted(times), "times go backwards"
marks = [e[2] for e in events if e[1] == "m"]
steps = [m for m in marks if m.startswith("step ")]
assert len(steps) == 3, marks
assert "hello world" in "".join(e[2] for e in events if e[1] == "o")
PY
then pass "the asciicast recording parses and has a marker per step"; else
	fail "recording"; show "$SCRATCH/cast.txt"; fi
[ -f "$SCRATCH/i1/postmortem.md" ] && pass "postmortem written" || fail "no postmortem.md"
has "$SCRATCH/i1/journal.jsonl" '"event":"run.end".*"status":"completed"' "run.end completed"
has "$SCRATCH/i1/output/01-hello.log" 'Z err to stderr$' "output file marks stderr"
[ "$(stat -c %a "$SCRATCH/i1")" = 700 ] && pass "incident dir 0700" || fail "incident dir mode $(stat -c %a "$SCRATCH/i1")"
[ "$(stat -c %a "$SCRATCH/i1/journal.jsonl")" = 600 ] && pass "journal 0600" || fail "journal mode"

# on_failure: abort stops the run with status 1; later steps never run.
run fail --incident-dir "$SCRATCH/i2" "$D/fail.yaml"
expect_rc 1 "failing step" fail
has "$SCRATCH/fail.out" 'failed after .*: exited 3, expected 0' "failure reason"
[ ! -e "$SCRATCH/i2/never" ] && pass "no step after the abort" || fail "a step ran after abort"
has "$SCRATCH/i2/journal.jsonl" '"decision":"abort \(on_failure: abort\)"' "abort decision journaled"
has "$SCRATCH/i2/journal.jsonl" '"event":"run.end".*"status":"aborted"' "run.end aborted"

run cont --incident-dir "$SCRATCH/i3" "$D/continue.yaml"
expect_rc 1 "on_failure continue" cont
[ -f "$SCRATCH/i3/after" ] && pass "continue runs the next step" || fail "continue did not go on"

# Destructive steps never run unattended without --allow-destructive.
run destr --incident-dir "$SCRATCH/i4" "$D/destructive.yaml"
expect_rc 1 "confirm: type without a terminal" destr
has "$SCRATCH/destr.out" 'allow-destructive' "says how to allow it"
[ ! -e "$SCRATCH/i4/dropped" ] && pass "destructive step did not run" || fail "destructive step ran"
run destr2 --allow-destructive --incident-dir "$SCRATCH/i5" "$D/destructive.yaml"
expect_rc 0 "--allow-destructive" destr2
[ -f "$SCRATCH/i5/dropped" ] && pass "destructive step ran when allowed" || fail "not run"

# Manual steps need --yes without a terminal, and are attested.
run man1 --incident-dir "$SCRATCH/i6" "$D/manual.yaml"
expect_rc 1 "manual step without --yes" man1
run man2 --yes --operator alice --incident-dir "$SCRATCH/i7" "$D/manual.yaml"
expect_rc 0 "manual step with --yes" man2
has "$SCRATCH/i7/journal.jsonl" '"event":"step.end".*"attested_by":"alice"' "attested by the operator"

# Params: a missing required one is status 2 before anything exists.
run req --incident-dir "$SCRATCH/i8" "$D/required.yaml"
expect_rc 2 "missing required param" req
[ ! -e "$SCRATCH/i8" ] && pass "nothing created for a refused run" || fail "incident dir created"
run req2 --param target=yesterday --incident-dir "$SCRATCH/i9" "$D/required.yaml"
expect_rc 2 "bad timestamp param" req2
has "$SCRATCH/req2.out" 'not a timestamp' "says why"

# An invalid runbook runs nothing and says where.
printf 'id: x\ntitle: y\nsteps:\n  - { id: a, title: b, rnu: "touch %s/ran" }\n' "$SCRATCH" > "$SCRATCH/bad.yaml"
run bad --incident-dir "$SCRATCH/i10" "$SCRATCH/bad.yaml"
expect_rc 2 "invalid runbook" bad
has "$SCRATCH/bad.out" 'bad.yaml:4:[0-9]+: error: unknown key .rnu.' "file:line:col error"
[ ! -e "$SCRATCH/ran" ] && pass "invalid runbook ran nothing" || fail "it ran"

# Hostile values are data, never code.
run host --param "a=x'; touch $SCRATCH/PWNED; echo '" --param 'b=$(touch '"$SCRATCH"'/PWNED2)' \
	--incident-dir "$SCRATCH/i11" "$D/hostile.yaml"
expect_rc 0 "hostile params" host
[ ! -e "$SCRATCH/PWNED" ] && [ ! -e "$SCRATCH/PWNED2" ] && pass "no injection" || fail "a value ran as code"
has "$SCRATCH/host.out" "^  \| \[x'; touch " "value printed verbatim"

# Dry run shows commands expanded, secrets masked, and runs nothing.
DRCONSOLE_PARAM_pw='Zx9-very-secret' run dry --dry-run --incident-dir "$SCRATCH/i12" "$D/basic.yaml"
expect_rc 0 "dry run" dry
has "$SCRATCH/dry.out" '\$ echo "hello world"' "expanded command shown"
has "$SCRATCH/dry.out" 'pw is \*\*\*\*' "secret masked in the dry run"
[ ! -e "$SCRATCH/i12/marker" ] && pass "dry run executed nothing" || fail "dry run executed a step"
has "$SCRATCH/i12/journal.jsonl" '"mode":"dry-run"' "journal says dry-run"

# Retries, and --from.
run retry --incident-dir "$SCRATCH/i13" "$D/retry.yaml"
expect_rc 0 "retry succeeds" retry
has "$SCRATCH/retry.out" 'attempt 1 exited 1' "first attempt reported"
has "$SCRATCH/i13/journal.jsonl" '"event":"step.retry"' "retry journaled"
[ -f "$SCRATCH/i13/output/01-flaky.2.log" ] && pass "second attempt has its own output file" || fail "no attempt file"
# An until that runs out of time: the wait is until's every, and the last
# reason is printed whole (it was formatted from freed memory once).
run until --incident-dir "$SCRATCH/i13u" "$D/until.yaml"
expect_rc 1 "until out of time fails" until
has "$SCRATCH/until.out" 'attempt 1 exited 1 \(exited 1, expected 0\); retrying in 300ms' "until waits its every"
has "$SCRATCH/until.out" 'failed after [0-9.]*m?s: exited 1, expected 0; still not met after [0-9]+ attempts within 1s$' \
	"until's last reason is whole"
run from --from marker --incident-dir "$SCRATCH/i14" "$D/basic.yaml"
expect_rc 0 "--from" from
hasnt "$SCRATCH/from.out" 'hello world' "--from skips earlier steps"

# SIGINT cancels the running step; with nobody to ask the run stops (130),
# and nothing of the step survives.
timeout 60 "$DRCONSOLE" run --kill-grace 1s --incident-dir "$SCRATCH/i15" "$D/slow.yaml" \
	< /dev/null > "$SCRATCH/int.out" 2>&1 &
pid=$!
track_pid $pid
wait_for "[ -s '$SCRATCH/i15/bg.pid' ]" 10 || fail "slow step never started"
kill -INT $pid
wait $pid; rc=$?
expect_rc 130 "SIGINT" int
has "$SCRATCH/i15/journal.jsonl" '"step":"slow".*"status":"cancelled"' "step cancelled"
has "$SCRATCH/i15/journal.jsonl" '"event":"run.end".*"status":"interrupted"' "run.end interrupted"
bg=$(cat "$SCRATCH/i15/bg.pid")
state=$(awk '{print $3}' "/proc/$bg/stat" 2>/dev/null || echo gone)
case $state in gone|Z|X) pass "the step's background child is gone" ;; *) fail "pid $bg survived ($state)" ;; esac
verified "$SCRATCH/i15" "after SIGINT"

# SIGTERM: cancel and abort.
timeout 60 "$DRCONSOLE" run --kill-grace 1s --incident-dir "$SCRATCH/i16" "$D/slow.yaml" \
	< /dev/null > "$SCRATCH/term.out" 2>&1 &
pid=$!
track_pid $pid
wait_for "[ -s '$SCRATCH/i16/bg.pid' ]" 10 || fail "slow step never started"
kill -TERM $pid
wait $pid; rc=$?
expect_rc 130 "SIGTERM" term
verified "$SCRATCH/i16" "after SIGTERM"

# when: conditions over params and earlier outcomes; a false one is a
# journaled skip with the reason.
run when1 --incident-dir "$SCRATCH/i17" "$D/when.yaml"
expect_rc 0 "conditions, no data loss" when1
[ ! -e "$SCRATCH/i17/emailed" ] && pass "false condition skipped the step" || fail "the step ran"
[ -e "$SCRATCH/i17/west" ] && pass "true condition ran the step" || fail "the step did not run"
has "$SCRATCH/i17/journal.jsonl" '"step":"email-customers".*"status":"skipped".*condition is false' "skip reason journaled"
run when2 --param data_loss_minutes=12 --param region=eu-west-1 --incident-dir "$SCRATCH/i18" "$D/when.yaml"
expect_rc 0 "conditions, data lost" when2
[ -e "$SCRATCH/i18/emailed" ] && [ ! -e "$SCRATCH/i18/west" ] && pass "conditions follow the params" ||
	fail "conditions ignored the params"

# Drills: staging by default, stand-ins and skips, every line marked.
run drill1 --drill --incident-dir "$SCRATCH/i19" "$D/drill.yaml"
expect_rc 0 "drill" drill1
has "$SCRATCH/i19/where" 'region=us-west-2-staging target=staging-cluster env=staging' "a drill targets staging"
[ -e "$SCRATCH/i19/dns-simulated" ] && [ ! -e "$SCRATCH/i19/dns-switched" ] && pass "drill stand-in ran instead" ||
	fail "the real command ran in a drill"
[ ! -e "$SCRATCH/i19/paged" ] && pass "drill: skip skipped the step" || fail "a drill: skip step ran"
if [ ! -s "$SCRATCH/i19/journal.jsonl" ] || grep -vq '"drill":true' "$SCRATCH/i19/journal.jsonl"; then
	fail "no journal, or a drill line is not marked"; else
	pass "every journal line of a drill is marked"; fi
run drill2 --drill --environment production --incident-dir "$SCRATCH/i20" "$D/drill.yaml"
expect_rc 0 "drill against production by name" drill2
has "$SCRATCH/i20/where" 'region=us-east-1' "production only when named"
run live --incident-dir "$SCRATCH/i21" "$D/drill.yaml"
expect_rc 0 "live run" live
has "$SCRATCH/i21/where" 'env=production' "a live run targets production"
[ -e "$SCRATCH/i21/paged" ] && pass "a live run runs every step" || fail "live run skipped a drill step"
run train --training --environment production --incident-dir "$SCRATCH/i22" "$D/drill.yaml"
expect_rc 2 "training against production" train
has "$SCRATCH/train.out" 'training refuses' "training refuses production"

# include: another runbook's steps, as a phase, with params mapped.
(cd "$SCRATCH" && timeout 60 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/i23" \
	"$top_srcdir/tests/data/include/outage.yaml" < /dev/null > "$SCRATCH/inc.out" 2>&1); rc=$?
expect_rc 0 "included runbooks" inc
[ -e "$SCRATCH/i23/flush-redis-a; touch PWNED" ] && [ -e "$SCRATCH/i23/flush-redis-b" ] &&
	pass "both includes ran with their params" || fail "include params"
[ ! -e "$SCRATCH/PWNED" ] && pass "an included param stays data" || fail "an included param ran as code"
has "$SCRATCH/i23/journal.jsonl" '"step":"second-check".*"status":"ok"' "included steps are prefixed"
has "$SCRATCH/inc.out" '== Flush the primary cache ==' "an include is a phase"
# An adopted param keeps the included runbook's pattern.
printf 'id: sub\ntitle: S\nparams:\n  - { name: role, pattern: "^[a-z]+$", default: app }\nsteps:\n  - { id: s, title: S, run: "true" }\n' \
	> "$SCRATCH/sub.yaml"
printf 'id: top\ntitle: T\nsteps:\n  - include: sub\n' > "$SCRATCH/top.yaml"
run incpat --incident-dir "$SCRATCH/i25" --param 'sub_role=x;y' "$SCRATCH/top.yaml"
[ "$rc" -ne 0 ] && grep -q "does not match the pattern" "$SCRATCH/incpat.out" &&
	pass "an included param keeps its pattern" || { fail "an included param lost its pattern"; show "$SCRATCH/incpat.out"; }
cp "$top_srcdir/tests/data/include/flush-cache.yaml" "$SCRATCH/flush-cache.yaml"
printf 'id: bad-inc\ntitle: B\nsteps:\n  - include: nowhere\n  - include: flush-cache\n    params: { nope: 1, cache_host: x }\n' \
	> "$SCRATCH/bad-inc.yaml"
run badinc --incident-dir "$SCRATCH/i24" "$SCRATCH/bad-inc.yaml"
expect_rc 2 "broken include" badinc
has "$SCRATCH/badinc.out" "bad-inc.yaml:4:14: error: no runbook 'nowhere' next to this one" "missing include located"
has "$SCRATCH/badinc.out" "bad-inc.yaml:6:[0-9]+: error: included runbook 'flush-cache' has no param 'nope'" "unknown include param located"

# Usage errors.
run usage1 --no-such-option "$D/basic.yaml"
expect_rc 2 "unknown option" usage1
run usage2
expect_rc 2 "no runbook" usage2
finish
