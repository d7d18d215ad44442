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
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# replay WHAT MODE DIR...: scripts/fuzz.sh MODE on the inputs; any failure ends the stage.
replay() {
  local what=$1 mode=$2; shift 2
  if ! scripts/fuzz.sh "$mode" "$@" >"$log" 2>&1; then
    grep -v '^\(Running\|Executed\)' "$log" | tail -60
    echo "test-fuzz: a $what input fails (above)" >&2
    exit 1
  fi
  grep -c '^Executed' "$log" | sed 's/$/ inputs replayed, no finding/'
}

# fuzz WHAT REPLAY-MODE SECONDS HARNESS ARGS...: fuzzes from the seeds into a
# fresh scratch corpus; prints libFuzzer's figures; a finding ends the stage.
fuzz() {
  local what=$1 mode=$2 secs=$3 harness=$4; shift 4
  local status=0
  rm -rf "$scratch" && mkdir -p "$scratch" build-fuzz/crashes
  "$harness" -max_total_time="$secs" -artifact_prefix=build-fuzz/crashes/ -print_final_stats=1 \
    "$@" >"$log" 2>&1 || status=$?
  grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$log" || true
  if [ "$status" -ne 0 ]; then
    grep -v -E '^#[0-9]+ +(NEW|REDUCE|pulse)' "$log" | tail -80
    echo "test-fuzz: the $what found a failure (exit $status); input in build-fuzz/crashes/" >&2
    echo "  reproduce: scripts/fuzz.sh $mode build-fuzz/crashes/<file>" >&2
    exit 1
  fi
}

echo "--- replaying fuzz/corpus and fuzz/regressions"
replay "corpus or regression" --replay fuzz/corpus fuzz/regressions
echo "--- fuzzing for ${seconds}s"
fuzz fuzzer --replay "$seconds" build-fuzz/fuzz/olstate-fuzz -timeout=30 -rss_limit_mb=4096 -max_len=512 \
  "$scratch" fuzz/corpus fuzz/regressions

frame_seconds=${OLSTATE_FRAME_FUZZ_SECONDS:-20}
echo "--- frame decoder: replaying fuzz/frame-corpus, then fuzzing for ${frame_seconds}s"
replay "frame corpus" --frame-replay fuzz/frame-corpus
# -max_len as scripts/fuzz.sh --frame: a connection frame may be 20484 bytes.
fuzz "frame fuzzer" --frame-replay "$frame_seconds" build-fuzz/fuzz/olstate-frame-fuzz -timeout=10 -max_len=24576 \
  "$scratch" fuzz/frame-corpus
echo "test-fuzz: no finding"
