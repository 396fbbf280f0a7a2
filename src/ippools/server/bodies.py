"""From the bytes of a request to the text the wire layer takes: query, form and JSON.

Each value is percent-decoded exactly once, here (K25): the query string and
urlencoded bodies by the standard library (:func:`urllib.parse.parse_qsl`),
multipart bodies by ``python-multipart``. All text must be UTF-8. What cannot be
read raises :class:`Malformed`, which the server answers with 400 and its
message:

* a ``%`` not followed by two hexadecimal digits, or escapes that do not decode
  to UTF-8;
* a body that is not UTF-8, not strict JSON (see
  :func:`ippools.documents.parse_json`), or JSON holding text that is not valid
  Unicode (a lone surrogate, K26);
* a broken or truncated multipart body, or a part that is a file;
* a non-empty body of another content type, or without one.

An empty body is no body, whatever its content type (K5). The JSON value
``null`` is refused: the wire layer takes ``None`` to mean "no body".
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeAlias
from urllib.parse import parse_qsl

import attrs
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import Field, File, FormParser, parse_options_header

from ippools.documents import parse_json
from ippools.errors import DocumentError

__all__ = ["Body", "Fields", "Malformed", "parse_body", "parse_query"]

Fields: TypeAlias = tuple[tuple[str, str], ...]
"""Ordered (name, value) pairs, a name possibly repeated: what the wire layer takes."""

_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
JSON = "application/json"


class Malformed(Exception):
    """The request cannot be read; the message says what is wrong (answered with 400)."""


@attrs.frozen
class Body:
    """A decoded body: form fields, or a JSON value (None: no JSON body)."""

    form: Fields = ()
    json: Any = None


def _short(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _urlencoded(text: str, where: str) -> Fields:
    bad = _BAD_ESCAPE.search(text)
    if bad is not None:
        start = max(0, bad.start() - 10)
        raise Malformed(
            f"{where}: bad percent-encoding at {_short(text[start : bad.start() + 3], 30)!r}"
        )
    try:
        return tuple(parse_qsl(text, keep_blank_values=True, errors="strict"))
    except UnicodeDecodeError:
        raise Malformed(f"{where}: percent-escapes that do not decode to UTF-8") from None


def _utf8(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Malformed(f"{where} is not UTF-8 (byte {error.start})") from None


def parse_query(raw: bytes) -> Fields:
    """The pairs of a query string (without ``?``), blank values kept, in the order sent."""
    if not raw:
        return ()
    return _urlencoded(_utf8(raw, "query string"), "query string")


def parse_body(content_type: str | None, data: bytes) -> Body:
    """The form fields or JSON value of a body of ``content_type`` (the header's value)."""
    if not data:
        return Body()
    if content_type is None:
        raise Malformed("a request body needs a Content-Type header")
    kind, options = parse_options_header(content_type)
    media = kind.decode("latin-1").lower()
    if media == URLENCODED:
        return Body(form=_urlencoded(_utf8(data, "form body"), "form body"))
    if media == MULTIPART:
        return Body(form=_multipart(options.get(b"boundary"), data))
    if media == JSON or (media.startswith("application/") and media.endswith("+json")):
        return Body(json=_json(data))
    raise Malformed(
        f"content type {_short(media, 60)!r} is not taken; send {URLENCODED}, {MULTIPART} or {JSON}"
    )


def _json(data: bytes) -> Any:
    try:
        value = parse_json(_utf8(data, "JSON body"))
    except DocumentError as error:
        raise Malformed(f"JSON body: {error}") from None
    if value is None:
        raise Malformed("JSON body: null is not taken")
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise Malformed("JSON body: holds text that is not valid Unicode") from None
    return value


def _multipart(boundary: bytes | None, data: bytes) -> Fields:
    if not boundary:
        raise Malformed("multipart body: the Content-Type has no boundary")
    pairs: list[tuple[str, str]] = []
    ended = False

    def on_field(field: Field) -> None:
        name = _utf8(field.field_name or b"", "multipart field name")
        pairs.append((name, _utf8(field.value or b"", f"multipart field {name!r}")))

    def on_file(file: File) -> None:
        name = (file.field_name or b"").decode("utf-8", "replace")
        raise Malformed(f"multipart body: part {name!r} is a file; only text fields are taken")

    def on_end() -> None:
        nonlocal ended
        ended = True

    try:
        parser = FormParser(
            MULTIPART,
            on_field,
            on_file,
            on_end,
            boundary=boundary,
            config={"MAX_MEMORY_FILE_SIZE": len(data) + 1},
        )
        parser.write(data)
        parser.finalize()
    except FormParserError as error:
        raise Malformed(f"multipart body: {_short(str(error))}") from None
    if not ended:
        raise Malformed("multipart body: truncated (no closing boundary)")
    return tuple(pairs)
