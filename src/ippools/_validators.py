"""The attrs validators that public records share, with messages that name the field.

A value of the wrong type raises :class:`TypeError` saying which field wanted
what and showing (at most 100 characters of) what it got, so that a caller of a
public constructor learns which argument to fix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from ippools.errors import echo

__all__ = [
    "instance_of",
    "is_flag",
    "is_optional_text",
    "is_text",
    "is_text_tuple",
]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def is_text(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """The field holds a string."""
    if not isinstance(value, str):
        raise TypeError(f"{attribute.name} must be a string, got {echo(value)}")


def is_optional_text(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """The field holds a string or None."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{attribute.name} must be a string or None, got {echo(value)}")


def is_flag(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """The field holds True or False (not 1, 0 or a string)."""
    if not isinstance(value, bool):
        raise TypeError(f"{attribute.name} must be True or False, got {echo(value)}")


def is_text_tuple(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """The field holds a tuple of strings."""
    if not isinstance(value, tuple):
        raise TypeError(f"{attribute.name} must be a tuple of strings, got {echo(value)}")
    for item in value:
        if not isinstance(item, str):
            raise TypeError(f"{attribute.name} must hold strings only, got {echo(item)}")


def instance_of(*kinds: type[Any]) -> Validator:
    """The field holds an instance of one of ``kinds``."""
    names = " or ".join(kind.__name__ for kind in kinds)

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, kinds):
            raise TypeError(f"{attribute.name} must be an instance of {names}, got {echo(value)}")

    return check
