#!/usr/bin/env bash
# Builds release zips for 64- and 32-bit Windows:
#   dist/olstate-<version>-win64.zip, dist/olstate-<version>-win32.zip
# each with include/ (olstate.h, olstate_sim.h), bin/ (olstate.dll,
# olstate_sim.dll, olstate-monitor.exe, olstate_addin.dll), lib/ (olstate.lib for MSVC,
# libolstate.dll.a for MinGW) and README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh core windows
version=$(grep -m1 "version:" meson.build | sed "s/.*'\(.*\)'.*/\1/")
mkdir -p dist
for arch in win64 win32; do
  case $arch in
    win64) triple=x86_64-w64-mingw32; machine=i386:x86-64 ;;
    win32) triple=i686-w64-mingw32; machine=i386 ;;
  esac
  build=build-$arch-release
  if [ -f "$build/build.ninja" ]; then meson setup --reconfigure "$build" --cross-file cross/$arch.ini --buildtype=release >/dev/null
  else meson setup "$build" --cross-file cross/$arch.ini --buildtype=release >/dev/null; fi
  ninja -C "$build" shim/olstate.dll shim/olstate_sim.dll tools/monitor/olstate-monitor.exe addin/olstate_addin.dll >/dev/null
  stage=$(mktemp -d)/olstate-$version-$arch
  mkdir -p "$stage/include" "$stage/bin" "$stage/lib"
  cp include/olstate.h shim/sim/olstate_sim.h "$stage/include/"
  cp "$build/shim/olstate.dll" "$build/shim/olstate_sim.dll" "$build/tools/monitor/olstate-monitor.exe" \
    "$build/addin/olstate_addin.dll" "$stage/bin/"
  $triple-strip "$stage/bin/"*.dll "$stage/bin/"*.exe
  cp "$build/shim/olstate.dll.a" "$stage/lib/libolstate.dll.a"
  $triple-dlltool -m "$machine" -d "$build/shim/olstate.def" -D olstate.dll -l "$stage/lib/olstate.lib"
  cp README.md "$stage/"
  rm -f "dist/olstate-$version-$arch.zip"
  (cd "$(dirname "$stage")" && zip -qr "$OLDPWD/dist/olstate-$version-$arch.zip" "$(basename "$stage")")
  echo "dist/olstate-$version-$arch.zip"
done
