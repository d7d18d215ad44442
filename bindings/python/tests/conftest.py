"""Shared fixtures. The suite runs on Debian's /usr/bin/python3 with
OLSTATE_LIBRARY_DIR pointing at the built library (meson sets it), so the
simulator next to it is the provider."""
import os
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import olstate  # noqa: E402
from olstate import simulator  # noqa: E402


@pytest.fixture
def profile() -> str:
    """A profile of the simulator no other test touches (state ONLINE)."""
    return "py-" + uuid.uuid4().hex[:12]


@pytest.fixture
def session(profile):
    with olstate.Session(profile, provider=olstate.Provider.SIMULATOR) as s:
        yield s


@pytest.fixture
def errors():
    """Exceptions reported by the callback error handler during the test."""
    seen = []
    previous = olstate.set_callback_error_handler(lambda e, ev: seen.append((e, ev)))
    yield seen
    olstate.set_callback_error_handler(previous)


def wait_until(pred, timeout=10.0):
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


def child_env():
    """The environment a child interpreter needs to import this package."""
    env = dict(os.environ)
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    env["PYTHONPATH"] = here + os.pathsep + env.get("PYTHONPATH", "")
    return env


class Host:
    """olstate-monitor --serve over the simulator, in its own process."""

    def __init__(self, endpoint, profile, allow_set=True):
        args = [os.environ["OLSTATE_MONITOR"], "--provider", "simulator", "--profile", profile,
                "--serve", "--endpoint", endpoint] + (["--allow-set"] if allow_set else [])
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        for line in self.p.stdout:
            if line.startswith("serving:"):
                return
            if time.monotonic() > deadline:
                break
        self.stop()
        raise RuntimeError("the bridge host did not start: " + self.p.stderr.read())

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
        self.p.wait(30)
        self.p.stdout.close()
        self.p.stderr.close()


@pytest.fixture
def endpoint():
    folder = tempfile.mkdtemp(prefix="olstate-py-")
    os.chmod(folder, 0o700)
    return os.path.join(folder, "bridge.sock")


@pytest.fixture
def endpoint():
    """A bridge endpoint in a private folder of its own."""
    folder = tempfile.mkdtemp(prefix="olstate-py-")
    os.chmod(folder, 0o700)
    return os.path.join(folder, "bridge.sock")


__all__ = ["simulator", "wait_until", "child_env", "Host"]
