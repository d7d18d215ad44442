"""wait_state over olstate_wait_state (ABI 1.2), the one place that waits.

The library returns at the CHANGE_DONE that reaches the state (at once when
the session is already there), raises ProviderNotFoundError when a bridge
host goes away for good and keeps waiting across a loss with reconnect. The
wait is made in slices so that Ctrl-C (KeyboardInterrupt, which Python only
sees between native calls) ends it within one slice; ctypes releases the GIL
during each.
"""
from __future__ import annotations

import math
import time
from ctypes import c_uint32
from typing import TYPE_CHECKING, Optional

from . import _abi
from .errors import StateTimeoutError
from .types import State

if TYPE_CHECKING:
    from .session import Session

_SLICE_MS = 250


def wait_state(session: "Session", state: State, timeout: Optional[float]) -> None:
    if timeout is not None and (math.isnan(timeout) or timeout < 0):
        raise ValueError("timeout must be None or a number of seconds >= 0")
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        slice_ms = _SLICE_MS
        if deadline is not None:
            slice_ms = min(slice_ms, max(0, math.ceil((deadline - time.monotonic()) * 1000)))
        try:
            _abi.call("olstate_wait_state", session._h(), state, c_uint32(slice_ms))
            return
        except StateTimeoutError:
            if deadline is not None and time.monotonic() >= deadline:
                raise StateTimeoutError(f"the state did not become {state} within {timeout} s",
                                        name="OLSTATE_E_TIMEOUT") from None
