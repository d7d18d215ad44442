"""The values olstate works with: states, capabilities, event kinds,
providers, delivery modes, events and session facts."""
from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Optional

if TYPE_CHECKING:
    from ._connection import ConnectionMode


class State(enum.IntEnum):
    OFFLINE = 1
    ONLINE = 2

    def __str__(self) -> str:
        return self.name.lower()


class Capabilities(enum.IntFlag):
    NONE = 0
    OFFLINE = 1
    ONLINE = 2
    CONNECTION_MODE = 0x10000  # ABI 1.3: reports Outlook's Exchange connection mode and accounts


class EventKind(enum.IntEnum):
    """A change arrives as CHANGE_START, CHANGE, CHANGE_DONE; bridge sessions
    also get PROVIDER_LOST / PROVIDER_BACK; a subscription made with
    ``current_state=True`` first gets CURRENT (old_state = new_state = the
    state when it subscribed). A kind a later library adds is passed on as
    its plain int value."""
    CHANGE_START = 1
    CHANGE = 2
    CHANGE_DONE = 3
    PROVIDER_LOST = 0x100
    PROVIDER_BACK = 0x101
    CURRENT = 0x200
    CONNECTION_CHANGED = 0x300  # ABI 1.3: the session's Exchange connection mode changed
    ACCOUNT_CHANGED = 0x301     # ABI 1.3: an account was added, removed or changed its mode

    def __str__(self) -> str:
        return self.name.lower()


class Provider(enum.IntEnum):
    AUTO = 0
    OUTLOOK = 1
    SIMULATOR = 2
    LIBRARY = 3
    BRIDGE = 4
    OBJECT_MODEL = 5  # ABI 1.3, Windows: a running Outlook read from outside, read-only

    def __str__(self) -> str:
        return self.name.lower()


class Delivery(enum.IntEnum):
    QUEUED = 0
    INLINE = 1


def _enum_or_int(cls: Any, value: int) -> Any:
    try:
        return cls(value)
    except ValueError:
        return value


@dataclass(frozen=True)
class Event:
    """One notification. ``kind`` is an EventKind (or an int for kinds this
    package does not know); ``dropped``: events were lost before this one."""
    kind: "EventKind | int"
    old_state: "State | int"
    new_state: "State | int"
    sequence: int
    subscription: int
    dropped: bool
    time: _dt.datetime

    @classmethod
    def _from_native(cls, e: Any, dropped_flag: int) -> "Event":
        return cls(kind=_enum_or_int(EventKind, e.kind),
                   old_state=_enum_or_int(State, e.old_state),
                   new_state=_enum_or_int(State, e.new_state),
                   sequence=e.sequence, subscription=e.subscription,
                   dropped=bool(e.flags & dropped_flag),
                   time=_dt.datetime.fromtimestamp(e.notify_time_us / 1e6, _dt.timezone.utc))

    @property
    def carries_modes(self) -> bool:
        """CONNECTION_CHANGED and ACCOUNT_CHANGED carry connection modes (in
        old_mode / new_mode), not online/offline states."""
        return self.kind in (EventKind.CONNECTION_CHANGED, EventKind.ACCOUNT_CHANGED)

    @property
    def old_mode(self) -> "Optional[ConnectionMode | int]":
        """CONNECTION_CHANGED: the session's mode before; ACCOUNT_CHANGED: the
        account's (None when it was just added). None for other kinds."""
        from ._connection import mode_or_none
        return mode_or_none(int(self.old_state)) if self.carries_modes else None

    @property
    def new_mode(self) -> "Optional[ConnectionMode | int]":
        """As old_mode, after the change (None for a removed account)."""
        from ._connection import mode_or_none
        return mode_or_none(int(self.new_state)) if self.carries_modes else None

    def _values(self) -> "tuple[str, str]":
        """The old and new value's names: modes ("none" for no account) or states."""
        if self.carries_modes:
            return _mode_name(self.old_mode), _mode_name(self.new_mode)
        return str(self.old_state), str(self.new_state)

    @property
    def monitor_kind(self) -> str:
        """The kind's name as olstate-monitor prints it ("unknown" for a kind
        this package does not know)."""
        if not isinstance(self.kind, EventKind):
            return "unknown"
        return _MONITOR_KIND_NAMES.get(self.kind, str(self.kind))

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict, the shape ``olstate-monitor --json`` prints."""
        old, new = self._values()
        return {"type": "event", "time": self.time.isoformat().replace("+00:00", "Z"),
                "kind": self.monitor_kind,
                "old_state": old, "new_state": new,
                "sequence": self.sequence, "subscription": self.subscription,
                "dropped": self.dropped}

    def __str__(self) -> str:
        old, new = self._values()
        return f"#{self.sequence} {self.kind} {old} -> {new}"


def _mode_name(mode: "Optional[ConnectionMode | int]") -> str:
    return "none" if mode is None else str(mode)


# Where the monitor's --json names a kind otherwise than str(kind).
_MONITOR_KIND_NAMES = {EventKind.CONNECTION_CHANGED: "connection", EventKind.ACCOUNT_CHANGED: "account"}


@dataclass(frozen=True)
class SessionInfo:
    """Facts about an open session: the resolved provider, the profile used,
    and the provider library loaded (bridge: the endpoint)."""
    provider: "Provider | int"
    profile: str
    provider_path: str
