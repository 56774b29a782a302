#!/bin/sh
# switch-traffic.sh maintenance|blue|green: the rehearsal deployment's
# traffic switch. Production's script flips the load balancer; this one flips
# the application stand-in, whose /health then answers 503 "maintenance" or
# the colour's real health.
set -eu
case ${1:-} in
maintenance | blue | green) ;;
*) echo "usage: switch-traffic.sh maintenance|blue|green" >&2; exit 2 ;;
esac
. "$REHEARSAL_STATE/stack.env"
. "$E2E_LIB/pg_lib.sh"
. "$REHEARSAL_LIB/stack.sh"
app_set_traffic "$1"
echo "traffic: $1 ($(cat "$APP_STATE/health"))"
