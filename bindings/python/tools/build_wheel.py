#!/usr/bin/env python3
"""Builds the olstate wheel: the pure-Python package plus the native library
and the simulator in olstate/_native/, tagged for this platform (py3-none-<platform>:
no Python ABI is involved, the native files are what ties it to a platform).

Only the standard library is used (zipfile, hashlib): a wheel is a zip with
METADATA, WHEEL and RECORD (PEP 427, PEP 376). The version comes from the
caller (meson passes meson.build's project version, the one version source).

usage: build_wheel.py --version V --lib-dir DIR --out DIR
  (DIR holds the built libolstate.so.1 and libolstate_sim.so, or olstate.dll
  and olstate_sim.dll; the wheel carries them under those names)
"""
import argparse
import base64
import hashlib
import os
import sysconfig
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent   # bindings/python
NAME = "olstate"


def native_names(lib_dir: Path) -> "list[Path]":
    names = ["olstate.dll", "olstate_sim.dll"] if (lib_dir / "olstate.dll").exists() \
        else ["libolstate.so.1", "libolstate_sim.so"]
    missing = [n for n in names if not (lib_dir / n).exists()]
    if missing:
        raise SystemExit(f"build_wheel.py: {', '.join(missing)} not in {lib_dir}")
    return [lib_dir / n for n in names]


def platform_tag() -> str:
    return sysconfig.get_platform().replace("-", "_").replace(".", "_")


def metadata(version: str) -> str:
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    return "\n".join([
        "Metadata-Version: 2.1",
        f"Name: {NAME}",
        f"Version: {version}",
        "Summary: Know when Microsoft Outlook goes online or offline, and switch it (ctypes over olstate's C library)",
        "License: MIT",
        "Requires-Python: >=3.8",
        "Classifier: Programming Language :: Python :: 3",
        "Classifier: Operating System :: Microsoft :: Windows",
        "Classifier: Operating System :: POSIX :: Linux",
        "Classifier: Typing :: Typed",
        "Description-Content-Type: text/markdown",
        "",
        readme,
    ])


def record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def wheel_name(version: str) -> str:
    return f"{NAME}-{version}-py3-none-{platform_tag()}.whl"


def build(version: str, natives: "list[Path]", out: Path) -> Path:
    tag = platform_tag()
    dist_info = f"{NAME}-{version}.dist-info"
    files: "list[tuple[str, bytes, int]]" = []   # (arcname, data, mode)
    for src in sorted((HERE / NAME).rglob("*")):
        if src.is_file() and "__pycache__" not in src.parts and src.parent.name != "_native":
            files.append((f"{NAME}/{src.relative_to(HERE / NAME).as_posix()}", src.read_bytes(), 0o644))
    for native in natives:
        # The file's own name is its soname for libolstate.so.1 (a symlink in the build tree).
        files.append((f"{NAME}/_native/{native.name}", native.resolve().read_bytes(), 0o755))
    files.append((f"{dist_info}/METADATA", metadata(version).encode(), 0o644))
    files.append((f"{dist_info}/WHEEL", "\n".join([
        "Wheel-Version: 1.0", "Generator: olstate build_wheel.py", "Root-Is-Purelib: false",
        f"Tag: py3-none-{tag}", ""]).encode(), 0o644))
    files.append((f"{dist_info}/entry_points.txt",
                  b"[console_scripts]\nolstate = olstate.__main__:main\n", 0o644))
    files.append((f"{dist_info}/top_level.txt", f"{NAME}\n".encode(), 0o644))
    record = [record_line(a, d) for a, d, _ in files] + [f"{dist_info}/RECORD,,"]
    files.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode(), 0o644))

    out.mkdir(parents=True, exist_ok=True)
    wheel = out / wheel_name(version)
    tmp = wheel.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for arcname, data, mode in files:
            info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    os.replace(tmp, wheel)
    return wheel


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--version", required=True)
    p.add_argument("--lib-dir", type=Path)
    p.add_argument("--out", type=Path)
    p.add_argument("--print-name", action="store_true", help="print the wheel's file name and exit")
    a = p.parse_args()
    if a.print_name:
        print(wheel_name(a.version))
        return
    if not a.lib_dir or not a.out:
        p.error("--lib-dir and --out are needed to build")
    print(build(a.version, native_names(a.lib_dir), a.out))


if __name__ == "__main__":
    main()
