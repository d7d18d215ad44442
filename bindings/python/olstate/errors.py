"""One exception class per olstate result code, all derived from OlStateError."""
from __future__ import annotations

from typing import Dict, Type


class OlStateError(Exception):
    """A failed olstate call: ``code`` (negative OLSTATE_E_* value), ``name``
    (e.g. "OLSTATE_E_BUSY"), ``hresult`` (Outlook's HRESULT, 0 when none) and
    olstate's message."""

    code = 0

    def __init__(self, message: str, *, code: int = 0, name: str = "", hresult: int = 0) -> None:
        super().__init__(message)
        self.code = code or type(self).code
        self.name = name
        self.hresult = hresult
        self.message = message

    def __str__(self) -> str:
        # olstate's own messages usually start with the result's name already.
        text = self.message if not self.name or self.message.startswith(self.name) else f"{self.name}: {self.message}"
        return text + (f" (HRESULT 0x{self.hresult & 0xFFFFFFFF:08X})" if self.hresult else "")


# One class per OLSTATE_E_* code. Each is a plain subclass (so type checkers
# and `except` clauses see it); the code is its one fact, set from this table.
class InvalidArgumentError(OlStateError, ValueError):
    """A NULL, out-of-range or otherwise bad argument."""


class InvalidHandleError(OlStateError):
    """The session (or bridge) is closed."""


class ProviderNotFoundError(OlStateError):
    """No provider: Outlook's MAPI is missing, or a bridge session has no host."""


class ProfileNotFoundError(OlStateError):
    """No such MAPI profile."""


class NotSupportedError(OlStateError):
    """The provider (or the bridge host) does not offer this."""


class BusyError(OlStateError):
    """A change is still in progress."""


class ProviderFailedError(OlStateError):
    """Outlook failed the call; ``hresult`` says how."""


class OutOfMemoryError(OlStateError, MemoryError):
    """olstate ran out of memory."""


class InternalError(OlStateError):
    """A bug in olstate."""


class NotInOutlookError(OlStateError):
    """The Outlook provider outside OUTLOOK.EXE."""


class WouldDeadlockError(OlStateError):
    """A blocking call on a thread that the call would have to wait for."""


class StateTimeoutError(OlStateError, TimeoutError):
    """wait_state gave up: the state was not reached in time (OLSTATE_E_TIMEOUT)."""


# Position n (from 1) holds the class of result code -n (OLSTATE_E_INVALID_ARGUMENT = -1, ...).
BY_CODE: Dict[int, Type[OlStateError]] = {-n: cls for n, cls in enumerate((
    InvalidArgumentError, InvalidHandleError, ProviderNotFoundError, ProfileNotFoundError,
    NotSupportedError, BusyError, ProviderFailedError, OutOfMemoryError, InternalError,
    NotInOutlookError, WouldDeadlockError, StateTimeoutError), start=1)}
for _code, _cls in BY_CODE.items():
    _cls.code = _code


class IncompatibleLibraryError(OlStateError):
    """The loaded native library speaks another ABI than this package."""


class SimulatorError(OlStateError):
    """A simulator control call failed; ``hresult`` says how."""


def error_for(code: int, name: str, message: str, hresult: int) -> OlStateError:
    """The exception for a result code; unknown codes (a newer library) give OlStateError."""
    return BY_CODE.get(code, OlStateError)(message, code=code, name=name, hresult=hresult)
