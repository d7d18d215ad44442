#!/usr/bin/env bash
# The NuGet package OlState.<v>.nupkg and its symbols OlState.<v>.snupkg:
# the netstandard2.0 and net8.0 assemblies with XML docs, runtimes/<rid>/native
# for linux-x64, win-x64 and win-x86 (olstate + simulator), build targets that
# copy the Windows natives next to a .NET Framework project's output, README
# and LICENSE. The project refuses to pack when a native is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${OLSTATE_NATIVES:?run scripts/package.sh}" "${OLSTATE_DIST:?}" "${OLSTATE_VERSION:?}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The .so in the package is the real file, not the symlink chain.
linux=$(mktemp -d)
trap 'rm -rf "$linux"' EXIT
cp -L "$OLSTATE_NATIVES/linux-x64/lib/libolstate.so" "$OLSTATE_NATIVES/linux-x64/lib/libolstate_sim.so" "$linux/"
dotnet pack bindings/csharp/src/OlState -c Release -o "$OLSTATE_DIST" --nologo -v quiet \
  -p:ContinuousIntegrationBuild=true \
  -p:OlStateNativeLinuxX64="$linux" \
  -p:OlStateNativeWinX64="$OLSTATE_NATIVES/win-x64/bin" \
  -p:OlStateNativeWinX86="$OLSTATE_NATIVES/win-x86/bin"
test -s "$OLSTATE_DIST/OlState.$OLSTATE_VERSION.nupkg" && test -s "$OLSTATE_DIST/OlState.$OLSTATE_VERSION.snupkg"
