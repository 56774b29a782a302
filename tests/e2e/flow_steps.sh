#!/usr/bin/env bash
# flow_steps.sh: cwd, captures (regex, last line, secret), until, wait,
# verify and two-person approval through `drconsole run`.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
scratch_dir
D=$top_srcdir/tests/data/run

timeout 60 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/i1" "$D/flow.yaml" < /dev/null > "$SCRATCH/flow.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && pass "run ends 1 (one verify fails, on_failure: continue)" || { fail "exit $rc"; show "$SCRATCH/flow.out"; }
j=$SCRATCH/i1/journal.jsonl
[ "$(cat "$SCRATCH/i1/here.txt")" = "$SCRATCH/i1" ] && pass "runbook cwd" || fail "runbook cwd: $(cat "$SCRATCH/i1/here.txt")"
[ "$(cat "$SCRATCH/i1/sub/here.txt")" = "$SCRATCH/i1/sub" ] && pass "step cwd" || fail "step cwd"
grep -q '^  | lsn=0/3000028 word=three$' "$SCRATCH/flow.out" && pass "regex and last-line captures used" ||
	{ fail "captures not used"; show "$SCRATCH/flow.out"; }
grep -q '"capture":{"lsn":"0/3000028"}' "$j" && pass "capture journaled" || fail "capture not journaled"
grep -q '^  | lsn2=0/5000060 lag=42 whole=tail replica=db2/1024$' "$SCRATCH/flow.out" && pass "several captures of one step used" ||
	{ fail "several captures not used"; show "$SCRATCH/flow.out"; }
grep -q '"capture":{"lsn2":"0/5000060","lag":"42","whole":"tail"}' "$j" && pass "several captures journaled" ||
	fail "several captures not journaled"
grep -q '"capture":{"replica":"db2","replica_lag":"1024"}' "$j" && pass "json captures journaled" ||
	fail "json captures not journaled"
tok=$(cat "$SCRATCH/i1/token.txt")
case $tok in tok-*-abc) pass "secret capture reaches later steps" ;; *) fail "token: '$tok'" ;; esac
if grep -rqF -- "$tok" "$SCRATCH/i1/journal.jsonl" "$SCRATCH/i1/output" "$SCRATCH/flow.out"; then
	fail "the secret capture was shown or written"; else pass "secret capture never shown or written"; fi
grep -q '"capture":{"token":"\*\*\*\*"}' "$j" && pass "secret capture journaled masked" || fail "secret capture"
[ "$(grep -c '"step":"poll".*"status":"failed"' "$j")" -eq 2 ] && grep -q '"step":"poll".*"status":"ok"' "$j" &&
	pass "until repeated until it succeeded" || fail "until"
grep -q '"step.retry".*"until_within_ms":10000' "$j" && pass "until journaled with its deadline" || fail "until retry"
grep -q '"step":"pause".*"reason":"waited 1s"' "$j" && pass "wait step waited" || fail "wait"
grep -q '"step":"checked".*"verify":{.*"status":"ok"' "$j" && pass "verify passed" || fail "verify ok"
grep -q '"step":"bad-verify".*"status":"failed".*"reason":"verify failed' "$j" && pass "failed verify fails the step" ||
	{ fail "failed verify"; grep bad-verify "$j" | show; }
"$DRCONSOLE" verify "$SCRATCH/i1" > /dev/null && pass "journal verifies" || fail "verify"
"$DRCONSOLE" report "$SCRATCH/i1" > "$SCRATCH/report.md" 2>&1
grep -q 'checked verify ok' "$SCRATCH/report.md" && grep -q 'bad-verify verify failed' "$SCRATCH/report.md" &&
	pass "verify results are evidence in the report" || { fail "no verify in the report"; show "$SCRATCH/report.md"; }

# A wait is cut short by Ctrl-C, and the run goes on.
printf 'id: w\ntitle: W\nobjectives: { rto: 4h, rpo: 15m }\nsteps:\n  - { id: w, title: W, wait: 5m }\n  - { id: after, title: After, run: "touch %s/after" }\n' \
	"$SCRATCH" > "$SCRATCH/wait.yaml"
"$DRCONSOLE" run --incident-dir "$SCRATCH/i2" "$SCRATCH/wait.yaml" < /dev/null > "$SCRATCH/wait.out" 2>&1 &
pid=$!
track_pid $pid
wait_for "grep -q '\"step.start\"' '$SCRATCH/i2/journal.jsonl' 2>/dev/null" 10 || fail "wait never started"
kill -INT $pid
wait $pid; rc=$?
[ "$rc" -eq 0 ] && [ -e "$SCRATCH/after" ] && pass "Ctrl-C cut the wait short and the run went on" ||
	{ fail "exit $rc"; show "$SCRATCH/wait.out"; }
grep -q 'cut short by the operator' "$SCRATCH/i2/journal.jsonl" && pass "cut short journaled" || fail "no cut short"

# Two-person approval: the driver cannot approve; another login can.
printf 'id: a\ntitle: A\nobjectives: { rto: 4h, rpo: 15m }\nsteps:\n  - { id: drop, title: Drop, run: "touch %s/dropped", confirm: approval, approvers: [nobody] }\n' \
	"$SCRATCH" > "$SCRATCH/approve.yaml"
"$DRCONSOLE" run --yes --incident-dir "$SCRATCH/i3" "$SCRATCH/approve.yaml" < /dev/null > "$SCRATCH/approve.out" 2>&1 &
pid=$!
track_pid $pid
wait_for "grep -q 'waiting for a second' '$SCRATCH/approve.out'" 10 || fail "no approval prompt"
"$DRCONSOLE" approve "$SCRATCH/i3" drop > "$SCRATCH/self.out" 2>&1
wait_for "grep -q 'approval.refused' '$SCRATCH/i3/journal.jsonl'" 10 && pass "self-approval refused" ||
	fail "self-approval not refused"
[ ! -e "$SCRATCH/dropped" ] && pass "nothing ran on a self-approval" || fail "ran on self-approval"
other=nobody
if [ "$(id -u)" -eq 0 ] && id "$other" > /dev/null 2>&1 && fresh_session; then
	if (cd / && runuser -u "$other" -- "$DRCONSOLE" approve "$SCRATCH/i3" drop) > "$SCRATCH/other.out" 2>&1; then
		wait $pid; rc=$?
	else
		# The approver never got in (e.g. the build is under a folder
		# that login cannot enter): the run would wait for ever.
		kill $pid; wait $pid; rc=approver-failed
	fi
	[ "$rc" -eq 0 ] && [ -e "$SCRATCH/dropped" ] && pass "approved by another login, the step ran" ||
		{ fail "exit $rc"; show "$SCRATCH/approve.out" "$SCRATCH/other.out"; }
	grep -q "\"step.approved\".*\"approved_by\":\"$other\".*\"driver\":\"root\"" "$SCRATCH/i3/journal.jsonl" &&
		pass "both names journaled" || fail "approval not journaled"
else
	note "not root, or the audit login uid cannot be unset: the cross-user approval needs a second person; skipped"
	kill $pid; wait $pid
fi
finish
