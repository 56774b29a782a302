#!/usr/bin/env bash
# sandbox_failover.sh: the region-failover training sandbox
# (runbooks/training/failover-sandbox.yaml) run unattended the way CI runs
# it, `drconsole run --yes --allow-destructive`, against real PostgreSQL
# servers and the sandbox's own /health endpoint. The first run keeps its
# servers (keep_sandbox=true) so the checks can ask them directly: the old
# primary is down, the promoted replica is a primary on a new timeline and
# takes writes (ours too), the app writes to it again and /health is green.
# Then the journal and the JSON report, the cleanup script, a second full
# run whose last step cleans up, and a run refused because a port is taken.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/pg_lib.sh"
pg_find_bin || skip_all "no PostgreSQL server binaries (initdb, pg_ctl)"
command -v python3 >/dev/null 2>&1 || skip_all "no python3 (the sandbox's health endpoint needs it)"
scratch_dir
RB=$top_srcdir/runbooks/training/failover-sandbox.yaml
export XDG_STATE_HOME=$SCRATCH/state PG_BIN

. "$top_srcdir/tests/e2e/sandbox_lib.sh"

P1=$(pg_free_port)
P2=$(pg_free_port)
while [ "$P2" = "$P1" ]; do P2=$(pg_free_port); done
PH=$(pg_free_port)
while [ "$PH" = "$P1" ] || [ "$PH" = "$P2" ]; do PH=$(pg_free_port); done
PORTS="--param primary_port=$P1 --param replica_port=$P2 --param health_port=$PH"

# health: "STATUS BODY" from the sandbox's /health, or "none".
health() {
	python3 - "$PH" <<'EOF'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen("http://127.0.0.1:%s/health" % sys.argv[1], timeout=5)
    print(r.status, r.read().decode().strip())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode().strip())
except OSError:
    print("none")
EOF
}

# --- 1: a run that keeps its servers ---
note "run 1: primary $P1, replica $P2, health $PH, keep_sandbox=true"
run keep $PORTS --param keep_sandbox=true
INC=$SCRATCH/keep
SB=$INC/sandbox
if [ "$rc" -eq 0 ]; then pass "run 1 completed (exit 0, ${secs}s)"; else fail "run 1: exit $rc"; show "$SCRATCH/keep.out"; fi
[ "$secs" -lt 60 ] && pass "run 1 took under a minute" || fail "run 1 took ${secs}s"
AREA=$(cd -P "$SB/pg" 2>/dev/null && pwd) || die "run 1 left no servers folder"
confirmed=$(cat "$SB/incident/orders-confirmed-at-outage" 2>/dev/null)
note "orders the app had confirmed when the primary died: $confirmed"

down "$P1" && pass "the old primary is down" || fail "the old primary still answers on $P1"
[ ! -f "$AREA/primary/postmaster.pid" ] && pass "the old primary's postmaster is gone" || fail "primary/postmaster.pid still there"
is "$(q "$P2" 'SELECT pg_is_in_recovery()')" f "the replica was promoted (not in recovery)"
is "$(q "$P2" 'SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)')" 00000002 "the promoted replica is on timeline 2"
[ ! -e "$AREA/replica/standby.signal" ] && pass "standby.signal is gone" || fail "standby.signal still there"
id=$(q "$P2" "INSERT INTO heartbeat (note) VALUES ('written by the test') RETURNING id")
[[ $id =~ ^[0-9]+$ ]] && pass "the promoted replica takes our write (heartbeat id $id)" || fail "our write: $id"
is "$(q "$P2" "SELECT count(*) FROM heartbeat WHERE note = 'failover write check'")" 1 \
	"the runbook's write check is in the new primary"
