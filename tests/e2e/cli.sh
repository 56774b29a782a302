#!/bin/sh
# cli.sh: the command line people expect. Every subcommand answers --help
# (usage, options, an example, exit status: exit 0 on stdout) and --version;
# options are getopt_long's (--speed=10, -oFILE, -o FILE); "-" is standard
# input or output (lint -, run -, note DIR -, report -o -); an unknown option
# is a usage error, status 2, with the usage on stderr.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
scratch_dir
export LC_ALL=C.UTF-8
unset DRCONSOLE_FAKE_NOW
S=$SCRATCH

# --- --help and --version, everywhere ---
for cmd in run lint verify report note resume watch inject replay approve; do
	"$DRCONSOLE" $cmd --help >"$S/help" 2>"$S/help.err"; rc=$?
	if [ $rc -eq 0 ] && grep -q "^usage: drconsole $cmd " "$S/help" &&
	    grep -q '^example:' "$S/help" && grep -q "^  drconsole $cmd " "$S/help" &&
	    grep -q '^exit status:' "$S/help" && grep -q -- '--help' "$S/help" && [ ! -s "$S/help.err" ]; then
		pass "$cmd --help: usage, options, an example, exit status, on stdout, exit 0"
	else
		fail "$cmd --help (exit $rc)"; show "$S/help" "$S/help.err"
	fi
	"$DRCONSOLE" $cmd -h >"$S/h" 2>&1 && cmp -s "$S/h" "$S/help" && pass "$cmd -h is --help" ||
		fail "$cmd -h differs from --help"
	out=$("$DRCONSOLE" $cmd --version 2>&1); rc=$?
	[ $rc -eq 0 ] && expr "$out" : 'drconsole [0-9][0-9.]*$' >/dev/null &&
		pass "$cmd --version: '$out'" || fail "$cmd --version (exit $rc): $out"
	"$DRCONSOLE" $cmd --no-such-option >"$S/o" 2>"$S/e"; rc=$?
	[ $rc -eq 2 ] && [ ! -s "$S/o" ] && grep -q "no-such-option" "$S/e" &&
	    grep -q "^usage: drconsole $cmd" "$S/e" &&
		pass "$cmd --no-such-option: status 2, named, usage on stderr" ||
		{ fail "$cmd --no-such-option (exit $rc)"; show "$S/o" "$S/e"; }
done

# The top-level help lists the commands and the run and console options.
"$DRCONSOLE" --help >"$S/top" 2>&1 || fail "drconsole --help failed"
missing=
for w in --param --yes --dry-run --from --drill --training --environment --incident-dir \
    --kill-grace --theme --ascii --no-mouse run lint verify report note resume watch inject replay approve; do
	grep -q -- "^  *$w\\b\\|^  *-., $w\\b\\|^  $w " "$S/top" || missing="$missing $w"
done
[ -z "$missing" ] && pass "drconsole --help lists the commands and the run/console options" ||
	{ fail "drconsole --help misses:$missing"; show "$S/top"; }
# Each option's help comes from the same table as the parser: every option
# --help shows is one `run` accepts (it fails on the option, not later).
for opt in $(sed -n 's/^ *\(-., \)\{0,1\}\(--[a-z-]*\).*/\2/p' "$S/top" | sort -u); do
	case $opt in --theme|--ascii|--no-mouse|--help|--version) continue ;; esac
	"$DRCONSOLE" run $opt x --nope >"$S/o" 2>"$S/e"
	grep -q "unrecognized option '$opt'" "$S/e" && fail "run refuses $opt, which --help lists"
done
pass "run accepts every run option the top-level help lists"

# --- lint - ---
cp "$top_srcdir/tests/data/run/basic.yaml" "$S/good.yaml"
"$DRCONSOLE" lint - <"$S/good.yaml" >"$S/o" 2>&1 && grep -q '^1 file checked: 0 errors' "$S/o" &&
	pass "lint - checks a runbook from standard input" || { fail "lint - of a good runbook"; show "$S/o"; }
