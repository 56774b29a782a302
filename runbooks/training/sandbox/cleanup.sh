#!/bin/sh
# cleanup.sh: stops everything a training sandbox started (the order writer,
# the health server, every PostgreSQL server) and removes the servers'
# folder, keeping their logs in sandbox/logs. The cleanup step runs it; after
# a run with keep_sandbox=true, run it yourself when you are done:
#
#   sh INCIDENT_DIR/sandbox/bin/cleanup.sh
SANDBOX=${SANDBOX:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SANDBOX/bin/lib.sh" || exit 1
sbx_cleanup
