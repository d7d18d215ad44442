#!/usr/bin/env bash
# The main job: build olstate and run the monitor against the simulator,
# driving it through three state changes.
# usage: scripts/demo.sh [monitor options...]   (default: --demo 3)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh core
[ -f build/build.ninja ] || meson setup build -Dbindings=false >/dev/null
ninja -C build tools/monitor/olstate-monitor shim/libolstate_sim.so >/dev/null
if [ $# -eq 0 ]; then set -- --demo 3; fi
exec build/tools/monitor/olstate-monitor --provider simulator "$@"
