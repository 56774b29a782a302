#!/bin/sh
# bench_tui.sh: the console's responsiveness and cost, under tmux (not part
# of make check; run by hand: sh tests/bench/bench_tui.sh).
#
#  1. key-to-screen latency: send Down/Up, poll capture-pane until the
#     selection moved; the median while a step floods output (`yes`), as a
#     ratio to the median with no step running (target <= 1.2, #14);
#  2. CPU seconds per GiB of streamed output: the console (and the tmux
#     server drawing it) while a step cats a big file, against the tmux
#     server showing the same file through `cat` in a pane (target: the
#     console at least 5x cheaper).
#
# BENCH_MB (default 128) sizes the file; BENCH_KEYS (default 40) the number
# of key presses per latency sample. Use a build without sanitizers.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || stop "no drconsole binary at $DRCONSOLE"
command -v tmux >/dev/null || skip_all "tmux is not installed"
MB=${BENCH_MB:-128}
N=${BENCH_KEYS:-40}
TCK=$(getconf CLK_TCK)
scratch_dir
mkdir -p "$SCRATCH/state"
BIG=$SCRATCH/big.txt

# A file of ordinary log-like lines.
awk -v mb="$MB" 'BEGIN { line = sprintf("%-99s", "2026-11-23T15:02:11Z restore: replayed WAL segment 000000010000000A000000"); n = mb * 1048576 / 100; for (i = 0; i < n; i++) print line }' >"$BIG"
BYTES=$(wc -c <"$BIG")

# stop MESSAGE: the screen to the log, then die.
stop() {
	screen_text | show
	die "$@"
}

# cpu_ticks PID: user + system clock ticks of a process so far.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# key_ms KEY PATTERN: ms from sending KEY to a screen line matching PATTERN,
# polling capture-pane back to back (a sleep between polls would round
# every sample up to the poll period).
key_ms() {
	_t0=$(now_ms)
	_until=$((_t0 + 10000))
	keys "$1"
	until screen_text | grep -qE -- "$2"; do
		[ "$(now_ms)" -ge "$_until" ] && stop "the screen never showed /$2/"
	done
	echo $(( $(now_ms) - _t0 ))
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# sample A_PATTERN B_PATTERN: N moves between two rows, one ms value a line.
sample() {
	_i=0
	while [ "$_i" -lt "$N" ]; do
		key_ms Down "$2"
		key_ms Up "$1"
		_i=$((_i + 2))
	done
}

tmux_start "$DRCONSOLE" --operator bench --param "file=$BIG" "$TUI_DATA/bench.yaml"
screen_wait "Start the run" || stop "no first frame"
keys Enter
screen_wait "Checklist" || stop "no run view"
CONSOLE=$(pgrep -P "$($TM display -p -t ui '#{pane_pid}')" | head -n 1)
SERVER=$($TM display -p '#{pid}')
J=$(incident_of "$SCRATCH/state")/journal.jsonl

# Latency with nothing running: between steps 3 and 4.
keys Down Down
screen_wait "▶ ·  3" || stop "cannot select step 3"
idle=$(sample '▶ .  3 ' '▶ .  4 ' | median)

# Latency while step 2 floods: between steps 2 (its output on screen) and 3.
keys Up
screen_wait "▶ ·  2" || stop "cannot select step 2"
keys Enter
screen_wait "ahead of the checklist" || stop "running step 2 ahead of step 1 did not ask"
keys y
poll "[ \$(journal_count '$J' event=step.start step=flood) -gt 0 ]" 10 || stop "the flood did not start"
screen_wait "flood line" || stop "the flood did not show"
flood=$(sample '▶ .  2 ' '▶ .  3 ' | median)
keys c c
screen_wait "Step 'flood' cancelled" || stop "the flood did not stop"
keys Escape

# CPU per GiB: the console streaming the file.
keys Home
screen_wait "▶ ·  1" || stop "cannot select step 1"
c0=$(cpu_ticks "$CONSOLE"); s0=$(cpu_ticks "$SERVER"); t0=$(now_ms)
keys Enter
poll "[ \$(journal_count '$J' event=step.end step=stream) -gt 0 ]" 600 || stop "the stream never ended"
c1=$(cpu_ticks "$CONSOLE"); s1=$(cpu_ticks "$SERVER"); t1=$(now_ms)
keys q
screen_wait "Quit?" && keys y

# The same file through cat in a tmux pane of the same size.
poll pane_dead 10
s2=$(cpu_ticks "$SERVER"); t2=$(now_ms)
tmux_respawn cat "$BIG"
poll pane_dead 600 || stop "cat in tmux never finished"
s3=$(cpu_ticks "$SERVER"); t3=$(now_ms)

awk -v idle="$idle" -v flood="$flood" -v c="$((c1 - c0))" -v s="$((s1 - s0))" -v tc="$((s3 - s2))" \
    -v tck="$TCK" -v bytes="$BYTES" -v ms1="$((t1 - t0))" -v ms2="$((t3 - t2))" -v n="$N" 'BEGIN {
	gib = bytes / 1073741824
	printf "key-to-screen latency (median of %d): idle %d ms, while flooding %d ms, ratio %.2f (target <= 1.2)\n",
	    n, idle, flood, flood / (idle > 0 ? idle : 1)
	printf "streamed %.0f MiB: console %.1f s wall\n", bytes / 1048576, ms1 / 1000
	printf "  console CPU %.2f s/GiB, tmux drawing the console %.2f s/GiB\n", c / tck / gib, s / tck / gib
	printf "  tmux pane via cat: %.2f s/GiB CPU, %.1f s wall\n", tc / tck / gib, ms2 / 1000
	printf "  cat in tmux / console (console and its tmux): %.1fx (target >= 5x)\n",
	    (tc / tck) / ((c + s) / tck > 0 ? (c + s) / tck : 0.01)
}'
