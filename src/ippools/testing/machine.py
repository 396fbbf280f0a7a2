"""A Hypothesis state machine that checks a state implementation against the contract.

:func:`make_machine` builds a :class:`~hypothesis.stateful.RuleBasedStateMachine`
subclass; run it with ``run_state_machine_as_test(make_machine(...))`` or expose
its ``TestCase`` attribute to a test runner. No subclassing is needed.

Theory of operation
-------------------
From one generated world the machine builds two engines with the same ids:

* the *system under test* (built on ``state_factory(world)``) executes every
  command, valid or not (now and then asking 3.12 for the page after one it
  answered earlier, with the token of that answer), of the API's sixteen
  types by default, and of the host's provisioning types as well when
  ``kinds`` names them; it processes pending
  updates only when a step says so, while something is pending: mostly fewer
  updates than are pending, sometimes all of them (a settle). Every step is one
  rule, ``step``, that draws what it does (no preconditions, so no run is given
  up as invalid). Commands aim mostly at the domains whose stored record lags
  (pending work), where a store is most likely to be wrong;
* the world it starts from is small (at most three accounts, five dedicated IPs,
  three shared IPs held unevenly, four domains, two DIPPs) and shrinks towards
  fewer records; runs are at most 20 steps (:data:`MACHINE_SETTINGS`), and the
  store under test is closed at the end of every run (``teardown``);
* the *model*, an engine on :class:`~ippools.memory_state.MemoryState`, settles
  completely after every command, which is the sequential meaning of S1.

After every step it checks that both answered the same status and body (S1),
that the system's effective world equals the model's world and satisfies I1-I7
(S2, §4), and that a rejected command left the system's stored world and pending
queue exactly as they were (C4), while an accepted one appended its pending
updates to the queue (S4) and that its changes pass the write check
(:func:`~ippools.changes_check.check_changes`), which a state skips for changes
the rules decided (:attr:`~ippools.outcome.Changes.decided`). Processing takes
the oldest updates first and counts each (S5). After a full settle, and whenever
nothing is pending, the system's stored world must equal the model's world and
satisfy I1-I7 (S1, §4).

Host provisioning commands run with pending work outstanding like any other:
the rules decide them on the effective state (a dedicated IP that a DIPP's
pending change has taken from a domain may go, though the domain's stored record
still lists it), they leave nothing pending, and the checks above hold for them
unchanged. The stored world is only compared and checked for I1-I7 when nothing
is pending, since before that it may lag (K15).

Every command executed is recorded as a Hypothesis event, ``"<type> <status>"``
(``"AddPoolIp 200"``, ``"RemoveDedicatedIp 400"``). Pytest's
``--hypothesis-show-statistics`` shows them, how often each type was accepted and
refused, for a machine run as its own ``TestCase``; a plain test function that
calls ``run_state_machine_as_test`` is not a Hypothesis test to pytest, and gets none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

import attrs
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from ippools.changes_check import check_changes
from ippools.commands import Command, ListPoolDomains
from ippools.engine import Engine
from ippools.errors import InvalidChanges
from ippools.memory_state import MemoryState
from ippools.model import is_pool_id
from ippools.outcome import Accepted, Outcome, PendingUpdate, Rejected
from ippools.policies import Policies, SequenceIds
from ippools.rules import decide
from ippools.state import WritableState
from ippools.testing import strategies
from ippools.testing._choices import below
from ippools.testing.invariants import assert_invariants
from ippools.world import World

__all__ = ["MACHINE_POOL_IDS", "MACHINE_SETTINGS", "InspectableState", "make_machine"]

MACHINE_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    stateful_step_count=20,
    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow],
)
"""The settings a machine runs with when none are given (its ``TestCase.settings``).

