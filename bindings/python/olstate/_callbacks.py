"""Python callables reached from olstate's threads.

One static trampoline serves every subscription: the C context is an integer
key into a table of callables (like Go's cgo.Handle), removed by the
subscription's release. Nothing Python raises ever crosses into C: an
exception from a callable is caught here and handed to the error handler.
"""
from __future__ import annotations

import ctypes
import itertools
import sys
import threading
import traceback
from typing import Callable, Dict, Optional, Tuple

from ._abi import CALLBACK, EVENT_FLAG_DROPPED, RELEASE
from .types import Event

EventHandler = Callable[[Event], None]
ErrorHandler = Callable[[BaseException, Optional[Event]], None]

# key -> (handler, called once after the subscription's last callback or None)
_table: Dict[int, Tuple[EventHandler, Optional[Callable[[], None]]]] = {}
_table_lock = threading.Lock()
_keys = itertools.count(1)


def _default_error_handler(error: BaseException, event: Optional[Event]) -> None:
    sys.stderr.write(f"olstate: exception in a callback for event {event}; it was contained:\n")
    traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)


_error_handler: ErrorHandler = _default_error_handler


def set_callback_error_handler(handler: Optional[ErrorHandler]) -> ErrorHandler:
    """Chooses what happens to an exception raised by a subscriber callback
    (called with the exception and the event, on olstate's thread; None
    restores the default, which prints it to stderr). Returns the previous one.
    The subscription stays active either way."""
    global _error_handler
    previous = _error_handler
    _error_handler = handler or _default_error_handler
    return previous


def _report(error: BaseException, event: Optional[Event]) -> None:
    try:
        _error_handler(error, event)
    except BaseException:  # a failing handler must not escape into C either
        try:
            _default_error_handler(error, event)
        except BaseException:
            pass


def _on_event(event_ptr: "ctypes._Pointer[ctypes.Structure]", context: Optional[int]) -> None:
    event: Optional[Event] = None
    try:
        with _table_lock:
            entry = _table.get(context or 0)
        if entry is None:
            return
        handler = entry[0]
        event = Event._from_native(event_ptr.contents, EVENT_FLAG_DROPPED)
        handler(event)
    except BaseException as error:  # noqa: B036 - nothing may unwind into C
        _report(error, event)


def _on_release(context: Optional[int]) -> None:
    try:
        with _table_lock:
            entry = _table.pop(context or 0, None)
        if entry is not None and entry[1] is not None:
            entry[1]()
    except BaseException as error:
        _report(error, None)


# Kept alive for the life of the process: olstate holds these pointers.
TRAMPOLINE = CALLBACK(_on_event)
RELEASE_TRAMPOLINE = RELEASE(_on_release)


def register(handler: EventHandler, on_release: Optional[Callable[[], None]] = None) -> int:
    """A new context key for handler; _on_release removes it and then calls
    on_release (the subscription is over: no more events will come)."""
    key = next(_keys)
    with _table_lock:
        _table[key] = (handler, on_release)
    return key


def live_handlers() -> int:
    """How many callables olstate can still call (for tests: leaks)."""
    with _table_lock:
        return len(_table)
