"""Events as a blocking iterator and as an ``async for`` stream.

Both hold events in a bounded buffer filled on olstate's thread: when the
consumer falls behind by ``maxsize`` events the oldest are dropped and the
next one handed out has ``dropped=True`` (olstate's own rule). The stream
ends after the last event once the session is closed or the stream is, and
after a PROVIDER_LOST that is final (a bridge session without reconnect:
nothing can follow it, so a ``for`` over the events must not hang).
"""
from __future__ import annotations

import asyncio
import collections
import dataclasses
import threading
import time
from typing import TYPE_CHECKING, AsyncIterator, Callable, Deque, Iterator, Optional

from .types import Event, EventKind

if TYPE_CHECKING:
    from .session import Session, Subscription


class _Buffer:
    """Thread-safe bounded FIFO with an end mark; ``notify`` runs (outside the
    lock) after each push and at the end. With ``final_loss`` a PROVIDER_LOST
    is the last event: the buffer ends after it."""

    def __init__(self, maxsize: int, notify: Optional[Callable[[], None]] = None,
                 final_loss: bool = False) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._items: Deque[Event] = collections.deque()
        self._maxsize = maxsize
        self._final_loss = final_loss
        self._ended = False
        self._cond = threading.Condition()
        self._notify = notify

    def push(self, event: Event) -> None:
        with self._cond:
            if len(self._items) >= self._maxsize:
                self._items.popleft()
                if self._items:
                    self._items[0] = dataclasses.replace(self._items[0], dropped=True)
                else:
                    event = dataclasses.replace(event, dropped=True)
            self._items.append(event)
            if self._final_loss and event.kind == EventKind.PROVIDER_LOST:
                self._ended = True
            self._cond.notify_all()
        if self._notify:
            self._notify()

    def end(self) -> None:
        with self._cond:
            self._ended = True
            self._cond.notify_all()
        if self._notify:
            self._notify()

    def take(self) -> "tuple[Optional[Event], bool]":
        """(event, False), or (None, True) when ended and empty, or (None, False)."""
        with self._cond:
            if self._items:
                return self._items.popleft(), False
            return None, self._ended

    def finished(self) -> bool:
        """Ended, and every event taken."""
        with self._cond:
            return self._ended and not self._items

    def wait(self, timeout: Optional[float]) -> None:
        with self._cond:
            if not self._items and not self._ended:
                self._cond.wait(timeout)


class EventIterator:
    """``for event in session.events(): ...`` — blocks for the next event;
    Ctrl-C interrupts it. ``get(timeout)`` returns None on timeout."""

    def __init__(self, session: "Session", maxsize: int = 1024, current_state: bool = False) -> None:
        self._buffer = _Buffer(maxsize, final_loss=not session.reconnect)
        self._subscription: "Subscription" = session.subscribe(
            self._buffer.push, self._buffer.end, current_state=current_state)

    def get(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event; None after ``timeout`` seconds or once the stream ended."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            event, ended = self._buffer.take()
            if event is not None or ended:
                return event
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return None
            # Short slices keep the main thread responsive to Ctrl-C.
            self._buffer.wait(0.25 if left is None else min(left, 0.25))

    @property
    def ended(self) -> bool:
        """The stream has ended (session closed, iterator closed, final
        PROVIDER_LOST) and every event in it was read: ``get`` returns None
        at once from now on."""
        return self._buffer.finished()

    def __iter__(self) -> Iterator[Event]:
        return self

    def __next__(self) -> Event:
        while True:
            event, ended = self._buffer.take()
            if event is not None:
                return event
            if ended:
                raise StopIteration
            self._buffer.wait(0.25)

    def close(self) -> None:
        """Unsubscribes; the events already buffered can still be read."""
        self._subscription.close()

    def __enter__(self) -> "EventIterator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncEventStream:
    """``async for event in session.stream(): ...`` — events reach the loop
    through ``call_soon_threadsafe``; at most one wake-up is pending at a time
    however fast events come."""

    def __init__(self, session: "Session", maxsize: int = 1024, current_state: bool = False) -> None:
        self._loop = asyncio.get_running_loop()
        self._ready = asyncio.Event()
        self._wake_lock = threading.Lock()
        self._wake_pending = False
        self._buffer = _Buffer(maxsize, self._wake, final_loss=not session.reconnect)
        self._subscription: "Subscription" = session.subscribe(
            self._buffer.push, self._buffer.end, current_state=current_state)

    def _wake(self) -> None:  # on olstate's thread
        with self._wake_lock:
            if self._wake_pending:
                return
            self._wake_pending = True
        try:
            self._loop.call_soon_threadsafe(self._on_wake)
        except RuntimeError:
            pass  # the loop is closed: nobody is listening any more

    def _on_wake(self) -> None:  # on the loop's thread
        with self._wake_lock:
            self._wake_pending = False
        self._ready.set()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        while True:
            event, ended = self._buffer.take()
            if event is not None:
                return event
            if ended:
                raise StopAsyncIteration
            self._ready.clear()
            # Re-check after clearing: a push in between has scheduled a wake.
            event, ended = self._buffer.take()
            if event is not None:
                return event
            if ended:
                raise StopAsyncIteration
            await self._ready.wait()

    async def get(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event; None after ``timeout`` seconds or once the stream ended."""
        try:
            return await asyncio.wait_for(self.__anext__(), timeout)
        except (asyncio.TimeoutError, StopAsyncIteration):
            return None

    def close(self) -> None:
        self._subscription.close()

    async def __aenter__(self) -> "AsyncEventStream":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def __enter__(self) -> "AsyncEventStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
