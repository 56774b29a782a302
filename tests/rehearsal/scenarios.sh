# scenarios.sh: the rehearsed scenarios, sourced by rehearse.sh (inner part,
# stack up). Each scenario_NAME sets up what the incident needs, runs the
# production runbook with --environment rehearsal, checks the outcome with
# its own queries and records one result line (record_result).

APP_PASSWORD=rehearsal-app-pw-1
STATUSPAGE_KEY=rehearsal-statuspage-key
BACKUP_DATE=$(date -u +%Y-%m-%d)
SEED_USERS=25

# The production database as the application sees it, and the seed's
# backups: a daily base backup (pg_basebackup -Ft -z) in
# s3://backup-bucket/daily/DATE/ and the daily dump in
# s3://rqi-backups/postgres/DATE/dump.sql.gz; WAL goes to
# s3://backup-bucket/wal/ by archive_command.
seed_data() {
	# As in seed 001, the application logs in as postgres with DB_PASSWORD
	# (the role secret-rotation rotates by default); the unix socket stays
	# trusted for the rehearsal's own administration.
	pg_psql "$PRIMARY" "ALTER ROLE postgres PASSWORD '$APP_PASSWORD'" &&
	    pg_psql "$PRIMARY" "CREATE DATABASE rqi_erp" || return 1
	cat >"$APP_DIR/.env.prod" <<EP
DB_HOST=127.0.0.1
DB_PORT=$(pg_port "$PRIMARY")
DB_NAME=rqi_erp
DB_USER=postgres
DB_PASSWORD=$APP_PASSWORD
EP
	app_psql -q -v users="$SEED_USERS" <<'SQL' || return 1
CREATE TABLE "User" (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO "User" (name) SELECT 'user ' || g FROM generate_series(1, :users) g;
CREATE TABLE orders (id serial PRIMARY KEY, note text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp());
INSERT INTO orders (note) SELECT 'seed ' || g FROM generate_series(1, 100) g;
SQL
	echo yes >"$APP_STATE/running-blue"
	echo yes >"$APP_STATE/running-green"
	app_set_traffic blue
	echo "$STATUSPAGE_KEY" >"$REHEARSAL_STATE/hooks/api_key"
	take_backups
}

take_backups() {
	_bb=$SCR/backup
	rm -rf "$_bb" && mkdir -p "$_bb"
	pg_as "$PG_BIN/pg_basebackup" -h "$PG_BASE" -p "$(pg_port "$PRIMARY")" -U postgres \
	    -D "$_bb/base" -Ft -z -X stream --checkpoint=fast >"$_bb/log" 2>&1 || { cat "$_bb/log" >&2; return 1; }
	aws_s3 cp --only-show-errors "$_bb/base/base.tar.gz" "s3://backup-bucket/daily/$BACKUP_DATE/base.tar.gz" &&
	    aws_s3 cp --only-show-errors "$_bb/base/pg_wal.tar.gz" "s3://backup-bucket/daily/$BACKUP_DATE/pg_wal.tar.gz" || return 1
	PGHOST=$PG_BASE PGPORT=$(pg_port "$PRIMARY") pg_dump -U postgres -d rqi_erp | gzip >"$_bb/dump.sql.gz" &&
	    aws_s3 cp --only-show-errors "$_bb/dump.sql.gz" "s3://rqi-backups/postgres/$BACKUP_DATE/dump.sql.gz" || return 1
	dump_history "$_bb" || return 1
	rm -rf "$_bb"
}

# The dumps seed 001's retention keeps, "30 days daily, 12 months monthly":
# one for each of the 29 days before today and for the 1st of each of the
# 11 months before this one (copies of today's: weekly-restore-test checks
# they are there, encrypted and replicated; it restores only the newest).
# One sync, so the AWS CLI starts once.
dump_history() {
	_h=$1/history
	_i=1
	while [ "$_i" -le 29 ]; do
		mkdir -p "$_h/$(date -u -d "$_i days ago" +%Y-%m-%d)"
		_i=$((_i + 1))
	done
	_i=1
	while [ "$_i" -le 11 ]; do
		mkdir -p "$_h/$(date -u -d "$(date -u +%Y-%m-15) $_i months ago" +%Y-%m-01)"
		_i=$((_i + 1))
	done
	for _d in "$_h"/*; do cp "$1/dump.sql.gz" "$_d/dump.sql.gz"; done
	aws_s3 sync --only-show-errors "$_h" s3://rqi-backups/postgres/
}

# archive_now [SERVER]: forces the current WAL segment of SERVER (default:
# the primary) into its archive and waits until it is there.
archive_now() {
	_seg=$(pg_psql "${1:-$PRIMARY}" "SELECT pg_walfile_name(pg_switch_wal())")
	pg_wait_sql "${1:-$PRIMARY}" "SELECT coalesce(last_archived_wal >= '$_seg', false) FROM pg_stat_archiver" 60
}

# Environment of the operator's shell: the organisation-wide settings the
# runbooks read (runbooks/README.md), pointed at the receivers.
notify_env() {
	_h=http://127.0.0.1:$(cat "$REHEARSAL_STATE/hooks.port")
	export SLACK_WEBHOOK_URL="$_h/hook/incidents"
	export STATUSPAGE_URL="$_h/statuspage/v1/pages/rqi"
	export STATUSPAGE_COMPONENT=erp
	export SMTP_URL="smtp://127.0.0.1:$(cat "$REHEARSAL_STATE/smtp.port")"
	export REHEARSAL_S3_ENDPOINT="$S3_ENDPOINT"
	# The ops host's Vault login (vault_server.py stands in for Vault).
	export VAULT_ADDR VAULT_TOKEN
	VAULT_TOKEN=$(cat "$REHEARSAL_STATE/ops-vault.token")
	export DRCONSOLE_PARAM_statuspage_api_key="$STATUSPAGE_KEY"
}

# run_runbook NAME INCIDENT [ARG...]: the runbook in line mode against the
# rehearsal environment; its output goes to INCIDENT.out.
run_runbook() {
	_rr_rb=$1 _rr_inc=$2
	shift 2
	notify_env
	# A runbook that cannot finish (a replay that never reaches its target
	# retries for an hour) is stopped after 10 minutes: the rehearsal fails.
	(cd "$APP_DIR" && timeout -s INT -k 30 600 "$DRCONSOLE" run --environment rehearsal --yes --operator rehearsal \
	    --incident-dir "$_rr_inc" "$@" "$RUNBOOKS/$_rr_rb.yaml") >"$_rr_inc.out" 2>&1
}

CHECK_FAILED=""
check() {
	_name=$1
	shift
	if "$@"; then
		log "check $_name: ok"
	else
		log "check $_name: FAILED"
		CHECK_FAILED="${CHECK_FAILED:+$CHECK_FAILED,}$_name"
	fi
}

# A scenario that could not even set up its incident still gets its row.
record_setup_failure() {
	printf '%s|-|setup-failed|0|0||setup||\n' "$1" >>"$SCR/results"
	CHECK_FAILED=""
}

# record_result SCENARIO SEED INCIDENT: a results line from the journal
# and the checks.
record_result() {
	_loss=""
	[ -n "${4:-}" ] && _loss=$(python3 "$REHEARSAL_LIB/journal_stats.py" "$4" | sed -n "s/^data_loss=//p" | tr -d "'")
	eval "$(python3 "$REHEARSAL_LIB/journal_stats.py" "$3")"
	[ -n "$_loss" ] && data_loss=$_loss
	# shellcheck disable=SC2154 # set by journal_stats.py
	printf '%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$1" "$2" "$run_status" "$elapsed_ms" "$overhead_ms" \
	    "$data_loss" "${CHECK_FAILED:-none}" "$stand_ins" "$REHEARSAL_OUT/${3##*/}/postmortem.md" >>"$SCR/results"
	[ "$run_status" = completed ] || { log "$1: the run ended $run_status; failed steps: $failed_steps"; tail -n 30 "$3.out" >&2; }
	CHECK_FAILED=""
}

