#!/usr/bin/env bash
# Line and branch coverage of shim/ (Linux sources) over the native suites
# (api, unit, stress, abi, sim, hostile, bridge), with gcovr. Prints the summary,
# writes build-coverage/coverage.html (annotated sources) and
# build-coverage/coverage.txt (every file, with its uncovered lines).
# shim/base/win/, shim/provider/com/win/, shim/bridge/win/ and the named-pipe transport are
# Windows-only (they do not compile here; their tests run under Wine) and
# are excluded. docs/testing.md records the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh core coverage
if [ -f build-coverage/build.ninja ]; then meson setup --reconfigure build-coverage -Db_coverage=true -Dbindings=false -Dbuildtype=debug >/dev/null
else meson setup build-coverage -Db_coverage=true -Dbindings=false -Dbuildtype=debug >/dev/null; fi
ninja -C build-coverage >/dev/null
find build-coverage -name '*.gcda' -delete
# A failing test still leaves its coverage; say so, and measure anyway.
meson test -C build-coverage --suite api --suite unit --suite stress --suite abi --suite sim --suite hostile --suite bridge \
  --num-processes 1 >/dev/null || echo "coverage: some tests failed (build-coverage/meson-logs/testlog.txt)" >&2
gcovr -r . build-coverage --filter 'shim/' --exclude 'shim/base/win/' --exclude 'shim/provider/com/win/' \
  --exclude 'shim/bridge/win/' --exclude 'shim/bridge/transport_win.cpp' \
  --exclude-throw-branches --exclude-unreachable-branches \
  --txt build-coverage/coverage.txt --html-details build-coverage/coverage.html \
  --print-summary | tail -3
