"""The test kit's worlds with subaccounts built by construction (``min_subaccounts``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ippools import Account, World, world_problems
from ippools.testing import worlds


def _with(function: Callable[..., object], *args: Any, **kwargs: Any) -> Callable[[], object]:
    return lambda: function(*args, **kwargs)


# -- worlds(min_subaccounts=...) -----------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_with(worlds, min_subaccounts=-1), r"min_subaccounts must be at least 0, got -1"),
        (_with(worlds, min_subaccounts=1.5), r"min_subaccounts must be an integer, got 1\.5"),
        (_with(worlds, min_subaccounts=True), r"min_subaccounts must be an integer, got True"),
        (
            _with(worlds, max_accounts=2, min_subaccounts=2),
            r"min_subaccounts=2 needs max_accounts >= 3: a subaccount's parent is a top-level "
            r"account",
        ),
        (
            _with(worlds, min_subaccounts=4),
            r"min_subaccounts=4 needs max_accounts >= 5: a subaccount's parent is a top-level "
            r"account",
        ),
    ],
)
def test_worlds_refuses_a_bad_min_subaccounts_naming_it(
    make: Callable[[], object], message: str
) -> None:
    """Checked when the strategy is built, as the other limits are."""
    with pytest.raises(InvalidArgument, match=f"^{message}$"):
        make()


def _subaccounts(world: World) -> list[Account]:
    return [a for a in world.accounts if a.parent_id is not None]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 3).flatmap(
        lambda least: st.tuples(
            st.just(least),
            worlds(
                max_accounts=least + 2, min_subaccounts=least, min_dedicated_ips=1, min_domains=1
            ),
        )
    )
)
def test_worlds_hold_at_least_min_subaccounts_and_stay_valid(drawn: tuple[int, World]) -> None:
    """Every world has at least ``min_subaccounts`` subaccounts of top-level accounts, and
    no more accounts than ``max_accounts``; it passes the checks of a world document."""
    least, world = drawn
    assert world_problems(world) == []
    assert least <= len(_subaccounts(world))
    assert len(world.accounts) <= least + 2


def test_worlds_with_subaccounts_shrink_to_one_parent_and_its_subaccounts() -> None:
    """Shrink-friendly: the smallest world with two subaccounts is one top-level account
    and two subaccounts of it, nothing else (no filter to get past)."""
    smallest = find(worlds(min_subaccounts=2), lambda world: True)
    assert [(a.id, a.parent_id) for a in smallest.accounts] == [
        ("acct-1", None),
        ("acct-2", "acct-1"),
        ("acct-3", "acct-1"),
    ]
    assert (smallest.dedicated_ips, smallest.domains, smallest.pools) == ((), (), ())


def test_worlds_without_min_subaccounts_still_draw_worlds_without_one() -> None:
    """The default stays 0: top-level accounts only is still a drawn world."""
    found = find(
        worlds(max_accounts=3), lambda world: len(world.accounts) == 3 and not (_subaccounts(world))
    )
    assert not _subaccounts(found)