"$DRCONSOLE" lint - <"$top_srcdir/tests/data/bad/bad-id.yaml" >"$S/o" 2>&1; rc=$?
exp=$(sed 's|^bad/bad-id.yaml:|<stdin>:|' "$top_srcdir/tests/data/bad/bad-id.expected")
[ $rc -eq 2 ] && grep -qxF "$exp" "$S/o" && pass "lint - of a broken runbook: '<stdin>:LINE:COL: error', status 2" ||
	{ fail "lint - of a broken runbook (exit $rc), wanted: $exp"; show "$S/o"; }
"$DRCONSOLE" lint "$S/good.yaml" - <"$top_srcdir/tests/data/bad/bad-id.yaml" >"$S/o" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q '^2 files checked: 1 error' "$S/o" &&
	pass "lint FILE - checks both" || { fail "lint FILE - (exit $rc)"; show "$S/o"; }
"$DRCONSOLE" lint -- --help >"$S/o" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q -- '--help' "$S/o" && ! grep -q '^usage' "$S/o" &&
	pass "lint -- --help looks for a file named --help" || { fail "lint -- --help (exit $rc)"; show "$S/o"; }

# --- run - ---
INC=$S/inc
"$DRCONSOLE" run --yes --incident-dir "$INC" - <"$S/good.yaml" >"$S/run.out" 2>&1; rc=$?
J=$INC/journal.jsonl
[ $rc -eq 0 ] && [ -f "$INC/marker" ] && grep -q '"path":"<stdin>"' "$J" &&
	pass "run - runs a runbook from standard input; the journal names it <stdin>" ||
	{ fail "run - (exit $rc)"; show "$S/run.out"; }
"$DRCONSOLE" run --resume "$INC" >"$S/o" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q 'read from standard input: name it again' "$S/o" &&
	pass "run --resume of a stdin runbook asks for it to be named" || { fail "resume of <stdin> (exit $rc)"; show "$S/o"; }
