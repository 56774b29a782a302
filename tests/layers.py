#!/usr/bin/env python3
"""layers.py: the include rules between drconsole's layers, checked over
src/ (run by make check). A file "reaches" a header when it includes it
directly or through the project headers it includes.

  1. engine*.c and engine*.h never reach report.h, the readers (follow.h,
     scorecard.h), a front end's headers (ui*.h, cmd_*.h) or curses.
  2. base and loop modules (xmalloc log clock strbuf duration diag srcpos
     fileutil crypto jsonget loop job outbuf hashpipe reaper) never reach
     the runbook model (runbook.h) or the engine (engine.h).
  3. only ui*.c and ui*.h reach curses.
  4. the run policy (runpolicy.*) never reaches a front end, a reader,
     report.h or curses: both front ends call it.

With --self-test it also plants a violation of each rule in a copy of src/
and fails unless every one is caught."""
import os
import re
import shutil
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
CURSES = {"curses.h", "ncurses.h", "ncursesw/curses.h", "ncursesw/ncurses.h"}
BASE = ["xmalloc", "log", "clock", "strbuf", "duration", "diag", "srcpos", "fileutil", "crypto",
        "jsonget", "loop", "job", "job_child", "outbuf", "hashpipe", "reaper"]
FRONT = re.compile(r'^(ui.*|cmd_.*)\.h$')
READERS = {"report.h", "follow.h", "scorecard.h"}


def direct_includes(src):
    """{file: [(system?, header)]} for every .c and .h of src."""
    out = {}
    for name in os.listdir(src):
        if name.endswith((".c", ".h")):
            with open(os.path.join(src, name), encoding="utf-8", errors="replace") as f:
                out[name] = [(kind == "<", hdr) for kind, hdr in INCLUDE.findall(f.read())]
    return out


def reach(files, name, seen=None):
    """Every header name reaches, project headers followed."""
    seen = set() if seen is None else seen
    for system, hdr in files.get(name, []):
        if hdr in seen:
            continue
        seen.add(hdr)
        if not system and hdr in files:
            reach(files, hdr, seen)
    return seen


def violations(src):
    files = direct_includes(src)
    bad = []
    for name in sorted(files):
        got = reach(files, name)
        stem = name.rsplit(".", 1)[0]
        if name.startswith("engine"):
            for hdr in sorted(got):
                if hdr in READERS or FRONT.match(hdr) or hdr in CURSES:
                    bad.append("rule 1: %s reaches %s (the engine is below readers and front ends)" % (name, hdr))
        if stem in BASE:
            for hdr in sorted(got & {"runbook.h", "engine.h"}):
                bad.append("rule 2: %s reaches %s (base knows no runbook and no engine)" % (name, hdr))
        if not name.startswith("ui"):
            for hdr in sorted(got & CURSES):
                bad.append("rule 3: %s reaches %s (only ui*.c may use curses)" % (name, hdr))
        if stem == "runpolicy":
            for hdr in sorted(got):
                if hdr in READERS or FRONT.match(hdr) or hdr in CURSES:
                    bad.append("rule 4: %s reaches %s (the policy is below both front ends)" % (name, hdr))
    return bad


def self_test(src):
    """Each rule catches a planted violation."""
    plants = [("engine_end.c", "report.h", "rule 1"), ("strbuf.c", "runbook.h", "rule 2"),
              ("diag.h", "engine.h", "rule 2"), ("cond.c", "<curses.h>", "rule 3"),
              ("runpolicy.c", "ui.h", "rule 4")]
    ok = True
    for victim, hdr, rule in plants:
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, "src")
            shutil.copytree(src, copy, ignore=shutil.ignore_patterns("*.o", "*.a", ".deps", ".dirstamp"))
            line = "#include %s\n" % (hdr if hdr.startswith("<") else '"%s"' % hdr)
            with open(os.path.join(copy, victim), "a", encoding="utf-8") as f:
                f.write(line)
            caught = [v for v in violations(copy) if v.startswith(rule + ": ")]
            if caught:
                print("ok - self-test: %s in %s is caught by %s" % (hdr, victim, rule))
            else:
                print("not ok - self-test: %s in %s is not caught by %s" % (hdr, victim, rule))
                ok = False
    return ok


def main():
    top = os.environ.get("top_srcdir") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    src = os.path.join(top, "src")
    bad = violations(src)
    for v in bad:
        print("not ok - " + v)
    if not bad:
        print("ok - every include follows the layer rules")
    ok = not bad
    if "--self-test" in sys.argv[1:]:
        ok = self_test(src) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
