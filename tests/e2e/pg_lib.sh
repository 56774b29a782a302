# pg_lib.sh: throwaway PostgreSQL servers on loopback for tests: a primary
# and streaming replicas in one scratch folder, whether we run as root or
# not. POSIX sh; needs nothing from lib.sh, and fits with it. Source it:
#
#   . "$top_srcdir/tests/e2e/pg_lib.sh"
#   pg_find_bin || skip_all "no PostgreSQL server binaries"
#   pg_base_init || die "cannot make a scratch folder"
#   trap pg_cleanup EXIT                  # or call it from your own trap
#   pg_start_primary p                    # initdb + start on a free port
#   pg_psql p "CREATE ROLE app LOGIN PASSWORD 'secret'"
#   pg_start_replica r p                  # pg_basebackup -R, started, streaming
#   psql -X "$(pg_conninfo r app)"        # TCP on 127.0.0.1, needs the password
#   pg_stop p immediate
#
# Functions (each returns non-zero and says why on stderr, with the tail of
# the server's log, rather than exiting):
#   pg_find_bin                  sets PG_BIN; 1 when initdb is not found
#   pg_base_init [DIR]           makes PG_BASE (default mktemp -d /tmp/pg.XXXXXX)
#                                and gives it to PG_USER; exports PG_BASE
#   pg_as CMD [ARG...]           runs CMD as the server user, in PG_BASE, with
#                                HOME=PG_BASE and the caller's PG* variables
#                                (PGPASSFILE, PGHOST...) unset
#   pg_free_port                 prints a TCP port free on 127.0.0.1 (never 5432)
#   pg_start_primary NAME [name=value...]
#                                initdb into PG_BASE/NAME and start it on a free
#                                port (retried if someone takes it first);
#                                settings are appended to postgresql.conf
#                                (values without single quotes)
#   pg_start_replica NAME PRIMARY [name=value...]
#                                pg_basebackup -R -X stream from PRIMARY, start it
#                                on a free port, wait until PRIMARY shows it
#                                streaming (application_name NAME)
#   pg_start NAME                starts a stopped server again on its port
#   pg_stop NAME [MODE]          pg_ctl stop -m MODE (fast); SIGKILL if that fails
#   pg_stop_all                  stops every server under PG_BASE, immediately
#   pg_cleanup                   pg_stop_all, then removes PG_BASE
#   pg_port NAME                 prints NAME's port
#   pg_conninfo NAME [USER]      prints "host=127.0.0.1 port=P dbname=postgres
#                                user=USER" (USER defaults to postgres)
#   pg_psql NAME SQL [DB]        runs SQL as superuser "postgres" over the unix
#                                socket: psql -X -At -v ON_ERROR_STOP=1
#   pg_wait_sql NAME SQL [SECS]  polls until SQL prints "t" (whole seconds,
#                                default 10)
#   pg_wait_caught_up PRIMARY [SECS]
#                                until every standby replayed all WAL so far
#
# Variables (all optional; set them before calling):
#   PG_BIN    server binaries; default `pg_config --bindir`, else the newest
#             /usr/lib/postgresql/*/bin
#   PG_USER   who runs the servers when we are root (initdb and postgres refuse
#             root); default: PG_BASE's owner if not root, else postgres, else
#             nobody
#   PG_BASE   the scratch folder; keep it short: the unix sockets live in it
#             and their path must stay under about 100 bytes
#   PG_HOST_AUTH  pg_hba method for TCP on 127.0.0.1 (default scram-sha-256;
#             md5 works too)
#
# Layout: PG_BASE/NAME is the data directory, PG_BASE/NAME.port its port,
# PG_BASE/NAME.log the server's log and NAME.setup.log initdb's or
# pg_basebackup's; sockets are in PG_BASE. Unix socket connections
# are trusted (replication included), TCP ones need a password: superuser
# "postgres" has none, so administer over the socket (pg_psql) and create
# roles with passwords for what is tested over TCP. Settings favour speed
# (fsync=off): nothing here is meant to survive a crash of the machine.

PG_HOST_AUTH=${PG_HOST_AUTH:-scram-sha-256}

# Prints the last lines of a server's log on stderr, to explain a failure.
_pg_log_tail() {
	if [ -f "$PG_BASE/$1.log" ]; then
		printf 'pg_lib: last lines of %s:\n' "$PG_BASE/$1.log" >&2
		tail -n 15 "$PG_BASE/$1.log" | sed 's/^/pg_lib:   /' >&2
	fi
}

