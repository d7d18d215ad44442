"""olstate: know when Microsoft Outlook goes online or offline, and switch it.

    import olstate
    with olstate.Session() as s:
        print(s.state, s.capabilities)
        s.wait_state("online", timeout=30)

Pure Python over olstate's C library (ctypes). See README.md beside this
package for the library search order, the simulator and the bridge.
"""
from ._callbacks import set_callback_error_handler
from ._connection import Account, AccountType, ConnectionMode
from ._library import LibraryNotFoundError
from .bridge import Bridge
from .errors import (BusyError, IncompatibleLibraryError, InternalError, InvalidArgumentError,
                     InvalidHandleError, NotInOutlookError, NotSupportedError, OlStateError,
                     OutOfMemoryError, ProfileNotFoundError, ProviderFailedError,
                     ProviderNotFoundError, SimulatorError, StateTimeoutError, WouldDeadlockError)
from .outlook import OutlookInfo, OutlookKind, detect_outlook
from .session import Session, Subscription
from .streams import AsyncEventStream, EventIterator
from .types import Capabilities, Delivery, Event, EventKind, Provider, SessionInfo, State


def library_version() -> str:
    """The native library's version, e.g. "1.3.0" (loads it)."""
    from ._abi import version
    return version()


def library_path() -> "str | None":
    """Where the native library was loaded from, None before first use."""
    from ._library import loaded_path
    return loaded_path()


def _installed_version() -> str:
    from importlib import metadata
    try:
        return metadata.version("olstate")   # the wheel's, from meson.build
    except metadata.PackageNotFoundError:
        return "0+source"                    # a source checkout, not installed


__version__ = _installed_version()

__all__ = [
    "Account", "AccountType", "AsyncEventStream", "Bridge", "BusyError", "Capabilities", "ConnectionMode", "Delivery", "Event", "EventIterator",
    "EventKind", "IncompatibleLibraryError", "InternalError", "InvalidArgumentError",
    "InvalidHandleError", "LibraryNotFoundError", "NotInOutlookError", "NotSupportedError",
    "OlStateError", "OutlookInfo", "OutlookKind", "OutOfMemoryError", "ProfileNotFoundError", "Provider", "ProviderFailedError",
    "ProviderNotFoundError", "Session", "SessionInfo", "SimulatorError", "State",
    "StateTimeoutError", "Subscription", "WouldDeadlockError", "detect_outlook", "library_path",
    "library_version",
    "set_callback_error_handler", "__version__",
]