health_code() {
	python3 -c 'import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)' "http://127.0.0.1:$(cat "$REHEARSAL_STATE/app.port")/health"
}

# --- pitr-restore: seed 000 scenario B, seed 001 A ---
# Orders are written one a second from before the target to more than a
# minute after it, then the table is dropped; the runbook restores to the
# target (the plan's "timestamp - 1 min"). No order is written within half a
# second of the target, so every row is clearly before or after it. Rows are
# marked PITR_NOTE (a plain word), so each scenario checks only its own.
PITR_NOTE=live
pitr_writer() {
	_target_ns=$1 _drop_ns=$2
	while [ "$(date +%s%N)" -lt "$_drop_ns" ]; do
		_now=$(date +%s%N)
		_d=$((_now - _target_ns))
		if [ "$_d" -gt -500000000 ] && [ "$_d" -lt 500000000 ]; then
			sleep 0.2
			continue
		fi
		app_psql -c "INSERT INTO orders (note) VALUES ('$PITR_NOTE') RETURNING id, extract(epoch FROM created_at)" \
		    | head -n 1 | tr '|' ' ' >>"$SCR/pitr-orders" || return 1
		sleep 1
	done
}

rows_before_target_back() {
	awk -v t="$pitr_target_epoch" '$2 < t { print $1 }' "$SCR/pitr-orders" | sort -n >"$SCR/pitr-want"
	app_psql -c "SELECT id FROM orders WHERE note = '$PITR_NOTE' AND extract(epoch FROM created_at) < $pitr_target_epoch ORDER BY id" \
	    >"$SCR/pitr-got" 2>/dev/null || return 1
	[ -s "$SCR/pitr-want" ] && cmp -s "$SCR/pitr-want" "$SCR/pitr-got" &&
	    [ "$(app_psql -c "SELECT count(*) FROM orders WHERE note LIKE 'seed %'")" = 100 ]
}

