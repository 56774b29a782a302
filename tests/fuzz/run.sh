#!/bin/sh
# run.sh [SECONDS]: builds the loader's libFuzzer target with clang (ASan and
# UBSan on) and runs it for SECONDS, 60 by default, from the seed corpus in
# tests/fuzz/corpus. Inputs it finds go to a work directory (FUZZ_DIR, a new
# /tmp folder by default), never into the source tree; a crash leaves its
# input there as crash-* and makes this script exit non-zero.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=${1:-60}
CC=${CLANG:-clang}
work=${FUZZ_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/drc-fuzz.XXXXXX")}
mkdir -p "$work/corpus"

command -v "$CC" >/dev/null || { echo "run.sh: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 77; }

# The loader and every module it uses, compiled straight from src/ with no
# configure run. Modules are found by following #include "x.h" to src/x.c,
# so a new dependency of the loader needs no change here.
srcs=
seen=" "
todo=loader
while [ -n "$todo" ]; do
	# shellcheck disable=SC2086
	set -- $todo
	m=$1
	shift
	todo="$*"
	case $seen in *" $m "*) continue ;; esac
	seen="$seen$m "
	for f in "$top/src/$m.h" "$top/src/$m.c"; do
		[ -f "$f" ] || continue
		case $f in *.c) srcs="$srcs $f" ;; esac
		todo="$todo $(sed -n 's/^#include "\([a-z0-9_]*\)\.h".*/\1/p' "$f" | tr '\n' ' ')"
	done
done
# shellcheck disable=SC2086,SC2046
"$CC" -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$top/src" "$here/fuzz_loader.c" $srcs \
    $(pkg-config --cflags --libs yaml-0.1 libcrypto libpq jansson) -o "$work/fuzz_loader"

echo "run.sh: built from$(echo "$srcs" | sed "s| $top/src/| |g")"
echo "run.sh: fuzzing for ${seconds}s; work directory $work"
cd "$work"
# -max_len covers real runbooks; -timeout makes any input slower than 10 s a
# failure (a hang); one process, since the machine is shared.
exec ./fuzz_loader -max_total_time="$seconds" -max_len=65536 -timeout=10 -error_exitcode=1 \
    -rss_limit_mb=2048 -dict="$here/runbook.dict" -artifact_prefix="$work/" \
    -print_final_stats=1 "$work/corpus" "$here/corpus"
