"""The strict hooks for leaf values of documents: strings, flags, numbers, ids and IPs.

A JSON ``1`` is not a bool, ``true`` is not an integer, an id is a non-empty
string without whitespace or ``/``, an IP is valid per C5 and appears once in
its list, and every string is valid Unicode (K26), except in a scenario's
requests, which are sent as written. Each hook raises
:class:`~ippools.documents._problems.Invalid` with a message naming the
offending value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from ippools.documents._problems import Invalid, at, describe, fail, unknown_fields
from ippools.errors import echo
from ippools.model import IPAddress, ip_text, is_pool_id, parse_ip, sorted_ips
from ippools.text import find_invalid_text, is_valid_text

__all__ = [
    "NOT_TEXT",
    "any_string",
    "boolean",
    "count",
    "domain_name",
    "ip",
    "json_array",
    "json_object",
    "no_unknown",
    "optional_pool_id",
    "optional_record_id",
    "pool_id",
    "record_id",
    "sorted_ip_texts",
    "status",
    "string",
    "unique_list",
    "valid_text",
]

T = TypeVar("T")


def string(value: Any, _: Any = None) -> str:
    """A string that is valid Unicode text (K26)."""
    text = any_string(value)
    if not is_valid_text(text):
        raise fail(NOT_TEXT)
    return text


def any_string(value: Any, _: Any = None) -> str:
    """A string, valid Unicode or not: what a scenario's request sends as is (K26)."""
    if not isinstance(value, str):
        raise fail(f"expected a string, got {describe(value)}")
    return value


NOT_TEXT = "not valid Unicode text: it holds a lone surrogate"


def valid_text(value: T) -> T:
    """``value`` when every string and key inside it is valid Unicode (K26), else its path."""
    found = find_invalid_text(value)
    if found is not None:
        path, is_key = found
        raise Invalid(path, f"the key is {NOT_TEXT}" if is_key else NOT_TEXT)
    return value


def boolean(value: Any, _: Any = None) -> bool:
    if not isinstance(value, bool):
        raise fail(f"expected true or false, got {describe(value)}")
    return value


def count(value: Any, _: Any = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise fail(f"expected an integer >= 0, got {describe(value)}")
    return value


def status(value: Any, _: Any = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 100 <= value <= 599:
        raise fail(f"expected an HTTP status (an integer from 100 to 599), got {describe(value)}")
    return value


def json_object(value: Any, what: str = "an object") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise fail(f"expected {what}, got {describe(value)}")
    for key in value:
        if not isinstance(key, str):
            raise fail(f"expected {what} with string keys, got the key {echo(key)}")
    return value


def json_array(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise fail(f"expected an array, got {describe(value)}")
    return value


def no_unknown(obj: Mapping[str, Any], known: Iterable[str]) -> None:
    extra = set(obj) - set(known)
    if extra:
        raise fail(unknown_fields(extra))


_NOT_IN_ID = re.compile(r"[\s/]")  # \s is exactly what str.isspace() accepts


def identifier(article: str, noun: str) -> Callable[..., str]:
    def hook(value: Any, _: Any = None) -> str:
        text = string(value)
        if not text:
            raise fail(f"{article} {noun} must not be empty")
        if _NOT_IN_ID.search(text) is not None:
            raise fail(f"{echo(text)} is not a valid {noun}: it contains whitespace or '/'")
        return text

    return hook


record_id = identifier("an", "id")
domain_name = identifier("a", "domain name")


def optional_record_id(value: Any, _: Any = None) -> str | None:
    return None if value is None else record_id(value)


def pool_id(value: Any, _: Any = None) -> str:
    text = string(value)
    if not is_pool_id(text):
        raise fail(f"{echo(text)} is not a valid pool id (24 lowercase hex digits)")
    return text


def optional_pool_id(value: Any, _: Any = None) -> str | None:
    return None if value is None else pool_id(value)


def ip(value: Any, _: Any = None) -> IPAddress:
    text = string(value)
    ip = parse_ip(text)
    if ip is None:
        raise fail(f"{echo(text)} is not a valid IP address")
    return ip


def unique_list(item: Callable[..., T]) -> Callable[..., frozenset[T]]:
    """A JSON array of distinct values (after parsing) as a frozenset."""

    def hook(value: Any, _: Any = None) -> frozenset[T]:
        seen: set[T] = set()
        for index, entry in enumerate(json_array(value)):
            parsed = at((index,), item, entry)
            if parsed in seen:
                raise fail(f"{echo(str(entry))} is repeated", index)
            seen.add(parsed)
        return frozenset(seen)

    return hook


def sorted_ip_texts(ips: Iterable[IPAddress]) -> list[str]:
    return [ip_text(ip) for ip in sorted_ips(ips)]
