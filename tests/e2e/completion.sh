#!/bin/sh
# The bash completion offers the subcommands, each one's options (read from
# its --help, which the option tables make), runbook files, --param names
# read from the runbook, and incident folders; the zsh one parses.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || skip_all "bash-completion not installed (.ci/install-deps installs it)"
command -v bash >/dev/null 2>&1 || skip_all "no bash"
scratch_dir
mkdir -p "$SCRATCH/state/drconsole/incidents/20261207T2130Z-pitr" "$SCRATCH/books"
cp "$top_srcdir/runbooks/pitr-restore.yaml" "$SCRATCH/books/"
: > "$SCRATCH/books/notes.txt"

# complete WORD...: what _drconsole offers for the last word, one a line.
complete_words() {
	(cd "$SCRATCH/books" && bash -c '
		. "$1"; . "$2"; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_drconsole drconsole "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort -u' _ "$bc" "$top_srcdir/completions/drconsole.bash" \
		"$DRCONSOLE" "$@")
}

offers() {	# offers WHAT WORD... : WHAT is among the completions of WORD...
	what=$1; shift
	if complete_words "$@" | grep -qx -- "$what"; then
		pass "'$*' offers $what"
	else
		complete_words "$@" | show
		fail "'$*' does not offer $what"
	fi
}

for cmd in run lint report resume note approve watch replay inject verify; do
	offers "$cmd" ""
done
offers --list-params lint --l
offers --dry-run run --d
offers --verbose run --v
offers --format report --
offers --help note --

# Each command's options: as many as its --help lists, and each one known
# to its getopt_long (a mistyped name would be an unrecognized option).
for cmd in run lint report resume note approve watch replay inject verify; do
	complete_words "$cmd" -- > "$SCRATCH/opts"
	want=$("$DRCONSOLE" "$cmd" --help | grep -c '^  \(-., \)\{0,1\} *--[a-z]')
	got=$(wc -l < "$SCRATCH/opts")
	bad=
	while read -r opt; do
		"$DRCONSOLE" "$cmd" "$opt" x --help 2>&1 | grep -q 'unrecognized option' && bad="$bad $opt"
	done < "$SCRATCH/opts"
	if [ "$got" -eq "$want" ] && [ "$got" -ge 2 ] && [ -z "$bad" ]; then
		pass "$cmd: all $got options offered, each accepted"
	else
		fail "$cmd: $got options offered, --help lists $want; refused:$bad"
	fi
done

offers target_time= run pitr-restore.yaml --param ""
offers statuspage_api_key= pitr-restore.yaml --param s
offers pitr-restore.yaml run ""
if complete_words run "" | grep -q notes.txt; then fail "run offers a non-runbook"; else pass "run offers runbooks only"; fi
offers "$SCRATCH/state/drconsole/incidents/20261207T2130Z-pitr" resume ""
offers "$SCRATCH/state/drconsole/incidents/20261207T2130Z-pitr" report ""
# An option's value is completed as what it is: -o FILE a file, --format
# not an incident.
offers notes.txt report x -o ""
offers notes.txt report x --output ""

if command -v zsh >/dev/null 2>&1; then
	if zsh -n "$top_srcdir/completions/_drconsole"; then pass "the zsh completion parses"; else fail "zsh: syntax error"; fi
fi
finish
