"""Document problems: errors that carry a JSON path, and how values are named in them.

A hook raises :class:`Invalid` with the path of the problem relative to where it
was called; :func:`at` prefixes the path of a nested value, and :func:`document`
turns the first problem into a :class:`~ippools.errors.DocumentError` whose
message starts with the path (:func:`format_path`). :func:`describe` and
:func:`~ippools.errors.echo` name an offending value in a message without letting it grow
with the input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias, TypeVar

from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)

from ippools.errors import ECHO_LIMIT, DocumentError, echo

__all__ = [
    "Invalid",
    "PathPart",
    "at",
    "describe",
    "document",
    "fail",
    "format_path",
    "unknown_fields",
]

PathPart: TypeAlias = str | int
T = TypeVar("T")


class Invalid(Exception):
    """A document problem at ``path`` (relative to where the hook was called)."""

    def __init__(self, path: tuple[PathPart, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def fail(message: str, *path: PathPart) -> Invalid:
    """A problem at ``path`` (relative to the value being checked), to raise."""
    return Invalid(tuple(path), message)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def format_path(path: Iterable[PathPart]) -> str:
    """A JSON path as text: ``world.domains[2].ips[0]``, odd keys as ``["X Y"]``.

    A key longer than :data:`~ippools.errors.ECHO_LIMIT` shows its first characters
    followed by ``...`` (``["aaaa"...]``), as :func:`~ippools.errors.echo` cuts values.
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif len(part) <= ECHO_LIMIT and _IDENTIFIER.fullmatch(part):
            out += f".{part}" if out else part
        else:
            cut = "..." if len(part) > ECHO_LIMIT else ""
            out += f"[{json.dumps(part[:ECHO_LIMIT])}{cut}]"
    return out


def locate(error: BaseException) -> tuple[tuple[PathPart, ...], str]:
    """The path and message of the first problem inside ``error``."""
    if isinstance(error, Invalid):
        return error.path, error.message
    if isinstance(error, ClassValidationError):
        extra = [e for e in error.exceptions if isinstance(e, ForbiddenExtraKeysError)]
        chosen: BaseException = extra[0] if extra else error.exceptions[0]
        for note in getattr(chosen, "__notes__", ()):
            if isinstance(note, AttributeValidationNote):
                if isinstance(chosen, KeyError):
                    return (note.name,), "required field is missing"
                inner, message = locate(chosen)
                return (note.name, *inner), message
            if isinstance(note, IterableValidationNote):
                inner, message = locate(chosen)
                return (note.index, *inner), message
        return locate(chosen)
    if isinstance(error, ForbiddenExtraKeysError):
        return (), unknown_fields(error.extra_fields)
    return (), str(error)


def unknown_fields(names: Iterable[str]) -> str:
    ordered = sorted(names)
    listed = ", ".join(echo(name) for name in ordered)
    return f"unknown field {listed}" if len(ordered) == 1 else f"unknown fields {listed}"


def at(path: tuple[PathPart, ...], run: Callable[..., T], *args: Any) -> T:
    """Run a nested hook on ``args``; a problem inside it is reported under ``path``."""
    try:
        return run(*args)
    except Exception as error:
        inner, message = locate(error)
        raise Invalid(path + inner, message) from None


def document(run: Callable[..., T], *args: Any) -> T:
    """Run a top-level hook on ``args``, turning any problem into a :class:`DocumentError`."""
    try:
        return run(*args)
    except DocumentError:
        raise
    except RecursionError:
        raise DocumentError("the document is nested too deeply") from None
    except Exception as error:
        path, message = locate(error)
        where = format_path(path)
        raise DocumentError(f"{where}: {message}" if where else message) from None


def describe(value: Any) -> str:
    """A JSON value named for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {echo(value)}"
    if isinstance(value, str):
        return f"the string {echo(value)}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"
