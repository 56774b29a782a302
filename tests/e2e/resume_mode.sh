#!/usr/bin/env bash
# resume_mode.sh: a resumed run keeps the mode and environment its incident
# started with. kill -9 a drill, a training run and a live run while a step
# holds, resume them in line mode without a mode flag: a drill stays a drill
# (skipped steps never run, stand-ins do, every new journal line is marked,
# the postmortem says DRILL), training stays training (why-texts, its own
# environment), live stays live. A flag that contradicts the incident is
# refused with exit 2 and the journal is left alone. With tmux: a dry run
# killed in the console resumes dry in line mode, `drconsole resume` drives a
# killed drill on as a drill, and the console's list resumes it as one too
# (refusing --training, and forgetting the drill for a new run).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
scratch_dir
RB=$top_srcdir/tests/data/run/resume-mode.yaml

# crash NAME FLAGS...: starts a run of $RB in $SCRATCH/NAME, kills it with
# SIGKILL while its first step holds (that step waits for a gate file the
# test creates only afterwards), then opens the gate so the orphaned step
# ends too.
crash() {
	_dir=$SCRATCH/$1
	shift
	"$DRCONSOLE" run "$@" --incident-dir "$_dir" "$RB" < /dev/null > "$_dir.first.out" 2>&1 &
	_pid=$!
	track_pid $_pid
	wait_for "[ -e '$_dir/held' ] || ! alive $_pid" 20 || die "the first step never started in $_dir"
	alive $_pid || { show "$_dir.first.out"; die "the run in $_dir ended before the kill"; }
	kill -KILL $_pid
	wait $_pid 2>/dev/null
	cp "$_dir/journal.jsonl" "$_dir.before.jsonl"
	touch "$_dir/gate"
}

# resume NAME ARGS...: resumes $SCRATCH/NAME in line mode; rc in $rc.
resume() {
	_dir=$SCRATCH/$1
	shift
	"$DRCONSOLE" run --resume "$_dir" "$@" < /dev/null > "$_dir.resume.out" 2>&1
	rc=$?
}

# new_lines NAME: the journal lines written after the kill.
new_lines() {
	tail -n +"$(( $(wc -l < "$SCRATCH/$1.before.jsonl") + 1 ))" "$SCRATCH/$1/journal.jsonl"
}

exists() {
	[ -e "$SCRATCH/$1/$2" ] && pass "$3" || fail "$3: $2 is missing"
}

absent() {
	[ ! -e "$SCRATCH/$1/$2" ] && pass "$3" || fail "$3: $2 exists"
}

has() {
	grep -qF -- "$3" "$SCRATCH/$1$2" && pass "$4" || { fail "$4: no '$3' in $1$2"; show "$SCRATCH/$1$2"; }
}

unchanged() {
	cmp -s "$SCRATCH/$1.before.jsonl" "$SCRATCH/$1/journal.jsonl" && pass "$2" ||
		fail "$2: the journal changed"
}

# refused NAME WHAT FLAGS...: a resume with FLAGS exits 2, says why, and
# writes nothing.
refused() {
	_name=$1
	_what=$2
	shift 2
	resume "$_name" --rerun-interrupted --yes "$@"
	[ "$rc" -eq 2 ] && pass "$_what: exit 2" || { fail "$_what: exit $rc"; show "$SCRATCH/$_name.resume.out"; }
	has "$_name" .resume.out "contradicts the incident" "$_what: says the resume keeps the incident's setup"
	unchanged "$_name" "$_what: nothing journaled"
	absent "$_name" where "$_what: no step ran"
}

# --- a drill ---
crash drill --drill
refused drill "--training on a drill" --training
refused drill "--dry-run on a drill" --dry-run
refused drill "--environment production on a drill in staging" --environment production
resume drill --rerun-interrupted --yes
[ "$rc" -eq 0 ] && pass "the drill resumes without --drill (exit 0)" ||
	{ fail "drill resume exit $rc"; show "$SCRATCH/drill.resume.out"; }
has drill .resume.out "[drill]" "line mode announces the resumed run as a drill"
absent drill paged "a drill: skip step never runs after the resume"
absent drill dns-switched "the real command of a step with a stand-in never runs"
exists drill dns-simulated "the drill stand-in runs instead"
has drill /where "mode=drill env=staging target=staging-cluster" "the resumed drill keeps its mode and staging"
if [ "$(new_lines drill | wc -l)" -gt 0 ] && ! new_lines drill | grep -vqF '"drill":true'; then
	pass "every journal line after the resume is drill-marked ($(new_lines drill | wc -l) lines)"
