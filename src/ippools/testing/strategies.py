"""Hypothesis strategies for ippools: IPs, accounts, settled worlds, actors and commands.

Every strategy takes its options as keyword-only arguments (``world``, where it is
needed, by position), checks them when it is called and raises
:class:`hypothesis.errors.InvalidArgument` naming the bad one.

:func:`worlds` builds valid settled worlds by construction (no filtering), so
every drawn world passes :func:`ippools.world.world_problems`; ``min_subaccounts``
asks for subaccounts the same way. :func:`commands` draws commands against a
given world: mostly values taken from the world (the acting account's own
records more often than others'), and now and then values that are wrong in a
way the contract names (bad IPs, unknown ids, blank names, missing audit
headers, ``shared`` where an IP is wanted, malformed JSON bodies). Choices are
made with ``sampled_from`` and small integer draws, so failing examples shrink
towards the first, most ordinary value.

By default :func:`commands` draws the API's sixteen command types,
:data:`COMMAND_TYPES`, one per route. The host's provisioning commands
(:data:`ippools.commands.HOST_COMMANDS`: accounts, dedicated and shared IPs,
domains) are drawn only when ``kinds`` names them, for example
``kinds=COMMAND_TYPES + HOST_COMMANDS``: they are the platform's, not the API's,
and a default that stays the API's keeps the examples, and the runs of the
state machine, that existing suites rely on.

The strategies live in private modules, by what they draw: ``_worlds`` (IPs,
accounts, worlds), ``_world_values`` (the values a world offers to commands,
and actors), ``_commands`` (commands) and ``_host_commands`` (the host's
provisioning commands). What they share lives in ``_arguments`` (checks of the
strategies' arguments) and ``_choices`` (weighted choices).
"""

from ippools.testing._commands import COMMAND_TYPES, commands
from ippools.testing._world_values import actors
from ippools.testing._worlds import accounts, ips, worlds

__all__ = ["COMMAND_TYPES", "accounts", "actors", "commands", "ips", "worlds"]
