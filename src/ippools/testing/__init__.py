"""Test tools for ippools and for states that implement its ports.

* :mod:`ippools.testing.strategies`: Hypothesis strategies for IPs, accounts,
  valid settled worlds, actors and commands of every type (the API's by
  default, the host's provisioning commands when asked for);
* :mod:`ippools.testing.invariants`: checks of the invariants I1-I7 that raise
  :class:`AssertionError` with a message naming the offending record;
* :mod:`ippools.testing.machine`: :func:`make_machine`, a Hypothesis state
  machine that runs a state implementation against the sequential model.

* :mod:`ippools.testing.register`: :func:`register_strategies`, which makes
  ``st.from_type`` resolve ippools' records, worlds and commands (run by
  Hypothesis itself through its entry point, when ippools is installed).

Needs the ``testing`` extra (Hypothesis); without it, importing this package
raises :class:`ImportError` saying what to install. Never imports pytest; the
pytest plugin is :mod:`ippools.pytest_plugin`.
"""

try:
    import hypothesis  # noqa: F401  (the extra this package needs)
except ImportError as error:  # pragma: no cover - tested in a subprocess without Hypothesis
    raise ImportError(
        'ippools.testing needs Hypothesis, the "testing" extra: pip install "ippools[testing]"'
    ) from error

from ippools.testing.invariants import assert_invariants, check_invariants
from ippools.testing.machine import InspectableState, make_machine
from ippools.testing.register import register_strategies
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
    "register_strategies",
    "worlds",
]
