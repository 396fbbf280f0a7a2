"""Compact builders for the worlds and commands that tests use, and the checks they share."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs
from hypothesis import HealthCheck, Phase, settings

from ippools import (
    Accepted,
    Account,
    Actor,
    Command,
    DedicatedIp,
    Domain,
    Engine,
    IPAddress,
    MemoryState,
    PendingUpdate,
    Policies,
    Pool,
    Rejected,
    SequenceIds,
    World,
    ip_address,
)

# Looking for one example: no shrinking, and the same examples every run.
FIND_SETTINGS = settings(
    max_examples=5000,
    database=None,
    derandomize=True,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def deferred(function: Callable[..., object], *args: Any, **kwargs: Any) -> Callable[[], object]:
    """A call of ``function`` with these arguments, made later (arguments of any type)."""
    return lambda: function(*args, **kwargs)


POOL_A = "a" * 24
POOL_B = "b" * 24
POOL_C = "c" * 24
POOL_D = "d" * 24
POOL_E = "e" * 24
NEW_IDS = ["1" * 24, "2" * 24, "3" * 24]

# Dedicated IPs (documentation range 198.51.100.0/24) and shared IPs (203.0.113.0/24).
DEDICATED_1 = "198.51.100.1"
DEDICATED_2 = "198.51.100.2"
DEDICATED_3 = "198.51.100.3"
DEDICATED_4 = "198.51.100.4"
DEDICATED_5 = "198.51.100.5"
DEDICATED_9 = "198.51.100.9"
SHARED_1 = "203.0.113.1"
SHARED_2 = "203.0.113.2"
SHARED_3 = "203.0.113.3"

SUCCESS = {"message": "success"}
STARTED = {"message": "started"}
NO_DIPPS = "account 'acct-1' does not have the DIPPs feature"


def ip(text: str) -> IPAddress:
    """Parse an IP that the test knows to be valid."""
    return ip_address(text)


def ips(*texts: str) -> frozenset[IPAddress]:
    """A set of IPs from their texts."""
    return frozenset(ip(text) for text in texts)


def account(
    account_id: str = "acct-1",
    *,
    parent: str | None = None,
    dipps: bool = True,
    shared: bool = False,
) -> Account:
    """An account; by default top-level, with the DIPPs feature, not shared-eligible."""
    return Account(account_id, parent, dipps, shared)


def dedicated(text: str, owner: str = "acct-1", *, warmup: bool = False) -> DedicatedIp:
    """A dedicated IP."""
    return DedicatedIp(ip(text), owner, warmup)


def domain(
    domain_id: str,
    name: str,
    owner: str = "acct-1",
    *,
    ip_texts: Iterable[str] = (),
    pool: str | None = None,
) -> Domain:
    """A domain holding the given IPs."""
    return Domain(domain_id, name, owner, pool, frozenset(ip(t) for t in ip_texts))


def pool(
    pool_id: str,
    owner: str = "acct-1",
    *,
    ip_texts: Iterable[str] = (),
    delegated_to: Iterable[str] = (),
    name: str = "pool",
    description: str = "a pool",
) -> Pool:
    """A DIPP."""
    return Pool(
        pool_id,
        owner,
        name,
        description,
        frozenset(ip(t) for t in ip_texts),
        frozenset(delegated_to),
    )


def actor(account_id: str = "acct-1") -> Actor:
    """Who asks, with well-formed audit headers."""
    return Actor(account_id, "ops@example.com", "cli")


def engine(world: World, ids: Iterable[str] = NEW_IDS) -> Engine[MemoryState]:
    """An engine over an in-memory state of ``world`` with a fixed id sequence."""
    return Engine(MemoryState(world), Policies(ids=SequenceIds(ids)))


def net(last: int) -> str:
    """The test address 198.51.100.``last``."""
    return f"198.51.100.{last}"


def hex_id(number: int) -> str:
    """The fallback pool id with this number (§7: 24 hex digits, counting from 1)."""
    return f"{number:024x}"


def pool_details(
    pool_id: str,
    ip_texts: Sequence[str],
    linked_domains: Sequence[str],
    *,
    name: str = "pool",
    description: str = "a pool",
) -> dict[str, Any]:
    """The exact 3.5 answer body; name and description default to those of :func:`pool`."""
    return {
        "details": {
            "description": description,
            "ips": list(ip_texts),
            "is_linked": bool(linked_domains),
            "linked_domains": list(linked_domains),
            "name": name,
            "pool_id": pool_id,
        },
        "message": "success",
    }


def with_domains(world: World, *domains: Domain, removed: tuple[str, ...] = ()) -> World:
    """``world`` with the given domains replacing the ones of the same id, less ``removed``."""
    by_id = {d.id: d for d in world.domains}
    for d in domains:
        by_id[d.id] = d
    for domain_id in removed:
        del by_id[domain_id]
    return attrs.evolve(world, domains=by_id.values())


def pool_of(world: World, pool_id: str) -> Pool:
    """The DIPP with this id in ``world``."""
    return next(p for p in world.pools if p.pool_id == pool_id)


def domain_of(world: World, domain_id: str) -> Domain:
    """The domain with this id in ``world``."""
    return next(d for d in world.domains if d.id == domain_id)


def stored(eng: Engine[MemoryState], domain_id: str) -> Domain:
    """The domain's stored record, which must exist."""
    found = eng.state.stored_domain(domain_id)
    assert found is not None, domain_id
    return found


def effective(eng: Engine[MemoryState], domain_id: str) -> Domain:
    """The domain's effective state (S2), which must exist."""
    found = eng.state.domain(domain_id)
    assert found is not None, domain_id
    return found


Snapshot = tuple[World, World, tuple[PendingUpdate, ...]]


def snapshot(eng: Engine[MemoryState]) -> Snapshot:
    """Everything a command may change: stored world, effective world, pending queue."""
    return eng.state.world(), eng.state.effective_world(), eng.state.pending


def reject(eng: Engine[MemoryState], command: Command, status: int, message: str) -> Rejected:
    """Execute ``command``, expect exactly this error, and check that nothing changed (C4)."""
    before = snapshot(eng)
    outcome = eng.execute(command)
    assert isinstance(outcome, Rejected), outcome
    assert outcome.status == status
    assert outcome.body == {"message": message}
    assert snapshot(eng) == before
    return outcome


def accept(eng: Engine[MemoryState], command: Command, body: dict[str, Any]) -> Accepted:
    """Execute ``command`` and expect it accepted with status 200 and exactly ``body``.

    What it leaves pending is not checked; :func:`accept_queueing` checks that too.
    """
    outcome = eng.execute(command)
    assert isinstance(outcome, Accepted), outcome
    assert outcome.status == 200
    assert outcome.body == body
    return outcome


def accept_queueing(
    eng: Engine[MemoryState],
    command: Command,
    body: dict[str, Any],
    pending: Iterable[PendingUpdate] = (),
) -> Accepted:
    """Like :func:`accept`, and the command queues exactly ``pending`` (S4), nothing by default.

    The outcome names exactly ``pending`` and the queue grows by exactly those updates.
    """
    queued = eng.state.pending
    outcome = accept(eng, command, body)
    assert outcome.pending == tuple(pending)
    assert eng.state.pending == queued + tuple(pending)
    return outcome


def settle_to(eng: Engine[MemoryState], expected: World) -> None:
    """The effective world is ``expected`` now (S2) and the stored one is after a settle (S1)."""
    assert eng.state.effective_world() == expected
    eng.settle()
    assert eng.state.pending == ()
    assert eng.state.world() == expected
