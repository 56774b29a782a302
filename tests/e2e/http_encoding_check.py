#!/usr/bin/env python3
"""http_encoding_check.py VALUE-FILE HTTP-DIR MAIL-DIR FIRST-MAIL JOURNAL

Checks one run of tests/data/run/http-encoding.yaml with x = the bytes of
VALUE-FILE, from what the servers recorded (http_server.py's requests.log,
smtp_sink.py's mail-N files from number FIRST-MAIL on) and the run's
journal: every value arrives as exactly one path segment, one query value,
one JSON string, one form value, one header value, one subject or one
message, or the step
that would have carried it failed and sent nothing. Prints one line per
problem; exits 1 if there was any.
"""
import email
import email.policy
import json
import os
import sys
from urllib.parse import parse_qsl, unquote, urlsplit

value = open(sys.argv[1], "rb").read().decode("utf-8")
http_dir, mail_dir, first_mail, journal = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
problems = []


def problem(text):
    problems.append(text)


def requests():
    try:
        with open(os.path.join(http_dir, "requests.log"), encoding="utf-8") as f:
            return [json.loads(line) for line in f]
    except FileNotFoundError:
        return []


def events(kind):
    out = {}
    with open(journal, encoding="utf-8") as f:
        for line in f:
            ev = json.loads(line)
            if ev.get("event") == kind:
                out[ev["step"]] = ev
    return out


def one_segment_path(path, prefix, suffix=""):
    """The one segment between prefix and suffix, decoded; None if the
    path does not have exactly that shape."""
    if not path.startswith(prefix) or not path.endswith(suffix):
        return None
    seg = path[len(prefix):len(path) - len(suffix)]
    return None if "/" in seg or seg == "" else unquote(seg, errors="strict")


CONTROL = any(ord(c) < 0x20 or c == "\x7f" for c in value)
DOTS = value in (".", "..")
reqs = requests()
steps = events("step.end")
starts = events("step.start")


def refused(step, why_word):
    ev = steps.get(step)
    if ev is None or ev.get("status") != "failed":
        problem("%s: want failed, got %s" % (step, ev and ev.get("status")))
    elif why_word not in ev.get("reason", ""):
        problem("%s: reason %r does not say %r" % (step, ev.get("reason"), why_word))


def ok(step):
    ev = steps.get(step)
    if ev is None or ev.get("status") != "ok":
        problem("%s: want ok, got %s (%s)" % (step, ev and ev.get("status"), ev and ev.get("reason")))


# path and query
echo = [r for r in reqs if r["path"].startswith("/echo/") and not r["path"].startswith("/echo/header")]
if DOTS:
    refused("path-query", "path segment")
    if echo:
        problem("path-query: refused but a request was sent: %r" % echo)
else:
    ok("path-query")
    if len(echo) != 1:
        problem("path-query: %d requests" % len(echo))
    else:
        target = echo[0]["path"]
        path, _, query = target.partition("?")
        if "#" in target:
            problem("path-query: a fragment was sent: %r" % target)
        if one_segment_path(path, "/echo/", "/tail") != value:
            problem("path-query: path %r is not /echo/<value>/tail" % path)
        if parse_qsl(query, keep_blank_values=True, strict_parsing=True) != [("q", value), ("k", "v")]:
            problem("path-query: query %r is not q=<value>&k=v" % query)
        host = [v for n, v in echo[0]["headers"] if n.lower() == "host"]
        shown = starts.get("path-query", {}).get("command")
        if shown != "http://%s%s" % (host[0], target):
            problem("path-query: the journal shows %r, %r was sent" % (shown, target))

# JSON body
js = [r for r in reqs if r["path"] == "/hook/json"]
ok("json")
if len(js) != 1:
    problem("json: %d requests" % len(js))
elif json.loads(js[0]["body"]) != {"text": value, "note": "v=%s;" % value, "bare": value, "n": 7}:
    problem("json: body %r" % js[0]["body"])

# form body
fm = [r for r in reqs if r["path"] == "/hook/form"]
ok("form")
if len(fm) != 1 or parse_qsl(fm[0]["body"], keep_blank_values=True, strict_parsing=True) != [("a", value), ("b", "2")]:
    problem("form: %r" % [r["body"] for r in fm])

# header
hd = [r for r in reqs if r["path"] == "/echo/header"]
if CONTROL:
    refused("header", "header X-Token")
    if hd:
        problem("header: refused but a request was sent: %r" % hd)
else:
    ok("header")
    names = [n.lower() for n, _ in hd[0]["headers"]] if len(hd) == 1 else []
    got = [v for n, v in hd[0]["headers"] if n.lower() == "x-token"] if len(hd) == 1 else []
    want = ("t-" + value).encode("utf-8").decode("latin-1")
    if got != [want] or "x-injected" in names:
        problem("header: X-Token %r, headers %r" % (got, names))

# webhook and slack
wh = [r for r in reqs if r["path"].startswith("/hook/w/")]
if DOTS:
    refused("webhook", "path segment")
    if wh:
        problem("webhook: refused but sent")
else:
    ok("webhook")
    if len(wh) != 1 or one_segment_path(wh[0]["path"], "/hook/w/") != value:
        problem("webhook: %r" % [r["path"] for r in wh])
    elif json.loads(wh[0]["body"])["text"] != "m=" + value:
        problem("webhook: body %r" % wh[0]["body"])
sl = [r for r in reqs if r["path"] == "/hook/s"]
ok("slack")
if len(sl) != 1:
    problem("slack: %d requests" % len(sl))
else:
    doc = json.loads(sl[0]["body"])
    if doc != {"text": "m=" + value, "channel": "#c" + value}:
        problem("slack: body %r" % sl[0]["body"])

# email: subject refused with a line break, message always exact
mails = []
n = first_mail
while os.path.exists(os.path.join(mail_dir, "mail-%d.eml" % n)):
    with open(os.path.join(mail_dir, "mail-%d.eml" % n), "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    with open(os.path.join(mail_dir, "mail-%d.json" % n)) as f:
        env = json.load(f)
    mails.append((msg, env))
    n += 1
if "\r" in value or "\n" in value:
    refused("mail-subject", "subject")
    want_subjects = ["fixed"]
else:
    ok("mail-subject")
    want_subjects = ["s " + value, "fixed"]
ok("mail-body")
if [str(m["Subject"]) for m, _ in mails] != want_subjects:
    problem("mail: subjects %r, want %r" % ([str(m["Subject"]) for m, _ in mails], want_subjects))
for m, env in mails:
    if env != {"from": "drc@example.com", "to": ["ops@example.com"]}:
        problem("mail: envelope %r" % env)
    if m["X-Injected"] is not None:
        problem("mail: an injected header arrived")
body = [m for m, _ in mails if str(m["Subject"]) == "fixed"]
want = ("m " + value).replace("\r\n", "\n")
if len(body) == 1 and body[0].get_content().replace("\r\n", "\n").rstrip("\n") != want:
    problem("mail-body: %r, want %r" % (body[0].get_content(), want))

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
