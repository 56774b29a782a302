#!/bin/sh
# psql.sh NAME [DB]: opens psql on one of the sandbox's servers (primary,
# restored, replica) as superuser postgres over its unix socket, to look
# around during or after a drill started with keep_sandbox=true:
#
#   sh INCIDENT_DIR/sandbox/bin/psql.sh restored shop
#
# Extra arguments go to psql, for example -c 'SELECT count(*) FROM orders'.
SANDBOX=${SANDBOX:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SANDBOX/bin/lib.sh" || exit 1
[ $# -ge 1 ] || { echo "usage: psql.sh NAME [DB] [PSQL ARGS]" >&2; exit 2; }
sbx_find_bin || exit 1
name=$1
db=${2:-shop}
if [ $# -ge 2 ]; then shift 2; else shift; fi
port=$(sbx_port "$name") && area=$(sbx_area) || exit 1
exec env -u PGPASSFILE -u PGPASSWORD "$PG_BIN/psql" -X -h "$area" -p "$port" -U postgres -d "$db" "$@"
