"""The data the store contract runs on: a world, ids, and command sequences to replay.

:func:`contract_world` is a small settled world with a parent account and its
subaccount, a second account, DIPPs linked and delegated, and domains holding
shared IPs; :data:`SEQUENCES` are command sequences (with partial processing)
that every store replays step by step against
:class:`~ippools.memory_state.MemoryState`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

from ippools.commands import (
    Actor,
    AddDedicatedIp,
    AddPoolIp,
    AddPoolIps,
    AddSharedIp,
    AssignDomainIp,
    Command,
    CreateAccount,
    CreateDomain,
    CreatePool,
    DelegatePool,
    DeletePool,
    EditPool,
    GetDomainIps,
    GetPool,
    ListPoolDomains,
    ListPools,
    RemoveAccount,
    RemoveDedicatedIp,
    RemoveDomain,
    RemoveDomainIp,
    RemoveDomainPool,
    RemovePoolIp,
    RemoveSharedIp,
    RevokeDelegation,
    SetAccountFeatures,
    SetWarmup,
    UnlinkDomainPool,
)
from ippools.model import Account, DedicatedIp, Domain, IPAddress, Pool, parse_ip
from ippools.world import World

__all__ = [
    "NEW_IDS",
    "OTHER",
    "PARENT",
    "POOLS",
    "POOL_A",
    "POOL_B",
    "POOL_C",
    "POOL_D",
    "SEQUENCES",
    "SHARED_1",
    "SHARED_2",
    "SHARED_3",
    "SUB",
    "Step",
    "contract_world",
    "ip",
    "ips",
    "who",
]

Step: TypeAlias = Command | int | None
"""A replay step: a command, or process at most N pending updates (``None``: settle)."""

POOL_A, POOL_B, POOL_C, POOL_D = ("a" * 24, "b" * 24, "c" * 24, "d" * 24)
POOLS = (POOL_A, POOL_B, POOL_C, POOL_D)
NEW_IDS = ("1" * 24, "2" * 24, "3" * 24)
"""The ids handed out to creations, in order."""

PARENT, SUB, OTHER = "acct-1", "acct-1a", "acct-2"
SHARED_1, SHARED_2, SHARED_3 = "203.0.113.1", "203.0.113.2", "203.0.113.3"


def ip(text: str) -> IPAddress:
    """Parse an IP known to be valid (raises ValueError otherwise)."""
    parsed = parse_ip(text)
    if parsed is None:
        raise ValueError(f"not an IP: {text!r}")
    return parsed


def ips(*texts: str) -> frozenset[IPAddress]:
    """A set of IPs from their texts."""
    return frozenset(ip(text) for text in texts)


def who(account_id: str) -> Actor:
    """The account asking, with well-formed audit headers."""
    return Actor(account_id, "ops@example.com", "contract")


def contract_world() -> World:
    """The settled world every check starts from.

    ``acct-1`` (DIPPs, shared-eligible) owns DIPPs A (delegated to its
    subaccount ``acct-1a``), B and the empty D; ``acct-2`` (DIPPs, not eligible)
    owns C. Domains are linked to each DIPP, and some hold shared IPs.
    """
    a_ips = ("10.0.1.1", "10.0.1.2")
    return World(
        accounts=[
            Account(PARENT, None, True, True),
            Account(SUB, PARENT, True, True),
            Account(OTHER, None, True, False),
        ],
        dedicated_ips=[
            *(DedicatedIp(ip(f"10.0.1.{n}"), PARENT, n == 5) for n in range(1, 7)),
            DedicatedIp(ip("2001:db8::1"), PARENT),
            *(DedicatedIp(ip(f"10.0.2.{n}"), OTHER) for n in range(1, 4)),
            DedicatedIp(ip("10.0.3.1"), SUB),
        ],
        shared_ips=[ip(SHARED_1), ip(SHARED_2), ip(SHARED_3)],
        pools=[
            Pool(POOL_A, PARENT, "alpha", "first", ips(*a_ips), frozenset({SUB})),
            Pool(POOL_B, PARENT, "beta", "second", ips("10.0.1.3")),
            Pool(POOL_C, OTHER, "gamma", "third", ips("10.0.2.1")),
            Pool(POOL_D, PARENT, "delta", "spare"),
        ],
        domains=[
            Domain("d-a1", "a1.example.com", PARENT, POOL_A, ips(*a_ips)),
            Domain("d-a2", "A2.Example.com", PARENT, POOL_A, ips(*a_ips)),
            Domain("d-b1", "b1.example.com", PARENT, POOL_B, ips("10.0.1.3")),
            Domain("d-c1", "c1.example.org", OTHER, POOL_C, ips("10.0.2.1")),
            Domain("d-c2", "c2.example.org", OTHER, None, ips("10.0.2.2")),
            Domain("d-s1", "s1.example.net", SUB, POOL_A, ips(*a_ips)),
            Domain("d-s2", "s2.example.net", SUB, None, ips("10.0.3.1")),
            Domain("d-u1", "u1.example.com", PARENT, None, ips(SHARED_1, "10.0.1.4")),
            Domain("d-u2", "u2.example.com", PARENT, None, ips(SHARED_1)),
        ],
    )


def _sequences() -> dict[str, Sequence[Step]]:
    p, s, o = who(PARENT), who(SUB), who(OTHER)
    return {
        "chains of deleted DIPPs": [
            AddPoolIp(p, POOL_A, "10.0.1.4"),
            1,
            RemovePoolIp(p, POOL_A, "10.0.1.1"),
            DeletePool(p, POOL_B, replacement_pool_id=POOL_A),
            GetPool(p, POOL_A),
            EditPool(p, POOL_D, add_ips=("10.0.1.6", "2001:db8::1")),
            DeletePool(p, POOL_A, replacement_pool_id=POOL_D),
            GetPool(s, POOL_D),
            2,
            UnlinkDomainPool(s, "s1.example.net", replacement_ip="10.0.3.1"),
            RemoveDomainPool(p, "a2.example.com."),
            DeletePool(p, POOL_D, replacement_ip="10.0.1.6"),
            RemoveDomainIp(p, "A1.EXAMPLE.COM", "10.0.1.4", replacement_ip="10.0.1.1"),
            CreatePool(p, "epsilon", "last", ("10.0.1.1", "10.0.1.3")),
            DeletePool(p, POOL_D, replacement_pool_id=NEW_IDS[0]),
            GetPool(s, NEW_IDS[0]),
            1,
            RemovePoolIp(p, NEW_IDS[0], "10.0.1.3"),
            GetPool(p, NEW_IDS[0]),
            3,
        ],
        "shared IPs and new DIPPs": [
            DeletePool(p, POOL_B, replacement_ip="shared"),
            RemoveDomainIp(p, "u1.example.com", "10.0.1.4"),
            RemoveDomainIp(p, "u2.example.com", SHARED_1, replacement_ip="shared"),
            UnlinkDomainPool(p, "a1.example.com", replacement_ip="shared"),
            CreatePool(p, "new", "made here", ("10.0.1.4", "10.0.1.6")),
            EditPool(p, NEW_IDS[0], link_domain_ids=("d-u1", "d-b1"), remove_ips=("10.0.1.6",)),
            RemoveDomainIp(p, "u1.example.com", "10.0.1.4"),
            1,
            CreatePool(p, "second", "made too"),
            DeletePool(p, NEW_IDS[1]),
            CreatePool(p, "third", "after a deleted one"),
            GetPool(p, NEW_IDS[0]),
        ],
        "a pending domain changed synchronously": [
            AddPoolIps(o, POOL_C, {"ips": ["10.0.2.2", "10.0.2.3"]}),
            UnlinkDomainPool(o, "c1.example.org", replacement_ip="10.0.2.3"),
            1,
            RemovePoolIp(o, POOL_C, "10.0.2.1"),
            DeletePool(o, POOL_C),
            DeletePool(o, POOL_C, replacement_ip="10.0.2.1"),
            EditPool(o, POOL_C, name="gamma"),
            RemoveDomainIp(o, "c2.example.org", "10.0.2.2"),
            EditPool(p, POOL_A, remove_ips=("10.0.1.1",), unlink_domain_ids=("d-a2",)),
            EditPool(p, POOL_B, link_domain_ids=("d-a2",)),
            None,
            GetPool(p, POOL_A),
        ],
        "delegations, revocations and pages": [
            ListPools(s),
            DelegatePool(p, POOL_B, SUB),
            AssignDomainIp(s, "s2.example.net", pool_id=POOL_B),
            ListPoolDomains(p, POOL_A, "10"),
            ListPoolDomains(s, POOL_B, "10"),
            1,
            AssignDomainIp(p, "u2.example.com", ip="10.0.1.4"),
            AddPoolIp(p, POOL_A, "10.0.1.6"),
            RevokeDelegation(p, POOL_A, SUB, replacement_pool_id=POOL_B),
            ListPools(s),
            AddPoolIp(p, POOL_B, "10.0.1.5"),
            RevokeDelegation(p, POOL_B, SUB, replacement_ip="shared"),
            GetDomainIps(s, "s1.example.net"),
            1,
            DelegatePool(p, POOL_A, SUB),
            AssignDomainIp(s, "s1.example.net", pool_id=POOL_A),
            DeletePool(p, POOL_A, replacement_pool_id=POOL_B),
            ListPools(s),
            ListPoolDomains(s, POOL_B, "10", "ZC1zMQ"),
            RevokeDelegation(p, POOL_B, SUB),
            2,
            ListPools(p),
        ],
        "provisioning by the host": [
            CreateAccount(p, "acct-3", dipps=True),
            CreateAccount(p, "acct-3a", parent_id="acct-3", shared_ip_eligible=True),
            CreateAccount(p, "acct-4", parent_id=SUB),
            AddDedicatedIp(p, "10.0.4.1", "acct-3"),
            AddDedicatedIp(p, "10.0.4.2", "acct-3", warmup=True),
            AddDedicatedIp(p, "10.0.1.1", "acct-3"),
            AddSharedIp(p, "203.0.113.9"),
            CreateDomain(p, "d-n1", "n1.example.org", "acct-3", ("10.0.4.1",)),
            CreateDomain(p, "d-n2", "N1.example.org.", "acct-3", ("10.0.4.2",)),
            CreateDomain(p, "d-n3", "n3.example.org", "acct-3a", ("203.0.113.9",)),
            CreateDomain(p, "d-n4", "n4.example.org", SUB, pool_id=POOL_A),
            CreatePool(who("acct-3"), "n", "d", ("10.0.4.2",)),
            CreateDomain(p, "d-n5", "n5.example.org", "acct-3", pool_id=NEW_IDS[0]),
            SetWarmup(p, "10.0.4.2", False),
            SetAccountFeatures(p, "acct-3a", shared_ip_eligible=False),
            RemoveSharedIp(p, "203.0.113.9"),
            RemoveDomain(p, "d-n3"),
            RemoveSharedIp(p, "203.0.113.9"),
            SetAccountFeatures(p, "acct-3a", shared_ip_eligible=False),
            RemoveDedicatedIp(p, "10.0.4.1"),
            RemoveAccount(p, "acct-3"),
            RemoveAccount(p, "acct-3a"),
            RemoveDomain(p, "d-n1"),
            RemoveDedicatedIp(p, "10.0.4.1"),
            EditPool(who("acct-3"), NEW_IDS[0], add_ips=("10.0.4.2",), name="m"),
            None,
        ],
    }


SEQUENCES: dict[str, Sequence[Step]] = _sequences()
"""The command sequences every store replays, by name."""
