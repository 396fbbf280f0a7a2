"""Errors that carry a JSON path, and the strict hooks for leaf values.

A hook raises ``_Invalid`` with the path of the problem relative to where it was
called; :func:`_at` prefixes the path of a nested value, and :func:`_document`
turns the first problem into a :class:`~ippools.errors.DocumentError` whose
message starts with the path (:func:`format_path`). The leaf hooks are strict: a
JSON ``1`` is not a bool, ``true`` is not an integer, an id is a non-empty string
without whitespace or ``/``, an IP is valid per C5 and appears once in its list,
and every string is valid Unicode (K26), except in a scenario's requests, which
are sent as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeAlias, TypeVar

from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)

from ippools.errors import ECHO_LIMIT, DocumentError, echo
from ippools.model import IPAddress, ip_text, is_pool_id, parse_ip, sorted_ips
from ippools.text import find_invalid_text, is_valid_text

__all__ = ["PathPart", "format_path"]

PathPart: TypeAlias = str | int
T = TypeVar("T")

# -- errors with a path ------------------------------------------------------------


class _Invalid(Exception):
    """A document problem at ``path`` (relative to where the hook was called)."""

    def __init__(self, path: tuple[PathPart, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _fail(message: str, *path: PathPart) -> _Invalid:
    return _Invalid(tuple(path), message)


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


def _locate(error: BaseException) -> tuple[tuple[PathPart, ...], str]:
    """The path and message of the first problem inside ``error``."""
    if isinstance(error, _Invalid):
        return error.path, error.message
    if isinstance(error, ClassValidationError):
        extra = [e for e in error.exceptions if isinstance(e, ForbiddenExtraKeysError)]
        chosen: BaseException = extra[0] if extra else error.exceptions[0]
        for note in getattr(chosen, "__notes__", ()):
            if isinstance(note, AttributeValidationNote):
                if isinstance(chosen, KeyError):
                    return (note.name,), "required field is missing"
                inner, message = _locate(chosen)
                return (note.name, *inner), message
            if isinstance(note, IterableValidationNote):
                inner, message = _locate(chosen)
                return (note.index, *inner), message
        return _locate(chosen)
    if isinstance(error, ForbiddenExtraKeysError):
        return (), _unknown_fields(error.extra_fields)
    return (), str(error)


def _unknown_fields(names: Iterable[str]) -> str:
    ordered = sorted(names)
    listed = ", ".join(echo(name) for name in ordered)
    return f"unknown field {listed}" if len(ordered) == 1 else f"unknown fields {listed}"


def _at(path: tuple[PathPart, ...], run: Callable[..., T], *args: Any) -> T:
    """Run a nested hook on ``args``; a problem inside it is reported under ``path``."""
    try:
        return run(*args)
    except Exception as error:
        inner, message = _locate(error)
        raise _Invalid(path + inner, message) from None


def _document(run: Callable[..., T], *args: Any) -> T:
    """Run a top-level hook on ``args``, turning any problem into a :class:`DocumentError`."""
    try:
        return run(*args)
    except DocumentError:
        raise
    except RecursionError:
        raise DocumentError("the document is nested too deeply") from None
    except Exception as error:
        path, message = _locate(error)
        where = format_path(path)
        raise DocumentError(f"{where}: {message}" if where else message) from None


# -- strict leaf hooks ---------------------------------------------------------------


def _describe(value: Any) -> str:
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


def _string(value: Any, _: Any = None) -> str:
    text = _any_string(value)
    if not is_valid_text(text):
        raise _fail(_NOT_TEXT)
    return text


def _any_string(value: Any, _: Any = None) -> str:
    """A string, valid Unicode or not: what a scenario's request sends as is (K26)."""
    if not isinstance(value, str):
        raise _fail(f"expected a string, got {_describe(value)}")
    return value


_NOT_TEXT = "not valid Unicode text: it holds a lone surrogate"


def _valid_text(value: T) -> T:
    """``value`` when every string and key inside it is valid Unicode (K26), else its path."""
    found = find_invalid_text(value)
    if found is not None:
        path, is_key = found
        raise _Invalid(path, f"the key is {_NOT_TEXT}" if is_key else _NOT_TEXT)
    return value


def _boolean(value: Any, _: Any = None) -> bool:
    if not isinstance(value, bool):
        raise _fail(f"expected true or false, got {_describe(value)}")
    return value


def _count(value: Any, _: Any = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _fail(f"expected an integer >= 0, got {_describe(value)}")
    return value


def _status(value: Any, _: Any = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 100 <= value <= 599:
        raise _fail(f"expected an HTTP status (an integer from 100 to 599), got {_describe(value)}")
    return value


def _object(value: Any, what: str = "an object") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"expected {what}, got {_describe(value)}")
    for key in value:
        if not isinstance(key, str):
            raise _fail(f"expected {what} with string keys, got the key {echo(key)}")
    return value


def _array(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(f"expected an array, got {_describe(value)}")
    return value


def _no_unknown(obj: Mapping[str, Any], known: Iterable[str]) -> None:
    extra = set(obj) - set(known)
    if extra:
        raise _fail(_unknown_fields(extra))


def _identifier(article: str, noun: str) -> Callable[..., str]:
    def hook(value: Any, _: Any = None) -> str:
        text = _string(value)
        if not text:
            raise _fail(f"{article} {noun} must not be empty")
        if "/" in text or any(c.isspace() for c in text):
            raise _fail(f"{echo(text)} is not a valid {noun}: it contains whitespace or '/'")
        return text

    return hook


_record_id = _identifier("an", "id")
_domain_name = _identifier("a", "domain name")


def _optional_record_id(value: Any, _: Any = None) -> str | None:
    return None if value is None else _record_id(value)


def _pool_id(value: Any, _: Any = None) -> str:
    text = _string(value)
    if not is_pool_id(text):
        raise _fail(f"{echo(text)} is not a valid pool id (24 lowercase hex digits)")
    return text


def _optional_pool_id(value: Any, _: Any = None) -> str | None:
    return None if value is None else _pool_id(value)


def _ip(value: Any, _: Any = None) -> IPAddress:
    text = _string(value)
    ip = parse_ip(text)
    if ip is None:
        raise _fail(f"{echo(text)} is not a valid IP address")
    return ip


def _unique_list(item: Callable[..., T]) -> Callable[..., frozenset[T]]:
    """A JSON array of distinct values (after parsing) as a frozenset."""

    def hook(value: Any, _: Any = None) -> frozenset[T]:
        seen: set[T] = set()
        for index, entry in enumerate(_array(value)):
            parsed = _at((index,), item, entry)
            if parsed in seen:
                raise _fail(f"{echo(str(entry))} is repeated", index)
            seen.add(parsed)
        return frozenset(seen)

    return hook


def _sorted_ip_texts(ips: Iterable[IPAddress]) -> list[str]:
    return [ip_text(ip) for ip in sorted_ips(ips)]
