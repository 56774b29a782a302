#!/usr/bin/env python3
"""vault_server.py: the part of Vault's HTTP API the rehearsal needs, on loopback.

Debian 12 packages no Vault, so the rehearsal's `vault` command (cli/vault)
talks to this server as the real CLI talks to Vault, standard library only:

  GET /v1/sys/health                  200 {"initialized": true, "sealed": false, ...}
  GET /v1/sys/storage/raft/snapshot   the integrated storage's snapshot: a
                                      gzipped tar of meta.json, state.bin and
                                      SHA256SUMS (the sums of the other two),
                                      the layout Vault's raft snapshots have

The token (X-Vault-Token) must equal the content of --token-file, else 403
{"errors": ["permission denied"]}, as Vault answers a token without the
sys/storage/raft/snapshot policy. state.bin is the server's own made-up
storage (its size is --state-bytes); nothing secret is in it.
"""
import argparse
import hashlib
import io
import json
import os
import sys
import tarfile
import time
from http.server import BaseHTTPRequestHandler

from portfile_server import serve


def snapshot_bytes(state):
    """A gzipped tar laid out as a Vault raft snapshot, with STATE as state.bin."""
    meta = json.dumps({"Version": 1, "ID": "2-%d-%d" % (len(state), int(time.time() * 1000)),
                       "Index": len(state), "Term": 2, "Size": len(state)}).encode("utf-8")
    sums = "".join("%s  %s\n" % (hashlib.sha256(d).hexdigest(), n)
                   for n, d in (("meta.json", meta), ("state.bin", state))).encode("utf-8")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in (("meta.json", meta), ("state.bin", state), ("SHA256SUMS", sums)):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class Handler(BaseHTTPRequestHandler):
    server_version = "rehearsal-vault/1"
    protocol_version = "HTTP/1.1"
    token_file = ""
    state = b""

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def token_ok(self):
        try:
            with open(self.token_file, encoding="utf-8") as f:
                want = f.read().strip()
        except FileNotFoundError:
            return False
        return bool(want) and self.headers.get("X-Vault-Token") == want

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/v1/sys/health":
            return self.answer(200, {"initialized": True, "sealed": False, "standby": False,
                                     "version": "rehearsal"})
        if path != "/v1/sys/storage/raft/snapshot":
            return self.answer(404, {"errors": []})
        if not self.token_ok():
            return self.answer(403, {"errors": ["permission denied"]})
        self.answer(200, snapshot_bytes(self.state), "application/octet-stream")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--state-bytes", type=int, default=65536)
    a = ap.parse_args()
    Handler.token_file = a.token_file
    Handler.state = os.urandom(a.state_bytes)
    return serve(Handler, a.port_file)


if __name__ == "__main__":
    sys.exit(main())
