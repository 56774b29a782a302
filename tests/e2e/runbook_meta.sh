#!/usr/bin/env bash
# runbook_meta.sh: a runbook's executor and classification (the plan's
# "Executor: Ops Lead / DBA", "Classification: Mission Critical") are read,
# linted, journaled in run.start, and shown in the postmortem's Summary and
# the JSON report; a runbook without them shows neither; a list is refused.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
command -v python3 > /dev/null || skip_all "no python3"
scratch_dir

cat > "$SCRATCH/meta.yaml" <<'YAML'
id: meta
title: Metadata
executor: Ops Lead / DBA
classification: Mission Critical
steps:
  - id: one
    title: One
    run: "true"
YAML
sed '/^executor:/d; /^classification:/d' "$SCRATCH/meta.yaml" > "$SCRATCH/plain.yaml"
sed 's/^executor: .*/executor: [Ops Lead, DBA]/' "$SCRATCH/meta.yaml" > "$SCRATCH/list.yaml"

"$DRCONSOLE" lint "$SCRATCH/meta.yaml" > "$SCRATCH/lint.out" 2>&1 &&
	pass "lint accepts executor and classification" || { fail "lint refused them"; show "$SCRATCH/lint.out"; }
if "$DRCONSOLE" lint "$SCRATCH/list.yaml" > "$SCRATCH/lint2.out" 2>&1; then
	fail "lint accepted a list as executor"
else
	grep -q 'list.yaml:3:[0-9]*: error:.*executor' "$SCRATCH/lint2.out" &&
		pass "a list as executor is an error at its line" || { fail "no positioned error"; show "$SCRATCH/lint2.out"; }
fi

for rb in meta plain; do
	timeout 60 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/$rb" "$SCRATCH/$rb.yaml" \
		< /dev/null > "$SCRATCH/$rb.out" 2>&1 || { show "$SCRATCH/$rb.out"; die "run $rb failed"; }
	"$DRCONSOLE" report --format json "$SCRATCH/$rb" > "$SCRATCH/$rb.json" 2>&1 ||
		{ show "$SCRATCH/$rb.json"; die "report $rb failed"; }
done

head -n 1 "$SCRATCH/meta/journal.jsonl" | grep -q '"executor":"Ops Lead / DBA"' &&
	head -n 1 "$SCRATCH/meta/journal.jsonl" | grep -q '"classification":"Mission Critical"' &&
	pass "run.start journals both" || { fail "run.start lacks them"; head -n 1 "$SCRATCH/meta/journal.jsonl" | show; }
summary() { sed -n '/^## Summary/,/^## /p' "$SCRATCH/$1/postmortem.md"; }
summary meta | grep -qx -- '- Executor: Ops Lead / DBA' && summary meta | grep -qx -- '- Classification: Mission Critical' &&
	pass "the postmortem's Summary names the executor and the classification" ||
	{ fail "not in the Summary"; summary meta | show; }
summary plain | grep -Eq -- '^- (Executor|Classification):' &&
	{ fail "a runbook without them shows them"; summary plain | show; } ||
	pass "a runbook without them shows no such lines"
if python3 - "$SCRATCH/meta.json" "$SCRATCH/plain.json" > "$SCRATCH/json.out" 2>&1 <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
p = json.load(open(sys.argv[2]))
assert m["schema"] == 2, m["schema"]
assert m["runbook"]["executor"] == "Ops Lead / DBA", m["runbook"]
assert m["runbook"]["classification"] == "Mission Critical", m["runbook"]
assert "executor" not in p["runbook"] and "classification" not in p["runbook"], p["runbook"]
PY
then pass "report --format json has them in runbook, only when set"; else fail "JSON report"; show "$SCRATCH/json.out"; fi
finish
