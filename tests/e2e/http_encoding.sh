#!/usr/bin/env bash
# http_encoding.sh: hostile values through http steps and notifications,
# run by `drconsole run` against real loopback servers (http_server.py,
# smtp_sink.py). Each value must arrive as exactly one path segment, query
# value, JSON string, header value, subject or message (checked from what
# the servers recorded, by http_encoding_check.py), or the step carrying it
# must fail without sending.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
command -v python3 > /dev/null || skip_all "no python3"
scratch_dir

mkdir -p "$SCRATCH/http" "$SCRATCH/mail"
python3 "$top_srcdir/tests/e2e/http_server.py" --port 0 --port-file "$SCRATCH/http/port" \
	--dir "$SCRATCH/http" > "$SCRATCH/http.log" 2>&1 &
track_pid $!
python3 "$top_srcdir/tests/e2e/smtp_sink.py" --port 0 --port-file "$SCRATCH/mail/port" \
	--dir "$SCRATCH/mail" > "$SCRATCH/mail.log" 2>&1 &
track_pid $!
wait_for "[ -s '$SCRATCH/http/port' ] && [ -s '$SCRATCH/mail/port' ]" 10 || die "the servers did not start"
base="http://127.0.0.1:$(cat "$SCRATCH/http/port")"
smtp="smtp://127.0.0.1:$(cat "$SCRATCH/mail/port")"

values=(
	'../admin'
	'a?b=c'
	'x#frag'
	'%2e%2e'
	'a&admin=1'
	'"}, "admin": true, "x": "'
	$'a\r\nX-Injected: 1'
	$'line one\nX-Injected: 1'
	'ünïcødé ✓ 💥'
	'..'
	'.'
	'a b+c=d;e/f\g'
	'{{ x }}'
	$'\r\n.\r\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.'
)
n=0
for v in "${values[@]}"; do
	n=$((n + 1))
	printf '%s' "$v" > "$SCRATCH/value-$n"
	rm -f "$SCRATCH/http/requests.log"
	first=$(( $(ls "$SCRATCH/mail" | grep -c '\.eml$') + 1 ))
	timeout 60 "$DRCONSOLE" run --yes --param "base=$base" --param "smtp=$smtp" --param "x=$v" \
		--incident-dir "$SCRATCH/i$n" "$top_srcdir/tests/data/run/http-encoding.yaml" \
		< /dev/null > "$SCRATCH/run-$n.out" 2>&1
	shown=$(printf '%s' "$v" | od -An -c | tr -s ' \n' ' ')
	if [ ! -f "$SCRATCH/i$n/journal.jsonl" ]; then
		fail "value$shown: the run did not start"
		show "$SCRATCH/run-$n.out"
	elif python3 "$top_srcdir/tests/e2e/http_encoding_check.py" "$SCRATCH/value-$n" "$SCRATCH/http" \
		"$SCRATCH/mail" "$first" "$SCRATCH/i$n/journal.jsonl" > "$SCRATCH/check-$n" 2>&1; then
		pass "value$shown: one component, one JSON string, one header or refused"
	else
		fail "value$shown"
		show "$SCRATCH/check-$n"
	fi
done

# A secret in the path and query arrives exact and is never shown, raw or
# percent-encoded.
rm -f "$SCRATCH/http/requests.log"
tok='Tok/en?&=#%+ü'
DRCONSOLE_PARAM_token="$tok" timeout 60 "$DRCONSOLE" run --yes --param "base=$base" \
	--incident-dir "$SCRATCH/secret" "$top_srcdir/tests/data/run/http-secret-url.yaml" \
	< /dev/null > "$SCRATCH/secret.out" 2>&1 || fail "the secret run failed"
if python3 - "$SCRATCH/http/requests.log" "$tok" <<'PY'
import json, sys
from urllib.parse import unquote, parse_qsl
r = [json.loads(l) for l in open(sys.argv[1])]
path, _, query = r[0]["path"].partition("?")
sys.exit(0 if len(r) == 1 and unquote(path[len("/echo/"):]) == sys.argv[2] and "/" not in path[len("/echo/"):]
         and parse_qsl(query, strict_parsing=True) == [("t", sys.argv[2])] else 1)
PY
then pass "a secret in the path and query arrives as one component each"; else
	fail "the secret did not arrive exact"; show "$SCRATCH/http/requests.log"; fi
enc=$(python3 -c 'import sys; from urllib.parse import quote; print(quote(sys.argv[1], safe="-._~"))' "$tok")
if grep -rqF -e "$tok" -e "$enc" "$SCRATCH/secret" "$SCRATCH/secret.out"; then
	fail "the secret is shown or written"; grep -rF -e "$tok" -e "$enc" "$SCRATCH/secret" "$SCRATCH/secret.out" | show
else pass "the secret is never shown or written, raw or encoded"; fi
grep -q '"command":"http://127.0.0.1:[0-9]*/echo/\*\*\*\*?t=\*\*\*\*"' "$SCRATCH/secret/journal.jsonl" &&
	pass "the journal shows the URL sent, the secret as ****" || fail "the journaled URL is not the one sent"

# The runbooks here lint clean; what lint refuses is in the lint corpus
# (tests/data/bad/bad-http-templates.yaml).
"$DRCONSOLE" lint "$top_srcdir/tests/data/run/http-encoding.yaml" "$top_srcdir/tests/data/run/http-secret-url.yaml" \
	> /dev/null 2>&1 && pass "the test runbooks lint clean" || fail "a test runbook does not lint"
finish