else
	fail "a journal line after the resume is not drill-marked"; new_lines drill | show
fi
new_lines drill | grep -F '"event":"step.end"' | grep -F '"step":"page"' | grep -qF 'skipped in a drill' &&
	pass "the journal records the drill skip" || fail "no drill skip journaled"
has drill /postmortem.md "DRILL" "the postmortem says DRILL"

# --- a training run ---
crash training --training
refused training "--drill on a training run" --drill
resume training --rerun-interrupted --yes
[ "$rc" -eq 0 ] && pass "the training run resumes without --training (exit 0)" ||
	{ fail "training resume exit $rc"; show "$SCRATCH/training.resume.out"; }
has training .resume.out "[training]" "line mode announces the resumed run as training"
has training .resume.out "Clients must reach the standby." "training shows the why-texts after the resume"
has training /where "mode=training env=training target=training-cluster" \
	"the resumed training run keeps its mode and environment"
new_lines training | grep -qF '"drill":true' && fail "a training line is drill-marked" ||
	pass "training lines are not drill-marked"
has training /postmortem.md "TRAINING" "the postmortem says TRAINING"

# --- a live run ---
crash live
refused live "--drill on a live incident" --drill
refused live "--dry-run on a live incident" --dry-run
refused live "--environment staging on a live incident in production" --environment staging
resume live --rerun-interrupted --yes --environment production
[ "$rc" -eq 0 ] && pass "a flag that agrees with the incident is accepted" ||
	{ fail "live resume exit $rc"; show "$SCRATCH/live.resume.out"; }
exists live paged "a live run stays live: the paging step ran"
exists live dns-switched "a live run stays live: the real command ran"
has live /where "mode=live env=production target=prod-cluster" "the live run keeps production"

# --- the console's resume refuses a contradicting flag the same way ---
"$DRCONSOLE" resume "$SCRATCH/drill" --training --script /dev/null > "$SCRATCH/console.out" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -qF -- "--training contradicts the incident, which was started in drill mode" "$SCRATCH/console.out" &&
	pass "drconsole resume refuses --training on a drill (exit 2)" ||
	{ fail "drconsole resume: exit $rc"; show "$SCRATCH/console.out"; }

command -v tmux > /dev/null || { note "tmux is not installed: the console checks are left out"; finish; }

# --- a dry run, killed in the console between steps, resumed in line mode ---
D=$SCRATCH/dry
tmux_start "$DRCONSOLE" --dry-run --incident-dir "$D" "$RB"
expect_screen "Start the run" "the console opens the dry run's form"
keys Enter
expect_screen "DRY RUN" "the console runs a dry run"
keys Enter
poll "[ \$(journal_count '$D/journal.jsonl' event=step.end step=hold) -gt 0 ]" 10 ||
	{ fail "the dry run never ended its first step"; screen_text | show; }
kill -KILL "$(cat "$D/lock")"
poll pane_dead 10 || fail "the console outlived kill -9"
cp "$D/journal.jsonl" "$D.before.jsonl"
resume dry --yes
[ "$rc" -eq 0 ] && pass "the dry run resumes without --dry-run (exit 0)" ||
	{ fail "dry resume exit $rc"; show "$D.resume.out"; }
has dry .resume.out "[dry-run]" "line mode announces the resumed run as a dry run"
for f in held dns-switched dns-simulated paged where; do
	absent dry "$f" "nothing runs in the resumed dry run ($f)"
done
[ "$(new_lines dry | grep -F '"event":"step.end"' | grep -cF 'dry run: not executed')" -eq 3 ] &&
	pass "the three remaining steps are journaled as not executed" ||
	{ fail "the remaining steps were not dry"; new_lines dry | show; }
has dry /postmortem.md "DRY RUN" "the postmortem says DRY RUN"

# --- a drill killed in line mode, resumed in the console ---
crash cdrill --drill
tmux_respawn "$DRCONSOLE" resume "$SCRATCH/cdrill"
expect_screen "Resume: E2E resume keeps the mode  [drill]" "drconsole resume's form says drill"
keys Enter
expect_screen "Interrupted step: outcome unknown" "drconsole resume asks about the interrupted step"
screen_text | head -n 1 | grep -qF "DRILL" && pass "the console shows the resumed run as a DRILL" ||
	{ fail "the console's top bar does not say DRILL"; screen_text | show; }
