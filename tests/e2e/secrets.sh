#!/usr/bin/env bash
# secrets.sh: a secret never reaches the pane, the output files, the
# journal, the postmortem, the recording or a report, whatever carries it:
# a capture that holds it, output cut or split around it, a remote step's
# prefix. Too short a secret is refused where it is given; drconsole runs
# with no core dumps.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
scratch_dir
D=$top_srcdir/tests/data/secrets
export DRCONSOLE_BIN=$DRCONSOLE	# for a step that adds a note

run() {	# run NAME ARGS...: output in $SCRATCH/NAME.out, status in $rc
	local name=$1; shift
	timeout 60 "$DRCONSOLE" run --yes --kill-grace 1s "$@" < /dev/null > "$SCRATCH/$name.out" 2>&1
	rc=$?
}
has() {		# has FILE REGEX WHAT
	if grep -qE -- "$2" "$1"; then pass "$3"; else fail "$3 (no /$2/ in $1)"; show "$1"; fi
}
# nowhere SECRET WHAT FILES...: the secret is in none of the files, nor
# under the directories given.
nowhere() {
	local secret=$1 what=$2; shift 2
	if grep -rqaF -- "$secret" "$@"; then
		fail "$what: the secret is in $(grep -rlaF -- "$secret" "$@" | tr '\n' ' ')"
	else
		pass "$what: the secret is nowhere"
	fi
}
# reports DIR NAME: the postmortem and both reports, as files to search.
reports() {
	"$DRCONSOLE" report "$1" > "$SCRATCH/$2.report.md" 2>&1
	"$DRCONSOLE" report "$1" --format json > "$SCRATCH/$2.report.json" 2>&1
}

# --- a capture that holds a secret is a secret ---
PW='Zq7-capture-secret'
# label is no secret, but its value holds one: shown, it is masked too.
DRCONSOLE_PARAM_pw=$PW run capture --param "label=for $PW" --incident-dir "$SCRATCH/i1" "$D/capture.yaml"
[ "$rc" -eq 1 ] && pass "capture run: the last step fails as written" || { fail "capture run: exit $rc"; show "$SCRATCH/capture.out"; }
has "$SCRATCH/capture.out" 'using \*\*\*\*' "the captured value is masked where it is used"
reports "$SCRATCH/i1" capture
nowhere "$PW" "capture" "$SCRATCH/capture.out" "$SCRATCH/i1" "$SCRATCH/capture.report.md" "$SCRATCH/capture.report.json"
has "$SCRATCH/i1/journal.jsonl" '"capture": ?\{"session": ?"\*\*\*\*"\}' "the journal keeps the capture as ****"
# The label was journaled masked: a resume must be given it again.
DRCONSOLE_PARAM_pw=$PW timeout 60 "$DRCONSOLE" run --yes --resume "$SCRATCH/i1" < /dev/null > "$SCRATCH/resume.out" 2>&1
rc=$?
[ "$rc" -eq 2 ] && pass "resume without the masked label: status 2" || { fail "resume: exit $rc"; show "$SCRATCH/resume.out"; }
has "$SCRATCH/resume.out" "param 'label' held a secret" "resume says which param to give again"
nowhere "$PW" "after the refused resume" "$SCRATCH/resume.out" "$SCRATCH/i1"

# --- a secret cut by reads, the line cut, lines and streams ---
# None of the secret's pieces may show: its first and last nine characters
# are looked for too, so a secret masked in two halves is caught.
PW2='Zq7-split-secret-value'
KEY=$(printf 'BEGIN-line-one-of-key\nline-two-of-the-key')
ulimit -S -c unlimited 2> /dev/null || note "cannot raise the core limit here: the core check cannot fail"
DRCONSOLE_PARAM_pw=$PW2 DRCONSOLE_PARAM_key=$KEY run split --incident-dir "$SCRATCH/i2" "$D/split.yaml"
[ "$rc" -eq 0 ] && pass "split run: exit 0" || { fail "split run: exit $rc"; show "$SCRATCH/split.out"; }
reports "$SCRATCH/i2" split
for piece in "$PW2" "${PW2%?????????????}" "${PW2#?????????????}" 'BEGIN-line-one-of-key' 'line-two-of-the-key'; do
	nowhere "$piece" "split ($piece)" "$SCRATCH/split.out" "$SCRATCH/i2" "$SCRATCH/split.report.md" \
	    "$SCRATCH/split.report.json"
