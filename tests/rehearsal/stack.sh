# stack.sh: the rehearsal's stand-in stack on 127.0.0.1, sourced by
# rehearse.sh and by the stand-in commands in bin/. POSIX sh. Everything runs
# as the calling user (rehearse.sh drops root first) under REHEARSAL_STATE:
#   PostgreSQL 15 primary "prod" (pg_lib.sh) archiving WAL with the AWS CLI
#   to the S3 stand-in (s3_server.py), streaming replica "standby", side
#   instances started by bin/docker, redis-server, the application stand-in
#   (http_server.py: /health from the file APP state writes) and the
#   receivers (http_server.py for Slack and the status page, smtp_sink.py).
#   The S3 stand-in's buckets are encrypted by default and rqi-backups
#   replicates postgres/ to rqi-backups-replica in us-west-2, as seed 001
#   asks ("Encrypted S3 Bucket (Cross-Region)"); it also answers ECR, where
#   the API image's repository has immutable tags (seed 000). Vault's API
#   (vault_server.py) answers cli/vault's snapshot requests.
# stack.env (written by stack_up) holds the ports and paths every later
# process needs; it is sourced, so it holds only NAME=VALUE lines.

PRIMARY=prod
REPLICA=standby

# Waits until FILE exists and is non-empty (servers write their port there).
stack_wait_file() {
	_n=0
	while [ ! -s "$1" ]; do
		_n=$((_n + 1))
		[ "$_n" -lt 200 ] || { echo "stack: gave up waiting for $1" >&2; return 1; }
		sleep 0.05
	done
}

# Starts CMD in the background with its pid in REHEARSAL_STATE/NAME.pid.
stack_bg() {
	_name=$1
	shift
	setsid "$@" >"$REHEARSAL_STATE/$_name.log" 2>&1 &
	echo $! >"$REHEARSAL_STATE/$_name.pid"
}

# Stops NAME and waits until it is gone (it may be another process's child:
# a server restarted by a runbook step).
stack_kill() {
	[ -f "$REHEARSAL_STATE/$1.pid" ] || return 0
	_pid=$(cat "$REHEARSAL_STATE/$1.pid")
	kill "$_pid" 2>/dev/null || :
	_n=0
	while kill -0 "$_pid" 2>/dev/null && [ "$(ps -o stat= -p "$_pid" 2>/dev/null | cut -c1)" != Z ]; do
		_n=$((_n + 1))
		[ "$_n" -lt 200 ] || { kill -KILL "$_pid" 2>/dev/null; break; }
		sleep 0.05
	done
	wait "$_pid" 2>/dev/null || :
	rm -f "$REHEARSAL_STATE/$1.pid"
	return 0
}

aws_s3() {
	aws --endpoint-url "$S3_ENDPOINT" s3 "$@"
}

# aws_api SERVICE ARGS...: the AWS CLI's API commands (s3api, ecr) against
# the S3 stand-in, quietly.
aws_api() {
	aws --endpoint-url "$S3_ENDPOINT" "$@" >/dev/null
}

# The seed's backup storage: default encryption on every bucket, the dumps
# replicated to another region, the image repository with immutable tags.
aws_configure() {
	for _b in backup-bucket rqi-backups rqi-backups-replica; do
		aws_api s3api put-bucket-encryption --bucket "$_b" --server-side-encryption-configuration \
		    '{"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]}' || return 1
	done
	aws_api s3api put-bucket-replication --bucket rqi-backups --replication-configuration \
	    '{"Role": "arn:aws:iam::123456789012:role/rqi-backups-replication", "Rules": [{"ID": "dr",
	      "Status": "Enabled", "Priority": 1, "Filter": {"Prefix": "postgres/"},
	      "DeleteMarkerReplication": {"Status": "Disabled"},
	      "Destination": {"Bucket": "arn:aws:s3:::rqi-backups-replica"}}]}' &&
	    aws_api ecr create-repository --repository-name rqi-erp-api --image-tag-mutability IMMUTABLE
}

