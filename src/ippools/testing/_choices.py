"""Weighted choices that shrink towards the first, most ordinary value.

Every choice is one draw of a small integer: an index into the values, or a
roll against a weight. Integers shrink towards 0, so failing examples shrink
towards the first choice. The integer strategies are made once per range and
reused (:func:`below`), so a choice costs one draw and no strategy building:
the state machine makes thousands of them per run, and every shrink attempt
replays them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TypeVar

from hypothesis import strategies as st

__all__ = ["below", "choose", "mostly", "often", "pick", "sometimes", "subset"]

T = TypeVar("T")


@lru_cache(maxsize=256)
def below(count: int) -> st.SearchStrategy[int]:
    """Integers from 0 to ``count - 1``, one strategy per ``count``; shrinks to 0."""
    return st.integers(0, count - 1)


def choose(draw: st.DrawFn, values: Sequence[T]) -> T:
    """One of ``values`` (not empty); shrinks towards the first."""
    if len(values) == 1:
        return values[0]
    return values[draw(below(len(values)))]


def pick(draw: st.DrawFn, *choices: tuple[int, Sequence[T]]) -> T:
    """A value from one of ``choices``, each ``(weight, values)``; empty ones pass to the next.

    The last choice must not be empty. Shrinks towards the first choice.
    """
    roll = draw(below(sum(weight for weight, _ in choices)))
    start = 0
    for weight, _ in choices:
        if roll < weight:
            break
        roll -= weight
        start += 1
    for _, values in choices[start:]:
        if values:
            return choose(draw, values)
    raise AssertionError("the last choice of pick() is empty")  # pragma: no cover


def sometimes(draw: st.DrawFn, one_in: int = 5) -> bool:
    """True about one time in ``one_in``; shrinks to False."""
    return draw(below(one_in)) == one_in - 1


def mostly(draw: st.DrawFn) -> bool:
    """True about three times in four; shrinks to True."""
    return draw(below(4)) < 3


def often(draw: st.DrawFn) -> bool:
    """True about three times in four; shrinks to False."""
    return draw(below(4)) != 0


def subset(draw: st.DrawFn, values: Sequence[T], min_size: int, max_size: int) -> list[T]:
    """Between ``min_size`` and ``max_size`` distinct ``values``, in the order drawn.

    ``min_size`` must not exceed ``len(values)``. The size is drawn first and shrinks
    to ``min_size``; each member is an index into what is left, shrinking to the first.
    """
    top = min(max_size, len(values))
    size = min_size + draw(below(top - min_size + 1)) if top > min_size else min_size
    left = list(values)
    return [left.pop(draw(below(len(left))) if len(left) > 1 else 0) for _ in range(size)]
