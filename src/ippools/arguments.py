"""Checks of the plain arguments of the public API: counts and durations.

Commands are checked by the rules; these check the numbers a host passes to
reads and to the processing of pending updates, so that a wrong one fails at
once with a message naming it instead of being taken for something else.
"""

from __future__ import annotations

import math

__all__ = ["check_count", "check_seconds"]


def check_count(value: object, name: str, *, optional: bool = False, minimum: int = 0) -> None:
    """Raise unless ``value`` is an int of at least ``minimum`` (or None when ``optional``).

    Raises :class:`TypeError` for another type (a bool is not a count) and
    :class:`ValueError` for a number too small, each naming ``name``.
    """
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        kind = "an int or None" if optional else "an int"
        raise TypeError(f"{name} must be {kind}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")


def check_seconds(value: object, name: str) -> None:
    """Raise unless ``value`` is a number of seconds, zero or more.

    Raises :class:`TypeError` for another type (a bool is not a number of
    seconds) and :class:`ValueError` for a negative or not-a-number value, each
    naming ``name``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, got {value!r}")
    if math.isnan(value) or value < 0:
        raise ValueError(f"{name} must be at least 0 seconds, got {value!r}")
