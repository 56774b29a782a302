#!/bin/sh
# tui_interrupted.sh: `drconsole resume` (the console, in a private tmux)
# honours --skip-interrupted and --rerun-interrupted as line mode does
# (runpolicy_interrupted): the step that was running when the run was
# killed is skipped, or re-run, without the "outcome unknown" dialog, and
# the journal says so. Without either flag the dialog still asks.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v tmux >/dev/null || skip_all "tmux is not installed"
scratch_dir
RB=$top_srcdir/tests/data/run/param-sources.yaml
TOKEN=tok-0123456789
unset HOLD DRCONSOLE_PARAM_token

# crash NAME: a line-mode run killed with SIGKILL while its first step
# holds; then the hold is released so the orphaned step ends too.
crash() {
	HOLD=$SCRATCH/$1.gate DRCONSOLE_PARAM_token=$TOKEN "$DRCONSOLE" run --operator o \
		--incident-dir "$SCRATCH/$1" --param region=eu --param cluster=c1 "$RB" \
		< /dev/null > "$SCRATCH/$1.first.out" 2>&1 &
	_pid=$!
	track_pid $_pid
	wait_for "[ -e '$SCRATCH/$1/held' ] || ! alive $_pid" 20 || die "the first step never started in $1"
	alive $_pid || { show "$SCRATCH/$1.first.out"; die "the run in $1 ended before the kill"; }
	kill -KILL $_pid
	wait $_pid 2>/dev/null
	touch "$SCRATCH/$1.gate"
}

# resume_console NAME FLAGS...: `drconsole resume` of NAME in the pane; the
# secret is typed into its form and the resume started.
resume_console() {
	_n=$1
	shift
	if [ -z "${TM:-}" ]; then
		tmux_start "$DRCONSOLE" resume --operator o "$@" "$SCRATCH/$_n"
	else
		tmux_respawn "$DRCONSOLE" resume --operator o "$@" "$SCRATCH/$_n"
	fi
	screen_wait "Resume the run" || { screen_text | show; die "the resume form of $_n never showed"; }
	type_text "$TOKEN"
	keys Down Enter
}

# starts NAME: how many times the hold step started in NAME's journal.
starts() {
	journal_count "$SCRATCH/$1/journal.jsonl" event=step.start step=hold
}

lacks_screen() {
	if screen_text | grep -qF -- "$1"; then fail "$2"; screen_text | show; else pass "$2"; fi
}

crash skip
resume_console skip --skip-interrupted
expect_screen "Checklist  1/2" "--skip-interrupted: the interrupted step is settled on resume"
lacks_screen "outcome unknown" "--skip-interrupted: the console does not ask about it"
journal_has "$SCRATCH/skip/journal.jsonl" "--skip-interrupted: the skip is journaled" \
	event=step.end step=hold skip=interrupted
[ "$(starts skip)" -eq 1 ] && pass "--skip-interrupted: the step did not run again" ||
	fail "--skip-interrupted: hold started $(starts skip) times"
keys q
poll pane_dead 10 || keys y
poll pane_dead 10 || die "the console did not quit"

crash rerun
resume_console rerun --rerun-interrupted --yes
if poll "[ \$(starts rerun) -eq 2 ]" 10; then
	pass "--rerun-interrupted --yes: the interrupted step runs again"
else
	fail "--rerun-interrupted: hold started $(starts rerun) times"
	screen_text | show
fi
expect_screen "Checklist  1/2" "--rerun-interrupted: the re-run step ends"
lacks_screen "outcome unknown" "--rerun-interrupted: the console does not ask about it"
journal_has "$SCRATCH/rerun/journal.jsonl" "--rerun-interrupted: the decision is journaled" \
	event=decision step=hold kind=retry
keys q
poll pane_dead 10 || keys y
poll pane_dead 10 || die "the console did not quit"

crash ask
resume_console ask
expect_screen "Interrupted step: outcome unknown" "no flag: the console asks about the interrupted step"

finish
