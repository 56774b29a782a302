#!/bin/sh
# tui_secret_command.sh: a secret param's from_command in the console
# (script mode): the form says where the value comes from and does not
# demand it, the console says it fetches before it blocks, the step gets
# the value masked, and a resume fetches it again without asking.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/tui_lib.sh"

[ -x "$DRCONSOLE" ] || die "no drconsole binary at $DRCONSOLE"
scratch_dir
export XDG_STATE_HOME=$SCRATCH/state
SECRET='Vq9-console-secret-Zk3'
mkdir -p "$SCRATCH/bin"
cat > "$SCRATCH/bin/vault" <<EOF2
#!/bin/sh
echo CALL >> "$SCRATCH/vault.log"
printf '%s\n' '$SECRET'
EOF2
chmod +x "$SCRATCH/bin/vault"
PATH=$SCRATCH/bin:$PATH
export PATH
cat > "$SCRATCH/rb.yaml" <<'YAML'
id: tui-secret
title: A secret from the vault, in the console
params:
  - name: db_password
    type: secret
    required: true
    prompt: Database password
    from_command: [vault, kv, get, -field=password, secret/erp/db]
steps:
  - id: use-it
    title: Use the secret
    confirm: no
    run: echo "got $DRCONSOLE_PARAM_db_password"
  - id: later
    title: A later step
    confirm: no
    run: echo "later $DRCONSOLE_PARAM_db_password"
YAML

# 1: the form; 2: the run view after Start (field, then Start); 3: step 1 ran.
printf '%s\n' dump 'key Enter' 'key Enter' dump 'key Enter' dump quit > "$SCRATCH/script"
timeout 30 "$DRCONSOLE" --script "$SCRATCH/script" --dump "$SCRATCH/dump" --operator tester \
	"$SCRATCH/rb.yaml" > "$SCRATCH/out" 2> "$SCRATCH/err"
rc=$?
[ "$rc" -eq 0 ] && pass "the scripted walk exits 0" || { fail "the walk $(describe_rc "$rc")"; show "$SCRATCH/err"; }
dump_has "$SCRATCH/dump" 1 "(from vault at start; or type it)" "form: the secret's source is shown, no value demanded"
dump_has "$SCRATCH/dump" 2 "fetching secret 'db_password' with vault" "the console says it fetches the secret"
dump_has "$SCRATCH/dump" 3 "✓  1 Use the secret" "step 1 ran"
[ "$(grep -c CALL "$SCRATCH/vault.log")" -eq 1 ] && pass "vault ran once" || fail "vault ran $(grep -c CALL "$SCRATCH/vault.log") times"

INC=$(incident_of "$XDG_STATE_HOME")
grep -q 'got \*\*\*\*' "$INC"/output/*use-it* && pass "the step got the value, masked in its output" ||
	fail "step 1's output does not show the masked value"
printf '%s\n' dump 'key Enter' 'key Enter' dump quit > "$SCRATCH/script2"
timeout 30 "$DRCONSOLE" resume "$INC" --script "$SCRATCH/script2" --dump "$SCRATCH/dump2" --operator tester \
	> "$SCRATCH/out" 2> "$SCRATCH/err"
rc=$?
[ "$rc" -eq 0 ] && pass "the resume exits 0" || { fail "resume $(describe_rc "$rc")"; show "$SCRATCH/err"; }
dump_lacks "$SCRATCH/dump2" 1 "Secrets were never written down" "resume does not ask for a secret its command fetches"
dump_has "$SCRATCH/dump2" 2 "later ****" "the resumed step got the value again"
[ "$(grep -c CALL "$SCRATCH/vault.log")" -eq 2 ] && pass "vault ran again on resume" ||
	fail "vault ran $(grep -c CALL "$SCRATCH/vault.log") times"
if grep -rqaF -- "$SECRET" "$INC" "$SCRATCH/dump" "$SCRATCH/dump2"; then
	fail "the secret is in $(grep -rlaF -- "$SECRET" "$INC" "$SCRATCH/dump" "$SCRATCH/dump2" | tr '\n' ' ')"
else
	pass "the secret is in no file of the incident and on no screen"
fi

# SIGTERM while the console waits for a secret's command (outside its
# loop): the command is stopped and the console ends at once, not after
# the command's 30 s or its own 60.
cat > "$SCRATCH/bin/slowvault" <<EOF2
#!/bin/sh
echo started > "$SCRATCH/slow.started"
sleep 60
EOF2
chmod +x "$SCRATCH/bin/slowvault"
sed 's/from_command: \[vault, kv, get, -field=password, secret\/erp\/db\]/from_command: [slowvault]/' \
	"$SCRATCH/rb.yaml" > "$SCRATCH/slow.yaml"
printf '%s\n' 'key Enter' 'key Enter' quit > "$SCRATCH/script3"
"$DRCONSOLE" --script "$SCRATCH/script3" --operator tester "$SCRATCH/slow.yaml" > "$SCRATCH/out3" 2>&1 &
pid=$!
track_pid $pid
if wait_for "[ -e '$SCRATCH/slow.started' ]" 20; then
	t0=$(date +%s)
	kill -TERM $pid
	wait $pid
	rc=$?
	t1=$(date +%s)
	[ $((t1 - t0)) -lt 20 ] && pass "SIGTERM during the fetch ends the console at once ($((t1 - t0)) s, $(describe_rc $rc))" ||
		{ fail "SIGTERM during the fetch took $((t1 - t0)) s"; show "$SCRATCH/out3"; }
	[ "$rc" -ne 0 ] && pass "and it does not claim success" || fail "the interrupted console exited 0"
else
	fail "the slow vault never started"; show "$SCRATCH/out3"
fi
finish
