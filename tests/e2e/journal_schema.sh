#!/usr/bin/env bash
# journal_schema.sh: drconsole-journal(5) and the schema table
# (src/jschema.def) say the same: every common member, event, member (its
# types and whether it is required) and vocabulary word of the one is in
# the other, in the same order. The page renders clean with mandoc and
# groff where they are installed.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

PAGE=$top_srcdir/doc/drconsole-journal.5
DUMP=$top_builddir/tests/unit/jschema_dump
[ -x "$DUMP" ] || die "no $DUMP: build the check programs first (make check)"
scratch_dir

# The page's facts, in jschema_dump's form.
page_facts() {
	awk '
	function unesc(s) { gsub(/\\-/, "-", s); gsub(/\\e/, "\\", s); return s }
	/^\.SH / { sect = $2; next }
	/^\.SS / {
		sub(/^\.SS /, ""); sub_title = $0
		if (sect == "EVENTS") { ev = unesc($0); print "event " ev }
		else if (sect == "VOCABULARIES") {
			if (sub_title ~ /^Step status/) voc = "status"
			else if (sub_title ~ /^Skip kinds/) voc = "skip"
			else if (sub_title ~ /^Decision kinds/) voc = "decision"
			else if (sub_title ~ /^Reason kinds/) voc = "reason"
			else if (sub_title ~ /^Modes/) voc = "mode"
			else if (sub_title ~ /^Run outcomes/) voc = "outcome"
			else voc = "UNKNOWN(" sub_title ")"
		}
		next
	}
	/^\.BR [^ ]+ " \(/ && (sect == "COMMON" || sect == "EVENTS") {
		name = unesc($2)
		spec = $0; sub(/^[^"]*" \(/, "", spec); sub(/\)"$/, "", spec)
		n = split(spec, parts, ", ")
		types = parts[1]; gsub(/ or /, "|", types)
		if (sect == "COMMON") print "common " name " " types " " parts[2]
		else print "member " ev " " name " " types " " parts[2]
		next
	}
	/^\.B [^ ]+$/ && sect == "VOCABULARIES" { print "word " voc " " unesc($2) }
	' "$PAGE"
}

"$DUMP" > "$SCRATCH/table" || die "jschema_dump failed"
page_facts > "$SCRATCH/page"
[ "$(wc -l < "$SCRATCH/table")" -gt 100 ] && pass "the table lists $(wc -l < "$SCRATCH/table") facts" ||
	fail "the table is nearly empty"
if diff -u "$SCRATCH/table" "$SCRATCH/page" > "$SCRATCH/diff"; then
	pass "drconsole-journal(5) documents every event, member and word of the table, as the table has them"
else
	fail "drconsole-journal(5) and src/jschema.def disagree (- table, + page)"
	show "$SCRATCH/diff"
fi
for n in 'event step.end' 'member step.end skip string optional' 'word skip drill' \
    'member run.start schema integer optional' 'common seq integer required'; do
	grep -qxF "$n" "$SCRATCH/page" && pass "the page has: $n" || fail "the page lacks: $n"
done

if command -v mandoc > /dev/null; then
	out=$(mandoc -T lint "$PAGE" 2>&1)
	[ -z "$out" ] && pass "mandoc -T lint is silent" || { fail "mandoc -T lint: $out"; }
else
	note "mandoc is not installed: its lint is left out"
fi
if command -v groff > /dev/null; then
	out=$(groff -ww -z -man "$PAGE" 2>&1)
	[ -z "$out" ] && pass "groff -ww is silent" || fail "groff -ww: $out"
else
	note "groff is not installed: its check is left out"
fi
finish
