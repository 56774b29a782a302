#!/usr/bin/env python3
"""gen_journal.py N DIR: writes DIR/journal.jsonl (and journal.head), a
well-formed, hash-chained incident journal (no key) of exactly N events for
bench_fold.sh: a run.start, then 40 steps attempted over and over (start,
end, a retry after each failure), a note every 50 events and a decision
every 100, and a run.end. Lines are of the shape the engine writes (about 250
bytes); no output files (step.end names none). The chain is computed as journal.c does: SHA-256
of prev, a newline, and the line without "hash" as compact JSON with sorted
keys and ASCII escapes."""
import hashlib
import json
import os
import sys

n = int(sys.argv[1])
out_dir = sys.argv[2]
os.makedirs(out_dir, mode=0o700, exist_ok=True)
STEPS = 40
T0 = 1796000000000  # ms


def ts(ms):
    s, m = divmod(ms, 1000)
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%03dZ" % m


prev = "0" * 64
seq = 0
clock = T0
with open(os.path.join(out_dir, "journal.jsonl"), "w", encoding="utf-8") as f:
    def emit(event, **fields):
        global prev, seq, clock
        seq += 1
        clock += 7
        line = {"seq": seq, "ts": ts(clock), "event": event, "operator": "bench"}
        line.update({k: v for k, v in fields.items() if v is not None})
        line["prev"] = prev
        canon = json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        prev = hashlib.sha256((prev + "\n" + canon).encode()).hexdigest()
        line["hash"] = prev
        f.write(json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n")

    emit("run.start", schema=1, mode="drill", drill=True, environment="staging",
         runbook={"id": "bench", "title": "Bench", "path": "/nonexistent/bench.yaml",
                  "sha256": "0" * 64, "scenario": None},
         host="bench", version="0", incident="bench", pid=1,
         objectives={"rto_ms": 3600000, "rpo_ms": 0}, params={"region": "us-west-2"})
    k = 0
    while seq < n - 1:
        i = k % STEPS
        attempt = k // STEPS + 1
        sid = "step-%02d" % i
        failed = k % 3 == 0
        if seq < n - 1:
            emit("step.start", step=sid, index=i + 1, attempt=attempt, kind="run", drill=True,
                 command="pg_ctl -D /var/lib/postgresql/15/main promote && echo promoted %d" % k)
        if seq < n - 1:
            emit("step.end", step=sid, index=i + 1, status="failed" if failed else "ok",
                 exit_code=1 if failed else 0, exit="exited 1" if failed else "exited 0",
                 duration_ms=1234, attempt=attempt, drill=True, lines=3,
                 reason="exited 1" if failed else None)
        if failed and seq < n - 1:
            emit("step.retry", step=sid, index=i + 1, next_attempt=attempt + 1, delay_ms=10,
                 reason="exited 1", drill=True)
        if seq % 50 == 0 and seq < n - 1:
            emit("note", text="replica lag is %d ms and falling" % k, drill=True)
        if seq % 100 == 0 and seq < n - 1:
            emit("decision", step=sid, index=i + 1, decision="retry", drill=True)
        k += 1
    emit("run.end", status="completed", duration_ms=clock - T0, steps={"ok": STEPS}, drill=True)
with open(os.path.join(out_dir, "journal.head"), "w", encoding="utf-8") as f:
    f.write(json.dumps({"seq": seq, "hash": prev}, separators=(",", ":")) + "\n")
