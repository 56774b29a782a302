#!/bin/sh
# A run's start and end reach syslog(3): a datagram socket stands in for
# /dev/log inside a private mount namespace (root only), so the records
# are read back exactly as a syslog daemon would receive them.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root, for a private mount namespace over /dev"
command -v unshare >/dev/null 2>&1 || skip_all "no unshare"
command -v python3 >/dev/null 2>&1 || skip_all "no python3"
unshare -m true 2>/dev/null || skip_all "unshare -m is refused here"
scratch_dir
S=$SCRATCH

python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[2], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536) + b"\n")
' "$S/log" "$S/records" &
track_pid $!
wait_for 'test -e "$S/log.ready"' 10 || die "the log listener did not start"

cat > "$S/ok.yaml" <<'YAML'
id: syslog-ok
title: A run that completes
steps:
  - id: hello
    title: Say hello
    confirm: no
    run: echo hello
YAML
sed -e 's/syslog-ok/syslog-fails/' -e 's/echo hello/exit 3/' "$S/ok.yaml" > "$S/fails.yaml"

# run_with_dev_log RUNBOOK ARGS...: drconsole run, with /dev/log our socket.
run_with_dev_log() {
	unshare -m sh -c '
		S=$1; shift
		mount --make-rprivate / && mkdir -p "$S/olddev" && mount --rbind /dev "$S/olddev" &&
		mount -t tmpfs -o mode=0755 tmpfs /dev || exit 99
		for n in null zero full random urandom tty; do
			touch "/dev/$n" && mount --bind "$S/olddev/$n" "/dev/$n"
		done
		mkdir /dev/pts /dev/shm && mount --rbind "$S/olddev/pts" /dev/pts
		ln -s pts/ptmx /dev/ptmx; ln -s /proc/self/fd /dev/fd
		touch /dev/log && mount --bind "$S/log" /dev/log || exit 99
		exec "$@"' _ "$S" "$DRCONSOLE" run --yes --incident-dir "$S/inc-$1" \
		--operator "$(printf 'eve\nforged: run ended')" "$S/$1.yaml" > "$S/$1.out" 2>&1
}

run_with_dev_log ok
[ $? -eq 0 ] || { show "$S/ok.out"; fail "the completing run failed"; }
run_with_dev_log fails
[ $? -eq 1 ] || { show "$S/fails.out"; fail "the failing run did not exit 1"; }
wait_for '[ "$(grep -c drconsole "$S/records")" -ge 4 ]' 10 || true
show "$S/records"

expect_record() {	# expect_record PRIORITY PATTERN WHAT
	if grep -q "^<$1>.* drconsole\[[0-9]*\]: $2" "$S/records"; then pass "$3"; else fail "no record: $3"; fi
}
expect_record 13 "run started: runbook=syslog-ok incident=[^ ]* mode=live operator=eve?forged: run ended environment=" \
	"the start, at LOG_USER|LOG_NOTICE, naming runbook, incident, mode, operator"
expect_record 13 "run ended: runbook=syslog-ok .* status=completed duration_s=[0-9]*$" \
	"a completed run's end at LOG_NOTICE"
expect_record 13 "run started: runbook=syslog-fails" "the failing run's start"
expect_record 11 "run ended: runbook=syslog-fails .* status=aborted" "an aborted run's end at LOG_ERR"
expect_record 13 "run started: runbook=syslog-ok incident=inc-ok " "the incident is named"
if [ "$(grep -c '^<' "$S/records")" -eq 4 ]; then
	pass "one end record a run; the operator's newline forged none"
else
	fail "$(grep -c 'run ended' "$S/records") end records for two runs"
fi
finish
