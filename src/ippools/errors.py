"""The error tree of ippools.

Every error a caller can cause is an :class:`ApiError` with the HTTP status it
answers with, a stable machine-readable ``code`` and a message naming the
offending value. Rejections carry these as values; they are exceptions as well
so that a host may raise them.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "ApiError",
    "BadRequest",
    "ConflictError",
    "DocumentError",
    "Forbidden",
    "IppoolsError",
    "MethodNotAllowed",
    "NotFound",
]


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
