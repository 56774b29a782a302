#!/bin/sh
# include_merge.sh: an included runbook runs inside the including one as it
# would on its own (issue #15, "sub-runbooks where the seeds have them").
# The bundled q3-drill includes region-failover instead of sending the team
# to a second console: it lints clean, dry-runs to the end as a drill, shows
# the included steps' rehearsal stand-ins (region-failover's environments,
# merged) and feeds the failover the outage time its own step captures. And
# a real run: the included env yields to the target environment's value, as
# it does when the included runbook runs on its own.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
scratch_dir

q3=$top_srcdir/runbooks/q3-drill.yaml

timeout 30 "$DRCONSOLE" lint "$q3" >"$SCRATCH/lint.out" 2>&1
if grep -q '^1 file checked: 0 errors, 0 warnings' "$SCRATCH/lint.out"; then pass "q3-drill lints clean"; else
	fail "q3-drill does not lint clean"; show "$SCRATCH/lint.out"; fi
grep -q 'second console' "$q3" && fail "q3-drill still sends the team to a second console" ||
	pass "q3-drill no longer sends the team to a second console"

# dry_run NAME [ARG...]: q3-drill dry-run as a drill into $SCRATCH/NAME.out.
dry_run() {
	_n=$1
	shift
	timeout 60 "$DRCONSOLE" run --dry-run --drill --incident-dir "$SCRATCH/inc-$_n" "$@" "$q3" \
	    </dev/null >"$SCRATCH/$_n.out" 2>&1
}

dry_run drill
rc=$?
total=$(sed -n 's/^\[1\/\([0-9]*\)\].*/\1/p' "$SCRATCH/drill.out")
shown=$(grep -c '^\[[0-9]*/[0-9]*\]' "$SCRATCH/drill.out")
if [ "$rc" -eq 0 ] && [ -n "$total" ] && [ "$shown" -eq "$total" ] &&
    grep -q "^\[$total/$total\] .*(retrospective)" "$SCRATCH/drill.out"; then
	pass "q3-drill dry-runs as a drill to its last step ($total steps)"
else
	fail "q3-drill --dry-run --drill: exit $rc, $shown of $total steps shown"; show "$SCRATCH/drill.out"
fi
grep -q '^== Fail over (the team runs region-failover, drill mode) ==' "$SCRATCH/drill.out" &&
    grep -q '(failover-promote-replica)$' "$SCRATCH/drill.out" && grep -q '(failover-dns-cutover)$' "$SCRATCH/drill.out" &&
	pass "region-failover's steps are in the drill, prefixed, as one phase" ||
	{ fail "the included failover steps are missing"; show "$SCRATCH/drill.out"; }
grep -qF -- "-v outage='<outage_started, captured by step confirm-outage>'" "$SCRATCH/drill.out" &&
	pass "the failover's data-loss window ends at the outage time the drill captured" ||
	{ fail "outage_started does not come from confirm-outage"; show "$SCRATCH/drill.out"; }
# A drill targets staging: region-failover's staging environment came along.
grep -q -- '--cluster rqi-erp-staging --services rqi-erp-api --region us-west-2' "$SCRATCH/drill.out" &&
	pass "the failover scales staging's cluster in the standby region" ||
	{ fail "the failover does not target staging"; show "$SCRATCH/drill.out"; }

dry_run rehearsal --environment rehearsal
rc=$?
missing=
for step in failover-terraform-init failover-terraform-plan failover-terraform-apply failover-promote-replica \
    failover-scale-up failover-dns-cutover failover-dns-insync simulate-region-failure scale-primary-back; do
	awk -v s="($step)" 'index($0, s) && /^\[/ { on = 1; next } on && /^\[/ { exit } on && /^  stand-in for environment rehearsal: the real step does not run: / { found = 1 } END { exit !found }' \
	    "$SCRATCH/rehearsal.out" || missing="$missing $step"
done
if [ "$rc" -eq 0 ] && [ -z "$missing" ]; then
	pass "the rehearsal dry run shows every stand-in, the included steps' too"
else
	fail "rehearsal dry run: exit $rc, no stand-in shown for:$missing"; show "$SCRATCH/rehearsal.out"
fi
grep -q '^  \$ psql -X -At .*SELECT pg_promote(wait => true)' "$SCRATCH/rehearsal.out" &&
	pass "an included stand-in's templates follow the renamed params" ||
	{ fail "the promote stand-in is not expanded"; show "$SCRATCH/rehearsal.out"; }

# The included env, the environment's and the step's own, for real.
cat >"$SCRATCH/sub.yaml" <<'YAML'
id: sub
title: Sub
env: { V: from-env, W: from-env }
environments:
  staging:
    env: { V: from-staging, W: from-staging }
steps:
  - id: show
    title: Show the variables
    confirm: no
    env: { W: own }
    run: echo "V=$V W=$W"
YAML
printf 'id: top\ntitle: Top\nobjectives: { rto: 1h }\nsteps:\n  - include: sub\n' >"$SCRATCH/top.yaml"
timeout 30 "$DRCONSOLE" run --yes --environment staging --incident-dir "$SCRATCH/inc-env" "$SCRATCH/top.yaml" \
    </dev/null >"$SCRATCH/env.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q 'V=from-staging W=own' "$SCRATCH/env.out" &&
	pass "the target environment wins over the included env, the step's own over both" ||
	{ fail "included env precedence (exit $rc)"; show "$SCRATCH/env.out"; }
timeout 30 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/inc-noenv" "$SCRATCH/top.yaml" \
    </dev/null >"$SCRATCH/noenv.out" 2>&1
grep -q 'V=from-env W=own' "$SCRATCH/noenv.out" && pass "without the environment the included env holds" ||
	{ fail "included env lost without an environment"; show "$SCRATCH/noenv.out"; }

# An error found only once the include is expanded (its id clashes with
# the includer's) is reported at the included file's FILE:LINE:COL.
mkdir -p "$SCRATCH/clash"
printf 'id: sub\ntitle: Sub\nsteps:\n  - id: one\n    title: One\n    confirm: no\n    run: echo one\n' >"$SCRATCH/clash/sub.yaml"
printf 'id: top\ntitle: Top\nobjectives: { rto: 1h }\nsteps:\n  - id: sub-one\n    title: Mine\n    confirm: no\n    run: echo mine\n  - include: sub.yaml\n    as: sub\n' \
	>"$SCRATCH/clash/top.yaml"
(cd "$SCRATCH/clash" && "$DRCONSOLE" lint top.yaml) >"$SCRATCH/clash.out" 2>&1
grep -q "^\./sub.yaml:4:5: error: duplicate step id 'sub-one' (first used at top.yaml:5)" "$SCRATCH/clash.out" &&
	pass "an expanded step's error names the included file, and the first use its own" ||
	{ fail "the clash is not reported at sub.yaml"; show "$SCRATCH/clash.out"; }
finish