# --- Redis ---
redis_start() {
	cat >"$REHEARSAL_STATE/redis.conf" <<RC
bind 127.0.0.1
port $REDIS_PORT
daemonize no
save ""
appendonly no
dir $REHEARSAL_STATE
RC
	stack_bg redis redis-server "$REHEARSAL_STATE/redis.conf"
	_n=0
	until [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; do
		_n=$((_n + 1))
		[ "$_n" -lt 200 ] || { echo "stack: redis did not answer" >&2; return 1; }
		sleep 0.05
	done
}

redis_stop() {
	redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || :
	stack_kill redis
}

# --- the application stand-in ---
# APP_STATE holds running-blue, running-green (yes|no) and traffic
# (maintenance|blue|green); app_refresh turns them, and whether the database
# in APP_DIR/.env.prod answers, into the /health answer.
app_set_running() {
	echo "$2" >"$APP_STATE/running-$1"
	app_refresh
}

app_set_traffic() {
	echo "$1" >"$APP_STATE/traffic"
	app_refresh
}

# psql as the application: the connection settings from .env.prod.
app_psql() {
	# shellcheck disable=SC1091
	(. "$APP_DIR/.env.prod" && PGPASSWORD=$DB_PASSWORD psql -X -At -v ON_ERROR_STOP=1 \
	    "host=$DB_HOST port=$DB_PORT dbname=$DB_NAME user=$DB_USER connect_timeout=5" "$@")
}

# The colour serving traffic is healthy: running, and its database answers
# and takes writes (a replica that was never promoted does not).
app_color_healthy() {
	[ "$(cat "$APP_STATE/running-$1" 2>/dev/null)" = yes ] &&
	    [ "$(app_psql -c 'SELECT NOT pg_is_in_recovery()' 2>/dev/null)" = t ]
}

app_refresh() {
	_t=$(cat "$APP_STATE/traffic" 2>/dev/null)
	if [ "$_t" = maintenance ]; then
		echo "503 maintenance" >"$APP_STATE/health"
	elif app_color_healthy "$_t"; then
		echo "200 ok $_t" >"$APP_STATE/health"
	else
		echo "503 $_t down" >"$APP_STATE/health"
	fi
}

# --- side instances (bin/docker run) ---
side_start() {
	_port=$(pg_free_port)
	echo "$_port" >"$REHEARSAL_STATE/side-$1.port"
	echo "$2" >"$REHEARSAL_STATE/side-$1.data"
	# Detached like a container (docker run -d): a session of its own, so the
	# end of the step that started it does not stop it.
	setsid "$PG_BIN/pg_ctl" -D "$2" -l "$REHEARSAL_STATE/side-$1.log" \
	    -o "-p $_port -c listen_addresses=127.0.0.1 -k $PG_BASE -c cluster_name=$1" start >/dev/null
}

side_stop() {
	[ -f "$REHEARSAL_STATE/side-$1.data" ] || return 0
	"$PG_BIN/pg_ctl" -D "$(cat "$REHEARSAL_STATE/side-$1.data")" -m immediate -w stop >/dev/null 2>&1
	rm -f "$REHEARSAL_STATE/side-$1".*
	return 0
}

side_stop_all() {
	for _f in "$REHEARSAL_STATE"/side-*.data; do
		[ -f "$_f" ] || continue
		_n=${_f##*/side-}
		side_stop "${_n%.data}"
	done
}

# --- the whole stack ---
stack_up() {
	mkdir -p "$APP_STATE" "$REHEARSAL_STATE/s3" "$REHEARSAL_STATE/hooks" "$REHEARSAL_STATE/mail"
	stack_bg s3 python3 "$REHEARSAL_LIB/s3_server.py" --dir "$REHEARSAL_STATE/s3" \
	    --port-file "$REHEARSAL_STATE/s3.port" --bucket backup-bucket --bucket rqi-backups \
	    --bucket rqi-backups-replica@us-west-2
	# The token Vault accepts, and the ops host's copy (its VAULT_TOKEN,
	# scenarios.sh: notify_env); a scenario revokes it by changing the first.
	head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$REHEARSAL_STATE/vault.token"
	cp "$REHEARSAL_STATE/vault.token" "$REHEARSAL_STATE/ops-vault.token"
	stack_bg vault python3 "$REHEARSAL_LIB/vault_server.py" --port-file "$REHEARSAL_STATE/vault.port" \
	    --token-file "$REHEARSAL_STATE/vault.token"
	stack_bg hooks python3 "$E2E_LIB/http_server.py" --dir "$REHEARSAL_STATE/hooks" \
	    --port-file "$REHEARSAL_STATE/hooks.port"
	stack_bg app python3 "$E2E_LIB/http_server.py" --dir "$APP_STATE" \
	    --port-file "$REHEARSAL_STATE/app.port"
	stack_bg smtp python3 "$E2E_LIB/smtp_sink.py" --dir "$REHEARSAL_STATE/mail" \
	    --port-file "$REHEARSAL_STATE/smtp.port"
	for f in s3 vault hooks app smtp; do
		stack_wait_file "$REHEARSAL_STATE/$f.port" || return 1
	done
	S3_ENDPOINT=http://127.0.0.1:$(cat "$REHEARSAL_STATE/s3.port")
	VAULT_ADDR=http://127.0.0.1:$(cat "$REHEARSAL_STATE/vault.port")
	aws_configure || { echo "stack: configuring the S3 and ECR stand-in failed" >&2; return 1; }
	REDIS_PORT=$(pg_free_port)
	cat >"$REHEARSAL_STATE/stack.env" <<SE
PG_BASE=$PG_BASE
PG_BIN=$PG_BIN
APP_DIR=$APP_DIR
APP_STATE=$APP_STATE
REHEARSAL_LIB=$REHEARSAL_LIB
E2E_LIB=$E2E_LIB
S3_ENDPOINT=$S3_ENDPOINT
VAULT_ADDR=$VAULT_ADDR
REDIS_PORT=$REDIS_PORT
SE
	. "$E2E_LIB/pg_lib.sh"
	redis_start || return 1
	stack_bg warmer "$REHEARSAL_LIB/bin/app-warmer"
	stack_bg rds-agent "$REHEARSAL_LIB/bin/rds-agent"
	pg_start_primary "$PRIMARY" archive_mode=on archive_timeout=300 \
	    "archive_command=$REHEARSAL_LIB/bin/archive-wal %p %f" || return 1
	echo "$PRIMARY" >"$REHEARSAL_STATE/primary"
}

# Stops everything stack_up and the runbooks started; safe to call twice.
stack_down() {
	side_stop_all
	[ -n "${REDIS_PORT:-}" ] && redis_stop
	for _s in warmer rds-agent s3 vault hooks app smtp; do
		stack_kill "$_s"
	done
	pg_stop_all
}
