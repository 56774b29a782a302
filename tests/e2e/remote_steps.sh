#!/usr/bin/env bash
# remote_steps.sh: steps with `on:` through `drconsole run`, over the real
# ssh to a fleet of real sshd on 127.0.0.1 (ssh_lib.sh), the hosts named in
# a generated ssh config: per-host prefixed output, hostile values and a
# secret reaching the hosts exactly (the secret never on a command line),
# parallel and one-at-a-time fan-outs, a slow and a failing host under a
# policy, a host that is down under policies any and all, a retry that
# reruns only the failed host, a timeout and a cancel that leave no remote
# process, and the per-host evidence in the journal.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/ssh_lib.sh"
ssh_have_tools || skip_all "no sshd or ssh (Debian package openssh-server)"
command -v python3 > /dev/null || skip_all "no python3 to read the journal"
[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
scratch_dir
FLEET=$SCRATCH/fleet
trap 'ssh_fleet_stop "$FLEET"; _cleanup' EXIT
ssh_fleet_start "$FLEET" db1 db2 db3 down1
case $? in
0) ;;
77) skip_all "no sshd or ssh" ;;
*) [ "$(id -u)" -eq 0 ] && die "cannot start sshd on 127.0.0.1" || skip_all "sshd needs root here" ;;
esac
ssh_fleet_watch "$FLEET" $$	# even if this shell is killed outright
ssh_host_down "$FLEET" down1
export DRCONSOLE_SSH_CONFIG=$FLEET/ssh_config DRCONSOLE_SSH_KNOWN_HOSTS=$FLEET/known_hosts
DATA=$top_srcdir/tests/data/remote
OUT=$SCRATCH/out
mkdir -p "$OUT"

for rb in fleet policy_all cancel rollback rollback_serial secret_split reuse reuse_term reuse_link hostvars captured_hosts captured_hostile copy; do
	if "$DRCONSOLE" lint "$DATA/$rb.yaml" > "$SCRATCH/lint.out" 2>&1; then pass "$rb.yaml lints clean"; else
		fail "$rb.yaml does not lint"; show "$SCRATCH/lint.out"; fi
done

# --- the fleet runbook, with a watcher on every command line ---

PW="Pw-$$-'quote\"dq\$(id)\`x\`"
printf '%s\n' "Pw-$$-" > "$SCRATCH/pw.pattern"
# secret_on_cmdlines: 0 when some process's command line holds the secret
# (grep reads the pattern from a file, so its own command line does not).
secret_on_cmdlines() {
	grep -qsF -f "$SCRATCH/pw.pattern" /proc/[0-9]*/cmdline
}
sh -c 'sleep 2; :' "$PW" &
control=$!
if wait_for secret_on_cmdlines 2; then pass "the command-line watcher sees a secret where there is one"; else
	fail "the command-line watcher is blind"; fi
stop_pid $control

DRCONSOLE_PARAM_pw=$PW "$DRCONSOLE" run --yes --param "out_dir=$OUT" --incident-dir "$SCRATCH/i1" \
	"$DATA/fleet.yaml" < /dev/null > "$SCRATCH/fleet.out" 2>&1 &
pid=$!
track_pid $pid
seen=0
while alive $pid; do
	secret_on_cmdlines && seen=1
	sleep 0.05
done
wait $pid
rc=$?
[ "$rc" -eq 0 ] && pass "the fleet runbook ran ok" || { fail "drconsole run exited $rc"; show "$SCRATCH/fleet.out"; }
[ "$seen" -eq 0 ] && pass "the secret never stood on a command line, local or remote" ||
	fail "the secret was on a command line"

msg="it's \"\$(not run)\" \`not run\` ; \$HOME *"
for h in db1 db2 db3; do
	grep -qxF "  | $h | hello from $h: $msg" "$SCRATCH/fleet.out" &&
		pass "$h's line came back prefixed, its hostile value exact" ||
		{ fail "no exact prefixed hello from $h"; show "$SCRATCH/fleet.out"; }
	grep -qxF "  ! $h | warn $h" "$SCRATCH/fleet.out" && pass "$h's stderr stays stream 2" ||
		fail "no stderr line from $h"
