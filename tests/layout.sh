#!/bin/sh
# layout.sh: README's Layout names every file of src/ (by its stem: foo for
# foo.c and foo.h, jschema.def as it is), so a newcomer's map never misses
# a module. A new file fails this test until README says where it belongs.
top=${top_srcdir:-$(dirname "$0")/..}
layout=$(awk '/^## Layout/ { on = 1 } on && /^```/ { fences++; if (fences == 2) exit } on' "$top/README.md")
[ -n "$layout" ] || { echo "not ok - README.md has no Layout section"; exit 1; }
missing=
for f in "$top"/src/*.c "$top"/src/*.h "$top"/src/*.def; do
	[ -e "$f" ] || continue
	stem=$(basename "$f")
	case $stem in *.c|*.h) stem=${stem%.?} ;; esac
	printf '%s\n' "$layout" | grep -qE "(^|[ (])$(printf '%s' "$stem" | sed 's/\./\\./g')([ ),;:]|$)" ||
		missing="$missing $stem"
done
if [ -n "$missing" ]; then
	echo "not ok - README.md's Layout does not name:$(printf '%s\n' $missing | sort -u | tr '\n' ' ')"
	exit 1
fi
echo "ok - README.md's Layout names every file of src/"
