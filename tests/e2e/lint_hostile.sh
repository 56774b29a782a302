#!/bin/sh
# lint_hostile.sh: lint of runbooks made by someone else ends quickly and
# reads nothing outside the runbook's folder (issue #12 points 2 and 7):
# FIFOs and devices (directly, in a folder, by include:), include cycles,
# includes that multiply, includes out of the folder (absolute, '..', a
# link), a file's content never quoted, and a warning when a runbook or an
# included file is writable by group or others.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v timeout >/dev/null || skip_all "timeout(1) is not installed"
command -v mkfifo >/dev/null || skip_all "mkfifo(1) is not installed"
scratch_dir
R=$SCRATCH/rb
mkdir -p "$R/sub"
umask 022
OUT=$SCRATCH/out

# lint ARGS...: 20 s at most (the fix makes each instant); sets rc.
lint() {
	timeout 120 "$DRCONSOLE" lint "$@" </dev/null >"$OUT" 2>&1
	rc=$?
}

# bounded WHAT: the last lint ended by itself with exit 2.
bounded() {
	if [ "$rc" -ge 124 ]; then
		fail "$1: $(describe_rc "$rc")"
	elif [ "$rc" -ne 2 ]; then
		fail "$1: exited $rc, want 2"
		show "$OUT"
	else
		pass "$1"
	fi
}

# says WHAT REGEX: the last lint's output matches.
says() {
	if grep -Eq -- "$2" "$OUT"; then
		pass "$1"
	else
		fail "$1: no /$2/ in the output"
		show "$OUT"
	fi
}

head_of() {
	printf 'id: %s\ntitle: T\nobjectives: { rto: 1h, rpo: 1h }\nsteps:\n' "$1"
}

# --- FIFOs and devices: an error, never a hang ---
mkfifo "$R/fifo.yaml"
lint "$R/fifo.yaml"
bounded "lint of a FIFO named .yaml ends"
says "a FIFO is not a regular file" 'fifo.yaml: error: not a regular file'
mkdir "$SCRATCH/withfifo"
mkfifo "$SCRATCH/withfifo/planted.yaml"
lint "$SCRATCH/withfifo"
bounded "lint of a folder holding a FIFO ends"
{ head_of viafifo; printf '  - include: fifo\n'; } >"$R/viafifo.yaml"
lint "$R/viafifo.yaml"
bounded "lint of a runbook including a FIFO ends"
says "the FIFO include is refused at its line" 'viafifo.yaml:5:14: error: cannot include .*fifo.yaml: not a regular file'
lint /dev/zero
bounded "lint of a device ends"
rm "$R/fifo.yaml"

# --- cycles and multiplying includes ---
{
	head_of selfinc
	printf '  - { id: a, title: A, run: echo a }\n'
	for i in $(seq 20); do printf '  - { include: selfinc, as: p%d }\n' "$i"; done
} >"$R/selfinc.yaml"
lint "$R/selfinc.yaml"
bounded "a runbook including itself 20 times ends"
says "the cycle is named" 'selfinc.yaml:6:16: error: include cycle: .*selfinc.yaml -> .*selfinc.yaml$'
lines=$(wc -l <"$OUT")
[ "$lines" -le 25 ] && pass "one error per include ($lines lines)" || fail "self-include printed $lines lines"

{ head_of cyc-a; printf '  - include: cyc-b\n'; } >"$R/cyc-a.yaml"
{ head_of cyc-b; printf '  - include: sub/cyc-c\n'; } >"$R/cyc-b.yaml"
{ head_of cyc-c; printf '  - include: ../cyc-a\n'; } >"$R/sub/cyc-c.yaml"
lint "$R/cyc-a.yaml"
bounded "a three-file cycle ends"
says "the whole chain is named" 'error: include cycle: .*cyc-a.yaml -> .*cyc-b.yaml -> .*cyc-c.yaml -> .*cyc-a.yaml'

# d has 20 steps, c includes d 20 times, b c 20 times, a b 20 times: 160000.
mk_fan() {
	head_of "$1"
	for i in $(seq 20); do
		if [ -n "$2" ]; then
			printf '  - { include: %s, as: %s%d }\n' "$2" "$1" "$i"
		else
			printf '  - { id: s%d, title: S, run: echo }\n' "$i"
		fi
	done
}
mk_fan fan-d "" >"$R/fan-d.yaml"
mk_fan fan-c fan-d >"$R/fan-c.yaml"
mk_fan fan-b fan-c >"$R/fan-b.yaml"
mk_fan fan-a fan-b >"$R/fan-a.yaml"
lint "$R/fan-a.yaml"
bounded "includes multiplying to 160000 steps end"
says "the size limit names the chain" 'error: includes make more than [0-9]+ steps: .*fan-a.yaml -> .*fan-b.yaml'

