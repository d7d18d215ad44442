"""Outlook's Exchange connection (ABI 1.3): the connection mode, Offline and
the accounts, read by the provider (olstate.h, "Exchange connection and
accounts"), and the Session members that read or wait for them.

Only sessions with Capabilities.CONNECTION_MODE report them; on others each
read raises NotSupportedError. Changes arrive as
EventKind.CONNECTION_CHANGED / ACCOUNT_CHANGED, whose ``old_mode`` and
``new_mode`` carry the modes.
"""
from __future__ import annotations

import ctypes
import enum
import math
import time
from ctypes import POINTER, Structure, byref, c_char, c_uint32, c_void_p
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, List, Optional

from . import _abi
from .errors import ProviderNotFoundError, StateTimeoutError

if TYPE_CHECKING:
    from .streams import EventIterator

STRUCT_ACCOUNT = 6
MAX_ACCOUNTS = 32
ACCOUNT_TEXT_SIZE = 256
CONNECTION_UNKNOWN = 0xFFFFFFFF  # ACCOUNT_CHANGED: the side where the account did not exist


class ConnectionMode(enum.IntEnum):
    """Outlook's OlExchangeConnectionMode (NameSpace.ExchangeConnectionMode,
    Account.ExchangeConnectionMode). A value a later library adds is passed
    on as its plain int."""
    NO_EXCHANGE = 0
    OFFLINE = 100                    # classic offline, or Work Offline
    CACHED_OFFLINE = 200             # cached mode, Work Offline
    DISCONNECTED = 300               # the connection to Exchange is down
    CACHED_DISCONNECTED = 400        # cached, connection down: the cache may be stale
    CACHED_CONNECTED_HEADERS = 500   # cached, slow link: headers only
    CACHED_CONNECTED_DRIZZLE = 600   # cached: headers, then full items
    CACHED_CONNECTED_FULL = 700      # cached and connected
    ONLINE = 800                     # classic online mode

    @property
    def connected(self) -> bool:
        """Exchange is reachable: the cached-connected modes and ONLINE."""
        return self >= ConnectionMode.CACHED_CONNECTED_HEADERS

    def __str__(self) -> str:
        return self.name.lower()


class AccountType(enum.IntEnum):
    """Outlook's OlAccountType."""
    EXCHANGE = 0
    IMAP = 1
    POP3 = 2
    HTTP = 3
    EAS = 4      # Exchange ActiveSync
    OTHER = 5    # olOtherAccount

    def __str__(self) -> str:
        return self.name.lower()


def _mode_or_int(value: int) -> "ConnectionMode | int":
    try:
        return ConnectionMode(value)
    except ValueError:
        return value


def mode_or_none(value: int) -> "ConnectionMode | int | None":
    """An event's mode: None for CONNECTION_UNKNOWN (no such account)."""
    return None if value == CONNECTION_UNKNOWN else _mode_or_int(value)


def is_connected(mode: "ConnectionMode | int") -> bool:
    """ConnectionMode.connected for any value (unknown ones: not connected)."""
    return isinstance(mode, ConnectionMode) and mode.connected


@dataclass(frozen=True)
class Account:
    """One account of the profile. ``smtp_address`` is None when Outlook could
    not give it without its object-model guard prompting; ``mode`` is
    NO_EXCHANGE for an account that is not Exchange."""
    display_name: str
    smtp_address: Optional[str]
    account_type: "AccountType | int"
    mode: "ConnectionMode | int"

    def __str__(self) -> str:
        smtp = f", {self.smtp_address}" if self.smtp_address else ""
        return f"{self.display_name} ({self.account_type}{smtp}): {self.mode}"


class AccountStruct(Structure):
    _fields_ = [("struct_size", c_uint32), ("account_type", c_uint32), ("connection_mode", c_uint32),
                ("reserved", c_uint32), ("display_name", c_char * ACCOUNT_TEXT_SIZE),
                ("smtp_address", c_char * ACCOUNT_TEXT_SIZE)]


_PROTOTYPES = {
    "olstate_get_connection_mode": (ctypes.c_int32, [c_void_p, POINTER(c_uint32)]),
    "olstate_get_offline": (ctypes.c_int32, [c_void_p, POINTER(c_uint32)]),
    "olstate_get_accounts": (ctypes.c_int32, [c_void_p, POINTER(AccountStruct), c_uint32, POINTER(c_uint32)]),
}
_prototyped = False


