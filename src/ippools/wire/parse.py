"""Reading the parts of a request: path, query string, headers and fields.

Every function here either returns what it read or raises the
:class:`~ippools.errors.ApiError` that decides the answer; none of them raises
anything else, whatever text it is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, unquote

import attrs

from ippools._validators import shown
from ippools.errors import BadRequest, ErrorCode
from ippools.wire.request import Fields
from ippools.wire.routes import Endpoint

__all__ = [
    "Target",
    "check_text",
    "field_values",
    "redecode",
    "single_header",
    "split_target",
]

_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


@attrs.frozen
class Target:
    """A raw request path split up: the path as sent, its decoded segments and its query.

    ``segments`` is None when the path does not start with ``/`` (no route fits it).
    """

    path: str
    segments: tuple[str, ...] | None
    query: Fields


def check_text(pairs: Fields, place: str) -> None:
    """K26: every name and value in ``pairs`` is text; else 400 naming the first that is not.

    A :class:`~ippools.wire.Request` keeps names and values as the host gave
    them; one that is not a string (a number, ``None``, bytes) is answered here
    rather than raised further in.
    """
    for name, value in pairs:
        if not isinstance(name, str):
            raise BadRequest(ErrorCode.INVALID_TEXT, f"a {place} name is not text: {shown(name)}")
        if not isinstance(value, str):
            raise BadRequest(
                ErrorCode.INVALID_TEXT,
                f"{place} {name!r:.100} has a value that is not text: {shown(value)}",
            )


def split_target(path: str) -> Target:
    """Split a raw path (which may carry ``?query``) into decoded segments and query pairs.

    The path is split on ``/`` first and each segment is then percent-decoded
    once (C6, K2): an encoded ``/`` (``%2F``) stays inside its segment, and
    literals such as ``ips.json`` match however they were encoded. The query
    string keeps blank values (``?ip=`` gives ``ip`` with an empty value).
    """
    raw, mark, query = path.partition("?")
    pairs: Fields = tuple(parse_qsl(query, keep_blank_values=True)) if mark else ()
    if not raw.startswith("/"):
        return Target(raw, None, pairs)
    segments = tuple(unquote(segment, errors="replace") for segment in raw[1:].split("/"))
    return Target(raw, segments, pairs)


def single_header(headers: Fields, name: str) -> str | None:
    """The trimmed value of header ``name``, None when absent; given twice: 400 (C3, K3).

    Names compare case-insensitively (ASCII only, as HTTP header names are).
    A value of whitespace only comes back as the empty string; the check that
    reads it treats that as missing.
    """
    wanted = name.lower()
    values = [value for key, value in headers if key.isascii() and key.lower() == wanted]
    if len(values) > 1:
        raise BadRequest(ErrorCode.REPEATED_HEADER, f"header {name} is given more than once")
    return values[0].strip() if values else None


def redecode(value: str) -> str:
    """A replacement ``ip`` value, percent-decoded once more when it still holds an escape.

    mailgun.js encodes the query value of an IPv6 replacement twice
    (``2001%253Adb8%253A%253A1``), so after the usual decoding it still reads
    ``2001%3Adb8%3A%3A1``. No IP, and not the keyword ``shared``, contains ``%``
    followed by two hex digits, so decoding such a value once more never turns a
    valid value into another one; it only lets the client's double encoding
    through. A scope suffix stays invalid: ``fe80::1%eth0`` holds no escape and
    is left as it is, and an encoded one (``fe80::1%25eth0``) decodes to it.
    """
    if _ESCAPE.search(value) is None:
        return value
    return unquote(value, errors="replace")


def field_values(
    endpoint: Endpoint, template: str, query: Fields, form: Fields, body: Any
) -> dict[str, tuple[str, ...]]:
    """C8, C9 and the body kind (K5): the fields the endpoint takes, by name.

    Checked in this order, the first failure deciding: a JSON body on a route
    that takes none; then each query pair in the order sent; then each form
    pair. A pair whose name the endpoint does not take in that place is 400
    (C8); a name given again, in the same place or (3.6, D5) in the other one,
    is 400 unless it is repeatable (C9). An empty form is no body at all.
    """
    if body is not None and not endpoint.json:
        raise BadRequest(
            ErrorCode.UNEXPECTED_BODY, f"{endpoint.method} {template} takes no JSON body"
        )
    values: dict[str, list[str]] = {}
    places: Iterable[tuple[str, Fields, frozenset[str]]] = (
        ("query parameter", query, endpoint.query),
        ("form field", form, endpoint.form),
    )
    for place, pairs, taken in places:
        for name, value in pairs:
            if name not in taken:
                raise BadRequest(
                    ErrorCode.UNKNOWN_PARAMETER,
                    f"{place} {name!r} is not taken by {endpoint.method} {template}",
                )
            if name in values and name not in endpoint.repeatable:
                raise BadRequest(
                    ErrorCode.REPEATED_PARAMETER, f"{place} {name!r} may be given only once"
                )
            given = redecode(value) if name in endpoint.redecoded else value
            values.setdefault(name, []).append(given)
    return {name: tuple(given) for name, given in values.items()}
