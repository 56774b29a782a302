#!/bin/sh
# incident_hostile.sh: the incident folder is the operator's alone (issue #12
# point 2). Another local account (a throwaway user made here) plants
# folders, links and FIFOs where drconsole, running as root, would write or
# read; none is followed, none blocks, and a folder that is not root's own
# and private is refused with exit 2 before anything runs. Also: no HOME and
# no XDG_STATE_HOME is exit 2 (never /tmp/.local), a finished incident is
# not reused, verify of a planted FIFO ends, DRCONSOLE_LOG is 0600 and never
# followed, and a runbook others can write needs a confirmation (line mode
# and console).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v timeout >/dev/null || skip_all "timeout(1) is not installed"
[ "$(id -u)" -eq 0 ] || skip_all "needs root, to make a throwaway user to attack from"
command -v useradd >/dev/null && command -v runuser >/dev/null ||
	skip_all "useradd or runuser is missing: cannot attack from another account"
scratch_dir
chmod 711 "$SCRATCH"
MAL=drcmal$$
useradd -M -d /nonexistent -s /bin/sh "$MAL" 2>"$SCRATCH/useradd.err" ||
	{ show "$SCRATCH/useradd.err"; skip_all "useradd $MAL failed: cannot attack from another account"; }
trap 'userdel "$MAL" 2>/dev/null; _cleanup' EXIT
as_mal() {
	runuser -u "$MAL" -- "$@"
}

# A shared sticky folder, like /tmp, where the other account plants things.
SHARED=$SCRATCH/shared
mkdir "$SHARED" && chmod 1777 "$SHARED"
RB=$SCRATCH/rb.yaml
cat >"$RB" <<'EOF'
id: hostile
title: Hostile
objectives: { rto: 1h, rpo: 1h }
steps:
  - { id: one, title: One, run: echo step-output-line }
EOF
chmod 644 "$RB"
OUT=$SCRATCH/out

# run ARGS...: line mode, 20 s at most; sets rc.
run() {
	timeout 120 "$DRCONSOLE" run --yes "$@" "$RB" </dev/null >"$OUT" 2>&1
	rc=$?
}

# refused WHAT REGEX: the last run exited 2 and said REGEX.
refused() {
	if [ "$rc" -eq 2 ] && grep -Eq -- "$2" "$OUT"; then
		pass "$1"
	else
		fail "$1: exit $rc, want 2 and /$2/"
		show "$OUT"
	fi
}

# untouched WHAT FILE SUM: the file still has checksum SUM.
untouched() {
	if [ "$(cksum <"$2")" = "$3" ]; then
		pass "$1"
	else
		fail "$1: $2 was changed"
	fi
}

# A root-only file, empty, so that a journal written through a link to it
# would be accepted as a new journal: the change would show.
VICTIM=$SCRATCH/victim
: >"$VICTIM"
chmod 600 "$VICTIM"
SUM=$(cksum <"$VICTIM")

# --- folders that are not root's own and private ---
as_mal mkdir "$SHARED/theirs"
run --incident-dir "$SHARED/theirs"
refused "a folder another user made is refused" "belongs to $MAL, not to you"
[ ! -e "$SHARED/theirs/journal.jsonl" ] && pass "nothing was written in it" || fail "a journal was written in it"

as_mal mkdir -m 777 "$SHARED/open"
as_mal chmod 777 "$SHARED/open"
as_mal ln -s "$VICTIM" "$SHARED/open/journal.jsonl"
run --incident-dir "$SHARED/open"
refused "another user's 0777 folder with a planted journal link is refused" "belongs to $MAL"
untouched "the link's target is untouched" "$VICTIM" "$SUM"

mkdir "$SCRATCH/mine777" && chmod 777 "$SCRATCH/mine777"
run --incident-dir "$SCRATCH/mine777"
refused "root's own 0777 folder is refused" "is open to group or others \\(mode 0777\\)"
[ "$(stat -c %a "$SCRATCH/mine777")" = 777 ] && [ ! -e "$SCRATCH/mine777/journal.jsonl" ] &&
	pass "it is left as it was, with nothing in it" || fail "the 0777 folder was used or changed"

