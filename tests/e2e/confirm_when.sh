#!/bin/sh
# confirm_when.sh: confirm: { ask, when, else }: the run policy decides how
# a step is confirmed from a condition, for line mode and the console alike:
# in production the promote step needs its id typed (unattended it stops,
# saying which condition held), in staging a plain y/n (--yes runs it); a
# condition on a captured value that is false runs the step unasked
# (else: no); a dry run shows both ways and which one applies.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
scratch_dir
RB=$top_srcdir/tests/data/run/confirm-when.yaml
export XDG_STATE_HOME=$SCRATCH/state

run_yes() {
	_out=$SCRATCH/$1
	mkdir -p "$_out"
	shift
	timeout 120 "$DRCONSOLE" run --yes --param "out=$_out" "$@" "$RB" </dev/null
}

run_yes p --environment production --incident-dir "$SCRATCH/ip" >"$SCRATCH/p.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && [ ! -e "$SCRATCH/p/promoted" ] &&
	grep -qF "step 'promote' is destructive (confirm: type, as confirm.when holds: environment == \"production\")" \
	"$SCRATCH/p.out" && pass "production: --yes does not type an id, and says which condition held" ||
	{ fail "production --yes: exit $rc"; show "$SCRATCH/p.out"; }

run_yes s --environment staging --incident-dir "$SCRATCH/is" >"$SCRATCH/s.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && [ -e "$SCRATCH/s/promoted" ] && pass "staging: the condition is false, so --yes confirms it" ||
	{ fail "staging --yes: exit $rc"; show "$SCRATCH/s.out"; }

timeout 120 "$DRCONSOLE" run --dry-run --environment staging --param "out=$SCRATCH" --incident-dir "$SCRATCH/d" \
	"$RB" </dev/null >"$SCRATCH/dry" 2>&1
grep -qF "confirm: when environment == \"production\": the operator types the step id 'promote'; otherwise: y/n (this run: otherwise)" \
	"$SCRATCH/dry" && pass "a dry run shows both ways and the one this run takes" || { fail "dry run"; show "$SCRATCH/dry"; }
grep -qF "confirm: when sessions > 0: the operator types the step id 'drain'; otherwise: none, it runs (depends on <sessions, captured by step count>" \
	"$SCRATCH/dry" && pass "a dry run says a captured value decides" || { fail "dry run: depends"; show "$SCRATCH/dry"; }

# The console in production: promote asks for the id, drain (no sessions)
# runs unasked.
mkdir -p "$SCRATCH/c"
printf '%s\n' 'key Enter' 'key Enter' 'wait-step count ok' 'key Enter' dump 'type promote' 'key Enter' \
	'wait-step promote ok 60' 'key Enter' 'wait-step drain ok 60' dump quit >"$SCRATCH/script"
: >"$SCRATCH/dump"
timeout 120 "$DRCONSOLE" --script "$SCRATCH/script" --dump "$SCRATCH/dump" --environment production \
	--param "out=$SCRATCH/c" "$RB" >"$SCRATCH/tui.out" 2>&1 || { fail "the console walk failed"; show "$SCRATCH/tui.out"; }
dump_has "$SCRATCH/dump" 1 "DESTRUCTIVE STEP: type its id to run it" "the console asks production for the typed id"
[ -e "$SCRATCH/c/promoted" ] && [ -e "$SCRATCH/c/drained" ] && pass "the console ran both steps" ||
	{ fail "the console did not run them"; show "$SCRATCH/tui.out"; }
INC=$(incident_of "$XDG_STATE_HOME")
journal_has "$INC/journal.jsonl" "promote was typed" event=step.confirm step=promote how=typed
journal_has "$INC/journal.jsonl" "drain ran unasked: its condition was false" event=step.confirm step=drain how=auto
finish
