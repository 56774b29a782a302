#!/bin/sh
# term_escapes.sh: what others wrote never acts on the operator's terminal.
# A runbook whose title and step output hold an OSC 52 clipboard write,
# title changes, a cursor-position query, a mouse mode and a raw C1 CSI,
# and an inject holding another clipboard write, are run in line mode
# under a pseudo-terminal (script(1)) and then replayed under one: the
# bytes that reached the terminal must hold none of those sequences, while
# colour and the text around them still show. The output file keeps the
# raw bytes, and line mode into a file (a log) passes them as they came.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
command -v script >/dev/null || skip_all "script(1) is not installed"
command -v python3 >/dev/null || skip_all "python3 is not installed"
scratch_dir
export LC_ALL=C.UTF-8
unset NO_COLOR
RB=$top_srcdir/tests/data/escapes/hostile.yaml
INC=$SCRATCH/inc

# check_terminal FILE WHAT: FILE (the bytes a terminal got) holds no
# sequence a terminal acts on, and still shows the text and the colour.
check_terminal() {
	if python3 - "$1" <<'PY'; then pass "$2: nothing acts on the terminal"; else fail "$2: a sequence reached the terminal"; show "$1"; fi
import re, sys
data = open(sys.argv[1], "rb").read()
bad = {
    "OSC (clipboard, title)": re.compile(rb"\x1b\]"),
    "DCS/PM/APC string": re.compile(rb"\x1b[P^_X]"),
    "cursor-position query": re.compile(rb"\x1b\[[0-9;]*n"),
    "private mode (mouse)": re.compile(rb"\x1b\[\?"),
    "raw C1 byte": re.compile(rb"(?<![\xc2-\xf4\x80-\xbf])[\x80-\x9f]"),
    "UTF-8 C1": re.compile(rb"\xc2[\x80-\x9f]"),
    "a title's or clipboard's text": re.compile(rb"PWNED|VElUTEUtQ0xJUA|ZWNobyBwd25lZA|SU5KRUNU"),
}
# What is left after colour SGR is removed holds no ESC at all.
rest = re.sub(rb"\x1b\[[0-9;]*m", b"", data)
found = [name for name, rx in bad.items() if rx.search(data)]
if b"\x1b" in rest:
    found.append("another escape sequence")
for name in found:
    print("#   found:", name)
sys.exit(1 if found else 0)
PY
	for text in "clip  end" "title  end" "query  end" "mouse  end" "colour" "green"; do
		grep -aq "$text" "$1" || { fail "$2: '$text' is not shown"; return; }
	done
	grep -aq "$(printf '\033')\[32mgreen" "$1" && pass "$2: colour passes" || fail "$2: colour lost"
}

# Line mode on a terminal.
timeout 60 script -qfec "'$DRCONSOLE' run --yes --operator tester --incident-dir '$INC' '$RB'" \
	"$SCRATCH/run.tty" </dev/null >/dev/null 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "the run exits 0" || { fail "the run $(describe_rc $rc)"; show "$SCRATCH/run.tty"; }
check_terminal "$SCRATCH/run.tty" "line mode"
grep -aq "INJECTED by facil: lagging  too" "$SCRATCH/run.tty" && pass "the inject is shown, neutralised" ||
	fail "the inject is not shown"

# The output file keeps every byte the step wrote.
if python3 - "$INC"/output/01-flood.log <<'PY'; then pass "the output file keeps the raw bytes"; else fail "the output file lost bytes"; fi
import sys
data = open(sys.argv[1], "rb").read()
want = [b"\x1b]52;c;ZWNobyBwd25lZA==\x07", b"\x1b]2;OUT-PWNED\x1b\\", b"\x1b[6n", b"\x1b[?1000h", b"\x9b5n"]
sys.exit(0 if all(w in data for w in want) else 1)
PY

# A note from another terminal, then the replay on a terminal.
"$DRCONSOLE" note --operator bob "$INC" "$(printf 'noted \033]52;c;Tk9URQ==\007 here')" >/dev/null ||
	die "note failed"
timeout 60 script -qfec "'$DRCONSOLE' replay --instant '$INC'" "$SCRATCH/replay.tty" </dev/null >/dev/null 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "the replay exits 0" || { fail "the replay $(describe_rc $rc)"; show "$SCRATCH/replay.tty"; }
check_terminal "$SCRATCH/replay.tty" "replay"
grep -aq "noted  here" "$SCRATCH/replay.tty" && pass "replay: the note is shown" || fail "replay: no note"
grep -aq "lagging  too" "$SCRATCH/replay.tty" && pass "replay: the inject is shown" || fail "replay: no inject"
grep -aq "Tk9URQ" "$SCRATCH/replay.tty" && fail "replay: the note's clipboard write shows" ||
	pass "replay: the note's clipboard write is dropped"

# A replay into a pipe is neutralised too: it is for reading.
"$DRCONSOLE" replay --instant "$INC" >"$SCRATCH/replay.out" 2>&1
grep -aq "$(printf '\033')" "$SCRATCH/replay.out" && fail "replay into a pipe wrote an escape" ||
	pass "replay into a pipe writes no escape"

# Line mode into a file is a log: the step's bytes as they came.
"$DRCONSOLE" run --yes --operator tester --incident-dir "$SCRATCH/inc2" "$RB" </dev/null >"$SCRATCH/run.log" 2>&1
grep -aq "$(printf '\033]52;c;ZWNobyBwd25lZA==')" "$SCRATCH/run.log" && pass "line mode into a file keeps the raw bytes" ||
	fail "line mode into a file changed the step's bytes"

finish