_pg_err() {
	printf 'pg_lib: %s\n' "$*" >&2
	return 1
}

_pg_now_ms() {
	date +%s%3N
}

pg_find_bin() {
	if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; then
		return 0
	fi
	PG_BIN=
	if command -v pg_config >/dev/null 2>&1; then
		PG_BIN=$(pg_config --bindir 2>/dev/null)
	fi
	if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
		PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null |
		    sort -t/ -k4,4n | tail -n 1)
	fi
	export PG_BIN
	[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ]
}

# The server user: PG_USER, else whoever owns PG_BASE (so a later shell
# that only knows PG_BASE acts as the same user), else postgres or nobody.
_pg_pick_user() {
	if [ -n "${PG_USER:-}" ]; then
		return 0
	fi
	PG_USER=$(stat -c %U "${PG_BASE:-/nonexistent}" 2>/dev/null)
	if [ -n "$PG_USER" ] && [ "$PG_USER" != root ]; then
		:
	elif id postgres >/dev/null 2>&1; then
		PG_USER=postgres
	else
		PG_USER=nobody
	fi
	export PG_USER
}

pg_base_init() {
	if [ -n "${1:-}" ]; then
		PG_BASE=$1
		mkdir -p "$PG_BASE" || return 1
	else
		PG_BASE=$(mktemp -d /tmp/pg.XXXXXX) || return 1
	fi
	export PG_BASE
	if [ "$(id -u)" -eq 0 ]; then
		_pg_pick_user
		chown "$PG_USER:$(id -gn "$PG_USER")" "$PG_BASE" || return 1
	fi
	chmod 0700 "$PG_BASE"
}

pg_as() {
	set -- env -u PGPASSFILE -u PGPASSWORD -u PGSERVICE -u PGSERVICEFILE \
	    -u PGHOST -u PGHOSTADDR -u PGPORT -u PGUSER -u PGDATABASE \
	    -u PGOPTIONS -u PGSSLMODE -u PGDATA HOME="$PG_BASE" "$@"
	if [ "$(id -u)" -ne 0 ]; then
		(cd "$PG_BASE" && "$@")
	elif _pg_pick_user && command -v runuser >/dev/null 2>&1; then
		(cd "$PG_BASE" && runuser -u "$PG_USER" -- "$@")
	else
		(cd "$PG_BASE" && setpriv --reuid="$(id -u "$PG_USER")" \
		    --regid="$(id -g "$PG_USER")" --init-groups "$@")
	fi
}

pg_free_port() {
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v seed="$(date +%N)$$" '
	function hex(s,   i, n) {
		n = 0
		for (i = 1; i <= length(s); i++)
			n = n * 16 + index("0123456789ABCDEF", toupper(substr(s, i, 1))) - 1
		return n
	}
	$2 ~ /:/ { n = split($2, a, ":"); busy[hex(a[n])] = 1 }
	END {
		srand(substr(seed, length(seed) - 8) + 0)
		for (;;) {
			p = 20000 + int(rand() * 40000)
			if (!(p in busy) && p != 5432) {
				print p
				exit
			}
		}
	}'
}

pg_port() {
	cat "$PG_BASE/$1.port" 2>/dev/null || _pg_err "no server named $1"
}

pg_conninfo() {
	printf 'host=127.0.0.1 port=%s dbname=postgres user=%s\n' \
	    "$(pg_port "$1")" "${2:-postgres}"
}

pg_psql() {
	pg_as "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$PG_BASE" \
	    -p "$(pg_port "$1")" -U postgres -d "${3:-postgres}" -c "$2"
}

pg_wait_sql() {
	_pg_deadline=$(($(_pg_now_ms) + ${3:-10} * 1000))
	while [ "$(pg_psql "$1" "$2" 2>/dev/null)" != t ]; do
		if [ "$(_pg_now_ms)" -ge "$_pg_deadline" ]; then
			_pg_err "$1: gave up waiting for: $2"
			return 1
		fi
		sleep 0.05
	done
}

pg_wait_caught_up() {
	pg_wait_sql "$1" "SELECT count(*) > 0 AND bool_and(replay_lsn =
	    pg_current_wal_lsn()) FROM pg_stat_replication" "${2:-10}"
}

