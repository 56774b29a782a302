#!/usr/bin/env python3
"""smtp_sink.py: a tiny SMTP server on 127.0.0.1 for drconsole's email tests.

Python 3.11 has no smtpd module, so this speaks the few commands a client
needs (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), in order, and offers
no STARTTLS. Each accepted message is written to DIR/mail-N.eml as received
(dot-stuffing undone), with its envelope in DIR/mail-N.json, before the 250
that ends DATA. Recipients whose address contains "reject" get a 550.
The port goes to --port-file once the server listens.
"""
import argparse
import itertools
import json
import os
import re
import socketserver
import sys
import threading

COUNTER = itertools.count(1)
LOCK = threading.Lock()
ADDR = re.compile(r"^(MAIL FROM|RCPT TO):\s*<([^<>]*)>", re.IGNORECASE)


class Session(socketserver.StreamRequestHandler):
    out_dir = "."

    def reply(self, text):
        self.wfile.write((text + "\r\n").encode("ascii"))
        self.wfile.flush()

    def reset(self):
        self.sender = None
        self.rcpts = []

    def handle(self):
        self.greeted = False
        self.reset()
        self.reply("220 127.0.0.1 drc-sink ESMTP")
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            handler = COMMANDS.get(verb)
            if handler is None:
                self.reply("502 command not implemented")
            elif handler(self, line) == "quit":
                return

    def cmd_ehlo(self, line):
        self.greeted = True
        self.reset()
        self.reply("250-127.0.0.1 hello")
        self.reply("250-8BITMIME")
        self.reply("250 SIZE 10485760")

    def cmd_helo(self, line):
        self.greeted = True
        self.reset()
        self.reply("250 127.0.0.1 hello")

    def cmd_mail(self, line):
        m = ADDR.match(line)
        if not self.greeted:
            return self.reply("503 say EHLO first")
        if not m or m.group(1).upper() != "MAIL FROM":
            return self.reply("501 syntax: MAIL FROM:<address>")
        self.reset()
        self.sender = m.group(2)
        self.reply("250 sender ok")

    def cmd_rcpt(self, line):
        m = ADDR.match(line)
        if self.sender is None:
            return self.reply("503 need MAIL first")
        if not m or m.group(1).upper() != "RCPT TO":
            return self.reply("501 syntax: RCPT TO:<address>")
        if "reject" in m.group(2):
            return self.reply("550 no such user")
        self.rcpts.append(m.group(2))
        self.reply("250 recipient ok")

    def cmd_data(self, line):
        if not self.rcpts:
            return self.reply("503 need RCPT first")
        self.reply("354 end with <CRLF>.<CRLF>")
        data = bytearray()
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return "quit"
            if raw in (b".\r\n", b".\n"):
                break
            if raw.startswith(b"."):
                raw = raw[1:]
            data += raw
        n = self.save(bytes(data))
        self.reset()
        self.reply("250 queued as %d" % n)

    def save(self, data):
        with LOCK:
            n = next(COUNTER)
        base = os.path.join(self.out_dir, "mail-%d" % n)
        with open(base + ".json", "w", encoding="utf-8") as f:
            json.dump({"from": self.sender, "to": self.rcpts}, f)
        with open(base + ".tmp", "wb") as f:
            f.write(data)
        os.rename(base + ".tmp", base + ".eml")
        return n

    def cmd_rset(self, line):
        self.reset()
        self.reply("250 reset")

    def cmd_noop(self, line):
        self.reply("250 ok")

    def cmd_quit(self, line):
        self.reply("221 bye")
        return "quit"


COMMANDS = {
    "EHLO": Session.cmd_ehlo, "HELO": Session.cmd_helo, "MAIL": Session.cmd_mail,
    "RCPT": Session.cmd_rcpt, "DATA": Session.cmd_data, "RSET": Session.cmd_rset,
    "NOOP": Session.cmd_noop, "QUIT": Session.cmd_quit,
}


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()

    Session.out_dir = args.dir
    server = Server(("127.0.0.1", args.port), Session)
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
