#!/usr/bin/env bash
# Builds one native set for a release and stages it in $OLSTATE_NATIVES/<rid>/
# as an install tree: include/ (olstate.h, olstate_sim.h), bin/, lib/. Every
# binary is optimised (-O3, NDEBUG), built with debug info that is then
# moved to $OLSTATE_NATIVES/<rid>-debug/<file>.debug, and stripped; a
# .gnu_debuglink names its debug file, so gdb finds it next to the binary or
# in a debug folder.
#
# usage: scripts/package.d/natives.sh linux-x64|win-x64|win-x86
# The release build lives in $OLSTATE_PACKAGE_BUILD/<rid> and is reused.
# OLSTATE_BUILD_WIN64 / OLSTATE_BUILD_WIN32 name a meson build folder of the
# test builds (configured with the cross file alone) to take the win-x64 /
# win-x86 natives from instead: the consumer stage shares the Windows
# stage's builds that way, to save CI time (those are -O2 with asserts on;
# a release made by scripts/package.sh alone never sets them).
set -euo pipefail
cd "$(dirname "$0")/../.."
rid=$1
: "${OLSTATE_NATIVES:?run scripts/package.sh}" "${OLSTATE_PACKAGE_BUILD:?}"
build="$OLSTATE_PACKAGE_BUILD/$rid"
case $rid in
  win-x64) shared=${OLSTATE_BUILD_WIN64:-} ;;
  win-x86) shared=${OLSTATE_BUILD_WIN32:-} ;;
  *)       shared="" ;;
esac
stage="$OLSTATE_NATIVES/$rid"
debug="$OLSTATE_NATIVES/$rid-debug"
case $rid in
  linux-x64) cross=(); tool=""; machine="" ;;
  win-x64)   cross=(--cross-file cross/win64.ini); tool=x86_64-w64-mingw32-; machine=i386:x86-64 ;;
  win-x86)   cross=(--cross-file cross/win32.ini); tool=i686-w64-mingw32-; machine=i386 ;;
  *) echo "natives.sh: unknown rid $rid" >&2; exit 2 ;;
esac
# release + debug info: -O3 -g, NDEBUG. Said as the three options, not as
# --buildtype=release -Ddebug=true: a reconfigure applies the buildtype last
# and drops the debug info (meson then calls the buildtype "custom", so
# b_ndebug=if-release would keep the asserts: NDEBUG is explicit).
options=(-Doptimization=3 -Ddebug=true -Db_ndebug=true -Dbindings=false
         --prefix=/olstate --libdir=lib -Dpkgconfig.relocatable=true "${cross[@]}")
if [ -n "$shared" ]; then
  build=$shared
  # Configured exactly as the Windows stage does, so that stage reuses it.
  scripts/windows-build-setup.sh "$build" "$([ "$rid" = win-x64 ] && echo win64 || echo win32)"
elif [ -f "$build/build.ninja" ]; then meson setup --reconfigure "$build" "${options[@]}" >/dev/null
else meson setup "$build" "${options[@]}" >/dev/null; fi

rm -rf "$stage" "$debug"
mkdir -p "$stage/include" "$stage/bin" "$stage/lib" "$debug"
cp include/olstate.h shim/sim/olstate_sim.h "$stage/include/"
if [ "$rid" = linux-x64 ]; then
  meson compile -C "$build" olstate olstate_sim olstate-monitor >/dev/null
  tmp=$(mktemp -d)
  meson install -C "$build" --no-rebuild --destdir "$tmp" >/dev/null
  cp -a "$tmp/olstate/lib/." "$stage/lib/"
  cp -a "$tmp/olstate/bin/olstate-monitor" "$stage/bin/"
  rm -rf "$tmp"
  # The archive's olstate.pc is relocatable (prefix from its own folder)
  # and adds an rpath to that lib/, so what is built with it runs without
  # LD_LIBRARY_PATH wherever the archive was unpacked.
  sed -i 's|^Libs: -L\${libdir}|Libs: -L${libdir} -Wl,-rpath,${libdir}|' "$stage/lib/pkgconfig/olstate.pc"
  grep -q 'rpath' "$stage/lib/pkgconfig/olstate.pc" || { echo "natives.sh: olstate.pc has no Libs: -L\${libdir} line" >&2; exit 1; }
  binaries=("$stage/bin/olstate-monitor" "$(realpath "$stage/lib/libolstate.so")" "$stage/lib/libolstate_sim.so")
else
  meson compile -C "$build" olstate olstate_sim olstate-monitor olstate_addin >/dev/null
  cp "$build/shim/olstate.dll" "$build/shim/olstate_sim.dll" "$build/tools/monitor/olstate-monitor.exe" \
    "$build/addin/olstate_addin.dll" "$stage/bin/"
  cp "$build/shim/olstate.dll.a" "$stage/lib/libolstate.dll.a"
  "${tool}dlltool" -m "$machine" -d "$build/shim/olstate.def" -D olstate.dll -l "$stage/lib/olstate.lib"
  binaries=("$stage/bin/"*.dll "$stage/bin/"*.exe)
fi
for f in "${binaries[@]}"; do
  name=$(basename "$f")
  "${tool}objcopy" --only-keep-debug "$f" "$debug/$name.debug"
  "${tool}strip" --strip-unneeded "$f"
  (cd "$debug" && "${tool}objcopy" --add-gnu-debuglink="$name.debug" "$f")
done
# Refuse a set with a file missing: every package built from it would be short.
case $rid in
  linux-x64) want=(include/olstate.h include/olstate_sim.h lib/libolstate.so lib/libolstate_sim.so
                   lib/pkgconfig/olstate.pc bin/olstate-monitor) ;;
  *)         want=(include/olstate.h include/olstate_sim.h bin/olstate.dll bin/olstate_sim.dll
                   bin/olstate-monitor.exe bin/olstate_addin.dll lib/olstate.lib lib/libolstate.dll.a) ;;
esac
for f in "${want[@]}"; do
  [ -s "$stage/$f" ] || { echo "natives.sh: $rid is missing $f" >&2; exit 1; }
done
echo "$stage"
