# lib.sh: shared helpers for the training sandboxes (pitr-sandbox.yaml,
# failover-sandbox.yaml). POSIX sh; source it from a step:
#
#   . "$SANDBOX/bin/lib.sh" || exit 1
#
# SANDBOX is the sandbox folder ({{ incident_dir }}/sandbox). Everything the
# sandbox makes lives under it:
#
#   bin/       copies of these helpers (so you can read them next to the run)
#   app/       the pretend application: its connection string (conninfo), its
#              password file (pgpass), the order writer's state and log, the
#              MAINTENANCE marker, and the /health server's pid and log
#   run/       the port of each PostgreSQL server, by name
#   incident/  facts found during the drill (time of the DROP, the target)
#   pg         the servers' own folder: data directories, server logs, unix
#              sockets and the "bucket" (base backups and archived WAL)
#   logs/      the server logs, kept by the cleanup step
#
# initdb and postgres refuse to run as root. When you are root the servers run
# as an unprivileged user (postgres, else nobody; SBX_SERVER_USER overrides),
# which cannot enter a 0700 incident directory: then pg is a symbolic link to
# a short folder under /tmp owned by that user. The same happens when the
# incident directory is so deep that a unix socket path in it would pass the
# kernel's limit of about 107 bytes. The cleanup step removes that folder.

: "${SANDBOX:?SANDBOX is not set: run this from a sandbox runbook step}"
SBX_APP=$SANDBOX/app
SBX_RUN=$SANDBOX/run
SBX_LINK=$SANDBOX/pg

sbx_fail() {
	printf 'sandbox: %s\n' "$*" >&2
	return 1
}

