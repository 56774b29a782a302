#!/bin/sh
# A secret param's from_command: a fake `vault` first in PATH prints it; it
# runs when the run starts and again on resume, its argv exactly as written
# (no shell); the value reaches the step, and is found in no file of the
# incident folder, in no output and in no process's argv. A failure says
# why without the value; lint refuses a from_command where it cannot work.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
scratch_dir
S=$SCRATCH
SECRET='Vq9-from-the-vault-Zk3'
mkdir -p "$S/bin"
# The fake vault: logs its argv, one word a line, then prints the secret
# (or, with FAIL set, prints it and fails with it on stderr too).
cat > "$S/bin/vault" <<EOF2
#!/bin/sh
{ echo CALL; for a in "\$@"; do printf '%s\n' "\$a"; done; } >> "$S/vault.log"
printf '%s\n' "$SECRET"
if [ -n "\${FAIL:-}" ]; then echo "vault: permission denied for $SECRET" >&2; exit 2; fi
EOF2
chmod +x "$S/bin/vault"
PATH=$S/bin:$PATH
export PATH

cat > "$S/rb.yaml" <<'YAML'
id: secret-command
title: A secret from the vault
params:
  - name: db_password
    type: secret
    required: true
    from_command: [vault, kv, get, "-field=password", "secret/erp db"]
steps:
  - id: use-it
    title: Use the secret
    confirm: no
    run: |
      printf '%s' "$DRCONSOLE_PARAM_db_password" | sha256sum | cut -c1-16 > "$PROOF"
      echo "the password is $DRCONSOLE_PARAM_db_password"
  - id: hold
    title: Wait for the test
    confirm: no
    run: |
      touch "$PROOF.holding"
      while [ ! -e "$PROOF.go" ]; do sleep 0.05; done
      echo "still $DRCONSOLE_PARAM_db_password"
YAML
export PROOF=$S/proof
want=$(printf '%s' "$SECRET" | sha256sum | cut -c1-16)

# The first run: held in its second step, where ps is read, then killed.
"$DRCONSOLE" run --yes --incident-dir "$S/inc" "$S/rb.yaml" < /dev/null > "$S/run1.out" 2>&1 &
pid=$!
track_pid $pid
wait_for 'test -e "$PROOF.holding"' 30 || { show "$S/run1.out"; die "the run never reached its second step"; }
ps -eww -o args > "$S/ps.txt"
kill -KILL $pid; wait $pid 2>/dev/null
if [ "$(cat "$PROOF" 2>/dev/null)" = "$want" ]; then pass "the vault's value reached the step"; else fail "the step got another value"; fi
if grep -qF -- "$SECRET" "$S/ps.txt"; then fail "the secret is in a process's argv"; else pass "no argv holds the secret (ps)"; fi
if grep -q 'vault' "$S/ps.txt" && ! grep -q 'kv get' "$S/ps.txt"; then pass "the vault command had ended before the step"; fi
printf 'CALL\nkv\nget\n-field=password\nsecret/erp db\n' > "$S/want.log"
if cmp -s "$S/want.log" "$S/vault.log"; then
	pass "vault ran once, its argv as written (a word with a space stayed one word)"
else
	show "$S/vault.log"; fail "vault's argv differs"
fi
grep -q "fetching secret 'db_password' with vault" "$S/run1.out" && pass "the run says it fetches the secret" ||
	{ show "$S/run1.out"; fail "no word of the fetch"; }

# The resume runs the command again: the value is stored nowhere.
touch "$PROOF.go"
"$DRCONSOLE" run --yes --resume "$S/inc" --rerun-interrupted < /dev/null > "$S/run2.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "the resume completed" || { show "$S/run2.out"; fail "resume exit $rc"; }
[ "$(grep -c CALL "$S/vault.log")" -eq 2 ] && pass "vault ran again on resume" ||
	fail "vault ran $(grep -c CALL "$S/vault.log") times"
