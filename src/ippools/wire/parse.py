"""Reading the parts of a request: path, query string, headers and fields.

Every function here either returns what it read or raises the
:class:`~ippools.errors.ApiError` that decides the answer; none of them raises
anything else, whatever text it is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import Any
from urllib.parse import parse_qsl, unquote

import attrs

from ippools.errors import BadRequest, ErrorCode, echo
from ippools.text import find_invalid_text, is_valid_text
from ippools.wire.request import Fields, Request
from ippools.wire.routes import Endpoint

__all__ = ["Target", "check_text", "field_values", "single_header", "split_target"]


@attrs.frozen
class Target:
    """A raw request path split up: the path as sent, its decoded segments and its query.

    ``segments`` is None when the path does not start with ``/`` (no route fits it).
    """

    path: str
    segments: tuple[str, ...] | None
    query: Fields


def check_text(request: Request) -> None:
    """K26: every text of ``request`` is valid Unicode; else 400 naming where it is not.

    A :class:`~ippools.wire.Request` keeps names and values as the host gave
    them; one that is not a string (a number, ``None``, bytes) is answered here
    (400) rather than raised further in. Text is invalid when it holds a lone
    surrogate (what the JSON escape ``"\\ud800"`` decodes to), which no UTF-8
    encoder takes. The parts are checked in the order method, path (with its
    ``?query``), headers, query, form and JSON body (its strings and its keys);
    the message names the part, never the invalid text. Percent-decoding cannot
    make invalid text out of valid text (bytes that are not UTF-8 decode to
    U+FFFD), so checking the request as received is enough.
    """
    if not _all_ascii(request):
        _check_parts(request)
    if request.json is not None and find_invalid_text(request.json) is not None:
        raise _invalid("the JSON body")


def _all_ascii(request: Request) -> bool:
    """True when the method, the path and every name and value are ASCII strings, which
    :func:`check_text` has nothing to refuse in: the usual request, seen in one C call."""
    texts = chain((request.method, request.path), *request.headers, *request.query, *request.form)
    try:
        return "".join(texts).isascii()
    except TypeError:  # a name or value that is not text, which _check_parts answers
        return False


def _check_parts(request: Request) -> None:
    """:func:`check_text` of the method, path, headers, query and form, part by part."""
    if not _valid(request.method):
        raise _invalid("the method")
    if not _valid(request.path):
        raise _invalid("the path")
    places = (
        ("header", request.headers),
        ("query parameter", request.query),
        ("form field", request.form),
    )
    for place, pairs in places:
        for name, value in pairs:
            if not isinstance(name, str):
                raise BadRequest(
                    ErrorCode.INVALID_TEXT, f"a {place} name is not text: {echo(name)}"
                )
            if not is_valid_text(name):
                raise _invalid(f"a {place} name")
            if not isinstance(value, str):
                raise BadRequest(
                    ErrorCode.INVALID_TEXT,
                    f"{place} {echo(name)} has a value that is not text: {echo(value)}",
                )
            if not is_valid_text(value):
                raise _invalid(f"the value of {place} {echo(name)}")


def _valid(text: object) -> bool:
    return not isinstance(text, str) or is_valid_text(text)


def _invalid(where: str) -> BadRequest:
    return BadRequest(
        ErrorCode.INVALID_TEXT, f"{where} is not valid Unicode text: it holds a lone surrogate"
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


def field_values(
    endpoint: Endpoint, template: str, query: Fields, form: Fields, body: Any
) -> dict[str, tuple[str, ...]]:
    """C8, C9 and the body kind (K5): the fields the endpoint takes, by name.

    Checked in this order, the first failure deciding: a JSON body on a route
    that takes none; then each query pair in the order sent; then each form
    pair. A pair whose name the endpoint does not take in that place is 400
    (C8); a name given again, in the same place or (3.6, D5) in the other one,
    is 400 unless it is repeatable (C9). An empty form is no body at all.

    Values are taken as they come: a ``?query`` in the path is percent-decoded
    once by :func:`split_target`, explicit query and form values once by the
    host, and nothing here decodes them again (K25), so a value sent encoded
    twice still holds its ``%`` escapes and is judged as such.
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
                    f"{place} {echo(name)} is not taken by {endpoint.method} {template}",
                )
            if name in values and name not in endpoint.repeatable:
                raise BadRequest(
                    ErrorCode.REPEATED_PARAMETER, f"{place} {echo(name)} may be given only once"
                )
            values.setdefault(name, []).append(value)
    return {name: tuple(given) for name, given in values.items()}
