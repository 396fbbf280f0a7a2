"""``st.from_type`` for ippools: strategies registered for its records, worlds and commands.

Hypothesis runs :func:`_hypothesis_setup_hook` through the ``hypothesis`` entry point
of installed packages, so that with ippools installed, ``st.from_type(World)``,
``st.from_type(Pool)`` or ``st.from_type(AddPoolIp)`` draw from the strategies of
:mod:`ippools.testing.strategies` without any import. Call
:func:`register_strategies` yourself when Hypothesis' plugins are turned off
(``HYPOTHESIS_NO_PLUGINS``).

Records are taken from generated worlds, so every one is valid in a world (a
:class:`~ippools.model.Pool` holds its owner's IPs, a
:class:`~ippools.model.Domain` holds IPs it may hold); a command is aimed at a
generated world, as :func:`~ippools.testing.strategies.commands` aims it; that
holds for the API's commands and for the host's provisioning commands
(:data:`~ippools.commands.HOST_COMMANDS`) alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st

from ippools.commands import HOST_COMMANDS, Actor
from ippools.model import Account, DedicatedIp, Domain, Pool
from ippools.testing._commands import COMMAND_TYPES, commands
from ippools.testing._world_values import actors
from ippools.testing._worlds import worlds
from ippools.world import World

__all__ = ["register_strategies"]

T = TypeVar("T")


def _records(
    world: st.SearchStrategy[World], field: Callable[[World], Sequence[T]]
) -> st.SearchStrategy[T]:
    return world.flatmap(lambda drawn: st.sampled_from(field(drawn)))


def _command(kind: type[Any]) -> st.SearchStrategy[Any]:
    return worlds().flatmap(lambda world: commands(world, kinds=[kind]))


def register_strategies() -> None:
    """Register ippools' strategies with ``st.register_type_strategy`` (idempotent)."""
    st.register_type_strategy(World, worlds())
    st.register_type_strategy(Account, _records(worlds(), lambda w: w.accounts))
    st.register_type_strategy(
        DedicatedIp, _records(worlds(min_dedicated_ips=1), lambda w: w.dedicated_ips)
    )
    st.register_type_strategy(
        Domain, _records(worlds(min_dedicated_ips=1, min_domains=1), lambda w: w.domains)
    )
    st.register_type_strategy(Pool, _records(worlds(min_pools=1), lambda w: w.pools))
    st.register_type_strategy(Actor, worlds().flatmap(actors))
    for kind in COMMAND_TYPES + HOST_COMMANDS:
        st.register_type_strategy(kind, _command(kind))


def _hypothesis_setup_hook() -> None:
    """The ``hypothesis`` entry point: Hypothesis calls it once, when it is imported."""
    register_strategies()