done
grep -qxF "  | db1 | site loopback $msg" "$SCRATCH/fleet.out" && pass "the runbook's env reached the host" ||
	fail "the runbook's env did not reach the host"
grep -qF 'hello from db1' "$SCRATCH/i1/output/01-hello.log" && pass "host lines in the output file" ||
	fail "no host lines in the output file"

for h in db1 db3; do
	[ "$(cat "$OUT/secret.$h" 2> /dev/null)" = "$PW" ] && pass "the secret reached $h exactly" ||
		fail "the secret on $h is '$(cat "$OUT/secret.$h" 2> /dev/null)'"
done
[ ! -e "$OUT/secret.db2" ] && pass "the hosts param picked db1 and db3 only" || fail "db2 ran the secret step"
if grep -rqF "Pw-$$-" "$SCRATCH/i1" "$SCRATCH/fleet.out"; then fail "the secret was written or shown"; else
	pass "the secret is in no journal, output file or screen line"; fi
grep -qF '| db1 | pw is ****' "$SCRATCH/fleet.out" && pass "remote output is masked" || fail "no masked output"

J=$SCRATCH/i1/journal.jsonl
check_journal "$J" 'all(h["status"] == "ok" and h["exit"] == 0 and h["duration_ms"] > 0 for h in hosts("hello").values())
    and list(hosts("hello")) == ["db1", "db2", "db3"] and ends["hello"]["evidence"]["policy"] == "all"' \
	"step.end evidence: every host ok, exit 0, with its duration"
check_journal "$J" 'all(h["offset_ms"] < 300 for h in hosts("parallel").values())' \
	"all at once: the hosts started together"
check_journal "$J" 'all(b["offset_ms"] >= a["offset_ms"] + a["duration_ms"] for a, b in
    zip(list(hosts("serial").values()), list(hosts("serial").values())[1:]))
    and ends["serial"]["duration_ms"] >= 900 and ends["serial"]["duration_ms"] > ends["parallel"]["duration_ms"]' \
	"max_parallel 1: one host after another"
python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "step.end" and e["step"] in ("parallel", "serial"):
        print("# %s: %d ms, hosts (start, duration): %s" % (e["step"], e["duration_ms"],
            [(h["offset_ms"], h["duration_ms"]) for h in e["evidence"]["hosts"]]))' "$J"
check_journal "$J" 'ends["slow-and-failing"]["status"] == "ok" and hosts("slow-and-failing")["db3"]["status"] == "failed"
    and hosts("slow-and-failing")["db3"]["exit"] == 3 and hosts("slow-and-failing")["db1"]["duration_ms"] >= 800
    and ends["slow-and-failing"]["evidence"]["needed"] == 2' "policy 2: a slow and a failing host, still ok"
check_journal "$J" 'any(r["step"] == "flaky" for r in retries) and ends["flaky"]["attempt"] == 2
    and ends["flaky"]["status"] == "ok" and hosts("flaky")["db2"]["attempt"] == 2
    and hosts("flaky")["db1"]["attempt"] == 1 and hosts("flaky")["db3"]["attempt"] == 1' \
	"the retry is journaled, db2 alone ran in attempt 2"
runs="$(wc -l < "$OUT/runs.db1") $(wc -l < "$OUT/runs.db2") $(wc -l < "$OUT/runs.db3")"
[ "$runs" = "1 2 1" ] && pass "retry reran only the failed host (runs: $runs)" || fail "runs per host: $runs"
check_journal "$J" 'ends["any-down"]["status"] == "ok" and hosts("any-down")["down1"]["status"] == "unreachable"
    and hosts("any-down")["down1"]["exit"] == 255' "one host down under policy any: ok, the host unreachable"
grep -qF '! down1 | ssh: connect to host 127.0.0.1' "$SCRATCH/fleet.out" && pass "ssh's own error is shown for the host" ||
	fail "no ssh error for down1"
"$DRCONSOLE" verify "$SCRATCH/i1" > /dev/null && pass "the journal verifies" || fail "verify failed"

# --- one host down under policy all ---

timeout 60 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/i2" "$DATA/policy_all.yaml" < /dev/null \
	> "$SCRATCH/all.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && pass "one host down under policy all fails the run" || { fail "exit $rc"; show "$SCRATCH/all.out"; }
