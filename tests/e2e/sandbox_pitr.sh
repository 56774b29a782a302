#!/usr/bin/env bash
# sandbox_pitr.sh: the point-in-time-recovery training sandbox
# (runbooks/training/pitr-sandbox.yaml) run unattended the way CI runs it,
# `drconsole run --yes --allow-destructive`, against real PostgreSQL servers.
# The first run keeps its servers (keep_sandbox=true) so the checks can ask
# the databases themselves: the dropped table is back in the restored
# cluster with every order from before the DROP and nothing committed after
# the target, the damaged primary still has no table, and the resumed app
# writes to the restored cluster. Then the journal and the JSON report, the
# cleanup script, a second full run whose last step cleans up, and a run
# refused because a port is taken.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/pg_lib.sh"
pg_find_bin || skip_all "no PostgreSQL server binaries (initdb, pg_ctl)"
scratch_dir
RB=$top_srcdir/runbooks/training/pitr-sandbox.yaml
export XDG_STATE_HOME=$SCRATCH/state PG_BIN

. "$top_srcdir/tests/e2e/sandbox_lib.sh"

# Distinct free ports.
P1=$(pg_free_port)
P2=$(pg_free_port)
while [ "$P2" = "$P1" ]; do P2=$(pg_free_port); done

# --- 1: a run that keeps its servers ---
note "run 1: primary on $P1, restored cluster on $P2, keep_sandbox=true"
run keep --param primary_port="$P1" --param restored_port="$P2" --param keep_sandbox=true
INC=$SCRATCH/keep
SB=$INC/sandbox
if [ "$rc" -eq 0 ]; then pass "run 1 completed (exit 0, ${secs}s)"; else fail "run 1: exit $rc"; show "$SCRATCH/keep.out"; fi
[ "$secs" -lt 60 ] && pass "run 1 took under a minute" || fail "run 1 took ${secs}s"
has "$SCRATCH/keep.out" 'skipped: condition is false: when: !keep_sandbox' "cleanup skipped when keeping the sandbox"

AREA=$(cd -P "$SB/pg" 2>/dev/null && pwd) || die "run 1 left no servers folder"
before=$(cat "$SB/incident/orders-before-drop" 2>/dev/null)
drop=$(cat "$SB/incident/drop-time" 2>/dev/null)
target=$(cat "$SB/incident/target-time" 2>/dev/null)
note "orders before the drop: $before; DROP at $drop; target $target"
is "$before" 120 "the incident recorded 120 orders before the DROP"
is "$(q "$P2" "SELECT '$drop'::timestamptz - '$target'::timestamptz")" "00:00:01" \
	"the target is the DROP's logged time minus 1 second"
has "$SB/incident/drop-statements.log" 'statement: DROP TABLE orders' "the DROP was found in the server log"

# The restored cluster, asked directly.
is "$(q "$P2" 'SELECT pg_is_in_recovery()')" f "restored cluster promoted (not in recovery)"
is "$(q "$P2" 'SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)')" 00000002 \
	"restored cluster on timeline 2"
is "$(q "$P2" 'SHOW recovery_target_time')" "$target" "restored to the target the runbook found"
is "$(q "$P2" "SELECT to_regclass('public.orders') IS NOT NULL")" t "the dropped table is back"
is "$(q "$P2" "SELECT count(*) || ' ' || min(order_no) || ' ' || max(order_no)
	FROM orders WHERE created_at <= '$target'")" "$before 1 $before" \
	"every order from before the target is back, numbered 1 to $before without gaps"
is "$(q "$P2" "SELECT count(*) FROM orders WHERE order_no <= $before AND created_at > '$target'")" 0 \
	"no restored order was written after the target"
is "$(q "$P2" "SELECT count(*) FROM orders WHERE created_at > '$target' AND created_at < '$drop'")" 0 \
	"nothing between the target and the DROP"
is "$(q "$P2" "SELECT count(*) || ' ' || min(order_no) || ' ' || bool_and(created_at > '$drop')
	FROM orders WHERE created_at > '$target'")" "10 121 true" \
	"the 10 orders after the target are the ones the resumed app wrote after the DROP"
