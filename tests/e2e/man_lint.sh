#!/bin/sh
# The manual pages render clean (mandoc -T lint, groff -ww), and document
# every key of the console's and watch's key tables and every DRCONSOLE_*
# variable the source reads or sets.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "no python3"
command -v groff >/dev/null 2>&1 || skip_all "no groff (.ci/install-deps installs groff-base)"
pages=$(ls "$top_srcdir"/doc/*.1 "$top_srcdir"/doc/*.5)
scratch_dir

if command -v mandoc >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	if mandoc -T lint $pages > "$SCRATCH/mandoc" 2>&1; then
		pass "mandoc -T lint: clean"
	else
		show "$SCRATCH/mandoc"
		fail "mandoc -T lint complains"
	fi
else
	note "mandoc not installed: its lint skipped (.ci/install-deps installs it)"
fi
for page in $pages; do
	if groff -ww -z -man "$page" > "$SCRATCH/groff" 2>&1 && [ ! -s "$SCRATCH/groff" ]; then
		pass "groff -ww: $(basename "$page") clean"
	else
		show "$SCRATCH/groff"
		fail "groff -ww warns on $(basename "$page")"
	fi
	if tr -d '\n' < "$page" | LC_ALL=C grep -q '[[:cntrl:]]'; then
		fail "$(basename "$page") holds a control character (a \\f written as a form feed?)"
	else
		pass "$(basename "$page"): no control characters"
	fi
done

python3 - "$top_srcdir" > "$SCRATCH/undocumented" <<'PY'
import glob, re, sys
top = sys.argv[1]
man = "".join(open(p).read() for p in glob.glob(top + "/doc/*.[15]"))
# Words set in a font macro line (.B, .BR, .RB, .BI, .IB, .TQ's next line...).
words = set()
for line in man.splitlines():
    if re.match(r"\.(B|BR|RB|BI|IB)\b", line):
        rest = line.split(None, 1)[1] if " " in line else ""
        for w in re.split(r'[\s/",]+', rest) + rest.split():
            words.add(w.replace("\\-", "-"))
names = {"KEY_UP": "Up", "KEY_DOWN": "Down", "KEY_PPAGE": "PgUp", "KEY_NPAGE": "PgDn",
         "KEY_HOME": "Home", "KEY_END": "End", "KEY_LEFT": "Left", "KEY_RIGHT": "Right",
         "UI_KEY_TAB": "Tab", "UI_KEY_ESC": "Esc", "UI_KEY_ENTER": "Enter",
         "UI_KEY_CTRL_C": "Ctrl-C", "UI_KEY_DETACH": "Ctrl-]"}
missing = []
for src in ("src/ui.h", "src/ui_watch.c"):
    for m in re.finditer(r"X\((\w+), \"[\w-]+\", ([^,]+), ([^,]+),", open(top + "/" + src).read()):
        for key in (m.group(2).strip(), m.group(3).strip()):
            if key == "0":
                continue
            word = key[1:-1] if key.startswith("'") else names.get(key)
            if word is None:
                missing.append("%s: %s's key %s has no name here" % (src, m.group(1), key))
            elif word not in words:
                missing.append("%s: key %s (%s)" % (src, word, m.group(1)))
for p in glob.glob(top + "/src/*.[ch]"):
    for var in set(re.findall(r"DRCONSOLE_[A-Z_]*[A-Z]", open(p).read())):
        if var in ("DRCONSOLE_PARAM", "DRCONSOLE_PARAM_NAME", "DRCONSOLE_ANSWER", "DRCONSOLE_ANSWER_NAME", "DRCONSOLE_H") or var.endswith("_H"):
            continue
        if not re.search(re.escape(var) + r"\b", man):
            missing.append("%s: variable %s" % (p[len(top) + 1:], var))
for line in sorted(set(missing)):
    print(line)
PY
if [ -s "$SCRATCH/undocumented" ]; then
	show "$SCRATCH/undocumented"
	fail "keys or variables missing from the manual pages"
else
	pass "every key and every DRCONSOLE_* variable is documented"
fi
finish
