#!/usr/bin/env bash
# drill_scorecard.sh: the failover sandbox run unattended as a drill yields a
# scorecard with the right verdicts, in the line runner's output, the
# postmortem and the JSON report; every journal line is marked as a drill.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/pg_lib.sh"
pg_find_bin || skip_all "no PostgreSQL server binaries"
command -v python3 > /dev/null || skip_all "no python3"
scratch_dir
RB=$top_srcdir/runbooks/training/failover-sandbox.yaml
P1=$(pg_free_port); P2=$(pg_free_port)
while [ "$P2" = "$P1" ]; do P2=$(pg_free_port); done
PH=$(pg_free_port)
while [ "$PH" = "$P1" ] || [ "$PH" = "$P2" ]; do PH=$(pg_free_port); done

INC=$SCRATCH/drill
timeout 150 "$DRCONSOLE" run --drill --yes --allow-destructive --kill-grace 1s --incident-dir "$INC" \
	--param primary_port=$P1 --param replica_port=$P2 --param health_port=$PH "$RB" \
	< /dev/null > "$SCRATCH/drill.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "the drill ran to the end" || { fail "exit $rc"; show "$SCRATCH/drill.out"; }
if [ ! -s "$INC/journal.jsonl" ] || grep -vq '"drill":true' "$INC/journal.jsonl"; then
	fail "no journal, or a journal line is not marked"; else pass "every journal line is marked as a drill"; fi
grep -qi 'scorecard' "$SCRATCH/drill.out" && pass "the line runner prints the scorecard" ||
	{ fail "no scorecard printed"; show "$SCRATCH/drill.out"; }
"$DRCONSOLE" report --format json "$INC" > "$SCRATCH/report.json" 2> "$SCRATCH/report.err" ||
	fail "report failed"
if python3 - "$SCRATCH/report.json" > "$SCRATCH/verdicts.txt" 2>&1 <<'PY'
import json, sys
card = json.load(open(sys.argv[1]))["scorecard"]
assert card is not None, "no scorecard in the JSON report"
crit = {c["name"]: c for c in card["criteria"]}
bad = [n for n, c in crit.items() if c.get("verdict") != "met"]
print("criteria:", {n: c.get("verdict") for n, c in crit.items()})
assert len(crit) == 5, "expected 5 criteria"
assert not bad, "not met: %s" % bad
print("rto:", json.dumps(card.get("rto")))
PY
then pass "every success criterion met"; else fail "scorecard verdicts"; show "$SCRATCH/verdicts.txt"; fi
grep -q 'Drill scorecard' "$INC/postmortem.md" && pass "the postmortem has the scorecard" ||
	fail "no scorecard in postmortem.md"
finish
