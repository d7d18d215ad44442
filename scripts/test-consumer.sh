#!/usr/bin/env bash
# The consumer stage: makes dist/ with scripts/package.sh, then, in a
# temporary folder outside the tree holding only a copy of dist/, builds and
# runs one small program per language the way the READMEs tell a user (each
# README's "Add it to your project" steps are run as written), each
# printing the simulator's events, without LD_LIBRARY_PATH:
#   C       the Linux tarball, pkg-config                      (README.md)
#   .NET    the NuGet package from a local feed, net10.0        (bindings/csharp)
#   .NET Framework  a net48 library and a net48 program using it: their
#           output folders must hold the Windows natives (x64\, x86\; x86
#           build: beside the program), checked file by file (Debian's Mono
#           cannot load Windows DLLs, so they are not run)
#   Rust    a binary on the packaged crates                     (bindings/rust)
#   Go      a module requiring the binding through the release's module proxy (bindings/go)
# The programs are tests/consumer/*.
# The Windows natives are taken from the Windows stage's build folders
# (scripts/package.d/natives.sh says why).
# usage: scripts/test-consumer.sh [--dist DIR]   (--dist: test the release
#        files in DIR, made earlier by scripts/package.sh, instead of making them)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dist=dist
if [ "${1:-}" = "--dist" ]; then dist=$(realpath "$2"); scripts/deps.sh core windows bindings
else
  # The Windows natives come from the Windows stage's build folders (made
  # here if that stage has not run yet, and then reused by it): two fewer
  # cross builds in CI. The Linux natives are a release build.
  OLSTATE_BUILD_WIN64=build-win64 OLSTATE_BUILD_WIN32=build-win32 scripts/package.sh
fi
version=$(scripts/version.sh)

work=$(mktemp -d /tmp/olstate-consumer.XXXXXX)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT   # Go's module cache is read-only
cp -a "$dist" "$work/dist"
export DIST="$work/dist"
# Nothing of this machine's olstate setup leaks in, and no cache of an
# earlier package of the same version is used.
unset LD_LIBRARY_PATH OLSTATE_LIB_DIR OLSTATE_LIBRARY_DIR OLSTATE_LIBRARY_PATH PKG_CONFIG_PATH GOFLAGS
export NUGET_PACKAGES="$work/nuget-packages" GOMODCACHE="$work/gomodcache" GOCACHE="$work/gocache" \
  CARGO_TARGET_DIR="$work/cargo-target" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
  DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 CARGO_TERM_COLOR=never
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

readme_steps() { # the first ```sh block after "## Add it to your project"
  awk '/^## Add it to your project/ {s = 1} s && /^```sh$/ {b = 1; next} b && /^```$/ {exit} b {print}' "$1"
}
run_readme() { # run_readme README FOLDER: the README's steps, run there
  local steps
  steps=$(readme_steps "$root/$1")
  [ -n "$steps" ] || { echo "$1 has no \"## Add it to your project\" sh block"; return 1; }
  printf -- '--- %s, "Add it to your project", in %s:\n%s\n---\n' "$1" "$2" "$steps"
  (cd "$2" && bash -euo pipefail -c "$steps")
}
expect_events() { # expect_events LANG OUTPUT: the three events of one change
  echo "$2"
  local n
  n=$(echo "$2" | grep -ci "^$1: .*change" || true)
  [ "$n" -ge 3 ] || fail "$1: expected 3 events, got $n"
}

echo "=== C: the Linux tarball through pkg-config"
mkdir -p "$work/c" && cp tests/consumer/app.c "$work/c/"
if run_readme README.md "$work/c"; then
  expect_events c "$(cd "$work/c" && ./app)"
else fail "C: the README's steps"; fi

echo "=== .NET: the NuGet package from a local feed"
mkdir -p "$work/dotnet/App"
(cd "$work/dotnet/App" && dotnet new console --force >/dev/null && cp "$root/tests/consumer/Program.cs" .)
if run_readme bindings/csharp/README.md "$work/dotnet/App"; then
  out=$(cd "$work/dotnet/App" && dotnet run 2>&1) || fail ".NET: dotnet run"
  expect_events dotnet "$out"
  # The loader's two errors, as a user meets them.
  out=$(cd "$work/dotnet/App" && OLSTATE_LIBRARY_PATH=/nonexistent/libolstate.so dotnet run --no-build 2>&1 || true)
  echo "$out" | grep -q "OLSTATE_LIBRARY_PATH points at /nonexistent/libolstate.so, which does not exist" \
    || fail ".NET: a wrong OLSTATE_LIBRARY_PATH is not reported: $out"
  bin=$(dirname "$(find "$work/dotnet/App/bin" -name App.dll | head -n 1)")
  # The natives where the .NET Framework targets put them: x64/ by IntPtr.Size.
  mkdir -p "$bin/x64" && mv "$bin/runtimes/linux-x64/native/"* "$bin/x64/" && rm -rf "$bin/runtimes"
  out=$(cd "$work/dotnet/App" && dotnet run --no-build 2>&1) || fail ".NET: natives in x64/ not loaded: $out"
  echo "$out" | grep -qF "loaded $bin/x64/libolstate.so" || fail ".NET: not loaded from x64/: $out"
  rm -rf "$bin/x64"
  out=$(cd "$work/dotnet/App" && dotnet run --no-build 2>&1 || true)
  for want in "was not found. Tried:" "$bin/runtimes/linux-x64/native/libolstate.so: no such file" \
              "OlStateNative.LibraryPath" "OLSTATE_LIBRARY_DIR"; do
    echo "$out" | grep -qF "$want" || fail ".NET: the not-found message lacks \"$want\": $out"
  done
