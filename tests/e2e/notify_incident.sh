#!/usr/bin/env bash
# notify_incident.sh: a runbook pages through PagerDuty (trigger, then
# resolve) and Opsgenie, and posts a webhook body it wrote as a template,
# run by `drconsole run` against the loopback HTTP server. The dedup key and
# alias are the incident's id; a hostile value lands as one JSON string; the
# keys are found in no file of the incident. Lint refuses misuse.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
command -v python3 > /dev/null || skip_all "no python3"
scratch_dir
mkdir -p "$SCRATCH/http"
python3 "$top_srcdir/tests/e2e/http_server.py" --port 0 --port-file "$SCRATCH/http/port" \
	--dir "$SCRATCH/http" > "$SCRATCH/http.log" 2>&1 &
track_pid $!
wait_for "[ -s '$SCRATCH/http/port' ]" 10 || die "the server did not start"
base="http://127.0.0.1:$(cat "$SCRATCH/http/port")"
PD_KEY='R0uting-KEY-e2e-0123456789'
OG_KEY='0g-KEY-e2e-abcdef'
printf '%s' "$OG_KEY" > "$SCRATCH/http/api_key"

cat > "$SCRATCH/rb.yaml" <<YAML
id: paging
title: Page the on-call
params:
  - name: who
  - name: pd_key
    type: secret
  - name: og_key
    type: secret
steps:
  - id: page
    title: Page through PagerDuty
    confirm: no
    notify:
      type: pagerduty
      url: $base/pagerduty/v2/enqueue
      routing_key: "{{ pd_key }}"
      severity: error
      message: "Database down, {{ who }} is on it"
  - id: alert
    title: Open an Opsgenie alert
    confirm: no
    notify:
      type: opsgenie
      url: $base/opsgenie/v2/alerts
      api_key: "{{ og_key }}"
      priority: P2
      message: Database down
  - id: hook
    title: Tell the incident bot
    confirm: no
    notify:
      type: webhook
      url: $base/hook/bot
      message: Incident bot told
      body: '{"who": {{ who }}, "incident": {{ incident_id }}, "tags": ["dr", {{ who }}]}'
  - id: resolve
    title: Resolve the page
    confirm: no
    notify:
      type: pagerduty
      event: resolve
      url: $base/pagerduty/v2/enqueue
      routing_key: "{{ pd_key }}"
      message: Back up
YAML
who=$'Eve "the \\ admin"\n}, "x": 1'
DRCONSOLE_PARAM_pd_key=$PD_KEY DRCONSOLE_PARAM_og_key=$OG_KEY "$DRCONSOLE" run --yes --param "who=$who" \
	--incident-dir "$SCRATCH/inc" "$SCRATCH/rb.yaml" < /dev/null > "$SCRATCH/run.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] && pass "the run paged, alerted, posted and resolved" || { show "$SCRATCH/run.out"; fail "run exit $rc"; }

python3 - "$SCRATCH/http/requests.log" "$SCRATCH/inc/journal.jsonl" "$who" "$PD_KEY" "$OG_KEY" \
	> "$SCRATCH/check.out" 2>&1 <<'PY'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
incident = [json.loads(l) for l in open(sys.argv[2]) if '"run.start"' in l][0]["incident"]
who, pd_key, og_key = sys.argv[3:6]
bad = []
def want(what, got, expected):
    if got != expected:
        bad.append("%s: %r, want %r" % (what, got, expected))
want("requests", [r["path"] for r in reqs], ["/pagerduty/v2/enqueue", "/opsgenie/v2/alerts", "/hook/bot",
                                             "/pagerduty/v2/enqueue"])
pd, og, hook, res = (json.loads(r["body"]) for r in reqs)
want("pd event_action", pd["event_action"], "trigger")
want("pd dedup_key", pd["dedup_key"], incident)
want("pd routing_key", pd["routing_key"], pd_key)
want("pd severity", pd["payload"]["severity"], "error")
want("pd summary", pd["payload"]["summary"], "Database down, %s is on it" % who)
want("og auth", dict(reqs[1]["headers"]).get("Authorization"), "GenieKey " + og_key)
want("og alias", og["alias"], incident)
want("og priority", og["priority"], "P2")
want("hook body", hook, {"who": who, "incident": incident, "tags": ["dr", who]})
want("resolve", res, {"routing_key": pd_key, "event_action": "resolve", "dedup_key": incident, "client": "drconsole"})
print("\n".join(bad) if bad else "all fields as sent")
sys.exit(1 if bad else 0)
PY
if [ $? -eq 0 ]; then pass "every request checked field by field"; else show "$SCRATCH/check.out"; fail "requests differ"; fi
for key in "$PD_KEY" "$OG_KEY"; do
	if grep -rqaF -- "$key" "$SCRATCH/inc" "$SCRATCH/run.out"; then
		fail "a key is in $(grep -rlaF -- "$key" "$SCRATCH/inc" "$SCRATCH/run.out" | tr '\n' ' ')"
	else
		pass "the key ${key%%-e2e*} is in no file of the incident"
	fi
done

cat > "$SCRATCH/bad.yaml" <<'YAML'
id: bad-paging
title: Misused notifications
steps:
  - id: no-key
    title: No routing key
    notify: { type: pagerduty, message: m }
  - id: bad-event
    title: A bad event
    notify: { type: pagerduty, routing_key: k, event: snooze, severity: sev1, message: m }
  - id: bad-og
    title: A bad priority
    notify: { type: opsgenie, message: m, priority: P9, event: open }
  - id: body-elsewhere
    title: A body on slack
    notify: { type: slack, url: "https://hooks.example/x", body: "{}", severity: info, message: m }
  - id: body-template
    title: A template where no JSON value can stand
    notify: { type: webhook, url: "https://hooks.example/x", message: m, body: '{"a": [1 {{ incident_id }}]}' }
YAML
"$DRCONSOLE" lint "$SCRATCH/bad.yaml" > "$SCRATCH/lint.out" 2>&1
for msg in "a pagerduty notification needs 'routing_key'" \
	"pagerduty event 'snooze' is not one of trigger, acknowledge, resolve" \
	"pagerduty severity 'sev1' is not one of critical, error, warning, info" \
	"an opsgenie notification needs 'api_key'" "opsgenie priority 'P9' is not one of P1, P2, P3, P4, P5" \
	"opsgenie event 'open' is not one of create, close" "a slack notification does not use 'body'" \
	"a slack notification does not use 'severity'"; do
	grep -qF -- "$msg" "$SCRATCH/lint.out" && pass "lint: $msg" || { show "$SCRATCH/lint.out"; fail "lint misses: $msg"; }
done
grep -q 'bad.yaml:18:.*error: the body is not JSON' "$SCRATCH/lint.out" && pass "lint: a template where no JSON value stands is refused" ||
	{ show "$SCRATCH/lint.out"; fail "lint: a misplaced template in a body passes"; }
finish
