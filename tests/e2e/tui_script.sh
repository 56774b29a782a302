#!/bin/sh
# tui_script.sh: the console in script mode (no terminal): the params form,
# confirmations (y/n and typed), a failure and its dialog, a rollback, a
# manual step, skips with reasons, a note, the help screen, resizing, and
# the finished banner; screen dumps are checked for text and the journal
# for the events behind them.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
scratch_dir
export XDG_STATE_HOME=$SCRATCH/state
SCRIPT=$SCRATCH/script
DUMP=$SCRATCH/dump

# One dump per checkpoint; the numbers below follow the `dump` lines.
cat >"$SCRIPT" <<'SCRIPT_END'
# 1: the form as it opens, on the first required field
dump
type 2026-13-99
key Down
# 2: a bad timestamp is refused next to its field
dump
key Up
key BSpace
key BSpace
key BSpace
key BSpace
key BSpace
type 11-23T15:00:00Z
key Down
type hunter2
key Down
key Down
# 3: the secret is masked
dump
key Enter
# 4: the run view, step 1 selected
dump
key Enter
key Enter
# 5: the y/n confirmation of step 2
dump
key n
key Enter
key y
key Enter
type drop-tabel
key Enter
# 6: a wrong id is refused
dump
key Esc
key Enter
type drop-table
key Enter
key Enter
# 7: the failure dialog of step 4
dump
key b
key y
# 8: after the rollback the failure dialog is back
dump
key s
key Enter
# 9: a skip needs a reason
dump
type flaky is flaky
key Enter
key Enter
type looked at it
key Enter
key n
type called the DBA
key Enter
key ?
# 10: the help screen
dump
key End
# 11: its end
dump
key Esc
resize 80x24
# 12: 80x24
dump
resize 60x15
# 13: too small
dump
resize 100x30
key s
type not needed today
key Enter
key Enter
# 14: the run has ended
dump
quit
SCRIPT_END

timeout 120 "$DRCONSOLE" --script "$SCRIPT" --dump "$DUMP" --operator tester \
	"$TUI_DATA/basic.yaml" >"$SCRATCH/out" 2>"$SCRATCH/err"
rc=$?
if [ "$rc" -eq 0 ]; then
	pass "the scripted walk ends with status 0 (run completed)"
else
	fail "the scripted walk $(describe_rc "$rc")"
	show "$SCRATCH/out" "$SCRATCH/err"
fi
[ -s "$DUMP" ] || die "no dumps written"
n=$(grep -c '^===== dump ' "$DUMP")
[ "$n" -eq 14 ] && pass "14 dumps written" || fail "want 14 dumps, got $n"

dump_has "$DUMP" 1 "▶* Restore to (UTC)" "form: a required param is marked, and selected first"
dump_has "$DUMP" 1 "< eu-west >" "form: a choice shows its default"
dump_has "$DUMP" 1 "(generated)" "form: a generated secret says so"
dump_has "$DUMP" 2 "not a time" "form: a bad timestamp is refused next to the field"
dump_has "$DUMP" 3 "****" "form: the secret shows as ****"
dump_lacks "$DUMP" 3 "hunter2" "form: the secret is not echoed"
dump_has "$DUMP" 4 " LIVE " "run view: the mode badge"
dump_has "$DUMP" 4 "RTO 0:0" "run view: the RTO clock"
dump_has "$DUMP" 4 "Prepare" "run view: phase headings"
dump_has "$DUMP" 4 "Enter run" "run view: the key bar"
dump_has "$DUMP" 5 "Run this step?" "step 2 asks y/n"
dump_has "$DUMP" 5 'echo "confirmed step ran"' "the confirmation shows the command"
dump_has "$DUMP" 5 "y yes" "the key bar follows the dialog"
dump_has "$DUMP" 6 "DESTRUCTIVE STEP: type its id" "a confirm: type step asks for its id"
dump_has "$DUMP" 6 "That is not 'drop-table': nothing ran" "a wrong id does not confirm"
dump_has "$DUMP" 7 "Step 'flaky' failed" "a failure opens the failure dialog"
dump_has "$DUMP" 7 "[b] run its rollback" "the failure dialog offers the rollback"
dump_has "$DUMP" 7 "about to fail" "the output pane shows the failed step's output"
dump_has "$DUMP" 8 "the rollback ran and succeeded" "after the rollback the dialog says so"
dump_has "$DUMP" 9 "required: type something" "a skip without a reason is refused"
dump_has "$DUMP" 10 "cancel the running step" "the help lists actions from the table"
dump_has "$DUMP" 10 "Checklist" "the help opens on the checklist's keys"
dump_has "$DUMP" 11 "Attached to an interactive step" "the help has a section per context (End shows the last)"
if grep -qx '===== dump 12 80x24 =====' "$DUMP" && [ "$(dump_rows "$DUMP" 12 | wc -l)" -eq 24 ]; then
	pass "resize: dump 12 has 24 rows"