check_journal "$SCRATCH/i2/journal.jsonl" 'ends["all-down"]["status"] == "failed"
    and hosts("all-down")["down1"]["status"] == "unreachable" and hosts("all-down")["db1"]["status"] == "ok"
    and "down1 unreachable" in ends["all-down"]["reason"]' "the reason names the unreachable host"

# --- a timeout, then a cancel in the middle of a fan-out ---

marker=drc-remote-$$-mark
"$DRCONSOLE" run --yes --param "out_dir=$OUT" --param "marker=$marker" --incident-dir "$SCRATCH/i3" \
	"$DATA/cancel.yaml" < /dev/null > "$SCRATCH/cancel.out" 2>&1 &
pid=$!
track_pid $pid
# The timeout: within 2 s of the step's end, every remote sleep it started
# is gone and no wrapper of it is left. A host still logging in when the
# timeout came (a loaded machine) may never start its sleep: then there is
# nothing of it to survive, and the wrapper check still holds for it.
timeout_left() {	# 0 when something of the timed-out step still runs
	for h in db1 db2 db3; do
		p=$(cat "$OUT/t.$h" 2> /dev/null)
		[ -n "$p" ] && alive "$p" && return 0
	done
	pgrep -f -- "$marker.*DRCONSOLE_STEP=[^ ]*timeout" > /dev/null
}
wait_for "grep -q '\"step\":\"timeout\".*\"status\":\"timeout\"' '$SCRATCH/i3/journal.jsonl'" 20 &&
	pass "the timeout stopped its step" || fail "no timeout"
if wait_for "! timeout_left" 2; then pass "within 2 s of the timeout no remote process of it is left"; else
	fail "a timed-out remote sleep survived"
	ps -eo pid,stat,etimes,args | grep -F -e "$marker" -e "sleep 300" | grep -v grep | cut -c 1-200 | show
fi
started=$(cat "$OUT"/t.db[123] 2> /dev/null | wc -l)
[ "$started" -ge 1 ] && pass "the timeout caught $started remote sleeps running" ||
	fail "no remote sleep started before the timeout: nothing was checked"
wait_for "[ -s '$OUT/c.db1' ] && [ -s '$OUT/c.db2' ]" 15 || fail "the cancel step never started its hosts"
sleep_pids="$(cat "$OUT/c.db1") $(cat "$OUT/c.db2")"
for p in $sleep_pids; do
	alive "$p" || fail "remote sleep $p is not running before the cancel"
done
[ ! -e "$OUT/c.db3" ] && pass "db3 waits for a slot (max_parallel 2)" || fail "db3 started too early"
kill -INT $pid
# Within 2 s of the cancel, on the hosts: whatever drconsole does meanwhile.
if wait_for "! { $(printf 'alive %s || ' $sleep_pids) false; }" 2; then pass "within 2 s of the cancel no remote sleep is left"
else fail "a remote sleep survived the cancel"; fi
wait_for "! alive $pid" 15 || fail "drconsole did not end after the cancel"
wait_for "! pgrep -f '$marker' > /dev/null" 5 && pass "no remote wrapper or shell is left either" ||
	{ fail "processes left behind"; pgrep -af "$marker" | show; }
[ ! -e "$OUT/c.db3" ] && pass "the host waiting for a slot never started" || fail "db3 started after the cancel"
check_journal "$SCRATCH/i3/journal.jsonl" 'ends["long"]["status"] == "cancelled"
    and [h["status"] for h in hosts("long").values()] == ["cancelled"] * 3 and hosts("long")["db3"]["attempt"] == 0
    and hosts("timeout")["db1"]["status"] == "timeout"' "the journal has each host cancelled or timed out"