else fail ".NET: the README's steps"; fi

echo "=== .NET Framework: a net48 library using the package, a net48 program using the library"
fx="$work/netfx"
mkdir -p "$fx/AddIn" "$fx/App"
cp tests/consumer/Class1.cs "$fx/AddIn/"
cat > "$fx/AddIn/AddIn.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net48</TargetFramework><LangVersion>latest</LangVersion></PropertyGroup>
</Project>
XML
cat > "$fx/App/App.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net48</TargetFramework></PropertyGroup>
  <ItemGroup><ProjectReference Include="../AddIn/AddIn.csproj" /></ItemGroup>
</Project>
XML
echo 'class Program { static void Main() { System.Console.WriteLine(AddIn.Watcher.Describe()); } }' > "$fx/App/Program.cs"
pe_machine() { objdump -f "$1" | sed -n 's/.*file format //p'; }
check_fx() { # check_fx DIR SUBFOLDER RID: DIR/SUBFOLDER holds RID's natives, byte for byte
  local f
  for f in olstate.dll olstate_sim.dll; do
    local got="$1/$2$f" want="$work/nupkg/runtimes/$3/native/$f"
    if [ ! -f "$got" ]; then fail ".NET Framework: $got missing"; continue; fi
    cmp -s "$got" "$want" || fail ".NET Framework: $got differs from the package's $3 file"
    echo "$got: $(pe_machine "$got")"
  done
}
mkdir -p "$work/nupkg" && (cd "$work/nupkg" && unzip -q "$DIST/OlState.$version.nupkg")
[ "$(pe_machine "$work/nupkg/runtimes/win-x64/native/olstate.dll")" = pei-x86-64 ] || fail "win-x64 olstate.dll is not x86-64"
[ "$(pe_machine "$work/nupkg/runtimes/win-x86/native/olstate.dll")" = pei-i386 ] || fail "win-x86 olstate.dll is not i386"
if run_readme bindings/csharp/README.md "$fx/AddIn" && (cd "$fx/App" && dotnet build -v quiet --nologo); then
  for out in "$fx/AddIn/bin/Debug/net48" "$fx/App/bin/Debug/net48"; do
    check_fx "$out" x64/ win-x64
    check_fx "$out" x86/ win-x86
  done
  (cd "$fx/App" && dotnet build -v quiet --nologo -p:PlatformTarget=x86 -o "$fx/x86-out") || fail ".NET Framework: x86 build"
  check_fx "$fx/x86-out" "" win-x86
else fail ".NET Framework: the README's steps or the build"; fi

echo "=== Rust: a binary on the packaged crates"
(cd "$work" && cargo new --quiet --vcs none app-rust) && cp tests/consumer/main.rs "$work/app-rust/src/main.rs"
if run_readme bindings/rust/README.md "$work/app-rust"; then
  out=$(cd "$work/app-rust" && cargo build --offline --quiet && "$CARGO_TARGET_DIR/debug/app-rust") || fail "Rust: build or run"
  expect_events rust "$out"
else fail "Rust: the README's steps"; fi

echo "=== Go: a module requiring the binding through the release's module proxy"
mkdir -p "$work/app-go" && cp tests/consumer/main.go "$work/app-go/"
(cd "$work/app-go" && go mod init example.com/app >/dev/null 2>&1)
if run_readme bindings/go/README.md "$work/app-go"; then
  expect_events go "$(cd "$work/app-go" && ./app)"
else fail "Go: the README's steps"; fi

echo "=== Go: the same program through a workspace (go.work) on the unpacked module"
mkdir -p "$work/app-go-work/olstate-go" && cp tests/consumer/main.go "$work/app-go-work/"
module=github.com/olstate/olstate/bindings/go
if (cd "$work/app-go-work" && go mod init example.com/app >/dev/null 2>&1 \
    && go mod edit -require "$module@v$version" \
    && unzip -q "$DIST/goproxy/$module/@v/v$version.zip" -d olstate-go \
    && go work init . "./olstate-go/$module@v$version" \
    && tar -xzf "$DIST/olstate-$version-linux-x64.tar.gz" \
    && GOPROXY=off PKG_CONFIG_PATH="$PWD/olstate-$version-linux-x64/lib/pkgconfig" go build -o app .); then
  expect_events go "$(cd "$work/app-go-work" && ./app)"
else fail "Go: the go.work recipe"; fi

echo "consumer stage: $failures failure(s)"
[ "$failures" -eq 0 ]
