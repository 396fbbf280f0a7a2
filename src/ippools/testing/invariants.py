"""Checks that a world satisfies the invariants I1-I7 of the contract (§4).

The checks are the ones :func:`ippools.world.world_problems` makes when a world
document is loaded, so a world that passes here is exactly a world that
:class:`~ippools.memory_state.MemoryState` accepts: every reference resolves, no id or
domain name repeats, and I1-I7 hold. Use them on a stored world after a full
settle, and on an effective world at any moment.
"""

from __future__ import annotations

from ippools.world import World, world_problems

__all__ = ["assert_invariants", "check_invariants"]


def check_invariants(world: World) -> list[str]:
    """Every problem of ``world`` as a settled state, one message per problem.

    Each message starts with the offending record (``domains[dom-1]: ...``) and
    names the invariant it breaks (``(I1)``). An empty list means the world is
    valid. Raises :class:`TypeError` when ``world`` is not a :class:`World`.
    """
    if not isinstance(world, World):
        raise TypeError(f"check_invariants() takes a World, got {type(world).__name__}")
    return world_problems(world)


def assert_invariants(world: World, *, label: str = "") -> None:
    """Raise :class:`AssertionError` listing every problem of ``world``, if it has any.

    ``label`` says which world this is (for example ``"stored world after settle"``)
    and starts the message, so that a failing test tells where the broken world
    came from.
    """
    problems = check_invariants(world)
    if not problems:
        return
    where = f"{label}: " if label else ""
    count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
    lines = "\n".join(f"  - {problem}" for problem in problems)
    raise AssertionError(f"{where}world breaks the invariants ({count}):\n{lines}")
