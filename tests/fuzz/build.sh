#!/usr/bin/env bash
# tests/fuzz/build.sh [NAME...] - builds the libFuzzer targets tests/fuzz/fuzz_*.c
# (all of them, or the named ones: "cert" or "fuzz_cert") into build-fuzz/
# with clang 14, -fsanitize=fuzzer,address,undefined.
#
# Each target is compiled together with the library sources it needs, not
# linked against the CMake build, so that every line under test carries the
# fuzzer's coverage instrumentation.  The sources are either listed in the
# target's own comment, on lines "fuzz-sources: src/lib/a.c src/lib/b.c", or
# found by following its #include "..." lines: "certmap/x.h" and "x.h" map to
# src/lib/x.c, src/lib/x/*.c, src/server/x.c or src/cli/x.c, transitively.
#
# Environment: FUZZ_CC (default clang-14), FUZZ_OUT (default <repo>/build-fuzz).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_OUT:-$root/build-fuzz}
cc=${FUZZ_CC:-clang-14}
need="clang-14 libclang-rt-14-dev libfuzzer-14-dev"

if ! command -v "$cc" >/dev/null 2>&1; then
    echo "build.sh: $cc not found; install it with: apt-get install -y $need" >&2
    exit 2
fi
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
    "$cc" -x c -fsanitize=fuzzer,address,undefined - -o /dev/null 2>/dev/null; then
    echo "build.sh: $cc cannot link libFuzzer; install: apt-get install -y $need" >&2
    exit 2
fi

cflags=(-g -O1 -std=c11 -D_GNU_SOURCE -DCERTMAP_VERSION=\"fuzz\"
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter -Werror
    -I"$root/include" -I"$root/src/lib" -I"$root/src" -I"$root/src/server" -I"$root/src/cli")
libs=(-Wl,--as-needed -lssl -lcrypto -lpam -lcrypt -lpthread -lpcre2-8 -lldap -llber)
if pkg-config --exists libxml-2.0 2>/dev/null; then
    read -r -a xml_cflags <<<"$(pkg-config --cflags libxml-2.0)"
    read -r -a xml_libs <<<"$(pkg-config --libs libxml-2.0)"
    cflags+=("${xml_cflags[@]}")
    libs+=("${xml_libs[@]}")
fi

# Library sources that implement header $1 as included from directory $2.
header_sources() {
    local inc=$1 dir=$2 base
    base=${inc#certmap/}
    base=${base%.h}
    for f in "$dir/$base.c" "$root/src/lib/$base.c" "$root/src/server/$base.c" \
        "$root/src/cli/$base.c" "$root/src/lib/$base"/*.c; do
        [ -f "$f" ] && readlink -f "$f"
    done | sort -u
}

# The sources target $1 needs, one per line.
target_sources() {
    local target=$1 listed f inc c
    listed=$(sed -n 's/^.*fuzz-sources:[[:space:]]*//p' "$target" | tr '\n' ' ')
    if [ -n "$listed" ]; then
        for f in $listed; do
            [ -f "$root/$f" ] || { echo "build.sh: $target lists missing $f" >&2; return 1; }
            echo "$root/$f"
        done
        return 0
    fi
    declare -A seen=()
    local queue=("$target") out=("$root/src/lib/error.c")
    seen["$root/src/lib/error.c"]=1
    while [ ${#queue[@]} -gt 0 ]; do
        f=${queue[0]}
        queue=("${queue[@]:1}")
        for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
            for c in $(header_sources "$inc" "$(dirname "$f")"); do
                [ -n "${seen[$c]:-}" ] && continue
                seen[$c]=1
                out+=("$c")
                queue+=("$c")
            done
        done
    done
    printf '%s\n' "${out[@]}"
}

targets=()
if [ $# -eq 0 ]; then
    targets=("$root"/tests/fuzz/fuzz_*.c)
else
    for n in "$@"; do
        n=${n#fuzz_}
        targets+=("$root/tests/fuzz/fuzz_${n%.c}.c")
    done
fi

mkdir -p "$out"
status=0
for t in "${targets[@]}"; do
    [ -f "$t" ] || { echo "build.sh: no such target $t" >&2; status=1; continue; }
    name=$(basename "$t" .c)
    mapfile -t srcs < <(target_sources "$t")
    echo "build.sh: $name <- ${srcs[*]#"$root/"}"
    if ! "$cc" "${cflags[@]}" "$t" "${srcs[@]}" -o "$out/$name" "${libs[@]}"; then
        echo "build.sh: $name FAILED to build" >&2
        status=1
    fi
done
exit $status
