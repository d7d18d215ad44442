#!/usr/bin/env bash
# Line and branch coverage of shim/ (Linux sources) over the native suites
# (unit, internal, stress, abi, sim), with gcovr. Prints the summary and
# writes build-coverage/coverage.html.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh core coverage
if [ -f build-coverage/build.ninja ]; then meson setup --reconfigure build-coverage -Db_coverage=true -Dbindings=false -Dbuildtype=debug >/dev/null
else meson setup build-coverage -Db_coverage=true -Dbindings=false -Dbuildtype=debug >/dev/null; fi
ninja -C build-coverage >/dev/null
find build-coverage -name '*.gcda' -delete
meson test -C build-coverage --suite unit --suite stress --suite abi --suite sim >/dev/null
gcovr -r . build-coverage --filter 'shim/' --exclude 'shim/provider/win/' \
  --exclude-throw-branches --print-summary --html build-coverage/coverage.html | tail -3
