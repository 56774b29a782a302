#!/bin/sh
# lint_corpus.sh: `drconsole lint` over the corpus in tests/data.
#   bad/NAME.yaml, bad/NAME/ (linted as a directory): stdout must be exactly
#     bad/NAME.expected, the exit status 2, with no crash and no hang.
#   warn/NAME.yaml: exit 0, stdout exactly warn/NAME.expected (the warnings
#     and the summary line).
#   good/*.yaml: exit 0, nothing but "1 file checked: 0 errors, 0 warnings".
# bad and warn cases run with a PATH that has no shellcheck, so their output
# is the same on every machine; those named shellcheck-* run with it (and
# are skipped without it), and good/ runs with it when it is installed.
# Then files made here at run time: one over the size limit, random bytes,
# and large files that must still be checked quickly.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v timeout >/dev/null || skip_all "timeout(1) is not installed"
scratch_dir
cd "$top_srcdir/tests/data" || die "no tests/data in $top_srcdir"

OUT=$SCRATCH/out
ERR=$SCRATCH/err

# lint ARGS...: runs lint with a 10 s limit; sets rc, output in $OUT, $ERR.
# LINT_PATH is the PATH lint gets (where it looks for shellcheck).
LINT_PATH=$PATH
lint() {
	timeout 120 env PATH="$LINT_PATH" "$DRCONSOLE" lint "$@" </dev/null >"$OUT" 2>"$ERR"
	rc=$?
}
# The PATH for a case: without shellcheck unless the case is about it.
HAVE_SHELLCHECK=
command -v shellcheck >/dev/null && HAVE_SHELLCHECK=1
case_path() {
	case ${1##*/} in
	shellcheck-*) LINT_PATH=$PATH ;;
	*) LINT_PATH=$SCRATCH/no-shellcheck ;;
	esac
}
# want_case FILE: 1 when the case can run here.
want_case() {
	case ${1##*/} in
	shellcheck-*)
		[ -n "$HAVE_SHELLCHECK" ] && return 0
		note "$1: skipped, shellcheck is not installed"
		return 1 ;;
	esac
	return 0
}

# ran_ok WHAT WANT-RC: the last lint neither crashed nor hung and exited WANT-RC.
ran_ok() {
	if [ "$rc" -ge 124 ]; then
		fail "$1: $(describe_rc "$rc")"
		show "$ERR"
		return 1
	fi
	if [ "$rc" -ne "$2" ]; then
		fail "$1: exited $rc, want $2"
		show "$OUT" "$ERR"
		return 1
	fi
	return 0
}

# same_output WHAT EXPECTED-FILE: stdout of the last lint is exactly the file.
same_output() {
	if diff -u "$2" "$OUT" >"$SCRATCH/diff"; then
		return 0
	fi
	fail "$1: output differs from $2"
	show "$SCRATCH/diff"
	return 1
}

# A summary with at least one error goes to stderr when lint fails.
error_summary() {
	grep -Eq '^[0-9]+ files? checked: [1-9][0-9]* errors?, [0-9]+ warnings?$' "$ERR"
}

check_bad() {
	what=$1
	expected=${1%/}
	expected=${expected%.yaml}.expected
	if [ ! -f "$expected" ]; then
		fail "$what: no $expected"
		return
	fi
	lint "$what"
	ran_ok "$what" 2 || return
	same_output "$what" "$expected" || return
	if ! error_summary; then
		fail "$what: no error summary on stderr"
		show "$ERR"
		return
	fi
	pass "$what"
}

for f in bad/*.yaml bad/*/; do
	[ -e "$f" ] || continue
	want_case "${f%/}" || continue
	case_path "${f%/}"
	check_bad "${f%/}"
done

# What the shell cannot parse is its own finding, shellcheck installed or not.
if [ -n "$HAVE_SHELLCHECK" ]; then
	LINT_PATH=$PATH
	check_bad bad/shell-syntax.yaml
fi

