#!/bin/sh
# input_step.sh: input steps ask the operator for a value mid-run, checked as
# a param's is, and later steps use it as a capture. Unattended (--yes) one
# needs --answer NAME=VALUE (a secret: DRCONSOLE_ANSWER_NAME) or the run
# stops saying so; the journal keeps a plain answer and masks a secret one,
# which no file of the incident holds; a resume keeps the plain answers and
# asks for the secret again; a hostile answer stays data; line mode prompts
# on a terminal (a secret unechoed) and the console asks in a dialog (a
# secret drawn as stars, a paste into the field); a dry run shows each.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
scratch_dir
RB=$top_srcdir/tests/data/run/input.yaml
export XDG_STATE_HOME=$SCRATCH/state
SECRET=Tok-9f3a-not-for-eyes
OUT=$SCRATCH/out
mkdir -p "$OUT"
# A reason that would run commands if it ever reached a shell as text.
HOSTILE='x"; touch '"$OUT"'/pwned; echo "$(touch '"$OUT"'/pwned2)`touch '"$OUT"'/pwned3`'

run_yes() {
	timeout 120 "$DRCONSOLE" run --yes --param "out=$OUT" "$@" "$RB" </dev/null
}

# --- unattended ---

run_yes --incident-dir "$SCRATCH/u1" >"$SCRATCH/u1.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -qF "step 'ticket' asks for 'ticket' and nobody is there to answer" "$SCRATCH/u1.out" &&
	grep -qF -- "--answer ticket=VALUE" "$SCRATCH/u1.out" && pass "--yes without an answer stops, saying how to give it" ||
	{ fail "--yes without an answer: exit $rc"; show "$SCRATCH/u1.out"; }

run_yes --incident-dir "$SCRATCH/u2" --answer ticket=CHG1 --answer replicas=2 --answer "token=$SECRET" \
	>"$SCRATCH/u2.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -qF "give it with DRCONSOLE_ANSWER_token, not --answer" "$SCRATCH/u2.out" &&
	pass "a secret answer on the command line is refused" || { fail "--answer token=: exit $rc"; show "$SCRATCH/u2.out"; }

run_yes --incident-dir "$SCRATCH/u3" --answer ticket=CHG1x >"$SCRATCH/u3.out" 2>&1
grep -qF "'CHG1x' does not match the pattern ^CHG[0-9]+\$ of 'ticket'" "$SCRATCH/u3.out" &&
	pass "an answer is checked as a param's value (its pattern)" || { fail "no pattern check"; show "$SCRATCH/u3.out"; }
run_yes --incident-dir "$SCRATCH/u4" --answer ticket=CHG1 --answer replicas=two >"$SCRATCH/u4.out" 2>&1
grep -qF "'two' is not a whole number for 'replicas'" "$SCRATCH/u4.out" && pass "an int input takes whole numbers only" ||
	{ fail "no int check"; show "$SCRATCH/u4.out"; }
run_yes --incident-dir "$SCRATCH/u5" --answer "ticket=CHG1$(printf '\033')[2J" >"$SCRATCH/u5.out" 2>&1
grep -qF "holds a control character (byte 0x1b)" "$SCRATCH/u5.out" && pass "an answer with a terminal escape is refused" ||
	{ fail "an escape was taken"; show "$SCRATCH/u5.out"; }

DRCONSOLE_ANSWER_token=$SECRET run_yes --incident-dir "$SCRATCH/u6" --answer ticket=CHG42 --answer replicas=3 \
	--answer go=yes --answer "reason=$HOSTILE" >"$SCRATCH/u6.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "every input answered before the run: it completes" || { fail "exit $rc"; show "$SCRATCH/u6.out"; }
[ "$(cat "$OUT/answers" 2>/dev/null)" = "CHG42|3|$SECRET|yes|$HOSTILE" ] &&
	pass "later steps use the answers, the hostile one as data" || { fail "answers: $(cat "$OUT/answers")"; }
[ ! -e "$OUT/pwned" ] && [ ! -e "$OUT/pwned2" ] && [ ! -e "$OUT/pwned3" ] && pass "the hostile answer ran nothing" ||
	fail "the hostile answer ran a command"
J=$SCRATCH/u6/journal.jsonl
grep -F '"event":"step.end"' "$J" | grep -F '"step":"ticket"' | grep -qF '"capture":{"ticket":"CHG42"}' &&
	pass "the journal keeps a plain answer" || { fail "no plain answer journaled"; show "$J"; }
grep -F '"event":"step.end"' "$J" | grep -F '"step":"token"' | grep -F '"capture_secret":true' |
	grep -qF '"capture":{"token":"****"}' && pass "and masks a secret one" || { fail "no masked answer"; show "$J"; }
journal_has "$J" "an answer given before the run is journaled so" event=step.confirm step=ticket how=auto
journal_has "$J" "the child did not see DRCONSOLE_ANSWER_*" event=step.end step=no-leak status=ok
if grep -rqF -- "$SECRET" "$SCRATCH/u6" "$SCRATCH/u6.out"; then
	fail "the secret answer is in $(grep -rlF -- "$SECRET" "$SCRATCH/u6" "$SCRATCH/u6.out" | tr '\n' ' ')"
else
	pass "the secret answer is in no file of the incident and not on the screen"
fi

# --- resume: plain answers kept, the secret asked again ---

rm -f "$OUT/answers"
DRCONSOLE_ANSWER_token=$SECRET run_yes --incident-dir "$SCRATCH/r" --answer ticket=CHG7 --answer replicas=1 \
	>"$SCRATCH/r1.out" 2>&1
grep -qF "step 'go' asks for 'go'" "$SCRATCH/r1.out" && pass "a run stops at an unanswered input" ||
	{ fail "no stop at go"; show "$SCRATCH/r1.out"; }