keys r
# console_step ID N: confirms step ID (step N of 4) and waits for its end.
console_step() {
	expect_screen "Step $2 of 4" "the console offers step $1"
	keys y
	poll "[ \$(journal_count '$SCRATCH/cdrill/journal.jsonl' event=step.end step=$1) -gt 0 ]" 10 ||
		{ fail "step $1 never ended"; screen_text | show; }
	# The journal has it before the screen does: the next Enter is for the
	# next step only once the console shows it as next (held or selected).
	_next=$(($2 + 1))
	poll "screen_text | grep -qE 'next: step $_next |▶ . +$_next |RUN COMPLETED'" 10 ||
		{ fail "the console never went on from step $1"; screen_text | show; }
}
console_step hold 1
for s in dns:2 page:3 where:4; do
	keys Enter
	console_step "${s%:*}" "${s#*:}"
done
expect_screen "RUN COMPLETED" "the resumed drill completes in the console"
keys q
poll pane_dead 10 && [ "$(pane_status)" = 0 ] && pass "the console exits 0" ||
	fail "the console did not exit 0 ($(pane_status))"
absent cdrill paged "console resume: the drill: skip step never runs"
absent cdrill dns-switched "console resume: the real command never runs"
exists cdrill dns-simulated "console resume: the stand-in runs"
has cdrill /where "mode=drill env=staging target=staging-cluster" "console resume: the drill keeps staging"
if [ "$(new_lines cdrill | wc -l)" -gt 0 ] && ! new_lines cdrill | grep -vqF '"drill":true'; then
	pass "console resume: every new journal line is drill-marked"
else
	fail "console resume: a new journal line is not drill-marked"; new_lines cdrill | show
fi
has cdrill /postmortem.md "DRILL" "console resume: the postmortem says DRILL"

# --- the console's list: RESUME takes the incident's mode, not the flags ---
mkdir -p "$SCRATCH/state/drconsole/incidents"
crash state/drconsole/incidents/29991231T235959Z-e2e-resume-mode --drill
mkdir "$SCRATCH/rbs" && cp "$RB" "$SCRATCH/rbs/"
tmux_respawn "$DRCONSOLE" --training "$SCRATCH/rbs"
expect_screen "RESUME 29991231T235959Z-e2e-resume-mode" "the list offers the killed drill"
keys Enter
expect_screen "--training contradicts the incident, which was started in drill mode" \
	"RESUME with --training on a drill is refused in the list"
unchanged state/drconsole/incidents/29991231T235959Z-e2e-resume-mode "the refused RESUME journals nothing"
keys q
poll pane_dead 10 || fail "the console did not quit"
tmux_respawn "$DRCONSOLE" "$SCRATCH/rbs"
expect_screen "RESUME 29991231T235959Z-e2e-resume-mode" "the list offers the drill again"
keys Enter
expect_screen "Resume: E2E resume keeps the mode  [drill]" "RESUME without a flag resumes a drill"
keys Escape
expect_screen "pick a scenario" "Esc goes back to the list"
keys Down Enter
expect_screen "New run: E2E resume keeps the mode  [live]" "a new run from the list is live again"
keys Enter
expect_screen "LIVE  op" "the new run starts, in its own incident directory"
[ "$(ls "$SCRATCH/state/drconsole/incidents" | grep -cv '\.')" -eq 2 ] &&
	pass "the new run made a second incident" || { fail "no second incident"; ls -l "$SCRATCH/state/drconsole/incidents" | show; }
unchanged state/drconsole/incidents/29991231T235959Z-e2e-resume-mode "the drill's journal is untouched by the new run"
keys q
expect_screen "Quit?" "q asks before leaving the new run open"
keys y
poll pane_dead 10 || { fail "the console did not quit"; screen_text | show; }
tmux_respawn "$DRCONSOLE" "$SCRATCH/rbs"
expect_screen "RESUME 29991231T235959Z-e2e-resume-mode" "the list offers the drill a third time"
keys Enter
expect_screen "Resume: E2E resume keeps the mode  [drill]" "RESUME again: still a drill"
keys Enter
expect_screen "Interrupted step: outcome unknown" "the list's resume reaches the run view"
screen_text | head -n 1 | grep -qF "DRILL" && pass "the list's resume runs as a DRILL" ||
	{ fail "the top bar does not say DRILL"; screen_text | show; }
finish
