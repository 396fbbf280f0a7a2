"""Strict JSON text: parsing that refuses what is not strict JSON, canonical dumping."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import attrs

from ippools.documents.fields import format_path
from ippools.errors import DocumentError, echo
from ippools.text import find_first

__all__ = ["dump_json", "parse_json"]


def _no_constant(name: str) -> Any:
    raise DocumentError(f"not valid JSON: {name} is not a JSON number")


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DocumentError(f"not valid JSON: the key {echo(key)} is repeated in an object")
        out[key] = value
    return out


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
    return json.dumps(value, sort_keys=True, indent=2) + "\n"
