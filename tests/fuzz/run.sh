#!/bin/sh
# run.sh [SECONDS [TARGET]]: builds a libFuzzer target with clang (ASan and
# UBSan on) and runs it for SECONDS, 60 by default. TARGET is loader (the
# default: the runbook loader, from the seed corpus in tests/fuzz/corpus),
# shlex (the template rule against the real dash and bash: fuzz_shlex.c) or
# journal (verify, report and resume of a mutated journal, from
# tests/fuzz/journal-corpus: fuzz_journal.c). Inputs it finds go to a work
# directory (FUZZ_DIR, a new /tmp folder by default), never into the source
# tree; a crash leaves its input there as crash-* and makes this script exit
# non-zero.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=${1:-60}
target=${2:-loader}
[ -f "$here/fuzz_$target.c" ] || { echo "run.sh: no target $target (loader, shlex, journal)" >&2; exit 2; }
CC=${CLANG:-clang}
work=${FUZZ_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/drc-fuzz.XXXXXX")}
mkdir -p "$work/corpus"

command -v "$CC" >/dev/null || { echo "run.sh: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 77; }
flags="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=undefined -I$top/src"
libs="yaml-0.1 libcrypto libcurl libpq jansson"

if [ "$target" != journal ]; then
	# The modules the target includes and every module they use, compiled
	# straight from src/ with no configure run. Modules are found by
	# following #include "x.h" to src/x.c, so a new dependency needs no
	# change here.
	srcs=
	seen=" "
	todo=$(sed -n 's/^#include "\([a-z0-9_]*\)\.h".*/\1/p' "$here/fuzz_$target.c" | tr '\n' ' ')
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
	"$CC" $flags -fsanitize=fuzzer,address,undefined "$here/fuzz_$target.c" $srcs \
	    $(pkg-config --cflags --libs $libs) -o "$work/fuzz_$target"
else
	# The engine reads configure's config.h: run ./configure first.
	[ -f "${top_builddir:-$top}/config.h" ] ||
		{ echo "run.sh: no config.h: run ./configure first (or set top_builddir)" >&2; exit 2; }
	# The quotes are meant: the macros are C strings (no spaces in the path).
	# shellcheck disable=SC2089
	defs="-I${top_builddir:-$top} -DDRC_DATADIR=\"/nonexistent\" -DFUZZ_RUNBOOK=\"$top/tests/data/incidents/paced.yaml\""
	# Everything but main.c, instrumented, in an archive: the linker takes
	# the modules the target reaches (the engine reaches most of them).
	mkdir -p "$work/obj"
	# shellcheck disable=SC2086,SC2046,SC2090
	for f in "$top"/src/*.c; do
		[ "${f##*/}" = main.c ] && continue
		"$CC" $flags $defs -fsanitize=fuzzer-no-link,address,undefined \
		    $(pkg-config --cflags $libs ncursesw) -c "$f" -o "$work/obj/$(basename "$f" .c).o"
	done
	rm -f "$work/libdrc.a"
	ar rcs "$work/libdrc.a" "$work"/obj/*.o
	# shellcheck disable=SC2086,SC2046,SC2090
	"$CC" $flags $defs -fsanitize=fuzzer,address,undefined "$here/fuzz_journal.c" "$work/libdrc.a" \
	    $(pkg-config --cflags --libs $libs libssl ncursesw) -lpthread -o "$work/fuzz_journal"
fi

echo "run.sh: built fuzz_$target"
echo "run.sh: fuzzing for ${seconds}s; work directory $work"
cd "$work"
case $target in
shlex)
	# Each input runs six shells of at most 2 s: a short text says enough.
	exec ./fuzz_shlex -max_total_time="$seconds" -max_len=512 -timeout=30 -error_exitcode=1 \
	    -dict="$here/shell.dict" -artifact_prefix="$work/" -print_final_stats=1 "$work/corpus"
	;;
journal)
	# Each input is an incident written, verified, reported and resumed.
	exec ./fuzz_journal -max_total_time="$seconds" -max_len=65536 -timeout=10 -error_exitcode=1 \
	    -rss_limit_mb=2048 -dict="$here/journal.dict" -artifact_prefix="$work/" \
	    -print_final_stats=1 "$work/corpus" "$here/journal-corpus"
	;;
esac
# -max_len covers real runbooks; -timeout makes any input slower than 10 s a
# failure (a hang); one process, since the machine is shared.
exec ./fuzz_loader -max_total_time="$seconds" -max_len=65536 -timeout=10 -error_exitcode=1 \
    -rss_limit_mb=2048 -dict="$here/runbook.dict" -artifact_prefix="$work/" \
    -print_final_stats=1 "$work/corpus" "$here/corpus"
