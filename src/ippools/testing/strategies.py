"""Hypothesis strategies for ippools: IPs, accounts, settled worlds, actors and commands.

Every strategy takes its options as keyword-only arguments (``world``, where it is
needed, by position), checks them when it is called and raises
:class:`hypothesis.errors.InvalidArgument` naming the bad one.

:func:`worlds` builds valid settled worlds by construction (no filtering), so
every drawn world passes :func:`ippools.world.world_problems`. :func:`commands`
draws commands of every type against a given world: mostly values taken from
the world (the acting account's own records more often than others'), and now
and then values that are wrong in a way the contract names (bad IPs, unknown
ids, blank names, missing audit headers, ``shared`` where an IP is wanted,
malformed JSON bodies). Choices are made with ``sampled_from`` and small integer
draws, so failing examples shrink towards the first, most ordinary value.

The strategies live in private modules, by what they draw: ``_worlds`` (IPs,
accounts, worlds), ``_world_values`` (the values a world offers to commands,
and actors) and ``_commands`` (commands). What they share lives in
``_arguments`` (checks of the strategies' arguments) and ``_choices`` (weighted
choices).
"""

from ippools.testing._commands import COMMAND_TYPES, commands
from ippools.testing._world_values import actors
from ippools.testing._worlds import accounts, ips, worlds

__all__ = ["COMMAND_TYPES", "accounts", "actors", "commands", "ips", "worlds"]
