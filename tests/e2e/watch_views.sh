#!/bin/sh
# watch_views.sh: `drconsole watch` is the console's run view with the
# driver's keys off (issue #13, item 5): the pane's search, wrap and zoom,
# the why text, the timeline pane and help are the console's own, shown on
# a run another console drove; keys that would change the run do nothing
# and are neither in the key bar nor in the help; the incident is untouched.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
scratch_dir
INC=$SCRATCH/inc
RB=$SCRATCH/views.yaml
cat >"$RB" <<'EOF'
id: watch-views
title: Views a watcher shares
objectives: { rto: 30m }
steps:
  - id: lines
    phase: Look
    title: Many lines
    why: The replica must be caught up before anything is promoted.
    confirm: no
    run: |
      i=0; while [ $i -lt 60 ]; do echo "filler $i"; i=$((i+1)); done
      echo "needle in the output"
      printf 'long %0200d end\n' 0
      i=0; while [ $i -lt 30 ]; do echo "more $i"; i=$((i+1)); done
  - id: later
    title: A later step
    confirm: no
    run: echo later
EOF
"$DRCONSOLE" run --yes --operator alice --incident-dir "$INC" "$RB" >"$SCRATCH/run.out" 2>&1 ||
	die "the driven run failed: $(cat "$SCRATCH/run.out")"
before=$(cd "$INC" && find . -printf '%p %s %T@\n' | sort | cksum)

cat >"$SCRATCH/watch.script" <<'EOF'
wait-text COMPLETED
key Home
dump
key Tab
key /
type needle
key Enter
dump
key w
dump
key z
dump
key z
key Tab
key Tab
key i
dump
key s
dump
key Enter
dump
key ?
dump
key Esc
quit
EOF
"$DRCONSOLE" watch --operator obs --script "$SCRATCH/watch.script" --dump "$SCRATCH/d" "$INC" \
	>"$SCRATCH/watch.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "watch's script ran (exit 0)" || { fail "watch exited $rc"; show "$SCRATCH/watch.out"; }

dump_has "$SCRATCH/d" 1 "WATCHING (read-only)" "the top bar says it only watches"
dump_has "$SCRATCH/d" 1 "driver alice" "and who drives"
dump_has "$SCRATCH/d" 1 "lines ok" "Home selects the first step; its pane shows"
dump_has "$SCRATCH/d" 1 "Look" "the runbook's phase heading"
dump_has "$SCRATCH/d" 1 "more 29" "its output, following the newest line"
dump_lacks "$SCRATCH/d" 1 "s skip" "the key bar offers no driver key"
dump_has "$SCRATCH/d" 1 "I inject" "the key bar offers the facilitator's inject"
dump_has "$SCRATCH/d" 2 "needle in the output" "the console's search finds a line in a watched step"
dump_lacks "$SCRATCH/d" 2 ", following" "and scrolls to it"
dump_has "$SCRATCH/d" 3 "long lines are cut" "w cuts long lines, as in the console"
dump_lacks "$SCRATCH/d" 4 "Checklist" "z zooms the pane over the checklist"
dump_has "$SCRATCH/d" 5 "why: The replica must be caught up" "i shows why the step exists"
dump_has "$SCRATCH/d" 6 "the key s does nothing here" "s (skip) does nothing in watch, and says so"
dump_has "$SCRATCH/d" 7 "the key Enter does nothing here" "Enter (run) does nothing in watch"
dump_has "$SCRATCH/d" 8 "inject an event into the drill" "help lists the watcher's inject"
dump_lacks "$SCRATCH/d" 8 "skip the selected step" "help lists no driver key"
dump_lacks "$SCRATCH/d" 8 "Ctrl-C, like c, asks to cancel" "help's notes are the watcher's"
after=$(cd "$INC" && find . -printf '%p %s %T@\n' | sort | cksum)
[ "$before" = "$after" ] && pass "the incident is untouched by a watcher's keys" ||
	fail "the incident changed while only watch had it open"
finish