is "$(cat "$SB/app/written")" 130 "the app confirmed 130 orders in all"
has "$SB/app/conninfo" "port=$P2 " "the app's connection string points at the restored cluster"
is "$(q "$P1" "SELECT to_regclass('public.orders') IS NULL")" t "the damaged primary still has no orders table"
is "$(q "$P1" 'SELECT pg_is_in_recovery()')" f "the damaged primary kept running for forensics"
is "$(q "$P1" "SELECT count(*) FROM heartbeat")" 0 "the damaged primary is otherwise intact"

# The journal and the report.
if "$DRCONSOLE" verify "$INC" >"$SCRATCH/verify.out" 2>&1; then pass "journal verifies"; else fail "journal does not verify"; show "$SCRATCH/verify.out"; fi
l=$(step_end "$INC" wait-promoted)
[[ $l == *'"status":"ok"'* && $l == *'"in_recovery":false'* && $l == *'"timeline":2'* ]] &&
	pass "journal: in_recovery check evidence (false, timeline 2)" || fail "journal: wait-promoted: $l"
l=$(step_end "$INC" orders-are-back)
[[ $l == *'"status":"ok"'* && $l == *'"verdict":"met","value":"120"'* ]] &&
	pass "journal: orders-are-back met with 120" || fail "journal: orders-are-back: $l"
l=$(step_end "$INC" orders-exact-count)
[[ $l == *'"status":"ok"'* && $l == *'"expect":"= 120","verdict":"met"'* && $l == *'"port":"'$P2'"'* ]] &&
	pass "journal: exact count met on the restored cluster" || fail "journal: orders-exact-count: $l"
l=$(step_end "$INC" nothing-after-target)
[[ $l == *'"status":"ok"'* && $l == *'"verdict":"met","value":"0"'* ]] &&
	pass "journal: nothing after the target" || fail "journal: nothing-after-target: $l"
l=$(step_end "$INC" app-writes-to-restored)
[[ $l == *'"status":"ok"'* && $l == *'"verdict":"met","value":"10"'* ]] &&
	pass "journal: the app writes to the restored cluster" || fail "journal: app-writes-to-restored: $l"
l=$(step_end "$INC" swap-connection-string)
[[ $l == *'"status":"ok"'* ]] && pass "journal: connection string swapped" || fail "journal: swap: $l"
l=$(step_end "$INC" confirm-target)
[[ $l == *'"attested_by":'* ]] && pass "journal: target attested" || fail "journal: confirm-target: $l"

if "$DRCONSOLE" report --format json "$INC" >"$SCRATCH/report.json" 2>"$SCRATCH/report.err"; then
	pass "report --format json"
else
	fail "report --format json failed"
	show "$SCRATCH/report.err"
fi
has "$SCRATCH/report.json" '"outcome": "completed"' "report: outcome completed"
has "$SCRATCH/report.json" '"text": "RTO 4h: met ' "report: RTO met"
has "$SCRATCH/report.json" "\"reason\": \"expect = 120: met \\(value '120'\\)\"" "report: the exact-count verdict"
has "$SCRATCH/report.json" '"reason": "in recovery: false, timeline 2; expect = false: met' "report: the recovery verdict"
has "$SCRATCH/report.json" '"source": "captured by step find-drop-time on line [0-9]+"' "report: the data-loss window the runbook measured"
has "$SCRATCH/report.json" '"text": "RPO 15m: met \(data loss window [0-9.ms]+, ' "report: the data-loss window meets the RPO"

