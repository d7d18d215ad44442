#!/usr/bin/env python3
"""The wheel as a user gets it: a fresh venv in a temporary folder outside the
tree, `pip install` of the built wheel (no index), then every ```python block
of the package's README.md run with that venv's interpreter, with no OLSTATE_*
variable set (the wheel's own library must be found). A bridge host
(olstate-monitor --serve) runs at the user's default endpoint, which is put
in a private XDG_RUNTIME_DIR, for the bridge example.

usage: install_check.py WHEEL MONITOR README   (not a pytest module: meson runs it)
"""
import os
import re
import subprocess
import sys
import tempfile
import time

wheel, monitor, readme = (os.path.abspath(a) for a in sys.argv[1:4])
DEBIAN_PYTHON = "/usr/bin/python3"   # Debian's interpreter, whatever else is on PATH
passed, failed = 0, 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok:", what)
    else:
        failed += 1
        print("FAIL:", what, "\n" + detail)


with tempfile.TemporaryDirectory(prefix="olstate-wheel-") as tmp:
    os.chmod(tmp, 0o700)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OLSTATE_", "PYTHON", "LD_LIBRARY_PATH", "VIRTUAL_ENV"))}
    env["XDG_RUNTIME_DIR"] = os.path.join(tmp, "run")
    os.mkdir(env["XDG_RUNTIME_DIR"], 0o700)
    venv = os.path.join(tmp, "venv")
    r = subprocess.run([DEBIAN_PYTHON, "-m", "venv", venv], capture_output=True, text=True, env=env)
    check(r.returncode == 0, "python3 -m venv", r.stderr)
    py = os.path.join(venv, "bin", "python")
    r = subprocess.run([py, "-m", "pip", "install", "--no-index", "--disable-pip-version-check", "-q", wheel],
                       capture_output=True, text=True, env=env, cwd=tmp)
    check(r.returncode == 0, "pip install " + os.path.basename(wheel), r.stdout + r.stderr)

    r = subprocess.run([py, "-c", "import olstate; print(olstate.__version__); print(olstate.library_version()); "
                        "print(olstate.library_path())"], capture_output=True, text=True, env=env, cwd=tmp)
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and len(lines) == 3 and lines[0] == lines[1] and "/site-packages/olstate/_native/" in lines[2],
          "the installed package loads its bundled library", r.stdout + r.stderr)
    r = subprocess.run([os.path.join(venv, "bin", "olstate"), "--set", "offline", "--block"],
                       capture_output=True, text=True, env=env, cwd=tmp)
    check(r.returncode == 0 and r.stdout.strip() == "state: offline", "the olstate command", r.stdout + r.stderr)
    r = subprocess.run([py, "-c", "import olstate, os; p = os.path.dirname(olstate.__file__); "
                        "assert os.path.exists(os.path.join(p, 'py.typed'))"], capture_output=True, text=True, env=env)
    check(r.returncode == 0, "py.typed is installed", r.stderr)

    host = subprocess.Popen([monitor, "--provider", "simulator", "--serve", "--allow-set"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = []  # the facts (their number grows with the ABI), then serving:
        while len(lines) < 60 and not (lines and lines[-1].startswith("serving:")):
            line = host.stdout.readline()
            if not line:
                break
            lines.append(line)
        check(lines[-1].startswith("serving:") and env["XDG_RUNTIME_DIR"] in lines[-1],
              "bridge host at the default endpoint", "".join(lines))
        blocks = re.findall(r"```python\n(.*?)```", open(readme, encoding="utf-8").read(), re.S)
        check(len(blocks) >= 4, f"README has its examples ({len(blocks)} python blocks)")
        for i, code in enumerate(blocks, 1):
            t0 = time.monotonic()
            r = subprocess.run([py, "-c", code], capture_output=True, text=True, env=env, cwd=tmp, timeout=120)
            check(r.returncode == 0, f"README example {i} ({code.splitlines()[0][:50]}) in {time.monotonic() - t0:.1f} s",
                  r.stdout + r.stderr)
    finally:
        host.terminate()
        host.wait(30)

print(f"wheel: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