rows_after_target_gone() {
	[ "$(awk -v t="$pitr_target_epoch" '$2 > t' "$SCR/pitr-orders" | wc -l)" -gt 0 ] &&
	    [ "$(app_psql -c "SELECT count(*) FROM orders WHERE extract(epoch FROM created_at) > $pitr_target_epoch")" = 0 ]
}

writes_resume() {
	app_psql -c "INSERT INTO orders (note) VALUES ('after restore') RETURNING 'written'" | grep -qx written
}

scenario_pitr_restore() {
	: >"$SCR/pitr-orders"
	pitr_target_epoch=$(($(date +%s) + 4))
	_target=$(date -u -d "@$pitr_target_epoch" +%Y-%m-%dT%H:%M:%SZ)
	log "writing orders around target_time $_target, then the accidental DROP 62 s later"
	pitr_writer "${pitr_target_epoch}000000000" "$(((pitr_target_epoch + 62) * 1000000000))" || return 1
	app_psql -c "DROP TABLE orders" >/dev/null
	archive_now || return 1
	_inc=$SCR/incidents/pitr-restore
	run_runbook pitr-restore "$_inc" --allow-destructive \
	    --param "target_time=$_target" --param "backup_date=$BACKUP_DATE" \
	    --param "app_dir=$APP_DIR" --param "app_url=http://127.0.0.1:$(cat "$REHEARSAL_STATE/app.port")" \
	    --param customer_list=customers@rehearsal.invalid --param restore_container=rqi-pitr
	check rows-before-target rows_before_target_back
	check rows-after-target rows_after_target_gone
	check app-health-200 test "$(health_code)" = 200
	check writes-resume writes_resume
	check customer-email test -n "$(ls "$REHEARSAL_STATE/mail/" 2>/dev/null)"
	record_result pitr-restore "000 B, 001 A" "$_inc"
}

# --- pitr-restore on RDS: seed 000 3.B "Use AWS RDS / Postgres WAL logs" ---
# cli/aws stands in for RDS (its doc says how); its instance rqi-erp-db is a
# loopback primary of its own (rds-prod) holding production's data, with a
# base backup and a WAL archive, as RDS keeps automated backups. The app is
# pointed at it, orders are written around the target, the table is dropped;
# the runbook restores rqi-erp-db-pitr to the target and renames it into
# rqi-erp-db's place, whose endpoint the app keeps using.
RDS_DIR=$REHEARSAL_STATE/rds

rds_source_up() {
	mkdir -p "$RDS_DIR/wal" "$RDS_DIR/base" || return 1
	pg_start_primary rds-prod archive_mode=on archive_timeout=300 "archive_command=cp %p $RDS_DIR/wal/%f" || return 1
	_pw=$(sed -n 's/^DB_PASSWORD=//p' "$APP_DIR/.env.prod")
	PGHOST=$PG_BASE PGPORT=$(pg_port rds-prod) psql -X -q -v ON_ERROR_STOP=1 -U postgres -d postgres \
	    -v pw="$_pw" <<'SQL' || return 1
ALTER ROLE postgres PASSWORD :'pw';
CREATE DATABASE rqi_erp;
SQL
	PGHOST=$PG_BASE PGPORT=$(pg_port "$PRIMARY") pg_dump -U postgres -d rqi_erp |
	    PGHOST=$PG_BASE PGPORT=$(pg_port rds-prod) psql -X -q -v ON_ERROR_STOP=1 -U postgres -d rqi_erp >/dev/null || return 1
	pg_as "$PG_BIN/pg_basebackup" -h "$PG_BASE" -p "$(pg_port rds-prod)" -U postgres -D "$RDS_DIR/base" \
	    -Ft -z -X stream --checkpoint=fast >"$RDS_DIR/base.log" 2>&1 || { cat "$RDS_DIR/base.log" >&2; return 1; }
	printf '{"instances": {"rqi-erp-db": {"data": "%s", "port": %s, "subnet_group": "rqi-erp-db-subnets",
	  "security_groups": ["sg-0a1b2c3d4e5f60718"], "base_dir": "%s", "wal_dir": "%s", "base_time": %s}},
	  "endpoints": {"rqi-erp-db": %s}}\n' "$PG_BASE/rds-prod" "$(pg_port rds-prod)" "$RDS_DIR/base" \
	    "$RDS_DIR/wal" "$(date +%s)" "$(pg_port rds-prod)" >"$RDS_DIR/instances.json"
	printf '127.0.0.1:*:*:postgres:%s\n' "$_pw" >"$SCR/pgpass" && chmod 0600 "$SCR/pgpass"
}