else
	fail "resize: dump 12 is not 80x24"
fi
dump_has "$DUMP" 12 "Checklist" "80x24 still shows the checklist"
dump_has "$DUMP" 12 "called the DBA" "the note is on the timeline"
dump_has "$DUMP" 13 "terminal too small: need at least 70x20, now 60x15" "below 70x20 the console says so"
dump_has "$DUMP" 14 "RUN COMPLETED" "the finished banner"
dump_has "$DUMP" 14 "within the RTO of 1h" "the banner gives the RTO verdict"

J=$(incident_of "$SCRATCH/state")/journal.jsonl
[ -f "$J" ] || die "no journal under $SCRATCH/state"
journal_has "$J" "hello ran without asking" event=step.confirm step=hello how=auto
journal_has "$J" "confirm-me was confirmed with y" event=step.confirm step=confirm-me how=confirmed
journal_has "$J" "drop-table was confirmed by typing" event=step.confirm step=drop-table how=typed
journal_has "$J" "the wrong id typed first is journaled as a refused confirmation" event=confirm.refused step=drop-table typed=drop-tabel
[ "$(journal_count "$J" event=step.confirm step=drop-table)" -eq 1 ] &&
	pass "the wrong id started nothing" || fail "drop-table was confirmed more than once"
[ -f "$(incident_of "$SCRATCH/state")/dropped" ] && pass "the typed step ran" || fail "the typed step did not run"
journal_has "$J" "flaky failed" event=step.end step=flaky status=failed
journal_has "$J" "the rollback decision" event=decision step=flaky decision=rollback
journal_has "$J" "the rollback ran" event=step.rollback step=flaky status=ok
journal_has "$J" "flaky skipped with the reason" event=step.end step=flaky status=skipped "reason=flaky is flaky"
journal_has "$J" "the manual step was attested with its note" event=step.confirm step=look how=attested "note=looked at it"
journal_has "$J" "the note" event=note "text=called the DBA"
journal_has "$J" "optional skipped with the reason" event=step.end step=optional "reason=not needed today"
journal_has "$J" "the last step ran" event=step.end step=finish status=ok
journal_has "$J" "the run completed" event=run.end status=completed
if grep -q hunter2 "$J"; then fail "the secret reached the journal"; else pass "the secret is not in the journal"; fi

# Resume: secrets are asked for again (they were never written down), the
# state comes back, and --ascii is honoured (an unknown theme is an error:
# tui_options.sh).
export XDG_STATE_HOME=$SCRATCH/state2
printf '%s\n' 'type 2026-11-23T15:00:00Z' 'key Down' 'type pw1-again' 'key Down' 'key Down' \
	'key Enter' 'key Enter' quit >"$SCRATCH/first"
timeout 120 "$DRCONSOLE" --script "$SCRATCH/first" --operator alice "$TUI_DATA/basic.yaml" \
	>"$SCRATCH/out" 2>"$SCRATCH/err" || fail "the first half of the resume walk failed"
INC=$(incident_of "$XDG_STATE_HOME")
printf '%s\n' dump 'type pw1-again' 'key Down' 'type token-again' 'key Down' 'key Enter' dump 'key i' dump quit \
	>"$SCRATCH/second"
