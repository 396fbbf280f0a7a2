"""Test tools for ippools and for states that implement its ports.

* :mod:`ippools.testing.strategies`: Hypothesis strategies for IPs, accounts,
  valid settled worlds, actors and commands of every type;
* :mod:`ippools.testing.invariants`: checks of the invariants I1-I7 that raise
  :class:`AssertionError` with a message naming the offending record;
* :mod:`ippools.testing.machine`: :func:`make_machine`, a Hypothesis state
  machine that runs a state implementation against the sequential model.

Needs the ``testing`` extra (Hypothesis); never imports pytest.
"""

from ippools.testing.invariants import assert_invariants, check_invariants
from ippools.testing.machine import InspectableState, make_machine
from ippools.testing.strategies import accounts, actors, commands, ips, worlds

__all__ = [
    "InspectableState",
    "accounts",
    "actors",
    "assert_invariants",
    "check_invariants",
    "commands",
    "ips",
    "make_machine",
    "worlds",
]
