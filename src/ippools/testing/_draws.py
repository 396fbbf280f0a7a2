"""What every strategy shares: argument checks and weighted choices.

Argument checks raise :class:`hypothesis.errors.InvalidArgument` naming the bad
argument. Choices are made with ``sampled_from`` and small integer draws, so
failing examples shrink towards the first, most ordinary value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ippools.world import World

T = TypeVar("T")


# -- argument checks -----------------------------------------------------------


def _check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name} must be True or False, got {value!r}")


def _check_optional_bool(name: str, value: object) -> None:
    if value is not None and not isinstance(value, bool):
        raise InvalidArgument(f"{name} must be True, False or None, got {value!r}")


def _check_int(name: str, value: object, *, minimum: int, floor: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        bound = f"{floor} ({minimum})" if floor else str(minimum)
        raise InvalidArgument(f"{name} must be at least {bound}, got {value!r}")


def _check_strategy(name: str, value: object) -> None:
    if value is not None and not isinstance(value, st.SearchStrategy):
        raise InvalidArgument(f"{name} must be a Hypothesis strategy or None, got {value!r}")


def _check_world(value: object) -> World:
    if not isinstance(value, World):
        raise InvalidArgument(f"world must be an ippools World, got {type(value).__name__}")
    return value


# -- weighted choices ----------------------------------------------------------


def _pick(draw: st.DrawFn, *choices: tuple[int, Sequence[T]]) -> T:
    """A value from one of ``choices``, each ``(weight, values)``; empty ones pass to the next.

    The last choice must not be empty. Shrinks towards the first choice.
    """
    roll = draw(st.integers(0, sum(weight for weight, _ in choices) - 1))
    start = 0
    for weight, _ in choices:
        if roll < weight:
            break
        roll -= weight
        start += 1
    for _, values in choices[start:]:
        if values:
            return draw(st.sampled_from(values))
    raise AssertionError("the last choice of _pick() is empty")  # pragma: no cover


def _sometimes(draw: st.DrawFn, one_in: int = 5) -> bool:
    """True about one time in ``one_in``; shrinks to False."""
    return draw(st.integers(1, one_in)) == one_in


def _mostly(draw: st.DrawFn) -> bool:
    """True about three times in four; shrinks to True."""
    return draw(st.integers(0, 3)) < 3


def _often(draw: st.DrawFn) -> bool:
    """True about three times in four; shrinks to False."""
    return draw(st.integers(0, 3)) != 0
