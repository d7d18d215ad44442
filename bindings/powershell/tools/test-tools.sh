#!/usr/bin/env bash
# Installs what the Pester suite needs into a folder of the build tree (nothing
# global): PowerShell 7 as a .NET tool (tool path) and the Pester module from
# NuGet. Idempotent: a second run with both present does nothing.
# usage: test-tools.sh OUT_DIR [STAMP]   (then OUT_DIR/pwsh/pwsh and OUT_DIR/modules/Pester;
#        STAMP, default OUT_DIR/stamp, is touched when done)
set -euo pipefail
out=$(realpath -m "$1")
here=$(cd "$(dirname "$0")" && pwd)
pwsh_version=7.6.10   # without a version the tool install takes a newer one that fails here
pester_version=5.7.1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

mkdir -p "$out"
if ! "$out/pwsh/pwsh" -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null \
     | grep -qx "$pwsh_version"; then
  rm -rf "$out/pwsh"
  dotnet tool install PowerShell --version "$pwsh_version" --tool-path "$out/pwsh"
fi

pester="$out/modules/Pester"
if [ ! -f "$pester/Pester.psd1" ]; then
  rm -rf "$out/nuget" "$pester"
  dotnet restore "$here/TestTools.proj" -p:PesterVersion="$pester_version" \
    -p:RestorePackagesPath="$out/nuget" -p:BaseIntermediateOutputPath="$out/obj/" >/dev/null
  src="$out/nuget/pester/$pester_version"
  # The package holds the module under tools/ (older packages: at its root).
  [ -f "$src/tools/Pester.psd1" ] && src="$src/tools"
  mkdir -p "$out/modules"
  cp -r "$src" "$pester"
fi
touch "${2:-$out/stamp}"
