"""Finding the native library: environment variables, next to the package,
the system path; a failure lists where it looked."""
import os
import shutil
import subprocess
import sys

from conftest import child_env

PROBE = "import olstate; print(olstate.library_version()); print(olstate.library_path())"


def run(env):
    return subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=60)


def lib_dir():
    return os.environ["OLSTATE_LIBRARY_DIR"]


def test_library_dir_variable():
    r = run(child_env())
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1].startswith(lib_dir())


def test_library_path_variable_wins():
    env = child_env()
    env["OLSTATE_LIBRARY_PATH"] = os.path.join(lib_dir(), "libolstate.so.1")
    env["OLSTATE_LIBRARY_DIR"] = "/nonexistent"
    r = run(env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1] == env["OLSTATE_LIBRARY_PATH"]


def test_bundled_next_to_the_package(tmp_path):
    pkg = tmp_path / "olstate"
    shutil.copytree(os.path.join(os.path.dirname(__file__), "..", "olstate"), pkg,
                    ignore=shutil.ignore_patterns("__pycache__", "_native"))
    (pkg / "_native").mkdir()
    for name in ("libolstate.so.1", "libolstate_sim.so"):
        shutil.copy(os.path.realpath(os.path.join(lib_dir(), name)), pkg / "_native" / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OLSTATE_") and k != "LD_LIBRARY_PATH"}
    env["PYTHONPATH"] = str(tmp_path)
    code = PROBE + "\nwith olstate.Session() as s: print(s.info.provider_path)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[1] == str(pkg / "_native" / "libolstate.so.1")
    assert lines[2] == str(pkg / "_native" / "libolstate_sim.so")  # the simulator beside it


def test_system_search_path():
    env = {k: v for k, v in child_env().items() if not k.startswith("OLSTATE_")}
    env["LD_LIBRARY_PATH"] = lib_dir()
    r = run(env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1] == "libolstate.so.1"


def test_failure_says_where_it_looked():
    env = {k: v for k, v in child_env().items() if not k.startswith("OLSTATE_") and k != "LD_LIBRARY_PATH"}
    env["OLSTATE_LIBRARY_DIR"] = "/nonexistent-olstate"
    r = run(env)
    assert r.returncode != 0
    assert "LibraryNotFoundError" in r.stderr
    assert "/nonexistent-olstate/libolstate.so.1" in r.stderr
    assert "_native" in r.stderr and "system search path" in r.stderr
    assert "OLSTATE_LIBRARY_PATH" in r.stderr