def _native() -> ctypes.CDLL:
    """The library, with this module's prototypes set and its account struct checked."""
    global _prototyped
    lib = _abi.native()
    if not _prototyped:
        for name, (restype, argtypes) in _PROTOTYPES.items():
            getattr(lib, name).restype, getattr(lib, name).argtypes = restype, argtypes
        if lib.olstate_struct_size(STRUCT_ACCOUNT) != ctypes.sizeof(AccountStruct):
            from .errors import IncompatibleLibraryError
            raise IncompatibleLibraryError("struct AccountStruct differs in size from the library's")
        _prototyped = True
    return lib


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


class ConnectionMixin:
    """The Session members for the Exchange connection (Session inherits them)."""

    if TYPE_CHECKING:
        def _h(self) -> int: ...
        def events(self, maxsize: int = ..., *, current_state: bool = ...) -> "EventIterator": ...

    @property
    def connection_mode(self) -> "ConnectionMode | int":
        """The session's Exchange connection mode as the provider read it last.
        NotSupportedError without Capabilities.CONNECTION_MODE,
        ProviderFailedError when the provider could not read it (its message
        says why), ProviderNotFoundError when a bridge host is gone."""
        _native()
        out = c_uint32()
        _abi.call("olstate_get_connection_mode", self._h(), byref(out))
        return _mode_or_int(out.value)

    @property
    def offline(self) -> bool:
        """Outlook's NameSpace.Offline: True when not connected to Exchange.
        Errors as for connection_mode."""
        _native()
        out = c_uint32()
        _abi.call("olstate_get_offline", self._h(), byref(out))
        return bool(out.value)

    @property
    def accounts(self) -> List[Account]:
        """The profile's accounts in Outlook's order, one snapshot. Errors as
        for connection_mode."""
        _native()
        raw = (AccountStruct * MAX_ACCOUNTS)()
        raw[0].struct_size = ctypes.sizeof(AccountStruct)
        count = c_uint32()
        _abi.call("olstate_get_accounts", self._h(), raw, c_uint32(MAX_ACCOUNTS), byref(count))
        return [Account(display_name=_decode(a.display_name),
                        smtp_address=_decode(a.smtp_address) or None,
                        account_type=_account_type(a.account_type),
                        mode=_mode_or_int(a.connection_mode))
                for a in raw[:min(count.value, MAX_ACCOUNTS)]]

    def wait_connection(self, predicate: Callable[["ConnectionMode | int"], bool] = is_connected,
                        timeout: Optional[float] = None) -> "ConnectionMode | int":
        """Returns the mode once it satisfies ``predicate`` (default: Exchange
        is reachable): at once when the current one does, else at the
        CONNECTION_CHANGED that brings one (it subscribes before it reads, so
        no change is missed). Raises StateTimeoutError after ``timeout``
        seconds (None: no limit), the errors of connection_mode, and
        ProviderNotFoundError when a bridge host goes away without reconnect
        (with reconnect it reads the mode again at PROVIDER_BACK). Do not call
        it from the session's own QUEUED callback: the change would be
        delivered on that very thread."""
        from .types import EventKind
        if timeout is not None and (math.isnan(timeout) or timeout < 0):
            raise ValueError("timeout must be None or a number of seconds >= 0")
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.events() as events:
            mode = self.connection_mode
            while not predicate(mode):
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise StateTimeoutError(f"the connection mode stayed {mode} for {timeout} s",
                                            name="OLSTATE_E_TIMEOUT")
                event = events.get(left)
                if event is None:
                    if events.ended:  # closed, or a bridge host gone for good
                        _ = self.connection_mode  # raises the library's own error
                        raise ProviderNotFoundError(
                            "the bridge host went away while waiting for a connection mode",
                            name="OLSTATE_E_PROVIDER_NOT_FOUND")
                    continue
                if event.kind == EventKind.CONNECTION_CHANGED and event.new_mode is not None:
                    mode = event.new_mode
                elif event.kind == EventKind.PROVIDER_BACK:
                    mode = self.connection_mode
            return mode


def _account_type(value: int) -> "AccountType | int":
    try:
        return AccountType(value)
    except ValueError:
        return value
