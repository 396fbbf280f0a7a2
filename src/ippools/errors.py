"""The error tree of ippools.

Every error a caller can cause is an :class:`ApiError` with the HTTP status it
answers with, a stable machine-readable ``code`` and a message naming the
offending value. Rejections carry these as values; they are exceptions as well
so that a host may raise them.

A message shows a value the caller gave through :func:`echo`, which cuts it to
:data:`ECHO_LIMIT` characters, so that no message grows with a hostile input (K26).
"""

from __future__ import annotations

import reprlib
from typing import ClassVar, Final

__all__ = [
    "ECHO_LIMIT",
    "ApiError",
    "BadRequest",
    "ConflictError",
    "DocumentError",
    "Forbidden",
    "IppoolsError",
    "MethodNotAllowed",
    "NotFound",
    "echo",
]

ECHO_LIMIT: Final = 100
"""How many characters of a value an error message shows at most (K26)."""

_REPR = reprlib.Repr()  # bounds the work on big containers; echo makes the final cut
_REPR.maxlevel = 3
_REPR.maxstring = _REPR.maxother = ECHO_LIMIT
_REPR.maxlong = 1 << 30  # an int is cut like any other repr: its first digits, then ...


def echo(value: object) -> str:
    """The text an error message shows for ``value``: its ``repr``, cut to ECHO_LIMIT characters.

    A string of at most :data:`ECHO_LIMIT` characters shows as its ``repr``
    (``'acct-1'``); a longer one as the ``repr`` of its first ECHO_LIMIT characters
    followed by ``...`` outside the quotes (``'aaaa'...``), so that a cut value is
    never mistaken for one that ends in dots. Any other value shows the first
    ECHO_LIMIT characters of its ``repr``, followed by ``...`` when cut. The ``repr``
    escapes what is not printable, a lone surrogate included, so the result is
    always valid text; it never raises.
    """
    if isinstance(value, str):
        if len(value) <= ECHO_LIMIT:
            return repr(value)
        return repr(value[:ECHO_LIMIT]) + "..."
    try:
        text = _REPR.repr(value)
    except Exception:  # a repr that fails (an int past the digit limit, a broken __repr__)
        text = f"<{type(value).__name__}>"
    return text if len(text) <= ECHO_LIMIT else text[:ECHO_LIMIT] + "..."


class IppoolsError(Exception):
    """Base class of every error ippools raises on purpose."""


class ApiError(IppoolsError):
    """An error answer of the API: ``status``, ``code`` and ``message``."""

    status: ClassVar[int] = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def body(self) -> dict[str, str]:
        """The JSON body of the error answer (C4)."""
        return {"message": self.message}

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and isinstance(other, ApiError)
            and (other.code, other.message) == (self.code, self.message)
        )

    def __hash__(self) -> int:
        return hash((type(self), self.code, self.message))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class BadRequest(ApiError):
    """400: malformed or missing input, or a rule that the current state forbids."""

    status = 400


class Forbidden(ApiError):
    """403: missing DIPPs feature, not shared-eligible, or a change to an inherited DIPP."""

    status = 403


class NotFound(ApiError):
    """404: an unknown route, account, domain, DIPP or IP (for this account)."""

    status = 404


class MethodNotAllowed(ApiError):
    """405: a known path asked with a method it does not take."""

    status = 405


class ConflictError(IppoolsError):
    """A store refused a write because a record changed since it was read; retry the command."""


class DocumentError(IppoolsError):
    """A world or scenario document is not valid; the message names the offending record."""
