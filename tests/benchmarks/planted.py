"""How fast the shipped state machine finds and shrinks planted bugs, with its default settings.

Each planted bug is a :class:`~ippools.store.MemoryStore` with one method wrong, the
kind of mistake an adapter author makes:

* ``wrong-d4``: the shared IP usage counts are lost, so D4 gives a domain the
  lowest shared IP instead of the least used one;
* ``dropped-update``: processing a batch of two or more pending updates marks the
  last one done without carrying it out;
* ``stale-read``: after a partial process that leaves work pending, reads of one
  domain answer its stored record, not its effective state, until the next commit;
* ``lost-delegation``: writing a delegated DIPP whose IPs changed drops its
  delegations.

For each bug the machine (``make_machine(factory)`` run with its own default
settings, no example database) runs twice with the same seed: once generating only,
which stops at the first failure (the time to first failure), and once with
shrinking (the time to the shrunk example). The table gives both times, the
shrunk example's steps (rules run after the initial world) and its world's records.

Usage: ``python -m tests.benchmarks.planted [--seeds N]``; every bug must be found
with each seed (exit status 1 otherwise).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import attrs
from hypothesis import Phase, seed, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from ippools import Changes, Domain, World
from ippools.model import IPAddress
from ippools.store import MemoryStore, RecordKey
from ippools.testing import make_machine
from ippools.testing.machine import MACHINE_SETTINGS

__all__ = ["PLANTED", "Measure", "find", "main"]


class WrongSharedChoice(MemoryStore):
    """D4 reads usage counts of zero, so the lowest shared IP always wins."""

    def shared_ip_usage(self) -> list[tuple[IPAddress, int]]:
        return [(ip, 0) for ip, _ in super().shared_ip_usage()]


class DroppedPendingUpdate(MemoryStore):
    """A batch of two or more updates loses its last one: marked done, never carried out."""

    def process(self, limit: int | None = None) -> int:
        queued = self.pending
        batch = queued if limit is None else queued[:limit]
        if len(batch) < 2:
            return super().process(limit)
        for update in batch[:-1]:
            self.run_update(update)
        with self._adapter.transaction():
            claims = self._adapter.outbox.oldest(len(batch))
            self._adapter.outbox.mark_done(claim.id for claim in claims)
        return len(batch)


class StaleReadAfterPartialSettle(MemoryStore):
    """After a partial process, a domain read by id or name answers its stored record."""

    stale = False

    def process(self, limit: int | None = None) -> int:
        done = super().process(limit)
        self.stale = self.pending_count > 0
        return done

    def commit(self, changes: Changes, expected: Mapping[RecordKey, int] | None = None) -> None:
        self.stale = False
        super().commit(changes, expected)

    def _stale(self, domain: Domain | None) -> Domain | None:
        if domain is None or not self.stale:
            return domain
        return self.stored_domain(domain.id)

    def domain(self, domain_id: str) -> Domain | None:
        return self._stale(super().domain(domain_id))

    def domain_named(self, name: str) -> Domain | None:
        return self._stale(super().domain_named(name))


class LostDelegation(MemoryStore):
    """Writing a delegated DIPP whose IPs changed (and not its delegations) drops them."""

    def commit(self, changes: Changes, expected: Mapping[RecordKey, int] | None = None) -> None:
        pools = []
        for pool in changes.pools:
            old = super().pool(pool.pool_id)
            if old is not None and old.delegated_to == pool.delegated_to and old.ips != pool.ips:
                pool = attrs.evolve(pool, delegated_to=())
            pools.append(pool)
        super().commit(attrs.evolve(changes, pools=tuple(pools)), expected)


PLANTED: dict[str, Callable[[World], MemoryStore]] = {
    "wrong-d4": WrongSharedChoice,
    "dropped-update": DroppedPendingUpdate,
    "stale-read": StaleReadAfterPartialSettle,
    "lost-delegation": LostDelegation,
}
"""The planted bugs by name: each a store factory for the machine."""


@dataclass(frozen=True)
class Measure:
    """One planted bug hunted with one seed."""

    found: bool
    first_failure: float
    """Seconds until the first failing example (generation only)."""
    shrunk: float
    """Seconds until the shrunk example is reported (generation and shrinking)."""
    steps: int
    """Rules the shrunk example runs after its initial world."""
    records: int
    """Records of the shrunk example's world (accounts, IPs, domains, DIPPs)."""
    message: str


