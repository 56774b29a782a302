#!/usr/bin/env bash
# bench_run.sh: throughput, memory and CPU of `drconsole run` on a step that
# prints a lot, as ratios to baselines measured in the same run.
#   usage: tests/bench/bench_run.sh [MiB]      (default 1024)
# Needs: a built ./drconsole (or $DRCONSOLE), /usr/bin/time, python3.
set -euo pipefail
MIB=${1:-1024}
top=$(cd "$(dirname "$0")/../.." && pwd)
DRC=${DRCONSOLE:-$top/drconsole}
[ -x "$DRC" ] || { echo "bench: build drconsole first ($DRC)"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install time)"; exit 1; }
scratch=$(mktemp -d /var/tmp/drc-bench.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
data=$scratch/data.txt

echo "bench: writing ${MIB} MiB of seq lines to $data"
python3 - "$data" "$MIB" <<'PY'
import sys
path, mib = sys.argv[1], int(sys.argv[2])
target = mib * 1024 * 1024
with open(path, "w") as f:
    n, size, chunk = 1, 0, []
    while size < target:
        s = "%d\n" % n
        chunk.append(s); size += len(s); n += 1
        if len(chunk) >= 100000:
            f.write("".join(chunk)); chunk = []
    f.write("".join(chunk))
PY
bytes=$(stat -c %s "$data")
lines=$(wc -l < "$data")
echo "bench: $bytes bytes, $lines lines"

# seconds, user+sys CPU seconds and peak RSS (KiB) of a command, via time -v
measure() {
  local out=$scratch/time.txt
  /usr/bin/time -v -o "$out" "$@" > /dev/null
  local wall user sys rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out")
  user=$(awk -F': ' '/User time/ {print $2}' "$out")
  sys=$(awk -F': ' '/System time/ {print $2}' "$out")
  rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$out")
  wall=$(python3 -c "import sys; p=sys.argv[1].split(':'); print(sum(float(x)*60**i for i,x in enumerate(reversed(p))))" "$wall")
  echo "$wall $user $sys $rss"
}

cat > "$scratch/pipe.yaml" <<YAML
id: bench-pipe
title: Bench pipe
objectives: { rto: 4h, rpo: 15m }
steps:
  - { id: flood, title: Flood, run: 'cat $data', confirm: no }
YAML
sed -e 's/bench-pipe/bench-pty/' -e "s/confirm: no }/confirm: no, pty: true }/" "$scratch/pipe.yaml" > "$scratch/pty.yaml"
cat > "$scratch/idle.yaml" <<YAML
id: bench-idle
title: Bench idle
objectives: { rto: 4h, rpo: 15m }
steps:
  - { id: wait, title: Wait, run: 'sleep 5', confirm: no }
YAML

# The machine's speed drifts (other tenants, the page cache, writeback of
# the previous round): baseline and drconsole alternate, three rounds, and
# the median of each is compared.
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
b_walls=() p_walls=() w_walls=()
for round in 1 2 3; do
  echo "bench: round $round: baseline: cat FILE | cat > /dev/null"
  read -r w _ _ _ <<< "$(measure sh -c "cat '$data' | cat")"
  b_walls+=("$w")
  echo "bench: round $round: drconsole run, pipe step, stdout to /dev/null (journal and output file written as usual)"
  rm -rf "$scratch/inc-pipe"
  read -r w p_user p_sys p_rss <<< "$(measure "$DRC" run --yes --incident-dir "$scratch/inc-pipe" "$scratch/pipe.yaml")"
  p_walls+=("$w")
  echo "bench: round $round: the same, stdout to a pipe (every line formatted and printed)"
  rm -rf "$scratch/inc-pipe"
  read -r w _ _ _ <<< "$(measure sh -c "'$DRC' run --yes --incident-dir '$scratch/inc-pipe' '$scratch/pipe.yaml' | cat")"
  w_walls+=("$w")
done
b_wall=$(median "${b_walls[@]}")
p_wall=$(median "${p_walls[@]}")
w_wall=$(median "${w_walls[@]}")
echo "bench: baseline: the same bytes through a raw pty"
read -r t_wall t_user t_sys _ <<< "$(measure python3 -c '
import os, pty, sys, tty
pid, fd = pty.fork()
if pid == 0:
    tty.setraw(0)
    os.execvp("cat", ["cat", sys.argv[1]])
while True:
    try:
        b = os.read(fd, 65536)
    except OSError:
        break
    if not b:
        break
os.waitpid(pid, 0)
' "$data")"
echo "bench: drconsole run, pty: true step"
read -r q_wall q_user q_sys q_rss <<< "$(measure "$DRC" run --yes --incident-dir "$scratch/inc-pty" "$scratch/pty.yaml")"
echo "bench: idle: a step that sleeps 5 s"
read -r i_wall i_user i_sys i_rss <<< "$(measure "$DRC" run --yes --incident-dir "$scratch/inc-idle" "$scratch/idle.yaml")"

python3 - <<PY
gib = $bytes / 2**30
b = $b_wall; p = $p_wall; w = $w_wall; t = $t_wall; q = $q_wall
print("")
print("results (%.2f GiB, %d lines)" % (gib, $lines))
print("  (medians of 3 rounds: baseline %s, drconsole %s)" % ("${b_walls[*]}", "${p_walls[*]}"))
print("  pipe baseline          %7.2f s  %8.1f MiB/s" % (b, $bytes / 2**20 / b))
print("  drconsole pipe step    %7.2f s  %8.1f MiB/s  throughput ratio %.2f (target >= 0.5)" % (p, $bytes / 2**20 / p, b / p))
print("    peak RSS             %7.1f MiB (target < 16)" % ($p_rss / 1024))
print("    CPU                  %7.2f s per GiB (user %.2f + sys %.2f, last round)" % (($p_user + $p_sys) / gib, $p_user, $p_sys))
print("  same, stdout to a pipe %7.2f s  %8.1f MiB/s  throughput ratio %.2f (every line marked and printed)" % (w, $bytes / 2**20 / w, b / w))
print("  raw pty baseline       %7.2f s  %8.1f MiB/s" % (t, $bytes / 2**20 / t))
print("  drconsole pty step     %7.2f s  %8.1f MiB/s  throughput ratio %.2f" % (q, $bytes / 2**20 / q, t / q))
print("    peak RSS             %7.1f MiB" % ($q_rss / 1024))
print("    CPU                  %7.2f s per GiB" % (($q_user + $q_sys) / gib))
print("  idle 5 s step          CPU %.3f s over %.1f s wall (target ~0)" % ($i_user + $i_sys, $i_wall))
PY
