"""Strict JSON text: parsing that refuses what is not strict JSON, canonical dumping."""

from __future__ import annotations

import json
from typing import Any

from ippools.documents._problems import short
from ippools.errors import DocumentError

__all__ = ["dump_json", "parse_json"]


def _no_constant(name: str) -> Any:
    raise DocumentError(f"not valid JSON: {name} is not a JSON number")


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DocumentError(f"not valid JSON: the key {short(key)!r} is repeated in an object")
        out[key] = value
    return out


def parse_json(text: str) -> Any:
    """Parse strict JSON text: no NaN or Infinity, no key repeated in an object.

    Raises :class:`DocumentError` saying what is wrong and where (a truncated text
    is named as such).
    """
    if not text.strip():
        raise DocumentError("the file is empty, not a JSON document")
    try:
        return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_no_repeated_keys)
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


def dump_json(value: Any) -> str:
    """Canonical JSON text: sorted keys, 2-space indent, ASCII only, a final newline."""
    return json.dumps(value, sort_keys=True, indent=2) + "\n"
