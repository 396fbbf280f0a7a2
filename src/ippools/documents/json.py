"""Strict JSON text: parsing that refuses what is not strict JSON, canonical dumping.

The canonical text is exactly ``json.dumps(value, sort_keys=True, indent=2)``
plus a final newline. The standard library writes indented JSON in pure Python,
one generator per container, which takes longer than the whole rest of a large
replay; :func:`dump_json` writes the same text for the values documents are made
of (dicts with string keys, lists, strings, numbers, booleans, null), and hands
anything else to :func:`json.dumps`. A list of records of the same keys (the
domains of a world) is written column by column, so that the work per record is
done by C functions called through :func:`map`.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from functools import partial
from itertools import chain
from json.encoder import encode_basestring_ascii as _quote
from operator import itemgetter
from typing import Any

import attrs

from ippools.documents._problems import format_path
from ippools.errors import DocumentError, echo
from ippools.text import find_first

__all__ = ["dump_json", "parse_json"]


def _no_constant(name: str) -> Any:
    raise DocumentError(f"not valid JSON: {name} is not a JSON number")


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    seen: set[str] = set()
    for key, _ in pairs:  # a key is repeated: name the first repeat
        if key in seen:
            break
        seen.add(key)
    raise DocumentError(f"not valid JSON: the key {echo(key)} is repeated in an object")


@attrs.frozen
class _Number:
    """A number literal that has no Python value: an integer past the digit limit, or a
    number so large that it overflows to infinity."""

    text: str

    def problem(self) -> str:
        digits = len(self.text.lstrip("-"))
        if self.text.lstrip("-").isdigit():
            limit = sys.get_int_max_str_digits()
            return f"an integer of {digits} digits is too long (at most {limit} digits)"
        return f"the number {echo(self.text)} is too large (not a finite number)"


def parse_json(text: str) -> Any:
    """Parse strict JSON text: no NaN or Infinity, no key repeated in an object.

    A number literal must have a value: an integer of more digits than Python
    converts (``sys.get_int_max_str_digits()``) or a number that overflows to
    infinity (``1e999``) is refused, naming its path. Raises
    :class:`DocumentError` saying what is wrong and where (a truncated text is
    named as such).
    """
    if not text.strip():
        raise DocumentError("the file is empty, not a JSON document")
    unparsable: list[_Number] = []

    def integer(digits: str) -> int | _Number:
        try:
            return int(digits)
        except ValueError:  # more digits than sys.get_int_max_str_digits()
            unparsable.append(_Number(digits))
            return unparsable[-1]

    def real(number: str) -> float | _Number:
        value = float(number)
        if math.isfinite(value):
            return value
        unparsable.append(_Number(number))
        return unparsable[-1]

    try:
        value = json.loads(
            text,
            parse_constant=_no_constant,
            object_pairs_hook=_no_repeated_keys,
            parse_int=integer,
            parse_float=real,
        )
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
            end = text.rstrip()
            line = end.count("\n") + 1
            column = len(end) - (end.rfind("\n") + 1) + 1
            raise DocumentError(
                f"truncated JSON: the text ends at line {line} column {column}, "
                "before the document is complete"
            ) from None
        where = f"line {error.lineno} column {error.colno}"
        raise DocumentError(f"not valid JSON: {error.msg} (at {where})") from None
    except RecursionError:
        raise DocumentError("not valid JSON: nested too deeply") from None
    if unparsable:  # the first one in the text is the first one in document order
        found = find_first(value, lambda item: item is unparsable[0])
        assert found is not None
        where = format_path(found[0])
        problem = unparsable[0].problem()
        raise DocumentError(f"{where}: {problem}" if where else problem)
    return value


def dump_json(value: Any) -> str:
    """Canonical JSON text: sorted keys, 2-space indent, ASCII only, a final newline."""
    out: list[str] = []
    try:
        _write(value, out.append, "\n")
    except (_Unusual, TypeError, RecursionError):
        # Keys that are not strings, other types, cycles: json.dumps writes such a
        # value, or refuses it, as it always did.
        return json.dumps(value, sort_keys=True, indent=2) + "\n"
    out.append("\n")
    return "".join(out)


class _Unusual(Exception):
    """A value that only :func:`json.dumps` knows how to write (or to refuse)."""


_INFINITY = float("inf")


def _scalar(value: Any) -> str:
    """A string, number, boolean or null as :func:`json.dumps` writes it."""
    kind = type(value)
    if kind is str:
        return _quote(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        if value != value:
            return "NaN"
        if value == _INFINITY:
            return "Infinity"
        if value == -_INFINITY:
            return "-Infinity"
        return float.__repr__(value)
    raise _Unusual


def _strings(items: list[Any] | tuple[Any, ...], inner: str, newline: str) -> str | None:
    """A non-empty list of strings as one piece of text, or None when an item is not a string.

    The records of a large world hold lists of IP texts: writing each as one
    ``join`` is most of the speed of :func:`dump_json`.
    """
    for item in items:
        if type(item) is not str:
            return None
    return "[" + inner + ("," + inner).join(map(_quote, items)) + newline + "]"


# For each key order and indentation met: the keys sorted, and the text that comes
# before each value. Documents hold many records of the same keys; bounded all the same.
_LAYOUTS: dict[tuple[tuple[Any, ...], str], tuple[list[str], list[str]]] = {}
_MOST_LAYOUTS = 1024


def _layout(value: dict[Any, Any], newline: str) -> tuple[list[str], list[str]]:
    """The sorted keys of ``value`` and the text before each value, at this indentation."""
    found = (tuple(value), newline)
    layout = _LAYOUTS.get(found)
    if layout is None:
        for key in value:
            if type(key) is not str:
                raise _Unusual
        order = sorted(value)
        inner = newline + "  "
        before = ["{" + inner + _quote(order[0]) + ": "]
        before += ["," + inner + _quote(key) + ": " for key in order[1:]]
        if len(_LAYOUTS) >= _MOST_LAYOUTS:
            _LAYOUTS.clear()
        layout = _LAYOUTS[found] = (order, before)
    return layout


def _write(value: Any, add: Callable[[str], None], newline: str) -> None:
    """Write ``value`` at the indentation that ``newline`` ends with."""
    kind = type(value)
    if kind is dict:
        if not value:
            add("{}")
            return
        inner = newline + "  "
        order, before = _layout(value, newline)
        for key, prefix in zip(order, before, strict=True):
            item = value[key]
            kind = type(item)
            if kind is str:
                add(prefix + _quote(item))
            elif (kind is list or kind is tuple) and item:
                text = _strings(item, inner + "  ", inner)
                add(prefix)
                if text is None:
                    _write(item, add, inner)
                else:
                    add(text)
            elif kind is dict or kind is list or kind is tuple:
                add(prefix)
                _write(item, add, inner)
            else:
                add(prefix + _scalar(item))
        add(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            add("[]")
            return
        if len(value) > 1 and type(value[0]) is dict:
            text = _records(value, newline)
            if text is not None:
                add(text)
                return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            kind = type(item)
            if kind is str:
                add(separator + _quote(item))
            elif kind is dict or kind is list or kind is tuple:
                add(separator)
                _write(item, add, inner)
            else:
                add(separator + _scalar(item))
            separator = "," + inner
        add(newline + "]")
    else:
        add(_scalar(value))


def _records(items: list[Any] | tuple[Any, ...], newline: str) -> str | None:
    """A list of records written column by column, or None when it is not such a list.

    The lists of a large world are records of the same keys whose values are strings,
    null, booleans, integers or lists of strings. Written column by column, each
    value is quoted by a C function called through :func:`map`, and each record is
    one ``%`` of a format string made once for the list: a few hundred machine
    instructions per record instead of tens of thousands. Anything else (records of
    other keys, nested records, floats, empty lists, subclasses) gives None, and
    :func:`_write` writes the list item by item.
    """
    if set(map(type, items)) != {dict}:
        return None
    first = items[0]
    if not first or set(map(len, items)) != {len(first)}:
        return None
    inner = newline + "  "
    order, before = _layout(first, inner)
    columns = []
    for key in order:
        try:  # as many keys as the first record, all of its keys: the same keys
            values = list(map(itemgetter(key), items))
        except KeyError:
            return None
        column = _column(values, inner + "  ")
        if column is None:
            return None
        columns.append(column)
    record = "".join(prefix.replace("%", "%%") + "%s" for prefix in before) + inner + "}"
    texts = map(record.__mod__, zip(*columns, strict=True))
    return "[" + inner + ("," + inner).join(texts) + newline + "]"


_CONSTANTS = {None: "null", True: "true", False: "false"}


def _column(values: list[Any], newline: str) -> list[str] | None:
    """The texts of one key's values in a list of records, or None when they are not all
    of one simple kind: strings, null and booleans; integers; non-empty lists of strings."""
    kinds = set(map(type, values))
    if kinds == {str}:
        return list(map(_quote, values))
    if kinds <= {str, type(None), bool}:
        return [_quote(value) if type(value) is str else _CONSTANTS[value] for value in values]
    if kinds == {int}:
        return list(map(int.__repr__, values))
    if (kinds == {list} or kinds == {tuple}) and all(values):
        if set(map(type, chain.from_iterable(values))) != {str}:
            return None
        # Records share few lists of strings (the IPs of a DIPP, say): write each once.
        keys = list(map(tuple, values))
        distinct = list(set(keys))
        inner = newline + "  "
        joined = map(("," + inner).join, map(partial(map, _quote), distinct))
        texts = map(("[" + inner + "%s" + newline + "]").__mod__, joined)
        return list(map(dict(zip(distinct, texts, strict=True)).__getitem__, keys))
    return None
