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

# Lint refuses the places no value can be made safe, at FILE:LINE:COL.
"$DRCONSOLE" lint "$top_srcdir/tests/data/run/http-encoding.yaml" > /dev/null 2>&1 &&
	pass "the test runbook lints clean" || fail "the test runbook does not lint"
finish