# Appends settings ("name=value" each) to NAME's postgresql.conf; the last
# line for a setting wins, so later calls override.
_pg_conf() {
	_pg_name=$1
	shift
	for _pg_kv in "$@"; do
		printf '%s = %s\n' "${_pg_kv%%=*}" "'${_pg_kv#*=}'"
	done | pg_as sh -c 'cat >> "$1"' sh "$PG_BASE/$_pg_name/postgresql.conf"
}

# Starts NAME on a free port, trying another port when the one picked was
# taken in the meantime.
_pg_start_free() {
	for _pg_try in 1 2 3 4 5; do
		_pg_port=$(pg_free_port)
		_pg_conf "$1" "port=$_pg_port" || return 1
		echo "$_pg_port" >"$PG_BASE/$1.port"
		if pg_start "$1" 2>/dev/null; then
			return 0
		fi
		grep -q 'could not bind\|already in use' "$PG_BASE/$1.log" ||
		    break
	done
	_pg_log_tail "$1"
	_pg_err "$1: could not start"
}

pg_start() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_BASE/$1" -l "$PG_BASE/$1.log" -w -t 30 \
	    start >/dev/null || {
		_pg_log_tail "$1"
		_pg_err "$1: pg_ctl start failed"
	}
}

pg_start_primary() {
	_pg_name=$1
	shift
	pg_as "$PG_BIN/initdb" -D "$PG_BASE/$_pg_name" -U postgres -A trust \
	    -E UTF8 --locale=C -N >"$PG_BASE/$_pg_name.setup.log" 2>&1 || {
		_pg_log_tail "$_pg_name.setup"
		_pg_err "$_pg_name: initdb failed"
		return 1
	}
	pg_as sh -c 'cat > "$1"' sh "$PG_BASE/$_pg_name/pg_hba.conf" <<EOF
local all all trust
local replication all trust
host all all 127.0.0.1/32 $PG_HOST_AUTH
host replication all 127.0.0.1/32 $PG_HOST_AUTH
EOF
	_pg_conf "$_pg_name" listen_addresses=127.0.0.1 \
	    "unix_socket_directories=$PG_BASE" "cluster_name=$_pg_name" \
	    fsync=off full_page_writes=off synchronous_commit=off \
	    shared_buffers=16MB max_connections=30 wal_level=replica \
	    max_wal_senders=8 wal_keep_size=64MB "$@" &&
	    _pg_start_free "$_pg_name"
}

pg_start_replica() {
	_pg_name=$1
	_pg_primary=$2
	shift 2
	pg_as "$PG_BIN/pg_basebackup" -h "$PG_BASE" -p "$(pg_port "$_pg_primary")" \
	    -U postgres -D "$PG_BASE/$_pg_name" -R -X stream --checkpoint=fast \
	    -N >"$PG_BASE/$_pg_name.setup.log" 2>&1 || {
		_pg_log_tail "$_pg_name.setup"
		_pg_err "$_pg_name: pg_basebackup from $_pg_primary failed"
		return 1
	}
	_pg_conf "$_pg_name" "cluster_name=$_pg_name" "$@" &&
	    _pg_start_free "$_pg_name" &&
	    pg_wait_sql "$_pg_primary" "SELECT count(*) > 0 FROM
		pg_stat_replication WHERE application_name = '$_pg_name'
		AND state = 'streaming'" 20
}

pg_stop() {
	[ -f "$PG_BASE/$1/postmaster.pid" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_BASE/$1" -m "${2:-fast}" -w -t 30 \
	    stop >/dev/null 2>&1 && return 0
	_pg_pid=$(head -n 1 "$PG_BASE/$1/postmaster.pid" 2>/dev/null)
	[ -n "$_pg_pid" ] && kill -KILL "$_pg_pid" 2>/dev/null
	_pg_err "$1: pg_ctl stop failed; sent SIGKILL to $_pg_pid"
}

pg_stop_all() {
	[ -n "${PG_BASE:-}" ] && [ -d "$PG_BASE" ] || return 0
	for _pg_dir in "$PG_BASE"/*/; do
		[ -f "$_pg_dir/postmaster.pid" ] || continue
		pg_stop "$(basename "$_pg_dir")" immediate
	done
	return 0
}

pg_cleanup() {
	pg_stop_all
	if [ -n "${PG_BASE:-}" ] && [ -d "$PG_BASE" ]; then
		rm -rf "$PG_BASE"
	fi
}
