#!/bin/sh
# make deb builds the Debian package from the release tarball; dpkg-deb -c
# lists every file it must install, lintian finds no error, and the units
# run the weekly restore test every Sunday.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

for tool in dpkg-buildpackage dh lintian; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not installed (.ci/install-deps installs it)"
done
scratch_dir

# One job, at low priority: the rest of the suite runs beside this build.
if ! nice -n 10 make -s -C "$top_builddir" deb DEB_OUT="$SCRATCH/deb" DEB_JOBS=1 > "$SCRATCH/build.log" 2>&1; then
	tail -n 40 "$SCRATCH/build.log" | show
	die "make deb failed"
fi
pass "make deb built the package; lintian found no error"
deb=$(ls "$SCRATCH"/deb/drconsole_*.deb)
dpkg-deb -c "$deb" | awk '{ print $6 }' > "$SCRATCH/files"

expect_file() {
	if grep -qx "\./$1" "$SCRATCH/files"; then pass "installs /$1"; else fail "the package lacks /$1"; fi
}
expect_file usr/bin/drconsole
expect_file usr/share/man/man1/drconsole.1.gz
expect_file usr/share/man/man5/drconsole-runbook.5.gz
# Every page of doc/*.5, not a list that can fall behind.
for page in "$top_srcdir"/doc/*.5; do
	expect_file "usr/share/man/man5/$(basename "$page").gz"
done
for rb in "$top_srcdir"/runbooks/*.yaml "$top_srcdir"/runbooks/training/*.yaml; do
	expect_file "usr/share/drconsole/${rb#"$top_srcdir"/}"
done
for theme in "$top_srcdir"/themes/*.yaml; do
	expect_file "usr/share/drconsole/themes/$(basename "$theme")"
done
expect_file usr/share/bash-completion/completions/drconsole
expect_file usr/share/zsh/vendor-completions/_drconsole
expect_file lib/systemd/system/drconsole-restore-test.service
expect_file lib/systemd/system/drconsole-restore-test.timer
expect_file usr/share/doc/drconsole/copyright
expect_file usr/share/doc/drconsole/NEWS.gz

if grep -q '^E:' "$SCRATCH/deb/lintian.txt"; then
	show "$SCRATCH/deb/lintian.txt"
	fail "lintian reports errors"
else
	pass "no lintian error"
fi
recommends=$(dpkg-deb -f "$deb" Recommends)
if [ "$recommends" = "shellcheck, postgresql-client, openssh-client" ]; then
	pass "Recommends: $recommends"
else
	fail "Recommends is '$recommends'"
fi

# The units: weekly on Sunday, running the bundled restore test unattended.
dpkg-deb -x "$deb" "$SCRATCH/root"
units=$SCRATCH/root/lib/systemd/system
if grep -qx 'OnCalendar=Sun \*-\*-\* 03:00:00' "$units/drconsole-restore-test.timer"; then
	pass "the timer fires on Sundays"
else
	fail "the timer does not fire on Sundays"
fi
# The unit's ExecStart, its continuation lines joined.
exec_start=$(sed -e ':a' -e '/\\$/{N;s/\\\n[[:space:]]*//;ba' -e '}' "$units/drconsole-restore-test.service" | grep '^ExecStart=')
if [ "$exec_start" = 'ExecStart=/usr/bin/drconsole run --yes --junit /var/lib/drconsole/restore-test.junit.xml --metrics /var/lib/prometheus/node-exporter/drconsole-restore-test.prom /usr/share/drconsole/runbooks/weekly-restore-test.yaml' ]; then
	pass "the service runs the bundled restore test, with its JUnit report and metrics"
else
	fail "the service runs something else"
fi
# systemd reads both units without a complaint (the service pointed at the
# extracted binary), and the timer's next elapse is a Sunday.
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir "$SCRATCH/units"
	sed "s|^ExecStart=/usr/bin/drconsole|ExecStart=$SCRATCH/root/usr/bin/drconsole|" \
		"$units/drconsole-restore-test.service" > "$SCRATCH/units/drconsole-restore-test.service"
	cp "$units/drconsole-restore-test.timer" "$SCRATCH/units/"
	if (cd "$SCRATCH/units" && timeout 60 systemd-analyze verify --man=no ./drconsole-restore-test.timer \
		./drconsole-restore-test.service) > "$SCRATCH/verify.log" 2>&1 && [ ! -s "$SCRATCH/verify.log" ]; then
		pass "systemd-analyze verify: both units clean"
	else
		show "$SCRATCH/verify.log"
		fail "systemd-analyze verify complains"
	fi
	when=$(sed -n 's/^OnCalendar=//p' "$units/drconsole-restore-test.timer")
	if timeout 30 systemd-analyze calendar --iterations=3 "$when" 2>&1 | tee "$SCRATCH/cal.log" |
		grep -E '(Next elapse|Iter\. #[23]):' | grep -qv ': Sun '; then
		show "$SCRATCH/cal.log"
		fail "the timer elapses on a day other than Sunday"
	elif grep -q 'Next elapse: Sun ' "$SCRATCH/cal.log"; then
		pass "the timer's next three elapses are Sundays"
	else
		show "$SCRATCH/cal.log"
		fail "systemd-analyze calendar gave no next elapse"
	fi
else
	note "no systemd-analyze: the units are not verified"
fi
# The packaged binary runs, and its --param names come from a packaged runbook.
if "$SCRATCH/root/usr/bin/drconsole" lint --list-params \
	"$SCRATCH/root/usr/share/drconsole/runbooks/weekly-restore-test.yaml" | grep -qx app_dir; then
	pass "the packaged binary reads the packaged runbooks"
else
	fail "the packaged binary does not run"
fi
finish
