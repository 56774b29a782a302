# tui_lib.sh: helpers for the console's screen tests, on top of lib.sh.
# Script-mode dumps are split by their "===== dump N COLSxROWS =====" lines;
# tmux tests poll capture-pane with a deadline, never a fixed sleep.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

TUI_DATA=$top_srcdir/tests/data/tui
export LC_ALL=C.UTF-8 LANG=C.UTF-8
unset TMUX NO_COLOR DRCONSOLE_THEME DRCONSOLE_RUNBOOKS

# dump_rows FILE N: the rows of the N-th dump in FILE.
dump_rows() {
	awk -v n="$2" '/^===== dump [0-9]+ [0-9]+x[0-9]+ =====$/ { k++; next } k == n' "$1"
}

# dump_has FILE N TEXT WHAT: a check that dump N shows TEXT.
dump_has() {
	if dump_rows "$1" "$2" | grep -qF -- "$3"; then
		pass "$4"
	else
		fail "$4: dump $2 lacks '$3'"
		dump_rows "$1" "$2" | show
	fi
}

# dump_lacks FILE N TEXT WHAT: a check that dump N does not show TEXT.
dump_lacks() {
	if dump_rows "$1" "$2" | grep -qF -- "$3"; then
		fail "$4: dump $2 shows '$3'"
		dump_rows "$1" "$2" | show
	else
		pass "$4"
	fi
}

# journal_count JOURNAL FIELD=VALUE...: lines holding every "FIELD":"VALUE"
# (the journal is compact JSON, one event a line).
journal_count() {
	_j=$1
	shift
	_filter="cat \"\$_j\""
	for _kv in "$@"; do
		_filter="$_filter | grep -F -- '\"${_kv%%=*}\":\"${_kv#*=}\"'"
	done
	eval "$_filter" | wc -l
}

# journal_has JOURNAL WHAT FIELD=VALUE...: a check that such a line exists.
journal_has() {
	_j=$1
	_what=$2
	shift 2
	if [ "$(journal_count "$_j" "$@")" -gt 0 ]; then
		pass "$_what"
	else
		fail "$_what: no journal line with $*"
		show "$_j"
	fi
}

# The single incident directory under $1 (an XDG_STATE_HOME).
incident_of() {
	ls -d "$1"/drconsole/incidents/*/ 2>/dev/null | head -n 1 | sed 's:/$::'
}

# --- tmux ---

TM=

tui_cleanup() {
	[ -n "$TM" ] && $TM kill-server 2>/dev/null
	_cleanup
}

# pane_command CMD...: CMD as one shell command that records its exit status
# in $SCRATCH/rc (tmux's own pane_dead_status can lag behind pane_dead).
pane_command() {
	_cmd=
	for _a in "$@"; do
		_cmd="$_cmd '$_a'"
	done
	rm -f "$SCRATCH/rc"
	printf '%s; echo $? >"%s/rc"' "$_cmd" "$SCRATCH"
}

# tmux_start CMD...: a private tmux server with one pane running CMD, in a
# UTF-8 locale, with the scratch state directory; the pane is 100x30 unless
# TUI_COLS and TUI_ROWS say otherwise.
tmux_start() {
	command -v tmux >/dev/null || skip_all "tmux is not installed"
	TM="tmux -S $SCRATCH/tmux.sock -f /dev/null"
	trap tui_cleanup EXIT
	$TM start-server \; set -g remain-on-exit on \; \
		new-session -d -s ui -x "${TUI_COLS:-100}" -y "${TUI_ROWS:-30}" -e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 \
		-e XDG_STATE_HOME="$SCRATCH/state" -e DRCONSOLE_LOG="$SCRATCH/debug.log" \
		"$(pane_command "$@")" || die "tmux would not start"
}

# tmux_respawn CMD...: runs CMD in the pane again (the server and its
# environment stay; killing the last session would stop the server).
tmux_respawn() {
	$TM respawn-pane -k -t ui "$(pane_command "$@")" || die "tmux respawn failed"
}

# poll CMD SECONDS: runs the shell command CMD every 20 ms until it succeeds
# or the deadline passes (shell arithmetic: no awk overflow on ms clocks).
poll() {
	_until=$(( $(now_ms) + $2 * 1000 ))
	while ! eval "$1"; do
		[ "$(now_ms)" -ge "$_until" ] && return 1
		sleep 0.02
	done
	return 0
}

screen_text() {
	$TM capture-pane -p -t ui
}

# screen_wait TEXT [SECONDS]: polls the pane until it shows TEXT.
screen_wait() {
	_deadline=$(( $(now_ms) + ${2:-10} * 1000 ))
	while ! screen_text | grep -qF -- "$1"; do
		[ "$(now_ms)" -ge "$_deadline" ] && return 1
		sleep 0.02
	done
	return 0
}

# expect_screen TEXT WHAT [SECONDS]: a check that the pane comes to show TEXT.
expect_screen() {
	if screen_wait "$1" "${3:-10}"; then
		pass "$2"
	else
		fail "$2: the screen never showed '$1'"
		screen_text | show
	fi
}

keys() {
	$TM send-keys -t ui "$@"
}

type_text() {
	$TM send-keys -t ui -l "$1"
}

# paste_text TEXT: pastes TEXT as a terminal does (bracketed, when the
# program turned bracketed paste on; line ends as CR, as tmux sends them).
paste_text() {
	printf '%s' "$1" | $TM load-buffer -b tuipaste - || die "tmux load-buffer failed"
	$TM paste-buffer -p -d -b tuipaste -t ui
}

# The pane's program has exited; pane_status is its exit status.
pane_dead() {
	[ -s "$SCRATCH/rc" ]
}

pane_status() {
	cat "$SCRATCH/rc" 2>/dev/null
}
