#!/bin/sh
# corpus.sh: the corpus of real public runbooks translated into drconsole's
# format (tests/data/corpus, each naming its source): every one lints clean
# (with shellcheck when it is installed), and dry-runs to its end with the
# params in params.env, but for the known gaps in KNOWN_GAPS, which must stop
# exactly where and why that file says. Then the ones that can run on
# loopback run for real: the Redis Sentinel failover, on a redis-server
# master, replica and Sentinel started here.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
scratch_dir
CORPUS=$top_srcdir/tests/data/corpus

# gap FILE: the "STEP MESSAGE" KNOWN_GAPS records for FILE, or nothing.
gap() {
	sed -n "s/^$1 //p" "$CORPUS/KNOWN_GAPS"
}

n=0
for rb in "$CORPUS"/*.yaml; do
	name=${rb##*/}
	n=$((n + 1))
	grep -q '^# Source: ' "$rb" && grep -q 'https://' "$rb" && pass "$name names its source" ||
		fail "$name does not name its source (# Source: ... and its URL)"
	"$DRCONSOLE" lint "$rb" > "$SCRATCH/lint.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ "$(cat "$SCRATCH/lint.out")" = "1 file checked: 0 errors, 0 warnings" ]; then
		pass "$name lints clean"
	else
		fail "$name: lint exit $rc"; show "$SCRATCH/lint.out"
	fi
	rm -rf "$SCRATCH/dry"
	env $(grep -v '^#' "$CORPUS/params.env") "$DRCONSOLE" run --dry-run --yes --incident-dir "$SCRATCH/dry" \
		"$rb" < /dev/null > "$SCRATCH/dry.out" 2>&1
	rc=$?
	known=$(gap "$name")
	if [ -z "$known" ]; then
		[ "$rc" -eq 0 ] && grep -q '^Summary: .* (completed)$' "$SCRATCH/dry.out" &&
			pass "$name dry-runs to its end" || { fail "$name: dry run exit $rc"; show "$SCRATCH/dry.out"; }
	elif grep -qxF "drconsole: cannot start '${known%% *}': ${known#* }" "$SCRATCH/dry.out"; then
		note "$name: known gap: the dry run stops at step '${known%% *}': ${known#* }"
		pass "$name: the dry run stops only at its known gap"
	else
		fail "$name: KNOWN_GAPS says the dry run stops at '${known%% *}', it did not (exit $rc):" \
			"if it now runs to the end, remove its line"
		show "$SCRATCH/dry.out"
	fi
done
[ "$n" -ge 6 ] && pass "the corpus has $n runbooks" || fail "the corpus has $n runbooks, fewer than 6"

# --- the Redis Sentinel failover, for real on loopback ---
command -v redis-server > /dev/null && command -v redis-cli > /dev/null || {
	note "redis-server is not installed (Debian package redis-server): the live failover is skipped"
	finish
}
# free_port: a TCP port nothing listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
R=$SCRATCH/redis
mkdir -p "$R"
PM=$(free_port) PR=$(free_port) PS=$(free_port)
for role in master replica; do
	port=$PM
	[ "$role" = replica ] && port=$PR
	mkdir -p "$R/$role"
	{
		echo "bind 127.0.0.1"; echo "port $port"; echo "daemonize no"; echo 'save ""'
		echo "dir $R/$role"
		[ "$role" = replica ] && echo "replicaof 127.0.0.1 $PM"
	} > "$R/$role.conf"
	redis-server "$R/$role.conf" > "$R/$role.log" 2>&1 &
	track_pid $!
done
mkdir -p "$R/sentinel"
cat > "$R/sentinel.conf" <<CONF
bind 127.0.0.1
port $PS
daemonize no
dir $R/sentinel
sentinel monitor mymaster 127.0.0.1 $PM 1
sentinel down-after-milliseconds mymaster 2000
sentinel failover-timeout mymaster 20000
CONF
redis-server "$R/sentinel.conf" --sentinel > "$R/sentinel.log" 2>&1 &
track_pid $!
wait_for "redis-cli -p $PR info replication 2>/dev/null | grep -q 'master_link_status:up'" 20 ||
	{ fail "the replica never linked to the master"; show "$R/replica.log"; finish; }
# Sentinel learns the replica from the master's INFO: a failover needs it.
wait_for "redis-cli -p $PS sentinel replicas mymaster 2>/dev/null | grep -qx '$PR'" 30 ||
	{ fail "Sentinel never saw the replica"; show "$R/sentinel.log"; finish; }
timeout 120 "$DRCONSOLE" run --yes --allow-destructive --incident-dir "$SCRATCH/live" --param "sentinel_port=$PS" \
	"$CORPUS/redis-sentinel-failover.yaml" < /dev/null > "$SCRATCH/live.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "the Sentinel failover ran to its end on loopback" ||
	{ fail "live failover: exit $rc"; show "$SCRATCH/live.out"; }
redis-cli -p "$PR" info replication | grep -q '^role:master' &&
	pass "the replica on $PR is the master now" || fail "the replica was not promoted"
grep -q '"capture":{"old_host":"127.0.0.1","old_port":"'"$PM"'"}' "$SCRATCH/live/journal.jsonl" &&
	grep -q '"capture":{"new_host":"127.0.0.1","new_port":"'"$PR"'"}' "$SCRATCH/live/journal.jsonl" &&
	pass "the old and new master addresses were captured, two values a step" ||
	fail "captures of the master addresses"
finish
