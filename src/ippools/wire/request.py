"""The HTTP-shaped values the wire layer takes and gives: no web framework involved."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias, TypeGuard

import attrs

from ippools._validators import instance_of, is_text
from ippools.errors import ApiError, echo
from ippools.outcome import Accepted, Outcome, Rejected

__all__ = ["Fields", "Request", "Response", "fields"]

Fields: TypeAlias = tuple[tuple[str, str], ...]
"""Multi-valued fields as ordered (name, value) pairs; a name may repeat."""

FieldsLike: TypeAlias = Mapping[str, "str | Iterable[str]"] | Iterable[tuple[str, str]] | None


def fields(value: FieldsLike) -> Fields:
    """Normalise a mapping (values a string or a list of strings) or pairs into :data:`Fields`.

    A list value gives one pair per entry, so an empty list gives none (K5).
    Raises :class:`TypeError` when ``value`` is neither None, a mapping nor an
    iterable of (name, value) pairs. Names and values are kept as given: a
    request is what a client sent, and :func:`~ippools.wire.handle` answers 400
    for one that is not text.
    """
    return _fields("fields", value)


def _fields(argument: str, value: object) -> Fields:
    if value is None:
        return ()
    if isinstance(value, Mapping):
        pairs: list[tuple[Any, Any]] = []
        for name, item in value.items():
            if isinstance(item, list | tuple):
                pairs.extend((name, entry) for entry in item)
            else:  # one value; handle() answers 400 for one that is not text
                pairs.append((name, item))
        return tuple(pairs)
    if not _is_many(value):
        raise TypeError(f"{argument} must be a mapping or (name, value) pairs, got {echo(value)}")
    out: list[tuple[Any, Any]] = []
    for pair in value:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise TypeError(f"{argument} must hold (name, value) pairs, got {echo(pair)}")
        out.append((pair[0], pair[1]))
    return tuple(out)


def _is_many(value: object) -> TypeGuard[Iterable[Any]]:
    """True for a collection of values, as opposed to one value (a string, bytes, a number)."""
    return isinstance(value, Iterable) and not isinstance(value, str | bytes | bytearray | Mapping)


def _query(value: FieldsLike) -> Fields:
    return _fields("query", value)


def _headers(value: FieldsLike) -> Fields:
    return _fields("headers", value)


def _form(value: FieldsLike) -> Fields:
    return _fields("form", value)


@attrs.frozen
class Request:
    """One request: method, raw (percent-encoded) path, query, headers and an optional body.

    ``form`` holds urlencoded or multipart fields; ``json`` holds a decoded JSON
    body, ``None`` meaning no JSON body. At most one of them carries a body.
    ``method`` and ``path`` must be strings and ``query``, ``headers`` and
    ``form`` mappings or (name, value) pairs (:class:`TypeError` otherwise);
    the names and values themselves are checked by :func:`~ippools.wire.handle`.
    """

    method: str = attrs.field(validator=is_text)
    path: str = attrs.field(validator=is_text)
    query: Fields = attrs.field(default=(), converter=_query)
    headers: Fields = attrs.field(default=(), converter=_headers)
    form: Fields = attrs.field(default=(), converter=_form)
    json: Any = attrs.field(default=None, hash=False)


@attrs.frozen
class Response:
    """The answer: status and JSON body, with the outcome the rules gave (None when the
    request was refused before it became a command) and the error answered, if any."""

    status: int = attrs.field(validator=instance_of(int))
    body: dict[str, Any] = attrs.field(validator=instance_of(dict))
    outcome: Outcome | None = attrs.field(
        default=None, eq=False, validator=instance_of(Accepted, Rejected, type(None))
    )
    error: ApiError | None = attrs.field(
        default=None, eq=False, validator=instance_of(ApiError, type(None))
    )
