#!/usr/bin/env bash
# Builds the libFuzzer harness (fuzz/olstate_fuzz.cpp) and fuzzes olstate's
# C ABI for the given number of seconds (default 1200), starting from the
# seed corpus in fuzz/corpus/. New inputs go to build-fuzz/corpus/ (the
# seeds are left alone); crashes to build-fuzz/crashes/. Every crash is a
# finding: minimize it, add it to fuzz/regressions/ and fix the cause.
#
# The build is meson's (-Dfuzz=true: fuzz/meson.build), with clang, a static
# olstate, ASan+UBSan and -fsanitize=fuzzer-no-link on every source; the
# simulator lands next to the harness (as a link to the one meson builds),
# where a static olstate looks for it.
#
# A second, small harness (fuzz/frame_fuzz.cpp) fuzzes the bridge's frame
# decoder and stream reader alone, from fuzz/frame-corpus/.
#
# usage: scripts/fuzz.sh [seconds] [extra libFuzzer flags...]
#        scripts/fuzz.sh --build-only
#        scripts/fuzz.sh --replay FILE_OR_DIR...   (run inputs once each)
#        scripts/fuzz.sh --frame [seconds]         (the frame decoder harness)
#        scripts/fuzz.sh --frame-replay FILE_OR_DIR...
# env:   OLSTATE_FUZZ_JOBS   parallel fuzzing jobs (default 1)
#        OLSTATE_FUZZ_SKIP   "order": skip the QUEUED ordering oracle
#        OLSTATE_FUZZ_BUILD  build folder (default build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${OLSTATE_FUZZ_BUILD:-build-fuzz}
mkdir -p "$out"
out=$(cd "$out" && pwd)

for tool in clang++ meson ninja; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool is missing (apt-get install clang libclang-rt-14-dev meson ninja-build)" >&2; exit 2; }
done
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long){return 0;}' |
     clang++ -x c++ -fsanitize=fuzzer - -o "$out/.probe" 2>/dev/null; then
  echo "fuzz.sh: clang++ cannot link -fsanitize=fuzzer (apt-get install libclang-rt-14-dev)" >&2
  exit 2
fi
rm -f "$out/.probe"

if [ ! -d "$out/meson-private" ]; then
  CC=clang CXX=clang++ meson setup "$out" -Dfuzz=true -Dbindings=false -Ddefault_library=static \
    -Ddebug=true -Doptimization=1 -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined' \
    -Dcpp_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined' >/dev/null
fi
ninja -C "$out" >/dev/null || ninja -C "$out"
fuzzer="$out/fuzz/olstate-fuzz"
frame_fuzzer="$out/fuzz/olstate-frame-fuzz"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# Collects files from FILE_OR_DIR arguments into the array `files`.
collect() {
  files=()
  for arg in "$@"; do
    if [ -d "$arg" ]; then
      while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$arg" -type f ! -name '*.md' -print0 | sort -z)
    else files+=("$arg"); fi
  done
}

case "${1:-}" in
  --build-only) echo "built $fuzzer and $frame_fuzzer"; exit 0 ;;
  --frame-replay)
    shift
    [ $# -gt 0 ] || set -- fuzz/frame-corpus
    collect "$@"
    [ ${#files[@]} -gt 0 ] || { echo "nothing to replay"; exit 0; }
    exec "$frame_fuzzer" -runs=1 "${files[@]}"
    ;;
  --frame)
    shift
    frame_seconds=${1:-600}
    mkdir -p "$out/frame-corpus" "$out/crashes"
    # -max_len: room for the longest frame (a connection frame, 4 + 20480
    # bytes: kMaxConnectionFrame) and the frame after it.
    exec "$frame_fuzzer" -max_total_time="$frame_seconds" -max_len=24576 -timeout=10 \
      -artifact_prefix="$out/crashes/" -print_final_stats=1 "$out/frame-corpus" "$root/fuzz/frame-corpus"
    ;;
  --replay)
    shift
    [ $# -gt 0 ] || set -- fuzz/corpus fuzz/regressions
    collect "$@"
    [ ${#files[@]} -gt 0 ] || { echo "nothing to replay"; exit 0; }
    # Each input several times: the two-thread inputs race differently each run.
    exec "$fuzzer" -runs=3 -timeout=60 "${files[@]}"
    ;;
esac

seconds=${1:-1200}
[ $# -gt 0 ] && shift
mkdir -p "$out/corpus" "$out/crashes"
jobs=${OLSTATE_FUZZ_JOBS:-1}
echo "fuzzing for ${seconds}s ($jobs job(s)); corpus $out/corpus, crashes $out/crashes"
args=(-max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -max_len=512
      -artifact_prefix="$out/crashes/" -print_final_stats=1 -use_value_profile=1)
[ "$jobs" -gt 1 ] && args+=(-fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
exec "$fuzzer" "${args[@]}" "$@" "$out/corpus" "$root/fuzz/corpus" "$root/fuzz/regressions"
