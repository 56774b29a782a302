#!/usr/bin/env python3
"""health.py PORT APP_DIR PSQL: the sandbox app's health endpoint.

GET /health answers 200 when the database named in APP_DIR/conninfo (read
for every request, like the app) accepts writes, and 503 otherwise: down,
unreachable, or a read-only standby. Listens on 127.0.0.1:PORT, writes its
pid to APP_DIR/health.pid once it listens, and exits when APP_DIR is
deleted. Python 3 standard library.
"""
import os, subprocess, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, APP, PSQL = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ENV = dict(os.environ, PGPASSFILE=os.path.join(APP, "pgpass"), PGCONNECT_TIMEOUT="2",
           PGAPPNAME="shop-health")
WRITABLE = "SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'"


class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/health":
            return self.reply(404, "not found")
        with open(os.path.join(APP, "conninfo")) as f:
            dsn = f.read().strip()
        try:
            r = subprocess.run([PSQL, "-X", "-At", "-d", dsn, "-c", WRITABLE], env=ENV,
                               capture_output=True, text=True, timeout=5)
            ok, why = r.stdout.strip() == "t", (r.stderr.strip() or "read-only (a standby)")
        except subprocess.TimeoutExpired:
            ok, why = False, "no answer within 5 s"
        if ok:
            self.reply(200, "ok: %s accepts writes" % dsn)
        else:
            self.reply(503, "unhealthy: %s: %s" % (dsn, why.splitlines()[0]))

    def reply(self, status, text):
        body = (text + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stdout.write("%s %s\n" % (self.log_date_time_string(), fmt % args))
        sys.stdout.flush()


def watchdog():
    # Like the writer, end when the sandbox's app folder is deleted.
    while os.path.isdir(APP):
        time.sleep(1)
    os._exit(0)


server = ThreadingHTTPServer(("127.0.0.1", PORT), Health)
threading.Thread(target=watchdog, daemon=True).start()
with open(os.path.join(APP, "health.pid"), "w") as f:
    f.write("%d\n" % os.getpid())
server.serve_forever()