# --- a failed remote step rolled back: the undo runs on its hosts ---
# The operator answers roll[b]ack at the prompt, then [a]bort: drconsole run
# asks only on a terminal, so it gets one (a pty) here.
# roll_back INCIDENT RUNBOOK OUTDIR: drconsole run on a pty, rolling back
# the first failed step, then aborting; the screen goes to INCIDENT.out.
roll_back() {
	mkdir -p "$3"
	python3 - "$DRCONSOLE" "$1" "$2" "$3" > "$1.out" 2>&1 <<'PY'
import os, pty, select, sys, time
drc, inc, rb, out = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.execv(drc, [drc, "run", "--yes", "--incident-dir", inc, "--param", "out=" + out, rb])
# What to wait for, then what to type: roll back, then abort the run.
script = [(b"roll[b]ack", b"b\n"), (b"rollback ", b"a\n")]
seen, deadline = b"", time.time() + 60
while time.time() < deadline:
    if not select.select([fd], [], [], 1)[0]:
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    seen += data
    sys.stdout.write(data.decode(errors="replace"))
    if script and script[0][0] in seen:
        seen = b""
        os.write(fd, script.pop(0)[1])
os.waitpid(pid, 0)
PY
}
roll_back "$SCRATCH/i4" "$DATA/rollback.yaml" "$OUT/rb"
cp "$SCRATCH/i4.out" "$SCRATCH/rollback.out"
grep -q "rollback ok" "$SCRATCH/rollback.out" && pass "the remote rollback reported ok" ||
	{ fail "no 'rollback ok'"; show "$SCRATCH/rollback.out"; }
[ -e "$OUT/rb/undone.db1" ] && [ -e "$OUT/rb/undone.db2" ] && [ ! -e "$OUT/rb/changed.db1" ] &&
	pass "the rollback ran on db1 and db2 (each left its mark)" || { fail "the rollback did not run on both hosts"; ls -la "$OUT/rb" | show; }
grep -q '^[0-9TZ:.-]* out db1 | undoing on db1$' "$SCRATCH/i4/output/01-change.rollback.log" &&
	grep -q '^[0-9TZ:.-]* out db2 | undoing on db2$' "$SCRATCH/i4/output/01-change.rollback.log" &&
	pass "the rollback's output file has each host's lines" ||
	{ fail "rollback output"; show "$SCRATCH/i4/output/01-change.rollback.log"; }
python3 - "$SCRATCH/i4/journal.jsonl" <<'PY' && pass "step.rollback journals ok with both hosts' evidence" || fail "step.rollback evidence"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
end = [e for e in ev if e["event"] == "step.rollback" and e.get("phase") == "end"][-1]
hosts = {h["name"]: h["status"] for h in end["evidence"]["hosts"]}
sys.exit(0 if end["status"] == "ok" and hosts == {"db1": "ok", "db2": "ok"} and end["evidence"]["policy"] == "all" else 1)
PY

# One host at a time under policy all: db1 fails, so db2 is skipped and
# changed nothing; the undo runs only where the step ran.
roll_back "$SCRATCH/i5" "$DATA/rollback_serial.yaml" "$OUT/rb5"
grep -q "rollback ok" "$SCRATCH/i5.out" && [ -e "$OUT/rb5/undone.db1" ] && [ ! -e "$OUT/rb5/undone.db2" ] &&
	[ ! -e "$OUT/rb5/changed.db2" ] && pass "the rollback ran only on the host the step ran on" ||
	{ fail "rollback after a skipped host"; ls -la "$OUT/rb5" | show; show "$SCRATCH/i5.out"; }

# --- secrets cut by the line cut and by lines, behind the host prefix ---
SPW='Zq7-remote-secret-value'
SKEY=$(printf 'BEGIN-remote-key-line\nsecond-remote-key-line')
DRCONSOLE_PARAM_pw=$SPW DRCONSOLE_PARAM_key=$SKEY timeout 60 "$DRCONSOLE" run --yes \
	--incident-dir "$SCRATCH/i6" "$DATA/secret_split.yaml" < /dev/null > "$SCRATCH/split.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "remote split secrets: the run ended ok" || { fail "remote split secrets: exit $rc"; show "$SCRATCH/split.out"; }
for piece in "$SPW" "${SPW%??????????????}" "${SPW#?????????????}" BEGIN-remote-key-line second-remote-key-line; do
	if grep -rqaF -- "$piece" "$SCRATCH/i6" "$SCRATCH/split.out"; then fail "remote: '$piece' shows"; else
		pass "remote: no '$piece' in the incident directory or on the screen"; fi
done
# Each host's line is cut by the fan-out, then once more with its prefix.
[ "$(grep -cE 'out (db[12] \| )?x*\*\*\*\*$' "$SCRATCH/i6/output/01-line-cut.log")" -eq 2 ] &&
	pass "the secret across the line cut is masked whole on both hosts" ||
	{ fail "line cut"; cut -c 1-120 "$SCRATCH/i6/output/01-line-cut.log" | show; }
