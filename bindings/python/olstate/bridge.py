"""Bridge: publishes a session to other processes of this user (a Unix socket
on POSIX, a named pipe on Windows); they open it with Provider.BRIDGE."""
from __future__ import annotations

import ctypes
import threading
from ctypes import byref, c_char_p, c_void_p
from typing import Optional

from . import _abi
from .session import Session


class Bridge:
    """``with Bridge(session, allow_set_state=True) as b: print(b.endpoint)``.
    Clients may only read and follow unless allow_set_state. Stop it before
    closing the session, and never from one of that session's callbacks."""

    def __init__(self, session: Session, *, allow_set_state: bool = False, endpoint: Optional[str] = None,
                 max_clients: int = 0, queue_length: int = 0) -> None:
        self._handle: Optional[int] = None
        options = _abi.BridgeOptions()
        _abi.native().olstate_bridge_options_init(byref(options))
        options.struct_size = ctypes.sizeof(options)
        options.flags = _abi.BRIDGE_ALLOW_SET_STATE if allow_set_state else 0
        options.max_clients = max_clients
        options.queue_length = queue_length
        options.endpoint = _abi.encode(endpoint)
        out = c_void_p()
        _abi.call("olstate_bridge_start", session._h(), byref(options), byref(out))
        self._handle = out.value
        self.session = session
        path = c_char_p()
        _abi.call("olstate_bridge_endpoint", self._handle, byref(path))
        self.endpoint: str = _abi.decode(path.value)
        self._lock = threading.Lock()

    def stop(self) -> None:
        """Disconnects every client (they get PROVIDER_LOST). Idempotent."""
        with self._lock:
            handle, self._handle = self._handle, None
        if handle is not None:
            _abi.call("olstate_bridge_stop", handle)

    def __enter__(self) -> "Bridge":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