n=$(q "$P2" "SELECT count(*) FROM orders WHERE created_at > (SELECT min(at) FROM heartbeat)")
[[ $n =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ] && pass "the app wrote $n orders to the new primary after the failover" ||
	fail "app orders after the failover: $n"
newest=$(q "$P2" 'SELECT max(order_no) FROM orders')
[[ $newest =~ ^[0-9]+$ && $confirmed =~ ^[0-9]+$ ]] && [ "$newest" -gt "$confirmed" ] &&
	pass "orders went on past the $confirmed confirmed at the outage (newest $newest)" ||
	fail "newest order '$newest', confirmed at the outage '$confirmed'"
lost=$(q "$P2" "SELECT count(*) FROM generate_series(1, $confirmed) AS n
	WHERE NOT EXISTS (SELECT 1 FROM orders WHERE order_no = n)")
note "orders confirmed by the old primary but missing after the failover: $lost"
[[ $lost =~ ^[0-9]+$ ]] && [ "$lost" -le 5 ] && pass "at most a few confirmed orders lost ($lost)" || fail "lost orders: $lost"
outage=$(cat "$SB/incident/outage-time" 2>/dev/null)
is "$(q "$P2" "SELECT max(created_at) < '$outage' AND '$outage'::timestamptz - max(created_at) < interval '15 minutes'
	FROM orders WHERE order_no <= $confirmed")" t "the data-loss window before the outage at $outage is within the RPO"
has "$SB/app/conninfo" "port=$P2 " "the app's connection string points at the promoted replica"
h=$(health)
[[ $h == "200 ok: "*"port=$P2 "*"accepts writes" ]] && pass "/health is green against the replica" || fail "/health: $h"

# The journal and the report.
if "$DRCONSOLE" verify "$INC" >"$SCRATCH/verify.out" 2>&1; then pass "journal verifies"; else fail "journal does not verify"; show "$SCRATCH/verify.out"; fi
l=$(step_end "$INC" replication-before)
[[ $l == *'"status":"ok"'* && $l == *'"kind":"check_lag"'* && $l == *'"state":"streaming"'* && $l == *'"verdict":"met"'* ]] &&
	pass "journal: replication_lag check met, replica streaming" || fail "journal: replication-before: $l"
l=$(step_end "$INC" health-red)
[[ $l == *'"status":"ok"'* && $l == *'"status":503'* ]] && pass "journal: /health was 503 during the outage" || fail "journal: health-red: $l"
l=$(step_end "$INC" replica-lag)
[[ $l == *'"status":"ok"'* && $l == *'"expect":"< 15","verdict":"met"'* && $l == *'"port":"'$P2'"'* &&
	$l == *'"capture":{"data_loss_minutes":"'[0-9]* ]] &&
	pass "journal: replica lag within the RPO" || fail "journal: replica-lag: $l"
l=$(step_end "$INC" promote-replica)
[[ $l == *'"status":"ok"'* && $l == *'"promoted":true,"in_recovery":false,"timeline":2'* ]] &&
	pass "journal: promotion evidence (promoted, timeline 2)" || fail "journal: promote-replica: $l"
l=$(step_end "$INC" health-green)
[[ $l == *'"status":"ok"'* && $l == *'"status":200'* ]] && pass "journal: /health green after the failover" || fail "journal: health-green: $l"
l=$(step_end "$INC" write-check)
[[ $l == *'"status":"ok"'* && $l == *'"verdict":"met"'* ]] && pass "journal: write check met" || fail "journal: write-check: $l"
l=$(step_end "$INC" app-writes-again)
[[ $l == *'"status":"ok"'* && $l == *'"verdict":"met"'* ]] && pass "journal: the app writes again" || fail "journal: app-writes-again: $l"
l=$(step_end "$INC" declare)
[[ $l == *'"attested_by":'* ]] && pass "journal: DR event declared" || fail "journal: declare: $l"

if "$DRCONSOLE" report --format json "$INC" >"$SCRATCH/report.json" 2>"$SCRATCH/report.err"; then
	pass "report --format json"
else
	fail "report --format json failed"
	show "$SCRATCH/report.err"
fi
has "$SCRATCH/report.json" '"outcome": "completed"' "report: outcome completed"
has "$SCRATCH/report.json" '"text": "RTO 4h: met ' "report: RTO met"
has "$SCRATCH/report.json" '"reason": "promoted; in recovery: false, timeline 2"' "report: the promotion verdict"
has "$SCRATCH/report.json" '"reason": "max lag 0 bytes, [0-9.]+s; RPO 15m: met"' "report: the replication verdict"
has "$SCRATCH/report.json" '"text": "RPO 15m: met \(data loss window [0-9.ms]+, ' "report: the captured data-loss window meets the RPO"
has "$SCRATCH/report.json" '"source": "captured by step replica-lag on line [0-9]+"' "report: where the window came from"
grep -q 'RPO 15m: met (data loss window' "$INC/postmortem.md" && pass "postmortem.md: RPO assessed" ||
	fail "postmortem.md does not assess the RPO"

apw=$(cut -d: -f5 "$SB/app/pgpass")
[ ${#apw} -eq 20 ] && pass "the app's generated password is in its pgpass file" || fail "pgpass: '${#apw}' characters"
if grep -rqF -- "$apw" "$INC/journal.jsonl" "$INC/output" "$INC/postmortem.md" "$SCRATCH/report.json" "$SCRATCH/keep.out" "$SB/app/conninfo" "$SB/app/health.log"; then
	fail "the app's password leaked into the journal, output, report, conninfo or health log"
else
	pass "the app's password is nowhere but pgpass"
fi

# The cleanup script stops everything.
wpid=$(cat "$SB/app/writer.pid" 2>/dev/null)
hpid=$(cat "$SB/app/health.pid" 2>/dev/null)
if SANDBOX=$SB sh "$SB/bin/cleanup.sh" >"$SCRATCH/cleanup.out" 2>&1; then pass "cleanup.sh"; else fail "cleanup.sh failed"; show "$SCRATCH/cleanup.out"; fi
down "$P2" && pass "the promoted replica stopped" || fail "a server still answers on $P2"
[ -n "$wpid" ] && ! alive "$wpid" && pass "the app's writer stopped" || fail "writer '$wpid' still running"
[ -n "$hpid" ] && ! alive "$hpid" && pass "the health endpoint stopped" || fail "health '$hpid' still running"
is "$(health)" none "nothing answers on the health port"
[ ! -e "$AREA" ] && [ ! -e "$SB/pg" ] && pass "servers folder removed" || fail "$AREA or $SB/pg still there"
if ps -eo args | grep -F -- "$AREA" | grep -qv grep; then fail "processes still use $AREA"; else pass "no process left in $AREA"; fi

# --- 2: the run CI does: everything, cleanup included, fresh incident ---
note "run 2: the full runbook, cleanup included"
run full $PORTS
if [ "$rc" -eq 0 ]; then pass "run 2 completed (exit 0, ${secs}s)"; else fail "run 2: exit $rc"; show "$SCRATCH/full.out"; fi
l=$(step_end "$SCRATCH/full" cleanup)
[[ $l == *'"status":"ok"'* ]] && pass "run 2: cleanup step ran" || fail "run 2: cleanup: $l"
l=$(step_end "$SCRATCH/full" promote-replica)
[[ $l == *'"promoted":true'* ]] && pass "run 2: promoted again" || fail "run 2: promote: $l"
down "$P1" && down "$P2" && pass "run 2 left no server running" || fail "run 2 left a server on $P1 or $P2"
is "$(health)" none "run 2 left no health endpoint"
[ ! -e "$SCRATCH/full/sandbox/pg" ] && pass "run 2 removed its servers folder" || fail "run 2 left sandbox/pg"

# --- 3: a port in use stops the run before anything starts ---
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); print("ready", flush=True); time.sleep(60)' "$PH" \
	>"$SCRATCH/blocker.out" 2>&1 &
blocker=$!
track_pid $blocker
if wait_for "grep -q ready '$SCRATCH/blocker.out'" 10; then
	run busy $PORTS
	[ "$rc" -eq 1 ] && pass "a taken port fails the run" || fail "taken port: exit $rc"
	has "$SCRATCH/busy.out" "health_port: port $PH is in use" "says which port is taken"
	[ ! -e "$SCRATCH/busy/sandbox/pg" ] && down "$P1" && pass "nothing started" || fail "a server started anyway"
else
	fail "could not hold port $PH for the test"
	show "$SCRATCH/blocker.out"
fi
stop_pid $blocker
finish
