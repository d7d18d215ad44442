#!/usr/bin/env bash
# Builds the OlState PowerShell module folder, ready for Import-Module:
#   OUT/OlState/OlState.psd1                manifest, version from meson.build
#   OUT/OlState/*.dll                       cmdlets, the C# binding, its dependencies
#   OUT/OlState/OlState.Format.ps1xml, en-US/OlState.PowerShell.dll-Help.xml
#   OUT/OlState/runtimes/<rid>/native/      the native library and the simulator
# The C# binding's loader looks in runtimes/<rid>/native by the process's
# bitness, so one folder serves Windows x64 and x86 (Outlook's bitness) and Linux.
# usage: build-module.sh OUT_DIR VERSION LINUX_LIB_DIR [STAMP]
# env:   OLSTATE_NATIVE_WIN_X64 / OLSTATE_NATIVE_WIN_X86: folders with olstate.dll and
#        olstate_sim.dll to add (the same variables as the C# package's)
set -euo pipefail
out=$(realpath -m "$1"); version=$2; libdir=$3
here=$(cd "$(dirname "$0")/.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet build "$here/src/OlState.PowerShell" -c Release -p:Version="$version" -o "$out/bin" -nologo -v:q

mod="$out/OlState"
rm -rf "$mod"
mkdir -p "$mod/en-US"
cp "$out/bin/"*.dll "$mod/"
sed "s/@VERSION@/$version/" "$here/module/OlState.psd1.in" > "$mod/OlState.psd1"
cp "$here/module/OlState.Format.ps1xml" "$mod/"
cp "$here/module/en-US/OlState.PowerShell.dll-Help.xml" "$mod/en-US/"

native() { # native RID DIR FILE...: copies the files (symlinks resolved) into runtimes/RID/native
  local rid=$1 dir=$2; shift 2
  mkdir -p "$mod/runtimes/$rid/native"
  for f in "$@"; do cp -L "$dir/$f" "$mod/runtimes/$rid/native/$f"; done
}
native linux-x64 "$libdir" libolstate.so libolstate_sim.so
[ -z "${OLSTATE_NATIVE_WIN_X64:-}" ] || native win-x64 "$OLSTATE_NATIVE_WIN_X64" olstate.dll olstate_sim.dll
[ -z "${OLSTATE_NATIVE_WIN_X86:-}" ] || native win-x86 "$OLSTATE_NATIVE_WIN_X86" olstate.dll olstate_sim.dll
touch "${4:-$out/stamp}"
