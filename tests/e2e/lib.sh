# lib.sh: helpers shared by the shell tests. Source it first thing:
#
#   . "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
#
# `make check` exports top_srcdir, top_builddir and DRCONSOLE; run by hand,
# they default to this source tree and its drconsole. A test reports each
# check with pass/fail and ends with finish: exit 0 when every check passed,
# 1 when any failed, 77 (skip_all) when it cannot run here, 99 (die) when the
# test itself is broken. Nothing here sleeps for a fixed time: wait_for polls
# a condition until a deadline.

set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
DRCONSOLE=${DRCONSOLE:-$top_builddir/drconsole}
export top_srcdir top_builddir DRCONSOLE
# Every journal line the binary writes is checked against src/jschema.def:
# a writer that drifts from the schema fails the test that makes it write.
DRCONSOLE_SCHEMA_CHECK=1
export DRCONSOLE_SCHEMA_CHECK

TEST_NAME=$(basename "$0" .sh)
SCRATCH=
_checks=0
_failures=0
_pids=

note() {
	printf '# %s\n' "$*"
}

pass() {
	_checks=$((_checks + 1))
	printf 'ok %d - %s\n' "$_checks" "$*"
}

fail() {
	_checks=$((_checks + 1))
	_failures=$((_failures + 1))
	printf 'not ok %d - %s\n' "$_checks" "$*"
}

# Shows a file to the log, each line prefixed so it cannot look like a result.
show() {
	sed 's/^/#   /' "$@"
}

skip_all() {
	note "SKIP: $*"
	exit 77
}

die() {
	note "ERROR: $*"
	exit 99
}

finish() {
	if [ "$_failures" -gt 0 ]; then
		note "$TEST_NAME: $_failures of $_checks checks failed"
		exit 1
	fi
	if [ "$_checks" -eq 0 ]; then
		note "$TEST_NAME: no checks ran"
		exit 99
	fi
	note "$TEST_NAME: all $_checks checks passed"
	exit 0
}

# Remembers a background process to stop when the test exits.
track_pid() {
	_pids="$_pids $1"
}

# alive PID: the process exists and is not a zombie waiting to be reaped.
alive() {
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	'' | Z*) return 1 ;;
	*) return 0 ;;
	esac
}

# stop_pid PID: SIGTERM, up to 5 s to go, then SIGKILL; reaps our children.
stop_pid() {
	kill "$1" 2>/dev/null || return 0
	wait_for "! alive $1" 5 || kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

_cleanup() {
	for _p in $_pids; do
		stop_pid "$_p"
	done
	if [ -n "$SCRATCH" ] && [ -d "$SCRATCH" ]; then
		rm -rf "$SCRATCH"
	fi
}

# fresh_session: unsets the audit login uid of this shell (and so of all
# it starts), so logins it runs with runuser count as other people to
# `drconsole approve` (which refuses a request from the driver's login
# session). Fails when it is set and cannot be unset.
fresh_session() {
	[ -r /proc/self/loginuid ] || return 0
	[ "$(cat /proc/self/loginuid)" = 4294967295 ] && return 0
	{ echo 4294967295 > /proc/self/loginuid; } 2> /dev/null
}

# Makes $SCRATCH, a private directory removed (with tracked processes
# stopped) however the test exits.
scratch_dir() {
	SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/drc-$TEST_NAME.XXXXXX") || die "mktemp failed"
	# Incidents a test does not place itself land here, never in the
	# user's own state directory.
	XDG_STATE_HOME=$SCRATCH/state
	export XDG_STATE_HOME
	trap _cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# Milliseconds on the wall clock (GNU date).
now_ms() {
	date +%s%3N
}

# wait_for CMD TIMEOUT: runs the shell command CMD until it succeeds, every
# 20 ms, for at most TIMEOUT seconds (fractions allowed). Returns 0 as soon as
# CMD succeeds, 1 at the deadline.
wait_for() {
	_deadline=$(awk -v now="$(now_ms)" -v t="$2" 'BEGIN { printf "%.0f", now + t * 1000 }')
	while :; do
		if eval "$1"; then
			return 0
		fi
		if [ "$(now_ms)" -ge "$_deadline" ]; then
			return 1
		fi
		sleep 0.02
	done
}

# describe_rc RC: a word for an exit status from `timeout CMD`.
describe_rc() {
	case $1 in
	124) echo "timed out" ;;
	12[5-7]) echo "could not be run (status $1)" ;;
	*) if [ "$1" -ge 128 ]; then echo "crashed (signal $(($1 - 128)))"; else echo "exited $1"; fi ;;
	esac
}

# journal_says JOURNAL EXPRESSION: python3 evaluates EXPRESSION over the
# journal's events, ends (step.end by step id), retries and hosts(STEP).
journal_says() {
	python3 - "$1" "$2" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
ends = {}
for e in events:
    if e["event"] == "step.end":
        ends[e["step"]] = e
retries = [e for e in events if e["event"] == "step.retry"]
def hosts(step):
    return {h["name"]: h for h in ends[step]["evidence"]["hosts"]}
ok = eval("(" + sys.argv[2] + ")")
sys.exit(0 if ok else 1)
PY
}

# check_journal JOURNAL EXPRESSION WHAT: a check that journal_says.
check_journal() {
	if journal_says "$1" "$2"; then pass "$3"; else
		fail "$3"; grep '"step.end"' "$1" | cut -c 1-600 | show; fi
}