for h in db1 db2; do
	grep -qE "out $h \| \*\*\*\*$" "$SCRATCH/i6/output/02-two-lines.log" &&
		grep -qE "out $h \| after on $h$" "$SCRATCH/i6/output/02-two-lines.log" &&
		pass "$h: the two-line secret is masked whole, the next line shows" || { fail "$h: two lines"; show "$SCRATCH/i6/output/02-two-lines.log"; }
done
# --- connection reuse: one connection per host for the whole run ---
# accepted HOST: how many connections that host's sshd has accepted so far.
accepted() { grep -c 'Accepted publickey' "$FLEET/$1/sshd.log"; }
disconnects() { grep -c 'Disconnected from user' "$FLEET/$1/sshd.log"; }
a1=$(accepted db1) a2=$(accepted db2) d1=$(disconnects db1)
timeout 60 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/i7" "$DATA/reuse.yaml" < /dev/null > "$SCRATCH/reuse.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "reuse: the run ended ok" || { fail "reuse: exit $rc"; show "$SCRATCH/reuse.out"; }
[ "$(($(accepted db1) - a1))" -eq 1 ] && [ "$(($(accepted db2) - a2))" -eq 1 ] &&
	pass "two steps on two hosts: one connection to each" ||
	fail "reuse: db1 took $(($(accepted db1) - a1)) connections, db2 $(($(accepted db2) - a2))"
grep -q '^[0-9TZ:.-]* out db1 | sockets 2$' "$SCRATCH/i7/output/02-second.log" &&
	grep -q '^[0-9TZ:.-]* out db1 | mode 700$' "$SCRATCH/i7/output/02-second.log" &&
	pass "the masters' sockets were in INCIDENT/ssh, mode 0700" || { fail "reuse: sockets"; show "$SCRATCH/i7/output/02-second.log"; }
[ ! -e "$SCRATCH/i7/ssh" ] && pass "the run's end closed the masters and removed INCIDENT/ssh" ||
	{ fail "INCIDENT/ssh is left"; ls -la "$SCRATCH/i7/ssh" | show; }
# A master closed by ssh -O exit logs its disconnect in the server's log.
wait_for '[ "$(disconnects db1)" -eq "$((d1 + 1))" ]' 5 &&
	pass "db1's master connection was closed" || fail "db1's master connection stays open"
# masters_in DIR: the pids of the master connections whose sockets are in
# DIR (a master runs there and calls itself "ssh: SOCKET [mux]").
masters_in() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/cwd" 2> /dev/null)" = "$1" ] || continue
		tr '\0' ' ' < "$p/cmdline" 2> /dev/null | grep -q '^ssh: .*\[mux\]' && echo "${p#/proc/}"
	done
}
# --- SIGTERM in the middle of a run: its masters close with it ---
"$DRCONSOLE" run --yes --param "out_dir=$OUT" --incident-dir "$SCRATCH/iterm" "$DATA/reuse_term.yaml" \
	< /dev/null > "$SCRATCH/term.out" 2>&1 &
pid=$!
track_pid $pid
wait_for "[ -s '$OUT/term.db1' ] && [ -s '$OUT/term.db2' ]" 20 || fail "reuse/TERM: step two never started on both hosts"
masters=$(masters_in "$SCRATCH/iterm/ssh")
[ "$(echo $masters | wc -w)" -eq 2 ] && pass "SIGTERM: two masters run before it" ||
	{ fail "SIGTERM: masters before it: '$masters'"; ps -eo pid,ppid,args | grep -F '[mux]' | show; }
kill -TERM $pid
wait_for "! alive $pid" 15 && pass "SIGTERM ended the run" || fail "drconsole did not end after SIGTERM"
if wait_for "! { $(printf 'alive %s || ' $masters) false; }" 5; then pass "SIGTERM: no master outlives the run"
else fail "SIGTERM: a master outlived the run"; ps -o pid,stat,args -p "$(echo $masters | tr ' ' ,)" | show; fi
[ ! -e "$SCRATCH/iterm/ssh" ] && pass "SIGTERM: INCIDENT/ssh is removed" || { fail "SIGTERM: INCIDENT/ssh is left"; ls -la "$SCRATCH/iterm/ssh" | show; }
for h in db1 db2; do
	p=$(cat "$OUT/term.$h")
	wait_for "! alive $p" 5 && pass "SIGTERM: $h's remote sleep is stopped" || fail "SIGTERM: $h's remote sleep $p survived"
