#!/bin/sh
# broken_backups.sh: a test of weekly-restore-test's backup checks. The
# rehearsal's weekly-restore-test-broken scenario breaks the stand-in's
# backups one way per check (a monthly dump expired, the newest dump and the
# bucket unencrypted, the cross-region copy gone, the image repository's
# tags mutable, the Vault token revoked): the run must fail at its verdict,
# every check must have caught its own fault, and the verdict must name
# exactly those problems.
set -u
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/rh-backups.XXXXXX) || exit 99
trap 'rm -rf "$work"' EXIT
REHEARSAL_OUT=$work/incidents sh "$here/rehearse.sh" weekly-restore-test-broken >"$work/out" 2>&1
rc=$?
cat "$work/out"
if [ "$rc" -eq 0 ]; then
	echo "FAIL: the weekly restore test passed against broken backups"
	exit 1
fi
for c in retention-caught encryption-caught replica-caught ecr-caught vault-caught restore-counts verdict-failed problems-named; do
	if ! grep -q "^rehearse: check $c: ok" "$work/out"; then
		echo "FAIL: the rehearsal failed (exit $rc), but check $c did not pass"
		exit 1
	fi
done
echo "PASS: every backup check caught its fault and the verdict failed the run"
