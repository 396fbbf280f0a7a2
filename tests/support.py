"""Compact builders for the worlds and commands that tests use."""

from __future__ import annotations

from collections.abc import Iterable

from ippools import (
    Account,
    Actor,
    DedicatedIp,
    Domain,
    Engine,
    IPAddress,
    MemoryState,
    Policies,
    Pool,
    SequenceIds,
    World,
    parse_ip,
)

POOL_A = "a" * 24
POOL_B = "b" * 24
POOL_C = "c" * 24
NEW_IDS = ["1" * 24, "2" * 24, "3" * 24]


def ip(text: str) -> IPAddress:
    """Parse an IP that the test knows to be valid."""
    parsed = parse_ip(text)
    assert parsed is not None, text
    return parsed


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
