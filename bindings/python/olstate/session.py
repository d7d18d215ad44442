"""Session: one open offline object of a profile, and its subscriptions."""
from __future__ import annotations

import atexit
import ctypes
import math
import threading
import weakref
from datetime import timedelta
from ctypes import byref, c_uint32, c_uint64, c_void_p
from typing import TYPE_CHECKING, Callable, Optional, Union

from . import _abi, _callbacks
from ._connection import ConnectionMixin
from .errors import InvalidArgumentError, InvalidHandleError
from .types import Capabilities, Delivery, Event, Provider, SessionInfo, State, _enum_or_int

if TYPE_CHECKING:
    from .streams import AsyncEventStream, EventIterator

StateLike = Union[State, int, str]
IntervalLike = Union[float, int, timedelta]


def connection_poll_ms(interval: Optional[IntervalLike]) -> int:
    """An interval (seconds, or a timedelta; None for the default) as
    connection_poll_ms. A fraction of a millisecond rounds up (half a
    millisecond must not become 0, the library's default); anything beyond
    uint32 saturates, which the library refuses as out of range like any
    interval over a day. Negative or NaN: InvalidArgumentError."""
    if interval is None:
        return 0
    if isinstance(interval, timedelta):
        if interval < timedelta(0):
            raise InvalidArgumentError(f"connection_poll_interval {interval} is negative")
        ms = -(-interval // timedelta(milliseconds=1))
    else:
        seconds = float(interval)
        if math.isnan(seconds) or seconds < 0:
            raise InvalidArgumentError(f"connection_poll_interval {interval!r} must be seconds >= 0")
        if math.isinf(seconds):
            return 0xFFFFFFFF
        # Rounded to whole microseconds first, so 0.3 s is 300 ms and not
        # 301 from the float's last bit.
        ms = math.ceil(round(seconds * 1000, 3))
    return min(ms, 0xFFFFFFFF)


def to_state(value: StateLike) -> State:
    """State.ONLINE from State.ONLINE, 2 or "online" (any case)."""
    if isinstance(value, str):
        try:
            return State[value.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown state {value!r}: online or offline") from None
    return State(value)


class Subscription:
    """An active subscription; ``close()`` (or leaving its ``with`` block)
    ends it. Once close() returns, its callable is not running on another
    thread and will never be called again."""

    def __init__(self, session: "Session", token: int) -> None:
        self._session = session
        self.token = token
        self._closed = False

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        handle = self._session._handle
        if handle is None:
            return  # the session's close ended it
        try:
            _abi.call("olstate_unsubscribe", handle, c_uint64(self.token))
        except InvalidHandleError:
            pass  # the session was closed meanwhile: that ended it too

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_live: "weakref.WeakSet[Session]" = weakref.WeakSet()
_live_lock = threading.Lock()


class Session(ConnectionMixin):
    """An open session (olstate_open_ex). Use it as a context manager, or call
    close(). Every method may be called from any thread.

    provider: Provider.AUTO (simulator outside Windows; inside OUTLOOK.EXE
    Outlook; elsewhere on Windows the bridge), OUTLOOK, SIMULATOR, LIBRARY
    (with ``library``: a provider library's full path) or BRIDGE (with
    ``endpoint``: None = this user's bridge; ``reconnect=True`` keeps
    reconnecting and reports PROVIDER_LOST / PROVIDER_BACK events), or
    OBJECT_MODEL (Windows: a running Outlook polled from outside).

    ``no_fallback=True`` (AUTO only, else InvalidArgumentError): on Windows
    outside Outlook AUTO is the bridge alone, without its fallback to
    OBJECT_MODEL when no bridge host answers. ``connection_poll_interval``
    (seconds or a timedelta, 0.1 s to one day; None or 0: 5 s; a fraction
    of a millisecond counts as a whole one): how often OBJECT_MODEL, or AUTO
    falling back to it, reads Outlook; out of range, negative or with
    another provider: InvalidArgumentError.

    Outlook's Exchange connection (ABI 1.3): ``connection_mode``,
    ``offline``, ``accounts`` and ``wait_connection`` (olstate/_connection.py).
    """

    def __init__(self, profile: Optional[str] = None, *, provider: Provider = Provider.AUTO,
                 endpoint: Optional[str] = None, library: Optional[str] = None,
                 delivery: Delivery = Delivery.QUEUED, reconnect: bool = False,
                 no_fallback: bool = False,
                 connection_poll_interval: Optional[IntervalLike] = None) -> None:
        self._handle: Optional[int] = None
        provider = Provider(provider)
        if endpoint is not None and provider != Provider.BRIDGE:
            raise ValueError("endpoint goes with provider=Provider.BRIDGE")
        if library is not None and provider != Provider.LIBRARY:
            raise ValueError("library goes with provider=Provider.LIBRARY")
        _abi.native()
        options = _abi.OpenOptions()
        options.struct_size = ctypes.sizeof(options)
        options.profile = _abi.encode(profile)
        options.provider = provider
        options.provider_path = _abi.encode(endpoint if endpoint is not None else library)
        options.delivery = Delivery(delivery)
        options.flags = (_abi.OPEN_RECONNECT if reconnect else 0) | (_abi.OPEN_NO_FALLBACK if no_fallback else 0)
        options.connection_poll_ms = connection_poll_ms(connection_poll_interval)
        out = c_void_p()
        _abi.call("olstate_open_ex", byref(options), byref(out))
        self._handle = out.value
        self.reconnect = reconnect
        self._close_lock = threading.Lock()
        with _live_lock:
            _live.add(self)


    # -- lifetime ---------------------------------------------------------
    def close(self) -> None:
        """Closes the session: every subscription ends (their streams end),
        waiting for callbacks running on other threads. Idempotent. From inside
        one of this session's callbacks it returns at once."""
        with self._close_lock:
            handle, self._handle = self._handle, None
        if handle is not None:
            _abi.call("olstate_close", handle)

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if getattr(self, "_handle", None) is not None and not _abi.is_finalizing():
                self.close()
        except Exception:
            pass

    def _h(self) -> int:
        handle = self._handle
        if handle is None:
            raise InvalidHandleError("the session is closed", code=-2, name="OLSTATE_E_INVALID_HANDLE")
        return handle

    # -- facts and state --------------------------------------------------
    @property
    def info(self) -> SessionInfo:
        raw = _abi.SessionInfoStruct()
        raw.struct_size = ctypes.sizeof(raw)
        _abi.call("olstate_get_session_info", self._h(), byref(raw))
        return SessionInfo(provider=_enum_or_int(Provider, raw.provider),
                           profile=_abi.decode(raw.profile), provider_path=_abi.decode(raw.provider_path))

    @property
    def capabilities(self) -> Capabilities:
        out = c_uint32()
        _abi.call("olstate_capabilities", self._h(), byref(out))
        return Capabilities(out.value)

    @property
    def state(self) -> State:
        out = c_uint32()
        _abi.call("olstate_get_state", self._h(), byref(out))
        return State(out.value)

    def set_state(self, state: StateLike, *, block: bool = False) -> None:
        """Asks for a change; block=True returns once it is complete."""
        _abi.call("olstate_set_state", self._h(), to_state(state),
                  _abi.SET_BLOCK if block else _abi.SET_DEFAULT)

    def wait_state(self, state: StateLike, timeout: Optional[float] = None) -> None:
        """Returns once the session is in ``state`` with no change in progress
        (at once if it already is); raises StateTimeoutError after ``timeout``
        seconds (None: no limit), ProviderNotFoundError when a bridge host goes
        away without reconnect (with reconnect it keeps waiting), and
        InvalidHandleError when the session is closed meanwhile. WouldDeadlockError
        on a thread that the change itself needs (an INLINE callback)."""
        from ._wait import wait_state
        wait_state(self, to_state(state), timeout)

    # -- events -----------------------------------------------------------
    def subscribe(self, callback: Callable[[Event], None],
                  on_end: Optional[Callable[[], None]] = None, *,
                  current_state: bool = False) -> Subscription:
        """Calls ``callback(event)`` for each event, on olstate's thread (QUEUED:
        the session's own thread, one at a time). With ``current_state=True``
        the first event is EventKind.CURRENT, carrying the state at the moment
        of subscribing, before any later change: "read the state, then follow
        it" without a race. An exception the callback raises is contained and
        reported (see set_callback_error_handler). ``on_end`` runs once after
        its last call (unsubscribed or session closed)."""
        handle = self._h()
        options = _abi.SubscribeOptions()
        options.struct_size = ctypes.sizeof(options)
        options.flags = _abi.SUBSCRIBE_CURRENT_STATE if current_state else 0
        options.callback = _callbacks.TRAMPOLINE
        options.context = _callbacks.register(callback, on_end)
        options.release = _callbacks.RELEASE_TRAMPOLINE
        token = c_uint64()
        # On failure olstate runs the release (removing the context) before returning.
        _abi.call("olstate_subscribe_ex", handle, byref(options), byref(token))
        return Subscription(self, token.value)

    def events(self, maxsize: int = 1024, *, current_state: bool = False) -> "EventIterator":
        """A blocking iterator over the events from now on (``current_state``:
        first an EventKind.CURRENT event, as for subscribe). It ends when the
        session is closed, and after the final PROVIDER_LOST of a bridge
        session opened without reconnect. Use it in a ``with`` block to
        unsubscribe early."""
        from .streams import EventIterator
        return EventIterator(self, maxsize, current_state)

    def stream(self, maxsize: int = 1024, *, current_state: bool = False) -> "AsyncEventStream":
        """An ``async for`` stream of the events from now on, handed to the
        running asyncio loop; call it inside that loop. It ends as events() does."""
        from .streams import AsyncEventStream
        return AsyncEventStream(self, maxsize, current_state)

    def __repr__(self) -> str:
        return f"<olstate.Session {'closed' if self.closed else hex(self._handle or 0)}>"


@atexit.register
def _close_live_sessions() -> None:
    """At interpreter exit, close what is still open while Python can still
    run callbacks: afterwards an olstate thread must never enter Python."""
    with _live_lock:
        sessions = list(_live)
    for s in sessions:
        try:
            s.close()
        except Exception:
            pass
