#!/usr/bin/env bash
# templates.sh: templates in shell commands through the real binary: hostile
# values arrive exact, never on an argv; what is shown (line mode, dry run,
# the journal) is the command as the shell gets it, values shell-quoted;
# lint and the run refuse the same command.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
scratch_dir
D=$top_srcdir/tests/data/templates
export XDG_STATE_HOME=$SCRATCH/state
X=$'a\'b"c $(touch PWNED) `touch PWNED` ; touch PWNED\nEOF'
PW='Sup3r-s3cret-pw'

has() {		# has FILE FIXED-TEXT WHAT
	if grep -qF -- "$2" "$1"; then pass "$3"; else fail "$3 (no '$2' in $1)"; show "$1"; fi
}
hasnt() {
	if grep -qF -- "$2" "$1"; then fail "$3 ('$2' found in $1)"; show "$1"; else pass "$3"; fi
}

cd "$SCRATCH" || die "no scratch dir"
DRCONSOLE_PARAM_pw=$PW timeout 60 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/i1" \
	--param x="$X" "$D/hostile.yaml" < /dev/null > out 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "hostile values: run completed" || { fail "hostile values: exit $rc"; show out; }
[ ! -e PWNED ] && [ ! -e "$SCRATCH/i1/PWNED" ] && pass "no value ran as code" || fail "a value ran as code"
x_one_line=${X//$'\n'/ }
has out "| [a'b\"c \$(touch PWNED) \`touch PWNED\` ; touch PWNED" "bare, quoted and joined words print the value"
has out "| [xa'b\"c" "a template joined to text is one word"
has out "| <a'b\"c" "an unquoted here-document gets the value"
has out "| inner[a'b\"c" "a second shell gets it as \$1"
has out "env[a'b\"c" "and from DRCONSOLE_PARAM_x"
has out "pw[****]" "a secret named in the command is in its environment (masked)"
has out "| <a b>" "list item one, one word"
has out "| <c;d>" "list item two, one word"
has out "| tag=v1" "an inert value stands in a script"
has out "| bash=v1" "shell: bash runs under bash"
grep -A2 'env-without-secret' out | grep -q '| 0' && pass "no secret in a command's environment that does not name it" \
	|| { fail "the secret was exported to a step that does not name it"; show out; }
hasnt out "$PW" "the secret is never printed"
# The argv step printed its shell's own /proc cmdline.
grep '| sh -c tr' out > argv.txt
hasnt argv.txt "touch PWNED" "the value is not in the shell's argv"
has argv.txt 'DRC_P_x' "the shell's argv holds a variable reference instead"
# What is shown is what the shell gets, values shell-quoted.
has out "\$ printf '[%s]\\n' 'a'\\''b\"c \$(touch PWNED)" "line mode shows the value shell-quoted"
has out "<<EOF" "the here-document is shown"
if grep -rqF -- "$PW" "$SCRATCH/i1"; then fail "the secret is on disk"; else pass "the secret is nowhere on disk"; fi
python3 - "$SCRATCH/i1/journal.jsonl" "$X" > journal.txt 2>&1 <<'PY' && pass "journal: the command shows each value shell-quoted" || { fail "journal command"; show journal.txt; }
import json, os, subprocess, sys
x = sys.argv[2]
cmds = [json.loads(l).get("command") for l in open(sys.argv[1]) if '"step.start"' in l]
word = [c for c in cmds if c and c.startswith("printf '[%s]")][0]
# The shown command is real shell: run as it is shown, it gives the value
# back, and runs nothing.
shown = "printf '%s\\0'" + word[len("printf '[%s]\\n'"):]
out = subprocess.run(["/bin/sh", "-c", shown], capture_output=True, check=True).stdout
args = out.decode().split("\0")[:-1]
assert args == [x, x, x, "x" + x + "x"], args
assert not os.path.exists("PWNED")
assert any("for h in 'a b' 'c;d'" in c for c in cmds if c), cmds
PY

# --dry-run shows the same rendering and runs nothing.
DRCONSOLE_PARAM_pw=$PW timeout 60 "$DRCONSOLE" run --dry-run --incident-dir "$SCRATCH/i2" \
	--param x="$X" "$D/hostile.yaml" < /dev/null > dry 2>&1
has dry "\$ printf '[%s]\\n' 'a'\\''b\"c" "dry run shows the value shell-quoted"
has dry "for h in 'a b' 'c;d'" "dry run shows each list item"
[ ! -e PWNED ] && pass "dry run ran nothing" || fail "dry run ran something"

# lint refuses the second interpreter; the run refuses it before step 1.
timeout 120 "$DRCONSOLE" lint "$D/refused.yaml" > lint.out 2>&1
[ $? -eq 2 ] && pass "lint refuses a template in sh -c" || { fail "lint accepted sh -c '{{ x }}'"; show lint.out; }
has lint.out "refused.yaml:14:22: error: step 'inner': run: template 'x' cannot stand here" "lint says where and why"
timeout 60 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/i3" --param x='$(touch PWNED)' \
	"$D/refused.yaml" < /dev/null > refused.out 2>&1
rc=$?
[ "$rc" -eq 2 ] && pass "run refuses what lint refuses (exit 2)" || { fail "run exit $rc"; show refused.out; }
[ ! -e "$SCRATCH/i3/FIRST" ] && pass "nothing ran" || fail "a step ran before the refusal"

# Values given to params are checked where they are given.
timeout 120 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/i4" --param x=1 --param tag='v1; id' \
	"$D/hostile.yaml" < /dev/null > pattern.out 2>&1
rc=$?
[ "$rc" -eq 2 ] && pass "a value outside its pattern is refused" || { fail "pattern: exit $rc"; show pattern.out; }
has pattern.out "does not match the pattern" "the refusal names the pattern"
finish
