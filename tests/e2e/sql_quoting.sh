#!/usr/bin/env bash
# sql_quoting.sh: through `drconsole run` against a real PostgreSQL on
# 127.0.0.1, a password holding ' " $( and \ is rotated by a sql step on a
# role whose name holds quotes and then logs in (psql too), the old one no
# longer does, neither password is anywhere in the incident directory, and
# a conninfo value cannot change the user. The bundled secret-rotation
# runbook lints clean and dry-runs.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/pg_lib.sh"
pg_find_bin || skip_all "no PostgreSQL server binaries"
command -v psql > /dev/null || skip_all "no psql"
scratch_dir
pg_base_init || die "cannot make a PostgreSQL scratch folder"
trap "pg_cleanup; _cleanup" EXIT

pg_start_primary p || die "cannot start PostgreSQL"
port=$(pg_port p)
role='ops "night" o'"'"'shift'
old_pw='Old'"'"'Pw"\x$(touch '"$SCRATCH"'/pwned-old)'
new_pw='N3w'"'"'Pa"ss$(touch '"$SCRATCH"'/pwned)\w0rd'
plain_pw='Plain-Pw-0815'
psql -X -q -h "$PG_BASE" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -v "role=$role" \
	-v "pw=$old_pw" <<'SQL' || die "cannot create the role"
CREATE ROLE :"role" LOGIN SUPERUSER PASSWORD :'pw';
SQL
pg_psql p "CREATE ROLE plain LOGIN PASSWORD '$plain_pw'" > /dev/null || die "cannot create plain"
pg_psql p 'CREATE DATABASE "postgres user=postgres"' > /dev/null || die "cannot create the database"

DRCONSOLE_PARAM_old_pw=$old_pw DRCONSOLE_PARAM_new_pw=$new_pw DRCONSOLE_PARAM_plain_pw=$plain_pw \
	timeout 60 "$DRCONSOLE" run --yes --allow-destructive --param "port=$port" --param "role=$role" \
	--param "db=postgres user=postgres" --incident-dir "$SCRATCH/i1" \
	"$top_srcdir/tests/data/run/sql-quoting.yaml" < /dev/null > "$SCRATCH/run.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "rotation, login and conninfo steps ran ok" || { fail "exit $rc"; show "$SCRATCH/run.out"; }
grep -q '"step":"rotate".*"status":"ok"' "$SCRATCH/i1/journal.jsonl" && pass "ALTER ROLE ran as a sql step" ||
	fail "rotate not ok"
grep -q '"step":"who".*"status":"ok"' "$SCRATCH/i1/journal.jsonl" &&
	pass "a conninfo value named a database and left the user alone" || fail "who not ok"
[ ! -e "$SCRATCH/pwned" ] && [ ! -e "$SCRATCH/pwned-old" ] && pass "the password's \$( ) ran nowhere" || fail "the password ran as code"

login() {
	PGPASSWORD=$2 PGCONNECT_TIMEOUT=10 psql -X -At -h 127.0.0.1 -p "$port" -U "$1" -d postgres \
		-c 'SELECT current_user' 2> "$SCRATCH/login.err"
}
[ "$(login "$role" "$new_pw")" = "$role" ] && pass "psql logs in with the new password" ||
	{ fail "the new password does not log in"; show "$SCRATCH/login.err"; }
if login "$role" "$old_pw" > /dev/null; then fail "the old password still logs in"; else
	pass "the old password no longer logs in"; fi

# Neither password, nor the quoted forms libpq made of the new one, is in
# any file of the incident or in the output.
leaks=0
for s in "$new_pw" "$old_pw" "N3w''Pa" "Old''Pw" "$plain_pw"; do
	if grep -rlF -- "$s" "$SCRATCH/i1" "$SCRATCH/run.out"; then leaks=1; fi
done
[ "$leaks" -eq 0 ] && pass "no password anywhere in the incident directory or the output" ||
	fail "a password was written or shown"
grep -qF "ALTER ROLE \\\"ops \\\"\\\"night\\\"\\\" o'shift\\\" PASSWORD '****'" "$SCRATCH/i1/journal.jsonl" &&
	pass "the journaled query shows the role quoted as sent and the password as ****" ||
	{ fail "journaled query"; grep '"step":"rotate"' "$SCRATCH/i1/journal.jsonl" | head -3 | show; }
"$DRCONSOLE" verify "$SCRATCH/i1" > /dev/null && pass "journal verifies" || fail "verify failed"

# secret-rotation's rollback, as drconsole hands it to sh (each template a
# quoted variable; $COMPOSE the production prefix), with docker-compose ...
# exec -T postgres psql standing
# for psql on this server's socket: the old password comes back.
mkdir -p "$SCRATCH/bin" "$SCRATCH/app"
cat > "$SCRATCH/bin/docker-compose" <<SHIM
#!/bin/sh
while [ "\$1" != psql ]; do shift; done
shift
exec psql -h "$PG_BASE" -p "$port" "\$@"
SHIM
chmod +x "$SCRATCH/bin/docker-compose"
awk '/^  - id: rotate-db-password/ { in_step = 1 } in_step && /^    rollback: \|/ { grab = 1; next }
	grab && /^    [a-z_]+:/ { exit } grab { sub(/^      /, ""); print }' \
	"$top_srcdir/runbooks/secret-rotation.yaml" |
	sed -e 's/{{ env\.\([A-Z_]*\) }}/"$\1"/g' -e 's/{{ \([a-z_]*\) }}/"$P_\1"/g' > "$SCRATCH/rollback.sh"
grep -q 'ALTER ROLE' "$SCRATCH/rollback.sh" || die "no rollback found in secret-rotation.yaml"
PATH="$SCRATCH/bin:$PATH" P_app_dir=$SCRATCH/app P_db_user=$role P_old_db_password=$old_pw COMPOSE="docker-compose -f x.yml" \
	sh "$SCRATCH/rollback.sh" > "$SCRATCH/rollback.out" 2>&1 &&
	[ "$(login "$role" "$old_pw")" = "$role" ] && pass "secret-rotation's rollback restores the old password" ||
	{ fail "rollback"; show "$SCRATCH/rollback.sh" "$SCRATCH/rollback.out"; }

# The bundled rotation runbook: clean lint, and a dry run.
"$DRCONSOLE" lint "$top_srcdir/runbooks/secret-rotation.yaml" > "$SCRATCH/lint.out" 2>&1 &&
	pass "secret-rotation lints clean" || { fail "secret-rotation lint"; show "$SCRATCH/lint.out"; }
DRCONSOLE_PARAM_old_db_password=$old_pw timeout 60 "$DRCONSOLE" run --dry-run --yes \
	--incident-dir "$SCRATCH/dry" "$top_srcdir/runbooks/secret-rotation.yaml" < /dev/null > "$SCRATCH/dry.out" 2>&1 &&
	grep -q 'rotate-db-password.*dry run' "$SCRATCH/dry.out" && pass "secret-rotation dry-runs" ||
	{ fail "secret-rotation dry run"; show "$SCRATCH/dry.out"; }
finish
