"""The values olstate works with: states, capabilities, event kinds,
providers, delivery modes, events and session facts."""
from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass
from typing import Any, Dict


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

    def __str__(self) -> str:
        return self.name.lower()


class Provider(enum.IntEnum):
    AUTO = 0
    OUTLOOK = 1
    SIMULATOR = 2
    LIBRARY = 3
    BRIDGE = 4

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

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict, the shape ``olstate-monitor --json`` prints."""
        return {"type": "event", "time": self.time.isoformat().replace("+00:00", "Z"),
                "kind": str(self.kind) if isinstance(self.kind, EventKind) else "unknown",
                "old_state": str(self.old_state), "new_state": str(self.new_state),
                "sequence": self.sequence, "subscription": self.subscription,
                "dropped": self.dropped}

    def __str__(self) -> str:
        return f"#{self.sequence} {self.kind} {self.old_state} -> {self.new_state}"


@dataclass(frozen=True)
class SessionInfo:
    """Facts about an open session: the resolved provider, the profile used,
    and the provider library loaded (bridge: the endpoint)."""
    provider: "Provider | int"
    profile: str
    provider_path: str
