#!/usr/bin/env bash
# dry_run.sh: a dry run shows everything every step would do and goes to the
# end: captured values as placeholders, a when: on one shown both ways, sql,
# http and notify steps in full with their secrets as ****, the hosts of an
# on: step, confirmation, rollback, a drill's stand-ins and skips, a missing
# required param as a placeholder; every bundled runbook dry-runs to the end;
# and the picker never offers a dry run to resume.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"
scratch_dir
D=$top_srcdir/tests/data/dryrun
export XDG_STATE_HOME=$SCRATCH/state

run() {	# run NAME ARGS...: output in $SCRATCH/NAME.out, status in $rc
	local name=$1; shift
	timeout 120 "$DRCONSOLE" run "$@" < /dev/null > "$SCRATCH/$name.out" 2>&1
	rc=$?
}
has() {		# has NAME FIXED-TEXT WHAT
	if grep -qF -- "$2" "$SCRATCH/$1.out"; then pass "$3"; else fail "$3 (no '$2')"; show "$SCRATCH/$1.out"; fi
}
hasnt() {
	if grep -qF -- "$2" "$SCRATCH/$1.out"; then fail "$3 ('$2' found)"; show "$SCRATCH/$1.out"; else pass "$3"; fi
}

# --- one runbook with every kind, secrets given, target_time missing ---
DRCONSOLE_PARAM_api_token='tok-SeCrEt-42' DRCONSOLE_PARAM_db_password='pw-Hunter-99' \
	run all --dry-run --incident-dir "$SCRATCH/i1" "$D/everything.yaml"
[ "$rc" -eq 0 ] && pass "the dry run goes to the end: exit 0" || { fail "dry run: $(describe_rc "$rc")"; show "$SCRATCH/all.out"; }
has all "param 'target_time' is required and not given: shown as <target_time: not given>" \
	"a missing required param is named, and the run goes on"
has all 'until <target_time: not given>' "the missing param shows as a placeholder where it is used"
has all 'captures: n ' "the capturing step says what it captures"
has all '$ echo "replicas=<n, captured by step count> until' "a captured value shows as a placeholder"
has all 'when: n > 3 depends on a captured value (<n, captured by step count>): if true the step runs as shown, if false it is skipped' \
	"a when: on a captured value is shown both ways"
has all '[10/10] Look at the dashboard (attest)' "every step is gone through"
has all 'connect: host=db1 dbname=app user=ops password=****' "sql: the conninfo without its password"
has all "query: SELECT count(*) FROM orders WHERE region = 'us-east-1' AND note = '****'" "sql: the query as sent"
has all 'value {{ region }} = us-east-1' "sql: each bound value listed"
has all 'value {{ db_password }} = ****' "sql: a secret bound value as ****"
has all 'http: POST https://lb.example/health?region=us-east-1' "http: method and URL"
has all 'header Authorization: ****' "http: a credential header as ****"
has all 'header X-Trace: dry-us-east-1' "http: an ordinary header in full"
has all 'body: {"region": "us-east-1", "token": "****"}' "http: the body, its secret as ****"
has all 'notify: slack' "notify: its type"
has all 'channel: #incidents' "notify: its destination"
has all 'message: failing over us-east-1' "notify: its message"
has all 'on: 2 hosts: db1 (127.0.0.1) db2, policy all' "on: the hosts the step targets"
has all "confirm: the operator types the step id 'fleet'" "a typed confirmation is shown"
has all 'confirm: a second operator approves (drconsole approve), one of: alice, @dba' "an approval is shown"
has all 'rollback: $ systemctl stop postgresql' "the rollback is shown"
has all 'drill: a drill runs this stand-in instead: $ echo simulated dns flip' "the drill stand-in is shown"
has all 'drill: skipped in a drill' "a drill skip is shown"
hasnt all '(dry run: not executed)' "no step is left at 'not executed'"
hasnt all 'tok-SeCrEt-42' "the api token is never printed"
hasnt all 'pw-Hunter-99' "the database password is never printed"
if grep -rqF -e 'tok-SeCrEt-42' -e 'pw-Hunter-99' "$SCRATCH/i1"; then
	fail "a secret reached the incident directory"
