#!/bin/sh
# lint_bundled.sh: the runbooks shipped in runbooks/ lint clean (no errors,
# no warnings: a warning there is a real problem or a lint mistake), and
# lint refuses nothing or a missing path with a clear message and exit
# status 2.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v timeout >/dev/null || skip_all "timeout(1) is not installed"
scratch_dir
OUT=$SCRATCH/out
ERR=$SCRATCH/err

lint() {
	# A hang guard, not a speed test: lint runs shellcheck on every script,
	# and CI shares its two cores with other work.
	timeout 300 "$DRCONSOLE" lint "$@" </dev/null >"$OUT" 2>"$ERR"
	rc=$?
}

runbooks=$top_srcdir/runbooks
find "$runbooks" \( -name '.*' -prune \) -o -type f \( -name '*.yaml' -o -name '*.yml' \) -print |
    sort >"$SCRATCH/list"
n=$(wc -l <"$SCRATCH/list")
[ "$n" -gt 0 ] || die "no runbooks under $runbooks"

lint "$runbooks"
if [ "$rc" -ne 0 ] || grep -q ': error: ' "$OUT" "$ERR"; then
	fail "runbooks/: $(describe_rc "$rc") with errors"
	show "$OUT" "$ERR"
elif ! grep -Eqx "$n files? checked: 0 errors, 0 warnings" "$OUT"; then
	fail "runbooks/: want a summary of $n files, 0 errors and 0 warnings"
	show "$OUT" "$ERR"
else
	pass "runbooks/: $n files, no errors, no warnings"
fi

# One by one too, so a runbook that only passes next to another is caught.
while IFS= read -r f; do
	lint "$f"
	if [ "$rc" -eq 0 ] && ! grep -q ': error: ' "$OUT" "$ERR"; then
		pass "${f#"$top_srcdir"/}"
	else
		fail "${f#"$top_srcdir"/}: $(describe_rc "$rc")"
		show "$OUT" "$ERR"
	fi
done <"$SCRATCH/list"

lint
if [ "$rc" -eq 2 ] && grep -q 'usage: drconsole lint PATH' "$ERR" && [ ! -s "$OUT" ]; then
	pass "lint with no path: usage, exit 2"
else
	fail "lint with no path: $(describe_rc "$rc")"
	show "$OUT" "$ERR"
fi

missing=$SCRATCH/no-such-runbook.yaml
lint "$missing"
if [ "$rc" -eq 2 ] && grep -qx "$missing: error: cannot read: No such file or directory" "$OUT" &&
    grep -q '1 file checked: 1 error' "$ERR"; then
	pass "lint of a missing file: named, exit 2"
else
	fail "lint of a missing file: $(describe_rc "$rc")"
	show "$OUT" "$ERR"
fi

mkdir "$SCRATCH/empty"
lint "$SCRATCH/empty"
if [ "$rc" -eq 2 ] && grep -q 'no runbooks found' "$ERR"; then
	pass "lint of a directory without runbooks: exit 2"
else
	fail "lint of a directory without runbooks: $(describe_rc "$rc")"
	show "$OUT" "$ERR"
fi

finish