# Every .expected belongs to a case, so none is silently left out.
for x in bad/*.expected warn/*.expected; do
	base=${x%.expected}
	[ -e "$base.yaml" ] || [ -d "$base" ] || fail "$x: no $base.yaml or $base/"
done

for f in warn/*.yaml; do
	want_case "$f" || continue
	case_path "$f"
	lint "$f"
	ran_ok "$f" 0 || continue
	same_output "$f" "${f%.yaml}.expected" || continue
	pass "$f"
done

LINT_PATH=$PATH
for f in good/*.yaml; do
	lint "$f"
	ran_ok "$f" 0 || continue
	if [ "$(cat "$OUT")" != "1 file checked: 0 errors, 0 warnings" ] || [ -s "$ERR" ]; then
		fail "$f: not clean"
		show "$OUT" "$ERR"
		continue
	fi
	pass "$f"
done

n=$(find good -name "*.yaml" | wc -l)
lint good
if ran_ok "good (all together)" 0; then
	if [ "$(cat "$OUT")" = "$n files checked: 0 errors, 0 warnings" ]; then
		pass "good (all $n together)"
	else
		fail "good (all together): want '$n files checked: 0 errors, 0 warnings'"
		show "$OUT" "$ERR"
	fi
fi

# --- files made at run time ---

# Over the size limit: rejected before parsing, at no position.
big=$SCRATCH/big.yaml
{ printf 'id: big\ntitle: Big\nsteps:\n'; yes '  - {id: s, title: t, run: "true"}'; } 2>/dev/null |
    head -c 5242880 >"$big"
lint "$big"
if ran_ok "5 MB file" 2; then
	if grep -Eqx "$big: error: file is too large \\(5242880 bytes; the limit is [0-9]+\\)" "$OUT" &&
	    [ "$(wc -l <"$OUT")" -eq 1 ]; then
		pass "5 MB file is refused"
	else
		fail "5 MB file: unexpected output"
		show "$OUT"
	fi
fi

# Random bytes: one error, well formed, never a crash. A failing input is
# kept in the build directory so it can be replayed.
i=0
random_bad=0
while [ $i -lt 20 ]; do
	i=$((i + 1))
	f=$SCRATCH/random-$i.yaml
	head -c $((i * 211)) /dev/urandom >"$f"
	lint "$f"
	if ran_ok "random bytes #$i" 2 && grep -Eq "^$f(:[0-9]+:[0-9]+)?: error: " "$OUT" &&
	    ! grep -Ev "^$f(:[0-9]+:[0-9]+)?: (error|warning): " "$OUT" | grep -q .; then
		continue
	fi
	random_bad=$((random_bad + 1))
	fail "random bytes #$i: bad output"
	show "$OUT"
	cp "$f" "$top_builddir/lint-corpus-random-$i.yaml" 2>/dev/null &&
	    note "input kept as $top_builddir/lint-corpus-random-$i.yaml"
done
[ $random_bad -eq 0 ] && pass "20 files of random bytes: each an error, no crash"

# Large but legal files must not take quadratic time: 90,000 distinct env
# names (duplicate-key detection), 40,000 params referenced 200,000 times
# (template lookups) or 100,000 times in a `when:`, 300,000 undeclared
# references (reporting is capped).
gen() {
	awk -v kind="$1" 'BEGIN {
		print "id: gen-" kind; print "title: Generated"; print "objectives: {rto: 1h}"
		if (kind == "keys") {
			print "env:"
			for (i = 0; i < 90000; i++) printf "  V%06d: x\n", i
			print "steps: [{id: a, title: A, run: \"true\"}]"
		} else if (kind == "when") {
			print "params:"
			for (i = 0; i < 40000; i++) printf "  - name: p%d\n", i
			printf "steps: [{id: a, title: A, run: \"true\", when: \"p39999"
			for (i = 0; i < 100000; i++) printf " || p39999"
			print "\"}]"
		} else if (kind == "nested-not") {
			printf "steps: [{id: a, title: A, run: \"true\", when: \""
			for (i = 0; i < 1000000; i++) printf "!"
			print "x\"}]"
		} else if (kind == "nested-parens") {
			printf "steps: [{id: a, title: A, run: \"true\", when: \""
			for (i = 0; i < 500000; i++) printf "("
			printf "x"
			for (i = 0; i < 500000; i++) printf ")"
			print "\"}]"
		} else if (kind == "params") {
			print "params:"
			for (i = 0; i < 40000; i++) printf "  - name: p%d\n", i
			printf "steps: [{id: a, title: A, run: \""
			for (i = 0; i < 200000; i++) printf "{{p39999}}"
			print "\"}]"
		} else {
			printf "steps: [{id: a, title: A, run: \""
			for (i = 0; i < 300000; i++) printf "{{nope}}"
			print "\"}]"
		}
	}' >"$SCRATCH/gen-$1.yaml"
}
for kind in keys params when; do
	gen $kind
	lint "$SCRATCH/gen-$kind.yaml"
	ran_ok "generated $kind" 0 && pass "generated $kind: clean, within the time limit"
done
# A million nested operators in a `when:` must be refused or accepted, not
# overflow the stack.
for kind in nested-not nested-parens; do
	gen $kind
	lint "$SCRATCH/gen-$kind.yaml"
	if [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ]; then
		pass "generated $kind: exit $rc, no crash"
	else
		fail "generated $kind: $(describe_rc "$rc")"
		tail -n 3 "$OUT" "$ERR" | show
	fi
done
gen undeclared
lint "$SCRATCH/gen-undeclared.yaml"
if ran_ok "generated undeclared" 2; then
	errors=$(grep -c ": error: template names 'nope'" "$OUT")
	if [ "$errors" -ge 1 ] && [ "$errors" -le 1000 ] &&
	    grep -q ': error: too many undeclared names in templates' "$OUT"; then
		pass "generated undeclared: $errors reported, then capped"
	else
		fail "generated undeclared: $errors errors reported"
		tail -n 3 "$OUT" | show
	fi
fi

finish