# Params become the includer's, with their environments' values: bounded.
awk 'BEGIN { print "id: manyp\ntitle: T\nparams:"; for (i = 0; i < 1500; i++) printf "  - {name: p%d}\n", i
	print "environments:\n  staging:\n    params:"; for (i = 0; i < 1500; i++) printf "      p%d: v\n", i
	print "steps:\n  - { id: a, title: A, run: echo }" }' >"$R/manyp.yaml"
{ head_of manyp-top; printf '  - { include: manyp, as: a }\n  - { include: manyp, as: b }\n'; } >"$R/manyp-top.yaml"
lint "$R/manyp-top.yaml"
bounded "includes adding thousands of params end"
says "the params limit names the chain" 'error: includes make more than [0-9]+ params: .*manyp-top.yaml -> .*manyp.yaml'
# Hosts join the includer's by name, without comparing every pair: two
# files of 45000 hosts, one included three times, lint in seconds (it was
# a minute), well inside a bound that a loaded machine keeps.
awk 'BEGIN { print "id: manyh\ntitle: T\nhosts:"; for (i = 0; i < 45000; i++) printf "  s%d: ~\n", i
	print "steps:\n  - { id: a, title: A, run: echo }" }' >"$R/manyh.yaml"
awk 'BEGIN { print "id: manyh-top\ntitle: T\nobjectives: { rto: 1h, rpo: 1h }\nhosts:"
	for (i = 0; i < 45000; i++) printf "  t%d: ~\n", i
	print "steps:"; for (k = 0; k < 3; k++) printf "  - { include: manyh, as: x%d }\n", k }' >"$R/manyh-top.yaml"
timeout 30 "$DRCONSOLE" lint "$R/manyh-top.yaml" </dev/null >"$OUT" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "an include of 45000 hosts into 45000 lints in time" ||
	{ fail "hosts of includes: $(describe_rc "$rc")"; show "$OUT"; }

# --- includes stay in the runbook's folder tree, content never quoted ---
printf 'root:SECRET-HASH-LINE:20228:0:99999:7:::\n' >"$SCRATCH/shadow"
chmod 600 "$SCRATCH/shadow"
{ head_of abs; printf '  - include: %s\n' "$SCRATCH/shadow"; } >"$R/abs.yaml"
lint "$R/abs.yaml"
bounded "an absolute include is an error"
says "an absolute include is refused" 'abs.yaml:5:14: error: an include names a runbook in this runbook.s folder, not an absolute path'
{ head_of dotdot; printf '  - include: ../shadow\n'; } >"$R/dotdot.yaml"
lint "$R/dotdot.yaml"
bounded "an include by '..' out of the folder is an error"
says "'..' out of the folder is refused" "dotdot.yaml:5:14: error: include '../shadow' leads out of the folder"
ln -s "$SCRATCH/shadow" "$R/linked.yaml"
{ head_of bylink; printf '  - include: linked\n'; } >"$R/bylink.yaml"
lint "$R/bylink.yaml"
bounded "an include through a link out of the folder is an error"
says "a link out of the folder is refused" "bylink.yaml:5:14: error: include 'linked' leads out of the folder"
cp "$SCRATCH/shadow" "$R/inside.yaml"
{ head_of inside; printf '  - include: inside\n'; } >"$R/inside.yaml.top.yaml"
lint "$R/inside.yaml.top.yaml"
bounded "a non-runbook include is an error"
says "its errors are counted, with a position" 'error: included runbook .*inside.yaml has [0-9]+ errors?, the first at .*inside.yaml:[0-9]+:[0-9]+'
for f in abs dotdot bylink inside.yaml.top; do
	lint "$R/$f.yaml"
	if grep -q SECRET-HASH-LINE "$OUT"; then
		fail "$f: lint quoted the included file's content"
		show "$OUT"
	else
		pass "$f: the included file's content is never quoted"
	fi
done
rm "$R/inside.yaml" "$R/inside.yaml.top.yaml" "$R/linked.yaml"
{ head_of sub-ok; printf '  - { id: a, title: A, run: echo a }\n'; } >"$R/sub/ok.yaml"
{ head_of uses-sub; printf '  - include: sub/ok\n'; } >"$R/uses-sub.yaml"
timeout 120 "$DRCONSOLE" lint "$R/uses-sub.yaml" >"$OUT" 2>&1 && pass "an include down the tree is fine" ||
	{ fail "an include down the tree failed"; show "$OUT"; }

# --- writable by others: a warning, in lint and for an include ---
chmod 664 "$R/sub/ok.yaml"
timeout 120 "$DRCONSOLE" lint "$R/uses-sub.yaml" >"$OUT" 2>&1; rc=$?
[ "$rc" -eq 0 ] && pass "a group-writable include is a warning, not an error" || fail "exit $rc"
says "the include is named as writable by others" 'uses-sub.yaml:5:14: warning: .*sub/ok.yaml is writable by group or others'
chmod 644 "$R/sub/ok.yaml"
chmod 646 "$R/uses-sub.yaml"
timeout 120 "$DRCONSOLE" lint "$R/uses-sub.yaml" >"$OUT" 2>&1
says "a world-writable runbook is warned about" 'uses-sub.yaml:1:1: warning: .*uses-sub.yaml is writable by group or others'
chmod 644 "$R/uses-sub.yaml"
timeout 120 "$DRCONSOLE" lint "$R/uses-sub.yaml" >"$OUT" 2>&1
grep -q 'writable by group' "$OUT" && fail "a 0644 runbook was warned about" || pass "a 0644 runbook draws no warning"

finish
