#!/usr/bin/env bash
# full_disk.sh: a full disk stops the run, loudly. On a small tmpfs the test
# mounts (root only: skipped, and said so, where mounting is refused), a
# step floods its output until the disk is full: the recording stops first
# with a journaled note, the step is stopped, no next step starts, drconsole
# run exits 1 naming the file, the journal verifies; once room is freed,
# resume completes. The console says it in a dialog.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"
scratch_dir
DISK=$SCRATCH/disk
mkdir -p "$DISK"
mount -t tmpfs -o size=10m tmpfs "$DISK" 2> "$SCRATCH/mount.err" ||
	skip_all "cannot mount a tmpfs here ($(cat "$SCRATCH/mount.err")): the full-disk checks need root"
trap 'umount "$DISK" 2> /dev/null; _cleanup' EXIT
# The ballast leaves about 3.5 MiB: less than the flood's output file.
head -c 6815744 /dev/zero > "$DISK/ballast" || die "cannot write the ballast"
INC=$DISK/incident
J=$INC/journal.jsonl
cat > "$SCRATCH/full.yaml" <<YAML
id: e2e-full-disk
title: A flood on a small disk
objectives: { rto: 1h, rpo: 15m }
steps:
  - { id: flood, title: Floods, confirm: no, run: "seq 1 500000" }
  - { id: second, title: Must wait for room, confirm: no, run: "touch '$SCRATCH/second-ran'" }
YAML

timeout 60 "$DRCONSOLE" run --yes --incident-dir "$INC" "$SCRATCH/full.yaml" < /dev/null \
	> "$SCRATCH/run.out" 2> "$SCRATCH/run.err"
rc=$?
[ "$rc" -eq 1 ] && pass "a full disk: exit 1" || { fail "a full disk: exit $rc"; show "$SCRATCH/run.err"; }
grep -q "STOPPED: cannot write $INC/output/01-flood.log: No space left on device. Lost: " "$SCRATCH/run.err" &&
	pass "stderr names the file and what was lost" || { fail "no STOPPED message naming the file"; show "$SCRATCH/run.err"; }
[ ! -e "$SCRATCH/second-ran" ] && pass "no further step started" || fail "the next step ran on a full disk"
check_journal "$J" "'second' not in [e.get('step') for e in events]" "the journal has nothing of the next step"
check_journal "$J" "ends['flood']['status'] == 'failed' and ends['flood']['reason'].startswith('stopped: cannot write')
    and 'No space left' in ends['flood']['output_error']" "step.end: failed, stopped by the write error"
check_journal "$J" "[e['status'] for e in events if e['event'] == 'run.end'] == ['aborted']" "run.end is journaled"
check_journal "$J" "[i for i, e in enumerate(events) if e['event'] == 'note' and e['text'].startswith('Terminal recording stopped')]
    < [i for i, e in enumerate(events) if e['event'] == 'note' and e['text'].startswith('cannot write')]
    != []" "the recording stopped first, with a journaled note"
"$DRCONSOLE" verify "$INC" > "$SCRATCH/verify.out" 2>&1 && pass "the journal verifies" ||
	{ fail "verify failed"; show "$SCRATCH/verify.out"; }
[ -s "$INC/postmortem.md" ] && pass "the postmortem was written" || fail "no postmortem"

# Room again: resume goes on from the stopped step to the end.
rm -f "$DISK/ballast"
timeout 60 "$DRCONSOLE" run --yes --resume "$INC" "$SCRATCH/full.yaml" < /dev/null \
	> "$SCRATCH/resume.out" 2> "$SCRATCH/resume.err"
rc=$?
[ "$rc" -eq 0 ] && pass "after freeing room, resume completes (exit 0)" ||
	{ fail "resume: exit $rc"; show "$SCRATCH/resume.err"; }
[ -e "$SCRATCH/second-ran" ] && pass "the next step ran after the resume" || fail "the next step never ran"
check_journal "$J" "ends['flood']['status'] == 'ok' and ends['second']['status'] == 'ok'" "both steps ended ok"
"$DRCONSOLE" verify "$INC" > "$SCRATCH/verify.out" 2>&1 && pass "the resumed journal verifies" ||
	{ fail "verify after resume failed"; show "$SCRATCH/verify.out"; }

# The console: the same flood, told in a dialog that stays; no retry is
# offered and the next step does not start.
rm -rf "$INC"
head -c 6815744 /dev/zero > "$DISK/ballast" || die "cannot write the ballast"
rm -f "$SCRATCH/second-ran"
printf 'key Enter\nkey Enter\ndump\nkey Enter\nkey Down\nkey Enter\ndump\nquit\n' > "$SCRATCH/ui.script"
timeout 60 "$DRCONSOLE" --script "$SCRATCH/ui.script" --dump "$SCRATCH/ui.dump" --incident-dir "$DISK/console" \
	"$SCRATCH/full.yaml" > "$SCRATCH/ui.out" 2>&1
dump_has "$SCRATCH/ui.dump" 1 "The run is stopped: a file cannot be written" "the console opens a dialog"
dump_has "$SCRATCH/ui.dump" 1 "cannot write $DISK/console/output/01-flood.log: No space left" "the dialog names the file"
dump_has "$SCRATCH/ui.dump" 1 "Lost: this output line and every one after it" "the dialog says what was lost"
dump_lacks "$SCRATCH/ui.dump" 1 "retry the step" "no retry is offered"
[ ! -e "$SCRATCH/second-ran" ] && pass "the console started no further step" || fail "the console ran the next step"
check_journal "$DISK/console/journal.jsonl" "'second' not in [e.get('step') for e in events]" \
	"the console's journal has nothing of the next step"
"$DRCONSOLE" verify "$DISK/console" > "$SCRATCH/verify.out" 2>&1 && pass "the console's journal verifies" ||
	{ fail "verify of the console's incident failed"; show "$SCRATCH/verify.out"; }
finish
