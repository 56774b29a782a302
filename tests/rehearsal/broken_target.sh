#!/bin/sh
# broken_target.sh: a test of the rehearsal itself. The pitr-restore runbook
# with one restore step's target time shifted by an hour (prepare-datadir
# writes recovery_target_time one hour before target_time) must fail the
# pitr rehearsal, and the failure must name the check that caught it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=$(mktemp -d /tmp/rh-broken.XXXXXX) || exit 99
trap 'rm -rf "$work"' EXIT
cp -R "$top/runbooks" "$work/runbooks"
rb=$work/runbooks/pitr-restore.yaml
orig="target=\$(date -u -d {{ target_time }} '+%Y-%m-%d %H:%M:%S.%6N+00')"
grep -qF "$orig" "$rb" || { echo "FAIL: prepare-datadir no longer computes target as expected: update this test"; exit 1; }
shifted="target=\$(date -u -d \"\$(date -u -d {{ target_time }} '+%Y-%m-%d %H:%M:%S') 1 hour ago\" '+%Y-%m-%d %H:%M:%S.%6N+00')"
python3 -c 'import sys
p, a, b = sys.argv[1:]
s = open(p).read()
open(p, "w").write(s.replace(a, b, 1))' "$rb" "$orig" "$shifted"
grep -qF "1 hour ago" "$rb" || { echo "FAIL: could not shift the target"; exit 1; }
REHEARSAL_OUT=$work/incidents sh "$here/rehearse.sh" --runbooks "$work/runbooks" pitr-restore >"$work/out" 2>&1
rc=$?
cat "$work/out"
if [ "$rc" -eq 0 ]; then
	echo "FAIL: the rehearsal passed with the target shifted by an hour"
	exit 1
fi
if ! grep -q '^rehearse: check rows-before-target: FAILED' "$work/out" ||
    ! grep -Eq '^pitr-restore +.* NO +.*rows-before-target' "$work/out"; then
	echo "FAIL: the rehearsal failed (exit $rc) without naming the check rows-before-target"
	exit 1
fi
echo "PASS: the shifted target fails the pitr rehearsal at check rows-before-target"
