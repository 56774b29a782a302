#!/bin/sh
# param_sources.sh: where a param's value comes from, one rule for both
# front ends (engine_param_source). The chosen --environment's value counts
# as given: line mode without a terminal runs, and the console's form shows
# it filled in and starts on the next empty field; --param still wins over
# it. A resume takes the plain values run.start recorded and asks only for
# the secrets: without a terminal it runs when the secret is given and
# names only the secret when not; at a terminal (tmux) it asks for the
# secret alone.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
scratch_dir
RB=$top_srcdir/tests/data/run/param-sources.yaml
TOKEN=tok-0123456789
unset HOLD DRCONSOLE_PARAM_token DRCONSOLE_PARAM_region DRCONSOLE_PARAM_cluster

# run_line NAME ARGS...: a line-mode run with no terminal into $SCRATCH/NAME;
# rc in $rc, its output in $SCRATCH/NAME.out.
run_line() {
	_n=$1
	shift
	"$DRCONSOLE" run --operator o --incident-dir "$SCRATCH/$_n" "$@" < /dev/null > "$SCRATCH/$_n.out" 2>&1
	rc=$?
}

# where_is NAME TEXT WHAT: the run in NAME got the values TEXT says.
where_is() {
	if [ "$(cat "$SCRATCH/$1/where" 2>/dev/null)" = "$2" ]; then
		pass "$3"
	else
		fail "$3: where is '$(cat "$SCRATCH/$1/where" 2>/dev/null)', not '$2'"
		show "$SCRATCH/$1.out"
	fi
}

# --- the environment's value counts ---

DRCONSOLE_PARAM_token=$TOKEN run_line env --environment staging --param region=eu "$RB"
[ "$rc" -eq 0 ] && pass "line mode: a required param the environment supplies is not refused" ||
	{ fail "line mode refused the environment's value (rc $rc)"; show "$SCRATCH/env.out"; }
where_is env "cluster=stg-1 region=eu token=${#TOKEN}" "line mode: the run got the environment's value"

DRCONSOLE_PARAM_token=$TOKEN run_line over --environment staging --param region=eu --param cluster=c9 "$RB"
where_is over "cluster=c9 region=eu token=${#TOKEN}" "line mode: --param wins over the environment's value"

run_line nocluster --param region=eu --param token=$TOKEN "$RB"
if [ "$rc" -eq 2 ] && grep -q "param 'cluster' is required" "$SCRATCH/nocluster.out"; then
	pass "line mode: without the environment, cluster is still required"
else
	fail "line mode: no environment, no cluster, and rc $rc"
	show "$SCRATCH/nocluster.out"
fi

cat > "$SCRATCH/form.script" <<'SCRIPT_END'
dump
type eu
key Down
type tok-0123456789
key Down
key Enter
key Enter
key Enter
key Enter
key Enter
SCRIPT_END
timeout 60 "$DRCONSOLE" --script "$SCRATCH/form.script" --dump "$SCRATCH/form.dump" --operator o \
	--environment staging --incident-dir "$SCRATCH/console" "$RB" > "$SCRATCH/console.out" 2>&1 ||
	{ show "$SCRATCH/console.out"; die "the console's script run failed"; }
dump_has "$SCRATCH/form.dump" 1 "cluster                              stg-1" \
	"console: the form shows the environment's value"
dump_has "$SCRATCH/form.dump" 1 "▶* region" "console: the form starts on the first field nobody gave"
where_is console "cluster=stg-1 region=eu token=${#TOKEN}" "console: the run got the environment's value"

# --- a resume takes the recorded values and asks only for secrets ---

# crash NAME: a run killed with SIGKILL while its first step holds; then
# the hold is released so the orphaned step ends too. Its cluster is not
# staging's: a resume must take run.start's value, not the environment's.
crash() {
	HOLD=$SCRATCH/$1.gate DRCONSOLE_PARAM_token=$TOKEN "$DRCONSOLE" run --operator o --incident-dir "$SCRATCH/$1" \
		--environment staging --param region=ap --param cluster=c7 "$RB" < /dev/null > "$SCRATCH/$1.first.out" 2>&1 &
	_pid=$!
	track_pid $_pid
	wait_for "[ -e '$SCRATCH/$1/held' ] || ! alive $_pid" 20 || die "the first step never started in $1"
	alive $_pid || { show "$SCRATCH/$1.first.out"; die "the run in $1 ended before the kill"; }
	kill -KILL $_pid
	wait $_pid 2>/dev/null
	touch "$SCRATCH/$1.gate"
}

crash r1
"$DRCONSOLE" run --resume "$SCRATCH/r1" --rerun-interrupted < /dev/null > "$SCRATCH/r1.nosecret.out" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q "'token'" "$SCRATCH/r1.nosecret.out" && ! grep -q "'region'\|'cluster'" "$SCRATCH/r1.nosecret.out"; then
	pass "resume without a terminal: only the secret is missing"
else
	fail "resume without the secret: rc $rc, or it named a recorded param"
	show "$SCRATCH/r1.nosecret.out"
fi
DRCONSOLE_PARAM_token=$TOKEN "$DRCONSOLE" run --resume "$SCRATCH/r1" --rerun-interrupted < /dev/null \
	> "$SCRATCH/r1.resume.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "resume without a terminal: the recorded values are taken" ||
	{ fail "resume refused the recorded values (rc $rc)"; show "$SCRATCH/r1.resume.out"; }
where_is r1 "cluster=c7 region=ap token=${#TOKEN}" "resume: the run got run.start's values"

if command -v tmux >/dev/null; then
	crash r2
	tmux_start "$DRCONSOLE" run --resume "$SCRATCH/r2" --rerun-interrupted --yes
	expect_screen "token:" "resume at a terminal: the secret is asked for"
	if screen_text | grep -q "region\|cluster"; then
		fail "resume at a terminal asked for a recorded param"
		screen_text | show
	else
		pass "resume at a terminal: no recorded param is asked for"
	fi
	type_text "$TOKEN"
	keys Enter
	poll pane_dead 20 || { screen_text | show; die "the resumed run did not end"; }
	[ "$(pane_status)" = 0 ] && pass "resume at a terminal: the run completes" ||
		{ fail "resume at a terminal ended with $(pane_status)"; screen_text | show; }
	where_is r2 "cluster=c7 region=ap token=${#TOKEN}" "resume at a terminal: run.start's values and the typed secret"
else
	note "tmux is not installed: the resume at a terminal is not checked"
fi

finish
