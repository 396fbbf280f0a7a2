"""A small façade that decides commands against a state and stores what they change."""

from __future__ import annotations

from typing import Generic, TypeVar

from ippools.commands import Command
from ippools.outcome import Accepted, Outcome
from ippools.policies import Policies
from ippools.rules import decide
from ippools.state import WritableState

__all__ = ["Engine"]

StateT = TypeVar("StateT", bound=WritableState)


class Engine(Generic[StateT]):
    """Decide commands against ``state`` and apply accepted ones.

    This is what a host does by hand when it owns the transaction: decide, store
    the changes and the pending updates together, then process the pending
    updates later (see the README).
    """

    def __init__(self, state: StateT, policies: Policies | None = None) -> None:
        self.state: StateT = state
        self.policies = policies if policies is not None else Policies()

    def execute(self, command: Command) -> Outcome:
        """Decide ``command``; when accepted, store its changes and queue its pending updates."""
        outcome = decide(self.state, command, self.policies)
        if isinstance(outcome, Accepted):
            self.state.apply(outcome.changes)
        return outcome

    def process(self, limit: int | None = None) -> int:
        """Process up to ``limit`` pending updates (all when None); return how many."""
        return self.state.process(limit)

    def settle(self) -> int:
        """Process every pending update; return how many."""
        return self.state.process(None)