run_yes --resume "$SCRATCH/r" --answer go=no --answer reason=r >"$SCRATCH/r2.out" 2>&1
grep -qF "step 'token' asks for the secret 'token' and nobody is there to answer" "$SCRATCH/r2.out" &&
	pass "a resume asks for the secret answer again" || { fail "the secret was not asked again"; show "$SCRATCH/r2.out"; }
DRCONSOLE_ANSWER_token=Other-77-secret run_yes --resume "$SCRATCH/r" --answer go=no --answer reason=r \
	>"$SCRATCH/r3.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && [ "$(cat "$OUT/answers" 2>/dev/null)" = "CHG7|1|Other-77-secret|no|r" ] &&
	pass "a resume keeps the plain answers from the journal" || { fail "resume: exit $rc, $(cat "$OUT/answers")"; show "$SCRATCH/r3.out"; }

# --- dry run ---

DRCONSOLE_ANSWER_token=$SECRET timeout 120 "$DRCONSOLE" run --dry-run --param "out=$OUT" --answer replicas=5 \
	--incident-dir "$SCRATCH/d" "$RB" </dev/null >"$SCRATCH/dry" 2>&1
grep -qF 'input: asks for ticket: Change ticket, matching ^CHG[0-9]+$ (later steps use {{ ticket }})' "$SCRATCH/dry" &&
	grep -qF 'input: the operator types it (unattended it needs --answer)' "$SCRATCH/dry" &&
	grep -qF 'input: answered before the run: 5' "$SCRATCH/dry" && grep -qF 'input: answered before the run: ****' "$SCRATCH/dry" &&
	grep -qF '"<ticket, asked for by step ticket>"' "$SCRATCH/dry" && pass "a dry run shows each input and its stand-in" ||
	{ fail "dry run"; show "$SCRATCH/dry"; }
grep -qF -- "$SECRET" "$SCRATCH/dry" && fail "the dry run shows the secret" || pass "the dry run masks the secret"

# --- line mode on a terminal ---

command -v tmux >/dev/null || { note "tmux is not installed: the terminal walks are skipped"; finish; }
rm -f "$OUT/answers"
tmux_start "$DRCONSOLE" run --param "out=$OUT" --incident-dir "$SCRATCH/t" "$RB"
expect_screen "Change ticket:" "line mode prompts for the input" 30
expect_screen "The ticket this failover is recorded under" "with its help" 30
type_text "nope"; keys Enter
expect_screen "'nope' does not match the pattern" "a wrong answer is told" 30
type_text "CHG5"; keys Enter
expect_screen "Replicas (int):" "and the next input is asked once it is right" 30
type_text "4"; keys Enter
expect_screen "API token (secret):" "the secret is asked" 30
type_text "$SECRET"; keys Enter
expect_screen "go (yes, no):" "a choice shows its choices" 30
screen_text | grep -qF -- "$SECRET" && fail "the secret was echoed" || pass "the secret is not echoed"
type_text "yes"; keys Enter
expect_screen "Reason:" "the last input" 30
type_text "typed"; keys Enter
poll pane_dead 60 || fail "line mode never ended"
[ "$(pane_status)" = 0 ] && [ "$(cat "$OUT/answers" 2>/dev/null)" = "CHG5|4|$SECRET|yes|typed" ] &&
	pass "typed answers reach the later steps" || { fail "line mode: $(pane_status), $(cat "$OUT/answers")"; screen_text | show; }
journal_has "$SCRATCH/t/journal.jsonl" "a typed answer is journaled as answered" event=step.confirm step=ticket how=answered

# --- the console ---

rm -f "$OUT/answers"
tmux_respawn "$DRCONSOLE" --param "out=$OUT" --incident-dir "$SCRATCH/c" "$RB"
screen_wait "Start the run" 30 || { screen_text | show; die "the console never showed its first frame"; }
keys Enter
expect_screen "Checklist  0/7" "the run view" 30
keys Enter
expect_screen "The runbook asks for a value" "the console asks in a dialog" 30
expect_screen "Change ticket" "with the prompt" 30
type_text "CHG"; keys Enter
expect_screen "'CHG' does not match the pattern" "a wrong answer is told in the dialog" 30
paste_text "CHG88"
expect_screen "> CHG88" "a paste goes into the field" 30
keys Enter
expect_screen "1/7" "a pasted answer is taken" 30
keys Enter
expect_screen "Replicas (int)" "each input step asks when it is run" 30
type_text "6"; keys Enter
expect_screen "2/7" "the int is taken" 30
keys Enter
expect_screen "API token (secret)" "the secret is asked" 30
type_text "$SECRET"
expect_screen "> *********************" "the secret is drawn as stars" 30
screen_text | grep -qF -- "$SECRET" && fail "the console shows the secret" || pass "the console never shows the secret"
keys Enter
expect_screen "3/7" "the secret is taken" 30
keys Enter
expect_screen "go (yes, no)" "the choice" 30
type_text "no"; keys Enter
expect_screen "4/7" "the choice is taken" 30
keys Enter
expect_screen "Reason" "the last input" 30
type_text "console"; keys Enter
expect_screen "5/7" "the reason is taken" 30
keys Enter
poll "[ -s '$OUT/answers' ]" 60 || fail "the console never ran the record step"
[ "$(cat "$OUT/answers" 2>/dev/null)" = "CHG88|6|$SECRET|no|console" ] && pass "the console's answers reach the later steps" ||
	{ fail "console answers: $(cat "$OUT/answers")"; screen_text | show; }
grep -rqF -- "$SECRET" "$SCRATCH/c" && fail "the console journaled the secret" || pass "no console file holds the secret"
finish
