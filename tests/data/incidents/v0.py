#!/usr/bin/env python3
"""v0.py JOURNAL: rewrites a journal as drconsole wrote it before the schema
table (no "schema" and "mode" in run.start, no "skip" in step.end, no
"kind" in decision: a drill is marked by "drill" alone), rehashing the
chain (no key) as journal.c does: SHA-256 of prev, a newline, and the line without "hash" as compact JSON
with sorted keys and ASCII escapes."""
import hashlib
import json
import sys

path = sys.argv[1]
prev = "0" * 64
out = []
with open(path, encoding="utf-8") as f:
    for text in f:
        line = json.loads(text)
        if line["event"] == "run.start":
            line.pop("schema", None)
            line.pop("mode", None)
        if line["event"] == "step.end":
            line.pop("skip", None)
        if line["event"] == "decision":
            line.pop("kind", None)
        line.pop("hash", None)
        line["prev"] = prev
        canon = json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        prev = hashlib.sha256((line["prev"] + "\n" + canon).encode()).hexdigest()
        line["hash"] = prev
        out.append(json.dumps(line, separators=(",", ":"), ensure_ascii=False))
with open(path, "w", encoding="utf-8") as f:
    f.write("\n".join(out) + "\n")
