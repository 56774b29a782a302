#!/usr/bin/env python3
"""journal_stats.py INCIDENT_DIR: one rehearsal's numbers, from its journal.

Prints shell assignments (sourced by rehearse.sh):
  run_status       run.end's status (completed, failed, aborted...)
  elapsed_ms       run.end's duration_ms: the recovery time measured
  steps_ms         the sum of every step.end's duration_ms (each attempt)
  waits_ms         the sum of step.retry's delay_ms: waits the runbook
                   prescribes (retry_delay), not drconsole's time
  overhead_ms      elapsed_ms - steps_ms - waits_ms: drconsole's own time
  data_loss        the last data_loss_minutes capture, an operator's note
                   "data_loss_minutes: N" after it winning (empty: none)
  stand_ins        ids of steps that ran an environment's stand-in
  failed_steps     ids of steps whose last end was not ok or skipped
"""
import json
import re
import shlex
import sys


def main():
    d = sys.argv[1]
    elapsed = steps = waits = 0
    status = "unfinished"
    loss = ""
    stand_ins, last_status = [], {}
    try:
        lines = open(d + "/journal.jsonl", encoding="utf-8").readlines()
    except FileNotFoundError:
        status, lines = "not-started", []
    if True:
        for line in lines:
            ev = json.loads(line)
            kind = ev.get("event")
            if kind == "step.start" and ev.get("stand_in"):
                if ev["step"] not in stand_ins:
                    stand_ins.append(ev["step"])
            elif kind == "step.end":
                steps += int(ev.get("duration_ms") or 0)
                last_status[ev["step"]] = ev.get("status")
                cap = ev.get("capture") or {}
                if "data_loss_minutes" in cap:
                    loss = str(cap["data_loss_minutes"])
            elif kind == "step.retry":
                waits += int(ev.get("delay_ms") or 0)
            elif kind == "note":
                m = re.search(r"data_loss_minutes:\s*([0-9.]+)", str(ev.get("text", "")))
                if m:
                    loss = m.group(1)
            elif kind == "run.end":
                elapsed = int(ev.get("duration_ms") or 0)
                status = ev.get("status", "")
    failed = [s for s, st in last_status.items() if st not in ("ok", "skipped")]
    out = {"run_status": status, "elapsed_ms": elapsed, "steps_ms": steps, "waits_ms": waits,
           "overhead_ms": elapsed - steps - waits, "data_loss": loss,
           "stand_ins": " ".join(stand_ins), "failed_steps": " ".join(failed)}
    for k, v in out.items():
        print("%s=%s" % (k, shlex.quote(str(v))))


if __name__ == "__main__":
    main()