mkdir -m 700 "$SCRATCH/rootdir"
as_mal ln -s "$SCRATCH/rootdir" "$SHARED/link"
run --incident-dir "$SHARED/link"
refused "an incident folder that is a planted link is refused" "is a link"
[ -z "$(ls -A "$SCRATCH/rootdir")" ] && pass "the link's target folder stays empty" || fail "written through the link"

# --- links inside a private folder are never followed ---
INC=$SCRATCH/inc-journal-link
mkdir -m 700 "$INC" && ln -s "$VICTIM" "$INC/journal.jsonl"
run --incident-dir "$INC"
refused "a journal.jsonl link is refused" "journal.jsonl: it is a link \\(never followed\\)"
untouched "the journal link's target is untouched" "$VICTIM" "$SUM"

INC=$SCRATCH/inc-output-link
mkdir -m 700 "$INC" "$SCRATCH/elsewhere" && ln -s "$SCRATCH/elsewhere" "$INC/output"
run --incident-dir "$INC"
[ "$rc" -ne 0 ] && pass "an output/ link stops the step (exit $rc)" || fail "an output/ link went unnoticed"
[ -z "$(ls -A "$SCRATCH/elsewhere")" ] && pass "nothing was written through the output/ link" ||
	fail "step output went through the output/ link"

INC=$SCRATCH/inc-log-link
mkdir -m 700 "$INC" "$INC/output"
ln -s "$VICTIM" "$INC/output/01-one.log"
run --incident-dir "$INC"
untouched "an output log link's target is untouched" "$VICTIM" "$SUM"

INC=$SCRATCH/inc-cast-link
mkdir -m 700 "$INC" && ln -s "$VICTIM" "$INC/recording.cast" && ln -s "$VICTIM" "$INC/postmortem.md"
run --incident-dir "$INC"
[ "$rc" -eq 0 ] && pass "the run goes on without the recording" || { fail "exit $rc"; show "$OUT"; }
untouched "recording and postmortem links' target is untouched" "$VICTIM" "$SUM"
[ -f "$INC/postmortem.md" ] && [ ! -L "$INC/postmortem.md" ] && pass "the postmortem replaced the link" ||
	fail "postmortem.md is still a link"

# --- a fresh incident is private, whatever the umask ---
INC=$SCRATCH/made/deeper/inc
(umask 000 && timeout 120 "$DRCONSOLE" run --yes --incident-dir "$INC" "$RB" </dev/null >"$OUT" 2>&1); rc=$?
[ "$rc" -eq 0 ] || { fail "a run under umask 000: exit $rc"; show "$OUT"; }
modes=$(stat -c %a "$INC" "$INC/output" "$INC/journal.jsonl" "$INC/output/01-one.log" | tr '\n' ' ')
[ "$modes" = "700 700 600 600 " ] && pass "folder, output/ and files are 0700/0600 under umask 000" ||
	fail "modes under umask 000: $modes"

# --- a finished incident is not reused, but resumes ---
SUMJ=$(cksum <"$INC/journal.jsonl")
run --incident-dir "$INC"
refused "a new run into a finished incident is refused" "already holds an incident: resume it"
untouched "its journal is unchanged" "$INC/journal.jsonl" "$SUMJ"

# --- reading an incident whose owner planted a FIFO never hangs ---
cp -a "$INC" "$SCRATCH/fifo-inc"
rm "$SCRATCH/fifo-inc/output/01-one.log" && mkfifo "$SCRATCH/fifo-inc/output/01-one.log"
timeout 120 "$DRCONSOLE" verify "$SCRATCH/fifo-inc" >"$OUT" 2>&1; rc=$?
[ "$rc" -eq 1 ] && grep -q "01-one.log: not a regular file" "$OUT" &&
	pass "verify of an incident with a FIFO output ends: not intact" || { fail "verify: $(describe_rc "$rc")"; show "$OUT"; }