app_db_port() {
	sed -i "s/^DB_PORT=.*/DB_PORT=$1/" "$APP_DIR/.env.prod"
	app_refresh
}

# The damaged instance is kept under NAME-damaged, without the dropped table.
rds_damaged_kept() {
	_p=$(REHEARSAL_STATE=$REHEARSAL_STATE "$REHEARSAL_LIB/cli/aws" rds describe-db-instances \
	    --db-instance-identifier rqi-erp-db-damaged --query 'DBInstances[0].Endpoint.Port' --output text) &&
	    [ "$(PGHOST=$PG_BASE PGPORT=$_p psql -X -At -U postgres -d rqi_erp -c "SELECT to_regclass('orders') IS NULL")" = t ]
}

scenario_pitr_restore_rds() {
	rds_source_up || return 1
	app_db_port "$(pg_port rds-prod)"
	: >"$SCR/pitr-orders"
	PITR_NOTE=live-rds
	pitr_target_epoch=$(($(date +%s) + 4))
	_target=$(date -u -d "@$pitr_target_epoch" +%Y-%m-%dT%H:%M:%SZ)
	log "writing orders to the RDS stand-in around target_time $_target, then the accidental DROP 20 s later"
	pitr_writer "${pitr_target_epoch}000000000" "$(((pitr_target_epoch + 20) * 1000000000))" || return 1
	app_psql -c "DROP TABLE orders" >/dev/null
	archive_now rds-prod || return 1
	_inc=$SCR/incidents/pitr-restore-rds
	_mails=$(mail_count)
	PGPASSFILE=$SCR/pgpass run_runbook pitr-restore "$_inc" --allow-destructive --param platform=rds \
	    --param "target_time=$_target" --param "app_dir=$APP_DIR" \
	    --param "app_url=http://127.0.0.1:$(cat "$REHEARSAL_STATE/app.port")" \
	    --param customer_list=customers@rehearsal.invalid
	check rows-before-target rows_before_target_back
	check rows-after-target rows_after_target_gone
	check app-health-200 test "$(health_code)" = 200
	check writes-resume writes_resume
	check damaged-kept rds_damaged_kept
	check customer-email test "$(mail_count)" -gt "$_mails"
	record_result pitr-restore-rds "000 3.B (RDS)" "$_inc"
	PITR_NOTE=live
	# The next scenarios use the production stack's database again.
	app_db_port "$(pg_port "$PRIMARY")"
}

# --- weekly-restore-test: seed 000 2 (Testing), seed 001 2 (Verification) ---
weekly_counts_match() {
	# the run dropped its scratch database: compare what it printed
	_users=$(PGHOST=$PG_BASE PGPORT=$(pg_port "$PRIMARY") psql -X -At -U postgres -d rqi_erp -c 'SELECT count(*) FROM "User"')
	grep -q "users=$_users\b" "$1.out"
}

scenario_weekly_restore_test() {
	_inc=$SCR/incidents/weekly-restore-test
	run_runbook weekly-restore-test "$_inc" --param "app_dir=$APP_DIR"
	check restore-counts weekly_counts_match "$_inc"
	check scratch-dropped test "$(pg_psql "$PRIMARY" "SELECT count(*) FROM pg_database WHERE datname = 'rqi_erp_restore_test'")" = 0
	record_result weekly-restore-test "000 2, 001 2" "$_inc"
}

