"""Valid Unicode text (K26): what the edges check before any text reaches a store.

A Python string may hold a lone surrogate (a code point from U+D800 to U+DFFF
that is not half of a pair), for instance after ``json.loads('"\\ud800"')``.
Such a string is not valid Unicode: no UTF-8 encoder takes it, so a store or a
stream that encodes it fails. The wire (a 400) and the documents (an invalid
document) refuse it with the help of these functions, so that the core and
every store only ever see valid text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

from ippools.errors import echo

__all__ = ["TextPath", "find_first", "find_invalid_text", "is_valid_text"]

TextPath: TypeAlias = tuple[str | int, ...]
"""Keys and indices leading to a value inside nested dicts and lists."""


def is_valid_text(text: str) -> bool:
    """True when ``text`` is valid Unicode: it holds no lone surrogate."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def find_invalid_text(value: object) -> tuple[TextPath, bool] | None:
    """Where the first string or key that is not valid Unicode sits inside ``value``.

    ``value`` is a JSON-like value, searched as :func:`find_first` does. Returns
    None when every string and key is valid; else the path to the offending
    string, and True when it is a key (the path then ends with that key).
    """
    return find_first(value, lambda item: isinstance(item, str) and not is_valid_text(item))


def find_first(value: object, wanted: Callable[[object], bool]) -> tuple[TextPath, bool] | None:
    """Where the first key or leaf of ``value`` for which ``wanted`` is true sits.

    Dicts, lists and tuples are searched in document order (a key before its
    value); every key and every other value is given to ``wanted``. Returns None
    when there is none; else its path, and True when it is a key (the path then
    ends with that key). The walk uses a stack, not recursion, and visits each
    container once, so a deeply nested or self-containing value cannot make it
    raise.
    """
    stack: list[tuple[_Link, object, bool]] = [(None, value, False)]
    seen: set[int] = set()
    while stack:
        link, item, is_key = stack.pop()
        if not isinstance(item, dict | list | tuple):
            if wanted(item):
                return _path(link), is_key
            continue
        if id(item) in seen:
            continue
        seen.add(id(item))
        inner: list[tuple[_Link, object, bool]] = []
        if isinstance(item, dict):
            for key, entry in item.items():
                where = (link, key if isinstance(key, str | int) else echo(key))
                inner += [(where, key, True), (where, entry, False)]
        else:
            inner += [((link, index), entry, False) for index, entry in enumerate(item)]
        stack.extend(reversed(inner))
    return None


_Link: TypeAlias = "tuple[_Link, str | int] | None"
"""A path as a linked list from its last part back, so that going deeper costs nothing."""


def _path(link: _Link) -> TextPath:
    parts: list[str | int] = []
    while link is not None:
        link, part = link
        parts.append(part)
    return tuple(reversed(parts))
