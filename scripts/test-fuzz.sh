#!/usr/bin/env bash
# CI stage (run by scripts/test.sh): builds the libFuzzer harness, replays
# the seed corpus and every regression input (fuzz/regressions/: one file per
# crash the fuzzer ever found), then fuzzes for a short while (default 60 s)
# from the seeds into a scratch corpus. Any crash, leak, timeout or oracle
# violation fails the stage; the failing input is left in build-fuzz/crashes/.
#
# Then the same, briefly, for the bridge's frame decoder (fuzz/frame_fuzz.cpp,
# seeds in fuzz/frame-corpus/; default 20 s, OLSTATE_FRAME_FUZZ_SECONDS).
#
# usage: scripts/test-fuzz.sh [seconds]     (long runs: scripts/fuzz.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-${OLSTATE_FUZZ_SMOKE_SECONDS:-60}}

scripts/fuzz.sh --build-only

log=$(mktemp)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch" "$log"' EXIT

echo "--- replaying fuzz/corpus and fuzz/regressions"
if ! scripts/fuzz.sh --replay fuzz/corpus fuzz/regressions >"$log" 2>&1; then
  grep -v '^\(Running\|Executed\)' "$log" | tail -60
  echo "test-fuzz: a corpus or regression input fails (above)" >&2
  exit 1
fi
grep -c '^Executed' "$log" | sed 's/$/ inputs replayed, no finding/'

echo "--- fuzzing for ${seconds}s"
mkdir -p build-fuzz/crashes
status=0
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
  build-fuzz/olstate-fuzz -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -max_len=512 \
    -artifact_prefix=build-fuzz/crashes/ -print_final_stats=1 \
    "$scratch" fuzz/corpus fuzz/regressions >"$log" 2>&1 || status=$?
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$log" || true
if [ "$status" -ne 0 ]; then
  grep -v -E '^#[0-9]+ +(NEW|REDUCE|pulse)' "$log" | tail -80
  echo "test-fuzz: the fuzzer found a failure (exit $status); input in build-fuzz/crashes/" >&2
  echo "  reproduce: scripts/fuzz.sh --replay build-fuzz/crashes/<file>" >&2
  exit 1
fi
echo "--- frame decoder: replaying fuzz/frame-corpus, then fuzzing for ${OLSTATE_FRAME_FUZZ_SECONDS:-20}s"
if ! scripts/fuzz.sh --frame-replay fuzz/frame-corpus >"$log" 2>&1; then
  tail -40 "$log"
  echo "test-fuzz: a frame corpus input fails (above)" >&2
  exit 1
fi
frame_scratch=$(mktemp -d)
status=0
build-fuzz/olstate-frame-fuzz -max_total_time="${OLSTATE_FRAME_FUZZ_SECONDS:-20}" -timeout=10 -max_len=8192 \
  -artifact_prefix=build-fuzz/crashes/ -print_final_stats=1 \
  "$frame_scratch" fuzz/frame-corpus >"$log" 2>&1 || status=$?
rm -rf "$frame_scratch"
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec)' "$log" || true
if [ "$status" -ne 0 ]; then
  grep -v -E '^#[0-9]+ +(NEW|REDUCE|pulse)' "$log" | tail -60
  echo "test-fuzz: the frame fuzzer found a failure (exit $status); input in build-fuzz/crashes/" >&2
  echo "  reproduce: scripts/fuzz.sh --frame-replay build-fuzz/crashes/<file>" >&2
  exit 1
fi
echo "test-fuzz: no finding"
