#!/usr/bin/env bash
# The Go module as a module proxy serves it, in dist/goproxy/: <module>/@v/
# list, v<v>.info, v<v>.mod, v<v>.zip. Published under the module path, the
# same files are what `go get <module>@v<v>` fetches; before that, point
# GOPROXY at this folder (file://...) or unpack the zip and use go.work
# (bindings/go/README.md). The zip holds bindings/go (without bench/, a
# module of its own) and the LICENSE.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${OLSTATE_DIST:?run scripts/package.sh}" "${OLSTATE_VERSION:?}"
module=$(sed -n 's/^module //p' bindings/go/go.mod)
dir="$OLSTATE_DIST/goproxy/$module/@v"
mkdir -p "$dir"
v="v$OLSTATE_VERSION"
stamp=$(git log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
printf '%s\n' "$v" > "$dir/list"
printf '{"Version":"%s","Time":"%s"}\n' "$v" "$(date -u -d "$stamp" +%Y-%m-%dT%H:%M:%SZ)" > "$dir/$v.info"
cp bindings/go/go.mod "$dir/$v.mod"
python3 - "$module@$v" "$dir/$v.zip" <<'PY'
import os, sys, zipfile
prefix, out = sys.argv[1], sys.argv[2]
root = "bindings/go"
files = []
for d, subdirs, names in os.walk(root):
    # Folders with a go.mod of their own are other modules (bench/).
    subdirs[:] = sorted(s for s in subdirs if not os.path.exists(os.path.join(d, s, "go.mod")))
    files += [os.path.join(d, n) for n in names]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    entries = [(os.path.relpath(f, root), f) for f in files] + [("LICENSE", "LICENSE")]
    for rel, path in sorted(entries):
        info = zipfile.ZipInfo(prefix + "/" + rel, date_time=(2000, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(path, "rb") as f:
            z.writestr(info, f.read())
PY
echo "$dir/$v.zip"