grep -q 'still \*\*\*\*' "$S/inc/output/"*hold* && pass "the resumed step's output masks the fetched value" ||
	fail "the resumed step's output does not show the masked value"
"$DRCONSOLE" report "$S/inc" > "$S/report.md" 2>&1
"$DRCONSOLE" report "$S/inc" --format json > "$S/report.json" 2>&1
if grep -rlaF -- "$SECRET" "$S/inc" "$S/run1.out" "$S/run2.out" "$S/report.md" "$S/report.json" > "$S/found"; then
	show "$S/found"; fail "the secret is written somewhere"
else
	pass "the secret is in no file of the incident folder ($(find "$S/inc" -type f | wc -l) files), no output, no report"
fi

# A failing command: the run does not start; the message has no value.
FAIL=1 "$DRCONSOLE" run --yes --incident-dir "$S/inc-fail" "$S/rb.yaml" < /dev/null > "$S/fail.out" 2>&1
rc=$?
[ "$rc" -eq 2 ] && pass "a failing from_command: exit 2, nothing ran" || { show "$S/fail.out"; fail "exit $rc"; }
grep -q "secret param 'db_password': vault exited 2: vault: permission denied for \*\*\*\*" "$S/fail.out" &&
	pass "the failure says why, the value masked" || { show "$S/fail.out"; fail "the failure message is wrong"; }
if grep -rqaF -- "$SECRET" "$S/fail.out" "$S/inc-fail" 2>/dev/null; then fail "a failure showed the secret"; else pass "a failure shows no value"; fi
# A given value wins over the command, which then does not run.
calls=$(grep -c CALL "$S/vault.log")
DRCONSOLE_PARAM_db_password=given-by-hand-123 "$DRCONSOLE" run --yes --incident-dir "$S/inc-given" \
	"$S/rb.yaml" < /dev/null > "$S/given.out" 2>&1
[ "$(grep -c CALL "$S/vault.log")" -eq "$calls" ] && pass "a value given by hand wins: vault not run" || fail "vault ran though the value was given"
[ "$(cat "$PROOF")" = "$(printf '%s' given-by-hand-123 | sha256sum | cut -c1-16)" ] &&
	pass "the step got the value given by hand" || fail "the step did not get the value given by hand"
# A dry run runs nothing, the vault's command included.
"$DRCONSOLE" run --yes --dry-run --incident-dir "$S/inc-dry" "$S/rb.yaml" < /dev/null > "$S/dry.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && [ "$(grep -c CALL "$S/vault.log")" -eq "$calls" ] && pass "a dry run does not run vault" ||
	{ show "$S/dry.out"; fail "dry run: exit $rc, vault calls $(grep -c CALL "$S/vault.log") (was $calls)"; }

# Lint: only for secrets, a list of plain words, no templates, not with generate.
cat > "$S/bad.yaml" <<'YAML'
id: bad-from-command
title: Misused from_command
params:
  - name: plain
    from_command: [vault, read]
  - name: templated
    type: secret
    from_command: [vault, read, "{{ plain }}"]
  - name: both
    type: secret
    generate: 16
    from_command: [vault, read]
steps:
  - id: s
    title: S
    run: "true"
YAML
sed -e 's/^  - name: plain$/  - name: scalar\n    type: secret\n    from_command: vault read secret\n&/' "$S/bad.yaml" > "$S/bad-scalar.yaml"
{ "$DRCONSOLE" lint "$S/bad.yaml"; "$DRCONSOLE" lint "$S/bad-scalar.yaml"; } > "$S/lint.out" 2>&1
for msg in "'from_command' is only for secret params" "'from_command' must be a non-empty list" \
	"word 3 holds a template" "both 'generate' and 'from_command'"; do
	grep -qF -- "$msg" "$S/lint.out" && pass "lint: $msg" || { show "$S/lint.out"; fail "lint misses: $msg"; }
done
finish
