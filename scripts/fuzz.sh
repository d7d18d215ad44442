#!/usr/bin/env bash
# Builds the libFuzzer harness (fuzz/olstate_fuzz.cpp) and fuzzes olstate's
# C ABI for the given number of seconds (default 1200), starting from the
# seed corpus in fuzz/corpus/. New inputs go to build-fuzz/corpus/ (the
# seeds are left alone); crashes to build-fuzz/crashes/. Every crash is a
# finding: minimize it, add it to fuzz/regressions/ and fix the cause.
#
# The build does not use meson: the shim's sources (read from
# shim/meson.build and shim/sim/meson.build) are compiled with
# clang++ -fsanitize=fuzzer-no-link,address,undefined into a static olstate,
# the simulator into build-fuzz/libolstate_sim.so next to the harness (where
# a static olstate looks for it, and where the harness links it, so the
# process holds one simulator).
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
#        OLSTATE_FUZZ_SKIP   "order": skip the QUEUED ordering oracle (for a
#                            long run while that known finding is open)
#        OLSTATE_FUZZ_BUILD  build folder (default build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${OLSTATE_FUZZ_BUILD:-build-fuzz}
mkdir -p "$out"
out=$(cd "$out" && pwd)

for tool in clang++ ninja; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool is missing (apt-get install clang libclang-rt-14-dev ninja-build)" >&2; exit 2; }
done
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long){return 0;}' |
     clang++ -x c++ -fsanitize=fuzzer - -o "$out/.probe" 2>/dev/null; then
  echo "fuzz.sh: clang++ cannot link -fsanitize=fuzzer (apt-get install libclang-rt-14-dev)" >&2
  exit 2
fi
rm -f "$out/.probe"

version=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" meson.build | head -1)
# The sources meson builds on this platform: every quoted .cpp in the two
# meson.build files (the Windows provider lives in its own subdir file).
shim_sources=$(grep -o "'[^']*\.cpp'" shim/meson.build | tr -d "'" | sed 's|^|shim/|')
sim_sources=$(grep -o "'[^']*\.cpp'" shim/sim/meson.build | tr -d "'" | sed 's|^|shim/sim/|')

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
common="-std=c++20 -g -O1 -fPIC -pthread -Wall -Wextra -Wpedantic -Werror $san"
{
  echo "root = $root"
  echo "common = $common"
  echo "rule cxx"
  echo "  command = clang++ \$common \$flags -MMD -MF \$out.d -c \$in -o \$out"
  echo "  depfile = \$out.d"
  echo "  deps = gcc"
  echo "  description = CXX \$out"
  echo "rule link"
  echo "  command = clang++ \$common \$flags \$in -o \$out \$libs"
  echo "  description = LINK \$out"
  shim_flags="-fsanitize=fuzzer-no-link -I\$root/include -I\$root/shim -DOLSTATE_STATIC -DOLSTATE_BUILDING -DOLSTATE_VERSION=\\\"$version\\\""
  sim_flags="-fsanitize=fuzzer-no-link -I\$root/shim -I\$root/shim/sim -fvisibility=hidden -DOLSTATE_SIM_BUILDING"
  shim_objs=""
  for s in $shim_sources; do
    o="obj/${s//\//_}.o"
    echo "build $o: cxx \$root/$s"
    echo "  flags = $shim_flags"
    shim_objs="$shim_objs $o"
  done
  sim_objs=""
  for s in $sim_sources; do
    o="obj/sim_${s//\//_}.o"
    echo "build $o: cxx \$root/$s"
    echo "  flags = $sim_flags"
    sim_objs="$sim_objs $o"
  done
  echo "build obj/olstate_fuzz.o: cxx \$root/fuzz/olstate_fuzz.cpp"
  echo "  flags = -fsanitize=fuzzer-no-link -I\$root/include -I\$root/shim/sim -DOLSTATE_STATIC"
  echo "build libolstate_sim.so: link $sim_objs"
  echo "  flags = -shared"
  echo "  libs = -ldl"
  echo "build obj/frame_fuzz.o: cxx \$root/fuzz/frame_fuzz.cpp"
  echo "  flags = -fsanitize=fuzzer-no-link -I\$root/include -I\$root/shim"
  echo "build olstate-frame-fuzz: link obj/frame_fuzz.o obj/shim_bridge_protocol.cpp.o obj/shim_bridge_frame_io.cpp.o obj/shim_text_utf.cpp.o"
  echo "  flags = -fsanitize=fuzzer"
  echo "build olstate-fuzz: link obj/olstate_fuzz.o $shim_objs | libolstate_sim.so"
  echo "  flags = -fsanitize=fuzzer"
  echo "  libs = -L. -lolstate_sim -Wl,-rpath,'\$\$ORIGIN' -ldl"
} > "$out/build.ninja.new"
cmp -s "$out/build.ninja.new" "$out/build.ninja" 2>/dev/null || mv "$out/build.ninja.new" "$out/build.ninja"
rm -f "$out/build.ninja.new"
mkdir -p "$out/obj"
ninja -C "$out" >/dev/null || ninja -C "$out"

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
  --build-only) echo "built $out/olstate-fuzz and $out/olstate-frame-fuzz"; exit 0 ;;
  --frame-replay)
    shift
    [ $# -gt 0 ] || set -- fuzz/frame-corpus
    collect "$@"
    [ ${#files[@]} -gt 0 ] || { echo "nothing to replay"; exit 0; }
    exec "$out/olstate-frame-fuzz" -runs=1 "${files[@]}"
    ;;
  --frame)
    shift
    frame_seconds=${1:-600}
    mkdir -p "$out/frame-corpus" "$out/crashes"
    exec "$out/olstate-frame-fuzz" -max_total_time="$frame_seconds" -max_len=8192 -timeout=10 \
      -artifact_prefix="$out/crashes/" -print_final_stats=1 "$out/frame-corpus" "$root/fuzz/frame-corpus"
    ;;
  --replay)
    shift
    [ $# -gt 0 ] || set -- fuzz/corpus fuzz/regressions
    collect "$@"
    [ ${#files[@]} -gt 0 ] || { echo "nothing to replay"; exit 0; }
    # Each input several times: the two-thread inputs race differently each run.
    exec "$out/olstate-fuzz" -runs=3 -timeout=60 "${files[@]}"
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
exec "$out/olstate-fuzz" "${args[@]}" "$@" "$out/corpus" "$root/fuzz/corpus" "$root/fuzz/regressions"
