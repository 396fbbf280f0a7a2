"""Weighted choices that shrink towards the first, most ordinary value.

Choices are made with ``sampled_from`` and small integer draws, so failing
examples shrink towards the first choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from hypothesis import strategies as st

__all__ = ["mostly", "often", "pick", "sometimes"]

T = TypeVar("T")


def pick(draw: st.DrawFn, *choices: tuple[int, Sequence[T]]) -> T:
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
    raise AssertionError("the last choice of pick() is empty")  # pragma: no cover


def sometimes(draw: st.DrawFn, one_in: int = 5) -> bool:
    """True about one time in ``one_in``; shrinks to False."""
    return draw(st.integers(1, one_in)) == one_in


def mostly(draw: st.DrawFn) -> bool:
    """True about three times in four; shrinks to True."""
    return draw(st.integers(0, 3)) < 3


def often(draw: st.DrawFn) -> bool:
    """True about three times in four; shrinks to False."""
    return draw(st.integers(0, 3)) != 0
