#!/usr/bin/env bash
# run_export.sh: the weekly restore test's files. `run --junit FILE
# --metrics FILE` writes JUnit XML (one testcase per step, the failed one
# with its reason and last output lines, the skipped ones marked) and a
# Prometheus textfile (HELP/TYPE lines, name{labels} value, written by a
# rename) from the run's journal; `report --format junit|metrics` writes
# the same from the incident afterwards. Hostile output (markup, controls,
# bytes that are not UTF-8) still parses. (The step writes on stdout only:
# the order of two streams in its output file is the order they were read.)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
command -v python3 > /dev/null || skip_all "no python3"
scratch_dir
RB=$SCRATCH/restore.yaml
cat > "$RB" <<'YAML'
id: weekly-restore
title: Weekly restore test
objectives: { rto: 1h, rpo: 15m }
environments:
  staging: {}
params:
  - { name: data_loss_minutes, default: "2" }
steps:
  - id: fetch
    title: Fetch the backup
    confirm: no
    run: echo fetched
  - id: notify
    title: Tell the customers
    confirm: no
    run: echo told
    drill: skip
  - id: restore
    title: Restore it
    confirm: no
    run: |
      i=0; while [ $i -lt 30 ]; do echo "line $i"; i=$((i+1)); done
      printf 'bad <&> "q" \001\033[2J \377\376 end\n'
      echo "restore broke"; exit 3
  - id: never
    title: Never reached
    confirm: no
    run: echo never
YAML
INC=$SCRATCH/inc
J=$SCRATCH/out/junit.xml M=$SCRATCH/out/restore.prom
mkdir -p "$SCRATCH/out"
timeout 60 "$DRCONSOLE" run --drill --yes --environment staging --incident-dir "$INC" \
	--junit "$J" --metrics "$M" "$RB" < /dev/null > "$SCRATCH/run.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && pass "the run failed as it should (exit 1)" || { fail "exit $rc"; show "$SCRATCH/run.out"; }
[ -s "$J" ] && [ -s "$M" ] && pass "both files written at the run's end" ||
	{ fail "no JUnit or metrics file"; show "$SCRATCH/run.out"; }
ls "$SCRATCH/out" | grep -q tmp && fail "a temporary file was left behind" || pass "no temporary file left"

check_junit() {
	python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
suites = root.findall("testsuite")
assert len(suites) == 1, "one testsuite per run"
s = suites[0]
assert s.get("name") == "weekly-restore", s.get("name")
cases = s.findall("testcase")
names = [c.get("name") for c in cases]
assert names == ["01-fetch", "02-notify", "03-restore"], names
for c in cases:
    float(c.get("time"))
failed = [c for c in cases if c.find("failure") is not None]
assert [c.get("name") for c in failed] == ["03-restore"], failed
f = failed[0].find("failure")
assert "exited 3" in f.get("message"), f.get("message")
body = f.text
assert "line 29" in body and "restore broke" in body, body
assert "line 5\n" not in body, "more than the last lines"
assert 'bad <&> "q"' in body, body
assert "\x01" not in body and "\x1b" not in body, "a control character in the XML"
skipped = [c.get("name") for c in cases if c.find("skipped") is not None]
assert skipped == ["02-notify"], skipped
assert "drill" in cases[1].find("skipped").get("message")
assert s.get("failures") == "1" and s.get("skipped") == "1" and s.get("tests") == "3"
props = {p.get("name"): p.get("value") for p in s.find("properties")}
assert props["environment"] == "staging" and props["mode"] == "drill", props
print("ok")
PY
}
check_junit "$J" > "$SCRATCH/junit.check" 2>&1 && pass "the JUnit XML parses: a testcase per step, the failure and the skip marked" ||
	{ fail "JUnit XML"; show "$SCRATCH/junit.check"; show "$J"; }

check_metrics() {
	python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
assert text.endswith("\n")
helped, typed, samples = set(), set(), {}
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\} (-?[0-9.]+(?:e[+-]?[0-9]+)?)$')
for line in text.splitlines():
    if line.startswith("# HELP "):
        helped.add(line.split()[2]); continue
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split()
        assert kind == "gauge", line
        assert name in helped, "TYPE before HELP: " + name
        typed.add(name); continue
    m = sample.match(line)
    assert m, "not a sample line: %r" % line
    assert m.group(1) in typed, "no TYPE for " + m.group(1)
    labels = dict(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', m.group(2)))
    assert labels["runbook"] == "weekly-restore" and labels["environment"] == "staging", labels
    samples[(m.group(1), labels.get("step"))] = float(m.group(3))
assert samples[("drconsole_run_success", None)] == 0
assert samples[("drconsole_rto_met", None)] == 0, "a failed run does not meet its RTO"
assert samples[("drconsole_data_loss_seconds", None)] == 120
assert samples[("drconsole_run_duration_seconds", None)] > 0
assert samples[("drconsole_run_last_timestamp_seconds", None)] > 1.7e9
assert ("drconsole_step_duration_seconds", "restore") in samples
assert ("drconsole_step_duration_seconds", "notify") not in samples, "a skipped step has no duration"
print("ok")
PY
}
check_metrics "$M" > "$SCRATCH/metrics.check" 2>&1 && pass "the metrics file is a Prometheus textfile with the run's facts" ||
	{ fail "metrics"; show "$SCRATCH/metrics.check"; show "$M"; }

"$DRCONSOLE" report --format junit -o "$SCRATCH/again.xml" "$INC" > /dev/null 2>&1 &&
	check_junit "$SCRATCH/again.xml" > "$SCRATCH/junit2.check" 2>&1 &&
	pass "report --format junit says the same" || { fail "report --format junit"; show "$SCRATCH/junit2.check"; }
"$DRCONSOLE" report --format metrics "$INC" > "$SCRATCH/again.prom" 2>/dev/null &&
	check_metrics "$SCRATCH/again.prom" > "$SCRATCH/metrics2.check" 2>&1 &&
	pass "report --format metrics says the same" || { fail "report --format metrics"; show "$SCRATCH/metrics2.check"; }
"$DRCONSOLE" report --format yaml "$INC" > /dev/null 2>&1
[ $? -eq 2 ] && pass "an unknown format is a usage error" || fail "report --format yaml was not refused"
finish
