# sandbox_lib.sh: what the training-sandbox suites share (sandbox_pitr.sh,
# sandbox_failover.sh). Source it after lib.sh and pg_lib.sh, with RB set
# to the runbook. It stops every sandbox the runs started however the test
# exits, and gives:
#   run NAME ARGS...   one unattended run into $SCRATCH/NAME; sets rc, secs
#   is GOT WANT WHAT   has FILE REGEX WHAT   hasnt FILE REGEX WHAT
#   step_end INC STEP  the step's last step.end journal line
#   q PORT SQL         a sandbox server as superuser over its unix socket
#                      (the folder in $AREA)
#   down PORT          nothing answers there any more

# Whatever happens, stop what the sandboxes started before the scratch
# folder goes away.
sandboxes_down() {
	for _sb in "$SCRATCH"/*/sandbox; do
		if [ -f "$_sb/bin/cleanup.sh" ] && { [ -e "$_sb/pg" ] || [ -d "$_sb/app" ]; }; then
			SANDBOX=$_sb sh "$_sb/bin/cleanup.sh" >/dev/null 2>&1
		fi
	done
}
trap 'sandboxes_down; _cleanup' EXIT

run() {
	local name=$1
	shift
	local t0=$(now_ms)
	timeout 150 "$DRCONSOLE" run --yes --allow-destructive --kill-grace 1s \
		--incident-dir "$SCRATCH/$name" "$@" "$RB" </dev/null >"$SCRATCH/$name.out" 2>&1
	rc=$?
	secs=$((($(now_ms) - t0) / 1000))
}
is() {
	if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: got '$1', wanted '$2'"; fi
}
has() {
	if grep -qE -- "$2" "$1"; then pass "$3"; else fail "$3 (no /$2/ in $1)"; fi
}
hasnt() {
	if grep -qE -- "$2" "$1"; then fail "$3 (/$2/ in $1)"; else pass "$3"; fi
}
step_end() {
	grep '"event":"step.end"' "$1/journal.jsonl" | grep "\"step\":\"$2\"" | tail -n 1
}
q() {
	env -u PGPASSFILE -u PGPASSWORD -u PGSERVICE "$PG_BIN/psql" -X -q -At \
		-v ON_ERROR_STOP=1 -h "$AREA" -p "$1" -U postgres -d shop -c "$2" 2>&1
}
down() {
	"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -t 1
	[ $? -eq 2 ]
}
