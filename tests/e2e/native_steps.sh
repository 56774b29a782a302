#!/usr/bin/env bash
# native_steps.sh: sql, http and notify steps through `drconsole run`, against
# a real PostgreSQL and a real HTTP server on 127.0.0.1.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/pg_lib.sh"
command -v python3 > /dev/null || skip_all "no python3"
pg_find_bin || skip_all "no PostgreSQL server binaries"
scratch_dir
pg_base_init || die "cannot make a PostgreSQL scratch folder"
trap "pg_cleanup; _cleanup" EXIT

mkdir -p "$SCRATCH/http"
python3 "$top_srcdir/tests/e2e/http_server.py" --port 0 --port-file "$SCRATCH/http/port" \
	--dir "$SCRATCH/http" > "$SCRATCH/http.log" 2>&1 &
track_pid $!
wait_for "[ -s '$SCRATCH/http/port' ]" 10 || die "the HTTP server did not start"
base="http://127.0.0.1:$(cat "$SCRATCH/http/port")"

pg_start_primary p || die "cannot start PostgreSQL"
pg_psql p "CREATE ROLE app LOGIN PASSWORD 'Orders-Pw-42'" > /dev/null
pg_psql p "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1), (2), (3); GRANT SELECT ON orders TO app" > /dev/null
dsn=$(pg_conninfo p app)

run() {
	local name=$1; shift
	DRCONSOLE_PARAM_db_password="$PW" timeout 60 "$DRCONSOLE" run --yes "$@" < /dev/null > "$SCRATCH/$name.out" 2>&1
	rc=$?
}

# The app answers 503 until the health step has been polling for a while.
DRCONSOLE_PARAM_db_password='Orders-Pw-42' timeout 60 "$DRCONSOLE" run --yes --param "base=$base" \
	--param "dsn=$dsn" --param "health_dir=$SCRATCH/http" --incident-dir "$SCRATCH/i1" \
	"$top_srcdir/tests/data/run/native.yaml" < /dev/null > "$SCRATCH/good.out" 2>&1 &
pid=$!
track_pid $pid
wait_for "grep -q '\"step.retry\".*\"step\":\"health\"\\|\"step\":\"health\".*\"next_attempt\":3' '$SCRATCH/i1/journal.jsonl' 2>/dev/null" 20 ||
	fail "the health step never retried"
echo 200 > "$SCRATCH/http/health"
wait $pid; rc=$?
[ "$rc" -eq 0 ] && pass "sql, http and notify steps ran ok" || { fail "exit $rc"; show "$SCRATCH/good.out"; }
grep -q '"step":"health".*"status":"ok"' "$SCRATCH/i1/journal.jsonl" && pass "http polled until healthy" ||
	fail "health step not ok"
grep -q '"event":"step.retry".*"step":"health"\|"step":"health".*"event":"step.retry"' "$SCRATCH/i1/journal.jsonl" &&
	pass "503 answers were retried" || fail "no retry of the 503"
if python3 - "$SCRATCH/i1/journal.jsonl" <<'PY'
import json, sys
ends = [json.loads(l) for l in open(sys.argv[1]) if '"step.end"' in l]
ev = [e for e in ends if e.get("step") == "rows"][-1]["evidence"]
sys.exit(0 if ev.get("rows") == 1 and str(ev.get("first_cell")) == "3" and ev.get("verdict") == "met" else 1)
PY
then pass "sql evidence journaled (rows, checked value, verdict)"; else
	fail "no sql evidence"; grep '"step":"rows"' "$SCRATCH/i1/journal.jsonl" | show; fi
grep -q '(1 row)' "$SCRATCH/good.out" && pass "sql result shown as a table" || fail "no result table"
grep -q '"step":"bound".*"status":"ok"' "$SCRATCH/i1/journal.jsonl" &&
	[ "$(pg_psql p 'SELECT count(*) FROM orders')" = 3 ] && pass "a hostile value in a query is bound as data" ||
	fail "the bound query did not run as data"
grep -q 'orders restored by' "$SCRATCH/http/webhook.log" 2>/dev/null && pass "webhook received the message" ||
	fail "webhook got nothing"
if grep -rq 'Orders-Pw-42' "$SCRATCH/i1" "$SCRATCH/good.out"; then fail "password written or shown"; else
	pass "password never shown or written"; fi
"$DRCONSOLE" verify "$SCRATCH/i1" > /dev/null && pass "journal verifies" || fail "verify failed"

# A wrong password fails the sql step, with the reason, and aborts.
PW='wrong-password' run badpw --param "base=$base" --param "dsn=$dsn" --param "health_dir=$SCRATCH/http" \
	--from rows --incident-dir "$SCRATCH/i2" "$top_srcdir/tests/data/run/native.yaml"
[ "$rc" -eq 1 ] && pass "bad credentials fail the run" || fail "exit $rc"
grep -q '"step":"rows".*"status":"failed"' "$SCRATCH/i2/journal.jsonl" && pass "sql step failed" ||
	fail "sql step not failed"
grep -qi 'password authentication failed' "$SCRATCH/badpw.out" && pass "the server's reason is shown" ||
	{ fail "no reason"; show "$SCRATCH/badpw.out"; }

# A drill prefixes notifications.
PW='Orders-Pw-42' run drill --drill --param "base=$base" --param "dsn=$dsn" --param "health_dir=$SCRATCH/http" \
	--from notify --incident-dir "$SCRATCH/i3" "$top_srcdir/tests/data/run/native.yaml"
[ "$rc" -eq 0 ] && grep -q '\[DRILL\] orders restored' "$SCRATCH/http/webhook.log" &&
	pass "drill notifications say [DRILL]" || { fail "no [DRILL] prefix (exit $rc)"; show "$SCRATCH/drill.out"; }
finish