_RULES = ("state.step(",)
"""How the reported example prints the machine's rules (its initial world and checks aside)."""


class _Recording:
    """A state factory that remembers the last world it was given (the reported example's)."""

    def __init__(self, factory: Callable[[World], MemoryStore]) -> None:
        self.factory = factory
        self.last: World | None = None

    def __call__(self, world: World) -> MemoryStore:
        self.last = world
        return self.factory(world)


def _records(world: World | None) -> int:
    if world is None:
        return 0
    return sum(
        len(getattr(world, field))
        for field in ("accounts", "dedicated_ips", "shared_ips", "domains", "pools")
    )


def _run(machine: type[RuleBasedStateMachine], *, shrink: bool) -> BaseException | None:
    """Run with the default settings, without the example database, shrinking or not."""
    phases = tuple(p for p in MACHINE_SETTINGS.phases if shrink or p is not Phase.shrink)
    try:
        run_state_machine_as_test(
            machine, settings=settings(MACHINE_SETTINGS, database=None, phases=phases)
        )
    except Exception as error:
        return error
    return None


def find(bug: str, run_seed: int) -> Measure:
    """Hunt the planted ``bug`` with the machine's default settings and seed ``run_seed``."""
    recording = _Recording(PLANTED[bug])
    machine = seed(run_seed)(make_machine(recording))
    start = time.perf_counter()
    first = _run(machine, shrink=False)
    first_failure = time.perf_counter() - start
    if first is None:
        return Measure(False, first_failure, 0.0, 0, 0, "not found")
    start = time.perf_counter()
    error = _run(machine, shrink=True)
    shrunk = time.perf_counter() - start
    if error is None:  # pragma: no cover - the same seed finds it again
        return Measure(False, first_failure, shrunk, 0, 0, "found once, not again")
    notes = getattr(error, "__notes__", [])
    steps = [line for line in notes if line.startswith(_RULES)]
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    return Measure(True, first_failure, shrunk, len(steps), _records(recording.last), message)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seeds", type=int, default=3, help="seeds per bug (default 3)")
    parser.add_argument("--bug", action="append", choices=sorted(PLANTED), help="only this bug")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each failure")
    options = parser.parse_args(argv)
    bugs = options.bug or list(PLANTED)
    print(
        f"machine settings: max_examples={MACHINE_SETTINGS.max_examples}, "
        f"stateful_step_count={MACHINE_SETTINGS.stateful_step_count}; seeds 0..{options.seeds - 1}"
    )
    header = (
        f"{'bug':<16} {'found':>5} {'first failure s':>16} {'shrunk s (max)':>16} "
        f"{'steps':>7} {'records':>8}"
    )
    print(header)
    print("-" * len(header))
    missed = 0
    for bug in bugs:
        measures = [find(bug, n) for n in range(options.seeds)]
        found = [m for m in measures if m.found]
        missed += len(measures) - len(found)
        if options.verbose:
            for n, m in enumerate(measures):
                print(f"  {bug} seed {n}: {m}")
        if not found:
            print(f"{bug:<16} {0:>2}/{len(measures):<2}")
            continue
        first = statistics.median(m.first_failure for m in found)
        shrunk = statistics.median(m.shrunk for m in found)
        worst = max(m.shrunk for m in found)
        steps = "/".join(str(m.steps) for m in found)
        records = "/".join(str(m.records) for m in found)
        print(
            f"{bug:<16} {len(found):>2}/{len(measures):<2} {first:>16.2f} "
            f"{shrunk:>9.2f} ({worst:>4.1f}) {steps:>7} {records:>8}"
        )
    print("times: medians over the seeds; steps and records: per seed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
