#!/bin/sh
# Runs olstate-bench's bridge section several times and prints the median of
# every key, the goals met or missed, and the load average before and after
# each run (figures taken on a loaded machine say so).
#
#   bench/bridge-median.sh [-n RUNS] [-o FOLDER] BUILD_DIR [olstate-bench options]
#
# RUNS: 5 by default. FOLDER keeps run-N.json and load.txt (default: a new
# temporary folder, printed). Each run is `olstate-bench --bridge-only
# --json` plus the options given (--quick: a short run); --all runs sections
# 1-8 in one process instead, so the in-process figures are re-measured in
# the same runs.
set -eu

runs=5
out=""
while [ $# -gt 0 ]; do
    case "$1" in
        -n) runs="$2"; shift 2 ;;
        -o) out="$2"; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) break ;;
    esac
done
[ $# -ge 1 ] || { echo "usage: $0 [-n RUNS] [-o FOLDER] BUILD_DIR [olstate-bench options]" >&2; exit 2; }
bench="$1/bench/olstate-bench"
shift
[ -x "$bench" ] || { echo "$0: no $bench (build it first: see BENCHMARKS.md)" >&2; exit 2; }
case "$runs" in ''|*[!0-9]*|0) echo "$0: -n wants a positive number, not '$runs'" >&2; exit 2 ;; esac

# Options: --bridge-only unless the caller says otherwise; --all means none.
only="--bridge-only"
extra=""
for a in "$@"; do
    case "$a" in
        --all) only="" ;;
        --bridge-only|--no-bridge) only="$a" ;;
        --json) ;;
        *) extra="$extra $a" ;;
    esac
done

[ -n "$out" ] || out=$(mktemp -d "${TMPDIR:-/tmp}/olstate-bridge-median-XXXXXX")
mkdir -p "$out"
: > "$out/load.txt"
files=""
i=1
while [ "$i" -le "$runs" ]; do
    echo "run $i before: $(uptime)" | tee -a "$out/load.txt"
    # shellcheck disable=SC2086 # the options are words on purpose
    "$bench" $only $extra --json > "$out/run-$i.json"
    files="$files $out/run-$i.json"
    i=$((i + 1))
done
echo "after: $(uptime)" | tee -a "$out/load.txt"
echo "runs in $out"
# shellcheck disable=SC2086 # one word per file (no spaces in these names)
python3 "$(dirname "$0")/median.py" --goals $files