# --- weekly-restore-test against broken backups (broken_backups.sh) ---
# Not in the default list: each check of the backups must catch its own
# fault. A monthly dump expired early; the bucket's default encryption is
# gone and the newest dump written again in clear; its cross-region copy is
# gone; the API image's repository is MUTABLE; the ops host's Vault token is
# revoked. The restore itself still works, and the verdict fails the run
# naming exactly these problems.
break_backups() {
	broken_month=$(date -u -d "$(date -u +%Y-%m-15) 3 months ago" +%Y-%m)
	_key=postgres/$BACKUP_DATE/dump.sql.gz
	aws_s3 rm --only-show-errors "s3://rqi-backups/postgres/$broken_month-01/dump.sql.gz" &&
	    aws_api s3api delete-bucket-encryption --bucket rqi-backups &&
	    aws_s3 cp --only-show-errors "s3://rqi-backups/$_key" "$SCR/dump.sql.gz" &&
	    aws_s3 cp --only-show-errors "$SCR/dump.sql.gz" "s3://rqi-backups/$_key" &&
	    aws_s3 rm --only-show-errors "s3://rqi-backups-replica/$_key" &&
	    aws_api ecr put-image-tag-mutability --repository-name rqi-erp-api --image-tag-mutability MUTABLE || return 1
	echo revoked >"$REHEARSAL_STATE/vault.token"
}

# problems_are INCIDENT LINE...: the verdict's problems are exactly LINEs.
problems_are() {
	_pf=$1/restore-test/problems
	shift
	printf '%s\n' "$@" | sort >"$SCR/problems-want"
	sort "$_pf" >"$SCR/problems-got" 2>/dev/null
	cmp -s "$SCR/problems-want" "$SCR/problems-got" || { diff "$SCR/problems-want" "$SCR/problems-got" >&2; return 1; }
}

step_status_is() {
	grep -q "\"event\":\"step.end\".*\"step\":\"$2\".*\"status\":\"$3\"" "$1/journal.jsonl"
}

scenario_weekly_restore_test_broken() {
	break_backups || return 1
	_inc=$SCR/incidents/weekly-restore-test-broken
	run_runbook weekly-restore-test "$_inc" --param "app_dir=$APP_DIR"
	check retention-caught step_status_is "$_inc" check-retention failed
	check encryption-caught step_status_is "$_inc" check-encryption failed
	check replica-caught step_status_is "$_inc" check-replica failed
	check ecr-caught step_status_is "$_inc" check-ecr-immutable failed
	check vault-caught grep -q 'Code: 403' "$_inc/output/08-check-vault-snapshot.log"
	check restore-counts weekly_counts_match "$_inc"
	check verdict-failed step_status_is "$_inc" verdict failed
	check problems-named problems_are "$_inc" \
	    "no dump kept for the month $broken_month" \
	    "the newest dump (postgres/$BACKUP_DATE/dump.sql.gz) is not encrypted at rest" \
	    "bucket rqi-backups has no default encryption" \
	    "the newest dump is not in the replica bucket rqi-backups-replica" \
	    "ECR repository rqi-erp-api has mutable tags" \
	    "vault operator raft snapshot save failed"
	record_result weekly-restore-test-broken "000 2, 001 2" "$_inc"
}

# --- redis-rehydrate: seed 001 4B ---
# The cache holds poisoned values (the app only fills missing keys, so they
# would stay); the runbook flushes and restarts the real redis-server, and
# the application stand-in fills the cache again from the database.
rcli() {
	redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"
}

cache_clean_and_warm() {
	[ "$(rcli DBSIZE)" -ge 25 ] && [ "$(rcli GET cache:user:7)" = "user 7" ] &&
	    [ -z "$(rcli --scan --pattern 'cache:*' | while read -r k; do rcli GET "$k"; done | grep POISONED)" ]
}

scenario_redis_rehydrate() {
	_n=0
	until [ "$(rcli DBSIZE 2>/dev/null)" -ge 25 ] 2>/dev/null; do
		_n=$((_n + 1))
		[ "$_n" -lt 200 ] || { log "the app stand-in never warmed the cache"; return 1; }
		sleep 0.05
	done
	for i in 3 7 11; do rcli SET "cache:user:$i" POISONED >/dev/null; done
	_pid_before=$(cat "$REHEARSAL_STATE/redis.pid")
	_inc=$SCR/incidents/redis-rehydrate
	run_runbook redis-rehydrate "$_inc" --allow-destructive --param "app_dir=$APP_DIR"
	check keys-recorded grep -qx cache:user:7 "$_inc/redis/keys.txt"
	check redis-restarted test "$(cat "$REHEARSAL_STATE/redis.pid")" != "$_pid_before"
	check cache-clean-and-warm cache_clean_and_warm
	record_result redis-rehydrate "001 4B" "$_inc"
}

