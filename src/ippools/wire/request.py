"""The HTTP-shaped values the wire layer takes and gives: no web framework involved."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

import attrs

from ippools.outcome import Outcome

__all__ = ["Fields", "Request", "Response", "fields"]

Fields: TypeAlias = tuple[tuple[str, str], ...]
"""Multi-valued fields as ordered (name, value) pairs; a name may repeat."""

FieldsLike: TypeAlias = Mapping[str, "str | Iterable[str]"] | Iterable[tuple[str, str]] | None


def fields(value: FieldsLike) -> Fields:
    """Normalise a mapping (values a string or a list of strings) or pairs into :data:`Fields`.

    A list value gives one pair per entry, so an empty list gives none (K5).
    """
    if value is None:
        return ()
    if isinstance(value, Mapping):
        pairs: list[tuple[str, str]] = []
        for name, item in value.items():
            if isinstance(item, str):
                pairs.append((name, item))
            else:
                pairs.extend((name, entry) for entry in item)
        return tuple(pairs)
    return tuple((name, item) for name, item in value)


@attrs.frozen
class Request:
    """One request: method, raw (percent-encoded) path, query, headers and an optional body.

    ``form`` holds urlencoded or multipart fields; ``json`` holds a decoded JSON
    body, ``None`` meaning no JSON body. At most one of them carries a body.
    """

    method: str
    path: str
    query: Fields = attrs.field(default=(), converter=fields)
    headers: Fields = attrs.field(default=(), converter=fields)
    form: Fields = attrs.field(default=(), converter=fields)
    json: Any = attrs.field(default=None, hash=False)


@attrs.frozen
class Response:
    """The answer: status and JSON body, with the outcome the rules gave (None when the
    request was refused before it became a command)."""

    status: int
    body: dict[str, Any]
    outcome: Outcome | None = attrs.field(default=None, eq=False)
