#!/usr/bin/env bash
# Bounded soak: olstate-soak (soak/olstate_soak.cpp) opens, subscribes,
# unsubscribes and closes from several threads while the state toggles, in
# both delivery modes, for the given number of seconds (default 600), and
# fails on a callback after unsubscribe/close, a missing or double release,
# simulator counters that grow or do not return to zero, or RSS growth after
# warm-up. Then each binding's own soak program, when the binding has one
# (bindings/<lang>/soak), for a share of the same time.
#
# usage: scripts/soak.sh [seconds] [olstate-soak options...]
#        e.g. scripts/soak.sh 3600 --threads 8
# env:   OLSTATE_SOAK_BUILD  meson build folder (default build-soak, release)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
[ $# -gt 0 ] && shift
build=${OLSTATE_SOAK_BUILD:-build-soak}

if [ -f "$build/build.ninja" ]; then meson setup --reconfigure "$build" -Dbindings=false -Dbuildtype=release >/dev/null
else meson setup "$build" -Dbindings=false -Dbuildtype=release >/dev/null; fi
ninja -C "$build" >/dev/null

soak="$build/soak/olstate-soak"

echo "=== olstate-soak, ${seconds}s, both delivery modes"
"$soak" --seconds "$seconds" "$@"

# The bindings' soak programs: each drives its binding's own API the same
# way. They exist only where the binding has one.
binding_seconds=$(( seconds / 4 > 5 ? seconds / 4 : 5 ))
if [ -f bindings/rust/soak/Cargo.toml ] && command -v cargo >/dev/null; then
  echo "=== rust binding soak, ${binding_seconds}s"
  OLSTATE_LIB_DIR="$PWD/$build/shim" LD_LIBRARY_PATH="$PWD/$build/shim" \
    cargo run --offline --quiet --release --manifest-path bindings/rust/soak/Cargo.toml \
      --target-dir "$build/rust-soak-target" -- "$binding_seconds"
fi
if [ -f bindings/go/soak/main.go ] && command -v go >/dev/null; then
  echo "=== go binding soak, ${binding_seconds}s"
  (export PKG_CONFIG_PATH="$PWD/$build/meson-uninstalled" LD_LIBRARY_PATH="$PWD/$build/shim"
   cd bindings/go && go run ./soak "$binding_seconds")
fi
if [ -f bindings/csharp/soak/Soak.csproj ] && command -v dotnet >/dev/null; then
  echo "=== C# binding soak, ${binding_seconds}s"
  LD_LIBRARY_PATH="$PWD/$build/shim" OLSTATE_NATIVE_DIR="$PWD/$build/shim" \
    dotnet run -c Release --project bindings/csharp/soak/Soak.csproj -- "$binding_seconds"
fi
echo "soak: passed"