: >"$SCRATCH/dump2"
timeout 120 "$DRCONSOLE" resume "$INC" --script "$SCRATCH/second" --dump "$SCRATCH/dump2" --operator bob \
	--ascii >"$SCRATCH/out" 2>"$SCRATCH/err"
rc=$?
[ "$rc" -eq 0 ] && pass "resume in script mode exits 0" || { fail "resume: $(describe_rc "$rc")"; show "$SCRATCH/err"; }
dump_has "$SCRATCH/dump2" 1 "Secrets were never written down" "resume asks for the secrets again"
dump_has "$SCRATCH/dump2" 1 "Database password" "resume lists the secret param"
dump_has "$SCRATCH/dump2" 1 "New API token" "resume lists the generated secret too"
dump_has "$SCRATCH/dump2" 2 "+  1 Say hello" "resume: step 1 is done (ASCII marks with --ascii)"
dump_has "$SCRATCH/dump2" 2 "> .  2 A step that asks" "resume: step 2 is selected next"
dump_lacks "$SCRATCH/dump2" 2 "│" "--ascii draws no UTF-8 lines"
dump_lacks "$SCRATCH/dump2" 2 "why: An ordinary step" "why is hidden by default"
dump_has "$SCRATCH/dump2" 3 "why: An ordinary step asks before it runs." "i shows why"
journal_has "$INC/journal.jsonl" "the handoff is journaled" event=handoff from=alice to=bob
journal_has "$INC/journal.jsonl" "run.resume is journaled" event=run.resume

# The picker: unfinished incidents first, runbooks with their trigger and
# objectives, / filters as you type, Enter opens the form, Esc goes back.
printf '%s\n' dump 'key /' 'type live' 'key Enter' dump 'key Esc' dump quit >"$SCRATCH/pick"
: >"$SCRATCH/dump3"
DRCONSOLE_RUNBOOKS=$TUI_DATA timeout 120 "$DRCONSOLE" --script "$SCRATCH/pick" --dump "$SCRATCH/dump3" \
	>"$SCRATCH/out" 2>"$SCRATCH/err"
rc=$?
[ "$rc" -eq 0 ] && pass "the picker walk exits 0" || { fail "picker: $(describe_rc "$rc")"; show "$SCRATCH/err"; }
dump_has "$SCRATCH/dump3" 1 "RESUME $(basename "$INC")" "the picker offers the unfinished incident"
dump_has "$SCRATCH/dump3" 1 "[T] Console test walk" "the picker shows scenario and title"
dump_has "$SCRATCH/dump3" 1 "trigger: The console's screen tests" "the picker shows the trigger"
dump_has "$SCRATCH/dump3" 1 "RTO 1h  RPO 5m  7 steps" "the picker shows the objectives"
if dump_rows "$SCRATCH/dump3" 1 | grep -n -e RESUME -e '\[T\]' | head -n 1 | grep -q RESUME; then
	pass "unfinished incidents come first"
else
	fail "unfinished incidents are not listed first"
fi
dump_has "$SCRATCH/dump3" 2 "New run: Console live test" "filter + Enter opens the matching runbook"
dump_has "$SCRATCH/dump3" 3 "[L] Console live test" "Esc goes back to the picker"

# A bad script is refused with its line number.
printf 'key NoSuchKey\n' >"$SCRATCH/bad"
timeout 120 "$DRCONSOLE" --script "$SCRATCH/bad" "$TUI_DATA/basic.yaml" >"$SCRATCH/out" 2>"$SCRATCH/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q 'bad:1: key: unknown key name' "$SCRATCH/err"; then
	pass "a bad script line is reported with its line number"
else
	fail "a bad script: $(describe_rc "$rc")"
	show "$SCRATCH/err"
fi

# With no terminal and no script the console refuses, instead of spinning.
timeout 120 "$DRCONSOLE" "$TUI_DATA/basic.yaml" </dev/null >"$SCRATCH/out" 2>"$SCRATCH/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q 'needs a terminal' "$SCRATCH/err"; then
	pass "no terminal: a clear refusal"
else
	fail "no terminal: $(describe_rc "$rc")"
	show "$SCRATCH/err"
fi
finish
