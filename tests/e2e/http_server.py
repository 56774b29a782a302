#!/usr/bin/env python3
"""http_server.py: a loopback HTTP server for drconsole's http and notify tests.

Standard library only. Listens on 127.0.0.1 (--port 0: any free port) and
writes the port to --port-file once it listens. State lives in --dir:

  GET  /health              status (and optional body) from DIR/health,
                            e.g. "503" or "200 ready replicas=3"
  ANY  /slow?ms=N           waits N ms, then 200 "slow done"
  ANY  /status/N            answers N with "status N"
  GET  /echo?...            200 with the query and the X-Token header
  GET  /big?n=N             200 with N bytes of numbered lines
  GET  /redirect            302 to /health
  POST /hook/...            appends the body as one line to DIR/webhook.log,
                            answers 200 "ok" (a Slack incoming webhook)
  PATCH .../components/ID   a Statuspage-style API under /statuspage/; the
  POST  .../incidents       Authorization header must be "OAuth <DIR/api_key>"
                            (401 otherwise); each call goes to
                            DIR/statuspage.log as a JSON line
  POST /pagerduty/v2/enqueue  PagerDuty's Events API v2: checks the event as
                            PagerDuty does (400 with its errors), 202 otherwise
  POST /opsgenie/v2/alerts[/ALIAS/close]  Opsgenie's alert API; Authorization
                            must be "GenieKey <DIR/api_key>" (422 otherwise);
                            202 "Request will be processed"

Every request is also logged to DIR/requests.log as a JSON line with its
method, path (the request target as sent), content type, body and
headers (as [name, value] pairs, in order).
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()


def append_line(path, line):
    with LOCK, open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def read_file(path, default=""):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except FileNotFoundError:
        return default


class Handler(BaseHTTPRequestHandler):
    server_version = "drc-test/1"
    # Keep-alive, as real servers do, so clients meet reused connections.
    protocol_version = "HTTP/1.1"
    state_dir = "."

    def log_message(self, fmt, *args):
        # Tests read stderr only when something broke; keep it short.
        pass

    def answer(self, status, body, ctype="text/plain", extra=None):
        data = body.encode("utf-8") if isinstance(body, str) else body
        if status in (204, 304):
            data = b""  # these never carry a body (RFC 9110 15.3.5)
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (timeout, cancel): that is the test.
            pass

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n).decode("utf-8", "replace") if n else ""

    def record(self, body):
        append_line(os.path.join(self.state_dir, "requests.log"), json.dumps({
            "method": self.command,
            "path": self.path,
            "content_type": self.headers.get("Content-Type"),
            "body": body,
            "headers": [[k, v] for k, v in self.headers.items()],
        }))

    def handle_any(self):
        body = self.read_body()
        self.record(body)
        url = urlsplit(self.path)
        path = url.path
        for prefix, fn in ROUTES:
            if path == prefix or path.startswith(prefix + "/"):
                return fn(self, url, body)
        return self.answer(404, "no such endpoint\n")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any

    # --- endpoints ---

    def health(self, url, body):
        spec = read_file(os.path.join(self.state_dir, "health"), "200")
        code, _, text = spec.partition(" ")
        self.answer(int(code), (text or ("healthy" if code == "200" else "unhealthy")) + "\n")

    def slow(self, url, body):
        ms = int(parse_qs(url.query).get("ms", ["1000"])[0])
        time.sleep(ms / 1000.0)
        self.answer(200, "slow done\n")

    def status(self, url, body):
        code = int(url.path.rsplit("/", 1)[1])
        self.answer(code, "status %d\n" % code)

    def echo(self, url, body):
        self.answer(200, "query=%s\nx-token=%s\n" % (url.query, self.headers.get("X-Token", "")))

    def big(self, url, body):
        n = int(parse_qs(url.query).get("n", ["10000"])[0])
        text = "".join("line %06d\n" % i for i in range(n // 12 + 1))
        self.answer(200, text[:n])

    def redirect(self, url, body):
        self.answer(302, "moved\n", extra={"Location": "/health"})

    def hook(self, url, body):
        if self.command != "POST":
            return self.answer(405, "POST only\n")
        append_line(os.path.join(self.state_dir, "webhook.log"), body.replace("\n", "\\n"))
        self.answer(200, "ok")

    def statuspage(self, url, body):
        key = read_file(os.path.join(self.state_dir, "api_key"))
        auth_ok = bool(key) and self.headers.get("Authorization") == "OAuth " + key
        parts = url.path.split("/")
        try:
            doc = json.loads(body) if body else None
        except ValueError:
            doc = None
        append_line(os.path.join(self.state_dir, "statuspage.log"), json.dumps({
            "method": self.command, "path": url.path, "auth_ok": auth_ok, "body": doc,
        }))
        if not auth_ok:
            return self.answer(401, json.dumps({"error": "unauthorized"}), "application/json")
        if self.command == "PATCH" and len(parts) >= 2 and parts[-2] == "components":
            status = ((doc or {}).get("component") or {}).get("status")
            return self.answer(200, json.dumps({"id": parts[-1], "status": status}), "application/json")
        if self.command == "POST" and parts[-1] == "incidents":
            inc = (doc or {}).get("incident") or {}
            if not inc.get("name"):
                return self.answer(422, json.dumps({"error": "name is required"}), "application/json")
            return self.answer(201, json.dumps({"id": "inc1", "status": inc.get("status")}), "application/json")
        return self.answer(404, json.dumps({"error": "not found"}), "application/json")

    def pagerduty(self, url, body):
        """The Events API v2's own checks, as its 400 answers state them."""
        try:
            doc = json.loads(body)
        except ValueError:
            return self.answer(400, json.dumps({"status": "invalid event", "errors": ["bad JSON"]}),
                               "application/json")
        errors = []
        if not doc.get("routing_key"):
            errors.append("'routing_key' is missing or blank")
        action = doc.get("event_action")
        if action not in ("trigger", "acknowledge", "resolve"):
            errors.append("'event_action' is invalid")
        if action in ("acknowledge", "resolve") and not doc.get("dedup_key"):
            errors.append("'dedup_key' is missing or blank")
        if action == "trigger":
            payload = doc.get("payload") or {}
            for field in ("summary", "source", "severity"):
                if not payload.get(field):
                    errors.append("'payload.%s' is missing or blank" % field)
            if payload.get("severity") not in (None, "critical", "error", "warning", "info"):
                errors.append("'payload.severity' is invalid")
        if errors:
            return self.answer(400, json.dumps({"status": "invalid event", "message": "Event object is invalid",
                                                "errors": errors}), "application/json")
        self.answer(202, json.dumps({"status": "success", "message": "Event processed",
                                     "dedup_key": doc.get("dedup_key")}), "application/json")

    def opsgenie(self, url, body):
        key = read_file(os.path.join(self.state_dir, "api_key"))
        if not key or self.headers.get("Authorization") != "GenieKey " + key:
            return self.answer(422, json.dumps({"message": "Key format is not valid!"}), "application/json")
        if self.command != "POST":
            return self.answer(405, json.dumps({"message": "POST only"}), "application/json")
        self.answer(202, json.dumps({"result": "Request will be processed", "took": 0.01,
                                     "requestId": "req-1"}), "application/json")


ROUTES = [
    ("/health", Handler.health),
    ("/slow", Handler.slow),
    ("/status", Handler.status),
    ("/echo", Handler.echo),
    ("/big", Handler.big),
    ("/redirect", Handler.redirect),
    ("/hook", Handler.hook),
    ("/statuspage", Handler.statuspage),
    ("/pagerduty", Handler.pagerduty),
    ("/opsgenie", Handler.opsgenie),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()

    Handler.state_dir = args.dir
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    # The socket listens once the constructor returns: publish the port
    # atomically so a reader never sees half a number.
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