done
# --- a link planted where the masters' folder goes is not followed ---
mkdir -m 700 "$SCRATCH/planted"
: > "$SCRATCH/planted/keep"
a1=$(accepted db1)
timeout 60 "$DRCONSOLE" run --yes --param "planted=$SCRATCH/planted" --incident-dir "$SCRATCH/ilink" \
	"$DATA/reuse_link.yaml" < /dev/null > "$SCRATCH/link.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "planted link: the run ended ok" || { fail "planted link: exit $rc"; show "$SCRATCH/link.out"; }
[ -L "$SCRATCH/ilink/ssh" ] && [ "$(ls -A "$SCRATCH/planted")" = keep ] &&
	pass "planted link: left alone, nothing put where it leads" ||
	{ fail "planted link: followed"; ls -la "$SCRATCH/ilink/ssh" "$SCRATCH/planted" | show; }
[ "$(($(accepted db1) - a1))" -eq 2 ] && pass "planted link: each step opened its own connection" ||
	fail "planted link: db1 took $(($(accepted db1) - a1)) connections for two steps"
[ -z "$(masters_in "$SCRATCH/planted")" ] && [ -z "$(masters_in "$SCRATCH/ilink/ssh")" ] &&
	pass "planted link: no master was left running" || fail "planted link: a master is left running"
grep -q "ssh connections are not reused: .*/ilink/ssh is not a private folder" "$SCRATCH/ilink/output/02-first.log" &&
	pass "planted link: the step's output says why connections are not reused" ||
	{ fail "planted link: no word of it"; show "$SCRATCH/ilink/output/02-first.log"; }
# --- per-host values: each host's own, hostile ones as data ---
rm -f /tmp/drc-hostvars-pwned-*
timeout 60 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/i8" "$DATA/hostvars.yaml" < /dev/null > "$SCRATCH/hv.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "host vars: the run ended ok" || { fail "host vars: exit $rc"; show "$SCRATCH/hv.out"; }
HV=$SCRATCH/i8/output/01-show.log
# expect_line HOST TEXT: HOST printed exactly TEXT as one line.
expect_line() {
	grep -qxF -- "$1 | $2" <(sed 's/^[^ ]* out //' "$HV") && pass "host vars: $1 printed '$2'" ||
		{ fail "host vars: $1 did not print '$2'"; show "$HV"; }
}
expect_line db1 'member=etcd-1'
expect_line db1 'peer=[https://10.0.0.1:2380]'
expect_line db2 'member=x; touch /tmp/drc-hostvars-pwned-1; rm -rf /nonexistent-drc'
expect_line db2 "peer=[\$(touch /tmp/drc-hostvars-pwned-2) \`touch /tmp/drc-hostvars-pwned-3\` ' \" -oProxyCommand=x]"
expect_line db3 'member=from-group'
expect_line db3 'peer=[https://group:2380]'
expect_line db3 'cluster=c1 c2'
if ls /tmp/drc-hostvars-pwned-* > /dev/null 2>&1; then fail "a host var ran as code"; rm -f /tmp/drc-hostvars-pwned-*
else pass "no host var ran as code"; fi
grep -qF "printf 'member=%s\n' '<host.vars.member>'" "$SCRATCH/hv.out" &&
	pass "the shown command names the per-host value" || { fail "shown command"; show "$SCRATCH/hv.out"; }
# --- hosts found at run time: a captured list, validated word by word ---
timeout 60 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/i9" "$DATA/captured_hosts.yaml" < /dev/null > "$SCRATCH/ch.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q 'out db1 | replica db1$' "$SCRATCH/i9/output/02-each.log" &&
	grep -q 'out db3 | replica db3$' "$SCRATCH/i9/output/02-each.log" &&
	pass "on: a captured list reaches each host, one the runbook does not name included" ||
	{ fail "captured hosts: exit $rc"; show "$SCRATCH/ch.out"; }
