#!/usr/bin/env bash
# The Rust crates olstate-sys-<v>.crate and olstate-<v>.crate, made by
# `cargo package`, which builds each from its packaged contents alone
# (offline: std only). The library they link is the linux-x64 native set
# (its olstate.pc), as a user's would be.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${OLSTATE_NATIVES:?run scripts/package.sh}" "${OLSTATE_DIST:?}" "${OLSTATE_VERSION:?}" "${OLSTATE_PACKAGE_BUILD:?}"
# Cargo.toml holds the version too (cargo needs it there): it must be meson's.
for toml in bindings/rust/Cargo.toml bindings/rust/olstate-sys/Cargo.toml; do
  v=$(sed -n 's/^version = "\(.*\)"/\1/p' "$toml" | head -n 1)
  [ "$v" = "$OLSTATE_VERSION" ] || { echo "30-crates.sh: $toml says $v, meson.build $OLSTATE_VERSION" >&2; exit 1; }
done
grep -q "olstate-sys = { path = \"olstate-sys\", version = \"=$OLSTATE_VERSION\" }" bindings/rust/Cargo.toml \
  || { echo "30-crates.sh: bindings/rust/Cargo.toml must depend on olstate-sys =$OLSTATE_VERSION" >&2; exit 1; }
# Each crate carries the LICENSE; packaged from a copy so the tree stays clean.
src="$OLSTATE_PACKAGE_BUILD/crates-src"
rm -rf "$src"
mkdir -p "$src"
cp -a bindings/rust/. "$src/"
rm -rf "$src/target" "$src/bench" "$src/soak" "$src/meson.build"
cp LICENSE "$src/LICENSE"
cp LICENSE "$src/olstate-sys/LICENSE"
export PKG_CONFIG_PATH="$OLSTATE_NATIVES/linux-x64/lib/pkgconfig" CARGO_TERM_COLOR=never
# A CARGO_HOME of its own, new each time: to verify olstate, cargo unpacks
# the just-packaged olstate-sys into CARGO_HOME/registry/src/<hash of the
# target folder>/ and, if that folder is already there, uses it as it is.
# With the shared ~/.cargo, a package made earlier from the same clone
# path under the same version (an older olstate-sys) was compiled instead
# (CI failed so: "could not compile `olstate`", constants missing).
export CARGO_HOME="$OLSTATE_PACKAGE_BUILD/cargo-home"
rm -rf "$CARGO_HOME"
unset OLSTATE_LIB_DIR
# Warnings fail the release: metadata and contents must be clean.
log="$OLSTATE_PACKAGE_BUILD/cargo-package.log"
cargo package --offline --workspace --allow-dirty --manifest-path "$src/Cargo.toml" \
  --target-dir "$OLSTATE_PACKAGE_BUILD/crates-target" 2>&1 | tee "$log"
if grep -q '^warning' "$log"; then echo "30-crates.sh: cargo package warned (above)" >&2; exit 1; fi
cp "$OLSTATE_PACKAGE_BUILD/crates-target/package/olstate-sys-$OLSTATE_VERSION.crate" \
   "$OLSTATE_PACKAGE_BUILD/crates-target/package/olstate-$OLSTATE_VERSION.crate" "$OLSTATE_DIST/"
