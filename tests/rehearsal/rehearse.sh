#!/bin/sh
# rehearse.sh [--runbooks DIR] [SCENARIO...]: the production runbooks in
# runbooks/ run for real, step for step, in line mode with --environment
# rehearsal, against the stand-in stack of stack.sh on 127.0.0.1 (issue #17).
# Scenarios (default: all, in this order; region-failover takes the primary
# down, so it and the drill come last, and region-failover-s3 takes the
# drill's new primary and the backup bucket down): pitr-restore
# pitr-restore-rds weekly-restore-test redis-rehydrate secret-rotation region-failover q3-drill
# region-failover-s3; and, by name only,
# weekly-restore-test-broken (broken_backups.sh: the backup checks must fail).
# Prints one table row per scenario and exits 0 only when every scenario
# recovered, passed its checks and met the 4h RTO and 15m RPO.
# Needs Debian's postgresql-15, redis-server, awscli and python3 (see
# .ci/install-deps). As root it runs everything as an unprivileged user
# (PostgreSQL refuses root) from a copy in a scratch folder it removes.
set -u
here=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" != --inner ]; then
	top=$(cd "$here/../.." && pwd)
	runbooks=$top/runbooks
	if [ "${1:-}" = --runbooks ]; then
		runbooks=$(cd "$2" && pwd) || exit 2
		shift 2
	fi
	drc=${DRCONSOLE:-$top/drconsole}
	[ -x "$drc" ] || { echo "rehearse: no drconsole at $drc (run make first)" >&2; exit 2; }
	. "$top/tests/e2e/pg_lib.sh"
	pg_find_bin || { echo "rehearse: no PostgreSQL server binaries" >&2; exit 2; }
	for tool in redis-server redis-cli python3 /usr/bin/aws psql; do
		command -v "$tool" >/dev/null || { echo "rehearse: $tool is missing (.ci/install-deps)" >&2; exit 2; }
	done
	scr=$(mktemp -d /tmp/rh.XXXXXX) || exit 2
	trap 'rm -rf "$scr"' EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$scr/lib/e2e"
	cp -R "$here" "$scr/lib/rehearsal"
	cp "$top/tests/e2e/pg_lib.sh" "$top/tests/e2e/http_server.py" "$top/tests/e2e/smtp_sink.py" "$scr/lib/e2e/"
	cp -R "$runbooks" "$scr/runbooks"
	cp "$drc" "$scr/drconsole"
	# The incidents (journals, postmortems) are kept here after the scratch
	# folder is gone.
	out=${REHEARSAL_OUT:-$top/tests/rehearsal/last-run}
	rm -rf "$out"
	set -- sh "$scr/lib/rehearsal/rehearse.sh" --inner "$scr" "$PG_BIN" "$out" "$@"
	if [ "$(id -u)" -eq 0 ]; then
		PG_BASE=$scr
		_pg_pick_user
		chown -R "$PG_USER:$(id -gn "$PG_USER")" "$scr"
		chmod 0700 "$scr"
		(cd "$scr" && runuser -u "$PG_USER" -- env HOME="$scr" "$@")
	else
		(cd "$scr" && env HOME="$scr" "$@")
	fi
	rc=$?
	cp -R "$scr/incidents" "$out" 2>/dev/null
	exit "$rc"
fi

# --- inner: the unprivileged part ---
SCR=$2
PG_BIN=$3
REHEARSAL_OUT=$4
shift 4
export REHEARSAL_STATE="$SCR/state" REHEARSAL_LIB="$SCR/lib/rehearsal" E2E_LIB="$SCR/lib/e2e"
export APP_DIR="$SCR/app" APP_STATE="$SCR/state/app" PG_BIN
DRCONSOLE=$SCR/drconsole
RUNBOOKS=$SCR/runbooks
# Debian's AWS CLI and python3 first, whatever else the caller's PATH has.
export PATH="/usr/bin:/bin:/usr/sbin:/sbin:$PG_BIN"
export AWS_ACCESS_KEY_ID=rehearsal AWS_SECRET_ACCESS_KEY=rehearsal AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE="$SCR/aws.config" AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
export LC_ALL=C.UTF-8 TZ=UTC
# WAL segments are 16 MB: keep every upload one PUT (the stand-in speaks no multipart).
printf '[default]\ns3 =\n    multipart_threshold = 1GB\n' >"$AWS_CONFIG_FILE"
mkdir -p "$REHEARSAL_STATE" "$SCR/incidents"
cp -R "$REHEARSAL_LIB/app" "$APP_DIR"

. "$E2E_LIB/pg_lib.sh"
. "$REHEARSAL_LIB/stack.sh"
. "$REHEARSAL_LIB/scenarios.sh"
PG_BASE=$SCR/pg
mkdir -p "$PG_BASE" && chmod 0700 "$PG_BASE"
export PG_BASE
trap 'stack_down' EXIT
trap 'exit 130' INT TERM

log() { printf 'rehearse: %s\n' "$*" >&2; }

stack_up || { log "the stand-in stack did not start"; exit 1; }
. "$REHEARSAL_STATE/stack.env"
export S3_ENDPOINT REDIS_PORT
seed_data || { log "seeding the stand-in production data failed"; exit 1; }

[ $# -gt 0 ] || set -- pitr-restore pitr-restore-rds weekly-restore-test redis-rehydrate secret-rotation region-failover q3-drill \
    region-failover-s3
: >"$SCR/results"
for sc in "$@"; do
	case $sc in
	pitr-restore | weekly-restore-test | redis-rehydrate | secret-rotation | region-failover | q3-drill) ;;
	pitr-restore-rds | region-failover-s3) ;;
	weekly-restore-test-broken) ;; # broken_backups.sh
	*) log "no scenario $sc"; exit 2 ;;
	esac
	log "--- $sc ---"
	"scenario_$(echo "$sc" | tr - _)" || { log "$sc: setting up the incident failed"; record_setup_failure "$sc"; }
done
print_table "$SCR/results"
