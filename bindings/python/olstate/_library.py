"""Finding and loading the native olstate library (libolstate.so.1 / olstate.dll).

Order, first hit wins (the same variables as the C# binding):
  1. OLSTATE_LIBRARY_PATH: the library file itself;
  2. OLSTATE_LIBRARY_DIR: a folder holding it;
  3. next to this package, in olstate/_native/ (what a wheel bundles);
  4. the system's search path (an installed olstate: ldconfig, PATH).
The simulator (libolstate_sim) is found by the library itself, next to it.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from pathlib import Path
from typing import List, Optional, Tuple

if sys.platform == "win32":
    _FILE_NAMES = ("olstate.dll",)
    _SIM_FILE_NAMES = ("olstate_sim.dll",)
elif sys.platform == "darwin":
    _FILE_NAMES = ("libolstate.1.dylib", "libolstate.dylib")
    _SIM_FILE_NAMES = ("libolstate_sim.dylib",)
else:
    _FILE_NAMES = ("libolstate.so.1", "libolstate.so")
    _SIM_FILE_NAMES = ("libolstate_sim.so",)

BUNDLED_DIR = Path(__file__).resolve().parent / "_native"


class LibraryNotFoundError(OSError):
    """No native olstate library could be loaded; ``tried`` lists every place
    looked at, with why each failed."""

    def __init__(self, tried: List[Tuple[str, str]]) -> None:
        self.tried = tried
        lines = "\n".join(f"  {where}: {why}" for where, why in tried)
        super().__init__(
            "olstate: the native library could not be loaded. Looked at:\n" + lines +
            "\nSet OLSTATE_LIBRARY_PATH to the library file or OLSTATE_LIBRARY_DIR to its folder.")


def _candidates() -> List[Tuple[str, str]]:
    """(what, path-or-name) pairs in search order."""
    found: List[Tuple[str, str]] = []
    env_path = os.environ.get("OLSTATE_LIBRARY_PATH")
    if env_path:
        found.append(("OLSTATE_LIBRARY_PATH", env_path))
    env_dir = os.environ.get("OLSTATE_LIBRARY_DIR")
    if env_dir:
        found += [("OLSTATE_LIBRARY_DIR", os.path.join(env_dir, n)) for n in _FILE_NAMES]
    found += [("bundled", str(BUNDLED_DIR / n)) for n in _FILE_NAMES]
    system = ctypes.util.find_library("olstate")
    for name in ([system] if system else []) + list(_FILE_NAMES):
        found.append(("system search path", name))
    return found


def _load(what: str, target: str) -> ctypes.CDLL:
    if what != "system search path" and not os.path.isfile(target):
        raise OSError("no such file")
    return ctypes.CDLL(target)


_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None
_lib_path: Optional[str] = None


def load() -> ctypes.CDLL:
    """The loaded library (loaded on first use; later calls return the same)."""
    global _lib, _lib_path
    with _lock:
        if _lib is not None:
            return _lib
        tried: List[Tuple[str, str]] = []
        for what, target in _candidates():
            try:
                lib = _load(what, target)
            except OSError as e:
                tried.append((f"{what} {target}", str(e) or type(e).__name__))
                continue
            _lib, _lib_path = lib, target
            return lib
        raise LibraryNotFoundError(tried)


def loaded_path() -> Optional[str]:
    """What the library was loaded from (a path, or a name the system resolved)."""
    with _lock:
        return _lib_path


def simulator_candidates(library_path: str) -> List[str]:
    """Where the simulator's file is: next to the loaded olstate library."""
    folder = os.path.dirname(library_path)
    return [os.path.join(folder, n) for n in _SIM_FILE_NAMES]
