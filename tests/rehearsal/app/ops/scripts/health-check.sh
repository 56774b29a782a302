#!/bin/sh
# health-check.sh COLOUR: the rehearsal deployment's health check. It is
# healthy when that colour runs and reaches its database with the
# connection settings in .env.prod (so a wrong password or a database that
# is not there makes it fail), and it refreshes the stand-in's /health.
set -eu
color=${1:?usage: health-check.sh blue|green}
. "$REHEARSAL_STATE/stack.env"
. "$E2E_LIB/pg_lib.sh"
. "$REHEARSAL_LIB/stack.sh"
app_refresh
if app_color_healthy "$color"; then
	echo "$color: healthy, database $(app_psql -c 'SELECT current_database()')"
else
	echo "$color: UNHEALTHY"
	exit 1
fi