done
has "$SCRATCH/i2/output/01-two-reads.log" 'pw=\*\*\*\*$' "two reads: masked whole"
has "$SCRATCH/i2/output/02-line-cut.log" 'x\*\*\*\*$' "line cut: masked whole after the cut"
has "$SCRATCH/i2/output/03-line-cut-stderr.log" 'err y*\*\*\*\*$' "line cut on stderr: masked whole, stdout between"
has "$SCRATCH/i2/output/04-two-lines.log" ' \*\*\*\*$' "two lines: masked whole"
has "$SCRATCH/i2/output/04-two-lines.log" 'after$' "two lines: the next line shows"
has "$SCRATCH/i2/output/05-both-streams-pty.log" 'pw=\*\*\*\*' "stdout and stderr on one terminal: masked whole"
has "$SCRATCH/i2/output/06-interleaved.log" 'pw=\*\*\*\*$' "stdout around a stderr line: masked whole"
has "$SCRATCH/i2/journal.jsonl" '"text":"pw is \*\*\*\*"' "a note from another terminal that quotes the secret is journaled masked"
if [ "$(ulimit -S -c)" != 0 ]; then
	has "$SCRATCH/split.out" 'core limit 0$' "drconsole runs (and starts steps) with no core dumps"
fi


# --- a secret too short to mask is refused where it is given ---
run short-param --param pw=abc --incident-dir "$SCRATCH/i3" "$D/short.yaml"
[ "$rc" -eq 2 ] && pass "--param with a 3-character secret: status 2" || fail "--param short secret: exit $rc"
has "$SCRATCH/short-param.out" "secret 'pw' is 3 characters long: give one of at least 6" "--param: the message says why"
[ ! -e "$SCRATCH/i3/journal.jsonl" ] && pass "--param: nothing ran" || fail "--param: an incident was started"
DRCONSOLE_PARAM_pw=a run short-env --incident-dir "$SCRATCH/i4" "$D/short.yaml"
[ "$rc" -eq 2 ] && pass "DRCONSOLE_PARAM_pw with one character: status 2" || fail "env short secret: exit $rc"
has "$SCRATCH/short-env.out" "secret 'pw' is 1 character long" "DRCONSOLE_PARAM_: the message says why"
DRCONSOLE_PARAM_pw='sixsix' run six --incident-dir "$SCRATCH/i5" "$D/short.yaml"
[ "$rc" -eq 0 ] && pass "six characters are enough" || { fail "six characters: exit $rc"; show "$SCRATCH/six.out"; }
# A secret capture is a secret too: one too short to mask fails its step.
run short-capture --incident-dir "$SCRATCH/i7" "$D/short_capture.yaml"
[ "$rc" -eq 1 ] && pass "a 2-character secret capture fails the run" || { fail "short capture: exit $rc"; show "$SCRATCH/short-capture.out"; }
has "$SCRATCH/short-capture.out" "capture 'token': secret 'token' is 2 characters long" "the step's reason says why"
if grep -q '^  | after' "$SCRATCH/short-capture.out"; then fail "the step after the short capture ran"; else
	pass "nothing after it ran"; fi
# At the prompt, on a terminal (a pty from python3), a short answer is
# refused with the reason and asked again; each answer is typed only once
# the prompt shows.
answer_prompts() {	# answer_prompts OUT ANSWER... -- ARGV...
	python3 - "$@" <<'PY'
import os, pty, select, signal, sys, time
out = sys.argv[1]; i = sys.argv.index("--")
answers, argv = sys.argv[2:i], sys.argv[i + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
seen, deadline = b"", time.time() + 30
while time.time() < deadline:
    if not select.select([fd], [], [], 1)[0]:
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    seen += data
    if answers and seen.count(b"pw: ") > len(sys.argv[2:i]) - len(answers):
        os.write(fd, answers.pop(0).encode() + b"\n")
open(out, "wb").write(seen)
if time.time() >= deadline:
    os.kill(pid, signal.SIGKILL)
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
PY
}
if command -v python3 > /dev/null; then
	answer_prompts "$SCRATCH/prompt.out" abc long-enough-pw -- "$DRCONSOLE" run --yes \
		--incident-dir "$SCRATCH/i6" "$D/short.yaml"
	rc=$?
	[ "$rc" -eq 0 ] && pass "prompt: the run went on with the second answer" || { fail "prompt: exit $rc"; show "$SCRATCH/prompt.out"; }
	has "$SCRATCH/prompt.out" "secret 'pw' is 3 characters long" "prompt: the short answer is refused with the reason"
	has "$SCRATCH/prompt.out" "got \*\*\*\*" "prompt: the second answer is used, masked"
	nowhere "long-enough-pw" "prompt" "$SCRATCH/prompt.out" "$SCRATCH/i6"
else
	note "no python3: the prompt is not tried"
fi

finish