# --- no state directory: exit 2, never /tmp/.local ---
before=$(ls /tmp/.local/state/drconsole/incidents 2>/dev/null | wc -l)
(unset HOME XDG_STATE_HOME; cd "$SCRATCH" && timeout 120 "$DRCONSOLE" run --yes "$RB" </dev/null >"$OUT" 2>&1); rc=$?
refused "no HOME and no XDG_STATE_HOME is exit 2" "neither XDG_STATE_HOME nor HOME is set"
after=$(ls /tmp/.local/state/drconsole/incidents 2>/dev/null | wc -l)
[ "$before" -eq "$after" ] && pass "nothing went to /tmp/.local" || fail "an incident went to /tmp/.local"

# --- DRCONSOLE_LOG ---
as_mal ln -s "$VICTIM" "$SHARED/drc.log"
DRCONSOLE_LOG=$SHARED/drc.log timeout 120 "$DRCONSOLE" lint "$RB" >"$OUT" 2>&1
untouched "a planted DRCONSOLE_LOG link is not followed" "$VICTIM" "$SUM"
grep -q "DRCONSOLE_LOG .* is not used: " "$OUT" && pass "and the operator is told" ||
	{ fail "no word about the log link"; show "$OUT"; }
(umask 000 && DRCONSOLE_LOG=$SCRATCH/new.log timeout 120 "$DRCONSOLE" run --yes --dry-run "$RB" </dev/null >/dev/null 2>&1)
[ "$(stat -c %a "$SCRATCH/new.log" 2>/dev/null)" = 600 ] && pass "DRCONSOLE_LOG is made 0600" ||
	fail "DRCONSOLE_LOG mode: $(stat -c %a "$SCRATCH/new.log" 2>&1)"

# --- a FIFO planted in a folder being linted ---
as_mal mkfifo "$SHARED/planted.yaml"
timeout 120 "$DRCONSOLE" lint "$SHARED" >"$OUT" 2>&1; rc=$?
[ "$rc" -eq 2 ] && grep -q "planted.yaml: error: not a regular file" "$OUT" &&
	pass "a FIFO another user planted is an error, not a hang" || { fail "lint of the shared folder: $(describe_rc "$rc")"; show "$OUT"; }

# --- a runbook others can write ---
LOOSE=$SCRATCH/loose.yaml
cp "$RB" "$LOOSE" && chmod 666 "$LOOSE"
timeout 120 "$DRCONSOLE" run --incident-dir "$SCRATCH/inc-loose1" "$LOOSE" </dev/null >"$OUT" 2>&1; rc=$?
refused "line mode without --yes refuses a world-writable runbook" "writable by group or others and there is no terminal"
[ ! -e "$SCRATCH/inc-loose1" ] && pass "nothing ran" || fail "an incident was made"
timeout 120 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/inc-loose2" "$LOOSE" </dev/null >"$OUT" 2>&1; rc=$?
[ "$rc" -eq 0 ] && grep -q "warning: .*loose.yaml is writable by group or others" "$OUT" &&
	pass "with --yes it runs, with the warning" || { fail "--yes on a loose runbook: exit $rc"; show "$OUT"; }

printf 'key Enter\ndump\nkey b\nquit\n' >"$SCRATCH/script-back"
XDG_STATE_HOME=$SCRATCH/state-back timeout 120 "$DRCONSOLE" --script "$SCRATCH/script-back" \
	--dump "$SCRATCH/dump-back" "$LOOSE" >"$OUT" 2>&1
grep -q "The runbook can be changed by others" "$SCRATCH/dump-back" &&
	pass "the console asks before running a world-writable runbook" || { fail "no dialog"; show "$SCRATCH/dump-back"; }
[ -z "$(ls -A "$SCRATCH/state-back/drconsole/incidents" 2>/dev/null)" ] && pass "backing out runs nothing" ||
	fail "an incident was started after backing out"
printf 'key Enter\nkey r\ndump\nquit\n' >"$SCRATCH/script-run"
XDG_STATE_HOME=$SCRATCH/state-run timeout 120 "$DRCONSOLE" --script "$SCRATCH/script-run" \
	--dump "$SCRATCH/dump-run" "$LOOSE" >"$OUT" 2>&1
ls "$SCRATCH"/state-run/drconsole/incidents/*/journal.jsonl >/dev/null 2>&1 &&
	pass "'run it anyway' starts the run" || { fail "no incident after 'run it anyway'"; show "$SCRATCH/dump-run" "$OUT"; }

finish