# Includes of a runbook on stdin are looked up in the current directory.
mkdir "$S/incl" && cp "$top_srcdir"/tests/data/include/*.yaml "$S/incl/" 2>/dev/null
top=$(grep -l '^ *- include:' "$S"/incl/*.yaml | head -n 1)
if [ -n "$top" ]; then
	(cd "$S/incl" && "$DRCONSOLE" lint - <"$top") >"$S/o" 2>&1 &&
		(cd "$S" && "$DRCONSOLE" lint - <"$top") >"$S/o2" 2>&1
	rc=$?
	grep -q '0 errors' "$S/o" && [ $rc -eq 2 ] && grep -q "^<stdin>:[0-9]*:[0-9]*: error: no runbook 'flush-cache'" "$S/o2" &&
		pass "a stdin runbook's includes are looked up in the current directory" ||
		{ fail "includes of a stdin runbook"; show "$S/o" "$S/o2"; }
fi

# --- note DIR - ---
printf 'replica lag is back\nunder one second\n' | "$DRCONSOLE" note --operator bob "$INC" - >"$S/o" 2>&1; rc=$?
last=$(tail -n 1 "$J")
[ $rc -eq 0 ] && printf '%s' "$last" | grep -qF '"text":"replica lag is back\nunder one second"' &&
	pass "note DIR - journals standard input's text" || { fail "note DIR - (exit $rc): $last"; show "$S/o"; }
"$DRCONSOLE" note "$INC" - </dev/null >"$S/o" 2>&1; rc=$?
[ $rc -eq 2 ] && [ "$(tail -n 1 "$J")" = "$last" ] && pass "note DIR - with nothing on stdin: status 2, nothing journaled" ||
	{ fail "empty note from stdin (exit $rc)"; show "$S/o"; }
"$DRCONSOLE" note "$INC" -5 degrees in the DC >"$S/o" 2>&1 && tail -n 1 "$J" | grep -qF '"text":"-5 degrees in the DC"' &&
	pass "note DIR TEXT that starts with a dash" || { fail "note with a dash"; show "$S/o"; }

# --- report -o - / -oFILE / --output=FILE ---
# A pinned clock: the report says when it was generated.
DRCONSOLE_FAKE_NOW=1800000000000
export DRCONSOLE_FAKE_NOW
"$DRCONSOLE" report "$INC" >"$S/r.default" 2>&1 || fail "report failed"
"$DRCONSOLE" report -o - "$INC" >"$S/r.dash" 2>"$S/e" && cmp -s "$S/r.default" "$S/r.dash" && [ ! -e ./- ] &&
	pass "report -o - writes the report to standard output" || { fail "report -o -"; show "$S/e"; }
"$DRCONSOLE" report -o"$S/r.glued" "$INC" >"$S/o" 2>&1 && grep -q 'report written to' "$S/o" && cmp -s "$S/r.default" "$S/r.glued" &&
	pass "report -oFILE" || { fail "report -oFILE"; show "$S/o"; }
"$DRCONSOLE" report --format=json --output="$S/r.json" "$INC" >"$S/o" 2>&1 &&
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$S/r.json" &&
	pass "report --format=json --output=FILE" || { fail "report --format=json --output="; show "$S/o"; }
"$DRCONSOLE" report "$INC" -fjson >"$S/o" 2>&1 && cmp -s "$S/o" "$S/r.json" &&
	pass "report options after the operand (-fjson)" || fail "report INC -fjson"
# -o replaces FILE by a rename: a link (think -o /dev/stdout) or a FIFO is refused.
ln -s "$S/r.default" "$S/link" && mkfifo "$S/fifo"
for t in link fifo; do
	"$DRCONSOLE" report -o "$S/$t" "$INC" >"$S/o" 2>&1; rc=$?
	[ $rc -eq 2 ] && grep -q 'not a regular file' "$S/o" && [ -L "$S/link" ] && [ -p "$S/fifo" ] &&
		pass "report -o onto a $t: refused, status 2, left alone" || { fail "report -o $t (exit $rc)"; show "$S/o"; }
done
"$DRCONSOLE" report --format=pdf "$INC" >"$S/o" 2>"$S/e"; rc=$?
[ $rc -eq 2 ] && grep -q "not 'pdf'" "$S/e" && pass "report --format=pdf: status 2, said" || fail "report --format=pdf (exit $rc)"

unset DRCONSOLE_FAKE_NOW

# --- replay --speed=10 ---
"$DRCONSOLE" replay --speed=10 "$INC" </dev/null >"$S/o" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q '10x real time' "$S/o" && pass "replay --speed=10" || { fail "replay --speed=10 (exit $rc)"; show "$S/o"; }
"$DRCONSOLE" replay "$INC" --instant </dev/null >"$S/o" 2>&1 && pass "replay DIR --instant (options after the operand)" ||
	fail "replay DIR --instant"
"$DRCONSOLE" replay --speed=fast "$INC" </dev/null >"$S/o" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "not 'fast'" "$S/o" && pass "replay --speed=fast: status 2" || fail "replay --speed=fast (exit $rc)"
"$DRCONSOLE" replay --step --instant "$INC" </dev/null >"$S/o" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q 'exclude each other' "$S/o" && pass "replay --step --instant: status 2" || fail "replay two modes (exit $rc)"

# --- other mistakes stay status 2 ---
"$DRCONSOLE" verify --head=nothex "$INC" >"$S/o" 2>&1; rc=$?
[ $rc -eq 2 ] && pass "verify --head=nothex: status 2" || fail "verify --head=nothex (exit $rc)"
"$DRCONSOLE" verify --head="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hash"])' "$INC/journal.head")" "$INC" \
	>"$S/o" 2>&1 && grep -q '^intact' "$S/o" && pass "verify --head=HASH" || { fail "verify --head=HASH"; show "$S/o"; }
"$DRCONSOLE" report >"$S/o" 2>"$S/e"; rc=$?
[ $rc -eq 2 ] && grep -q '^usage: drconsole report' "$S/e" && pass "report without INCIDENT_DIR: status 2" || fail "report alone (exit $rc)"
"$DRCONSOLE" run --param >"$S/o" 2>"$S/e"; rc=$?
[ $rc -eq 2 ] && grep -q "requires an argument" "$S/e" && pass "run --param without a value: status 2" || fail "run --param (exit $rc)"

finish
