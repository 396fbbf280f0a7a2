"""Strategies for IPs, accounts and valid settled worlds.

:func:`worlds` builds valid settled worlds by construction (no filtering), so
every drawn world passes :func:`ippools.world.world_problems`.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ippools.model import Account, DedicatedIp, Domain, IPAddress, Pool, sorted_ips
from ippools.testing._arguments import check_bool, check_int, check_optional_bool, check_strategy
from ippools.testing._choices import below, choose, mostly, often, pick, sometimes, subset
from ippools.world import World

__all__ = ["POOL_NAMES", "accounts", "ips", "worlds"]

_ACCOUNT_IDS = tuple(f"acct-{n}" for n in range(1, 10))
POOL_NAMES = ("pool", "Pool B", " spaced ", "", "  ", "ünïcode")
"""DIPP names and descriptions that worlds and commands use: blank and odd ones included (K7)."""


# -- IPs and accounts ----------------------------------------------------------


def _v4(n: int) -> IPAddress:
    return ipaddress.IPv4Address(f"198.51.100.{n}")


def _v6(n: int) -> IPAddress:
    return ipaddress.IPv6Address(f"2001:db8::{n:x}")


def _mapped(n: int) -> IPAddress:
    return ipaddress.IPv6Address(f"::ffff:198.51.100.{n}")


def ips(*, v4: bool = True, v6: bool = True) -> st.SearchStrategy[IPAddress]:
    """IP addresses: mostly documentation addresses, sometimes any address.

    With ``v6=True`` this includes IPv4-mapped IPv6 addresses (K4), which are
    distinct from the IPv4 address they map. At least one of ``v4`` and ``v6``
    must be True.
    """
    check_bool("v4", v4)
    check_bool("v6", v6)
    if not (v4 or v6):
        raise InvalidArgument("ips() needs v4=True or v6=True; both are False")
    branches: list[st.SearchStrategy[IPAddress]] = []
    if v4:
        branches += [st.integers(1, 254).map(_v4), st.ip_addresses(v=4)]
    if v6:
        branches += [
            st.integers(1, 0xFFFF).map(_v6),
            st.integers(1, 254).map(_mapped),
            st.ip_addresses(v=6),
        ]
    return st.one_of(branches)


@st.composite
def _accounts(
    draw: st.DrawFn,
    ids: st.SearchStrategy[str],
    parent_ids: st.SearchStrategy[str | None],
    dipps: bool | None,
    shared_ip_eligible: bool | None,
) -> Account:
    account_id = draw(ids)
    parent_id = draw(parent_ids)
    if parent_id == account_id:
        parent_id = None
    has_dipps = draw(st.booleans()) if dipps is None else dipps
    eligible = draw(st.booleans()) if shared_ip_eligible is None else shared_ip_eligible
    return Account(account_id, parent_id, has_dipps, eligible)


def accounts(
    *,
    ids: st.SearchStrategy[str] | None = None,
    parent_ids: st.SearchStrategy[str | None] | None = None,
    dipps: bool | None = None,
    shared_ip_eligible: bool | None = None,
) -> st.SearchStrategy[Account]:
    """Single :class:`~ippools.model.Account` records.

    ``ids`` draws the id (default ``acct-1`` ... ``acct-9``); ``parent_ids`` draws
    the parent id or None (default: top-level accounts only); a drawn parent
    equal to the drawn id leaves the account top-level. ``dipps`` and
    ``shared_ip_eligible`` fix the flags when given and are drawn when None.
    """
    check_strategy("ids", ids)
    check_strategy("parent_ids", parent_ids)
    check_optional_bool("dipps", dipps)
    check_optional_bool("shared_ip_eligible", shared_ip_eligible)
    return _accounts(
        ids if ids is not None else st.sampled_from(_ACCOUNT_IDS),
        parent_ids if parent_ids is not None else st.none(),
        dipps,
        shared_ip_eligible,
    )


# -- worlds --------------------------------------------------------------------


def _world_pool_id(index: int) -> str:
    return "abcdef"[index] * 24 if index < 6 else f"e{index:023x}"


# The addresses of worlds: few, small and readable; IPv4, IPv6 and IPv4-mapped IPv6 (K4)
# dedicated addresses, and shared ones from other documentation ranges, so that the two
# never collide and a failing example shrinks to the first address in one step.
_DEDICATED_ADDRESSES: tuple[IPAddress, ...] = tuple(
    ip for n in range(1, 9) for ip in (_v4(n), _v6(n), _mapped(n))
)
_SHARED_ADDRESSES: tuple[IPAddress, ...] = tuple(
    ip
    for n in range(1, 5)
    for ip in (ipaddress.IPv4Address(f"203.0.113.{n}"), ipaddress.IPv6Address(f"2001:db8:5::{n}"))
)


@lru_cache(maxsize=64)
def _dedicated_ip(
    parents: tuple[str, ...], account_ids: tuple[str, ...]
) -> st.SearchStrategy[DedicatedIp]:
    """One dedicated IP, mostly a parent's, so that its DIPPs can be delegated (one strategy
    per family of accounts)."""

    @st.composite
    def dedicated_ip(draw: st.DrawFn) -> DedicatedIp:
        ip = choose(draw, _DEDICATED_ADDRESSES)
        return DedicatedIp(ip, pick(draw, (1, parents), (1, account_ids)), sometimes(draw, 3))

    return dedicated_ip()


@st.composite
def _domain(
    draw: st.DrawFn, options: dict[str, tuple[list[Pool], list[IPAddress], list[IPAddress]]]
) -> Domain:
    """A domain with a placeholder id and name: linked to a visible DIPP holding its IPs
    (I1, I2, I6), or holding some of the account's dedicated IPs and, if eligible, the
    lowest shared IPs (I5)."""
    owner = pick(
        draw,
        (2, sorted(a for a, (linkable, _, _) in options.items() if linkable)),
        (1, sorted(a for a, (_, _, eligible) in options.items() if eligible)),
        (1, sorted(options)),
    )
    linkable, own, eligible = options[owner]
    name = choose(draw, ("mail{}.example.com", "Mail{}.Example.COM"))
    if linkable and (not (own or eligible) or not sometimes(draw, 3)):
        link = choose(draw, linkable)
        return Domain("dom-0", name, owner, link.pool_id, link.ips)
    own_count = draw(below(min(2, len(own)) + 1)) if own else 0
    shared_count = draw(below(len(eligible) + 1)) if eligible else 0
    if own_count + shared_count == 0:
        own_count, shared_count = (1, 0) if own else (0, 1)
    held = subset(draw, own, own_count, own_count) if own_count else []
    return Domain("dom-0", name, owner, None, held + eligible[:shared_count])


@st.composite
def _worlds(
    draw: st.DrawFn,
    max_accounts: int,
    min_subaccounts: int,
    min_domains: int,
    max_domains: int,
    min_pools: int,
    max_pools: int,
    min_dedicated_ips: int,
    max_dedicated_ips: int,
    max_shared_ips: int,
) -> World:
    # Accounts first, a small bounded count: later ones are mostly subaccounts of earlier
    # top-level ones (inherited DIPPs). The first is top-level; once the accounts left are
    # as many as the subaccounts still wanted, each is a subaccount (no draw for that).
    accounts_: list[Account] = []
    count = 1 + min_subaccounts + draw(below(max_accounts - min_subaccounts))
    for index in range(count):
        tops = [a.id for a in accounts_ if a.parent_id is None]
        wanted = min_subaccounts - (len(accounts_) - len(tops))
        forced = bool(tops) and wanted >= count - index
        parent = choose(draw, tops) if tops and (forced or often(draw)) else None
        accounts_.append(Account(f"acct-{index + 1}", parent, mostly(draw), often(draw)))
    account_ids = [a.id for a in accounts_]
    parents = sorted({a.parent_id for a in accounts_ if a.parent_id is not None})

    # IPs, then domains, are lists: shrinking deletes any one of them directly.
    dedicated = draw(
        st.lists(
            _dedicated_ip(tuple(parents), tuple(account_ids)),
            min_size=min_dedicated_ips,
            max_size=max_dedicated_ips,
            unique_by=lambda record: record.ip,
        )
    )
    shared = sorted_ips(subset(draw, _SHARED_ADDRESSES, 0, max_shared_ips))

    # DIPPs: mostly owned by an account with the feature and free dedicated IPs, holding
    # some of them (I3), and mostly by a parent, which may delegate them.
    free: dict[str, list[IPAddress]] = {}
    for record in dedicated:
        free.setdefault(record.account_id, []).append(record.ip)
    featured = {a.id for a in accounts_ if a.dipps}
    owners: list[str] = []
    pool_ips: list[list[IPAddress]] = []
    for _ in range(min_pools + draw(below(max_pools - min_pools + 1))):
        with_free = [a for a in account_ids if free.get(a)]
        able = [a for a in with_free if a in featured]
        owner = pick(
            draw,
            (3, [a for a in able if a in parents]),  # a DIPP it may delegate
            (3, able),
            (1, with_free),
            (1, account_ids),
        )
        held: list[IPAddress] = []
        if free.get(owner) and not sometimes(draw):
            # Mostly leave the owner an IP in no DIPP, so that commands can add one.
            most = max(1, len(free[owner]) - 1)
            held = subset(draw, free[owner], 1, most)
            free[owner] = [ip for ip in free[owner] if ip not in held]
        owners.append(owner)
        pool_ips.append(held)
    pools: list[Pool] = []
    for index, owner in enumerate(owners):
        subs = [a.id for a in accounts_ if a.parent_id == owner]
        delegated: list[str] = []
        if subs and pool_ips[index] and often(draw):  # I4, I7: only with IPs, to subaccounts
            delegated = subset(draw, subs, 1, len(subs))
        name = choose(draw, POOL_NAMES)
        description = choose(draw, ("a pool", *POOL_NAMES))
        pools.append(
            Pool(_world_pool_id(index), owner, name, description, pool_ips[index], delegated)
        )

    # Domains: eligible ones hold the lowest shared IPs, so the shared IPs are held
    # unevenly, the lowest by the most domains, and D4's choice is not simply the lowest.
    options: dict[str, tuple[list[Pool], list[IPAddress], list[IPAddress]]] = {}
    for account in accounts_:
        linkable = [
            p
            for p in pools
            if p.ips and (account.id == p.account_id or account.id in p.delegated_to)
        ]
        own = [r.ip for r in dedicated if r.account_id == account.id]
        eligible = shared if account.shared_ip_eligible else []
        if linkable or own or eligible:
            options[account.id] = (linkable, own, eligible)
    domains: list[Domain] = []
    if options:
        drawn = draw(st.lists(_domain(options), min_size=min_domains, max_size=max_domains))
        for index, domain in enumerate(drawn, start=1):
            named = domain.name.format(index)
            domains.append(attrs.evolve(domain, id=f"dom-{index}", name=named))
    return World(accounts_, dedicated, shared, domains, pools)


def worlds(
    *,
    max_accounts: int = 4,
    min_subaccounts: int = 0,
    min_domains: int = 0,
    max_domains: int = 6,
    min_pools: int = 0,
    max_pools: int = 3,
    min_dedicated_ips: int = 0,
    max_dedicated_ips: int = 8,
    max_shared_ips: int = 3,
) -> st.SearchStrategy[World]:
    """Valid settled worlds: every reference resolves and I1-I7 hold.

    Accounts are ``acct-1``, ``acct-2``, ...; later ones are mostly subaccounts
    of earlier top-level ones; the DIPPs feature and shared-IP eligibility vary.
    Dedicated IPs (some on warmup, mostly a parent's) are documentation
    addresses, IPv4, IPv6 and IPv4-mapped; shared IPs come from other
    documentation ranges (``203.0.113.0/24``, ``2001:db8:5::/64``). DIPPs are
    mostly owned by a parent, hold some of their owner's dedicated IPs and may
    be delegated to the owner's subaccounts. Each domain is either linked to a
    DIPP visible to its account (inherited ones included), holding exactly that
    DIPP's IPs, or unlinked, holding some of its account's dedicated IPs and, if
    eligible, the lowest shared IPs, so that shared IPs are held unevenly.

    Shrinking goes towards fewer records: dedicated IPs and domains are lists
    from which any one record can be deleted, other counts are small integers
    drawn before the records, and every choice shrinks to its first value.

    ``min_subaccounts`` asks for at least that many subaccounts, built as such
    (no world is filtered out): the accounts past the first are then subaccounts
    as far as needed, and the smallest world shrunk to has one top-level account
    with ``min_subaccounts`` subaccounts.

    ``max_accounts`` must be at least 1, the other limits at least 0, and each
    ``min_`` at most its ``max_``. Since a domain must hold an IP, ``min_domains``
    above 0 needs ``min_dedicated_ips`` above 0; since a subaccount's parent is a
    top-level account, ``max_accounts`` must exceed ``min_subaccounts``.
    """
    check_int("max_accounts", max_accounts, minimum=1)
    check_int("min_subaccounts", min_subaccounts, minimum=0)
    if max_accounts <= min_subaccounts:
        raise InvalidArgument(
            f"min_subaccounts={min_subaccounts} needs max_accounts >= {min_subaccounts + 1}: "
            "a subaccount's parent is a top-level account"
        )
    check_int("min_domains", min_domains, minimum=0)
    check_int("max_domains", max_domains, minimum=min_domains, floor="min_domains")
    check_int("min_pools", min_pools, minimum=0)
    check_int("max_pools", max_pools, minimum=min_pools, floor="min_pools")
    check_int("min_dedicated_ips", min_dedicated_ips, minimum=0)
    check_int(
        "max_dedicated_ips", max_dedicated_ips, minimum=min_dedicated_ips, floor="min_dedicated_ips"
    )
    check_int("max_shared_ips", max_shared_ips, minimum=0)
    if min_domains > 0 and min_dedicated_ips == 0:
        raise InvalidArgument(
            f"min_domains={min_domains} needs min_dedicated_ips >= 1: every domain holds an IP"
        )
    return _worlds(
        max_accounts,
        min_subaccounts,
        min_domains,
        max_domains,
        min_pools,
        max_pools,
        min_dedicated_ips,
        max_dedicated_ips,
        max_shared_ips,
    )