# Sets PG_BIN to the folder holding initdb, pg_ctl, pg_basebackup and psql:
# $PG_BIN if set, else pg_config --bindir, else the newest
# /usr/lib/postgresql/*/bin (Debian, Ubuntu), else wherever initdb is on PATH.
sbx_find_bin() {
	if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; then
		export PG_BIN
		return 0
	fi
	PG_BIN=
	if command -v pg_config >/dev/null 2>&1; then
		PG_BIN=$(pg_config --bindir 2>/dev/null)
	fi
	if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
		PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4n | tail -n 1)
	fi
	if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
		PG_BIN=$(command -v initdb 2>/dev/null) && PG_BIN=${PG_BIN%/*}
	fi
	if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
		sbx_fail "PostgreSQL server programs (initdb, pg_ctl) not found: install the" \
		    "PostgreSQL server package, or set PG_BIN to their folder"
		return 1
	fi
	export PG_BIN
}

# The user the servers run as: empty when we are not root (they run as us).
sbx_server_user() {
	[ "$(id -u)" -eq 0 ] || return 0
	if [ -n "${SBX_SERVER_USER:-}" ]; then
		printf '%s\n' "$SBX_SERVER_USER"
	elif id postgres >/dev/null 2>&1; then
		echo postgres
	else
		echo nobody
	fi
}

# The servers' folder, with symbolic links resolved: sockets need the short
# real path, not the long one through the incident directory.
sbx_area() {
	if [ ! -d "$SBX_LINK" ]; then
		sbx_fail "$SBX_LINK does not exist: run the setup steps first"
		return 1
	fi
	(cd -P "$SBX_LINK" && pwd)
}

# sbx_as CMD [ARG...]: runs a server-side command (initdb, pg_ctl,
# pg_basebackup, tar into a data directory) as the server user, in the
# servers' folder, without the caller's PG* settings.
sbx_as() {
	_sbx_area=$(sbx_area) || return 1
	_sbx_user=$(sbx_server_user)
	set -- env -u PGPASSFILE -u PGPASSWORD -u PGHOST -u PGHOSTADDR -u PGPORT \
	    -u PGUSER -u PGDATABASE -u PGSERVICE -u PGSERVICEFILE -u PGOPTIONS \
	    -u PGSSLMODE -u PGDATA HOME="$_sbx_area" "$@"
	if [ -z "$_sbx_user" ]; then
		(cd "$_sbx_area" && "$@")
	elif command -v runuser >/dev/null 2>&1; then
		(cd "$_sbx_area" && runuser -u "$_sbx_user" -- "$@")
	else
		(cd "$_sbx_area" && setpriv --reuid="$(id -u "$_sbx_user")" \
		    --regid="$(id -g "$_sbx_user")" --init-groups "$@")
	fi
}

# Makes the servers' folder (see the top of this file) and prints where it is.
sbx_make_area() {
	_sbx_user=$(sbx_server_user)
	_sbx_len=$(printf '%s/.s.PGSQL.65535' "$SBX_LINK" | wc -c)
	_sbx_here=yes
	[ "$_sbx_len" -le 100 ] || _sbx_here=no
	if [ -n "$_sbx_user" ] && [ "$_sbx_here" = yes ] &&
	    ! runuser -u "$_sbx_user" -- test -x "$SANDBOX" 2>/dev/null; then
		_sbx_here=no
	fi
	if [ "$_sbx_here" = yes ]; then
		mkdir -m 700 "$SBX_LINK" || return 1
		_sbx_dir=$SBX_LINK
	else
		_sbx_dir=$(mktemp -d /tmp/drc-sbx.XXXXXX) || return 1
		chmod 700 "$_sbx_dir" && ln -s "$_sbx_dir" "$SBX_LINK" || return 1
	fi
	if [ -n "$_sbx_user" ]; then
		chown "$_sbx_user:$(id -gn "$_sbx_user")" "$_sbx_dir" || return 1
	fi
	printf 'servers folder: %s' "$_sbx_dir"
	[ "$_sbx_dir" = "$SBX_LINK" ] || printf ' (linked as %s)' "$SBX_LINK"
	printf ', owned by %s\n' "${_sbx_user:-$(id -un)}"
}

# sbx_port_busy PORT: true when some program listens on TCP PORT.
sbx_port_busy() {
	[ -r /proc/net/tcp ] || return 1
	_sbx_hex=$(printf '%04X' "$1")
	awk -v h=":$_sbx_hex" '$4 == "0A" && substr($2, length($2) - 4) == h { f = 1 }
	    END { exit !f }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# sbx_check_ports NAME=PORT...: each port a number other than 5432, free now.
sbx_check_ports() {
	for _sbx_kv in "$@"; do
		_sbx_p=${_sbx_kv#*=}
		case $_sbx_p in
		'' | *[!0-9]*)
			sbx_fail "${_sbx_kv%%=*}: '$_sbx_p' is not a port number"
			return 1 ;;
		esac
		if [ "$_sbx_p" -lt 1024 ] || [ "$_sbx_p" -gt 65535 ] || [ "$_sbx_p" -eq 5432 ]; then
			sbx_fail "${_sbx_kv%%=*}: port $_sbx_p not allowed (1024-65535, never 5432:" \
			    "that is where a real PostgreSQL listens)"
			return 1
		fi
		if sbx_port_busy "$_sbx_p"; then
			sbx_fail "${_sbx_kv%%=*}: port $_sbx_p is in use; start the run again with" \
			    "--param ${_sbx_kv%%=*}=ANOTHER_PORT"
			return 1
		fi
		printf '%s: port %s is free\n' "${_sbx_kv%%=*}" "$_sbx_p"
	done
}

# sbx_wait SECONDS CMD [ARG...]: runs CMD every 0.1 s until it succeeds;
# false after SECONDS.
sbx_wait() {
	_sbx_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$_sbx_end" ] || return 1
		sleep 0.1
	done
}

sbx_port() {
	cat "$SBX_RUN/$1.port" 2>/dev/null || sbx_fail "no server named $1"
}

# sbx_psql NAME DB [psql args]: psql as superuser postgres over the server's
# unix socket (trusted: only the servers' owner and root can reach it).
sbx_psql() {
	_sbx_port=$(sbx_port "$1") && _sbx_area=$(sbx_area) || return 1
	_sbx_db=$2
	shift 2
	env -u PGPASSFILE -u PGPASSWORD -u PGSERVICE -u PGOPTIONS \
	    "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$_sbx_area" -p "$_sbx_port" \
	    -U postgres -d "$_sbx_db" "$@"
}

# sbx_sql_true NAME DB SQL: the query's answer is "t".
sbx_sql_true() {
	[ "$(sbx_psql "$1" "$2" -c "$3" 2>/dev/null)" = t ]
}

# sbx_conf NAME SETTING=VALUE...: appends to NAME's postgresql.conf; for a
# setting given twice the last line wins.
sbx_conf() {
	_sbx_name=$1
	shift
	for _sbx_kv in "$@"; do
		printf "%s = '%s'\n" "${_sbx_kv%%=*}" "$(printf '%s' "${_sbx_kv#*=}" | sed "s/'/''/g")"
	done | sbx_as sh -c 'cat >> "$1"' sh "$(sbx_area)/$_sbx_name/postgresql.conf"
}

sbx_log_tail() {
	_sbx_log=$(sbx_area)/$1.log
	if [ -f "$_sbx_log" ]; then
		echo "last lines of $_sbx_log:"
		tail -n "${2:-8}" "$_sbx_log" | sed 's/^/    /'
	fi
}

# sbx_start NAME: starts NAME's server and waits until it takes connections.
sbx_start() {
	_sbx_area=$(sbx_area) || return 1
	if ! sbx_as "$PG_BIN/pg_ctl" -D "$_sbx_area/$1" -l "$_sbx_area/$1.log" -w -t 60 \
	    start >/dev/null; then
		sbx_log_tail "$1" 15
		sbx_fail "$1: the server did not start"
		return 1
	fi
}

# sbx_stop NAME [MODE]: pg_ctl stop -m MODE (default fast), when running.
sbx_stop() {
	_sbx_area=$(sbx_area) || return 1
	[ -f "$_sbx_area/$1/postmaster.pid" ] || return 0
	sbx_as "$PG_BIN/pg_ctl" -D "$_sbx_area/$1" -m "${2:-fast}" -w -t 30 stop >/dev/null
}

# sbx_settings NAME PORT: the settings every sandbox server starts with.
# fsync = off makes the sandbox fast and is fine for throwaway data; never in
# production, where a power cut would then corrupt the database.
sbx_settings() {
	sbx_conf "$1" "port=$2" listen_addresses=127.0.0.1 \
	    "unix_socket_directories=$(sbx_area)" "cluster_name=$1" \
	    shared_buffers=16MB max_connections=20 fsync=off \
	    "log_line_prefix=%m [%p] %q%u@%d " log_timezone=UTC timezone=UTC
}

# sbx_initdb NAME PORT: a new cluster; unix sockets are trusted, TCP on
# 127.0.0.1 needs a password (scram-sha-256).
sbx_initdb() {
	_sbx_area=$(sbx_area) || return 1
	if ! sbx_as "$PG_BIN/initdb" -D "$_sbx_area/$1" -U postgres --auth-local=trust \
	    --auth-host=scram-sha-256 -E UTF8 --locale=C -N >"$_sbx_area/$1.initdb.log" 2>&1; then
		tail -n 15 "$_sbx_area/$1.initdb.log"
		sbx_fail "$1: initdb failed"
		return 1
	fi
	mkdir -p "$SBX_RUN" && echo "$2" >"$SBX_RUN/$1.port" && sbx_settings "$1" "$2"
}

# sbx_make_shop NAME: roles postgres (superuser, for the trainee's sql steps)
# and app (the application), each with the password from DB_PASSWORD and
# APP_PASSWORD, database shop owned by app, and its orders table. Passwords
# go through psql's standard input, never a command line, and the session
# turns statement logging off first so they never reach the server log.
sbx_make_shop() {
	{
		echo "SET log_statement = 'none';"
		printf "ALTER ROLE postgres PASSWORD '%s';\n" "$DB_PASSWORD"
		printf "CREATE ROLE app LOGIN PASSWORD '%s';\n" "$APP_PASSWORD"
		echo "CREATE DATABASE shop OWNER app;"
	} | sbx_psql "$1" postgres || return 1
	sbx_psql "$1" shop <<'EOF'
SET ROLE app;
CREATE TABLE orders (
	order_no   integer PRIMARY KEY,
	customer   text NOT NULL,
	item       text NOT NULL,
	qty        integer NOT NULL CHECK (qty > 0),
	created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE heartbeat (
	id   serial PRIMARY KEY,
	note text NOT NULL,
	at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
EOF
}

# --- the application ---

# sbx_app_config PORT: points the app at 127.0.0.1:PORT (its connection
# string, one libpq conninfo line) and writes its password file.
sbx_app_config() {
	mkdir -p "$SBX_APP" || return 1
	(umask 077 && printf '127.0.0.1:*:shop:app:%s\n' "$APP_PASSWORD" >"$SBX_APP/pgpass") &&
	    printf 'host=127.0.0.1 port=%s dbname=shop user=app\n' "$1" >"$SBX_APP/conninfo"
}

sbx_app_field() {
	cat "$SBX_APP/$1" 2>/dev/null || echo "${2:-}"
}

# sbx_want N: the customers have placed N orders in all; the writer works
# through them in order.
sbx_want() {
	printf '%s\n' "$1" >"$SBX_APP/wanted.tmp" && mv "$SBX_APP/wanted.tmp" "$SBX_APP/wanted"
}

sbx_written_at_least() {
	[ "$(sbx_app_field written 0)" -ge "$1" ]
}

# sbx_writer_state_is PATTERN...: the writer's state matches one of them.
sbx_writer_state_is() {
	_sbx_state=$(sbx_app_field state)
	for _sbx_pat in "$@"; do
		case $_sbx_state in
		$_sbx_pat) return 0 ;;
		esac
	done
	return 1
}

# sbx_detach LOG CMD [ARG...]: starts CMD in its own session, with no tie to
# the step's terminal or output: stdin from /dev/null, output to LOG. A
# step that started it can then end.
sbx_detach() {
	_sbx_log=$1
	shift
	if command -v setsid >/dev/null 2>&1; then
		setsid "$@" </dev/null >>"$_sbx_log" 2>&1 &
	else
		nohup "$@" </dev/null >>"$_sbx_log" 2>&1 &
	fi
}

sbx_start_writer() {
	rm -f "$SBX_APP/stop"
	sbx_detach "$SBX_APP/writer.log" sh "$SANDBOX/bin/app-writer.sh" "$SBX_APP" "$PG_BIN/psql"
	sbx_wait 10 test -s "$SBX_APP/writer.pid" || sbx_fail "the order writer did not start"
}

# sbx_start_health PORT: the app's /health endpoint (health.py) on
# 127.0.0.1:PORT, detached like the writer; waits until it listens.
sbx_start_health() {
	if ! command -v python3 >/dev/null 2>&1; then
		sbx_fail "python3 not found: the health endpoint needs it"
		return 1
	fi
	rm -f "$SBX_APP/health.pid"
	sbx_detach "$SBX_APP/health.log" python3 "$SANDBOX/bin/health.py" "$1" "$SBX_APP" "$PG_BIN/psql"
	if ! sbx_wait 10 test -s "$SBX_APP/health.pid"; then
		tail -n 5 "$SBX_APP/health.log"
		sbx_fail "the health endpoint did not start"
		return 1
	fi
}

# sbx_pid_of NAME PATTERN: the pid in app/NAME.pid when that process is alive
# and its command line matches PATTERN; nothing otherwise.
sbx_pid_of() {
	_sbx_pid=$(cat "$SBX_APP/$1.pid" 2>/dev/null) || return 1
	case $_sbx_pid in '' | *[!0-9]*) return 1 ;; esac
	ps -o args= -p "$_sbx_pid" 2>/dev/null | grep -q -- "$2" || return 1
	echo "$_sbx_pid"
}

sbx_not_running() {
	! sbx_pid_of "$1" "$2" >/dev/null
}

# sbx_kill NAME PATTERN: SIGTERM, 5 s to go, then SIGKILL.
sbx_kill() {
	_sbx_kpid=$(sbx_pid_of "$1" "$2") || return 0
	kill "$_sbx_kpid" 2>/dev/null
	sbx_wait 5 sbx_not_running "$1" "$2" || kill -9 "$_sbx_kpid" 2>/dev/null
	printf 'stopped %s (pid %s)\n' "$1" "$_sbx_kpid"
}

# --- cleanup ---

# Stops the writer, the health server and every server in the sandbox, keeps
# the server logs in logs/, and removes the servers' folder.
sbx_cleanup() {
	if [ -d "$SBX_APP" ]; then
		: >"$SBX_APP/stop"
		sbx_kill writer app-writer.sh
		sbx_kill health health.py
	fi
	if [ ! -e "$SBX_LINK" ] && [ ! -L "$SBX_LINK" ]; then
		echo "no servers folder: nothing else to stop"
		return 0
	fi
	if [ -d "$SBX_LINK" ]; then
		sbx_find_bin || return 1
		_sbx_area=$(sbx_area) || return 1
		for _sbx_d in "$_sbx_area"/*/; do
			[ -f "$_sbx_d/postmaster.pid" ] || continue
			_sbx_name=$(basename "$_sbx_d")
			if sbx_stop "$_sbx_name" fast || sbx_stop "$_sbx_name" immediate; then
				printf 'stopped PostgreSQL %s\n' "$_sbx_name"
			else
				sbx_fail "$_sbx_name would not stop: see $_sbx_area/$_sbx_name.log"
				return 1
			fi
		done
		mkdir -p "$SANDBOX/logs"
		for _sbx_l in "$_sbx_area"/*.log; do
			[ -f "$_sbx_l" ] && cp "$_sbx_l" "$SANDBOX/logs/"
		done
		rm -rf "$_sbx_area" || return 1
		printf 'removed %s; server logs kept in %s\n' "$_sbx_area" "$SANDBOX/logs"
	fi
	rm -f "$SBX_LINK"
}

# Sourcing this file finds the PostgreSQL programs, or fails saying why.
sbx_find_bin
