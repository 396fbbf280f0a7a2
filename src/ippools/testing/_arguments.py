"""Checks of the arguments that the public strategies take.

Each check raises :class:`hypothesis.errors.InvalidArgument` naming the bad
argument, when the strategy is called (Hypothesis house style).
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ippools.world import World

__all__ = ["check_bool", "check_int", "check_optional_bool", "check_strategy", "check_world"]


def check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name} must be True or False, got {value!r}")


def check_optional_bool(name: str, value: object) -> None:
    if value is not None and not isinstance(value, bool):
        raise InvalidArgument(f"{name} must be True, False or None, got {value!r}")


def check_int(name: str, value: object, *, minimum: int, floor: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        bound = f"{floor} ({minimum})" if floor else str(minimum)
        raise InvalidArgument(f"{name} must be at least {bound}, got {value!r}")


def check_strategy(name: str, value: object) -> None:
    if value is not None and not isinstance(value, st.SearchStrategy):
        raise InvalidArgument(f"{name} must be a Hypothesis strategy or None, got {value!r}")


def check_world(value: object) -> World:
    if not isinstance(value, World):
        raise InvalidArgument(f"world must be an ippools World, got {type(value).__name__}")
    return value