else
	pass "no secret in the incident directory"
fi

# --- --dry-run --drill: the stand-ins and the drill's skips ---
DRCONSOLE_PARAM_api_token='tok-SeCrEt-42' run drill --dry-run --drill --incident-dir "$SCRATCH/i2" "$D/everything.yaml"
[ "$rc" -eq 0 ] && pass "--dry-run --drill is allowed: exit 0" || { fail "--dry-run --drill: $(describe_rc "$rc")"; show "$SCRATCH/drill.out"; }
has drill '[dry-run of a drill]' "the header says it is a dry run of a drill"
has drill '$ echo simulated dns flip' "the stand-in is the command shown"
has drill 'drill: the stand-in above runs instead of: $ flip-dns --to us-east-1' "the real command it replaces is named"
has drill 'skipped: drill: this step is skipped in a drill' "the drill's skip is shown"
run drill_first --drill --dry-run --incident-dir "$SCRATCH/i3" "$D/tiny.yaml"
[ "$rc" -eq 0 ] && pass "--drill --dry-run in either order" || fail "--drill --dry-run: $(describe_rc "$rc")"
run training --dry-run --training --incident-dir "$SCRATCH/i4" "$D/tiny.yaml"
[ "$rc" -eq 2 ] && pass "--dry-run --training is still refused" || fail "--dry-run --training: $(describe_rc "$rc")"

# --- every bundled runbook dry-runs to the end ---
n=0
for f in "$top_srcdir"/runbooks/*.yaml "$top_srcdir"/runbooks/training/*.yaml; do
	n=$((n + 1))
	run "bundled$n" --dry-run --incident-dir "$SCRATCH/b$n" "$f"
	steps=$(grep -c '^\[[0-9]*/[0-9]*\]' "$SCRATCH/bundled$n.out")
	total=$(sed -n 's/^\[[0-9]*\/\([0-9]*\)\].*/\1/p' "$SCRATCH/bundled$n.out" | head -n 1)
	if [ "$rc" -eq 0 ] && [ "$steps" -gt 0 ] && [ "$steps" -eq "$total" ] &&
	    ! grep -qF '(dry run: not executed)' "$SCRATCH/bundled$n.out" &&
	    ! grep -qF '(cannot expand' "$SCRATCH/bundled$n.out"; then
		pass "$(basename "$f") dry-runs all $steps steps, each shown"
	else
		fail "$(basename "$f"): exit $rc, $steps of $total steps"
		show "$SCRATCH/bundled$n.out"
	fi
done

# --- the picker never offers a dry run, even one cut short ---
INCS=$XDG_STATE_HOME/drconsole/incidents
mkdir -p "$INCS"
run pick_dry --dry-run --incident-dir "$INCS/20261207T000001Z-dry" "$D/tiny.yaml"
run pick_live --incident-dir "$INCS/20261207T000002Z-live" "$D/tiny.yaml"
# Each cut short before its run.end, as a crash would leave it.
for j in "$INCS"/*/journal.jsonl; do sed -i '$d' "$j"; done
printf 'dump\nquit\n' >"$SCRATCH/pick"
: >"$SCRATCH/dump"
DRCONSOLE_RUNBOOKS=$D timeout 120 "$DRCONSOLE" --script "$SCRATCH/pick" --dump "$SCRATCH/dump" \
	>"$SCRATCH/pick.out" 2>&1 || { fail "the picker walk failed"; show "$SCRATCH/pick.out"; }
dump_has "$SCRATCH/dump" 1 "RESUME 20261207T000002Z-live" "the picker offers a live run cut short"
dump_lacks "$SCRATCH/dump" 1 "20261207T000001Z-dry" "the picker never offers a dry run"
finish
