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


class InvalidArgumentError(OlStateError, ValueError):
    code = -1


class InvalidHandleError(OlStateError):
    code = -2


class ProviderNotFoundError(OlStateError):
    code = -3


class ProfileNotFoundError(OlStateError):
    code = -4


class NotSupportedError(OlStateError):
    code = -5


class BusyError(OlStateError):
    code = -6


class ProviderFailedError(OlStateError):
    code = -7


class OutOfMemoryError(OlStateError, MemoryError):
    code = -8


class InternalError(OlStateError):
    code = -9


class NotInOutlookError(OlStateError):
    code = -10


class WouldDeadlockError(OlStateError):
    code = -11


class IncompatibleLibraryError(OlStateError):
    """The loaded native library speaks another ABI than this package."""


class StateTimeoutError(OlStateError, TimeoutError):
    """wait_state gave up: the state was not reached in time."""


class SimulatorError(OlStateError):
    """A simulator control call failed; ``hresult`` says how."""


BY_CODE: Dict[int, Type[OlStateError]] = {
    cls.code: cls for cls in (
        InvalidArgumentError, InvalidHandleError, ProviderNotFoundError, ProfileNotFoundError,
        NotSupportedError, BusyError, ProviderFailedError, OutOfMemoryError, InternalError,
        NotInOutlookError, WouldDeadlockError)
}


def error_for(code: int, name: str, message: str, hresult: int) -> OlStateError:
    """The exception for a result code; unknown codes (a newer library) give OlStateError."""
    return BY_CODE.get(code, OlStateError)(message, code=code, name=name, hresult=hresult)