# The generated secrets stay secret.
apw=$(cut -d: -f5 "$SB/app/pgpass")
[ ${#apw} -eq 20 ] && pass "the app's generated password is in its pgpass file" || fail "pgpass: '${#apw}' characters"
[ "$(stat -c %a "$SB/app/pgpass")" = 600 ] && pass "pgpass is 0600" || fail "pgpass mode $(stat -c %a "$SB/app/pgpass")"
if grep -rqF -- "$apw" "$INC/journal.jsonl" "$INC/output" "$INC/postmortem.md" "$SCRATCH/report.json" "$SCRATCH/keep.out" "$SB/app/conninfo"; then
	fail "the app's password leaked into the journal, output, report or connection string"
else
	pass "the app's password is nowhere but pgpass"
fi
if grep -rqiE -- 'password *[= ] *[A-Za-z0-9]{20}' "$INC/journal.jsonl" "$INC/output" "$SCRATCH/keep.out" "$AREA"/*.log; then
	fail "a password shows up in the journal, output or server logs"
else
	pass "no password in the journal, output or server logs"
fi

# The cleanup script stops everything the run left running.
wpid=$(cat "$SB/app/writer.pid" 2>/dev/null)
if SANDBOX=$SB sh "$SB/bin/cleanup.sh" >"$SCRATCH/cleanup.out" 2>&1; then pass "cleanup.sh"; else fail "cleanup.sh failed"; show "$SCRATCH/cleanup.out"; fi
down "$P1" && down "$P2" && pass "both servers stopped" || fail "a server still answers on $P1 or $P2"
[ -n "$wpid" ] && ! alive "$wpid" && pass "the app's writer stopped" || fail "writer '$wpid' still running"
[ ! -e "$AREA" ] && [ ! -e "$SB/pg" ] && pass "servers folder removed" || fail "$AREA or $SB/pg still there"
has "$SB/logs/primary.log" 'statement: DROP TABLE orders' "the primary's log is kept"
if ps -eo args | grep -F -- "$AREA" | grep -qv grep; then fail "processes still use $AREA"; else pass "no process left in $AREA"; fi

# --- 2: the run CI does: everything, cleanup included, fresh incident ---
note "run 2: the full runbook, cleanup included"
run full --param primary_port="$P1" --param restored_port="$P2"
if [ "$rc" -eq 0 ]; then pass "run 2 completed (exit 0, ${secs}s)"; else fail "run 2: exit $rc"; show "$SCRATCH/full.out"; fi
l=$(step_end "$SCRATCH/full" cleanup)
[[ $l == *'"status":"ok"'* ]] && pass "run 2: cleanup step ran" || fail "run 2: cleanup: $l"
l=$(step_end "$SCRATCH/full" orders-exact-count)
[[ $l == *'"verdict":"met","value":"120"'* ]] && pass "run 2: exact count met again" || fail "run 2: count: $l"
down "$P1" && down "$P2" && pass "run 2 left no server running" || fail "run 2 left a server on $P1 or $P2"
[ ! -e "$SCRATCH/full/sandbox/pg" ] && pass "run 2 removed its servers folder" || fail "run 2 left sandbox/pg"
wpid=$(cat "$SCRATCH/full/sandbox/app/writer.pid" 2>/dev/null)
[ -z "$wpid" ] || ! alive "$wpid" && pass "run 2 left no writer" || fail "run 2 left writer $wpid"

# --- 3: a port in use stops the run before anything starts ---
if ! command -v python3 >/dev/null 2>&1; then
	note "no python3 to hold a port: port check not tested"
	finish
fi
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); print("ready", flush=True); time.sleep(60)' "$P2" \
	>"$SCRATCH/blocker.out" 2>&1 &
blocker=$!
track_pid $blocker
if wait_for "grep -q ready '$SCRATCH/blocker.out'" 10; then
	run busy --param primary_port="$P1" --param restored_port="$P2"
	[ "$rc" -eq 1 ] && pass "a taken port fails the run" || fail "taken port: exit $rc"
	has "$SCRATCH/busy.out" "restored_port: port $P2 is in use" "says which port is taken"
	[ ! -e "$SCRATCH/busy/sandbox/pg" ] && down "$P1" && pass "nothing started" || fail "a server started anyway"
else
	fail "could not hold port $P2 for the test"
	show "$SCRATCH/blocker.out"
fi
stop_pid $blocker
finish