rm -f /tmp/drc-captured-pwned
timeout 60 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/i10" "$DATA/captured_hostile.yaml" < /dev/null > "$SCRATCH/chx.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -qF "'-oProxyCommand=touch' is not a host name or address" "$SCRATCH/chx.out" &&
	[ ! -e /tmp/drc-captured-pwned ] && [ ! -e "$SCRATCH/i10/output/02-each.log" ] &&
	pass "a captured '-oProxyCommand=' is refused before any ssh runs" ||
	{ fail "captured hostile hosts: exit $rc"; show "$SCRATCH/chx.out"; rm -f /tmp/drc-captured-pwned; }
# --- hosts from an Ansible inventory, reached at the address it gives ---
mkdir -p "$SCRATCH/inv"
cat > "$SCRATCH/inv/hosts.ini" <<INI
[etcd]
db1 ansible_host=127.0.0.1 ansible_port=$(cat "$FLEET/db1/port") member=m1
db2 ansible_host=127.0.0.1 ansible_port=$(cat "$FLEET/db2/port") member="x; touch /tmp/drc-inv-pwned"
[etcd:vars]
token=t-1
INI
cat > "$SCRATCH/inv/rb.yaml" <<'RB'
id: e2e-inventory
title: E2E hosts from an inventory
objectives: { rto: 1h, rpo: 15m }
inventory: hosts.ini
steps:
  - { id: each, title: Each member, on: etcd, run: 'echo "member={{ host.vars.member }} token={{ host.vars.token }}"' }
RB
rm -f /tmp/drc-inv-pwned
timeout 60 "$DRCONSOLE" run --yes --incident-dir "$SCRATCH/i11" "$SCRATCH/inv/rb.yaml" < /dev/null > "$SCRATCH/inv.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && grep -q 'out db1 | member=m1 token=t-1$' "$SCRATCH/i11/output/01-each.log" &&
	grep -qF 'out db2 | member=x; touch /tmp/drc-inv-pwned token=t-1' "$SCRATCH/i11/output/01-each.log" &&
	[ ! -e /tmp/drc-inv-pwned ] && pass "an INI inventory's hosts, addresses and vars reach each host as data" ||
	{ fail "inventory run: exit $rc"; show "$SCRATCH/inv.out"; rm -f /tmp/drc-inv-pwned; }
# --- copy: a file to the hosts, whole, with its SHA-256 journaled ---
mkdir -p "$SCRATCH/cpout"
head -c 300000 /dev/urandom > "$SCRATCH/cp.bin"
sum=$(sha256sum < "$SCRATCH/cp.bin" | cut -d' ' -f1)
timeout 60 "$DRCONSOLE" run --yes --param "src=$SCRATCH/cp.bin" --param "out_dir=$SCRATCH/cpout" \
	--incident-dir "$SCRATCH/i12" "$DATA/copy.yaml" < /dev/null > "$SCRATCH/cp.out" 2>&1
rc=$?
CP=$SCRATCH/i12/output/02-check.log
[ "$rc" -eq 0 ] && grep -qF "out db1 | $sum  x; touch PWNED \$(id)" "$CP" && grep -q 'out db1 | 640 300000$' "$CP" &&
	grep -qF "out db1 | x; touch PWNED \$(id)" "$CP" && [ "$(grep -c 'out db1 | ' "$CP")" -eq 3 ] &&
	pass "copy: the file arrived whole, mode 0640, under its hostile name, nothing else left" ||
	{ fail "copy: exit $rc"; show "$SCRATCH/cp.out"; show "$CP"; }
[ ! -e "$SCRATCH/cpout/PWNED" ] && pass "copy: the destination stayed data" || fail "copy: the destination ran as code"
grep -q "\"event\":\"step.start\".*\"command\":\"copy [^\"]*cp.bin (300000 bytes, sha256 $sum)" "$SCRATCH/i12/journal.jsonl" &&
	grep -qF "out db2 | copied $SCRATCH/cpout/x; touch PWNED \$(id) sha256 $sum" "$SCRATCH/i12/output/01-send.log" &&
	pass "copy: step.start journals the file's SHA-256, each host confirms it" || fail "copy: sha256 not journaled"
finish