# --- secret-rotation: seed 001 3C and 4C ---
# The app's database password leaked: the runbook sets a new one with its
# sql step, writes it to .env.prod and restarts both colours, whose health
# check logs in with it. Checked: the new password works, the leaked one is
# refused, and the new one is nowhere in the incident (journal, outputs,
# postmortem).
old_password_refused() {
	! PGPASSWORD=$APP_PASSWORD psql -X -At -h 127.0.0.1 -p "$(pg_port "$PRIMARY")" -U postgres -d rqi_erp \
	    -c 'SELECT 1' >/dev/null 2>&1
}

new_password_secret() {
	_pw=$(sed -n 's/^DB_PASSWORD=//p' "$APP_DIR/.env.prod")
	[ ${#_pw} -ge 32 ] && ! grep -rqF -- "$_pw" "$1" "$1.out"
}

scenario_secret_rotation() {
	_inc=$SCR/incidents/secret-rotation
	DRCONSOLE_PARAM_old_db_password=$APP_PASSWORD run_runbook secret-rotation "$_inc" --allow-destructive \
	    --param "app_dir=$APP_DIR" --param "db_port=$(pg_port "$PRIMARY")"
	check app-reconnected app_color_healthy blue
	check old-password-refused old_password_refused
	check new-password-not-written new_password_secret "$_inc"
	check env-backup-removed test ! -e "$APP_DIR/.env.prod.pre-rotation"
	record_result secret-rotation "001 3C, 4C" "$_inc"
}

# --- region-failover: seed 000 scenario A, seed 001 B ---
# A streaming replica stands for the standby region; orders are written
# and replicated, then the primary dies (pg_ctl stop -m immediate). The
# runbook promotes the replica (a stand-in for the RDS API does it with
# pg_promote), starts the application against it (a stand-in for ECS) and
# checks /health; Terraform and Route53 run as marked stand-ins.
# The replica's timeline: the one it receives while a standby, the one it
# writes once promoted.
replica_timeline() {
	pg_psql "${1:-$REPLICA}" "SELECT CASE WHEN pg_is_in_recovery()
	    THEN (SELECT received_tli FROM pg_stat_wal_receiver)
	    ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END"
}

failover_rows_kept() {
	[ "$(pg_psql "${1:-$REPLICA}" "SELECT count(*) FROM orders WHERE note = 'before outage'" rqi_erp)" = 20 ]
}

app_uses_standby() {
	grep -qx "DB_PORT=$(pg_port "${1:-$REPLICA}")" "$APP_DIR/.env.prod"
}

# start_standby NAME: a streaming replica of the current primary, holding
# the orders written just before the outage; the stand-ins read the names
# from REHEARSAL_STATE/primary and /standby.
start_standby() {
	pg_start_replica "$1" "$(cat "$REHEARSAL_STATE/primary")" || return 1
	echo "$1" >"$REHEARSAL_STATE/standby"
	app_psql -q -c "DELETE FROM orders WHERE note = 'before outage'" &&
	    app_psql -q -c "INSERT INTO orders (note) SELECT 'before outage' FROM generate_series(1, 20)" || return 1
	# Commits are asynchronous here (pg_lib's settings): wait until the
	# standby has the rows, not just the WAL position of the moment.
	_n=0
	until failover_rows_kept "$1" 2>/dev/null; do
		_n=$((_n + 1))
		[ "$_n" -lt 400 ] || { log "the standby never received the orders"; return 1; }
		sleep 0.05
	done
}

# run_failover STANDBY INCIDENT [ARG...]: region-failover onto STANDBY.
run_failover() {
	_sb=$1 _fi=$2
	shift 2
	_app=127.0.0.1:$(cat "$REHEARSAL_STATE/app.port")
	run_runbook region-failover "$_fi" --allow-destructive \
	    --param "replica_conninfo=host=$PG_BASE port=$(pg_port "$_sb") dbname=rqi_erp user=postgres" \
	    --param "primary_lb_dns=primary.rehearsal.invalid" --param "dr_lb_dns=$_app" \
	    --param "dr_lb_url=http://$_app" --param "app_hostname=$_app" --param "app_url=http://$_app" \
	    --param replica_id=rehearsal-standby --param hosted_zone_id=ZREHEARSAL \
	    --param customer_list=customers@rehearsal.invalid "$@"
	echo "$_sb" >"$REHEARSAL_STATE/primary"
}

mail_count() {
	find "$REHEARSAL_STATE/mail" -type f 2>/dev/null | wc -l
}

# email_follows_loss INCIDENT MAILS_BEFORE: the customer e-mail went out
# exactly when the run measured a data-loss window above 0 (its when:).
email_follows_loss() {
	_loss=$(python3 "$REHEARSAL_LIB/journal_stats.py" "$1" | sed -n "s/^data_loss=//p" | tr -d "'")
	[ -n "$_loss" ] || return 1
	if awk -v l="$_loss" 'BEGIN { exit !(l > 0) }'; then
		[ "$(mail_count)" -gt "$2" ]
	else
		[ "$(mail_count)" -eq "$2" ] &&
		    grep -q '"event":"step.end".*"step":"email-customers".*"status":"skipped"' "$1/journal.jsonl"
	fi
}

scenario_region_failover() {
	start_standby "$REPLICA" || return 1
	_tl_before=$(replica_timeline)
	log "the primary region goes down (pg_ctl stop -m immediate)"
	# The operator's outage time: the next whole second, the later side.
	_outage=$(date -u -d "@$(($(date +%s) + 1))" +%Y-%m-%dT%H:%M:%SZ)
	pg_stop "$(cat "$REHEARSAL_STATE/primary")" immediate
	app_refresh
	_inc=$SCR/incidents/region-failover
	_mails=$(mail_count)
	run_failover "$REPLICA" "$_inc" --param "outage_started=$_outage"
	check customer-email-iff-loss email_follows_loss "$_inc" "$_mails"
	check timeline-changed test "$_tl_before" = 1 -a "$(replica_timeline)" = 2
	check rows-kept failover_rows_kept
	check app-switched app_uses_standby
	check app-health-200 test "$(health_code)" = 200
	check writes-resume writes_resume
	record_result region-failover "000 A, 001 B" "$_inc"
}

# --- q3-drill: seed 000 5 (Annual Drill) ---
# The facilitator's q3-drill runs in drill mode; its stand-in for scaling
# staging's primary region to zero stops that region's database. Once it
# has confirmed the outage (and captured that moment as outage_started),
# "the team" fails over with region-failover's own steps, included in the
# drill as failover-*, onto a second standby: their rehearsal stand-ins
# come with region-failover's environments. The drill then measures the
# RTO until /health answers again and prints its scorecard. The failover's
# params are the drill's failover_* params here.
journal_has_end() {
	[ -f "$1/journal.jsonl" ] && grep -q "\"event\":\"step.end\".*\"step\":\"$2\".*\"status\":\"ok\"" "$1/journal.jsonl"
}

scorecard_all_met() {
	"$DRCONSOLE" report --format json -o - "$1" 2>/dev/null | python3 -c 'import json, sys
c = json.load(sys.stdin).get("scorecard") or {}
sys.exit(0 if c.get("criteria_total") and c.get("criteria_met") == c.get("criteria_total") else 1)'
}

scenario_q3_drill() {
	start_standby drill-standby || return 1
	_tl_before=$(replica_timeline drill-standby)
	_inc=$SCR/incidents/q3-drill
	_app=127.0.0.1:$(cat "$REHEARSAL_STATE/app.port")
	# The included failover reads the statuspage key as region-failover
	# does; a drill never posts it.
	export DRCONSOLE_PARAM_failover_statuspage_api_key="$STATUSPAGE_KEY"
	run_runbook q3-drill "$_inc" --drill --allow-destructive --param "staging_url=http://$_app" \
	    --param "failover_replica_conninfo=host=$PG_BASE port=$(pg_port drill-standby) dbname=rqi_erp user=postgres" \
	    --param "failover_primary_lb_dns=primary.rehearsal.invalid" --param "failover_dr_lb_dns=$_app" \
	    --param "failover_dr_lb_url=http://$_app" --param "failover_app_hostname=$_app" \
	    --param failover_replica_id=rehearsal-standby --param failover_hosted_zone_id=ZREHEARSAL \
	    --param failover_customer_list=customers@rehearsal.invalid
	unset DRCONSOLE_PARAM_failover_statuspage_api_key
	echo drill-standby >"$REHEARSAL_STATE/primary"
	check outage-captured journal_has_end "$_inc" confirm-outage
	check failover-completed journal_has_end "$_inc" failover-health-public
	check timeline-changed test "$(replica_timeline drill-standby)" -gt "$_tl_before"
	check rows-kept failover_rows_kept drill-standby
	check app-health-200 test "$(health_code)" = 200
	check scorecard-criteria-met scorecard_all_met "$_inc"
	record_result q3-drill "000 5" "$_inc"
}

# --- region-failover, restore-from-s3: seed 001 B.3 "OR Restore from S3" ---
# The region takes the database and its replica with it, and its own bucket:
# the current primary stops at once and rqi-backups answers NoSuchBucket.
# An empty PostgreSQL (with the application's password, as the standby
# instance Terraform creates would have) stands in for the standby region's
# database; the runbook restores the newest dump from the cross-region copy
# (rqi-backups-replica) into it, and the ECS stand-in starts the app on it.
users_restored() {
	[ "$(pg_psql dr-restore 'SELECT count(*) FROM "User"' rqi_erp)" = "$SEED_USERS" ] &&
	    [ "$(pg_psql dr-restore "SELECT count(*) FROM orders WHERE note LIKE 'seed %'" rqi_erp)" = 100 ]
}

scenario_region_failover_s3() {
	pg_start_primary dr-restore && pg_psql dr-restore "CREATE DATABASE rqi_erp" >/dev/null || return 1
	_pw=$(sed -n 's/^DB_PASSWORD=//p' "$APP_DIR/.env.prod")
	PGHOST=$PG_BASE PGPORT=$(pg_port dr-restore) psql -X -q -v ON_ERROR_STOP=1 -U postgres -d postgres \
	    -v pw="$_pw" <<'SQL' || return 1
ALTER ROLE postgres PASSWORD :'pw';
SQL
	echo dr-restore >"$REHEARSAL_STATE/standby"
	log "the primary region goes down with its bucket (pg_ctl stop -m immediate; rqi-backups gone)"
	_outage=$(date -u -d "@$(($(date +%s) + 1))" +%Y-%m-%dT%H:%M:%SZ)
	pg_stop "$(cat "$REHEARSAL_STATE/primary")" immediate
	mv "$REHEARSAL_STATE/s3/rqi-backups" "$REHEARSAL_STATE/rqi-backups.region-down"
	app_refresh
	_inc=$SCR/incidents/region-failover-s3
	_mails=$(mail_count)
	run_failover dr-restore "$_inc" --param db_recovery=restore-from-s3 --param "outage_started=$_outage" \
	    --param "restore_conninfo=host=$PG_BASE port=$(pg_port dr-restore) dbname=rqi_erp user=postgres"
	check data-restored users_restored
	check replica-not-promoted journal_has_skip "$_inc" promote-replica
	check customer-email-iff-loss email_follows_loss "$_inc" "$_mails"
	check app-switched app_uses_standby dr-restore
	check app-health-200 test "$(health_code)" = 200
	check writes-resume writes_resume
	check download-removed test ! -e "$_inc/s3-restore/dump.sql.gz"
	record_result region-failover-s3 "001 B.3" "$_inc"
}

journal_has_skip() {
	grep -q "\"event\":\"step.end\".*\"step\":\"$2\".*\"status\":\"skipped\"" "$1/journal.jsonl"
}

# --- the table ---
fmt_ms() {
	awk -v ms="$1" 'BEGIN { s = ms / 1000; if (s < 60) printf "%.1fs", s; else printf "%dm%02ds", s / 60, s % 60 }'
}

print_table() {
	_bad=0
	printf '\n%-20s %-13s %-9s %-15s %-17s %-9s %s\n' scenario seed recovered "RTO (4h)" "data loss (15m)" overhead "failed checks / stand-ins"
	while IFS='|' read -r sc seed status el ov loss failed standins pm; do
		rec=yes
		[ "$status" = completed ] && [ "$failed" = none ] || rec=NO
		rto=met
		[ "$el" -lt 14400000 ] || rto=MISSED
		if [ -z "$loss" ]; then lossf="n/a"
		elif awk -v l="$loss" 'BEGIN { exit !(l <= 15) }'; then lossf="${loss}m met"
		else lossf="${loss}m MISSED"; fi
		case $lossf in *MISSED*) rec=NO ;; esac
		[ "$rto" = met ] || rec=NO
		[ "$rec" = yes ] || _bad=1
		printf '%-20s %-13s %-9s %-15s %-17s %-9s %s\n' "$sc" "$seed" "$rec" "$(fmt_ms "$el") $rto" "$lossf" \
		    "$(fmt_ms "$ov")" "checks: $failed${standins:+; stand-ins: $standins}"
		printf '%-20s postmortem: %s\n' "" "$pm"
	done <"$1"
	return "$_bad"
}
