#!/bin/sh
# stand_ins.sh: an environment's stand_ins (issue #17). In that environment a
# run step with no honest stand-in runs the given command instead, and says
# so: step.start carries "stand_in", the step's reason and the line-mode
# summary name the environment, and a dry run shows both commands.
# Elsewhere the step runs as written. Lint
# refuses a stand-in in a production environment, for a step that does not
# exist or is not a run step, twice for one step, and an unsafe template in
# its command.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
scratch_dir

rb=$SCRATCH/dns.yaml
cat >"$rb" <<'YAML'
id: dns
title: Move DNS
params:
  - { name: zone, default: erp.example }
environments:
  rehearsal:
    stand_ins:
      move-dns: echo "STAND-IN would move {{ zone }}" > "$OUT/dns"
steps:
  - id: move-dns
    title: Point the record at the standby
    confirm: no
    run: echo "REAL moved {{ zone }}" > "$OUT/dns"
  - id: after
    title: A step the environment leaves alone
    confirm: no
    run: echo after > "$OUT/after"
YAML
export OUT="$SCRATCH"

timeout 20 "$DRCONSOLE" lint "$rb" >"$SCRATCH/lint.out" 2>&1
if grep -q '0 errors' "$SCRATCH/lint.out"; then pass "lint accepts a stand-in"; else
	fail "lint refused a valid stand-in"; show "$SCRATCH/lint.out"; fi

inc=$SCRATCH/inc-rehearsal
timeout 20 "$DRCONSOLE" run --yes --environment rehearsal --incident-dir "$inc" "$rb" >"$SCRATCH/run.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && [ "$(cat "$SCRATCH/dns")" = "STAND-IN would move erp.example" ] &&
    [ "$(cat "$SCRATCH/after")" = after ]; then
	pass "rehearsal: the stand-in ran instead of the step, the next step as written"
else
	fail "rehearsal: $(describe_rc "$rc"), dns=$(cat "$SCRATCH/dns" 2>/dev/null)"; show "$SCRATCH/run.out"
fi
check_journal "$inc/journal.jsonl" \
    '[e.get("stand_in") for e in events if e["event"] == "step.start"] == ["rehearsal", None]' \
    "step.start names the environment of a stand-in, and only for that step"
check_journal "$inc/journal.jsonl" \
    '"stand-in for environment rehearsal" in ends["move-dns"]["reason"] and ends["move-dns"]["status"] == "ok" and not ends["after"].get("reason")' \
    "the stand-in's step.end reason says the real step did not run"
if grep -q 'move-dns.*stand-in for environment rehearsal' "$SCRATCH/run.out"; then
	pass "the line-mode summary marks the stand-in"
else
	fail "the line-mode summary does not mark the stand-in"; show "$SCRATCH/run.out"
fi

# A dry run in that environment shows the stand-in as the command, says so,
# and shows what it replaces; the step it leaves alone says nothing of it.
timeout 20 "$DRCONSOLE" run --dry-run --environment rehearsal --incident-dir "$SCRATCH/inc-dry" "$rb" \
    >"$SCRATCH/dry.out" 2>&1
if grep -q '^  \$ echo "STAND-IN would move erp.example"' "$SCRATCH/dry.out" &&
    grep -q '^  stand-in for environment rehearsal: the real step does not run: \$ echo "REAL moved erp.example"' "$SCRATCH/dry.out" &&
    [ "$(grep -c 'stand-in for environment' "$SCRATCH/dry.out")" -eq 1 ]; then
	pass "a dry run marks the stand-in and shows the step it replaces"
else
	fail "a dry run does not mark the stand-in"; show "$SCRATCH/dry.out"
fi

rm -f "$SCRATCH/dns"
timeout 20 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/inc-live" "$rb" >"$SCRATCH/live.out" 2>&1
if [ "$(cat "$SCRATCH/dns" 2>/dev/null)" = "REAL moved erp.example" ] &&
    ! grep -q '"stand_in":' "$SCRATCH/inc-live/journal.jsonl"; then
	pass "without the environment the step runs as written"
else
	fail "without the environment: dns=$(cat "$SCRATCH/dns" 2>/dev/null)"; show "$SCRATCH/live.out"
fi

# lint_refuses NAME PATTERN: $SCRATCH/bad.yaml is refused with PATTERN.
lint_refuses() {
	timeout 20 "$DRCONSOLE" lint "$SCRATCH/bad.yaml" >"$SCRATCH/bad.out" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] && grep -q "error: .*$2" "$SCRATCH/bad.out"; then pass "lint refuses $1"; else
		fail "lint does not refuse $1 ($(describe_rc "$rc"))"; show "$SCRATCH/bad.out"; fi
}

bad_runbook() {
	printf 'id: bad\ntitle: Bad\nparams:\n  - { name: who, default: x }\nenvironments:\n  %s:\n    stand_ins:\n      %s: %s\nsteps:\n' "$1" "$2" "$3"
	printf '  - { id: real, title: Real, confirm: no, run: "true" }\n'
	printf '  - { id: ask, title: Ask, manual: Check it }\n'
}
bad_runbook production real 'echo x' >"$SCRATCH/bad.yaml"
lint_refuses "a stand-in in production" "production target"
bad_runbook rehearsal nosuch 'echo x' >"$SCRATCH/bad.yaml"
lint_refuses "a stand-in for no step" "not a step of this runbook"
bad_runbook rehearsal ask 'echo x' >"$SCRATCH/bad.yaml"
lint_refuses "a stand-in for a manual step" "not a local run step"
bad_runbook rehearsal real "sh -c 'echo {{ who }}'" >"$SCRATCH/bad.yaml"
lint_refuses "an unsafe template in a stand-in" "stand_in: "
printf 'id: bad\ntitle: Bad\nenvironments:\n  rehearsal:\n    stand_ins:\n      real: "true"\n      real: "false"\nsteps:\n  - { id: real, title: Real, confirm: no, run: "true" }\n' >"$SCRATCH/bad.yaml"
lint_refuses "two stand-ins for one step" "duplicate key 'real'"
finish
