"""wait_state, the one place that waits for a state.

ABI 1.1 has no wait function, so this subscribes first and reads the state
second: a change that happens in between is seen by the subscription, so
nothing is missed. When the library gains olstate_wait_state (ABI 1.2),
only this function changes.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, List, Optional

from .errors import ProviderNotFoundError, StateTimeoutError
from .types import Event, EventKind, State

if TYPE_CHECKING:
    from .session import Session

# The kinds after which the state *is* new_state (CHANGE_START announces it only).
_REACHED_BY = (EventKind.CHANGE, EventKind.CHANGE_DONE, EventKind.PROVIDER_BACK)


def wait_state(session: "Session", state: State, timeout: Optional[float]) -> None:
    done = threading.Event()
    lost: List[Event] = []

    def on_event(event: Event) -> None:
        if event.kind in _REACHED_BY and event.new_state == state:
            done.set()
        elif event.kind == EventKind.PROVIDER_LOST and not session.reconnect:
            lost.append(event)
            done.set()

    with session.subscribe(on_event):
        try:
            if session.state == state:
                return
        except ProviderNotFoundError:
            if not session.reconnect:
                raise  # a bridge whose host is gone, for good
        if not done.wait(timeout):
            raise StateTimeoutError(f"the state did not become {state} within {timeout} s")
        if lost:
            raise ProviderNotFoundError(f"the bridge host went away while waiting for {state}",
                                        code=-3, name="OLSTATE_E_PROVIDER_NOT_FOUND")