200 runs, no deadline (a store may be slow on a loaded machine), runs of at
most 20 steps (the bugs the default distribution reaches need a handful; shorter
runs shrink much faster, more of them find as much), one failure reported
(shrinking starts at the first one found), and no explain phase (it reruns a
failing example many times to say which steps could vary, which a shrunk run of
a few steps shows by itself).
"""

MACHINE_POOL_IDS: tuple[str, ...] = tuple(digit * 24 for digit in "1234")
"""The pool ids the default policies hand out to creations, in order (then the K16 fallbacks)."""

_FALLBACK_IDS = tuple(f"{n:024x}" for n in range(1, 3))

# What a step does: a command three times in six, processing (when something is pending)
# twice, the next page of an earlier answer (when there is one) once; shrinks to a command.
_STEPS = st.sampled_from(("command", "command", "command", "process", "process", "page"))

# Worlds with some of everything, so that most runs have asynchronous work to interleave.
_DEFAULT_WORLDS = strategies.worlds(
    max_accounts=3,
    min_dedicated_ips=2,
    max_dedicated_ips=5,
    max_shared_ips=3,
    min_domains=2,
    max_domains=4,
    min_pools=1,
    max_pools=2,
)


class InspectableState(WritableState, Protocol):
    """A writable state that can also show its stored and effective worlds and its queue."""

    def world(self) -> World:
        """The stored state as a world."""

    def effective_world(self) -> World:
        """The effective state as a world: what the stored state becomes once settled."""

    @property
    def pending(self) -> tuple[PendingUpdate, ...]:
        """The pending updates, oldest first."""


class _CheckingEngine(Engine[Any]):
    """:meth:`Engine.execute`, with the write check run on every accepted command's
    changes before they are written, which the state itself skips for decided changes."""

    def execute(self, command: Command) -> Outcome:
        outcome = decide(self.state, command, self.policies)
        if isinstance(outcome, Accepted):
            try:
                check_changes(self.state, outcome.changes)
            except InvalidChanges as error:
                raise AssertionError(
                    f"the rules decided changes that the write check refuses: {error}"
                ) from None
            self.state.apply(outcome.changes)
        return outcome


def _default_policies() -> Policies:
    return Policies(ids=SequenceIds(MACHINE_POOL_IDS))


def make_machine(
    state_factory: Callable[[World], InspectableState] = MemoryState,
    *,
    policies_factory: Callable[[], Policies] = _default_policies,
    worlds: st.SearchStrategy[World] | None = None,
    pool_ids: Iterable[str] | None = None,
    kinds: Iterable[type[Any]] | None = None,
    max_process: int = 5,
) -> type[RuleBasedStateMachine]:
    """Build a state machine that runs ``state_factory``'s states against the model.

    ``state_factory`` makes the state under test from a settled world (for
    example an adapter over a fresh database). ``policies_factory`` is called
    twice per run, once per engine, and must return policies with the same id
    sequence each time so that both engines give creations the same pool ids
    (default: :class:`~ippools.policies.SequenceIds` over :data:`MACHINE_POOL_IDS`).
    ``worlds`` draws the starting world (default: :func:`strategies.worlds` with at
    least two dedicated IPs, two domains and one DIPP).
    ``pool_ids`` are the ids commands may name besides the world's: the ones the
    id source hands out (default: :data:`MACHINE_POOL_IDS` and the first
    fallback ids). ``kinds`` chooses the command types, as :func:`strategies.commands`
    takes them: by default the sixteen API commands
    (:data:`~ippools.testing.strategies.COMMAND_TYPES`); naming host provisioning
    types (``kinds=COMMAND_TYPES + HOST_COMMANDS``, from :mod:`ippools.commands`)
    mixes them in. ``process`` steps process between 1 and ``max_process`` updates,
    or settle.

    Raises :class:`hypothesis.errors.InvalidArgument` for a bad argument.
    """
    if not callable(state_factory):
        raise InvalidArgument(f"state_factory must be callable, got {state_factory!r}")
    if not callable(policies_factory):
        raise InvalidArgument(f"policies_factory must be callable, got {policies_factory!r}")
    if worlds is not None and not isinstance(worlds, st.SearchStrategy):
        raise InvalidArgument(f"worlds must be a Hypothesis strategy or None, got {worlds!r}")
    ids = list(MACHINE_POOL_IDS + _FALLBACK_IDS if pool_ids is None else pool_ids)
    for pool_id in ids:
        if not is_pool_id(pool_id):
            raise InvalidArgument(f"pool_ids: {pool_id!r} is not 24 lowercase hex digits")
    if isinstance(max_process, bool) or not isinstance(max_process, int) or max_process < 1:
        raise InvalidArgument(f"max_process must be an integer >= 1, got {max_process!r}")
    chosen = None if kinds is None else list(kinds)
    strategies.commands(World(), kinds=chosen)  # checks the kinds now, not in the first run
    world_strategy = worlds if worlds is not None else _DEFAULT_WORLDS

    class IppoolsMachine(RuleBasedStateMachine):
        """Partial processing never changes an answer or the settled world (S1)."""

        def __init__(self) -> None:
            super().__init__()
            self.system: Engine[Any] | None = None
            self.model: Engine[MemoryState] | None = None
            self.pool_ids: list[str] = []
            # 3.12 answers to follow: the command that got each and its ``paging.next`` token.
            self.pages: list[tuple[ListPoolDomains, str]] = []
            self.aim: tuple[tuple[World, list[str]], st.SearchStrategy[Command]] | None = None

        @initialize(world=world_strategy)
        def start(self, world: World) -> None:
            self.system = _CheckingEngine(state_factory(world), policies_factory())
            self.model = _CheckingEngine(MemoryState(world), policies_factory())
            # Commands may also name DIPPs that are gone, and ones not created yet.
            self.pool_ids = [p.pool_id for p in world.pools] + ids
            _same_world(self.system.state.world(), world, "stored world at the start")

        @rule(data=st.data())
        def step(self, data: st.DataObject) -> None:
            """One step: mostly a command; while updates are pending, often processing
            some; now and then the next page of an earlier answer.

            One rule with its own weights, not three with preconditions: a rule
            whose precondition fails makes Hypothesis draw again and, often enough,
            give the whole run up as invalid."""
            system, _ = self._engines()
            what = data.draw(_STEPS, label="step")
            if what == "page" and self.pages:
                self.walk_page(data)
            elif what != "command" and system.state.pending_count > 0:
                self.process(data)
            else:
                self.run_command(data)

        def run_command(self, data: st.DataObject) -> None:
            """Any command, valid or not, of any type, on both engines."""
            system, model = self._engines()
            # Aim at the world as it is now, so that DIPPs created by earlier steps
            # are acted on by their owners, and mostly at domains with pending work.
            # Most commands change nothing: the strategy is reused while the world is.
            key = (model.state.world(), _lagging(system.state))
            if self.aim is None or self.aim[0] != key:
                aim = strategies.commands(
                    key[0], pool_ids=self.pool_ids, kinds=chosen, pending_domains=key[1]
                )
                self.aim = (key, aim)
            self._execute(data.draw(self.aim[1], label="command"))

        def walk_page(self, data: st.DataObject) -> None:
            """3.12: ask for the next page with the token of an earlier answer (3.12.3)."""
            earlier, token = data.draw(st.sampled_from(self.pages), label="earlier page")
            self._execute(attrs.evolve(earlier, page=token))

        def _execute(self, command: Command) -> None:
            """Execute ``command`` on both engines and check the answers and queues agree."""
            system, model = self._engines()
            state: InspectableState = system.state
            before = (state.world(), state.effective_world(), state.pending)
            got = system.execute(command)
            expected = model.execute(command)
            model.settle()
            event(f"{type(command).__name__} {got.status}")
            if isinstance(command, ListPoolDomains) and got.status == 200:
                next_url = got.body["paging"]["next"]
                _, mark, token = next_url.partition("&page=")
                if mark and (command, token) not in self.pages:
                    self.pages.append((command, token))
            assert (got.status, got.body) == (expected.status, expected.body), (
                f"S1: the system answered {got.status} {got.body!r} "
                f"where sequential execution answers {expected.status} {expected.body!r}"
            )
            if isinstance(got, Rejected):
                _same_world(state.world(), before[0], "C4: stored world after a rejection")
                _same_world(
                    state.effective_world(), before[1], "C4: effective world after a rejection"
                )
                assert state.pending == before[2], (
                    f"C4: a rejection changed the pending queue from {before[2]!r} "
                    f"to {state.pending!r}"
                )
            else:
                assert state.pending == before[2] + got.pending, (
                    f"S4: the pending queue is {state.pending!r}, expected {before[2]!r} "
                    f"followed by the command's {got.pending!r}"
                )

        def process(self, data: st.DataObject) -> None:
            """Process pending updates, oldest first (S5): mostly fewer than are pending,
            so that commands meet domains with work left; one time in four everything
            (a settle), after which the stored world is the model's world (S1).

            One rule for both, so that a partial process is not undone by a settle
            as often as it is made."""
            system, model = self._engines()
            state: InspectableState = system.state
            queued = state.pending
            if data.draw(below(4), label="settle") == 3:
                done = system.settle()
                assert done == len(queued), f"S5: settle processed {done} of {len(queued)}"
                assert state.pending_count == 0, (
                    f"S5: {state.pending_count} updates left after settle"
                )
                self._check_stored(system, model, "stored world after settle")
                return
            most = max(1, min(max_process, len(queued) - 1))
            limit = 1 + data.draw(below(most), label="limit")
            done = system.process(limit)
            assert done == min(limit, len(queued)), (
                f"S5: processing up to {limit} of {len(queued)} updates reported {done}"
            )
            assert state.pending == queued[done:], (
                f"S5: after processing {done} updates the queue is {state.pending!r}, "
                f"expected {queued[done:]!r}"
            )

        @invariant()
        def agrees_with_model(self) -> None:
            """The effective world is the model's and keeps I1-I7 (S1, S2, §4)."""
            if self.system is None or self.model is None:
                return
            state: InspectableState = self.system.state
            effective = state.effective_world()
            assert_invariants(effective, label="effective world")
            _same_world(effective, self.model.state.world(), "S1: effective world vs the model")
            if state.pending_count == 0:
                self._check_stored(self.system, self.model, "stored world with nothing pending")

        def teardown(self) -> None:
            """Close the state under test, when it has ``close`` (a store): every run
            releases what it opened, even when it failed."""
            close = getattr(self.system.state, "close", None) if self.system else None
            if callable(close):
                close()

        def _check_stored(
            self, system: Engine[Any], model: Engine[MemoryState], label: str
        ) -> None:
            stored = system.state.world()
            assert_invariants(stored, label=label)
            _same_world(stored, model.state.world(), f"S1: {label} vs the model")

        def _engines(self) -> tuple[Engine[Any], Engine[MemoryState]]:
            if self.system is None or self.model is None:
                raise RuntimeError("the machine ran a rule before its initialize rule")
            return self.system, self.model

    IppoolsMachine.__name__ = IppoolsMachine.__qualname__ = "IppoolsMachine"
    IppoolsMachine.TestCase.settings = MACHINE_SETTINGS
    return IppoolsMachine


def _lagging(state: InspectableState) -> list[str]:
    """The names of the domains whose stored record lags behind their effective state."""
    if state.pending_count == 0:
        return []
    stored = set(state.world().domains)
    return [d.name for d in state.effective_world().domains if d not in stored]


def _same_world(got: World, expected: World, label: str) -> None:
    """Assert two worlds are equal; the message lists the records that differ."""
    if got == expected:
        return
    lines: list[str] = []
    for field in ("accounts", "dedicated_ips", "shared_ips", "domains", "pools"):
        mine: Sequence[object] = getattr(got, field)
        theirs: Sequence[object] = getattr(expected, field)
        only_mine = [r for r in mine if r not in theirs]
        only_theirs = [r for r in theirs if r not in mine]
        if only_mine or only_theirs:
            lines.append(f"  {field}: got {only_mine!r}, expected {only_theirs!r}")
    raise AssertionError(f"{label}: worlds differ\n" + "\n".join(lines))
